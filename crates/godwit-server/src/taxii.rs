//! A TAXII 2.1 server (docs/interoperability.md, *TAXII 2.1*) over the STIX
//! mapping of `godwit_exchange::stix`, for the tools partners already run.
//!
//! One API root, `/taxii2/godwit/`, with two collections: *Published items*,
//! a view of the published items the caller may read (the policy-checked list,
//! so it holds nothing the caller could not open), and *Submissions*, where a
//! caller whose roles write items posts STIX objects that become drafts of
//! their member, all or nothing, as `POST /api/v1/stix/import` does. Callers
//! authenticate as on the API: a session or API token as `Bearer`, or an API
//! token as the password of `Basic` (never an account's password).
//!
//! The collection is read in pages of whole items, oldest change first: a
//! page holds each item's report and the objects it refers to, so a shared
//! object (a marking definition, an identity) may come again on a later page
//! with the same id and version. Every page and object that leaves is audited
//! (`taxii.objects`, and `item.read` for each classified item). A submission's
//! status is kept in the audit trail (`taxii.status`), readable by its sender.

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use godwit_domain::Timestamp;
use godwit_domain::item::Item;
use godwit_exchange::stix::{item_objects, item_of_report};
use godwit_store::audit::{AuditEvent, AuditQuery};
use godwit_store::stix::StixDirectory;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::api::items::parse_cursor;
use crate::auth::Caller;
use crate::auth::session::{CsrfToken, authenticate};
use crate::error::ApiError;
use crate::state::AppState;

/// The media type of every TAXII 2.1 request and response body.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// The collection of the published items the caller may read.
pub const PUBLISHED: Uuid = Uuid::from_u128(0x5c4a_b2b2_7f3e_4c52_9a1e_3f6d_0c9b_2a11);
/// The collection the caller's member submits STIX objects to, as drafts.
pub const SUBMISSIONS: Uuid = Uuid::from_u128(0x9e0f_6a3d_2b7c_4e8f_8d1a_6c5b_4a3f_2e10);

/// The largest envelope a client may post (the API root's `max_content_length`).
const MAX_CONTENT_LENGTH: usize = 4 * 1024 * 1024;
/// Page sizes, in objects.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// The TAXII routes, merged into the application's router.
pub fn routes() -> Router<AppState> {
    let root = "/taxii2/godwit";
    Router::new()
        .route("/taxii2/", get(discovery))
        .route(&format!("{root}/"), get(api_root))
        .route(&format!("{root}/collections/"), get(collections))
        .route(&format!("{root}/collections/{{collection}}/"), get(collection))
        .route(&format!("{root}/collections/{{collection}}/objects/"), get(objects).post(add_objects))
        .route(&format!("{root}/collections/{{collection}}/manifest/"), get(manifest))
        .route(&format!("{root}/collections/{{collection}}/objects/{{object}}/"), get(object))
        .route(&format!("{root}/collections/{{collection}}/objects/{{object}}/versions/"), get(versions))
        .route(&format!("{root}/status/{{status}}/"), get(status))
        .layer(DefaultBodyLimit::max(MAX_CONTENT_LENGTH))
}

/// A TAXII error message: what went wrong, as the TAXII media type.
#[derive(Debug)]
pub struct TaxiiError {
    status: StatusCode,
    title: String,
    description: String,
}

impl TaxiiError {
    fn new(status: StatusCode, title: &str, description: impl Into<String>) -> Self {
        TaxiiError { status, title: title.to_owned(), description: description.into() }
    }

    fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found", format!("no such {what}, or not one you may see"))
    }

    fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", description)
    }
}

impl From<ApiError> for TaxiiError {
    fn from(error: ApiError) -> Self {
        let title = error.status.canonical_reason().unwrap_or("Error");
        TaxiiError::new(error.status, title, error.summary())
    }
}

impl From<godwit_store::StoreError> for TaxiiError {
    fn from(error: godwit_store::StoreError) -> Self {
        ApiError::from(error).into()
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let body = json!({
            "title": self.title,
            "description": self.description,
            "error_code": self.status.as_str(),
            "http_status": self.status.as_str(),
        });
        let mut response = (self.status, taxii_json(&body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Godwit TAXII\""));
        }
        response
    }
}

type TaxiiResult<T> = Result<T, TaxiiError>;

fn taxii_json(body: &Value) -> ([(header::HeaderName, &'static str); 1], String) {
    ([(header::CONTENT_TYPE, TAXII_MEDIA_TYPE)], body.to_string())
}

/// An authenticated TAXII caller whose request accepts the TAXII media type.
pub struct TaxiiCaller(Caller);

fn accepts_taxii(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT) else { return true };
    let Ok(accept) = accept.to_str() else { return false };
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let kind = parts.next().unwrap_or_default().to_ascii_lowercase();
        let version = parts.find_map(|p| p.strip_prefix("version="));
        match kind.as_str() {
            "*/*" | "application/*" => true,
            "application/taxii+json" => version.is_none_or(|v| v == "2.1"),
            _ => false,
        }
    })
}

impl FromRequestParts<AppState> for TaxiiCaller {
    type Rejection = TaxiiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if !accepts_taxii(&parts.headers) {
            return Err(TaxiiError::new(
                StatusCode::NOT_ACCEPTABLE,
                "Not acceptable",
                format!("this server answers with {TAXII_MEDIA_TYPE}"),
            ));
        }
        let (caller, totp_pending) = authenticate(parts, state, CsrfToken::Header).await?;
        if totp_pending {
            return Err(TaxiiError::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "your roles require a second factor: enrol in the portal first",
            ));
        }
        Ok(TaxiiCaller(caller))
    }
}

async fn discovery(TaxiiCaller(_): TaxiiCaller) -> impl IntoResponse {
    taxii_json(&json!({
        "title": "Godwit",
        "description": "The TAXII 2.1 service of this Godwit node: the published items you may read, as STIX 2.1.",
        "default": "/taxii2/godwit/",
        "api_roots": ["/taxii2/godwit/"],
    }))
}

async fn api_root(TaxiiCaller(_): TaxiiCaller) -> impl IntoResponse {
    taxii_json(&json!({
        "title": "Godwit items",
        "description": "Items as STIX 2.1 reports with their markings, identities and locations.",
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": MAX_CONTENT_LENGTH,
    }))
}

/// A collection as the caller sees it, when they may see it at all.
fn collection_resource(caller: &Caller, id: Uuid) -> Option<Value> {
    let resource = |title: &str, description: &str, can_read: bool, can_write: bool| {
        json!({
            "id": id,
            "title": title,
            "description": description,
            "can_read": can_read,
            "can_write": can_write,
            "media_types": [STIX_MEDIA_TYPE],
        })
    };
    if id == PUBLISHED {
        Some(resource("Published items", "The published items you may read, newest version of each.", true, false))
    } else if id == SUBMISSIONS && may_submit(caller) {
        Some(resource(
            "Submissions",
            "STIX reports posted here become drafts of your member, all or nothing.",
            false,
            true,
        ))
    } else {
        None
    }
}

fn may_submit(caller: &Caller) -> bool {
    caller.subject.roles.iter().any(|r| r.authors_content())
}

fn known_collection(caller: &Caller, id: &str) -> TaxiiResult<Uuid> {
    let id = Uuid::parse_str(id).map_err(|_| TaxiiError::not_found("collection"))?;
    collection_resource(caller, id).map(|_| id).ok_or_else(|| TaxiiError::not_found("collection"))
}

/// The collection `id` for reading: only *Published items* can be read.
fn readable_collection(caller: &Caller, id: &str) -> TaxiiResult<()> {
    if known_collection(caller, id)? == PUBLISHED {
        Ok(())
    } else {
        Err(TaxiiError::new(StatusCode::FORBIDDEN, "Forbidden", "this collection can only be written to"))
    }
}

async fn collections(TaxiiCaller(caller): TaxiiCaller) -> impl IntoResponse {
    let list: Vec<Value> =
        [PUBLISHED, SUBMISSIONS].into_iter().filter_map(|id| collection_resource(&caller, id)).collect();
    taxii_json(&json!({ "collections": list }))
}

async fn collection(TaxiiCaller(caller): TaxiiCaller, Path(id): Path<String>) -> TaxiiResult<impl IntoResponse> {
    let id = known_collection(&caller, &id)?;
    Ok(taxii_json(&collection_resource(&caller, id).unwrap_or_default()))
}

/// The filters of a collection request (`added_after`, `limit`, `next`,
/// `match[id|type|version|spec_version]`), read from the raw query so that
/// unknown or repeated parameters get a TAXII error rather than axum's.
#[derive(Default)]
struct Filters {
    added_after: Option<Timestamp>,
    limit: usize,
    next: Option<(Timestamp, Uuid)>,
    ids: Option<BTreeSet<String>>,
    types: Option<BTreeSet<String>>,
    versions: Option<Vec<String>>,
    spec_versions: Option<BTreeSet<String>>,
}

impl Filters {
    fn parse(query: Option<&str>) -> TaxiiResult<Filters> {
        let mut filters = Filters { limit: DEFAULT_LIMIT, ..Filters::default() };
        let list = |value: &str| value.split(',').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect();
        let pairs: Vec<(String, String)> = serde_html_form::from_str(query.unwrap_or_default())
            .map_err(|e| TaxiiError::bad_request(format!("the query is not form-encoded: {e}")))?;
        for (name, value) in pairs {
            match name.as_str() {
                "added_after" => {
                    filters.added_after = Some(
                        Timestamp::parse_rfc3339(&value)
                            .ok_or_else(|| TaxiiError::bad_request("added_after is not an RFC 3339 time"))?,
                    );
                }
                "limit" => {
                    let limit: usize =
                        value.parse().map_err(|_| TaxiiError::bad_request("limit is not a positive whole number"))?;
                    if limit == 0 {
                        return Err(TaxiiError::bad_request("limit must be at least 1"));
                    }
                    filters.limit = limit.min(MAX_LIMIT);
                }
                "next" => {
                    filters.next =
                        Some(parse_cursor(&value).ok_or_else(|| TaxiiError::bad_request("next is not one we gave"))?);
                }
                "match[id]" => filters.ids = Some(list(&value)),
                "match[type]" => filters.types = Some(list(&value)),
                "match[version]" => filters.versions = Some(list(&value).into_iter().collect()),
                "match[spec_version]" => filters.spec_versions = Some(list(&value)),
                other => return Err(TaxiiError::bad_request(format!("{other} is not a filter of this endpoint"))),
            }
        }
        Ok(filters)
    }

    /// Whether an object of the current version passes the id, type and
    /// spec_version filters, and the version filter (`last`, the default, and
    /// `all` take it; `first` and times only when they name it).
    fn keeps(&self, object: &Value, first_version: bool) -> bool {
        let text = |name: &str| object[name].as_str().unwrap_or_default().to_owned();
        let in_set = |set: &Option<BTreeSet<String>>, value: String| set.as_ref().is_none_or(|s| s.contains(&value));
        in_set(&self.ids, text("id"))
            && in_set(&self.types, text("type"))
            && in_set(&self.spec_versions, text("spec_version"))
            && self.versions.as_ref().is_none_or(|versions| {
                versions.iter().any(|v| match v.as_str() {
                    "last" | "all" => true,
                    "first" => first_version,
                    time => time == object_version(object),
                })
            })
    }
}

/// An object's version: `modified`, or `created` for objects that never change.
fn object_version(object: &Value) -> String {
    object.get("modified").or_else(|| object.get("created")).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// One page of the collection: objects in order with the time their item
/// was added, and the cursor of the next page.
struct Page {
    objects: Vec<(Value, Timestamp)>,
    items: Vec<Item>,
    next: Option<(Timestamp, Uuid)>,
}

/// Reads items oldest first and takes their objects until `limit` objects,
/// whole items only (at least one).
async fn read_page(state: &AppState, caller: &Caller, filters: &Filters) -> TaxiiResult<Page> {
    let (items, more) =
        state.store.stix_items_page(&caller.subject, filters.added_after, filters.next, filters.limit).await?;
    let directory: StixDirectory = state.store.stix_directory(&items).await?;
    let mut page = Page { objects: Vec::new(), items: Vec::new(), next: None };
    let mut seen = BTreeSet::new();
    let mut count = 0;
    for item in items.iter() {
        let fresh: Vec<Value> = item_objects(item, &directory.borrow())
            .into_iter()
            .filter(|o| !seen.contains(o["id"].as_str().unwrap_or_default()))
            .collect();
        if !page.items.is_empty() && count + fresh.len() > filters.limit {
            page.next = page.items.last().map(|i: &Item| (i.updated_at, i.id));
            break;
        }
        count += fresh.len();
        for object in fresh {
            seen.insert(object["id"].as_str().unwrap_or_default().to_owned());
            if filters.keeps(&object, item.version == 1) {
                page.objects.push((object, item.updated_at));
            }
        }
        page.items.push(item.clone());
    }
    if page.next.is_none() && more {
        page.next = page.items.last().map(|i| (i.updated_at, i.id));
    }
    Ok(page)
}

/// The envelope or manifest of a page, with the `X-TAXII-Date-Added-*` headers.
fn page_response(page: &Page, list: Vec<Value>) -> Response {
    let mut body = Map::new();
    body.insert("more".into(), json!(page.next.is_some()));
    if let Some((at, id)) = page.next {
        body.insert("next".into(), json!(format!("{}.{id}", at.0)));
    }
    if !list.is_empty() {
        body.insert("objects".into(), Value::Array(list));
    }
    let mut response = taxii_json(&Value::Object(body)).into_response();
    if let Some(((_, first), (_, last))) = page.objects.first().zip(page.objects.last()) {
        date_added_headers(&mut response, *first, *last);
    }
    response
}

/// The `X-TAXII-Date-Added-First` and `-Last` headers of an answer.
fn date_added_headers(response: &mut Response, first: Timestamp, last: Timestamp) {
    for (name, at) in [("x-taxii-date-added-first", first), ("x-taxii-date-added-last", last)] {
        if let Ok(value) = HeaderValue::from_str(&at.to_rfc3339()) {
            response.headers_mut().insert(name, value);
        }
    }
}

async fn objects(
    State(state): State<AppState>,
    TaxiiCaller(caller): TaxiiCaller,
    Path(collection): Path<String>,
    RawQuery(query): RawQuery,
) -> TaxiiResult<Response> {
    readable_collection(&caller, &collection)?;
    let filters = Filters::parse(query.as_deref())?;
    let page = read_page(&state, &caller, &filters).await?;
    audit_objects(&state, &caller, &page.items).await?;
    let list = page.objects.iter().map(|(object, _)| object.clone()).collect();
    Ok(page_response(&page, list))
}

async fn audit_objects(state: &AppState, caller: &Caller, items: &[Item]) -> TaxiiResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let event = AuditEvent::new("taxii.objects").with(json!({
        "collection": PUBLISHED,
        "items": items.iter().map(|i| i.id).collect::<Vec<_>>(),
    }));
    Ok(state.store.audit_stix_release(&caller.subject, items, event).await?)
}

async fn manifest(
    State(state): State<AppState>,
    TaxiiCaller(caller): TaxiiCaller,
    Path(collection): Path<String>,
    RawQuery(query): RawQuery,
) -> TaxiiResult<Response> {
    readable_collection(&caller, &collection)?;
    let filters = Filters::parse(query.as_deref())?;
    let page = read_page(&state, &caller, &filters).await?;
    let list = page
        .objects
        .iter()
        .map(|(object, added)| {
            json!({
                "id": object["id"],
                "date_added": added,
                "version": object_version(object),
                "media_type": STIX_MEDIA_TYPE,
            })
        })
        .collect();
    Ok(page_response(&page, list))
}

/// The released versions the caller may read of the item whose report is
/// `object`, oldest first; a TAXII 404 for any other object.
async fn report_versions(state: &AppState, caller: &Caller, object: &str) -> TaxiiResult<Vec<Item>> {
    let first = item_of_report(object).ok_or_else(|| {
        TaxiiError::not_found("report (objects other than reports come with the reports that refer to them)")
    })?;
    let versions = state.store.stix_versions(&caller.subject, first).await?;
    if versions.is_empty() {
        return Err(TaxiiError::not_found("object"));
    }
    Ok(versions)
}

async fn object(
    State(state): State<AppState>,
    TaxiiCaller(caller): TaxiiCaller,
    Path((collection, object)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> TaxiiResult<Response> {
    readable_collection(&caller, &collection)?;
    let filters = Filters::parse(query.as_deref())?;
    if filters.added_after.is_some() || filters.next.is_some() || filters.ids.is_some() || filters.types.is_some() {
        return Err(TaxiiError::bad_request("this endpoint takes only match[version] and match[spec_version]"));
    }
    let versions = report_versions(&state, &caller, &object).await?;
    let directory = state.store.stix_directory(&versions).await?;
    let last = versions.len() - 1;
    let wanted = filters.versions.clone().unwrap_or_else(|| vec!["last".to_owned()]);
    let chosen: Vec<(Value, &Item)> = versions
        .iter()
        .enumerate()
        .map(|(i, item)| (item_objects(item, &directory.borrow()).swap_remove(0), i, item))
        .filter(|(report, i, _)| {
            wanted.iter().any(|v| match v.as_str() {
                "all" => true,
                "last" => *i == last,
                "first" => *i == 0,
                time => time == object_version(report),
            }) && filters
                .spec_versions
                .as_ref()
                .is_none_or(|s| s.contains(report["spec_version"].as_str().unwrap_or("")))
        })
        .map(|(report, _, item)| (report, item))
        .collect();
    let items: Vec<Item> = chosen.iter().map(|(_, item)| (*item).clone()).collect();
    audit_objects(&state, &caller, &items).await?;
    let page = Page {
        objects: chosen.iter().map(|(report, item)| (report.clone(), item.updated_at)).collect(),
        items,
        next: None,
    };
    let list = page.objects.iter().map(|(report, _)| report.clone()).collect();
    Ok(page_response(&page, list))
}

async fn versions(
    State(state): State<AppState>,
    TaxiiCaller(caller): TaxiiCaller,
    Path((collection, object)): Path<(String, String)>,
) -> TaxiiResult<Response> {
    readable_collection(&caller, &collection)?;
    let versions = report_versions(&state, &caller, &object).await?;
    let directory = state.store.stix_directory(&versions).await?;
    let list: Vec<String> =
        versions.iter().map(|item| object_version(&item_objects(item, &directory.borrow())[0])).collect();
    let mut response = taxii_json(&json!({ "more": false, "versions": list })).into_response();
    if let (Some(first), Some(last)) = (versions.first(), versions.last()) {
        date_added_headers(&mut response, first.updated_at, last.updated_at);
    }
    Ok(response)
}

/// `POST objects/`: the envelope's objects become drafts of the caller's
/// member, all or nothing; the answer is the status resource, complete.
async fn add_objects(
    State(state): State<AppState>,
    TaxiiCaller(caller): TaxiiCaller,
    Path(collection): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> TaxiiResult<Response> {
    if known_collection(&caller, &collection)? != SUBMISSIONS {
        return Err(TaxiiError::new(StatusCode::FORBIDDEN, "Forbidden", "this collection can only be read"));
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/taxii+json") {
        return Err(TaxiiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!("post an envelope as {TAXII_MEDIA_TYPE}"),
        ));
    }
    let body =
        body.map_err(|rejection| TaxiiError::new(rejection.status(), "Request refused", rejection.body_text()))?;
    let envelope: Value =
        serde_json::from_slice(&body).map_err(|e| TaxiiError::bad_request(format!("the body is not JSON: {e}")))?;
    let objects = envelope
        .get("objects")
        .and_then(Value::as_array)
        .ok_or_else(|| TaxiiError::bad_request("the body is not a TAXII envelope: it has no objects list"))?;
    let now = state.store.clock().now();
    let status_id = Uuid::new_v4();
    let bundle = json!({ "type": "bundle", "id": format!("bundle--{}", Uuid::new_v4()), "objects": objects });
    let entry = |object: &Value, message: Option<String>| {
        let mut entry = json!({ "id": object["id"], "version": object_version(object) });
        if let Some(message) = message {
            entry["message"] = json!(message);
        }
        entry
    };
    let (successes, failures): (Vec<Value>, Vec<Value>) = match state.store.import_stix(&caller.subject, &bundle).await
    {
        Ok(items) => {
            let drafts = items.iter().map(|i| i.id.to_string()).collect::<Vec<_>>().join(", ");
            let note = format!("imported as draft(s) {drafts}");
            (objects.iter().map(|o| entry(o, Some(note.clone()))).collect(), Vec::new())
        }
        Err(godwit_store::StoreError::Invalid(errors)) => {
            let failures = objects
                .iter()
                .map(|object| {
                    let id = object["id"].as_str().unwrap_or_default();
                    let own: Vec<String> = errors
                        .0
                        .iter()
                        .filter(|e| !id.is_empty() && e.field.starts_with(id))
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect();
                    let message = if own.is_empty() {
                        "not imported: the envelope is refused as a whole for the other objects' failures".to_owned()
                    } else {
                        own.join("; ")
                    };
                    entry(object, Some(message))
                })
                .collect();
            (Vec::new(), failures)
        }
        Err(other) => return Err(other.into()),
    };
    let resource = json!({
        "id": status_id,
        "status": "complete",
        "request_timestamp": now,
        "total_count": objects.len(),
        "success_count": successes.len(),
        "successes": successes,
        "failure_count": failures.len(),
        "failures": failures,
        "pending_count": 0,
    });
    let event = AuditEvent::new("taxii.status").by(caller.subject.user, &caller.subject.member).on(status_id);
    state.store.record(&[event.with(resource.clone())]).await?;
    Ok((StatusCode::ACCEPTED, taxii_json(&resource)).into_response())
}

async fn status(
    State(state): State<AppState>,
    TaxiiCaller(caller): TaxiiCaller,
    Path(id): Path<String>,
) -> TaxiiResult<Response> {
    let id = Uuid::parse_str(&id).map_err(|_| TaxiiError::not_found("status"))?;
    let query = AuditQuery {
        action: Some("taxii.status".into()),
        target: Some(id.to_string()),
        limit: 1,
        ..AuditQuery::default()
    };
    let record = state.store.audit_records(&query).await?.pop().ok_or_else(|| TaxiiError::not_found("status"))?;
    if record.actor_user.as_deref() != Some(caller.subject.user.to_string().as_str()) {
        return Err(TaxiiError::not_found("status"));
    }
    let resource: Value = serde_json::from_str(&record.detail).map_err(|_| TaxiiError::from(ApiError::internal()))?;
    Ok(taxii_json(&resource).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).expect("a header value"));
        headers
    }

    #[test]
    fn the_taxii_media_type_is_what_is_accepted() {
        assert!(accepts_taxii(&HeaderMap::new()));
        assert!(accepts_taxii(&accept(TAXII_MEDIA_TYPE)));
        assert!(accepts_taxii(&accept("application/taxii+json")));
        assert!(accepts_taxii(&accept("text/html, */*;q=0.1")));
        assert!(!accepts_taxii(&accept("application/taxii+json;version=2.0")));
        assert!(!accepts_taxii(&accept("application/stix+json;version=2.1")));
    }

    #[test]
    fn filters_are_read_and_refused_clearly() {
        let filters = Filters::parse(Some("limit=5000&match%5Btype%5D=report,note&added_after=2026-11-01T00:00:00Z"))
            .expect("valid filters");
        assert_eq!(filters.limit, MAX_LIMIT);
        assert_eq!(filters.types, Some(BTreeSet::from(["report".to_owned(), "note".to_owned()])));
        assert!(filters.added_after.is_some());
        for bad in ["limit=0", "limit=ten", "added_after=yesterday", "next=abc", "match[colour]=red"] {
            let error = Filters::parse(Some(bad)).err().expect(bad);
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }

    #[test]
    fn the_version_filter_picks_versions() {
        let object = json!({ "id": "report--1", "type": "report", "spec_version": "2.1", "modified": "2026-11-02T00:00:00.000Z" });
        let with = |query: &str| Filters::parse(Some(query)).expect(query);
        assert!(with("").keeps(&object, false));
        assert!(with("match[version]=last").keeps(&object, false));
        assert!(!with("match[version]=first").keeps(&object, false));
        assert!(with("match[version]=first").keeps(&object, true));
        assert!(with("match[version]=2026-11-02T00:00:00.000Z").keeps(&object, false));
        assert!(!with("match[type]=note").keeps(&object, true));
        assert!(!with("match[spec_version]=2.0").keeps(&object, true));
    }
}
