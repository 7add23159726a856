//! The IPv4 longest-prefix lookup without a trie: a table of the 65,536 /16s, and for each
//! /16 that holds a CIDR longer than /16 (a *deep* /16) the elementary intervals the CIDRs
//! cut it into, indexed by /24.
//!
//! A lookup reads the /16's entry (the answer itself, or the deep /16's number), the start
//! of its /24 bucket and of the next, then counts the intervals of that bucket that start at
//! or before the address's last byte (usually a handful of bytes in one cache line) and
//! reads the answer of the last one. An address before the first interval of its bucket
//! takes the answer of the interval before, in an earlier bucket; every deep /16 has an
//! interval at its first address, so there is always one.
//!
//! Memory, at the rir scale of the synthetic registry (4.2 M IPv4 CIDRs in 40,413 deep
//! /16s): 512 bytes of bucket starts per deep /16 (20.7 MB), 5 bytes per interval (the
//! interval's last start byte and its answer, adjacent equal answers merged), and the fixed
//! 256 KiB table and 8 KiB bitmap of the /16s.

use crate::model::NONE;
use crate::snapshot::ArchivedPrefixEntry;

use super::pages::Pages;
use super::push_interval;

/// The network mask of a length from 0 to 32.
fn mask(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

/// How many bytes past the last interval start are readable, so that a bucket's starts can
/// be read as one 16-byte block.
const PAD: usize = 16;

/// See the module documentation.
pub(super) struct V4Index {
    /// Per /16: the answer when no longer CIDR lies inside, else the deep /16's number.
    top: Box<[u32]>,
    /// One bit per /16: set for a deep /16.
    deep: Box<[u64]>,
    /// Per deep /16: its first interval (each takes five bytes of `blob`); one more at the
    /// end.
    base: Box<[u32]>,
    /// Per deep /16, 256 little-endian u16s: the first of its intervals (counted from
    /// `base`) that starts in each /24. At most 65,280 (256 × 255), so it fits.
    buckets: Pages,
    /// Five bytes per interval, counted from `base`: bucket after bucket, the last byte of
    /// each of the bucket's interval's first address, then each one's answer (net index or
    /// `NONE`, little-endian, unaligned); then [`PAD`] bytes. So a bucket's answers lie
    /// just after its starts (usually in the same cache line), and the bytes just before
    /// a bucket end with the answer of the interval before it.
    blob: Pages,
}

impl V4Index {
    /// Builds the index from the IPv4 prefix table (in table order: of two identical CIDRs
    /// the later wins). Entries with a length over 32 are skipped, as the trie does.
    pub(super) fn build(v4s: &[ArchivedPrefixEntry]) -> V4Index {
        // The CIDRs of /16 or shorter paint the answer of each whole /16 (`cover`); the
        // longer ones are counted by /16, then sorted by /16 keeping table order (a
        // counting sort, in a second pass over the table).
        let mut shorts: Vec<(u8, u32, u32)> = Vec::new();
        let mut first = vec![0u32; (1 << 16) + 1];
        for p in v4s {
            let (addr, len) = (p.addr.to_native() as u32, p.len);
            match len {
                0..=16 => shorts.push((len, addr & mask(len), p.net.to_native())),
                17..=32 => first[(addr >> 16) as usize + 1] += 1,
                _ => {}
            }
        }
        let mut cover = vec![NONE; 1 << 16];
        // Shorter first; among identical CIDRs the stable sort keeps table order, so the
        // later paints last.
        shorts.sort_by_key(|&(len, addr, _)| (len, addr));
        for (i, &(len, addr, net)) in shorts.iter().enumerate() {
            if shorts
                .get(i + 1)
                .is_some_and(|&(l, a, _)| (l, a) == (len, addr))
            {
                continue; // painted over by the identical later entry anyway
            }
            let t = (addr >> 16) as usize;
            cover[t..t + (1 << (16 - len))].fill(net);
        }
        drop(shorts);
        for t in 0..1 << 16 {
            first[t + 1] += first[t];
        }
        let total = first[1 << 16] as usize;
        // Sort keys of the longer CIDRs, by /16, in table order within each: offset in the
        // /16 (16 bits), length (8 bits), table position (40 bits).
        let mut keys = vec![0u64; total];
        let mut next: Vec<u32> = first[..1 << 16].to_vec();
        for (i, p) in v4s.iter().enumerate() {
            let (addr, len) = (p.addr.to_native() as u32, p.len);
            if (17..=32).contains(&len) {
                let t = (addr >> 16) as usize;
                let offset = addr & mask(len) & 0xffff;
                keys[next[t] as usize] =
                    (u64::from(offset) << 48) | (u64::from(len) << 40) | i as u64;
                next[t] += 1;
            }
        }
        drop(next);

        let mut top = vec![0u32; 1 << 16].into_boxed_slice();
        let mut deep = vec![0u64; 1 << 10].into_boxed_slice();
        let deep_count = (0..1 << 16).filter(|&t| first[t + 1] > first[t]).count();
        let mut base = Vec::with_capacity(deep_count + 1);
        let mut buckets = Pages::new(deep_count * 512);
        let mut bucket_at = 0;
        // Intervals: at most one per CIDR start, one per CIDR end and one per deep /16.
        let mut blob = Pages::new(5 * (2 * total + deep_count) + PAD);
        let mut blob_at = 0;
        let mut count = 0usize;
        let mut local: Vec<(u32, u32)> = Vec::new();
        let mut stack: Vec<(u32, u32)> = Vec::new();
        for t in 0..1usize << 16 {
            let (lo, hi) = (first[t] as usize, first[t + 1] as usize);
            if lo == hi {
                top[t] = cover[t];
                continue;
            }
            let group = &mut keys[lo..hi];
            group.sort_unstable();
            sweep(group, v4s, cover[t], &mut local, &mut stack);

            top[t] = base.len() as u32;
            deep[t >> 6] |= 1 << (t & 63);
            base.push(u32::try_from(count).expect("fewer than 2^32 IPv4 intervals"));
            // Bucket starts: count the intervals starting in each /24, then sum.
            let mut first_in = [0u32; 257];
            for &(start, _) in &local {
                first_in[(start >> 8) as usize + 1] += 1;
            }
            for b in 0..256 {
                first_in[b + 1] += first_in[b];
            }
            for (out, b) in buckets.bytes_mut()[bucket_at..bucket_at + 512]
                .chunks_exact_mut(2)
                .zip(&first_in[..256])
            {
                // At most 256 × 255: only intervals starting before the last /24 count.
                out.copy_from_slice(&(*b as u16).to_le_bytes());
            }
            bucket_at += 512;
            let bytes = &mut blob.bytes_mut()[blob_at..blob_at + 5 * local.len()];
            blob_at += 5 * local.len();
            for (i, &(start, net)) in local.iter().enumerate() {
                let b = (start >> 8) as usize;
                let (lo, hi) = (first_in[b] as usize, first_in[b + 1] as usize);
                let j = i - lo;
                bytes[5 * lo + j] = start as u8;
                let a = 5 * lo + (hi - lo) + 4 * j;
                bytes[a..a + 4].copy_from_slice(&net.to_le_bytes());
            }
            count += local.len();
        }
        base.push(u32::try_from(count).expect("fewer than 2^32 IPv4 intervals"));
        blob.truncate(blob_at + PAD);
        V4Index {
            top,
            deep,
            base: base.into_boxed_slice(),
            buckets,
            blob,
        }
    }

    /// The answer for an address: a net index or `NONE`.
    #[inline]
    pub(super) fn lookup(&self, a: u32) -> u32 {
        let t = (a >> 16) as usize;
        let entry = self.top[t];
        if self.deep[t >> 6] & (1 << (t & 63)) == 0 {
            return entry;
        }
        let d = entry as usize;
        let base = self.base[d] as usize;
        let b = (a >> 8) as u8 as usize;
        let buckets = self.buckets.bytes();
        let bucket =
            |i: usize| usize::from(u16::from_le_bytes([buckets[2 * i], buckets[2 * i + 1]]));
        let lo = bucket(d * 256 + b);
        let hi = if b == 255 {
            self.base[d + 1] as usize - base
        } else {
            bucket(d * 256 + b + 1)
        };
        let n = hi - lo;
        let at = 5 * (base + lo);
        let x = a as u8;
        // How many of the bucket's starts are <= x (they are sorted).
        let k = if n <= PAD {
            // One block of 16 bytes compared at once into a bit mask; the starts <= x are
            // the low run of ones, and the bytes past the bucket's n starts do not count.
            let block: &[u8; PAD] = self.blob.bytes()[at..at + PAD]
                .try_into()
                .unwrap_or_else(|_| unreachable!("the blob is padded"));
            let le = block
                .iter()
                .enumerate()
                .fold(0u32, |m, (i, &s)| m | (u32::from(s <= x) << i));
            ((!le).trailing_zeros() as usize).min(n)
        } else {
            self.blob.bytes()[at..at + n].partition_point(|&s| s <= x)
        };
        // The answer of the k-th interval: at + n + 4 (k - 1). With k == 0, that of the
        // interval before the bucket, in the four bytes just before it: the first bucket
        // of a /16 starts with the /16's first address, so k >= 1 there and at >= 5
        // elsewhere. (Computed without a branch: which case it is depends on the address.)
        let answer = at + (n + 4 * k) * usize::from(k != 0) - 4;
        let bytes: [u8; 4] = self.blob.bytes()[answer..answer + 4]
            .try_into()
            .unwrap_or_else(|_| unreachable!("four bytes"));
        u32::from_le_bytes(bytes)
    }

    /// Bytes held.
    pub(super) fn heap_bytes(&self) -> usize {
        self.top.len() * 4
            + self.deep.len() * 8
            + self.base.len() * 4
            + self.buckets.bytes().len()
            + self.blob.bytes().len()
    }
}

/// Cuts a deep /16 into elementary intervals: `group` holds its CIDRs' sort keys, sorted
/// (start, then length, then table order), so that a CIDR comes after every CIDR holding it
/// and an identical later one after the earlier. Leaves in `out` each interval's first
/// address (offset in the /16) and answer, with no two adjacent answers equal.
fn sweep(
    group: &[u64],
    v4s: &[ArchivedPrefixEntry],
    cover: u32,
    out: &mut Vec<(u32, u32)>,
    stack: &mut Vec<(u32, u32)>,
) {
    out.clear();
    stack.clear();
    // (end, answer) of the CIDRs holding the current address, innermost last.
    stack.push((1 << 16, cover));
    emit(out, 0, cover);
    for &key in group {
        let start = (key >> 48) as u32;
        let len = (key >> 40) as u8;
        let net = v4s[(key & ((1 << 40) - 1)) as usize].net.to_native();
        let end = start + (1u32 << (32 - u32::from(len)));
        while let Some(&(e, _)) = stack.last()
            && e <= start
        {
            stack.pop();
            let resumed = stack.last().map_or(cover, |&(_, n)| n);
            emit(out, e, resumed);
        }
        stack.push((end, net));
        emit(out, start, net);
    }
    while stack.len() > 1 {
        if let Some((e, _)) = stack.pop() {
            let resumed = stack.last().map_or(cover, |&(_, n)| n);
            emit(out, e, resumed);
        }
    }
}

/// Appends an interval starting at `at` (ignored at the end of the /16; see
/// [`push_interval`]).
fn emit(out: &mut Vec<(u32, u32)>, at: u32, net: u32) {
    if at < 1 << 16 {
        push_interval(out, at, net);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::PrefixTries;

    /// The archived form of a prefix table of (address, length, net).
    fn archive(table: &[(u32, u8, u32)]) -> rkyv::util::AlignedVec {
        crate::index::test_tables::archive(
            table
                .iter()
                .map(|&(addr, len, net)| (u128::from(addr), len, net)),
        )
    }

    /// The longest CIDR holding the address, the later of identical ones.
    fn brute(table: &[(u32, u8, u32)], a: u32) -> u32 {
        crate::index::test_tables::brute(
            table
                .iter()
                .map(|&(addr, len, net)| (u128::from(addr), len, net)),
            32,
            u128::from(a),
        )
    }

    /// Addresses worth asking about: every CIDR's first and last address and their
    /// neighbours, addresses inside, the ends of each /16 and /24 touched, and random ones.
    fn probes(table: &[(u32, u8, u32)], rng: &mut fastrand::Rng) -> Vec<u32> {
        let mut out: Vec<u32> = (0..500).map(|_| rng.u32(..)).collect();
        out.extend([0, 1, u32::MAX, u32::MAX - 1]);
        for &(p, len, _) in table {
            let len = len.min(32);
            let first = p & mask(len);
            let last = first | !mask(len);
            out.extend([
                first,
                last,
                first.wrapping_sub(1),
                last.wrapping_add(1),
                first & !0xffff,
                first | 0xffff,
                first & !0xff,
                first | 0xff,
            ]);
            out.extend((0..8).map(|_| first | (rng.u32(..) & !mask(len))));
        }
        out
    }

    /// A random table of nested CIDRs crowded into a few /16s (among them the first and the
    /// last), with short covers from /0 to /16, /32s, identical CIDRs with different nets,
    /// neighbours with equal nets, host bits set, and lengths over 32 that must be skipped.
    fn random_table(rng: &mut fastrand::Rng, n: usize) -> Vec<(u32, u8, u32)> {
        let tops: Vec<u32> = [0u32, 0xffff, 0x0a00, 0x0a01, rng.u32(..0x10000)]
            .into_iter()
            .take(rng.usize(1..=5))
            .collect();
        let mut table: Vec<(u32, u8, u32)> = Vec::with_capacity(n);
        for i in 0..n {
            let net = if rng.u8(..4) == 0 {
                rng.u32(..4) // shared nets: adjacent intervals with equal answers
            } else {
                i as u32 + 10
            };
            if i > 0 && rng.u8(..8) == 0 {
                // The same CIDR again (maybe with other host bits): the later wins.
                let (p, len, _) = table[rng.usize(..i)];
                table.push((p | (rng.u32(..) & !mask(len.min(32))), len, net));
                continue;
            }
            let top = tops[rng.usize(..tops.len())];
            let len = match rng.u8(..20) {
                0 => rng.u8(0..=8),
                1 => rng.u8(9..=16),
                2 => 32,
                3 => rng.u8(33..=40),
                4..=7 => rng.u8(17..=24),
                _ => rng.u8(25..=31),
            };
            // Mostly near the start of a /24 or in a few /24s, so that CIDRs nest.
            let low = match rng.u8(..3) {
                0 => rng.u32(..0x10000),
                1 => (rng.u32(..4) << 8) | rng.u32(..0x100),
                _ => rng.u32(..0x40),
            };
            table.push(((top << 16) | low, len, net));
        }
        if rng.bool() {
            table.push((rng.u32(..), 0, NONE - 1)); // a /0 cover
        }
        table
    }

    #[test]
    fn answers_like_brute_force_and_the_trie() {
        let mut rng = fastrand::Rng::with_seed(11);
        for round in 0..300 {
            let n = [0, 1, 3, 20, 200][round % 5];
            let table = random_table(&mut rng, n);
            let bytes = archive(&table);
            let entries = crate::index::test_tables::access(&bytes);
            let index = V4Index::build(entries);
            let tries = PrefixTries::build(entries, &[]);
            for a in probes(&table, &mut rng) {
                let want = brute(&table, a);
                assert_eq!(index.lookup(a), want, "round {round}, {}", Ipv4Addr(a));
                let hit = tries.lookup(false, u128::from(a), 32);
                assert_eq!(hit, (want != NONE).then_some(want), "trie, {}", Ipv4Addr(a));
            }
        }
    }

    /// A /24 holding 256 /32s and one with many CIDRs: buckets over 16 intervals take the
    /// binary search; the first, a full /16 of /24s, checks the bucket starts near their
    /// limit.
    #[test]
    fn large_buckets() {
        let mut table: Vec<(u32, u8, u32)> = vec![(0x0a00_0000, 8, 1)];
        table.extend((0..256).map(|i| (0x0a01_0200 | i, 32, 100 + i)));
        table.extend((0..128).map(|i| (0x0a01_0500 | (2 * i), 31, 1000 + i % 3)));
        table.extend((0..256).map(|i| (0x0a02_0000 | (i << 8), 24, 2000 + i)));
        table.extend((0..256).map(|i| (0x0a02_0000 | (i << 8) | 0x80, 25, 3000 + i)));
        table.extend((0..40).map(|i| (0x0a03_ff00 | (i * 6), 31, 4000 + i)));
        let bytes = archive(&table);
        let entries = crate::index::test_tables::access(&bytes);
        let index = V4Index::build(entries);
        let mut rng = fastrand::Rng::with_seed(5);
        for a in probes(&table, &mut rng) {
            assert_eq!(index.lookup(a), brute(&table, a), "{}", Ipv4Addr(a));
        }
        // Every address of the four /16s, against the trie.
        let tries = PrefixTries::build(entries, &[]);
        for a in 0x0a00_0000..0x0a04_0000 {
            let want = tries.lookup(false, u128::from(a), 32).unwrap_or(NONE);
            assert_eq!(index.lookup(a), want, "{}", Ipv4Addr(a));
        }
    }

    /// A /16 cut into 65,536 intervals (a /32 on every address, answers alternating): the
    /// most a /16 holds.
    #[test]
    fn a_full_slash_16() {
        let mut table: Vec<(u32, u8, u32)> = vec![(0x0a00_0000, 8, 1)];
        table.extend((0..1 << 16).map(|i| (0x0a09_0000 | i, 32, 2 + (i & 1))));
        let bytes = archive(&table);
        let index = V4Index::build(crate::index::test_tables::access(&bytes));
        for i in 0..1 << 16 {
            assert_eq!(index.lookup(0x0a09_0000 | i), 2 + (i & 1));
        }
        assert_eq!(index.lookup(0x0a08_ffff), 1);
        assert_eq!(index.lookup(0x0a0a_0000), 1);
    }

    /// Pretty-prints an address in a failure message.
    struct Ipv4Addr(u32);
    impl std::fmt::Display for Ipv4Addr {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            std::net::Ipv4Addr::from(self.0).fmt(f)
        }
    }
}
