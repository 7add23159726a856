//! The snapshot file: a self-describing header followed by a 16-byte-aligned rkyv archive of
//! the linked registry, written atomically and mapped back with memmap2.
//!
//! Layout: [`HEADER_LEN`] bytes of header (magic, format version, schema hash, source serial,
//! created-at, object counts, archive length, archive checksum, header checksum), then the
//! archive. Opening checks every header field, the checksum and the archive (rkyv checked
//! access) once; queries then read the archive without further checks.

mod build;
mod header;
mod schema;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use rkyv::util::AlignedVec;

pub use self::build::{build, fold};
pub use self::header::{FORMAT_VERSION, HEADER_LEN, Header, MAGIC, schema_hash};
pub use self::schema::{
    ArchivedKey, ArchivedMeta, ArchivedPrefixEntry, ArchivedSnapshotData, KEY_DBA, KEY_HANDLE,
    KEY_NAME, Key, Meta, PrefixEntry, SnapshotData,
};

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
    #[error("{path}: archive is corrupted (checksum {found:016x}, header says {expected:016x})")]
    Checksum {
        path: PathBuf,
        found: u64,
        expected: u64,
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

/// A serialized snapshot: header and archive, ready to be written.
pub struct Encoded {
    pub header: Header,
    archive: AlignedVec<16>,
}

/// Serializes `data`. The caller may drop `data` before writing, to halve peak memory.
pub fn serialize(data: &SnapshotData, path: &Path) -> Result<Encoded, SnapshotError> {
    let archive =
        rkyv::to_bytes::<rkyv::rancor::Error>(data).map_err(|e| SnapshotError::Serialize {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    let header = Header::for_archive(data, &archive);
    Ok(Encoded { header, archive })
}

/// Serializes `data` into the bytes of a snapshot file (header then archive).
pub fn encode(data: &SnapshotData, path: &Path) -> Result<Vec<u8>, SnapshotError> {
    let e = serialize(data, path)?;
    let mut out = Vec::with_capacity(HEADER_LEN + e.archive.len());
    out.extend_from_slice(&e.header.encode());
    out.extend_from_slice(&e.archive);
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
        let mut f = File::create(&tmp)?;
        f.write_all(&encoded.header.encode())?;
        f.write_all(&encoded.archive)?;
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

impl Snapshot {
    /// Maps and validates a snapshot file.
    pub fn open(path: &Path) -> Result<Snapshot, SnapshotError> {
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
        Self::check(Backing::Map(map), path)
    }

    /// Validates snapshot bytes held in memory (used by tests and the fuzzer).
    pub fn from_bytes(bytes: &[u8], name: &Path) -> Result<Snapshot, SnapshotError> {
        let mut v = AlignedVec::<16>::with_capacity(bytes.len());
        v.extend_from_slice(bytes);
        Self::check(Backing::Owned(v), name)
    }

    fn check(backing: Backing, path: &Path) -> Result<Snapshot, SnapshotError> {
        let bytes: &[u8] = match &backing {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        };
        let header = Header::check(bytes, path)?;
        let archive = &bytes[HEADER_LEN..];
        // The archive starts HEADER_LEN (a multiple of 16) bytes into a page-aligned map or a
        // 16-aligned vector, so it is aligned as rkyv requires.
        debug_assert_eq!(archive.as_ptr() as usize % 16, 0);
        // Checksum and validation read the same bytes on two cores.
        let (found, valid) = std::thread::scope(|s| {
            let sum = s.spawn(|| xxhash_rust::xxh3::xxh3_64(archive));
            let valid = rkyv::access::<ArchivedSnapshotData, rkyv::rancor::Error>(archive)
                .map(|_| ())
                .map_err(|e| e.to_string());
            (sum.join().unwrap_or(0), valid)
        });
        if found != header.checksum {
            return Err(SnapshotError::Checksum {
                path: path.to_path_buf(),
                found,
                expected: header.checksum,
            });
        }
        valid.map_err(|detail| SnapshotError::Invalid {
            path: path.to_path_buf(),
            detail,
        })?;
        Ok(Snapshot {
            backing,
            header,
            path: path.to_path_buf(),
        })
    }

    /// The archived registry. Validated once in [`Snapshot::open`]; no check here.
    #[inline]
    pub fn data(&self) -> &ArchivedSnapshotData {
        let bytes: &[u8] = match &self.backing {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        };
        // SAFETY: `check` ran `rkyv::access` (full bytecheck validation) on exactly these
        // bytes when the snapshot was opened, and they are immutable for the lifetime of
        // `self` (a read-only private map, or an owned buffer), so the unchecked access sees
        // the same valid archive.
        unsafe { rkyv::access_unchecked::<ArchivedSnapshotData>(&bytes[HEADER_LEN..]) }
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of the file (header and archive).
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
