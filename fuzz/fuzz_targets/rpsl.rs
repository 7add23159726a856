//! cargo +nightly fuzz run rpsl
//!
//! Arbitrary text through the rpsl parser and the linker: never a panic, and every object
//! that is not kept is reported.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rirwhois::ingest::{Format, Ingest, link};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut ingest = Ingest::default();
    ingest.add_text("fuzz", &text, Format::Rpsl);
    let linked = link(ingest);
    let _ = linked.summary.to_string();
});
