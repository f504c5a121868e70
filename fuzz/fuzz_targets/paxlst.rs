//! PAXLST (UN/EDIFACT passenger lists) as airlines send them: any text parses
//! to a manifest or to errors naming segment and offset, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| godwit_screening::fuzz_checks::paxlst(data));
