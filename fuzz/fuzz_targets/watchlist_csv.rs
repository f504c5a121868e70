//! Members' screening lists (persons and documents) uploaded as CSV.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = godwit_screening::watchlist::persons::load(data);
    let _ = godwit_screening::watchlist::documents::load(data);
});
