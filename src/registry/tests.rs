use std::path::Path;

use super::*;
use crate::ingest::{Ingest, Located, Location, link};
use crate::model::{
    Asn, Net, Org, Poc, PocLink, PolicyProfile, ValidationRecord, parse_date, parse_range,
};
use crate::snapshot::{Meta, build, encode};

fn at() -> Location {
    Location::new("test", 1)
}

fn poc(handle: &str, mail: &str) -> Located<Poc> {
    Located {
        at: at(),
        obj: Poc {
            handle: handle.into(),
            name: format!("{handle} name"),
            emails: vec![mail.into()],
            validation: NONE,
            ..Poc::default()
        },
    }
}

fn org(handle: &str, name: &str, links: &[(PocFunction, &str)], parent: &str) -> Located<Org> {
    Located {
        at: at(),
        obj: Org {
            handle: handle.into(),
            name: name.into(),
            customer: !parent.is_empty(),
            private: !parent.is_empty(),
            parent_org_handle: parent.into(),
            pocs: links.iter().map(|(f, h)| PocLink::new(*f, *h)).collect(),
            parent_org: NONE,
            ..Org::default()
        },
    }
}

fn net(handle: &str, range: &str, org: &str, links: &[(PocFunction, &str)]) -> Located<Net> {
    let (v6, start, end) = parse_range(range).unwrap();
    Located {
        at: at(),
        obj: Net {
            handle: handle.into(),
            name: format!("{handle}-NAME"),
            v6,
            start,
            end,
            org_handle: org.into(),
            pocs: links.iter().map(|(f, h)| PocLink::new(*f, *h)).collect(),
            org: NONE,
            parent: NONE,
            ..Net::default()
        },
    }
}

fn registry(ingest: Ingest) -> Registry {
    let linked = link(ingest);
    assert!(linked.problems.is_empty(), "{:#?}", linked.problems);
    let data = build(linked.db, Meta::default());
    let bytes = encode(&data, Path::new("mem")).unwrap();
    Registry::from_snapshot(Snapshot::from_bytes(&bytes, Path::new("mem")).unwrap())
}

use PocFunction::{Abuse as AB, Tech as T};

/// ORG-A (abuse ABUSE-A) holds NET-A 23.0.0.0/8 (own abuse NET-ABUSE);
/// NET-B 23.1.0.0/16 for ORG-B (no abuse), NET-C 23.1.2.0-23.1.2.191 (non-CIDR) for
/// customer C-1 whose parent is ORG-A; NET-D 23.1.2.128/26 with no org;
/// NET-E 45.0.0.0/16 for ORG-B: no abuse anywhere. IPv6 NET-6 2600::/32 for ORG-A.
fn sample() -> Registry {
    let mut i = Ingest::default();
    for (h, m) in [
        ("ABUSE-A", "abuse@a.example"),
        ("NET-ABUSE", "net-abuse@a.example"),
        ("TECH-B", "tech@b.example"),
    ] {
        i.pocs.push(poc(h, m));
    }
    i.validations.push(Located {
        at: at(),
        obj: ValidationRecord {
            handle: "abuse-a".into(),
            requested: Some(parse_date("2026-09-01").unwrap()),
            validated: None,
            reported_invalid: None,
        },
    });
    i.orgs
        .push(org("ORG-A", "Alpha Networks", &[(AB, "ABUSE-A")], ""));
    i.orgs
        .push(org("ORG-B", "Beta Hosting", &[(T, "TECH-B")], ""));
    i.orgs.push(org("C-1", "Private Person", &[], "ORG-A"));
    i.nets.push(net(
        "NET-A",
        "23.0.0.0 - 23.255.255.255",
        "ORG-A",
        &[(AB, "NET-ABUSE")],
    ));
    i.nets.push(net(
        "NET-B",
        "23.1.0.0 - 23.1.255.255",
        "ORG-B",
        &[(T, "TECH-B")],
    ));
    i.nets
        .push(net("NET-C", "23.1.2.0 - 23.1.2.191", "C-1", &[]));
    i.nets
        .push(net("NET-D", "23.1.2.128 - 23.1.2.191", "", &[]));
    i.nets
        .push(net("NET-E", "45.0.0.0 - 45.0.255.255", "ORG-B", &[]));
    i.nets.push(net(
        "NET-6",
        "2600:: - 2600:0:ffff:ffff:ffff:ffff:ffff:ffff",
        "ORG-A",
        &[],
    ));
    for (h, s, e, block, org) in [
        ("AS393200 - AS393220", 393200, 393220, true, "ORG-B"),
        ("AS393210", 393210, 393210, false, "ORG-A"),
    ] {
        i.asns.push(Located {
            at: at(),
            obj: Asn {
                handle: h.into(),
                name: format!("NAME-{s}"),
                start: s,
                end: e,
                block,
                org_handle: org.into(),
                org: NONE,
                parent: NONE,
                ..Asn::default()
            },
        });
    }
    registry(i)
}

fn handle_of(r: &Registry, i: Option<u32>) -> Option<&str> {
    i.map(|i| r.net(i).handle.as_str())
}

fn v4(s: &str) -> u128 {
    parse_addr(s).unwrap().1
}

#[test]
fn longest_prefix_match_and_non_cidr_ranges() {
    let r = sample();
    let at = |a: &str| {
        let (v6, x) = parse_addr(a).unwrap();
        handle_of(&r, r.net_by_addr(v6, x))
    };
    assert_eq!(at("23.9.9.9"), Some("NET-A"));
    assert_eq!(at("23.1.9.9"), Some("NET-B"));
    assert_eq!(at("23.1.2.0"), Some("NET-C"));
    assert_eq!(at("23.1.2.127"), Some("NET-C"));
    assert_eq!(at("23.1.2.128"), Some("NET-D"));
    assert_eq!(at("23.1.2.191"), Some("NET-D"));
    // Just past the non-CIDR range: back to NET-B.
    assert_eq!(at("23.1.2.192"), Some("NET-B"));
    assert_eq!(at("24.0.0.1"), None);
    assert_eq!(at("2600::1"), Some("NET-6"));
    assert_eq!(at("2601::1"), None);
}

#[test]
fn prefix_and_range_lookups() {
    let r = sample();
    prefix_and_range_lookups_on(&r);
    r.build_prefix_tries();
    prefix_and_range_lookups_on(&r);
}

/// Before the prefix tries are built and after.
fn prefix_and_range_lookups_on(r: &Registry) {
    // The /24 is not wholly inside NET-C (which ends at .191): NET-B covers it.
    assert_eq!(
        handle_of(r, r.net_by_prefix(false, v4("23.1.2.0"), 24)),
        Some("NET-B")
    );
    assert_eq!(
        handle_of(r, r.net_by_prefix(false, v4("23.1.2.0"), 25)),
        Some("NET-C")
    );
    assert_eq!(
        handle_of(r, r.net_by_range(false, v4("23.1.2.0"), v4("23.1.2.130"))),
        Some("NET-C")
    );
    assert_eq!(
        handle_of(r, r.net_by_range(false, v4("23.1.2.0"), v4("23.1.3.0"))),
        Some("NET-B")
    );
    assert_eq!(
        handle_of(r, r.net_exact(false, v4("23.1.2.0"), v4("23.1.2.191"))),
        Some("NET-C")
    );
    assert_eq!(r.net_exact(false, v4("23.1.2.0"), v4("23.1.2.255")), None);
}

#[test]
fn asns_handles_and_names() {
    let r = sample();
    let asn = |n| r.asn_by_number(n).map(|i| r.asn(i).handle.as_str());
    assert_eq!(asn(393210), Some("AS393210"));
    assert_eq!(asn(393211), Some("AS393200 - AS393220"));
    assert_eq!(asn(393221), None);
    assert_eq!(asn(1), None);
    let hits = r.by_handle("net-c");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].kind, ObjectKind::Net);
    assert_eq!(r.by_handle("org-a")[0].kind, ObjectKind::Org);
    let s = r.search_names("alpha networks", 10);
    assert_eq!(s.hits.len(), 1);
    let s = r.search_names("NET-*", 3);
    assert_eq!(s.hits.len(), 3);
    assert!(s.truncated);
    // Six network names and the POC "NET-ABUSE name".
    let s = r.search_names("NET-*", 100);
    assert_eq!(s.hits.len(), 7);
    assert!(!s.truncated);
    // A private customer's name is not searchable.
    assert!(r.search_names("private*", 10).hits.is_empty());
}

#[test]
fn hierarchy_walks() {
    let r = sample();
    let find = |h: &str| r.by_handle(h)[0].index;
    let names =
        |v: Vec<u32>| -> Vec<&str> { v.iter().map(|&i| r.net(i).handle.as_str()).collect() };
    let d = find("NET-D");
    assert_eq!(
        names(r.less_specific(d).collect()),
        ["NET-C", "NET-B", "NET-A"]
    );
    assert_eq!(
        names(r.more_specific(find("NET-A")).collect()),
        ["NET-B", "NET-C", "NET-D"]
    );
    assert_eq!(names(r.children(find("NET-A")).collect()), ["NET-B"]);
    assert_eq!(r.parent(find("NET-A")), None);
    assert_eq!(r.top_nets().count(), 3);
}

#[test]
fn abuse_inheritance() {
    let r = sample();
    let find = |h: &str| r.by_handle(h)[0].index;
    let a = r.net_abuse(find("NET-A")).unwrap();
    assert_eq!(a.mailbox, "net-abuse@a.example");
    assert!(!a.inherited);
    // NET-B's org has no abuse contact: inherited from the parent net.
    let b = r.net_abuse(find("NET-B")).unwrap();
    assert_eq!(b.mailbox, "net-abuse@a.example");
    assert_eq!(b.from, Holder::Net(find("NET-A")));
    assert!(b.inherited);
    // NET-C belongs to a customer: the customer's parent org supplies it.
    let c = r.net_abuse(find("NET-C")).unwrap();
    assert_eq!(c.mailbox, "abuse@a.example");
    assert_eq!(r.holder_handle(c.from), "ORG-A");
    // NET-D has no org: its parent NET-C's result.
    let d = r.net_abuse(find("NET-D")).unwrap();
    assert_eq!(d.mailbox, "abuse@a.example");
    // IPv6 net with only an org.
    let v6 = r.net_abuse(find("NET-6")).unwrap();
    assert_eq!(r.holder_handle(v6.from), "ORG-A");
    assert!(v6.inherited);
    // Nothing anywhere.
    assert!(r.net_abuse(find("NET-E")).is_none());
    // ASN: own org's, or none.
    let asn = r.asn_abuse(r.asn_by_number(393210).unwrap()).unwrap();
    assert_eq!(asn.mailbox, "abuse@a.example");
    assert!(r.asn_abuse(r.asn_by_number(393211).unwrap()).is_none());
}

#[test]
fn validation_state_through_the_registry() {
    let r = sample();
    let p = r.by_handle("ABUSE-A")[0].index;
    let arin = Policy::new(PolicyProfile::Arin);
    let d = |s: &str| parse_date(s).unwrap();
    assert!(matches!(
        r.validation_state(p, d("2026-10-30"), &arin),
        ValidationState::Unvalidated { .. }
    ));
    assert!(matches!(
        r.validation_state(p, d("2026-10-31"), &arin),
        ValidationState::Invalid { .. }
    ));
    let other = r.by_handle("TECH-B")[0].index;
    assert_eq!(
        r.validation_state(other, d("2026-10-31"), &arin),
        ValidationState::Unknown
    );
}

#[test]
fn query_classification() {
    assert_eq!(
        Query::parse("23.1.2.3"),
        Query::Addr {
            v6: false,
            addr: v4("23.1.2.3")
        }
    );
    assert_eq!(
        Query::parse("23.1.2.3/16"),
        Query::Prefix {
            v6: false,
            addr: v4("23.1.0.0"),
            len: 16
        }
    );
    assert!(matches!(
        Query::parse("23.1.0.0 - 23.1.0.9"),
        Query::Range { .. }
    ));
    assert_eq!(Query::parse("AS393210"), Query::Asn(393210));
    assert_eq!(Query::parse("as393210"), Query::Asn(393210));
    assert_eq!(Query::parse("393210"), Query::Asn(393210));
    assert_eq!(Query::parse("NET-A"), Query::Text("NET-A".into()));
    assert_eq!(
        Query::parse("99999999999"),
        Query::Text("99999999999".into())
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Random ranges inside 23.1.0.0/16 (IPv4) or 2600::/112 (IPv6), many partly
    /// overlapping; the linker drops those, leaving a properly nested set.
    fn ranges() -> impl Strategy<Value = Vec<(bool, u32, u32, bool)>> {
        prop::collection::vec(
            (any::<bool>(), 0u32..65536, 1u32..20000, any::<bool>()),
            1..60,
        )
    }

    fn build(spec: &[(bool, u32, u32, bool)]) -> Registry {
        let mut i = Ingest::default();
        i.pocs.push(poc("AB", "ab@example.net"));
        i.orgs.push(org("ORG-X", "X", &[(AB, "AB")], ""));
        for (n, &(v6, off, len, own)) in spec.iter().enumerate() {
            let base: u128 = if v6 {
                0x2600u128 << 112
            } else {
                v4("23.1.0.0")
            };
            let start = base + u128::from(off);
            let end = (start + u128::from(len)).min(base + 65535);
            let (links, org): (&[(PocFunction, &str)], &str) = match (own, n % 3) {
                (true, _) => (&[(AB, "AB")], ""),
                (false, 0) => (&[], "ORG-X"),
                _ => (&[], ""),
            };
            let range = format!(
                "{} - {}",
                crate::model::format_addr(v6, start),
                crate::model::format_addr(v6, end)
            );
            i.nets.push(net(&format!("N{n}"), &range, org, links));
        }
        let linked = link(i);
        let data = crate::snapshot::build(linked.db, Meta::default());
        let bytes = encode(&data, Path::new("mem")).unwrap();
        Registry::from_snapshot(Snapshot::from_bytes(&bytes, Path::new("mem")).unwrap())
    }

    /// The most specific net by definition: among nets containing the address, the deepest.
    fn brute_lookup(r: &Registry, v6: bool, a: u128) -> Option<u32> {
        (0..r.data().db.nets.len() as u32)
            .filter(|&i| {
                let n = r.net(i);
                n.v6 == v6 && n.start.to_native() <= a && a <= n.end.to_native()
            })
            .max_by_key(|&i| r.net(i).depth)
    }

    /// Abuse by definition: own abuse link, else org's, else the parent's answer.
    fn brute_abuse(r: &Registry, net: u32) -> Option<&str> {
        let n = r.net(net);
        if !n.pocs.is_empty() {
            return Some("ab@example.net");
        }
        if n.org.to_native() != NONE {
            return Some("ab@example.net");
        }
        let p = n.parent.to_native();
        if p == NONE { None } else { brute_abuse(r, p) }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn trie_equals_brute_force(spec in ranges(), probes in prop::collection::vec((any::<bool>(), 0u32..65536), 64)) {
            let r = build(&spec);
            for (v6, off) in probes {
                let base: u128 = if v6 { 0x2600u128 << 112 } else { v4("23.1.0.0") };
                let a = base + u128::from(off);
                prop_assert_eq!(r.net_by_addr(v6, a), brute_lookup(&r, v6, a));
            }
        }

        #[test]
        fn hierarchy_and_abuse_equal_definitions(spec in ranges()) {
            let r = build(&spec);
            let all = r.data().db.nets.len() as u32;
            for i in 0..all {
                let n = r.net(i);
                let (s, e) = (n.start.to_native(), n.end.to_native());
                let contains = |j: u32| {
                    let m = r.net(j);
                    j != i && m.v6 == n.v6 && m.start.to_native() <= s && e <= m.end.to_native()
                };
                // Less specific: exactly the nets that contain this one (identical ranges
                // count when they are above it in the chain).
                let mut less: Vec<u32> = r.less_specific(i).collect();
                let mut expect: Vec<u32> = (0..all)
                    .filter(|&j| contains(j) && r.more_specific(j).any(|k| k == i))
                    .collect();
                less.sort();
                expect.sort();
                prop_assert_eq!(&less, &expect);
                for j in (0..all).filter(|&j| contains(j)) {
                    let m = r.net(j);
                    let identical = m.start.to_native() == s && m.end.to_native() == e;
                    prop_assert!(identical || less.contains(&j), "{} contains {} but is not above it", j, i);
                }
                // More specific: the nets it contains, each below it.
                let more: Vec<u32> = r.more_specific(i).collect();
                for &k in &more {
                    let m = r.net(k);
                    prop_assert!(m.start.to_native() >= s && m.end.to_native() <= e);
                    prop_assert!(r.less_specific(k).any(|x| x == i));
                }
                // Children are the nets whose parent is this one.
                let kids: Vec<u32> = r.children(i).collect();
                let expect: Vec<u32> = (0..all).filter(|&k| r.parent(k) == Some(i)).collect();
                let mut sorted = kids.clone();
                sorted.sort();
                prop_assert_eq!(sorted, expect);
                prop_assert_eq!(r.net_abuse(i).map(|a| a.mailbox), brute_abuse(&r, i));
            }
        }
    }
}

mod nested;
