//! The regional aggregates page (`/analysis/regional`): the regions of the
//! viewer's member and who contributes to them; for a national focal point,
//! the control to opt its member in (stating the highest classification it
//! contributes) or out; for users of contributing members, the region's
//! totals per quarter or month (an SVG chart), top values and route steps, suppressed
//! cells written `<5`, each with its CSV from the API. The rules, counts and
//! audit are those of `/api/v1/analysis/regional` (crate::regional).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::incident::Dimension;
use godwit_domain::item::Category;
use godwit_domain::regional::Period;
use godwit_domain::user::Role;
use godwit_store::StoreError;
use godwit_store::analysis::{Hop, TrendPoint};
use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, may_analyse};
use crate::api::regional::{RegionView, region_views};
use crate::regional::{self, RegionalParams, shown};
use crate::state::AppState;
use crate::web::analysis::{country, label, trend_chart};
use crate::web::forms::words;
use crate::web::item_form::{Choice, choices};
use crate::web::map::{flow_diagram, route_map};
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::{Viewer, WebForm};

/// The page's query: the region and the regional parameters.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PageParams {
    pub region: Option<String>,
    pub by: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub category: Option<String>,
    pub period: Option<String>,
    pub limit: Option<String>,
}

impl PageParams {
    /// The API's query; the page counts by quarter unless asked for months,
    /// since a region's monthly cells are mostly too small to publish.
    fn regional(&self) -> RegionalParams {
        RegionalParams {
            by: self.by.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            category: self.category.clone(),
            period: Some(self.period.clone().filter(|p| !p.is_empty()).unwrap_or_else(|| "quarter".into())),
            limit: self.limit.clone(),
            format: None,
        }
    }
}

/// One row of a table: the label and its published counts in words.
pub struct Line {
    pub label: String,
    pub incidents: String,
    pub persons: String,
}

/// What a contributor is shown.
pub struct Shown {
    pub totals: Line,
    pub by: String,
    pub by_heading: String,
    /// `month` or `quarter`.
    pub period: &'static str,
    pub chart_svg: String,
    /// The periods, oldest first.
    pub months: Vec<String>,
    /// Per value: the published count of each period (`<5` or blank).
    pub table: Vec<(String, Vec<String>)>,
    pub top: Vec<Line>,
    pub hops: Vec<Line>,
    /// The published (unsuppressed) route steps on a map and as a flow.
    pub map: String,
    pub flow: String,
    pub trend_csv: String,
    pub top_csv: String,
    pub routes_csv: String,
}

#[derive(Template)]
#[template(path = "regional.html")]
pub struct RegionalPage {
    chrome: Chrome,
    regions: Vec<RegionView>,
    region: String,
    /// Whether the viewer opts the member in or out.
    focal_point: bool,
    ceilings: Vec<Choice>,
    dimensions: Vec<Choice>,
    categories: Vec<Choice>,
    periods: Vec<Choice>,
    params: PageParams,
    /// Why the aggregates are not shown (not contributing), with how to opt in.
    refusal: Option<String>,
    error: Option<String>,
    shown: Option<Shown>,
}

fn csv_link(region: &str, view: &str, params: &RegionalParams) -> String {
    let mut p = params.clone();
    p.format = Some("csv".into());
    if view == "routes" {
        p.by = None;
    }
    let query = serde_html_form::to_string(&p).unwrap_or_default();
    format!("/api/v1/analysis/regional/{region}/{view}?{query}")
}

async fn shown_to(
    state: &AppState,
    viewer: &Viewer,
    region: &str,
    params: &RegionalParams,
    (a, period): (&Analysis, Period),
) -> Result<Shown, StoreError> {
    let subject = &viewer.caller.subject;
    let trend = regional::trend(&state.store, subject, region, a, period).await?;
    let top = regional::top(&state.store, subject, region, a).await?;
    let routes = regional::routes(&state.store, subject, region, a).await?;
    regional::audit_read(&state.store, subject, region, "page", params, trend.points.len() + top.rows.len()).await?;
    // Suppressed cells are drawn as nothing; the table says `<5`.
    let drawn: Vec<TrendPoint> = trend
        .points
        .iter()
        .map(|p| TrendPoint {
            month: p.period.clone(),
            key: p.key.clone(),
            incidents: p.counts.incidents.unwrap_or(0),
            persons: p.counts.persons.unwrap_or(0),
        })
        .collect();
    let chart = trend_chart(a.by, &drawn, period);
    let mut table: Vec<(String, Vec<String>)> = Vec::new();
    let mut keys: Vec<Option<String>> = trend.points.iter().map(|p| p.key.clone()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let cells = chart
            .months
            .iter()
            .map(|m| {
                trend
                    .points
                    .iter()
                    .find(|p| &p.period == m && p.key == key)
                    .map(|p| shown(p.counts.incidents))
                    .unwrap_or_default()
            })
            .collect();
        table.push((label(a.by, key.as_deref()), cells));
    }
    // Only published counts are drawn: a suppressed step is in the table as `<5`.
    let drawn_hops: Vec<Hop> = routes
        .hops
        .iter()
        .filter_map(|h| {
            Some(Hop {
                from_role: h.from_role.clone(),
                from: h.from.clone(),
                to_role: h.to_role.clone(),
                to: h.to.clone(),
                incidents: h.counts.incidents?,
                persons: h.counts.persons.unwrap_or(0),
            })
        })
        .collect();
    Ok(Shown {
        map: route_map(&drawn_hops),
        flow: flow_diagram(&drawn_hops),
        totals: Line {
            label: "Totals".into(),
            incidents: shown(trend.totals.incidents),
            persons: shown(trend.totals.persons),
        },
        by: words(a.by.as_str()).to_lowercase(),
        by_heading: words(a.by.as_str()),
        period: period.as_str(),
        chart_svg: chart.svg,
        months: chart.months,
        table,
        top: top
            .rows
            .iter()
            .map(|r| Line {
                label: label(a.by, r.key.as_deref()),
                incidents: shown(r.counts.incidents),
                persons: shown(r.counts.persons),
            })
            .collect(),
        hops: routes
            .hops
            .iter()
            .map(|h| Line {
                label: format!("{} ({}) → {} ({})", country(&h.from), h.from_role, country(&h.to), h.to_role),
                incidents: shown(h.counts.incidents),
                persons: shown(h.counts.persons),
            })
            .collect(),
        trend_csv: csv_link(region, "trend", params),
        top_csv: csv_link(region, "top", params),
        routes_csv: csv_link(region, "routes", params),
    })
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<PageParams>,
) -> Result<Response, WebError> {
    let subject = &viewer.caller.subject;
    if !subject.reads_content() {
        return Err(WebError::page(StatusCode::FORBIDDEN, "Regional aggregates are for roles that read content."));
    }
    let regions = region_views(&state, state.store.regions(subject).await?);
    // The region asked, else the first the member contributes to, else the first.
    let region = params
        .region
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| regions.iter().find(|r| r.yours.is_some()).map(|r| r.code.clone()))
        .or_else(|| regions.first().map(|r| r.code.clone()))
        .unwrap_or_default();
    let current = regions.iter().find(|r| r.code == region);
    let mut status = StatusCode::OK;
    let (mut refusal, mut error, mut shown) = (None, None, None);
    let query = params.regional();
    match query.read(false).and_then(|a| Ok((a, query.period()?))) {
        Err(e) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            error = Some(e.summary());
        }
        Ok(_) if !may_analyse(subject) => {
            refusal = Some("Regional aggregates are for roles that analyse incident records.".to_owned());
            status = StatusCode::FORBIDDEN;
        }
        Ok(_) if region.is_empty() => {}
        Ok((a, period)) => match shown_to(&state, &viewer, &region, &query, (&a, period)).await {
            Ok(s) => shown = Some(s),
            Err(StoreError::Forbidden(why)) => {
                refusal = Some(why);
                status = StatusCode::FORBIDDEN;
            }
            Err(StoreError::NotFound(_)) => {
                refusal = Some(format!("There is no region {region} of your member."));
                status = StatusCode::NOT_FOUND;
            }
            Err(e) => return Err(e.into()),
        },
    }
    let ceiling = current.and_then(|r| r.yours.as_ref()).map(|c| c.ceiling.clone()).unwrap_or_default();
    let scale = state.store.scale();
    let by = params.by.clone().filter(|b| !b.is_empty()).unwrap_or_else(|| "category".into());
    let dimensions: Vec<Dimension> = Dimension::ALL.iter().copied().filter(|d| *d != Dimension::Member).collect();
    let page = RegionalPage {
        chrome: Chrome::new(&viewer, "Regional aggregates", "/analysis"),
        focal_point: viewer.caller.user.has(Role::NationalFocalPoint) && current.is_some(),
        ceilings: scale
            .levels
            .iter()
            .map(|name| Choice { value: name.clone(), label: name.clone(), selected: *name == ceiling })
            .collect(),
        dimensions: choices(&dimensions, Dimension::as_str, &by),
        categories: choices(Category::ALL, Category::as_str, params.category.as_deref().unwrap_or_default()),
        periods: choices(&Period::ALL, Period::as_str, query.period.as_deref().unwrap_or_default()),
        regions,
        region,
        params,
        refusal,
        error,
        shown,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(response.into_response())
}

/// The opt-in form: the region, the ceiling, and whether to opt in or out.
#[derive(Deserialize)]
pub struct ContributionForm {
    region: String,
    #[serde(default)]
    ceiling: String,
    /// `in` or `out`.
    action: String,
}

pub async fn contribute(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<ContributionForm>,
) -> Result<Response, WebError> {
    let subject = &viewer.caller.subject;
    match form.action.as_str() {
        "in" => {
            let ceiling = state.store.scale().parse(&form.ceiling).ok_or_else(|| {
                WebError::from(crate::error::ApiError::invalid(
                    "ceiling",
                    "choose the highest classification contributed",
                ))
            })?;
            state.store.opt_in(subject, &form.region, ceiling).await?;
        }
        "out" => state.store.opt_out(subject, &form.region).await?,
        _ => return Err(WebError::page(StatusCode::BAD_REQUEST, "Opt in or out.")),
    }
    let query = serde_html_form::to_string([("region", form.region.as_str()), ("done", form.action.as_str())])
        .unwrap_or_default();
    Ok(Redirect::to(&format!("/analysis/regional?{query}")).into_response())
}
