//! Property tests on random nested sets of nets over the whole IPv4 and IPv6 spaces (CIDR
//! blocks and arbitrary ranges, up to five levels deep), with random POCs, orgs, customers
//! and ASNs: every lookup, hierarchy walk and abuse resolution of the registry equals its
//! brute-force definition computed from the generated model alone; and the validation state
//! equals an independent policy table on random dates, under both profiles.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::model::{DAY, PocFunction, Timestamp, format_addr};

/// A generated network: its range and how its abuse contact is set up.
#[derive(Debug, Clone)]
struct SpecNet {
    v6: bool,
    start: u128,
    end: u128,
    /// Links to POCs (function, POC index).
    links: Vec<(PocFunction, usize)>,
    org: Option<usize>,
}

#[derive(Debug, Clone)]
struct SpecPoc {
    emails: Vec<String>,
    abuse_mailbox: String,
}

#[derive(Debug, Clone)]
struct SpecOrg {
    links: Vec<(PocFunction, usize)>,
    /// A customer's parent org (always an earlier, non-customer org).
    parent: Option<usize>,
}

#[derive(Debug, Clone)]
struct SpecAsn {
    start: u32,
    end: u32,
    links: Vec<(PocFunction, usize)>,
    org: Option<usize>,
}

#[derive(Debug, Clone)]
struct Spec {
    pocs: Vec<SpecPoc>,
    orgs: Vec<SpecOrg>,
    nets: Vec<SpecNet>,
    asns: Vec<SpecAsn>,
}

const FUNCTIONS: [PocFunction; 4] = [
    PocFunction::Abuse,
    PocFunction::Irt,
    PocFunction::Tech,
    PocFunction::Admin,
];

fn links(rng: &mut fastrand::Rng, pocs: usize) -> Vec<(PocFunction, usize)> {
    (0..rng.usize(0..=2))
        .map(|_| (FUNCTIONS[rng.usize(..FUNCTIONS.len())], rng.usize(..pocs)))
        .collect()
}

/// A random point in `lo..=hi`, or a random CIDR block inside it.
fn sub_range(rng: &mut fastrand::Rng, bits: u32, lo: u128, hi: u128) -> (u128, u128) {
    let mut a = rng.u128(lo..=hi);
    let mut b = rng.u128(lo..=hi);
    if a > b {
        std::mem::swap(&mut a, &mut b);
    }
    if rng.bool() {
        // The CIDR block of a random length around `a`, if it fits.
        let host_bits = rng.u32(0..=bits);
        let mask = if host_bits == 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        let (s, e) = (a & !mask, a | mask);
        if s >= lo && e <= hi {
            return (s, e);
        }
    }
    (a, b)
}

/// Children of `lo..=hi`: disjoint, each strictly smaller than their parent.
fn grow(
    rng: &mut fastrand::Rng,
    v6: bool,
    lo: u128,
    hi: u128,
    depth: u32,
    out: &mut Vec<(bool, u128, u128)>,
) {
    if depth == 5 || lo == hi {
        return;
    }
    let bits = if v6 { 128 } else { 32 };
    // Cut the parent into up to four slots and maybe put a child in each.
    let slots = rng.u128(1..=4).min((hi - lo).saturating_add(1));
    let width = (hi - lo) / slots + if slots == 1 { 0 } else { 1 };
    for k in 0..slots {
        let Some(s_lo) = lo.checked_add(k * width).filter(|&x| x <= hi) else {
            break;
        };
        let s_hi = (s_lo.saturating_add(width - 1)).min(hi);
        if rng.u8(..4) == 0 {
            continue;
        }
        let (s, e) = sub_range(rng, bits, s_lo, s_hi);
        if (s, e) == (lo, hi) {
            continue;
        }
        out.push((v6, s, e));
        grow(rng, v6, s, e, depth + 1, out);
    }
}

fn spec(seed: u64) -> Spec {
    let mut rng = fastrand::Rng::with_seed(seed);
    let pocs: Vec<SpecPoc> = (0..rng.usize(1..=6))
        .map(|p| SpecPoc {
            // Some POCs have no mailbox at all; they never supply an abuse contact.
            emails: match rng.u8(..3) {
                0 => vec![],
                _ => vec![format!("p{p}@example.net"), format!("p{p}-2@example.net")],
            },
            abuse_mailbox: if rng.bool() {
                format!("abuse{p}@example.net")
            } else {
                String::new()
            },
        })
        .collect();
    let mut orgs: Vec<SpecOrg> = Vec::new();
    for o in 0..rng.usize(0..=4) {
        let parent = (o > 0 && rng.bool())
            .then(|| rng.usize(..o))
            .filter(|&p| orgs[p].parent.is_none());
        orgs.push(SpecOrg {
            links: links(&mut rng, pocs.len()),
            parent,
        });
    }
    let mut ranges = Vec::new();
    for v6 in [false, true] {
        let top = if v6 { u128::MAX } else { u128::from(u32::MAX) };
        grow(&mut rng, v6, 0, top, 0, &mut ranges);
    }
    ranges.truncate(80);
    let nets = ranges
        .into_iter()
        .map(|(v6, start, end)| SpecNet {
            v6,
            start,
            end,
            links: if rng.bool() {
                links(&mut rng, pocs.len())
            } else {
                vec![]
            },
            org: (!orgs.is_empty() && rng.bool()).then(|| rng.usize(..orgs.len())),
        })
        .collect();
    let asns = (0..rng.usize(0..=4))
        .map(|k| SpecAsn {
            start: 64_496 + 100 * k as u32,
            end: 64_496 + 100 * k as u32 + rng.u32(0..10),
            links: links(&mut rng, pocs.len()),
            org: (!orgs.is_empty() && rng.bool()).then(|| rng.usize(..orgs.len())),
        })
        .collect();
    Spec {
        pocs,
        orgs,
        nets,
        asns,
    }
}

fn poc_link(links: &[(PocFunction, usize)]) -> Vec<PocLink> {
    links
        .iter()
        .map(|&(f, p)| PocLink::new(f, format!("P{p}")))
        .collect()
}

fn build(s: &Spec) -> Registry {
    let mut i = Ingest::default();
    for (k, p) in s.pocs.iter().enumerate() {
        i.pocs.push(Located {
            at: at(),
            obj: Poc {
                handle: format!("P{k}"),
                name: format!("P{k}"),
                emails: p.emails.clone(),
                abuse_mailbox: p.abuse_mailbox.clone(),
                validation: NONE,
                ..Poc::default()
            },
        });
    }
    for (k, o) in s.orgs.iter().enumerate() {
        let parent = o.parent.map(|p| format!("ORG{p}")).unwrap_or_default();
        let mut org = org(&format!("ORG{k}"), "Org", &[], &parent);
        org.obj.pocs = poc_link(&o.links);
        i.orgs.push(org);
    }
    for (k, n) in s.nets.iter().enumerate() {
        let range = format!(
            "{} - {}",
            format_addr(n.v6, n.start),
            format_addr(n.v6, n.end)
        );
        let org = n.org.map(|o| format!("ORG{o}")).unwrap_or_default();
        let mut net = net(&format!("N{k}"), &range, &org, &[]);
        net.obj.pocs = poc_link(&n.links);
        i.nets.push(net);
    }
    for (k, a) in s.asns.iter().enumerate() {
        i.asns.push(Located {
            at: at(),
            obj: Asn {
                handle: format!("AS-{k}"),
                name: format!("AS-{k}"),
                start: a.start,
                end: a.end,
                org_handle: a.org.map(|o| format!("ORG{o}")).unwrap_or_default(),
                pocs: poc_link(&a.links),
                org: NONE,
                parent: NONE,
                ..Asn::default()
            },
        });
    }
    registry(i)
}

/// The index of the spec net the registry's net `i` is (by handle).
fn spec_index(r: &Registry, i: u32) -> usize {
    r.net(i).handle.as_str()[1..].parse().unwrap()
}

/// Brute force: the smallest spec net holding all of `s..=e` in family `v6`.
fn smallest_holding(
    s: &Spec,
    v6: bool,
    lo: u128,
    hi: u128,
    except: Option<usize>,
) -> Option<usize> {
    (0..s.nets.len())
        .filter(|&k| Some(k) != except)
        .filter(|&k| {
            let n = &s.nets[k];
            n.v6 == v6 && n.start <= lo && hi <= n.end
        })
        .min_by_key(|&k| s.nets[k].end - s.nets[k].start)
}

fn brute_parent(s: &Spec, k: usize) -> Option<usize> {
    let n = &s.nets[k];
    smallest_holding(s, n.v6, n.start, n.end, Some(k))
}

/// The first link of `function` whose POC has a mailbox, with that mailbox.
fn own(s: &Spec, links: &[(PocFunction, usize)]) -> Option<String> {
    [PocFunction::Abuse, PocFunction::Irt]
        .iter()
        .find_map(|&f| {
            links.iter().filter(|l| l.0 == f).find_map(|&(_, p)| {
                let poc = &s.pocs[p];
                if !poc.abuse_mailbox.is_empty() {
                    Some(poc.abuse_mailbox.clone())
                } else {
                    poc.emails.first().cloned()
                }
            })
        })
}

/// An org's abuse: its own, else (a customer's) its parent org's. With the org that has it.
fn org_abuse(s: &Spec, o: usize) -> Option<(String, String)> {
    own(s, &s.orgs[o].links)
        .map(|m| (m, format!("ORG{o}")))
        .or_else(|| {
            let p = s.orgs[o].parent?;
            own(s, &s.orgs[p].links).map(|m| (m, format!("ORG{p}")))
        })
}

/// DESIGN.md: own abuse, else the org's (a customer's parent org's), else the parent
/// network's result, recursively. With the handle of the object that supplied it.
fn brute_net_abuse(s: &Spec, k: usize) -> Option<(String, String)> {
    let n = &s.nets[k];
    if let Some(m) = own(s, &n.links) {
        return Some((m, format!("N{k}")));
    }
    if let Some(found) = n.org.and_then(|o| org_abuse(s, o)) {
        return Some(found);
    }
    brute_net_abuse(s, brute_parent(s, k)?)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn lookups_equal_brute_force_on_nested_v4_and_v6_sets(
        seed in any::<u64>(),
        probes in prop::collection::vec((any::<u128>(), 0u8..=128), 32),
    ) {
        let s = spec(seed);
        let r = build(&s);
        let with_tries = build(&s);
        with_tries.build_prefix_tries();
        prop_assert!(!r.has_prefix_tries() && with_tries.has_prefix_tries());
        prop_assert_eq!(r.data().db.nets.len(), s.nets.len());
        let idx = |i: Option<u32>| i.map(|i| spec_index(&r, i));
        // Every net's edges and the addresses just outside them, and random addresses.
        let mut addrs: Vec<(bool, u128)> = Vec::new();
        for n in &s.nets {
            let top = if n.v6 { u128::MAX } else { u128::from(u32::MAX) };
            for a in [n.start.checked_sub(1), Some(n.start), Some(n.end), n.end.checked_add(1)] {
                if let Some(a) = a.filter(|&a| a <= top) {
                    addrs.push((n.v6, a));
                }
            }
        }
        for &(a, _) in &probes {
            addrs.push((true, a));
            addrs.push((false, a & u128::from(u32::MAX)));
        }
        for &(v6, a) in &addrs {
            prop_assert_eq!(idx(r.net_by_addr(v6, a)), smallest_holding(&s, v6, a, a, None), "address {}", format_addr(v6, a));
        }
        // Prefixes and ranges: the most specific net holding all of them.
        for (k, &(a, len)) in probes.iter().enumerate() {
            let v6 = k % 2 == 0;
            let (bits, a) = if v6 { (128u32, a) } else { (32, a & u128::from(u32::MAX)) };
            let len = u32::from(len).min(bits);
            let host = bits - len;
            let mask = if host == 128 { u128::MAX } else { (1u128 << host) - 1 };
            let (ps, pe) = (a & !mask, a | mask);
            // Without the prefix tries (from the address index and the parents), and
            // with them.
            let want = smallest_holding(&s, v6, ps, pe, None);
            prop_assert_eq!(idx(r.net_by_prefix(v6, ps, len as u8)), want, "prefix {}/{}", format_addr(v6, ps), len);
            prop_assert_eq!(idx(with_tries.net_by_prefix(v6, ps, len as u8)), want, "prefix {}/{} from the tries", format_addr(v6, ps), len);
            let b = probes[(k + 1) % probes.len()].0 & if v6 { u128::MAX } else { u128::from(u32::MAX) };
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert_eq!(idx(r.net_by_range(v6, lo, hi)), smallest_holding(&s, v6, lo, hi, None));
        }
        for (k, n) in s.nets.iter().enumerate() {
            prop_assert_eq!(idx(r.net_by_range(n.v6, n.start, n.end)), Some(k));
            prop_assert_eq!(idx(r.net_exact(n.v6, n.start, n.end)), Some(k));
        }
    }

    #[test]
    fn walks_and_abuse_equal_definitions_on_nested_sets(seed in any::<u64>()) {
        let s = spec(seed);
        let r = build(&s);
        let nets = s.nets.len();
        let of = |k: usize| r.by_handle(&format!("N{k}"))[0].index;
        let parents: Vec<Option<usize>> = (0..nets).map(|k| brute_parent(&s, k)).collect();
        let contains = |a: usize, b: usize| {
            let (x, y) = (&s.nets[a], &s.nets[b]);
            a != b && x.v6 == y.v6 && x.start <= y.start && y.end <= x.end
        };
        for k in 0..nets {
            let i = of(k);
            prop_assert_eq!(r.parent(i).map(|p| spec_index(&r, p)), parents[k]);
            // Children: the nets whose parent this one is, by start address.
            let mut kids: Vec<usize> = (0..nets).filter(|&c| parents[c] == Some(k)).collect();
            kids.sort_by_key(|&c| s.nets[c].start);
            prop_assert_eq!(r.children(i).map(|c| spec_index(&r, c)).collect::<Vec<_>>(), kids);
            // Less specific: every net holding this one, nearest (smallest) first.
            let mut less: Vec<usize> = (0..nets).filter(|&a| contains(a, k)).collect();
            less.sort_by_key(|&a| s.nets[a].end - s.nets[a].start);
            prop_assert_eq!(r.less_specific(i).map(|a| spec_index(&r, a)).collect::<Vec<_>>(), less);
            // More specific: every net inside it, depth first in address order.
            let mut more: Vec<usize> = (0..nets).filter(|&b| contains(k, b)).collect();
            more.sort_by_key(|&b| (s.nets[b].start, std::cmp::Reverse(s.nets[b].end)));
            prop_assert_eq!(r.more_specific(i).map(|b| spec_index(&r, b)).collect::<Vec<_>>(), more);
            // Abuse: the mailbox, the object that supplied it, and whether it was inherited.
            let got = r.net_abuse(i).map(|a| (a.mailbox.to_string(), r.holder_handle(a.from).to_string(), a.inherited));
            let want = brute_net_abuse(&s, k).map(|(m, from)| {
                let inherited = from != format!("N{k}");
                (m, from, inherited)
            });
            prop_assert_eq!(got, want, "net N{}", k);
        }
        // Top nets: those without a parent, IPv4 first, by start address.
        let mut top: Vec<usize> = (0..nets).filter(|&k| parents[k].is_none()).collect();
        top.sort_by_key(|&k| (s.nets[k].v6, s.nets[k].start));
        prop_assert_eq!(r.top_nets().map(|t| spec_index(&r, t)).collect::<Vec<_>>(), top);
        // ASNs: their own abuse, else their org's; and every number finds its ASN.
        for (k, a) in s.asns.iter().enumerate() {
            for n in a.start..=a.end {
                let j = r.asn_by_number(n).unwrap();
                prop_assert_eq!(r.asn(j).handle.as_str(), format!("AS-{k}"));
            }
            let j = r.asn_by_number(a.start).unwrap();
            let got = r.asn_abuse(j).map(|x| (x.mailbox.to_string(), r.holder_handle(x.from).to_string()));
            let want = own(&s, &a.links)
                .map(|m| (m, format!("AS-{k}")))
                .or_else(|| org_abuse(&s, a.org?));
            prop_assert_eq!(got, want, "AS-{}", k);
        }
    }
}

// Validation state against the policy table.

/// The policy table of DESIGN.md, written out on its own: the state of a contact whose
/// events (only those on or before `as_of` have happened) are `r` (last request), `v` (last
/// affirmative answer) and `x` (reported invalid), with the periods in days.
fn policy_table(
    lacnic: bool,
    (arin_days, initial, escalation): (i64, i64, i64),
    r: Option<Timestamp>,
    v: Option<Timestamp>,
    x: Option<Timestamp>,
    as_of: Timestamp,
) -> ValidationState {
    use ValidationState as S;
    let happened = |t: Option<Timestamp>| t.filter(|&t| t <= as_of);
    let (r, v, x) = (happened(r), happened(v), happened(x));
    // Row 1: reported invalid later than the last validation (or with none) → invalid.
    match (x, v) {
        (Some(x), None) => return S::Invalid { since: x },
        (Some(x), Some(v)) if x > v => return S::Invalid { since: x },
        _ => {}
    }
    // Row 2: no request → validated if ever validated, else no known state.
    let Some(r) = r else {
        return v.map_or(S::Unknown, |v| S::Validated { since: Some(v) });
    };
    // Row 3: answered on or after the request → validated.
    if v.is_some_and(|v| v >= r) {
        return S::Validated { since: v };
    }
    // Row 4: an unanswered request, by whole days and seconds since it was sent.
    let waited = as_of - r;
    if !lacnic {
        if waited < arin_days * DAY {
            S::Unvalidated { since: r }
        } else {
            S::Invalid {
                since: r + arin_days * DAY,
            }
        }
    } else if waited < initial * DAY {
        S::Pending { since: r }
    } else if waited < (initial + escalation) * DAY {
        S::TemporarilyInvalid {
            since: r + initial * DAY,
        }
    } else {
        S::Invalid {
            since: r + (initial + escalation) * DAY,
        }
    }
}

/// Dates within a few days of every boundary of both profiles, and anywhere in two years.
fn near_boundaries() -> impl Strategy<Value = i64> {
    prop_oneof![
        (-3i64..800).prop_map(|d| d * DAY),
        (
            prop::sample::select(vec![0i64, 15, 30, 60, 14, 29, 59, 61, 31, 16]),
            -2i64..=2
        )
            .prop_map(|(d, s)| d * DAY + s),
    ]
}

type Rec = (Option<i64>, Option<i64>, Option<i64>);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn validation_state_equals_the_policy_table(
        records in prop::collection::vec(
            (prop::option::of(0i64..400), prop::option::of(0i64..400), prop::option::of(0i64..400)),
            1..12
        ),
        offsets in prop::collection::vec((0usize..12, near_boundaries()), 24),
        periods in (1i64..90, 1i64..30, 1i64..30),
    ) {
        let base = parse_date("2025-01-01").unwrap();
        let day = |d: Option<i64>| d.map(|d| base + d * DAY);
        let records: Vec<Rec> = records.into_iter().map(|(a, b, c)| (day(a), day(b), day(c))).collect();
        let mut i = Ingest::default();
        for (k, &(requested, validated, reported_invalid)) in records.iter().enumerate() {
            i.pocs.push(poc(&format!("V{k}"), &format!("v{k}@example.net")));
            i.validations.push(Located {
                at: at(),
                obj: ValidationRecord {
                    // Matched case-insensitively, like the CSV.
                    handle: format!("v{k}"),
                    requested,
                    validated,
                    reported_invalid,
                },
            });
        }
        // One POC without a record: no known state, whatever the date.
        i.pocs.push(poc("NOREC", "n@example.net"));
        let r = registry(i);
        let pocs: BTreeMap<usize, u32> = (0..records.len())
            .map(|k| (k, r.by_handle(&format!("V{k}"))[0].index))
            .collect();
        let norec = r.by_handle("NOREC")[0].index;
        for lacnic in [false, true] {
            for custom in [false, true] {
                let mut policy = Policy::new(if lacnic { PolicyProfile::Lacnic } else { PolicyProfile::Arin });
                let days = if custom {
                    policy.arin_invalid_after_days = periods.0;
                    policy.lacnic_initial_days = periods.1;
                    policy.lacnic_escalation_days = periods.2;
                    periods
                } else {
                    (60, 15, 15)
                };
                for &(k, off) in &offsets {
                    let k = k % records.len();
                    let (req, val, rep) = records[k];
                    // Around the request when there is one, else anywhere.
                    let as_of = req.unwrap_or(base) + off;
                    let want = policy_table(lacnic, days, req, val, rep, as_of);
                    prop_assert_eq!(r.validation_state(pocs[&k], as_of, &policy), want,
                        "record {:?} at {} ({}), lacnic {}", records[k], as_of, crate::model::format_date(as_of), lacnic);
                    prop_assert_eq!(r.validation_state(norec, as_of, &policy), ValidationState::Unknown);
                }
            }
        }
    }
}

/// The generator makes what the properties need: deep trees in both families, CIDR blocks and
/// other ranges, and abuse contacts found at every step of the resolution.
#[test]
fn the_generator_covers_the_cases() {
    let (mut deep4, mut deep6, mut cidr, mut other, mut nets) = (0, 0, 0, 0, 0);
    let (mut from_self, mut from_org, mut from_parent, mut none) = (0, 0, 0, 0);
    for seed in 0..40 {
        let s = spec(seed);
        let r = build(&s);
        nets += s.nets.len();
        for (k, n) in s.nets.iter().enumerate() {
            let i = r.by_handle(&format!("N{k}"))[0].index;
            let depth = r.net(i).depth;
            if depth >= 3 {
                if n.v6 { deep6 += 1 } else { deep4 += 1 }
            }
            let size = n.end - n.start;
            if size == u128::MAX || (size + 1).is_power_of_two() && n.start % (size + 1) == 0 {
                cidr += 1;
            } else {
                other += 1;
            }
            match brute_net_abuse(&s, k) {
                None => none += 1,
                Some((_, from)) if from == format!("N{k}") => from_self += 1,
                Some((_, from)) if from.starts_with("ORG") => from_org += 1,
                Some(_) => from_parent += 1,
            }
        }
    }
    let counts = [
        deep4,
        deep6,
        cidr,
        other,
        from_self,
        from_org,
        from_parent,
        none,
    ];
    assert!(nets > 400, "{nets} nets");
    assert!(counts.iter().all(|&c| c >= 10), "{counts:?}");
}
