//! Incident sheets a member imports (CSV or XLSX, told apart by content), read
//! and planned against a built-in collection template as the import's dry run
//! does: every row becomes a record or errors by row and column.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sheet) = godwit_sheets::read::read(data) else { return };
    let today = time::macros::date!(2026 - 11 - 24);
    for template in godwit_domain::template::builtins() {
        let _ = godwit_sheets::plan::plan(&template, &sheet, &BTreeMap::new(), today);
    }
});
