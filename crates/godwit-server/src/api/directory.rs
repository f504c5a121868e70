//! Members, groups, organisations and the directory of contact points. Reading
//! needs a signed-in user of any member; changing needs the right role.

use axum::extract::State;
use axum::http::StatusCode;
use godwit_domain::member::{ContactPoint, Member, MemberCode, MemberGroup, Organisation};
use godwit_store::audit::AuditEvent;
use uuid::Uuid;

use crate::admin;
pub use crate::admin::NewOrganisation;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/members", tag = "directory", responses((status = 200, body = [Member])))]
pub async fn members(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(state.store.members().await?))
}

#[utoipa::path(put, path = "/api/v1/members/{code}", tag = "directory", params(("code" = String, Path)), request_body = Member,
    responses((status = 200, body = Member), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Json(member): Json<Member>,
) -> ApiResult<Json<Member>> {
    if member.code.as_str() != code {
        return Err(ApiError::invalid("code", "must match the path"));
    }
    admin::put_member(&state, &caller.user, &member).await?;
    Ok(Json(member))
}

#[utoipa::path(get, path = "/api/v1/groups", tag = "directory", responses((status = 200, body = [MemberGroup])))]
pub async fn groups(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<Vec<MemberGroup>>> {
    Ok(Json(state.store.groups().await?))
}

#[utoipa::path(put, path = "/api/v1/groups/{code}", tag = "directory", params(("code" = String, Path)), request_body = MemberGroup,
    responses((status = 200, body = MemberGroup), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Json(group): Json<MemberGroup>,
) -> ApiResult<Json<MemberGroup>> {
    if group.code != code {
        return Err(ApiError::invalid("code", "must match the path"));
    }
    admin::put_group(&state, &caller.user, &group).await?;
    Ok(Json(group))
}

#[utoipa::path(get, path = "/api/v1/members/{code}/organisations", tag = "directory", params(("code" = String, Path)), responses((status = 200, body = [Organisation])))]
pub async fn organisations(
    State(state): State<AppState>,
    _caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<Organisation>>> {
    let code = MemberCode::parse(&code).ok_or_else(|| ApiError::invalid("code", "is not a member code"))?;
    Ok(Json(state.store.organisations(Some(&code)).await?))
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "directory", request_body = NewOrganisation,
    responses((status = 201, body = Organisation), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_organisation(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewOrganisation>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    let org = admin::put_organisation(&state, &caller.user, None, new).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[utoipa::path(get, path = "/api/v1/contact-points", tag = "directory", responses((status = 200, body = [ContactPoint])))]
pub async fn contact_points(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<Vec<ContactPoint>>> {
    Ok(Json(state.store.contact_points(None).await?))
}

#[utoipa::path(put, path = "/api/v1/contact-points/{id}", tag = "directory", params(("id" = Uuid, Path)), request_body = ContactPoint,
    responses((status = 200, body = ContactPoint), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_contact_point(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(contact): Json<ContactPoint>,
) -> ApiResult<Json<ContactPoint>> {
    if contact.id != id {
        return Err(ApiError::invalid("id", "must match the path"));
    }
    if !admin::manages_member(&caller.user, &contact.member) {
        return Err(ApiError::forbidden(
            "only the member's national focal point or an administrator manages its contact points",
        ));
    }
    if let Some(existing) = state.store.contact_points(None).await?.into_iter().find(|c| c.id == id)
        && existing.member != contact.member
    {
        return Err(ApiError::forbidden("this contact point belongs to another member"));
    }
    state.store.put_contact_point(&contact).await?;
    state
        .store
        .record(&[AuditEvent::new("contact_point.put")
            .by(caller.user.id, &caller.user.member)
            .on(id)
            .with(serde_json::json!(contact))])
        .await?;
    Ok(Json(contact))
}
