//! Linking: checks every reference, derives the network and ASN hierarchy, and turns what
//! ingest read into a [`Database`] whose objects point at each other by index.
//!
//! An object with a problem (duplicate handle, unknown POC, org, customer or parent, a
//! declared parent that does not contain it, a range that partly overlaps another) is
//! reported and left out; objects that depended on it by handle are then left out too, each
//! with its own report.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use super::{Ingest, Located, Location, Problem, Reason, Summary};
use crate::model::{
    Asn, Database, NONE, Net, Org, Poc, PocLink, SourceFormat, ValidationRecord, format_range,
};

/// The result of linking: the database, the problems, and the counts.
#[derive(Debug)]
pub struct Linked {
    pub db: Database,
    /// Every problem from ingest and linking, in the order found.
    pub problems: Vec<Problem>,
    pub summary: Summary,
    /// The format most networks came from (decides the default whois dialect).
    pub main_format: SourceFormat,
}

/// The case-insensitive form of a handle: upper case, borrowed when it already is (as
/// published handles nearly always are), so lookups rarely allocate.
fn key(handle: &str) -> Cow<'_, str> {
    if handle.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(handle.to_ascii_uppercase())
    } else {
        Cow::Borrowed(handle)
    }
}

/// Drops objects whose handle was seen before (case-insensitively), reporting each.
fn dedup<T>(
    items: Vec<Located<T>>,
    handle: impl Fn(&T) -> &str,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Vec<Located<T>> {
    let mut first: HashMap<Cow<'_, str>, usize> =
        HashMap::with_capacity_and_hasher(items.len(), Default::default());
    let mut duplicate_of: Vec<Option<usize>> = vec![None; items.len()];
    for (i, item) in items.iter().enumerate() {
        match first.entry(key(handle(&item.obj))) {
            std::collections::hash_map::Entry::Occupied(e) => duplicate_of[i] = Some(*e.get()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }
    drop(first);
    for (i, d) in duplicate_of.iter().enumerate() {
        if let Some(f) = *d {
            problems.push(Problem {
                location: items[i].at.clone(),
                handle: handle(&items[i].obj).to_string(),
                reason: Reason::DuplicateHandle,
                message: format!(
                    "another {what} with this handle was read first, at {}",
                    items[f].at
                ),
            });
        }
    }
    items
        .into_iter()
        .zip(duplicate_of)
        .filter_map(|(item, d)| d.is_none().then_some(item))
        .collect()
}

/// Resolves each POC link; returns false (after reporting) if one names no POC.
fn link_pocs(
    links: &mut [PocLink],
    pocs: &HashMap<String, u32>,
    at: &Location,
    handle: &str,
    problems: &mut Vec<Problem>,
) -> bool {
    let mut ok = true;
    for link in links.iter_mut() {
        match pocs.get(key(&link.handle).as_ref()) {
            Some(&i) => link.poc = i,
            None => {
                problems.push(Problem {
                    location: at.clone(),
                    handle: handle.to_string(),
                    reason: Reason::UnknownReference,
                    message: format!(
                        "{} contact '{}' names no POC",
                        link.function.label(),
                        link.handle
                    ),
                });
                ok = false;
            }
        }
    }
    ok
}

/// A range in one address family (or the ASN space), for hierarchy derivation.
#[derive(Clone, Copy)]
struct Span {
    family: u8,
    start: u128,
    end: u128,
}

/// Derives the parent of every live item as the smallest enclosing one, and reports
/// partial overlaps. `order` must hold every live item; returns the derived parents (NONE
/// for top level) and the items that partly overlap another (which must be removed).
fn derive_parents(spans: &[Span], live: &[bool], tie: &[u8]) -> (Vec<u32>, Vec<(usize, usize)>) {
    let mut order: Vec<usize> = (0..spans.len()).filter(|&i| live[i]).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (spans[a], spans[b]);
        x.family
            .cmp(&y.family)
            .then(x.start.cmp(&y.start))
            .then(y.end.cmp(&x.end))
            .then(tie[a].cmp(&tie[b]))
            .then(a.cmp(&b))
    });
    let mut parent = vec![NONE; spans.len()];
    let mut overlaps = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for i in order {
        let s = spans[i];
        while let Some(&top) = stack.last() {
            let t = spans[top];
            if t.family != s.family || t.end < s.start {
                stack.pop();
            } else {
                break;
            }
        }
        match stack.last() {
            Some(&top) if s.end > spans[top].end => overlaps.push((i, top)),
            Some(&top) => {
                parent[i] = top as u32;
                stack.push(i);
            }
            None => stack.push(i),
        }
    }
    (parent, overlaps)
}

/// Links what ingest read into a database.
pub fn link(ingest: Ingest) -> Linked {
    let Ingest {
        orgs,
        pocs,
        nets,
        asns,
        delegations,
        validations,
        mut problems,
        read,
        skipped_classes,
        skipped_attributes,
        ..
    } = ingest;
    let main_format = {
        let rpsl = nets
            .iter()
            .filter(|n| n.obj.format == SourceFormat::Rpsl)
            .count();
        if rpsl * 2 > nets.len() {
            SourceFormat::Rpsl
        } else {
            SourceFormat::ArinXml
        }
    };

    // POCs and their validation records.
    let pocs = dedup(pocs, |p: &Poc| &p.handle, "POC", &mut problems);
    let poc_index: HashMap<String, u32> = pocs
        .iter()
        .enumerate()
        .map(|(i, p)| (key(&p.obj.handle).into_owned(), i as u32))
        .collect();
    let validations = dedup(
        validations,
        |v: &ValidationRecord| &v.handle,
        "validation record",
        &mut problems,
    );
    let mut db = Database::default();
    // The linked fields are the linker's to fill: whatever ingest left in them (a POC built
    // with `Poc::default()` has validation 0, the first record) is replaced.
    let mut pocs: Vec<Poc> = pocs
        .into_iter()
        .map(|p| Poc {
            validation: NONE,
            ..p.obj
        })
        .collect();
    for v in validations {
        match poc_index.get(key(&v.obj.handle).as_ref()) {
            Some(&p) => {
                pocs[p as usize].validation = db.validations.len() as u32;
                db.validations.push(v.obj);
            }
            None => problems.push(Problem {
                location: v.at,
                handle: v.obj.handle.clone(),
                reason: Reason::UnknownReference,
                message: "validation record for a handle that names no POC".into(),
            }),
        }
    }
    db.pocs = pocs;

    // Orgs and customers: POC links, then customers' parent orgs.
    let orgs = dedup(orgs, |o: &Org| &o.handle, "org or customer", &mut problems);
    let mut kept_orgs: Vec<Located<Org>> = Vec::with_capacity(orgs.len());
    for mut o in orgs {
        let handle = o.obj.handle.clone();
        if link_pocs(&mut o.obj.pocs, &poc_index, &o.at, &handle, &mut problems) {
            kept_orgs.push(o);
        }
    }
    let plain: HashMap<String, usize> = kept_orgs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.obj.parent_org_handle.is_empty())
        .map(|(i, o)| (key(&o.obj.handle).into_owned(), i))
        .collect();
    let mut live_org = vec![true; kept_orgs.len()];
    for (i, o) in kept_orgs.iter().enumerate() {
        if !o.obj.parent_org_handle.is_empty()
            && !plain.contains_key(key(&o.obj.parent_org_handle).as_ref())
        {
            live_org[i] = false;
            problems.push(Problem {
                location: o.at.clone(),
                handle: o.obj.handle.clone(),
                reason: Reason::UnknownReference,
                message: format!(
                    "parent org '{}' names no org (or names a customer)",
                    o.obj.parent_org_handle
                ),
            });
        }
    }
    let mut org_index: HashMap<String, u32> =
        HashMap::with_capacity_and_hasher(kept_orgs.len(), Default::default());
    for (o, live) in kept_orgs.into_iter().zip(live_org) {
        if live {
            org_index.insert(key(&o.obj.handle).into_owned(), db.orgs.len() as u32);
            db.orgs.push(o.obj);
        }
    }
    for o in &mut db.orgs {
        o.parent_org = NONE;
        o.nets.clear();
        o.asns.clear();
    }
    for i in 0..db.orgs.len() {
        if !db.orgs[i].parent_org_handle.is_empty() {
            db.orgs[i].parent_org = org_index[key(&db.orgs[i].parent_org_handle).as_ref()];
        }
    }

    link_nets(nets, &poc_index, &org_index, &mut db, &mut problems);
    link_asns(asns, &poc_index, &org_index, &mut db, &mut problems);

    let delegations = dedup(
        delegations,
        |d: &crate::model::Delegation| &d.name,
        "delegation",
        &mut problems,
    );
    for mut d in delegations {
        let name = d.obj.name.clone();
        if link_pocs(&mut d.obj.pocs, &poc_index, &d.at, &name, &mut problems) {
            db.delegations.push(d.obj);
        }
    }

    let mut summary = Summary {
        read,
        kept: (db.orgs.len()
            + db.pocs.len()
            + db.nets.len()
            + db.asns.len()
            + db.delegations.len()
            + db.validations.len()) as u64,
        skipped_classes,
        skipped_attributes,
        ..Summary::default()
    };
    for p in &problems {
        *summary.skipped_by_reason.entry(p.reason).or_default() += 1;
    }
    Linked {
        db,
        problems,
        summary,
        main_format,
    }
}

fn reference_problem(at: &Location, handle: &str, reason: Reason, message: String) -> Problem {
    Problem {
        location: at.clone(),
        handle: handle.to_string(),
        reason,
        message,
    }
}

/// Links a net's or an ASN's POCs and org. Returns the org index ([`NONE`] when it names
/// none), or `None` after reporting a reference that names no object.
fn link_owner(
    at: &Location,
    handle: &str,
    pocs: &mut [PocLink],
    org_handle: &str,
    poc_index: &HashMap<String, u32>,
    org_index: &HashMap<String, u32>,
    problems: &mut Vec<Problem>,
) -> Option<u32> {
    if !link_pocs(pocs, poc_index, at, handle, problems) {
        return None;
    }
    if org_handle.is_empty() {
        return Some(NONE);
    }
    let found = org_index.get(key(org_handle).as_ref()).copied();
    if found.is_none() {
        problems.push(reference_problem(
            at,
            handle,
            Reason::UnknownReference,
            format!("org or customer '{org_handle}' names no object"),
        ));
    }
    found
}

/// Links the POCs and org of every net or ASN (through `parts`: handle, POC links, org
/// handle, org index); returns which ones are still live.
fn link_owners<T>(
    items: &mut [Located<T>],
    parts: impl Fn(&mut T) -> (&String, &mut Vec<PocLink>, &String, &mut u32),
    poc_index: &HashMap<String, u32>,
    org_index: &HashMap<String, u32>,
    problems: &mut Vec<Problem>,
) -> Vec<bool> {
    items
        .iter_mut()
        .map(|item| {
            let (handle, pocs, org_handle, org) = parts(&mut item.obj);
            match link_owner(
                &item.at, handle, pocs, org_handle, poc_index, org_index, problems,
            ) {
                Some(o) => {
                    *org = o;
                    true
                }
                None => false,
            }
        })
        .collect()
}

/// New positions of the live items once the others are removed.
fn renumber(live: &[bool]) -> Vec<u32> {
    let mut next = 0u32;
    live.iter()
        .map(|&l| {
            if l {
                next += 1;
                next - 1
            } else {
                NONE
            }
        })
        .collect()
}

fn link_nets(
    nets: Vec<Located<Net>>,
    poc_index: &HashMap<String, u32>,
    org_index: &HashMap<String, u32>,
    db: &mut Database,
    problems: &mut Vec<Problem>,
) {
    let mut nets = dedup(nets, |n: &Net| &n.handle, "network", problems);
    let mut live = link_owners(
        &mut nets,
        |n| (&n.handle, &mut n.pocs, &n.org_handle, &mut n.org),
        poc_index,
        org_index,
        problems,
    );
    let by_handle: HashMap<String, usize> = nets
        .iter()
        .enumerate()
        .map(|(i, n)| (key(&n.obj.handle).into_owned(), i))
        .collect();
    let spans: Vec<Span> = nets
        .iter()
        .map(|n| Span {
            family: u8::from(n.obj.v6),
            start: n.obj.start,
            end: n.obj.end,
        })
        .collect();
    // Declared parents: must exist and contain the child.
    let mut declared = vec![NONE; nets.len()];
    for (i, n) in nets.iter().enumerate() {
        if !live[i] || n.obj.parent_handle.is_empty() {
            continue;
        }
        let Some(&p) = by_handle.get(key(&n.obj.parent_handle).as_ref()) else {
            problems.push(reference_problem(
                &n.at,
                &n.obj.handle,
                Reason::UnknownReference,
                format!("parent network '{}' names no network", n.obj.parent_handle),
            ));
            live[i] = false;
            continue;
        };
        let (c, q) = (spans[i], spans[p]);
        if p == i || c.family != q.family || q.start > c.start || q.end < c.end {
            problems.push(reference_problem(
                &n.at,
                &n.obj.handle,
                Reason::ParentMismatch,
                format!(
                    "declared parent '{}' ({}) does not contain {}",
                    nets[p].obj.handle,
                    format_range(q.family == 1, q.start, q.end),
                    format_range(c.family == 1, c.start, c.end)
                ),
            ));
            live[i] = false;
            continue;
        }
        declared[i] = p as u32;
    }
    // A child whose identical-range parent is declared sorts after it.
    let tie: Vec<u8> = (0..nets.len())
        .map(|i| {
            let p = declared[i];
            u8::from(
                p != NONE
                    && spans[p as usize].start == spans[i].start
                    && spans[p as usize].end == spans[i].end,
            )
        })
        .collect();
    // Cascade and derive until stable: a net whose declared parent was left out goes too,
    // and so does one that partly overlaps another.
    let parents = loop {
        let mut changed = false;
        for i in 0..nets.len() {
            let p = declared[i];
            if live[i] && p != NONE && !live[p as usize] {
                problems.push(reference_problem(
                    &nets[i].at,
                    &nets[i].obj.handle,
                    Reason::UnknownReference,
                    format!(
                        "parent network '{}' was left out (see its own report)",
                        nets[i].obj.parent_handle
                    ),
                ));
                live[i] = false;
                changed = true;
            }
        }
        let (derived, overlaps) = derive_parents(&spans, &live, &tie);
        for &(i, other) in &overlaps {
            let (a, b) = (spans[i], spans[other]);
            problems.push(reference_problem(
                &nets[i].at,
                &nets[i].obj.handle,
                Reason::OverlappingSiblings,
                format!(
                    "{} overlaps '{}' ({}) without either containing the other",
                    format_range(a.family == 1, a.start, a.end),
                    nets[other].obj.handle,
                    format_range(b.family == 1, b.start, b.end)
                ),
            ));
            live[i] = false;
            changed = true;
        }
        if !changed {
            break derived;
        }
    };
    // Final parent: declared, else derived. Declared parents chosen against the derived
    // order cannot form a cycle because a declared parent contains the child and ties are
    // ordered by the declaration.
    let new_index = renumber(&live);
    let final_parent: Vec<u32> = (0..nets.len())
        .map(|i| {
            let p = if declared[i] != NONE {
                declared[i]
            } else {
                parents[i]
            };
            if p == NONE {
                NONE
            } else {
                new_index[p as usize]
            }
        })
        .collect();
    let mut parent_handles: Vec<Option<String>> = vec![None; nets.len()];
    for i in 0..nets.len() {
        if live[i] && declared[i] == NONE && parents[i] != NONE {
            parent_handles[i] = Some(nets[parents[i] as usize].obj.handle.clone());
        }
    }
    let base = db.nets.len();
    debug_assert_eq!(base, 0);
    for (i, n) in nets.into_iter().enumerate() {
        if !live[i] {
            continue;
        }
        let mut net = n.obj;
        net.parent = final_parent[i];
        if let Some(h) = parent_handles[i].take() {
            net.parent_handle = h;
        }
        net.children.clear();
        db.nets.push(net);
    }
    let parents: Vec<u32> = db.nets.iter().map(|n| n.parent).collect();
    let keys: Vec<(bool, u128)> = db.nets.iter().map(|n| (n.v6, n.start)).collect();
    let (children, depth) = finish_tree(&parents, &keys);
    for ((n, c), d) in db.nets.iter_mut().zip(children).zip(depth) {
        n.children = c;
        n.depth = d;
    }
    for (i, n) in db.nets.iter().enumerate() {
        if n.org != NONE {
            db.orgs[n.org as usize].nets.push(i as u32);
        }
    }
}

/// Children lists (sorted by `keys`) and depths from parent pointers.
fn finish_tree(parents: &[u32], keys: &[(bool, u128)]) -> (Vec<Vec<u32>>, Vec<u8>) {
    let len = parents.len();
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); len];
    for (i, &p) in parents.iter().enumerate() {
        if p != NONE {
            children[p as usize].push(i as u32);
        }
    }
    for c in &mut children {
        c.sort_by_key(|&x| keys[x as usize]);
    }
    // Depth by walking up; bounded by `len` so a malformed chain cannot loop forever.
    const UNSET: u8 = u8::MAX;
    let mut depth: Vec<u8> = vec![UNSET; len];
    let mut chain = Vec::new();
    for i in 0..len {
        chain.clear();
        let mut cur = i;
        let mut base = 0u8;
        loop {
            if depth[cur] != UNSET {
                base = depth[cur].saturating_add(1);
                break;
            }
            chain.push(cur);
            let p = parents[cur];
            if p == NONE || chain.len() > len {
                break;
            }
            cur = p as usize;
        }
        for &c in chain.iter().rev() {
            depth[c] = base.min(UNSET - 1);
            base = base.saturating_add(1);
        }
    }
    (children, depth)
}

fn link_asns(
    asns: Vec<Located<Asn>>,
    poc_index: &HashMap<String, u32>,
    org_index: &HashMap<String, u32>,
    db: &mut Database,
    problems: &mut Vec<Problem>,
) {
    let mut asns = dedup(asns, |a: &Asn| &a.handle, "autonomous system", problems);
    let mut live = link_owners(
        &mut asns,
        |a| (&a.handle, &mut a.pocs, &a.org_handle, &mut a.org),
        poc_index,
        org_index,
        problems,
    );
    let spans: Vec<Span> = asns
        .iter()
        .map(|a| Span {
            family: 2,
            start: u128::from(a.obj.start),
            end: u128::from(a.obj.end),
        })
        .collect();
    // Blocks sort before the single ASNs they contain when the ranges are equal.
    let tie: Vec<u8> = asns.iter().map(|a| u8::from(!a.obj.block)).collect();
    let parents = loop {
        let (derived, overlaps) = derive_parents(&spans, &live, &tie);
        if overlaps.is_empty() {
            break derived;
        }
        for (i, other) in overlaps {
            problems.push(reference_problem(
                &asns[i].at,
                &asns[i].obj.handle,
                Reason::OverlappingSiblings,
                format!(
                    "AS{}-AS{} overlaps '{}' (AS{}-AS{}) without either containing the other",
                    asns[i].obj.start,
                    asns[i].obj.end,
                    asns[other].obj.handle,
                    asns[other].obj.start,
                    asns[other].obj.end
                ),
            ));
            live[i] = false;
        }
    };
    let new_index = renumber(&live);
    for (i, a) in asns.into_iter().enumerate() {
        if !live[i] {
            continue;
        }
        let mut asn = a.obj;
        asn.parent = if parents[i] == NONE {
            NONE
        } else {
            new_index[parents[i] as usize]
        };
        asn.children.clear();
        db.asns.push(asn);
    }
    let len = db.asns.len();
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); len];
    for i in 0..len {
        let p = db.asns[i].parent;
        if p != NONE {
            children[p as usize].push(i as u32);
        }
    }
    for (i, mut c) in children.into_iter().enumerate() {
        c.sort_by_key(|&x| db.asns[x as usize].start);
        db.asns[i].children = c;
        if db.asns[i].org != NONE {
            let o = db.asns[i].org as usize;
            db.orgs[o].asns.push(i as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PocFunction, parse_range};

    fn at(line: u32) -> Location {
        Location::new("test", line)
    }

    fn net(handle: &str, range: &str, parent: &str) -> Located<Net> {
        let (v6, start, end) = parse_range(range).unwrap();
        Located {
            at: at(1),
            obj: Net {
                handle: handle.into(),
                v6,
                start,
                end,
                parent_handle: parent.into(),
                org: NONE,
                parent: NONE,
                ..Net::default()
            },
        }
    }

    fn handles(db: &Database, idx: &[u32]) -> Vec<String> {
        idx.iter()
            .map(|&i| db.nets[i as usize].handle.clone())
            .collect()
    }

    #[test]
    fn derives_hierarchy_with_non_cidr_ranges() {
        let mut ingest = Ingest::default();
        ingest.nets.push(net("C", "23.1.2.0 - 23.1.2.191", ""));
        ingest.nets.push(net("A", "23.0.0.0 - 23.255.255.255", ""));
        ingest.nets.push(net("B", "23.1.0.0 - 23.1.255.255", ""));
        ingest.nets.push(net("D", "23.1.2.128 - 23.1.2.191", ""));
        ingest.nets.push(net("E", "23.1.3.0 - 23.1.3.255", "A"));
        ingest.nets.push(net("V6", "2600:: - 2600::ffff", ""));
        let linked = link(ingest);
        assert!(linked.problems.is_empty(), "{:?}", linked.problems);
        let db = &linked.db;
        let find = |h: &str| db.nets.iter().position(|n| n.handle == h).unwrap();
        let (a, b, c, d, e) = (find("A"), find("B"), find("C"), find("D"), find("E"));
        assert_eq!(db.nets[a].parent, NONE);
        assert_eq!(db.nets[b].parent, a as u32);
        assert_eq!(db.nets[c].parent, b as u32);
        assert_eq!(db.nets[d].parent, c as u32);
        // Declared parent wins over the smallest enclosing net.
        assert_eq!(db.nets[e].parent, a as u32);
        assert_eq!(db.nets[e].parent_handle, "A");
        assert_eq!(db.nets[d].parent_handle, "C");
        assert_eq!(handles(db, &db.nets[a].children), ["B", "E"]);
        assert_eq!(db.nets[d].depth, 3);
        assert_eq!(db.nets[find("V6")].parent, NONE);
    }

    #[test]
    fn reports_overlaps_unknown_parents_and_cascades() {
        let mut ingest = Ingest::default();
        ingest.nets.push(net("A", "23.1.0.0 - 23.1.0.255", ""));
        ingest.nets.push(net("X", "23.1.0.128 - 23.1.1.127", ""));
        ingest.nets.push(net("Y", "23.2.0.0 - 23.2.0.255", "NOPE"));
        ingest.nets.push(net("Z", "23.2.0.0 - 23.2.0.127", "Y"));
        ingest.nets.push(net("W", "23.3.0.0 - 23.3.0.255", "A"));
        let linked = link(ingest);
        let reasons: Vec<(String, Reason)> = linked
            .problems
            .iter()
            .map(|p| (p.handle.clone(), p.reason))
            .collect();
        assert!(reasons.contains(&("X".into(), Reason::OverlappingSiblings)));
        assert!(reasons.contains(&("Y".into(), Reason::UnknownReference)));
        assert!(reasons.contains(&("Z".into(), Reason::UnknownReference)));
        assert!(reasons.contains(&("W".into(), Reason::ParentMismatch)));
        let msg = linked
            .problems
            .iter()
            .find(|p| p.handle == "X")
            .unwrap()
            .to_string();
        assert!(
            msg.contains("23.1.0.128 - 23.1.1.127 overlaps 'A'"),
            "{msg}"
        );
        assert_eq!(linked.db.nets.len(), 1);
        assert_eq!(linked.summary.skipped(), 4);
    }

    #[test]
    fn unknown_poc_org_and_duplicates() {
        let mut ingest = Ingest::default();
        ingest.pocs.push(Located {
            at: at(1),
            obj: Poc {
                handle: "P1".into(),
                validation: NONE,
                ..Poc::default()
            },
        });
        ingest.pocs.push(Located {
            at: at(9),
            obj: Poc {
                handle: "p1".into(),
                validation: NONE,
                ..Poc::default()
            },
        });
        let mut n = net("N1", "45.0.0.0 - 45.0.0.255", "");
        n.obj.pocs.push(PocLink::new(PocFunction::Abuse, "P1"));
        n.obj.pocs.push(PocLink::new(PocFunction::Tech, "P2"));
        ingest.nets.push(n);
        let mut n = net("N2", "45.0.1.0 - 45.0.1.255", "");
        n.obj.org_handle = "ORG-NONE".into();
        ingest.nets.push(n);
        ingest.validations.push(Located {
            at: at(3),
            obj: ValidationRecord {
                handle: "p1".into(),
                ..ValidationRecord::default()
            },
        });
        ingest.validations.push(Located {
            at: at(4),
            obj: ValidationRecord {
                handle: "GHOST".into(),
                ..ValidationRecord::default()
            },
        });
        let linked = link(ingest);
        let text: Vec<String> = linked.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(linked.problems.len(), 4, "{text:#?}");
        assert!(
            text.iter()
                .any(|t| t.contains("test:9: duplicate handle in p1"))
        );
        assert!(
            text.iter()
                .any(|t| t.contains("N1: Tech contact 'P2' names no POC"))
        );
        assert!(
            text.iter()
                .any(|t| t.contains("'ORG-NONE' names no object"))
        );
        assert!(text.iter().any(|t| t.contains("GHOST")));
        assert_eq!(linked.db.pocs[0].validation, 0);
        assert!(linked.db.nets.is_empty());
    }

    #[test]
    fn asn_blocks_contain_asns() {
        let mut ingest = Ingest::default();
        for (h, s, e, block) in [
            ("AS393210", 393210, 393210, false),
            ("AS393200 - AS393220", 393200, 393220, true),
            ("AS393215", 393215, 393216, false),
            ("AS393219", 393219, 393225, false),
        ] {
            ingest.asns.push(Located {
                at: at(1),
                obj: Asn {
                    handle: h.into(),
                    start: s,
                    end: e,
                    block,
                    org: NONE,
                    parent: NONE,
                    ..Asn::default()
                },
            });
        }
        let linked = link(ingest);
        assert_eq!(linked.problems.len(), 1);
        assert_eq!(linked.problems[0].handle, "AS393219");
        let db = &linked.db;
        let block = db.asns.iter().position(|a| a.block).unwrap();
        assert_eq!(db.asns[block].children.len(), 2);
        assert!(
            db.asns
                .iter()
                .filter(|a| !a.block)
                .all(|a| a.parent == block as u32)
        );
    }

    /// Regression (fuzz target `roundtrip`, crash-c3ee7ab790a80ae9cf4642604b051389ce88467a):
    /// objects built with `Default` carry 0 in their linked fields, and the linker kept them.
    /// A POC without a validation record then pointed at record 0 (another POC's state, or
    /// past the end of an empty table, which the snapshot now refuses), and an org without a
    /// parent handle had org 0 as its parent (and so its abuse contact).
    #[test]
    fn linked_fields_left_by_ingest_are_replaced() {
        let mut ingest = Ingest::default();
        for h in ["P0", "P1"] {
            ingest.pocs.push(Located {
                at: at(1),
                obj: Poc {
                    handle: h.into(),
                    ..Poc::default()
                },
            });
        }
        ingest.validations.push(Located {
            at: at(2),
            obj: ValidationRecord {
                handle: "P1".into(),
                ..ValidationRecord::default()
            },
        });
        for h in ["ORG0", "ORG1"] {
            ingest.orgs.push(Located {
                at: at(3),
                obj: Org {
                    handle: h.into(),
                    nets: vec![7],
                    asns: vec![7],
                    ..Org::default()
                },
            });
        }
        let linked = link(ingest);
        assert!(linked.problems.is_empty(), "{:#?}", linked.problems);
        let db = &linked.db;
        assert_eq!(db.pocs[0].validation, NONE, "P0 has no record");
        assert_eq!(db.pocs[1].validation, 0);
        for o in &db.orgs {
            assert_eq!(o.parent_org, NONE, "{}", o.handle);
            assert!(o.nets.is_empty() && o.asns.is_empty(), "{}", o.handle);
        }
        // And the model goes through the snapshot and back.
        let data = crate::snapshot::build(linked.db, crate::snapshot::Meta::default());
        let bytes = crate::snapshot::encode(&data, std::path::Path::new("mem")).unwrap();
        crate::snapshot::Snapshot::from_bytes(&bytes, std::path::Path::new("mem")).unwrap();
    }
}
