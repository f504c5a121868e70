//! Passenger manifests uploaded as CSV.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| godwit_screening::fuzz_checks::manifest_csv(data));
