//! The checks behind rkyv's: each section is a valid archive on its own, but the sections
//! refer to each other by index. A file whose sections do not fit together (written by a
//! broken build, or altered with its checksums rewritten) must be refused on open, never
//! panic or loop at query time. So every table length matches the header, every index is in
//! range or [`NONE`], the net and ASN hierarchies are forests (parent chains end, children
//! point back at their parent, no child listed twice), and prefix lengths fit their family.
//!
//! Indices are checked against the counts in the header, so each section (each chunk of a
//! large table) is checked on its own, by the thread that has just validated it; the counts
//! themselves are compared with the table lengths once every section is in ([`lengths`]), and
//! the network hierarchy, which spans the chunks, last ([`Forest::check`]).

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use super::schema::{ArchivedKeys, ArchivedPrefixes, ArchivedSmall};
use super::{Data, Header};
use crate::model::{ArchivedNet, ArchivedOrg, ArchivedPoc, ArchivedPocLink, NONE, ObjectKind};

type Check = Result<(), String>;

/// How many objects of each kind the header announces: what indices are checked against.
#[derive(Debug, Clone, Copy)]
pub(super) struct Counts {
    pub orgs: usize,
    pub pocs: usize,
    pub nets: usize,
    pub asns: usize,
    pub delegations: usize,
    pub validations: usize,
}

impl Counts {
    pub(super) fn of(h: &Header) -> Counts {
        let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        Counts {
            orgs: n(h.orgs),
            pocs: n(h.pocs),
            nets: n(h.nets),
            asns: n(h.asns),
            delegations: n(h.delegations),
            validations: n(h.validations),
        }
    }
}

/// The object an error is about, formatted only when there is an error.
#[derive(Clone, Copy)]
struct Owner<'a>(&'a str, Option<usize>);

impl fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(i) => write!(f, "{} {i}", self.0),
            None => f.write_str(self.0),
        }
    }
}

#[inline]
fn index(what: &str, owner: Owner<'_>, i: u32, len: usize) -> Check {
    if i == NONE || (i as usize) < len {
        Ok(())
    } else {
        Err(format!("{owner}: {what} index {i} is out of range ({len})"))
    }
}

#[inline]
fn present(what: &str, owner: Owner<'_>, i: u32, len: usize) -> Check {
    if (i as usize) < len {
        Ok(())
    } else {
        Err(format!("{owner}: {what} index {i} is out of range ({len})"))
    }
}

#[inline]
fn links(owner: Owner<'_>, links: &[ArchivedPocLink], pocs: usize) -> Check {
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
            present("child", Owner(what, Some(i)), c, parents.len())?;
            if parents[c as usize] != i as u32 || std::mem::replace(&mut listed[c as usize], true) {
                return Err(format!("{what} {i}: child {c} does not belong to it"));
            }
        }
    }
    Ok(())
}

/// Orgs `first..` (one chunk).
pub(super) fn orgs(chunk: &[ArchivedOrg], first: usize, c: &Counts) -> Check {
    for (j, o) in chunk.iter().enumerate() {
        let owner = Owner("org", Some(first + j));
        index("parent org", owner, o.parent_org.to_native(), c.orgs)?;
        links(owner, &o.pocs, c.pocs)?;
        o.nets
            .iter()
            .try_for_each(|n| present("net", owner, n.to_native(), c.nets))?;
        o.asns
            .iter()
            .try_for_each(|a| present("ASN", owner, a.to_native(), c.asns))?;
    }
    Ok(())
}

/// POCs `first..` (one chunk).
pub(super) fn pocs(chunk: &[ArchivedPoc], first: usize, c: &Counts) -> Check {
    for (j, p) in chunk.iter().enumerate() {
        let owner = Owner("POC", Some(first + j));
        index("validation", owner, p.validation.to_native(), c.validations)?;
    }
    Ok(())
}

/// The network hierarchy, filled chunk by chunk on several threads: each net's parent, and
/// which net lists each net as its child.
pub(super) struct Forest {
    parents: Vec<AtomicU32>,
    listed_by: Vec<AtomicU32>,
}

impl Forest {
    pub(super) fn new(nets: usize) -> Forest {
        let none = || (0..nets).map(|_| AtomicU32::new(NONE)).collect();
        Forest {
            parents: none(),
            listed_by: none(),
        }
    }

    /// After every chunk of networks passed [`nets`]: parent chains end, and every listed
    /// child names the net that lists it as its parent.
    pub(super) fn check(self) -> Check {
        let parents: Vec<u32> = self
            .parents
            .into_iter()
            .map(AtomicU32::into_inner)
            .collect();
        acyclic("net", &parents)?;
        for (c, by) in self.listed_by.into_iter().enumerate() {
            let by = by.into_inner();
            if by != NONE && parents[c] != by {
                return Err(format!("net {by}: child {c} does not belong to it"));
            }
        }
        Ok(())
    }
}

/// Networks `first..` (one chunk whose length matches the header); fills `forest`.
pub(super) fn nets(chunk: &[ArchivedNet], first: usize, c: &Counts, forest: &Forest) -> Check {
    for (j, n) in chunk.iter().enumerate() {
        let i = first + j;
        let owner = Owner("net", Some(i));
        index("org", owner, n.org.to_native(), c.orgs)?;
        let parent = n.parent.to_native();
        index("parent", owner, parent, c.nets)?;
        links(owner, &n.pocs, c.pocs)?;
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
        forest.parents[i].store(parent, Relaxed);
        for kid in n.children.iter() {
            let kid = kid.to_native();
            present("child", owner, kid, c.nets)?;
            if forest.listed_by[kid as usize]
                .compare_exchange(NONE, i as u32, Relaxed, Relaxed)
                .is_err()
            {
                return Err(format!("{owner}: child {kid} does not belong to it"));
            }
        }
    }
    Ok(())
}

/// The metadata section: ASNs (and their hierarchy), delegations, top nets, ASN order.
pub(super) fn small(s: &ArchivedSmall, c: &Counts) -> Check {
    let asns = s.asns.len();
    let mut asn_parents = Vec::with_capacity(asns);
    for (i, a) in s.asns.iter().enumerate() {
        let owner = Owner("ASN", Some(i));
        index("org", owner, a.org.to_native(), c.orgs)?;
        index("parent", owner, a.parent.to_native(), asns)?;
        links(owner, &a.pocs, c.pocs)?;
        asn_parents.push(a.parent.to_native());
    }
    acyclic("ASN", &asn_parents)?;
    children(
        "ASN",
        &asn_parents,
        s.asns.iter().map(|a| a.children.as_slice()),
    )?;
    for (i, del) in s.delegations.iter().enumerate() {
        links(Owner("delegation", Some(i)), &del.pocs, c.pocs)?;
    }
    s.top_nets
        .iter()
        .try_for_each(|t| present("net", Owner("top nets", None), t.to_native(), c.nets))?;
    s.asn_order
        .iter()
        .try_for_each(|a| present("ASN", Owner("ASN order", None), a.to_native(), asns))?;
    Ok(())
}

/// The prefix tables.
pub(super) fn prefixes(p: &ArchivedPrefixes, c: &Counts) -> Check {
    for (family, table, bits) in [("IPv4", &p.v4, 32), ("IPv6", &p.v6, 128)] {
        let owner = Owner(
            if bits == 32 {
                "IPv4 prefix"
            } else {
                "IPv6 prefix"
            },
            None,
        );
        for e in table.iter() {
            present("net", owner, e.net.to_native(), c.nets)?;
            if e.len > bits {
                return Err(format!("{family} prefix of length {}", e.len));
            }
        }
    }
    Ok(())
}

/// The search keys.
pub(super) fn keys(k: &ArchivedKeys, c: &Counts) -> Check {
    for (what, keys) in [("handle key", &k.handles), ("name key", &k.names)] {
        for key in keys.iter() {
            let len = match key.kind.get() {
                ObjectKind::Net => c.nets,
                ObjectKind::Asn => c.asns,
                ObjectKind::Org => c.orgs,
                ObjectKind::Poc => c.pocs,
                ObjectKind::Delegation => c.delegations,
            };
            present("object", Owner(what, None), key.index.to_native(), len)?;
        }
    }
    Ok(())
}

/// The lengths of the tables in the metadata and prefix sections match the header (the
/// chunked tables are counted chunk by chunk).
pub(super) fn lengths(d: &Data<'_>, header: &Header) -> Check {
    let db = &d.db;
    for (what, found, said) in [
        ("ASNs", db.asns.len(), header.asns),
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
    Ok(())
}
