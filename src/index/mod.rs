//! Indexes over a mapped snapshot: level-compressed longest-prefix tries (iptrie) for IPv4
//! and IPv6 built from the prefix table at load time, and binary searches over the sorted
//! ASN ranges and handle and name keys that the snapshot already holds.

use std::net::{Ipv4Addr, Ipv6Addr};

use iptrie::map::{LCTrieMap, RTrieMap};
use iptrie::{Ipv4Prefix, Ipv6Prefix};

use std::cmp::Ordering;

use crate::model::{NONE, ObjectKind};
use crate::snapshot::{
    ArchivedKey, ArchivedPrefixEntry, ArchivedPrefixes, Data, KEY_DBA, KEY_HANDLE,
};

/// The longest-prefix tries: CIDR → net index. The root maps to [`NONE`].
pub struct Tries {
    v4: LCTrieMap<Ipv4Prefix, u32>,
    v6: LCTrieMap<Ipv6Prefix, u32>,
}

impl std::fmt::Debug for Tries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tries")
            .field("v4", &self.v4.len())
            .field("v6", &self.v6.len())
            .finish()
    }
}

/// The IPv4 trie alone, built on its own thread (see [`Tries::from_parts`]).
pub struct TrieV4(LCTrieMap<Ipv4Prefix, u32>);
/// The IPv6 trie alone.
pub struct TrieV6(LCTrieMap<Ipv6Prefix, u32>);

impl Tries {
    /// Builds both tries from the snapshot's prefix tables. Entries come shallow nets first,
    /// so when a child has the same CIDR as its parent, the child's later insert wins.
    pub fn build(prefixes: &ArchivedPrefixes) -> Tries {
        Tries::build_tables(&prefixes.v4, &prefixes.v6)
    }

    fn build_tables(v4s: &[ArchivedPrefixEntry], v6s: &[ArchivedPrefixEntry]) -> Tries {
        Tries::from_parts(Tries::build_v4(v4s), Tries::build_v6(v6s))
    }

    /// The IPv4 trie from the IPv4 prefix table (in table order, as [`Tries::build`]).
    pub fn build_v4(v4s: &[ArchivedPrefixEntry]) -> TrieV4 {
        let mut v4 = RTrieMap::with_root_and_capacity(NONE, v4s.len());
        for p in v4s {
            let addr = Ipv4Addr::from(p.addr.to_native() as u32);
            if let Ok(prefix) = Ipv4Prefix::new(addr, p.len) {
                v4.insert(prefix, p.net.to_native());
            }
        }
        TrieV4(v4.compress())
    }

    /// The IPv6 trie from the IPv6 prefix table.
    pub fn build_v6(v6s: &[ArchivedPrefixEntry]) -> TrieV6 {
        let mut v6 = RTrieMap::with_root_and_capacity(NONE, v6s.len());
        for p in v6s {
            let addr = Ipv6Addr::from(p.addr.to_native());
            if let Ok(prefix) = Ipv6Prefix::new(addr, p.len) {
                v6.insert(prefix, p.net.to_native());
            }
        }
        TrieV6(v6.compress())
    }

    /// Both tries, built apart.
    pub fn from_parts(v4: TrieV4, v6: TrieV6) -> Tries {
        Tries { v4: v4.0, v6: v6.0 }
    }

    /// Builds both tries from the prefix tables of an opened snapshot.
    pub fn build_from(data: &Data<'_>) -> Tries {
        Tries::build_tables(data.prefixes_v4, data.prefixes_v6)
    }

    /// The net whose CIDR is the longest match for the address.
    #[inline]
    pub fn lookup(&self, v6: bool, addr: u128) -> Option<u32> {
        let hit = if v6 {
            *self.v6.lookup(&Ipv6Addr::from(addr)).1
        } else {
            *self.v4.lookup(&Ipv4Addr::from(addr as u32)).1
        };
        (hit != NONE).then_some(hit)
    }

    /// The net whose CIDR is the longest one containing the whole prefix.
    pub fn lookup_prefix(&self, v6: bool, addr: u128, len: u8) -> Option<u32> {
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
