//! Who is looking at a page. SECURITY-CRITICAL.
//!
//! Pages authenticate with the session cookie only. [`Viewer`] may only be
//! extracted on reads (GET/HEAD); every write goes through [`WebForm`] or
//! [`WebMultipart`], which take the CSRF token from the form itself before the
//! session is accepted, so no form handler can forget the check.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::auth::Caller;
use crate::auth::session::{AuthVia, CsrfToken, SESSION_COOKIE, authenticate};
use crate::state::AppState;
use crate::web::page::WebError;

/// A signed-in person looking at the portal.
pub struct Viewer {
    pub caller: Caller,
    /// The session's CSRF token, for the forms the page renders.
    pub csrf: String,
    /// Unread notifications of saved searches, for the bell in the header.
    pub unread_notifications: i64,
}

/// Where to come back to after signing in: the page asked for. A form posted
/// after the session ended goes back to the front page (its draft stays in the
/// browser, see `static/godwit.js`).
fn return_path(parts: &Parts) -> String {
    match parts.method {
        Method::GET => parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into()),
        _ => "/".into(),
    }
}

/// Pages a person who still has to enrol a second factor may see.
fn enrolment_page(path: &str) -> bool {
    path.starts_with("/account/totp") || path == "/logout"
}

async fn resolve(parts: &Parts, state: &AppState, csrf: CsrfToken<'_>) -> Result<Viewer, WebError> {
    let has_cookie = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(';').any(|pair| pair.trim().starts_with(&format!("{SESSION_COOKIE}="))));
    if !has_cookie {
        return Err(WebError::SignIn { next: return_path(parts), notice: None });
    }
    let (caller, totp_pending) = match authenticate(parts, state, csrf).await {
        Ok(found) => found,
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            return Err(WebError::SignIn { next: return_path(parts), notice: e.detail });
        }
        Err(e) => return Err(e.into()),
    };
    let AuthVia::SessionCookie { csrf_token, .. } = &caller.via else {
        return Err(WebError::SignIn { next: return_path(parts), notice: None });
    };
    if totp_pending && !enrolment_page(parts.uri.path()) {
        return Err(WebError::EnrolTotp);
    }
    let csrf = csrf_token.clone();
    let unread_notifications = state.store.unread_notifications(caller.user.id).await?;
    Ok(Viewer { caller, csrf, unread_notifications })
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if !matches!(parts.method, Method::GET | Method::HEAD) {
            // A programming error: writes must use WebForm or WebMultipart.
            tracing::error!(path = %parts.uri.path(), "a portal write handler extracted Viewer instead of WebForm");
            return Err(WebError::page(StatusCode::METHOD_NOT_ALLOWED, "This page only reads."));
        }
        resolve(parts, state, CsrfToken::Header).await
    }
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// A submitted form (`application/x-www-form-urlencoded`) and the viewer who
/// sent it, accepted only with the session's CSRF token in its `csrf` field.
pub struct WebForm<T> {
    pub viewer: Viewer,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for WebForm<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let form_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form_type {
            return Err(WebError::page(StatusCode::UNSUPPORTED_MEDIA_TYPE, "This page accepts only its own form."));
        }
        let (parts, body) = req.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| WebError::page(e.status(), "The form is too large or was cut off."))?;
        let token: CsrfField = serde_html_form::from_bytes(&bytes).unwrap_or(CsrfField { csrf: String::new() });
        let viewer = resolve(&parts, state, CsrfToken::FormField(&token.csrf)).await?;
        let form = serde_html_form::from_bytes(&bytes)
            .map_err(|e| WebError::page(StatusCode::BAD_REQUEST, format!("The form could not be read: {e}.")))?;
        Ok(WebForm { viewer, form })
    }
}

/// A `multipart/form-data` form whose first field is `csrf`, and its viewer;
/// the remaining fields are left for the handler to read.
pub struct WebMultipart {
    pub viewer: Viewer,
    pub fields: Multipart,
}

impl FromRequest<AppState> for WebMultipart {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let mut fields = Multipart::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| WebError::page(e.status(), "This page accepts only its own upload form."))?;
        let first = fields.next_field().await.map_err(|e| WebError::page(e.status(), e.body_text()))?;
        let token = match first {
            Some(field) if field.name() == Some("csrf") => {
                field.text().await.map_err(|e| WebError::page(e.status(), e.body_text()))?
            }
            _ => String::new(),
        };
        let viewer = resolve(&parts, state, CsrfToken::FormField(&token)).await?;
        Ok(WebMultipart { viewer, fields })
    }
}
