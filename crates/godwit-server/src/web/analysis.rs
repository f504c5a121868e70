//! The analysis page: the incident records the viewer may read, counted per
//! month (a stacked bar chart), the top values of a dimension, and routes as a
//! map and as a flow diagram; every chart with its table and a link to its
//! data as CSV (the API's, which audits the download). All drawn on the
//! server as SVG: nothing to fetch but the page.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use godwit_domain::incident::{Dimension, Method};
use godwit_domain::item::Category;
use godwit_domain::regional::Period;
use godwit_store::analysis::{Counts, Hop};

use crate::analysis::{self, Analysis, AnalysisParams};
use crate::web::chart::{BarChart, stacked_bars};
use crate::web::forms::words;
use crate::web::item_form::{Choice, choices};
use crate::web::map::{country_name, flow_diagram, route_map};
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::Viewer;

/// Series drawn in the trend chart; the rest are summed as "Other".
const SERIES: usize = 6;

/// A value of a dimension in words.
pub(crate) fn label(by: Dimension, key: Option<&str>) -> String {
    let Some(key) = key else { return "Not recorded".into() };
    match by {
        Dimension::Origin | Dimension::Transit | Dimension::Destination | Dimension::Nationality => country(key),
        Dimension::Member => key.to_owned(),
        _ => words(key),
    }
}

pub(crate) fn country(code: &str) -> String {
    match country_name(code) {
        Some(name) => format!("{name} ({code})"),
        None => code.to_owned(),
    }
}

/// Every month from the first to the last, `YYYY-MM`.
/// One row of the top table.
pub struct TopLine {
    pub label: String,
    pub incidents: u64,
    pub persons: u64,
    /// Share of all records counted, in per cent, for the bar in the cell.
    pub share: u64,
}

/// One row of the routes table.
pub struct HopLine {
    pub from: String,
    pub from_role: String,
    pub to: String,
    pub to_role: String,
    pub incidents: u64,
    pub persons: u64,
}

/// What the page shows when the parameters are good.
pub struct Shown {
    pub totals: Counts,
    /// The dimension in a sentence ("transit") and as a column heading ("Transit").
    pub by: String,
    pub by_heading: String,
    pub trend: BarChart,
    pub top: Vec<TopLine>,
    pub map: String,
    pub flow: String,
    pub hops: Vec<HopLine>,
    pub trend_csv: String,
    pub top_csv: String,
    pub routes_csv: String,
}

#[derive(Template)]
#[template(path = "analysis.html")]
pub struct AnalysisPage {
    chrome: Chrome,
    dimensions: Vec<Choice>,
    categories: Vec<Choice>,
    methods: Vec<Choice>,
    members: Vec<Choice>,
    params: AnalysisParams,
    error: Option<String>,
    shown: Option<Shown>,
}

/// Incident records per period (`points`' `month` holds the period's label,
/// oldest first) by the values of `by`, the largest series drawn apart.
pub(crate) fn trend_chart(by: Dimension, points: &[godwit_store::analysis::TrendPoint], period: Period) -> BarChart {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return stacked_bars("trend", &format!("Incident records per {}", period.as_str()), Vec::new(), Vec::new());
    };
    let months = period.between(&first.month, &last.month);
    let mut totals: BTreeMap<Option<&str>, u64> = BTreeMap::new();
    for p in points {
        *totals.entry(p.key.as_deref()).or_default() += p.incidents;
    }
    let mut ranked: Vec<(Option<&str>, u64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let shown: Vec<Option<&str>> = ranked.iter().take(SERIES).map(|(k, _)| *k).collect();
    let mut series: Vec<(String, Vec<u64>)> = shown.iter().map(|k| (label(by, *k), vec![0; months.len()])).collect();
    let mut other = vec![0; months.len()];
    for p in points {
        let Some(month) = months.iter().position(|m| *m == p.month) else { continue };
        match shown.iter().position(|k| *k == p.key.as_deref()) {
            Some(i) => series[i].1[month] += p.incidents,
            None => other[month] += p.incidents,
        }
    }
    if ranked.len() > SERIES {
        series.push(("Other".into(), other));
    }
    let title = format!("Incident records per {} by {}", period.as_str(), words(by.as_str()).to_lowercase());
    stacked_bars("trend", &title, months, series)
}

fn hop_line(h: &Hop) -> HopLine {
    HopLine {
        from: country(&h.from),
        from_role: h.from_role.clone(),
        to: country(&h.to),
        to_role: h.to_role.clone(),
        incidents: h.incidents,
        persons: h.persons,
    }
}

/// The API address of one chart's data as CSV, with the page's filters.
fn csv_link(view: &str, params: &AnalysisParams) -> String {
    let mut p = params.clone();
    p.format = Some("csv".into());
    if view == "routes" {
        p.by = None;
    }
    let query = serde_html_form::to_string(&p).unwrap_or_default();
    format!("/api/v1/analysis/incidents/{view}?{query}")
}

async fn shown(
    state: &crate::state::AppState,
    viewer: &Viewer,
    params: &AnalysisParams,
    a: &Analysis,
) -> Result<Shown, WebError> {
    let (store, subject) = (&state.store, &viewer.caller.subject);
    // The store's queries one by one rather than the API's answers, which
    // would count the totals three times.
    let totals = store.incident_totals(subject, &a.filter).await?;
    let points = store.incident_trend(subject, &a.filter, a.by).await?;
    let top = store.incident_top(subject, &a.filter, a.by, a.limit.unwrap_or(analysis::DEFAULT_TOP)).await?;
    let hops = store.incident_hops(subject, &a.filter, a.limit.unwrap_or(analysis::DEFAULT_HOPS)).await?;
    let all = totals.incidents.max(1);
    Ok(Shown {
        totals,
        by: words(a.by.as_str()).to_lowercase(),
        by_heading: words(a.by.as_str()),
        trend: trend_chart(a.by, &points, Period::Month),
        top: top
            .iter()
            .map(|r| TopLine {
                label: label(a.by, r.key.as_deref()),
                incidents: r.incidents,
                persons: r.persons,
                share: r.incidents * 100 / all,
            })
            .collect(),
        map: route_map(&hops),
        flow: flow_diagram(&hops),
        hops: hops.iter().map(hop_line).collect(),
        trend_csv: csv_link("trend", params),
        top_csv: csv_link("top", params),
        routes_csv: csv_link("routes", params),
    })
}

pub async fn show(
    State(state): State<crate::state::AppState>,
    viewer: Viewer,
    Query(params): Query<AnalysisParams>,
) -> Result<Response, WebError> {
    if !analysis::may_analyse(&viewer.caller.subject) {
        return Err(WebError::page(StatusCode::FORBIDDEN, "Analysis is for roles that read incident records."));
    }
    let mut params = params;
    params.format = None;
    let (status, error, shown) = match Analysis::read(&params, false) {
        Ok(a) => (StatusCode::OK, None, Some(shown(&state, &viewer, &params, &a).await?)),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, Some(e.summary()), None),
    };
    let by = params.by.clone().unwrap_or_default();
    let members = state.store.members().await?;
    let page = AnalysisPage {
        chrome: Chrome::new(&viewer, "Analysis", "/analysis"),
        dimensions: choices(Dimension::ALL, Dimension::as_str, if by.is_empty() { "category" } else { &by }),
        categories: choices(Category::ALL, Category::as_str, params.category.as_deref().unwrap_or_default()),
        methods: choices(Method::ALL, Method::as_str, params.method.as_deref().unwrap_or_default()),
        members: members
            .iter()
            .map(|m| Choice {
                value: m.code.to_string(),
                label: format!("{} ({})", m.name, m.code),
                selected: params.member.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(m.code.as_str())),
            })
            .collect(),
        params,
        error,
        shown,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(response.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_words() {
        assert_eq!(label(Dimension::Origin, Some("LKA")), "Sri Lanka (LKA)");
        assert_eq!(label(Dimension::Method, Some("fraudulent_documents")), "Fraudulent documents");
        assert_eq!(label(Dimension::Environment, None), "Not recorded");
    }
}
