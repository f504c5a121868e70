//! A person's own account: password, second factor, sessions, API tokens.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::Timestamp;
use serde::Deserialize;

use crate::admin::{self, NewApiToken};
use crate::auth::account;
use crate::auth::credentials::totp_url;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::admin::{TokenRow, token_rows};
use crate::web::forms::{FieldErrors, when};
use crate::web::page::{Chrome, WebError, render, role_label};
use crate::web::signin::NoFields;
use crate::web::viewer::{Viewer, WebForm};

pub struct SessionRow {
    pub id: String,
    pub started: String,
    pub last_seen: String,
    pub user_agent: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    username: String,
    member: String,
    roles: Vec<&'static str>,
    clearance: String,
    totp_enabled: bool,
    sessions: Vec<SessionRow>,
    done: Option<&'static str>,
    errors: FieldErrors,
    tokens: Vec<TokenRow>,
    token_base: &'static str,
    /// A token just created: shown this once.
    new_token: Option<String>,
    token_errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

async fn account_page(
    state: &AppState,
    viewer: &Viewer,
    done: Option<&'static str>,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    tokens_page(state, viewer, done, errors, None, FieldErrors::default()).await
}

async fn tokens_page(
    state: &AppState,
    viewer: &Viewer,
    done: Option<&'static str>,
    errors: FieldErrors,
    new_token: Option<String>,
    token_errors: FieldErrors,
) -> Result<Response, WebError> {
    let caller = &viewer.caller;
    let record = state.store.user(caller.user.id).await?;
    let sessions = state
        .store
        .sessions_of(caller.user.id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            id: s.id_hash.chars().take(16).collect(),
            current: caller.session_hash() == Some(s.id_hash.as_str()),
            started: when(Timestamp(s.created_at)),
            last_seen: when(Timestamp(s.last_seen_at)),
            user_agent: s.user_agent,
        })
        .collect();
    let status =
        if errors.is_empty() && token_errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = AccountPage {
        chrome: Chrome::new(viewer, "Your account", "/account"),
        username: caller.user.username.clone(),
        member: caller.user.member.to_string(),
        roles: caller.user.roles.iter().map(|r| role_label(*r)).collect(),
        clearance: state.store.scale().name(caller.user.clearance).to_owned(),
        totp_enabled: record.totp_enabled,
        sessions,
        done,
        errors,
        tokens: token_rows(state, caller.user.id).await?,
        token_base: "/account/tokens",
        new_token,
        token_errors,
    };
    render(&page).map(|html| (status, html).into_response())
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Query(q): Query<Done>) -> Result<Response, WebError> {
    let done = match q.done.as_deref() {
        Some("password") => Some("Your password has been changed; your other sessions have ended."),
        Some("session") => Some("The session has been ended."),
        Some("totp") => Some("Your second factor is enrolled."),
        Some("token") => Some("The API token has been revoked."),
        _ => None,
    };
    account_page(&state, &viewer, done, FieldErrors::default()).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<PasswordForm>,
) -> Result<Response, WebError> {
    if form.new_password != form.repeat_password {
        let errors = FieldErrors::one("repeat_password", "does not match the new password");
        return account_page(&state, &viewer, None, errors).await;
    }
    match account::change_password(&state, &viewer.caller, &form.current_password, &form.new_password).await {
        Ok(()) => Ok(Redirect::to("/account?done=password").into_response()),
        Err(e) if !e.errors.is_empty() => account_page(&state, &viewer, None, FieldErrors::from(&e)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { viewer, .. }: WebForm<NoFields>,
) -> Result<Response, WebError> {
    let caller = &viewer.caller;
    let session = state
        .store
        .sessions_of(caller.user.id)
        .await?
        .into_iter()
        .find(|s| id.len() >= 16 && s.id_hash.starts_with(&id))
        .ok_or_else(WebError::not_found)?;
    state.store.revoke_session(caller.user.id, &session.id_hash).await?;
    if caller.session_hash() == Some(session.id_hash.as_str()) {
        return Ok(Redirect::to("/login?notice=You%20ended%20this%20session.").into_response());
    }
    Ok(Redirect::to("/account?done=session").into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token_name: String,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    expires_in_days: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<TokenForm>,
) -> Result<Response, WebError> {
    let Ok(expires_in_days) = form.expires_in_days.trim().parse::<i64>() else {
        let errors = FieldErrors::one("expires_in_days", "must be a number of days");
        return tokens_page(&state, &viewer, None, FieldErrors::default(), None, errors).await;
    };
    let request = NewApiToken { name: form.token_name, scopes: form.scopes, expires_in_days };
    match admin::create_token(&state, &viewer.caller, &request).await {
        // Not a redirect: the secret is in this response and nowhere else.
        Ok((token, _)) => {
            let done = Some("Your API token has been created. Copy it now: it is not shown again.");
            tokens_page(&state, &viewer, done, FieldErrors::default(), Some(token), FieldErrors::default()).await
        }
        Err(e) if !e.errors.is_empty() => {
            let errors =
                FieldErrors::from_api(&e, |f| Some(if f == "name" { "token_name".into() } else { f.to_owned() }));
            tokens_page(&state, &viewer, None, FieldErrors::default(), None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { viewer, .. }: WebForm<NoFields>,
) -> Result<Response, WebError> {
    let me = &viewer.caller.user;
    admin::revoke_token(&state, me, me.id, &id).await?;
    Ok(Redirect::to("/account?done=token").into_response())
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    chrome: Chrome,
    enabled: bool,
    required: bool,
    /// The pending secret and its QR code, once enrolment has started.
    pending: Option<(String, String)>,
    errors: FieldErrors,
}

/// The `otpauth://` URL as an SVG QR code, drawn here: nothing leaves the node.
fn qr_svg(url: &str) -> Result<String, WebError> {
    let code = qrcode::QrCode::new(url.as_bytes())
        .map_err(|_| WebError::page(StatusCode::INTERNAL_SERVER_ERROR, "The QR code could not be drawn."))?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    // Inline in the page: drop the XML declaration.
    Ok(svg.find("<svg").map(|at| svg[at..].to_owned()).unwrap_or(svg))
}

async fn totp_page(state: &AppState, viewer: &Viewer, errors: FieldErrors) -> Result<Response, WebError> {
    let caller = &viewer.caller;
    let record = state.store.user(caller.user.id).await?;
    let pending = match (&record.totp_secret, record.totp_enabled) {
        (Some(secret), false) => {
            let url = totp_url(secret, &caller.user.username).map_err(|_| ApiError::internal())?;
            Some((secret.clone(), qr_svg(&url)?))
        }
        _ => None,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = TotpPage {
        chrome: Chrome::new(viewer, "Second factor", "/account"),
        enabled: record.totp_enabled,
        required: caller.user.requires_totp(),
        pending,
        errors,
    };
    render(&page).map(|html| (status, html).into_response())
}

pub async fn totp_page_get(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    totp_page(&state, &viewer, FieldErrors::default()).await
}

pub async fn totp_start(
    State(state): State<AppState>,
    WebForm { viewer, .. }: WebForm<NoFields>,
) -> Result<Response, WebError> {
    account::start_totp_enrolment(&state, &viewer.caller).await?;
    totp_page(&state, &viewer, FieldErrors::default()).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    code: String,
}

pub async fn totp_confirm(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<ConfirmForm>,
) -> Result<Response, WebError> {
    match account::confirm_totp(&state, &viewer.caller, form.code.trim()).await {
        Ok(()) => Ok(Redirect::to("/account?done=totp").into_response()),
        Err(e) if !e.errors.is_empty() => totp_page(&state, &viewer, FieldErrors::from(&e)).await,
        Err(e) => Err(e.into()),
    }
}
