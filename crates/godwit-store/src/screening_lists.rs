//! Members' own screening lists: the persons and documents watchlists a
//! member's focal point or analysts upload (the CSV formats of
//! `godwit screen`), kept per member with their markings. Who may upload,
//! and whose screening a list takes part in, is the server's rule (the
//! access policy on the list's markings); the store keeps the file, checks
//! nothing of its content and audits every change.

use std::collections::BTreeSet;

use godwit_domain::Timestamp;
use godwit_domain::item::Category;
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::member::MemberCode;
use sea_query::{Expr, ExprTrait, Order, Query};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::error::corrupt;
use crate::schema::ScreeningLists;
use crate::{Store, StoreError, parse_uuid};

/// What a screening list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningListKind {
    /// `id,name,aliases,date_of_birth,nationality,sex,reason`
    Persons,
    /// `id,document_number,issuing_state,document_type,status,reason`
    Documents,
}

impl ScreeningListKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScreeningListKind::Persons => "persons",
            ScreeningListKind::Documents => "documents",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "persons" => Some(ScreeningListKind::Persons),
            "documents" => Some(ScreeningListKind::Documents),
            _ => None,
        }
    }
}

/// A member's screening list, without its content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScreeningList {
    pub id: Uuid,
    /// The member whose list it is.
    pub member: MemberCode,
    pub kind: ScreeningListKind,
    /// Unique per member and kind: uploading a list of the same name replaces it.
    pub name: String,
    /// What agreements must cover for the list to be used by another member.
    pub category: Category,
    pub classification: Classification,
    pub tlp: Tlp,
    /// Other members the list is released to (the owning member always uses it).
    pub release_members: BTreeSet<MemberCode>,
    /// Groups of members it is released to (not for TLP:RED).
    pub release_groups: BTreeSet<String>,
    /// Entries in the file.
    pub entries: u64,
    pub size: u64,
    pub sha256: String,
    pub uploaded_by: Uuid,
    pub uploaded_org: Uuid,
    pub uploaded_at: Timestamp,
}

/// A list to store: its description and the file.
pub struct NewScreeningList<'a> {
    pub member: MemberCode,
    pub kind: ScreeningListKind,
    pub name: String,
    pub category: Category,
    pub classification: Classification,
    pub tlp: Tlp,
    pub release_members: BTreeSet<MemberCode>,
    pub release_groups: BTreeSet<String>,
    pub entries: u64,
    pub content: &'a [u8],
    pub uploaded_by: Uuid,
    pub uploaded_org: Uuid,
}

const COLUMNS: [ScreeningLists; 15] = [
    ScreeningLists::Id,
    ScreeningLists::MemberCode,
    ScreeningLists::Kind,
    ScreeningLists::Name,
    ScreeningLists::Category,
    ScreeningLists::Classification,
    ScreeningLists::Tlp,
    ScreeningLists::ReleaseMembers,
    ScreeningLists::ReleaseGroups,
    ScreeningLists::Entries,
    ScreeningLists::Size,
    ScreeningLists::Sha256,
    ScreeningLists::UploadedBy,
    ScreeningLists::UploadedOrg,
    ScreeningLists::UploadedAt,
];

#[derive(sqlx::FromRow)]
struct ListRow {
    id: String,
    member_code: String,
    kind: String,
    name: String,
    category: String,
    classification: i64,
    tlp: String,
    release_members: String,
    release_groups: String,
    entries: i64,
    size: i64,
    sha256: String,
    uploaded_by: String,
    uploaded_org: String,
    uploaded_at: i64,
}

impl TryFrom<ListRow> for ScreeningList {
    type Error = StoreError;

    fn try_from(row: ListRow) -> Result<Self, StoreError> {
        let set = |text: &str| -> Result<BTreeSet<String>, StoreError> {
            serde_json::from_str(text).map_err(|_| corrupt("screening list", "release", text))
        };
        Ok(ScreeningList {
            id: parse_uuid(&row.id)?,
            member: MemberCode(row.member_code),
            kind: ScreeningListKind::parse(&row.kind).ok_or_else(|| corrupt("screening list", "kind", &row.kind))?,
            name: row.name,
            category: Category::parse(&row.category)
                .ok_or_else(|| corrupt("screening list", "category", &row.category))?,
            classification: Classification(
                u8::try_from(row.classification)
                    .map_err(|_| corrupt("screening list", "classification", row.classification))?,
            ),
            tlp: Tlp::parse(&row.tlp).ok_or_else(|| corrupt("screening list", "tlp", &row.tlp))?,
            release_members: set(&row.release_members)?.into_iter().map(MemberCode).collect(),
            release_groups: set(&row.release_groups)?,
            entries: u64::try_from(row.entries).map_err(|_| corrupt("screening list", "entries", row.entries))?,
            size: u64::try_from(row.size).map_err(|_| corrupt("screening list", "size", row.size))?,
            sha256: row.sha256,
            uploaded_by: parse_uuid(&row.uploaded_by)?,
            uploaded_org: parse_uuid(&row.uploaded_org)?,
            uploaded_at: Timestamp(row.uploaded_at),
        })
    }
}

fn json_set<'a>(items: impl Iterator<Item = &'a str>) -> String {
    serde_json::to_string(&items.collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// Stores a member's list, replacing the member's list of the same kind
    /// and name; audited as `screening.list.upload` (with the list replaced).
    pub async fn put_screening_list(&self, list: NewScreeningList<'_>) -> Result<ScreeningList, StoreError> {
        let now = self.clock().now();
        let id = Uuid::now_v7();
        let sha256 = hex::encode(Sha256::digest(list.content));
        let replaced: Vec<(String,)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .column(ScreeningLists::Id)
                    .from(ScreeningLists::Table)
                    .and_where(Expr::col(ScreeningLists::MemberCode).eq(list.member.0.as_str()))
                    .and_where(Expr::col(ScreeningLists::Kind).eq(list.kind.as_str()))
                    .and_where(Expr::col(ScreeningLists::Name).eq(list.name.as_str())),
            )
            .await?;
        let mut tx = self.pool.begin().await?;
        for (old,) in &replaced {
            tx.target()
                .execute(
                    Query::delete().from_table(ScreeningLists::Table).and_where(Expr::col(ScreeningLists::Id).eq(old)),
                )
                .await?;
        }
        let mut columns = COLUMNS.to_vec();
        columns.push(ScreeningLists::Content);
        tx.target()
            .execute(Query::insert().into_table(ScreeningLists::Table).columns(columns).values_panic([
                id.to_string().into(),
                list.member.0.as_str().into(),
                list.kind.as_str().into(),
                list.name.as_str().into(),
                list.category.as_str().into(),
                i64::from(list.classification.0).into(),
                list.tlp.as_str().into(),
                json_set(list.release_members.iter().map(|m| m.0.as_str())).into(),
                json_set(list.release_groups.iter().map(String::as_str)).into(),
                i64::try_from(list.entries).unwrap_or(i64::MAX).into(),
                i64::try_from(list.content.len()).unwrap_or(i64::MAX).into(),
                sha256.as_str().into(),
                list.uploaded_by.to_string().into(),
                list.uploaded_org.to_string().into(),
                now.0.into(),
                list.content.to_vec().into(),
            ]))
            .await?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("screening.list.upload").by(list.uploaded_by, &list.member).on(id).with(
                serde_json::json!({
                    "kind": list.kind.as_str(), "name": list.name, "entries": list.entries,
                    "sha256": sha256, "size": list.content.len(),
                    "classification": list.classification.0, "tlp": list.tlp.as_str(),
                    "release_members": list.release_members, "release_groups": list.release_groups,
                    "replaced": replaced.iter().map(|(id,)| id).collect::<Vec<_>>(),
                }),
            )],
        )
        .await?;
        tx.commit().await?;
        self.screening_list(id).await
    }

    /// Every member's lists (without content), by member, kind and name.
    pub async fn screening_lists(&self) -> Result<Vec<ScreeningList>, StoreError> {
        let rows: Vec<ListRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from(ScreeningLists::Table)
                    .order_by(ScreeningLists::MemberCode, Order::Asc)
                    .order_by(ScreeningLists::Kind, Order::Asc)
                    .order_by(ScreeningLists::Name, Order::Asc),
            )
            .await?;
        rows.into_iter().map(ScreeningList::try_from).collect()
    }

    pub async fn screening_list(&self, id: Uuid) -> Result<ScreeningList, StoreError> {
        let row: Option<ListRow> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns(COLUMNS)
                    .from(ScreeningLists::Table)
                    .and_where(Expr::col(ScreeningLists::Id).eq(id.to_string())),
            )
            .await?;
        row.ok_or(StoreError::NotFound("screening list"))?.try_into()
    }

    /// The file of a list, for the server to index (using it is audited with
    /// the screening run that used it).
    pub async fn screening_list_content(&self, id: Uuid) -> Result<Vec<u8>, StoreError> {
        let row: Option<(Vec<u8>,)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .column(ScreeningLists::Content)
                    .from(ScreeningLists::Table)
                    .and_where(Expr::col(ScreeningLists::Id).eq(id.to_string())),
            )
            .await?;
        row.map(|(content,)| content).ok_or(StoreError::NotFound("screening list"))
    }

    /// Deletes a list; audited as `screening.list.delete`.
    pub async fn delete_screening_list(&self, id: Uuid, by: Uuid, member: &MemberCode) -> Result<(), StoreError> {
        let list = self.screening_list(id).await?;
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::delete()
                    .from_table(ScreeningLists::Table)
                    .and_where(Expr::col(ScreeningLists::Id).eq(id.to_string())),
            )
            .await?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("screening.list.delete").by(by, member).on(id).with(serde_json::json!({
                "kind": list.kind.as_str(), "name": list.name, "member": list.member.0, "sha256": list.sha256,
            }))],
        )
        .await?;
        tx.commit().await
    }
}
