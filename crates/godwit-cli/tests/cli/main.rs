//! The `godwit` binary as a person uses it: the demo region served over real
//! HTTP and in a real browser, the audit trail verified and tampered with,
//! backup and restore, TLS.
#![allow(clippy::unwrap_used)]

mod access_probe;
mod acting;
mod browser;
mod demo;
mod federation;
mod schemathesis;
mod secret_key;
mod taxii_pull;
mod tls;
