//! Collection plans (issue 4, point 7): intelligence requirements set by a
//! secretariat or a member's national focal point, the items and incident
//! records linked to them, their coverage and the Framework's measures.
//!
//! - `GET /requirements`, `POST /requirements`: those the caller sees; set one;
//! - `GET /requirements/{id}`, `PUT /requirements/{id}`: one, with the linked
//!   items the caller may read; change it (the owning member's management);
//! - `PUT /requirements/{id}/links/{item}`, `DELETE …`: link an item the
//!   caller may read, naming the indicators it bears on; unlink it;
//! - `GET /requirements/coverage`: per requirement, linked items by member,
//!   month and indicator, and whether it is overdue;
//! - `GET /measures?months=12`: records, alerts, reports and plan links per
//!   member and month.
//!
//! Rules and audit are the store's ([`godwit_store::requirements`]): every
//! list and count goes through the access policy of the linked items.

use axum::extract::State;
use axum::http::StatusCode;
use godwit_domain::requirement::{Requirement, RequirementDraft};
use godwit_store::requirements::{Coverage, LinkedItem, Measure};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// A requirement with the linked items the caller may read.
#[derive(Serialize, ToSchema)]
pub struct RequirementView {
    #[serde(flatten)]
    pub requirement: Requirement,
    pub links: Vec<LinkedItem>,
    /// Whether the caller may change the requirement.
    pub manageable: bool,
}

/// What a link says of the item.
#[derive(Deserialize, ToSchema, Default)]
pub struct LinkBody {
    /// Indicators of the requirement the item bears on (may be empty).
    #[serde(default)]
    pub indicators: Vec<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct MeasuresQuery {
    /// Calendar months back, this one included: 1 to 60 (default 12).
    #[param(value_type = Option<u32>)]
    pub months: Option<String>,
}

/// The longest window of measures.
pub const MAX_MONTHS: u32 = 60;

/// Checks the window of months, naming the field when it is out of range.
pub fn months(asked: Option<&str>) -> ApiResult<u32> {
    match asked.map(|text| text.trim().parse::<u32>()) {
        None => Ok(12),
        Some(Ok(m @ 1..=MAX_MONTHS)) => Ok(m),
        Some(_) => Err(ApiError::invalid("months", format!("must be a whole number from 1 to {MAX_MONTHS}"))),
    }
}

#[utoipa::path(get, path = "/api/v1/requirements", tag = "collection plans",
    responses((status = 200, body = [Requirement])))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Requirement>>> {
    Ok(Json(state.store.requirements(&caller.subject).await?))
}

/// Sets a requirement for the caller's member; secretariat or national focal point.
#[utoipa::path(post, path = "/api/v1/requirements", tag = "collection plans", request_body = RequirementDraft,
    responses((status = 201, body = Requirement), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(draft): Json<RequirementDraft>,
) -> ApiResult<(StatusCode, Json<Requirement>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_requirement(&caller.subject, draft).await?)))
}

#[utoipa::path(get, path = "/api/v1/requirements/{id}", tag = "collection plans", params(("id" = Uuid, Path)),
    responses((status = 200, body = RequirementView), (status = 404, body = crate::error::Problem)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<RequirementView>> {
    Ok(Json(view(&state, &caller, id).await?))
}

/// A requirement as its page and the API show it.
pub async fn view(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<RequirementView> {
    let requirement = state.store.requirement(&caller.subject, id).await?;
    let links = state.store.linked_items(&caller.subject, id).await?;
    let manageable = requirement.managed_by(&caller.subject);
    Ok(RequirementView { requirement, links, manageable })
}

/// Changes a requirement (its status too); the owning member's management only.
#[utoipa::path(put, path = "/api/v1/requirements/{id}", tag = "collection plans", params(("id" = Uuid, Path)),
    request_body = RequirementDraft,
    responses((status = 200, body = Requirement), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(draft): Json<RequirementDraft>,
) -> ApiResult<Json<Requirement>> {
    Ok(Json(state.store.update_requirement(&caller.subject, id, draft).await?))
}

/// Links an item the caller may read; linking again replaces the indicators.
#[utoipa::path(put, path = "/api/v1/requirements/{id}/links/{item}", tag = "collection plans",
    params(("id" = Uuid, Path), ("item" = Uuid, Path)), request_body = LinkBody,
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn link(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(Uuid, Uuid)>,
    Json(body): Json<LinkBody>,
) -> ApiResult<StatusCode> {
    state.store.link_item(&caller.subject, id, item, body.indicators).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/requirements/{id}/links/{item}", tag = "collection plans",
    params(("id" = Uuid, Path), ("item" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn unlink(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state.store.unlink_item(&caller.subject, id, item).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Coverage of every requirement the caller sees, counting only linked items
/// the caller may read.
#[utoipa::path(get, path = "/api/v1/requirements/coverage", tag = "collection plans",
    responses((status = 200, body = [Coverage])))]
pub async fn coverage(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Coverage>>> {
    Ok(Json(state.store.coverage(&caller.subject).await?))
}

/// The Framework's measures per member and month, over what the caller may read.
#[utoipa::path(get, path = "/api/v1/measures", tag = "collection plans", params(MeasuresQuery),
    responses((status = 200, body = [Measure]), (status = 422, body = crate::error::Problem)))]
pub async fn measures(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<MeasuresQuery>,
) -> ApiResult<Json<Vec<Measure>>> {
    Ok(Json(state.store.measures(&caller.subject, months(query.months.as_deref())?).await?))
}
