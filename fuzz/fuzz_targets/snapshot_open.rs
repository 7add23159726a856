//! cargo +nightly fuzz run snapshot_open
//!
//! Arbitrary bytes as a snapshot: an error, never a crash or undefined behaviour.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rirwhois::registry::Registry;
use rirwhois::snapshot::Snapshot;

fuzz_target!(|data: &[u8]| {
    if let Ok(snap) = Snapshot::from_bytes(data, Path::new("fuzz")) {
        // A snapshot that passes every check must also index and answer.
        let reg = Registry::from_snapshot(snap);
        let _ = reg.net_by_addr(false, 0x17010203);
        let _ = reg.asn_by_number(64496);
    }
});
