//! Threat and risk registers (issue 5, points 1 and 2): the taxonomy, each
//! member's register, its entries and evidence, its history, and the regional
//! picture across the registers released to the caller.
//!
//! - `GET /threats`, `POST /threats`: the taxonomy; add a threat;
//! - `GET /threat-registers`, `POST /threat-registers`: the registers the
//!   caller may read; open the register of the caller's member;
//! - `GET /threat-registers/{member}`, `PUT …`: one register with its entries
//!   and the evidence the caller may read; change markings, release, method;
//! - `PUT /threat-registers/{member}/entries/{threat}`, `DELETE …`: assess a
//!   threat; remove the assessment;
//! - `PUT /threat-registers/{member}/entries/{threat}/evidence/{item}`,
//!   `DELETE …`: link an item or incident record the caller may read; unlink;
//! - `GET /threat-registers/{member}/history`: every change, before and after;
//! - `GET /threat-picture`: ratings by threat and member, every difference (`notable` when two steps or more).
//!
//! Rules and audit are the store's ([`godwit_store::threats`]): a register is
//! released like an item and every read goes through the access policy.

use axum::extract::State;
use axum::http::StatusCode;
use godwit_domain::member::MemberCode;
use godwit_domain::threat::{Entry, EntryDraft, Register, RegisterSettings, Threat};
use godwit_store::threats::{Change, RegionalPicture, RegisterView};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// A member code from the path; a malformed one is simply not found.
pub fn member_code(text: &str) -> ApiResult<MemberCode> {
    MemberCode::parse(text).ok_or_else(|| ApiError::not_found("threat register"))
}

#[utoipa::path(get, path = "/api/v1/threats", tag = "threat registers", responses((status = 200, body = [Threat])))]
pub async fn taxonomy(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<Vec<Threat>>> {
    Ok(Json(state.store.threat_taxonomy().await?))
}

/// Adds a threat to the taxonomy, for every member to assess.
#[utoipa::path(post, path = "/api/v1/threats", tag = "threat registers", request_body = Threat,
    responses((status = 201, body = Threat), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn add_threat(
    State(state): State<AppState>,
    caller: Caller,
    Json(threat): Json<Threat>,
) -> ApiResult<(StatusCode, Json<Threat>)> {
    Ok((StatusCode::CREATED, Json(state.store.add_threat(&caller.subject, threat).await?)))
}

/// The registers the caller may read.
#[utoipa::path(get, path = "/api/v1/threat-registers", tag = "threat registers",
    responses((status = 200, body = [Register])))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Register>>> {
    Ok(Json(state.store.threat_registers(&caller.subject).await?))
}

/// Opens the register of the caller's member (authorising officer or national focal point).
#[utoipa::path(post, path = "/api/v1/threat-registers", tag = "threat registers", request_body = RegisterSettings,
    responses((status = 201, body = Register), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(settings): Json<RegisterSettings>,
) -> ApiResult<(StatusCode, Json<Register>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_threat_register(&caller.subject, settings).await?)))
}

#[utoipa::path(get, path = "/api/v1/threat-registers/{member}", tag = "threat registers",
    params(("member" = String, Path)),
    responses((status = 200, body = RegisterView), (status = 404, body = crate::error::Problem)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(member): Path<String>,
) -> ApiResult<Json<RegisterView>> {
    Ok(Json(state.store.threat_register_view(&caller.subject, &member_code(&member)?).await?))
}

/// Changes title, markings, release or risk method.
#[utoipa::path(put, path = "/api/v1/threat-registers/{member}", tag = "threat registers",
    params(("member" = String, Path)), request_body = RegisterSettings,
    responses((status = 200, body = Register), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(member): Path<String>,
    Json(settings): Json<RegisterSettings>,
) -> ApiResult<Json<Register>> {
    Ok(Json(state.store.update_threat_register(&caller.subject, &member_code(&member)?, settings).await?))
}

/// Assesses a threat (a new entry or a change).
#[utoipa::path(put, path = "/api/v1/threat-registers/{member}/entries/{threat}", tag = "threat registers",
    params(("member" = String, Path), ("threat" = String, Path)), request_body = EntryDraft,
    responses((status = 200, body = Entry), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_entry(
    State(state): State<AppState>,
    caller: Caller,
    Path((member, threat)): Path<(String, String)>,
    Json(draft): Json<EntryDraft>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(state.store.put_threat_entry(&caller.subject, &member_code(&member)?, &threat, draft).await?))
}

#[utoipa::path(delete, path = "/api/v1/threat-registers/{member}/entries/{threat}", tag = "threat registers",
    params(("member" = String, Path), ("threat" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn delete_entry(
    State(state): State<AppState>,
    caller: Caller,
    Path((member, threat)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.store.delete_threat_entry(&caller.subject, &member_code(&member)?, &threat).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Links an item or incident record the caller may read as evidence.
#[utoipa::path(put, path = "/api/v1/threat-registers/{member}/entries/{threat}/evidence/{item}",
    tag = "threat registers", params(("member" = String, Path), ("threat" = String, Path), ("item" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn link(
    State(state): State<AppState>,
    caller: Caller,
    Path((member, threat, item)): Path<(String, String, uuid::Uuid)>,
) -> ApiResult<StatusCode> {
    state.store.set_threat_evidence(&caller.subject, &member_code(&member)?, &threat, item, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/threat-registers/{member}/entries/{threat}/evidence/{item}",
    tag = "threat registers", params(("member" = String, Path), ("threat" = String, Path), ("item" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn unlink(
    State(state): State<AppState>,
    caller: Caller,
    Path((member, threat, item)): Path<(String, String, uuid::Uuid)>,
) -> ApiResult<StatusCode> {
    state.store.set_threat_evidence(&caller.subject, &member_code(&member)?, &threat, item, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every change of the register, newest first, with before and after.
#[utoipa::path(get, path = "/api/v1/threat-registers/{member}/history", tag = "threat registers",
    params(("member" = String, Path)),
    responses((status = 200, body = [Change]), (status = 404, body = crate::error::Problem)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(member): Path<String>,
) -> ApiResult<Json<Vec<Change>>> {
    Ok(Json(state.store.threat_register_history(&caller.subject, &member_code(&member)?).await?))
}

/// Threats compared across the registers released to the caller.
#[utoipa::path(get, path = "/api/v1/threat-picture", tag = "threat registers",
    responses((status = 200, body = RegionalPicture)))]
pub async fn picture(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<RegionalPicture>> {
    Ok(Json(state.store.regional_picture(&caller.subject).await?))
}
