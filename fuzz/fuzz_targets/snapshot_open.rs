//! cargo +nightly fuzz run snapshot_open
//!
//! Arbitrary bytes as a snapshot: an error, never a crash or undefined behaviour.
//!
//! The first byte picks the mode. Even: the rest is the whole file, as it is (only the header
//! checks and the checksums are reached). Odd: the rest is a list of 5-byte patches (a
//! little-endian offset and a byte) applied to a valid snapshot of the sample registry in
//! `data/`, whose checksums are then rewritten to match (`snapshot::reseal`), so that the
//! altered sections reach the rkyv validation and the reference checks behind them. A
//! snapshot that passes every check must index and answer.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rirwhois::ingest::{ingest_paths, link};
use rirwhois::registry::Registry;
use rirwhois::snapshot::{Meta, Snapshot, build, encode, reseal};

fn sample() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
        let linked = link(ingest_paths(&[data]));
        encode(&build(linked.db, Meta::default()), Path::new("mem")).unwrap()
    })
}

fn exercise(snap: Snapshot) {
    let reg = Registry::from_snapshot(snap);
    let nets = reg.data().db.nets.len() as u32;
    for i in 0..nets {
        let n = reg.net(i);
        let (v6, start, end) = (n.v6, n.start.to_native(), n.end.to_native());
        let _ = reg.net_by_addr(v6, start);
        let _ = reg.net_by_range(v6, start, end);
        let _ = reg.less_specific(i).count();
        let _ = reg.more_specific(i).count();
        let _ = reg.net_abuse(i);
    }
    for i in 0..reg.data().db.asns.len() as u32 {
        let _ = reg.asn_abuse(i);
        let _ = reg.asn_by_number(reg.asn(i).start.to_native());
    }
    for i in 0..reg.data().db.orgs.len() as u32 {
        let _ = reg.org_abuse(i);
    }
    let _ = reg.net_by_addr(false, 0x17010203);
    let _ = reg.asn_by_number(64496);
    let _ = reg.search_names("a*", 10);
    let _ = reg.search_handles("NET*", 10);
    let _ = reg.by_handle("ALPHA");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Ok(snap) = Snapshot::from_bytes(rest, Path::new("fuzz")) {
            exercise(snap);
        }
        return;
    }
    let mut bytes = sample().to_vec();
    for p in rest.chunks_exact(5) {
        let at = u32::from_le_bytes([p[0], p[1], p[2], p[3]]) as usize % bytes.len();
        bytes[at] = p[4];
    }
    reseal(&mut bytes);
    if let Ok(snap) = Snapshot::from_bytes(&bytes, Path::new("fuzz")) {
        exercise(snap);
    }
});
