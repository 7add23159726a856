//! The IPv6 longest-prefix lookup without a trie: the elementary intervals that all the
//! CIDRs cut the address space into (sorted by first address, adjacent equal answers
//! merged), searched through a static B+ tree on the top 64 bits of their first addresses.
//!
//! IPv6 space is used in clumps (a /20 may hold a thousand intervals, all inside a few
//! /32s), so cutting it at fixed bits, as the IPv4 index does, leaves long runs to search
//! (tried: most lookups then searched runs of 128 to 1,023 intervals). The tree does not
//! care how the starts are spread. Its inner nodes hold 16 keys each (two cache lines) and
//! pick one of 17 children by a binary search without branches; its leaves hold 8 interval
//! starts and, in the next cache line, their 8 answers (the processor fetches the two
//! lines as a pair). Where the processor has AVX-512, a node's or leaf's keys are compared
//! with the address eight at a time instead (measured at the rir scale on an Intel host:
//! 4.8–5.1 million lookups/s → 6.7–6.9), and the comparison masks are counted with POPCNT.
//! Without that instruction enabled the compiler counts a mask's bits with a multiply and
//! shifts, which lie on the path from one level to the next: on an AMD Zen 4 host, enabling
//! it took the median of 150 rounds from 5.85 to 7.83 million lookups/s (both in one
//! process, in alternate rounds). At the rir scale of the synthetic registry (1.9 M
//! intervals) the inner levels take under 2 MiB and mostly stay in cache, so a lookup reads
//! about one leaf from memory.
//!
//! A start's low 64 bits matter only when they are not zero (a CIDR longer than /64 or a
//! range that starts inside a /64): a bit per interval marks those, and only then are the
//! low bits read, from an array of their own.
//!
//! Memory: 16 bytes per interval in the leaves, 8 for the low bits, and the inner levels
//! (8 bytes per 8 intervals, and a seventeenth of that per level above). At the rir scale,
//! 47,618,360 bytes, built on the IPv6 trie's thread.

use crate::model::NONE;
use crate::snapshot::ArchivedPrefixEntry;

use super::pages::Pages;
use super::push_interval;

/// Keys per inner node (two cache lines).
const B: usize = 16;
/// Intervals per leaf.
const L: usize = 8;
/// Bytes per leaf, two cache lines that the processor fetches as a pair: [`L`] keys
/// (little-endian u64s), then their [`L`] answers (u32s), then padding.
const LEAF: usize = 128;

/// Key `j` of a leaf.
#[inline]
fn leaf_key(leaf: &[u8], j: usize) -> u64 {
    u64::from_le_bytes(leaf[8 * j..8 * j + 8].try_into().unwrap_or([0; 8]))
}

/// The network mask of a length from 0 to 128.
fn mask(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

/// See the module documentation.
pub(super) struct V6Index {
    /// How many intervals there are (at least one: the first starts at `::`).
    n: usize,
    /// The leaves, [`LEAF`] bytes each; the keys past the last interval are `u64::MAX`.
    leaves: Pages,
    /// The inner levels, the root's last. A node of level `k` holds [`B`] keys: key `c` is
    /// the first key under its child `c + 1` (in level `k - 1`, or the leaves for the
    /// first), `u64::MAX` past the last child. Child `c` of node `j` is node `17 j + c`.
    inner: Vec<Box<[u64]>>,
    /// One bit per interval: set when the low 64 bits of its start are not zero.
    low_set: Box<[u64]>,
    /// The low 64 bits of each interval's start.
    low: Box<[u64]>,
    /// Whether lookups may compare keys with AVX-512 instructions.
    avx512: bool,
}

impl V6Index {
    /// Builds the index from the IPv6 prefix table (in table order: of two identical CIDRs
    /// the later wins). Entries with a length over 128 are skipped, as the trie does.
    pub(super) fn build(v6s: &[ArchivedPrefixEntry]) -> V6Index {
        let out = intervals(v6s);
        let n = out.len();
        let leaf_count = n.div_ceil(L);
        let mut leaves = Pages::new(LEAF * leaf_count);
        for (leaf, chunk) in leaves.bytes_mut().chunks_exact_mut(LEAF).zip(out.chunks(L)) {
            let (keys, rest) = leaf.split_at_mut(L * 8);
            let answers = &mut rest[..L * 4];
            for (i, key) in keys.chunks_exact_mut(8).enumerate() {
                let k = chunk.get(i).map_or(u64::MAX, |&(s, _)| (s >> 64) as u64);
                key.copy_from_slice(&k.to_le_bytes());
            }
            for (i, answer) in answers.chunks_exact_mut(4).enumerate() {
                let a = chunk.get(i).map_or(NONE, |&(_, net)| net);
                answer.copy_from_slice(&a.to_le_bytes());
            }
        }
        // Level by level up: the first key under each node of the level below.
        let mut inner: Vec<Box<[u64]>> = Vec::new();
        let mut firsts: Vec<u64> = out.chunks(L).map(|c| (c[0].0 >> 64) as u64).collect();
        while firsts.len() > 1 {
            let nodes = firsts.len().div_ceil(B + 1);
            let mut level = vec![u64::MAX; nodes * B];
            let mut up = Vec::with_capacity(nodes);
            for (j, children) in firsts.chunks(B + 1).enumerate() {
                up.push(children[0]);
                level[j * B..j * B + children.len() - 1].copy_from_slice(&children[1..]);
            }
            inner.push(level.into_boxed_slice());
            firsts = up;
        }
        let mut low_set = vec![0u64; n.div_ceil(64)].into_boxed_slice();
        let low: Box<[u64]> = out.iter().map(|&(s, _)| s as u64).collect();
        for (i, &l) in low.iter().enumerate() {
            if l != 0 {
                low_set[i / 64] |= 1 << (i % 64);
            }
        }
        V6Index {
            n,
            leaves,
            inner,
            low_set,
            low,
            avx512: has_avx512(),
        }
    }

    /// How many of the `n` sorted keys (a power of two: a node's [`B`] or a leaf's [`L`])
    /// are at or below `x`: a binary search without branches (for an inner node, five
    /// reads of its two cache lines, where comparing all sixteen keys took three times the
    /// instructions, and fewer lookups overlapped).
    #[inline]
    fn rank(n: usize, key: impl Fn(usize) -> u64, x: u64) -> usize {
        let mut c = 0;
        let mut step = n / 2;
        while step > 0 {
            c += step * usize::from(key(c + step - 1) <= x);
            step /= 2;
        }
        c + usize::from(key(c) <= x)
    }

    /// The key of interval `i`.
    #[inline]
    fn key(&self, i: usize) -> u64 {
        let at = LEAF * (i / L) + 8 * (i % L);
        u64::from_le_bytes(self.leaves.bytes()[at..at + 8].try_into().unwrap_or([0; 8]))
    }

    /// The answer for an address: a net index or `NONE`.
    #[inline]
    pub(super) fn lookup(&self, a: u128) -> u32 {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        if self.avx512 {
            // SAFETY: the processor has AVX-512F and POPCNT: `build` asked it.
            return unsafe { self.lookup_avx512(a) };
        }
        self.find(
            a,
            |keys, x| V6Index::rank(B, |i| keys[i], x),
            |keys, x| V6Index::rank(L, |j| leaf_key(keys, j), x),
        )
    }

    /// [`V6Index::lookup`] with each node's and leaf's keys compared at once, eight to an
    /// instruction, and the resulting masks counted by POPCNT: fewer instructions per lookup
    /// and a shorter path from level to level, so that more lookups are under way at a time
    /// while their nodes come from memory.
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[target_feature(enable = "avx512f,popcnt")]
    unsafe fn lookup_avx512(&self, a: u128) -> u32 {
        use std::arch::x86_64::{
            __m512i, _mm512_cmple_epu64_mask, _mm512_loadu_si512, _mm512_set1_epi64,
        };
        self.find(
            a,
            |keys, x| {
                let keys: &[u64; B] = keys.try_into().unwrap_or(&[u64::MAX; B]);
                let x = _mm512_set1_epi64(x as i64);
                // SAFETY: each load reads 8 of the node's 16 keys.
                let (lo, hi) = unsafe {
                    (
                        _mm512_loadu_si512(keys.as_ptr().cast::<__m512i>()),
                        _mm512_loadu_si512(keys.as_ptr().add(8).cast::<__m512i>()),
                    )
                };
                // The two masks as one, counted by one POPCNT.
                ((u32::from(_mm512_cmple_epu64_mask(hi, x)) << 8)
                    | u32::from(_mm512_cmple_epu64_mask(lo, x)))
                .count_ones() as usize
            },
            |keys, x| {
                let keys: &[u8; 8 * L] = keys.try_into().unwrap_or(&[0xff; 8 * L]);
                // SAFETY: the load reads the leaf's 8 keys (64 bytes, little-endian as
                // the processor reads them).
                let k = unsafe { _mm512_loadu_si512(keys.as_ptr().cast::<__m512i>()) };
                _mm512_cmple_epu64_mask(k, _mm512_set1_epi64(x as i64)).count_ones() as usize
            },
        )
    }

    /// The lookup, given how to rank an address's top half among an inner node's [`B`] keys
    /// and among a leaf's [`L`] keys (its first `8 L` bytes).
    #[inline(always)]
    fn find(
        &self,
        a: u128,
        node_rank: impl Fn(&[u64], u64) -> usize,
        leaf_rank: impl Fn(&[u8], u64) -> usize,
    ) -> u32 {
        let x = (a >> 64) as u64;
        let leaf_count = self.n.div_ceil(L);
        // Down the inner levels to a leaf (the counts past the last node are clamped: only
        // keys of u64::MAX, which pad the last node, can lead there).
        let mut node = 0usize;
        for (k, level) in self.inner.iter().enumerate().rev() {
            let keys = &level[node * B..node * B + B];
            let c = node_rank(keys, x);
            let count = match k {
                0 => leaf_count,
                _ => self.inner[k - 1].len() / B,
            };
            node = (node * (B + 1) + c).min(count - 1);
        }
        let leaf = &self.leaves.bytes()[LEAF * node..LEAF * node + LEAF];
        // The leaf's answers are read before its keys are compared, so that the processor
        // asks memory for both cache lines at once instead of for the second after the
        // search (measured: that wait was a fifth of the lookup). `black_box` keeps the
        // compiler from moving the read after the search.
        let answers: [u8; 4 * L] =
            std::hint::black_box(leaf[8 * L..12 * L].try_into().unwrap_or([0; 4 * L]));
        let c = leaf_rank(&leaf[..8 * L], x);
        // The last interval whose key is at or below x: i >= 0, as the first key is 0.
        let mut i = (node * L + c).min(self.n) - 1;
        // Its start is at or below the address unless their top halves are equal and its
        // low half is above; then an earlier interval (with the same top half, or below).
        while self.low_set[i / 64] & (1 << (i % 64)) != 0
            && self.key(i) == x
            && self.low[i] > a as u64
        {
            i -= 1;
        }
        if i / L == node {
            let at = 4 * (i % L);
            u32::from_le_bytes(answers[at..at + 4].try_into().unwrap_or([0; 4]))
        } else {
            self.answer(i)
        }
    }

    /// The answer of interval `i`.
    #[inline]
    fn answer(&self, i: usize) -> u32 {
        let at = LEAF * (i / L) + L * 8 + 4 * (i % L);
        u32::from_le_bytes(self.leaves.bytes()[at..at + 4].try_into().unwrap_or([0; 4]))
    }

    /// Bytes held.
    pub(super) fn heap_bytes(&self) -> usize {
        self.leaves.bytes().len()
            + self.inner.iter().map(|l| l.len() * 8).sum::<usize>()
            + self.low_set.len() * 8
            + self.low.len() * 8
    }
}

/// Whether the processor has AVX-512F and POPCNT (never under Miri, which lacks their
/// instructions).
fn has_avx512() -> bool {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    return std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("popcnt");
    #[allow(unreachable_code)]
    false
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
    push_interval(&mut out, 0, NONE);
    for &(start, len, pos) in &keys {
        let net = v6s[pos as usize].net.to_native();
        while let Some(&(last, _)) = stack.last()
            && last < start
        {
            stack.pop();
            let resumed = stack.last().map_or(NONE, |&(_, n)| n);
            push_interval(&mut out, last + 1, resumed);
        }
        stack.push((start | !mask(len), net));
        push_interval(&mut out, start, net);
    }
    while let Some((last, _)) = stack.pop() {
        if last != u128::MAX {
            let resumed = stack.last().map_or(NONE, |&(_, n)| n);
            push_interval(&mut out, last + 1, resumed);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::PrefixTries;

    use crate::index::test_tables::access;

    /// The archived form of a prefix table of (address, length, net).
    fn archive(table: &[(u128, u8, u32)]) -> rkyv::util::AlignedVec {
        crate::index::test_tables::archive(table.iter().copied())
    }

    /// The longest CIDR holding the address, the later of identical ones.
    fn brute(table: &[(u128, u8, u32)], a: u128) -> u32 {
        crate::index::test_tables::brute(table.iter().copied(), 128, a)
    }

    /// Addresses worth asking about: every CIDR's first and last address and their
    /// neighbours, the ends of its block, addresses inside, and random ones.
    fn probes(table: &[(u128, u8, u32)], rng: &mut fastrand::Rng) -> Vec<u128> {
        let mut out: Vec<u128> = (0..500).map(|_| rng.u128(..)).collect();
        out.extend([0, 1, u128::MAX, u128::MAX - 1]);
        let block = mask(20);
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
        let tops: Vec<u128> = [0u128, 0xfffff, 0x20010, 0x20011, rng.u128(..1 << 20)]
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
                0 => rng.u128(..1 << 108),
                1 => (rng.u128(..4) << 64) | rng.u128(..1 << 64),
                2 => (rng.u128(..4) << 80) | rng.u128(..0x100),
                _ => rng.u128(..0x40),
            };
            table.push(((top << 108) | low, len, net));
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
            let mut index = V6Index::build(entries);
            let tries = PrefixTries::build(&[], entries);
            for a in probes(&table, &mut rng) {
                let want = brute(&table, a);
                assert_eq!(look(&mut index, a), want, "round {round}, {}", Addr(a));
                let hit = tries.lookup(true, a, 128);
                assert_eq!(hit, (want != NONE).then_some(want), "trie, {}", Addr(a));
            }
        }
    }

    /// Enough intervals for four inner levels: every other /64 of a /32 as its own net,
    /// some with a /128 inside, checked against the answer worked out by hand.
    #[test]
    fn a_tall_tree() {
        let base: u128 = 0x2600_0000 << 96;
        let count = 40_000u128;
        let mut table: Vec<(u128, u8, u32)> = vec![(base, 32, 1)];
        for i in 0..count {
            table.push((base | (2 * i) << 64, 64, 10 + i as u32));
            if i % 7 == 0 {
                table.push((base | (2 * i) << 64 | 0x55, 128, 100_000 + i as u32));
            }
        }
        let want = |a: u128| -> u32 {
            if a >> 96 != base >> 96 {
                return NONE;
            }
            let k = (a >> 64) & 0xffff_ffff;
            if k % 2 == 1 || k >= 2 * count {
                return 1;
            }
            let i = (k / 2) as u32;
            if i.is_multiple_of(7) && a as u64 == 0x55 {
                100_000 + i
            } else {
                10 + i
            }
        };
        let bytes = archive(&table);
        let mut index = V6Index::build(access(&bytes));
        assert!(index.inner.len() >= 4, "{} inner levels", index.inner.len());
        let mut rng = fastrand::Rng::with_seed(9);
        for i in 0..count + 2 {
            let first = base | (2 * i) << 64;
            for a in [
                first,
                first - 1,
                first | 0x54,
                first | 0x55,
                first | 0x56,
                first | u128::from(u64::MAX),
                first | u128::from(rng.u64(..)),
                first + (1 << 64) + u128::from(rng.u64(..)),
            ] {
                assert_eq!(look(&mut index, a), want(a), "{}", Addr(a));
            }
        }
        for a in [
            0,
            base - 1,
            base | !mask(32),
            (base | !mask(32)) + 1,
            u128::MAX,
        ] {
            assert_eq!(look(&mut index, a), want(a), "{}", Addr(a));
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
        let mut index = V6Index::build(access(&bytes));
        let mut rng = fastrand::Rng::with_seed(5);
        for a in probes(&table, &mut rng).into_iter().chain(base..base + 600) {
            assert_eq!(look(&mut index, a), brute(&table, a), "{}", Addr(a));
        }
    }

    /// The index's answer, checked to be the same with and without AVX-512 (where the
    /// processor has it).
    fn look(index: &mut V6Index, a: u128) -> u32 {
        index.avx512 = false;
        let plain = index.lookup(a);
        index.avx512 = has_avx512();
        assert_eq!(
            index.lookup(a),
            plain,
            "AVX-512 and plain differ at {}",
            Addr(a)
        );
        plain
    }

    /// Pretty-prints an address in a failure message.
    struct Addr(u128);
    impl std::fmt::Display for Addr {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            std::net::Ipv6Addr::from(self.0).fmt(f)
        }
    }
}
