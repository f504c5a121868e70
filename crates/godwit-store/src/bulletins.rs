//! Bulletins: what their editors write (kept with every saved version), and
//! the bulletin assembled for its audience from the items published in its
//! period and the incident records of that period.
//!
//! SECURITY: opening a bulletin is judged by [`decide`] on its envelope
//! (`Bulletin::envelope`: its member's, released to its audience) and
//! answers "not found" when denied. What the bulletin holds is judged for
//! its audience, not for whoever opens it: an item or an incident record
//! counts only when `decide` allows it to a stand-in reader of every member
//! the bulletin reaches (`godwit_domain::document`), so every viewer and
//! every copy distributed shows the same bulletin, and none holds what a
//! member of its audience may not read. Reads above the lowest
//! classification are audited (`bulletin.read`), distributions always
//! (`bulletin.distribute`, with the recipients, the method and the reason).

use std::collections::BTreeSet;

use godwit_domain::Timestamp;
use godwit_domain::bulletin::{Bulletin, BulletinDraft, Edition, edits_bulletin};
use godwit_domain::document::DocumentMarking;
use godwit_domain::incident::Dimension;
use godwit_domain::item::{Item, ItemKind, ItemState};
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use godwit_domain::policy::decide;
use godwit_domain::user::Subject;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::analysis::{AnalysisFilter, Counts, Readers, TopRow};
use crate::assessments::check_export_reason;
use crate::audit::{self, AuditEvent};
use crate::items::{ITEM_COLUMNS, ItemSummary, read_items};
use crate::schema::{BulletinVersions, Bulletins, Items};
use crate::{Store, StoreError, parse_uuid};

/// How many nationalities a bulletin's incident figures name.
const TOP_NATIONALITIES: usize = 10;

/// A bulletin as its audience reads it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AssembledBulletin {
    pub bulletin: Bulletin,
    /// "September–October 2026".
    pub period: String,
    /// At least the editors' marking and the highest of what it holds.
    pub marking: DocumentMarking,
    /// Every member the bulletin reaches: its audience's and its own.
    pub reaches: Vec<MemberCode>,
    /// The items published in the period that every member reached may
    /// read, one section per kind its edition reports (in that order), each
    /// oldest first.
    pub sections: Vec<BulletinSection>,
    /// Incident records of the period every member reached may read.
    pub incidents: Counts,
    /// Those records by category, most first.
    pub by_category: Vec<TopRow>,
    /// Those records by the nationality of the persons, most first (the ten first).
    pub by_nationality: Vec<TopRow>,
    /// For its editors: items published in the period that they read but
    /// some member reached may not, and so were left out.
    pub left_out: Option<Vec<ItemSummary>>,
}

impl AssembledBulletin {
    /// The bulletin's envelope at its marking: what banners and copies show.
    pub fn envelope(&self) -> godwit_domain::item::Envelope {
        let mut envelope = self.bulletin.envelope();
        envelope.classification = self.marking.classification;
        envelope.tlp = self.marking.tlp;
        envelope.caveats = self.marking.caveats;
        envelope
    }

    /// What it is, for whom and from whom: "The monthly intelligence
    /// bulletin of October 2026 for PIDC by FJI, version 2. It reaches …".
    pub fn about(&self) -> String {
        let b = &self.bulletin;
        format!(
            "The {} of {} for {} by {}, version {}. It reaches {}, and holds only what each of them may read.",
            b.draft.edition.name().to_lowercase(),
            self.period,
            b.draft.audience.label(),
            b.member,
            b.version,
            self.reaches.iter().map(MemberCode::as_str).collect::<Vec<_>>().join(", ")
        )
    }

    /// Every item it holds.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }
}

/// The items of one kind in a bulletin.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct BulletinSection {
    pub kind: ItemKind,
    /// "Intelligence reports".
    pub heading: String,
    pub items: Vec<Item>,
}

/// One saved version of a bulletin.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct BulletinVersion {
    pub version: u32,
    pub changed_by: Uuid,
    pub changed_member: MemberCode,
    pub changed_at: Timestamp,
    pub draft: BulletinDraft,
}

#[derive(sqlx::FromRow)]
struct BulletinRow {
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

const COLUMNS: [Bulletins; 9] = [
    Bulletins::Id,
    Bulletins::Member,
    Bulletins::Organisation,
    Bulletins::CreatedBy,
    Bulletins::Draft,
    Bulletins::Version,
    Bulletins::CreatedAt,
    Bulletins::UpdatedBy,
    Bulletins::UpdatedAt,
];

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("bulletin {what}: {value}"))
}

fn version_number(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt("version", &value.to_string()))
}

fn draft_of(text: &str) -> Result<BulletinDraft, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt("draft", text))
}

impl TryFrom<BulletinRow> for Bulletin {
    type Error = StoreError;

    fn try_from(row: BulletinRow) -> Result<Self, StoreError> {
        Ok(Bulletin {
            id: parse_uuid(&row.id)?,
            member: MemberCode(row.member),
            organisation: parse_uuid(&row.organisation)?,
            created_by: parse_uuid(&row.created_by)?,
            draft: draft_of(&row.draft)?,
            version: version_number(row.version)?,
            created_at: Timestamp(row.created_at),
            updated_by: parse_uuid(&row.updated_by)?,
            updated_at: Timestamp(row.updated_at),
        })
    }
}

fn forbidden() -> StoreError {
    StoreError::Forbidden("bulletins are compiled by the analysts, officers and focal points of their member".into())
}

/// Midnight UTC at the start of `day`.
fn midnight(day: time::Date) -> Timestamp {
    Timestamp::from_datetime(day.midnight().assume_utc())
}

impl Store {
    /// Every bulletin, WITHOUT any policy check: for this module's own use.
    async fn all_bulletins(&self) -> Result<Vec<Bulletin>, StoreError> {
        let rows: Vec<BulletinRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from(Bulletins::Table)
                    .order_by(Bulletins::Period, Order::Desc)
                    .order_by(Bulletins::UpdatedAt, Order::Desc),
            )
            .await?;
        rows.into_iter().map(Bulletin::try_from).collect()
    }

    /// The bulletins `subject` may open (judged by `decide`), newest period first.
    pub async fn bulletins(&self, subject: &Subject) -> Result<Vec<Bulletin>, StoreError> {
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let mut all = self.all_bulletins().await?;
        all.retain(|b| decide(subject, &b.envelope(), &agreements, now).is_allowed());
        Ok(all)
    }

    /// One bulletin; not found when there is none or `subject` may not open it.
    async fn openable_bulletin(&self, subject: &Subject, id: Uuid) -> Result<Bulletin, StoreError> {
        self.bulletins(subject).await?.into_iter().find(|b| b.id == id).ok_or(StoreError::NotFound("bulletin"))
    }

    async fn check_bulletin_draft(&self, subject: &Subject, draft: &BulletinDraft) -> Result<(), StoreError> {
        let members: BTreeSet<MemberCode> = self.members().await?.into_iter().map(|m| m.code).collect();
        let groups: BTreeSet<String> = self.groups().await?.into_iter().map(|g| g.code).collect();
        draft.validate(&self.scale(), &members, &groups)?;
        if draft.classification > subject.clearance {
            return Err(StoreError::Invalid(godwit_domain::ValidationErrors::single(
                "classification",
                "is above your clearance",
            )));
        }
        Ok(())
    }

    /// Writes version `bulletin.version` to the history and the audit chain.
    async fn record_bulletin_version(
        tx: &mut crate::db::Tx,
        subject: &Subject,
        bulletin: &Bulletin,
        action: &str,
    ) -> Result<(), StoreError> {
        let now = bulletin.updated_at;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(BulletinVersions::Table)
                    .columns([
                        BulletinVersions::BulletinId,
                        BulletinVersions::Version,
                        BulletinVersions::Draft,
                        BulletinVersions::ChangedBy,
                        BulletinVersions::ChangedMember,
                        BulletinVersions::ChangedAt,
                    ])
                    .values_panic([
                        bulletin.id.to_string().into(),
                        i64::from(bulletin.version).into(),
                        serde_json::to_string(&bulletin.draft)?.into(),
                        subject.user.to_string().into(),
                        subject.member.as_str().into(),
                        now.0.into(),
                    ]),
            )
            .await
            .map_err(|e| e.unique_as_conflict("this version of the bulletin"))?;
        let d = &bulletin.draft;
        audit::append(
            tx,
            now,
            &[AuditEvent::new(action).by(subject.user, &subject.member).on(bulletin.id).with(serde_json::json!({
                "version": bulletin.version,
                "edition": d.edition,
                "period": d.period,
                "audience": d.audience,
                "classification": d.classification,
            }))],
        )
        .await
    }

    /// Starts a bulletin of `subject`'s member; by its content authors.
    /// Audited as `bulletin.create`.
    pub async fn create_bulletin(&self, subject: &Subject, draft: BulletinDraft) -> Result<Bulletin, StoreError> {
        if !edits_bulletin(subject, &subject.member) {
            return Err(forbidden());
        }
        let draft = draft.normalised();
        self.check_bulletin_draft(subject, &draft).await?;
        let now = self.clock().now();
        let bulletin = Bulletin {
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
        let d = &bulletin.draft;
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(Bulletins::Table)
                    .columns(COLUMNS.into_iter().chain([Bulletins::Edition, Bulletins::Period, Bulletins::Title]))
                    .values_panic([
                        bulletin.id.to_string().into(),
                        bulletin.member.as_str().into(),
                        bulletin.organisation.to_string().into(),
                        subject.user.to_string().into(),
                        serde_json::to_string(d)?.into(),
                        1i64.into(),
                        now.0.into(),
                        subject.user.to_string().into(),
                        now.0.into(),
                        d.edition.as_str().into(),
                        d.period.to_string().into(),
                        d.title.as_str().into(),
                    ]),
            )
            .await?;
        Self::record_bulletin_version(&mut tx, subject, &bulletin, "bulletin.create").await?;
        tx.commit().await?;
        Ok(bulletin)
    }

    /// Saves a change (the foreword, the markings…) made to version
    /// `based_on`; a conflict when someone saved another version meanwhile.
    /// Audited as `bulletin.update`.
    pub async fn update_bulletin(
        &self,
        subject: &Subject,
        id: Uuid,
        based_on: u32,
        draft: BulletinDraft,
    ) -> Result<Bulletin, StoreError> {
        let current = self.openable_bulletin(subject, id).await?;
        if !edits_bulletin(subject, &current.member) {
            return Err(forbidden());
        }
        let draft = draft.normalised();
        self.check_bulletin_draft(subject, &draft).await?;
        let now = self.clock().now();
        let updated =
            Bulletin { draft, version: current.version + 1, updated_by: subject.user, updated_at: now, ..current };
        let d = &updated.draft;
        let mut tx = self.pool.begin().await?;
        let changed = tx
            .target()
            .execute(
                Query::update()
                    .table(Bulletins::Table)
                    .values([
                        (Bulletins::Edition, d.edition.as_str().into()),
                        (Bulletins::Period, d.period.to_string().into()),
                        (Bulletins::Title, d.title.as_str().into()),
                        (Bulletins::Draft, serde_json::to_string(d)?.into()),
                        (Bulletins::Version, i64::from(updated.version).into()),
                        (Bulletins::UpdatedBy, subject.user.to_string().into()),
                        (Bulletins::UpdatedAt, now.0.into()),
                    ])
                    .and_where(Expr::col(Bulletins::Id).eq(id.to_string()))
                    .and_where(Expr::col(Bulletins::Version).eq(i64::from(based_on))),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!(
                "the bulletin was changed by someone else (now version {}); reload it and make your change again",
                updated.version - 1
            )));
        }
        Self::record_bulletin_version(&mut tx, subject, &updated, "bulletin.update").await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Every saved version of a bulletin `subject` may open, newest first.
    pub async fn bulletin_history(&self, subject: &Subject, id: Uuid) -> Result<Vec<BulletinVersion>, StoreError> {
        let bulletin = self.openable_bulletin(subject, id).await?;
        let rows: Vec<(i64, String, String, String, i64)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([
                        BulletinVersions::Version,
                        BulletinVersions::Draft,
                        BulletinVersions::ChangedBy,
                        BulletinVersions::ChangedMember,
                        BulletinVersions::ChangedAt,
                    ])
                    .from(BulletinVersions::Table)
                    .and_where(Expr::col(BulletinVersions::BulletinId).eq(bulletin.id.to_string()))
                    .order_by(BulletinVersions::Version, Order::Desc),
            )
            .await?;
        rows.into_iter()
            .map(|(version, draft, by, member, at)| {
                Ok(BulletinVersion {
                    version: version_number(version)?,
                    changed_by: parse_uuid(&by)?,
                    changed_member: MemberCode(member),
                    changed_at: Timestamp(at),
                    draft: draft_of(&draft)?,
                })
            })
            .collect()
    }

    /// The published items of `edition`'s kinds published from `first` up
    /// to the end of `last`, oldest first, WITHOUT any policy check: the
    /// candidates of a bulletin, each judged by the caller.
    async fn published_in(
        &self,
        edition: Edition,
        (first, last): (time::Date, time::Date),
    ) -> Result<Vec<Item>, StoreError> {
        let end = last.next_day().map_or(Timestamp(i64::MAX), midnight);
        let kinds: Vec<&str> = edition.kinds().iter().map(|k| k.as_str()).collect();
        read_items(
            &mut &self.pool,
            Query::select()
                .columns(ITEM_COLUMNS)
                .from(Items::Table)
                .and_where(Expr::col(Items::State).eq(ItemState::Published.as_str()))
                .and_where(Expr::col(Items::Kind).is_in(kinds))
                .and_where(Expr::col(Items::PublishedAt).gte(midnight(first).0))
                .and_where(Expr::col(Items::PublishedAt).lt(end.0))
                .order_by(Items::PublishedAt, Order::Asc)
                .order_by(Items::Id, Order::Asc),
        )
        .await
    }

    /// The bulletin `id` assembled for its audience, as `subject` opens it
    /// (audited as `bulletin.read` above the lowest classification). Its
    /// editors also learn what was left out.
    pub async fn assemble_bulletin(&self, subject: &Subject, id: Uuid) -> Result<AssembledBulletin, StoreError> {
        let bulletin = self.openable_bulletin(subject, id).await?;
        let d = &bulletin.draft;
        let readers = self.document_readers(&bulletin.member, &d.audience, d.classification).await?;
        let agreements = self.agreements().await?;
        let now = self.clock().now();

        let candidates = self.published_in(d.edition, d.days()).await?;
        let (held, others): (Vec<Item>, Vec<Item>) =
            candidates.into_iter().partition(|i| d.holds(&i.envelope(), i.published_at, &readers, &agreements, now));
        let sections = d
            .edition
            .kinds()
            .iter()
            .map(|kind| BulletinSection {
                kind: *kind,
                heading: Edition::section_heading(*kind).to_owned(),
                items: held.iter().filter(|i| i.kind == *kind).cloned().collect(),
            })
            .collect();

        let (first, last) = d.days();
        let filter = AnalysisFilter { from: Some(first), to: Some(last), ..AnalysisFilter::default() };
        let incidents = self.incident_totals(Readers::all(&readers), &filter).await?;
        let by_category = self.incident_top(Readers::all(&readers), &filter, Dimension::Category, 50).await?;
        let by_nationality =
            self.incident_top(Readers::all(&readers), &filter, Dimension::Nationality, TOP_NATIONALITIES).await?;

        let chosen = DocumentMarking { classification: d.classification, tlp: d.tlp, caveats: d.caveats };
        let envelopes: Vec<_> = held.iter().map(Item::envelope).collect();
        let marking = DocumentMarking::of(chosen, &envelopes);

        let left_out = edits_bulletin(subject, &bulletin.member).then(|| {
            others
                .into_iter()
                .filter(|i| {
                    let e = i.envelope();
                    d.reports(&e, i.published_at) && decide(subject, &e, &agreements, now).is_allowed()
                })
                .map(ItemSummary::from)
                .collect()
        });
        if marking.classification > Classification::LOWEST {
            self.record(&[AuditEvent::new("bulletin.read")
                .by(subject.user, &subject.member)
                .on(bulletin.id)
                .with(serde_json::json!({ "version": bulletin.version, "classification": marking.classification }))])
                .await?;
        }
        Ok(AssembledBulletin {
            period: d.period_label(),
            reaches: readers.iter().map(|r| r.member.clone()).collect(),
            sections,
            incidents,
            by_category,
            by_nationality,
            left_out,
            marking,
            bulletin,
        })
    }

    /// Records that `subject` distributed the assembled bulletin to its
    /// audience as `method` (`pdf`, `html`, `json`) for `reason`: to whom
    /// (the members it reaches), which version, at which marking, holding
    /// which items. Audited as `bulletin.distribute`.
    pub async fn record_bulletin_distribution(
        &self,
        subject: &Subject,
        assembled: &AssembledBulletin,
        method: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        check_export_reason(reason)?;
        let b = &assembled.bulletin;
        self.record(&[AuditEvent::new("bulletin.distribute").by(subject.user, &subject.member).on(b.id).with(
            serde_json::json!({
                "version": b.version,
                "edition": b.draft.edition,
                "period": b.draft.period,
                "method": method,
                "reason": reason,
                "recipients": assembled.reaches,
                "classification": assembled.marking.classification,
                "items": assembled.items().map(|i| i.id).collect::<Vec<_>>(),
            }),
        )])
        .await
    }
}
