//! Who links whom: for every POC, the orgs, nets, ASNs and delegations that name it (and in
//! which function), and for every org, its customers. Reverse search (RFC 9536), the
//! personal-data rule for `/entity` (is this POC anybody's abuse contact?) and the public
//! contact-accuracy lists need these answers; the snapshot only stores the forward links.
//!
//! The index is built once per loaded registry, on first use, and kept beside it (see
//! `cache`). It holds 4 bytes per link and per POC, and no object is copied out of the map.

use crate::model::{ArchivedPocLink, NONE, PocFunction};
use crate::registry::Registry;

/// An object that links a POC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Obj {
    Org(u32),
    Net(u32),
    Asn(u32),
    Delegation(u32),
}

fn function_code(f: PocFunction) -> u32 {
    PocFunction::ALL.iter().position(|&x| x == f).unwrap_or(0) as u32
}

/// `kind (2 bits) | function (3 bits) | index (27 bits)`.
#[derive(Debug, Clone, Copy)]
struct Packed(u32);

const INDEX_BITS: u32 = 27;
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;

impl Packed {
    fn new(obj: Obj, f: PocFunction) -> Packed {
        let (kind, i) = match obj {
            Obj::Org(i) => (0, i),
            Obj::Net(i) => (1, i),
            Obj::Asn(i) => (2, i),
            Obj::Delegation(i) => (3, i),
        };
        Packed((kind << 30) | (function_code(f) << INDEX_BITS) | (i & INDEX_MASK))
    }

    fn get(self) -> (Obj, PocFunction) {
        let i = self.0 & INDEX_MASK;
        let obj = match self.0 >> 30 {
            0 => Obj::Org(i),
            1 => Obj::Net(i),
            2 => Obj::Asn(i),
            _ => Obj::Delegation(i),
        };
        (obj, PocFunction::ALL[((self.0 >> INDEX_BITS) & 7) as usize])
    }
}

/// The reverse links of one registry.
#[derive(Debug)]
pub(crate) struct ReverseIndex {
    /// `links[start[p]..start[p + 1]]` are POC `p`'s links.
    start: Vec<u32>,
    links: Vec<Packed>,
    /// `customers[cust_start[o]..cust_start[o + 1]]` are org `o`'s customers.
    cust_start: Vec<u32>,
    customers: Vec<u32>,
}

impl ReverseIndex {
    /// Walks every link of the registry once.
    pub(crate) fn build(reg: &Registry) -> ReverseIndex {
        let db = &reg.data().db;
        let pocs = db.pocs.len();
        let mut pairs: Vec<(u32, Packed)> = Vec::new();
        let mut add = |links: &[ArchivedPocLink], obj: Obj| {
            for l in links {
                let p = l.poc.to_native();
                if (p as usize) < pocs {
                    pairs.push((p, Packed::new(obj, l.function.get())));
                }
            }
        };
        for (i, o) in db.orgs.iter().enumerate() {
            add(&o.pocs, Obj::Org(i as u32));
        }
        for (i, n) in db.nets.iter().enumerate() {
            add(&n.pocs, Obj::Net(i as u32));
        }
        for (i, a) in db.asns.iter().enumerate() {
            add(&a.pocs, Obj::Asn(i as u32));
        }
        for (i, d) in db.delegations.iter().enumerate() {
            add(&d.pocs, Obj::Delegation(i as u32));
        }
        let (start, links) = csr(pocs, pairs);
        let orgs = db.orgs.len();
        let cust: Vec<(u32, u32)> = db
            .orgs
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                let p = o.parent_org.to_native();
                (p != NONE && (p as usize) < orgs).then_some((p, i as u32))
            })
            .collect();
        let (cust_start, customers) = csr(orgs, cust);
        ReverseIndex {
            start,
            links,
            cust_start,
            customers,
        }
    }

    /// The objects that link POC `p`, with the function.
    pub(crate) fn links(&self, p: u32) -> impl Iterator<Item = (Obj, PocFunction)> + '_ {
        let (a, b) = bounds(&self.start, p);
        self.links[a..b].iter().map(|l| l.get())
    }

    /// The customers of org `o`.
    pub(crate) fn customers(&self, o: u32) -> &[u32] {
        let (a, b) = bounds(&self.cust_start, o);
        &self.customers[a..b]
    }

    /// Whether POC `p` is linked as an abuse contact (or IRT) anywhere.
    pub(crate) fn is_abuse_contact(&self, p: u32) -> bool {
        self.links(p)
            .any(|(_, f)| matches!(f, PocFunction::Abuse | PocFunction::Irt))
    }
}

fn bounds(start: &[u32], i: u32) -> (usize, usize) {
    match (start.get(i as usize), start.get(i as usize + 1)) {
        (Some(&a), Some(&b)) => (a as usize, b as usize),
        _ => (0, 0),
    }
}

/// Compressed rows: `start` (n + 1 offsets) and the values grouped by key.
fn csr<T: Copy>(n: usize, mut pairs: Vec<(u32, T)>) -> (Vec<u32>, Vec<T>) {
    pairs.sort_by_key(|p| p.0);
    let mut start = vec![0u32; n + 1];
    for (k, _) in &pairs {
        start[*k as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    (start, pairs.into_iter().map(|p| p.1).collect())
}

/// The networks whose effective abuse contact (own, or inherited from an org or a parent
/// network) is one of `pocs` (sorted), in address order.
pub(crate) fn nets_with_abuse(reg: &Registry, idx: &ReverseIndex, pocs: &[u32]) -> Vec<u32> {
    let target = |p: u32| pocs.binary_search(&p).is_ok();
    let mut seeds: Vec<u32> = Vec::new();
    for &p in pocs {
        for (obj, f) in idx.links(p) {
            if !matches!(f, PocFunction::Abuse | PocFunction::Irt) {
                continue;
            }
            match obj {
                Obj::Net(n) => seeds.push(n),
                Obj::Org(o) => {
                    seeds.extend(reg.org(o).nets.iter().map(|n| n.to_native()));
                    for &c in idx.customers(o) {
                        seeds.extend(reg.org(c).nets.iter().map(|n| n.to_native()));
                    }
                }
                _ => {}
            }
        }
    }
    let nets = reg.data().db.nets.len();
    let mut seen = vec![0u64; nets.div_ceil(64)];
    let mut out = Vec::new();
    while let Some(n) = seeds.pop() {
        let (w, b) = (n as usize / 64, n % 64);
        if w >= seen.len() || seen[w] & (1 << b) != 0 {
            continue;
        }
        seen[w] |= 1 << b;
        if reg.net_abuse(n).is_some_and(|a| target(a.poc)) {
            out.push(n);
            // Children without an abuse contact of their own inherit this one.
            seeds.extend(reg.children(n));
        }
    }
    sort_nets(reg, &mut out);
    out
}

/// The ASNs whose effective abuse contact is one of `pocs` (sorted), by number.
pub(crate) fn asns_with_abuse(reg: &Registry, idx: &ReverseIndex, pocs: &[u32]) -> Vec<u32> {
    let target = |p: u32| pocs.binary_search(&p).is_ok();
    let mut cand: Vec<u32> = Vec::new();
    for &p in pocs {
        for (obj, f) in idx.links(p) {
            if !matches!(f, PocFunction::Abuse | PocFunction::Irt) {
                continue;
            }
            match obj {
                Obj::Asn(a) => cand.push(a),
                Obj::Org(o) => cand.extend(reg.org(o).asns.iter().map(|a| a.to_native())),
                _ => {}
            }
        }
    }
    cand.sort_unstable();
    cand.dedup();
    cand.retain(|&a| reg.asn_abuse(a).is_some_and(|x| target(x.poc)));
    sort_asns(reg, &mut cand);
    cand
}

/// IPv4 first, then by start address, larger ranges first.
pub(crate) fn sort_nets(reg: &Registry, nets: &mut Vec<u32>) {
    nets.sort_by_key(|&i| {
        let n = reg.net(i);
        (
            n.v6,
            n.start.to_native(),
            std::cmp::Reverse(n.end.to_native()),
            i,
        )
    });
    nets.dedup();
}

/// By first number, larger ranges first.
pub(crate) fn sort_asns(reg: &Registry, asns: &mut Vec<u32>) {
    asns.sort_by_key(|&i| {
        let a = reg.asn(i);
        (a.start.to_native(), std::cmp::Reverse(a.end.to_native()), i)
    });
    asns.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips() {
        for obj in [
            Obj::Org(0),
            Obj::Net(5_000_000),
            Obj::Asn(77),
            Obj::Delegation(INDEX_MASK),
        ] {
            for f in PocFunction::ALL {
                assert_eq!(Packed::new(obj, f).get(), (obj, f));
            }
        }
    }

    #[test]
    fn compressed_rows() {
        let (start, vals) = csr(4, vec![(2, 'a'), (0, 'b'), (2, 'c')]);
        assert_eq!(start, [0, 1, 1, 3, 3]);
        assert_eq!(vals.len(), 3);
        assert_eq!(bounds(&start, 2), (1, 3));
        assert_eq!(bounds(&start, 9), (0, 0));
    }
}
