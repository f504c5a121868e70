//! Finding a traveller on the watchlists.
//!
//! [`persons::PersonIndex`] retrieves candidates through an inverted index
//! on normalised words, phonetic keys, skeletons and variant groups (never a
//! scan of the list), then scores them; [`documents::DocumentIndex`] looks
//! document numbers up exactly and through OCR confusions;
//! [`alerts::AlertIndex`] does the same for the series and ranges that
//! document alerts name. Every [`Match`]
//! carries the reasons for its score.

pub mod alerts;
pub mod documents;
pub mod persons;
pub mod qualifiers;

use serde::Serialize;

/// Which list an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Persons,
    Documents,
    /// Document-fraud alerts (series and ranges of numbers).
    DocumentAlerts,
    /// A member's own persons list (the server's national lists).
    NationalPersons,
    /// A member's own documents list.
    NationalDocuments,
}

/// A watchlist entry the traveller may be, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub watchlist_id: String,
    pub list: ListKind,
    /// Between 0 and 1.
    pub score: f64,
    /// Why: which name parts matched how, which qualifiers added or took away.
    pub reasons: Vec<String>,
}

/// Rounds a score for display and stable JSON (three decimals).
pub fn round(score: f64) -> f64 {
    (score * 1000.0).round() / 1000.0
}
