//! Incident analysis over HTTP: `GET /api/v1/analysis/incidents/{trend,top,routes}`.
//! Only the published incident records the caller may read are counted (the
//! store applies the access policy inside each aggregation); every result is
//! also served as CSV, and CSV downloads are audited.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::analysis::{self, Analysis, AnalysisParams, RoutesResult, TopResult, TrendResult};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;
use crate::warnings::{Warning, WarningParams, WarningsResult};

pub(crate) fn accepts_csv(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/csv"))
}

fn checked(caller: &Caller, params: &AnalysisParams, headers: &HeaderMap) -> ApiResult<Analysis> {
    if !analysis::may_analyse(&caller.subject) {
        return Err(ApiError::forbidden("analysis is for roles that read incident records"));
    }
    Analysis::read(params, accepts_csv(headers))
}

/// JSON, or the CSV table (audited as a download).
async fn answer<T: serde::Serialize>(
    state: &AppState,
    caller: &Caller,
    view: &str,
    params: &AnalysisParams,
    csv: Option<(Vec<u8>, usize)>,
    result: T,
) -> ApiResult<Response> {
    match csv {
        None => Ok(Json(result).into_response()),
        Some((bytes, rows)) => {
            analysis::audit_download(&state.store, &caller.subject, view, params, rows).await?;
            Ok(csv_response(&format!("incidents-{view}.csv"), bytes))
        }
    }
}

/// A CSV table as a download named `filename`.
pub(crate) fn csv_response(filename: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/analysis/incidents/trend", tag = "analysis",
    params(AnalysisParams),
    responses(
        (status = 200, description = "Records and persons per month and value of `by`, counting only the published incident records the caller may read. As CSV (`month,<by>,incidents,persons`) with `format=csv` or `Accept: text/csv`; CSV downloads are audited", body = TrendResult),
        (status = 403, description = "The caller's roles read no incident records", body = crate::error::Problem),
        (status = 422, description = "A bad parameter, named", body = crate::error::Problem),
    ))]
pub async fn trend(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<AnalysisParams>,
) -> ApiResult<Response> {
    let a = checked(&caller, &params, &headers)?;
    let result = analysis::trend(&state.store, &caller.subject, &a).await?;
    let csv = a.csv.then(|| (analysis::trend_csv(&result), result.points.len()));
    answer(&state, &caller, "trend", &params, csv, result).await
}

#[utoipa::path(get, path = "/api/v1/analysis/incidents/top", tag = "analysis",
    params(AnalysisParams),
    responses(
        (status = 200, description = "The `limit` values of `by` with the most records (ties: more persons, then the value), over the period. CSV: `<by>,incidents,persons`", body = TopResult),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "A bad parameter, named", body = crate::error::Problem),
    ))]
pub async fn top(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<AnalysisParams>,
) -> ApiResult<Response> {
    let a = checked(&caller, &params, &headers)?;
    let result = analysis::top(&state.store, &caller.subject, &a).await?;
    let csv = a.csv.then(|| (analysis::top_csv(&result), result.rows.len()));
    answer(&state, &caller, "top", &params, csv, result).await
}

#[utoipa::path(get, path = "/api/v1/analysis/incidents/routes", tag = "analysis",
    params(AnalysisParams),
    responses(
        (status = 200, description = "The `limit` steps of routes (consecutive legs origin → transit → destination) taken by the most records. CSV: `from_role,from,to_role,to,incidents,persons`", body = RoutesResult),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "A bad parameter, named", body = crate::error::Problem),
    ))]
pub async fn routes(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<AnalysisParams>,
) -> ApiResult<Response> {
    let a = checked(&caller, &params, &headers)?;
    let result = analysis::routes(&state.store, &caller.subject, &a).await?;
    let csv = a.csv.then(|| (analysis::routes_csv(&result), result.hops.len()));
    answer(&state, &caller, "routes", &params, csv, result).await
}

#[utoipa::path(get, path = "/api/v1/analysis/incidents/warnings", tag = "analysis",
    params(WarningParams),
    responses(
        (status = 200, description = "Early warning over the published incident records the caller may read: series rising significantly above their own baseline in `month` (one-sided Poisson test against the mean of the `baseline` months before), and modus operandi signatures (a document's type, issuing state and fraud type; a route's origin, destination and method) reported by one member and then by another within `window` months, each with both records' provenance. Both records of a displacement are readable by the caller", body = WarningsResult),
        (status = 403, description = "The caller's roles read no incident records", body = crate::error::Problem),
        (status = 422, description = "A bad parameter, named", body = crate::error::Problem),
    ))]
pub async fn warnings(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<WarningParams>,
) -> ApiResult<Json<WarningsResult>> {
    if !analysis::may_analyse(&caller.subject) {
        return Err(ApiError::forbidden("analysis is for roles that read incident records"));
    }
    let w = Warning::read(&params, crate::warnings::today(&state.store))?;
    Ok(Json(crate::warnings::warnings(&state.store, &caller.subject, &w).await?))
}
