//! Regional aggregates (issue 4, point 5): members opt in to a region (a
//! member group) and their users see totals over every contributor's
//! published incident records, including records not released to them.
//! SECURITY-CRITICAL: these counts do not go through the access policy per
//! record, so three things stand in for it:
//!
//! - **Who sees them:** users who may analyse, of a member that contributes
//!   to the region now ([`Store::regional_reader`]); anyone else is refused.
//! - **What counts:** published incident records of the members contributing
//!   *now* (an opt-out takes a member's records out at once), at or below the
//!   classification each member contributes and the viewer's clearance.
//!   Counted from the rollups (crates/godwit-store/src/rollup.rs): a policy
//!   class fixes a record's originator, category and classification.
//! - **What is shown:** only counts that pass the disclosure control of
//!   `godwit_domain::regional` (thresholds, complementary suppression,
//!   rounding). No record, id, title or per-member count ever leaves here.
//!
//! Every opt-in and opt-out is audited (`regional.opt_in`, `regional.opt_out`).
//! Reads are audited by the server, which knows the query asked.

use std::collections::BTreeMap;

use godwit_domain::Timestamp;
use godwit_domain::incident::Dimension;
use godwit_domain::marking::Classification;
use godwit_domain::member::{MemberCode, MemberGroup};
use godwit_domain::regional::{Cell, Period, Published, disclose, disclose_one, groups_by};
use godwit_domain::user::{Role, Subject};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use serde::Serialize;

use crate::analysis::{AnalysisFilter, RollupSum, route_step, whole_months};
use crate::audit::{self, AuditEvent};
use crate::schema::RegionalContributions;
use crate::{Store, StoreError, parse_uuid, rollup};

/// A member contributing to a region's aggregates.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contribution {
    /// The region: a member group's code (`PIDC`).
    pub region: String,
    pub member: MemberCode,
    /// The highest classification (rank) of the records it contributes.
    pub ceiling: Classification,
    /// The national focal point who opted in (or last changed the ceiling).
    pub opted_in_by: uuid::Uuid,
    pub opted_in_at: Timestamp,
}

/// A region as one of its members sees it: who contributes, and whether its
/// own member does.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    /// Members contributing now, by code.
    pub contributors: Vec<MemberCode>,
    /// The viewer's member's contribution, if it contributes.
    pub yours: Option<Contribution>,
}

/// The counts of one period and value of a regional trend, as published.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionalPoint {
    /// `YYYY-MM`, or `YYYY-Qn` by quarter.
    pub period: String,
    pub key: Option<String>,
    #[serde(flatten)]
    pub counts: Published,
}

/// The counts of one value over the period, as published.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionalRow {
    pub key: Option<String>,
    #[serde(flatten)]
    pub counts: Published,
}

/// One route step over the period, as published.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionalHop {
    pub from_role: String,
    pub from: String,
    pub to_role: String,
    pub to: String,
    #[serde(flatten)]
    pub counts: Published,
}

/// A region's totals and one view of them, as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regional<T> {
    pub totals: Published,
    pub rows: Vec<T>,
}

/// Why the caller cannot read a region's aggregates, and how to change that.
fn not_contributing(region: &str) -> StoreError {
    StoreError::Forbidden(format!(
        "your member does not contribute to the regional aggregates of {region}: its national focal point can opt \
         in on the portal's Regional aggregates page (/analysis/regional) or with PUT \
         /api/v1/analysis/regional/{region}/contribution"
    ))
}

/// Dimensions whose values partition the records: their rows add up to the totals.
fn partitions(by: Dimension) -> bool {
    !matches!(by, Dimension::Transit | Dimension::Nationality | Dimension::DocumentType | Dimension::FraudType)
}

/// The columns of a contribution, in the order of [`ContributionRow`].
const COLUMNS: [RegionalContributions; 5] = [
    RegionalContributions::GroupCode,
    RegionalContributions::MemberCode,
    RegionalContributions::Ceiling,
    RegionalContributions::OptedInBy,
    RegionalContributions::OptedInAt,
];

type ContributionRow = (String, String, i64, String, i64);

fn contribution(row: ContributionRow) -> Result<Contribution, StoreError> {
    let (region, member, ceiling, by, at) = row;
    Ok(Contribution {
        region,
        member: MemberCode(member),
        ceiling: Classification(u8::try_from(ceiling).map_err(|_| StoreError::Corrupt(format!("ceiling {ceiling}")))?),
        opted_in_by: parse_uuid(&by)?,
        opted_in_at: Timestamp(at),
    })
}

impl Store {
    async fn region_group(&self, region: &str) -> Result<MemberGroup, StoreError> {
        self.groups().await?.into_iter().find(|g| g.code == region).ok_or(StoreError::NotFound("region"))
    }

    /// The members contributing to `region` now: opted in and still in the group.
    pub async fn regional_contributions(&self, region: &str) -> Result<Vec<Contribution>, StoreError> {
        let group = self.region_group(region).await?;
        let col = |c| Expr::col((RegionalContributions::Table, c));
        let rows: Vec<ContributionRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from(RegionalContributions::Table)
                    .and_where(col(RegionalContributions::GroupCode).eq(region))
                    .order_by(RegionalContributions::MemberCode, Order::Asc),
            )
            .await?;
        let all: Vec<Contribution> = rows.into_iter().map(contribution).collect::<Result<_, _>>()?;
        // A member that left the group no longer contributes (nor reads).
        Ok(all.into_iter().filter(|c| group.members.contains(&c.member)).collect())
    }

    /// The regions (groups) of the subject's member, with their contributors.
    pub async fn regions(&self, subject: &Subject) -> Result<Vec<Region>, StoreError> {
        let mut out = Vec::new();
        for group in self.groups().await?.into_iter().filter(|g| g.members.contains(&subject.member)) {
            let contributions = self.regional_contributions(&group.code).await?;
            out.push(Region {
                yours: contributions.iter().find(|c| c.member == subject.member).cloned(),
                contributors: contributions.into_iter().map(|c| c.member).collect(),
                code: group.code,
                name: group.name,
            });
        }
        Ok(out)
    }

    fn focal_point_of(subject: &Subject, group: &MemberGroup) -> Result<(), StoreError> {
        if !subject.has(Role::NationalFocalPoint) {
            return Err(StoreError::Forbidden("only a national focal point opts its member in or out".into()));
        }
        if !group.members.contains(&subject.member) {
            return Err(StoreError::Forbidden(format!("your member is not a member of {}", group.code)));
        }
        Ok(())
    }

    /// Opts the subject's member in to `region`, contributing its published
    /// incident records up to `ceiling`, or changes the ceiling. Only its
    /// national focal point may; audited as `regional.opt_in`.
    pub async fn opt_in(
        &self,
        subject: &Subject,
        region: &str,
        ceiling: Classification,
    ) -> Result<Contribution, StoreError> {
        let group = self.region_group(region).await?;
        Self::focal_point_of(subject, &group)?;
        let now = self.clock().now();
        let before = self.regional_contributions(region).await?.into_iter().find(|c| c.member == subject.member);
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(RegionalContributions::Table)
                    .columns(COLUMNS)
                    .values_panic([
                        region.into(),
                        subject.member.as_str().into(),
                        i64::from(ceiling.0).into(),
                        subject.user.to_string().into(),
                        now.0.into(),
                    ])
                    .on_conflict(
                        OnConflict::columns([RegionalContributions::GroupCode, RegionalContributions::MemberCode])
                            .update_columns([
                                RegionalContributions::Ceiling,
                                RegionalContributions::OptedInBy,
                                RegionalContributions::OptedInAt,
                            ])
                            .to_owned(),
                    ),
            )
            .await?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("regional.opt_in")
                .by(subject.user, &subject.member)
                .on(region)
                .with(serde_json::json!({ "ceiling": ceiling.0, "previous_ceiling": before.map(|c| c.ceiling.0) }))],
        )
        .await?;
        tx.commit().await?;
        Ok(Contribution {
            region: region.to_owned(),
            member: subject.member.clone(),
            ceiling,
            opted_in_by: subject.user,
            opted_in_at: now,
        })
    }

    /// Opts the subject's member out of `region`: its records stop counting at
    /// once and its users stop seeing the aggregates. Audited as
    /// `regional.opt_out`; `NotFound` when it did not contribute.
    pub async fn opt_out(&self, subject: &Subject, region: &str) -> Result<(), StoreError> {
        let group = self.region_group(region).await?;
        Self::focal_point_of(subject, &group)?;
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        let removed = tx
            .target()
            .execute(
                Query::delete()
                    .from_table(RegionalContributions::Table)
                    .and_where(Expr::col(RegionalContributions::GroupCode).eq(region))
                    .and_where(Expr::col(RegionalContributions::MemberCode).eq(subject.member.as_str())),
            )
            .await?;
        if removed == 0 {
            return Err(StoreError::NotFound("contribution"));
        }
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("regional.opt_out").by(subject.user, &subject.member).on(region)],
        )
        .await?;
        tx.commit().await
    }

    /// Refuses a subject whose member does not contribute to `region` now.
    pub async fn regional_reader(&self, subject: &Subject, region: &str) -> Result<(), StoreError> {
        if self.regional_contributions(region).await?.iter().any(|c| c.member == subject.member) {
            Ok(())
        } else {
            Err(not_contributing(region))
        }
    }

    /// The true counts of `dimension` in `region` for `subject`, per month when
    /// `monthly`: per value, with the members whose records they hold. Refuses
    /// non-contributors and filters the rollups do not answer.
    async fn regional_cells(
        &self,
        subject: &Subject,
        region: &str,
        filter: &AnalysisFilter,
        dimension: &str,
        monthly: bool,
    ) -> Result<BTreeMap<(Option<String>, Option<String>), Cell>, StoreError> {
        let contributions = self.regional_contributions(region).await?;
        if !contributions.iter().any(|c| c.member == subject.member) {
            return Err(not_contributing(region));
        }
        let unsupported = filter.member.is_some()
            || filter.nationality.is_some()
            || filter.country.is_some()
            || filter.method.is_some();
        let months = whole_months(filter).filter(|_| !unsupported).ok_or_else(|| {
            StoreError::Invalid(godwit_domain::ValidationErrors::single(
                "filter",
                "regional aggregates are counted by category and whole months only",
            ))
        })?;
        // The classes counted: a contributor's records at or below both its
        // ceiling and the viewer's clearance, of the category asked.
        let classes: BTreeMap<i64, MemberCode> = rollup::classes(self.pool.target())
            .await?
            .into_iter()
            .map(|(id, class)| (id, class.envelope()))
            .filter(|(_, e)| filter.category.is_none_or(|c| e.category == c))
            .filter(|(_, e)| e.classification <= subject.clearance)
            .filter(|(_, e)| {
                contributions.iter().any(|c| c.member == e.originator_member && e.classification <= c.ceiling)
            })
            .map(|(id, e)| (id, e.originator_member))
            .collect();
        let ids: Vec<i64> = classes.keys().copied().collect();
        let mut cells: BTreeMap<(Option<String>, Option<String>), Cell> = BTreeMap::new();
        for RollupSum { class, month, value, incidents, persons } in
            self.rollup_sums(dimension, &ids, &months, monthly, true).await?
        {
            let member = class
                .and_then(|id| classes.get(&id))
                .ok_or_else(|| StoreError::Corrupt(format!("rollup class {class:?}")))?;
            cells.entry((month, value)).or_default().add(incidents, persons, member);
        }
        Ok(cells)
    }

    /// All records counted in `region` for `subject`, as published.
    async fn regional_totals(
        &self,
        subject: &Subject,
        region: &str,
        filter: &AnalysisFilter,
    ) -> Result<Published, StoreError> {
        // Every record has exactly one category: its cells add up to the totals.
        let cells = self.regional_cells(subject, region, filter, Dimension::Category.as_str(), false).await?;
        let mut all = Cell::default();
        for cell in cells.values() {
            all.merge(cell);
        }
        Ok(disclose_one(&all))
    }

    /// Records per period (month or quarter) and value of `by` in `region`,
    /// as published; oldest period first. Cells are pooled into periods
    /// before disclosure control, then grouped by value (their sum is the
    /// value's top row) and, for dimensions that partition the records, by period.
    pub async fn regional_trend(
        &self,
        subject: &Subject,
        region: &str,
        filter: &AnalysisFilter,
        by: Dimension,
        period: Period,
    ) -> Result<Regional<RegionalPoint>, StoreError> {
        let by = breakdown(by)?;
        let totals = self.regional_totals(subject, region, filter).await?;
        let mut cells: BTreeMap<(Option<String>, Option<String>), Cell> = BTreeMap::new();
        for ((month, value), cell) in self.regional_cells(subject, region, filter, by.as_str(), true).await? {
            let pooled = month
                .as_deref()
                .and_then(|m| period.of_month(m))
                .ok_or_else(|| StoreError::Corrupt(format!("rollup month {month:?}")))?;
            cells.entry((Some(pooled), value)).or_default().merge(&cell);
        }
        let keys: Vec<(Option<String>, Option<String>)> = cells.keys().cloned().collect();
        let mut groups = groups_by(&keys, |(_, value)| value.clone());
        if partitions(by) {
            groups.extend(groups_by(&keys, |(period, _)| period.clone()));
        }
        let counts: Vec<Cell> = cells.into_values().collect();
        let rows = keys
            .into_iter()
            .zip(disclose(&counts, &groups))
            .map(|((period, key), counts)| RegionalPoint { period: period.unwrap_or_default(), key, counts })
            .collect();
        Ok(Regional { totals, rows })
    }

    /// The `limit` values of `by` with the most records in `region`, as
    /// published: suppression is decided over every value, then the list is
    /// ordered by the published counts (suppressed last) and cut.
    pub async fn regional_top(
        &self,
        subject: &Subject,
        region: &str,
        filter: &AnalysisFilter,
        by: Dimension,
        limit: usize,
    ) -> Result<Regional<RegionalRow>, StoreError> {
        let by = breakdown(by)?;
        let totals = self.regional_totals(subject, region, filter).await?;
        let cells = self.regional_cells(subject, region, filter, by.as_str(), false).await?;
        let keys: Vec<Option<String>> = cells.keys().map(|(_, value)| value.clone()).collect();
        let groups = if partitions(by) { vec![(0..keys.len()).collect()] } else { Vec::new() };
        let counts: Vec<Cell> = cells.into_values().collect();
        let mut rows: Vec<RegionalRow> =
            keys.into_iter().zip(disclose(&counts, &groups)).map(|(key, counts)| RegionalRow { key, counts }).collect();
        rows.sort_by(|a, b| published_order(&a.counts, &b.counts).then(a.key.cmp(&b.key)));
        rows.truncate(limit.min(crate::analysis::MAX_TOP));
        Ok(Regional { totals, rows })
    }

    /// The `limit` route steps taken by the most records in `region`, as
    /// published. A record has several steps, so they form no group.
    pub async fn regional_routes(
        &self,
        subject: &Subject,
        region: &str,
        filter: &AnalysisFilter,
        limit: usize,
    ) -> Result<Regional<RegionalHop>, StoreError> {
        let totals = self.regional_totals(subject, region, filter).await?;
        let cells = self.regional_cells(subject, region, filter, rollup::HOP, false).await?;
        let mut rows = Vec::new();
        for ((_, key), cell) in &cells {
            let [from_role, from, to_role, to] = route_step(key.as_deref())?;
            rows.push(RegionalHop { from_role, from, to_role, to, counts: disclose_one(cell) });
        }
        rows.sort_by(|x, y| {
            published_order(&x.counts, &y.counts).then((&x.from, &x.from_role, &x.to, &x.to_role).cmp(&(
                &y.from,
                &y.from_role,
                &y.to,
                &y.to_role,
            )))
        });
        rows.truncate(limit.min(crate::analysis::MAX_TOP));
        Ok(Regional { totals, rows })
    }
}

/// Refuses a breakdown by member: regional aggregates never show one.
fn breakdown(by: Dimension) -> Result<Dimension, StoreError> {
    if by == Dimension::Member {
        return Err(StoreError::Invalid(godwit_domain::ValidationErrors::single(
            "by",
            "regional aggregates have no breakdown by member",
        )));
    }
    Ok(by)
}

/// Most records first, then most persons; suppressed cells last. Only the
/// published (rounded) counts order rows, so the order says nothing more.
fn published_order(a: &Published, b: &Published) -> std::cmp::Ordering {
    (b.incidents, b.persons).cmp(&(a.incidents, a.persons))
}
