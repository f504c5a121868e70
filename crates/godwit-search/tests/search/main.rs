//! The search crate's integration tests, in one binary. Each test runs on SQLite
//! and, when `GODWIT_TEST_DATABASE_URL` is set, on PostgreSQL too.
#![allow(clippy::unwrap_used)]

mod harness;
mod indexing;
mod policy;
