//! The `godwit` binary as a person uses it: the demo region served over real
//! HTTP, the audit trail verified and tampered with, backup and restore, TLS.
#![allow(clippy::unwrap_used)]

mod demo;
mod tls;
