//! The unsafe code of the snapshot reader: `Mmap::map` in `open_with`, and
//! `access_unchecked` in `check` (the prefix tables handed to `open_with`'s callback) and in
//! `section` (every read through `data()`). These tests check the conditions their SAFETY
//! comments rely on: unchecked access only ever follows a successful validation of the same
//! bytes as the same type; the bytes are aligned however the caller's buffer lies; the bytes
//! do not change while a snapshot is alive, even when a new file is renamed over its path.
//!
//! The in-memory tests also run under Miri (`cargo +nightly miri test --lib snapshot`), which
//! cannot map files: the mmap tests are ignored there.

use std::path::Path;

use super::super::*;
use super::tiny;
use crate::model::{
    Asn, Database, NONE, Net, Org, Poc, PocFunction, PocLink, ValidationRecord, parse_range,
};

/// A registry with something in every table and in both prefix tables.
fn rich() -> SnapshotData {
    let mut db = Database::default();
    db.pocs.push(Poc {
        handle: "P-1".into(),
        name: "Abuse desk".into(),
        emails: vec!["abuse@example.net".into()],
        validation: 0,
        ..Poc::default()
    });
    db.validations.push(ValidationRecord {
        handle: "P-1".into(),
        requested: Some(1_700_000_000),
        validated: None,
        reported_invalid: Some(1_700_100_000),
    });
    db.orgs.push(Org {
        handle: "ORG-1".into(),
        name: "Example Org".into(),
        dba_name: "Example".into(),
        pocs: vec![PocLink {
            poc: 0,
            ..PocLink::new(PocFunction::Abuse, "P-1")
        }],
        parent_org: NONE,
        nets: vec![0, 1, 2],
        asns: vec![0],
        ..Org::default()
    });
    for (i, (range, parent, depth)) in [
        ("23.1.0.0 - 23.1.255.255", NONE, 0),
        ("23.1.2.0 - 23.1.2.191", 0, 1),
        ("2001:db8:: - 2001:db8:0:ffff:ffff:ffff:ffff:ffff", NONE, 0),
    ]
    .into_iter()
    .enumerate()
    {
        let (v6, start, end) = parse_range(range).unwrap();
        db.nets.push(Net {
            handle: format!("NET-{i}"),
            name: format!("NAME-{i}"),
            v6,
            start,
            end,
            org: 0,
            parent,
            children: if i == 0 { vec![1] } else { vec![] },
            depth,
            ..Net::default()
        });
    }
    db.asns.push(Asn {
        handle: "AS64496".into(),
        name: "EXAMPLE-AS".into(),
        start: 64496,
        end: 64511,
        org: 0,
        parent: NONE,
        ..Asn::default()
    });
    build(
        db,
        Meta {
            serial: 9,
            created_at: 1_700_000_000,
            sources: vec!["TEST".into()],
            ..Meta::default()
        },
    )
}

/// Everything `data()` reads, deserialized, equals what was written.
fn assert_reads_back(snap: &Snapshot, want: &SnapshotData) {
    use rkyv::rancor::Error as E;
    let d = snap.data();
    assert_eq!(rkyv::deserialize::<Meta, E>(d.meta).unwrap(), want.meta);
    assert_eq!(
        d.db.orgs
            .chunks()
            .flat_map(|c| rkyv::deserialize::<Vec<Org>, E>(c).unwrap())
            .collect::<Vec<_>>(),
        want.db.orgs
    );
    assert_eq!(
        d.db.pocs
            .chunks()
            .flat_map(|c| rkyv::deserialize::<Vec<Poc>, E>(c).unwrap())
            .collect::<Vec<_>>(),
        want.db.pocs
    );
    assert_eq!(
        d.db.nets
            .chunks()
            .flat_map(|c| rkyv::deserialize::<Vec<Net>, E>(c).unwrap())
            .collect::<Vec<_>>(),
        want.db.nets
    );
    assert_eq!(
        rkyv::deserialize::<Vec<Asn>, E>(d.db.asns).unwrap(),
        want.db.asns
    );
    assert_eq!(
        rkyv::deserialize::<Vec<ValidationRecord>, E>(d.db.validations).unwrap(),
        want.db.validations
    );
    assert_eq!(
        rkyv::deserialize::<Vec<PrefixEntry>, E>(d.prefixes_v4).unwrap(),
        want.prefixes_v4
    );
    assert_eq!(
        rkyv::deserialize::<Vec<PrefixEntry>, E>(d.prefixes_v6).unwrap(),
        want.prefixes_v6
    );
    assert_eq!(
        rkyv::deserialize::<Vec<Key>, E>(d.handles).unwrap(),
        want.handles
    );
    assert_eq!(
        rkyv::deserialize::<Vec<Key>, E>(d.names).unwrap(),
        want.names
    );
    let top: Vec<u32> = d.top_nets.iter().map(|x| x.to_native()).collect();
    assert_eq!(top, want.top_nets);
    let order: Vec<u32> = d.asn_order.iter().map(|x| x.to_native()).collect();
    assert_eq!(order, want.asn_order);
}

#[test]
fn unchecked_reads_from_memory_at_any_alignment() {
    let data = rich();
    assert!(!data.prefixes_v4.is_empty() && !data.prefixes_v6.is_empty());
    let bytes = encode(&data, Path::new("mem")).unwrap();
    // The caller's bytes at every offset modulo 16: `from_bytes` copies them into its own
    // aligned buffer, so the unchecked reads are aligned whatever the input was.
    let mut buf = vec![0u8; bytes.len() + 16];
    for shift in [0, 1, 3, 8, 15] {
        buf[shift..shift + bytes.len()].copy_from_slice(&bytes);
        let snap = Snapshot::from_bytes(&buf[shift..shift + bytes.len()], Path::new("mem"))
            .unwrap_or_else(|e| panic!("shift {shift}: {e}"));
        assert_eq!(snap.len(), bytes.len());
        assert_reads_back(&snap, &data);
    }
}

#[test]
fn no_section_reaches_unchecked_access_without_passing_validation() {
    let bytes = encode(&rich(), Path::new("mem")).unwrap();
    let header = Header::decode(&bytes).unwrap();
    for (i, name) in SECTION_NAMES.iter().enumerate() {
        for fill in [0x00u8, 0xff, 0x41] {
            let mut b = bytes.clone();
            let s = header.sections[i];
            b[s.offset as usize..(s.offset + s.len) as usize].fill(fill);
            assert!(reseal(&mut b));
            match Snapshot::from_bytes(&b, Path::new("x.snap")) {
                Ok(_) => panic!("section {name} filled with {fill:#x} was accepted"),
                Err(e) => {
                    let msg = e.to_string();
                    // Zeros are a valid empty archive: the reference checks refuse those.
                    assert!(
                        msg.contains(&format!("{name} section failed validation"))
                            || msg.contains("sections do not fit together"),
                        "{msg}"
                    );
                }
            }
        }
    }
}

#[test]
fn reseal_of_a_sound_snapshot_changes_nothing() {
    let bytes = encode(&rich(), Path::new("mem")).unwrap();
    let mut b = bytes.clone();
    assert!(reseal(&mut b));
    assert_eq!(b, bytes);
    assert!(!reseal(&mut [0u8; 10]));
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot map files")]
fn mapped_reads_and_the_prefix_callback() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.snap");
    let data = rich();
    write(&data, &path).unwrap();
    let (snap, (v4, v6)) = Snapshot::open_with(&path, |p| (p.v4.len(), p.v6.len())).unwrap();
    assert_eq!((v4, v6), (data.prefixes_v4.len(), data.prefixes_v6.len()));
    assert_reads_back(&snap, &data);
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot map files")]
fn a_mapped_snapshot_keeps_its_bytes_when_a_new_file_is_renamed_over_it() {
    // What the SAFETY comment on `Mmap::map` relies on: writers rename a new file into
    // place, so a map of the old file never changes under its readers.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.snap");
    let old = rich();
    write(&old, &path).unwrap();
    let snap = Snapshot::open(&path).unwrap();
    let new = tiny();
    write(&new, &path).unwrap();
    assert_reads_back(&snap, &old);
    assert_eq!(snap.header().serial, 9);
    let reopened = Snapshot::open(&path).unwrap();
    assert_reads_back(&reopened, &new);
    drop(snap);
    assert_eq!(reopened.header().serial, 42);
}

/// Regression: a zeroed section is a valid empty rkyv archive, so with rewritten checksums a
/// file whose org table is empty while its nets refer to org 0 passed every check on open and
/// then panicked (index out of bounds) on the first query touching an org. Found by the
/// section-filling test above; the reference checks refuse it on open now.
#[test]
fn sections_that_do_not_fit_together_are_refused() {
    let bytes = encode(&rich(), Path::new("mem")).unwrap();
    let header = Header::decode(&bytes).unwrap();
    let cases: [(usize, &str); 3] = [
        (ORGS, "0 orgs, the header says 1"),
        (NETS, "0 networks, the header says 3"),
        (POCS, "0 POCs, the header says 1"),
    ];
    for (i, expect) in cases {
        let mut b = bytes.clone();
        let s = header.sections[i];
        b[s.offset as usize..(s.offset + s.len) as usize].fill(0);
        reseal(&mut b);
        refused_as_unfit(&b, expect);
    }
}

/// Opening `bytes` fails because its sections do not fit together, with `expect` in the
/// message.
fn refused_as_unfit(bytes: &[u8], expect: &str) {
    let msg = Snapshot::from_bytes(bytes, Path::new("x.snap"))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("sections do not fit together"), "{msg}");
    assert!(msg.contains(expect), "{msg}");
}

/// A reference out of range inside a chunk of each large table (orgs, POCs, networks) is
/// refused, naming the object and the reference, though every section passes its checksum
/// and rkyv validation.
#[test]
fn dangling_references_in_each_large_table_are_refused() {
    type Spoil = fn(&mut SnapshotData);
    let cases: [(Spoil, &str); 3] = [
        (
            |d| d.db.orgs[0].parent_org = 9,
            "org 0: parent org index 9 is out of range (1)",
        ),
        (
            |d| d.db.pocs[0].validation = 7,
            "POC 0: validation index 7 is out of range (1)",
        ),
        (
            |d| d.db.nets[1].org = 5,
            "net 1: org index 5 is out of range (1)",
        ),
    ];
    for (spoil, expect) in cases {
        let mut data = rich();
        spoil(&mut data);
        refused_as_unfit(&encode(&data, Path::new("mem")).unwrap(), expect);
    }
}
