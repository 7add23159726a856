//! Limits shared by both front ends, without locks: the personal-data limiter (per IPv4 /32
//! and IPv6 /64, daily window, allow-list) and the connection caps (total and per IP).
//!
//! Both use fixed tables of atomic words indexed by a hash of the client key, with a short
//! tag to tell clients apart and linear probing over a few slots. When every probed slot
//! belongs to another client, the client shares the least loaded slot: it may then be
//! counted with another client, never lose a count.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use ipnet::IpNet;

const PROBES: usize = 8;

/// The key of a client: its IPv4 address, or the /64 of its IPv6 address (an IPv4-mapped
/// IPv6 address counts as the IPv4 address).
pub fn client_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => u128::from(u32::from(v4)),
            None => (u128::from(v6) >> 64) | (1u128 << 127),
        },
    }
}

fn hash(key: u128) -> u64 {
    xxhash_rust::xxh3::xxh3_64(&key.to_le_bytes())
}

/// A table of atomic words; each slot is `tag (24 bits) | epoch (16 bits) | count (24 bits)`.
struct Table {
    slots: Box<[AtomicU64]>,
    mask: usize,
}

const COUNT_BITS: u32 = 24;
const EPOCH_BITS: u32 = 16;
const COUNT_MAX: u64 = (1 << COUNT_BITS) - 1;

fn pack(tag: u64, epoch: u64, count: u64) -> u64 {
    (tag << (COUNT_BITS + EPOCH_BITS)) | ((epoch & 0xffff) << COUNT_BITS) | count.min(COUNT_MAX)
}

fn unpack(w: u64) -> (u64, u64, u64) {
    (
        w >> (COUNT_BITS + EPOCH_BITS),
        (w >> COUNT_BITS) & 0xffff,
        w & COUNT_MAX,
    )
}

impl Table {
    fn new(slots_pow2: u32) -> Table {
        let n = 1usize << slots_pow2;
        Table {
            slots: (0..n).map(|_| AtomicU64::new(0)).collect(),
            mask: n - 1,
        }
    }

    /// The slot of `key` in `epoch`: one holding its tag in this epoch, else a free or
    /// stale one claimed for it, else the least loaded of the probed slots.
    fn slot(&self, key: u128, epoch: u64) -> usize {
        let h = hash(key);
        // Tag 0 marks a free slot, so tags are 1..=2^24-1.
        let tag = ((h >> 40) & 0xff_ffff).max(1);
        let start = h as usize & self.mask;
        let mut least = (u64::MAX, start);
        for p in 0..PROBES {
            let i = (start + p) & self.mask;
            let mut w = self.slots[i].load(Ordering::Relaxed);
            loop {
                let (t, e, c) = unpack(w);
                if t == tag && e == epoch & 0xffff {
                    return i;
                }
                let free = t == 0 || c == 0 || e != epoch & 0xffff;
                if !free {
                    if c < least.0 {
                        least = (c, i);
                    }
                    break;
                }
                match self.slots[i].compare_exchange_weak(
                    w,
                    pack(tag, epoch, 0),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return i,
                    Err(now) => w = now,
                }
            }
        }
        least.1
    }

    /// Adds `delta` (±1) to the slot's count; returns the new count.
    fn add(&self, i: usize, epoch: u64, delta: i64) -> u64 {
        let mut w = self.slots[i].load(Ordering::Relaxed);
        loop {
            let (t, e, c) = unpack(w);
            let c = if e == epoch & 0xffff { c } else { 0 };
            let n = if delta >= 0 {
                c.saturating_add(delta as u64).min(COUNT_MAX)
            } else {
                c.saturating_sub(delta.unsigned_abs())
            };
            match self.slots[i].compare_exchange_weak(
                w,
                pack(t, epoch, n),
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return n,
                Err(now) => w = now,
            }
        }
    }
}

/// Counts personal-data answers per client and day.
pub struct PersonalLimiter {
    per_day: u64,
    allow: Vec<IpNet>,
    table: Table,
    denials: AtomicU64,
}

impl std::fmt::Debug for PersonalLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonalLimiter")
            .field("per_day", &self.per_day)
            .field("allow", &self.allow)
            .finish()
    }
}

/// What the limiter decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personal {
    /// Allowed and counted (or the client is on the allow-list).
    Allowed,
    /// Over the daily limit; `retry_after` seconds until the window resets.
    Denied { retry_after: u64 },
}

impl PersonalLimiter {
    /// `per_day` personal-data answers a day per client; `allow` are unlimited.
    pub fn new(per_day: u64, allow: Vec<IpNet>) -> PersonalLimiter {
        PersonalLimiter {
            per_day,
            allow,
            table: Table::new(20),
            denials: AtomicU64::new(0),
        }
    }

    /// Counts one personal-data answer for `ip` now. The day is the clock's, whatever date
    /// answers are given as of (`--as-of`): both front ends count on it, so that one
    /// client's counts never fall on two days that would reset each other.
    pub fn check(&self, ip: IpAddr) -> Personal {
        self.check_at(ip, crate::model::now())
    }

    /// Counts one personal-data answer for `ip` at `now` (Unix seconds).
    pub fn check_at(&self, ip: IpAddr, now: i64) -> Personal {
        if self.allow.iter().any(|n| n.contains(&ip)) {
            return Personal::Allowed;
        }
        let day = (now.max(0) / 86_400) as u64;
        let key = client_key(ip);
        let slot = self.table.slot(key, day);
        // Check before counting, so a denied client's count stops growing.
        let (_, e, c) = unpack(self.table.slots[slot].load(Ordering::Relaxed));
        let over =
            (e == day & 0xffff && c >= self.per_day) || self.table.add(slot, day, 1) > self.per_day;
        if !over {
            return Personal::Allowed;
        }
        self.denials.fetch_add(1, Ordering::Relaxed);
        Personal::Denied {
            retry_after: ((day + 1) * 86_400).saturating_sub(now.max(0) as u64),
        }
    }

    /// Denials so far.
    pub fn denials(&self) -> u64 {
        self.denials.load(Ordering::Relaxed)
    }
}

/// Caps on open connections, in total and per client.
pub struct ConnLimiter {
    max_total: usize,
    max_per_ip: u64,
    open: AtomicUsize,
    table: Table,
    denials: AtomicU64,
}

impl std::fmt::Debug for ConnLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnLimiter")
            .field("max_total", &self.max_total)
            .field("max_per_ip", &self.max_per_ip)
            .field("open", &self.open)
            .finish()
    }
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnDenied {
    Total,
    PerIp,
}

/// An open connection; dropping it releases its place.
#[derive(Debug)]
pub struct ConnGuard<'a> {
    limiter: &'a ConnLimiter,
    slot: usize,
}

impl Drop for ConnGuard<'_> {
    fn drop(&mut self) {
        self.limiter.table.add(self.slot, 0, -1);
        self.limiter.open.fetch_sub(1, Ordering::AcqRel);
    }
}

impl ConnLimiter {
    pub fn new(max_total: usize, max_per_ip: u64) -> ConnLimiter {
        ConnLimiter {
            max_total,
            max_per_ip,
            open: AtomicUsize::new(0),
            table: Table::new(16),
            denials: AtomicU64::new(0),
        }
    }

    /// Takes a place for a connection from `ip`, or says which cap it hits.
    pub fn acquire(&self, ip: IpAddr) -> Result<ConnGuard<'_>, ConnDenied> {
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.max_total {
            self.open.fetch_sub(1, Ordering::AcqRel);
            self.denials.fetch_add(1, Ordering::Relaxed);
            return Err(ConnDenied::Total);
        }
        let slot = self.table.slot(client_key(ip), 0);
        if self.table.add(slot, 0, 1) > self.max_per_ip {
            self.table.add(slot, 0, -1);
            self.open.fetch_sub(1, Ordering::AcqRel);
            self.denials.fetch_add(1, Ordering::Relaxed);
            return Err(ConnDenied::PerIp);
        }
        Ok(ConnGuard {
            limiter: self,
            slot,
        })
    }

    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    pub fn denials(&self) -> u64 {
        self.denials.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn personal_limit_per_client_and_day() {
        let l = PersonalLimiter::new(3, vec!["10.9.0.0/16".parse().unwrap()]);
        let day = 1_800_000_000 - 1_800_000_000 % 86_400;
        for _ in 0..3 {
            assert_eq!(l.check_at(ip("23.1.2.3"), day + 10), Personal::Allowed);
        }
        assert_eq!(
            l.check_at(ip("23.1.2.3"), day + 10),
            Personal::Denied {
                retry_after: 86_390
            }
        );
        // Another client is not affected; the next day starts again.
        assert_eq!(l.check_at(ip("23.1.2.4"), day + 10), Personal::Allowed);
        assert_eq!(l.check_at(ip("23.1.2.3"), day + 86_400), Personal::Allowed);
        // The allow-list is unlimited.
        for _ in 0..10 {
            assert_eq!(l.check_at(ip("10.9.1.1"), day), Personal::Allowed);
        }
        assert_eq!(l.denials(), 1);
    }

    #[test]
    fn ipv6_counts_per_slash_64() {
        let l = PersonalLimiter::new(2, Vec::new());
        assert_eq!(l.check_at(ip("2600::1"), 0), Personal::Allowed);
        assert_eq!(l.check_at(ip("2600::ffff:1"), 0), Personal::Allowed);
        assert!(matches!(
            l.check_at(ip("2600::2"), 0),
            Personal::Denied { .. }
        ));
        assert_eq!(l.check_at(ip("2600:0:0:1::1"), 0), Personal::Allowed);
        // IPv4-mapped counts as the IPv4 address.
        assert_eq!(
            client_key(ip("::ffff:23.1.2.3")),
            client_key(ip("23.1.2.3"))
        );
    }

    #[test]
    fn connection_caps() {
        let l = ConnLimiter::new(3, 2);
        let a1 = l.acquire(ip("23.0.0.1")).unwrap();
        let _a2 = l.acquire(ip("23.0.0.1")).unwrap();
        assert_eq!(l.acquire(ip("23.0.0.1")).unwrap_err(), ConnDenied::PerIp);
        let _b = l.acquire(ip("23.0.0.2")).unwrap();
        assert_eq!(l.acquire(ip("23.0.0.3")).unwrap_err(), ConnDenied::Total);
        drop(a1);
        assert_eq!(l.open(), 2);
        let _a3 = l.acquire(ip("23.0.0.1")).unwrap();
        assert_eq!(l.denials(), 2);
    }

    #[test]
    fn many_clients_keep_their_own_counts() {
        let l = PersonalLimiter::new(1, Vec::new());
        let denied = (0..50_000u32)
            .filter(|i| {
                let a = IpAddr::from(std::net::Ipv4Addr::from(0x1700_0000 + i));
                matches!(l.check_at(a, 0), Personal::Denied { .. })
            })
            .count();
        assert_eq!(denied, 0, "first answer of each client is allowed");
    }
}
