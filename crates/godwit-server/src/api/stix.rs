//! STIX 2.1 bundles of items (docs/interoperability.md): export what the
//! caller may read, import as the caller's member's drafts.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use godwit_domain::Timestamp;
use godwit_store::items::ItemSummary;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;

/// The media type of STIX 2.1 content.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BundleQuery {
    /// Items changed at or after this time (RFC 3339).
    pub since: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/stix/bundle", tag = "stix", params(BundleQuery),
    responses(
        (status = 200, description = "A STIX 2.1 bundle of the published items the caller may read (newest first, at most 100,000), with their identities, locations and markings; audited as an export", content_type = "application/stix+json;version=2.1", body = Object),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem)))]
pub async fn bundle(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<BundleQuery>,
) -> ApiResult<Response> {
    let since = match query.since.as_deref() {
        Some(t) => {
            Some(Timestamp::parse_rfc3339(t).ok_or_else(|| ApiError::invalid("since", "is not an RFC 3339 time"))?)
        }
        None => None,
    };
    let bundle = state.store.export_stix(&caller.subject, since).await?;
    Ok(([(header::CONTENT_TYPE, STIX_MEDIA_TYPE)], bundle.to_string()).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct Imported {
    /// The drafts created, one per report, in the bundle's order of ids.
    pub items: Vec<ItemSummary>,
}

#[utoipa::path(post, path = "/api/v1/stix/import", tag = "stix",
    request_body(content = Object, description = "A STIX 2.1 bundle", content_type = "application/stix+json"),
    responses(
        (status = 201, body = Imported, description = "Every report created as a draft of the caller's member"),
        (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem, description = "Nothing imported; `errors` lists every problem, its `field` being `<STIX object id>/<property>`")))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Json(bundle): Json<Value>,
) -> ApiResult<(StatusCode, Json<Imported>)> {
    let items = state.store.import_stix(&caller.subject, &bundle).await?;
    Ok((StatusCode::CREATED, Json(Imported { items: items.into_iter().map(ItemSummary::from).collect() })))
}
