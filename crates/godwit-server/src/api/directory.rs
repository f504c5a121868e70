//! Members, groups, organisations and the directory of contact points. Reading
//! needs a signed-in user of any member; changing needs the right role.

use axum::extract::State;
use axum::http::StatusCode;
use godwit_domain::member::{ContactPoint, Member, MemberCode, MemberGroup, MemberKind, Organisation};
use godwit_domain::user::Role;
use godwit_store::audit::AuditEvent;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

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
    if !caller.user.has(Role::Administrator) {
        return Err(ApiError::forbidden("only administrators manage membership"));
    }
    if MemberCode::parse(&code).is_none() || member.code.as_str() != code {
        return Err(ApiError::invalid("code", "must be 3 to 10 upper-case letters and match the path"));
    }
    if member.name.trim().is_empty() {
        return Err(ApiError::invalid("name", "must not be empty"));
    }
    state.store.upsert_member(&member).await?;
    state
        .store
        .record(&[AuditEvent::new("member.put")
            .by(caller.user.id, &caller.user.member)
            .on(&code)
            .with(serde_json::json!(member))])
        .await?;
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
    // Group membership decides who receives items released to a group, so it is
    // the secretariat's business, not an account administrator's.
    let secretariat_member = state.store.member(&caller.user.member).await?.kind == MemberKind::Secretariat;
    if !(caller.user.has(Role::Secretariat) && secretariat_member) {
        return Err(ApiError::forbidden("only staff of a secretariat member manage groups"));
    }
    if group.code != code
        || code.is_empty()
        || code.len() > 20
        || !code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(ApiError::invalid("code", "must be up to 20 upper-case letters or digits and match the path"));
    }
    let known: Vec<MemberCode> = state.store.members().await?.into_iter().map(|m| m.code).collect();
    if let Some(i) = group.members.iter().position(|m| !known.contains(m)) {
        return Err(ApiError::invalid(&format!("members/{i}"), "is not a member"));
    }
    state.store.put_group(&group).await?;
    state
        .store
        .record(&[AuditEvent::new("group.put")
            .by(caller.user.id, &caller.user.member)
            .on(&code)
            .with(serde_json::json!(group))])
        .await?;
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

#[derive(Deserialize, ToSchema)]
pub struct NewOrganisation {
    pub member: MemberCode,
    pub name: String,
    pub agency: godwit_domain::member::AgencyKind,
}

/// True when the caller may manage things of `member`: its NFP, or an administrator.
fn manages_member(caller: &Caller, member: &MemberCode) -> bool {
    caller.user.has(Role::Administrator) || (caller.user.has(Role::NationalFocalPoint) && caller.user.member == *member)
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "directory", request_body = NewOrganisation,
    responses((status = 201, body = Organisation), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_organisation(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewOrganisation>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    if !manages_member(&caller, &new.member) {
        return Err(ApiError::forbidden(
            "only the member's national focal point or an administrator adds organisations",
        ));
    }
    state.store.member(&new.member).await.map_err(|_| ApiError::invalid("member", "is not a member"))?;
    if new.name.trim().is_empty() {
        return Err(ApiError::invalid("name", "must not be empty"));
    }
    let org =
        Organisation { id: Uuid::now_v7(), member: new.member, name: new.name.trim().to_owned(), agency: new.agency };
    state.store.put_organisation(&org).await?;
    state
        .store
        .record(&[AuditEvent::new("organisation.create")
            .by(caller.user.id, &caller.user.member)
            .on(org.id)
            .with(serde_json::json!(org))])
        .await?;
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
    if !manages_member(&caller, &contact.member) {
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
