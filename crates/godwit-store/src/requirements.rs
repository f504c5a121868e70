//! Collection plans: intelligence requirements, the items linked to them as
//! evidence, the coverage of each requirement and the Framework's measures.
//!
//! SECURITY: a link names an item, and an item may be one the viewer may not
//! read. Every list and count of linked items therefore goes through the
//! access policy: the detail list through `decide` ([`Store::readable_items`]),
//! the counts through the pushed-down filter ([`Store::filtered_select`]), so
//! that a requirement never reveals that an unreadable item answers it.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::Timestamp;
use godwit_domain::ValidationErrors;
use godwit_domain::item::ItemKind;
use godwit_domain::member::MemberCode;
use godwit_domain::requirement::{
    Priority, Requirement, RequirementDraft, RequirementStatus, links_items, sets_requirements,
};
use godwit_domain::user::Subject;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::error::corrupt;
use crate::items::{ItemFilter, ItemSummary};
use crate::requirement_notices::RequirementEvent;
use crate::schema::{Items, RequirementLinks, Requirements};
use crate::statistics::month_of;
use crate::{Store, StoreError, parse_uuid};

/// An item linked to a requirement, as a reader who may read the item sees it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct LinkedItem {
    pub item: ItemSummary,
    /// The requirement's indicators this item bears on.
    pub indicators: Vec<String>,
    /// The member whose user linked it.
    pub linked_member: MemberCode,
    pub linked_at: Timestamp,
}

/// How one indicator is covered.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorCoverage {
    pub indicator: String,
    /// Linked items the viewer may read that bear on it.
    pub items: u64,
}

/// What has been collected against one requirement, counting only the linked
/// items the viewer may read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub requirement: Requirement,
    /// Open and past its due date.
    pub overdue: bool,
    pub items: u64,
    /// Of which incident records.
    pub incidents: u64,
    /// Linked items by the member that originated them.
    pub by_member: BTreeMap<MemberCode, u64>,
    /// Linked items by the month they were linked (`2026-11`).
    pub by_month: BTreeMap<String, u64>,
    /// Every indicator, with how many linked items bear on it (0: no evidence yet).
    pub indicators: Vec<IndicatorCoverage>,
}

/// The Framework's measures for one member in one month (seed 003 annex):
/// records contributed, alerts, reports, and links made to collection plans.
/// Counts only what the viewer may read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measure {
    /// `2026-11`.
    pub month: String,
    pub member: MemberCode,
    /// Incident records published.
    pub records: u64,
    pub alerts: u64,
    /// Intelligence reports published.
    pub reports: u64,
    /// Items of the member linked to a requirement the viewer sees, by link month.
    pub plan_links: u64,
}

#[derive(sqlx::FromRow)]
struct RequirementRow {
    id: String,
    owner_member: String,
    reference: String,
    question: String,
    priority: String,
    indicators: String,
    due_on: String,
    requesting_members: String,
    release_members: String,
    release_groups: String,
    status: String,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: [Requirements; 14] = [
    Requirements::Id,
    Requirements::OwnerMember,
    Requirements::Reference,
    Requirements::Question,
    Requirements::Priority,
    Requirements::Indicators,
    Requirements::DueOn,
    Requirements::RequestingMembers,
    Requirements::ReleaseMembers,
    Requirements::ReleaseGroups,
    Requirements::Status,
    Requirements::CreatedBy,
    Requirements::CreatedAt,
    Requirements::UpdatedAt,
];

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt("requirement", what, text))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

impl TryFrom<RequirementRow> for Requirement {
    type Error = StoreError;

    fn try_from(row: RequirementRow) -> Result<Self, StoreError> {
        Ok(Requirement {
            id: parse_uuid(&row.id)?,
            owner_member: MemberCode(row.owner_member),
            draft: RequirementDraft {
                reference: row.reference,
                question: row.question,
                priority: Priority::parse(&row.priority)
                    .ok_or_else(|| corrupt("requirement", "priority", &row.priority))?,
                indicators: json("indicators", &row.indicators)?,
                due_on: row.due_on,
                requesting_members: json("requesting members", &row.requesting_members)?,
                release_members: json("release members", &row.release_members)?,
                release_groups: json("release groups", &row.release_groups)?,
                status: RequirementStatus::parse(&row.status)
                    .ok_or_else(|| corrupt("requirement", "status", &row.status))?,
            },
            created_by: parse_uuid(&row.created_by)?,
            created_at: Timestamp(row.created_at),
            updated_at: Timestamp(row.updated_at),
        })
    }
}

/// A link as stored, before the policy decides whether the viewer may see it.
#[derive(sqlx::FromRow)]
struct LinkRow {
    item_id: String,
    indicators: String,
    linked_member: String,
    linked_at: i64,
}

/// A link the pushed-down policy let through, with what the counts need of its item.
#[derive(sqlx::FromRow)]
struct CountedLink {
    requirement_id: String,
    indicators: String,
    linked_at: i64,
    originator_member: String,
    kind: String,
}

fn forbidden(message: &str) -> StoreError {
    StoreError::Forbidden(message.into())
}

impl Store {
    async fn known_members(&self) -> Result<BTreeSet<MemberCode>, StoreError> {
        Ok(self.members().await?.into_iter().map(|m| m.code).collect())
    }

    pub(crate) async fn all_requirements(&self) -> Result<Vec<Requirement>, StoreError> {
        let rows: Vec<RequirementRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from(Requirements::Table)
                    .order_by(Requirements::DueOn, Order::Asc)
                    .order_by(Requirements::Reference, Order::Asc),
            )
            .await?;
        rows.into_iter().map(Requirement::try_from).collect()
    }

    /// The requirements `subject` may see, soonest due first.
    pub async fn requirements(&self, subject: &Subject) -> Result<Vec<Requirement>, StoreError> {
        let mut all = self.all_requirements().await?;
        all.retain(|r| r.visible_to(subject));
        Ok(all)
    }

    /// One requirement; not found when `subject` may not see it.
    pub async fn requirement(&self, subject: &Subject, id: Uuid) -> Result<Requirement, StoreError> {
        let row: Option<RequirementRow> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns(COLUMNS)
                    .from(Requirements::Table)
                    .and_where(Expr::col(Requirements::Id).eq(id.to_string())),
            )
            .await?;
        let requirement = row.map(Requirement::try_from).transpose()?.ok_or(StoreError::NotFound("requirement"))?;
        if requirement.visible_to(subject) { Ok(requirement) } else { Err(StoreError::NotFound("requirement")) }
    }

    /// Sets a requirement for `subject`'s member (a secretariat or national
    /// focal point); audited as `requirement.create`. The requesting members'
    /// users who may see it are notified ([`crate::requirement_notices`]).
    pub async fn create_requirement(
        &self,
        subject: &Subject,
        draft: RequirementDraft,
    ) -> Result<Requirement, StoreError> {
        if !sets_requirements(subject) {
            return Err(forbidden("requirements are set by a secretariat or a national focal point"));
        }
        draft.validate(&self.known_members().await?)?;
        let draft = draft.normalised();
        let now = self.clock().now();
        let requirement = Requirement {
            id: Uuid::now_v7(),
            owner_member: subject.member.clone(),
            draft,
            created_by: subject.user,
            created_at: now,
            updated_at: now,
        };
        let notices = self.requirement_notices(&requirement, RequirementEvent::Created, Some(subject.user)).await?;
        let d = &requirement.draft;
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(Query::insert().into_table(Requirements::Table).columns(COLUMNS).values_panic([
                requirement.id.to_string().into(),
                requirement.owner_member.as_str().into(),
                d.reference.as_str().into(),
                d.question.as_str().into(),
                d.priority.as_str().into(),
                to_json(&d.indicators).into(),
                d.due_on.as_str().into(),
                to_json(&d.requesting_members).into(),
                to_json(&d.release_members).into(),
                to_json(&d.release_groups).into(),
                d.status.as_str().into(),
                subject.user.to_string().into(),
                now.0.into(),
                now.0.into(),
            ]))
            .await
            .map_err(|e| e.unique_as_conflict("a requirement of your member with this reference"))?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("requirement.create")
                .by(subject.user, &subject.member)
                .on(requirement.id)
                .with(serde_json::to_value(d).unwrap_or_default())],
        )
        .await?;
        crate::notices::record(&mut tx, now, &notices).await?;
        tx.commit().await?;
        Ok(requirement)
    }

    /// Changes a requirement (question, indicators, audience, status); only the
    /// owning member's management may. Audited as `requirement.update` with
    /// the new version. Links to indicators no longer listed stay, without them.
    /// The requesting members' users who may see it are notified.
    pub async fn update_requirement(
        &self,
        subject: &Subject,
        id: Uuid,
        draft: RequirementDraft,
    ) -> Result<Requirement, StoreError> {
        let current = self.requirement(subject, id).await?;
        if !current.managed_by(subject) {
            return Err(forbidden("only the management of the member that set a requirement may change it"));
        }
        draft.validate(&self.known_members().await?)?;
        let draft = draft.normalised();
        let now = self.clock().now();
        let updated = Requirement { draft, updated_at: now, ..current };
        let notices = self.requirement_notices(&updated, RequirementEvent::Changed, Some(subject.user)).await?;
        let draft = &updated.draft;
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::update()
                    .table(Requirements::Table)
                    .values([
                        (Requirements::Reference, draft.reference.as_str().into()),
                        (Requirements::Question, draft.question.as_str().into()),
                        (Requirements::Priority, draft.priority.as_str().into()),
                        (Requirements::Indicators, to_json(&draft.indicators).into()),
                        (Requirements::DueOn, draft.due_on.as_str().into()),
                        (Requirements::RequestingMembers, to_json(&draft.requesting_members).into()),
                        (Requirements::ReleaseMembers, to_json(&draft.release_members).into()),
                        (Requirements::ReleaseGroups, to_json(&draft.release_groups).into()),
                        (Requirements::Status, draft.status.as_str().into()),
                        (Requirements::UpdatedAt, now.0.into()),
                    ])
                    .and_where(Expr::col(Requirements::Id).eq(id.to_string())),
            )
            .await
            .map_err(|e| e.unique_as_conflict("a requirement of your member with this reference"))?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("requirement.update")
                .by(subject.user, &subject.member)
                .on(id)
                .with(serde_json::to_value(draft).unwrap_or_default())],
        )
        .await?;
        crate::notices::record(&mut tx, now, &notices).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Links an item `subject` may read to a requirement `subject` sees, naming
    /// the indicators it bears on; linking again replaces the indicators.
    /// Audited as `requirement.link`. The person who set the requirement is
    /// notified if they may read the item.
    pub async fn link_item(
        &self,
        subject: &Subject,
        requirement_id: Uuid,
        item_id: Uuid,
        indicators: Vec<String>,
    ) -> Result<(), StoreError> {
        if !links_items(subject) {
            return Err(forbidden("items are linked by analysts, authorising officers and focal points"));
        }
        let requirement = self.requirement(subject, requirement_id).await?;
        if !requirement.takes_links() {
            return Err(StoreError::Conflict("the requirement is closed".into()));
        }
        let mut errors = ValidationErrors::default();
        let indicators: BTreeSet<String> = indicators.iter().map(|i| i.trim().to_owned()).collect();
        for (n, indicator) in indicators.iter().enumerate() {
            if !requirement.draft.indicators.contains(indicator) {
                errors.push(format!("indicators/{n}"), format!("{indicator:?} is not an indicator of the requirement"));
            }
        }
        errors.into_result()?;
        // The item must be one the linker may read: `decide` on the stored item.
        if self.readable_items(subject, &[item_id]).await?.is_empty() {
            return Err(StoreError::NotFound("item"));
        }
        let notice = self.link_notice(&requirement, item_id, subject).await?;
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target().execute(&link_key_delete(requirement_id, item_id)).await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(RequirementLinks::Table)
                    .columns([
                        RequirementLinks::RequirementId,
                        RequirementLinks::ItemId,
                        RequirementLinks::Indicators,
                        RequirementLinks::LinkedBy,
                        RequirementLinks::LinkedMember,
                        RequirementLinks::LinkedAt,
                    ])
                    .values_panic([
                        requirement_id.to_string().into(),
                        item_id.to_string().into(),
                        to_json(&indicators).into(),
                        subject.user.to_string().into(),
                        subject.member.as_str().into(),
                        now.0.into(),
                    ]),
            )
            .await?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("requirement.link")
                .by(subject.user, &subject.member)
                .on(requirement_id)
                .with(serde_json::json!({ "item": item_id, "indicators": indicators }))],
        )
        .await?;
        crate::notices::record(&mut tx, now, notice.as_slice()).await?;
        tx.commit().await
    }

    /// The requirements `subject` sees that `item_id` is linked to, soonest
    /// due first. The caller has judged that `subject` may read the item.
    pub async fn requirements_linking(&self, subject: &Subject, item_id: Uuid) -> Result<Vec<Requirement>, StoreError> {
        let linked: Vec<(String,)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .column(RequirementLinks::RequirementId)
                    .from(RequirementLinks::Table)
                    .and_where(Expr::col(RequirementLinks::ItemId).eq(item_id.to_string())),
            )
            .await?;
        if linked.is_empty() {
            return Ok(Vec::new());
        }
        let linked: BTreeSet<String> = linked.into_iter().map(|(id,)| id).collect();
        let mut seen = self.requirements(subject).await?;
        seen.retain(|r| linked.contains(&r.id.to_string()));
        Ok(seen)
    }

    /// Removes a link: by the member that made it or the requirement's
    /// management, and only by someone who may read the item (so that the
    /// answer never tells whether an unreadable item was linked). Audited as
    /// `requirement.unlink`.
    pub async fn unlink_item(&self, subject: &Subject, requirement_id: Uuid, item_id: Uuid) -> Result<(), StoreError> {
        let requirement = self.requirement(subject, requirement_id).await?;
        if self.readable_items(subject, &[item_id]).await?.is_empty() {
            return Err(StoreError::NotFound("item"));
        }
        let link = self
            .link_rows(&[requirement_id])
            .await?
            .into_iter()
            .find(|l| l.item_id == item_id.to_string())
            .ok_or(StoreError::NotFound("link"))?;
        let own = links_items(subject) && link.linked_member == subject.member.as_str();
        if !own && !requirement.managed_by(subject) {
            return Err(forbidden("a link is removed by the member that made it or the requirement's management"));
        }
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target().execute(&link_key_delete(requirement_id, item_id)).await?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("requirement.unlink")
                .by(subject.user, &subject.member)
                .on(requirement_id)
                .with(serde_json::json!({ "item": item_id }))],
        )
        .await?;
        tx.commit().await
    }

    async fn link_rows(&self, requirements: &[Uuid]) -> Result<Vec<LinkRow>, StoreError> {
        self.pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([
                        RequirementLinks::ItemId,
                        RequirementLinks::Indicators,
                        RequirementLinks::LinkedMember,
                        RequirementLinks::LinkedAt,
                    ])
                    .from(RequirementLinks::Table)
                    .and_where(
                        Expr::col(RequirementLinks::RequirementId).is_in(requirements.iter().map(Uuid::to_string)),
                    )
                    .order_by(RequirementLinks::LinkedAt, Order::Desc),
            )
            .await
    }

    /// The linked items of a requirement that `subject` may read (each judged
    /// by `decide`), most recently linked first. Unreadable ones are left out
    /// without a trace.
    pub async fn linked_items(&self, subject: &Subject, requirement_id: Uuid) -> Result<Vec<LinkedItem>, StoreError> {
        self.requirement(subject, requirement_id).await?;
        let links = self.link_rows(&[requirement_id]).await?;
        let ids: Vec<Uuid> = links.iter().map(|l| parse_uuid(&l.item_id)).collect::<Result<_, _>>()?;
        let mut readable: BTreeMap<Uuid, ItemSummary> =
            self.readable_items(subject, &ids).await?.into_iter().map(|i| (i.id, ItemSummary::from(i))).collect();
        let mut out = Vec::new();
        for link in links {
            let Some(item) = readable.remove(&parse_uuid(&link.item_id)?) else { continue };
            out.push(LinkedItem {
                item,
                indicators: json("link indicators", &link.indicators)?,
                linked_member: MemberCode(link.linked_member),
                linked_at: Timestamp(link.linked_at),
            });
        }
        Ok(out)
    }

    /// The requirements `subject` sees, among `requirements`, that link each
    /// item, through the pushed-down filter: for the coverage and measures.
    async fn counted_links(&self, subject: &Subject, requirements: &[Uuid]) -> Result<Vec<CountedLink>, StoreError> {
        if requirements.is_empty() {
            return Ok(Vec::new());
        }
        let agreements = self.agreements().await?;
        let mut query = self.filtered_select(subject, &agreements, &ItemFilter::default());
        query
            .inner_join(
                RequirementLinks::Table,
                Expr::col((RequirementLinks::Table, RequirementLinks::ItemId)).equals((Items::Table, Items::Id)),
            )
            .column((RequirementLinks::Table, RequirementLinks::RequirementId))
            .column((RequirementLinks::Table, RequirementLinks::Indicators))
            .column((RequirementLinks::Table, RequirementLinks::LinkedAt))
            .column((Items::Table, Items::OriginatorMember))
            .column((Items::Table, Items::Kind))
            .and_where(
                Expr::col((RequirementLinks::Table, RequirementLinks::RequirementId))
                    .is_in(requirements.iter().map(Uuid::to_string)),
            );
        self.pool.target().fetch_all(&query).await
    }

    /// The coverage of every requirement `subject` sees, counting only the
    /// linked items `subject` may read.
    pub async fn coverage(&self, subject: &Subject) -> Result<Vec<Coverage>, StoreError> {
        let requirements = self.requirements(subject).await?;
        let ids: Vec<Uuid> = requirements.iter().map(|r| r.id).collect();
        let links = self.counted_links(subject, &ids).await?;
        let today = self.clock().now().to_datetime().date();
        let mut out: Vec<Coverage> = requirements
            .into_iter()
            .map(|requirement| Coverage {
                overdue: requirement.is_overdue(today),
                items: 0,
                incidents: 0,
                by_member: BTreeMap::new(),
                by_month: BTreeMap::new(),
                indicators: requirement
                    .draft
                    .indicators
                    .iter()
                    .map(|i| IndicatorCoverage { indicator: i.clone(), items: 0 })
                    .collect(),
                requirement,
            })
            .collect();
        for link in links {
            let Some(c) = out.iter_mut().find(|c| c.requirement.id.to_string() == link.requirement_id) else {
                continue;
            };
            c.items += 1;
            if link.kind == ItemKind::IncidentRecord.as_str() {
                c.incidents += 1;
            }
            *c.by_member.entry(MemberCode(link.originator_member)).or_default() += 1;
            *c.by_month.entry(month_of(Timestamp(link.linked_at))).or_default() += 1;
            let named: BTreeSet<String> = json("link indicators", &link.indicators)?;
            for indicator in c.indicators.iter_mut().filter(|i| named.contains(&i.indicator)) {
                indicator.items += 1;
            }
        }
        Ok(out)
    }

    /// The Framework's measures per member for the last `months` calendar
    /// months (this one included), oldest first: what each member published
    /// by kind ([`Store::contributions_by_kind`], the dashboard's counts) and
    /// the links of its items to the requirements `subject` sees. Everything
    /// counted is something `subject` may read.
    pub async fn measures(&self, subject: &Subject, months: u32) -> Result<Vec<Measure>, StoreError> {
        let mut by_key: BTreeMap<(String, MemberCode), Measure> = BTreeMap::new();
        let window = crate::statistics::months_back(self.clock().now(), months);
        for count in self.contributions_by_kind(subject, months).await? {
            let m = measure(&mut by_key, count.month, count.member);
            match count.kind {
                ItemKind::IncidentRecord => m.records += count.count,
                ItemKind::Alert => m.alerts += count.count,
                ItemKind::IntelligenceReport => m.reports += count.count,
                _ => {}
            }
        }
        let requirements: Vec<Uuid> = self.requirements(subject).await?.iter().map(|r| r.id).collect();
        for link in self.counted_links(subject, &requirements).await? {
            let month = month_of(Timestamp(link.linked_at));
            if window.contains(&month) {
                measure(&mut by_key, month, MemberCode(link.originator_member)).plan_links += 1;
            }
        }
        // Kinds the Framework does not measure (bulletins, library documents…)
        // leave rows of zeros: not a contribution.
        Ok(by_key.into_values().filter(|m| m.records + m.alerts + m.reports + m.plan_links > 0).collect())
    }
}

/// The measure of one member and month, zero until counted.
fn measure(map: &mut BTreeMap<(String, MemberCode), Measure>, month: String, member: MemberCode) -> &mut Measure {
    map.entry((month.clone(), member.clone())).or_insert(Measure {
        month,
        member,
        records: 0,
        alerts: 0,
        reports: 0,
        plan_links: 0,
    })
}

fn link_key_delete(requirement_id: Uuid, item_id: Uuid) -> sea_query::DeleteStatement {
    Query::delete()
        .from_table(RequirementLinks::Table)
        .and_where(Expr::col(RequirementLinks::RequirementId).eq(requirement_id.to_string()))
        .and_where(Expr::col(RequirementLinks::ItemId).eq(item_id.to_string()))
        .to_owned()
}
