//! Saved searches and their notifications: `/api/v1/saved-searches` (the
//! caller's own only), `/api/v1/notifications` (with the notices of early
//! warning and collection plans, `crate::notices`) and the channels those
//! notices take. Matching and delivery are the notifier's (`crate::notify`).

use axum::extract::State;
use axum::http::StatusCode;
use godwit_domain::Timestamp;
use godwit_domain::marking::ClassificationScale;
use godwit_search::SearchQuery;
use godwit_store::notices::NoticeChannels;
use godwit_store::subscriptions::{DeliveryProblem, Notification, SavedSearch, SavedSearchInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::web::search::PageQuery;

/// The search a stored query string describes, checked as the search page
/// checks it; every problem is reported on the `query` field.
pub fn search_query(text: &str, scale: &ClassificationScale) -> ApiResult<SearchQuery> {
    let as_query = |e: ApiError| ApiError::invalid("query", e.summary());
    PageQuery::parse(text)?.to_params().and_then(|p| p.to_query(scale)).map_err(as_query)
}

/// A saved search as its owner writes it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedSearchRequest {
    /// 1 to 100 characters.
    pub name: String,
    /// The search page's parameters as a query string: `q`, `kind`, `category`,
    /// `originator`, `country`, `country_role`, `environment`, `tag`,
    /// `classification`, `tlp`, `state`, `from` and `until` (dates), e.g.
    /// `q=passport&kind=alert`. Empty matches every item the owner may read.
    #[serde(default)]
    pub query: String,
    /// List matches on the notifications page (default true).
    #[serde(default = "yes")]
    pub notify_portal: bool,
    /// Email matches to the owner's address, when the node has an SMTP relay.
    #[serde(default)]
    pub notify_email: bool,
    /// POST each match (`{subscription, item_id, title, url}`) here; http or https.
    #[serde(default)]
    pub webhook_url: Option<String>,
}

fn yes() -> bool {
    true
}

/// A saved search as its owner sees it.
#[derive(Serialize, ToSchema)]
pub struct SavedSearchView {
    #[serde(flatten)]
    pub search: SavedSearch,
    /// The search page showing what it finds now.
    pub run_url: String,
    /// The last email or webhook delivery that failed, if the latest attempt did.
    pub delivery_problem: Option<DeliveryProblem>,
}

/// Whether the caller may keep saved searches: only people who read items.
fn reader(caller: &Caller) -> ApiResult<()> {
    if caller.subject.reads_content() {
        Ok(())
    } else {
        Err(ApiError::forbidden("saved searches are for users who read items"))
    }
}

/// The request checked and normalised: the query re-encoded as the search
/// page writes it, an empty webhook URL taken as none. Every bad field is
/// reported at once.
pub fn input(state: &AppState, request: SavedSearchRequest) -> ApiResult<SavedSearchInput> {
    let mut input = SavedSearchInput {
        name: request.name.trim().to_owned(),
        query: request.query.clone(),
        notify_portal: request.notify_portal,
        notify_email: request.notify_email,
        webhook_url: request.webhook_url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()),
    };
    let mut errors = input.validate().err().unwrap_or_default();
    match search_query(&request.query, &state.store.scale()) {
        Ok(_) => input.query = PageQuery::parse(&request.query)?.encoded(),
        Err(e) => errors.0.extend(e.errors),
    }
    if errors.is_empty() { Ok(input) } else { Err(godwit_store::StoreError::from(errors).into()) }
}

pub async fn view(state: &AppState, search: SavedSearch) -> ApiResult<SavedSearchView> {
    let delivery_problem = state.store.delivery_problem(search.id).await?;
    Ok(SavedSearchView { run_url: format!("/search?{}", search.query), search, delivery_problem })
}

#[utoipa::path(get, path = "/api/v1/saved-searches", tag = "saved searches",
    responses((status = 200, body = [SavedSearchView]), (status = 403, body = crate::error::Problem)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<SavedSearchView>>> {
    reader(&caller)?;
    let mut out = Vec::new();
    for search in state.store.saved_searches_of(caller.user.id).await? {
        out.push(view(&state, search).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/saved-searches", tag = "saved searches", request_body = SavedSearchRequest,
    responses((status = 201, body = SavedSearchView), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<SavedSearchRequest>,
) -> ApiResult<(StatusCode, Json<SavedSearchView>)> {
    reader(&caller)?;
    let input = input(&state, request)?;
    let saved = state.store.create_saved_search(caller.user.id, &caller.user.member, &input).await?;
    Ok((StatusCode::CREATED, Json(view(&state, saved).await?)))
}

#[utoipa::path(get, path = "/api/v1/saved-searches/{id}", tag = "saved searches", params(("id" = Uuid, Path)),
    responses((status = 200, body = SavedSearchView), (status = 404, body = crate::error::Problem)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<SavedSearchView>> {
    reader(&caller)?;
    let saved = state.store.saved_search(caller.user.id, id).await?;
    Ok(Json(view(&state, saved).await?))
}

#[utoipa::path(put, path = "/api/v1/saved-searches/{id}", tag = "saved searches", params(("id" = Uuid, Path)),
    request_body = SavedSearchRequest,
    responses((status = 200, body = SavedSearchView), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(request): Json<SavedSearchRequest>,
) -> ApiResult<Json<SavedSearchView>> {
    reader(&caller)?;
    let input = input(&state, request)?;
    let saved = state.store.update_saved_search(caller.user.id, &caller.user.member, id, &input).await?;
    Ok(Json(view(&state, saved).await?))
}

#[utoipa::path(delete, path = "/api/v1/saved-searches/{id}", tag = "saved searches", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    reader(&caller)?;
    if state.store.delete_saved_search(caller.user.id, &caller.user.member, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("saved search"))
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// Only unread ones.
    #[serde(default)]
    pub unread: bool,
    /// 1 to 200; default 50.
    pub limit: Option<u64>,
}

/// A notification as its owner sees it.
#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    #[serde(flatten)]
    pub notification: Notification,
    /// The page of the item, the requirement or the request.
    pub url: String,
}

/// The caller's portal notifications and how many are unread.
#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub notifications: Vec<NotificationView>,
    pub unread: i64,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "saved searches", params(NotificationParams),
    responses((status = 200, body = NotificationList), (status = 422, body = crate::error::Problem)))]
pub async fn notifications(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<NotificationParams>,
) -> ApiResult<Json<NotificationList>> {
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 200"));
    }
    let list = state.store.notifications_of(caller.user.id, params.unread, limit).await?;
    Ok(Json(NotificationList {
        unread: state.store.unread_notifications(caller.user.id).await?,
        notifications: list
            .into_iter()
            .map(|n| NotificationView { url: crate::notices::path_of(n.kind, n.item_id), notification: n })
            .collect(),
    }))
}

/// Which notifications to mark read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// These; absent with `all`.
    #[serde(default)]
    pub ids: Vec<Uuid>,
    /// Every unread notification of the caller.
    #[serde(default)]
    pub all: bool,
}

/// How many notifications changed.
#[derive(Serialize, ToSchema)]
pub struct Marked {
    pub marked: u64,
    pub read_at: Timestamp,
}

#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "saved searches", request_body = MarkRead,
    responses((status = 200, body = Marked), (status = 422, body = crate::error::Problem)))]
pub async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<MarkRead>,
) -> ApiResult<Json<Marked>> {
    // Exactly one of the two: `all` with no ids, or ids without `all`.
    if request.all != request.ids.is_empty() {
        return Err(ApiError::invalid("ids", "give either ids or all, not both"));
    }
    if request.ids.len() > 500 {
        return Err(ApiError::invalid("ids", "at most 500 at once"));
    }
    let ids = (!request.all).then_some(request.ids.as_slice());
    let marked = state.store.mark_notifications_read(caller.user.id, ids).await?;
    Ok(Json(Marked { marked, read_at: state.store.clock().now() }))
}

#[utoipa::path(get, path = "/api/v1/notifications/channels", tag = "saved searches",
    responses((status = 200, body = NoticeChannels)))]
/// How the caller takes the notices of early warning and collection plans
/// besides the portal (saved searches keep their own channels).
pub async fn channels(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<NoticeChannels>> {
    Ok(Json(state.store.notice_channels(caller.user.id).await?))
}

#[utoipa::path(put, path = "/api/v1/notifications/channels", tag = "saved searches", request_body = NoticeChannels,
    responses((status = 200, body = NoticeChannels), (status = 422, body = crate::error::Problem)))]
/// Sets the caller's channels for notices; audited as `notice_channels.update`.
pub async fn put_channels(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<NoticeChannels>,
) -> ApiResult<Json<NoticeChannels>> {
    Ok(Json(state.store.set_notice_channels(caller.user.id, &caller.user.member, &request).await?))
}
