//! The body of the sheet import's fuzz target (`fuzz/fuzz_targets/`), here so
//! that ordinary tests replay it over the seeds and mutations of them without
//! libFuzzer (docs/fuzzing.md).

use std::collections::BTreeMap;

/// Incident sheets a member imports (CSV or XLSX, told apart by content),
/// read and planned against every built-in collection template as the
/// import's dry run does: every row becomes a record or errors by row and
/// column, never a panic.
pub fn sheet_import(data: &[u8]) {
    let Ok(sheet) = crate::read::read(data) else { return };
    let today = time::macros::date!(2026 - 11 - 24);
    for template in godwit_domain::template::builtins() {
        let _ = crate::plan::plan(&template, &sheet, &BTreeMap::new(), today);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sheet_import_fuzz_inputs_replay() {
        godwit_domain::fuzz_replay::replay("sheet_import", super::sheet_import);
    }
}
