//! STIX 2.1 bundles posted by partners' tools (MISP, OpenCTI, TAXII clients):
//! any JSON imports to items or to errors naming object and property.
#![no_main]

use godwit_domain::Timestamp;
use godwit_domain::marking::ClassificationScale;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(bundle) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let now = Timestamp(1_795_000_000_000);
    let _ = godwit_exchange::stix::import_bundle(&bundle, &ClassificationScale::default(), now);
});
