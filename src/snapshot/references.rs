//! The checks behind rkyv's: each section is a valid archive on its own, but the sections
//! refer to each other by index. A file whose sections do not fit together (written by a
//! broken build, or altered with its checksums rewritten) must be refused on open, never
//! panic or loop at query time. So every table length matches the header, every index is in
//! range or [`NONE`], the net and ASN hierarchies are forests (parent chains end, children
//! point back at their parent, no child listed twice), and prefix lengths fit their family.

use super::{Data, Header};
use crate::model::{ArchivedPocLink, NONE, ObjectKind};

type Check = Result<(), String>;

fn index(what: &str, owner: &str, i: u32, len: usize) -> Check {
    if i == NONE || (i as usize) < len {
        Ok(())
    } else {
        Err(format!("{owner}: {what} index {i} is out of range ({len})"))
    }
}

fn present(what: &str, owner: &str, i: u32, len: usize) -> Check {
    if (i as usize) < len {
        Ok(())
    } else {
        Err(format!("{owner}: {what} index {i} is out of range ({len})"))
    }
}

fn links(owner: &str, links: &[ArchivedPocLink], pocs: usize) -> Check {
    links
        .iter()
        .try_for_each(|l| index("POC", owner, l.poc.to_native(), pocs))
}

/// Parent pointers (already in range) form a forest: every chain ends at [`NONE`].
fn acyclic(what: &str, parents: &[u32]) -> Check {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; parents.len()];
    let mut path = Vec::new();
    for start in 0..parents.len() {
        let mut cur = start as u32;
        while cur != NONE && state[cur as usize] == NEW {
            state[cur as usize] = ON_PATH;
            path.push(cur);
            cur = parents[cur as usize];
        }
        if cur != NONE && state[cur as usize] == ON_PATH {
            return Err(format!("{what} {cur}: its parent chain is a cycle"));
        }
        for p in path.drain(..) {
            state[p as usize] = DONE;
        }
    }
    Ok(())
}

/// Every child names its parent as its parent, and no child is listed twice.
fn children<'a>(
    what: &str,
    parents: &[u32],
    lists: impl Iterator<Item = &'a [rkyv::rend::u32_le]>,
) -> Check {
    let mut listed = vec![false; parents.len()];
    for (i, kids) in lists.enumerate() {
        for c in kids {
            let c = c.to_native();
            present("child", &format!("{what} {i}"), c, parents.len())?;
            if parents[c as usize] != i as u32 || std::mem::replace(&mut listed[c as usize], true) {
                return Err(format!("{what} {i}: child {c} does not belong to it"));
            }
        }
    }
    Ok(())
}

/// Checks the references between the sections of a validated snapshot.
pub(super) fn check(d: &Data<'_>, header: &Header) -> Check {
    let db = &d.db;
    let (orgs, pocs, nets, asns) = (db.orgs.len(), db.pocs.len(), db.nets.len(), db.asns.len());
    for (what, found, said) in [
        ("orgs", orgs, header.orgs),
        ("POCs", pocs, header.pocs),
        ("networks", nets, header.nets),
        ("ASNs", asns, header.asns),
        ("delegations", db.delegations.len(), header.delegations),
        (
            "validation records",
            db.validations.len(),
            header.validations,
        ),
        (
            "prefixes",
            d.prefixes_v4.len() + d.prefixes_v6.len(),
            header.prefixes,
        ),
    ] {
        if found as u64 != said {
            return Err(format!("{found} {what}, the header says {said}"));
        }
    }
    for (i, o) in db.orgs.iter().enumerate() {
        let owner = format!("org {i}");
        index("parent org", &owner, o.parent_org.to_native(), orgs)?;
        links(&owner, &o.pocs, pocs)?;
        o.nets
            .iter()
            .try_for_each(|n| present("net", &owner, n.to_native(), nets))?;
        o.asns
            .iter()
            .try_for_each(|a| present("ASN", &owner, a.to_native(), asns))?;
    }
    for (i, p) in db.pocs.iter().enumerate() {
        let owner = format!("POC {i}");
        index(
            "validation",
            &owner,
            p.validation.to_native(),
            db.validations.len(),
        )?;
    }
    let mut net_parents = Vec::with_capacity(nets);
    for (i, n) in db.nets.iter().enumerate() {
        let owner = format!("net {i}");
        index("org", &owner, n.org.to_native(), orgs)?;
        index("parent", &owner, n.parent.to_native(), nets)?;
        links(&owner, &n.pocs, pocs)?;
        let (start, end) = (n.start.to_native(), n.end.to_native());
        let top = if n.v6 {
            u128::MAX
        } else {
            u128::from(u32::MAX)
        };
        if start > end || end > top {
            return Err(format!(
                "{owner}: range {start:#x}-{end:#x} is not an address range"
            ));
        }
        net_parents.push(n.parent.to_native());
    }
    acyclic("net", &net_parents)?;
    children(
        "net",
        &net_parents,
        db.nets.iter().map(|n| n.children.as_slice()),
    )?;
    let mut asn_parents = Vec::with_capacity(asns);
    for (i, a) in db.asns.iter().enumerate() {
        let owner = format!("ASN {i}");
        index("org", &owner, a.org.to_native(), orgs)?;
        index("parent", &owner, a.parent.to_native(), asns)?;
        links(&owner, &a.pocs, pocs)?;
        asn_parents.push(a.parent.to_native());
    }
    acyclic("ASN", &asn_parents)?;
    children(
        "ASN",
        &asn_parents,
        db.asns.iter().map(|a| a.children.as_slice()),
    )?;
    for (i, del) in db.delegations.iter().enumerate() {
        links(&format!("delegation {i}"), &del.pocs, pocs)?;
    }
    for (family, table, bits) in [("IPv4", d.prefixes_v4, 32), ("IPv6", d.prefixes_v6, 128)] {
        for p in table.iter() {
            present("net", &format!("{family} prefix"), p.net.to_native(), nets)?;
            if p.len > bits {
                return Err(format!("{family} prefix of length {}", p.len));
            }
        }
    }
    d.top_nets
        .iter()
        .try_for_each(|t| present("net", "top nets", t.to_native(), nets))?;
    d.asn_order
        .iter()
        .try_for_each(|a| present("ASN", "ASN order", a.to_native(), asns))?;
    for (what, keys) in [("handle", d.handles), ("name", d.names)] {
        for k in keys.iter() {
            let len = match k.kind.get() {
                ObjectKind::Net => nets,
                ObjectKind::Asn => asns,
                ObjectKind::Org => orgs,
                ObjectKind::Poc => pocs,
                ObjectKind::Delegation => db.delegations.len(),
            };
            present("object", &format!("{what} key"), k.index.to_native(), len)?;
        }
    }
    Ok(())
}
