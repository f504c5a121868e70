//! Regional aggregates over HTTP (issue 4, point 5):
//!
//! - `GET /analysis/regional`: the regions (member groups) of the caller's
//!   member, who contributes, and whether its own member does;
//! - `PUT /analysis/regional/{region}/contribution` (`{"ceiling": "RESTRICTED"}`)
//!   and `DELETE …`: the national focal point opts its member in (or changes
//!   the highest classification it contributes) and out; audited;
//! - `GET /analysis/regional/{region}/{trend,top,routes}`: totals over every
//!   contributor's records, as published (small cells suppressed, counts
//!   rounded), for users of contributing members who may analyse; JSON or
//!   CSV; every read audited. Others get 403 saying how to opt in.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use godwit_domain::Timestamp;
use godwit_domain::member::MemberCode;
use godwit_store::regional::{Contribution, Region};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::analysis::{self, Analysis};
use crate::api::analysis::{accepts_csv, csv_response};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::regional::{self as shared, RegionalParams, RegionalRoutes, RegionalTop, RegionalTrend};
use crate::state::AppState;

/// A member's contribution to a region, with the ceiling by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContributionView {
    pub region: String,
    pub member: MemberCode,
    /// The highest classification of the records contributed, e.g. `RESTRICTED`.
    pub ceiling: String,
    pub opted_in_at: Timestamp,
}

/// A region as the caller's member sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    pub code: String,
    pub name: String,
    /// Members contributing now.
    pub contributors: Vec<MemberCode>,
    /// The caller's member's contribution; `null` when it does not contribute.
    pub yours: Option<ContributionView>,
}

/// What a national focal point contributes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ContributionBody {
    /// The highest classification of the records contributed, by name
    /// (`GET /markings` lists them), e.g. `RESTRICTED`.
    pub ceiling: String,
}

pub(crate) fn contribution_view(state: &AppState, c: Contribution) -> ContributionView {
    ContributionView {
        region: c.region,
        member: c.member,
        ceiling: state.store.scale().name(c.ceiling).to_owned(),
        opted_in_at: c.opted_in_at,
    }
}

pub(crate) fn region_views(state: &AppState, regions: Vec<Region>) -> Vec<RegionView> {
    regions
        .into_iter()
        .map(|r| RegionView {
            code: r.code,
            name: r.name,
            contributors: r.contributors,
            yours: r.yours.map(|c| contribution_view(state, c)),
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/analysis/regional", tag = "analysis",
    responses(
        (status = 200, description = "The regions (member groups) of the caller's member: who contributes to their aggregates, and the caller's member's contribution", body = [RegionView]),
        (status = 403, body = crate::error::Problem),
    ))]
pub async fn regions(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<RegionView>>> {
    if !caller.subject.reads_content() {
        return Err(ApiError::forbidden("regional aggregates are for roles that read content"));
    }
    let regions = state.store.regions(&caller.subject).await?;
    Ok(Json(region_views(&state, regions)))
}

#[utoipa::path(put, path = "/api/v1/analysis/regional/{region}/contribution", tag = "analysis",
    params(("region" = String, Path, description = "A member group's code, e.g. `PIDC`")),
    request_body = ContributionBody,
    responses(
        (status = 200, description = "The caller's member contributes its published incident records up to `ceiling` (or its ceiling changed); audited as `regional.opt_in`", body = ContributionView),
        (status = 403, description = "Not a national focal point of a member of the region", body = crate::error::Problem),
        (status = 404, description = "No such region", body = crate::error::Problem),
        (status = 422, description = "An unknown classification, named", body = crate::error::Problem),
    ))]
pub async fn opt_in(
    State(state): State<AppState>,
    caller: Caller,
    Path(region): Path<String>,
    Json(body): Json<ContributionBody>,
) -> ApiResult<Json<ContributionView>> {
    let ceiling = state.store.scale().parse(&body.ceiling).ok_or_else(|| {
        ApiError::invalid("ceiling", format!("{:?} is not a classification of this node", body.ceiling))
    })?;
    let contribution = state.store.opt_in(&caller.subject, &region, ceiling).await?;
    Ok(Json(contribution_view(&state, contribution)))
}

#[utoipa::path(delete, path = "/api/v1/analysis/regional/{region}/contribution", tag = "analysis",
    params(("region" = String, Path, description = "A member group's code, e.g. `PIDC`")),
    responses(
        (status = 204, description = "The caller's member no longer contributes: its records stop counting and its users stop seeing the region's aggregates; audited as `regional.opt_out`"),
        (status = 403, description = "Not a national focal point of a member of the region", body = crate::error::Problem),
        (status = 404, description = "No such region, or the member did not contribute", body = crate::error::Problem),
    ))]
pub async fn opt_out(
    State(state): State<AppState>,
    caller: Caller,
    Path(region): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.opt_out(&caller.subject, &region).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn checked(caller: &Caller, params: &RegionalParams, headers: &HeaderMap) -> ApiResult<Analysis> {
    if !analysis::may_analyse(&caller.subject) {
        return Err(ApiError::forbidden("analysis is for roles that read incident records"));
    }
    params.read(accepts_csv(headers))
}

/// JSON, or the CSV table; audited either way.
async fn answer<T: Serialize>(
    state: &AppState,
    caller: &Caller,
    (region, view): (&str, &str),
    params: &RegionalParams,
    (csv, rows): (Option<Vec<u8>>, usize),
    result: T,
) -> ApiResult<Response> {
    shared::audit_read(&state.store, &caller.subject, region, view, params, rows).await?;
    Ok(match csv {
        None => Json(result).into_response(),
        Some(bytes) => csv_response(&format!("regional-{view}.csv"), bytes),
    })
}

#[utoipa::path(get, path = "/api/v1/analysis/regional/{region}/trend", tag = "analysis",
    params(("region" = String, Path, description = "A member group's code, e.g. `PIDC`"), RegionalParams),
    responses(
        (status = 200, description = "Records and persons per period (month, or quarter with `period=quarter`) and value of `by` over the published incident records of every member contributing to the region (up to each one's ceiling and the caller's clearance), including records not released to the caller. A cell with fewer than 5 records or persons, or from fewer than 3 members, is suppressed (`suppressed: true`, no counts; `<5` in CSV), as is a cell that would let one be worked out by subtraction; other counts are rounded to a multiple of 5. CSV: `month,<by>,incidents,persons` (`quarter,…` by quarter). Audited", body = RegionalTrend),
        (status = 403, description = "The caller's member does not contribute to the region (the message says how to opt in), or its roles read no incident records", body = crate::error::Problem),
        (status = 404, description = "No such region", body = crate::error::Problem),
        (status = 422, description = "A bad parameter, named (no breakdown by member; whole months, or whole quarters by quarter)", body = crate::error::Problem),
    ))]
pub async fn trend(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(region): Path<String>,
    Query(params): Query<RegionalParams>,
) -> ApiResult<Response> {
    let a = checked(&caller, &params, &headers)?;
    let result = shared::trend(&state.store, &caller.subject, &region, &a, params.period()?).await?;
    let csv = a.csv.then(|| shared::trend_csv(&result));
    answer(&state, &caller, (&region, "trend"), &params, (csv, result.points.len()), result).await
}

#[utoipa::path(get, path = "/api/v1/analysis/regional/{region}/top", tag = "analysis",
    params(("region" = String, Path, description = "A member group's code, e.g. `PIDC`"), RegionalParams),
    responses(
        (status = 200, description = "The `limit` values of `by` with the most records over the region's contributors, as published (suppressed values last). CSV: `<by>,incidents,persons`. Audited", body = RegionalTop),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
    ))]
pub async fn top(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(region): Path<String>,
    Query(params): Query<RegionalParams>,
) -> ApiResult<Response> {
    let a = checked(&caller, &params, &headers)?;
    let result = shared::top(&state.store, &caller.subject, &region, &a).await?;
    let csv = a.csv.then(|| shared::top_csv(&result));
    answer(&state, &caller, (&region, "top"), &params, (csv, result.rows.len()), result).await
}

#[utoipa::path(get, path = "/api/v1/analysis/regional/{region}/routes", tag = "analysis",
    params(("region" = String, Path, description = "A member group's code, e.g. `PIDC`"), RegionalParams),
    responses(
        (status = 200, description = "The `limit` route steps taken by the most records over the region's contributors, as published. CSV: `from_role,from,to_role,to,incidents,persons`. Audited", body = RegionalRoutes),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
    ))]
pub async fn routes(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(region): Path<String>,
    Query(params): Query<RegionalParams>,
) -> ApiResult<Response> {
    let a = checked(&caller, &params, &headers)?;
    let result = shared::routes(&state.store, &caller.subject, &region, &a).await?;
    let csv = a.csv.then(|| shared::routes_csv(&result));
    answer(&state, &caller, (&region, "routes"), &params, (csv, result.hops.len()), result).await
}
