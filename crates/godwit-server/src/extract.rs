//! Extractors whose rejections are problem+json like every other error.

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// JSON body in and out. On the way in: `application/json` only, no NUL
/// characters (PostgreSQL cannot store them, so they are refused up front),
/// syntax errors answered 400 and shape errors 422, each with where it failed.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = has_json_type(req.headers());
        let bytes = body_bytes(req, state).await?;
        if !is_json {
            return Err(not_json());
        }
        parse_json(&bytes).map(Json)
    }
}

fn has_json_type(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
        })
}

fn not_json() -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the body as application/json")
}

async fn body_bytes<S: Send + Sync>(req: axum::extract::Request, state: &S) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(req, state).await.map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "bad_request" };
        ApiError::new(e.status(), code, e.body_text())
    })
}

/// Parses a JSON body, refusing NUL characters anywhere in it.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "text must not contain NUL characters"));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let (status, code) = match e.classify() {
            serde_json::error::Category::Data => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            _ => (StatusCode::BAD_REQUEST, "bad_request"),
        };
        ApiError::new(status, code, format!("the JSON body is not acceptable: {e}"))
    })
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// The client's address, when the server was started with connection info.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip());
        Ok(ClientAddr(addr))
    }
}

/// A JSON body that may be left out entirely (an empty body reads as the default).
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = has_json_type(req.headers());
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        if !is_json {
            return Err(not_json());
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// Refuses requests whose path or query carries an encoded NUL (`%00`): no
/// route has a use for one, and PostgreSQL cannot store it.
pub async fn refuse_nul(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let has_nul = request.uri().path_and_query().is_some_and(|pq| pq.as_str().to_ascii_lowercase().contains("%00"));
    if has_nul {
        return ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "the address must not contain NUL characters")
            .into_response();
    }
    next.run(request).await
}
