//! Document examination support: an MRZ read, validated and looked up on
//! the documents watchlist, in one result for the CLI and the HTTP API.

use serde::Serialize;
use time::Date;

use crate::matching::Match;
use crate::matching::documents::DocumentIndex;
use crate::mrz::{self, Mrz, MrzError};
use crate::screen::ReaderLists;
use crate::traveller::TravelDocument;

/// Everything an officer needs about one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentCheck {
    /// The fields, check digits and field problems.
    pub mrz: Mrz,
    /// True when every check digit passes and no field has a problem.
    pub valid: bool,
    #[serde(with = "crate::dates::iso_option")]
    pub date_of_birth: Option<Date>,
    #[serde(with = "crate::dates::iso_option")]
    pub date_of_expiry: Option<Date>,
    /// Whether the document had expired on the check date.
    pub expired: Option<bool>,
    /// Listed documents with this number (lost, stolen, revoked, fraudulent)
    /// on the node's and the reader's national lists, and document alerts
    /// whose series or ranges hold it, best first.
    pub matches: Vec<Match>,
}

/// Parses `text` as an MRZ and checks it against `documents` on `today`.
pub fn check(text: &str, documents: Option<&DocumentIndex>, today: Date) -> Result<DocumentCheck, MrzError> {
    check_with(text, documents, ReaderLists::default(), today)
}

/// [`check`] against the reader's document alerts and national documents
/// lists as well.
pub fn check_with(
    text: &str,
    documents: Option<&DocumentIndex>,
    reader: ReaderLists<'_>,
    today: Date,
) -> Result<DocumentCheck, MrzError> {
    let mrz = mrz::parse(text)?;
    let date_of_birth = mrz.date_of_birth.and_then(|d| d.as_birth_date(today));
    let date_of_expiry = mrz.date_of_expiry.and_then(|d| d.as_expiry_date(today));
    let document = TravelDocument {
        document_type: mrz.document_code.clone(),
        number: mrz.document_number.clone(),
        issuing_state: Some(mrz.issuing_state.code.clone()),
        expiry_date: date_of_expiry,
    };
    let mut matches = documents.map(|index| index.search(&document)).unwrap_or_default();
    matches.extend(reader.search_document(&document));
    matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.watchlist_id.cmp(&b.watchlist_id)));
    Ok(DocumentCheck {
        valid: mrz.is_valid(),
        expired: date_of_expiry.map(|d| d < today),
        date_of_birth,
        date_of_expiry,
        matches,
        mrz,
    })
}
