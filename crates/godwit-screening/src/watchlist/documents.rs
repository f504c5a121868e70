//! Documents CSV: `id,document_number,issuing_state,document_type,status,reason`
//! where status is `lost`, `stolen`, `revoked` or `fraudulent`.

use std::io::Read;

use serde::Serialize;

use super::Loaded;
use crate::csv_table::{self, CellError, CsvError, Row};

/// The required header, in order.
pub const HEADER: &[&str] = &["id", "document_number", "issuing_state", "document_type", "status", "reason"];

/// Why a document is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    Lost,
    Stolen,
    Revoked,
    Fraudulent,
}

impl DocumentStatus {
    fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "lost" => Some(Self::Lost),
            "stolen" => Some(Self::Stolen),
            "revoked" => Some(Self::Revoked),
            "fraudulent" => Some(Self::Fraudulent),
            _ => None,
        }
    }
}

/// A document on a watchlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentEntry {
    pub id: String,
    pub document_number: String,
    pub issuing_state: Option<String>,
    pub document_type: Option<String>,
    pub status: DocumentStatus,
    pub reason: String,
}

/// Reads a documents watchlist; fails only on a wrong header.
pub fn load<R: Read>(input: R) -> Result<Loaded<DocumentEntry>, CsvError> {
    let mut loaded = Loaded::default();
    for row in csv_table::read(input, HEADER)? {
        match row.and_then(|r| entry(&r)) {
            Ok(e) => loaded.entries.push(e),
            Err(e) => loaded.errors.push(e),
        }
    }
    Ok(loaded)
}

fn entry(row: &Row) -> Result<DocumentEntry, CellError> {
    let id = row.get("id");
    if id.is_empty() {
        return Err(row.error("id", "id is empty"));
    }
    let number = row.get("document_number");
    if number.is_empty() {
        return Err(row.error("document_number", "document number is empty"));
    }
    let status_text = row.get("status");
    let status = DocumentStatus::parse(status_text)
        .ok_or_else(|| row.error("status", format!("{status_text:?} is not lost, stolen, revoked or fraudulent")))?;
    Ok(DocumentEntry {
        id: id.to_string(),
        document_number: number.to_string(),
        issuing_state: row.optional("issuing_state"),
        document_type: row.optional("document_type"),
        status,
        reason: row.get("reason").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_status_errors() {
        let text = "id,document_number,issuing_state,document_type,status,reason
D1,L898902C3,UTO,P,stolen,reported 2025
D2,X1,UTO,P,misplaced,
D3,,UTO,P,lost,
";
        let loaded = load(text.as_bytes()).expect("header ok");
        assert_eq!(loaded.entries.len(), 1);
        assert_eq!(loaded.entries[0].status, DocumentStatus::Stolen);
        let errors: Vec<(usize, &str)> = loaded.errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(errors, vec![(3, "status"), (4, "document_number")]);
    }
}
