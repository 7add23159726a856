//! Tests of the generator: determinism, counts, hierarchy, references and fractions.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::Path;

use super::nets::{FamilyStats, NetRec, generate_family};
use super::*;
use crate::model::{
    Policy, PolicyProfile, ValidationState, parse_addr, parse_date, parse_prefix, parse_range,
};

fn small_world(seed: u64) -> (World, Counts) {
    let counts = Counts::of(Scale::Small);
    let parties = counts.parties as u32;
    let asns = gen_asns(
        seed,
        counts.asns,
        parties / 5 * 3,
        DEFAULT_REFERENCE_DATE,
        &[],
    );
    (
        World::new(seed, DEFAULT_REFERENCE_DATE, counts, &asns),
        counts,
    )
}

fn collect(
    w: &World,
    v6: bool,
    target: u64,
    routed: Option<&[space::RoutedPrefix]>,
) -> (Vec<NetRec>, FamilyStats, Customers) {
    let mut customers = Customers::new(w.n_orgs, w.n_parties - w.n_orgs);
    let mut nets = Vec::new();
    let mut sink = |n: &NetRec| {
        nets.push(n.clone());
        Ok(())
    };
    let stats = generate_family(w, v6, target, routed, &mut customers, &mut sink).unwrap();
    (nets, stats, customers)
}

/// Checks that the nets form a laminar family whose recorded parent is always the smallest
/// enclosing net, and returns the deepest level seen (0 = top level).
fn check_hierarchy(nets: &[NetRec]) -> usize {
    let mut sorted: Vec<&NetRec> = nets.iter().collect();
    sorted.sort_by_key(|n| (n.start, std::cmp::Reverse(n.end)));
    let mut stack: Vec<&NetRec> = Vec::new();
    let mut deepest = 0;
    for (i, n) in sorted.iter().enumerate() {
        assert!(n.start <= n.end);
        if i > 0 {
            let prev = sorted[i - 1];
            assert!(
                (prev.start, prev.end) != (n.start, n.end),
                "two nets with the same range {:#x}-{:#x}",
                n.start,
                n.end
            );
        }
        while stack.last().is_some_and(|top| top.end < n.start) {
            stack.pop();
        }
        match stack.last() {
            Some(top) => {
                assert!(
                    top.end >= n.end,
                    "partial overlap: {:#x}-{:#x} and {:#x}-{:#x}",
                    top.start,
                    top.end,
                    n.start,
                    n.end
                );
                assert_eq!(
                    n.parent.map(|(s, e, _)| (s, e)),
                    Some((top.start, top.end)),
                    "parent of {:#x}-{:#x} is not the smallest enclosing net",
                    n.start,
                    n.end
                );
                let expected_suffix = if top.start == n.start {
                    top.suffix + 1
                } else {
                    1
                };
                assert_eq!(n.suffix, expected_suffix);
            }
            None => assert!(n.parent.is_none(), "a top-level net with a parent"),
        }
        deepest = deepest.max(stack.len());
        stack.push(n);
    }
    deepest
}

#[test]
fn nets_nest_without_partial_overlaps() {
    let (w, counts) = small_world(11);
    let (v4, s4, customers) = collect(&w, false, counts.nets_v4, None);
    assert_eq!(v4.len() as u64, counts.nets_v4);
    assert_eq!(s4.nets, counts.nets_v4);
    assert_eq!(
        check_hierarchy(&v4),
        3,
        "IPv4 nets should nest four levels deep"
    );
    assert!(s4.non_cidr > 0, "some IPv4 ranges should not be one CIDR");
    assert!(s4.delegations > 0);
    for n in &v4 {
        assert!(n.end <= u128::from(u32::MAX));
        if let Some(len) = n.cidr_len {
            assert_eq!(
                crate::model::prefix_range(false, n.start, len),
                (n.start, n.end)
            );
        } else {
            assert_eq!(crate::model::cidrs_of_range(false, n.start, n.end).len(), 2);
        }
        if n.parent.is_none() {
            let pools = space::v4_pools();
            assert!(
                pools.iter().any(|&(s, e)| s <= n.start && n.end <= e),
                "top-level {:#x} outside the public pools",
                n.start
            );
        }
    }
    // Customers got a parent org, which is the org holding the parent net.
    let handed: Vec<u32> = customers
        .parent
        .iter()
        .copied()
        .filter(|&p| p != u32::MAX)
        .collect();
    assert!(!handed.is_empty());
    assert!(handed.iter().all(|&p| p < w.n_orgs));

    let (v6, s6, _) = collect(&w, true, counts.nets_v6, None);
    assert_eq!(s6.nets, counts.nets_v6);
    assert!(check_hierarchy(&v6) >= 2);
    assert_eq!(s6.non_cidr, 0, "inet6num cannot express non-CIDR ranges");
    assert!(v6.iter().all(|n| n.start >> 124 == 2));
}

#[test]
fn about_thirty_percent_of_nets_lack_their_own_abuse_contact() {
    let (w, counts) = small_world(5);
    let (_, s4, _) = collect(&w, false, counts.nets_v4, None);
    let (_, s6, _) = collect(&w, true, counts.nets_v6, None);
    let frac = (s4.without_abuse + s6.without_abuse) as f64 / (s4.nets + s6.nets) as f64;
    assert!((0.26..0.34).contains(&frac), "abuse-less fraction {frac}");
}

#[test]
fn validation_states_have_the_intended_fractions() {
    let seed = 3;
    let n = 3000u64;
    let arin = Policy::new(PolicyProfile::Arin);
    let lacnic = Policy::new(PolicyProfile::Lacnic);
    let mut tally: BTreeMap<&str, u64> = BTreeMap::new();
    let mut temporarily_invalid = 0;
    for q in 0..n {
        let v = validation_of(seed, q, DEFAULT_REFERENCE_DATE);
        for t in [v.requested, v.validated, v.reported_invalid]
            .into_iter()
            .flatten()
        {
            assert!(
                t <= DEFAULT_REFERENCE_DATE,
                "dates must not be after the reference"
            );
        }
        let key = match (
            v.none,
            arin.state(
                v.requested,
                v.validated,
                v.reported_invalid,
                DEFAULT_REFERENCE_DATE,
            ),
        ) {
            (true, _) => "none",
            (false, ValidationState::Validated { .. }) => "validated",
            (false, ValidationState::Unvalidated { .. }) => "unvalidated",
            (false, ValidationState::Invalid { .. }) => "invalid",
            (false, other) => panic!("unexpected state {other:?}"),
        };
        *tally.entry(key).or_default() += 1;
        if matches!(
            lacnic.state(
                v.requested,
                v.validated,
                v.reported_invalid,
                DEFAULT_REFERENCE_DATE
            ),
            ValidationState::TemporarilyInvalid { .. }
        ) {
            temporarily_invalid += 1;
        }
    }
    let frac = |k: &str| tally.get(k).copied().unwrap_or(0) as f64 / n as f64;
    assert!((0.08..0.12).contains(&frac("unvalidated")), "{tally:?}");
    assert!((0.02..0.04).contains(&frac("invalid")), "{tally:?}");
    assert!((0.035..0.065).contains(&frac("none")), "{tally:?}");
    assert!(temporarily_invalid > 0);
}

/// Every file of a generation, by name relative to `dir`.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn text(files: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(files[name].clone()).unwrap()
}

/// Values of `<tag>…</tag>` in `s`.
fn elements<'a>(s: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    s.split(open.as_str())
        .skip(1)
        .map(|rest| &rest[..rest.find(close.as_str()).unwrap()])
        .collect()
}

fn check_well_formed(name: &str, xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "{name}: not well-formed XML at {}: {e}",
                reader.error_position()
            ),
        }
    }
}

#[test]
fn arin_output_is_deterministic_counted_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let opts = |seed: u64, sub: &str| {
        GenOptions::new(Scale::Small, seed, GenFormat::ArinXml, dir.path().join(sub))
    };
    let report = generate(&opts(7, "a")).unwrap();
    let again = generate(&opts(7, "b")).unwrap();
    let other = generate(&opts(8, "c")).unwrap();
    let a = read_tree(&dir.path().join("a"));
    let b = read_tree(&dir.path().join("b"));
    let c = read_tree(&dir.path().join("c"));
    assert_eq!(a, b, "same options must give byte-identical files");
    assert_eq!(a.keys().collect::<Vec<_>>(), c.keys().collect::<Vec<_>>());
    assert_ne!(a["arin/nets-v4-000.xml"], c["arin/nets-v4-000.xml"]);
    assert_ne!(a["arin/pocs.xml"], c["arin/pocs.xml"]);
    assert_eq!(report.nets_v4, again.nets_v4);
    assert_ne!(report.bytes, other.bytes);

    let names: Vec<&str> = a.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "arin/asns.xml",
            "arin/delegations.xml",
            "arin/nets-v4-000.xml",
            "arin/nets-v6.xml",
            "arin/orgs.xml",
            "arin/pocs.xml",
            "validation.csv"
        ]
    );
    assert_eq!(report.files.len(), names.len());
    assert_eq!(
        report.bytes,
        a.values().map(|v| v.len() as u64).sum::<u64>()
    );
    for (name, bytes) in &a {
        if name.ends_with(".xml") {
            check_well_formed(name, std::str::from_utf8(bytes).unwrap());
        }
    }

    let v4 = text(&a, "arin/nets-v4-000.xml");
    let v6 = text(&a, "arin/nets-v6.xml");
    let pocs = text(&a, "arin/pocs.xml");
    let orgs = text(&a, "arin/orgs.xml");
    let asns = text(&a, "arin/asns.xml");
    let delegations = text(&a, "arin/delegations.xml");
    assert_eq!(v4.matches("<net>").count() as u64, report.nets_v4);
    assert_eq!(v6.matches("<net>").count() as u64, report.nets_v6);
    assert_eq!(report.nets_v4, 4000);
    assert_eq!(report.nets_v6, 1000);
    assert_eq!(pocs.matches("<poc>").count() as u64, report.pocs);
    assert_eq!(report.pocs, 3000);
    assert_eq!(
        (orgs.matches("<org>").count() + orgs.matches("<customer>").count()) as u64,
        report.orgs
    );
    assert_eq!(report.orgs, 1500);
    assert!(orgs.contains("<privateCustomer>true</privateCustomer>"));
    assert_eq!(asns.matches("<asn>").count() as u64, report.asns);
    assert_eq!(report.asns, 100);
    assert!(delegations.contains("<delegationKey>"));

    // Addresses and dates parse with the crate's own parsers.
    let reference = DEFAULT_REFERENCE_DATE;
    for s in elements(&v4, "startAddress")
        .into_iter()
        .chain(elements(&v6, "endAddress"))
    {
        parse_addr(s).unwrap();
    }
    for s in elements(&v4, "registrationDate")
        .into_iter()
        .chain(elements(&pocs, "updateDate"))
        .chain(elements(&orgs, "registrationDate"))
    {
        let ts = parse_date(s).unwrap_or_else(|e| panic!("{e}"));
        assert!(ts <= reference, "{s} is after the reference date");
    }
    for d in elements(&delegations, "digest") {
        assert_eq!(d.len(), 64);
        assert!(d.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    // References resolve: POC links, orgs and customers, parent nets.
    let poc_handles: HashSet<&str> = elements(&pocs, "handle").into_iter().collect();
    assert_eq!(poc_handles.len(), 3000, "POC handles are unique");
    let link_handles = [&v4, &v6, &orgs, &asns].into_iter().flat_map(|t| {
        t.split("handle=\"")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap()])
    });
    for h in link_handles {
        assert!(poc_handles.contains(h), "dangling POC link {h}");
    }
    let party_handles: HashSet<&str> = elements(&orgs, "handle").into_iter().collect();
    assert_eq!(
        party_handles.len(),
        1500,
        "org and customer handles are unique"
    );
    for t in [&v4, &v6] {
        for h in elements(t, "orgHandle")
            .into_iter()
            .chain(elements(t, "customerHandle"))
        {
            assert!(party_handles.contains(h), "dangling org {h}");
        }
    }
    for h in elements(&orgs, "parentOrgHandle") {
        let customer = h.starts_with('C') && h[1..].bytes().all(|b| b.is_ascii_digit());
        assert!(party_handles.contains(h) && !customer, "bad parent org {h}");
    }
    let net_handles: HashSet<&str> = elements(&v4, "handle")
        .into_iter()
        .chain(elements(&v6, "handle"))
        .collect();
    assert_eq!(net_handles.len() as u64, report.nets_v4 + report.nets_v6);
    for h in elements(&v4, "parentNetHandle")
        .into_iter()
        .chain(elements(&v6, "parentNetHandle"))
    {
        assert!(net_handles.contains(h), "dangling parent {h}");
    }
    let csv = text(&a, "validation.csv");
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("handle,requested,validated,reported_invalid")
    );
    let mut n = 0;
    for row in rows {
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(fields.len(), 4, "{row}");
        assert!(
            poc_handles.contains(fields[0]),
            "CSV row for unknown POC {row}"
        );
        for f in &fields[1..] {
            if !f.is_empty() {
                parse_date(f).unwrap();
            }
        }
        n += 1;
    }
    assert!((2700..3000).contains(&n), "{n} validation rows");
}

#[test]
fn rpsl_output_is_counted_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenOptions::new(Scale::Small, 21, GenFormat::Rpsl, dir.path());
    let report = generate(&opts).unwrap();
    let files = read_tree(dir.path());
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "rpsl/db.as-block",
            "rpsl/db.aut-num",
            "rpsl/db.domain",
            "rpsl/db.inet6num",
            "rpsl/db.inetnum",
            "rpsl/db.organisation",
            "rpsl/db.person",
            "rpsl/db.role",
            "validation.csv"
        ]
    );
    let attr_values = |name: &str, attr: &str| -> Vec<String> {
        let prefix = format!("{attr}:");
        text(&files, name)
            .lines()
            .filter_map(|l| {
                l.strip_prefix(prefix.as_str())
                    .map(|v| v.trim().to_string())
            })
            .collect()
    };
    let inetnums = attr_values("rpsl/db.inetnum", "inetnum");
    let inet6nums = attr_values("rpsl/db.inet6num", "inet6num");
    assert_eq!(inetnums.len() as u64, report.nets_v4);
    assert_eq!(inet6nums.len() as u64, report.nets_v6);
    for r in &inetnums {
        parse_range(r).unwrap();
    }
    for p in &inet6nums {
        parse_prefix(p, false).unwrap();
    }
    let nic: HashSet<String> = attr_values("rpsl/db.person", "nic-hdl")
        .into_iter()
        .chain(attr_values("rpsl/db.role", "nic-hdl"))
        .collect();
    assert_eq!(nic.len() as u64, report.pocs);
    let orgs: HashSet<String> = attr_values("rpsl/db.organisation", "organisation")
        .into_iter()
        .collect();
    assert_eq!(orgs.len() as u64, report.orgs);
    assert!(report.orgs < 1500, "private customers are not published");
    let asn_objects = attr_values("rpsl/db.aut-num", "aut-num").len()
        + attr_values("rpsl/db.as-block", "as-block").len();
    assert_eq!(asn_objects as u64, report.asns);
    for file in [
        "rpsl/db.inetnum",
        "rpsl/db.inet6num",
        "rpsl/db.organisation",
        "rpsl/db.aut-num",
    ] {
        for attr in ["tech-c", "abuse-c", "admin-c"] {
            for h in attr_values(file, attr) {
                assert!(nic.contains(&h), "{file}: dangling {attr} {h}");
            }
        }
        for h in attr_values(file, "org") {
            assert!(orgs.contains(&h), "{file}: dangling org {h}");
        }
        for t in attr_values(file, "created") {
            assert!(parse_date(&t).unwrap() <= DEFAULT_REFERENCE_DATE);
        }
    }
    let abuse_mailboxes = attr_values("rpsl/db.role", "abuse-mailbox");
    assert!(!abuse_mailboxes.is_empty());
    let ds = attr_values("rpsl/db.domain", "ds-rdata");
    assert!(!ds.is_empty());
    for d in ds {
        let parts: Vec<&str> = d.split(' ').collect();
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[2], "2");
        assert_eq!(parts[3].len(), 64);
    }
    // Every object ends with a source line and a blank line.
    let inetnum = text(&files, "rpsl/db.inetnum");
    assert_eq!(
        inetnum.matches("\nsource:         RIRWHOIS\n\n").count() as u64,
        report.nets_v4
    );
}

#[test]
fn routed_prefixes_become_the_top_levels() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ipasn.dat.gz");
    let list = "; IP-ASN32-DAT file\n23.1.0.0/16\t393210\n23.1.64.0/18\t393211\n\
                45.56.0.0/20\t393212\n104.16.0.0/13\t13335\n2600:1000::/28\t393200\n\
                2a00:1450::/32\t15169\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(list.as_bytes()).unwrap();
    fs::write(&path, gz.finish().unwrap()).unwrap();
    let routed = space::read_prefixes(&path).unwrap();
    assert_eq!(routed.v4.len(), 3);
    assert_eq!(routed.asns, vec![13335, 15169, 393200, 393210, 393212]);

    let (w, _) = small_world(2);
    let (nets, stats, _) = collect(&w, false, 500, Some(&routed.v4));
    check_hierarchy(&nets);
    let tops: Vec<(u128, Option<u8>, u32)> = nets
        .iter()
        .filter(|n| n.parent.is_none())
        .map(|n| (n.start, n.cidr_len, n.origins[0]))
        .collect();
    let expected: Vec<(u128, Option<u8>, u32)> = routed
        .v4
        .iter()
        .map(|p| (p.start, Some(p.len), p.asn))
        .collect();
    assert_eq!(tops, expected);
    assert_eq!(stats.nets, 500);

    // Through the public entry point, with ASNs from the list.
    let mut opts = GenOptions::new(Scale::Small, 2, GenFormat::ArinXml, dir.path().join("out"));
    opts.prefixes = Some(path.clone());
    let report = generate(&opts).unwrap();
    assert!(report.nets_v4 > 0 && report.nets_v6 > 0);
    let asns = fs::read_to_string(dir.path().join("out/arin/asns.xml")).unwrap();
    assert!(asns.contains("<startAsNumber>13335</startAsNumber>"));

    let bad = dir.path().join("bad.dat");
    fs::write(&bad, "; header\n23.1.0.0/16\t393210\nnot-a-prefix\t1\n").unwrap();
    opts.prefixes = Some(bad);
    match generate(&opts) {
        Err(GenError::BadPrefixes { line, .. }) => assert_eq!(line, 3),
        other => panic!("expected a bad-prefixes error, got {other:?}"),
    }
}

#[test]
fn asn_table_avoids_reserved_numbers_and_has_blocks() {
    let asns = gen_asns(9, 2000, 100, DEFAULT_REFERENCE_DATE, &[]);
    assert_eq!(asns.len(), 2000);
    assert!(asns.iter().any(|a| a.start < a.end));
    for pair in asns.windows(2) {
        assert!(pair[0].end < pair[1].start, "ASN registrations overlap");
    }
    for a in &asns {
        assert!(
            ASN_RANGES
                .iter()
                .any(|&(lo, hi)| lo <= a.start && a.end <= hi)
        );
    }
}

#[test]
fn scale_and_format_names() {
    assert_eq!("small".parse(), Ok(Scale::Small));
    assert_eq!("RIR".parse(), Ok(Scale::Rir));
    assert!("huge".parse::<Scale>().is_err());
    assert_eq!("arin-xml".parse(), Ok(GenFormat::ArinXml));
    assert_eq!("rpsl".parse(), Ok(GenFormat::Rpsl));
    assert!("json".parse::<GenFormat>().is_err());
    assert_eq!(
        crate::model::format_datetime(DEFAULT_REFERENCE_DATE),
        "2026-11-01T00:00:00Z"
    );
}

mod formatting {
    use super::super::handles::{net_handle, zone_name};
    use super::super::out::Out;
    use crate::model::{parse_addr, parse_date};

    fn render(f: impl FnOnce(&mut Out)) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        let mut o = Out::create(&path).unwrap();
        f(&mut o);
        o.finish().unwrap();
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn addresses() {
        for s in [
            "2600:1004:a000::",
            "::",
            "2600::1",
            "1:0:0:2:0:0:0:3",
            "2a00:1450:4001:81c::200e",
        ] {
            let (_, a) = parse_addr(s).unwrap();
            assert_eq!(
                render(|o| o.ip6(a)),
                std::net::Ipv6Addr::from(a).to_string()
            );
        }
        let (_, a) = parse_addr("2600:1004:a000::").unwrap();
        assert_eq!(
            render(|o| o.ip6_full(a)),
            "2600:1004:A000:0000:0000:0000:0000:0000"
        );
        let (_, b) = parse_addr("23.1.2.0").unwrap();
        assert_eq!(render(|o| o.ip4(b as u32, true)), "023.001.002.000");
        assert_eq!(render(|o| o.ip4(b as u32, false)), "23.1.2.0");
    }

    #[test]
    fn handles_and_zones() {
        let (_, a) = parse_addr("2600:1004:a000::").unwrap();
        assert_eq!(
            render(|o| net_handle(o, true, a, 1)),
            "NET6-2600-1004-A000-1"
        );
        let (_, b) = parse_addr("23.1.0.0").unwrap();
        assert_eq!(render(|o| net_handle(o, false, b, 2)), "NET-23-1-0-0-2");
        let (_, c) = parse_addr("23.1.2.0").unwrap();
        assert_eq!(
            render(|o| zone_name(o, false, c, 24)),
            "2.1.23.in-addr.arpa"
        );
        let (_, d) = parse_addr("2600:1000::").unwrap();
        assert_eq!(
            render(|o| zone_name(o, true, d, 28)),
            "0.0.1.0.0.6.2.ip6.arpa"
        );
    }

    #[test]
    fn dates_round_trip_through_the_model_parser() {
        for s in [
            "2011-11-07T19:04:28Z",
            "2026-01-01T03:00:00Z",
            "2000-02-29T12:00:00Z",
        ] {
            let ts = parse_date(s).unwrap();
            assert_eq!(render(|o| o.datetime_utc(ts)), s);
            let regrws = render(|o| o.datetime_regrws(ts));
            assert_eq!(parse_date(&regrws).unwrap(), ts, "{regrws}");
            let est = render(|o| o.datetime_est(ts));
            assert_eq!(parse_date(&est).unwrap(), ts, "{est}");
        }
        let ts = parse_date("2011-11-07T19:04:28Z").unwrap();
        assert_eq!(
            render(|o| o.datetime_regrws(ts)),
            "Mon Nov 07 14:04:28 EST 2011"
        );
        assert_eq!(render(|o| o.date(ts)), "2011-11-07");
    }
}

/// The hand-written registry in `data/`: both forms agree, and the validation states are
/// the ones `data/README.md` lists.
mod sample_data {
    use std::collections::{BTreeMap, BTreeSet};

    use super::{check_well_formed, elements};
    use crate::model::{
        DAY, Policy, PolicyProfile, ValidationState, parse_addr, parse_date, parse_prefix,
        parse_range, prefix_range,
    };

    const REFERENCE: &str = "2026-11-01";

    fn read(rel: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data")
            .join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// `attr:` values of the RPSL dump, in order.
    fn rpsl_values(text: &str, attr: &str) -> Vec<String> {
        let prefix = format!("{attr}:");
        text.lines()
            .filter_map(|l| {
                l.strip_prefix(prefix.as_str())
                    .map(|v| v.trim().to_string())
            })
            .collect()
    }

    #[test]
    fn both_forms_describe_the_same_registry() {
        let xml = read("arin/registry.xml");
        let db = read("rpsl/registry.db");
        check_well_formed("data/arin/registry.xml", &xml);
        let reference = parse_date(REFERENCE).unwrap();

        // Nets: same ranges, each inside its parent.
        let mut arin_nets = BTreeMap::new();
        let mut parents = Vec::new();
        for net in xml.split("<net>").skip(1) {
            let handle = elements(net, "handle")[0];
            let starts = elements(net, "startAddress");
            let ends = elements(net, "endAddress");
            let (v6, start) = parse_addr(starts[0]).unwrap();
            let (_, end) = parse_addr(ends[ends.len() - 1]).unwrap();
            arin_nets.insert(handle, (v6, start, end));
            if let Some(p) = elements(net, "parentNetHandle").first() {
                parents.push((handle, *p));
            }
        }
        assert!(arin_nets.len() >= 10);
        for (child, parent) in parents {
            let (_, cs, ce) = arin_nets[child];
            let (_, ps, pe) = arin_nets[parent];
            assert!(
                ps <= cs && ce <= pe && (cs, ce) != (ps, pe),
                "{child} not inside {parent}"
            );
        }
        let arin_ranges: BTreeSet<(bool, u128, u128)> = arin_nets.values().copied().collect();
        let mut rpsl_ranges = BTreeSet::new();
        for r in rpsl_values(&db, "inetnum") {
            rpsl_ranges.insert(parse_range(&r).unwrap());
        }
        for p in rpsl_values(&db, "inet6num") {
            let (v6, start, len) = parse_prefix(&p, false).unwrap();
            let (s, e) = prefix_range(v6, start, len);
            rpsl_ranges.insert((v6, s, e));
        }
        assert_eq!(arin_ranges, rpsl_ranges);
        assert!(arin_ranges.iter().any(|r| r.0) && arin_ranges.iter().any(|r| !r.0));

        // Contacts: the same handles.
        let arin_pocs: BTreeSet<String> = xml
            .split("<poc>")
            .skip(1)
            .map(|p| elements(p, "handle")[0].to_string())
            .collect();
        let rpsl_pocs: BTreeSet<String> = rpsl_values(&db, "nic-hdl").into_iter().collect();
        assert_eq!(arin_pocs, rpsl_pocs);
        for link in xml.split("handle=\"").skip(1) {
            let h = &link[..link.find('"').unwrap()];
            assert!(arin_pocs.contains(h), "dangling POC link {h}");
        }
        for attr in ["admin-c", "tech-c", "abuse-c"] {
            for h in rpsl_values(&db, attr) {
                assert!(rpsl_pocs.contains(&h), "dangling {attr} {h}");
            }
        }

        // ASNs.
        let arin_asns: BTreeSet<(u32, u32)> = xml
            .split("<asn>")
            .skip(1)
            .map(|a| {
                (
                    elements(a, "startAsNumber")[0].parse().unwrap(),
                    elements(a, "endAsNumber")[0].parse().unwrap(),
                )
            })
            .collect();
        let asn = |s: &str| s.trim().trim_start_matches("AS").parse::<u32>().unwrap();
        let mut rpsl_asns: BTreeSet<(u32, u32)> = rpsl_values(&db, "aut-num")
            .iter()
            .map(|a| (asn(a), asn(a)))
            .collect();
        for b in rpsl_values(&db, "as-block") {
            let (lo, hi) = b.split_once('-').unwrap();
            rpsl_asns.insert((asn(lo), asn(hi)));
        }
        assert_eq!(arin_asns, rpsl_asns);
        assert!(arin_asns.iter().any(|(s, e)| s < e));

        // Delegations, with a SHA-256 DS digest.
        let arin_zones: BTreeSet<String> = elements(&xml, "name")
            .into_iter()
            .filter(|n| n.ends_with(".arpa."))
            .map(|n| n.trim_end_matches('.').to_string())
            .collect();
        let rpsl_zones: BTreeSet<String> = rpsl_values(&db, "domain").into_iter().collect();
        assert_eq!(arin_zones, rpsl_zones);
        let digests = elements(&xml, "digest");
        assert!(!digests.is_empty());
        for d in digests {
            assert_eq!(d.len(), 64);
            assert!(d.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(db.contains(d), "RPSL ds-rdata has the same digest");
        }
        assert_eq!(elements(&xml, "nameserver").len(), 4);

        // Every date parses and is in the past of the reference date.
        for tag in ["registrationDate", "updateDate"] {
            for d in elements(&xml, tag) {
                assert!(parse_date(d).unwrap() < reference, "{d}");
            }
        }
        for attr in ["created", "last-modified"] {
            for d in rpsl_values(&db, attr) {
                assert!(parse_date(&d).unwrap() < reference, "{d}");
            }
        }
        // Documentation ranges are not used.
        for (v6, s, _) in &arin_ranges {
            let doc = if *v6 {
                s >> 96 == 0x2001_0db8
            } else {
                [0xC000_0200u128, 0xC633_6400, 0xCB00_7100].contains(&(s & !0xff))
            };
            assert!(!doc);
        }
    }

    #[test]
    fn validation_states_are_as_documented() {
        let csv = read("validation.csv");
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("handle,requested,validated,reported_invalid")
        );
        let opt = |s: &str| (!s.is_empty()).then(|| parse_date(s).unwrap());
        let rows: BTreeMap<&str, [Option<i64>; 3]> = lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                assert_eq!(f.len(), 4, "{l}");
                (f[0], [opt(f[1]), opt(f[2]), opt(f[3])])
            })
            .collect();
        let day = parse_date(REFERENCE).unwrap();
        let state = |profile, handle: &str, at: i64| {
            let [r, v, i] = rows[handle];
            Policy::new(profile).state(r, v, i, at)
        };
        let arin = |h: &str| state(PolicyProfile::Arin, h, day);
        let lacnic = |h: &str| state(PolicyProfile::Lacnic, h, day);
        for h in ["HALVO-ARIN", "NWSN1-ARIN", "NWSA1-ARIN", "PRICE-ARIN"] {
            assert!(matches!(arin(h), ValidationState::Validated { .. }), "{h}");
        }
        assert!(matches!(
            arin("KMHA1-ARIN"),
            ValidationState::Unvalidated { .. }
        ));
        assert!(matches!(
            lacnic("KMHA1-ARIN"),
            ValidationState::Pending { .. }
        ));
        assert!(matches!(
            arin("TREMB-ARIN"),
            ValidationState::Unvalidated { .. }
        ));
        assert!(matches!(
            lacnic("TREMB-ARIN"),
            ValidationState::TemporarilyInvalid { .. }
        ));
        assert!(matches!(
            arin("MARSH-ARIN"),
            ValidationState::Unvalidated { .. }
        ));
        assert!(matches!(
            state(PolicyProfile::Arin, "MARSH-ARIN", day + DAY),
            ValidationState::Invalid { .. }
        ));
        assert_eq!(
            arin("OKAFO-ARIN"),
            ValidationState::Invalid {
                since: parse_date("2026-09-13").unwrap()
            }
        );
        assert_eq!(
            arin("LVSDT-ARIN"),
            ValidationState::Invalid {
                since: parse_date("2026-08-20").unwrap()
            }
        );
        assert!(!rows.contains_key("OMRT1-ARIN"), "one POC has no record");
    }
}
