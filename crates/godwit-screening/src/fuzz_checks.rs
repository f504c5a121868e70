//! The bodies of the screening parsers' fuzz targets (`fuzz/fuzz_targets/`),
//! here so that ordinary tests replay them over the seeds and mutations of
//! them without libFuzzer (docs/fuzzing.md). Each takes any bytes and must
//! return without a panic.

/// PAXLST as airlines send it: any text parses to a manifest or to errors
/// naming segment and offset.
pub fn paxlst(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = crate::paxlst::parse(&text, time::macros::date!(2026 - 11 - 24));
    // Every traveller the parser keeps has a name it can screen.
    for traveller in &parsed.manifest.travellers {
        let _ = traveller.full_name();
    }
}

/// Machine-readable zones typed or scanned at the border (TD1, TD2, TD3, MRV).
pub fn mrz(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::mrz::parse(text);
    }
}

/// Passenger manifests uploaded as CSV.
pub fn manifest_csv(data: &[u8]) {
    let _ = crate::manifest::csv::parse(data);
}

/// Members' screening lists (persons and documents) uploaded as CSV.
pub fn watchlist_csv(data: &[u8]) {
    let _ = crate::watchlist::persons::load(data);
    let _ = crate::watchlist::documents::load(data);
}

#[cfg(test)]
mod tests {
    use godwit_domain::fuzz_replay::replay;

    #[test]
    fn paxlst_fuzz_inputs_replay() {
        replay("paxlst", super::paxlst);
    }

    #[test]
    fn mrz_fuzz_inputs_replay() {
        replay("mrz", super::mrz);
    }

    #[test]
    fn manifest_csv_fuzz_inputs_replay() {
        replay("manifest_csv", super::manifest_csv);
    }

    #[test]
    fn watchlist_csv_fuzz_inputs_replay() {
        replay("watchlist_csv", super::watchlist_csv);
    }
}
