//! Memory for the address indexes, backed by huge pages where Linux gives them.

/// Zeroed bytes in a mapping of their own, which Linux is asked to back with huge pages:
/// the lookups read the buckets and intervals at random, and with 4 KiB pages nearly every
/// read also missed the TLB (measured: IPv4 lookups of addresses inside nets about 30 %
/// faster with huge pages). On the heap if the mapping fails.
pub(super) enum Pages {
    Map(memmap2::MmapMut, usize),
    Heap(Box<[u8]>),
}

impl Pages {
    pub(super) fn new(len: usize) -> Pages {
        match memmap2::MmapMut::map_anon(len) {
            Ok(map) if len > 0 => {
                // Only advice: without huge pages it works the same, slower.
                #[cfg(target_os = "linux")]
                let _ = map.advise(memmap2::Advice::HugePage);
                Pages::Map(map, len)
            }
            _ => Pages::Heap(vec![0; len].into_boxed_slice()),
        }
    }

    /// Keeps the first `len` bytes in use (the mapping stays as it is).
    pub(super) fn truncate(&mut self, len: usize) {
        match self {
            Pages::Map(_, used) => *used = (*used).min(len),
            Pages::Heap(b) => *b = b[..len.min(b.len())].into(),
        }
    }

    #[inline]
    pub(super) fn bytes(&self) -> &[u8] {
        match self {
            Pages::Map(m, used) => &m[..*used],
            Pages::Heap(b) => b,
        }
    }

    pub(super) fn bytes_mut(&mut self) -> &mut [u8] {
        match self {
            Pages::Map(m, used) => &mut m[..*used],
            Pages::Heap(b) => b,
        }
    }
}
