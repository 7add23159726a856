//! The fixed-size snapshot header, little-endian, checked field by field on open.

use std::path::Path;

use super::SnapshotError;
use super::schema::SnapshotData;
use crate::model::{SourceFormat, Timestamp};

/// The first eight bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"RIRWHOIS";
/// Bumped on any incompatible change of the header or the archive layout.
/// 3: orgs, POCs and networks in up to [`CHUNKS`] sections each; published handles of linked
/// references left empty.
pub const FORMAT_VERSION: u32 = 3;
/// Header size; a multiple of 16 so the sections that follow are 16-byte aligned.
pub const HEADER_LEN: usize = 1360;
/// Sections a large table (orgs, POCs, networks) is split into at most, so that opening can
/// check them on every core.
pub const CHUNKS: usize = 16;
/// Number of section slots after the header: the six of format 2 (metadata and small
/// tables, the first chunk of orgs, of POCs and of networks, prefix tables, search keys), then
/// chunks 1 to [`CHUNKS`]` - 1` of orgs, of POCs and of networks. A slot a registry does not
/// need is an empty section at the end of the file.
pub const SECTIONS: usize = 6 + 3 * (CHUNKS - 1);
/// The fewest objects a chunk holds (a power of two): small registries have one chunk.
const MIN_CHUNK_SHIFT: u32 = 12;

const _: () = assert!(HEADER_LEN.is_multiple_of(16));
/// Where the section table starts in the header.
const SECTION_TABLE: usize = 128;
const _: () = assert!(SECTION_TABLE + SECTIONS * 24 + 8 <= HEADER_LEN);

/// The large tables, in the order of [`chunk_slot`].
pub(super) const CHUNKED_ORGS: usize = 0;
pub(super) const CHUNKED_POCS: usize = 1;
pub(super) const CHUNKED_NETS: usize = 2;

/// Objects per chunk, as a shift: the smallest power of two (at least 2^12) that splits
/// `count` objects into at most [`CHUNKS`] chunks. Object `i` is in chunk `i >> shift`.
pub(super) fn chunk_shift(count: u64) -> u32 {
    let per = count.div_ceil(CHUNKS as u64).max(1);
    per.next_power_of_two()
        .trailing_zeros()
        .max(MIN_CHUNK_SHIFT)
}

/// How many chunks hold `count` objects (one, empty, for none).
pub(super) fn chunk_count(count: u64) -> usize {
    (count.div_ceil(1u64 << chunk_shift(count)) as usize).max(1)
}

/// The slot of chunk `k` of a large table ([`CHUNKED_ORGS`], [`CHUNKED_POCS`] or
/// [`CHUNKED_NETS`]).
pub(super) const fn chunk_slot(table: usize, k: usize) -> usize {
    if k == 0 {
        1 + table
    } else {
        6 + table * (CHUNKS - 1) + (k - 1)
    }
}

/// A hash of the archived types' source: a file built with other types is refused.
pub fn schema_hash() -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(include_str!("../model/mod.rs").as_bytes());
    h.update(include_str!("schema.rs").as_bytes());
    h.digest()
}

/// The decoded header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: u32,
    pub schema_hash: u64,
    pub serial: u64,
    pub created_at: Timestamp,
    pub orgs: u64,
    pub pocs: u64,
    pub nets: u64,
    pub asns: u64,
    pub delegations: u64,
    pub validations: u64,
    pub prefixes: u64,
    /// Bytes of all sections with their padding (the file minus the header).
    pub archive_len: u64,
    /// xxh3-64 over the section checksums: one value that changes with any section.
    pub checksum: u64,
    pub main_format: SourceFormat,
    pub sections: [Section; SECTIONS],
}

/// Where one section lies in the file, and its checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Section {
    /// Offset from the start of the file, a multiple of 16.
    pub offset: u64,
    pub len: u64,
    /// xxh3-64 of the section's bytes.
    pub checksum: u64,
}

/// The checksum of a section: xxh3-64 (SIMD chosen at run time, the same value as
/// `xxhash_rust::xxh3::xxh3_64`).
pub(super) fn checksum(bytes: &[u8]) -> u64 {
    twox_hash::XxHash3_64::oneshot(bytes)
}

/// The combined checksum of a section table.
pub(super) fn combined(sections: &[Section; SECTIONS]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for s in sections {
        h.update(&s.checksum.to_le_bytes());
    }
    h.digest()
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[self.at..self.at + N]);
        self.at += N;
        out
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
}

impl Header {
    pub(super) fn new(data: &SnapshotData, sections: [Section; SECTIONS]) -> Header {
        let db = &data.db;
        let end = sections.iter().map(|s| s.offset + s.len).max().unwrap_or(0);
        Header {
            version: FORMAT_VERSION,
            schema_hash: schema_hash(),
            serial: data.meta.serial,
            created_at: data.meta.created_at,
            orgs: db.orgs.len() as u64,
            pocs: db.pocs.len() as u64,
            nets: db.nets.len() as u64,
            asns: db.asns.len() as u64,
            delegations: db.delegations.len() as u64,
            validations: db.validations.len() as u64,
            prefixes: (data.prefixes_v4.len() + data.prefixes_v6.len()) as u64,
            archive_len: end.saturating_sub(HEADER_LEN as u64),
            checksum: combined(&sections),
            main_format: data.meta.main_format,
            sections,
        }
    }

    pub(super) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = Vec::with_capacity(HEADER_LEN);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&(HEADER_LEN as u32).to_le_bytes());
        for v in [
            self.schema_hash,
            self.serial,
            self.created_at as u64,
            self.orgs,
            self.pocs,
            self.nets,
            self.asns,
            self.delegations,
            self.validations,
            self.prefixes,
            self.archive_len,
            self.checksum,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.push(match self.main_format {
            SourceFormat::ArinXml => 0,
            SourceFormat::Rpsl => 1,
        });
        out.resize(SECTION_TABLE, 0);
        for s in &self.sections {
            for v in [s.offset, s.len, s.checksum] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.resize(HEADER_LEN - 8, 0);
        let sum = xxhash_rust::xxh3::xxh3_64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        let mut fixed = [0u8; HEADER_LEN];
        fixed.copy_from_slice(&out);
        fixed
    }

    /// Decodes a header without checking it (the bytes must be `HEADER_LEN` long).
    pub(super) fn decode(bytes: &[u8]) -> Option<Header> {
        if bytes.len() < HEADER_LEN {
            return None;
        }
        let mut c = Cursor { bytes, at: 8 };
        let version = c.u32();
        let _header_len = c.u32();
        Some(Header {
            version,
            schema_hash: c.u64(),
            serial: c.u64(),
            created_at: c.u64() as i64,
            orgs: c.u64(),
            pocs: c.u64(),
            nets: c.u64(),
            asns: c.u64(),
            delegations: c.u64(),
            validations: c.u64(),
            prefixes: c.u64(),
            archive_len: c.u64(),
            checksum: c.u64(),
            main_format: if bytes[c.at] == 1 {
                SourceFormat::Rpsl
            } else {
                SourceFormat::ArinXml
            },
            sections: {
                let mut t = Cursor {
                    bytes,
                    at: SECTION_TABLE,
                };
                let mut sections = [Section::default(); SECTIONS];
                for s in &mut sections {
                    *s = Section {
                        offset: t.u64(),
                        len: t.u64(),
                        checksum: t.u64(),
                    };
                }
                sections
            },
        })
    }

    /// Checks the header of a whole file's bytes: magic, version, header checksum, schema
    /// and length. The archive checksum is the caller's.
    pub(super) fn check(bytes: &[u8], path: &Path) -> Result<Header, SnapshotError> {
        let path_buf = || path.to_path_buf();
        let len = bytes.len() as u64;
        let magic_len = bytes.len().min(MAGIC.len());
        if bytes[..magic_len] != MAGIC[..magic_len] {
            return Err(SnapshotError::NotSnapshot { path: path_buf() });
        }
        if bytes.len() < HEADER_LEN {
            return Err(SnapshotError::Truncated {
                path: path_buf(),
                len,
                needed: HEADER_LEN as u64,
            });
        }
        let header = Header::decode(bytes).ok_or_else(|| SnapshotError::Truncated {
            path: path_buf(),
            len,
            needed: HEADER_LEN as u64,
        })?;
        if header.version != FORMAT_VERSION {
            return Err(SnapshotError::Version {
                path: path_buf(),
                found: header.version,
                expected: FORMAT_VERSION,
            });
        }
        let sum = xxhash_rust::xxh3::xxh3_64(&bytes[..HEADER_LEN - 8]);
        let stored = u64::from_le_bytes(
            bytes[HEADER_LEN - 8..HEADER_LEN]
                .try_into()
                .unwrap_or([0; 8]),
        );
        if sum != stored {
            return Err(SnapshotError::HeaderCorrupt { path: path_buf() });
        }
        if header.schema_hash != schema_hash() {
            return Err(SnapshotError::Schema {
                path: path_buf(),
                found: header.schema_hash,
                expected: schema_hash(),
            });
        }
        for sec in &header.sections {
            let end = sec.offset.checked_add(sec.len);
            if sec.offset < HEADER_LEN as u64 || sec.offset % 16 != 0 || end.is_none() {
                return Err(SnapshotError::HeaderCorrupt { path: path_buf() });
            }
            if end.is_some_and(|e| e > len) {
                return Err(SnapshotError::Length {
                    path: path_buf(),
                    len,
                    expected: end.unwrap_or(u64::MAX),
                    what: "truncated",
                });
            }
        }
        let expected = (HEADER_LEN as u64).saturating_add(header.archive_len);
        if len != expected {
            return Err(SnapshotError::Length {
                path: path_buf(),
                len,
                expected,
                what: if len < expected {
                    "truncated"
                } else {
                    "trailing bytes after the archive"
                },
            });
        }
        Ok(header)
    }
}
