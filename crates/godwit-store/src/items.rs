//! Items: storage, the publication workflow, policy-checked reads and lists.
//!
//! Content leaves this module only through functions that take the reading
//! [`Subject`] and apply the access policy; every change is recorded in the
//! item's history, the audit chain and the outbox in one transaction.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::agreement::Agreement;
use godwit_domain::item::{
    AttachmentMeta, BorderEnvironment, Category, CountryRef, Item, ItemContent, ItemDetails, ItemKind, ItemState,
    Releasability,
};
use godwit_domain::marking::{Caveats, Classification, ClassificationScale, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::policy::{Decision, decide};
use godwit_domain::user::Subject;
use godwit_domain::workflow::{Action, transition};
use godwit_domain::{Timestamp, ValidationErrors};
use sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::db::{Pool, Target, Tx};
use crate::incidents::{self, FactSource};
use crate::schema::{Attachments, ItemHistory, ItemReleaseGroups, ItemReleaseMembers, ItemReleaseOrgs, Items};
use crate::{Store, StoreError, outbox, rollup, visibility};

/// How content reached its reader, for the audit trail (seed 001 §32).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Portal,
    Api,
    Export,
    Bulletin,
    Federation,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Portal => "portal",
            Method::Api => "api",
            Method::Export => "export",
            Method::Bulletin => "bulletin",
            Method::Federation => "federation",
        }
    }
}

/// What a list shows of an item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemSummary {
    pub id: Uuid,
    pub kind: ItemKind,
    pub category: Category,
    pub title: String,
    pub summary: String,
    pub originator_member: MemberCode,
    pub state: ItemState,
    pub classification: Classification,
    pub tlp: Tlp,
    pub version: u32,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
}

impl From<Item> for ItemSummary {
    fn from(i: Item) -> Self {
        ItemSummary {
            id: i.id,
            kind: i.kind,
            category: i.content.category,
            title: i.content.title,
            summary: i.content.summary,
            originator_member: i.originator_member,
            state: i.state,
            classification: i.content.classification,
            tlp: i.content.tlp,
            version: i.version,
            updated_at: i.updated_at,
            published_at: i.published_at,
        }
    }
}

/// Filters and paging for lists. Pages go backwards in time from `before`.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub kind: Option<ItemKind>,
    pub state: Option<ItemState>,
    pub category: Option<Category>,
    pub originator: Option<MemberCode>,
    pub tlp: Option<Tlp>,
    pub updated_since: Option<Timestamp>,
    /// Keyset cursor: the (updated_at, id) of the last item of the previous page.
    pub before: Option<(Timestamp, Uuid)>,
    /// Oldest change first, for feeds read forward (TAXII); the keyset cursor
    /// is then `after`.
    pub oldest_first: bool,
    /// Keyset cursor of a page oldest first: the last item of the previous page.
    pub after: Option<(Timestamp, Uuid)>,
    pub limit: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ItemPage {
    pub items: Vec<ItemSummary>,
    /// Pass as `before` for the next page; `None` on the last page.
    pub next: Option<(Timestamp, Uuid)>,
}

/// One change in an item's life.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HistoryEntry {
    pub id: String,
    pub item_id: String,
    #[serde(serialize_with = "godwit_domain::wire_time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub comment: Option<String>,
    /// The item's content and state after the change, as JSON.
    pub snapshot: String,
}

/// The largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: String,
    kind: String,
    category: String,
    originator_member: String,
    originator_org: String,
    author: String,
    state: String,
    classification: i64,
    tlp: String,
    caveat_no_third_party: bool,
    caveat_not_for_judicial_use: bool,
    caveat_personal_data: bool,
    valid_from: Option<i64>,
    valid_until: Option<i64>,
    title: String,
    summary: String,
    body: String,
    details: String,
    grading: Option<String>,
    tags: String,
    countries: String,
    environment: Option<String>,
    version: i64,
    supersedes: Option<String>,
    superseded_by: Option<String>,
    created_at: i64,
    updated_at: i64,
    published_at: Option<i64>,
    approved_by: Option<String>,
    return_comment: Option<String>,
    withdrawn_reason: Option<String>,
}

pub(crate) const ITEM_COLUMNS: [Items; 31] = [
    Items::Id,
    Items::Kind,
    Items::Category,
    Items::OriginatorMember,
    Items::OriginatorOrg,
    Items::Author,
    Items::State,
    Items::Classification,
    Items::Tlp,
    Items::CaveatNoThirdParty,
    Items::CaveatNotForJudicialUse,
    Items::CaveatPersonalData,
    Items::ValidFrom,
    Items::ValidUntil,
    Items::Title,
    Items::Summary,
    Items::Body,
    Items::Details,
    Items::Grading,
    Items::Tags,
    Items::Countries,
    Items::Environment,
    Items::Version,
    Items::Supersedes,
    Items::SupersededBy,
    Items::CreatedAt,
    Items::UpdatedAt,
    Items::PublishedAt,
    Items::ApprovedBy,
    Items::ReturnComment,
    Items::WithdrawnReason,
];

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value}"))
}

fn opt_uuid(text: Option<&str>) -> Result<Option<Uuid>, StoreError> {
    text.map(crate::parse_uuid).transpose()
}

impl ItemRow {
    fn into_item(self, release: Releasability) -> Result<Item, StoreError> {
        let details: ItemDetails = serde_json::from_str(&self.details)?;
        let tags: Vec<String> = serde_json::from_str(&self.tags)?;
        let countries: Vec<CountryRef> = serde_json::from_str(&self.countries)?;
        Ok(Item {
            id: crate::parse_uuid(&self.id)?,
            kind: ItemKind::parse(&self.kind).ok_or_else(|| corrupt("kind", &self.kind))?,
            originator_member: MemberCode(self.originator_member),
            originator_org: crate::parse_uuid(&self.originator_org)?,
            author: crate::parse_uuid(&self.author)?,
            state: ItemState::parse(&self.state).ok_or_else(|| corrupt("state", &self.state))?,
            content: ItemContent {
                title: self.title,
                summary: self.summary,
                body: self.body,
                category: Category::parse(&self.category).ok_or_else(|| corrupt("category", &self.category))?,
                details,
                classification: Classification(
                    u8::try_from(self.classification).map_err(|_| corrupt("classification", ""))?,
                ),
                tlp: Tlp::parse(&self.tlp).ok_or_else(|| corrupt("tlp", &self.tlp))?,
                caveats: Caveats {
                    no_third_party: self.caveat_no_third_party,
                    not_for_judicial_use: self.caveat_not_for_judicial_use,
                    personal_data: self.caveat_personal_data,
                },
                release,
                grading: self.grading.as_deref().map(serde_json::from_str).transpose()?,
                tags,
                countries,
                environment: match self.environment.as_deref() {
                    Some(e) => Some(BorderEnvironment::parse(e).ok_or_else(|| corrupt("environment", e))?),
                    None => None,
                },
                valid_from: self.valid_from.map(Timestamp),
                valid_until: self.valid_until.map(Timestamp),
            },
            version: u32::try_from(self.version).map_err(|_| corrupt("version", ""))?,
            supersedes: opt_uuid(self.supersedes.as_deref())?,
            superseded_by: opt_uuid(self.superseded_by.as_deref())?,
            created_at: Timestamp(self.created_at),
            updated_at: Timestamp(self.updated_at),
            published_at: self.published_at.map(Timestamp),
            approved_by: opt_uuid(self.approved_by.as_deref())?,
            return_comment: self.return_comment,
            withdrawn_reason: self.withdrawn_reason,
        })
    }
}

fn item_values(item: &Item) -> Result<Vec<sea_query::SimpleExpr>, StoreError> {
    let c = &item.content;
    Ok(vec![
        item.id.to_string().into(),
        item.kind.as_str().into(),
        c.category.as_str().into(),
        item.originator_member.as_str().into(),
        item.originator_org.to_string().into(),
        item.author.to_string().into(),
        item.state.as_str().into(),
        i64::from(c.classification.0).into(),
        c.tlp.as_str().into(),
        c.caveats.no_third_party.into(),
        c.caveats.not_for_judicial_use.into(),
        c.caveats.personal_data.into(),
        c.valid_from.map(|t| t.0).into(),
        c.valid_until.map(|t| t.0).into(),
        c.title.as_str().into(),
        c.summary.as_str().into(),
        c.body.as_str().into(),
        serde_json::to_string(&c.details)?.into(),
        c.grading.as_ref().map(serde_json::to_string).transpose()?.into(),
        serde_json::to_string(&c.tags)?.into(),
        serde_json::to_string(&c.countries)?.into(),
        c.environment.map(|e| e.as_str()).into(),
        i64::from(item.version).into(),
        item.supersedes.map(|u| u.to_string()).into(),
        item.superseded_by.map(|u| u.to_string()).into(),
        item.created_at.0.into(),
        item.updated_at.0.into(),
        item.published_at.map(|t| t.0).into(),
        item.approved_by.map(|u| u.to_string()).into(),
        item.return_comment.clone().into(),
        item.withdrawn_reason.clone().into(),
    ])
}

/// Inserts or replaces items and their release lists inside `tx`.
pub(crate) async fn write_items(tx: &mut Tx, items: &[Item]) -> Result<(), StoreError> {
    write(tx, items, false).await
}

/// Inserts items whose ids were made for this transaction (an import's
/// records): none can be stored yet, so none is looked up, a million fewer
/// primary-key probes for a million rows.
pub(crate) async fn write_new_items(tx: &mut Tx, items: &[Item]) -> Result<(), StoreError> {
    write(tx, items, true).await
}

async fn write(tx: &mut Tx, items: &[Item], all_new: bool) -> Result<(), StoreError> {
    let mut tally = rollup::Tally::default();
    for chunk in items.chunks(200) {
        // Only items stored before have release rows, facts and counts to
        // replace: a bulk load of new items skips those statements.
        let stored = if all_new {
            Vec::new()
        } else {
            let ids: Vec<String> = chunk.iter().map(|i| i.id.to_string()).collect();
            stored_ids(tx, &ids).await?
        };
        if !stored.is_empty() {
            write_pending_snapshots(tx, &stored).await?;
        }
        let mut insert = Query::insert();
        insert.into_table(Items::Table).columns(ITEM_COLUMNS);
        for item in chunk {
            insert.values(item_values(item)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        insert.on_conflict(OnConflict::column(Items::Id).update_columns(ITEM_COLUMNS.into_iter().skip(1)).to_owned());
        tx.target().execute(&insert).await?;

        if !stored.is_empty() {
            for (table, item_col) in [
                (ItemReleaseMembers::Table.into_iden(), ItemReleaseMembers::ItemId.into_iden()),
                (ItemReleaseGroups::Table.into_iden(), ItemReleaseGroups::ItemId.into_iden()),
                (ItemReleaseOrgs::Table.into_iden(), ItemReleaseOrgs::ItemId.into_iden()),
            ] {
                tx.target()
                    .execute(Query::delete().from_table(table).and_where(Expr::col(item_col).is_in(stored.clone())))
                    .await?;
            }
        }
        let mut members = Query::insert();
        members
            .into_table(ItemReleaseMembers::Table)
            .columns([ItemReleaseMembers::ItemId, ItemReleaseMembers::MemberCode]);
        let mut groups = Query::insert();
        groups.into_table(ItemReleaseGroups::Table).columns([ItemReleaseGroups::ItemId, ItemReleaseGroups::GroupCode]);
        let mut orgs = Query::insert();
        orgs.into_table(ItemReleaseOrgs::Table).columns([ItemReleaseOrgs::ItemId, ItemReleaseOrgs::OrganisationId]);
        let (mut any_member, mut any_group, mut any_org) = (false, false, false);
        for item in chunk {
            let id = item.id.to_string();
            for m in &item.content.release.members {
                members.values_panic([id.as_str().into(), m.as_str().into()]);
                any_member = true;
            }
            for g in &item.content.release.groups {
                groups.values_panic([id.as_str().into(), g.as_str().into()]);
                any_group = true;
            }
            for o in &item.content.release.organisations {
                orgs.values_panic([id.as_str().into(), o.to_string().into()]);
                any_org = true;
            }
        }
        for (stmt, any) in [(&members, any_member), (&groups, any_group), (&orgs, any_org)] {
            if any {
                tx.target().execute(stmt).await?;
            }
        }
        let facts: Vec<FactSource<'_>> = chunk.iter().filter_map(FactSource::of).collect();
        // The rollups take back what they counted of these items from the facts
        // as they were, then count the items that are published now.
        if !stored.is_empty() {
            rollup::retract(tx, &stored).await?;
            incidents::delete_facts(tx, &stored).await?;
        }
        incidents::write_facts(tx, &facts).await?;
        rollup::count(tx, chunk, &mut tally).await?;
    }
    tally.write(tx).await
}

/// Which of `ids` the items table holds.
async fn stored_ids(tx: &mut Tx, ids: &[String]) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = tx
        .target()
        .fetch_all(
            Query::select().column(Items::Id).from(Items::Table).and_where(Expr::col(Items::Id).is_in(ids.to_vec())),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

use sea_query::IntoIden;

/// What a history entry keeps of an item after its change.
fn snapshot(item: &Item) -> String {
    serde_json::json!({ "state": item.state, "version": item.version, "content": item.content }).to_string()
}

/// Records the same change to each of `items` in their histories.
///
/// The entry is written without its snapshot: until the item changes again
/// the stored item is the snapshot ([`Store::item_history`] shows it), and
/// `write_items` writes it into the entry before it rewrites the item. An
/// import of a million records thus serialises and stores each record's
/// content once, not twice.
pub(crate) async fn write_history(
    tx: &mut Tx,
    items: &[Item],
    actor: Uuid,
    action: &str,
    comment: Option<&str>,
) -> Result<(), StoreError> {
    for chunk in items.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(ItemHistory::Table).columns([
            ItemHistory::Id,
            ItemHistory::ItemId,
            ItemHistory::At,
            ItemHistory::Actor,
            ItemHistory::Action,
            ItemHistory::Comment,
            ItemHistory::Snapshot,
        ]);
        for item in chunk {
            insert.values_panic([
                Uuid::now_v7().to_string().into(),
                item.id.to_string().into(),
                item.updated_at.0.into(),
                actor.to_string().into(),
                action.into(),
                comment.map(str::to_owned).into(),
                PENDING_SNAPSHOT.into(),
            ]);
        }
        tx.target().execute(&insert).await?;
    }
    Ok(())
}

/// The snapshot of history entries whose item has not changed since.
const PENDING_SNAPSHOT: &str = "";

/// Writes the snapshots pending in the histories of `ids`, from the items as
/// they are stored, before they are rewritten.
async fn write_pending_snapshots(tx: &mut Tx, ids: &[String]) -> Result<(), StoreError> {
    let pending: Vec<(String,)> = tx
        .target()
        .fetch_all(
            Query::select()
                .distinct()
                .column(ItemHistory::ItemId)
                .from(ItemHistory::Table)
                .and_where(Expr::col(ItemHistory::ItemId).is_in(ids.to_vec()))
                .and_where(Expr::col(ItemHistory::Snapshot).eq(PENDING_SNAPSHOT)),
        )
        .await?;
    if pending.is_empty() {
        return Ok(());
    }
    let pending: Vec<String> = pending.into_iter().map(|(id,)| id).collect();
    let stored = read_items(
        tx,
        Query::select().columns(ITEM_COLUMNS).from(Items::Table).and_where(Expr::col(Items::Id).is_in(pending)),
    )
    .await?;
    for item in stored {
        tx.target()
            .execute(
                Query::update()
                    .table(ItemHistory::Table)
                    .value(ItemHistory::Snapshot, snapshot(&item))
                    .and_where(Expr::col(ItemHistory::ItemId).eq(item.id.to_string()))
                    .and_where(Expr::col(ItemHistory::Snapshot).eq(PENDING_SNAPSHOT)),
            )
            .await?;
    }
    Ok(())
}

/// Claims the item for this transaction's change: fails with `Conflict` when
/// someone else changed it since it was read (two officers approving at once).
async fn ensure_unchanged(tx: &mut Tx, item: Uuid, state: ItemState, updated_at: Timestamp) -> Result<(), StoreError> {
    let claimed = tx
        .target()
        .execute(
            Query::update()
                .table(Items::Table)
                .value(Items::UpdatedAt, updated_at.0)
                .and_where(Expr::col(Items::Id).eq(item.to_string()))
                .and_where(Expr::col(Items::State).eq(state.as_str()))
                .and_where(Expr::col(Items::UpdatedAt).eq(updated_at.0)),
        )
        .await?;
    if claimed == 0 {
        return Err(StoreError::Conflict("the item was changed by someone else meanwhile; reload it".into()));
    }
    Ok(())
}

fn release_detail(release: &Releasability) -> serde_json::Value {
    serde_json::json!({
        "members": release.members,
        "groups": release.groups,
        "organisations": release.organisations,
    })
}

/// Where reads run: the pool, or an open transaction (migrations).
pub(crate) trait Source {
    fn target(&mut self) -> Target<'_>;
}

impl Source for &Pool {
    fn target(&mut self) -> Target<'_> {
        Target::Pool(self)
    }
}

impl Source for Tx {
    fn target(&mut self) -> Target<'_> {
        Tx::target(self)
    }
}

/// The (item, recipient) rows of one release table for these items.
async fn release_links<T, C>(
    src: &mut impl Source,
    table: T,
    item_col: C,
    value_col: C,
    ids: &[String],
) -> Result<Vec<(String, String)>, StoreError>
where
    T: IntoIden + Copy,
    C: IntoIden + Copy,
{
    src.target()
        .fetch_all(
            Query::select()
                .columns([item_col, value_col])
                .from(table)
                .and_where(Expr::col(item_col).is_in(ids.to_vec())),
        )
        .await
}

async fn load_releases(src: &mut impl Source, ids: &[String]) -> Result<BTreeMap<String, Releasability>, StoreError> {
    let mut out: BTreeMap<String, Releasability> =
        ids.iter().map(|id| (id.clone(), Releasability::default())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let members =
        release_links(src, ItemReleaseMembers::Table, ItemReleaseMembers::ItemId, ItemReleaseMembers::MemberCode, ids)
            .await?;
    let groups =
        release_links(src, ItemReleaseGroups::Table, ItemReleaseGroups::ItemId, ItemReleaseGroups::GroupCode, ids)
            .await?;
    let orgs =
        release_links(src, ItemReleaseOrgs::Table, ItemReleaseOrgs::ItemId, ItemReleaseOrgs::OrganisationId, ids)
            .await?;
    for (id, m) in members {
        out.entry(id).or_default().members.insert(MemberCode(m));
    }
    for (id, g) in groups {
        out.entry(id).or_default().groups.insert(g);
    }
    for (id, o) in orgs {
        out.entry(id).or_default().organisations.insert(crate::parse_uuid(&o)?);
    }
    Ok(out)
}

/// Whole items `query` selects (`ITEM_COLUMNS`), WITHOUT any policy check.
pub(crate) async fn read_items(src: &mut impl Source, query: &SelectStatement) -> Result<Vec<Item>, StoreError> {
    let rows: Vec<ItemRow> = src.target().fetch_all(query).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut releases = load_releases(src, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let release = releases.remove(&row.id).unwrap_or_default();
            row.into_item(release)
        })
        .collect()
}

impl Store {
    /// The node's classification scale.
    pub fn scale(&self) -> ClassificationScale {
        ClassificationScale::default()
    }

    async fn load_items(&self, query: &SelectStatement) -> Result<Vec<Item>, StoreError> {
        read_items(&mut &self.pool, query).await
    }

    /// Loads an item without any policy check: for this module's own use only.
    async fn load_item(&self, id: Uuid) -> Result<Item, StoreError> {
        self.load_items(
            Query::select().columns(ITEM_COLUMNS).from(Items::Table).and_where(Expr::col(Items::Id).eq(id.to_string())),
        )
        .await?
        .pop()
        .ok_or(StoreError::NotFound("item"))
    }

    /// Checks what only the database can tell: that the release names members,
    /// groups and organisations (of the originating member) that exist.
    async fn validate_release(
        &self,
        member: &MemberCode,
        release: &Releasability,
        errors: &mut ValidationErrors,
    ) -> Result<(), StoreError> {
        let members: BTreeSet<MemberCode> = self.members().await?.into_iter().map(|m| m.code).collect();
        for (i, m) in release.members.iter().enumerate() {
            if !members.contains(m) {
                errors.push(format!("release/members/{i}"), format!("{m} is not a member"));
            }
        }
        let groups: BTreeSet<String> = self.groups().await?.into_iter().map(|g| g.code).collect();
        for (i, g) in release.groups.iter().enumerate() {
            if !groups.contains(g) {
                errors.push(format!("release/groups/{i}"), format!("{g} is not a group"));
            }
        }
        let orgs: BTreeSet<Uuid> = self.organisations(Some(member)).await?.into_iter().map(|o| o.id).collect();
        for (i, o) in release.organisations.iter().enumerate() {
            if !orgs.contains(o) {
                errors.push(format!("release/organisations/{i}"), "is not an organisation of the originating member");
            }
        }
        Ok(())
    }

    /// Everything [`Store::create_item`] checks of `content` written by `author`.
    pub async fn validate_content(&self, author: &Subject, content: &ItemContent) -> Result<(), StoreError> {
        let mut errors = content.validate(&self.scale(), self.clock().now()).err().unwrap_or_default();
        for (i, tag) in content.tags.iter().enumerate() {
            let field = format!("tags/{i}");
            let already = errors.0.iter().any(|e| e.field == field);
            if let Some(problem) = self.taxonomies().problem(tag).filter(|_| !already) {
                errors.push(field, problem);
            }
        }
        if content.classification > author.clearance {
            errors.push("classification", "is above your clearance");
        }
        self.validate_release(&author.member, &content.release, &mut errors).await?;
        Ok(errors.into_result()?)
    }

    /// Refuses users whose roles do not write items.
    pub(crate) fn check_author(author: &Subject) -> Result<(), StoreError> {
        if author.roles.iter().any(|r| r.authors_content()) {
            Ok(())
        } else {
            Err(StoreError::Forbidden("your roles do not include writing items".into()))
        }
    }

    /// Writes a new draft.
    pub async fn create_item(&self, author: &Subject, content: ItemContent) -> Result<Item, StoreError> {
        let mut items = self.create_items(author, vec![content], None).await?;
        items.pop().ok_or(StoreError::NotFound("item"))
    }

    /// Writes new drafts, all in one transaction or none, each checked like
    /// [`Store::create_item`]'s; `batch`, when given, is audited beside each
    /// item's `item.create` (an import names its source there).
    pub async fn create_items(
        &self,
        author: &Subject,
        contents: Vec<ItemContent>,
        batch: Option<AuditEvent>,
    ) -> Result<Vec<Item>, StoreError> {
        Self::check_author(author)?;
        for content in &contents {
            self.validate_content(author, content).await?;
        }
        let now = self.clock().now();
        let items: Vec<Item> = contents
            .into_iter()
            .map(|content| {
                Item::first_draft(Uuid::now_v7(), author.member.clone(), author.organisation, author.user, content, now)
            })
            .collect();
        let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
        let mut events: Vec<AuditEvent> =
            ids.iter().map(|id| AuditEvent::new("item.create").by(author.user, &author.member).on(*id)).collect();
        events.extend(batch);
        let mut tx = self.pool.begin().await?;
        write_new_items(&mut tx, &items).await?;
        write_history(&mut tx, &items, author.user, "create", None).await?;
        audit::append(&mut tx, now, &events).await?;
        outbox::append(&mut tx, now, &ids, "upsert").await?;
        tx.commit().await?;
        Ok(items)
    }

    /// Replaces a draft's content (author only, while draft or returned).
    pub async fn update_item(&self, author: &Subject, id: Uuid, content: ItemContent) -> Result<Item, StoreError> {
        let mut item = self.load_item(id).await?;
        if !decide(author, &item.envelope(), &[], self.clock().now()).is_allowed() {
            return Err(StoreError::NotFound("item"));
        }
        transition(author, &item.envelope(), Action::Edit)?;
        if content.details.kind() != item.kind {
            return Err(ValidationErrors::single("details/kind", "an item cannot change its kind").into());
        }
        self.validate_content(author, &content).await?;
        let now = self.clock().now();
        let (was_state, was_updated) = (item.state, item.updated_at);
        item.content = content;
        item.updated_at = now;
        let mut tx = self.pool.begin().await?;
        ensure_unchanged(&mut tx, item.id, was_state, was_updated).await?;
        write_items(&mut tx, std::slice::from_ref(&item)).await?;
        write_history(&mut tx, std::slice::from_ref(&item), author.user, "edit", None).await?;
        audit::append(&mut tx, now, &[AuditEvent::new("item.edit").by(author.user, &author.member).on(item.id)])
            .await?;
        outbox::append(&mut tx, now, &[item.id], "upsert").await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Moves an item through its workflow: submit, approve (publish and release),
    /// return with a comment, or withdraw with a reason.
    pub async fn act_on_item(
        &self,
        actor: &Subject,
        id: Uuid,
        action: Action,
        comment: Option<&str>,
        method: Method,
    ) -> Result<Item, StoreError> {
        let mut item = self.load_item(id).await?;
        let (was_state, was_updated) = (item.state, item.updated_at);
        let now = self.clock().now();
        if !decide(actor, &item.envelope(), &[], now).is_allowed() {
            return Err(StoreError::NotFound("item"));
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        match action {
            Action::Return if comment.is_none() => {
                return Err(ValidationErrors::single("comment", "say why the item is returned").into());
            }
            Action::Withdraw if comment.is_none() => {
                return Err(ValidationErrors::single("comment", "say why the item is withdrawn").into());
            }
            Action::Submit | Action::Approve | Action::Return | Action::Withdraw => {}
            Action::Edit | Action::NewVersion => {
                return Err(StoreError::Conflict(format!("{} is not a workflow step", action.as_str())));
            }
        }
        let next = transition(actor, &item.envelope(), action)?;
        item.state = next;
        item.updated_at = now;
        let mut events = vec![
            AuditEvent::new(&format!("item.{}", action.as_str()))
                .by(actor.user, &actor.member)
                .on(item.id)
                .with(serde_json::json!({ "comment": comment, "method": method.as_str() })),
        ];
        let mut changed = vec![item.id];
        let mut superseded = None;
        let mut superseded_was = None;
        match action {
            Action::Return => item.return_comment = comment.map(str::to_owned),
            Action::Withdraw => item.withdrawn_reason = comment.map(str::to_owned),
            Action::Approve => {
                item.published_at = Some(now);
                item.approved_by = Some(actor.user);
                item.return_comment = None;
                events.push(AuditEvent::new("release").by(actor.user, &actor.member).on(item.id).with(
                    serde_json::json!({
                        "recipients": release_detail(&item.content.release),
                        "method": method.as_str(),
                        "reason": comment.unwrap_or("publication approved"),
                        "classification": item.content.classification,
                        "tlp": item.content.tlp,
                    }),
                ));
                if let Some(old_id) = item.supersedes {
                    let mut old = self.load_item(old_id).await?;
                    superseded_was = Some((old.state, old.updated_at));
                    old.state = ItemState::Superseded;
                    old.superseded_by = Some(item.id);
                    old.updated_at = now;
                    changed.push(old.id);
                    superseded = Some(old);
                }
            }
            _ => {}
        }
        let mut tx = self.pool.begin().await?;
        ensure_unchanged(&mut tx, item.id, was_state, was_updated).await?;
        if let (Some(old), Some((state, updated_at))) = (&superseded, superseded_was) {
            ensure_unchanged(&mut tx, old.id, state, updated_at).await?;
        }
        write_items(&mut tx, std::slice::from_ref(&item)).await?;
        write_history(&mut tx, std::slice::from_ref(&item), actor.user, action.as_str(), comment).await?;
        if let Some(old) = &superseded {
            write_items(&mut tx, std::slice::from_ref(old)).await?;
            write_history(&mut tx, std::slice::from_ref(old), actor.user, "superseded", None).await?;
        }
        audit::append(&mut tx, now, &events).await?;
        outbox::append(&mut tx, now, &changed, "upsert").await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Starts a new version of a published item: a draft that, once approved,
    /// supersedes it. The published version stays readable until then.
    pub async fn new_item_version(&self, actor: &Subject, id: Uuid) -> Result<Item, StoreError> {
        let old = self.load_item(id).await?;
        let now = self.clock().now();
        if !decide(actor, &old.envelope(), &[], now).is_allowed() {
            return Err(StoreError::NotFound("item"));
        }
        transition(actor, &old.envelope(), Action::NewVersion)?;
        let item = Item {
            id: Uuid::now_v7(),
            author: actor.user,
            originator_org: actor.organisation,
            state: ItemState::Draft,
            version: old.version + 1,
            supersedes: Some(old.id),
            superseded_by: None,
            created_at: now,
            updated_at: now,
            published_at: None,
            approved_by: None,
            return_comment: None,
            withdrawn_reason: None,
            ..old
        };
        let mut tx = self.pool.begin().await?;
        write_items(&mut tx, std::slice::from_ref(&item)).await?;
        write_history(&mut tx, std::slice::from_ref(&item), actor.user, "new_version", None).await?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("item.new_version")
                .by(actor.user, &actor.member)
                .on(item.id)
                .with(serde_json::json!({ "supersedes": id }))],
        )
        .await?;
        outbox::append(&mut tx, now, &[item.id], "upsert").await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Reads an item for `subject`, or `NotFound` when the policy says no (so that
    /// existence does not leak). Reads above the lowest classification are audited.
    pub async fn read_item(&self, subject: &Subject, id: Uuid, method: Method) -> Result<Item, StoreError> {
        let item = self.load_item(id).await?;
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        match decide(subject, &item.envelope(), &agreements, now) {
            Decision::Allow => {
                if item.content.classification > Classification::LOWEST {
                    self.record(&[AuditEvent::new("item.read").by(subject.user, &subject.member).on(item.id).with(
                        serde_json::json!({ "method": method.as_str(), "classification": item.content.classification }),
                    )])
                    .await?;
                }
                Ok(item)
            }
            Decision::Deny(reason) => {
                self.record(&[AuditEvent::new("item.read_denied")
                    .by(subject.user, &subject.member)
                    .on(item.id)
                    .with(serde_json::json!({ "method": method.as_str(), "reason": reason }))])
                    .await?;
                Err(StoreError::NotFound("item"))
            }
        }
    }

    pub(crate) fn filtered_select(
        &self,
        subject: &Subject,
        agreements: &[Agreement],
        filter: &ItemFilter,
    ) -> SelectStatement {
        let now = self.clock().now();
        let mut query = Query::select();
        query.from(Items::Table).cond_where(visibility::condition(subject, agreements, now));
        if let Some(kind) = filter.kind {
            query.and_where(Expr::col((Items::Table, Items::Kind)).eq(kind.as_str()));
        }
        if let Some(state) = filter.state {
            query.and_where(Expr::col((Items::Table, Items::State)).eq(state.as_str()));
        }
        if let Some(category) = filter.category {
            query.and_where(Expr::col((Items::Table, Items::Category)).eq(category.as_str()));
        }
        if let Some(originator) = &filter.originator {
            query.and_where(Expr::col((Items::Table, Items::OriginatorMember)).eq(originator.as_str()));
        }
        if let Some(tlp) = filter.tlp {
            query.and_where(Expr::col((Items::Table, Items::Tlp)).eq(tlp.as_str()));
        }
        if let Some(since) = filter.updated_since {
            query.and_where(Expr::col((Items::Table, Items::UpdatedAt)).gte(since.0));
        }
        if let Some((at, id)) = filter.before {
            // The plain bound lets both databases use the index as a range; the
            // OR below alone would make them scan down from the newest item.
            query.and_where(Expr::col((Items::Table, Items::UpdatedAt)).lte(at.0));
            query.cond_where(
                Cond::any().add(Expr::col((Items::Table, Items::UpdatedAt)).lt(at.0)).add(
                    Cond::all()
                        .add(Expr::col((Items::Table, Items::UpdatedAt)).eq(at.0))
                        .add(Expr::col((Items::Table, Items::Id)).lt(id.to_string())),
                ),
            );
        }
        if let Some((at, id)) = filter.after {
            query.and_where(Expr::col((Items::Table, Items::UpdatedAt)).gte(at.0));
            query.cond_where(
                Cond::any().add(Expr::col((Items::Table, Items::UpdatedAt)).gt(at.0)).add(
                    Cond::all()
                        .add(Expr::col((Items::Table, Items::UpdatedAt)).eq(at.0))
                        .add(Expr::col((Items::Table, Items::Id)).gt(id.to_string())),
                ),
            );
        }
        query
    }

    /// A page of the items `subject` may read, newest change first (or oldest,
    /// as the filter says).
    pub async fn list_items(&self, subject: &Subject, filter: &ItemFilter) -> Result<ItemPage, StoreError> {
        let (items, next) = self.list_full_items(subject, filter).await?;
        Ok(ItemPage { items: items.into_iter().map(ItemSummary::from).collect(), next })
    }

    /// [`Store::list_items`] with whole items instead of summaries: the same
    /// pushed-down filter and the same `decide` re-check of every row, for
    /// what the server derives from items on the reader's behalf (screening
    /// against the document alerts the reader may see). Like lists, not
    /// audited; whoever shows content from it audits that.
    pub async fn list_full_items(
        &self,
        subject: &Subject,
        filter: &ItemFilter,
    ) -> Result<(Vec<Item>, Option<(Timestamp, Uuid)>), StoreError> {
        let agreements = self.agreements().await?;
        let limit = filter.limit.clamp(1, 500);
        let mut query = self.filtered_select(subject, &agreements, filter);
        let order = if filter.oldest_first { Order::Asc } else { Order::Desc };
        query
            .columns(ITEM_COLUMNS.map(|c| (Items::Table, c)))
            .order_by((Items::Table, Items::UpdatedAt), order.clone())
            .order_by((Items::Table, Items::Id), order)
            .limit(limit + 1);
        let mut items = self.load_items(&query).await?;
        let more = items.len() as u64 > limit;
        items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let now = self.clock().now();
        // The SQL filter is a translation of the policy; re-check every row with
        // the policy itself so that a translation error can never leak content.
        items.retain(|item| {
            let allowed = decide(subject, &item.envelope(), &agreements, now).is_allowed();
            if !allowed {
                tracing::error!(item = %item.id, "pushed-down policy filter returned an item the policy denies");
            }
            allowed
        });
        let next = if more { items.last().map(|i| (i.updated_at, i.id)) } else { None };
        Ok((items, next))
    }

    /// The ids the pushed-down filter returns for `subject`, without re-checking:
    /// what the differential test compares with the policy.
    pub async fn visible_item_ids(&self, subject: &Subject) -> Result<BTreeSet<Uuid>, StoreError> {
        let agreements = self.agreements().await?;
        let mut query = self.filtered_select(subject, &agreements, &ItemFilter::default());
        query.column((Items::Table, Items::Id));
        let rows: Vec<(String,)> = self.pool.target().fetch_all(&query).await?;
        rows.iter().map(|(id,)| crate::parse_uuid(id)).collect()
    }

    /// The items with these ids that `subject` may read, each checked with
    /// `decide`, in no particular order; unknown ids are skipped. Not audited,
    /// like list pages: for search hits, which the search index found with the
    /// policy pushed down and which are judged again here on the stored item.
    pub async fn readable_items(&self, subject: &Subject, ids: &[Uuid]) -> Result<Vec<Item>, StoreError> {
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let mut items = self.items_for_index(ids).await?;
        items.retain(|item| decide(subject, &item.envelope(), &agreements, now).is_allowed());
        Ok(items)
    }

    /// Whole items by id, WITHOUT any policy check, for derived data only: the
    /// search indexer stores what the policy needs and applies it at query time.
    /// Never hand what this returns to a reader.
    pub async fn items_for_index(&self, ids: &[Uuid]) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let ids: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
            out.extend(
                self.load_items(
                    Query::select().columns(ITEM_COLUMNS).from(Items::Table).and_where(Expr::col(Items::Id).is_in(ids)),
                )
                .await?,
            );
        }
        Ok(out)
    }

    /// Up to `limit` whole items with ids after `after`, in id order, WITHOUT any
    /// policy check: for rebuilding derived data (the search index) only.
    pub async fn items_for_index_after(&self, after: Option<Uuid>, limit: u64) -> Result<Vec<Item>, StoreError> {
        let mut query = Query::select();
        query.columns(ITEM_COLUMNS).from(Items::Table).order_by(Items::Id, Order::Asc).limit(Ord::max(limit, 1));
        if let Some(after) = after {
            query.and_where(Expr::col(Items::Id).gt(after.to_string()));
        }
        self.load_items(&query).await
    }

    /// How many items the database holds, in every state.
    pub async fn count_items(&self) -> Result<u64, StoreError> {
        let row: Option<(i64,)> = self
            .pool
            .target()
            .fetch_optional(Query::select().expr(Expr::col(Items::Id).count()).from(Items::Table))
            .await?;
        Ok(row.map_or(0, |(n,)| u64::try_from(n).unwrap_or_default()))
    }

    /// An item's history, for those who may read the item.
    ///
    /// Readers outside the originating member see only the published states
    /// (approval, supersession): drafts, return comments and edits before
    /// publication stay at home.
    pub async fn item_history(&self, subject: &Subject, id: Uuid) -> Result<Vec<HistoryEntry>, StoreError> {
        let item = self.load_item(id).await?;
        if !decide(subject, &item.envelope(), &self.agreements().await?, self.clock().now()).is_allowed() {
            return Err(StoreError::NotFound("item"));
        }
        if item.content.classification > Classification::LOWEST {
            self.record(&[AuditEvent::new("item.history").by(subject.user, &subject.member).on(item.id)]).await?;
        }
        let mut entries: Vec<HistoryEntry> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([
                        ItemHistory::Id,
                        ItemHistory::ItemId,
                        ItemHistory::At,
                        ItemHistory::Actor,
                        ItemHistory::Action,
                        ItemHistory::Comment,
                        ItemHistory::Snapshot,
                    ])
                    .from(ItemHistory::Table)
                    .and_where(Expr::col(ItemHistory::ItemId).eq(id.to_string()))
                    .order_by(ItemHistory::At, Order::Asc)
                    .order_by(ItemHistory::Id, Order::Asc),
            )
            .await?;
        if entries.iter().any(|e| e.snapshot == PENDING_SNAPSHOT) {
            let current = snapshot(&item);
            for entry in entries.iter_mut().filter(|e| e.snapshot == PENDING_SNAPSHOT) {
                entry.snapshot.clone_from(&current);
            }
        }
        if subject.member == item.originator_member {
            return Ok(entries);
        }
        Ok(entries.into_iter().filter(|e| matches!(e.action.as_str(), "approve" | "superseded")).collect())
    }

    /// Stores whole items as they are, without the workflow: for the demo region,
    /// benchmarks and items received from peers. One audit record covers the batch.
    pub async fn put_items(&self, items: &[Item], audit_event: AuditEvent) -> Result<(), StoreError> {
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        write_items(&mut tx, items).await?;
        let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
        audit::append(&mut tx, now, &[audit_event.with(serde_json::json!({ "items": ids.len() }))]).await?;
        outbox::append(&mut tx, now, &ids, "upsert").await?;
        tx.commit().await
    }

    /// Attaches a file to a draft; its type is sniffed and its SHA-256 recorded.
    pub async fn add_attachment(
        &self,
        author: &Subject,
        item_id: Uuid,
        filename: &str,
        bytes: &[u8],
    ) -> Result<AttachmentMeta, StoreError> {
        let item = self.load_item(item_id).await?;
        if !decide(author, &item.envelope(), &[], self.clock().now()).is_allowed() {
            return Err(StoreError::NotFound("item"));
        }
        transition(author, &item.envelope(), Action::Edit)?;
        let now = self.clock().now();
        let meta = checked_upload(item_id, filename, bytes, now)?;
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(Attachments::Table)
                    .columns([
                        Attachments::Id,
                        Attachments::ItemId,
                        Attachments::Filename,
                        Attachments::ContentType,
                        Attachments::Size,
                        Attachments::Sha256,
                        Attachments::Data,
                        Attachments::UploadedBy,
                        Attachments::UploadedAt,
                    ])
                    .values_panic([
                        meta.id.to_string().into(),
                        item_id.to_string().into(),
                        meta.filename.as_str().into(),
                        meta.content_type.as_str().into(),
                        (bytes.len() as i64).into(),
                        meta.sha256.as_str().into(),
                        bytes.to_vec().into(),
                        author.user.to_string().into(),
                        now.0.into(),
                    ]),
            )
            .await?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("attachment.add")
                .by(author.user, &author.member)
                .on(item_id)
                .with(serde_json::json!({ "attachment": meta.id, "sha256": meta.sha256, "size": meta.size }))],
        )
        .await?;
        outbox::append(&mut tx, now, &[item_id], "upsert").await?;
        tx.commit().await?;
        Ok(meta)
    }

    /// The attachments of an item `subject` may read.
    pub async fn attachments(&self, subject: &Subject, item_id: Uuid) -> Result<Vec<AttachmentMeta>, StoreError> {
        let item = self.load_item(item_id).await?;
        if !decide(subject, &item.envelope(), &self.agreements().await?, self.clock().now()).is_allowed() {
            return Err(StoreError::NotFound("item"));
        }
        let rows: Vec<AttachmentRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([
                        Attachments::Id,
                        Attachments::Filename,
                        Attachments::ContentType,
                        Attachments::Size,
                        Attachments::Sha256,
                        Attachments::UploadedAt,
                    ])
                    .from(Attachments::Table)
                    .and_where(Expr::col(Attachments::ItemId).eq(item_id.to_string()))
                    .order_by(Attachments::UploadedAt, Order::Asc),
            )
            .await?;
        rows.into_iter().map(|row| attachment_from_row(item_id, row)).collect()
    }

    /// Downloads an attachment; every download is audited.
    pub async fn download_attachment(
        &self,
        subject: &Subject,
        item_id: Uuid,
        attachment_id: Uuid,
        method: Method,
    ) -> Result<(AttachmentMeta, Vec<u8>), StoreError> {
        let meta = self
            .attachments(subject, item_id)
            .await?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or(StoreError::NotFound("attachment"))?;
        let row: Option<(Vec<u8>,)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .column(Attachments::Data)
                    .from(Attachments::Table)
                    .and_where(Expr::col(Attachments::Id).eq(attachment_id.to_string())),
            )
            .await?;
        let (data,) = row.ok_or(StoreError::NotFound("attachment"))?;
        self.record(&[AuditEvent::new("attachment.download").by(subject.user, &subject.member).on(item_id).with(
            serde_json::json!({ "attachment": attachment_id, "method": method.as_str(), "sha256": meta.sha256 }),
        )])
        .await?;
        Ok((meta, data))
    }
}

/// An attachment's row: id, file name, content type, size, SHA-256, upload time.
pub(crate) type AttachmentRow = (String, String, String, i64, String, i64);

/// Describes the file of `owner` (an item or an agreement) stored as `row`.
pub(crate) fn attachment_from_row(owner: Uuid, row: AttachmentRow) -> Result<AttachmentMeta, StoreError> {
    let (id, filename, content_type, size, sha256, at) = row;
    Ok(AttachmentMeta {
        id: crate::parse_uuid(&id)?,
        item: owner,
        filename,
        content_type,
        size: u64::try_from(size).unwrap_or_default(),
        sha256,
        uploaded_at: Timestamp(at),
    })
}

/// Checks an uploaded file (size, name) and describes it for `owner` (an item
/// or an agreement): its type sniffed from the bytes, its SHA-256 recorded.
pub(crate) fn checked_upload(
    owner: Uuid,
    filename: &str,
    bytes: &[u8],
    now: Timestamp,
) -> Result<AttachmentMeta, StoreError> {
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        let limit = format!("larger than {} MiB", MAX_ATTACHMENT_BYTES / 1024 / 1024);
        return Err(ValidationErrors::single("file", limit).into());
    }
    if bytes.is_empty() {
        return Err(ValidationErrors::single("file", "is empty").into());
    }
    let filename =
        sanitise_filename(filename).ok_or_else(|| ValidationErrors::single("filename", "is not a usable file name"))?;
    Ok(AttachmentMeta {
        id: Uuid::now_v7(),
        item: owner,
        filename,
        content_type: godwit_domain::item::sniff_content_type(bytes).to_owned(),
        size: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(bytes)),
        uploaded_at: now,
    })
}

/// Keeps the last path component and drops control and path characters, so a
/// stored name can never be used for traversal or header injection.
pub fn sanitise_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    (!cleaned.is_empty()).then_some(cleaned)
}
