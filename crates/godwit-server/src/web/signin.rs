//! The sign-in page and signing out.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use godwit_store::audit::AuditEvent;
use serde::Deserialize;

use crate::auth::session::{expired_session_cookie, session_cookie};
use crate::auth::sign_in::{Attempt, sign_in};
use crate::extract::ClientAddr;
use crate::state::AppState;
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::WebForm;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    username: String,
    notice: Option<String>,
    error: Option<String>,
    ask_totp: bool,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    notice: Option<String>,
}

/// Only paths on this node, never `//elsewhere` or a full URL: no open redirect.
/// Browsers drop tabs and line breaks from a `Location` (`/\t/elsewhere` is
/// `//elsewhere` to them), and a header cannot carry control characters: only
/// visible ASCII is kept.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/login")
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            p.to_owned()
        }
        _ => "/".into(),
    }
}

pub async fn form(Query(query): Query<LoginQuery>) -> Result<Response, WebError> {
    render(&LoginPage {
        chrome: Chrome::public("Sign in"),
        next: local_path(query.next.as_deref()),
        username: String::new(),
        notice: query.notice.map(|n| n.chars().take(300).collect()),
        error: None,
        ask_totp: false,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = local_path(form.next.as_deref());
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let attempt = Attempt {
        username: &form.username,
        password: &form.password,
        totp: Some(form.totp.as_str()),
        addr,
        user_agent,
    };
    match sign_in(&state, attempt).await {
        Ok(signed_in) => {
            let cookie = session_cookie(&signed_in.session.token, state.config.tls);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        Err(e) if e.status.is_client_error() => {
            let page = LoginPage {
                chrome: Chrome::public("Sign in"),
                next,
                username: form.username.chars().take(100).collect(),
                notice: None,
                ask_totp: e.code == "totp_required",
                error: e.detail,
            };
            render(&page).map(|html| (e.status, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct NoFields {}

pub async fn logout(
    State(state): State<AppState>,
    WebForm { viewer, .. }: WebForm<NoFields>,
) -> Result<Response, WebError> {
    let caller = &viewer.caller;
    if let Some(hash) = caller.session_hash() {
        state.store.revoke_session(caller.user.id, hash).await?;
    }
    state.store.record(&[AuditEvent::new("logout").by(caller.user.id, &caller.user.member)]).await?;
    let cookie = expired_session_cookie(state.config.tls);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login?notice=You%20have%20signed%20out.")).into_response())
}
