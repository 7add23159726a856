//! Indexes over a mapped snapshot: address indexes for IPv4 and IPv6 built from the prefix
//! table at load time, level-compressed longest-prefix tries (iptrie) built from it after
//! the registry is ready, and binary searches over the sorted ASN ranges and handle and
//! name keys that the snapshot already holds.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use iptrie::map::{LCTrieMap, RTrieMap};
use iptrie::{Ipv4Prefix, Ipv6Prefix};

use std::cmp::Ordering;

use crate::model::{NONE, ObjectKind};
use crate::snapshot::{
    ArchivedKey, ArchivedPrefixEntry, ArchivedPrefixes, Data, KEY_DBA, KEY_HANDLE,
};

mod pages;
mod v4;
mod v6;
use v4::V4Index;
use v6::V6Index;

/// The address indexes, built when a snapshot is opened, and the longest-prefix tries,
/// built after it is ready (see [`Indexes::build_prefix_tries`]).
///
/// Address lookups do not use the tries: IPv4 ones go through a table of the /16s and, in
/// the /16s that hold longer CIDRs, sorted intervals indexed by /24 (see [`v4`]); IPv6 ones
/// through a static B+ tree over the sorted intervals (see [`v6`]). The tries answer
/// prefix lookups once they are there; until then [`crate::registry::Registry`] answers
/// them from the address index and the networks' parents, with the same answers.
pub struct Indexes {
    v4_index: V4Index,
    v6_index: V6Index,
    prefix: OnceLock<PrefixTries>,
}

impl std::fmt::Debug for Indexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexes")
            .field("v4_index_bytes", &self.v4_index.heap_bytes())
            .field("v6_index_bytes", &self.v6_index.heap_bytes())
            .field("prefix_tries", &self.prefix.get())
            .finish()
    }
}

/// The IPv4 address index, built on a thread of its own (see [`Indexes::from_parts`]).
pub struct IndexV4(V4Index);

/// The IPv6 address index, built on a second thread.
pub struct IndexV6(V6Index);

/// The level-compressed longest-prefix tries (iptrie): CIDR → net index, the root
/// mapping to [`NONE`].
pub struct PrefixTries {
    v4: LCTrieMap<Ipv4Prefix, u32>,
    v6: LCTrieMap<Ipv6Prefix, u32>,
    /// How long building them took.
    pub took: Duration,
}

impl std::fmt::Debug for PrefixTries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrefixTries")
            .field("v4", &self.v4.len())
            .field("v6", &self.v6.len())
            .field("took", &self.took)
            .finish()
    }
}

impl PrefixTries {
    /// Builds both tries from the prefix tables. Entries come shallow nets first, so when
    /// a child has the same CIDR as its parent, the child's later insert wins.
    pub fn build(v4s: &[ArchivedPrefixEntry], v6s: &[ArchivedPrefixEntry]) -> PrefixTries {
        let t = Instant::now();
        let mut v4 = RTrieMap::with_root_and_capacity(NONE, v4s.len());
        for p in v4s {
            let addr = Ipv4Addr::from(p.addr.to_native() as u32);
            if let Ok(prefix) = Ipv4Prefix::new(addr, p.len) {
                v4.insert(prefix, p.net.to_native());
            }
        }
        let mut v6 = RTrieMap::with_root_and_capacity(NONE, v6s.len());
        for p in v6s {
            let addr = Ipv6Addr::from(p.addr.to_native());
            if let Ok(prefix) = Ipv6Prefix::new(addr, p.len) {
                v6.insert(prefix, p.net.to_native());
            }
        }
        let (v4, v6) = (v4.compress(), v6.compress());
        PrefixTries {
            v4,
            v6,
            took: t.elapsed(),
        }
    }

    /// The net whose CIDR is the longest one containing the whole prefix.
    pub fn lookup(&self, v6: bool, addr: u128, len: u8) -> Option<u32> {
        let hit = if v6 {
            match Ipv6Prefix::new(Ipv6Addr::from(addr), len) {
                Ok(p) => *self.v6.lookup(&p).1,
                Err(_) => NONE,
            }
        } else {
            match Ipv4Prefix::new(Ipv4Addr::from(addr as u32), len) {
                Ok(p) => *self.v4.lookup(&p).1,
                Err(_) => NONE,
            }
        };
        (hit != NONE).then_some(hit)
    }
}

impl Indexes {
    /// Builds the address indexes from the snapshot's prefix tables (the tries come later).
    pub fn build(prefixes: &ArchivedPrefixes) -> Indexes {
        Indexes::build_tables(&prefixes.v4, &prefixes.v6)
    }

    fn build_tables(v4s: &[ArchivedPrefixEntry], v6s: &[ArchivedPrefixEntry]) -> Indexes {
        Indexes::from_parts(Indexes::build_v4(v4s), Indexes::build_v6(v6s))
    }

    /// The IPv4 address index from the IPv4 prefix table (in table order: of two identical
    /// CIDRs the later wins).
    pub fn build_v4(v4s: &[ArchivedPrefixEntry]) -> IndexV4 {
        IndexV4(V4Index::build(v4s))
    }

    /// The IPv6 address index from the IPv6 prefix table (in table order).
    pub fn build_v6(v6s: &[ArchivedPrefixEntry]) -> IndexV6 {
        IndexV6(V6Index::build(v6s))
    }

    /// Both address indexes, built apart.
    pub fn from_parts(v4: IndexV4, v6: IndexV6) -> Indexes {
        Indexes {
            v4_index: v4.0,
            v6_index: v6.0,
            prefix: OnceLock::new(),
        }
    }

    /// Builds the address indexes of an opened snapshot.
    pub fn build_from(data: &Data<'_>) -> Indexes {
        Indexes::build_tables(data.prefixes_v4, data.prefixes_v6)
    }

    /// The net whose CIDR is the longest match for the address.
    #[inline]
    pub fn lookup(&self, v6: bool, addr: u128) -> Option<u32> {
        let hit = if v6 {
            self.v6_index.lookup(addr)
        } else {
            self.v4_index.lookup(addr as u32)
        };
        (hit != NONE).then_some(hit)
    }

    /// The prefix tries, once built.
    pub fn prefix_tries(&self) -> Option<&PrefixTries> {
        self.prefix.get()
    }

    /// Builds the prefix tries from the same prefix tables, unless they are built already
    /// (a second caller waits for the first).
    pub fn build_prefix_tries(
        &self,
        v4s: &[ArchivedPrefixEntry],
        v6s: &[ArchivedPrefixEntry],
    ) -> &PrefixTries {
        self.prefix.get_or_init(|| PrefixTries::build(v4s, v6s))
    }
}

/// Appends an elementary interval (its first address and its answer) to `out`: it
/// replaces an empty interval starting at the same address, and merges into an equal
/// previous answer.
fn push_interval<A: PartialEq + Copy>(out: &mut Vec<(A, u32)>, at: A, net: u32) {
    if let Some(last) = out.last_mut()
        && last.0 == at
    {
        last.1 = net;
        let len = out.len();
        if len >= 2 && out[len - 2].1 == net {
            out.pop();
        }
        return;
    }
    if out.last().is_some_and(|&(_, n)| n == net) {
        return;
    }
    out.push((at, net));
}

/// The most specific ASN range that holds `n`, given the ASN order of the snapshot.
pub fn asn_lookup(data: &Data<'_>, n: u32) -> Option<u32> {
    let order = &data.asn_order;
    let asns = &data.db.asns;
    let after = order.partition_point(|i| asns[i.to_native() as usize].start.to_native() <= n);
    let mut cur = order.get(after.checked_sub(1)?)?.to_native();
    // The last range starting at or before `n` either holds it or is nested in the one that
    // does (ranges never partly overlap), so walk up.
    loop {
        let a = &asns[cur as usize];
        if a.end.to_native() >= n {
            return Some(cur);
        }
        let p = a.parent.to_native();
        if p == NONE {
            return None;
        }
        cur = p;
    }
}

/// The text a key stands for, as published.
pub fn key_text<'a>(data: &Data<'a>, key: &ArchivedKey) -> &'a str {
    let i = key.index.to_native() as usize;
    let db = &data.db;
    let text = match (key.kind.get(), key.field) {
        (ObjectKind::Net, KEY_HANDLE) => db.nets.get(i).map(|n| &n.handle),
        (ObjectKind::Net, _) => db.nets.get(i).map(|n| &n.name),
        (ObjectKind::Asn, KEY_HANDLE) => db.asns.get(i).map(|a| &a.handle),
        (ObjectKind::Asn, _) => db.asns.get(i).map(|a| &a.name),
        (ObjectKind::Org, KEY_HANDLE) => db.orgs.get(i).map(|o| &o.handle),
        (ObjectKind::Org, KEY_DBA) => db.orgs.get(i).map(|o| &o.dba_name),
        (ObjectKind::Org, _) => db.orgs.get(i).map(|o| &o.name),
        (ObjectKind::Poc, KEY_HANDLE) => db.pocs.get(i).map(|p| &p.handle),
        (ObjectKind::Poc, _) => db.pocs.get(i).map(|p| &p.name),
        (ObjectKind::Delegation, _) => db.delegations.get(i).map(|d| &d.name),
    };
    text.map(|t| t.as_str()).unwrap_or("")
}

/// Compares `text` case-folded with `folded` (already folded by [`fold`]); `prefix` makes
/// a text that starts with `folded` compare equal.
fn cmp_folded(text: &str, folded: &str, prefix: bool) -> Ordering {
    let mut a = text.chars().flat_map(char::to_lowercase);
    let mut b = folded.chars();
    loop {
        match (a.next(), b.next()) {
            (_, None) if prefix => return Ordering::Equal,
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x != y => return x.cmp(&y),
            _ => {}
        }
    }
}

/// The keys whose text equals `folded` (or starts with it, with `prefix`), in key order.
pub fn keys_matching<'a>(
    data: &Data<'a>,
    keys: &'a [ArchivedKey],
    folded: &str,
    prefix: bool,
) -> &'a [ArchivedKey] {
    let start =
        keys.partition_point(|k| cmp_folded(key_text(data, k), folded, prefix) == Ordering::Less);
    let len = keys[start..]
        .partition_point(|k| cmp_folded(key_text(data, k), folded, prefix) == Ordering::Equal);
    &keys[start..start + len]
}

/// Prefix tables for the tests of the address indexes.
#[cfg(test)]
pub(crate) mod test_tables {
    use crate::snapshot::{ArchivedPrefixEntry, PrefixEntry};

    /// The archived form of a prefix table of (address, length, net).
    pub(crate) fn archive(table: impl Iterator<Item = (u128, u8, u32)>) -> rkyv::util::AlignedVec {
        let entries: Vec<PrefixEntry> = table
            .map(|(addr, len, net)| PrefixEntry { addr, len, net })
            .collect();
        rkyv::to_bytes::<rkyv::rancor::Error>(&entries).unwrap()
    }

    pub(crate) fn access(bytes: &[u8]) -> &[ArchivedPrefixEntry] {
        rkyv::access::<rkyv::vec::ArchivedVec<ArchivedPrefixEntry>, rkyv::rancor::Error>(bytes)
            .unwrap()
    }

    /// What a scan of the whole table answers for `a`, an address of `bits` bits (32 or
    /// 128): the net of the longest CIDR holding it, the later of identical ones, `NONE`
    /// when none does. Lengths over `bits` are skipped, as the indexes do.
    pub(crate) fn brute(
        table: impl IntoIterator<Item = (u128, u8, u32)>,
        bits: u8,
        a: u128,
    ) -> u32 {
        let full = u128::MAX >> (128 - u32::from(bits));
        let mask = |len: u8| full & !full.checked_shr(u32::from(len)).unwrap_or(0);
        let mut best: Option<(u8, u32)> = None;
        for (p, len, net) in table {
            if len <= bits && a & mask(len) == p & mask(len) && best.is_none_or(|(l, _)| len >= l) {
                best = Some((len, net));
            }
        }
        best.map_or(crate::model::NONE, |(_, n)| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IPv4 address lookups answer like brute force: shallow /16s (empty, covered by a
    /// short CIDR, or exactly a /16) from the table, deep ones from their intervals, with
    /// the later entry winning on an identical CIDR.
    #[test]
    fn ipv4_lookups_answer_like_brute_force() {
        let table: Vec<(u32, u8)> = vec![
            (0x0a00_0000, 8),  // 10/8: shallow /16s inside, and some deep ones
            (0x0a01_0000, 16), // exactly a /16 inside 10/8
            (0x0a02_8000, 17), // makes 10.2/16 deep
            (0x0a03_0400, 24),
            (0x0a03_0480, 25),
            (0x0a03_0481, 32),
            (0x0a03_0400, 24), // same CIDR again: this later entry wins
            (0xc000_0000, 12), // 192.0/12: 16 shallow /16s
            (0xc010_0000, 16),
            (0xc010_0000, 16), // identical /16 twice
            (0x0000_0000, 15), // 0/15: the first /16s
            (0xffff_fff0, 28), // the last /16, deep
        ];
        // Each entry's net is its place in the table.
        let entries = || {
            table
                .iter()
                .enumerate()
                .map(|(i, &(addr, len))| (u128::from(addr), len, i as u32))
        };
        let bytes = test_tables::archive(entries());
        let archived = test_tables::access(&bytes);
        let tries = Indexes::from_parts(Indexes::build_v4(archived), Indexes::build_v6(&[]));
        let brute = |a: u32| {
            let n = test_tables::brute(entries(), 32, u128::from(a));
            (n != NONE).then_some(n)
        };
        let mut rng = fastrand::Rng::with_seed(7);
        let mut addrs: Vec<u32> = (0..200_000).map(|_| rng.u32(..)).collect();
        for &(p, len) in &table {
            let size = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
            addrs.extend([
                p,
                p.wrapping_sub(1),
                p.wrapping_add(size),
                p.saturating_add(size).wrapping_add(1),
            ]);
            addrs.extend((0..64).map(|_| p.wrapping_add(rng.u32(..=size))));
        }
        for a in addrs {
            assert_eq!(
                tries.lookup(false, u128::from(a)),
                brute(a),
                "{}",
                Ipv4Addr::from(a)
            );
        }
    }
}
