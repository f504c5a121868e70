//! Sign-in, sessions, second factor, password change and API tokens.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use godwit_domain::Timestamp;
use godwit_domain::user::User;
use godwit_store::audit::AuditEvent;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin;
pub use crate::admin::NewApiToken;
use crate::auth::account;
use crate::auth::session::{expired_session_cookie, session_cookie};
use crate::auth::sign_in::{Attempt, SignedIn, sign_in};
use crate::auth::{Caller, EnrollingCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientAddr, Json, Path};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The 6-digit code, for accounts with a second factor.
    #[serde(default)]
    pub totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer …`; the same token is set as a cookie.
    pub token: String,
    /// Send as `X-CSRF-Token` on writes authenticated by the cookie.
    pub csrf_token: String,
    pub expires_at: Timestamp,
    pub user: User,
    /// True when the user's roles require TOTP and none is enrolled yet.
    pub totp_enrolment_required: bool,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::Problem), (status = 423, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> ApiResult<Response> {
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let attempt = Attempt {
        username: &request.username,
        password: &request.password,
        totp: request.totp.as_deref(),
        addr,
        user_agent,
    };
    let SignedIn { record, session } = sign_in(&state, attempt).await?;
    let cookie = session_cookie(&session.token, state.config.tls);
    let body = LoginResponse {
        token: session.token,
        csrf_token: session.csrf_token,
        expires_at: session.expires_at,
        totp_enrolment_required: record.user.requires_totp() && !record.totp_enabled,
        user: record.user,
    };
    Ok(([(header::SET_COOKIE, cookie)], axum::Json(body)).into_response())
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, EnrollingCaller(caller): EnrollingCaller) -> ApiResult<Response> {
    if let Some(hash) = caller.session_hash() {
        state.store.revoke_session(caller.user.id, hash).await?;
    }
    state.store.record(&[AuditEvent::new("logout").by(caller.user.id, &caller.user.member)]).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, expired_session_cookie(state.config.tls))]).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user: User,
    pub groups: Vec<String>,
    pub totp_enabled: bool,
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me)))]
pub async fn me(State(state): State<AppState>, EnrollingCaller(caller): EnrollingCaller) -> ApiResult<Json<Me>> {
    let record = state.store.user(caller.user.id).await?;
    Ok(Json(Me {
        groups: caller.subject.member_groups.into_iter().collect(),
        totp_enabled: record.totp_enabled,
        user: record.user,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    /// The first 16 hex digits of the session's hash: enough to name it.
    pub id: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub user_agent: String,
    pub current: bool,
}

#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", responses((status = 200, body = [SessionView])))]
pub async fn sessions(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<SessionView>>> {
    let sessions = state.store.sessions_of(caller.user.id).await?;
    Ok(Json(
        sessions
            .into_iter()
            .map(|s| SessionView {
                id: s.id_hash.chars().take(16).collect(),
                current: caller.session_hash() == Some(s.id_hash.as_str()),
                created_at: Timestamp(s.created_at),
                last_seen_at: Timestamp(s.last_seen_at),
                expires_at: Timestamp(s.expires_at),
                user_agent: s.user_agent,
            })
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let sessions = state.store.sessions_of(caller.user.id).await?;
    let session = sessions
        .iter()
        .find(|s| id.len() >= 16 && s.id_hash.starts_with(&id))
        .ok_or_else(|| ApiError::not_found("session"))?;
    state.store.revoke_session(caller.user.id, &session.id_hash).await?;
    state.store.record(&[AuditEvent::new("session.revoke").by(caller.user.id, &caller.user.member)]).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange, responses((status = 204), (status = 422, body = crate::error::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    EnrollingCaller(caller): EnrollingCaller,
    Json(change): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    account::change_password(&state, &caller, &change.current_password, &change.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// Base32 secret, for manual entry.
    pub secret: String,
    /// `otpauth://` URL, for a QR code.
    pub otpauth_url: String,
}

#[utoipa::path(post, path = "/api/v1/auth/totp/enrol", tag = "auth", responses((status = 200, body = TotpEnrolment)))]
pub async fn totp_enrol(
    State(state): State<AppState>,
    EnrollingCaller(caller): EnrollingCaller,
) -> ApiResult<Json<TotpEnrolment>> {
    let (secret, otpauth_url) = account::start_totp_enrolment(&state, &caller).await?;
    Ok(Json(TotpEnrolment { secret, otpauth_url }))
}

#[derive(Deserialize, ToSchema)]
pub struct TotpConfirm {
    pub code: String,
}

#[utoipa::path(post, path = "/api/v1/auth/totp/confirm", tag = "auth", request_body = TotpConfirm, responses((status = 204), (status = 409, description = "No enrolment started", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn totp_confirm(
    State(state): State<AppState>,
    EnrollingCaller(caller): EnrollingCaller,
    Json(confirm): Json<TotpConfirm>,
) -> ApiResult<StatusCode> {
    account::confirm_totp(&state, &caller, &confirm.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiToken {
    /// Shown once: keep it safe. Send as `Authorization: Bearer …`.
    pub token: String,
    pub id: String,
    pub expires_at: Timestamp,
}

#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth", request_body = NewApiToken, responses((status = 201, body = CreatedApiToken), (status = 422, body = crate::error::Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<NewApiToken>,
) -> ApiResult<(StatusCode, Json<CreatedApiToken>)> {
    let (token, record) = admin::create_token(&state, &caller, &request).await?;
    Ok((StatusCode::CREATED, Json(CreatedApiToken { token, id: record.id, expires_at: Timestamp(record.expires_at) })))
}

/// An API token as its owner sees it (never the secret or its hash).
#[derive(Serialize, ToSchema)]
pub struct ApiTokenView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked: bool,
}

#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth", responses((status = 200, body = [ApiTokenView])))]
pub async fn tokens(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<ApiTokenView>>> {
    let tokens = state.store.api_tokens_of(caller.user.id).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| ApiTokenView {
                scopes: t.scopes.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                created_at: Timestamp(t.created_at),
                expires_at: Timestamp(t.expires_at),
                last_used_at: t.last_used_at.map(Timestamp),
                revoked: t.revoked,
                id: t.id,
                name: t.name,
            })
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    admin::revoke_token(&state, &caller.user, caller.user.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
