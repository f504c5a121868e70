//! Items: list, read, write and move through the workflow. Every read goes
//! through the store's policy-checked functions.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use godwit_domain::Timestamp;
use godwit_domain::item::{AttachmentMeta, Category, Envelope, Item, ItemContent, ItemKind, ItemState};
use godwit_domain::marking::{ClassificationScale, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::requirement::{Priority, RequirementStatus};
use godwit_domain::user::Subject;
use godwit_domain::workflow::Action;
use godwit_store::items::{HistoryEntry, ItemFilter, ItemSummary, Method};
use godwit_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, OptionalJson, Path, Query};
use crate::state::AppState;

/// The marking of an item in words, as banners show it.
#[derive(Serialize, ToSchema)]
pub struct MarkingView {
    pub classification: String,
    pub tlp: String,
    pub caveats: Vec<String>,
    /// `RESTRICTED // TLP:AMBER // NOT FOR JUDICIAL USE`
    pub banner: String,
    /// Who may receive the item, in words.
    pub releasability: String,
}

impl MarkingView {
    pub fn of(item: &Item, scale: &ClassificationScale) -> Self {
        Self::of_envelope(&item.envelope(), scale)
    }

    /// The marking of anything released like an item (a threat register too).
    pub fn of_envelope(e: &Envelope, scale: &ClassificationScale) -> Self {
        let caveats: Vec<String> = e.caveats.labels().into_iter().map(String::from).collect();
        let classification = scale.name(e.classification).to_owned();
        let tlp = format!("TLP:{}", e.tlp.as_str());
        let mut banner = vec![classification.clone(), tlp.clone()];
        banner.extend(caveats.iter().cloned());
        let mut recipients: Vec<String> = vec![format!("{} (originator)", e.originator_member)];
        recipients.extend(e.release.members.iter().filter(|m| **m != e.originator_member).map(|m| m.to_string()));
        recipients.extend(e.release.groups.iter().map(|g| format!("group {g}")));
        if !e.release.organisations.is_empty() {
            recipients.push(format!("{} domestic organisation(s)", e.release.organisations.len()));
        }
        MarkingView {
            banner: banner.join(" // "),
            classification,
            tlp,
            caveats,
            releasability: format!("REL TO {}", recipients.join(", ")),
        }
    }
}

/// An item as a reader receives it.
#[derive(Serialize, ToSchema)]
pub struct ItemView {
    #[serde(flatten)]
    pub item: Item,
    pub marking: MarkingView,
    /// The body rendered to sanitised HTML.
    pub body_html: String,
    /// The source grading in words.
    pub grading_explained: Option<String>,
    /// The collection-plan requirements the item is linked to that the reader sees.
    pub requirements: Vec<LinkedRequirement>,
}

/// A requirement an item is linked to, as its page lists it.
#[derive(Serialize, ToSchema)]
pub struct LinkedRequirement {
    pub id: Uuid,
    pub reference: String,
    pub question: String,
    pub priority: Priority,
    pub status: RequirementStatus,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// The requirement's page.
    pub url: String,
}

impl LinkedRequirement {
    /// The requirements `subject` sees that `item` is linked to; `subject` may read the item.
    pub async fn of(store: &Store, subject: &Subject, item: Uuid) -> Result<Vec<LinkedRequirement>, StoreError> {
        Ok(store
            .requirements_linking(subject, item)
            .await?
            .into_iter()
            .map(|r| LinkedRequirement {
                url: format!("/plans/{}", r.id),
                id: r.id,
                reference: r.draft.reference,
                question: r.draft.question,
                priority: r.draft.priority,
                status: r.draft.status,
                due_on: r.draft.due_on,
            })
            .collect())
    }
}

impl ItemView {
    /// `item`, which `subject` may read, as they receive it.
    pub async fn of(store: &Store, subject: &Subject, item: Item) -> Result<Self, StoreError> {
        Ok(ItemView {
            marking: MarkingView::of(&item, &store.scale()),
            body_html: crate::markdown::render(&item.content.body),
            grading_explained: item.content.grading.as_ref().map(|g| g.explain()),
            requirements: LinkedRequirement::of(store, subject, item.id).await?,
            item,
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub kind: Option<ItemKind>,
    pub state: Option<ItemState>,
    pub category: Option<Category>,
    /// Member code of the originator.
    pub originator: Option<String>,
    /// `CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT` or `RED`.
    pub tlp: Option<String>,
    /// Items changed at or after this time (RFC 3339).
    pub updated_since: Option<String>,
    /// The `next` cursor of the previous page.
    pub cursor: Option<String>,
    /// 1 to 500; default 50.
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemList {
    pub items: Vec<ItemSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// Reads a `next` cursor: `<updated_at millis>.<id>`.
pub fn parse_cursor(text: &str) -> Option<(Timestamp, Uuid)> {
    let (at, id) = text.split_once('.')?;
    Some((Timestamp(at.parse().ok()?), Uuid::parse_str(id).ok()?))
}

#[utoipa::path(get, path = "/api/v1/items", tag = "items", params(ListQuery),
    responses((status = 200, body = ItemList), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<ItemList>> {
    let originator = match query.originator.as_deref() {
        Some(code) => {
            Some(MemberCode::parse(code).ok_or_else(|| ApiError::invalid("originator", "is not a member code"))?)
        }
        None => None,
    };
    let tlp = match query.tlp.as_deref() {
        Some(t) => Some(Tlp::parse(t).ok_or_else(|| ApiError::invalid("tlp", "is not a TLP 2.0 label"))?),
        None => None,
    };
    let updated_since = match query.updated_since.as_deref() {
        Some(t) => Some(
            Timestamp::parse_rfc3339(t).ok_or_else(|| ApiError::invalid("updated_since", "is not an RFC 3339 time"))?,
        ),
        None => None,
    };
    let before = match query.cursor.as_deref() {
        Some(c) => {
            Some(parse_cursor(c).ok_or_else(|| ApiError::invalid("cursor", "is not a cursor from a previous page"))?)
        }
        None => None,
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 500"));
    }
    let filter = ItemFilter {
        kind: query.kind,
        state: query.state,
        category: query.category,
        originator,
        tlp,
        updated_since,
        before,
        limit,
        ..ItemFilter::default()
    };
    let page = state.store.list_items(&caller.subject, &filter).await?;
    Ok(Json(ItemList { items: page.items, next: page.next.map(|(at, id)| format!("{}.{id}", at.0)) }))
}

#[utoipa::path(post, path = "/api/v1/items", tag = "items", request_body = ItemContent,
    responses((status = 201, body = ItemView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(content): Json<ItemContent>,
) -> ApiResult<(StatusCode, Json<ItemView>)> {
    let item = state.store.create_item(&caller.subject, content).await?;
    Ok((StatusCode::CREATED, Json(ItemView::of(&state.store, &caller.subject, item).await?)))
}

#[utoipa::path(get, path = "/api/v1/items/{id}", tag = "items", params(("id" = Uuid, Path)),
    responses((status = 200, body = ItemView), (status = 404, body = crate::error::Problem)))]
pub async fn read(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>) -> ApiResult<Json<ItemView>> {
    let item = state.store.read_item(&caller.subject, id, Method::Api).await?;
    Ok(Json(ItemView::of(&state.store, &caller.subject, item).await?))
}

#[utoipa::path(put, path = "/api/v1/items/{id}", tag = "items", params(("id" = Uuid, Path)), request_body = ItemContent,
    responses((status = 200, body = ItemView), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(content): Json<ItemContent>,
) -> ApiResult<Json<ItemView>> {
    let item = state.store.update_item(&caller.subject, id, content).await?;
    Ok(Json(ItemView::of(&state.store, &caller.subject, item).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct WorkflowRequest {
    /// Required to return or withdraw; optional otherwise.
    #[serde(default)]
    pub comment: Option<String>,
}

async fn act(
    state: AppState,
    caller: Caller,
    id: Uuid,
    action: Action,
    request: WorkflowRequest,
) -> ApiResult<Json<ItemView>> {
    let comment = request.comment;
    let item = state.store.act_on_item(&caller.subject, id, action, comment.as_deref(), Method::Api).await?;
    Ok(Json(ItemView::of(&state.store, &caller.subject, item).await?))
}

macro_rules! workflow_route {
    ($name:ident, $action:expr, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "items", params(("id" = Uuid, Path)), request_body(content = WorkflowRequest, description = "optional"),
            responses((status = 200, body = ItemView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
        pub async fn $name(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>, OptionalJson(body): OptionalJson<WorkflowRequest>) -> ApiResult<Json<ItemView>> {
            act(state, caller, id, $action, body).await
        }
    };
}

workflow_route!(submit, Action::Submit, "/api/v1/items/{id}/submit", "Submits a draft for approval.");
workflow_route!(
    approve,
    Action::Approve,
    "/api/v1/items/{id}/approve",
    "Publishes a submitted item and releases it (authorising officer, not the author)."
);
workflow_route!(
    return_to_author,
    Action::Return,
    "/api/v1/items/{id}/return",
    "Returns a submitted item to its author with a comment."
);
workflow_route!(
    withdraw,
    Action::Withdraw,
    "/api/v1/items/{id}/withdraw",
    "Withdraws a published item, with a reason."
);

#[utoipa::path(post, path = "/api/v1/items/{id}/versions", tag = "items", params(("id" = Uuid, Path)),
    responses((status = 201, body = ItemView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn new_version(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<(StatusCode, Json<ItemView>)> {
    let item = state.store.new_item_version(&caller.subject, id).await?;
    Ok((StatusCode::CREATED, Json(ItemView::of(&state.store, &caller.subject, item).await?)))
}

#[utoipa::path(get, path = "/api/v1/items/{id}/history", tag = "items", params(("id" = Uuid, Path)),
    responses((status = 200, body = [HistoryEntry]), (status = 404, body = crate::error::Problem)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(state.store.item_history(&caller.subject, id).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    pub filename: String,
}

#[utoipa::path(post, path = "/api/v1/items/{id}/attachments", tag = "items", params(("id" = Uuid, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentMeta), (status = 404, body = crate::error::Problem), (status = 409, description = "The item cannot be edited in its state", body = crate::error::Problem), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(query): Query<UploadQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<AttachmentMeta>)> {
    let meta = state.store.add_attachment(&caller.subject, id, &query.filename, &body).await?;
    Ok((StatusCode::CREATED, Json(meta)))
}

#[utoipa::path(get, path = "/api/v1/items/{id}/attachments", tag = "items", params(("id" = Uuid, Path)),
    responses((status = 200, body = [AttachmentMeta]), (status = 404, body = crate::error::Problem)))]
pub async fn attachments(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<AttachmentMeta>>> {
    Ok(Json(state.store.attachments(&caller.subject, id).await?))
}

#[utoipa::path(get, path = "/api/v1/items/{id}/attachments/{attachment}", tag = "items", params(("id" = Uuid, Path), ("attachment" = Uuid, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = crate::error::Problem)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, attachment)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let (meta, bytes) = state.store.download_attachment(&caller.subject, id, attachment, Method::Api).await?;
    Ok(attachment_response(&meta, bytes))
}

/// An attachment served as a download whatever its type, so that it is never
/// rendered in the portal's origin.
pub fn attachment_response(meta: &AttachmentMeta, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", meta.filename.replace(['"', '\\'], "_"));
    (
        [
            (header::CONTENT_TYPE, meta.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".into()),
        ],
        bytes,
    )
        .into_response()
}
