//! The store's integration tests, in one binary. Each test runs on SQLite and,
//! when `GODWIT_TEST_DATABASE_URL` is set, on PostgreSQL too.
#![allow(clippy::unwrap_used)]

mod analysis;
mod assessments;
mod audit;
mod bulletins;
mod document_figures;
mod federation;
mod harness;
mod incidents;
mod notices;
mod regional;
mod reminders;
mod requirements;
mod rfis;
mod secrets;
mod surveys;
mod threats;
mod visibility;
mod warning;
mod workflow;
