//! The agreements registry: members' users read it; a party's national focal
//! point proposes an agreement and every other party's confirms it before it
//! comes into force.

use axum::extract::State;
use godwit_domain::agreement::Agreement;
use godwit_domain::member::MemberCode;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AgreementView {
    #[serde(flatten)]
    pub agreement: Agreement,
    /// True when the agreement applies today.
    pub in_force: bool,
    /// Parties that confirmed a proposed agreement.
    pub confirmed_by: Vec<MemberCode>,
}

async fn view(state: &AppState, agreement: Agreement) -> ApiResult<AgreementView> {
    let confirmed_by = state.store.agreement_confirmations(agreement.id).await?;
    let in_force = agreement.in_force(state.store.clock().now());
    Ok(AgreementView { agreement, in_force, confirmed_by })
}

#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements", responses((status = 200, body = [AgreementView])))]
pub async fn list(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<Vec<AgreementView>>> {
    let mut out = Vec::new();
    for agreement in state.store.agreements().await? {
        out.push(view(&state, agreement).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = Uuid, Path)),
    responses((status = 200, body = AgreementView), (status = 404, body = crate::error::Problem)))]
pub async fn read(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AgreementView>> {
    Ok(Json(view(&state, state.store.agreement(id).await?).await?))
}

/// Proposes (or changes) an agreement; it is `proposed` until every party confirms.
/// Setting the status to `suspended` or `terminated` takes effect at once.
#[utoipa::path(put, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = Uuid, Path)), request_body = Agreement,
    responses((status = 200, body = AgreementView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(agreement): Json<Agreement>,
) -> ApiResult<Json<AgreementView>> {
    if agreement.id != id {
        return Err(ApiError::invalid("id", "must match the path"));
    }
    let stored = crate::agreements::propose(&state, &caller.user, &agreement).await?;
    Ok(Json(view(&state, stored).await?))
}

#[utoipa::path(post, path = "/api/v1/agreements/{id}/confirm", tag = "agreements", params(("id" = Uuid, Path)),
    responses((status = 200, body = AgreementView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AgreementView>> {
    let confirmed = crate::agreements::confirm(&state, &caller.user, id).await?;
    Ok(Json(view(&state, confirmed).await?))
}

/// The signed copies of an agreement (the MoU as signed): listed for the
/// parties' users, empty for anyone else.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/documents", tag = "agreements", params(("id" = Uuid, Path)),
    responses((status = 200, body = [godwit_domain::item::AttachmentMeta]), (status = 404, body = crate::error::Problem)))]
pub async fn documents(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<godwit_domain::item::AttachmentMeta>>> {
    let agreement = state.store.agreement(id).await?;
    Ok(Json(crate::agreements::documents(&state, &caller.user, &agreement).await?))
}

/// Downloads a signed copy; parties' users only, every download audited.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/documents/{document}", tag = "agreements",
    params(("id" = Uuid, Path), ("document" = Uuid, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, document)): Path<(Uuid, Uuid)>,
) -> ApiResult<axum::response::Response> {
    let (meta, bytes) = crate::agreements::download_document(&state, &caller.user, id, document).await?;
    Ok(crate::api::items::attachment_response(&meta, bytes))
}
