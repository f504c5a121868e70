//! Reading the CSV files of this crate (manifests, watchlists): a fixed
//! header, then rows whose defects are reported by row and column.

use std::io::Read;

use serde::Serialize;
use thiserror::Error;

/// A defect in one cell (or in the shape of one row).
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[error("row {row}, column {column}: {message}")]
pub struct CellError {
    /// One-based line number; the header is row 1.
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// Why a CSV file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CsvError {
    #[error("row 1: header must be {expected:?}, found {found:?}")]
    Header { expected: String, found: String },
}

/// One data row with its line number.
pub(crate) struct Row {
    pub number: usize,
    record: csv::StringRecord,
    header: &'static [&'static str],
}

impl Row {
    /// The trimmed cell of `column` (empty when the column is unknown).
    pub fn get(&self, column: &str) -> &str {
        self.header.iter().position(|h| *h == column).and_then(|i| self.record.get(i)).map_or("", str::trim)
    }

    /// The cell, or `None` when empty.
    pub fn optional(&self, column: &str) -> Option<String> {
        let value = self.get(column);
        (!value.is_empty()).then(|| value.to_string())
    }

    /// An error about `column` of this row.
    pub fn error(&self, column: &str, message: impl Into<String>) -> CellError {
        CellError { row: self.number, column: column.to_string(), message: message.into() }
    }
}

/// Checks the header and yields the rows.
pub(crate) fn read<R: Read>(
    input: R,
    header: &'static [&'static str],
) -> Result<impl Iterator<Item = Result<Row, CellError>>, CsvError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let found = reader.headers().map(|h| h.iter().map(str::trim).collect::<Vec<_>>().join(",")).unwrap_or_default();
    let expected = header.join(",");
    if found.trim_start_matches('\u{feff}') != expected {
        return Err(CsvError::Header { expected, found });
    }
    Ok(reader.into_records().map(move |record| {
        let record = record.map_err(|e| CellError {
            row: e.position().map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX)),
            column: String::new(),
            message: e.to_string(),
        })?;
        let number = record.position().map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        if record.len() != header.len() {
            let column = header.get(record.len().min(header.len().saturating_sub(1))).map_or("", |c| *c);
            return Err(CellError {
                row: number,
                column: column.to_string(),
                message: format!("expected {} fields, found {}", header.len(), record.len()),
            });
        }
        Ok(Row { number, record, header })
    }))
}
