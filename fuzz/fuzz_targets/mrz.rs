//! Machine-readable zones typed or scanned at the border (TD1, TD2, TD3, MRV).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| godwit_screening::fuzz_checks::mrz(data));
