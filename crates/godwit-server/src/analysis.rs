//! Incident analysis shared by the API and the portal: reading the query
//! parameters (every bad one named, never a failure), running the store's
//! policy-bound aggregations, and each chart's data as a CSV table.
//!
//! Counts are aggregates: no record's content leaves through them. Views are
//! not audited (like list pages); a CSV download is, as `analysis.export`
//! with what was asked and how many rows went out, like the export of records.

use godwit_domain::incident::{Dimension, Method, parse_iso_date};
use godwit_domain::item::Category;
use godwit_domain::member::MemberCode;
use godwit_domain::user::Subject;
use godwit_sheets::export::{Out, table_csv};
use godwit_store::analysis::{AnalysisFilter, Counts, Hop, TopRow, TrendPoint};
use godwit_store::audit::AuditEvent;
use godwit_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};

/// Whether `subject` may analyse incident records: content readers other
/// than front-line officers, who see alerts only.
pub fn may_analyse(subject: &Subject) -> bool {
    subject.reads_content() && !subject.front_line_only()
}

/// The query of every analysis. All parameters are optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalysisParams {
    /// What to group by: `category` (default), `member`, `origin`, `transit`,
    /// `destination`, `nationality`, `environment`, `method`, `transport`,
    /// `document_type`, `fraud_type`, `outcome`. Not used by routes.
    pub by: Option<String>,
    /// First day of events counted: `YYYY-MM-DD`, or `YYYY-MM` for the month's first day.
    pub from: Option<String>,
    /// Last day of events counted: `YYYY-MM-DD`, or `YYYY-MM` for the month's last day.
    pub to: Option<String>,
    /// Only this category, e.g. `people_smuggling`.
    pub category: Option<String>,
    /// Only records of this reporting member, e.g. `FJI`.
    pub member: Option<String>,
    /// Only records with persons of this nationality (ISO 3166-1 alpha-3 or `XXA`…).
    pub nationality: Option<String>,
    /// Only records whose route passes this country (origin, transit or destination).
    pub country: Option<String>,
    /// Only records of this method, e.g. `fraudulent_documents`.
    pub method: Option<String>,
    /// Rows of a top list (default 10) or route hops (default 40); 1 to 500.
    pub limit: Option<String>,
    /// `json` (default) or `csv`; `Accept: text/csv` also asks for CSV.
    pub format: Option<String>,
}

/// The parameters, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub by: Dimension,
    pub filter: AnalysisFilter,
    pub limit: Option<usize>,
    pub csv: bool,
}

fn blank(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// `YYYY-MM-DD`, or `YYYY-MM` meaning its first (`end` false) or last day.
fn day(field: &str, text: &str, end: bool) -> ApiResult<time::Date> {
    if let Some(date) = parse_iso_date(text) {
        return Ok(date);
    }
    let month = parse_iso_date(&format!("{text}-01"))
        .filter(|_| text.len() == 7)
        .ok_or_else(|| ApiError::invalid(field, "must be a date YYYY-MM-DD or a month YYYY-MM"))?;
    if !end {
        return Ok(month);
    }
    Ok(time::Date::from_calendar_date(month.year(), month.month(), month.month().length(month.year())).unwrap_or(month))
}

fn code(field: &str, text: &str, valid: fn(&str) -> bool) -> ApiResult<String> {
    let upper = text.to_ascii_uppercase();
    if valid(&upper) { Ok(upper) } else { Err(ApiError::invalid(field, format!("{text:?} is not a known code"))) }
}

impl Analysis {
    /// Reads `params`; `accepts_csv` is whether the request's `Accept` names `text/csv`.
    pub fn read(params: &AnalysisParams, accepts_csv: bool) -> ApiResult<Analysis> {
        let by = match blank(&params.by) {
            None => Dimension::Category,
            Some(text) => Dimension::parse(text).ok_or_else(|| {
                let known: Vec<&str> = Dimension::ALL.iter().map(|d| d.as_str()).collect();
                ApiError::invalid("by", format!("{text:?} is not one of {}", known.join(", ")))
            })?,
        };
        let from = blank(&params.from).map(|t| day("from", t, false)).transpose()?;
        let to = blank(&params.to).map(|t| day("to", t, true)).transpose()?;
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(ApiError::invalid("to", "must not be before from"));
        }
        let category = blank(&params.category)
            .map(|t| {
                Category::parse(t).ok_or_else(|| ApiError::invalid("category", format!("{t:?} is not a category")))
            })
            .transpose()?;
        let member = blank(&params.member)
            .map(|t| {
                MemberCode::parse(&t.to_ascii_uppercase())
                    .ok_or_else(|| ApiError::invalid("member", format!("{t:?} is not a member code")))
            })
            .transpose()?;
        let method = blank(&params.method)
            .map(|t| Method::parse(t).ok_or_else(|| ApiError::invalid("method", format!("{t:?} is not a method"))))
            .transpose()?;
        let nationality = blank(&params.nationality)
            .map(|t| code("nationality", t, godwit_domain::codes::is_nationality))
            .transpose()?;
        let country =
            blank(&params.country).map(|t| code("country", t, godwit_domain::codes::is_country)).transpose()?;
        let limit = blank(&params.limit)
            .map(|t| {
                t.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=godwit_store::analysis::MAX_TOP).contains(n))
                    .ok_or_else(|| ApiError::invalid("limit", "must be a whole number from 1 to 500"))
            })
            .transpose()?;
        let csv = match blank(&params.format) {
            None => accepts_csv,
            Some("csv") => true,
            Some("json") => false,
            Some(other) => return Err(ApiError::invalid("format", format!("{other:?} is not json or csv"))),
        };
        Ok(Analysis {
            by,
            filter: AnalysisFilter { from, to, category, member, nationality, country, method },
            limit,
            csv,
        })
    }
}

/// Records and persons per month and value of `by`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendResult {
    pub by: Dimension,
    /// Every record counted, once each, and their persons.
    pub totals: Counts,
    /// Oldest month first; months without records are absent.
    pub points: Vec<TrendPoint>,
}

/// The values of `by` with the most records.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopResult {
    pub by: Dimension,
    pub totals: Counts,
    pub rows: Vec<TopRow>,
}

/// The steps of routes taken by the most records.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutesResult {
    pub totals: Counts,
    pub hops: Vec<Hop>,
}

pub const DEFAULT_TOP: usize = 10;
pub const DEFAULT_HOPS: usize = 40;

pub async fn trend(store: &Store, subject: &Subject, a: &Analysis) -> Result<TrendResult, StoreError> {
    Ok(TrendResult {
        by: a.by,
        totals: store.incident_totals(subject, &a.filter).await?,
        points: store.incident_trend(subject, &a.filter, a.by).await?,
    })
}

pub async fn top(store: &Store, subject: &Subject, a: &Analysis) -> Result<TopResult, StoreError> {
    Ok(TopResult {
        by: a.by,
        totals: store.incident_totals(subject, &a.filter).await?,
        rows: store.incident_top(subject, &a.filter, a.by, a.limit.unwrap_or(DEFAULT_TOP)).await?,
    })
}

pub async fn routes(store: &Store, subject: &Subject, a: &Analysis) -> Result<RoutesResult, StoreError> {
    Ok(RoutesResult {
        totals: store.incident_totals(subject, &a.filter).await?,
        hops: store.incident_hops(subject, &a.filter, a.limit.unwrap_or(DEFAULT_HOPS)).await?,
    })
}

fn text(value: &Option<String>) -> Out {
    Out::Text(value.clone().unwrap_or_default())
}

fn number(n: u64) -> Out {
    Out::Number(n as f64)
}

pub fn trend_csv(result: &TrendResult) -> Vec<u8> {
    table_csv(
        &["month", result.by.as_str(), "incidents", "persons"],
        result
            .points
            .iter()
            .map(|p| vec![Out::Text(p.month.clone()), text(&p.key), number(p.incidents), number(p.persons)]),
    )
}

pub fn top_csv(result: &TopResult) -> Vec<u8> {
    table_csv(
        &[result.by.as_str(), "incidents", "persons"],
        result.rows.iter().map(|r| vec![text(&r.key), number(r.incidents), number(r.persons)]),
    )
}

pub fn routes_csv(result: &RoutesResult) -> Vec<u8> {
    table_csv(
        &["from_role", "from", "to_role", "to", "incidents", "persons"],
        result.hops.iter().map(|h| {
            vec![
                Out::Text(h.from_role.clone()),
                Out::Text(h.from.clone()),
                Out::Text(h.to_role.clone()),
                Out::Text(h.to.clone()),
                number(h.incidents),
                number(h.persons),
            ]
        }),
    )
}

/// Records a CSV download of `view` (trend, top, routes) in the audit trail:
/// who, what was asked, how many rows; no counts and no content.
pub async fn audit_download(
    store: &Store,
    subject: &Subject,
    view: &str,
    params: &AnalysisParams,
    rows: usize,
) -> Result<(), StoreError> {
    let mut asked = serde_json::to_value(params).unwrap_or_default();
    if let Some(map) = asked.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
    store
        .record(&[AuditEvent::new("analysis.export")
            .by(subject.user, &subject.member)
            .on(view)
            .with(serde_json::json!({ "query": asked, "rows": rows }))])
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(params: AnalysisParams) -> Result<Analysis, String> {
        Analysis::read(&params, false).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn months_stand_for_their_first_and_last_days() {
        let a = read(AnalysisParams { from: Some("2024-02".into()), to: Some("2024-02".into()), ..Default::default() })
            .expect("valid");
        assert_eq!(a.filter.from, parse_iso_date("2024-02-01"));
        assert_eq!(a.filter.to, parse_iso_date("2024-02-29"));
    }

    #[test]
    fn every_bad_parameter_is_named() {
        for (params, field) in [
            (AnalysisParams { by: Some("colour".into()), ..Default::default() }, "by"),
            (AnalysisParams { from: Some("2026-13".into()), ..Default::default() }, "from"),
            (AnalysisParams { to: Some("yesterday".into()), ..Default::default() }, "to"),
            (
                AnalysisParams { from: Some("2026-03-01".into()), to: Some("2026-02-01".into()), ..Default::default() },
                "to",
            ),
            (AnalysisParams { category: Some("fraud".into()), ..Default::default() }, "category"),
            (AnalysisParams { member: Some("fi ji".into()), ..Default::default() }, "member"),
            (AnalysisParams { nationality: Some("QQQ".into()), ..Default::default() }, "nationality"),
            (AnalysisParams { country: Some("XXA".into()), ..Default::default() }, "country"),
            (AnalysisParams { method: Some("magic".into()), ..Default::default() }, "method"),
            (AnalysisParams { limit: Some("0".into()), ..Default::default() }, "limit"),
            (AnalysisParams { limit: Some("-3".into()), ..Default::default() }, "limit"),
            (AnalysisParams { format: Some("xml".into()), ..Default::default() }, "format"),
        ] {
            let error = read(params).expect_err(field);
            assert!(error.contains(&format!("field: \"{field}\"")), "{field}: {error}");
        }
    }

    #[test]
    fn codes_are_read_in_either_case_and_blanks_are_absent() {
        let a = read(AnalysisParams {
            country: Some("sgp".into()),
            member: Some("fji".into()),
            method: Some(String::new()),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(a.filter.country.as_deref(), Some("SGP"));
        assert_eq!(a.filter.member.as_ref().map(|m| m.as_str()), Some("FJI"));
        assert_eq!(a.filter.method, None);
    }
}
