//! Who is calling: sessions (cookie or bearer) and API tokens, checked on every
//! request by the [`Caller`] extractor. SECURITY-CRITICAL.
//!
//! - Session tokens are 256-bit random values; the database keeps their SHA-256.
//!   Browsers carry them in an HttpOnly, SameSite=Strict cookie; scripts and
//!   tools may send the same token as `Authorization: Bearer`.
//! - Writes authenticated by the cookie must carry the session's CSRF token in
//!   the `X-CSRF-Token` header (bearer requests are not sent by browsers on
//!   their own, so they need none).
//! - API tokens (`gwt_…`) are for machine clients: scoped (`read`, `write`),
//!   expiring, revocable, hashed at rest. Sent as `Authorization: Bearer`, or
//!   as the password of `Basic` for clients that know only that (TAXII's);
//!   Basic never takes an account's password.
//! - A user whose roles require TOTP and who has not enrolled yet may only
//!   enrol ([`EnrollingCaller`]); every other route refuses them.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use base64::Engine;
use godwit_domain::Timestamp;
use godwit_domain::user::{Subject, User};
use godwit_store::users::SessionRecord;

use crate::auth::credentials::{random_token, token_hash};
use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "godwit_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const API_TOKEN_PREFIX: &str = "gwt_";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum AuthVia {
    /// The browser's cookie; pages put `csrf_token` in every form they render.
    SessionCookie {
        id_hash: String,
        csrf_token: String,
    },
    SessionBearer {
        id_hash: String,
    },
    ApiToken {
        id: String,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub subject: Subject,
    pub via: AuthVia,
}

impl Caller {
    /// The session this request belongs to, if it came with one.
    pub fn session_hash(&self) -> Option<&str> {
        match &self.via {
            AuthVia::SessionCookie { id_hash, .. } | AuthVia::SessionBearer { id_hash } => Some(id_hash),
            AuthVia::ApiToken { .. } => None,
        }
    }
}

/// A caller who may still be enrolling in TOTP.
pub struct EnrollingCaller(pub Caller);

fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The token in the `Authorization` header.
enum SentToken<'a> {
    /// `Bearer TOKEN`: a session token or an API token.
    Bearer(&'a str),
    /// `Basic` with an API token as the password, for clients that know no
    /// other scheme (TAXII's). The user name must be the token's owner's.
    Basic { username: String, token: String },
}

fn sent_token(parts: &Parts) -> Result<Option<SentToken<'_>>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| ApiError::unauthenticated("the Authorization header is not text"))?;
    if let Some(token) = value.strip_prefix("Bearer ") {
        return Ok(Some(SentToken::Bearer(token.trim())));
    }
    let basic = value.strip_prefix("Basic ").ok_or_else(|| {
        ApiError::unauthenticated("the Authorization header takes Bearer or Basic (with an API token as the password)")
    })?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| ApiError::unauthenticated("the Basic credentials are not base64 of user:password"))?;
    let (username, token) = decoded
        .split_once(':')
        .ok_or_else(|| ApiError::unauthenticated("the Basic credentials are not base64 of user:password"))?;
    if !token.starts_with(API_TOKEN_PREFIX) {
        return Err(ApiError::unauthenticated(
            "Basic authentication takes an API token (gwt_…) as the password, never the account's password",
        ));
    }
    Ok(Some(SentToken::Basic { username: username.to_owned(), token: token.to_owned() }))
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Compares two secrets in time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn check_session(state: &AppState, token: &str) -> Result<(SessionRecord, String), ApiError> {
    let id_hash = token_hash(token);
    let session = state
        .store
        .session(&id_hash)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("the session is not known; sign in again"))?;
    let now = state.store.clock().now();
    let max_end = session.created_at + state.config.session_max_hours * 3_600_000;
    if session.revoked || session.expires_at <= now.0 || max_end <= now.0 {
        return Err(ApiError::unauthenticated("the session has ended; sign in again"));
    }
    if now.0 - session.last_seen_at > 30_000 {
        let expires = (now.0 + state.config.session_idle_minutes * 60_000).min(max_end);
        state.store.touch_session(&id_hash, Timestamp(expires)).await?;
    }
    Ok((session, id_hash))
}

/// Where a write authenticated by the session cookie carries the CSRF token:
/// scripts send the `X-CSRF-Token` header, the portal's forms a `csrf` field.
pub(crate) enum CsrfToken<'a> {
    Header,
    FormField(&'a str),
}

/// Resolves the request's credentials to a caller, and whether the caller still
/// has to enrol a second factor.
pub(crate) async fn authenticate(
    parts: &Parts,
    state: &AppState,
    csrf: CsrfToken<'_>,
) -> Result<(Caller, bool), ApiError> {
    let now = state.store.clock().now();
    let sent = sent_token(parts)?;
    let (api_token, basic_user) = match &sent {
        Some(SentToken::Bearer(token)) if token.starts_with(API_TOKEN_PREFIX) => (Some(*token), None),
        Some(SentToken::Basic { username, token }) => (Some(token.as_str()), Some(username.as_str())),
        _ => (None, None),
    };
    let (user_id, via) = match (api_token, &sent) {
        (Some(token), _) => {
            let record = state
                .store
                .api_token_by_hash(&token_hash(token))
                .await?
                .ok_or_else(|| ApiError::unauthenticated("the API token is not known"))?;
            if record.revoked || record.expires_at <= now.0 {
                return Err(ApiError::unauthenticated("the API token has expired or was revoked"));
            }
            if is_write(&parts.method) && !record.scopes.split(',').any(|s| s == "write") {
                return Err(ApiError::forbidden("this API token may only read"));
            }
            if record.last_used_at.is_none_or(|t| now.0 - t > 60_000) {
                state.store.mark_api_token_used(&record.id).await?;
            }
            (record.user_id, AuthVia::ApiToken { id: record.id })
        }
        (None, Some(SentToken::Bearer(token))) => {
            let (session, id_hash) = check_session(state, token).await?;
            (session.user_id, AuthVia::SessionBearer { id_hash })
        }
        (None, _) => {
            let token =
                cookie_value(parts, SESSION_COOKIE).ok_or_else(|| ApiError::unauthenticated("sign in first"))?;
            let (session, id_hash) = check_session(state, token).await?;
            if is_write(&parts.method) {
                let (sent, missing) = match csrf {
                    CsrfToken::Header => (
                        parts.headers.get(CSRF_HEADER).map(|v| v.as_bytes()).unwrap_or_default(),
                        "missing or wrong X-CSRF-Token header",
                    ),
                    CsrfToken::FormField(value) => {
                        (value.as_bytes(), "the form has expired; reload the page and try again")
                    }
                };
                if !constant_time_eq(sent, session.csrf_token.as_bytes()) {
                    return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf", missing));
                }
            }
            (session.user_id, AuthVia::SessionCookie { id_hash, csrf_token: session.csrf_token })
        }
    };
    let id = uuid::Uuid::parse_str(&user_id).map_err(|_| ApiError::internal())?;
    let record = state.store.user(id).await?;
    if basic_user.is_some_and(|name| name != record.user.username) {
        return Err(ApiError::unauthenticated("the API token is not this user's"));
    }
    if record.user.disabled {
        return Err(ApiError::unauthenticated("the account is disabled"));
    }
    let totp_pending = record.user.requires_totp() && !record.totp_enabled;
    let subject = state.store.subject_for(&record.user).await?;
    Ok((Caller { user: record.user, subject, via }, totp_pending))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (caller, totp_pending) = authenticate(parts, state, CsrfToken::Header).await?;
        if totp_pending {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "totp_enrolment_required",
                "your roles require a second factor: enrol with POST /api/v1/auth/totp/enrol first",
            ));
        }
        Ok(caller)
    }
}

impl FromRequestParts<AppState> for EnrollingCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(EnrollingCaller(authenticate(parts, state, CsrfToken::Header).await?.0))
    }
}

/// A new session: the token goes to the client once, its hash to the database.
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

pub async fn start_session(state: &AppState, user: &User, user_agent: &str) -> Result<NewSession, ApiError> {
    let now = state.store.clock().now();
    let token = random_token();
    let csrf_token = random_token();
    let expires_at = Timestamp(now.0 + state.config.session_idle_minutes * 60_000);
    state
        .store
        .create_session(&SessionRecord {
            id_hash: token_hash(&token),
            user_id: user.id.to_string(),
            csrf_token: csrf_token.clone(),
            created_at: now.0,
            expires_at: expires_at.0,
            last_seen_at: now.0,
            revoked: false,
            user_agent: user_agent.chars().filter(|c| !c.is_control()).take(200).collect(),
        })
        .await?;
    Ok(NewSession { token, csrf_token, expires_at })
}

/// The `Set-Cookie` value carrying a session token. The cookie lives as long as
/// the browser session; the server decides when the session itself ends.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn expired_session_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_and_strict() {
        let cookie = session_cookie("abc", true);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.ends_with("Secure"));
        assert!(!session_cookie("abc", false).contains("Secure"));
        assert!(expired_session_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn secrets_compare_in_full() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
