//! Members' screening lists (persons and documents) uploaded as CSV.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| godwit_screening::fuzz_checks::watchlist_csv(data));
