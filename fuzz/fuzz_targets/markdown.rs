//! The Markdown authors write (item bodies, summaries, forewords), rendered as
//! the portal's sanitised HTML and as report blocks: never a panic, never a
//! script, active element, event handler or script URL in the HTML.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| godwit_report::fuzz_checks::markdown(data));
