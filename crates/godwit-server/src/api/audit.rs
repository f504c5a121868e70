//! The audit trail, for auditors only.

use axum::extract::State;
use godwit_domain::user::Role;
use godwit_store::audit::{AuditQuery, AuditRecord, VerifyReport};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;

fn require_auditor(caller: &Caller) -> Result<(), ApiError> {
    if caller.user.has(Role::Auditor) { Ok(()) } else { Err(ApiError::forbidden("only auditors read the audit trail")) }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Records after this sequence number.
    pub after: Option<i64>,
    pub action: Option<String>,
    pub member: Option<String>,
    pub target: Option<String>,
    /// 1 to 1000; default 100.
    pub limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = [AuditRecord]), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<AuditParams>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    require_auditor(&caller)?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
    }
    let query = AuditQuery {
        after_seq: params.after,
        action: params.action,
        actor_member: params.member,
        target: params.target,
        limit,
    };
    Ok(Json(state.store.audit_records(&query).await?))
}

#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", responses((status = 200, body = VerifyReport), (status = 403, body = crate::error::Problem)))]
pub async fn verify(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<VerifyReport>> {
    require_auditor(&caller)?;
    Ok(Json(state.store.verify_audit().await?))
}
