//! The agreements registry: members' users read it, a party's national focal
//! point writes it.

use axum::extract::State;
use godwit_domain::agreement::Agreement;
use godwit_domain::user::Role;
use godwit_store::audit::AuditEvent;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements", responses((status = 200, body = [Agreement])))]
pub async fn list(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<Vec<Agreement>>> {
    Ok(Json(state.store.agreements().await?))
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = Uuid, Path)),
    responses((status = 200, body = Agreement), (status = 404, body = crate::error::Problem)))]
pub async fn read(State(state): State<AppState>, _caller: Caller, Path(id): Path<Uuid>) -> ApiResult<Json<Agreement>> {
    Ok(Json(state.store.agreement(id).await?))
}

#[utoipa::path(put, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = Uuid, Path)), request_body = Agreement,
    responses((status = 200, body = Agreement), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(agreement): Json<Agreement>,
) -> ApiResult<Json<Agreement>> {
    if agreement.id != id {
        return Err(ApiError::invalid("id", "must match the path"));
    }
    let is_party_nfp =
        |a: &Agreement| caller.user.has(Role::NationalFocalPoint) && a.parties.contains(&caller.user.member);
    if !is_party_nfp(&agreement) {
        return Err(ApiError::forbidden("only a national focal point of a party records an agreement"));
    }
    if let Ok(existing) = state.store.agreement(id).await
        && !is_party_nfp(&existing)
    {
        return Err(ApiError::forbidden("your member is not a party to this agreement"));
    }
    let known: Vec<_> = state.store.members().await?.into_iter().map(|m| m.code).collect();
    if let Some(i) = agreement.parties.iter().position(|p| !known.contains(p)) {
        return Err(ApiError::invalid(&format!("parties/{i}"), "is not a member"));
    }
    let event = AuditEvent::new("agreement.put")
        .by(caller.user.id, &caller.user.member)
        .on(id)
        .with(serde_json::json!(agreement));
    state.store.put_agreement(&agreement, event).await?;
    Ok(Json(agreement))
}
