//! Errors as RFC 9457 problem details. One table ([`ApiError::from`] for
//! `StoreError` and the constructors below) maps every failure to an HTTP status
//! and a stable `code`, so the error body is part of the API contract.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use godwit_domain::ValidationError;
use godwit_store::StoreError;
use serde::Serialize;

/// A problem+json body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `code` says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub status: u16,
    /// A stable, machine-readable code (`invalid`, `not_found`, `csrf`…).
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The offending fields, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ValidationError>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: Option<String>,
    pub errors: Vec<ValidationError>,
}

impl ApiError {
    /// Each problem as `field: message`, for a page that lists them; the
    /// detail alone when no field is named.
    pub fn problems(&self) -> Vec<String> {
        if self.errors.is_empty() {
            return self.detail.iter().cloned().collect();
        }
        self.errors.iter().map(|p| format!("{}: {}", p.field, p.message)).collect()
    }

    /// The problems on one line.
    pub fn summary(&self) -> String {
        self.problems().join("; ")
    }

    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError { status, code, detail: Some(detail.into()), errors: Vec::new() }
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid",
            detail: Some("the request has invalid fields".into()),
            errors: vec![ValidationError { field: field.into(), message: message.into() }],
        }
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the node could not complete the request")
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(detail) => ApiError::new(StatusCode::CONFLICT, "conflict", detail),
            StoreError::Forbidden(detail) => ApiError::forbidden(detail),
            StoreError::Invalid(errors) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "invalid",
                detail: Some("the request has invalid fields".into()),
                errors: errors.0,
            },
            StoreError::Database(_) if error.is_storage_full() => {
                tracing::error!(%error, "store failure: the disk is full");
                ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "storage_full",
                    "the server's storage is full: nothing was written; its administrator has to free space",
                )
            }
            StoreError::Corrupt(_) | StoreError::SecretKey(_) | StoreError::Database(_) => {
                tracing::error!(%error, "store failure");
                ApiError::internal()
            }
        }
    }
}

/// Maps an extractor's rejection (bad JSON, wrong content type, body too large,
/// bad path or query) to a problem with the status axum chose.
fn rejection(status: StatusCode, body: String) -> ApiError {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        _ => "bad_request",
    };
    ApiError::new(status, code, body)
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        rejection(StatusCode::BAD_REQUEST, r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        rejection(StatusCode::BAD_REQUEST, r.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            code: self.code,
            detail: self.detail,
            errors: self.errors,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        (self.status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response()
    }
}

/// The result type of every handler.
pub type ApiResult<T> = Result<T, ApiError>;
