//! Incident data collection over HTTP: the member's collection templates,
//! importing a sheet (CSV or XLSX) under one, and exporting the incident
//! records the caller may read. Records themselves are items
//! (`/items`, kind `incident_record`).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use godwit_domain::template::CollectionTemplate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::collect::{ExportFormat, ImportOptions, ImportReport, export_incidents, import_sheet};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/collection-templates", tag = "incidents",
    responses((status = 200, description = "The built-in templates, each replaced by the caller's member's copy when it adapted one, and the member's own", body = Vec<CollectionTemplate>)))]
pub async fn templates(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<CollectionTemplate>>> {
    Ok(Json(state.store.collection_templates(&caller.subject.member).await?))
}

#[utoipa::path(get, path = "/api/v1/collection-templates/{code}", tag = "incidents",
    params(("code" = String, Path)),
    responses((status = 200, body = CollectionTemplate), (status = 404, body = crate::error::Problem)))]
pub async fn template(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<CollectionTemplate>> {
    Ok(Json(state.store.collection_template(&caller.subject.member, &code).await?))
}

#[utoipa::path(put, path = "/api/v1/collection-templates/{code}", tag = "incidents",
    params(("code" = String, Path)),
    request_body = CollectionTemplate,
    responses(
        (status = 200, description = "Saved for the caller's member", body = CollectionTemplate),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "Every bad field of the template", body = crate::error::Problem),
    ))]
pub async fn put_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Json(template): Json<CollectionTemplate>,
) -> ApiResult<Json<CollectionTemplate>> {
    if template.code != code {
        return Err(ApiError::invalid("code", "must be the code in the path"));
    }
    state.store.put_collection_template(&caller.subject, &template).await?;
    Ok(Json(template))
}

#[utoipa::path(delete, path = "/api/v1/collection-templates/{code}", tag = "incidents",
    params(("code" = String, Path)),
    responses(
        (status = 204, description = "The member's copy is gone; a built-in template is back as shipped"),
        (status = 404, body = crate::error::Problem),
    ))]
pub async fn delete_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.delete_collection_template(&caller.subject, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/imports/incidents", tag = "incidents",
    params(ImportOptions),
    request_body(description = "The sheet: CSV (UTF-8, UTF-16 with BOM, or fields in Windows-1252) or XLSX (first worksheet). Row 1 holds the headers.",
        content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses(
        (status = 200, description = "Every row was good: the records were created (or, dry, would be); rows imported before are counted, not written again", body = ImportReport),
        (status = 422, description = "Nothing was written: the report lists every problem with its row, column, value and reason; or the file is no sheet (problem `unreadable_sheet`)", body = ImportReport),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such template", body = crate::error::Problem),
        (status = 413, body = crate::error::Problem),
    ))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(options): Query<ImportOptions>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "bad_request" };
        ApiError::new(e.status(), code, e.body_text())
    })?;
    let report = import_sheet(&state.store, &caller.subject, body.to_vec(), &options, &|_, _| {}).await?;
    let status = if report.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report)).into_response())
}

#[utoipa::path(get, path = "/api/v1/collection-templates/{code}/mapping", tag = "incidents",
    params(("code" = String, Path)),
    responses((status = 200, description = "The caller's member's column mapping for the template: sheet header (lower-case letters and digits only) → field key", body = BTreeMap<String, String>)))]
pub async fn mapping(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<BTreeMap<String, String>>> {
    let template = state.store.collection_template(&caller.subject.member, &code).await?;
    Ok(Json(state.store.import_mapping(&caller.subject.member, &template.code).await?))
}

#[utoipa::path(put, path = "/api/v1/collection-templates/{code}/mapping", tag = "incidents",
    params(("code" = String, Path)),
    request_body(description = "Sheet header → field key; headers are compared ignoring case, spaces and punctuation", content = BTreeMap<String, String>),
    responses(
        (status = 200, description = "Saved for the caller's member; imports under the template use it", body = BTreeMap<String, String>),
        (status = 404, description = "No such template", body = crate::error::Problem),
        (status = 422, description = "A field key the template does not have", body = crate::error::Problem),
    ))]
pub async fn put_mapping(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Json(mapping): Json<BTreeMap<String, String>>,
) -> ApiResult<Json<BTreeMap<String, String>>> {
    let saved = crate::collect::save_mapping(&state.store, &caller.subject, &code, &mapping).await?;
    Ok(Json(saved))
}

/// The format of an export.
#[derive(Deserialize, IntoParams, ToSchema)]
pub struct ExportParams {
    /// `csv` (default) or `xlsx`.
    pub format: Option<ExportFormat>,
}

#[utoipa::path(get, path = "/api/v1/exports/incidents", tag = "incidents",
    params(ExportParams),
    responses((status = 200, description = "Every incident record the caller may read, newest first (at most 100,000), one row each; audited",
        content_type = "text/csv")))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ExportParams>,
) -> ApiResult<Response> {
    let format = params.format.unwrap_or(ExportFormat::Csv);
    let bytes = export_incidents(&state.store, &caller.subject, format).await?;
    let disposition = format!("attachment; filename=\"incidents.{}\"", format.extension());
    Ok(([(header::CONTENT_TYPE, format.content_type().to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}
