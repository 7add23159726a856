//! RDAP objects (RFC 9083) written from the borrowed snapshot objects: ip networks,
//! autnums, entities (jCard), domains, and the members every answer carries (notices,
//! events, links, remarks, `rdapConformance`, RFC 9537 `redacted`).
//!
//! A [`Doc`] is one answer being written. It remembers which extensions it used, so that
//! `rdapConformance` lists exactly those, and which members it redacted. Entities carry the
//! contact validation markers (ARIN style) wherever they appear, and the abuse contact of a
//! network or an autnum is always among its entities, its own or inherited.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;

use crate::model::{
    ArchivedAddress, ArchivedOrg, ArchivedPhoneKind, ArchivedPoc, ArchivedPocKind, ArchivedPocLink,
    DAY, NONE, PhoneKind, PocFunction, PocKind, PolicyProfile, Timestamp, ValidationState,
    cidrs_of_range, format_addr, format_date, format_datetime, net_type_label,
};
use crate::registry::{Abuse, Holder, Registry};
use crate::server::Shared;

use super::cache::{Fragment, Fragments, fragment_key};
use super::json::Json;
use super::request::encode_seg;

/// The RDAP media type.
pub(crate) const RDAP_JSON: &str = "application/rdap+json";

/// Extensions an answer can use, in the order `rdapConformance` lists them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Ext(u16);

impl Ext {
    pub(crate) const LEVEL0: Ext = Ext(1);
    pub(crate) const NRO: Ext = Ext(1 << 1);
    pub(crate) const CIDR0: Ext = Ext(1 << 2);
    pub(crate) const ORIGINAS: Ext = Ext(1 << 3);
    pub(crate) const REDACTED: Ext = Ext(1 << 4);
    pub(crate) const RIR_SEARCH: Ext = Ext(1 << 5);
    pub(crate) const IPS: Ext = Ext(1 << 6);
    pub(crate) const IP_RESULTS: Ext = Ext(1 << 7);
    pub(crate) const AUTNUMS: Ext = Ext(1 << 8);
    pub(crate) const AUTNUM_RESULTS: Ext = Ext(1 << 9);
    pub(crate) const REVERSE: Ext = Ext(1 << 10);
    /// Every extension the server implements (the help answer lists them all).
    pub(crate) const ALL: Ext = Ext((1 << 11) - 1);

    const NAMES: [&'static str; 11] = [
        "rdap_level_0",
        "nro_rdap_profile_0",
        "cidr0",
        "arin_originas0",
        "redacted",
        "rirSearch1",
        "ips",
        "ipSearchResults",
        "autnums",
        "autnumSearchResults",
        "reverse_search",
    ];

    pub(crate) fn add(&mut self, e: Ext) {
        self.0 |= e.0;
    }

    pub(crate) fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| n)
    }
}

/// What a request-independent renderer needs.
pub(crate) struct Ctx<'a> {
    pub(crate) reg: &'a Registry,
    pub(crate) shared: &'a Shared,
    /// Public base URL, ending in `/`.
    pub(crate) base: &'a str,
    pub(crate) now: Timestamp,
    /// Rendered fragments of this registry, reused across answers.
    pub(crate) fragments: Option<&'a Fragments>,
    /// The standard notices, pre-rendered.
    pub(crate) notices: Option<&'a NoticeTemplate>,
}

impl Ctx<'_> {
    /// Whether writing these links shows e-mail addresses of contacts that are not abuse
    /// contacts.
    pub(crate) fn links_personal(&self, links: &[ArchivedPocLink]) -> bool {
        links.iter().any(|l| {
            let p = l.poc.to_native();
            !is_abuse_fn(l.function.get()) && p != NONE && !self.reg.poc(p).emails.is_empty()
        })
    }

    /// Whether a full network answer shows non-abuse e-mail addresses.
    pub(crate) fn net_personal(&self, i: u32) -> bool {
        let n = self.reg.net(i);
        self.links_personal(&n.pocs) || self.org_personal(n.org.to_native())
    }

    pub(crate) fn asn_personal(&self, i: u32) -> bool {
        let a = self.reg.asn(i);
        self.links_personal(&a.pocs) || self.org_personal(a.org.to_native())
    }

    pub(crate) fn org_personal(&self, o: u32) -> bool {
        o != NONE && self.links_personal(&self.reg.org(o).pocs)
    }
}

/// How much of a network or autnum to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// With entities (and the registrant's own contacts inside it).
    Full,
    /// Without entities: a network listed inside an entity.
    Summary,
}

/// Where an entity is written, for the JSONPath of its redactions.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Place {
    /// The answer itself.
    Top,
    /// Inside an `entities` array.
    Embedded,
    /// In `entitySearchResults`.
    Result,
}

/// One RFC 9537 redaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redaction {
    name: &'static str,
    pre_path: String,
    reason: &'static str,
}

/// A notice added to the standard ones.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub(crate) title: &'static str,
    pub(crate) kind: Option<&'static str>,
    pub(crate) description: Vec<String>,
}

/// RDAP notice/remark type for capped results.
pub(crate) const TRUNCATED_LOAD: &str = "result set truncated due to excessive load";

/// One answer being written.
pub(crate) struct Doc<'a> {
    pub(crate) cx: &'a Ctx<'a>,
    pub(crate) j: Json,
    /// When set, cached pieces are not copied into `j`: a placeholder byte stands for each
    /// (see [`Json::placeholder`]) and the piece is kept here with its place.
    splices: Option<Vec<(usize, Bytes)>>,
    pub(crate) ext: Ext,
    redacted: Vec<Redaction>,
    /// Leave out the e-mail addresses of contacts that are not abuse contacts here.
    pub(crate) strip_personal: bool,
    pub(crate) notices: Vec<Notice>,
    /// The URL this answer was asked for (the `value` of notice links).
    pub(crate) url: &'a str,
    /// Until when what was written stays true (the next change of a contact's state).
    valid_until: Timestamp,
    /// The base URL needs no JSON escaping, so URLs can be written from parts.
    base_safe: bool,
}

/// Fragment kinds (see [`fragment_key`]).
const FRAG_NET_ANSWER: u8 = super::cache::ANSWER_KIND;
const FRAG_REGISTRANT: u8 = 2;
const FRAG_POC: u8 = 3;
const FRAG_INHERITED_ABUSE: u8 = 4;

/// The roles a POC can have inside an object (bit positions in fragment keys).
const ROLES: [&str; 6] = [
    "abuse",
    "administrative",
    "technical",
    "noc",
    "routing",
    "dns",
];

fn is_abuse_fn(f: PocFunction) -> bool {
    matches!(f, PocFunction::Abuse | PocFunction::Irt)
}

/// The RDAP role of a POC function.
pub(crate) fn role_of(f: PocFunction) -> &'static str {
    match f {
        PocFunction::Admin => "administrative",
        PocFunction::Abuse | PocFunction::Irt => "abuse",
        PocFunction::Noc => "noc",
        PocFunction::Tech => "technical",
        PocFunction::Routing => "routing",
        PocFunction::Dns => "dns",
    }
}

/// The POC functions an RDAP role stands for.
pub(crate) fn functions_of(role: &str) -> Option<&'static [PocFunction]> {
    Some(match role {
        "administrative" => &[PocFunction::Admin],
        "abuse" => &[PocFunction::Abuse, PocFunction::Irt],
        "noc" => &[PocFunction::Noc],
        "technical" => &[PocFunction::Tech],
        "routing" => &[PocFunction::Routing],
        "dns" => &[PocFunction::Dns],
        _ => return None,
    })
}

/// Links grouped by POC, roles in first-seen order.
fn group_links(links: &[ArchivedPocLink]) -> Vec<(u32, Vec<&'static str>)> {
    let mut out: Vec<(u32, Vec<&'static str>)> = Vec::new();
    for l in links {
        let p = l.poc.to_native();
        if p == NONE {
            continue;
        }
        let role = role_of(l.function.get());
        match out.iter_mut().find(|(q, _)| *q == p) {
            Some((_, roles)) => {
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
            None => out.push((p, vec![role])),
        }
    }
    out
}

/// The RDAP `type` of a network: ARIN codes in words, RPSL statuses as published.
pub(crate) fn net_type_text(code: &str) -> Cow<'_, str> {
    match code {
        "DA" => "DIRECT ALLOCATION".into(),
        "DS" => "DIRECT ASSIGNMENT".into(),
        "A" => "REALLOCATION".into(),
        "S" => "REASSIGNMENT".into(),
        _ => match net_type_label(code) {
            Some(label) => label.to_uppercase().into(),
            None => code.into(),
        },
    }
}

/// The smallest CIDR holding `start..=end` (the range itself when it is one).
pub(crate) fn covering_cidr(v6: bool, start: u128, end: u128) -> (u128, u8) {
    let width: u32 = if v6 { 128 } else { 32 };
    let diff = start ^ end;
    let host = 128 - diff.leading_zeros();
    let len = width.saturating_sub(host) as u8;
    let mask = if host >= 128 {
        0
    } else {
        !((1u128 << host) - 1)
    };
    (start & mask, len)
}

impl<'a> Doc<'a> {
    pub(crate) fn new(cx: &'a Ctx<'a>, url: &'a str) -> Doc<'a> {
        let mut ext = Ext::LEVEL0;
        ext.add(Ext::NRO);
        Doc {
            cx,
            j: Json::with_capacity(16 * 1024),
            splices: None,
            ext,
            redacted: Vec::new(),
            strip_personal: false,
            notices: Vec::new(),
            url,
            valid_until: Timestamp::MAX,
            base_safe: !cx.base.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\'),
        }
    }

    fn reg(&self) -> &'a Registry {
        self.cx.reg
    }

    /// Assembles `{rdapConformance, notices, <members written so far>, redacted}`. The
    /// members are what was written into `j` (without the surrounding braces).
    pub(crate) fn finish(self) -> String {
        let mut out = Json::with_capacity(self.j.len() + 2048);
        self.head(&mut out);
        out.raw(self.j.since(0));
        self.tail(&mut out);
        out.into_string()
    }

    /// `{"notices":[…]` with the standard and the added notices.
    fn head(&self, out: &mut Json) {
        out.obj();
        out.key_arr("notices");
        standard_notices(out, self.cx, self.url);
        for n in &self.notices {
            out.obj();
            out.kv("title", n.title);
            if let Some(k) = n.kind {
                out.kv("type", k);
            }
            out.kv_strs("description", n.description.iter().map(String::as_str));
            out.end_obj();
        }
        out.end_arr();
    }

    /// `,"rdapConformance":[…],"redacted":[…]}`: what the members written so far use.
    fn tail(&self, out: &mut Json) {
        let mut ext = self.ext;
        if !self.redacted.is_empty() {
            ext.add(Ext::REDACTED);
        }
        out.kv_strs("rdapConformance", ext.names());
        if !self.redacted.is_empty() {
            out.key_arr("redacted");
            for r in &self.redacted {
                out.obj();
                out.key_obj("name");
                out.kv("description", r.name);
                out.end_obj();
                out.kv("prePath", &r.pre_path);
                out.kv("pathLang", "jsonpath");
                out.kv("method", "removal");
                out.key_obj("reason");
                out.kv("description", r.reason);
                out.end_obj();
                out.end_obj();
            }
            out.end_arr();
        }
        out.end_obj();
    }

    fn redact(&mut self, name: &'static str, pre_path: String, reason: &'static str) {
        let r = Redaction {
            name,
            pre_path,
            reason,
        };
        if !self.redacted.contains(&r) {
            self.redacted.push(r);
        }
    }

    // Common members.

    /// A link whose `value` and `href` are made of URL-safe parts (the base URL when it is
    /// JSON-safe, path words, addresses, numbers, percent-encoded handles).
    fn link_parts(&mut self, value: &[&str], rel: &str, href: &[&str]) {
        if self.base_safe {
            self.j.obj();
            self.j.kv_raw("value", value);
            self.j.kv("rel", rel);
            self.j.kv_raw("href", href);
            self.j.kv("type", RDAP_JSON);
            self.j.end_obj();
        } else {
            self.link(&value.concat(), rel, &href.concat());
        }
    }

    fn link(&mut self, value: &str, rel: &str, href: &str) {
        self.j.obj();
        self.j.kv("value", value);
        self.j.kv("rel", rel);
        self.j.kv("href", href);
        self.j.kv("type", RDAP_JSON);
        self.j.end_obj();
    }

    fn events(&mut self, registered: Option<Timestamp>, updated: Option<Timestamp>) {
        if registered.is_none() && updated.is_none() {
            return;
        }
        self.j.key_arr("events");
        for (action, t) in [("registration", registered), ("last changed", updated)] {
            if let Some(t) = t {
                self.j.obj();
                self.j.kv("eventAction", action);
                self.j.kv_raw("eventDate", &[datetime(t).as_str()]);
                self.j.end_obj();
            }
        }
        self.j.end_arr();
    }

    /// `remarks`, from the object's comment lines and any extra remarks.
    fn remarks(&mut self, comments: &[rkyv::string::ArchivedString], extra: &[Remark]) {
        if comments.is_empty() && extra.is_empty() {
            return;
        }
        self.j.key_arr("remarks");
        for r in extra {
            self.j.obj();
            self.j.kv("title", r.title);
            if let Some(k) = r.kind {
                self.j.kv("type", k);
            }
            self.j
                .kv_strs("description", r.description.iter().map(String::as_str));
            self.j.end_obj();
        }
        if !comments.is_empty() {
            self.j.obj();
            self.j.kv("title", "Registration Comments");
            self.j
                .kv_strs("description", comments.iter().map(|c| c.as_str()));
            self.j.end_obj();
        }
        self.j.end_arr();
    }

    // URLs.

    pub(crate) fn net_url(&self, i: u32) -> String {
        let n = self.reg().net(i);
        let (v6, s, e) = (n.v6, n.start.to_native(), n.end.to_native());
        let (a, l) = cidrs_of_range(v6, s, e)
            .first()
            .copied()
            .unwrap_or((s, if v6 { 128 } else { 32 }));
        format!("{}ip/{}/{l}", self.cx.base, format_addr(v6, a))
    }

    pub(crate) fn asn_url(&self, i: u32) -> String {
        format!(
            "{}autnum/{}",
            self.cx.base,
            self.reg().asn(i).start.to_native()
        )
    }

    pub(crate) fn entity_url(&self, handle: &str) -> String {
        format!("{}entity/{}", self.cx.base, encode_seg(handle))
    }

    pub(crate) fn domain_url(&self, name: &str) -> String {
        format!("{}domain/{}", self.cx.base, encode_seg(name))
    }

    // Cached fragments.

    /// Writes the fragment under `key` if the cache holds a current one; else writes it
    /// with `render` and stores it. Extensions, redactions and validity carry over.
    fn cached(&mut self, key: u64, render: impl FnOnce(&mut Self)) {
        let now = self.cx.now;
        if let Some(frags) = self.cx.fragments
            && let Some(f) = frags.get(key, now)
        {
            match (&mut self.splices, f.text().as_bytes().last()) {
                (Some(splices), Some(&last)) if last.is_ascii() => {
                    splices.push((self.j.placeholder(last), f.json.clone()));
                }
                _ => self.j.raw(f.text()),
            }
            self.ext.add(f.ext);
            for r in &f.redactions {
                self.redact(r.name, r.pre_path.clone(), r.reason);
            }
            self.valid_until = self.valid_until.min(f.valid_until);
            return;
        }
        let (outer_ext, outer_valid, redactions_before) =
            (self.ext, self.valid_until, self.redacted.len());
        self.ext = Ext::default();
        self.valid_until = Timestamp::MAX;
        let start = self.j.len();
        // The piece's own text must be whole: no splices inside it.
        let splices = self.splices.take();
        render(self);
        self.splices = splices;
        // A separator written before the fragment's first value is not part of it.
        let written = self.j.since(start);
        let text: Arc<str> = written.strip_prefix(',').unwrap_or(written).into();
        let f = Fragment::new(
            key,
            self.valid_until,
            text,
            self.ext,
            self.redacted[redactions_before..].to_vec(),
        );
        self.ext.add(outer_ext);
        self.valid_until = self.valid_until.min(outer_valid);
        if let Some(frags) = self.cx.fragments
            && !f.text.is_empty()
        {
            frags.put(f);
        }
    }

    // Objects.

    /// An ip network. `top` when it is the answer itself (its members go straight into
    /// the document).
    pub(crate) fn net(&mut self, i: u32, depth: Depth, top: bool) {
        let reg = self.reg();
        let n = reg.net(i);
        let (v6, s, e) = (n.v6, n.start.to_native(), n.end.to_native());
        if !top {
            self.j.obj();
        }
        self.j.kv("objectClassName", "ip network");
        self.j.kv("handle", n.handle.as_str());
        self.j.kv_raw("startAddress", &[addr_text(v6, s).as_str()]);
        self.j.kv_raw("endAddress", &[addr_text(v6, e).as_str()]);
        self.j.kv("ipVersion", if v6 { "v6" } else { "v4" });
        if !n.name.is_empty() {
            self.j.kv("name", n.name.as_str());
        }
        if !n.net_type.is_empty() {
            self.j.kv("type", &net_type_text(n.net_type.as_str()));
        }
        if !n.country.is_empty() {
            self.j.kv("country", n.country.as_str());
        }
        let parent = reg.parent(i);
        if let Some(p) = parent {
            self.j.kv("parentHandle", reg.net(p).handle.as_str());
        } else if !n.parent_handle.is_empty() {
            self.j.kv("parentHandle", n.parent_handle.as_str());
        }
        self.j.kv_strs("status", ["active"]);
        let cidrs = cidrs_of_range(v6, s, e);
        self.ext.add(Ext::CIDR0);
        self.j.key_arr("cidr0_cidrs");
        for (a, l) in &cidrs {
            self.j.obj();
            self.j.kv_raw(
                if v6 { "v6prefix" } else { "v4prefix" },
                &[addr_text(v6, *a).as_str()],
            );
            self.j.kv_num("length", i64::from(*l));
            self.j.end_obj();
        }
        self.j.end_arr();
        if !n.origin_as.is_empty() {
            self.ext.add(Ext::ORIGINAS);
            self.j.key_arr("arin_originas0_originautnums");
            for a in n.origin_as.iter() {
                self.j.num(i64::from(a.to_native()));
            }
            self.j.end_arr();
        }
        self.events(
            n.registered.as_ref().map(|t| t.to_native()),
            n.updated.as_ref().map(|t| t.to_native()),
        );
        // Links: self, up, related (the registrant), and the RIR search relations.
        self.ext.add(Ext::RIR_SEARCH);
        let base = self.cx.base;
        let first = cidrs
            .first()
            .copied()
            .unwrap_or((s, if v6 { 128 } else { 32 }));
        let (fa, fl) = (addr_text(v6, first.0), num_text(first.1));
        let me: [&str; 5] = [base, "ip/", fa.as_str(), "/", fl.as_str()];
        self.j.key_arr("links");
        self.link_parts(&me, "self", &me);
        if let Some(p) = parent {
            let pn = reg.net(p);
            let (ps, pe) = (pn.start.to_native(), pn.end.to_native());
            let (pa, pl) = cidrs_of_range(pn.v6, ps, pe)
                .first()
                .copied()
                .unwrap_or((ps, if pn.v6 { 128 } else { 32 }));
            let (pa, pl) = (addr_text(pn.v6, pa), num_text(pl));
            self.link_parts(&me, "up", &[base, "ip/", pa.as_str(), "/", pl.as_str()]);
        }
        let org = n.org.to_native();
        if org != NONE {
            let h = encode_seg(reg.org(org).handle.as_str());
            self.link_parts(&me, "related", &[base, "entity/", &h]);
        }
        let (ca, cl) = covering_cidr(v6, s, e);
        let (ca, cl) = (addr_text(v6, ca), num_text(cl));
        for rel in ["rdap-up", "rdap-top"] {
            let href = [
                base,
                "ips/rirSearch1/",
                rel,
                "/",
                ca.as_str(),
                "/",
                cl.as_str(),
            ];
            self.link_parts(&me, rel, &href);
        }
        for (a, l) in &cidrs {
            let (a, l) = (addr_text(v6, *a), num_text(*l));
            for rel in ["rdap-down", "rdap-bottom"] {
                let href = [
                    base,
                    "ips/rirSearch1/",
                    rel,
                    "/",
                    a.as_str(),
                    "/",
                    l.as_str(),
                ];
                self.link_parts(&me, rel, &href);
            }
        }
        self.j.end_arr();
        let abuse = reg.net_abuse(i);
        let mut extra = Vec::new();
        if depth == Depth::Full && abuse.is_none() {
            extra.push(Remark::new(
                "No Abuse Contact",
                "No abuse contact is registered for this network, its organization or any network above it.".into(),
            ));
        }
        self.remarks(&n.comments, &extra);
        if depth == Depth::Full {
            self.entities(org, &n.pocs, abuse);
        }
        if !top {
            self.j.end_obj();
        }
    }

    /// The entities of a network or autnum: the registrant (with its own contacts), the
    /// object's contacts, and the inherited abuse contact when it has none of its own.
    fn entities(&mut self, org: u32, links: &[ArchivedPocLink], abuse: Option<Abuse<'_>>) {
        let own = group_links(links);
        if org == NONE && own.is_empty() && abuse.is_none() {
            return;
        }
        self.j.key_arr("entities");
        if org != NONE {
            if self.reg().org(org).private {
                self.org_entity(org, &["registrant"], Place::Embedded, true);
            } else {
                let key = fragment_key(FRAG_REGISTRANT, u16::from(self.strip_personal), org);
                self.cached(key, |d| {
                    d.org_entity(org, &["registrant"], Place::Embedded, true)
                });
            }
        }
        for (p, roles) in &own {
            self.poc_embedded(*p, roles);
        }
        if let Some(a) = abuse {
            let listed = own
                .iter()
                .any(|(p, roles)| *p == a.poc && roles.contains(&"abuse"));
            if !listed {
                // The contact is the holder's own abuse contact: the holder decides it.
                let (kind, index) = match a.from {
                    Holder::Org(o) => (0u16, o),
                    Holder::Net(n) => (1, n),
                    Holder::Asn(x) => (2, x),
                };
                let flags = (kind << 1) | u16::from(self.strip_personal);
                let key = fragment_key(FRAG_INHERITED_ABUSE, flags, index);
                self.cached(key, |d| {
                    let remark = Remark::new(
                        "Inherited Abuse Contact",
                        format!(
                            "This object has no abuse contact of its own; abuse reports go to the abuse contact of {}.",
                            d.holder_text(a.from)
                        ),
                    );
                    d.poc_entity(a.poc, &["abuse"], Place::Embedded, &[remark], true);
                });
            }
        }
        self.j.end_arr();
    }

    /// A POC inside an object, with its roles there, from the cache when it can.
    fn poc_embedded(&mut self, p: u32, roles: &[&'static str]) {
        let mask = roles
            .iter()
            .filter_map(|r| ROLES.iter().position(|x| x == r))
            .fold(0u16, |m, i| m | (1 << i));
        let key = fragment_key(FRAG_POC, (mask << 1) | u16::from(self.strip_personal), p);
        self.cached(key, |d| d.poc_entity(p, roles, Place::Embedded, &[], false));
    }

    /// `organization ALPHA (Alpha Networks)`, `network NET-… (range)`, `autnum AS64496`.
    fn holder_text(&self, h: Holder) -> String {
        let reg = self.reg();
        match h {
            Holder::Org(o) => {
                let org = reg.org(o);
                if org.private || org.name.is_empty() {
                    format!("organization {}", org.handle.as_str())
                } else {
                    format!(
                        "organization {} ({})",
                        org.handle.as_str(),
                        org.name.as_str()
                    )
                }
            }
            Holder::Net(n) => {
                let net = reg.net(n);
                format!(
                    "network {} ({})",
                    net.handle.as_str(),
                    crate::model::format_range(net.v6, net.start.to_native(), net.end.to_native())
                )
            }
            Holder::Asn(a) => format!("autnum {}", reg.asn(a).handle.as_str()),
        }
    }

    /// An autnum.
    pub(crate) fn asn(&mut self, i: u32, depth: Depth, top: bool) {
        let reg = self.reg();
        let a = reg.asn(i);
        let url = self.asn_url(i);
        if !top {
            self.j.obj();
        }
        self.j.kv("objectClassName", "autnum");
        self.j.kv("handle", a.handle.as_str());
        self.j.kv_num("startAutnum", i64::from(a.start.to_native()));
        self.j.kv_num("endAutnum", i64::from(a.end.to_native()));
        if !a.name.is_empty() {
            self.j.kv("name", a.name.as_str());
        }
        if a.block {
            self.j.kv("type", "AS BLOCK");
        }
        if !a.country.is_empty() {
            self.j.kv("country", a.country.as_str());
        }
        self.j.kv_strs("status", ["active"]);
        self.events(
            a.registered.as_ref().map(|t| t.to_native()),
            a.updated.as_ref().map(|t| t.to_native()),
        );
        self.j.key_arr("links");
        self.link(&url, "self", &url);
        let parent = a.parent.to_native();
        if parent != NONE {
            let up = self.asn_url(parent);
            self.link(&url, "up", &up);
        }
        let org = a.org.to_native();
        if org != NONE {
            let related = self.entity_url(reg.org(org).handle.as_str());
            self.link(&url, "related", &related);
        }
        self.j.end_arr();
        let abuse = reg.asn_abuse(i);
        let mut extra = Vec::new();
        if depth == Depth::Full && abuse.is_none() {
            extra.push(Remark::new(
                "No Abuse Contact",
                "No abuse contact is registered for this autnum or its organization.".into(),
            ));
        }
        self.remarks(&a.comments, &extra);
        if depth == Depth::Full {
            self.entities(org, &a.pocs, abuse);
        }
        if !top {
            self.j.end_obj();
        }
    }

    /// A reverse-DNS delegation.
    pub(crate) fn domain(&mut self, i: u32, top: bool) {
        let d = self.reg().delegation(i);
        let url = self.domain_url(d.name.as_str());
        if !top {
            self.j.obj();
        }
        self.j.kv("objectClassName", "domain");
        self.j.kv("handle", d.name.as_str());
        self.j.kv("ldhName", d.name.as_str());
        if !d.nameservers.is_empty() {
            self.j.key_arr("nameservers");
            for ns in d.nameservers.iter() {
                self.j.obj();
                self.j.kv("objectClassName", "nameserver");
                self.j.kv("ldhName", ns.as_str());
                self.j.end_obj();
            }
            self.j.end_arr();
        }
        self.j.key_obj("secureDNS");
        self.j.key("delegationSigned");
        self.j.bool(!d.ds.is_empty());
        if !d.ds.is_empty() {
            self.j.key_arr("dsData");
            for k in d.ds.iter() {
                self.j.obj();
                self.j.kv_num("keyTag", i64::from(k.key_tag.to_native()));
                self.j.kv_num("algorithm", i64::from(k.algorithm));
                self.j.kv_num("digestType", i64::from(k.digest_type));
                self.j.kv("digest", k.digest.as_str());
                self.j.end_obj();
            }
            self.j.end_arr();
        }
        self.j.end_obj();
        self.events(
            d.registered.as_ref().map(|t| t.to_native()),
            d.updated.as_ref().map(|t| t.to_native()),
        );
        self.j.key_arr("links");
        self.link(&url, "self", &url);
        self.j.end_arr();
        self.remarks(&d.comments, &[]);
        let own = group_links(&d.pocs);
        if !own.is_empty() {
            self.j.key_arr("entities");
            for (p, roles) in &own {
                self.poc_embedded(*p, roles);
            }
            self.j.end_arr();
        }
        if !top {
            self.j.end_obj();
        }
    }

    /// An org or customer. Embedded with `roles`; with `nested`, its own contacts inside.
    /// At the top of an answer it also lists its networks and autnums (at most `cap`).
    pub(crate) fn org_entity(&mut self, o: u32, roles: &[&str], place: Place, nested: bool) {
        let reg = self.reg();
        let org = reg.org(o);
        if !matches!(place, Place::Top) {
            self.j.obj();
        }
        self.j.kv("objectClassName", "entity");
        self.j.kv("handle", org.handle.as_str());
        let mut extra = Vec::new();
        if org.private {
            let base = match place {
                Place::Top => "$".to_string(),
                Place::Embedded => {
                    format!("$..entities[?(@.handle=='{}')]", org.handle.as_str())
                }
                Place::Result => format!(
                    "$.entitySearchResults[?(@.handle=='{}')]",
                    org.handle.as_str()
                ),
            };
            let reason =
                "Private customer: the registry does not publish this customer's name and address.";
            self.redact(
                "Customer Name",
                format!("{base}.vcardArray[1][?(@[0]=='fn')]"),
                reason,
            );
            self.redact(
                "Customer Address",
                format!("{base}.vcardArray[1][?(@[0]=='adr')]"),
                reason,
            );
            extra.push(Remark {
                title: "Private Customer",
                kind: Some("object redacted due to authorization"),
                description: vec![
                    "The name and address of this customer are not published.".into(),
                ],
            });
        } else {
            self.org_vcard(org);
        }
        if matches!(place, Place::Embedded) {
            self.j.kv_strs("roles", roles.iter().copied());
        }
        self.events(
            org.registered.as_ref().map(|t| t.to_native()),
            org.updated.as_ref().map(|t| t.to_native()),
        );
        self.self_link_entity(org.handle.as_str());
        self.remarks(&org.comments, &extra);
        let own = group_links(&org.pocs);
        if nested && !own.is_empty() {
            self.j.key_arr("entities");
            for (p, roles) in &own {
                self.poc_embedded(*p, roles);
            }
            self.j.end_arr();
        }
        if matches!(place, Place::Top) {
            let cap = self.cx.shared.config.rdap.search_cap;
            if !org.nets.is_empty() {
                self.j.key_arr("networks");
                for n in org.nets.iter().take(cap) {
                    self.net(n.to_native(), Depth::Summary, false);
                }
                self.j.end_arr();
            }
            if !org.asns.is_empty() {
                self.j.key_arr("autnums");
                for a in org.asns.iter().take(cap) {
                    self.asn(a.to_native(), Depth::Summary, false);
                }
                self.j.end_arr();
            }
            if org.nets.len() > cap || org.asns.len() > cap {
                self.notices.push(Notice {
                    title: "Networks and Autnums Truncated",
                    kind: Some("object truncated due to excessive load"),
                    description: vec![format!(
                        "This organization holds {} networks and {} autnums; only the first {cap} of each are listed.",
                        org.nets.len(),
                        org.asns.len()
                    )],
                });
            }
        }
        if !matches!(place, Place::Top) {
            self.j.end_obj();
        }
    }

    fn org_vcard(&mut self, org: &ArchivedOrg) {
        self.j.key_arr("vcardArray");
        self.j.str("vcard");
        self.j.arr();
        vprop(&mut self.j, "version", "4.0");
        vprop(&mut self.j, "fn", org.name.as_str());
        vprop(&mut self.j, "kind", "org");
        self.adr(&org.address);
        self.j.end_arr();
        self.j.end_arr();
    }

    fn adr(&mut self, a: &ArchivedAddress) {
        let fields = [&a.city, &a.state, &a.postal_code, &a.country];
        if a.street.is_empty() && fields.iter().all(|f| f.is_empty()) {
            return;
        }
        let j = &mut self.j;
        j.arr();
        j.str("adr");
        j.obj();
        // Street lines, then "city state postal", then the country, one per line.
        let place = [&a.city, &a.state, &a.postal_code]
            .into_iter()
            .map(|s| s.as_str())
            .filter(|s| !s.is_empty());
        j.key("label");
        j.str_open();
        let mut first = true;
        for line in a.street.iter().map(|s| s.as_str()) {
            j.str_part(if first { "" } else { "\n" });
            j.str_part(line);
            first = false;
        }
        let mut in_place = false;
        for p in place {
            j.str_part(match (first, in_place) {
                (true, _) => "",
                (false, false) => "\n",
                (false, true) => " ",
            });
            j.str_part(p);
            first = false;
            in_place = true;
        }
        if !a.country.is_empty() {
            j.str_part(if first { "" } else { "\n" });
            j.str_part(a.country.as_str());
        }
        j.str_close();
        if !a.country.is_empty() {
            j.kv("cc", a.country.as_str());
        }
        j.end_obj();
        j.str("text");
        j.arr();
        j.str("");
        j.str("");
        match a.street.len() {
            0 => j.str(""),
            1 => j.str(a.street[0].as_str()),
            _ => j.strs(a.street.iter().map(|s| s.as_str())),
        }
        j.str(a.city.as_str());
        j.str(a.state.as_str());
        j.str(a.postal_code.as_str());
        j.str("");
        j.end_arr();
        j.end_arr();
    }

    /// A POC entity with its validation marker.
    /// `abuse_contact`: the POC is an abuse contact somewhere (its e-mail is never withheld).
    pub(crate) fn poc_entity(
        &mut self,
        p: u32,
        roles: &[&str],
        place: Place,
        extra: &[Remark],
        abuse_contact: bool,
    ) {
        let reg = self.reg();
        let poc = reg.poc(p);
        let top = matches!(place, Place::Top);
        if !top {
            self.j.obj();
        }
        self.j.kv("objectClassName", "entity");
        self.j.kv("handle", poc.handle.as_str());
        let abuse_here = abuse_contact || roles.contains(&"abuse");
        self.poc_vcard(poc, abuse_here);
        if matches!(place, Place::Embedded) {
            self.j.kv_strs("roles", roles.iter().copied());
        }
        let state = reg.validation_state(p, self.cx.now, &self.cx.shared.policy);
        self.valid_until = self.valid_until.min(self.next_change(p));
        if matches!(state, ValidationState::Validated { .. }) {
            self.j.kv_strs("status", ["validated"]);
        }
        let mut remarks: Vec<Remark> = extra.to_vec();
        if let Some(r) = self.validation_remark(p, state) {
            remarks.insert(0, r);
        }
        self.remarks(&poc.comments, &remarks);
        self.events(
            poc.registered.as_ref().map(|t| t.to_native()),
            poc.updated.as_ref().map(|t| t.to_native()),
        );
        self.self_link_entity(poc.handle.as_str());
        if !top {
            self.j.end_obj();
        }
    }

    /// `"links":[self]` of an entity.
    fn self_link_entity(&mut self, handle: &str) {
        let h = encode_seg(handle);
        let me = [self.cx.base, "entity/", &h];
        self.j.key_arr("links");
        self.link_parts(&me, "self", &me);
        self.j.end_arr();
    }

    fn poc_vcard(&mut self, poc: &ArchivedPoc, abuse_here: bool) {
        let j = &mut self.j;
        j.key_arr("vcardArray");
        j.str("vcard");
        j.arr();
        vprop(j, "version", "4.0");
        vprop(j, "fn", poc.name.as_str());
        if poc.kind == PocKind::Person && (!poc.last_name.is_empty() || !poc.first_name.is_empty())
        {
            j.arr();
            j.str("n");
            j.obj();
            j.end_obj();
            j.str("text");
            j.arr();
            j.str(poc.last_name.as_str());
            j.str(poc.first_name.as_str());
            j.str(poc.middle_name.as_str());
            j.str("");
            j.str("");
            j.end_arr();
            j.end_arr();
        }
        let kind = match poc.kind {
            ArchivedPocKind::Person => "individual",
            ArchivedPocKind::Role | ArchivedPocKind::Irt => "group",
        };
        vprop(j, "kind", kind);
        if !poc.company.is_empty() {
            vprop(j, "org", poc.company.as_str());
        }
        self.adr(&poc.address);
        let j = &mut self.j;
        for ph in poc.phones.iter() {
            let ty = match ph.kind {
                ArchivedPhoneKind::Office => PhoneKind::Office,
                ArchivedPhoneKind::Fax => PhoneKind::Fax,
                ArchivedPhoneKind::Mobile => PhoneKind::Mobile,
            };
            j.arr();
            j.str("tel");
            j.obj();
            j.key_arr("type");
            j.str("work");
            j.str(match ty {
                PhoneKind::Office => "voice",
                PhoneKind::Fax => "fax",
                PhoneKind::Mobile => "cell",
            });
            j.end_arr();
            j.end_obj();
            j.str("text");
            if ph.extension.is_empty() {
                j.str(ph.number.as_str());
            } else {
                j.str(&format!(
                    "{} ext. {}",
                    ph.number.as_str(),
                    ph.extension.as_str()
                ));
            }
            j.end_arr();
        }
        // The abuse mailbox first; other addresses unless personal data is withheld.
        let mailbox = poc.abuse_mailbox.as_str();
        if !mailbox.is_empty() {
            vprop(j, "email", mailbox);
        }
        if !self.strip_personal || abuse_here {
            for e in poc.emails.iter().filter(|e| e.as_str() != mailbox) {
                vprop(&mut self.j, "email", e.as_str());
            }
        }
        let j = &mut self.j;
        j.end_arr();
        j.end_arr();
    }

    /// When the state of POC `p` next changes after now: a recorded date still to come, or
    /// the end of a policy period.
    fn next_change(&self, p: u32) -> Timestamp {
        let Some(r) = self.reg().validation_record(p) else {
            return Timestamp::MAX;
        };
        let now = self.cx.now;
        let policy = &self.cx.shared.policy;
        let requested = r.requested.as_ref().map(|t| t.to_native());
        let mut times = [
            requested,
            r.validated.as_ref().map(|t| t.to_native()),
            r.reported_invalid.as_ref().map(|t| t.to_native()),
            requested.map(|q| q + policy.arin_invalid_after_days * DAY),
            requested.map(|q| q + policy.lacnic_initial_days * DAY),
            requested
                .map(|q| q + (policy.lacnic_initial_days + policy.lacnic_escalation_days) * DAY),
        ]
        .into_iter()
        .flatten()
        .filter(|&t| t > now);
        times.by_ref().min().unwrap_or(Timestamp::MAX)
    }

    /// The ARIN-style marker remark for a POC's state (none for validated or unknown).
    fn validation_remark(&self, p: u32, state: ValidationState) -> Option<Remark> {
        let reg = self.reg();
        let policy = &self.cx.shared.policy;
        let requested = reg
            .validation_record(p)
            .and_then(|r| r.requested.as_ref().map(|t| t.to_native()));
        let reported = reg
            .validation_record(p)
            .and_then(|r| r.reported_invalid.as_ref().map(|t| t.to_native()));
        let req_text =
            |since: Timestamp| format_date(requested.filter(|&r| r <= since).unwrap_or(since));
        Some(match state {
            ValidationState::Unknown | ValidationState::Validated { .. } => return None,
            ValidationState::Unvalidated { since } => Remark::new(
                "Unvalidated POC",
                format!(
                    "The registry has asked this contact to confirm its data and has received no response since {}.",
                    format_date(since)
                ),
            ),
            ValidationState::Pending { since } => Remark::new(
                "POC Validation Pending",
                format!(
                    "A validation request was sent to this contact on {}; it remains valid until {} unless it answers.",
                    format_date(since),
                    format_date(since + policy.lacnic_initial_days * DAY)
                ),
            ),
            ValidationState::TemporarilyInvalid { since } => Remark::new(
                "Temporarily Invalid POC",
                format!(
                    "This contact has not answered the validation request sent on {}; it has been temporarily invalid since {}.",
                    req_text(since),
                    format_date(since)
                ),
            ),
            ValidationState::Invalid { since } => {
                let text = if reported == Some(since) {
                    format!(
                        "This contact was reported invalid on {} and has not been validated since.",
                        format_date(since)
                    )
                } else {
                    let days = match policy.profile {
                        PolicyProfile::Arin => policy.arin_invalid_after_days,
                        PolicyProfile::Lacnic => {
                            policy.lacnic_initial_days + policy.lacnic_escalation_days
                        }
                    };
                    format!(
                        "This contact did not answer the validation request sent on {} within {days} days; it has been invalid since {}.",
                        req_text(since),
                        format_date(since)
                    )
                };
                Remark::new("Invalid POC", text)
            }
        })
    }
}

/// A remark to add to an object's comments.
#[derive(Debug, Clone)]
pub(crate) struct Remark {
    pub(crate) title: &'static str,
    pub(crate) kind: Option<&'static str>,
    pub(crate) description: Vec<String>,
}

impl Remark {
    pub(crate) fn new(title: &'static str, line: String) -> Remark {
        Remark {
            title,
            kind: None,
            description: vec![line],
        }
    }
}

/// A network as the whole answer: the notices, which name the URL asked for, are written
/// for this request; everything after them comes from the cache when it holds a current
/// copy (keyed by network and by whether personal data is withheld). `over_limit` is
/// asked (and counts the answer) only when the answer shows personal data. Returns the
/// body in parts, a strong entity tag over all of it, and whether personal data is shown.
pub(crate) fn net_answer(
    cx: &Ctx<'_>,
    url: &str,
    i: u32,
    over_limit: impl FnOnce() -> bool,
) -> (Bytes, Arc<Fragment>, u64, bool) {
    let key = |strip: bool| fragment_key(FRAG_NET_ANSWER, u16::from(strip), i);
    let render = |strip: bool, personal: bool| {
        let mut doc = Doc::new(cx, "");
        doc.strip_personal = strip;
        doc.splices = Some(Vec::new());
        doc.net(i, Depth::Full, true);
        let mut body = std::mem::take(&mut doc.j);
        doc.tail(&mut body);
        let own: Arc<str> = body.into_string().into();
        let mut f = Fragment::new(key(strip), doc.valid_until, own, Ext::default(), Vec::new());
        // The body: the own text between the placeholders, and the pieces in their place.
        let mut parts = Vec::new();
        let mut from = 0;
        for (at, piece) in doc.splices.take().unwrap_or_default() {
            parts.push(f.json.slice(from..at));
            parts.push(piece);
            from = at + 1;
        }
        parts.push(f.json.slice(from..));
        parts.retain(|p| !p.is_empty());
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for p in &parts {
            hasher.update(p);
        }
        f.hash = hasher.digest();
        f.set_parts(parts);
        f.personal = personal;
        let f = Arc::new(f);
        if let Some(c) = cx.fragments {
            c.put_arc(f.clone());
        }
        f
    };
    let cached = |strip: bool| cx.fragments.and_then(|c| c.get(key(strip), cx.now));
    let plain = cached(false);
    let personal = plain
        .as_ref()
        .map_or_else(|| cx.net_personal(i), |f| f.personal);
    let strip = personal && over_limit();
    let answer = match (strip, plain) {
        (false, Some(f)) => f,
        (false, None) => render(false, personal),
        (true, _) => cached(true).unwrap_or_else(|| render(true, false)),
    };
    let mut head = Json::with_capacity(notices_len(cx, url) + 16);
    head.obj();
    head.key_arr("notices");
    standard_notices(&mut head, cx, url);
    head.end_arr();
    let mut head = head.into_string();
    head.push(',');
    // The head is the notices for this URL: with a template, the URL and the template's
    // hash stand for it (cheaper to hash than the text).
    let hash = answer.hash;
    let etag = match cx.notices {
        Some(t) => xxhash_rust::xxh3::xxh3_64_with_seed(url.as_bytes(), hash ^ t.1),
        None => xxhash_rust::xxh3::xxh3_64_with_seed(head.as_bytes(), hash),
    };
    // Sized to fit, so that the bytes take the buffer over without another allocation.
    let head = Bytes::from(head.into_bytes().into_boxed_slice());
    (head, answer, etag, personal && !strip)
}

/// Short text on the stack: an address or a number.
pub(crate) struct StackText {
    buf: [u8; 48],
    len: usize,
}

impl StackText {
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn stack_text(v: impl std::fmt::Display) -> StackText {
    use std::fmt::Write as _;
    let mut t = StackText {
        buf: [0; 48],
        len: 0,
    };
    let _ = write!(t, "{v}");
    t
}

/// An address as text, without allocating.
pub(crate) fn addr_text(v6: bool, a: u128) -> StackText {
    if v6 {
        stack_text(std::net::Ipv6Addr::from(a))
    } else {
        stack_text(std::net::Ipv4Addr::from(a as u32))
    }
}

fn num_text(n: u8) -> StackText {
    stack_text(n)
}

/// A UTC date-time as RFC 3339 text on the stack.
pub(crate) struct DateTime([u8; 20]);

impl DateTime {
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("1970-01-01T00:00:00Z")
    }
}

/// `2011-01-25T21:17:18Z`, without a calendar library (days to civil date, H. Hinnant).
pub(crate) fn datetime(t: Timestamp) -> DateTime {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    if !(0..=9999).contains(&y) {
        let mut out = [b'0'; 20];
        let text = format_datetime(t);
        let n = text.len().min(20);
        out[..n].copy_from_slice(&text.as_bytes()[..n]);
        return DateTime(out);
    }
    let mut out = *b"0000-00-00T00:00:00Z";
    let put = |out: &mut [u8; 20], at: usize, v: i64, digits: usize| {
        let mut v = v;
        for k in (0..digits).rev() {
            out[at + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(&mut out, 0, y, 4);
    put(&mut out, 5, m, 2);
    put(&mut out, 8, d, 2);
    put(&mut out, 11, secs / 3600, 2);
    put(&mut out, 14, secs / 60 % 60, 2);
    put(&mut out, 17, secs % 60, 2);
    DateTime(out)
}

/// `["name", {}, "text", value]`
fn vprop(j: &mut Json, name: &str, value: &str) {
    j.arr();
    j.str(name);
    j.obj();
    j.end_obj();
    j.str("text");
    j.str(value);
    j.end_arr();
}

/// The standard notices as three pieces of JSON around the two places where the URL asked
/// for goes, built once from the configured URLs.
#[derive(Debug)]
pub(crate) struct NoticeTemplate([String; 3], u64);

impl NoticeTemplate {
    pub(crate) fn new(urls: &crate::server::UrlConfig) -> NoticeTemplate {
        const MARK: &str = "\u{1}";
        let mut j = Json::default();
        write_notices(&mut j, urls, MARK);
        let text = j.into_string();
        let parts: Vec<&str> = text.split("\\u0001").collect();
        let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
        match parts.as_slice() {
            [a, b, c] => NoticeTemplate([a.to_string(), b.to_string(), c.to_string()], hash),
            _ => NoticeTemplate([text.clone(), String::new(), String::new()], hash),
        }
    }
}

/// About the length of the standard notices for `url`.
fn notices_len(cx: &Ctx<'_>, url: &str) -> usize {
    cx.notices.map_or(1024, |t| {
        t.0.iter().map(String::len).sum::<usize>() + 2 * url.len()
    })
}

/// The notices every answer carries: terms of service and where to report inaccuracies.
pub(crate) fn standard_notices(j: &mut Json, cx: &Ctx<'_>, url: &str) {
    if let Some(t) = cx.notices
        && !t.0[1].is_empty()
        && super::json::is_json_safe(url)
    {
        j.raw(&t.0[0]);
        j.push_raw(url);
        j.push_raw(&t.0[1]);
        j.push_raw(url);
        j.push_raw(&t.0[2]);
        return;
    }
    write_notices(j, &cx.shared.config.urls, url);
}

fn write_notices(j: &mut Json, urls: &crate::server::UrlConfig, url: &str) {
    j.obj();
    j.kv("title", "Terms of Service");
    j.kv_strs(
        "description",
        ["By using this RDAP service you agree to the registry's terms of use."],
    );
    j.key_arr("links");
    j.obj();
    j.kv("value", url);
    j.kv("rel", "terms-of-service");
    j.kv("href", &urls.terms);
    j.kv("type", "text/html");
    j.end_obj();
    j.end_arr();
    j.end_obj();
    j.obj();
    j.kv("title", "Inaccuracy Report");
    j.kv_strs(
        "description",
        [
            "If you see inaccurate or invalid contact data in these results, please report it at the link below.",
        ],
    );
    j.key_arr("links");
    j.obj();
    j.kv("value", url);
    j.kv("rel", "help");
    j.kv("href", &urls.inaccuracy_report);
    j.kv("type", "text/html");
    j.end_obj();
    j.end_arr();
    j.end_obj();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_names_in_order() {
        let mut e = Ext::LEVEL0;
        e.add(Ext::REVERSE);
        e.add(Ext::CIDR0);
        assert_eq!(
            e.names().collect::<Vec<_>>(),
            ["rdap_level_0", "cidr0", "reverse_search"]
        );
        assert_eq!(Ext::ALL.names().count(), 11);
    }

    #[test]
    fn datetimes_match_the_calendar_library() {
        let mut rng = fastrand::Rng::with_seed(3);
        for t in [
            0,
            1,
            86_399,
            86_400,
            951_782_400,
            1_296_000_000,
            4_102_444_799,
            -1,
        ]
        .into_iter()
        .chain((0..2000).map(|_| rng.i64(-2_000_000_000..8_000_000_000)))
        {
            assert_eq!(datetime(t).as_str(), format_datetime(t), "{t}");
        }
    }

    #[test]
    fn the_notice_template_matches_the_notices() {
        let urls = crate::server::UrlConfig::default();
        let t = NoticeTemplate::new(&urls);
        assert!(!t.0[1].is_empty() && !t.0[2].is_empty());
        let url = "http://127.0.0.1:1/ip/23.1.2.3";
        let mut slow = Json::default();
        write_notices(&mut slow, &urls, url);
        let fast = format!("{}{url}{}{url}{}", t.0[0], t.0[1], t.0[2]);
        assert_eq!(slow.into_string(), fast);
    }

    #[test]
    fn addresses_on_the_stack() {
        for (v6, a) in [
            (false, 0u128),
            (false, 0xffff_ffff),
            (true, 0),
            (true, u128::MAX),
        ] {
            assert_eq!(addr_text(v6, a).as_str(), format_addr(v6, a));
        }
        assert_eq!(num_text(128).as_str(), "128");
    }

    #[test]
    fn covering_cidrs() {
        let a = |s: &str| crate::model::parse_addr(s).unwrap().1;
        assert_eq!(
            covering_cidr(false, a("23.1.2.0"), a("23.1.2.191")),
            (a("23.1.2.0"), 24)
        );
        assert_eq!(
            covering_cidr(false, a("23.0.0.0"), a("23.255.255.255")),
            (a("23.0.0.0"), 8)
        );
        assert_eq!(
            covering_cidr(false, a("23.1.2.3"), a("23.1.2.3")),
            (a("23.1.2.3"), 32)
        );
        assert_eq!(covering_cidr(true, 0, u128::MAX), (0, 0));
        assert_eq!(covering_cidr(false, 0, u128::from(u32::MAX)), (0, 0));
    }

    #[test]
    fn roles_and_types() {
        assert_eq!(role_of(PocFunction::Irt), "abuse");
        assert_eq!(functions_of("abuse").unwrap().len(), 2);
        assert!(functions_of("registrar").is_none());
        assert_eq!(net_type_text("DA"), "DIRECT ALLOCATION");
        assert_eq!(net_type_text("ALLOCATED PA"), "ALLOCATED PA");
        assert_eq!(net_type_text("AP"), "APNIC ALLOCATED");
    }
}
