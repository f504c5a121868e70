//! PAXLST (UN/EDIFACT passenger lists) as airlines send them: any text parses
//! to a manifest or to errors naming segment and offset, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let today = time::macros::date!(2026 - 11 - 24);
    let parsed = godwit_screening::paxlst::parse(&text, today);
    // Every traveller the parser keeps has a name it can screen.
    for traveller in &parsed.manifest.travellers {
        let _ = traveller.full_name();
    }
});
