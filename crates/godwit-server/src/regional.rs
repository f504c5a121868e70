//! Regional aggregates shared by the API and the portal (issue 4, point 5):
//! reading the query (every bad parameter named), the store's published
//! counts, their CSV tables, and the audit of every read.
//!
//! The store refuses members that do not contribute and decides what may be
//! shown (docs/analysis.md, *Regional aggregates*); here suppressed cells are
//! written `<5`. Every read — a JSON answer, a CSV download, a page — is
//! audited as `regional.read` with who, the region, the view and the query.

use godwit_domain::incident::Dimension;
use godwit_domain::regional::{Period, Published};
use godwit_domain::user::Subject;
use godwit_sheets::export::{Out, table_csv};
use godwit_store::audit::AuditEvent;
use godwit_store::regional::{RegionalHop, RegionalPoint, RegionalRow};
use godwit_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::analysis::{Analysis, AnalysisParams, DEFAULT_HOPS, DEFAULT_TOP};
use crate::error::{ApiError, ApiResult};

/// The query of a regional aggregate. All parameters are optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionalParams {
    /// What to group by: `category` (default), `origin`, `transit`,
    /// `destination`, `nationality`, `environment`, `method`, `transport`,
    /// `document_type`, `fraud_type`, `outcome`; never `member`. Not used by routes.
    pub by: Option<String>,
    /// First month counted, `YYYY-MM` (or its first day).
    pub from: Option<String>,
    /// Last month counted, `YYYY-MM` (or its last day).
    pub to: Option<String>,
    /// Only this category, e.g. `people_smuggling`.
    pub category: Option<String>,
    /// How finely the trend is cut: `month` (default) or `quarter` (three
    /// months pooled, so fewer counts are held back). With `quarter`, `from`
    /// and `to` are whole quarters. Used by the trend only.
    pub period: Option<String>,
    /// Rows of a top list (default 10) or route steps (default 40); 1 to 500.
    pub limit: Option<String>,
    /// `json` (default) or `csv`; `Accept: text/csv` also asks for CSV.
    pub format: Option<String>,
}

impl RegionalParams {
    /// Reads and checks the query; `accepts_csv` is whether `Accept` names `text/csv`.
    pub fn read(&self, accepts_csv: bool) -> ApiResult<Analysis> {
        let a = Analysis::read(
            &AnalysisParams {
                by: self.by.clone(),
                from: self.from.clone(),
                to: self.to.clone(),
                category: self.category.clone(),
                limit: self.limit.clone(),
                format: self.format.clone(),
                ..AnalysisParams::default()
            },
            accepts_csv,
        )?;
        if a.by == Dimension::Member {
            return Err(ApiError::invalid("by", "regional aggregates have no breakdown by member"));
        }
        // The counts kept per month answer whole months (or quarters) only.
        let period = self.period()?;
        let whole = match period {
            Period::Month => "regional aggregates count whole months: give a month YYYY-MM",
            Period::Quarter => "by quarter, give the first month of a quarter (from) and the last (to)",
        };
        if a.filter.from.is_some_and(|d| d.day() != 1 || !period.starts_with(d.month().into())) {
            return Err(ApiError::invalid("from", whole));
        }
        let ends_month = |d: time::Date| d.next_day().is_none_or(|n| n.day() == 1);
        if a.filter.to.is_some_and(|d| !ends_month(d) || !period.ends_with(d.month().into())) {
            return Err(ApiError::invalid("to", whole));
        }
        Ok(a)
    }

    /// The trend's period, `month` unless asked otherwise.
    pub fn period(&self) -> ApiResult<Period> {
        match self.period.as_deref() {
            None | Some("") => Ok(Period::Month),
            Some(p) => Period::parse(p).ok_or_else(|| ApiError::invalid("period", "give month or quarter")),
        }
    }
}

/// Records per period and value of `by` over the region's contributors.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionalTrend {
    pub region: String,
    pub by: Dimension,
    pub period: Period,
    /// Every record counted, once each (suppressed if too few).
    pub totals: Published,
    /// Oldest period first; suppressed cells have no counts.
    pub points: Vec<RegionalPoint>,
}

/// The values of `by` with the most records over the region's contributors.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionalTop {
    pub region: String,
    pub by: Dimension,
    pub totals: Published,
    pub rows: Vec<RegionalRow>,
}

/// The route steps taken by the most records over the region's contributors.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionalRoutes {
    pub region: String,
    pub totals: Published,
    pub hops: Vec<RegionalHop>,
}

pub async fn trend(
    store: &Store,
    subject: &Subject,
    region: &str,
    a: &Analysis,
    period: Period,
) -> Result<RegionalTrend, StoreError> {
    let result = store.regional_trend(subject, region, &a.filter, a.by, period).await?;
    Ok(RegionalTrend { region: region.to_owned(), by: a.by, period, totals: result.totals, points: result.rows })
}

pub async fn top(store: &Store, subject: &Subject, region: &str, a: &Analysis) -> Result<RegionalTop, StoreError> {
    let limit = a.limit.unwrap_or(DEFAULT_TOP);
    let result = store.regional_top(subject, region, &a.filter, a.by, limit).await?;
    Ok(RegionalTop { region: region.to_owned(), by: a.by, totals: result.totals, rows: result.rows })
}

pub async fn routes(
    store: &Store,
    subject: &Subject,
    region: &str,
    a: &Analysis,
) -> Result<RegionalRoutes, StoreError> {
    let limit = a.limit.unwrap_or(DEFAULT_HOPS);
    let result = store.regional_routes(subject, region, &a.filter, limit).await?;
    Ok(RegionalRoutes { region: region.to_owned(), totals: result.totals, hops: result.rows })
}

/// A published count as a table shows it: the number, or `<5`.
pub fn shown(count: Option<u64>) -> String {
    count.map_or_else(|| "<5".to_owned(), |n| n.to_string())
}

fn counts(p: &Published) -> [Out; 2] {
    let cell = |n: Option<u64>| n.map_or_else(|| Out::Text("<5".into()), |n| Out::Number(n as f64));
    [cell(p.incidents), cell(p.persons)]
}

fn text(value: &Option<String>) -> Out {
    Out::Text(value.clone().unwrap_or_default())
}

pub fn trend_csv(result: &RegionalTrend) -> Vec<u8> {
    table_csv(
        &[result.period.as_str(), result.by.as_str(), "incidents", "persons"],
        result.points.iter().map(|p| {
            let mut row = vec![Out::Text(p.period.clone()), text(&p.key)];
            row.extend(counts(&p.counts));
            row
        }),
    )
}

pub fn top_csv(result: &RegionalTop) -> Vec<u8> {
    table_csv(
        &[result.by.as_str(), "incidents", "persons"],
        result.rows.iter().map(|r| {
            let mut row = vec![text(&r.key)];
            row.extend(counts(&r.counts));
            row
        }),
    )
}

pub fn routes_csv(result: &RegionalRoutes) -> Vec<u8> {
    table_csv(
        &["from_role", "from", "to_role", "to", "incidents", "persons"],
        result.hops.iter().map(|h| {
            let mut row = vec![
                Out::Text(h.from_role.clone()),
                Out::Text(h.from.clone()),
                Out::Text(h.to_role.clone()),
                Out::Text(h.to.clone()),
            ];
            row.extend(counts(&h.counts));
            row
        }),
    )
}

/// Records a read of `region`'s aggregates: who, the view (trend, top,
/// routes, page), the query asked, the format and how many rows went out.
pub async fn audit_read(
    store: &Store,
    subject: &Subject,
    region: &str,
    view: &str,
    params: &RegionalParams,
    rows: usize,
) -> Result<(), StoreError> {
    let mut asked = serde_json::to_value(params).unwrap_or_default();
    if let Some(map) = asked.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
    store
        .record(&[AuditEvent::new("regional.read")
            .by(subject.user, &subject.member)
            .on(region)
            .with(serde_json::json!({ "view": view, "query": asked, "rows": rows }))])
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(params: RegionalParams) -> String {
        params.read(false).map(|_| String::new()).unwrap_or_else(|e| format!("{e:?}"))
    }

    #[test]
    fn no_breakdown_by_member_and_whole_months_only() {
        let by_member = field(RegionalParams { by: Some("member".into()), ..Default::default() });
        assert!(by_member.contains("field: \"by\""), "{by_member}");
        let cut = field(RegionalParams { from: Some("2026-01-15".into()), ..Default::default() });
        assert!(cut.contains("field: \"from\""), "{cut}");
        let cut = field(RegionalParams { to: Some("2026-02-27".into()), ..Default::default() });
        assert!(cut.contains("field: \"to\""), "{cut}");
        let whole =
            RegionalParams { from: Some("2026-01".into()), to: Some("2026-02-28".into()), ..Default::default() };
        assert!(whole.read(false).is_ok());
    }

    #[test]
    fn by_quarter_whole_quarters_only() {
        let quarter = |from: &str, to: &str| RegionalParams {
            period: Some("quarter".into()),
            from: Some(from.into()),
            to: Some(to.into()),
            ..Default::default()
        };
        assert!(quarter("2026-01", "2026-06").read(false).is_ok());
        assert!(quarter("2026-04", "2026-12-31").read(false).is_ok());
        assert!(field(quarter("2026-02", "2026-06")).contains("field: \"from\""));
        assert!(field(quarter("2026-01", "2026-05")).contains("field: \"to\""));
        let weekly = RegionalParams { period: Some("week".into()), ..Default::default() };
        assert!(field(weekly).contains("field: \"period\""));
    }

    #[test]
    fn suppressed_cells_read_less_than_five() {
        assert_eq!(shown(None), "<5");
        assert_eq!(shown(Some(15)), "15");
    }
}
