//! Machine-readable zones typed or scanned at the border (TD1, TD2, TD3, MRV).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = godwit_screening::mrz::parse(text);
    }
});
