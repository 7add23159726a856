//! What a snapshot holds: the linked database plus the tables the index and the
//! searches are built from. Any change to this file or to `model/mod.rs` changes the schema
//! hash in the header, so an old binary refuses a newer file instead of misreading it.

use rkyv::{Archive, Deserialize, Serialize};

use crate::model::{
    Asn, Database, Delegation, ObjectKind, SourceFormat, Timestamp, ValidationRecord,
};

/// One CIDR block of one network's range: the prefix table entry (CIDR → net).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug))]
pub struct PrefixEntry {
    pub addr: u128,
    pub len: u8,
    pub net: u32,
}

/// A search key: which text of which object. The text itself is read from the object
/// (its handle, name or DBA name), so keys cost 8 bytes and no copy of the strings; the key
/// tables are sorted by that text, case-folded.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[rkyv(derive(Debug))]
pub struct Key {
    pub kind: ObjectKind,
    /// Which text: [`KEY_HANDLE`], [`KEY_NAME`] or [`KEY_DBA`].
    pub field: u8,
    pub index: u32,
}

/// The key is the object's handle (a delegation's zone name).
pub const KEY_HANDLE: u8 = 0;
/// The key is the object's name.
pub const KEY_NAME: u8 = 1;
/// The key is an org's "doing business as" name.
pub const KEY_DBA: u8 = 2;

/// Facts about where the snapshot came from.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Meta {
    /// The format most networks came from: decides the default whois dialect.
    pub main_format: SourceFormat,
    pub serial: u64,
    pub created_at: Timestamp,
    /// Source names (`ARIN`, RPSL `source:` values), sorted.
    pub sources: Vec<String>,
}

/// Everything a snapshot holds, owned: what the writer splits into sections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotData {
    pub meta: Meta,
    pub db: Database,
    /// IPv4 prefix table, shallow nets first so a deeper net's identical CIDR wins.
    pub prefixes_v4: Vec<PrefixEntry>,
    /// IPv6 prefix table, in the same order.
    pub prefixes_v6: Vec<PrefixEntry>,
    /// Top-level networks (no parent), by version then start.
    pub top_nets: Vec<u32>,
    /// ASN indices sorted by start, then by end descending (blocks before what they hold).
    pub asn_order: Vec<u32>,
    /// Handles of every object, sorted case-insensitively.
    pub handles: Vec<Key>,
    /// Names of orgs, POCs, nets and ASNs, sorted case-insensitively.
    pub names: Vec<Key>,
}

// The file holds the root as independent sections, validated in parallel on open:
// `Small`, the orgs, the POCs, the nets (each a `Vec`), `Prefixes` and `Keys`.

/// Section 0: the metadata and the small tables.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Small {
    pub meta: Meta,
    pub asns: Vec<Asn>,
    pub delegations: Vec<Delegation>,
    pub validations: Vec<ValidationRecord>,
    pub top_nets: Vec<u32>,
    pub asn_order: Vec<u32>,
}

/// Section 4: the prefix tables.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Prefixes {
    pub v4: Vec<PrefixEntry>,
    pub v6: Vec<PrefixEntry>,
}

/// Section 5: the search keys.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Keys {
    pub handles: Vec<Key>,
    pub names: Vec<Key>,
}
