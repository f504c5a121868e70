//! Documents kept in versions (annual threat assessments, bulletins): their
//! drafts saved as JSON with every version kept, a change saved only onto the
//! version it was made to, and the rules shared by every document read by an
//! audience (who reads it, why it is exported).
//!
//! SECURITY: a document is opened only when [`decide`] allows its envelope
//! (`Versioned::envelope`: its member's, released to its audience) and
//! answers "not found" when denied, its history as much. Only its member's
//! content authors ([`DocumentDraft::edits`]) write it, at most at their
//! clearance, citing only reports they may read.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::Timestamp;
use godwit_domain::assessment::is_citable_report;
use godwit_domain::document::{DocumentDraft, SavedVersion, Versioned, reached_members, stand_in_readers};
use godwit_domain::item::Item;
use godwit_domain::marking::Classification;
use godwit_domain::member::{Audience, MemberCode};
use godwit_domain::policy::decide;
use godwit_domain::user::Subject;
use sea_query::{DynIden, Expr, ExprTrait, IntoIden, Order, Query};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::error::corrupt;
use crate::schema::{DocumentVersions, Documents};
use crate::{Store, StoreError, parse_uuid};

/// A document's draft as the store keeps it: where, and what goes beside it.
pub trait StoredDraft: DocumentDraft + Serialize + DeserializeOwned + Send + Sync {
    /// Who writes the documents, as said to whoever may not.
    const WRITERS: &'static str;

    /// The table of the documents.
    fn table() -> DynIden;
    /// The table of their versions, and its column naming the document.
    fn versions() -> (DynIden, DynIden);
    /// The columns beside [`Documents`]' for lists, with the draft's values.
    fn listed(&self) -> Vec<(DynIden, Expr)>;
    /// The one of them lists sort by, newest first.
    fn newest() -> DynIden;
    /// What the audit trail records of a saved version beside its number,
    /// audience and classification.
    fn audited(&self) -> serde_json::Map<String, serde_json::Value>;
}

/// The longest reason for an export the audit trail keeps.
pub const MAX_REASON_CHARS: usize = 500;

/// Checks the reason given for an export of a document (an assessment, a
/// survey's findings, a bulletin): said, and at most [`MAX_REASON_CHARS`] characters.
pub fn check_export_reason(reason: &str) -> Result<(), StoreError> {
    if reason.trim().is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(StoreError::Invalid(godwit_domain::ValidationErrors::single(
            "reason",
            format!("say why, in at most {MAX_REASON_CHARS} characters"),
        )));
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: String,
    member: String,
    organisation: String,
    created_by: String,
    draft: String,
    version: i64,
    created_at: i64,
    updated_by: String,
    updated_at: i64,
}

const COLUMNS: [Documents; 9] = [
    Documents::Id,
    Documents::Member,
    Documents::Organisation,
    Documents::CreatedBy,
    Documents::Draft,
    Documents::Version,
    Documents::CreatedAt,
    Documents::UpdatedBy,
    Documents::UpdatedAt,
];

fn version_number<D: DocumentDraft>(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt(D::NAME, "version", value))
}

fn draft_of<D: StoredDraft>(text: &str) -> Result<D, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt(D::NAME, "draft", text))
}

impl DocumentRow {
    fn read<D: StoredDraft>(self) -> Result<Versioned<D>, StoreError> {
        Ok(Versioned {
            id: parse_uuid(&self.id)?,
            member: MemberCode(self.member),
            organisation: parse_uuid(&self.organisation)?,
            created_by: parse_uuid(&self.created_by)?,
            draft: draft_of(&self.draft)?,
            version: version_number::<D>(self.version)?,
            created_at: Timestamp(self.created_at),
            updated_by: parse_uuid(&self.updated_by)?,
            updated_at: Timestamp(self.updated_at),
        })
    }
}

/// Refuses `subject` unless it writes the documents of `member`.
fn check_writes<D: StoredDraft>(subject: &Subject, member: &MemberCode) -> Result<(), StoreError> {
    if D::edits(subject, member) { Ok(()) } else { Err(StoreError::Forbidden(D::WRITERS.into())) }
}

impl Store {
    /// Every document of a kind, WITHOUT any policy check: for this module's own use.
    async fn all_documents<D: StoredDraft>(&self) -> Result<Vec<Versioned<D>>, StoreError> {
        let rows: Vec<DocumentRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from(D::table())
                    .order_by(D::newest(), Order::Desc)
                    .order_by(Documents::UpdatedAt, Order::Desc),
            )
            .await?;
        rows.into_iter().map(DocumentRow::read).collect()
    }

    /// The documents of a kind `subject` may open (judged by `decide`), newest first.
    pub async fn documents<D: StoredDraft>(&self, subject: &Subject) -> Result<Vec<Versioned<D>>, StoreError> {
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let mut all = self.all_documents::<D>().await?;
        all.retain(|d| decide(subject, &d.envelope(), &agreements, now).is_allowed());
        Ok(all)
    }

    /// One document; not found when there is none or `subject` may not open it.
    pub(crate) async fn openable_document<D: StoredDraft>(
        &self,
        subject: &Subject,
        id: Uuid,
    ) -> Result<Versioned<D>, StoreError> {
        self.documents(subject).await?.into_iter().find(|d| d.id == id).ok_or(StoreError::NotFound(D::NAME))
    }

    /// Checks that every report cited is a published report about people
    /// smuggling, trafficking or irregular migration that `subject` may read;
    /// one it may not read is refused exactly as one that does not exist.
    async fn check_cited(&self, subject: &Subject, cited: &[Uuid]) -> Result<(), StoreError> {
        let readable: BTreeMap<Uuid, Item> =
            self.readable_items(subject, cited).await?.into_iter().map(|i| (i.id, i)).collect();
        let mut errors = godwit_domain::ValidationErrors::default();
        for (n, id) in cited.iter().enumerate() {
            if !readable.get(id).is_some_and(|i| is_citable_report(&i.envelope())) {
                errors.push(
                    format!("reports/{n}"),
                    "is not a published report on people smuggling, trafficking or irregular migration that you may read",
                );
            }
        }
        Ok(errors.into_result()?)
    }

    async fn check_document_draft<D: StoredDraft>(&self, subject: &Subject, draft: &D) -> Result<(), StoreError> {
        let members: BTreeSet<MemberCode> = self.members().await?.into_iter().map(|m| m.code).collect();
        let groups: BTreeSet<String> = self.groups().await?.into_iter().map(|g| g.code).collect();
        draft.validate(&self.scale(), &members, &groups)?;
        if draft.marking().classification > subject.clearance {
            return Err(StoreError::Invalid(godwit_domain::ValidationErrors::single(
                "classification",
                "is above your clearance",
            )));
        }
        if draft.cited().is_empty() { Ok(()) } else { self.check_cited(subject, draft.cited()).await }
    }

    /// Writes version `document.version` to the history and the audit chain
    /// (as `action`: `assessment.create`…).
    async fn record_version<D: StoredDraft>(
        tx: &mut crate::db::Tx,
        subject: &Subject,
        document: &Versioned<D>,
        action: &str,
    ) -> Result<(), StoreError> {
        let now = document.updated_at;
        let (versions, document_id) = D::versions();
        tx.target()
            .execute(
                Query::insert()
                    .into_table(versions)
                    .columns([
                        document_id,
                        DocumentVersions::Version.into_iden(),
                        DocumentVersions::Draft.into_iden(),
                        DocumentVersions::ChangedBy.into_iden(),
                        DocumentVersions::ChangedMember.into_iden(),
                        DocumentVersions::ChangedAt.into_iden(),
                    ])
                    .values_panic([
                        document.id.to_string().into(),
                        i64::from(document.version).into(),
                        serde_json::to_string(&document.draft)?.into(),
                        subject.user.to_string().into(),
                        subject.member.as_str().into(),
                        now.0.into(),
                    ]),
            )
            .await
            .map_err(|e| e.unique_as_conflict(&format!("this version of the {}", D::NAME)))?;
        let d = &document.draft;
        let mut details = d.audited();
        details.insert("version".into(), document.version.into());
        details.insert("audience".into(), serde_json::to_value(d.audience())?);
        details.insert("classification".into(), serde_json::to_value(d.marking().classification)?);
        audit::append(
            tx,
            now,
            &[AuditEvent::new(action).by(subject.user, &subject.member).on(document.id).with(details.into())],
        )
        .await
    }

    /// Starts a document of `subject`'s member; by its content authors.
    /// Audited as `<kind>.create` (`assessment.create`…).
    pub async fn create_document<D: StoredDraft>(
        &self,
        subject: &Subject,
        draft: D,
    ) -> Result<Versioned<D>, StoreError> {
        check_writes::<D>(subject, &subject.member)?;
        let draft = draft.normalised();
        self.check_document_draft(subject, &draft).await?;
        let now = self.clock().now();
        let document = Versioned {
            id: Uuid::now_v7(),
            member: subject.member.clone(),
            organisation: subject.organisation,
            created_by: subject.user,
            draft,
            version: 1,
            created_at: now,
            updated_by: subject.user,
            updated_at: now,
        };
        let d = &document.draft;
        let (listed, values): (Vec<DynIden>, Vec<Expr>) = d.listed().into_iter().unzip();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(D::table())
                    .columns(
                        COLUMNS
                            .into_iter()
                            .map(IntoIden::into_iden)
                            .chain([Documents::Title.into_iden()])
                            .chain(listed),
                    )
                    .values_panic(
                        [
                            document.id.to_string().into(),
                            document.member.as_str().into(),
                            document.organisation.to_string().into(),
                            subject.user.to_string().into(),
                            serde_json::to_string(d)?.into(),
                            1i64.into(),
                            now.0.into(),
                            subject.user.to_string().into(),
                            now.0.into(),
                            d.title().into(),
                        ]
                        .into_iter()
                        .chain(values),
                    ),
            )
            .await?;
        Self::record_version(&mut tx, subject, &document, &format!("{}.create", D::NAME)).await?;
        tx.commit().await?;
        Ok(document)
    }

    /// Saves a change made to version `based_on`; a conflict when someone
    /// saved another version meanwhile. Audited as `<kind>.update`.
    pub async fn update_document<D: StoredDraft>(
        &self,
        subject: &Subject,
        id: Uuid,
        based_on: u32,
        draft: D,
    ) -> Result<Versioned<D>, StoreError> {
        let current = self.openable_document::<D>(subject, id).await?;
        check_writes::<D>(subject, &current.member)?;
        let draft = draft.normalised();
        self.check_document_draft(subject, &draft).await?;
        let now = self.clock().now();
        let updated =
            Versioned { draft, version: current.version + 1, updated_by: subject.user, updated_at: now, ..current };
        let d = &updated.draft;
        let values = d.listed().into_iter().chain([
            (Documents::Title.into_iden(), d.title().into()),
            (Documents::Draft.into_iden(), serde_json::to_string(d)?.into()),
            (Documents::Version.into_iden(), i64::from(updated.version).into()),
            (Documents::UpdatedBy.into_iden(), subject.user.to_string().into()),
            (Documents::UpdatedAt.into_iden(), now.0.into()),
        ]);
        let mut tx = self.pool.begin().await?;
        let changed = tx
            .target()
            .execute(
                Query::update()
                    .table(D::table())
                    .values(values)
                    .and_where(Expr::col(Documents::Id).eq(id.to_string()))
                    .and_where(Expr::col(Documents::Version).eq(i64::from(based_on))),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!(
                "the {} was changed by someone else (now version {}); reload it and make your change again",
                D::NAME,
                updated.version - 1
            )));
        }
        Self::record_version(&mut tx, subject, &updated, &format!("{}.update", D::NAME)).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Every saved version of a document `subject` may open, newest first.
    pub async fn document_history<D: StoredDraft>(
        &self,
        subject: &Subject,
        id: Uuid,
    ) -> Result<Vec<SavedVersion<D>>, StoreError> {
        let document = self.openable_document::<D>(subject, id).await?;
        let (versions, document_id) = D::versions();
        let rows: Vec<(i64, String, String, String, i64)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([
                        DocumentVersions::Version,
                        DocumentVersions::Draft,
                        DocumentVersions::ChangedBy,
                        DocumentVersions::ChangedMember,
                        DocumentVersions::ChangedAt,
                    ])
                    .from(versions)
                    .and_where(Expr::col(document_id).eq(document.id.to_string()))
                    .order_by(DocumentVersions::Version, Order::Desc),
            )
            .await?;
        rows.into_iter()
            .map(|(version, draft, by, member, at)| {
                Ok(SavedVersion {
                    version: version_number::<D>(version)?,
                    changed_by: parse_uuid(&by)?,
                    changed_member: MemberCode(member),
                    changed_at: Timestamp(at),
                    draft: draft_of(&draft)?,
                })
            })
            .collect()
    }

    /// The stand-in readers, cleared to `ceiling`, of every member a document
    /// of `own` member for `audience` reaches: its audience's members, the
    /// members of its audience's groups, and its own.
    pub(crate) async fn document_readers(
        &self,
        own: &MemberCode,
        audience: &Audience,
        ceiling: Classification,
    ) -> Result<Vec<Subject>, StoreError> {
        let groups: BTreeMap<String, BTreeSet<MemberCode>> =
            self.groups().await?.into_iter().map(|g| (g.code, g.members.into_iter().collect())).collect();
        Ok(stand_in_readers(&reached_members(own, audience, &groups), ceiling))
    }
}
