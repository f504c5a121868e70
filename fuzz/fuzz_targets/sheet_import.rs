//! Incident sheets a member imports (CSV or XLSX, told apart by content), read
//! and planned against every built-in collection template as the import's dry
//! run does: every row becomes a record or errors by row and column.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| godwit_sheets::fuzz_checks::sheet_import(data));
