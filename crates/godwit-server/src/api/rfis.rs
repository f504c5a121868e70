//! Requests for information (issue 5, point 5) between members.
//!
//! - `GET /rfis?state=&priority=&box=sent|received&overdue=true`, `POST /rfis`:
//!   those the caller sees, overdue first; ask a member or a group;
//! - `GET /rfis/{id}`: one, with its timeline and the answer if the caller may
//!   read the answer item (audited when the request is classified);
//! - `POST /rfis/{id}/assign|answer|decline|rate|close`: the steps;
//! - `GET /rfis/statistics?format=json|csv`: requests by pair of members.
//!
//! Rules, notifications and audit are the store's ([`godwit_store::rfis`]).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use godwit_domain::requirement::Priority;
use godwit_domain::rfi::{Rating, Rfi, RfiAction, RfiDraft, RfiState};
use godwit_store::rfis::{PairStatistics, RfiDetail, RfiFilter, RfiListed};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// Filters of the list; every one optional.
#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ListQuery {
    /// `open`, `assigned`, `answered`, `declined` or `closed`.
    pub state: Option<String>,
    /// `high`, `medium` or `low`.
    pub priority: Option<String>,
    /// `sent` (asked by the caller's member) or `received`.
    #[serde(rename = "box")]
    #[param(rename = "box")]
    pub mailbox: Option<String>,
    /// `true`: only those awaiting an answer past their due date.
    pub overdue: Option<String>,
}

impl ListQuery {
    /// The filter, or a 422 naming the parameter that is wrong.
    pub fn filter(&self) -> ApiResult<RfiFilter> {
        fn pick<T>(
            name: &str,
            text: Option<&str>,
            parse: fn(&str) -> Option<T>,
            allowed: &str,
        ) -> ApiResult<Option<T>> {
            match text.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(t) => {
                    parse(t).map(Some).ok_or_else(|| ApiError::invalid(name, format!("must be one of {allowed}")))
                }
            }
        }
        let sent = |t: &str| match t {
            "sent" => Some(true),
            "received" => Some(false),
            _ => None,
        };
        let flag = |t: &str| match t {
            "true" | "1" | "on" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        };
        Ok(RfiFilter {
            state: pick("state", self.state.as_deref(), RfiState::parse, "open, assigned, answered, declined, closed")?,
            priority: pick("priority", self.priority.as_deref(), Priority::parse, "high, medium, low")?,
            sent: pick("box", self.mailbox.as_deref(), sent, "sent, received")?,
            overdue_only: pick("overdue", self.overdue.as_deref(), flag, "true, false")?.unwrap_or(false),
        })
    }
}

#[utoipa::path(get, path = "/api/v1/rfis", tag = "requests for information", params(ListQuery),
    responses((status = 200, body = [RfiListed]), (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Vec<RfiListed>>> {
    Ok(Json(state.store.rfis(&caller.subject, &query.filter()?).await?))
}

/// Asks a member or a group; the receiving contact points are notified.
#[utoipa::path(post, path = "/api/v1/rfis", tag = "requests for information", request_body = RfiDraft,
    responses((status = 201, body = Rfi), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(draft): Json<RfiDraft>,
) -> ApiResult<(StatusCode, Json<Rfi>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_rfi(&caller.subject, draft).await?)))
}

#[utoipa::path(get, path = "/api/v1/rfis/{id}", tag = "requests for information", params(("id" = Uuid, Path)),
    responses((status = 200, body = RfiDetail), (status = 404, body = crate::error::Problem)))]
pub async fn read(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>) -> ApiResult<Json<RfiDetail>> {
    Ok(Json(state.store.read_rfi(&caller.subject, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AssignBody {
    /// A user of the caller's member who writes content.
    pub assignee: Uuid,
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerBody {
    /// A published `rfi_response` item of the caller's member naming the request.
    pub item: Uuid,
}

#[derive(Deserialize, ToSchema)]
pub struct DeclineBody {
    pub reason: String,
}

async fn step(state: &AppState, caller: &Caller, id: Uuid, action: RfiAction) -> ApiResult<Json<Rfi>> {
    Ok(Json(state.store.act_on_rfi(&caller.subject, id, action).await?))
}

/// The receiving contact point assigns the request to one of its member's authors.
#[utoipa::path(post, path = "/api/v1/rfis/{id}/assign", tag = "requests for information", params(("id" = Uuid, Path)),
    request_body = AssignBody,
    responses((status = 200, body = Rfi), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<AssignBody>,
) -> ApiResult<Json<Rfi>> {
    step(&state, &caller, id, RfiAction::Assign { to: body.assignee }).await
}

/// Answers with a published response item; the requester reads it only if it is released to it.
#[utoipa::path(post, path = "/api/v1/rfis/{id}/answer", tag = "requests for information", params(("id" = Uuid, Path)),
    request_body = AnswerBody,
    responses((status = 200, body = Rfi), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<AnswerBody>,
) -> ApiResult<Json<Rfi>> {
    step(&state, &caller, id, RfiAction::Answer { item: body.item }).await
}

/// Declines, with a reason (required).
#[utoipa::path(post, path = "/api/v1/rfis/{id}/decline", tag = "requests for information", params(("id" = Uuid, Path)),
    request_body = DeclineBody,
    responses((status = 200, body = Rfi), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<DeclineBody>,
) -> ApiResult<Json<Rfi>> {
    step(&state, &caller, id, RfiAction::Decline { reason: body.reason }).await
}

/// The requesting member rates the answer (1–5), which closes the request.
#[utoipa::path(post, path = "/api/v1/rfis/{id}/rate", tag = "requests for information", params(("id" = Uuid, Path)),
    request_body = Rating,
    responses((status = 200, body = Rfi), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(rating): Json<Rating>,
) -> ApiResult<Json<Rfi>> {
    step(&state, &caller, id, RfiAction::Rate(rating)).await
}

/// The requesting member closes the request without rating it.
#[utoipa::path(post, path = "/api/v1/rfis/{id}/close", tag = "requests for information", params(("id" = Uuid, Path)),
    responses((status = 200, body = Rfi), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn close(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>) -> ApiResult<Json<Rfi>> {
    step(&state, &caller, id, RfiAction::Close).await
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct StatisticsQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// Requests by pair (asking member, member or group asked) among those the
/// caller sees: counts, overdue and the median hours to answer.
#[utoipa::path(get, path = "/api/v1/rfis/statistics", tag = "requests for information", params(StatisticsQuery),
    responses((status = 200, body = [PairStatistics]), (status = 200, content_type = "text/csv", description = "with format=csv"),
        (status = 422, body = crate::error::Problem)))]
pub async fn statistics(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<StatisticsQuery>,
) -> ApiResult<Response> {
    let stats = state.store.rfi_statistics(&caller.subject).await?;
    match query.format.as_deref().map(str::trim) {
        None | Some("" | "json") => Ok(Json(stats).into_response()),
        Some("csv") => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"rfi-statistics.csv\""),
            ],
            statistics_csv(&stats),
        )
            .into_response()),
        Some(_) => Err(ApiError::invalid("format", "must be json or csv")),
    }
}

/// One row per pair.
pub fn statistics_csv(stats: &[PairStatistics]) -> String {
    // Codes are the region's own, but a group code is free text: quote it.
    let quoted = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    let mut out = String::from("from,to,requests,answered,declined,overdue,median_hours_to_answer\n");
    for s in stats {
        let median = s.median_hours_to_answer.map(|h| h.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{median}\n",
            quoted(s.from.as_str()),
            quoted(&s.to),
            s.requests,
            s.answered,
            s.declined,
            s.overdue
        ));
    }
    out
}
