//! cargo +nightly fuzz run whois_query
//!
//! Arbitrary bytes as one whois query line: `decode` and `parse` return a request or a
//! `%ERROR` code, never a panic; every request that parses is answered from the sample
//! registry in `data/` (both dialects; a client under and one over the personal-data limit),
//! and the answer is well formed.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rirwhois::ingest::{ingest_paths, link};
use rirwhois::model::{Policy, parse_date};
use rirwhois::registry::Registry;
use rirwhois::server::{Dialect, PersonalLimiter};
use rirwhois::snapshot::{Meta, Snapshot, build, encode};
use rirwhois::whois::{Env, answer, query};

fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
        let linked = link(ingest_paths(&[data]));
        let bytes = encode(&build(linked.db, Meta::default()), "mem".as_ref()).unwrap();
        Registry::from_snapshot(Snapshot::from_bytes(&bytes, "mem".as_ref()).unwrap())
    })
}

fuzz_target!(|data: &[u8]| {
    let req = match query::decode(data).and_then(query::parse) {
        Ok(req) => req,
        Err(e) => {
            // Every refusal has a RIPE code and an explanation.
            assert!((101..=399).contains(&e.code()));
            assert!(!e.explanation().is_empty());
            return;
        }
    };
    // A client with no limit, and one that is always over it (personal data denied).
    static LIMITERS: OnceLock<[PersonalLimiter; 2]> = OnceLock::new();
    let limiters = LIMITERS.get_or_init(|| {
        [
            PersonalLimiter::new(u64::MAX, Vec::new()),
            PersonalLimiter::new(0, Vec::new()),
        ]
    });
    for (dialect, limiter) in [Dialect::Arin, Dialect::Rpsl]
        .into_iter()
        .flat_map(|d| limiters.iter().map(move |l| (d, l)))
    {
        let env = Env {
            dialect,
            terms_url: "https://registry.example.net/terms",
            report_url: "https://registry.example.net/report",
            rdap_base: "https://rdap.example.net/",
            policy: Policy::default(),
            as_of: parse_date("2026-11-01").unwrap(),
            peer: IpAddr::V4(Ipv4Addr::LOCALHOST),
            limiter,
        };
        let text = answer(registry(), &env, &req);
        assert!(!text.is_empty());
        assert!(!text.contains('\r'), "LF line endings only");
    }
});
