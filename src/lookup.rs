//! `rirwhois lookup`: what the registry knows about one query, laid out for a person at a
//! terminal: the object, its parent chain, and its abuse contact with where it came from
//! and its validation state.

use std::fmt::Write;

use crate::model::{
    ArchivedPocLink, ObjectKind, Policy, Timestamp, ValidationState, cidrs_of_range, format_addr,
    format_date, format_range, net_type_label,
};
use crate::registry::{Abuse, Holder, Query, Registry};

/// How many name matches a lookup lists.
pub const NAME_CAP: usize = 50;

/// A contact's validation state in words.
pub fn state_text(state: ValidationState) -> String {
    let on = |t: Option<Timestamp>| t.map(|t| format!(" since {}", format_date(t)));
    match state {
        ValidationState::Unknown => "no validation record".into(),
        ValidationState::Validated { since } => format!(
            "validated{}",
            since
                .map(|t| format!(" on {}", format_date(t)))
                .unwrap_or_default()
        ),
        ValidationState::Pending { since } => {
            format!("valid, validation requested on {}", format_date(since))
        }
        ValidationState::Unvalidated { since } => format!(
            "Unvalidated: no answer to the validation request{}",
            on(Some(since)).unwrap_or_default()
        ),
        ValidationState::TemporarilyInvalid { since } => {
            format!("Temporarily Invalid{}", on(Some(since)).unwrap_or_default())
        }
        ValidationState::Invalid { since } => {
            format!("Invalid{}", on(Some(since)).unwrap_or_default())
        }
    }
}

struct Ctx<'a> {
    reg: &'a Registry,
    as_of: Timestamp,
    policy: &'a Policy,
    out: String,
}

impl Ctx<'_> {
    fn line(&mut self, label: &str, value: impl std::fmt::Display) {
        let _ = writeln!(self.out, "  {label:<11} {value}");
    }

    fn contacts(&mut self, links: &[ArchivedPocLink]) {
        for l in links {
            let p = l.poc.to_native();
            let poc = self.reg.poc(p);
            let state = self.reg.validation_state(p, self.as_of, self.policy);
            let mail = poc.abuse_mailbox().unwrap_or("(no e-mail)");
            let marker = state
                .marker()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            let value = format!(
                "{:<8}{}{marker}  {}  {mail}  [{}]",
                l.function.get().label(),
                poc.handle.as_str(),
                poc.name.as_str(),
                state_text(state)
            );
            self.line("contact", value);
        }
    }

    fn dates(&mut self, registered: Option<i64>, updated: Option<i64>) {
        if let Some(r) = registered {
            self.line("registered", format_date(r));
        }
        if let Some(u) = updated {
            self.line("updated", format_date(u));
        }
    }

    fn abuse(&mut self, key: &str, abuse: Option<Abuse<'_>>) {
        let _ = writeln!(self.out, "Abuse contact for '{key}'");
        match abuse {
            None => self.line("mailbox", "none: no abuse contact registered here or above"),
            Some(a) => {
                let state = self.reg.validation_state(a.poc, self.as_of, self.policy);
                self.line("mailbox", a.mailbox);
                self.line("contact", self.reg.poc(a.poc).handle.as_str());
                let holder = match a.from {
                    Holder::Net(_) => "network",
                    Holder::Org(_) => "organization",
                    Holder::Asn(_) => "autnum",
                };
                let how = if a.inherited {
                    "inherited from"
                } else {
                    "its own, on"
                };
                self.line(
                    "from",
                    format!("{how} {holder} {}", self.reg.holder_handle(a.from)),
                );
                self.line("state", state_text(state));
            }
        }
    }

    fn net(&mut self, i: u32) {
        let reg = self.reg;
        let n = reg.net(i);
        let (v6, s, e) = (n.v6, n.start.to_native(), n.end.to_native());
        let _ = writeln!(
            self.out,
            "Network {} \"{}\"",
            n.handle.as_str(),
            n.name.as_str()
        );
        self.line("range", format_range(v6, s, e));
        let cidrs: Vec<String> = cidrs_of_range(v6, s, e)
            .into_iter()
            .map(|(a, l)| format!("{}/{l}", format_addr(v6, a)))
            .collect();
        self.line("cidr", cidrs.join(", "));
        if !n.net_type.is_empty() {
            let t = n.net_type.as_str();
            match net_type_label(t) {
                Some(label) => self.line("type", format!("{label} ({t})")),
                None => self.line("type", t),
            }
        }
        if let Some(o) =
            (n.org.to_native() != crate::model::NONE).then(|| reg.org(n.org.to_native()))
        {
            let name = if o.private {
                "Private Customer".to_string()
            } else {
                o.name.to_string()
            };
            let kind = if o.customer { "customer" } else { "org" };
            self.line(kind, format!("{} ({name})", o.handle.as_str()));
        }
        if !n.country.is_empty() {
            self.line("country", n.country.as_str());
        }
        if !n.origin_as.is_empty() {
            let list: Vec<String> = n
                .origin_as
                .iter()
                .map(|a| format!("AS{}", a.to_native()))
                .collect();
            self.line("origin AS", list.join(", "));
        }
        self.dates(
            n.registered.as_ref().map(|t| t.to_native()),
            n.updated.as_ref().map(|t| t.to_native()),
        );
        for c in n.comments.iter() {
            self.line("comment", c.as_str());
        }
        self.contacts(&n.pocs);
        let chain: Vec<u32> = reg.less_specific(i).collect();
        if !chain.is_empty() {
            let _ = writeln!(self.out, "Parent chain (nearest first)");
            for p in chain {
                let pn = reg.net(p);
                let range = format_range(pn.v6, pn.start.to_native(), pn.end.to_native());
                let mut entry = pn.handle.to_string();
                if entry != range {
                    entry = format!("{entry}  {range}");
                }
                let _ = writeln!(self.out, "  {entry}  {}", pn.name.as_str());
            }
        }
        let children = n.children.len();
        if children > 0 {
            self.line("children", children);
        }
        let key = format_range(v6, s, e);
        self.abuse(&key, reg.net_abuse(i));
    }

    fn asn(&mut self, i: u32) {
        let reg = self.reg;
        let a = reg.asn(i);
        let kind = if a.block { "ASN block" } else { "Autnum" };
        let _ = writeln!(
            self.out,
            "{kind} {} \"{}\"",
            a.handle.as_str(),
            a.name.as_str()
        );
        let (s, e) = (a.start.to_native(), a.end.to_native());
        let range = if s == e {
            format!("AS{s}")
        } else {
            format!("AS{s} - AS{e}")
        };
        self.line("range", &range);
        if a.org.to_native() != crate::model::NONE {
            let o = reg.org(a.org.to_native());
            self.line(
                "org",
                format!("{} ({})", o.handle.as_str(), o.name.as_str()),
            );
        }
        self.dates(
            a.registered.as_ref().map(|t| t.to_native()),
            a.updated.as_ref().map(|t| t.to_native()),
        );
        for c in a.comments.iter() {
            self.line("comment", c.as_str());
        }
        self.contacts(&a.pocs);
        self.abuse(&range, reg.asn_abuse(i));
    }

    fn org(&mut self, i: u32) {
        let reg = self.reg;
        let o = reg.org(i);
        let kind = if o.customer {
            "Customer"
        } else {
            "Organization"
        };
        if o.private {
            let _ = writeln!(self.out, "{kind} {} (Private Customer)", o.handle.as_str());
        } else {
            let _ = writeln!(
                self.out,
                "{kind} {} \"{}\"",
                o.handle.as_str(),
                o.name.as_str()
            );
            for s in o.address.street.iter() {
                self.line("address", s.as_str());
            }
            let place: Vec<&str> = [&o.address.city, &o.address.state, &o.address.postal_code]
                .into_iter()
                .map(|s| s.as_str())
                .filter(|s| !s.is_empty())
                .collect();
            if !place.is_empty() {
                self.line("", place.join(" "));
            }
            if !o.address.country.is_empty() {
                self.line("country", o.address.country.as_str());
            }
        }
        if o.parent_org.to_native() != crate::model::NONE {
            self.line(
                "parent org",
                reg.org(o.parent_org.to_native()).handle.as_str(),
            );
        }
        self.contacts(&o.pocs);
        self.line("networks", o.nets.len());
        self.line("autnums", o.asns.len());
        self.abuse(o.handle.as_str(), reg.org_abuse(i));
    }

    fn poc(&mut self, i: u32) {
        let reg = self.reg;
        let p = reg.poc(i);
        let state = reg.validation_state(i, self.as_of, self.policy);
        let marker = state
            .marker()
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        let _ = writeln!(
            self.out,
            "Contact {}{marker} \"{}\"",
            p.handle.as_str(),
            p.name.as_str()
        );
        self.line("state", state_text(state));
        if !p.abuse_mailbox.is_empty() {
            self.line("abuse mail", p.abuse_mailbox.as_str());
        }
        for e in p.emails.iter() {
            self.line("e-mail", e.as_str());
        }
        for ph in p.phones.iter() {
            self.line("phone", ph.number.as_str());
        }
    }

    fn delegation(&mut self, i: u32) {
        let d = self.reg.delegation(i);
        let _ = writeln!(self.out, "Delegation {}", d.name.as_str());
        for ns in d.nameservers.iter() {
            self.line("nameserver", ns.as_str());
        }
        for k in d.ds.iter() {
            self.line(
                "DS",
                format!(
                    "{} {} {} {}",
                    k.key_tag.to_native(),
                    k.algorithm,
                    k.digest_type,
                    k.digest.as_str()
                ),
            );
        }
        self.contacts(&d.pocs);
    }

    fn object(&mut self, kind: ObjectKind, i: u32) {
        match kind {
            ObjectKind::Net => self.net(i),
            ObjectKind::Asn => self.asn(i),
            ObjectKind::Org => self.org(i),
            ObjectKind::Poc => self.poc(i),
            ObjectKind::Delegation => self.delegation(i),
        }
    }
}

/// Describes what the registry holds for `query`. Returns the text and whether anything
/// was found.
pub fn describe(reg: &Registry, query: &str, as_of: Timestamp, policy: &Policy) -> (String, bool) {
    let mut c = Ctx {
        reg,
        as_of,
        policy,
        out: String::new(),
    };
    let found = match Query::parse(query) {
        Query::Addr { v6, addr } => reg.net_by_addr(v6, addr).map(|i| c.net(i)).is_some(),
        Query::Prefix { v6, addr, len } => {
            reg.net_by_prefix(v6, addr, len).map(|i| c.net(i)).is_some()
        }
        Query::Range { v6, start, end } => {
            reg.net_by_range(v6, start, end).map(|i| c.net(i)).is_some()
        }
        Query::Asn(n) => reg.asn_by_number(n).map(|i| c.asn(i)).is_some(),
        Query::Text(text) => {
            let mut hits = if text.ends_with('*') {
                Vec::new()
            } else {
                reg.by_handle(&text)
            };
            let names = reg.search_names(&text, NAME_CAP);
            if hits.is_empty() && names.hits.len() == 1 {
                hits = names.hits.clone();
            }
            if !hits.is_empty() {
                for (n, h) in hits.iter().enumerate() {
                    if n > 0 {
                        c.out.push('\n');
                    }
                    c.object(h.kind, h.index);
                }
                true
            } else if !names.hits.is_empty() {
                let _ = writeln!(c.out, "Objects named '{text}':");
                for h in &names.hits {
                    let handle = match h.kind {
                        ObjectKind::Net => reg.net(h.index).handle.as_str(),
                        ObjectKind::Asn => reg.asn(h.index).handle.as_str(),
                        ObjectKind::Org => reg.org(h.index).handle.as_str(),
                        ObjectKind::Poc => reg.poc(h.index).handle.as_str(),
                        ObjectKind::Delegation => reg.delegation(h.index).name.as_str(),
                    };
                    let name = match h.kind {
                        ObjectKind::Net => reg.net(h.index).name.as_str(),
                        ObjectKind::Asn => reg.asn(h.index).name.as_str(),
                        ObjectKind::Org => reg.org(h.index).name.as_str(),
                        ObjectKind::Poc => reg.poc(h.index).name.as_str(),
                        ObjectKind::Delegation => "",
                    };
                    let _ = writeln!(c.out, "  {:<13}{handle:<24}{name}", h.kind.label());
                }
                if names.truncated {
                    let _ = writeln!(
                        c.out,
                        "  (more than {NAME_CAP} matches; showing the first {NAME_CAP})"
                    );
                }
                true
            } else {
                false
            }
        }
    };
    if !found {
        let _ = writeln!(c.out, "Nothing found for '{query}'.");
    }
    (c.out, found)
}
