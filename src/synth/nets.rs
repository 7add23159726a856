//! The network trees: top-level allocations spread over the pools (or taken from a routed
//! prefix list), each subdivided into reallocations and reassignments up to four levels deep.
//! Nets come out depth first, children in address order, to a sink: nothing is kept.

use fastrand::Rng;

use super::GenError;
use super::World;
use super::names::{EPOCH_START, between};
use super::space::RoutedPrefix;

const DAY: i64 = 86_400;

/// What a net is in the registry's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NetKind {
    /// A top-level allocation to an ISP that subdivides it.
    Allocation,
    /// A top-level assignment to an end user.
    DirectAssignment,
    /// A block an ISP gave another ISP, which subdivides it further.
    Reallocation,
    /// A block an ISP gave an end user or customer.
    Reassignment,
}

/// A reverse-DNS delegation for a net whose range is exactly a zone.
#[derive(Debug, Clone, Copy)]
pub(super) struct DelegationRec {
    /// Prefix length of the zone (8, 16, 24 for IPv4; a multiple of 4 for IPv6).
    pub(super) zone_len: u8,
    /// Number of nameservers (2 or 3).
    pub(super) nameservers: u8,
    /// Number of DS records (0 to 2).
    pub(super) ds: u8,
    /// Seed for key tags and digests.
    pub(super) seed: u64,
    pub(super) registered: i64,
}

/// One generated net.
#[derive(Debug, Clone)]
pub(super) struct NetRec {
    pub(super) v6: bool,
    pub(super) start: u128,
    pub(super) end: u128,
    /// The prefix length when the range is one CIDR block.
    pub(super) cidr_len: Option<u8>,
    /// Handle suffix: 1, or one more than the parent's when the parent starts at the same
    /// address (`NET-23-1-0-0-2`).
    pub(super) suffix: u8,
    /// The parent's range and handle suffix.
    pub(super) parent: Option<(u128, u128, u8)>,
    pub(super) kind: NetKind,
    /// The party (org or customer) holding it.
    pub(super) holder: u32,
    /// The org whose initials make the net name (the holder, or a customer's parent org).
    pub(super) name_party: u32,
    pub(super) name_no: u16,
    /// Links the holder's role POC as abuse contact.
    pub(super) abuse: bool,
    /// Links the holder's role POC as NOC.
    pub(super) noc: bool,
    pub(super) origins: [u32; 2],
    pub(super) n_origins: u8,
    pub(super) comment: u8,
    pub(super) registered: i64,
    pub(super) updated: i64,
    pub(super) delegation: Option<DelegationRec>,
}

/// Customers are handed out one per reassignment until none are left; each remembers the
/// org it got its net from (its ARIN `parentOrgHandle`).
#[derive(Debug, Clone)]
pub(super) struct Customers {
    /// Party index of the first customer.
    pub(super) first: u32,
    next: u32,
    /// Parent org per customer (`u32::MAX`: not handed out).
    pub(super) parent: Vec<u32>,
}

impl Customers {
    pub(super) fn new(first: u32, count: u32) -> Self {
        Self {
            first,
            next: 0,
            parent: vec![u32::MAX; count as usize],
        }
    }

    fn take(&mut self, parent_org: u32) -> Option<u32> {
        let slot = self.parent.get_mut(self.next as usize)?;
        *slot = parent_org;
        self.next += 1;
        Some(self.first + self.next - 1)
    }
}

/// What one family (IPv4 or IPv6) came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct FamilyStats {
    pub(super) nets: u64,
    pub(super) without_abuse: u64,
    pub(super) non_cidr: u64,
    pub(super) max_depth: u8,
    pub(super) delegations: u64,
    pub(super) top_level: u64,
}

/// Context a child needs from its parent.
#[derive(Clone, Copy)]
struct ParentCtx {
    start: u128,
    end: u128,
    suffix: u8,
    holder: u32,
    registered: i64,
}

struct Gen<'a, S> {
    w: &'a World,
    v6: bool,
    bits: u32,
    rng: Rng,
    remaining: u64,
    customers: &'a mut Customers,
    sink: &'a mut S,
    stats: FamilyStats,
}

/// Generates `target` nets of one family and hands each to `sink`. With `routed`, the top
/// levels are those prefixes (origin AS included); otherwise they are spread over the pools.
/// Fewer nets come out only when the space runs out.
pub(super) fn generate_family<S>(
    w: &World,
    v6: bool,
    target: u64,
    routed: Option<&[RoutedPrefix]>,
    customers: &mut Customers,
    sink: &mut S,
) -> Result<FamilyStats, GenError>
where
    S: FnMut(&NetRec) -> Result<(), GenError>,
{
    let mut g = Gen {
        w,
        v6,
        bits: if v6 { 128 } else { 32 },
        rng: Rng::with_seed(super::names::splitmix(
            w.seed ^ if v6 { 0x66 } else { 0x44 },
        )),
        remaining: target,
        customers,
        sink,
        stats: FamilyStats::default(),
    };
    match routed {
        Some(tops) => g.routed_tops(tops)?,
        None => g.pool_tops()?,
    }
    Ok(g.stats)
}

fn floor_log2(x: u128) -> u32 {
    127 - x.max(1).leading_zeros()
}

fn ceil_log2(x: u64) -> u32 {
    if x <= 1 {
        0
    } else {
        64 - (x - 1).leading_zeros()
    }
}

/// `a * b / c` without overflow for the magnitudes used here.
fn mul_div(a: u128, b: u64, c: u64) -> u128 {
    let c = u128::from(c.max(1));
    if a <= u128::from(u64::MAX) {
        a * u128::from(b) / c
    } else {
        a / c * u128::from(b)
    }
}

fn align_up(x: u128, size: u128) -> u128 {
    x.div_ceil(size) * size
}

impl<S> Gen<'_, S>
where
    S: FnMut(&NetRec) -> Result<(), GenError>,
{
    /// Descendants wanted under a new top-level net: many end users (none), most ISPs a few
    /// to a few hundred, a rare large one thousands.
    fn draw_want(&mut self) -> u64 {
        let max = self.remaining.saturating_sub(1);
        let r = self.rng.f64();
        let w = if r < 0.35 {
            0
        } else if r < 0.998 {
            (300f64.ln() * self.rng.f64()).exp() as u64
        } else {
            (20_000f64.ln() * self.rng.f64()).exp() as u64
        };
        w.min(max)
    }

    fn pool_tops(&mut self) -> Result<(), GenError> {
        let pools = if self.v6 {
            super::space::v6_pools()
        } else {
            super::space::v4_pools()
        };
        let mut idx = 0usize;
        let mut cur = pools[0].0;
        while self.remaining > 0 {
            let want = self.draw_want();
            let Some((start, end, cidr)) = self.place_top(&pools, &mut idx, &mut cur, want) else {
                break;
            };
            self.subtree(start, end, cidr, 0, want, None, None)?;
        }
        Ok(())
    }

    /// Places the next top-level block: a slot of the remaining space in proportion to the
    /// nets it will hold, the block aligned somewhere in the slot.
    fn place_top(
        &mut self,
        pools: &[(u128, u128)],
        idx: &mut usize,
        cur: &mut u128,
        want: u64,
    ) -> Option<(u128, u128, Option<u8>)> {
        loop {
            while *idx < pools.len() && *cur > pools[*idx].1 {
                *idx += 1;
                if let Some(&(s, _)) = pools.get(*idx) {
                    *cur = (*cur).max(s);
                }
            }
            let &(ps, pe) = pools.get(*idx)?;
            *cur = (*cur).max(ps);
            let rem: u128 = (pe - *cur + 1)
                + pools[*idx + 1..]
                    .iter()
                    .map(|&(s, e)| e - s + 1)
                    .sum::<u128>();
            let slot = mul_div(rem, want + 1, self.remaining).max(1);
            let h_max = floor_log2(slot / 2);
            let h_pref = if self.v6 {
                let len: u32 = if want == 0 {
                    [48, 48, 48, 44, 40, 36][self.rng.usize(..6)]
                } else if want > 1000 {
                    self.rng.u32(20..=28)
                } else {
                    self.rng.u32(29..=32)
                };
                128 - len
            } else if want == 0 {
                8 + self.rng.u32(0..=3)
            } else {
                (8 + ceil_log2(want + 1) + self.rng.u32(0..=3)).min(24)
            };
            let h = h_pref.min(h_max);
            if h < if self.v6 { 64 } else { 4 } {
                return None;
            }
            let size = 1u128 << h;
            let a0 = align_up(*cur, size);
            if a0 + size - 1 > pe {
                // The block would leave the pool: go on in the next one.
                *idx += 1;
                *cur = pools.get(*idx)?.0;
                continue;
            }
            let last = (*cur + slot - size).min(pe + 1 - size);
            let positions = if last >= a0 {
                (last - a0) / size + 1
            } else {
                1
            };
            let k = if self.rng.bool() {
                0
            } else {
                self.rng.u128(0..positions)
            };
            let start = a0 + k * size;
            let non_cidr = !self.v6 && h >= 6 && self.rng.u8(..25) == 0;
            let end = if non_cidr {
                start + size / 2 + size / 4 - 1
            } else {
                start + size - 1
            };
            *cur = (*cur + slot).max(end + 1);
            return Some((start, end, (!non_cidr).then_some((self.bits - h) as u8)));
        }
    }

    fn routed_tops(&mut self, tops: &[RoutedPrefix]) -> Result<(), GenError> {
        let n = tops.len() as u64;
        for (i, t) in tops.iter().enumerate() {
            if self.remaining == 0 {
                break;
            }
            let left = n - i as u64;
            let mean = (self.remaining as f64 / left as f64 - 1.0).max(0.0);
            let draw = (mean * -(1.0 - self.rng.f64()).ln()).round() as u64;
            let h = self.bits - u32::from(t.len);
            // Room for children of at least /29 (IPv4) or /64 (IPv6) with gaps.
            let cap = if self.v6 {
                if h >= 64 + 20 {
                    1 << 20
                } else {
                    (1u64 << (h.saturating_sub(64))) / 4
                }
            } else {
                (1u64 << h) / 32
            };
            let want = draw.min(cap).min(self.remaining - 1);
            let (start, end) = crate::model::prefix_range(self.v6, t.start, t.len);
            let origin = (t.asn != 0).then_some(t.asn);
            self.subtree(start, end, Some(t.len), 0, want, None, origin)?;
        }
        Ok(())
    }

    fn random_org(&mut self) -> u32 {
        self.rng.u32(..self.w.n_orgs.max(1))
    }

    fn random_origin(&mut self) -> Option<u32> {
        let pool = &self.w.origin_pool;
        (!pool.is_empty()).then(|| pool[self.rng.usize(..pool.len())])
    }

    #[allow(clippy::too_many_arguments)]
    fn subtree(
        &mut self,
        start: u128,
        end: u128,
        cidr_len: Option<u8>,
        depth: u8,
        want: u64,
        parent: Option<ParentCtx>,
        top_origin: Option<u32>,
    ) -> Result<(), GenError> {
        if self.remaining == 0 {
            return Ok(());
        }
        self.remaining -= 1;
        let reference = self.w.reference;
        let kind = match (depth, want) {
            (0, 0) => NetKind::DirectAssignment,
            (0, _) => NetKind::Allocation,
            (_, 0) => NetKind::Reassignment,
            _ => NetKind::Reallocation,
        };
        let holder = match (kind, parent) {
            (NetKind::Reassignment, Some(p)) if self.rng.f64() < 0.45 => {
                match self.customers.take(p.holder) {
                    Some(c) => c,
                    None => self.random_org(),
                }
            }
            _ => self.random_org(),
        };
        let customer = holder >= self.w.n_orgs;
        let name_party = match parent {
            Some(p) if customer => p.holder,
            _ => holder,
        };
        let registered = match parent {
            None => between(&mut self.rng, EPOCH_START, reference - 60 * DAY),
            Some(p) => between(&mut self.rng, p.registered, reference - DAY),
        };
        let updated = if self.rng.u8(..5) < 2 {
            registered
        } else {
            between(&mut self.rng, registered, reference - DAY)
        };
        let abuse = self.rng.f64() >= 0.30;
        let noc = !customer && self.rng.u8(..6) == 0;
        let mut origins = [0u32; 2];
        let mut n_origins = 0u8;
        let origin_chance = match kind {
            NetKind::Allocation | NetKind::DirectAssignment => 0.7,
            NetKind::Reallocation => 0.2,
            NetKind::Reassignment => 0.05,
        };
        if let Some(a) = top_origin {
            origins[0] = a;
            n_origins = 1;
        } else if self.rng.f64() < origin_chance
            && let Some(a) = self.random_origin()
        {
            origins[0] = a;
            n_origins = 1;
        }
        if n_origins == 1
            && depth == 0
            && self.rng.u8(..20) == 0
            && let Some(b) = self.random_origin()
            && b != origins[0]
        {
            origins[1] = b;
            n_origins = 2;
        }
        let zone_len = match cidr_len {
            Some(l) if !self.v6 && matches!(l, 8 | 16 | 24) => Some(l),
            Some(l) if self.v6 && l % 4 == 0 && (16..=64).contains(&l) => Some(l),
            _ => None,
        };
        let chance = if self.v6 { 0.10 } else { 0.25 };
        let delegation = match zone_len {
            Some(zone_len) if self.rng.f64() < chance => Some(DelegationRec {
                zone_len,
                nameservers: self.rng.u8(2..=3),
                ds: if self.rng.f64() < 0.4 {
                    self.rng.u8(1..=2)
                } else {
                    0
                },
                seed: self.rng.u64(..),
                registered: between(&mut self.rng, registered, reference - DAY),
            }),
            _ => None,
        };
        let suffix = match parent {
            Some(p) if p.start == start => p_suffix_next(p.suffix),
            _ => 1,
        };
        let rec = NetRec {
            v6: self.v6,
            start,
            end,
            cidr_len,
            suffix,
            parent: parent.map(|p| (p.start, p.end, p.suffix)),
            kind,
            holder,
            name_party,
            name_no: self.rng.u16(1..=40),
            abuse,
            noc,
            origins,
            n_origins,
            comment: if self.rng.u8(..8) == 0 {
                self.rng.u8(1..=super::names::COMMENTS.len() as u8)
            } else {
                0
            },
            registered,
            updated,
            delegation,
        };
        self.stats.nets += 1;
        self.stats.without_abuse += u64::from(!abuse);
        self.stats.non_cidr += u64::from(cidr_len.is_none());
        self.stats.max_depth = self.stats.max_depth.max(depth);
        self.stats.delegations += u64::from(delegation.is_some());
        self.stats.top_level += u64::from(depth == 0);
        (self.sink)(&rec)?;

        if want == 0 || depth >= 3 {
            return Ok(());
        }
        let wants = self.split(want, depth);
        let ctx = ParentCtx {
            start,
            end,
            suffix,
            holder,
            registered,
        };
        let size = end - start + 1;
        let total: u64 = wants.iter().map(|w| w + 1).sum();
        let mut cur = start;
        for &w in &wants {
            let slot = mul_div(size, w + 1, total);
            let placed = self.place_child(cur, slot, w);
            cur += slot;
            if let Some((s, e, c)) = placed {
                self.subtree(s, e, c, depth + 1, w, Some(ctx), None)?;
            }
        }
        Ok(())
    }

    /// Shares `want` descendants among direct children: a list of the children's own wants.
    /// Children of depth-2 nets are all leaves, so trees are at most four levels deep.
    fn split(&mut self, want: u64, depth: u8) -> Vec<u64> {
        if depth >= 2 {
            return vec![0; want as usize];
        }
        let frac = if depth == 0 {
            0.3 + 0.4 * self.rng.f64()
        } else {
            0.5 + 0.4 * self.rng.f64()
        };
        let k = ((want as f64 * frac).ceil() as u64).clamp(1, want);
        let rest = want - k;
        let mut wants = vec![0u64; k as usize];
        if rest > 0 {
            let m = ((k as f64 * (0.1 + 0.3 * self.rng.f64())).ceil() as u64).clamp(1, k.min(rest));
            let weights: Vec<f64> = (0..m)
                .map(|_| -(1.0 - self.rng.f64()).ln() + 0.05)
                .collect();
            let total: f64 = weights.iter().sum();
            let mut given = 0u64;
            let mut picks = Vec::with_capacity(m as usize);
            for wgt in &weights {
                let share = ((rest as f64) * wgt / total).floor() as u64;
                let pos = self.rng.usize(..wants.len());
                wants[pos] += share;
                given += share;
                picks.push(pos);
            }
            for i in 0..(rest - given) {
                wants[picks[(i as usize) % picks.len()]] += 1;
            }
        }
        wants
    }

    /// Places a child in the slot `[cur, cur + slot)`: a block at most half the slot, aligned,
    /// sized to what the child is (a leaf prefers /24–/29 or /48–/64).
    fn place_child(
        &mut self,
        cur: u128,
        slot: u128,
        want: u64,
    ) -> Option<(u128, u128, Option<u8>)> {
        if slot < 2 {
            return None;
        }
        let h_max = floor_log2(slot / 2);
        let min_h = if self.v6 { 64 } else { 2 };
        let need_h = if want == 0 { min_h } else { min_h + 1 };
        if h_max < need_h {
            return None;
        }
        let mut h = h_max;
        if want == 0 {
            let pref = if self.v6 {
                128 - [48, 48, 48, 56, 56, 64, 44, 40][self.rng.usize(..8)]
            } else {
                32 - [24, 24, 24, 25, 26, 27, 28, 29][self.rng.usize(..8)]
            };
            h = h.min(pref);
        } else {
            if h > need_h && self.rng.u8(..3) == 0 {
                h -= 1;
            }
            if self.v6 {
                let len = 128 - h;
                let rounded = len.div_ceil(4) * 4;
                if 128 - rounded >= need_h {
                    h = 128 - rounded;
                }
            }
        }
        let non_cidr = !self.v6 && h >= min_h + 2 && self.rng.u8(..20) == 0;
        let size = 1u128 << h;
        let a0 = align_up(cur, size);
        let last = cur + slot - size;
        // Registries hand blocks out from the low end, with a few gaps.
        let positions = ((last - a0) / size + 1).min(64);
        let k = if self.rng.bool() {
            0
        } else {
            self.rng.u128(0..positions)
        };
        let start = a0 + k * size;
        let end = if non_cidr {
            start + size / 2 + size / 4 - 1
        } else {
            start + size - 1
        };
        Some((start, end, (!non_cidr).then_some((self.bits - h) as u8)))
    }
}

fn p_suffix_next(s: u8) -> u8 {
    s.saturating_add(1)
}
