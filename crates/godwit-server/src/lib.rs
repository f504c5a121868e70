//! Godwit's HTTP server: the web portal, the JSON API under `/api/v1` with its
//! OpenAPI document, authentication (passwords, TOTP, sessions, API tokens),
//! CSRF protection, login throttling and security headers.

pub mod admin;
pub mod agreements;
pub mod analysis;
pub mod api;
pub mod auth;
pub mod collect;
pub mod config;
pub mod error;
pub mod extract;
pub mod federation;
pub mod markdown;
pub mod notices;
pub mod notify;
pub mod pdf;
pub mod regional;
pub mod security;
pub mod state;
pub mod surveys;
pub mod taxii;
pub mod warnings;
pub mod web;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub use config::ServerConfig;
pub use state::AppState;

async fn not_found() -> error::ApiError {
    error::ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn health() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// The whole application: portal, API, OpenAPI document and its viewer, health check.
pub fn router(state: AppState) -> Router {
    let tls = state.config.tls;
    // Swagger UI needs inline styles; everything else gets the strict policy.
    let docs = Router::<AppState>::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", api::ApiDoc::openapi())).layer(
        SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'"),
        ),
    );
    let mut app = Router::new()
        .nest("/api/v1", api::routes(state.config.max_json_bytes))
        .merge(web::routes(state.config.max_json_bytes))
        .merge(taxii::routes())
        .merge(federation::routes())
        .route("/healthz", get(health))
        .merge(docs)
        .fallback(not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(extract::refuse_nul))
        .layer(CompressionLayer::new().compress_when(DefaultPredicate::new().and(web::page::not_streamed)));
    for layer in security::layers(tls) {
        app = app.layer(layer);
    }
    app.layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}
