//! Manifests: the travellers of one flight or voyage, read from a PAXLST
//! interchange ([`crate::paxlst`]) or a CSV file ([`csv`]).
//!
//! A traveller whose data is malformed is never dropped and never passes
//! as "clear": it becomes an [`Unscreenable`] entry that says where the
//! defect is, and the other travellers are still read.

pub mod csv;

use serde::Serialize;

use crate::traveller::Traveller;

/// Where in the input a defect is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// A PAXLST segment: its tag, zero-based index and byte offset.
    Segment { tag: String, index: usize, offset: usize },
    /// A CSV cell: one-based row (the header is row 1) and column name.
    Cell { row: usize, column: String },
    /// A byte offset where the interchange could not be cut into segments.
    Byte { offset: usize },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Segment { tag, index, offset } => write!(f, "segment {tag} #{index} at byte {offset}"),
            Location::Cell { row, column } => write!(f, "row {row}, column {column}"),
            Location::Byte { offset } => write!(f, "byte {offset}"),
        }
    }
}

/// A traveller that could not be read well enough to be screened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unscreenable {
    /// The traveller's reference, or a generated one (`row-7`, `PAX001-3`).
    pub traveller_id: String,
    /// What was read of the name, to help the officer find the traveller.
    pub name: String,
    pub location: Location,
    pub message: String,
}

/// A defect of the manifest as a whole (a wrong control count, a missing
/// trailer). The travellers are still screened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestProblem {
    pub location: Location,
    pub message: String,
}

/// Everything read from one manifest file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Manifest {
    pub travellers: Vec<Traveller>,
    pub unscreenable: Vec<Unscreenable>,
    pub problems: Vec<ManifestProblem>,
}
