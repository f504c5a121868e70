//! Incident sheets: the spreadsheets members already keep, read into rows of a
//! collection template, checked, and written back out.
//!
//! The path of an import (docs/user-guide.md, "Importing incidents"):
//! 1. [`read`] turns CSV or XLSX bytes into a [`plan::Sheet`], refusing what
//!    would cost unbounded memory (a zip bomb posing as XLSX is refused from its
//!    zip directory before any part is inflated; rows and columns are bounded).
//! 2. [`plan::plan`] maps the columns to the template's fields, reads every cell
//!    for its field ([`cell`]) and lists every problem with its row, column,
//!    value and reason; each good row becomes a record keyed by its content.
//! 3. The caller (the store) commits the records whose keys it does not hold
//!    yet, all in one transaction, or nothing when the plan has errors.
//!
//! [`export`] writes incident records as CSV or XLSX with the same headers.

pub mod cell;
pub mod export;
pub mod fuzz_checks;
pub mod plan;
pub mod read;
