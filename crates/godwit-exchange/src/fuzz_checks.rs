//! The body of the STIX import's fuzz target (`fuzz/fuzz_targets/`), here so
//! that ordinary tests replay it over the seeds and mutations of them without
//! libFuzzer (docs/fuzzing.md).

use godwit_domain::Timestamp;
use godwit_domain::marking::ClassificationScale;

/// STIX 2.1 bundles posted by partners' tools (MISP, OpenCTI, TAXII clients):
/// any JSON imports to items or to errors naming object and property, never a
/// panic.
pub fn stix_import(data: &[u8]) {
    let Ok(bundle) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let _ = crate::stix::import_bundle(&bundle, &ClassificationScale::default(), Timestamp(1_795_000_000_000));
}

#[cfg(test)]
mod tests {
    #[test]
    fn stix_import_fuzz_inputs_replay() {
        godwit_domain::fuzz_replay::replay("stix_import", super::stix_import);
    }
}
