//! What a signed-in person does to their own account: change the password and
//! enrol a second factor. Shared by the JSON API and the portal.

use axum::http::StatusCode;
use godwit_domain::user::password_policy_violation;
use godwit_store::audit::AuditEvent;

use crate::auth::Caller;
use crate::auth::credentials::{hash_password, new_totp_secret, totp_url, verify_password, verify_totp};
use crate::auth::sign_in::unix_seconds;
use crate::error::ApiError;
use crate::state::AppState;

/// Replaces the password after checking the current one and the policy, and
/// ends every other session of the account.
pub async fn change_password(state: &AppState, caller: &Caller, current: &str, new: &str) -> Result<(), ApiError> {
    let record = state.store.user(caller.user.id).await?;
    if !verify_password(current, &record.password_hash) {
        return Err(ApiError::invalid("current_password", "is not your current password"));
    }
    if let Some(problem) = password_policy_violation(new, &caller.user.username) {
        return Err(ApiError::invalid("new_password", problem));
    }
    let hash = hash_password(new).map_err(|_| ApiError::internal())?;
    state
        .store
        .set_password_hash(
            caller.user.id,
            &hash,
            AuditEvent::new("password.change").by(caller.user.id, &caller.user.member),
        )
        .await?;
    // Whoever may have known the old password loses every other session.
    for session in state.store.sessions_of(caller.user.id).await? {
        if caller.session_hash() != Some(session.id_hash.as_str()) {
            state.store.revoke_session(caller.user.id, &session.id_hash).await?;
        }
    }
    Ok(())
}

/// Starts (or restarts) enrolment: a new secret, not yet in force. Returns the
/// base32 secret and its `otpauth://` URL.
pub async fn start_totp_enrolment(state: &AppState, caller: &Caller) -> Result<(String, String), ApiError> {
    let record = state.store.user(caller.user.id).await?;
    if record.totp_enabled {
        return Err(ApiError::new(StatusCode::CONFLICT, "conflict", "a second factor is already enrolled"));
    }
    let secret = new_totp_secret();
    let otpauth_url = totp_url(&secret, &caller.user.username).map_err(|_| ApiError::internal())?;
    state
        .store
        .set_totp(
            caller.user.id,
            Some(&secret),
            false,
            AuditEvent::new("totp.enrol.start").by(caller.user.id, &caller.user.member),
        )
        .await?;
    Ok((secret, otpauth_url))
}

/// Puts the pending secret in force once the person proves they hold it.
pub async fn confirm_totp(state: &AppState, caller: &Caller, code: &str) -> Result<(), ApiError> {
    let record = state.store.user(caller.user.id).await?;
    let secret = record
        .totp_secret
        .filter(|_| !record.totp_enabled)
        .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "conflict", "start enrolment first"))?;
    if !verify_totp(&secret, code, unix_seconds(state.store.clock().now())) {
        return Err(ApiError::invalid("code", "does not match; check the time on your device"));
    }
    state
        .store
        .set_totp(
            caller.user.id,
            Some(&secret),
            true,
            AuditEvent::new("totp.enrol").by(caller.user.id, &caller.user.member),
        )
        .await?;
    Ok(())
}
