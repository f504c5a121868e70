//! The HTTP API end to end, in one test binary. Every test runs on SQLite and,
//! when `GODWIT_TEST_DATABASE_URL` is set, on PostgreSQL.
#![allow(clippy::unwrap_used)]

mod admin;
mod agreements;
mod analysis;
mod assessments;
mod auth;
mod bad_input;
mod bulletins;
mod harness;
mod hostile;
mod incidents;
mod items;
mod logs;
mod notices;
mod regional;
mod requirements;
mod rfis;
mod saved_searches;
mod screening;
mod search;
mod stix;
mod surveys;
mod taxii;
mod threats;
mod warnings;
