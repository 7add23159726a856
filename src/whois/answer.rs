//! From a parsed query to the text of the answer: finds the objects (lookups, hierarchy
//! flags, inverse queries, type and source filters) and lays them out in the configured
//! dialect with the abuse contact first, validation markers, the personal-data limit and
//! the RIPE-style error lines.

use std::fmt::Write;
use std::net::IpAddr;

use crate::model::{
    ArchivedPocKind, ArchivedPocLink, NONE, ObjectKind, PocFunction, Policy, Timestamp,
    ValidationState, format_date,
};
use crate::registry::{Abuse, Holder, Query, Registry};
use crate::server::{Dialect, Personal, PersonalLimiter};

use super::query::{Flags, Hierarchy, Info, Inverse, QueryError, Request, Types, Warning};

/// The most objects one answer lists (searches, `-M`, inverse queries).
pub const MAX_OBJECTS: usize = 250;

/// What does not change between the queries of a connection.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    pub dialect: Dialect,
    pub terms_url: &'a str,
    pub report_url: &'a str,
    /// RDAP base URL ending in `/`, for `Ref:` lines.
    pub rdap_base: &'a str,
    pub policy: Policy,
    /// "Now" for validation states.
    pub as_of: Timestamp,
    pub peer: IpAddr,
    pub limiter: &'a PersonalLimiter,
}

/// One object of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Obj {
    Net(u32),
    Asn(u32),
    Org(u32),
    Poc(u32),
    Domain(u32),
}

impl Obj {
    fn from_hit(kind: ObjectKind, i: u32) -> Obj {
        match kind {
            ObjectKind::Net => Obj::Net(i),
            ObjectKind::Asn => Obj::Asn(i),
            ObjectKind::Org => Obj::Org(i),
            ObjectKind::Poc => Obj::Poc(i),
            ObjectKind::Delegation => Obj::Domain(i),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PersonalGate {
    Open,
    Denied,
}

/// The answer being written.
pub(super) struct Ctx<'a> {
    pub(super) reg: &'a Registry,
    pub(super) env: &'a Env<'a>,
    pub(super) flags: &'a Flags,
    pub(super) out: String,
    gate: PersonalGate,
    /// The effective abuse contact of the resource being shown (nets and ASNs).
    pub(super) effective_abuse: Option<u32>,
    /// RPSL: contacts already shown in this answer.
    pub(super) shown: Vec<u32>,
}

/// A POC link with what the answer needs to know about it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Contact {
    pub(super) poc: u32,
    pub(super) function: PocFunction,
}

impl Contact {
    pub(super) fn is_abuse(&self) -> bool {
        matches!(self.function, PocFunction::Abuse | PocFunction::Irt)
    }
}

pub(super) fn contacts(links: &[ArchivedPocLink]) -> Vec<Contact> {
    links
        .iter()
        .filter(|l| l.poc.to_native() != NONE)
        .map(|l| Contact {
            poc: l.poc.to_native(),
            function: l.function.get(),
        })
        .collect()
}

pub(super) fn opt(i: u32) -> Option<u32> {
    (i != NONE).then_some(i)
}

/// `Unvalidated since 2026-09-03` and the like, or `None` for a contact without a marker.
pub(super) fn state_phrase(state: ValidationState) -> Option<String> {
    let marker = state.marker()?;
    Some(match state.since() {
        Some(t) => format!("{marker} since {}", format_date(t)),
        None => marker.to_string(),
    })
}

impl<'a> Ctx<'a> {
    fn new(reg: &'a Registry, env: &'a Env<'a>, flags: &'a Flags) -> Ctx<'a> {
        Ctx {
            reg,
            env,
            flags,
            out: String::with_capacity(2048),
            gate: PersonalGate::Open,
            effective_abuse: None,
            shown: Vec::new(),
        }
    }

    /// The comment character of the dialect.
    pub(super) fn cc(&self) -> char {
        match self.env.dialect {
            Dialect::Arin => '#',
            Dialect::Rpsl => '%',
        }
    }

    /// A comment line (`% text`, or a lone `%` for empty text).
    pub(super) fn comment(&mut self, text: &str) {
        let cc = self.cc();
        if text.is_empty() {
            let _ = writeln!(self.out, "{cc}");
        } else {
            let _ = writeln!(self.out, "{cc} {text}");
        }
    }

    pub(super) fn blank(&mut self) {
        self.out.push('\n');
    }

    /// `name:` padded to 16 columns, then the value. Empty values are left out.
    pub(super) fn attr(&mut self, name: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let label_len = name.len() + 1;
        self.out.push_str(name);
        self.out.push(':');
        for _ in label_len..16 {
            self.out.push(' ');
        }
        if label_len >= 16 {
            self.out.push(' ');
        }
        self.out.push_str(value);
        self.out.push('\n');
    }

    pub(super) fn state(&self, poc: u32) -> ValidationState {
        self.reg
            .validation_state(poc, self.env.as_of, &self.env.policy)
    }

    /// The handle with its validation marker: `TECH1-TEST (Unvalidated)`.
    pub(super) fn marked(&self, poc: u32) -> String {
        let handle = self.reg.poc(poc).handle.as_str();
        match self.state(poc).marker() {
            Some(m) => format!("{handle} ({m})"),
            None => handle.to_string(),
        }
    }

    /// A comment line for every marked contact among `(label, poc)`, saying since when.
    pub(super) fn marker_comments(&mut self, contacts: &[(&str, u32)]) {
        let mut done: Vec<u32> = Vec::new();
        for &(label, poc) in contacts {
            if done.contains(&poc) {
                continue;
            }
            done.push(poc);
            if let Some(p) = state_phrase(self.state(poc)) {
                let handle = self.reg.poc(poc).handle.to_string();
                self.comment(&format!("{label} {handle} is {p}."));
            }
        }
    }

    /// Counts one personal-data object. Returns false (and says so once per answer) when
    /// the client is over its daily limit.
    pub(super) fn personal_allowed(&mut self) -> bool {
        if self.gate == PersonalGate::Denied {
            return false;
        }
        match self.env.limiter.check(self.env.peer) {
            Personal::Allowed => true,
            Personal::Denied { retry_after } => {
                self.gate = PersonalGate::Denied;
                let _ = writeln!(self.out, "%ERROR:201: access denied for {}", self.env.peer);
                self.comment("");
                self.comment(
                    "Queries from this address have passed the daily limit of personal data.",
                );
                self.comment(&format!(
                    "Contacts that are not abuse contacts are left out for {retry_after} more seconds;"
                ));
                self.comment("everything else in this answer is complete.");
                self.blank();
                false
            }
        }
    }

    pub(super) fn rdap(&self, path: &str) -> String {
        format!("{}{path}", self.env.rdap_base)
    }

    /// The abuse line, then (when the contact is not validated) a line saying since when
    /// with the report URL, then where an inherited contact comes from.
    fn abuse_lines(&mut self, key: &str, abuse: Option<Abuse<'_>>) {
        match abuse {
            None => self.comment(&format!("No abuse contact registered for '{key}'")),
            Some(a) => {
                self.comment(&format!("Abuse contact for '{key}' is '{}'", a.mailbox));
                let handle = self.reg.poc(a.poc).handle.to_string();
                if let Some(p) = state_phrase(self.state(a.poc)) {
                    let url = self.env.report_url;
                    self.comment(&format!(
                        "This abuse contact ({handle}) is {p}; report invalid contact data at {url}"
                    ));
                }
                if a.inherited {
                    let (kind, holder) = match a.from {
                        Holder::Net(_) => ("network", self.reg.holder_handle(a.from)),
                        Holder::Org(_) => ("organisation", self.reg.holder_handle(a.from)),
                        Holder::Asn(_) => ("autnum", self.reg.holder_handle(a.from)),
                    };
                    self.comment(&format!("Abuse contact inherited from {kind} {holder}"));
                }
            }
        }
        self.blank();
    }

    /// The abuse lines of a net and remembers its effective contact.
    pub(super) fn net_abuse_lines(&mut self, i: u32) {
        let n = self.reg.net(i);
        let key = net_key(n.v6, n.start.to_native(), n.end.to_native());
        let abuse = self.reg.net_abuse(i);
        self.effective_abuse = abuse.map(|a| a.poc);
        self.abuse_lines(&key, abuse);
    }

    pub(super) fn asn_abuse_lines(&mut self, i: u32) {
        let key = asn_key(self.reg, i);
        let abuse = self.reg.asn_abuse(i);
        self.effective_abuse = abuse.map(|a| a.poc);
        self.abuse_lines(&key, abuse);
    }

    fn header(&mut self) {
        let format = match self.env.dialect {
            Dialect::Arin => "ARIN",
            Dialect::Rpsl => "RPSL",
        };
        self.comment("");
        self.comment(&format!(
            "This is the rirwhois query service. Objects are shown in {format} format."
        ));
        self.comment(&format!(
            "Use of this service is subject to the terms of use at {}",
            self.env.terms_url
        ));
        self.comment(&format!(
            "Report inaccurate or invalid contact data at {}",
            self.env.report_url
        ));
        self.comment("");
        if self.env.dialect == Dialect::Rpsl && !self.flags.unfiltered && !self.flags.brief {
            self.comment("Note: this output has been filtered.");
            self.comment("      To receive e-mail addresses unfiltered, use the \"-B\" flag.");
        }
        self.blank();
    }

    fn error(&mut self, code: u16, text: &str, explanation: &str) {
        let _ = writeln!(self.out, "%ERROR:{code}: {text}");
        let _ = writeln!(self.out, "%");
        let _ = writeln!(self.out, "% {explanation}");
        self.blank();
    }

    fn warning(&mut self, w: Warning) {
        let _ = writeln!(self.out, "%WARNING:{}: {}", w.code(), w.text());
        let _ = writeln!(self.out, "%");
        let _ = writeln!(self.out, "% {}", w.explanation());
        self.blank();
    }

    fn info(&mut self, info: Info) {
        match info {
            Info::Version => {
                let _ = writeln!(self.out, "% rirwhois-{}", env!("CARGO_PKG_VERSION"));
            }
            Info::Sources => {
                let serial = self.reg.header().serial;
                for s in self.reg.data().meta.sources.iter() {
                    let _ = writeln!(self.out, "{}:3:N:0-{serial}", s.as_str());
                }
            }
            Info::Types => {
                for (name, _) in Types::NAMES {
                    let _ = writeln!(self.out, "{name}");
                }
            }
        }
        self.blank();
    }

    fn object(&mut self, o: Obj, primary: bool) {
        self.effective_abuse = None;
        if self.flags.brief {
            self.brief(o);
            return;
        }
        match self.env.dialect {
            Dialect::Arin => self.arin_object(o, primary),
            Dialect::Rpsl => self.rpsl_object(o, primary),
        }
    }

    /// `-b`: the abuse lines, the object key and `abuse-mailbox:`, the same in both dialects.
    fn brief(&mut self, o: Obj) {
        let reg = self.reg;
        let (class, key, abuse) = match o {
            Obj::Net(i) => {
                let n = reg.net(i);
                self.net_abuse_lines(i);
                let class = if n.v6 { "inet6num" } else { "inetnum" };
                (
                    class,
                    net_key(n.v6, n.start.to_native(), n.end.to_native()),
                    reg.net_abuse(i),
                )
            }
            Obj::Asn(i) => {
                self.asn_abuse_lines(i);
                let class = if reg.asn(i).block {
                    "as-block"
                } else {
                    "aut-num"
                };
                (class, asn_key(reg, i), reg.asn_abuse(i))
            }
            Obj::Org(i) => (
                "organisation",
                reg.org(i).handle.to_string(),
                reg.org_abuse(i),
            ),
            Obj::Poc(_) | Obj::Domain(_) => return,
        };
        self.attr(class, &key);
        if let Some(a) = abuse {
            self.attr("abuse-mailbox", a.mailbox);
        }
        self.blank();
    }

    /// Short lines for several matches (ARIN dialect without `+`).
    fn summary(&mut self, objs: &[Obj]) {
        let reg = self.reg;
        for &o in objs {
            let line = match o {
                Obj::Net(i) => {
                    let n = reg.net(i);
                    format!(
                        "{} ({}) {}",
                        n.name.as_str(),
                        n.handle.as_str(),
                        crate::model::format_range(n.v6, n.start.to_native(), n.end.to_native())
                    )
                }
                Obj::Asn(i) => {
                    let a = reg.asn(i);
                    format!(
                        "{} ({}) {}",
                        a.name.as_str(),
                        a.handle.as_str(),
                        asn_key(reg, i)
                    )
                }
                Obj::Org(i) => {
                    let org = reg.org(i);
                    let name = if org.private {
                        "Private Customer"
                    } else {
                        org.name.as_str()
                    };
                    format!("{name} ({})", org.handle.as_str())
                }
                Obj::Poc(i) => {
                    let p = reg.poc(i);
                    let marker = self
                        .state(i)
                        .marker()
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default();
                    format!("{} ({}){marker}", p.name.as_str(), p.handle.as_str())
                }
                Obj::Domain(i) => reg.delegation(i).name.to_string(),
            };
            self.out.push_str(&line);
            self.out.push('\n');
        }
        self.blank();
        self.comment("Several objects match. To see them in full, put + before the query.");
        self.blank();
    }
}

/// The abuse-line key of a net: its range.
pub(super) fn net_key(v6: bool, start: u128, end: u128) -> String {
    crate::model::format_range(v6, start, end)
}

/// The abuse-line key of an ASN: `AS64496` or `AS64496 - AS64511`.
pub(super) fn asn_key(reg: &Registry, i: u32) -> String {
    let a = reg.asn(i);
    let (s, e) = (a.start.to_native(), a.end.to_native());
    if s == e {
        format!("AS{s}")
    } else {
        format!("AS{s} - AS{e}")
    }
}

/// The found objects, and whether the list was cut at [`MAX_OBJECTS`].
struct Found {
    objs: Vec<Obj>,
    truncated: bool,
    /// The key was an address, prefix, range or ASN (nets and ASNs were looked up).
    resource: bool,
}

impl Found {
    fn push(&mut self, o: Obj) -> bool {
        if self.objs.contains(&o) {
            return true;
        }
        if self.objs.len() >= MAX_OBJECTS {
            self.truncated = true;
            return false;
        }
        self.objs.push(o);
        true
    }
}

fn type_of(reg: &Registry, o: Obj) -> Types {
    match o {
        Obj::Net(i) => {
            if reg.net(i).v6 {
                Types::INET6NUM
            } else {
                Types::INETNUM
            }
        }
        Obj::Asn(i) => {
            if reg.asn(i).block {
                Types::AS_BLOCK
            } else {
                Types::AUT_NUM
            }
        }
        Obj::Org(i) => {
            if reg.org(i).customer {
                Types::CUSTOMER
            } else {
                Types::ORGANISATION
            }
        }
        Obj::Poc(i) => match reg.poc(i).kind {
            ArchivedPocKind::Person => Types::PERSON,
            ArchivedPocKind::Role => Types::ROLE,
            ArchivedPocKind::Irt => Types::IRT,
        },
        Obj::Domain(_) => Types::DOMAIN,
    }
}

fn source_of(reg: &Registry, o: Obj) -> &str {
    match o {
        Obj::Net(i) => reg.net(i).source.as_str(),
        Obj::Asn(i) => reg.asn(i).source.as_str(),
        Obj::Org(i) => reg.org(i).source.as_str(),
        Obj::Poc(i) => reg.poc(i).source.as_str(),
        Obj::Domain(i) => reg.delegation(i).source.as_str(),
    }
}

/// Type filter: customers pass as organisations when only `-T organisation` is given.
fn type_ok(types: Option<Types>, t: Types) -> bool {
    match types {
        None => true,
        Some(set) => set.any(t) || (t == Types::CUSTOMER && set.any(Types::ORGANISATION)),
    }
}

/// The nets a hierarchy flag selects around `start..=end`.
fn nets_for_range(
    reg: &Registry,
    v6: bool,
    start: u128,
    end: u128,
    h: Option<Hierarchy>,
    found: &mut Found,
) {
    let containing = reg.net_by_range(v6, start, end);
    let is_exact = |i: u32| {
        let n = reg.net(i);
        n.start.to_native() == start && n.end.to_native() == end
    };
    let inside = |i: u32| {
        let n = reg.net(i);
        n.start.to_native() >= start && n.end.to_native() <= end
    };
    match h {
        None => {
            if let Some(i) = containing {
                found.push(Obj::Net(i));
            }
        }
        Some(Hierarchy::Exact) => {
            if let Some(i) = reg.net_exact(v6, start, end) {
                found.push(Obj::Net(i));
            }
        }
        Some(Hierarchy::OneLess) => {
            let one = match containing {
                Some(i) if is_exact(i) => reg.parent(i),
                other => other,
            };
            if let Some(i) = one {
                found.push(Obj::Net(i));
            }
        }
        Some(Hierarchy::AllLess) => {
            if let Some(i) = containing {
                let mut chain: Vec<u32> = reg.less_specific(i).collect();
                chain.reverse();
                chain.push(i);
                for n in chain {
                    found.push(Obj::Net(n));
                }
            }
        }
        Some(Hierarchy::OneMore) | Some(Hierarchy::AllMore) => {
            let all = h == Some(Hierarchy::AllMore);
            // The nets directly below the query: the children of the exact match, else the
            // children of the containing net (or the top-level nets) that lie inside it.
            let base: Vec<u32> = match containing {
                Some(i) if is_exact(i) => reg.children(i).collect(),
                Some(i) => reg.children(i).filter(|&c| inside(c)).collect(),
                None => reg
                    .top_nets()
                    .filter(|&c| reg.net(c).v6 == v6 && inside(c))
                    .collect(),
            };
            for c in base {
                if !found.push(Obj::Net(c)) {
                    return;
                }
                if all {
                    for d in reg.more_specific(c) {
                        if !found.push(Obj::Net(d)) {
                            return;
                        }
                    }
                }
            }
        }
    }
}

/// The reverse-DNS zone names for a prefix, most specific first: the zone of the prefix
/// itself (rounded down to an octet or nibble boundary), then the enclosing ones unless
/// `exact`.
fn reverse_zones(v6: bool, addr: u128, len: u8, exact: bool) -> Vec<String> {
    let mut out = Vec::new();
    if v6 {
        let nibbles = (len / 4).min(32);
        let bottom = if exact { nibbles } else { 1 };
        for n in (bottom.max(1)..=nibbles).rev() {
            let mut labels: Vec<String> = (0..n)
                .map(|k| format!("{:x}", (addr >> (124 - 4 * u32::from(k))) & 0xf))
                .collect();
            labels.reverse();
            out.push(format!("{}.ip6.arpa", labels.join(".")));
        }
    } else {
        let octets = (len / 8).min(4);
        let bottom = if exact { octets } else { 1 };
        let a = addr as u32;
        for n in (bottom.max(1)..=octets).rev() {
            let mut labels: Vec<String> = (0..n)
                .map(|k| ((a >> (24 - 8 * u32::from(k))) & 0xff).to_string())
                .collect();
            labels.reverse();
            out.push(format!("{}.in-addr.arpa", labels.join(".")));
        }
    }
    out
}

fn domains_for(reg: &Registry, v6: bool, addr: u128, len: u8, exact: bool, found: &mut Found) {
    for zone in reverse_zones(v6, addr, len, exact) {
        let hits: Vec<u32> = reg
            .by_handle(&zone)
            .into_iter()
            .filter(|h| h.kind == ObjectKind::Delegation)
            .map(|h| h.index)
            .collect();
        if !hits.is_empty() {
            for i in hits {
                found.push(Obj::Domain(i));
            }
            return;
        }
    }
}

/// The POCs named by `key` (a handle).
fn pocs_named(reg: &Registry, key: &str) -> Vec<u32> {
    reg.by_handle(key)
        .into_iter()
        .filter(|h| h.kind == ObjectKind::Poc)
        .map(|h| h.index)
        .collect()
}

/// `-i`: objects that refer to the key through the attribute. Orgs use their linked lists;
/// contacts and origins are found by one pass over the tables.
fn inverse(reg: &Registry, attr: Inverse, key: &str, found: &mut Found) {
    let db = &reg.data().db;
    match attr {
        Inverse::Org => {
            for h in reg.by_handle(key) {
                if h.kind != ObjectKind::Org {
                    continue;
                }
                let o = reg.org(h.index);
                for n in o.nets.iter() {
                    if !found.push(Obj::Net(n.to_native())) {
                        return;
                    }
                }
                for a in o.asns.iter() {
                    if !found.push(Obj::Asn(a.to_native())) {
                        return;
                    }
                }
            }
        }
        Inverse::Origin => {
            let Query::Asn(asn) = Query::parse(key) else {
                return;
            };
            for (i, n) in db.nets.iter().enumerate() {
                if n.origin_as.iter().any(|a| a.to_native() == asn)
                    && !found.push(Obj::Net(i as u32))
                {
                    return;
                }
            }
        }
        Inverse::AbuseC | Inverse::AdminC | Inverse::TechC => {
            let pocs = pocs_named(reg, key);
            if pocs.is_empty() {
                return;
            }
            let wanted = |l: &ArchivedPocLink| {
                let f = l.function.get();
                let fits = match attr {
                    Inverse::AbuseC => matches!(f, PocFunction::Abuse | PocFunction::Irt),
                    Inverse::AdminC => f == PocFunction::Admin,
                    _ => matches!(f, PocFunction::Tech | PocFunction::Noc),
                };
                fits && pocs.contains(&l.poc.to_native())
            };
            for (i, o) in db.orgs.iter().enumerate() {
                if o.pocs.iter().any(wanted) && !found.push(Obj::Org(i as u32)) {
                    return;
                }
            }
            for (i, n) in db.nets.iter().enumerate() {
                if n.pocs.iter().any(wanted) && !found.push(Obj::Net(i as u32)) {
                    return;
                }
            }
            for (i, a) in db.asns.iter().enumerate() {
                if a.pocs.iter().any(wanted) && !found.push(Obj::Asn(i as u32)) {
                    return;
                }
            }
            for (i, d) in db.delegations.iter().enumerate() {
                if d.pocs.iter().any(wanted) && !found.push(Obj::Domain(i as u32)) {
                    return;
                }
            }
        }
    }
}

fn lookup(reg: &Registry, req: &Request) -> Found {
    let flags = &req.flags;
    let mut found = Found {
        objs: Vec::new(),
        truncated: false,
        resource: false,
    };
    if let Some(attr) = flags.inverse {
        inverse(reg, attr, &req.key, &mut found);
        return found;
    }
    let types = flags.types;
    let wants = |t: Types| types.is_none_or(|s| s.any(t));
    let domains_only = types == Some(Types::DOMAIN);
    let exact = flags.hierarchy == Some(Hierarchy::Exact);
    match Query::parse(&req.key) {
        Query::Addr { v6, addr } => {
            found.resource = true;
            if domains_only {
                domains_for(reg, v6, addr, if v6 { 128 } else { 32 }, false, &mut found);
            } else if wants(if v6 { Types::INET6NUM } else { Types::INETNUM }) {
                nets_for_range(reg, v6, addr, addr, flags.hierarchy, &mut found);
            }
        }
        Query::Prefix { v6, addr, len } => {
            found.resource = true;
            if domains_only {
                domains_for(reg, v6, addr, len, exact, &mut found);
            } else if wants(if v6 { Types::INET6NUM } else { Types::INETNUM }) {
                let (s, e) = crate::model::prefix_range(v6, addr, len);
                nets_for_range(reg, v6, s, e, flags.hierarchy, &mut found);
            }
        }
        Query::Range { v6, start, end } => {
            found.resource = true;
            if wants(if v6 { Types::INET6NUM } else { Types::INETNUM }) {
                nets_for_range(reg, v6, start, end, flags.hierarchy, &mut found);
            }
        }
        Query::Asn(n) => {
            found.resource = true;
            if let Some(i) = reg.asn_by_number(n)
                && wants(type_of(reg, Obj::Asn(i)))
            {
                found.push(Obj::Asn(i));
            }
            // A bare number may also be a handle (an ARIN customer, say).
            if found.objs.is_empty() {
                text_lookup(reg, &req.key, flags, &mut found);
            }
        }
        Query::Text(text) => text_lookup(reg, &text, flags, &mut found),
    }
    found
}

fn text_lookup(reg: &Registry, text: &str, flags: &Flags, found: &mut Found) {
    let exact = flags.hierarchy == Some(Hierarchy::Exact);
    let add = |hits: &[crate::registry::Hit], found: &mut Found| {
        for h in hits {
            let o = Obj::from_hit(h.kind, h.index);
            if type_ok(flags.types, type_of(reg, o)) && !found.push(o) {
                return;
            }
        }
    };
    if text.ends_with('*') {
        if exact {
            return;
        }
        add(&reg.search_handles(text, MAX_OBJECTS).hits, found);
        let names = reg.search_names(text, MAX_OBJECTS);
        found.truncated |= names.truncated;
        add(&names.hits, found);
        return;
    }
    add(&reg.by_handle(text), found);
    if found.objs.is_empty() {
        let names = reg.search_names(text, MAX_OBJECTS);
        found.truncated |= names.truncated;
        add(&names.hits, found);
    }
}

/// Answers one query. The text ends with one blank line (two in persistent mode).
pub fn answer(reg: &Registry, env: &Env<'_>, req: &Request) -> String {
    let mut ctx = Ctx::new(reg, env, &req.flags);
    ctx.header();
    for &w in &req.flags.warnings {
        ctx.warning(w);
    }
    if let Some(info) = req.flags.info {
        ctx.info(info);
        return finish(ctx.out, req.flags.keep_alive);
    }
    if let Some(bad) = unknown_source(reg, &req.flags.sources) {
        let e = QueryError::UnknownSource(bad);
        ctx.error(e.code(), &e.to_string(), &e.explanation());
        return finish(ctx.out, req.flags.keep_alive);
    }
    let mut found = lookup(reg, req);
    if !req.flags.sources.is_empty() {
        found.objs.retain(|&o| {
            let s = source_of(reg, o);
            req.flags.sources.iter().any(|w| w.eq_ignore_ascii_case(s))
        });
    }
    if req.flags.inverse.is_some() {
        found
            .objs
            .retain(|&o| type_ok(req.flags.types, type_of(reg, o)));
    }
    if req.flags.hierarchy.is_some() && !found.resource && req.flags.inverse.is_none() {
        ctx.warning(Warning::UselessIpFlag);
    }
    if req.flags.brief {
        found
            .objs
            .retain(|o| matches!(o, Obj::Net(_) | Obj::Asn(_) | Obj::Org(_)));
    }
    if found.objs.is_empty() {
        ctx.error(
            101,
            "no entries found",
            "No entries found in the selected sources.",
        );
        return finish(ctx.out, req.flags.keep_alive);
    }
    let summarize = env.dialect == Dialect::Arin
        && !req.flags.full
        && !req.flags.brief
        && !found.resource
        && found.objs.len() > 1;
    if summarize {
        ctx.summary(&found.objs);
    } else {
        for &o in &found.objs {
            ctx.object(o, true);
        }
    }
    if found.truncated {
        ctx.comment(&format!(
            "More than {MAX_OBJECTS} objects match; only the first {MAX_OBJECTS} are shown."
        ));
        ctx.blank();
    }
    finish(ctx.out, req.flags.keep_alive)
}

/// An error answer for a line that could not be parsed (or read).
pub(super) fn error_answer(
    env: &Env<'_>,
    reg: &Registry,
    e: &QueryError,
    keep_alive: bool,
) -> String {
    let flags = Flags::default();
    let mut ctx = Ctx::new(reg, env, &flags);
    ctx.header();
    ctx.error(e.code(), &e.to_string(), &e.explanation());
    finish(ctx.out, keep_alive)
}

/// A connection-level error (305, 306) with the header.
pub(super) fn connection_error(
    env: &Env<'_>,
    reg: &Registry,
    code: u16,
    text: &str,
    why: &str,
) -> String {
    let flags = Flags::default();
    let mut ctx = Ctx::new(reg, env, &flags);
    ctx.header();
    ctx.error(code, text, why);
    ctx.out
}

fn unknown_source(reg: &Registry, wanted: &[String]) -> Option<String> {
    let have = &reg.data().meta.sources;
    wanted
        .iter()
        .find(|w| !have.iter().any(|s| s.as_str().eq_ignore_ascii_case(w)))
        .cloned()
}

/// Ends the answer: one blank line, two in persistent mode.
fn finish(mut out: String, keep_alive: bool) -> String {
    while out.ends_with("\n\n") {
        out.pop();
    }
    out.push('\n');
    if keep_alive {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_zone_names() {
        let (v6, a) = crate::model::parse_addr("23.1.2.0").unwrap();
        assert_eq!(
            reverse_zones(v6, a, 24, false),
            [
                "2.1.23.in-addr.arpa",
                "1.23.in-addr.arpa",
                "23.in-addr.arpa"
            ]
        );
        assert_eq!(reverse_zones(v6, a, 16, true), ["1.23.in-addr.arpa"]);
        assert_eq!(reverse_zones(v6, a, 20, true), ["1.23.in-addr.arpa"]);
        let (v6, a) = crate::model::parse_addr("2001:db8::").unwrap();
        assert_eq!(reverse_zones(v6, a, 32, true), ["8.b.d.0.1.0.0.2.ip6.arpa"]);
    }

    #[test]
    fn answers_end_with_one_or_two_blank_lines() {
        assert_eq!(finish("x\n\n\n".into(), false), "x\n\n");
        assert_eq!(finish("x\n".into(), true), "x\n\n\n");
    }
}
