//! Annual threat assessments (issue 5, point 4).
//!
//! - `GET /assessments`, `POST /assessments`: those the caller may open;
//!   start one for the caller's member;
//! - `GET /assessments/{id}`: the document assembled for its audience (its
//!   marking, the regional picture, the incident trends of its year, the
//!   reports cited), and for its editors what was left out;
//! - `PUT /assessments/{id}`: save a change made to version `based_on`;
//! - `GET /assessments/{id}/history`: every saved version;
//! - `GET /assessments/{id}/pdf?reason=`: the document printed to PDF (marking
//!   banners on every page), audited as an export with its recipients.
//!
//! Rules and audit are the store's ([`godwit_store::assessments`]): an
//! assessment holds only what every member of its audience may read.

use axum::extract::State;
use axum::http::StatusCode;
use godwit_domain::assessment::{Assessment, AssessmentDraft, AssessmentVersion};
use godwit_store::assessments::AssembledAssessment;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// The assessments the caller may open, newest year first.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessments", responses((status = 200, body = [Assessment])))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Assessment>>> {
    Ok(Json(state.store.documents(&caller.subject).await?))
}

/// Starts an assessment of the caller's member (its analysts, officers and focal points).
#[utoipa::path(post, path = "/api/v1/assessments", tag = "assessments", request_body = AssessmentDraft,
    responses((status = 201, body = Assessment), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(draft): Json<AssessmentDraft>,
) -> ApiResult<(StatusCode, Json<Assessment>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_document(&caller.subject, draft).await?)))
}

/// The document as its audience reads it.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "assessments", params(("id" = Uuid, Path)),
    responses((status = 200, body = AssembledAssessment), (status = 404, body = crate::error::Problem)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AssembledAssessment>> {
    Ok(Json(state.store.assemble_assessment(&caller.subject, id).await?))
}

/// A change to an assessment, made to the version the author last read.
#[derive(Deserialize, ToSchema)]
pub struct AssessmentChange {
    /// The version the change was made to; 409 when another was saved since.
    pub based_on: u32,
    #[serde(flatten)]
    pub draft: AssessmentDraft,
}

#[utoipa::path(put, path = "/api/v1/assessments/{id}", tag = "assessments", params(("id" = Uuid, Path)),
    request_body = AssessmentChange,
    responses((status = 200, body = Assessment), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(change): Json<AssessmentChange>,
) -> ApiResult<Json<Assessment>> {
    Ok(Json(state.store.update_document(&caller.subject, id, change.based_on, change.draft).await?))
}

/// Every saved version, newest first.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/history", tag = "assessments", params(("id" = Uuid, Path)),
    responses((status = 200, body = [AssessmentVersion]), (status = 404, body = crate::error::Problem)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<AssessmentVersion>>> {
    Ok(Json(state.store.document_history(&caller.subject, id).await?))
}

/// Why a document is exported, for the audit trail.
#[derive(Deserialize, IntoParams)]
pub struct ExportReason {
    /// Defaults to "distribution to the audience".
    pub reason: Option<String>,
}

impl ExportReason {
    /// The reason given, or the default.
    pub fn given(&self) -> &str {
        self.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).unwrap_or("distribution to the audience")
    }
}

/// The document as its audience reads it, printed to PDF with its marking
/// at the top and bottom of every page; audited as `assessment.export`.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/pdf", tag = "assessments",
    params(("id" = Uuid, Path), ExportReason),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = crate::error::Problem)))]
pub async fn pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(q): Query<ExportReason>,
) -> ApiResult<axum::response::Response> {
    let (doc, bytes) = crate::pdf::assessment_pdf(&state.store, &caller.subject, id, q.given()).await?;
    Ok(crate::pdf::pdf_response(bytes, &crate::pdf::assessment_filename(&doc)))
}
