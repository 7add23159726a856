//! The snapshot file: a self-describing header followed by a 16-byte-aligned rkyv archive of
//! the linked registry, written atomically and mapped back with memmap2.
//!
//! Layout: [`HEADER_LEN`] bytes of header (magic, format version, schema hash, source serial,
//! created-at, object counts, archive length, combined checksum, a table of [`SECTIONS`]
//! sections with offset, length and checksum each, header checksum), then the sections, each
//! an independent 16-byte-aligned rkyv archive: metadata and small tables, orgs, POCs,
//! networks, prefix tables, search keys. Opening checks every header field, then every
//! section's checksum and rkyv validation (checked access) once, two sections at a time on
//! two threads, then the references between the sections (`references`); queries then read
//! the archive without further checks.

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
pub use self::header::{FORMAT_VERSION, HEADER_LEN, Header, MAGIC, SECTIONS, Section, schema_hash};
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
    // Order: SMALL, ORGS, POCS, NETS, PREFIXES, KEYS.
    let sections = vec![
        to_section(&small, path)?,
        to_section(&data.db.orgs, path)?,
        to_section(&data.db.pocs, path)?,
        to_section(&data.db.nets, path)?,
        to_section(&prefixes, path)?,
        to_section(&keys, path)?,
    ];
    let mut table = [Section::default(); SECTIONS];
    let mut offset = HEADER_LEN as u64;
    for (entry, bytes) in table.iter_mut().zip(&sections) {
        *entry = Section {
            offset,
            len: bytes.len() as u64,
            checksum: xxhash_rust::xxh3::xxh3_64(bytes),
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
            s.checksum = xxhash_rust::xxh3::xxh3_64(b);
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
    pub orgs: &'a ArchivedVec<ArchivedOrg>,
    pub pocs: &'a ArchivedVec<ArchivedPoc>,
    pub nets: &'a ArchivedVec<ArchivedNet>,
    pub asns: &'a ArchivedVec<ArchivedAsn>,
    pub delegations: &'a ArchivedVec<ArchivedDelegation>,
    pub validations: &'a ArchivedVec<ArchivedValidationRecord>,
}

const SMALL: usize = 0;
const ORGS: usize = 1;
const POCS: usize = 2;
const NETS: usize = 3;
const PREFIXES: usize = 4;
const KEYS: usize = 5;

/// Checks one section: checksum, then rkyv validation of its root type.
fn check_section(index: usize, bytes: &[u8], expected: u64) -> Result<(), (usize, String, bool)> {
    let found = xxhash_rust::xxh3::xxh3_64(bytes);
    if found != expected {
        return Err((
            index,
            format!("checksum {found:016x}, header says {expected:016x}"),
            true,
        ));
    }
    use rkyv::rancor::Error as E;
    let r = match index {
        SMALL => rkyv::access::<ArchivedSmall, E>(bytes).map(drop),
        ORGS => rkyv::access::<ArchivedVec<ArchivedOrg>, E>(bytes).map(drop),
        POCS => rkyv::access::<ArchivedVec<ArchivedPoc>, E>(bytes).map(drop),
        NETS => rkyv::access::<ArchivedVec<ArchivedNet>, E>(bytes).map(drop),
        PREFIXES => rkyv::access::<ArchivedPrefixes, E>(bytes).map(drop),
        _ => rkyv::access::<ArchivedKeys, E>(bytes).map(drop),
    };
    r.map_err(|e| (index, e.to_string(), false))
}

const SECTION_NAMES: [&str; SECTIONS] =
    ["metadata", "orgs", "POCs", "networks", "prefixes", "keys"];

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
        Self::check(Backing::Map(map), path, f)
    }

    /// Validates snapshot bytes held in memory (used by tests and the fuzzer).
    pub fn from_bytes(bytes: &[u8], name: &Path) -> Result<Snapshot, SnapshotError> {
        let mut v = AlignedVec::<16>::with_capacity(bytes.len());
        v.extend_from_slice(bytes);
        Self::check(Backing::Owned(v), name, |_| ()).map(|(s, ())| s)
    }

    fn check<T: Send>(
        backing: Backing,
        path: &Path,
        f: impl FnOnce(&ArchivedPrefixes) -> T + Send,
    ) -> Result<(Snapshot, T), SnapshotError> {
        let bytes: &[u8] = match &backing {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        };
        let header = Header::check(bytes, path)?;
        // Every section starts at a multiple of 16 inside a page-aligned map or a 16-aligned
        // vector (checked by Header::check), so it is aligned as rkyv requires.
        let section = |i: usize| {
            let s = header.sections[i];
            &bytes[s.offset as usize..(s.offset + s.len) as usize]
        };
        // Two workers take sections, largest first; the prefix section's job also runs `f`.
        let mut order: Vec<usize> = (0..SECTIONS).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(header.sections[i].len));
        let next = std::sync::atomic::AtomicUsize::new(0);
        let f = std::sync::Mutex::new(Some(f));
        let mut results: Vec<Result<(), (usize, String, bool)>> = Vec::new();
        let mut made: Option<T> = None;
        std::thread::scope(|s| {
            let work = || {
                let mut out = Vec::new();
                let mut made = None;
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&i) = order.get(k) else { break };
                    let r = check_section(i, section(i), header.sections[i].checksum);
                    if i == PREFIXES && r.is_ok() {
                        let job = f.lock().ok().and_then(|mut g| g.take());
                        if let Some(job) = job {
                            // SAFETY: the prefix section was validated just above.
                            let p =
                                unsafe { rkyv::access_unchecked::<ArchivedPrefixes>(section(i)) };
                            made = Some(job(p));
                        }
                    }
                    out.push(r);
                }
                (out, made)
            };
            let other = s.spawn(work);
            let (mine, m1) = work();
            results.extend(mine);
            made = m1;
            if let Ok((theirs, m2)) = other.join() {
                results.extend(theirs);
                made = made.take().or(m2);
            } else {
                results.push(Err((0, "validation thread failed".into(), false)));
            }
        });
        let mut errors: Vec<(usize, String, bool)> =
            results.into_iter().filter_map(Result::err).collect();
        errors.sort_by_key(|e| e.0);
        if let Some((i, detail, checksum)) = errors.into_iter().next() {
            let what = SECTION_NAMES[i];
            return Err(if checksum {
                SnapshotError::Invalid {
                    path: path.to_path_buf(),
                    detail: format!("{what} section is corrupted: {detail}"),
                }
            } else {
                SnapshotError::Invalid {
                    path: path.to_path_buf(),
                    detail: format!("{what} section failed validation: {detail}"),
                }
            });
        }
        let made = made.ok_or_else(|| SnapshotError::Invalid {
            path: path.to_path_buf(),
            detail: "prefix section was not checked".into(),
        })?;
        let snapshot = Snapshot {
            backing,
            header,
            path: path.to_path_buf(),
        };
        references::check(&snapshot.data(), &snapshot.header).map_err(|detail| {
            SnapshotError::Invalid {
                path: path.to_path_buf(),
                detail: format!("sections do not fit together: {detail}"),
            }
        })?;
        Ok((snapshot, made))
    }

    fn section<R: rkyv::Portable>(&self, i: usize) -> &R {
        let bytes: &[u8] = match &self.backing {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        };
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
                orgs: self.section(ORGS),
                pocs: self.section(POCS),
                nets: self.section(NETS),
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
