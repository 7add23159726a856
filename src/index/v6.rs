//! The IPv6 longest-prefix lookup without a trie: the elementary intervals that all the
//! CIDRs cut the address space into (sorted by first address, adjacent equal answers
//! merged), grouped by the top [`BITS`] bits of their first address (a *block*). A table of
//! the 2^[`BITS`] blocks gives each one's [`Block`], which splits the block's intervals into
//! about n / 2 sub-buckets by the bits just after the prefix that all their first addresses
//! share (IPv6 space is used in clumps, so a fixed cut would leave most of them in a few
//! sub-buckets).
//!
//! A lookup reads the block's entry, its `Block` and the bounds of the address's sub-bucket,
//! then binary searches the intervals that start in it for the last one starting at or
//! before the address. An address before the first interval of its sub-bucket takes the
//! answer of the interval before (every interval before starts below the address): there is
//! always one, since the first interval starts at `::`.
//!
//! Memory: 4 MiB for the block table, 32 bytes per block that holds interval starts, 20
//! bytes per interval (at most two per CIDR, plus one) and up to 4 per interval for the
//! sub-bucket bounds. At the rir scale of the synthetic registry (1 M IPv6 CIDRs, 1.9 M
//! intervals in 1,209 blocks) 45 MiB, built in about 0.15 s on the IPv6 trie's thread.

use crate::model::NONE;
use crate::snapshot::ArchivedPrefixEntry;

/// How many top bits of an address pick its block.
const BITS: u32 = 20;

/// The network mask of a length from 0 to 128.
fn mask(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

/// See the module documentation.
pub(super) struct V6Index {
    /// Per block: its entry in `blocks`.
    top: Box<[u32]>,
    /// The blocks that hold interval starts, and one for each run of blocks that hold none.
    blocks: Box<[Block]>,
    /// The sub-bucket bounds of the blocks (see [`Block`]): interval numbers.
    sub: Box<[u32]>,
    /// The first address of each interval, ascending; the first is 0.
    starts: Box<[u128]>,
    /// The answer of each interval: a net index or `NONE`.
    answers: Box<[u32]>,
}

/// A block's intervals, split into 2^`bits` sub-buckets by the bits after the prefix that
/// all the block's interval starts share (`base`): the intervals starting in sub-bucket `j`
/// are `sub[off + j]..sub[off + j + 1]`. An address below `base` answers as the interval
/// before `lo` (the block's first); one past the last sub-bucket as the interval before
/// `hi` (the next block's first). A run of blocks without starts has `lo == hi`, so that
/// every path answers the interval before.
struct Block {
    base: u128,
    lo: u32,
    hi: u32,
    off: u32,
    shift: u8,
    bits: u8,
}

impl V6Index {
    /// Builds the index from the IPv6 prefix table (in table order: of two identical CIDRs
    /// the later wins). Entries with a length over 128 are skipped, as the trie does.
    pub(super) fn build(v6s: &[ArchivedPrefixEntry]) -> V6Index {
        let out = intervals(v6s);
        let count = |x: usize| u32::try_from(x).expect("fewer than 2^32 IPv6 intervals");
        count(out.len());
        let mut top = vec![0u32; 1 << BITS].into_boxed_slice();
        let mut blocks: Vec<Block> = Vec::new();
        let mut sub: Vec<u32> = Vec::new();
        let mut i = 0;
        let mut gap = false;
        for (b, t) in top.iter_mut().enumerate() {
            let lo = i;
            while i < out.len() && (out[i].0 >> (128 - BITS)) == b as u128 {
                i += 1;
            }
            let hi = i;
            if lo == hi {
                if !gap {
                    gap = true;
                    blocks.push(Block {
                        base: 0,
                        lo: count(lo),
                        hi: count(lo),
                        off: count(sub.len()),
                        shift: 0,
                        bits: 0,
                    });
                    sub.extend([count(lo), count(lo)]);
                }
                *t = count(blocks.len() - 1);
                continue;
            }
            gap = false;
            let (first, last) = (out[lo].0, out[hi - 1].0);
            let shared = (first ^ last).leading_zeros();
            let n = hi - lo;
            // About one or two intervals per sub-bucket.
            let bits = (usize::BITS - (n / 2).leading_zeros())
                .min(16)
                .min(128 - shared);
            let shift = 128 - shared - bits;
            let base = first & mask(shared as u8);
            let off = count(sub.len());
            let mut j = lo;
            for k in 0..=(1u128 << bits) {
                // The first interval whose sub-bucket is k or later.
                while j < hi && ((out[j].0 - base) >> shift) < k {
                    j += 1;
                }
                sub.push(count(j));
            }
            blocks.push(Block {
                base,
                lo: count(lo),
                hi: count(hi),
                off,
                shift: shift as u8,
                bits: bits as u8,
            });
            *t = count(blocks.len() - 1);
        }
        V6Index {
            top,
            blocks: blocks.into_boxed_slice(),
            sub: sub.into_boxed_slice(),
            starts: out.iter().map(|&(s, _)| s).collect(),
            answers: out.iter().map(|&(_, n)| n).collect(),
        }
    }

    /// The answer for an address: a net index or `NONE`.
    #[inline]
    pub(super) fn lookup(&self, a: u128) -> u32 {
        let block = &self.blocks[self.top[(a >> (128 - BITS)) as usize] as usize];
        let (lo, hi) = match a.checked_sub(block.base) {
            None => (block.lo, block.lo),
            Some(offset) => {
                let j = offset >> block.shift;
                if j >> block.bits != 0 {
                    (block.hi, block.hi)
                } else {
                    let at = block.off as usize + j as usize;
                    (self.sub[at], self.sub[at + 1])
                }
            }
        };
        let (lo, hi) = (lo as usize, hi as usize);
        let k = self.starts[lo..hi].partition_point(|&s| s <= a);
        // lo + k >= 1: the first interval starts at 0, so it is counted when lo is 0 and
        // lies before the block otherwise.
        self.answers[lo + k - 1]
    }

    /// Bytes held.
    pub(super) fn heap_bytes(&self) -> usize {
        self.top.len() * 4
            + self.blocks.len() * size_of::<Block>()
            + self.sub.len() * 4
            + self.starts.len() * 20
    }
}

/// The elementary intervals the CIDRs cut the address space into: each one's first address
/// and answer, ascending, the first at 0, with no two adjacent answers equal.
fn intervals(v6s: &[ArchivedPrefixEntry]) -> Vec<(u128, u32)> {
    // (first address, length, table position): sorted, a CIDR comes after every CIDR
    // holding it, and an identical later one after the earlier.
    let mut keys: Vec<(u128, u8, u32)> = v6s
        .iter()
        .enumerate()
        .filter(|(_, p)| p.len <= 128)
        .map(|(i, p)| {
            let pos = u32::try_from(i).expect("fewer than 2^32 IPv6 prefixes");
            (p.addr.to_native() & mask(p.len), p.len, pos)
        })
        .collect();
    keys.sort_unstable();
    let mut out: Vec<(u128, u32)> = Vec::with_capacity(2 * keys.len() + 1);
    // (last address, answer) of the CIDRs holding the current address, innermost last.
    let mut stack: Vec<(u128, u32)> = Vec::new();
    emit(&mut out, 0, NONE);
    for &(start, len, pos) in &keys {
        let net = v6s[pos as usize].net.to_native();
        while let Some(&(last, _)) = stack.last()
            && last < start
        {
            stack.pop();
            let resumed = stack.last().map_or(NONE, |&(_, n)| n);
            emit(&mut out, last + 1, resumed);
        }
        stack.push((start | !mask(len), net));
        emit(&mut out, start, net);
    }
    while let Some((last, _)) = stack.pop() {
        if last != u128::MAX {
            let resumed = stack.last().map_or(NONE, |&(_, n)| n);
            emit(&mut out, last + 1, resumed);
        }
    }
    out
}

/// Appends an interval starting at `at`: it replaces an empty interval starting at the same
/// address and merges into an equal previous answer.
fn emit(out: &mut Vec<(u128, u32)>, at: u128, net: u32) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Tries;
    use crate::snapshot::PrefixEntry;

    /// The archived form of a prefix table of (address, length, net).
    fn archive(table: &[(u128, u8, u32)]) -> rkyv::util::AlignedVec {
        let entries: Vec<PrefixEntry> = table
            .iter()
            .map(|&(addr, len, net)| PrefixEntry { addr, len, net })
            .collect();
        rkyv::to_bytes::<rkyv::rancor::Error>(&entries).unwrap()
    }

    fn access(bytes: &[u8]) -> &[ArchivedPrefixEntry] {
        rkyv::access::<rkyv::vec::ArchivedVec<ArchivedPrefixEntry>, rkyv::rancor::Error>(bytes)
            .unwrap()
    }

    /// The longest CIDR holding the address, the later of identical ones.
    fn brute(table: &[(u128, u8, u32)], a: u128) -> u32 {
        let mut best: Option<(u8, u32)> = None;
        for &(p, len, net) in table {
            if len <= 128 && a & mask(len) == p & mask(len) && best.is_none_or(|(l, _)| len >= l) {
                best = Some((len, net));
            }
        }
        best.map_or(NONE, |(_, n)| n)
    }

    /// Addresses worth asking about: every CIDR's first and last address and their
    /// neighbours, the ends of its block, addresses inside, and random ones.
    fn probes(table: &[(u128, u8, u32)], rng: &mut fastrand::Rng) -> Vec<u128> {
        let mut out: Vec<u128> = (0..500).map(|_| rng.u128(..)).collect();
        out.extend([0, 1, u128::MAX, u128::MAX - 1]);
        let block = mask(BITS as u8);
        for &(p, len, _) in table {
            let len = len.min(128);
            let first = p & mask(len);
            let last = first | !mask(len);
            out.extend([
                first,
                last,
                first.wrapping_sub(1),
                last.wrapping_add(1),
                first & block,
                first | !block,
                (first & block).wrapping_sub(1),
                (first | !block).wrapping_add(1),
            ]);
            out.extend((0..8).map(|_| first | (rng.u128(..) & !mask(len))));
        }
        out
    }

    /// A random table of nested CIDRs crowded into a few blocks (among them the first and
    /// the last), with short covers (/0 to /20), /128s, identical CIDRs with different
    /// nets, neighbours with equal nets, host bits set, and lengths over 128 that must be
    /// skipped.
    fn random_table(rng: &mut fastrand::Rng, n: usize) -> Vec<(u128, u8, u32)> {
        let tops: Vec<u128> = [0u128, 0xfffff, 0x20010, 0x20011, rng.u128(..1 << BITS)]
            .into_iter()
            .take(rng.usize(1..=5))
            .collect();
        let mut table: Vec<(u128, u8, u32)> = Vec::with_capacity(n);
        for i in 0..n {
            let net = if rng.u8(..4) == 0 {
                rng.u32(..4) // shared nets: adjacent intervals with equal answers
            } else {
                i as u32 + 10
            };
            if i > 0 && rng.u8(..8) == 0 {
                // The same CIDR again (maybe with other host bits): the later wins.
                let (p, len, _) = table[rng.usize(..i)];
                table.push((p | (rng.u128(..) & !mask(len.min(128))), len, net));
                continue;
            }
            let top = tops[rng.usize(..tops.len())];
            let len = match rng.u8(..20) {
                0 => rng.u8(0..=8),
                1 => rng.u8(9..=20),
                2 => 128,
                3 => rng.u8(129..=140),
                4..=7 => rng.u8(21..=48),
                8..=13 => rng.u8(49..=64),
                _ => rng.u8(65..=127),
            };
            // Mostly near the start of the block, so that CIDRs nest.
            let low = match rng.u8(..4) {
                0 => rng.u128(..1 << (128 - BITS)),
                1 => (rng.u128(..4) << 64) | rng.u128(..1 << 64),
                2 => (rng.u128(..4) << 80) | rng.u128(..0x100),
                _ => rng.u128(..0x40),
            };
            table.push(((top << (128 - BITS)) | low, len, net));
        }
        if rng.bool() {
            table.push((rng.u128(..), 0, NONE - 1)); // a /0 cover
        }
        if rng.bool() {
            table.push((0x2000 << 112, 3, NONE - 2)); // a /3 cover
        }
        table
    }

    #[test]
    fn answers_like_brute_force_and_the_trie() {
        let mut rng = fastrand::Rng::with_seed(13);
        for round in 0..300 {
            let n = [0, 1, 3, 20, 200][round % 5];
            let table = random_table(&mut rng, n);
            let bytes = archive(&table);
            let entries = access(&bytes);
            let index = V6Index::build(entries);
            let tries = Tries::from_parts(Tries::build_v4(&[]), Tries::build_v6(entries));
            for a in probes(&table, &mut rng) {
                let want = brute(&table, a);
                assert_eq!(index.lookup(a), want, "round {round}, {}", Addr(a));
                assert_eq!(
                    tries.lookup(true, a),
                    (want != NONE).then_some(want),
                    "lookup, {}",
                    Addr(a)
                );
                let hit = tries.lookup_prefix(true, a, 128);
                assert_eq!(hit, (want != NONE).then_some(want), "trie, {}", Addr(a));
            }
        }
    }

    /// Many intervals in one block, and every /128 of a small range against brute force.
    #[test]
    fn a_crowded_block() {
        let base: u128 = 0x2001_0db8 << 96;
        let mut table: Vec<(u128, u8, u32)> = vec![(base, 32, 1)];
        table.extend((0..512).map(|i| (base | i, 128, 100 + i as u32 % 7)));
        table.extend((0..300).map(|i| (base | (i << 64), 64, 1000 + i as u32)));
        table.extend((0..300).map(|i| (base | (i << 64) | (1 << 63), 65, 2000 + i as u32)));
        table.push((u128::MAX, 128, 5));
        table.push((0, 128, 6));
        let bytes = archive(&table);
        let index = V6Index::build(access(&bytes));
        let mut rng = fastrand::Rng::with_seed(5);
        for a in probes(&table, &mut rng).into_iter().chain(base..base + 600) {
            assert_eq!(index.lookup(a), brute(&table, a), "{}", Addr(a));
        }
    }

    /// Pretty-prints an address in a failure message.
    struct Addr(u128);
    impl std::fmt::Display for Addr {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            std::net::Ipv6Addr::from(self.0).fmt(f)
        }
    }
}
