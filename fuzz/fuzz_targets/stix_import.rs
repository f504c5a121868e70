//! STIX 2.1 bundles posted by partners' tools (MISP, OpenCTI, TAXII clients):
//! any JSON imports to items or to errors naming object and property.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| godwit_exchange::fuzz_checks::stix_import(data));
