//! Administration, shared by the JSON API and the portal so that one set of
//! rules holds whichever door a person uses. SECURITY-CRITICAL.
//!
//! - Accounts: administrators manage all, a national focal point its member's,
//!   an organisational focal point its organisation's. Nobody grants more
//!   clearance than they hold or a role beyond their reach, and nobody changes
//!   their own roles, clearance or status.
//! - Membership: administrators keep the member list, the secretariat the
//!   groups, a member's national focal point (or an administrator) its
//!   organisations.
//! - API tokens: their owner creates them; the owner, or whoever manages the
//!   owner's account, revokes them.
//!
//! Every change goes to the audit trail.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use godwit_domain::marking::Classification;
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberGroup, MemberKind, Organisation};
use godwit_domain::user::{Role, User, password_policy_violation};
use godwit_store::audit::AuditEvent;
use godwit_store::users::{ApiTokenRecord, UserRecord};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::auth::credentials::{hash_password, random_token, token_hash};
use crate::auth::session::{API_TOKEN_PREFIX, AuthVia};
use crate::error::ApiError;
use crate::state::AppState;

/// Roles `caller` may hand out; administrators may hand out any.
pub fn grantable(caller: &User) -> BTreeSet<Role> {
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

/// Does `caller` manage anyone's account?
pub fn manages_accounts(caller: &User) -> bool {
    caller.has(Role::Administrator)
        || caller.has(Role::NationalFocalPoint)
        || caller.has(Role::OrganisationalFocalPoint)
}

/// May `caller` manage accounts of this member and organisation?
pub fn manages(caller: &User, member: &MemberCode, organisation: Uuid) -> bool {
    caller.has(Role::Administrator)
        || (caller.has(Role::NationalFocalPoint) && caller.member == *member)
        || (caller.has(Role::OrganisationalFocalPoint) && caller.organisation == organisation)
}

/// May `caller` manage things of `member` (organisations, contact points):
/// its national focal point, or an administrator.
pub fn manages_member(caller: &User, member: &MemberCode) -> bool {
    caller.has(Role::Administrator) || (caller.has(Role::NationalFocalPoint) && caller.member == *member)
}

/// May `caller` keep the list of members? Administrators only.
pub fn manages_membership(caller: &User) -> bool {
    caller.has(Role::Administrator)
}

/// May `caller` change groups? Group membership decides who receives items
/// released to a group, so it is the secretariat's business, not an account
/// administrator's.
pub async fn manages_groups(state: &AppState, caller: &User) -> Result<bool, ApiError> {
    Ok(caller.has(Role::Secretariat) && state.store.member(&caller.member).await?.kind == MemberKind::Secretariat)
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

/// The accounts `caller` manages.
pub async fn managed_users(state: &AppState, caller: &User) -> Result<Vec<User>, ApiError> {
    if caller.has(Role::Administrator) {
        return Ok(state.store.users(None).await?);
    }
    if !manages_accounts(caller) {
        return Err(ApiError::forbidden("only administrators and focal points manage users"));
    }
    let users = state.store.users(Some(&caller.member)).await?;
    Ok(users.into_iter().filter(|u| manages(caller, &u.member, u.organisation)).collect())
}

/// One account `caller` manages; any other is "not found", so that its
/// existence is not revealed.
pub async fn managed_user(state: &AppState, caller: &User, id: Uuid) -> Result<UserRecord, ApiError> {
    let record = state.store.user(id).await?;
    if !manages(caller, &record.user.member, record.user.organisation) {
        return Err(ApiError::not_found("user"));
    }
    Ok(record)
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

fn check_email(email: &str) -> Result<(), ApiError> {
    let email = email.trim();
    if !email.contains('@') || email.len() > 200 {
        return Err(ApiError::invalid("email", "must be an e-mail address"));
    }
    Ok(())
}

/// The organisation, if it is one of `member`'s.
async fn organisation_of(state: &AppState, member: &MemberCode, id: Uuid) -> Result<Organisation, ApiError> {
    let org =
        state.store.organisation(id).await.map_err(|_| ApiError::invalid("organisation", "is not an organisation"))?;
    if org.member != *member {
        return Err(ApiError::invalid("organisation", "belongs to another member"));
    }
    Ok(org)
}

/// Creates an account with the password its creator chose.
pub async fn create_user(state: &AppState, caller: &User, new: NewUser) -> Result<User, ApiError> {
    if !manages(caller, &new.member, new.organisation) {
        return Err(ApiError::forbidden("you do not manage accounts of that member or organisation"));
    }
    check_grant(state, caller, &new.member, &new.roles, new.clearance, None, false).await?;
    let username = new.username.trim();
    if !(3..=64).contains(&username.len())
        || !username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err(ApiError::invalid("username", "use 3 to 64 of a-z, 0-9, dot, underscore, hyphen"));
    }
    if new.display_name.trim().is_empty() {
        return Err(ApiError::invalid("display_name", "must not be empty"));
    }
    check_email(&new.email)?;
    if new.clearance > state.store.scale().highest() {
        return Err(ApiError::invalid("clearance", "is above the highest level of this node's scale"));
    }
    if let Some(problem) = password_policy_violation(&new.password, username) {
        return Err(ApiError::invalid("password", problem));
    }
    organisation_of(state, &new.member, new.organisation).await?;
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
        .by(caller.id, &caller.member)
        .on(&user.username)
        .with(serde_json::json!({ "roles": user.roles, "clearance": user.clearance, "member": user.member }));
    state.store.create_user(&user, &hash, event).await?;
    Ok(user)
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// Another organisation of the same member.
    #[serde(default)]
    pub organisation: Option<Uuid>,
    pub roles: Option<BTreeSet<Role>>,
    pub clearance: Option<Classification>,
    pub disabled: Option<bool>,
    /// Clears a lockout after failed sign-ins.
    #[serde(default)]
    pub unlock: bool,
}

/// Changes an account `caller` manages.
pub async fn update_user(state: &AppState, caller: &User, id: Uuid, change: UserUpdate) -> Result<User, ApiError> {
    let mut user = managed_user(state, caller, id).await?.user;
    let before = user.clone();
    if let Some(name) = change.display_name {
        if name.trim().is_empty() {
            return Err(ApiError::invalid("display_name", "must not be empty"));
        }
        user.display_name = name.trim().to_owned();
    }
    if let Some(email) = change.email {
        check_email(&email)?;
        user.email = email.trim().to_owned();
    }
    if let Some(organisation) = change.organisation {
        organisation_of(state, &user.member, organisation).await?;
        if !manages(caller, &user.member, organisation) {
            return Err(ApiError::forbidden("you do not manage accounts of that organisation"));
        }
        user.organisation = organisation;
    }
    if let Some(roles) = change.roles {
        user.roles = roles;
    }
    if let Some(clearance) = change.clearance {
        if clearance > state.store.scale().highest() {
            return Err(ApiError::invalid("clearance", "is above the highest level of this node's scale"));
        }
        user.clearance = clearance;
    }
    if let Some(disabled) = change.disabled {
        user.disabled = disabled;
    }
    // Whoever could change their own account could grant themselves anything.
    if user.id == caller.id
        && (user.roles != before.roles || user.clearance != before.clearance || user.disabled != before.disabled)
    {
        return Err(ApiError::forbidden("you may not change your own roles, clearance or status"));
    }
    let gained: BTreeSet<Role> = user.roles.difference(&before.roles).copied().collect();
    let reader_before = before.roles.iter().any(|r| r.reads_content());
    check_grant(state, caller, &user.member, &gained, user.clearance, Some(before.clearance), reader_before).await?;
    if user != before {
        let event = AuditEvent::new("user.update").by(caller.id, &caller.member).on(&user.username).with(
            serde_json::json!({ "roles": user.roles, "clearance": user.clearance, "disabled": user.disabled, "organisation": user.organisation }),
        );
        state.store.update_user(&user, event).await?;
    }
    if change.unlock {
        unlock(state, caller, &user).await?;
    }
    if user.disabled && !before.disabled {
        state.store.revoke_all_sessions(user.id).await?;
    }
    Ok(user)
}

async fn unlock(state: &AppState, caller: &User, user: &User) -> Result<(), ApiError> {
    state.store.clear_login_failures(user.id).await?;
    state.store.record(&[AuditEvent::new("user.unlock").by(caller.id, &caller.member).on(&user.username)]).await?;
    Ok(())
}

/// Clears the failed sign-ins and any lockout of an account `caller` manages.
pub async fn unlock_user(state: &AppState, caller: &User, id: Uuid) -> Result<User, ApiError> {
    let user = managed_user(state, caller, id).await?.user;
    unlock(state, caller, &user).await?;
    Ok(user)
}

/// Removes the second factor of an account `caller` manages (a lost phone):
/// its holder enrols again at the next sign-in, and every session ends.
pub async fn reset_totp(state: &AppState, caller: &User, id: Uuid) -> Result<User, ApiError> {
    let user = managed_user(state, caller, id).await?.user;
    if user.id == caller.id {
        return Err(ApiError::forbidden("you may not reset your own second factor"));
    }
    let event = AuditEvent::new("totp.reset").by(caller.id, &caller.member).on(&user.username);
    state.store.set_totp(user.id, None, false, event).await?;
    state.store.revoke_all_sessions(user.id).await?;
    Ok(user)
}

/// Ends every session of an account `caller` manages.
pub async fn end_sessions(state: &AppState, caller: &User, id: Uuid) -> Result<u64, ApiError> {
    let user = managed_user(state, caller, id).await?.user;
    let ended = state.store.revoke_all_sessions(user.id).await?;
    state
        .store
        .record(&[AuditEvent::new("session.revoke_all")
            .by(caller.id, &caller.member)
            .on(&user.username)
            .with(serde_json::json!({ "sessions": ended }))])
        .await?;
    Ok(ended)
}

/// Adds or renames a member.
pub async fn put_member(state: &AppState, caller: &User, member: &Member) -> Result<(), ApiError> {
    if !manages_membership(caller) {
        return Err(ApiError::forbidden("only administrators manage membership"));
    }
    if MemberCode::parse(member.code.as_str()).is_none() {
        return Err(ApiError::invalid("code", "must be 3 to 10 upper-case letters"));
    }
    if member.name.trim().is_empty() || member.name.len() > 200 {
        return Err(ApiError::invalid("name", "must be 1 to 200 characters"));
    }
    state.store.upsert_member(member).await?;
    state
        .store
        .record(&[AuditEvent::new("member.put")
            .by(caller.id, &caller.member)
            .on(&member.code)
            .with(serde_json::json!(member))])
        .await?;
    Ok(())
}

/// Adds or changes a group of members.
pub async fn put_group(state: &AppState, caller: &User, group: &MemberGroup) -> Result<(), ApiError> {
    if !manages_groups(state, caller).await? {
        return Err(ApiError::forbidden("only staff of a secretariat member manage groups"));
    }
    let code = &group.code;
    if code.is_empty() || code.len() > 20 || !code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        return Err(ApiError::invalid("code", "must be up to 20 upper-case letters or digits"));
    }
    if group.name.trim().is_empty() || group.name.len() > 200 {
        return Err(ApiError::invalid("name", "must be 1 to 200 characters"));
    }
    let known: Vec<MemberCode> = state.store.members().await?.into_iter().map(|m| m.code).collect();
    if let Some(i) = group.members.iter().position(|m| !known.contains(m)) {
        return Err(ApiError::invalid(&format!("members/{i}"), "is not a member"));
    }
    state.store.put_group(group).await?;
    state
        .store
        .record(&[AuditEvent::new("group.put").by(caller.id, &caller.member).on(code).with(serde_json::json!(group))])
        .await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
pub struct NewOrganisation {
    pub member: MemberCode,
    pub name: String,
    pub agency: AgencyKind,
}

/// Adds an organisation (`id` none) or changes one; it stays with its member.
pub async fn put_organisation(
    state: &AppState,
    caller: &User,
    id: Option<Uuid>,
    new: NewOrganisation,
) -> Result<Organisation, ApiError> {
    if !manages_member(caller, &new.member) {
        return Err(ApiError::forbidden(
            "only the member's national focal point or an administrator manages its organisations",
        ));
    }
    state.store.member(&new.member).await.map_err(|_| ApiError::invalid("member", "is not a member"))?;
    if let Some(id) = id {
        let existing = state.store.organisation(id).await.map_err(|_| ApiError::not_found("organisation"))?;
        if existing.member != new.member {
            return Err(ApiError::forbidden("this organisation belongs to another member"));
        }
    }
    let name = new.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(ApiError::invalid("name", "must be 1 to 200 characters"));
    }
    let org = Organisation {
        id: id.unwrap_or_else(Uuid::now_v7),
        member: new.member,
        name: name.to_owned(),
        agency: new.agency,
    };
    state.store.put_organisation(&org).await?;
    let action = if id.is_some() { "organisation.update" } else { "organisation.create" };
    state
        .store
        .record(&[AuditEvent::new(action).by(caller.id, &caller.member).on(org.id).with(serde_json::json!(org))])
        .await?;
    Ok(org)
}

#[derive(Deserialize, ToSchema)]
pub struct NewApiToken {
    pub name: String,
    /// `read`, or `read` and `write`.
    pub scopes: Vec<String>,
    /// 1 to 365.
    pub expires_in_days: i64,
}

/// Creates an API token for the signed-in caller. Returns the secret, which
/// is shown once and never stored, and the record kept of it.
pub async fn create_token(
    state: &AppState,
    caller: &Caller,
    request: &NewApiToken,
) -> Result<(String, ApiTokenRecord), ApiError> {
    // A token must not mint further tokens: they come from a person's session.
    if !matches!(caller.via, AuthVia::SessionCookie { .. } | AuthVia::SessionBearer { .. }) {
        return Err(ApiError::forbidden("API tokens are created from a signed-in session"));
    }
    let name = request.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::invalid("name", "must be 1 to 100 characters"));
    }
    if request.scopes.is_empty() || request.scopes.iter().any(|s| s != "read" && s != "write") {
        return Err(ApiError::invalid("scopes", "must be read, or read and write"));
    }
    if !(1..=365).contains(&request.expires_in_days) {
        return Err(ApiError::invalid("expires_in_days", "must be between 1 and 365"));
    }
    let now = state.store.clock().now();
    let token = format!("{API_TOKEN_PREFIX}{}", random_token());
    let record = ApiTokenRecord {
        id: Uuid::now_v7().to_string(),
        user_id: caller.user.id.to_string(),
        name: name.to_owned(),
        token_hash: token_hash(&token),
        scopes: request.scopes.join(","),
        created_at: now.0,
        expires_at: now.plus_days(request.expires_in_days).0,
        last_used_at: None,
        revoked: false,
    };
    let event = AuditEvent::new("token.create").by(caller.user.id, &caller.user.member).on(&record.id);
    state.store.create_api_token(&record, event).await?;
    Ok((token, record))
}

/// Revokes a token of `owner`: the caller's own, or one of an account the
/// caller manages.
pub async fn revoke_token(state: &AppState, caller: &User, owner: Uuid, id: &str) -> Result<(), ApiError> {
    if owner != caller.id {
        managed_user(state, caller, owner).await.map_err(|_| ApiError::not_found("token"))?;
    }
    let event = AuditEvent::new("token.revoke")
        .by(caller.id, &caller.member)
        .on(id)
        .with(serde_json::json!({ "owner": owner }));
    if state.store.revoke_api_token(owner, id, event).await? {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "token not found"))
    }
}
