use std::path::Path;

use super::*;
use crate::model::{Database, NONE, Net, Org, parse_range};

pub(crate) fn tiny() -> SnapshotData {
    let mut db = Database::default();
    db.orgs.push(Org {
        handle: "ORG-1".into(),
        name: "Example Org".into(),
        parent_org: NONE,
        nets: vec![0],
        ..Org::default()
    });
    let (_, start, end) = parse_range("23.1.2.0 - 23.1.2.191").unwrap();
    db.nets.push(Net {
        handle: "NET-23-1-2-0-1".into(),
        name: "EXAMPLE".into(),
        start,
        end,
        org: 0,
        parent: NONE,
        ..Net::default()
    });
    build(
        db,
        Meta {
            serial: 42,
            created_at: 1_700_000_000,
            ..Meta::default()
        },
    )
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot map files")]
fn round_trip_through_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.snap");
    let header = write(&tiny(), &path).unwrap();
    assert_eq!(header.serial, 42);
    assert_eq!(header.nets, 1);
    assert_eq!(header.prefixes, 2, "a /25 and a /26");
    let snap = Snapshot::open(&path).unwrap();
    assert_eq!(snap.header(), &header);
    let data = snap.data();
    assert_eq!(data.db.nets[0].handle.as_str(), "NET-23-1-2-0-1");
    assert_eq!(data.prefixes_v4.len(), 2);
    assert_eq!(data.prefixes_v4[1].len, 26);
    let keys: Vec<&str> = data
        .handles
        .iter()
        .map(|k| crate::index::key_text(&data, k))
        .collect();
    assert_eq!(keys, ["NET-23-1-2-0-1", "ORG-1"]);
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
}

fn encoded() -> Vec<u8> {
    encode(&tiny(), Path::new("mem")).unwrap()
}

fn refused(bytes: &[u8]) -> String {
    Snapshot::from_bytes(bytes, Path::new("x.snap"))
        .unwrap_err()
        .to_string()
}

#[test]
fn truncated_files_are_refused() {
    let bytes = encoded();
    for cut in [0, 4, 8, 100, HEADER_LEN, bytes.len() - 1] {
        let msg = refused(&bytes[..cut]);
        assert!(msg.starts_with("x.snap: "), "{msg}");
        assert!(msg.contains("truncated"), "cut at {cut}: {msg}");
    }
}

#[test]
fn foreign_files_are_refused() {
    assert!(refused(b"<?xml version='1.0'?>").contains("not a rirwhois snapshot"));
    assert!(refused(&[0u8; 4096]).contains("not a rirwhois snapshot"));
}

#[test]
fn other_versions_are_refused() {
    let mut bytes = encoded();
    bytes[8] = 99;
    let msg = refused(&bytes);
    assert!(msg.contains("format version 99"), "{msg}");
}

#[test]
fn corrupted_header_and_archive_are_refused() {
    let mut bytes = encoded();
    bytes[20] ^= 0xff; // schema hash byte: header checksum no longer matches
    assert!(refused(&bytes).contains("header is corrupted"));
    let mut bytes = encoded();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x01;
    let msg = refused(&bytes);
    assert!(msg.contains("section is corrupted: checksum"), "{msg}");
    let mut bytes = encoded();
    bytes.extend_from_slice(&[0; 16]);
    assert!(refused(&bytes).contains("trailing bytes"));
}

#[test]
fn garbage_with_a_valid_checksum_fails_validation() {
    // A header that matches its archive, but the archive is not a valid registry.
    let mut bytes = encoded();
    for (i, b) in bytes[HEADER_LEN..].iter_mut().enumerate() {
        *b = (i * 31 % 251) as u8;
    }
    let mut header = Header::decode(&bytes).unwrap();
    for s in header.sections.iter_mut() {
        let range = s.offset as usize..(s.offset + s.len) as usize;
        s.checksum = xxhash_rust::xxh3::xxh3_64(&bytes[range]);
    }
    header.checksum = super::header::combined(&header.sections);
    bytes[..HEADER_LEN].copy_from_slice(&header.encode());
    let msg = refused(&bytes);
    assert!(msg.contains("section failed validation"), "{msg}");
    assert!(!msg.contains("corrupted"), "{msg}");
}

#[test]
fn failed_write_leaves_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.snap");
    write(&tiny(), &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    // A directory in the way of the rename makes the write fail.
    let blocked = dir.path().join("blocked");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), b"x").unwrap();
    assert!(write(&tiny(), &blocked).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty());
}

mod unsafe_paths;
