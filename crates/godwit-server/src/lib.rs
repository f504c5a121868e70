//! Godwit's HTTP server: the JSON API under `/api/v1` with its OpenAPI document,
//! authentication (passwords, TOTP, sessions, API tokens), CSRF protection,
//! login throttling and security headers.

pub mod auth;
