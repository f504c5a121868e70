//! Accounts: administrators manage all, a national focal point its member's,
//! an organisational focal point its organisation's. Nobody grants more
//! clearance than they hold or a role beyond their reach. The rules live in
//! [`crate::admin`], shared with the portal.

use axum::extract::State;
use axum::http::StatusCode;
use godwit_domain::user::User;
use uuid::Uuid;

use crate::admin;
pub use crate::admin::{NewUser, UserUpdate};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = [User]), (status = 403, body = crate::error::Problem)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(admin::managed_users(&state, &caller.user).await?))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    Ok((StatusCode::CREATED, Json(admin::create_user(&state, &caller.user, new).await?)))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)), request_body = UserUpdate,
    responses((status = 200, body = User), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(change): Json<UserUpdate>,
) -> ApiResult<Json<User>> {
    Ok(Json(admin::update_user(&state, &caller.user, id, change).await?))
}
