//! The query API both front ends use: lookups by address, prefix, range, ASN, handle and
//! name; hierarchy walks; abuse-contact resolution; contact validation state.
//!
//! A [`Registry`] owns one mapped, validated snapshot and the indexes built from it. Every
//! answer borrows from the map (`&ArchivedNet`, `&str`, …); nothing is copied out and
//! nothing takes a lock, so a `Registry` behind an `Arc` serves any number of threads.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::index::{Indexes, PrefixTries, asn_lookup, keys_matching};
use crate::model::{
    ArchivedAsn, ArchivedDelegation, ArchivedNet, ArchivedOrg, ArchivedPoc, ArchivedPocLink,
    ArchivedValidationRecord, NONE, ObjectKind, PocFunction, Policy, Timestamp, ValidationState,
    parse_addr, parse_prefix, parse_range,
};
use crate::snapshot::{ArchivedKey, Data, Header, Snapshot, SnapshotError, fold};

/// How long loading took.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadStats {
    /// Map, check the header and checksum, validate the archive.
    pub open: Duration,
    /// Build the address indexes (the prefix tries come after: see
    /// [`Registry::build_prefix_tries`]).
    pub index: Duration,
}

/// A loaded registry: snapshot plus indexes.
#[derive(Debug)]
pub struct Registry {
    snapshot: Snapshot,
    indexes: Indexes,
    stats: LoadStats,
}

/// An object found by handle or name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hit {
    pub kind: ObjectKind,
    pub index: u32,
}

/// The result of a capped search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub hits: Vec<Hit>,
    /// More objects matched than the cap allowed.
    pub truncated: bool,
}

/// Which object an abuse contact was found on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Net(u32),
    Org(u32),
    Asn(u32),
}

/// An object's effective abuse contact.
#[derive(Debug, Clone, Copy)]
pub struct Abuse<'a> {
    /// Index of the POC.
    pub poc: u32,
    /// The mailbox to send reports to.
    pub mailbox: &'a str,
    /// `Abuse`, or `Irt` when an RPSL `mnt-irt` supplied it.
    pub function: PocFunction,
    /// The object that links the POC.
    pub from: Holder,
    /// True when `from` is not the object asked about.
    pub inherited: bool,
}

/// A query string classified the way whois users type them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Addr {
        v6: bool,
        addr: u128,
    },
    Prefix {
        v6: bool,
        addr: u128,
        len: u8,
    },
    Range {
        v6: bool,
        start: u128,
        end: u128,
    },
    Asn(u32),
    /// A handle or a name (trailing `*` for a prefix search).
    Text(String),
}

impl Query {
    /// Classifies a query: address, prefix (host bits are cleared), range `a - b`,
    /// `AS64496` or `64496`, else text.
    pub fn parse(q: &str) -> Query {
        let q = q.trim();
        if let Ok((v6, addr)) = parse_addr(q) {
            return Query::Addr { v6, addr };
        }
        if q.contains('/')
            && let Ok((v6, addr, len)) = parse_prefix(q, true)
        {
            return Query::Prefix { v6, addr, len };
        }
        if q.contains('-')
            && let Ok((v6, start, end)) = parse_range(q)
        {
            return Query::Range { v6, start, end };
        }
        let digits = q
            .strip_prefix("AS")
            .or_else(|| q.strip_prefix("as"))
            .or_else(|| q.strip_prefix("As"))
            .or_else(|| q.strip_prefix("aS"))
            .unwrap_or(q);
        if !digits.is_empty()
            && digits.len() <= 10
            && digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = digits.parse::<u32>()
        {
            return Query::Asn(n);
        }
        Query::Text(q.to_string())
    }
}

impl Registry {
    /// Opens, validates and indexes a snapshot file.
    pub fn open(path: &Path) -> Result<Registry, SnapshotError> {
        // The address indexes are built from the prefix section, one family on each
        // thread, while the other sections are still being validated.
        let t0 = Instant::now();
        let (snapshot, (v4, t4), (v6, t6)) = Snapshot::open_with2(
            path,
            |p| {
                let t = Instant::now();
                (Indexes::build_v4(&p.v4), t.elapsed())
            },
            |p| {
                let t = Instant::now();
                (Indexes::build_v6(&p.v6), t.elapsed())
            },
        )?;
        // The longer build stands for the index time; the rest (overlapping it) is opening.
        let index = t4.max(t6);
        Ok(Registry {
            snapshot,
            indexes: Indexes::from_parts(v4, v6),
            stats: LoadStats {
                open: t0.elapsed().saturating_sub(index),
                index,
            },
        })
    }

    /// Indexes an opened snapshot.
    pub fn from_snapshot(snapshot: Snapshot) -> Registry {
        let t0 = Instant::now();
        let data = snapshot.data();
        let indexes = Indexes::build_from(&data);
        Registry {
            snapshot,
            indexes,
            stats: LoadStats {
                open: Duration::ZERO,
                index: t0.elapsed(),
            },
        }
    }

    pub fn data(&self) -> Data<'_> {
        self.snapshot.data()
    }

    pub fn header(&self) -> &Header {
        self.snapshot.header()
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub fn load_stats(&self) -> LoadStats {
        self.stats
    }

    // Objects by index. Indexes come from this registry's own answers.

    #[inline]
    pub fn net(&self, i: u32) -> &ArchivedNet {
        self.snapshot.nets().at(i as usize)
    }
    #[inline]
    pub fn org(&self, i: u32) -> &ArchivedOrg {
        self.snapshot.orgs().at(i as usize)
    }
    #[inline]
    pub fn poc(&self, i: u32) -> &ArchivedPoc {
        self.snapshot.pocs().at(i as usize)
    }
    pub fn asn(&self, i: u32) -> &ArchivedAsn {
        &self.data().db.asns[i as usize]
    }
    pub fn delegation(&self, i: u32) -> &ArchivedDelegation {
        &self.data().db.delegations[i as usize]
    }

    // Lookups.

    /// The most specific network containing the address.
    #[inline]
    pub fn net_by_addr(&self, v6: bool, addr: u128) -> Option<u32> {
        self.indexes.lookup(v6, addr)
    }

    /// The most specific network containing the whole prefix.
    pub fn net_by_prefix(&self, v6: bool, addr: u128, len: u8) -> Option<u32> {
        match self.indexes.prefix_tries() {
            Some(tries) => tries.lookup(v6, addr, len),
            // Before the tries are built: the most specific net holding the prefix's whole
            // range. The same answer: a net's CIDRs are the largest aligned blocks of its
            // range, so any CIDR inside the range lies inside one of them.
            None => {
                let bits: u32 = if v6 { 128 } else { 32 };
                let host = bits.checked_sub(u32::from(len))?;
                let mask = u128::MAX.checked_shr(128 - host).unwrap_or(0);
                self.net_by_range(v6, addr & !mask, addr | mask)
            }
        }
    }

    /// Builds the longest-prefix tries, unless they are built already, and returns them.
    /// [`Registry::open`] leaves them out so that the registry is ready sooner (at rir
    /// scale they take about as long again as the rest of the opening); prefix lookups
    /// give the same answers without them, from the address index and the networks'
    /// parents. `serve` builds them on a thread of their own once the registry serves.
    pub fn build_prefix_tries(&self) -> &PrefixTries {
        let data = self.data();
        self.indexes
            .build_prefix_tries(data.prefixes_v4, data.prefixes_v6)
    }

    /// Whether the prefix tries are built.
    pub fn has_prefix_tries(&self) -> bool {
        self.indexes.prefix_tries().is_some()
    }

    /// The most specific network containing the whole range `start..=end`.
    pub fn net_by_range(&self, v6: bool, start: u128, end: u128) -> Option<u32> {
        let mut cur = self.net_by_addr(v6, start)?;
        loop {
            let n = self.net(cur);
            if n.end.to_native() >= end {
                return Some(cur);
            }
            cur = opt(n.parent.to_native())?;
        }
    }

    /// The network whose range is exactly `start..=end` (the most specific if several).
    pub fn net_exact(&self, v6: bool, start: u128, end: u128) -> Option<u32> {
        let i = self.net_by_range(v6, start, end)?;
        let n = self.net(i);
        (n.start.to_native() == start && n.end.to_native() == end).then_some(i)
    }

    /// The most specific ASN range (aut-num, else block) holding `n`.
    pub fn asn_by_number(&self, n: u32) -> Option<u32> {
        asn_lookup(&self.data(), n)
    }

    /// Objects whose handle equals `handle`, case-insensitively.
    pub fn by_handle(&self, handle: &str) -> Vec<Hit> {
        let data = self.data();
        keys_matching(&data, data.handles, &fold(handle.trim()), false)
            .iter()
            .map(hit)
            .collect()
    }

    /// Handles matching `pattern` (exact, or a prefix with a trailing `*`), at most `cap`.
    pub fn search_handles(&self, pattern: &str, cap: usize) -> Search {
        let data = self.data();
        search(&data, data.handles, pattern, cap, &[])
    }

    /// Names matching `pattern` (exact, or a prefix with a trailing `*`), at most `cap`.
    pub fn search_names(&self, pattern: &str, cap: usize) -> Search {
        let data = self.data();
        search(&data, data.names, pattern, cap, &[])
    }

    /// Like [`Registry::search_handles`], counting only objects of these kinds.
    pub fn search_handles_of(&self, kinds: &[ObjectKind], pattern: &str, cap: usize) -> Search {
        let data = self.data();
        search(&data, data.handles, pattern, cap, kinds)
    }

    /// Like [`Registry::search_names`], counting only objects of these kinds.
    pub fn search_names_of(&self, kinds: &[ObjectKind], pattern: &str, cap: usize) -> Search {
        let data = self.data();
        search(&data, data.names, pattern, cap, kinds)
    }

    // Hierarchy.

    pub fn parent(&self, net: u32) -> Option<u32> {
        opt(self.net(net).parent.to_native())
    }

    /// The parent chain, nearest first.
    pub fn less_specific(&self, net: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(self.parent(net), move |&p| self.parent(p))
    }

    /// Direct children, by start address.
    pub fn children(&self, net: u32) -> impl Iterator<Item = u32> + '_ {
        self.net(net).children.iter().map(|c| c.to_native())
    }

    /// Every network below, depth first in address order.
    pub fn more_specific(&self, net: u32) -> impl Iterator<Item = u32> + '_ {
        let mut stack: Vec<u32> = self.children(net).collect();
        stack.reverse();
        std::iter::from_fn(move || {
            let next = stack.pop()?;
            let before = stack.len();
            stack.extend(self.children(next));
            stack[before..].reverse();
            Some(next)
        })
    }

    /// Top-level networks, IPv4 first, by start address.
    pub fn top_nets(&self) -> impl Iterator<Item = u32> + '_ {
        self.data().top_nets.iter().map(|c| c.to_native())
    }

    // Abuse contact.

    /// The first link of the function whose POC has a mailbox.
    fn own_contact(&self, links: &[ArchivedPocLink], function: PocFunction) -> Option<(u32, &str)> {
        links
            .iter()
            .filter(|l| l.function.get() == function)
            .find_map(|l| {
                let p = l.poc.to_native();
                self.poc(p).abuse_mailbox().map(|m| (p, m))
            })
    }

    fn own_abuse(&self, links: &[ArchivedPocLink], from: Holder) -> Option<Abuse<'_>> {
        [PocFunction::Abuse, PocFunction::Irt]
            .into_iter()
            .find_map(|f| {
                self.own_contact(links, f).map(|(poc, mailbox)| Abuse {
                    poc,
                    mailbox,
                    function: f,
                    from,
                    inherited: false,
                })
            })
    }

    /// An org's abuse contact: its own, or (a customer's) its parent org's.
    pub fn org_abuse(&self, org: u32) -> Option<Abuse<'_>> {
        let o = self.org(org);
        if let Some(a) = self.own_abuse(&o.pocs, Holder::Org(org)) {
            return Some(a);
        }
        let parent = opt(o.parent_org.to_native())?;
        self.own_abuse(&self.org(parent).pocs, Holder::Org(parent))
            .map(|a| Abuse {
                inherited: true,
                ..a
            })
    }

    /// A network's abuse contact: its own, else its org's (a customer's parent org's), else
    /// its parent network's, recursively.
    pub fn net_abuse(&self, net: u32) -> Option<Abuse<'_>> {
        let mut cur = net;
        // Depth is bounded by the hierarchy, which the linker made acyclic.
        for _ in 0..=self.data().db.nets.len() {
            let n = self.net(cur);
            let found = self
                .own_abuse(&n.pocs, Holder::Net(cur))
                .or_else(|| opt(n.org.to_native()).and_then(|o| self.org_abuse(o)));
            if let Some(a) = found {
                return Some(Abuse {
                    inherited: a.inherited || a.from != Holder::Net(net),
                    ..a
                });
            }
            cur = opt(n.parent.to_native())?;
        }
        None
    }

    /// An ASN's abuse contact: its own, else its org's.
    pub fn asn_abuse(&self, asn: u32) -> Option<Abuse<'_>> {
        let a = self.asn(asn);
        self.own_abuse(&a.pocs, Holder::Asn(asn)).or_else(|| {
            let o = opt(a.org.to_native())?;
            self.org_abuse(o).map(|x| Abuse {
                inherited: true,
                ..x
            })
        })
    }

    // Validation.

    /// The POC's validation record, if it has one.
    pub fn validation_record(&self, poc: u32) -> Option<&ArchivedValidationRecord> {
        let v = opt(self.poc(poc).validation.to_native())?;
        self.data().db.validations.get(v as usize)
    }

    /// The POC's validation state at `as_of` under `policy`.
    pub fn validation_state(&self, poc: u32, as_of: Timestamp, policy: &Policy) -> ValidationState {
        match self.validation_record(poc) {
            None => ValidationState::Unknown,
            Some(r) => policy.state(
                r.requested.as_ref().map(|t| t.to_native()),
                r.validated.as_ref().map(|t| t.to_native()),
                r.reported_invalid.as_ref().map(|t| t.to_native()),
                as_of,
            ),
        }
    }

    /// The handle of a holder.
    pub fn holder_handle(&self, h: Holder) -> &str {
        match h {
            Holder::Net(i) => self.net(i).handle.as_str(),
            Holder::Org(i) => self.org(i).handle.as_str(),
            Holder::Asn(i) => self.asn(i).handle.as_str(),
        }
    }
}

fn opt(i: u32) -> Option<u32> {
    (i != NONE).then_some(i)
}

fn hit(k: &ArchivedKey) -> Hit {
    Hit {
        kind: k.kind.get(),
        index: k.index.to_native(),
    }
}

/// Keys matching `pattern`, at most `cap`; only objects of `kinds` unless it is empty.
fn search(
    data: &Data<'_>,
    keys: &[ArchivedKey],
    pattern: &str,
    cap: usize,
    kinds: &[ObjectKind],
) -> Search {
    let pattern = fold(pattern.trim());
    let matched = match pattern.strip_suffix('*') {
        Some(prefix) if !prefix.contains('*') => keys_matching(data, keys, prefix, true),
        Some(_) => &[],
        None => keys_matching(data, keys, &pattern, false),
    };
    let mut hits: Vec<Hit> = Vec::new();
    let mut truncated = false;
    for k in matched {
        let h = hit(k);
        if !kinds.is_empty() && !kinds.contains(&h.kind) {
            continue;
        }
        // An org matched by both its name and its DBA name counts once.
        if hits.contains(&h) {
            continue;
        }
        if hits.len() == cap {
            truncated = true;
            break;
        }
        hits.push(h);
    }
    Search { hits, truncated }
}

#[cfg(test)]
mod tests;
