//! The snapshot file: a self-describing header followed by 16-byte-aligned rkyv archives of
//! the linked registry, written atomically and mapped back with memmap2.
//!
//! Layout: [`HEADER_LEN`] bytes of header (magic, format version, schema hash, source serial,
//! created-at, object counts, archive length, combined checksum, a table of [`SECTIONS`]
//! sections with offset, length and checksum each, header checksum), then the sections, each
//! an independent 16-byte-aligned rkyv archive: metadata and small tables, orgs, POCs,
//! networks, prefix tables, search keys. Orgs, POCs and networks are split into up to
//! [`CHUNKS`] sections each (a power of two of objects per chunk, derived from the count), so
//! that opening keeps both cores busy. Opening checks every header field, then every
//! section's checksum, rkyv validation (checked access) and the references it holds
//! (`references`), on two threads taking sections largest first, and builds the caller's
//! indexes from the prefix section as soon as that has passed; then the table lengths and
//! the network hierarchy. Queries then read the archive without further checks.

mod build;
mod header;
mod references;
mod schema;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use rkyv::util::AlignedVec;

pub use self::build::{build, fold};
pub use self::header::{
    CHUNKS, FORMAT_VERSION, HEADER_LEN, Header, MAGIC, SECTIONS, Section, schema_hash,
};
pub use self::schema::{
    ArchivedKey, ArchivedKeys, ArchivedMeta, ArchivedPrefixEntry, ArchivedPrefixes, ArchivedSmall,
    KEY_DBA, KEY_HANDLE, KEY_NAME, Key, Keys, Meta, PrefixEntry, Prefixes, Small, SnapshotData,
};
use crate::model::{
    ArchivedAsn, ArchivedDelegation, ArchivedNet, ArchivedOrg, ArchivedPoc,
    ArchivedValidationRecord,
};
use rkyv::vec::ArchivedVec;

/// Why a snapshot could not be written or opened. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: truncated: the file has {len} bytes, {needed} needed")]
    Truncated {
        path: PathBuf,
        len: u64,
        needed: u64,
    },
    #[error("{path}: not a rirwhois snapshot (no RIRWHOIS magic at the start)")]
    NotSnapshot { path: PathBuf },
    #[error(
        "{path}: snapshot format version {found}, this build reads version {expected}; recompile it with this rirwhois"
    )]
    Version {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("{path}: header is corrupted (header checksum mismatch)")]
    HeaderCorrupt { path: PathBuf },
    #[error(
        "{path}: written by a build with another schema (hash {found:016x}, this build {expected:016x}); recompile it with this rirwhois"
    )]
    Schema {
        path: PathBuf,
        found: u64,
        expected: u64,
    },
    #[error("{path}: file is {len} bytes but the header says {expected}: {what}")]
    Length {
        path: PathBuf,
        len: u64,
        expected: u64,
        what: &'static str,
    },
    #[error("{path}: archive failed validation: {detail}")]
    Invalid { path: PathBuf, detail: String },
    #[error("{path}: cannot serialize the registry: {detail}")]
    Serialize { path: PathBuf, detail: String },
}

enum Backing {
    Map(Mmap),
    Owned(AlignedVec<16>),
}

/// An opened, validated snapshot.
pub struct Snapshot {
    backing: Backing,
    header: Header,
    /// The chunk sections of orgs, POCs and nets, in order (the first `chunks[t]` of each).
    chunk_table: [[Section; CHUNKS]; 3],
    chunks: [usize; 3],
    path: PathBuf,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("path", &self.path)
            .field("header", &self.header)
            .finish()
    }
}

/// A serialized snapshot: header and sections, ready to be written.
pub struct Encoded {
    pub header: Header,
    sections: Vec<AlignedVec<16>>,
}

fn to_section<T>(value: &T, path: &Path) -> Result<AlignedVec<16>, SnapshotError>
where
    T: for<'a> rkyv::Serialize<
            rkyv::api::high::HighSerializer<
                AlignedVec<16>,
                rkyv::ser::allocator::ArenaHandle<'a>,
                rkyv::rancor::Error,
            >,
        >,
{
    rkyv::to_bytes::<rkyv::rancor::Error>(value).map_err(|e| SnapshotError::Serialize {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

/// A slice archived as a `Vec`: one chunk of a large table, serialized without a copy.
struct Chunk<'a, T>(&'a [T]);

impl<T: rkyv::Archive> rkyv::Archive for Chunk<'_, T> {
    type Archived = ArchivedVec<T::Archived>;
    type Resolver = rkyv::vec::VecResolver;

    fn resolve(&self, resolver: Self::Resolver, out: rkyv::Place<Self::Archived>) {
        ArchivedVec::resolve_from_slice(self.0, resolver, out);
    }
}

impl<T, S> rkyv::Serialize<S> for Chunk<'_, T>
where
    T: rkyv::Serialize<S>,
    S: rkyv::rancor::Fallible + rkyv::ser::Allocator + rkyv::ser::Writer + ?Sized,
{
    fn serialize(&self, serializer: &mut S) -> Result<Self::Resolver, S::Error> {
        ArchivedVec::<T::Archived>::serialize_from_slice(self.0, serializer)
    }
}

/// Serializes the chunks of a large table into their slots.
fn chunk_sections<T>(
    objects: &[T],
    table: usize,
    slots: &mut [Option<AlignedVec<16>>],
    path: &Path,
) -> Result<(), SnapshotError>
where
    T: for<'a> rkyv::Serialize<
            rkyv::api::high::HighSerializer<
                AlignedVec<16>,
                rkyv::ser::allocator::ArenaHandle<'a>,
                rkyv::rancor::Error,
            >,
        >,
{
    let per = 1usize << header::chunk_shift(objects.len() as u64);
    for k in 0..header::chunk_count(objects.len() as u64) {
        let part = &objects[(k * per).min(objects.len())..((k + 1) * per).min(objects.len())];
        slots[header::chunk_slot(table, k)] = Some(to_section(&Chunk(part), path)?);
    }
    Ok(())
}

/// Serializes `data` into its sections. The caller may drop `data` before writing.
pub fn serialize(data: &SnapshotData, path: &Path) -> Result<Encoded, SnapshotError> {
    let small = Small {
        meta: data.meta.clone(),
        asns: data.db.asns.clone(),
        delegations: data.db.delegations.clone(),
        validations: data.db.validations.clone(),
        top_nets: data.top_nets.clone(),
        asn_order: data.asn_order.clone(),
    };
    let prefixes = Prefixes {
        v4: data.prefixes_v4.clone(),
        v6: data.prefixes_v6.clone(),
    };
    let keys = Keys {
        handles: data.handles.clone(),
        names: data.names.clone(),
    };
    // Slots: SMALL, ORGS, POCS, NETS (their first chunks), PREFIXES, KEYS, then the further
    // chunks of orgs, POCs and nets; a slot not needed holds an empty section.
    let mut slots: Vec<Option<AlignedVec<16>>> = (0..SECTIONS).map(|_| None).collect();
    slots[SMALL] = Some(to_section(&small, path)?);
    slots[PREFIXES] = Some(to_section(&prefixes, path)?);
    slots[KEYS] = Some(to_section(&keys, path)?);
    chunk_sections(&data.db.orgs, header::CHUNKED_ORGS, &mut slots, path)?;
    chunk_sections(&data.db.pocs, header::CHUNKED_POCS, &mut slots, path)?;
    chunk_sections(&data.db.nets, header::CHUNKED_NETS, &mut slots, path)?;
    let sections: Vec<AlignedVec<16>> = slots.into_iter().map(Option::unwrap_or_default).collect();
    let mut table = [Section::default(); SECTIONS];
    let mut offset = HEADER_LEN as u64;
    for (entry, bytes) in table.iter_mut().zip(&sections) {
        *entry = Section {
            offset,
            len: bytes.len() as u64,
            checksum: header::checksum(bytes),
        };
        offset = (offset + bytes.len() as u64).next_multiple_of(16);
    }
    Ok(Encoded {
        header: Header::new(data, table),
        sections,
    })
}

impl Encoded {
    fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(&self.header.encode())?;
        let mut at = HEADER_LEN as u64;
        for (entry, bytes) in self.header.sections.iter().zip(&self.sections) {
            let pad = (entry.offset - at) as usize;
            out.write_all(&[0u8; 16][..pad])?;
            out.write_all(bytes)?;
            at = entry.offset + entry.len;
        }
        let end = HEADER_LEN as u64 + self.header.archive_len;
        out.write_all(&[0u8; 16][..(end - at) as usize])?;
        Ok(())
    }
}

/// Serializes `data` into the bytes of a snapshot file.
pub fn encode(data: &SnapshotData, path: &Path) -> Result<Vec<u8>, SnapshotError> {
    let e = serialize(data, path)?;
    let mut out = Vec::with_capacity(HEADER_LEN + e.header.archive_len as usize);
    e.write_to(&mut out).map_err(|source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(out)
}

/// Writes a snapshot atomically: to a temporary file beside `path`, fsynced, then renamed
/// over `path`. On any error the temporary file is removed and `path` is left untouched.
pub fn write(data: &SnapshotData, path: &Path) -> Result<Header, SnapshotError> {
    write_encoded(&serialize(data, path)?, path)
}

/// Writes a serialized snapshot atomically (see [`write`]).
pub fn write_encoded(encoded: &Encoded, path: &Path) -> Result<Header, SnapshotError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::io::BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        encoded.write_to(&mut f)?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(source) = result {
        let _ = fs::remove_file(&tmp);
        return Err(SnapshotError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    Ok(encoded.header.clone())
}

/// Rewrites the section checksums and the header checksums of snapshot bytes so that they
/// match the bytes as they are, and returns whether there was a header to rewrite. For tests
/// and the fuzzer only: it lets altered section contents reach the rkyv validation and the
/// reference checks behind the checksums. Sections that lie outside the bytes are left alone.
#[doc(hidden)]
pub fn reseal(bytes: &mut [u8]) -> bool {
    let Some(mut header) = Header::decode(bytes) else {
        return false;
    };
    for s in &mut header.sections {
        let (Ok(start), Some(Ok(end))) = (
            usize::try_from(s.offset),
            s.offset.checked_add(s.len).map(usize::try_from),
        ) else {
            continue;
        };
        if let Some(b) = bytes.get(start..end) {
            s.checksum = header::checksum(b);
        }
    }
    header.checksum = header::combined(&header.sections);
    bytes[..HEADER_LEN].copy_from_slice(&header.encode());
    true
}

/// The archived registry: references into the sections of a validated snapshot.
#[derive(Clone, Copy)]
pub struct Data<'a> {
    pub meta: &'a ArchivedMeta,
    pub db: Db<'a>,
    pub prefixes_v4: &'a ArchivedVec<ArchivedPrefixEntry>,
    pub prefixes_v6: &'a ArchivedVec<ArchivedPrefixEntry>,
    pub top_nets: &'a ArchivedVec<rkyv::rend::u32_le>,
    pub asn_order: &'a ArchivedVec<rkyv::rend::u32_le>,
    pub handles: &'a ArchivedVec<ArchivedKey>,
    pub names: &'a ArchivedVec<ArchivedKey>,
}

/// The object tables.
#[derive(Clone, Copy)]
pub struct Db<'a> {
    pub orgs: Table<'a, ArchivedOrg>,
    pub pocs: Table<'a, ArchivedPoc>,
    pub nets: Table<'a, ArchivedNet>,
    pub asns: &'a ArchivedVec<ArchivedAsn>,
    pub delegations: &'a ArchivedVec<ArchivedDelegation>,
    pub validations: &'a ArchivedVec<ArchivedValidationRecord>,
}

/// A large table stored in chunks (sections holding `2^shift` objects each, the last one
/// fewer), read like a slice: `len`, `get`, `[i]`, `iter`.
pub struct Table<'a, T> {
    bytes: &'a [u8],
    /// The table's chunk sections, in order.
    chunks: &'a [Section],
    shift: u32,
    len: usize,
    _objects: std::marker::PhantomData<&'a [T]>,
}

impl<T> Clone for Table<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Table<'_, T> {}

impl<'a, T: rkyv::Portable> Table<'a, T> {
    /// Number of objects.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The archived vector of chunk `k`.
    #[inline]
    pub fn chunk(&self, k: usize) -> &'a ArchivedVec<T> {
        let s = self.chunks[k];
        // SAFETY: a `Table<T>` is only made by `Snapshot::data` over the chunk sections of
        // the one table whose archived type is `T` (`table_of`), after `check` validated
        // each of them as an `ArchivedVec<T>` (`check_section`, same pairing) and checked
        // that chunk `k` holds objects `k << shift ..` of the `len`; the bytes are immutable
        // for `'a` (a read-only private map, or an owned buffer).
        unsafe {
            rkyv::access_unchecked::<ArchivedVec<T>>(
                &self.bytes[s.offset as usize..(s.offset + s.len) as usize],
            )
        }
    }

    /// The chunks, in order.
    pub fn chunks(&self) -> impl Iterator<Item = &'a ArchivedVec<T>> + use<'a, T> {
        let t = *self;
        (0..self.chunks.len()).map(move |k| t.chunk(k))
    }

    /// Object `i`, if there is one.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a T> {
        if i >= self.len {
            return None;
        }
        self.chunk(i >> self.shift)
            .as_slice()
            .get(i & ((1usize << self.shift) - 1))
    }

    /// Object `i`, borrowed for as long as the snapshot (`[i]` borrows the table).
    ///
    /// # Panics
    /// If `i` is out of range, like slice indexing.
    #[inline]
    pub fn at(&self, i: usize) -> &'a T {
        match self.get(i) {
            Some(x) => x,
            None => panic!("index {i} out of range for a table of {}", self.len),
        }
    }

    /// Every object, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a T> + use<'a, T> {
        self.chunks().flat_map(|c| c.as_slice().iter())
    }
}

impl<T: rkyv::Portable> std::ops::Index<usize> for Table<'_, T> {
    type Output = T;

    #[inline]
    fn index(&self, i: usize) -> &T {
        self.at(i)
    }
}

const SMALL: usize = 0;
const ORGS: usize = 1;
const POCS: usize = 2;
const NETS: usize = 3;
const PREFIXES: usize = 4;
const KEYS: usize = 5;

const _: () = assert!(header::chunk_slot(header::CHUNKED_ORGS, 0) == ORGS);
const _: () = assert!(header::chunk_slot(header::CHUNKED_POCS, 0) == POCS);
const _: () = assert!(header::chunk_slot(header::CHUNKED_NETS, 0) == NETS);

/// Which large table a section slot holds a chunk of, and which chunk.
fn chunk_of(slot: usize) -> Option<(usize, usize)> {
    match slot {
        ORGS..=NETS => Some((slot - ORGS, 0)),
        SMALL | PREFIXES | KEYS => None,
        _ => Some(((slot - 6) / (CHUNKS - 1), (slot - 6) % (CHUNKS - 1) + 1)),
    }
}

/// What went wrong with one section.
enum Fault {
    /// The checksum does not match.
    Checksum(String),
    /// rkyv validation failed.
    Invalid(String),
    /// A chunk holds another number of objects (given) than the header says.
    Length(usize),
    /// A reference does not fit.
    Reference(String),
}

/// Checks one section: checksum, then rkyv validation of its root type, then the
/// references it holds (against the header's counts). The object count of a chunk, 0 for
/// the other sections.
fn check_section(
    slot: usize,
    bytes: &[u8],
    header: &Header,
    counts: &references::Counts,
    forest: &references::Forest,
) -> Result<usize, Fault> {
    let expected = header.sections[slot].checksum;
    let found = header::checksum(bytes);
    if found != expected {
        return Err(Fault::Checksum(format!(
            "checksum {found:016x}, header says {expected:016x}"
        )));
    }
    if let Some((table, k)) = chunk_of(slot) {
        let count = match table {
            header::CHUNKED_ORGS => header.orgs,
            header::CHUNKED_POCS => header.pocs,
            _ => header.nets,
        };
        let shift = header::chunk_shift(count);
        let first = (k as u64) << shift;
        let want = count.saturating_sub(first).min(1 << shift) as usize;
        let first = first as usize;
        return match table {
            header::CHUNKED_ORGS => {
                check_chunk::<ArchivedOrg>(bytes, want, |v| references::orgs(v, first, counts))
            }
            header::CHUNKED_POCS => {
                check_chunk::<ArchivedPoc>(bytes, want, |v| references::pocs(v, first, counts))
            }
            _ => check_chunk::<ArchivedNet>(bytes, want, |v| {
                references::nets(v, first, counts, forest)
            }),
        };
    }
    match slot {
        SMALL => references::small(checked(bytes)?, counts),
        PREFIXES => references::prefixes(checked(bytes)?, counts),
        _ => references::keys(checked(bytes)?, counts),
    }
    .map_err(Fault::Reference)?;
    Ok(0)
}

/// The validator of rkyv's checked access.
type Validator<'a> = rkyv::api::high::HighValidator<'a, rkyv::rancor::Error>;

/// rkyv's checked access to the archived `T` in `bytes`; a failure is a [`Fault::Invalid`].
fn checked<T>(bytes: &[u8]) -> Result<&T, Fault>
where
    T: rkyv::Portable + for<'a> rkyv::bytecheck::CheckBytes<Validator<'a>>,
{
    rkyv::access::<T, rkyv::rancor::Error>(bytes).map_err(|e| Fault::Invalid(e.to_string()))
}

/// Checks one chunk of a large table: rkyv validation, its object count (`want`), then its
/// references (`refs`). The object count on success.
fn check_chunk<A>(
    bytes: &[u8],
    want: usize,
    refs: impl FnOnce(&ArchivedVec<A>) -> Result<(), String>,
) -> Result<usize, Fault>
where
    ArchivedVec<A>: rkyv::Portable + for<'a> rkyv::bytecheck::CheckBytes<Validator<'a>>,
{
    let v = checked::<ArchivedVec<A>>(bytes)?;
    if v.len() != want {
        return Err(Fault::Length(v.len()));
    }
    refs(v).map_err(Fault::Reference)?;
    Ok(v.len())
}

const SECTION_NAMES: [&str; 6] = ["metadata", "orgs", "POCs", "networks", "prefixes", "keys"];

/// The name of a section slot in messages.
fn section_name(slot: usize) -> String {
    match chunk_of(slot) {
        Some((table, k)) if k > 0 => format!("{} (part {})", SECTION_NAMES[1 + table], k + 1),
        _ => SECTION_NAMES[slot].to_string(),
    }
}

/// One piece of the work of opening a snapshot.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Job {
    /// Check a section.
    Section(usize),
    /// Run the first or the second prefix callback (after the prefix section passed).
    Index(usize),
}

impl Snapshot {
    /// Maps and validates a snapshot file.
    pub fn open(path: &Path) -> Result<Snapshot, SnapshotError> {
        Self::open_with(path, |_| ()).map(|(s, ())| s)
    }

    /// Maps and validates a snapshot file, and runs `f` on the prefix tables as soon as
    /// their section is validated, while the other sections are still being checked.
    pub fn open_with<T: Send>(
        path: &Path,
        f: impl FnOnce(&ArchivedPrefixes) -> T + Send,
    ) -> Result<(Snapshot, T), SnapshotError> {
        Self::open_with2(path, f, |_| ()).map(|(s, t, ())| (s, t))
    }

    /// Like [`Snapshot::open_with`] with two callbacks on the prefix tables, which may run
    /// at the same time on two threads (one index for each address family, say).
    pub fn open_with2<A: Send, B: Send>(
        path: &Path,
        fa: impl FnOnce(&ArchivedPrefixes) -> A + Send,
        fb: impl FnOnce(&ArchivedPrefixes) -> B + Send,
    ) -> Result<(Snapshot, A, B), SnapshotError> {
        let file = File::open(path).map_err(|source| SnapshotError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        // SAFETY: the map is read-only and private to this process. rirwhois never writes to
        // a snapshot file after it has been renamed into place (writers always create a new
        // file and rename it), so the contents cannot change under the map; truncation by
        // another program would be an operator error that the docs warn about (SIGBUS).
        let map = unsafe { Mmap::map(&file) }.map_err(|source| SnapshotError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        #[cfg(unix)]
        {
            let _ = map.advise(memmap2::Advice::WillNeed);
        }
        Self::check(Backing::Map(map), path, fa, fb)
    }

    /// Validates snapshot bytes held in memory (used by tests and the fuzzer).
    pub fn from_bytes(bytes: &[u8], name: &Path) -> Result<Snapshot, SnapshotError> {
        let mut v = AlignedVec::<16>::with_capacity(bytes.len());
        v.extend_from_slice(bytes);
        Self::check(Backing::Owned(v), name, |_| (), |_| ()).map(|(s, (), ())| s)
    }

    /// Checks the header, then every section on two threads: checksum, rkyv validation
    /// and the references each holds, largest sections first, except that the prefix
    /// section goes first and the two callbacks run as soon as it passed (building the
    /// tries is the longest single job). Then the table lengths and the net hierarchy.
    fn check<A: Send, B: Send>(
        backing: Backing,
        path: &Path,
        fa: impl FnOnce(&ArchivedPrefixes) -> A + Send,
        fb: impl FnOnce(&ArchivedPrefixes) -> B + Send,
    ) -> Result<(Snapshot, A, B), SnapshotError> {
        let bytes: &[u8] = match &backing {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        };
        let invalid = |detail: String| SnapshotError::Invalid {
            path: path.to_path_buf(),
            detail,
        };
        let header = Header::check(bytes, path)?;
        // Every section starts at a multiple of 16 inside a page-aligned map or a 16-aligned
        // vector (checked by Header::check), so it is aligned as rkyv requires.
        let section = |i: usize| {
            let s = header.sections[i];
            &bytes[s.offset as usize..(s.offset + s.len) as usize]
        };
        // The counts size the hierarchy check's tables: refuse counts no file this long holds.
        let room = header.archive_len;
        for (what, count, size) in [
            ("orgs", header.orgs, std::mem::size_of::<ArchivedOrg>()),
            ("POCs", header.pocs, std::mem::size_of::<ArchivedPoc>()),
            ("networks", header.nets, std::mem::size_of::<ArchivedNet>()),
        ] {
            if count.saturating_mul(size as u64) > room || count >= u64::from(crate::model::NONE) {
                return Err(invalid(format!(
                    "the header counts {count} {what}, more than the file holds"
                )));
            }
        }
        let counts = references::Counts::of(&header);
        let mut chunk_table = [[Section::default(); CHUNKS]; 3];
        let mut chunks = [0usize; 3];
        let mut order: Vec<usize> = vec![SMALL, KEYS];
        for (t, count) in [header.orgs, header.pocs, header.nets]
            .into_iter()
            .enumerate()
        {
            chunks[t] = header::chunk_count(count);
            for (k, entry) in chunk_table[t].iter_mut().enumerate() {
                let slot = header::chunk_slot(t, k);
                if k < chunks[t] {
                    *entry = header.sections[slot];
                    order.push(slot);
                } else if header.sections[slot].len != 0 {
                    return Err(invalid(format!(
                        "{} section is not empty, the header counts no objects for it",
                        section_name(slot)
                    )));
                }
            }
        }
        order.sort_by_key(|&i| std::cmp::Reverse(header.sections[i].len));
        let mut queue: std::collections::VecDeque<Job> =
            order.into_iter().map(Job::Section).collect();
        queue.push_front(Job::Section(PREFIXES));
        let queue = std::sync::Mutex::new(queue);
        let forest = references::Forest::new(counts.nets);
        let fa = std::sync::Mutex::new(Some(fa));
        let fb = std::sync::Mutex::new(Some(fb));
        let take = || queue.lock().ok().and_then(|mut q| q.pop_front());
        let work = || {
            let mut faults: Vec<(usize, Fault)> = Vec::new();
            let mut lens: Vec<(usize, usize)> = Vec::new();
            let (mut a, mut b) = (None, None);
            while let Some(job) = take() {
                match job {
                    Job::Section(i) => {
                        match check_section(i, section(i), &header, &counts, &forest) {
                            Ok(len) => {
                                lens.push((i, len));
                                if i == PREFIXES {
                                    // The other callback to whichever thread is free first.
                                    if let Ok(mut q) = queue.lock() {
                                        q.push_front(Job::Index(1));
                                        q.push_front(Job::Index(0));
                                    }
                                }
                            }
                            Err(f) => faults.push((i, f)),
                        }
                    }
                    Job::Index(k) => {
                        // SAFETY: `Index` jobs are queued only once the prefix section
                        // passed validation as `ArchivedPrefixes`.
                        let p = unsafe {
                            rkyv::access_unchecked::<ArchivedPrefixes>(section(PREFIXES))
                        };
                        if k == 0 {
                            if let Some(f) = fa.lock().ok().and_then(|mut g| g.take()) {
                                a = Some(f(p));
                            }
                        } else if let Some(f) = fb.lock().ok().and_then(|mut g| g.take()) {
                            b = Some(f(p));
                        }
                    }
                }
            }
            (faults, lens, a, b)
        };
        let mut faults = Vec::new();
        let mut lens = Vec::new();
        let (mut made_a, mut made_b) = (None, None);
        std::thread::scope(|s| {
            let other = s.spawn(work);
            let mine = work();
            let theirs = other.join().unwrap_or_else(|_| {
                (
                    vec![(SMALL, Fault::Invalid("validation thread failed".into()))],
                    Vec::new(),
                    None,
                    None,
                )
            });
            for (f, l, a, b) in [mine, theirs] {
                faults.extend(f);
                lens.extend(l);
                made_a = made_a.take().or(a);
                made_b = made_b.take().or(b);
            }
        });
        // What the chunks of each large table hold in all, for a length fault.
        let mut found = [0usize; 3];
        for (slot, n) in lens
            .iter()
            .copied()
            .chain(faults.iter().filter_map(|(slot, f)| match f {
                Fault::Length(n) => Some((*slot, *n)),
                _ => None,
            }))
        {
            if let Some((t, _)) = chunk_of(slot) {
                found[t] += n;
            }
        }
        // The first fault by kind (checksums, validation, lengths, references), then slot.
        faults.sort_by_key(|(slot, f)| {
            let rank = match f {
                Fault::Checksum(_) => 0,
                Fault::Invalid(_) => 1,
                Fault::Length(_) => 2,
                Fault::Reference(_) => 3,
            };
            (rank, *slot)
        });
        if let Some((slot, fault)) = faults.into_iter().next() {
            let what = section_name(slot);
            return Err(invalid(match fault {
                Fault::Checksum(d) => format!("{what} section is corrupted: {d}"),
                Fault::Invalid(d) => format!("{what} section failed validation: {d}"),
                Fault::Reference(d) => format!("sections do not fit together: {d}"),
                Fault::Length(_) => {
                    let t = chunk_of(slot).map_or(0, |(t, _)| t);
                    let (what, said) = [
                        ("orgs", header.orgs),
                        ("POCs", header.pocs),
                        ("networks", header.nets),
                    ][t];
                    let found = found[t];
                    if found as u64 == said {
                        format!(
                            "sections do not fit together: {what} section holds {} objects, not the header's share",
                            lens.len()
                        )
                    } else {
                        format!(
                            "sections do not fit together: {found} {what}, the header says {said}"
                        )
                    }
                }
            }));
        }
        let (Some(made_a), Some(made_b)) = (made_a, made_b) else {
            return Err(invalid("prefix section was not checked".into()));
        };
        let snapshot = Snapshot {
            backing,
            header,
            chunk_table,
            chunks,
            path: path.to_path_buf(),
        };
        references::lengths(&snapshot.data(), &snapshot.header)
            .and_then(|()| forest.check())
            .map_err(|detail| invalid(format!("sections do not fit together: {detail}")))?;
        Ok((snapshot, made_a, made_b))
    }

    fn section<R: rkyv::Portable>(&self, i: usize) -> &R {
        let bytes = self.bytes();
        let s = self.header.sections[i];
        // SAFETY: `check` validated section `i` as type `R` (the same pairing of index and
        // type as in `check_section`) when the snapshot was opened, and the bytes are
        // immutable for the lifetime of `self` (a read-only private map, or an owned buffer).
        unsafe {
            rkyv::access_unchecked::<R>(&bytes[s.offset as usize..(s.offset + s.len) as usize])
        }
    }

    /// The archived registry. Validated once when opened; no check here.
    #[inline]
    pub fn data(&self) -> Data<'_> {
        let small: &ArchivedSmall = self.section(SMALL);
        let prefixes: &ArchivedPrefixes = self.section(PREFIXES);
        let keys: &ArchivedKeys = self.section(KEYS);
        Data {
            meta: &small.meta,
            db: Db {
                orgs: self.orgs(),
                pocs: self.pocs(),
                nets: self.nets(),
                asns: &small.asns,
                delegations: &small.delegations,
                validations: &small.validations,
            },
            prefixes_v4: &prefixes.v4,
            prefixes_v6: &prefixes.v6,
            top_nets: &small.top_nets,
            asn_order: &small.asn_order,
            handles: &keys.handles,
            names: &keys.names,
        }
    }

    /// The nets table alone (cheaper than [`Snapshot::data`] when that is all one needs).
    #[inline]
    pub fn nets(&self) -> Table<'_, ArchivedNet> {
        self.table(header::CHUNKED_NETS, self.header.nets)
    }

    /// The orgs table alone.
    #[inline]
    pub fn orgs(&self) -> Table<'_, ArchivedOrg> {
        self.table(header::CHUNKED_ORGS, self.header.orgs)
    }

    /// The POCs table alone.
    #[inline]
    pub fn pocs(&self) -> Table<'_, ArchivedPoc> {
        self.table(header::CHUNKED_POCS, self.header.pocs)
    }

    /// A chunked table; its type is the one `check_section` validated it as (see
    /// [`Table::chunk`]), so this is private and called with the matching `T` only.
    #[inline]
    fn table<T: rkyv::Portable>(&self, t: usize, count: u64) -> Table<'_, T> {
        Table {
            bytes: self.bytes(),
            chunks: &self.chunk_table[t][..self.chunks[t]],
            shift: header::chunk_shift(count),
            len: count as usize,
            _objects: std::marker::PhantomData,
        }
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        match &self.backing {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        }
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of the file (header and sections).
    pub fn len(&self) -> usize {
        match &self.backing {
            Backing::Map(m) => m.len(),
            Backing::Owned(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests;
