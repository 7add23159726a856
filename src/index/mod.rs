//! Indexes over a mapped snapshot: level-compressed longest-prefix tries (iptrie) for IPv4
//! and IPv6 built from the prefix table at load time, and binary searches over the sorted
//! ASN ranges and handle and name keys that the snapshot already holds.

use std::net::{Ipv4Addr, Ipv6Addr};

use iptrie::map::{LCTrieMap, RTrieMap};
use iptrie::{Ipv4Prefix, Ipv6Prefix};

use crate::model::NONE;
use crate::snapshot::{ArchivedKey, ArchivedSnapshotData};

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

impl Tries {
    /// Builds both tries from the snapshot's prefix tables. Entries come shallow nets first,
    /// so when a child has the same CIDR as its parent, the child's later insert wins.
    pub fn build(data: &ArchivedSnapshotData) -> Tries {
        let mut v4 = RTrieMap::with_root_and_capacity(NONE, data.prefixes_v4.len());
        for p in data.prefixes_v4.iter() {
            let addr = Ipv4Addr::from(p.addr.to_native() as u32);
            if let Ok(prefix) = Ipv4Prefix::new(addr, p.len) {
                v4.insert(prefix, p.net.to_native());
            }
        }
        let mut v6 = RTrieMap::with_root_and_capacity(NONE, data.prefixes_v6.len());
        for p in data.prefixes_v6.iter() {
            let addr = Ipv6Addr::from(p.addr.to_native());
            if let Ok(prefix) = Ipv6Prefix::new(addr, p.len) {
                v6.insert(prefix, p.net.to_native());
            }
        }
        Tries {
            v4: v4.compress(),
            v6: v6.compress(),
        }
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
pub fn asn_lookup(data: &ArchivedSnapshotData, n: u32) -> Option<u32> {
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

/// Keys equal to `key` (already lower-cased).
pub fn keys_equal<'a>(
    keys: &'a [ArchivedKey],
    key: &str,
) -> impl Iterator<Item = &'a ArchivedKey> + 'a {
    let start = keys.partition_point(|k| k.key.as_str() < key);
    let key = key.to_string();
    keys[start..]
        .iter()
        .take_while(move |k| k.key.as_str() == key)
}

/// Keys starting with `prefix` (already lower-cased), in key order.
pub fn keys_with_prefix<'a>(
    keys: &'a [ArchivedKey],
    prefix: &str,
) -> impl Iterator<Item = &'a ArchivedKey> + 'a {
    let start = keys.partition_point(|k| k.key.as_str() < prefix);
    let prefix = prefix.to_string();
    keys[start..]
        .iter()
        .take_while(move |k| k.key.as_str().starts_with(prefix.as_str()))
}
