//! The public contact-accuracy lists (RIPE proposal, section 4.5): resources whose contacts
//! left a validation request unanswered past the policy period (*non-responsive*), and
//! resources whose contacts were reported invalid (*invalid contacts*).
//!
//! Each entry pairs one resource (org, network or ASN) with one such contact: a POC the
//! resource links directly, or the resource's effective abuse contact, own or inherited.
//! `GET /lists/non-responsive` and `/lists/invalid-contacts` serve them as JSON or CSV, and
//! `rirwhois lists SNAPSHOT` prints the same CSV; both call [`contact_lists`].

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::model::{DAY, Policy, PolicyProfile, Timestamp, format_date, format_range};
use crate::registry::{Holder, Registry};

use super::render::role_of;
use super::reverse::{Obj, ReverseIndex, asns_with_abuse, nets_with_abuse};

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ListKind {
    /// Contacts that left a validation request unanswered past the policy period.
    NonResponsive,
    /// Contacts reported (or found) invalid and not validated since.
    InvalidContacts,
}

impl ListKind {
    /// Both lists.
    pub const ALL: [ListKind; 2] = [ListKind::NonResponsive, ListKind::InvalidContacts];

    /// The name used in URLs and files: `non-responsive`, `invalid-contacts`.
    pub fn name(self) -> &'static str {
        match self {
            ListKind::NonResponsive => "non-responsive",
            ListKind::InvalidContacts => "invalid-contacts",
        }
    }

    /// The list of that name.
    pub fn from_name(s: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// One sentence saying what the list holds.
    pub fn description(self, policy: &Policy) -> String {
        match self {
            ListKind::NonResponsive => {
                let days = policy_days(policy);
                format!(
                    "Resources whose contacts did not answer a validation request within {days} days."
                )
            }
            ListKind::InvalidContacts => {
                "Resources whose contacts were reported invalid and have not been validated since."
                    .into()
            }
        }
    }
}

/// Days an unanswered request may wait before the contact counts as non-responsive.
fn policy_days(policy: &Policy) -> i64 {
    match policy.profile {
        PolicyProfile::Arin => policy.arin_invalid_after_days,
        PolicyProfile::Lacnic => policy.lacnic_initial_days,
    }
}

/// What kind of resource an entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    Org,
    Net,
    Asn,
}

impl ResourceKind {
    /// The RDAP object class: `entity`, `ip network`, `autnum`.
    pub fn class(self) -> &'static str {
        match self {
            ResourceKind::Org => "entity",
            ResourceKind::Net => "ip network",
            ResourceKind::Asn => "autnum",
        }
    }
}

/// One resource paired with one listed contact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ListEntry {
    pub list: ListKind,
    /// Handle of the listed contact.
    pub contact: String,
    pub kind: ResourceKind,
    /// Handle of the resource.
    pub resource: String,
    /// `23.0.0.0 - 23.255.255.255`, `AS64496`, `AS64496 - AS64511`; empty for an org.
    pub range: String,
    /// The contact's RDAP role for the resource (`abuse`, `technical`, …).
    pub role: &'static str,
    /// For an inherited abuse contact: the handle of the object that links it.
    pub inherited_from: Option<String>,
    /// Since when the contact is non-responsive or invalid.
    pub since: Timestamp,
    /// Index of the resource in its table.
    pub index: u32,
}

/// Why a POC is listed, if it is.
fn flags(reg: &Registry, p: u32, as_of: Timestamp, policy: &Policy) -> [Option<Timestamp>; 2] {
    let Some(r) = reg.validation_record(p) else {
        return [None, None];
    };
    let seen = |t: Option<&rkyv::rend::i64_le>| t.map(|t| t.to_native()).filter(|&t| t <= as_of);
    let requested = seen(r.requested.as_ref());
    let validated = seen(r.validated.as_ref());
    let reported = seen(r.reported_invalid.as_ref());
    let non_responsive = requested
        .filter(|&q| validated.is_none_or(|v| v < q))
        .map(|q| q + policy_days(policy) * DAY)
        .filter(|&since| since <= as_of);
    let invalid = reported.filter(|&x| validated.is_none_or(|v| x > v));
    [non_responsive, invalid]
}

/// Both lists at `as_of`, sorted by list, contact, resource kind and handle.
pub fn contact_lists(reg: &Registry, as_of: Timestamp, policy: &Policy) -> Vec<ListEntry> {
    let idx = ReverseIndex::build(reg);
    contact_lists_with(reg, &idx, as_of, policy)
}

/// [`contact_lists`] with an index already built.
pub(crate) fn contact_lists_with(
    reg: &Registry,
    idx: &ReverseIndex,
    as_of: Timestamp,
    policy: &Policy,
) -> Vec<ListEntry> {
    let pocs = reg.data().db.pocs.len() as u32;
    let mut flagged: Vec<(u32, [Option<Timestamp>; 2])> = (0..pocs)
        .filter(|&p| reg.poc(p).validation.to_native() != crate::model::NONE)
        .map(|p| (p, flags(reg, p, as_of, policy)))
        .filter(|(_, f)| f[0].is_some() || f[1].is_some())
        .collect();
    flagged.sort_by_key(|f| f.0);
    let flags_of = |p: u32| {
        flagged
            .binary_search_by_key(&p, |f| f.0)
            .ok()
            .map(|i| flagged[i].1)
    };
    let mut out: BTreeSet<ListEntry> = BTreeSet::new();
    let mut push = |kind: ResourceKind,
                    index: u32,
                    p: u32,
                    role: &'static str,
                    from: Option<String>,
                    f: [Option<Timestamp>; 2]| {
        for (list, since) in ListKind::ALL.into_iter().zip(f) {
            let Some(since) = since else { continue };
            let (resource, range) = match kind {
                ResourceKind::Org => (reg.org(index).handle.to_string(), String::new()),
                ResourceKind::Net => {
                    let n = reg.net(index);
                    (
                        n.handle.to_string(),
                        format_range(n.v6, n.start.to_native(), n.end.to_native()),
                    )
                }
                ResourceKind::Asn => {
                    let a = reg.asn(index);
                    let (s, e) = (a.start.to_native(), a.end.to_native());
                    let range = if s == e {
                        format!("AS{s}")
                    } else {
                        format!("AS{s} - AS{e}")
                    };
                    (a.handle.to_string(), range)
                }
            };
            out.insert(ListEntry {
                list,
                contact: reg.poc(p).handle.to_string(),
                kind,
                resource,
                range,
                role,
                inherited_from: from.clone(),
                since,
                index,
            });
        }
    };
    // Contacts linked directly.
    for &(p, f) in &flagged {
        for (obj, function) in idx.links(p) {
            let role = role_of(function);
            match obj {
                Obj::Org(o) => push(ResourceKind::Org, o, p, role, None, f),
                Obj::Net(n) => push(ResourceKind::Net, n, p, role, None, f),
                Obj::Asn(a) => push(ResourceKind::Asn, a, p, role, None, f),
                Obj::Delegation(_) => {}
            }
        }
    }
    // Inherited abuse contacts.
    let targets: Vec<u32> = flagged.iter().map(|f| f.0).collect();
    for n in nets_with_abuse(reg, idx, &targets) {
        if let Some(a) = reg.net_abuse(n)
            && a.inherited
            && let Some(f) = flags_of(a.poc)
        {
            let from = reg.holder_handle(a.from).to_string();
            push(ResourceKind::Net, n, a.poc, "abuse", Some(from), f);
        }
    }
    for n in asns_with_abuse(reg, idx, &targets) {
        if let Some(a) = reg.asn_abuse(n)
            && a.inherited
            && let Some(f) = flags_of(a.poc)
        {
            let from = reg.holder_handle(a.from).to_string();
            push(ResourceKind::Asn, n, a.poc, "abuse", Some(from), f);
        }
    }
    // Customers inherit their parent org's abuse contact.
    for &(p, _) in &flagged {
        for (obj, _) in idx.links(p) {
            if let Obj::Org(o) = obj {
                for &c in idx.customers(o) {
                    if let Some(a) = reg.org_abuse(c)
                        && a.inherited
                        && a.poc == p
                        && let Some(f) = flags_of(p)
                    {
                        let from = match a.from {
                            Holder::Org(h) => reg.org(h).handle.to_string(),
                            h => reg.holder_handle(h).to_string(),
                        };
                        push(ResourceKind::Org, c, p, "abuse", Some(from), f);
                    }
                }
            }
        }
    }
    out.into_iter().collect()
}

/// The CSV header line.
pub const CSV_HEADER: &str = "list,resource_type,resource,range,contact,role,inherited_from,since";

/// The entries as CSV (with a header line).
pub fn to_csv(entries: &[ListEntry]) -> String {
    let mut out = String::with_capacity(64 * (entries.len() + 1));
    out.push_str(CSV_HEADER);
    out.push('\n');
    for e in entries {
        let fields = [
            e.list.name(),
            e.kind.class(),
            &e.resource,
            &e.range,
            &e.contact,
            e.role,
            e.inherited_from.as_deref().unwrap_or(""),
            &format_date(e.since),
        ];
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(&mut out, f);
        }
        out.push('\n');
    }
    out
}

fn csv_field(out: &mut String, f: &str) {
    if f.contains([',', '"', '\n', '\r']) {
        let _ = write!(out, "\"{}\"", f.replace('"', "\"\""));
    } else {
        out.push_str(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_csv_quoting() {
        assert_eq!(
            ListKind::from_name("invalid-contacts"),
            Some(ListKind::InvalidContacts)
        );
        assert_eq!(ListKind::from_name("nope"), None);
        let e = ListEntry {
            list: ListKind::NonResponsive,
            contact: "P1".into(),
            kind: ResourceKind::Net,
            resource: "NET-1".into(),
            range: "1.0.0.0 - 1.0.0.255".into(),
            role: "abuse",
            inherited_from: Some("ORG, \"X\"".into()),
            since: 0,
            index: 0,
        };
        let csv = to_csv(&[e]);
        assert_eq!(
            csv,
            format!(
                "{CSV_HEADER}\nnon-responsive,ip network,NET-1,1.0.0.0 - 1.0.0.255,P1,abuse,\"ORG, \"\"X\"\"\",1970-01-01\n"
            )
        );
    }
}
