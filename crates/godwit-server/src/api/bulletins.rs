//! Bulletins (issue 5, point 3): the monthly intelligence bulletin and the
//! bi-monthly information bulletin.
//!
//! - `GET /bulletins`, `POST /bulletins`: those the caller may open; start
//!   one for the caller's member (an edition, a period, an audience, markings
//!   and a foreword);
//! - `GET /bulletins/{id}`: the bulletin assembled for its audience (its
//!   marking, the items published in its period by kind, the incident
//!   figures of the period), and for its editors what was left out;
//! - `PUT /bulletins/{id}`: save a change (the foreword…) made to version `based_on`;
//! - `GET /bulletins/{id}/history`: every saved version;
//! - `GET /bulletins/{id}/pdf?reason=`: the bulletin printed to PDF (marking
//!   banners on every page), audited as a distribution to its audience.
//!
//! Rules and audit are the store's ([`godwit_store::bulletins`]): a bulletin
//! holds only what every member of its audience may read.

use axum::extract::State;
use axum::http::StatusCode;
use godwit_domain::bulletin::{Bulletin, BulletinDraft, BulletinVersion};
use godwit_store::bulletins::AssembledBulletin;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::assessments::ExportReason;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// The bulletins the caller may open, newest period first.
#[utoipa::path(get, path = "/api/v1/bulletins", tag = "bulletins", responses((status = 200, body = [Bulletin])))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Bulletin>>> {
    Ok(Json(state.store.documents(&caller.subject).await?))
}

/// Starts a bulletin of the caller's member (its analysts, officers, focal points and secretariat).
#[utoipa::path(post, path = "/api/v1/bulletins", tag = "bulletins", request_body = BulletinDraft,
    responses((status = 201, body = Bulletin), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(draft): Json<BulletinDraft>,
) -> ApiResult<(StatusCode, Json<Bulletin>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_document(&caller.subject, draft).await?)))
}

/// The bulletin as its audience reads it.
#[utoipa::path(get, path = "/api/v1/bulletins/{id}", tag = "bulletins", params(("id" = Uuid, Path)),
    responses((status = 200, body = AssembledBulletin), (status = 404, body = crate::error::Problem)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AssembledBulletin>> {
    Ok(Json(state.store.assemble_bulletin(&caller.subject, id).await?))
}

/// A change to a bulletin, made to the version the editor last read.
#[derive(Deserialize, ToSchema)]
pub struct BulletinChange {
    /// The version the change was made to; 409 when another was saved since.
    pub based_on: u32,
    #[serde(flatten)]
    pub draft: BulletinDraft,
}

#[utoipa::path(put, path = "/api/v1/bulletins/{id}", tag = "bulletins", params(("id" = Uuid, Path)),
    request_body = BulletinChange,
    responses((status = 200, body = Bulletin), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(change): Json<BulletinChange>,
) -> ApiResult<Json<Bulletin>> {
    Ok(Json(state.store.update_document(&caller.subject, id, change.based_on, change.draft).await?))
}

/// Every saved version, newest first.
#[utoipa::path(get, path = "/api/v1/bulletins/{id}/history", tag = "bulletins", params(("id" = Uuid, Path)),
    responses((status = 200, body = [BulletinVersion]), (status = 404, body = crate::error::Problem)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<BulletinVersion>>> {
    Ok(Json(state.store.document_history(&caller.subject, id).await?))
}

/// The bulletin as its audience reads it, printed to PDF with its marking at
/// the top and bottom of every page; audited as `bulletin.distribute`.
#[utoipa::path(get, path = "/api/v1/bulletins/{id}/pdf", tag = "bulletins",
    params(("id" = Uuid, Path), ExportReason),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(q): Query<ExportReason>,
) -> ApiResult<axum::response::Response> {
    let (doc, bytes) = crate::pdf::bulletin_pdf(&state.store, &caller.subject, id, q.given()).await?;
    Ok(crate::pdf::pdf_response(bytes, &crate::pdf::bulletin_filename(&doc)))
}
