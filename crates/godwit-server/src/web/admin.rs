//! Administration pages: accounts, members, groups and organisations. The
//! rules and the audit trail are [`crate::admin`]'s, the same as the JSON
//! API's; these handlers read forms and draw pages. No page here shows item
//! content.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::Timestamp;
use godwit_domain::marking::Classification;
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberGroup, MemberKind, Organisation};
use godwit_domain::user::{Role, User};
use serde::Deserialize;
use uuid::Uuid;

use crate::admin::{self, NewOrganisation, NewUser, UserUpdate};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::forms::{FieldErrors, when, words};
use crate::web::item_form::{Choice, choices};
use crate::web::page::{Chrome, WebError, render, role_label};
use crate::web::signin::NoFields;
use crate::web::viewer::{Viewer, WebForm};

/// Refuses people who manage no accounts.
fn require_account_manager(viewer: &Viewer) -> Result<(), WebError> {
    if admin::manages_accounts(&viewer.caller.user) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Only administrators and focal points manage accounts."))
    }
}

/// Who sees the members page: those who change something on it.
pub fn sees_members(user: &User) -> bool {
    user.has(Role::Administrator) || user.has(Role::NationalFocalPoint) || user.has(Role::Secretariat)
}

/// 422 for a form sent back with messages.
fn status_for(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }
}

/// A validation error or a refusal (a role beyond reach, a taken username),
/// shown with the form and its status; anything else as an error page.
fn form_errors(e: ApiError) -> Result<(StatusCode, FieldErrors), WebError> {
    if e.errors.is_empty() && !matches!(e.status, StatusCode::FORBIDDEN | StatusCode::CONFLICT) {
        return Err(e.into());
    }
    Ok((e.status, FieldErrors::from(&e)))
}

fn with_status(page: Result<Response, WebError>, status: StatusCode) -> Result<Response, WebError> {
    page.map(|mut response| {
        *response.status_mut() = status;
        response
    })
}

/// A role offered on a form: whether it is ticked, and whether the viewer may tick it.
pub struct RoleChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
    pub enabled: bool,
}

/// Every role; those the viewer may not grant can only be kept or removed.
fn role_choices(viewer: &User, checked: &BTreeSet<Role>) -> Vec<RoleChoice> {
    let grantable = admin::grantable(viewer);
    Role::ALL
        .into_iter()
        .map(|r| RoleChoice {
            value: r.as_str(),
            label: role_label(r),
            checked: checked.contains(&r),
            enabled: grantable.contains(&r) || checked.contains(&r),
        })
        .collect()
}

/// Clearance levels the viewer may give: up to their own (any, for an
/// administrator), and the account's current level.
fn clearance_choices(state: &AppState, viewer: &User, current: Option<Classification>) -> Vec<Choice> {
    let scale = state.store.scale();
    let top = if viewer.has(Role::Administrator) { scale.highest() } else { viewer.clearance };
    let top = current.map_or(top, |c| top.max(c));
    (0..=top.0)
        .map(Classification)
        .map(|c| Choice { value: c.0.to_string(), label: scale.name(c).to_owned(), selected: Some(c) == current })
        .collect()
}

/// Organisations whose accounts the viewer manages, optionally of one member only.
async fn organisation_choices(
    state: &AppState,
    viewer: &User,
    member: Option<&MemberCode>,
    current: Option<Uuid>,
) -> Result<Vec<Choice>, WebError> {
    let member = member.or((!viewer.has(Role::Administrator)).then_some(&viewer.member));
    Ok(state
        .store
        .organisations(member)
        .await?
        .into_iter()
        .filter(|o| admin::manages(viewer, &o.member, o.id))
        .map(|o| Choice {
            value: o.id.to_string(),
            label: format!("{} — {}", o.member, o.name),
            selected: Some(o.id) == current,
        })
        .collect())
}

/// The fields of the account forms, as typed.
#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    clearance: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    disabled: Option<String>,
}

/// The parts of a [`UserForm`] that need parsing, or the messages beside the fields.
struct ParsedUser {
    organisation: Uuid,
    roles: BTreeSet<Role>,
    clearance: Classification,
}

fn parse_user_form(form: &UserForm) -> Result<ParsedUser, FieldErrors> {
    let mut errors = FieldErrors::default();
    let organisation = Uuid::parse_str(form.organisation.trim()).ok();
    if organisation.is_none() {
        errors.add("organisation", "choose an organisation");
    }
    let mut roles = BTreeSet::new();
    for r in &form.roles {
        match Role::parse(r) {
            Some(role) => {
                roles.insert(role);
            }
            None => errors.add("roles", "contains an unknown role"),
        }
    }
    let clearance = form.clearance.trim().parse::<u8>().ok().map(Classification);
    if clearance.is_none() {
        errors.add("clearance", "choose a clearance");
    }
    match (organisation, clearance) {
        (Some(organisation), Some(clearance)) if errors.is_empty() => Ok(ParsedUser { organisation, roles, clearance }),
        _ => Err(errors),
    }
}

pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub member: String,
    pub organisation: String,
    pub roles: String,
    pub clearance: String,
    pub disabled: bool,
    pub locked: bool,
    pub last_seen: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    chrome: Chrome,
    rows: Vec<UserRow>,
    f: UserForm,
    organisations: Vec<Choice>,
    roles: Vec<RoleChoice>,
    clearances: Vec<Choice>,
    errors: FieldErrors,
}

async fn users_page(state: &AppState, viewer: &Viewer, f: UserForm, errors: FieldErrors) -> Result<Response, WebError> {
    let me = &viewer.caller.user;
    let scale = state.store.scale();
    let organisations = state.store.organisations(None).await?;
    let last_seen = state.store.last_seen_by_user().await?;
    let locked = state.store.locked_users().await?;
    let mut users = admin::managed_users(state, me).await?;
    users.sort_by(|a, b| (&a.member, &a.username).cmp(&(&b.member, &b.username)));
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            organisation: organisations
                .iter()
                .find(|o| o.id == u.organisation)
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            roles: u.roles.iter().map(|r| role_label(*r)).collect::<Vec<_>>().join(", "),
            clearance: scale.name(u.clearance).to_owned(),
            last_seen: last_seen.get(&u.id).map(|t| when(*t)).unwrap_or_else(|| "never".into()),
            locked: locked.contains(&u.id),
            member: u.member.to_string(),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            disabled: u.disabled,
        })
        .collect();
    let parsed_roles: BTreeSet<Role> = f.roles.iter().filter_map(|r| Role::parse(r)).collect();
    let page = UsersPage {
        chrome: Chrome::new(viewer, "Users", "/admin/users"),
        rows,
        organisations: organisation_choices(state, me, None, Uuid::parse_str(&f.organisation).ok()).await?,
        roles: role_choices(me, &parsed_roles),
        clearances: clearance_choices(state, me, f.clearance.parse().ok().map(Classification)),
        f,
        errors,
    };
    let status = status_for(&page.errors);
    render(&page).map(|html| (status, html).into_response())
}

pub async fn users(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    require_account_manager(&viewer)?;
    users_page(&state, &viewer, UserForm::default(), FieldErrors::default()).await
}

pub async fn create_user(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<UserForm>,
) -> Result<Response, WebError> {
    require_account_manager(&viewer)?;
    let parsed = match parse_user_form(&form) {
        Ok(parsed) => parsed,
        Err(errors) => return users_page(&state, &viewer, form, errors).await,
    };
    // The organisation decides the member: a form cannot pair one member with another's agency.
    let member = match state.store.organisation(parsed.organisation).await {
        Ok(org) => org.member,
        Err(_) => {
            let errors = FieldErrors::one("organisation", "is not an organisation");
            return users_page(&state, &viewer, form, errors).await;
        }
    };
    let new = NewUser {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        email: form.email.clone(),
        member,
        organisation: parsed.organisation,
        roles: parsed.roles,
        clearance: parsed.clearance,
        password: form.password.clone(),
    };
    match admin::create_user(&state, &viewer.caller.user, new).await {
        Ok(user) => Ok(Redirect::to(&format!("/admin/users/{}?done=created", user.id)).into_response()),
        Err(e) => {
            let (status, errors) = form_errors(e)?;
            with_status(users_page(&state, &viewer, UserForm { password: String::new(), ..form }, errors).await, status)
        }
    }
}

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub live: bool,
}

/// API tokens as their owner or an administrator sees them: never the secret.
pub async fn token_rows(state: &AppState, user: Uuid) -> Result<Vec<TokenRow>, WebError> {
    let now = state.store.clock().now();
    Ok(state
        .store
        .api_tokens_of(user)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            live: !t.revoked && t.expires_at > now.0,
            scopes: t.scopes.replace(',', ", "),
            created: when(Timestamp(t.created_at)),
            expires: when(Timestamp(t.expires_at)),
            last_used: t.last_used_at.map(|t| when(Timestamp(t))).unwrap_or_else(|| "never".into()),
            id: t.id,
            name: t.name,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    chrome: Chrome,
    id: Uuid,
    username: String,
    member: String,
    f: UserForm,
    organisations: Vec<Choice>,
    roles: Vec<RoleChoice>,
    clearances: Vec<Choice>,
    failed_logins: i64,
    locked_until: Option<String>,
    totp_enabled: bool,
    sessions: usize,
    last_seen: String,
    tokens: Vec<TokenRow>,
    token_base: String,
    done: Option<&'static str>,
    errors: FieldErrors,
}

async fn user_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    form: Option<UserForm>,
    done: Option<&'static str>,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let me = &viewer.caller.user;
    let record = admin::managed_user(state, me, id).await?;
    let user = &record.user;
    let f = form.unwrap_or_else(|| UserForm {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        email: user.email.clone(),
        organisation: user.organisation.to_string(),
        roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        clearance: user.clearance.0.to_string(),
        password: String::new(),
        disabled: user.disabled.then(|| "on".into()),
    });
    let checked: BTreeSet<Role> = f.roles.iter().filter_map(|r| Role::parse(r)).collect();
    let now = state.store.clock().now();
    let sessions = state.store.sessions_of(id).await?;
    let last_seen = state.store.last_seen_by_user().await?.get(&id).map(|t| when(*t)).unwrap_or_else(|| "never".into());
    let page = UserPage {
        chrome: Chrome::new(viewer, format!("User {}", user.username), "/admin/users"),
        id,
        username: user.username.clone(),
        member: user.member.to_string(),
        organisations: organisation_choices(state, me, Some(&user.member), Uuid::parse_str(&f.organisation).ok())
            .await?,
        roles: role_choices(me, &checked),
        clearances: clearance_choices(state, me, f.clearance.parse().ok().map(Classification)),
        failed_logins: record.failed_logins,
        locked_until: record.locked_until.filter(|t| *t > now).map(when),
        totp_enabled: record.totp_enabled,
        sessions: sessions.len(),
        last_seen,
        tokens: token_rows(state, id).await?,
        token_base: format!("/admin/users/{id}/tokens"),
        f,
        done,
        errors,
    };
    let status = status_for(&page.errors);
    render(&page).map(|html| (status, html).into_response())
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

fn parse_id(id: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(id).map_err(|_| WebError::not_found())
}

pub async fn user(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    require_account_manager(&viewer)?;
    let done = match q.done.as_deref() {
        Some("created") => Some("The account has been created. Give its holder the password by a separate channel."),
        Some("saved") => Some("The account has been changed."),
        Some("unlocked") => Some("The account is unlocked: its holder may sign in again."),
        Some("totp") => Some("The second factor has been removed; its holder enrols again at the next sign-in."),
        Some("sessions") => Some("Every session of the account has ended."),
        Some("token") => Some("The API token has been revoked."),
        _ => None,
    };
    user_page(&state, &viewer, parse_id(&id)?, None, done, FieldErrors::default()).await
}

pub async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { viewer, form }: WebForm<UserForm>,
) -> Result<Response, WebError> {
    require_account_manager(&viewer)?;
    let id = parse_id(&id)?;
    let parsed = match parse_user_form(&form) {
        Ok(parsed) => parsed,
        Err(errors) => return user_page(&state, &viewer, id, Some(form), None, errors).await,
    };
    let change = UserUpdate {
        display_name: Some(form.display_name.clone()),
        email: Some(form.email.clone()),
        organisation: Some(parsed.organisation),
        roles: Some(parsed.roles),
        clearance: Some(parsed.clearance),
        disabled: Some(form.disabled.is_some()),
        unlock: false,
    };
    match admin::update_user(&state, &viewer.caller.user, id, change).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}?done=saved")).into_response()),
        Err(e) => {
            let (status, errors) = form_errors(e)?;
            with_status(user_page(&state, &viewer, id, Some(form), None, errors).await, status)
        }
    }
}

/// The one-button actions on an account.
pub async fn user_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    WebForm { viewer, .. }: WebForm<NoFields>,
) -> Result<Response, WebError> {
    require_account_manager(&viewer)?;
    let id = parse_id(&id)?;
    let me = &viewer.caller.user;
    let done = match action.as_str() {
        "unlock" => admin::unlock_user(&state, me, id).await.map(|_| "unlocked"),
        "reset-totp" => admin::reset_totp(&state, me, id).await.map(|_| "totp"),
        "end-sessions" => admin::end_sessions(&state, me, id).await.map(|_| "sessions"),
        _ => return Err(WebError::not_found()),
    }?;
    Ok(Redirect::to(&format!("/admin/users/{id}?done={done}")).into_response())
}

pub async fn revoke_user_token(
    State(state): State<AppState>,
    Path((id, token)): Path<(String, String)>,
    WebForm { viewer, .. }: WebForm<NoFields>,
) -> Result<Response, WebError> {
    require_account_manager(&viewer)?;
    let id = parse_id(&id)?;
    admin::revoke_token(&state, &viewer.caller.user, id, &token).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?done=token")).into_response())
}

pub struct MemberRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub groups: String,
    pub organisations: Vec<OrganisationRow>,
}

pub struct OrganisationRow {
    pub id: Uuid,
    pub name: String,
    pub agency: String,
    pub editable: bool,
}

pub struct GroupRow {
    pub code: String,
    pub name: String,
    pub members: String,
}

/// The member, group and organisation forms, as typed.
#[derive(Deserialize, Default)]
pub struct MemberForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

#[derive(Deserialize, Default)]
pub struct GroupForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct OrganisationForm {
    /// Empty for a new organisation.
    #[serde(default)]
    id: String,
    #[serde(default)]
    member: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    agency: String,
}

#[derive(Template)]
#[template(path = "admin/members.html")]
struct MembersPage {
    chrome: Chrome,
    rows: Vec<MemberRow>,
    groups: Vec<GroupRow>,
    may_put_member: bool,
    may_put_group: bool,
    may_put_organisation: bool,
    member_form: MemberForm,
    kinds: Vec<Choice>,
    group_form: GroupForm,
    group_members: Vec<Choice>,
    org_form: OrganisationForm,
    org_members: Vec<Choice>,
    agencies: Vec<Choice>,
    done: Option<&'static str>,
    /// Which form the errors belong to.
    errors_for: &'static str,
    errors: FieldErrors,
}

#[derive(Default)]
struct MemberForms {
    member: MemberForm,
    group: GroupForm,
    organisation: OrganisationForm,
}

async fn members_page(
    state: &AppState,
    viewer: &Viewer,
    forms: MemberForms,
    done: Option<&'static str>,
    errors_for: &'static str,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let me = &viewer.caller.user;
    let members = state.store.members().await?;
    let groups = state.store.groups().await?;
    let organisations = state.store.organisations(None).await?;
    let rows = members
        .iter()
        .map(|m| MemberRow {
            code: m.code.to_string(),
            name: m.name.clone(),
            kind: words(m.kind.as_str()),
            groups: groups
                .iter()
                .filter(|g| g.members.contains(&m.code))
                .map(|g| g.code.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            organisations: organisations
                .iter()
                .filter(|o| o.member == m.code)
                .map(|o| OrganisationRow {
                    id: o.id,
                    name: o.name.clone(),
                    agency: words(o.agency.as_str()),
                    editable: admin::manages_member(me, &o.member),
                })
                .collect(),
        })
        .collect();
    let MemberForms { member: member_form, group: group_form, organisation: org_form } = forms;
    let page = MembersPage {
        chrome: Chrome::new(viewer, "Members", "/admin/members"),
        rows,
        groups: groups
            .iter()
            .map(|g| GroupRow {
                code: g.code.clone(),
                name: g.name.clone(),
                members: g.members.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", "),
            })
            .collect(),
        may_put_member: admin::manages_membership(me),
        may_put_group: admin::manages_groups(state, me).await?,
        may_put_organisation: members.iter().any(|m| admin::manages_member(me, &m.code)),
        kinds: choices(&MemberKind::ALL, MemberKind::as_str, &member_form.kind),
        group_members: members
            .iter()
            .map(|m| Choice {
                value: m.code.to_string(),
                label: format!("{} ({})", m.name, m.code),
                selected: group_form.members.iter().any(|c| c == m.code.as_str()),
            })
            .collect(),
        org_members: members
            .iter()
            .filter(|m| admin::manages_member(me, &m.code))
            .map(|m| Choice {
                value: m.code.to_string(),
                label: format!("{} ({})", m.name, m.code),
                selected: org_form.member == m.code.as_str(),
            })
            .collect(),
        agencies: choices(&AgencyKind::ALL, AgencyKind::as_str, &org_form.agency),
        member_form,
        group_form,
        org_form,
        done,
        errors_for,
        errors,
    };
    let status = status_for(&page.errors);
    render(&page).map(|html| (status, html).into_response())
}

#[derive(Deserialize, Default)]
pub struct MembersQuery {
    /// A member, group or organisation whose form to fill in for editing.
    #[serde(default)]
    member: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    done: Option<String>,
}

fn require_members_page(viewer: &Viewer) -> Result<(), WebError> {
    if sees_members(&viewer.caller.user) {
        Ok(())
    } else {
        Err(WebError::page(
            StatusCode::FORBIDDEN,
            "Only administrators, national focal points and the secretariat manage membership.",
        ))
    }
}

pub async fn members(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<MembersQuery>,
) -> Result<Response, WebError> {
    require_members_page(&viewer)?;
    let mut forms = MemberForms::default();
    if let Some(m) = state.store.members().await?.into_iter().find(|m| m.code.as_str() == q.member) {
        forms.member = MemberForm { code: m.code.to_string(), name: m.name, kind: m.kind.as_str().into() };
    }
    if let Some(g) = state.store.groups().await?.into_iter().find(|g| g.code == q.group) {
        forms.group = GroupForm { code: g.code, name: g.name, members: g.members.into_iter().map(|m| m.0).collect() };
    }
    if let Ok(id) = Uuid::parse_str(&q.organisation)
        && let Ok(o) = state.store.organisation(id).await
    {
        forms.organisation = org_form_of(&o);
    }
    let done = match q.done.as_deref() {
        Some("member") => Some("The member has been saved."),
        Some("group") => Some("The group has been saved."),
        Some("organisation") => Some("The organisation has been saved."),
        _ => None,
    };
    members_page(&state, &viewer, forms, done, "", FieldErrors::default()).await
}

fn org_form_of(o: &Organisation) -> OrganisationForm {
    OrganisationForm {
        id: o.id.to_string(),
        member: o.member.to_string(),
        name: o.name.clone(),
        agency: o.agency.as_str().into(),
    }
}

pub async fn put_member(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<MemberForm>,
) -> Result<Response, WebError> {
    require_members_page(&viewer)?;
    let code = MemberCode::parse(form.code.trim());
    let kind = MemberKind::parse(&form.kind);
    let result = match (code, kind) {
        (Some(code), Some(kind)) => {
            let member = Member { code, name: form.name.trim().to_owned(), kind };
            admin::put_member(&state, &viewer.caller.user, &member).await
        }
        (None, _) => Err(ApiError::invalid("code", "must be 3 to 10 upper-case letters")),
        (_, None) => Err(ApiError::invalid("kind", "choose a kind")),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/members?done=member").into_response()),
        Err(e) => {
            let (status, errors) = form_errors(e)?;
            let forms = MemberForms { member: form, ..Default::default() };
            with_status(members_page(&state, &viewer, forms, None, "member", errors).await, status)
        }
    }
}

pub async fn put_group(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<GroupForm>,
) -> Result<Response, WebError> {
    require_members_page(&viewer)?;
    let group = MemberGroup {
        code: form.code.trim().to_owned(),
        name: form.name.trim().to_owned(),
        members: form.members.iter().map(|m| MemberCode(m.clone())).collect(),
    };
    match admin::put_group(&state, &viewer.caller.user, &group).await {
        Ok(()) => Ok(Redirect::to("/admin/members?done=group").into_response()),
        Err(e) => {
            let (status, _) = form_errors(e.clone())?;
            // `members/3` is the fourth ticked box: file it under the boxes.
            let errors = FieldErrors::from_api(&e, |f| Some(f.split('/').next().unwrap_or(f).to_owned()));
            let forms = MemberForms { group: form, ..Default::default() };
            with_status(members_page(&state, &viewer, forms, None, "group", errors).await, status)
        }
    }
}

pub async fn put_organisation(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<OrganisationForm>,
) -> Result<Response, WebError> {
    require_members_page(&viewer)?;
    let id = if form.id.trim().is_empty() { Ok(None) } else { Uuid::parse_str(form.id.trim()).map(Some) };
    let result = match (id, MemberCode::parse(form.member.trim()), AgencyKind::parse(&form.agency)) {
        (Err(_), _, _) => Err(ApiError::not_found("organisation")),
        (_, None, _) => Err(ApiError::invalid("member", "choose a member")),
        (_, _, None) => Err(ApiError::invalid("agency", "choose a kind of agency")),
        (Ok(id), Some(member), Some(agency)) => {
            let new = NewOrganisation { member, name: form.name.clone(), agency };
            admin::put_organisation(&state, &viewer.caller.user, id, new).await.map(|_| ())
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/members?done=organisation").into_response()),
        Err(e) => {
            let (status, errors) = form_errors(e)?;
            let forms = MemberForms { organisation: form, ..Default::default() };
            with_status(members_page(&state, &viewer, forms, None, "organisation", errors).await, status)
        }
    }
}
