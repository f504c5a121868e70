//! Watchlists read from CSV: wanted or flagged persons ([`persons`]) and
//! lost, stolen, revoked or fraudulent documents ([`documents`]).
//!
//! A row with a defect is not loaded and is reported by row and column, so
//! that the caller can refuse the file or load the rest knowingly.

pub mod documents;
pub mod persons;

use crate::csv_table::CellError;

pub use documents::{DocumentEntry, DocumentStatus};
pub use persons::PersonEntry;

/// The rows loaded from a watchlist file and the rows refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded<T> {
    pub entries: Vec<T>,
    pub errors: Vec<CellError>,
}

impl<T> Default for Loaded<T> {
    fn default() -> Self {
        Loaded { entries: Vec::new(), errors: Vec::new() }
    }
}
