//! Analysis of incident records: records and persons per month and per value
//! of one dimension, the top values, and the hops of routes. SECURITY-CRITICAL
//! in one respect: a count must never include a record its viewer may not read.
//!
//! Every query starts from [`Store::filtered_select`], i.e. the pushed-down
//! policy (`visibility::condition`) that the differential test in
//! `tests/store/visibility.rs` keeps *exactly* equal to `policy::decide` on
//! both backends: it is neither looser nor stricter. That is why counts can be
//! aggregated in SQL without loading rows to judge each with `decide` (which
//! would be per-row Rust work over millions of records): no condition of the
//! policy is left for Rust to judge. `tests/store/analysis.rs` checks every
//! result against the same aggregation over the records `decide` allows.
//!
//! What counts: published incident records only. Drafts and submitted records
//! are not approved yet, a superseded record was replaced by its new version
//! (counting both would count one event twice) and a withdrawn one was
//! recalled. Filters select records; a record then counts once under each
//! value of the dimension it has (a route with two transit countries counts
//! under both) and not at all when it has none of a multi-valued dimension
//! (nationality, transit, documents). Single-valued facts that were not
//! recorded (no environment, no method…) are grouped under `None`.

use godwit_domain::Timestamp;
use godwit_domain::agreement::Agreement;
use godwit_domain::incident::{Dimension, Method};
use godwit_domain::item::{Category, Envelope, ItemKind, ItemState};
use godwit_domain::member::MemberCode;
use godwit_domain::policy::decide;
use godwit_domain::user::Subject;
use sea_query::{Alias, DynIden, Expr, ExprTrait, Func, IntoIden, JoinType, Query, SelectStatement};
use serde::Serialize;

use crate::items::ItemFilter;
use crate::schema::{IncidentDocuments, IncidentFacts, IncidentLegs, IncidentPersons, IncidentRollup, Items};
use crate::{Store, StoreError, rollup};

/// Whose reading rights bound a count: a record counts only when every one
/// of them may read it. Built from one subject (`&subject` converts), or from
/// a bulletin's audience with [`Readers::all`]; no readers, no records.
#[derive(Debug, Clone, Copy)]
pub struct Readers<'a>(&'a [Subject]);

impl<'a> Readers<'a> {
    pub fn all(subjects: &'a [Subject]) -> Self {
        Readers(subjects)
    }

    /// Whether every reader may read the item with `envelope` (and there is one).
    pub fn allow(&self, envelope: &Envelope, agreements: &[Agreement], now: Timestamp) -> bool {
        !self.0.is_empty() && self.0.iter().all(|s| decide(s, envelope, agreements, now).is_allowed())
    }
}

impl<'a> From<&'a Subject> for Readers<'a> {
    fn from(subject: &'a Subject) -> Self {
        Readers(std::slice::from_ref(subject))
    }
}

/// Which records count. Every bound is optional and inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalysisFilter {
    /// First day of events counted.
    pub from: Option<time::Date>,
    /// Last day of events counted.
    pub to: Option<time::Date>,
    pub category: Option<Category>,
    /// The reporting member.
    pub member: Option<MemberCode>,
    /// Records with at least one person of this nationality.
    pub nationality: Option<String>,
    /// Records whose route passes this country (origin, transit or destination).
    pub country: Option<String>,
    pub method: Option<Method>,
}

/// Records and the persons detected in them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub incidents: u64,
    pub persons: u64,
}

/// The counts of one value of the dimension in one month.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    /// `2026-11`, the month of the events.
    pub month: String,
    /// The value (a category, an ISO 3166-1 alpha-3 code, a method…); `null`
    /// when the records did not say.
    pub key: Option<String>,
    pub incidents: u64,
    /// For nationality, the persons of that nationality; otherwise all persons
    /// of the records counted.
    pub persons: u64,
}

/// The counts of one value of the dimension over the whole period.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopRow {
    pub key: Option<String>,
    pub incidents: u64,
    pub persons: u64,
}

/// One step of routes, from one leg to the next in travel order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// `origin` or `transit`.
    pub from_role: String,
    /// ISO 3166-1 alpha-3.
    pub from: String,
    /// `transit` or `destination`.
    pub to_role: String,
    pub to: String,
    /// Records whose route takes this step.
    pub incidents: u64,
    /// All persons of those records.
    pub persons: u64,
}

/// The most values a top list or route list returns.
pub const MAX_TOP: usize = 500;

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// `SUM` as a 64-bit integer: PostgreSQL sums BIGINT into NUMERIC.
fn sum(expr: Expr) -> Expr {
    Func::cast_as(Func::sum(expr), Alias::new("BIGINT")).into()
}

fn facts(col: IncidentFacts) -> Expr {
    Expr::col((IncidentFacts::Table, col))
}

fn date_text(date: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// Where the values of a dimension are and how they count.
enum Plan {
    /// One value per record, a column of its facts.
    Single(IncidentFacts),
    /// Persons by nationality, several rows per nationality (sex, age band).
    Nationality,
    /// Several values per record in a side table (leg countries of one role, documents).
    Multi { table: DynIden, item: DynIden, value: DynIden, role: Option<&'static str> },
}

fn multi<T: IntoIden, C: IntoIden>(table: T, item: C, value: C, role: Option<&'static str>) -> Plan {
    Plan::Multi { table: table.into_iden(), item: item.into_iden(), value: value.into_iden(), role }
}

fn plan(dimension: Dimension) -> Plan {
    match dimension {
        Dimension::Category => Plan::Single(IncidentFacts::Category),
        Dimension::Member => Plan::Single(IncidentFacts::OriginatorMember),
        Dimension::Origin => Plan::Single(IncidentFacts::Origin),
        Dimension::Destination => Plan::Single(IncidentFacts::Destination),
        Dimension::Environment => Plan::Single(IncidentFacts::Environment),
        Dimension::Method => Plan::Single(IncidentFacts::MethodType),
        Dimension::Transport => Plan::Single(IncidentFacts::Transport),
        Dimension::Outcome => Plan::Single(IncidentFacts::OutcomeType),
        Dimension::Nationality => Plan::Nationality,
        Dimension::Transit => multi(IncidentLegs::Table, IncidentLegs::ItemId, IncidentLegs::Country, Some("transit")),
        Dimension::DocumentType => {
            multi(IncidentDocuments::Table, IncidentDocuments::ItemId, IncidentDocuments::DocumentType, None)
        }
        Dimension::FraudType => {
            multi(IncidentDocuments::Table, IncidentDocuments::ItemId, IncidentDocuments::FraudType, None)
        }
    }
}

/// `SELECT [keys], COUNT(*), SUM(persons) FROM (rows) GROUP BY [keys]` over a
/// derived table of distinct rows with a `persons` column.
fn count_distinct_rows(rows: SelectStatement, keys: &[&str]) -> SelectStatement {
    let d = Alias::new("d");
    let keys: Vec<Expr> = keys.iter().map(|k| Expr::col((d.clone(), Alias::new(*k)))).collect();
    let mut outer = Query::select();
    outer.from_subquery(rows, d.clone());
    for key in &keys {
        outer.expr(key.clone());
    }
    outer.expr(Func::count(Expr::val(1))).expr(sum(Expr::col((d, Alias::new("persons"))))).add_group_by(keys);
    outer
}

/// Turns `visible` (the records counted, joined with their facts) into rows of
/// (month, if `monthly`), value, records, persons for `dimension`.
fn grouped(mut visible: SelectStatement, dimension: Dimension, monthly: bool) -> SelectStatement {
    let month = facts(IncidentFacts::OccurredMonth);
    let (key, incidents, persons): (Expr, Expr, Expr) = match plan(dimension) {
        Plan::Single(col) => {
            (facts(col), Func::count(facts(IncidentFacts::ItemId)).into(), sum(facts(IncidentFacts::Persons)))
        }
        Plan::Nationality => {
            // Records are counted distinct; persons are those of the nationality.
            visible.inner_join(
                IncidentPersons::Table,
                Expr::col((IncidentPersons::Table, IncidentPersons::ItemId))
                    .equals((IncidentFacts::Table, IncidentFacts::ItemId)),
            );
            (
                Expr::col((IncidentPersons::Table, IncidentPersons::Nationality)),
                Func::count_distinct(facts(IncidentFacts::ItemId)).into(),
                sum(Expr::col((IncidentPersons::Table, IncidentPersons::Count))),
            )
        }
        Plan::Multi { table, item, value, role } => {
            // Each record once per distinct value, so that a record naming a
            // country twice (or two counterfeit passports) is still one
            // record under that value. The visible records drive the join:
            // values of records nobody counts are never read.
            visible.inner_join(
                table.clone(),
                Expr::col((table.clone(), item)).equals((IncidentFacts::Table, IncidentFacts::ItemId)),
            );
            if let Some(role) = role {
                visible.and_where(Expr::col((table.clone(), IncidentLegs::Role)).eq(role));
            }
            visible
                .distinct()
                .expr_as(facts(IncidentFacts::ItemId), Alias::new("item_id"))
                .expr_as(month, Alias::new("month"))
                .expr_as(facts(IncidentFacts::Persons), Alias::new("persons"))
                .expr_as(Expr::col((table, value)), Alias::new("val"));
            return count_distinct_rows(visible, if monthly { &["month", "val"] } else { &["val"] });
        }
    };
    let mut keys = Vec::new();
    if monthly {
        keys.push(month);
    }
    keys.push(key);
    for key in &keys {
        visible.expr(key.clone());
    }
    visible.expr(incidents).expr(persons).add_group_by(keys);
    visible
}

/// Sorts by records, then persons, descending, then by value, and keeps `limit`.
fn top(mut rows: Vec<TopRow>, limit: usize) -> Vec<TopRow> {
    rows.sort_by(|a, b| b.incidents.cmp(&a.incidents).then(b.persons.cmp(&a.persons)).then(a.key.cmp(&b.key)));
    rows.truncate(limit.min(MAX_TOP));
    rows
}

/// The first and last month of `filter` when its dates cover whole months, as
/// the rollups keep them; `None` when a bound cuts into a month.
pub(crate) fn whole_months(filter: &AnalysisFilter) -> Option<(Option<String>, Option<String>)> {
    let month = |d: time::Date| format!("{:04}-{:02}", d.year(), u8::from(d.month()));
    let from = match filter.from {
        Some(d) if d.day() != 1 => return None,
        d => d.map(month),
    };
    let to = match filter.to {
        Some(d) if d.next_day().is_some_and(|n| n.day() != 1) => return None,
        d => d.map(month),
    };
    Some((from, to))
}

/// A route step as the rollup keeps it, `from_role|from|to_role|to`, in parts.
pub(crate) fn route_step(key: Option<&str>) -> Result<[String; 4], StoreError> {
    let key = key.unwrap_or_default();
    match key.split('|').collect::<Vec<_>>()[..] {
        [from_role, from, to_role, to] => Ok([from_role, from, to_role, to].map(str::to_owned)),
        _ => Err(StoreError::Corrupt(format!("route step {key}"))),
    }
}

/// One row of a rollup answer: month (when monthly), value, records, persons.
type Rolled = (Option<String>, Option<String>, u64, u64);

/// Sums of the rollup for one value, and one class and month when asked.
pub(crate) struct RollupSum {
    pub class: Option<i64>,
    pub month: Option<String>,
    /// `None`: the records did not state one.
    pub value: Option<String>,
    pub incidents: u64,
    pub persons: u64,
}

impl Store {
    /// The published incident records every one of `readers` may read that
    /// `filter` keeps, joined with their facts.
    pub(crate) fn visible_incidents(
        &self,
        readers: Readers<'_>,
        agreements: &[Agreement],
        filter: &AnalysisFilter,
    ) -> SelectStatement {
        let Some((first, others)) = readers.0.split_first() else {
            let mut none = Query::select();
            none.from(Items::Table)
                .inner_join(IncidentFacts::Table, facts(IncidentFacts::ItemId).equals((Items::Table, Items::Id)));
            return none.cond_where(crate::visibility::never()).to_owned();
        };
        let mut query = self.filtered_select(
            first,
            agreements,
            &ItemFilter {
                kind: Some(ItemKind::IncidentRecord),
                state: Some(ItemState::Published),
                category: filter.category,
                originator: filter.member.clone(),
                ..ItemFilter::default()
            },
        );
        let now = self.clock().now();
        for reader in others {
            query.cond_where(crate::visibility::condition(reader, agreements, now));
        }
        query.inner_join(IncidentFacts::Table, facts(IncidentFacts::ItemId).equals((Items::Table, Items::Id)));
        if let Some(from) = filter.from {
            query.and_where(facts(IncidentFacts::OccurredOn).gte(date_text(from)));
        }
        if let Some(to) = filter.to {
            query.and_where(facts(IncidentFacts::OccurredOn).lte(date_text(to)));
        }
        if let Some(method) = filter.method {
            query.and_where(facts(IncidentFacts::MethodType).eq(method.as_str()));
        }
        if let Some(nationality) = &filter.nationality {
            query.and_where(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(IncidentPersons::Table)
                    .and_where(
                        Expr::col((IncidentPersons::Table, IncidentPersons::ItemId))
                            .equals((IncidentFacts::Table, IncidentFacts::ItemId)),
                    )
                    .and_where(
                        Expr::col((IncidentPersons::Table, IncidentPersons::Nationality)).eq(nationality.as_str()),
                    )
                    .to_owned(),
            ));
        }
        if let Some(country) = &filter.country {
            query.and_where(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(IncidentLegs::Table)
                    .and_where(
                        Expr::col((IncidentLegs::Table, IncidentLegs::ItemId))
                            .equals((IncidentFacts::Table, IncidentFacts::ItemId)),
                    )
                    .and_where(Expr::col((IncidentLegs::Table, IncidentLegs::Country)).eq(country.as_str()))
                    .to_owned(),
            ));
        }
        query
    }

    /// The counts of `dimension` (a [`Dimension`] or the route steps) from the
    /// rollups, each policy class judged once with `decide`; `None` when
    /// `filter` asks for what they do not keep (a nationality, a route
    /// country, a method, or dates that cut into a month): the caller then
    /// counts the records themselves.
    async fn rolled(
        &self,
        readers: Readers<'_>,
        filter: &AnalysisFilter,
        dimension: &str,
        monthly: bool,
    ) -> Result<Option<Vec<Rolled>>, StoreError> {
        if filter.nationality.is_some() || filter.country.is_some() || filter.method.is_some() {
            return Ok(None);
        }
        let Some((from, to)) = whole_months(filter) else { return Ok(None) };
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let allowed: Vec<i64> = rollup::classes(self.pool.target())
            .await?
            .into_iter()
            .map(|(id, class)| (id, class.envelope()))
            .filter(|(_, e)| filter.category.is_none_or(|c| e.category == c))
            .filter(|(_, e)| filter.member.as_ref().is_none_or(|m| &e.originator_member == m))
            .filter(|(_, e)| readers.allow(e, &agreements, now))
            .map(|(id, _)| id)
            .collect();
        let sums = self.rollup_sums(dimension, &allowed, &(from, to), monthly, false).await?;
        Ok(Some(sums.into_iter().map(|s| (s.month, s.value, s.incidents, s.persons)).collect()))
    }

    /// The rollup of `dimension` summed over `classes` and the months from
    /// `months.0` to `months.1` (`YYYY-MM`, inclusive, either open), per value,
    /// per month when `monthly` and per class when `per_class`.
    pub(crate) async fn rollup_sums(
        &self,
        dimension: &str,
        classes: &[i64],
        months: &(Option<String>, Option<String>),
        monthly: bool,
        per_class: bool,
    ) -> Result<Vec<RollupSum>, StoreError> {
        if classes.is_empty() {
            return Ok(Vec::new());
        }
        let col = |c: IncidentRollup| Expr::col((IncidentRollup::Table, c));
        let mut query = Query::select();
        query.from(IncidentRollup::Table).and_where(col(IncidentRollup::Dimension).eq(dimension));
        // Class ids are integers: inlined, as there may be more than a statement may bind.
        let ids: Vec<String> = classes.iter().map(i64::to_string).collect();
        query.and_where(Expr::cust(format!("class_id IN ({})", ids.join(","))));
        if let Some(from) = &months.0 {
            query.and_where(col(IncidentRollup::Month).gte(from.as_str()));
        }
        if let Some(to) = &months.1 {
            query.and_where(col(IncidentRollup::Month).lte(to.as_str()));
        }
        // Every answer has the same columns; those not grouped by are constants.
        let mut keys = vec![col(IncidentRollup::Value)];
        query.expr(if per_class { col(IncidentRollup::ClassId) } else { Expr::cust("CAST(0 AS BIGINT)") });
        query.expr(if monthly { col(IncidentRollup::Month) } else { Expr::cust("''") });
        if per_class {
            keys.push(col(IncidentRollup::ClassId));
        }
        if monthly {
            keys.push(col(IncidentRollup::Month));
        }
        query
            .expr(col(IncidentRollup::Value))
            .expr(sum(col(IncidentRollup::Incidents)))
            .expr(sum(col(IncidentRollup::Persons)))
            .add_group_by(keys)
            .and_having(Func::sum(col(IncidentRollup::Incidents)).gt(0));
        let rows: Vec<(i64, String, String, i64, i64)> = self.pool.target().fetch_all(&query).await?;
        Ok(rows
            .into_iter()
            .map(|(class, month, value, incidents, persons)| RollupSum {
                class: per_class.then_some(class),
                month: monthly.then_some(month),
                value: Some(value).filter(|v| !v.is_empty()),
                incidents: count(incidents),
                persons: count(persons),
            })
            .collect())
    }

    /// All records and persons `filter` keeps among those `subject` may read.
    pub async fn incident_totals<'r>(
        &self,
        readers: impl Into<Readers<'r>>,
        filter: &AnalysisFilter,
    ) -> Result<Counts, StoreError> {
        let readers = readers.into();
        // Every record has exactly one category: the category rollup sums to the totals.
        if let Some(rows) = self.rolled(readers, filter, Dimension::Category.as_str(), false).await? {
            return Ok(rows.into_iter().fold(Counts::default(), |t, (_, _, incidents, persons)| Counts {
                incidents: t.incidents + incidents,
                persons: t.persons + persons,
            }));
        }
        let agreements = self.agreements().await?;
        let mut query = self.visible_incidents(readers, &agreements, filter);
        query
            .expr(Func::count(facts(IncidentFacts::ItemId)))
            .expr(Func::coalesce([sum(facts(IncidentFacts::Persons)), Expr::val(0i64)]));
        let row: Option<(i64, i64)> = self.pool.target().fetch_optional(&query).await?;
        Ok(row
            .map(|(incidents, persons)| Counts { incidents: count(incidents), persons: count(persons) })
            .unwrap_or_default())
    }

    /// Records and persons per month of the events and value of `by`, oldest
    /// month first, values in order (`None` first).
    pub async fn incident_trend<'r>(
        &self,
        readers: impl Into<Readers<'r>>,
        filter: &AnalysisFilter,
        by: Dimension,
    ) -> Result<Vec<TrendPoint>, StoreError> {
        let readers = readers.into();
        let mut points: Vec<TrendPoint> = match self.rolled(readers, filter, by.as_str(), true).await? {
            Some(rows) => rows
                .into_iter()
                .map(|(month, key, incidents, persons)| TrendPoint {
                    month: month.unwrap_or_default(),
                    key,
                    incidents,
                    persons,
                })
                .collect(),
            None => {
                let agreements = self.agreements().await?;
                let query = grouped(self.visible_incidents(readers, &agreements, filter), by, true);
                let rows: Vec<(String, Option<String>, i64, i64)> = self.pool.target().fetch_all(&query).await?;
                rows.into_iter()
                    .map(|(month, key, incidents, persons)| TrendPoint {
                        month,
                        key,
                        incidents: count(incidents),
                        persons: count(persons),
                    })
                    .collect()
            }
        };
        // Sorted here: the backends order NULL differently.
        points.sort_by(|a, b| a.month.cmp(&b.month).then(a.key.cmp(&b.key)));
        Ok(points)
    }

    /// The `limit` values of `by` with the most records (then persons), over
    /// the whole period.
    pub async fn incident_top<'r>(
        &self,
        readers: impl Into<Readers<'r>>,
        filter: &AnalysisFilter,
        by: Dimension,
        limit: usize,
    ) -> Result<Vec<TopRow>, StoreError> {
        let readers = readers.into();
        let rows = match self.rolled(readers, filter, by.as_str(), false).await? {
            Some(rows) => {
                rows.into_iter().map(|(_, key, incidents, persons)| TopRow { key, incidents, persons }).collect()
            }
            None => {
                let agreements = self.agreements().await?;
                let query = grouped(self.visible_incidents(readers, &agreements, filter), by, false);
                let rows: Vec<(Option<String>, i64, i64)> = self.pool.target().fetch_all(&query).await?;
                rows.into_iter()
                    .map(|(key, incidents, persons)| TopRow {
                        key,
                        incidents: count(incidents),
                        persons: count(persons),
                    })
                    .collect()
            }
        };
        // Values are few (countries, taxonomy terms): sorting them here is cheap
        // and orders ties the same way on both backends.
        Ok(top(rows, limit))
    }

    /// The `limit` steps of routes taken by the most records: each pair of
    /// consecutive legs (origin → transit → … → destination) of a record.
    pub async fn incident_hops<'r>(
        &self,
        readers: impl Into<Readers<'r>>,
        filter: &AnalysisFilter,
        limit: usize,
    ) -> Result<Vec<Hop>, StoreError> {
        let readers = readers.into();
        let mut hops = match self.rolled(readers, filter, rollup::HOP, false).await? {
            Some(rows) => rows
                .into_iter()
                .map(|(_, key, incidents, persons)| {
                    let [from_role, from, to_role, to] = route_step(key.as_deref())?;
                    Ok::<_, StoreError>(Hop { from_role, from, to_role, to, incidents, persons })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => self.counted_hops(readers, filter).await?,
        };
        hops.sort_by(|x, y| {
            y.incidents
                .cmp(&x.incidents)
                .then(y.persons.cmp(&x.persons))
                .then((&x.from, &x.from_role, &x.to, &x.to_role).cmp(&(&y.from, &y.from_role, &y.to, &y.to_role)))
        });
        hops.truncate(limit.min(MAX_TOP));
        Ok(hops)
    }

    /// The route steps of the visible records, counted from the records themselves.
    async fn counted_hops(&self, readers: Readers<'_>, filter: &AnalysisFilter) -> Result<Vec<Hop>, StoreError> {
        let agreements = self.agreements().await?;
        let mut steps = self.visible_incidents(readers, &agreements, filter);
        let (a, b) = (Alias::new("a"), Alias::new("b"));
        // Each record once per distinct step, its legs read for visible records only.
        steps
            .join_as(
                JoinType::InnerJoin,
                IncidentLegs::Table,
                a.clone(),
                Expr::col((a.clone(), IncidentLegs::ItemId)).equals((IncidentFacts::Table, IncidentFacts::ItemId)),
            )
            .join_as(
                JoinType::InnerJoin,
                IncidentLegs::Table,
                b.clone(),
                Expr::col((b.clone(), IncidentLegs::ItemId)).equals((a.clone(), IncidentLegs::ItemId)).and(
                    Expr::col((b.clone(), IncidentLegs::Seq)).eq(Expr::col((a.clone(), IncidentLegs::Seq)).add(1)),
                ),
            )
            .distinct()
            .expr_as(facts(IncidentFacts::ItemId), Alias::new("item_id"))
            .expr_as(facts(IncidentFacts::Persons), Alias::new("persons"))
            .expr_as(Expr::col((a.clone(), IncidentLegs::Role)), Alias::new("from_role"))
            .expr_as(Expr::col((a, IncidentLegs::Country)), Alias::new("from_country"))
            .expr_as(Expr::col((b.clone(), IncidentLegs::Role)), Alias::new("to_role"))
            .expr_as(Expr::col((b, IncidentLegs::Country)), Alias::new("to_country"));
        let query = count_distinct_rows(steps, &["from_role", "from_country", "to_role", "to_country"]);
        let rows: Vec<(String, String, String, String, i64, i64)> = self.pool.target().fetch_all(&query).await?;
        Ok(rows
            .into_iter()
            .map(|(from_role, from, to_role, to, incidents, persons)| Hop {
                from_role,
                from,
                to_role,
                to,
                incidents: count(incidents),
                persons: count(persons),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_orders_ties_by_persons_then_value() {
        let row = |key: Option<&str>, incidents, persons| TopRow { key: key.map(str::to_owned), incidents, persons };
        let rows = vec![row(Some("B"), 2, 5), row(None, 2, 5), row(Some("A"), 2, 9), row(Some("C"), 7, 1)];
        assert_eq!(top(rows, 3), vec![row(Some("C"), 7, 1), row(Some("A"), 2, 9), row(None, 2, 5)]);
    }
}
