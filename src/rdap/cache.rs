//! What the RDAP front end keeps beside each loaded registry, built on demand: the
//! reverse-link index, and a cache of rendered JSON fragments (network answers and the
//! registrant entities shared by many networks).
//!
//! A request loads the state of the current registry with one atomic load; the first
//! request after a reload finds the state of another registry and replaces it, so nothing
//! of an old snapshot outlives it. The fragment cache is a fixed table of slots, each an
//! `ArcSwap`: reads and writes take no lock, a newer fragment simply replaces an older one
//! in its slot. A fragment records until when it is true: validation states change at
//! known dates, and a fragment that shows a contact is only reused before its next change.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use arc_swap::ArcSwapOption;
use bytes::Bytes;

use crate::model::Timestamp;
use crate::registry::Registry;

use super::render::{Ext, Redaction};
use super::reverse::ReverseIndex;

/// A rendered piece of an answer.
///
/// In this order (`repr(C)`): what a request for a cached network answer reads, first,
/// so that it shares the first cache lines with the reference count (taken for the
/// answer) and the first parts: a fragment is most often not in the processor's caches.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct Fragment {
    pub(crate) key: u64,
    /// Reused only while `now < valid_until`.
    pub(crate) valid_until: Timestamp,
    /// For entity tags: xxh3 of the body `parts` make for a network answer, else 0.
    pub(crate) hash: u64,
    /// The length of the body `parts` make.
    parts_len: usize,
    /// For a network answer: it shows personal data (of contacts that are not abuse
    /// contacts), so it counts against the personal-data limit.
    pub(crate) personal: bool,
    /// For a network answer: its body, in order: slices of `json` (its own text) and the
    /// cached pieces it shares with other answers (registrant and contact entities),
    /// which are sent from where they are instead of being copied into each answer. So an
    /// answer holds about a quarter of its bytes, and most bytes a response sends are ones
    /// many responses send. Empty for other fragments.
    parts: Parts,
    /// The JSON text. For a network answer, its own text only, with one placeholder byte
    /// where each shared piece goes (see `parts`).
    pub(crate) text: Arc<str>,
    /// The same text as bytes for response bodies (shares `text`, no copy).
    pub(crate) json: Bytes,
    /// Extensions the fragment uses.
    pub(crate) ext: Ext,
    /// Redactions it carries.
    pub(crate) redactions: Vec<Redaction>,
}

/// Parts held in the fragment itself up to this many (an answer with its registrant, an
/// inherited abuse contact and a few contacts of its own), so that reading them does not
/// wait for memory once more after the fragment.
const INLINE_PARTS: usize = 12;

/// A network answer's parts (see [`Fragment`]).
#[derive(Debug)]
// The inline variant is the large one on purpose: it keeps the parts in the fragment.
#[allow(clippy::large_enum_variant)]
enum Parts {
    Inline(u8, [Bytes; INLINE_PARTS]),
    Heap(Box<[Bytes]>),
}

/// Fragments in two tables: whole network answers, and the pieces that many answers
/// share (registrant entities, contacts, inherited abuse contacts). Apart, the many answers
/// asked once cannot push out the few pieces every answer needs, which keeps the cost of
/// rendering an answer that is not cached low.
#[derive(Debug)]
pub(crate) struct Fragments {
    answers: Table,
    pieces: Table,
}

/// The fragment kind (see [`fragment_key`]) kept in the answers table.
pub(crate) const ANSWER_KIND: u8 = 1;

impl Fragments {
    /// Tables of `slots` slots each (0: no cache).
    pub(crate) fn new(slots: usize) -> Fragments {
        Fragments {
            answers: Table::new(slots),
            pieces: Table::new(slots),
        }
    }

    fn table(&self, key: u64) -> &Table {
        if key >> 60 == u64::from(ANSWER_KIND) {
            &self.answers
        } else {
            &self.pieces
        }
    }

    /// The fragment stored under `key`, if it is still true at `now`.
    pub(crate) fn get(&self, key: u64, now: Timestamp) -> Option<Arc<Fragment>> {
        self.table(key).get(key, now)
    }

    pub(crate) fn put(&self, f: Fragment) {
        self.put_arc(Arc::new(f));
    }

    /// Stores `f` (see [`Table::put_arc`]).
    pub(crate) fn put_arc(&self, f: Arc<Fragment>) {
        self.table(f.key).put_arc(f);
    }
}

/// A lock-free, 4-way set-associative table of fragments.
#[derive(Debug)]
struct Table {
    /// The slots in sets of [`WAYS`]: a set is one cache line, so a lookup reads its keys
    /// and the fragment's address from one line before it touches the fragment. Four ways
    /// rather than two: with keys for a third of the slots (the RDAP bench's 20,736
    /// networks in 65,536 slots), 4.9 % of them find no slot in a pair (and thrash there,
    /// each miss a render), 0.9 % none in a set of four.
    sets: Box<[Set]>,
    /// Admission filter: one bit per hashed key. A fragment that may displace another is
    /// stored only when its key was seen once before, so that keys asked once do not push
    /// out the ones asked often.
    seen: Box<[AtomicU64]>,
}

/// Slots per set.
const WAYS: usize = 4;

/// A set of slots, 64 bytes, one cache line.
#[derive(Debug, Default)]
#[repr(C, align(64))]
struct Set([Slot; WAYS]);

#[derive(Debug, Default)]
struct Slot {
    /// The key of the fragment in the slot (0: empty), for probing without touching the
    /// fragment.
    key: AtomicU64,
    frag: ArcSwapOption<Fragment>,
}

/// Lets `Bytes` share an `Arc<str>`.
struct SharedText(Arc<str>);

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl Fragment {
    /// A fragment of `text`, with its bytes sharing the text.
    pub(crate) fn new(
        key: u64,
        valid_until: Timestamp,
        text: Arc<str>,
        ext: Ext,
        redactions: Vec<Redaction>,
    ) -> Fragment {
        Fragment {
            key,
            valid_until,
            hash: 0,
            personal: false,
            json: Bytes::from_owner(SharedText(text.clone())),
            parts: Parts::Inline(0, Default::default()),
            parts_len: 0,
            text,
            ext,
            redactions,
        }
    }

    /// The length of the body `parts` make.
    pub(crate) fn parts_len(&self) -> usize {
        self.parts_len
    }

    /// See `parts`.
    pub(crate) fn parts(&self) -> &[Bytes] {
        match &self.parts {
            Parts::Inline(n, p) => &p[..usize::from(*n)],
            Parts::Heap(p) => p,
        }
    }

    /// Sets `parts` (and their length).
    pub(crate) fn set_parts(&mut self, parts: Vec<Bytes>) {
        self.parts_len = parts.iter().map(Bytes::len).sum();
        self.parts = if parts.len() <= INLINE_PARTS {
            let n = parts.len() as u8; // at most INLINE_PARTS
            let mut inline: [Bytes; INLINE_PARTS] = Default::default();
            for (slot, p) in inline.iter_mut().zip(parts) {
                *slot = p;
            }
            Parts::Inline(n, inline)
        } else {
            Parts::Heap(parts.into_boxed_slice())
        };
    }

    /// The JSON text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }
}

impl Table {
    fn new(slots: usize) -> Table {
        let n = if slots == 0 {
            0
        } else {
            slots.next_power_of_two().max(WAYS)
        };
        Table {
            sets: (0..n / WAYS).map(|_| Set::default()).collect(),
            seen: (0..(4 * n).div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// Marks `hash` as seen; whether it had been seen before (the bit is then cleared).
    fn seen_before(&self, hash: u64) -> bool {
        if self.seen.is_empty() {
            return true;
        }
        let bit = (hash >> 20) as usize % (self.seen.len() * 64);
        let (word, mask) = (&self.seen[bit / 64], 1u64 << (bit % 64));
        if word.load(Ordering::Relaxed) & mask != 0 {
            word.fetch_and(!mask, Ordering::Relaxed);
            true
        } else {
            word.fetch_or(mask, Ordering::Relaxed);
            false
        }
    }

    fn hash(key: u64) -> u64 {
        // MurmurHash3's finalizer: every bit of the key moves every bit of the slot, so
        // fragments of different kinds for the same index do not share a slot.
        let mut h = key;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }

    /// The set of slots a key may live in.
    fn set(&self, key: u64) -> Option<&Set> {
        (!self.sets.is_empty())
            .then(|| &self.sets[Self::hash(key) as usize & (self.sets.len() - 1)])
    }

    /// The fragment stored under `key`, if it is still true at `now`.
    fn get(&self, key: u64, now: Timestamp) -> Option<Arc<Fragment>> {
        let set = self.set(key)?;
        for slot in &set.0 {
            if slot.key.load(Ordering::Acquire) != key {
                continue;
            }
            let guard = slot.frag.load();
            if let Some(frag) = guard.as_ref()
                && frag.key == key
            {
                return (now < frag.valid_until).then(|| frag.clone());
            }
        }
        None
    }

    /// Stores `f` in the slot that holds its key, else in a free one; else, when its key
    /// was seen before, in one of the set's slots at random (replacing what was there).
    fn put_arc(&self, f: Arc<Fragment>) {
        let Some(set) = self.set(f.key) else {
            return;
        };
        let key = f.key;
        let holding = |k: u64| set.0.iter().find(|s| s.key.load(Ordering::Relaxed) == k);
        let slot = match holding(key).or_else(|| holding(0)) {
            Some(slot) => slot,
            None if self.seen_before(Self::hash(key)) => &set.0[fastrand::usize(..WAYS)],
            None => return,
        };
        slot.frag.store(Some(f));
        slot.key.store(key, Ordering::Release);
    }
}

/// Fragment keys: `kind (4 bits) | flags (12 bits) | unused | index (32 bits)`.
pub(crate) fn fragment_key(kind: u8, flags: u16, index: u32) -> u64 {
    (u64::from(kind) << 60) | (u64::from(flags & 0xfff) << 48) | u64::from(index)
}

/// The state kept beside one registry.
#[derive(Debug)]
pub(crate) struct PerRegistry {
    /// Keeps the registry's allocation, so its address is never reused while we compare.
    reg: Weak<Registry>,
    index: OnceLock<Arc<ReverseIndex>>,
    pub(crate) fragments: Fragments,
}

impl PerRegistry {
    /// The reverse-link index, built on first use.
    pub(crate) fn index(&self, reg: &Registry) -> Arc<ReverseIndex> {
        self.index
            .get_or_init(|| Arc::new(ReverseIndex::build(reg)))
            .clone()
    }
}

/// The state of the current registry.
#[derive(Debug)]
pub(crate) struct RegistryCache {
    slot: ArcSwapOption<PerRegistry>,
    /// Slots of each registry's fragment table (0: no fragment cache).
    fragment_slots: usize,
}

impl RegistryCache {
    pub(crate) fn new(fragment_slots: usize) -> RegistryCache {
        RegistryCache {
            slot: ArcSwapOption::empty(),
            fragment_slots,
        }
    }

    /// Runs `f` on the state kept beside `reg` (new if `reg` is not the registry it was
    /// kept for). The state is borrowed, not counted: no shared counter is written.
    pub(crate) fn with<R>(&self, reg: &Arc<Registry>, f: impl FnOnce(&PerRegistry) -> R) -> R {
        {
            let current = self.slot.load();
            if let Some(s) = current.as_ref()
                && std::ptr::eq(s.reg.as_ptr(), Arc::as_ptr(reg))
            {
                return f(s);
            }
        }
        f(&self.get(reg))
    }

    /// The state kept beside `reg` (new if `reg` is not the registry it was kept for).
    pub(crate) fn get(&self, reg: &Arc<Registry>) -> Arc<PerRegistry> {
        if let Some(s) = self.slot.load_full()
            && std::ptr::eq(s.reg.as_ptr(), Arc::as_ptr(reg))
        {
            return s;
        }
        let s = Arc::new(PerRegistry {
            reg: Arc::downgrade(reg),
            index: OnceLock::new(),
            fragments: Fragments::new(self.fragment_slots),
        });
        self.slot.store(Some(s.clone()));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fragment of `text` under `key`, true until `until`.
    fn frag(key: u64, until: Timestamp, text: &str) -> Fragment {
        Fragment::new(key, until, text.into(), Ext::default(), Vec::new())
    }

    #[test]
    fn kinds_of_the_same_index_spread_over_slots() {
        let f = Table::new(1 << 14);
        let slot = |k: u64| f.set(k).map_or(0, |p| std::ptr::from_ref(p) as usize);
        for i in [0u32, 1, 77, 5000] {
            let slots: std::collections::HashSet<usize> = (1..=4u8)
                .flat_map(|kind| (0..4u16).map(move |flags| fragment_key(kind, flags, i)))
                .map(slot)
                .collect();
            assert!(
                slots.len() >= 14,
                "{i}: {} distinct slots of 16",
                slots.len()
            );
        }
    }

    #[test]
    fn fragments_expire_and_collide_safely() {
        let f = Fragments::new(4);
        let k1 = fragment_key(1, 0, 7);
        f.put(frag(k1, 100, "{}"));
        assert!(f.get(k1, 99).is_some());
        // A full set of slots admits a new key on its second offer.
        let full = Fragments::new(WAYS);
        for i in 1..=WAYS as u32 {
            full.put(frag(fragment_key(1, 0, i), 100, "x"));
        }
        let k5 = fragment_key(1, 0, 5);
        full.put(frag(k5, 100, "x"));
        assert!(full.get(k5, 0).is_none(), "first offer refused");
        full.put(frag(k5, 100, "x"));
        assert!(full.get(k5, 0).is_some(), "second offer admitted");
        // A key stored again replaces itself, wherever it is.
        let again = fragment_key(1, 0, 9);
        let one = Fragments::new(WAYS);
        one.put(frag(fragment_key(1, 0, 8), 100, "x"));
        one.put(frag(again, 100, "x"));
        one.put(frag(again, 200, "y"));
        one.put(frag(fragment_key(1, 0, 10), 100, "x"));
        one.put(frag(fragment_key(1, 0, 11), 100, "x"));
        assert_eq!(
            one.get(again, 150).map(|f| f.json.clone()),
            Some("y".into())
        );
        assert!(
            one.get(fragment_key(1, 0, 11), 0).is_some(),
            "the copy took no slot"
        );
        assert!(f.get(k1, 100).is_none(), "expired");
        assert!(f.get(fragment_key(1, 1, 7), 0).is_none(), "another key");
        assert_ne!(fragment_key(1, 0, 7), fragment_key(2, 0, 7));
        assert_ne!(fragment_key(1, 0, 7), fragment_key(1, 0, 8));
        let off = Fragments::new(0);
        off.put(frag(k1, 100, "{}"));
        assert!(off.get(k1, 0).is_none(), "a zero-sized cache keeps nothing");
    }

    /// Keys for a third of the slots, each offered twice: all but about 1 % find a slot
    /// (with two ways, about 5 % would not).
    #[test]
    fn sets_of_four_keep_nearly_every_key() {
        let t = Table::new(4096);
        let keys: Vec<u64> = (0..1365).map(|i| fragment_key(1, 0, i)).collect();
        for _ in 0..2 {
            for &k in &keys {
                t.put_arc(Arc::new(frag(k, 100, "x")));
            }
        }
        let kept = keys.iter().filter(|&&k| t.get(k, 0).is_some()).count();
        assert!(
            kept * 100 >= keys.len() * 98,
            "{kept} of {} kept",
            keys.len()
        );
    }
}
