//! Accounts: administrators manage all, a national focal point its member's,
//! an organisational focal point its organisation's. Nobody grants more
//! clearance than they hold or a role beyond their reach.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use godwit_domain::user::{Role, User, password_policy_violation};
use godwit_store::audit::AuditEvent;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::auth::credentials::hash_password;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Roles a focal point may hand out; administrators may hand out any.
fn grantable(caller: &User) -> BTreeSet<Role> {
    if caller.has(Role::Administrator) {
        Role::ALL.into_iter().collect()
    } else if caller.has(Role::NationalFocalPoint) {
        Role::ALL.into_iter().filter(|r| !matches!(r, Role::Administrator | Role::Auditor)).collect()
    } else if caller.has(Role::OrganisationalFocalPoint) {
        BTreeSet::from([Role::Analyst, Role::FrontLineOfficer])
    } else {
        BTreeSet::new()
    }
}

/// May `caller` manage accounts of this member and organisation?
fn manages(caller: &User, member: &MemberCode, organisation: Uuid) -> bool {
    caller.has(Role::Administrator)
        || (caller.has(Role::NationalFocalPoint) && caller.member == *member)
        || (caller.has(Role::OrganisationalFocalPoint) && caller.organisation == organisation)
}

/// Checks that `caller` may give an account of `target` the roles it is gaining
/// and raise its clearance to `clearance` from `clearance_before`.
///
/// An administrator could otherwise read any member's content by making itself
/// an account there: so outside its own member an administrator grants no
/// content role and raises no reader's clearance, except to create the first
/// national focal point of a member that has never had one (who then manages
/// that member's accounts).
async fn check_grant(
    state: &AppState,
    caller: &User,
    target: &MemberCode,
    gained: &BTreeSet<Role>,
    clearance: Classification,
    clearance_before: Option<Classification>,
    reader_before: bool,
) -> Result<(), ApiError> {
    let allowed = grantable(caller);
    if let Some(role) = gained.iter().find(|r| !allowed.contains(r)) {
        return Err(ApiError::forbidden(format!("you may not grant the role {}", role.as_str())));
    }
    if !caller.has(Role::Administrator) && clearance > caller.clearance {
        return Err(ApiError::forbidden("you may not grant more clearance than you hold"));
    }
    let content_roles: Vec<&Role> = gained.iter().filter(|r| r.reads_content()).collect();
    let abroad = caller.has(Role::Administrator) && caller.member != *target;
    if abroad && reader_before && clearance_before.is_some_and(|before| clearance > before) {
        return Err(ApiError::forbidden("administrators do not raise the clearance of another member's readers"));
    }
    if abroad && !content_roles.is_empty() {
        let first_nfp = content_roles == [&Role::NationalFocalPoint]
            && clearance_before.is_none()
            && !state.store.users(Some(target)).await?.iter().any(|u| u.has(Role::NationalFocalPoint));
        if !first_nfp {
            return Err(ApiError::forbidden(
                "administrators give content roles only within their own member, or a first national focal point to a member without one",
            ));
        }
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = [User]), (status = 403, body = crate::error::Problem)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<User>>> {
    let me = &caller.user;
    if me.has(Role::Administrator) {
        return Ok(Json(state.store.users(None).await?));
    }
    if !(me.has(Role::NationalFocalPoint) || me.has(Role::OrganisationalFocalPoint)) {
        return Err(ApiError::forbidden("only administrators and focal points manage users"));
    }
    let users = state.store.users(Some(&me.member)).await?;
    Ok(Json(users.into_iter().filter(|u| manages(me, &u.member, u.organisation)).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub member: MemberCode,
    pub organisation: Uuid,
    pub roles: BTreeSet<Role>,
    pub clearance: Classification,
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let me = &caller.user;
    if !manages(me, &new.member, new.organisation) {
        return Err(ApiError::forbidden("you do not manage accounts of that member or organisation"));
    }
    check_grant(&state, me, &new.member, &new.roles, new.clearance, None, false).await?;
    let username = new.username.trim();
    if !(3..=64).contains(&username.len())
        || !username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err(ApiError::invalid("username", "use 3 to 64 of a-z, 0-9, dot, underscore, hyphen"));
    }
    if !new.email.contains('@') || new.email.len() > 200 {
        return Err(ApiError::invalid("email", "must be an e-mail address"));
    }
    if new.clearance > state.store.scale().highest() {
        return Err(ApiError::invalid("clearance", "is above the highest level of this node's scale"));
    }
    if let Some(problem) = password_policy_violation(&new.password, username) {
        return Err(ApiError::invalid("password", problem));
    }
    let org = state
        .store
        .organisation(new.organisation)
        .await
        .map_err(|_| ApiError::invalid("organisation", "is not an organisation"))?;
    if org.member != new.member {
        return Err(ApiError::invalid("organisation", "belongs to another member"));
    }
    let user = User {
        id: Uuid::now_v7(),
        username: username.to_owned(),
        display_name: new.display_name.trim().to_owned(),
        email: new.email.trim().to_owned(),
        member: new.member,
        organisation: new.organisation,
        roles: new.roles,
        clearance: new.clearance,
        disabled: false,
    };
    let hash = hash_password(&new.password).map_err(|_| ApiError::internal())?;
    let event = AuditEvent::new("user.create")
        .by(me.id, &me.member)
        .on(&user.username)
        .with(serde_json::json!({ "roles": user.roles, "clearance": user.clearance, "member": user.member }));
    state.store.create_user(&user, &hash, event).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub roles: Option<BTreeSet<Role>>,
    pub clearance: Option<Classification>,
    pub disabled: Option<bool>,
    /// Clears a lockout after failed sign-ins.
    #[serde(default)]
    pub unlock: bool,
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)), request_body = UserUpdate,
    responses((status = 200, body = User), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(change): Json<UserUpdate>,
) -> ApiResult<Json<User>> {
    let me = &caller.user;
    let mut user = state.store.user(id).await?.user;
    if !manages(me, &user.member, user.organisation) {
        return Err(ApiError::not_found("user"));
    }
    if let Some(name) = change.display_name {
        user.display_name = name.trim().to_owned();
    }
    if let Some(email) = change.email {
        if !email.contains('@') {
            return Err(ApiError::invalid("email", "must be an e-mail address"));
        }
        user.email = email.trim().to_owned();
    }
    let before = user.roles.clone();
    let clearance_before = user.clearance;
    if let Some(roles) = change.roles {
        user.roles = roles;
    }
    if let Some(clearance) = change.clearance {
        user.clearance = clearance;
    }
    let gained: BTreeSet<Role> = user.roles.difference(&before).copied().collect();
    let reader_before = before.iter().any(|r| r.reads_content());
    check_grant(&state, me, &user.member, &gained, user.clearance, Some(clearance_before), reader_before).await?;
    if let Some(disabled) = change.disabled {
        user.disabled = disabled;
    }
    let event = AuditEvent::new("user.update")
        .by(me.id, &me.member)
        .on(&user.username)
        .with(serde_json::json!({ "roles": user.roles, "clearance": user.clearance, "disabled": user.disabled, "unlock": change.unlock }));
    state.store.update_user(&user, event).await?;
    if change.unlock {
        state.store.clear_login_failures(user.id).await?;
    }
    if user.disabled {
        state.store.revoke_all_sessions(user.id).await?;
    }
    Ok(Json(user))
}
