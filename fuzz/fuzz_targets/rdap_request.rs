//! cargo +nightly fuzz run rdap_request --features rdap
//!
//! Arbitrary bytes as the target of an RDAP request (the path below the base path, then
//! optionally `?` and the query string): the RDAP request parser returns a request or an
//! error, never a panic.
//!
//! Built only with the `rdap` feature: it calls `rirwhois::rdap::parse_request(path, query)`,
//! which the RDAP front end exposes for this target. `scripts/fuzz` and `scripts/test` turn
//! the feature on by themselves once that function exists.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(target) = std::str::from_utf8(data) else {
        return;
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let _ = rirwhois::rdap::parse_request(path, query);
});
