//! Traveller screening for Godwit, usable as a library without the server.
//!
//! The pipeline, one module per step:
//! - [`mrz`] reads and validates machine readable zones (ICAO Doc 9303);
//! - [`paxlst`] and [`manifest::csv`] read manifests into [`traveller::Traveller`]s,
//!   keeping malformed travellers as [`manifest::Unscreenable`];
//! - [`watchlist`] reads the persons and documents lists;
//! - [`names`] normalises and transliterates names and compares them;
//! - [`matching`] indexes the watchlists and finds candidates with reasons;
//! - [`rules`] evaluates risk rules from a TOML file;
//! - [`screen`] turns matches and rules into a decision per traveller;
//! - [`document_check`] validates an MRZ and looks its number up;
//! - [`synthetic`] generates watchlists and manifests with planted hits for benchmarks.
//!
//! Time is a parameter (`today`) wherever a date matters, so results are
//! reproducible.

pub mod countries;
pub mod csv_table;
pub mod dates;
pub mod document_check;
pub mod fuzz_checks;
pub mod manifest;
pub mod matching;
pub mod mrz;
pub mod names;
pub mod paxlst;
pub mod rules;
pub mod screen;
pub mod synthetic;
pub mod traveller;
pub mod watchlist;
