//! Signing in with a password and, where enrolled, a TOTP code: one path for
//! the JSON API and the portal's form. SECURITY-CRITICAL.
//!
//! The order of checks is deliberate: throttle by address, then lockout, then
//! ask for a missing second factor before judging the password, so that no
//! answer tells whether a password without its code was right. Unknown users
//! cost the same argon2 work as known ones.

use std::net::IpAddr;

use axum::http::StatusCode;
use godwit_domain::Timestamp;
use godwit_store::audit::AuditEvent;
use godwit_store::users::UserRecord;

use crate::auth::credentials::{decoy_hash, verify_password, verify_totp};
use crate::auth::session::{NewSession, start_session};
use crate::error::ApiError;
use crate::state::AppState;

/// What a person typed to sign in, and where from.
pub struct Attempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub totp: Option<&'a str>,
    pub addr: Option<IpAddr>,
    pub user_agent: &'a str,
}

/// A successful sign-in: the account and its new session.
pub struct SignedIn {
    pub record: UserRecord,
    pub session: NewSession,
}

pub fn unix_seconds(t: Timestamp) -> u64 {
    u64::try_from(t.0 / 1000).unwrap_or_default()
}

fn bad_credentials() -> ApiError {
    ApiError::unauthenticated("wrong username, password or code")
}

/// Checks the credentials, records the outcome in the audit trail and starts a
/// session. Errors: 429 throttled, 423 locked, 401 `totp_required` or wrong.
pub async fn sign_in(state: &AppState, attempt: Attempt<'_>) -> Result<SignedIn, ApiError> {
    if !state.throttle.allow(attempt.addr) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many sign-in attempts; wait a minute",
        ));
    }
    let store = &state.store;
    let now = store.clock().now();
    let username = attempt.username.trim();
    let Some(record) = store.user_by_username(username).await? else {
        verify_password(attempt.password, decoy_hash());
        store
            .record(&[AuditEvent::new("login.failed")
                .on(username.chars().take(100).collect::<String>())
                .with(serde_json::json!({ "reason": "unknown user" }))])
            .await?;
        return Err(bad_credentials());
    };
    let user = &record.user;
    if let Some(until) = record.locked_until.filter(|until| *until > now) {
        store.record(&[AuditEvent::new("login.locked").by(user.id, &user.member).on(&user.username)]).await?;
        return Err(ApiError::new(
            StatusCode::LOCKED,
            "locked",
            format!(
                "the account is locked after repeated failed sign-ins until {} (UTC); ask your focal point if you need it sooner",
                until.to_rfc3339()
            ),
        ));
    }
    let code = attempt.totp.map(str::trim).filter(|code| !code.is_empty());
    if record.totp_enabled && code.is_none() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "totp_required",
            "enter the code from your authenticator app",
        ));
    }
    let password_ok = verify_password(attempt.password, &record.password_hash);
    let totp_ok = match (&record.totp_secret, record.totp_enabled) {
        (Some(secret), true) => code.is_some_and(|code| verify_totp(secret, code, unix_seconds(now))),
        _ => true,
    };
    if !password_ok || !totp_ok || user.disabled {
        let lock_until = Timestamp(now.0 + state.config.lockout_minutes * 60_000);
        let failures = store.record_login_failure(user.id, state.config.lockout_after_failures, lock_until).await?;
        let reason = if !password_ok {
            "password"
        } else if !totp_ok {
            "totp"
        } else {
            "disabled"
        };
        store
            .record(&[AuditEvent::new("login.failed")
                .by(user.id, &user.member)
                .on(&user.username)
                .with(serde_json::json!({ "reason": reason, "failures": failures }))])
            .await?;
        return Err(bad_credentials());
    }
    store.clear_login_failures(user.id).await?;
    let session = start_session(state, user, attempt.user_agent).await?;
    store.record(&[AuditEvent::new("login").by(user.id, &user.member).on(&user.username)]).await?;
    Ok(SignedIn { record, session })
}
