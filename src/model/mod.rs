//! The registry's object model: one set of owned types for every source format.
//!
//! Ingest fills these from ARIN XML, RPSL and the validation CSV; the linker (`ingest::link`)
//! resolves handle references into indices and derives the hierarchy; the snapshot writer
//! archives them with rkyv, so the archived forms (`ArchivedNet`, …) are what queries read.
//!
//! Conventions: a text field that is absent is the empty string; a list that is absent is
//! empty; dates are [`Timestamp`]s (Unix seconds, UTC); addresses are `u128` (IPv4 in the low
//! 32 bits, with `v6 == false`); an index into another table is a `u32` and [`NONE`] means none.

mod addr;
mod date;
mod validation;

use rkyv::{Archive, Deserialize, Serialize};

pub use self::addr::{
    AddrError, cidrs_of_range, format_addr, format_range, parse_addr, parse_prefix, parse_range,
    prefix_range,
};
pub use self::date::{DAY, DateError, Timestamp, format_date, format_datetime, now, parse_date};
pub use self::validation::{
    DEFAULT_ARIN_INVALID_AFTER_DAYS, DEFAULT_LACNIC_ESCALATION_DAYS, DEFAULT_LACNIC_INITIAL_DAYS,
    Policy, PolicyProfile, ValidationState,
};

/// The "no index" value for `u32` references.
pub const NONE: u32 = u32::MAX;

/// What a POC does for the object that links it (ARIN pocLink functions, RPSL `*-c` attributes).
#[derive(
    Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
#[rkyv(compare(PartialEq), derive(Debug, Clone, Copy, PartialEq, Eq))]
#[repr(u8)]
pub enum PocFunction {
    /// `AD`, RPSL `admin-c`.
    Admin,
    /// `AB`, RPSL `abuse-c`.
    Abuse,
    /// `N`.
    Noc,
    /// `T`, RPSL `tech-c`.
    Tech,
    /// `R`.
    Routing,
    /// `D`, RPSL `zone-c`.
    Dns,
    /// RPSL `mnt-irt`: an incident response team object; used for abuse when no `abuse-c`.
    Irt,
}

impl PocFunction {
    /// Every function, in declaration order.
    pub const ALL: [PocFunction; 7] = [
        PocFunction::Admin,
        PocFunction::Abuse,
        PocFunction::Noc,
        PocFunction::Tech,
        PocFunction::Routing,
        PocFunction::Dns,
        PocFunction::Irt,
    ];

    /// Parses an ARIN function code (`AD`, `AB`, `N`, `T`, `R`, `D`).
    pub fn from_arin_code(code: &str) -> Option<Self> {
        Some(match code.trim().to_ascii_uppercase().as_str() {
            "AD" => Self::Admin,
            "AB" => Self::Abuse,
            "N" => Self::Noc,
            "T" => Self::Tech,
            "R" => Self::Routing,
            "D" => Self::Dns,
            _ => return None,
        })
    }

    /// The ARIN function code (`IRT` for [`PocFunction::Irt`]).
    pub fn arin_code(self) -> &'static str {
        match self {
            Self::Admin => "AD",
            Self::Abuse => "AB",
            Self::Noc => "N",
            Self::Tech => "T",
            Self::Routing => "R",
            Self::Dns => "D",
            Self::Irt => "IRT",
        }
    }

    /// A word for people: `Admin`, `Abuse`, `NOC`, `Tech`, `Routing`, `DNS`, `IRT`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Admin",
            Self::Abuse => "Abuse",
            Self::Noc => "NOC",
            Self::Tech => "Tech",
            Self::Routing => "Routing",
            Self::Dns => "DNS",
            Self::Irt => "IRT",
        }
    }
}

impl ArchivedPocFunction {
    /// The owned value.
    pub fn get(&self) -> PocFunction {
        match self {
            Self::Admin => PocFunction::Admin,
            Self::Abuse => PocFunction::Abuse,
            Self::Noc => PocFunction::Noc,
            Self::Tech => PocFunction::Tech,
            Self::Routing => PocFunction::Routing,
            Self::Dns => PocFunction::Dns,
            Self::Irt => PocFunction::Irt,
        }
    }
}

/// A reference from an org, net, ASN or delegation to a POC.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[rkyv(derive(Debug))]
pub struct PocLink {
    pub function: PocFunction,
    /// The POC handle as published; empty in a snapshot once linked (`poc` names the POC).
    pub handle: String,
    /// Index into the POC table, filled by the linker ([`NONE`] before).
    pub poc: u32,
}

impl PocLink {
    /// An unlinked reference, as ingest produces it.
    pub fn new(function: PocFunction, handle: impl Into<String>) -> Self {
        Self {
            function,
            handle: handle.into(),
            poc: NONE,
        }
    }
}

/// Kind of point of contact.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[rkyv(compare(PartialEq), derive(Debug, Clone, Copy, PartialEq, Eq))]
#[repr(u8)]
pub enum PocKind {
    /// ARIN `PERSON`, RPSL `person`.
    #[default]
    Person,
    /// ARIN `ROLE`, RPSL `role`.
    Role,
    /// RPSL `irt`.
    Irt,
}

/// Kind of telephone number (ARIN phone type codes O, F, M).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(compare(PartialEq), derive(Debug, Clone, Copy, PartialEq, Eq))]
#[repr(u8)]
pub enum PhoneKind {
    Office,
    Fax,
    Mobile,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[rkyv(derive(Debug))]
pub struct Phone {
    pub kind: PhoneKind,
    pub number: String,
    pub extension: String,
}

/// A postal address as published.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Address {
    /// Street lines (ARIN `streetAddress/line`, RPSL `address:` lines).
    pub street: Vec<String>,
    pub city: String,
    /// ISO 3166-2 subdivision (state or province).
    pub state: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// Where an object was published: the source format that produced it.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[rkyv(compare(PartialEq), derive(Debug, Clone, Copy, PartialEq, Eq))]
#[repr(u8)]
pub enum SourceFormat {
    /// ARIN Reg-RWS payloads or bulk whois XML.
    #[default]
    ArinXml,
    /// An RPSL dump.
    Rpsl,
}

/// An organization, or an ARIN customer (`customer == true`).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Org {
    pub handle: String,
    pub name: String,
    /// ARIN "doing business as" name.
    pub dba_name: String,
    /// An ARIN customer record rather than an org.
    pub customer: bool,
    /// A private customer: name and address are never shown.
    pub private: bool,
    /// For a customer: the org it got its resources from (as published; empty in a snapshot
    /// once linked to `parent_org`).
    pub parent_org_handle: String,
    pub address: Address,
    pub comments: Vec<String>,
    pub registered: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub pocs: Vec<PocLink>,
    /// RPSL `source:` or "ARIN".
    pub source: String,
    pub format: SourceFormat,
    /// Linked: the parent org of a customer ([`NONE`] if none).
    pub parent_org: u32,
    /// Linked: nets registered to this org or customer, in table order.
    pub nets: Vec<u32>,
    /// Linked: ASNs registered to this org.
    pub asns: Vec<u32>,
}

/// A point of contact: ARIN POC, RPSL person, role or irt.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Poc {
    pub handle: String,
    pub kind: PocKind,
    /// The display name: "Last, First" for ARIN persons, the role or person name otherwise.
    pub name: String,
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
    pub company: String,
    pub emails: Vec<String>,
    /// RPSL `abuse-mailbox:`; empty for ARIN POCs (their first e-mail serves).
    pub abuse_mailbox: String,
    pub phones: Vec<Phone>,
    pub address: Address,
    pub comments: Vec<String>,
    pub registered: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub source: String,
    pub format: SourceFormat,
    /// Linked: index into the validation table ([`NONE`] if the POC has no record).
    pub validation: u32,
}

impl Poc {
    /// The mailbox to which abuse reports go: `abuse-mailbox` if set, else the first e-mail.
    pub fn abuse_mailbox(&self) -> Option<&str> {
        if !self.abuse_mailbox.is_empty() {
            Some(&self.abuse_mailbox)
        } else {
            self.emails.first().map(String::as_str)
        }
    }
}

impl ArchivedPoc {
    /// The mailbox to which abuse reports go: `abuse-mailbox` if set, else the first e-mail.
    pub fn abuse_mailbox(&self) -> Option<&str> {
        if !self.abuse_mailbox.is_empty() {
            Some(self.abuse_mailbox.as_str())
        } else {
            self.emails.first().map(|e| e.as_str())
        }
    }
}

/// An IP network: ARIN net, RPSL inetnum or inet6num.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Net {
    pub handle: String,
    pub name: String,
    pub v6: bool,
    /// First address of the range.
    pub start: u128,
    /// Last address of the range (inclusive).
    pub end: u128,
    /// ARIN net type code (`A`, `S`, `DA`, …) or RPSL `status:`.
    pub net_type: String,
    pub country: String,
    /// The org (or customer) handle as published; empty in a snapshot once linked (`org`).
    pub org_handle: String,
    /// The parent net handle: as published, or derived by the linker; empty in a snapshot
    /// once linked (`parent`).
    pub parent_handle: String,
    pub origin_as: Vec<u32>,
    pub pocs: Vec<PocLink>,
    pub comments: Vec<String>,
    pub registered: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub source: String,
    pub format: SourceFormat,
    /// Linked: index of the org or customer ([`NONE`] if none).
    pub org: u32,
    /// Linked: index of the parent net ([`NONE`] for a top-level net).
    pub parent: u32,
    /// Linked: direct children, sorted by start address.
    pub children: Vec<u32>,
    /// Linked: 0 for a top-level net.
    pub depth: u8,
}

/// An autonomous system number or a block of them (`block == true`: RPSL `as-block`).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Asn {
    pub handle: String,
    pub name: String,
    pub start: u32,
    pub end: u32,
    pub block: bool,
    /// The org handle as published; empty in a snapshot once linked (`org`).
    pub org_handle: String,
    pub pocs: Vec<PocLink>,
    pub comments: Vec<String>,
    pub registered: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub source: String,
    pub format: SourceFormat,
    pub country: String,
    /// Linked: index of the org ([`NONE`] if none).
    pub org: u32,
    /// Linked: the smallest enclosing ASN range ([`NONE`] if none).
    pub parent: u32,
    /// Linked: direct children.
    pub children: Vec<u32>,
}

/// A DS record of a secure delegation.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[rkyv(derive(Debug))]
pub struct DsKey {
    pub key_tag: u16,
    pub algorithm: u8,
    pub digest_type: u8,
    /// Hex digest, upper case.
    pub digest: String,
    pub ttl: Option<u32>,
}

/// A reverse-DNS delegation (ARIN delegation, RPSL domain).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Delegation {
    /// The zone, lower case, without the trailing dot (`0.76.in-addr.arpa`).
    pub name: String,
    pub nameservers: Vec<String>,
    pub ds: Vec<DsKey>,
    pub pocs: Vec<PocLink>,
    pub comments: Vec<String>,
    pub registered: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub source: String,
    pub format: SourceFormat,
}

/// A POC's validation history (one row of the validation CSV).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct ValidationRecord {
    pub handle: String,
    /// Last validation request sent.
    pub requested: Option<Timestamp>,
    /// Last affirmative answer.
    pub validated: Option<Timestamp>,
    /// When the contact was reported or found invalid.
    pub reported_invalid: Option<Timestamp>,
}

/// Kind of object a handle or name key points at.
#[derive(
    Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
#[rkyv(compare(PartialEq), derive(Debug, Clone, Copy, PartialEq, Eq))]
#[repr(u8)]
pub enum ObjectKind {
    Net,
    Asn,
    Org,
    Poc,
    Delegation,
}

impl ObjectKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Net => "network",
            Self::Asn => "autnum",
            Self::Org => "organization",
            Self::Poc => "contact",
            Self::Delegation => "domain",
        }
    }
}

impl ArchivedObjectKind {
    pub fn get(&self) -> ObjectKind {
        match self {
            Self::Net => ObjectKind::Net,
            Self::Asn => ObjectKind::Asn,
            Self::Org => ObjectKind::Org,
            Self::Poc => ObjectKind::Poc,
            Self::Delegation => ObjectKind::Delegation,
        }
    }
}

/// The whole linked registry: what the snapshot writer archives.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[rkyv(derive(Debug))]
pub struct Database {
    pub orgs: Vec<Org>,
    pub pocs: Vec<Poc>,
    pub nets: Vec<Net>,
    pub asns: Vec<Asn>,
    pub delegations: Vec<Delegation>,
    pub validations: Vec<ValidationRecord>,
}

/// The meaning of an ARIN net type code (`A` → `Reallocation`), if it is one.
pub fn net_type_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "A" => "Reallocation",
        "AF" => "AFRINIC Allocated",
        "AP" => "APNIC Allocated",
        "AR" => "ARIN Allocated",
        "AV" => "ARIN Early Reservation",
        "DA" => "Direct Allocation",
        "DS" => "Direct Assignment",
        "FX" => "AFRINIC Transferred",
        "IR" => "IANA Reserved",
        "IU" => "IANA Special Use",
        "LN" => "LACNIC Allocated",
        "LX" => "LACNIC Transferred",
        "PV" => "APNIC Early Reservation",
        "PX" => "APNIC Early Registration",
        "RD" => "Reassigned Direct",
        "RN" => "RIPE Allocated",
        "RV" => "RIPE Early Reservation",
        "RX" => "RIPE NCC Transferred",
        "S" => "Reassigned",
        _ => return None,
    })
}
