//! RPSL dumps → the owned model.
//!
//! Reads the dumps RIPE, APNIC, AFRINIC and LACNIC publish, split per class
//! (`ripe.db.inetnum`, …) or whole, in one linear pass over the lines. Objects are separated
//! by blank lines; `%` and `#` lines in column 0 are comments anywhere; an attribute is
//! `name: value` and continues on lines that start with a space, a tab or `+`.
//!
//! Nothing is allocated per line unless a value spans several lines or a name is not lower
//! case: attribute values borrow from the input text, and one attribute buffer is reused for
//! every object. Classes and attributes rirwhois does not use are tallied locally and added to
//! [`Ingest::skipped_classes`] / [`Ingest::skipped_attributes`] once, at the end of the file.
//!
//! Mapping (class → model): `inetnum`, `inet6num` → [`Net`]; `aut-num`, `as-block` → [`Asn`];
//! `organisation` → [`Org`]; `person`, `role`, `irt` → [`Poc`]; `domain` → [`Delegation`].
//! Every other class is counted and skipped. An object that cannot be used is reported as a
//! problem (file, line, handle, reason) and left out; parsing goes on with the next object.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Ingest, Located, Location, Reason};
use crate::model::{
    AddrError, Address, Asn, Delegation, DsKey, NONE, Net, Org, Phone, PhoneKind, Poc, PocFunction,
    PocKind, PocLink, SourceFormat, Timestamp, format_addr, format_range, parse_date, parse_prefix,
    parse_range, prefix_range,
};

/// Parses one RPSL file's text into `out`.
pub(super) fn parse(file: &str, text: &str, out: &mut Ingest) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser {
        file,
        out,
        classes: HashMap::new(),
        attributes: HashMap::new(),
    };
    let mut obj = Pending::default();
    let mut no: u32 = 0;
    for line in text.lines() {
        no = no.saturating_add(1);
        let Some(&first) = line.as_bytes().first() else {
            parser.finish(&mut obj);
            continue;
        };
        if first == b'%' || first == b'#' {
            continue;
        }
        if line.trim().is_empty() {
            parser.finish(&mut obj);
            continue;
        }
        if obj.first_line == 0 {
            obj.first_line = no;
        }
        if matches!(first, b' ' | b'\t' | b'+') {
            // The first byte is ASCII, so index 1 is a char boundary.
            let rest = &line[1..];
            match obj.attrs.last_mut() {
                Some(attr) => attr.continue_with(rest),
                None => obj.mark_bad(no, || {
                    "continuation line before the object's first attribute".to_string()
                }),
            }
        } else if let Some(attr) = Attr::parse(line, no) {
            obj.attrs.push(attr);
        } else {
            obj.mark_bad(no, || {
                format!(
                    "line is not an attribute ('name: value'): '{}'",
                    excerpt(line)
                )
            });
        }
    }
    parser.finish(&mut obj);
    parser.flush();
}

// ---------------------------------------------------------------------------------------------
// Lines and attributes

/// Attributes whose continuation lines stay separate lines (joined with `\n` in the value)
/// and whose values keep `#`.
fn is_list(name: &str) -> bool {
    matches!(name, "address" | "descr" | "remarks")
}

/// Removes an end-of-line `#` comment.
fn strip_comment(v: &str) -> &str {
    match v.find('#') {
        Some(i) => &v[..i],
        None => v,
    }
}

/// The start of a line for a message.
fn excerpt(line: &str) -> String {
    const MAX: usize = 60;
    let mut s: String = line.chars().take(MAX).collect();
    if line.chars().nth(MAX).is_some() {
        s.push('…');
    }
    s
}

/// One attribute of the object being read.
#[derive(Debug)]
struct Attr<'a> {
    /// Lower case.
    name: Cow<'a, str>,
    /// Trimmed, end-of-line comment removed (except for list attributes); continuation lines
    /// joined with `\n` (list attributes) or a space.
    value: Cow<'a, str>,
    /// 1-based line of the `name:` line.
    line: u32,
}

impl<'a> Attr<'a> {
    /// Parses `name: value`; `None` when the line is not an attribute line.
    fn parse(line: &'a str, no: u32) -> Option<Self> {
        let colon = line.find(':')?;
        let name = line[..colon].trim_end();
        let bytes = name.as_bytes();
        if !bytes.first()?.is_ascii_alphabetic()
            || !bytes
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
        let name = if bytes.iter().any(u8::is_ascii_uppercase) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        let raw = &line[colon + 1..];
        let value = if is_list(&name) {
            raw.trim()
        } else {
            strip_comment(raw).trim()
        };
        Some(Self {
            name,
            value: Cow::Borrowed(value),
            line: no,
        })
    }

    /// Appends a continuation line (without its leading space, tab or `+`).
    fn continue_with(&mut self, rest: &'a str) {
        if is_list(&self.name) {
            let v = self.value.to_mut();
            v.push('\n');
            v.push_str(rest.trim());
            return;
        }
        let t = strip_comment(rest).trim();
        if t.is_empty() {
            return;
        }
        if self.value.is_empty() {
            self.value = Cow::Borrowed(t);
        } else {
            let v = self.value.to_mut();
            v.push(' ');
            v.push_str(t);
        }
    }

    /// The value's lines (list attributes may have several).
    fn lines(&self) -> impl Iterator<Item = &str> {
        self.value.split('\n')
    }
}

/// The object being read.
#[derive(Default)]
struct Pending<'a> {
    attrs: Vec<Attr<'a>>,
    /// Line of the object's first line; 0 while no object is open.
    first_line: u32,
    /// The first malformed line and what is wrong with it.
    bad: Option<(u32, String)>,
}

impl Pending<'_> {
    fn mark_bad(&mut self, line: u32, message: impl FnOnce() -> String) {
        if self.bad.is_none() {
            self.bad = Some((line, message()));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Classes

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Class {
    Inetnum,
    Inet6num,
    AutNum,
    AsBlock,
    Organisation,
    Role,
    Person,
    Irt,
    Domain,
}

/// Links of nets (`inetnum`, `inet6num`).
const NET_LINKS: &[(&str, PocFunction)] = &[
    ("admin-c", PocFunction::Admin),
    ("tech-c", PocFunction::Tech),
    ("abuse-c", PocFunction::Abuse),
    ("zone-c", PocFunction::Dns),
    ("mnt-irt", PocFunction::Irt),
];

/// Links of `aut-num` and `as-block`.
const ASN_LINKS: &[(&str, PocFunction)] = &[
    ("admin-c", PocFunction::Admin),
    ("tech-c", PocFunction::Tech),
    ("abuse-c", PocFunction::Abuse),
    ("mnt-irt", PocFunction::Irt),
];

/// Links of `organisation`.
const ORG_LINKS: &[(&str, PocFunction)] = &[
    ("admin-c", PocFunction::Admin),
    ("tech-c", PocFunction::Tech),
    ("abuse-c", PocFunction::Abuse),
];

/// Links of `domain`.
const DOMAIN_LINKS: &[(&str, PocFunction)] = &[
    ("admin-c", PocFunction::Admin),
    ("tech-c", PocFunction::Tech),
    ("zone-c", PocFunction::Dns),
];

impl Class {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "inetnum" => Self::Inetnum,
            "inet6num" => Self::Inet6num,
            "aut-num" => Self::AutNum,
            "as-block" => Self::AsBlock,
            "organisation" => Self::Organisation,
            "role" => Self::Role,
            "person" => Self::Person,
            "irt" => Self::Irt,
            "domain" => Self::Domain,
            _ => return None,
        })
    }

    /// The class of an object: its first attribute. LACNIC puts `nic-hdl:` before `person:`
    /// (or `role:`); such an object is a person (or role).
    fn of(attrs: &[Attr<'_>]) -> Option<Self> {
        let first = attrs.first()?;
        if let Some(class) = Self::from_name(&first.name) {
            return Some(class);
        }
        if first.name == "nic-hdl" {
            return attrs.iter().find_map(|a| match &*a.name {
                "person" => Some(Self::Person),
                "role" => Some(Self::Role),
                _ => None,
            });
        }
        None
    }

    fn name(self) -> &'static str {
        match self {
            Self::Inetnum => "inetnum",
            Self::Inet6num => "inet6num",
            Self::AutNum => "aut-num",
            Self::AsBlock => "as-block",
            Self::Organisation => "organisation",
            Self::Role => "role",
            Self::Person => "person",
            Self::Irt => "irt",
            Self::Domain => "domain",
        }
    }

    /// Attributes the mapping reads; every other attribute is counted as skipped.
    fn used(self) -> &'static [&'static str] {
        macro_rules! list {
            ($($a:literal),* $(,)?) => {
                &[$($a,)* "created", "last-modified", "changed", "source"]
            };
        }
        match self {
            Self::Inetnum => list!(
                "inetnum", "netname", "descr", "remarks", "country", "org", "status", "admin-c",
                "tech-c", "abuse-c", "zone-c", "mnt-irt", "parent",
            ),
            Self::Inet6num => list!(
                "inet6num", "netname", "descr", "remarks", "country", "org", "status", "admin-c",
                "tech-c", "abuse-c", "zone-c", "mnt-irt", "parent",
            ),
            Self::AutNum => list!(
                "aut-num", "as-name", "descr", "remarks", "country", "org", "admin-c", "tech-c",
                "abuse-c", "mnt-irt",
            ),
            Self::AsBlock => list!(
                "as-block", "descr", "remarks", "country", "org", "admin-c", "tech-c", "abuse-c",
                "mnt-irt",
            ),
            Self::Organisation => list!(
                "organisation",
                "org-name",
                "address",
                "country",
                "descr",
                "remarks",
                "admin-c",
                "tech-c",
                "abuse-c",
            ),
            Self::Role => list!(
                "role",
                "nic-hdl",
                "address",
                "country",
                "phone",
                "fax-no",
                "e-mail",
                "abuse-mailbox",
                "remarks",
            ),
            Self::Person => list!(
                "person",
                "nic-hdl",
                "address",
                "country",
                "phone",
                "fax-no",
                "e-mail",
                "abuse-mailbox",
                "remarks",
            ),
            Self::Irt => list!(
                "irt",
                "address",
                "country",
                "phone",
                "fax-no",
                "e-mail",
                "abuse-mailbox",
                "remarks",
            ),
            Self::Domain => list!(
                "domain", "nserver", "ds-rdata", "descr", "remarks", "admin-c", "tech-c", "zone-c",
            ),
        }
    }

    /// The value of the class attribute (the primary key, except for person and role).
    fn key<'s>(self, attrs: &'s [Attr<'_>]) -> &'s str {
        attrs
            .iter()
            .find(|a| a.name == self.name())
            .map_or("", |a| &*a.value)
    }

    /// The handle to name in a problem, as well as it can be made out.
    fn problem_handle(self, attrs: &[Attr<'_>]) -> String {
        let key = self.key(attrs);
        match self {
            Self::Inetnum | Self::Inet6num => net_key(self == Self::Inet6num, key)
                .map(|(_, _, h)| h)
                .unwrap_or_else(|_| key.to_string()),
            Self::AutNum => parse_as(key).map_or_else(|| key.to_string(), |n| format!("AS{n}")),
            Self::AsBlock => as_block_key(key)
                .map(|(_, _, h)| h)
                .unwrap_or_else(|_| key.to_string()),
            Self::Person | Self::Role => nic_hdl(attrs).unwrap_or(key).to_string(),
            Self::Domain => domain_name(key),
            Self::Organisation | Self::Irt => key.to_string(),
        }
    }
}

fn nic_hdl<'s>(attrs: &'s [Attr<'_>]) -> Option<&'s str> {
    attrs
        .iter()
        .find(|a| a.name == "nic-hdl")
        .map(|a| &*a.value)
        .filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------------
// The parser: objects → model

struct Parser<'a, 'o> {
    file: &'a str,
    out: &'o mut Ingest,
    /// Unused classes seen in this file.
    classes: HashMap<Cow<'a, str>, u64>,
    /// Unused attributes of used classes seen in this file.
    attributes: HashMap<(Class, Cow<'a, str>), u64>,
}

/// Why an object was left out.
#[derive(Debug)]
struct Fail {
    handle: String,
    reason: Reason,
    message: String,
}

fn fail(handle: &str, reason: Reason, message: impl Into<String>) -> Fail {
    Fail {
        handle: handle.to_string(),
        reason,
        message: message.into(),
    }
}

type Res<T> = Result<T, Fail>;

impl<'a> Parser<'a, '_> {
    /// Ends the open object, if any.
    fn finish(&mut self, obj: &mut Pending<'a>) {
        if obj.first_line == 0 {
            return;
        }
        let bad = obj.bad.take();
        self.object(obj.first_line, &obj.attrs, bad);
        obj.attrs.clear();
        obj.first_line = 0;
    }

    fn object(&mut self, first_line: u32, attrs: &[Attr<'a>], bad: Option<(u32, String)>) {
        self.out.read += 1;
        let class = Class::of(attrs);
        if let Some((line, message)) = bad {
            let handle = match class {
                Some(c) => c.problem_handle(attrs),
                None => attrs
                    .first()
                    .map(|a| a.value.to_string())
                    .unwrap_or_default(),
            };
            self.out.problem(
                Location::new(self.file, line),
                handle,
                Reason::MalformedRpsl,
                message,
            );
            return;
        }
        let Some(class) = class else {
            if let Some(first) = attrs.first() {
                *self.classes.entry(first.name.clone()).or_default() += 1;
            }
            return;
        };
        let used = class.used();
        for a in attrs {
            if !used.contains(&&*a.name) {
                *self.attributes.entry((class, a.name.clone())).or_default() += 1;
            }
        }
        let at = Location::new(self.file, first_line);
        macro_rules! keep {
            ($built:expr, $table:ident) => {
                match $built {
                    Ok(obj) => self.out.$table.push(Located { at, obj }),
                    Err(f) => self.out.problem(at, f.handle, f.reason, f.message),
                }
            };
        }
        match class {
            Class::Inetnum => keep!(build_net(false, attrs), nets),
            Class::Inet6num => keep!(build_net(true, attrs), nets),
            Class::AutNum => keep!(build_aut_num(attrs), asns),
            Class::AsBlock => keep!(build_as_block(attrs), asns),
            Class::Organisation => keep!(build_org(attrs), orgs),
            Class::Role | Class::Person | Class::Irt => keep!(build_poc(class, attrs), pocs),
            Class::Domain => keep!(build_domain(attrs), delegations),
        }
    }

    /// Adds this file's tallies to the ingest counters.
    fn flush(self) {
        for (name, n) in self.classes {
            *self
                .out
                .skipped_classes
                .entry(name.into_owned())
                .or_default() += n;
        }
        for ((class, name), n) in self.attributes {
            *self
                .out
                .skipped_attributes
                .entry(format!("{}/{}", class.name(), name))
                .or_default() += n;
        }
    }
}

/// Attributes most classes share, collected in one pass.
#[derive(Default)]
struct Common<'s> {
    descr: Vec<&'s str>,
    remarks: Vec<&'s str>,
    address: Vec<&'s str>,
    pocs: Vec<PocLink>,
    created: Option<Timestamp>,
    last_modified: Option<Timestamp>,
    /// The last `changed:` line that carries a date: (line, date).
    changed: Option<(u32, &'s str)>,
    source: &'s str,
    country: &'s str,
    org: &'s str,
}

/// Keeps the first non-empty value.
fn first<'s>(slot: &mut &'s str, v: &'s str) {
    if slot.is_empty() {
        *slot = v;
    }
}

fn date(handle: &str, a: &Attr<'_>, v: &str) -> Res<Timestamp> {
    parse_date(v).map_err(|_| {
        fail(
            handle,
            Reason::BadDate,
            format!(
                "line {}: {}: '{}' is not a date",
                a.line,
                a.name,
                excerpt(v)
            ),
        )
    })
}

impl<'s> Common<'s> {
    fn collect(attrs: &'s [Attr<'_>], links: &[(&str, PocFunction)], handle: &str) -> Res<Self> {
        let mut c = Self::default();
        for a in attrs {
            let v: &'s str = &a.value;
            match &*a.name {
                "descr" => c.descr.extend(a.lines()),
                "remarks" => c.remarks.extend(a.lines()),
                "address" => c.address.extend(a.lines().filter(|l| !l.is_empty())),
                "country" => first(&mut c.country, v),
                "org" => first(&mut c.org, v),
                "source" => first(&mut c.source, v),
                "created" if c.created.is_none() && !v.is_empty() => {
                    c.created = Some(date(handle, a, v)?);
                }
                "last-modified" if c.last_modified.is_none() && !v.is_empty() => {
                    c.last_modified = Some(date(handle, a, v)?);
                }
                // `changed: e-mail [YYYYMMDD]` (LACNIC: just the date).
                "changed" => {
                    if let Some(last) = v.split_whitespace().next_back()
                        && !last.contains('@')
                    {
                        c.changed = Some((a.line, last));
                    }
                }
                name => {
                    if let Some(&(_, function)) = links.iter().find(|(n, _)| *n == name) {
                        c.pocs.extend(
                            v.split(|ch: char| ch == ',' || ch.is_whitespace())
                                .filter(|h| !h.is_empty())
                                .map(|h| PocLink::new(function, h)),
                        );
                    }
                }
            }
        }
        Ok(c)
    }

    /// `last-modified`, else the date of the last dated `changed:` line.
    fn updated(&self, handle: &str) -> Res<Option<Timestamp>> {
        if self.last_modified.is_some() {
            return Ok(self.last_modified);
        }
        match self.changed {
            None => Ok(None),
            Some((line, v)) => parse_date(v).map(Some).map_err(|_| {
                fail(
                    handle,
                    Reason::BadDate,
                    format!("line {line}: changed: '{}' is not a date", excerpt(v)),
                )
            }),
        }
    }

    /// `descr` lines, then `remarks` lines.
    fn comments(&self) -> Vec<String> {
        self.descr
            .iter()
            .chain(&self.remarks)
            .map(|l| l.to_string())
            .collect()
    }

    fn source(&self) -> String {
        self.source.to_ascii_uppercase()
    }

    fn country(&self) -> String {
        self.country.to_ascii_uppercase()
    }

    fn street(&self) -> Vec<String> {
        self.address.iter().map(|l| l.to_string()).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Nets

/// Parses an `inetnum` / `inet6num` key: `a - b`, `a/len`, or LACNIC's `200.3.12/22`.
/// Returns `(start, end, handle)`; the handle is `a - b` for ranges and IPv4 prefixes, and
/// `addr/len` for IPv6 prefixes, addresses in their usual form.
fn net_key(v6: bool, key: &str) -> Result<(u128, u128, String), (Reason, String)> {
    let family = |is6: bool| if is6 { "IPv6" } else { "IPv4" };
    let class = if v6 { "inet6num" } else { "inetnum" };
    if key.contains('-') {
        return match parse_range(key) {
            Ok((is6, start, end)) if is6 == v6 => Ok((start, end, format_range(v6, start, end))),
            Ok((is6, _, _)) => Err((
                Reason::BadAddress,
                format!(
                    "'{}' is an {} range in an {class}",
                    excerpt(key),
                    family(is6)
                ),
            )),
            Err(e @ AddrError::StartAfterEnd { .. }) => Err((Reason::StartAfterEnd, e.to_string())),
            Err(e) => Err((Reason::BadAddress, e.to_string())),
        };
    }
    let Some((addr, len)) = key.split_once('/') else {
        return Err((
            Reason::BadAddress,
            format!(
                "'{}' is not a range (a - b) or a prefix (a/len)",
                excerpt(key)
            ),
        ));
    };
    let addr = addr.trim();
    let prefix = match abbreviated_v4(addr) {
        Some(full) => format!("{full}/{}", len.trim()),
        None => format!("{addr}/{}", len.trim()),
    };
    match parse_prefix(&prefix, false) {
        Ok((is6, net, len)) if is6 == v6 => {
            let (start, end) = prefix_range(v6, net, len);
            let handle = if v6 {
                format!("{}/{len}", format_addr(true, net))
            } else {
                format_range(false, start, end)
            };
            Ok((start, end, handle))
        }
        Ok((is6, _, _)) => Err((
            Reason::BadAddress,
            format!(
                "'{}' is an {} prefix in an {class}",
                excerpt(key),
                family(is6)
            ),
        )),
        Err(e) => Err((Reason::BadAddress, e.to_string())),
    }
}

/// LACNIC writes IPv4 prefixes with the trailing zero octets left out (`200.3.12/22`):
/// the address with its missing octets filled with 0, or `None` when not so abbreviated.
fn abbreviated_v4(addr: &str) -> Option<String> {
    let parts = addr.split('.').count();
    if parts >= 4
        || !addr
            .split('.')
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut full = addr.to_string();
    for _ in parts..4 {
        full.push_str(".0");
    }
    Some(full)
}

fn build_net(v6: bool, attrs: &[Attr<'_>]) -> Res<Net> {
    let class = if v6 { Class::Inet6num } else { Class::Inetnum };
    let key = class.key(attrs);
    if key.is_empty() {
        return Err(fail(
            "",
            Reason::MissingField,
            format!("{}: no range", class.name()),
        ));
    }
    let (start, end, handle) =
        net_key(v6, key).map_err(|(reason, message)| fail(key, reason, message))?;
    let c = Common::collect(attrs, NET_LINKS, &handle)?;
    let (mut name, mut status, mut parent) = ("", "", "");
    for a in attrs {
        match &*a.name {
            "netname" => first(&mut name, &a.value),
            "status" => first(&mut status, &a.value),
            "parent" => first(&mut parent, &a.value),
            _ => {}
        }
    }
    let parent_handle = match net_key(v6, parent) {
        Ok((_, _, h)) => h,
        Err(_) => parent.to_string(),
    };
    let updated = c.updated(&handle)?;
    Ok(Net {
        name: name.to_string(),
        v6,
        start,
        end,
        net_type: status.to_string(),
        country: c.country(),
        org_handle: c.org.to_string(),
        parent_handle,
        origin_as: Vec::new(),
        comments: c.comments(),
        registered: c.created,
        updated,
        source: c.source(),
        format: SourceFormat::Rpsl,
        pocs: c.pocs,
        org: NONE,
        parent: NONE,
        children: Vec::new(),
        depth: 0,
        handle,
    })
}

// ---------------------------------------------------------------------------------------------
// ASNs

/// `AS64496` (asplain; `as` in any case) → 64496.
fn parse_as(s: &str) -> Option<u32> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 3 || !b[..2].eq_ignore_ascii_case(b"AS") || !b[2..].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    // The first two bytes are ASCII, so index 2 is a char boundary.
    s[2..].parse().ok()
}

fn as_error(s: &str) -> String {
    format!(
        "'{}' is not an AS number (AS followed by 0 to 4294967295)",
        excerpt(s.trim())
    )
}

/// `AS64496 - AS64511` → (start, end, normalised handle).
fn as_block_key(key: &str) -> Result<(u32, u32, String), (Reason, String)> {
    let Some((a, b)) = key.split_once('-') else {
        return Err((
            Reason::BadValue,
            format!("'{}' is not an AS range (ASn - ASm)", excerpt(key)),
        ));
    };
    let start = parse_as(a).ok_or_else(|| (Reason::BadValue, as_error(a)))?;
    let end = parse_as(b).ok_or_else(|| (Reason::BadValue, as_error(b)))?;
    if start > end {
        return Err((
            Reason::StartAfterEnd,
            format!("AS range start AS{start} is after its end AS{end}"),
        ));
    }
    Ok((start, end, format!("AS{start} - AS{end}")))
}

fn asn(
    attrs: &[Attr<'_>],
    handle: String,
    (start, end, block): (u32, u32, bool),
    name: String,
) -> Res<Asn> {
    let c = Common::collect(attrs, ASN_LINKS, &handle)?;
    let updated = c.updated(&handle)?;
    let name = if block {
        c.descr
            .iter()
            .find(|l| !l.is_empty())
            .map_or_else(String::new, |l| l.to_string())
    } else {
        name
    };
    Ok(Asn {
        name,
        start,
        end,
        block,
        org_handle: c.org.to_string(),
        comments: c.comments(),
        registered: c.created,
        updated,
        source: c.source(),
        format: SourceFormat::Rpsl,
        country: c.country(),
        pocs: c.pocs,
        org: NONE,
        parent: NONE,
        children: Vec::new(),
        handle,
    })
}

fn build_aut_num(attrs: &[Attr<'_>]) -> Res<Asn> {
    let key = Class::AutNum.key(attrs);
    if key.is_empty() {
        return Err(fail("", Reason::MissingField, "aut-num: no AS number"));
    }
    let n = parse_as(key).ok_or_else(|| fail(key, Reason::BadValue, as_error(key)))?;
    let name = attrs
        .iter()
        .find(|a| a.name == "as-name" && !a.value.is_empty())
        .map_or_else(String::new, |a| a.value.to_string());
    asn(attrs, format!("AS{n}"), (n, n, false), name)
}

fn build_as_block(attrs: &[Attr<'_>]) -> Res<Asn> {
    let key = Class::AsBlock.key(attrs);
    if key.is_empty() {
        return Err(fail("", Reason::MissingField, "as-block: no AS range"));
    }
    let (start, end, handle) =
        as_block_key(key).map_err(|(reason, message)| fail(key, reason, message))?;
    asn(attrs, handle, (start, end, true), String::new())
}

// ---------------------------------------------------------------------------------------------
// Organisations and contacts

fn build_org(attrs: &[Attr<'_>]) -> Res<Org> {
    let handle = Class::Organisation.key(attrs);
    if handle.is_empty() {
        return Err(fail("", Reason::MissingField, "organisation: no handle"));
    }
    let c = Common::collect(attrs, ORG_LINKS, handle)?;
    let updated = c.updated(handle)?;
    let name = attrs
        .iter()
        .find(|a| a.name == "org-name" && !a.value.is_empty())
        .map_or_else(String::new, |a| a.value.to_string());
    Ok(Org {
        handle: handle.to_string(),
        name,
        address: Address {
            street: c.street(),
            country: c.country(),
            ..Address::default()
        },
        comments: c.comments(),
        registered: c.created,
        updated,
        source: c.source(),
        format: SourceFormat::Rpsl,
        pocs: c.pocs,
        parent_org: NONE,
        ..Org::default()
    })
}

/// `+1 555 0100 ext. 12` (RIPE) and `+57 4 5699090 [312]` (LACNIC) carry an extension.
fn phone(kind: PhoneKind, v: &str) -> Phone {
    let v = v.trim();
    let (number, extension) = if let Some(open) = v.rfind('[')
        && v.ends_with(']')
    {
        (&v[..open], &v[open + 1..v.len() - 1])
    } else if let Some(i) = v
        .as_bytes()
        .windows(4)
        .position(|w| w.eq_ignore_ascii_case(b"ext."))
    {
        // `ext.` is ASCII: i and i + 4 are char boundaries.
        (&v[..i], &v[i + 4..])
    } else {
        (v, "")
    };
    Phone {
        kind,
        number: number.trim().to_string(),
        extension: extension.trim().to_string(),
    }
}

fn build_poc(class: Class, attrs: &[Attr<'_>]) -> Res<Poc> {
    let key = class.key(attrs);
    let (kind, handle) = match class {
        Class::Irt => {
            if key.is_empty() {
                return Err(fail("", Reason::MissingField, "irt: no handle"));
            }
            (PocKind::Irt, key)
        }
        _ => {
            let kind = if class == Class::Role {
                PocKind::Role
            } else {
                PocKind::Person
            };
            let Some(nic) = nic_hdl(attrs) else {
                return Err(fail(
                    key,
                    Reason::MissingField,
                    format!("{} '{}' has no nic-hdl", class.name(), excerpt(key)),
                ));
            };
            (kind, nic)
        }
    };
    let c = Common::collect(attrs, &[], handle)?;
    let updated = c.updated(handle)?;
    let mut poc = Poc {
        handle: handle.to_string(),
        kind,
        name: key.to_string(),
        address: Address {
            street: c.street(),
            country: c.country(),
            ..Address::default()
        },
        comments: c.remarks.iter().map(|l| l.to_string()).collect(),
        registered: c.created,
        updated,
        source: c.source(),
        format: SourceFormat::Rpsl,
        validation: NONE,
        ..Poc::default()
    };
    for a in attrs {
        let v = &*a.value;
        if v.is_empty() {
            continue;
        }
        match &*a.name {
            "phone" => poc.phones.push(phone(PhoneKind::Office, v)),
            "fax-no" => poc.phones.push(phone(PhoneKind::Fax, v)),
            "e-mail" => poc.emails.push(v.to_string()),
            "abuse-mailbox" if poc.abuse_mailbox.is_empty() => poc.abuse_mailbox = v.to_string(),
            _ => {}
        }
    }
    Ok(poc)
}

// ---------------------------------------------------------------------------------------------
// Reverse-DNS delegations

/// Lower case, without the trailing dot.
fn domain_name(v: &str) -> String {
    v.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// `ds-rdata: <key tag> <algorithm> <digest type> <digest>` (digest may hold spaces).
fn parse_ds(v: &str) -> Result<DsKey, String> {
    let mut parts = v.split_whitespace();
    let mut number = |what: &str| {
        parts
            .next()
            .ok_or_else(|| format!("'{}' has no {what}", excerpt(v)))
    };
    let tag = number("key tag")?;
    let alg = number("algorithm")?;
    let digest_type = number("digest type")?;
    let key_tag: u16 = tag
        .parse()
        .map_err(|_| format!("key tag '{}' is not a number 0-65535", excerpt(tag)))?;
    let algorithm: u8 = alg
        .parse()
        .map_err(|_| format!("algorithm '{}' is not a number 0-255", excerpt(alg)))?;
    let digest_type: u8 = digest_type.parse().map_err(|_| {
        format!(
            "digest type '{}' is not a number 0-255",
            excerpt(digest_type)
        )
    })?;
    let digest: String = parts
        .flat_map(str::chars)
        .filter(|c| !matches!(c, '(' | ')'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if digest.is_empty() || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("digest '{}' is not hexadecimal", excerpt(&digest)));
    }
    // SHA-1, SHA-256, GOST R 34.11-94 (256 bits), SHA-384, GOST R 34.11-2012, SM3.
    let expected = match digest_type {
        0 => return Err("digest type 0 is reserved".to_string()),
        1 => Some(40),
        2 | 3 | 5 | 6 => Some(64),
        4 => Some(96),
        _ => None,
    };
    match expected {
        Some(n) if digest.len() != n => Err(format!(
            "digest of type {digest_type} has {} hex digits, not {n}",
            digest.len()
        )),
        None if !digest.len().is_multiple_of(2) => Err(format!(
            "digest has an odd number of hex digits ({})",
            digest.len()
        )),
        _ => Ok(DsKey {
            key_tag,
            algorithm,
            digest_type,
            digest,
            ttl: None,
        }),
    }
}

fn build_domain(attrs: &[Attr<'_>]) -> Res<Delegation> {
    let name = domain_name(Class::Domain.key(attrs));
    if name.is_empty() {
        return Err(fail("", Reason::MissingField, "domain: no name"));
    }
    let c = Common::collect(attrs, DOMAIN_LINKS, &name)?;
    let updated = c.updated(&name)?;
    let mut nameservers = Vec::new();
    let mut ds = Vec::new();
    for a in attrs {
        match &*a.name {
            "nserver" => {
                if let Some(host) = a.value.split_whitespace().next() {
                    nameservers.push(domain_name(host));
                }
            }
            "ds-rdata" => ds.push(parse_ds(&a.value).map_err(|m| {
                fail(
                    &name,
                    Reason::BadValue,
                    format!("line {}: ds-rdata: {m}", a.line),
                )
            })?),
            _ => {}
        }
    }
    Ok(Delegation {
        nameservers,
        ds,
        comments: c.comments(),
        registered: c.created,
        updated,
        source: c.source(),
        format: SourceFormat::Rpsl,
        pocs: c.pocs,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_addr, parse_date};
    use proptest::strategy::Strategy;

    fn run(text: &str) -> Ingest {
        let mut ingest = Ingest::default();
        parse("t.db", text, &mut ingest);
        ingest
    }

    fn v4(s: &str) -> u128 {
        parse_addr(s).unwrap().1
    }

    fn ts(s: &str) -> Option<Timestamp> {
        Some(parse_date(s).unwrap())
    }

    fn links(pocs: &[PocLink]) -> Vec<(PocFunction, &str)> {
        pocs.iter()
            .map(|l| (l.function, l.handle.as_str()))
            .collect()
    }

    /// The single problem, as (reason, line, handle).
    fn only_problem(ingest: &Ingest) -> (Reason, u32, &str) {
        assert_eq!(ingest.problems.len(), 1, "{:#?}", ingest.problems);
        let p = &ingest.problems[0];
        assert_eq!(p.location.file, "t.db");
        (p.reason, p.location.line, p.handle.as_str())
    }

    #[test]
    fn inetnum_with_continuations_comments_and_repeats() {
        let text = "\
% header comment
# another

inetnum:   23.1.0.0   -   23.1.255.255  # end-of-line comment
NetName:   EXAMPLE-NET
descr:     Example Networks
 second descr line
+
\tthird after a blank one # kept in descr
country:   us # comment
country:   CA
org:       ORG-EX1-TEST
% a comment inside the object
admin-c:   ADM1-TEST
tech-c:    T1-TEST, T2-TEST T3-TEST
tech-c:    T4-TEST
+          T5-TEST
abuse-c:   AB1-TEST
zone-c:    Z1-TEST
mnt-irt:   IRT-EX-TEST
remarks:   first remark # with hash
remarks:   second remark
status:    ASSIGNED
 PA
mnt-by:    EX-MNT
mnt-by:    EX2-MNT
created:   2001-02-03T04:05:06Z
changed:   someone@example.net 19990101
last-modified: 2020-01-01T00:00:00Z
source:    test # Filtered
";
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        assert_eq!(ingest.read, 1);
        assert_eq!(ingest.nets.len(), 1);
        let located = &ingest.nets[0];
        assert_eq!(located.at, Location::new("t.db", 4));
        let n = &located.obj;
        assert_eq!(n.handle, "23.1.0.0 - 23.1.255.255");
        assert!(!n.v6);
        assert_eq!((n.start, n.end), (v4("23.1.0.0"), v4("23.1.255.255")));
        assert_eq!(n.name, "EXAMPLE-NET");
        assert_eq!(n.country, "US");
        assert_eq!(n.org_handle, "ORG-EX1-TEST");
        assert_eq!(n.net_type, "ASSIGNED PA");
        assert_eq!(
            n.comments,
            vec![
                "Example Networks",
                "second descr line",
                "",
                "third after a blank one # kept in descr",
                "first remark # with hash",
                "second remark",
            ]
        );
        assert_eq!(
            links(&n.pocs),
            vec![
                (PocFunction::Admin, "ADM1-TEST"),
                (PocFunction::Tech, "T1-TEST"),
                (PocFunction::Tech, "T2-TEST"),
                (PocFunction::Tech, "T3-TEST"),
                (PocFunction::Tech, "T4-TEST"),
                (PocFunction::Tech, "T5-TEST"),
                (PocFunction::Abuse, "AB1-TEST"),
                (PocFunction::Dns, "Z1-TEST"),
                (PocFunction::Irt, "IRT-EX-TEST"),
            ]
        );
        assert!(n.pocs.iter().all(|l| l.poc == NONE));
        assert_eq!(n.registered, ts("2001-02-03T04:05:06Z"));
        assert_eq!(n.updated, ts("2020-01-01T00:00:00Z"));
        assert_eq!(n.source, "TEST");
        assert_eq!(n.format, SourceFormat::Rpsl);
        assert_eq!((n.org, n.parent), (NONE, NONE));
        assert_eq!(n.parent_handle, "");
        assert_eq!(ingest.skipped_attributes.get("inetnum/mnt-by"), Some(&2));
        assert_eq!(ingest.skipped_attributes.len(), 1);
        assert!(ingest.skipped_classes.is_empty());
    }

    #[test]
    fn changed_date_when_no_last_modified_and_parent() {
        let text = "\
inetnum: 196.11.239.0 - 196.11.246.255
netname: NET-196-11-239-0
changed: hm-changed@apnic.net 20021025
changed: hostmaster@example.net 20150513
changed: hostmaster@example.net
source: AfriNIC # Filtered
parent: 196.0.0.0   -  196.255.255.255

inetnum: 10.0.0.0 - 10.0.0.255
";
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        let n = &ingest.nets[0].obj;
        assert_eq!(n.updated, ts("20150513"));
        assert_eq!(n.registered, None);
        assert_eq!(n.source, "AFRINIC");
        assert_eq!(n.parent_handle, "196.0.0.0 - 196.255.255.255");
        // A net without netname is fine.
        let bare = &ingest.nets[1];
        assert_eq!(bare.at.line, 9);
        assert_eq!(bare.obj.name, "");
        assert_eq!(bare.obj.source, "");
        assert!(bare.obj.pocs.is_empty() && bare.obj.comments.is_empty());
    }

    #[test]
    fn cidr_and_lacnic_abbreviated_prefixes() {
        let text = "\
inetnum: 23.1.0.0/16

inetnum:     200.3.12/22
status:      allocated
owner:       Example S.A.
ownerid:     BR-EXSA-LACNIC
created:     20001204
changed:     20140716

inetnum: 10/8

inetnum: 200.57.128/19
";
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        let got: Vec<(&str, u128, u128)> = ingest
            .nets
            .iter()
            .map(|n| (n.obj.handle.as_str(), n.obj.start, n.obj.end))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "23.1.0.0 - 23.1.255.255",
                    v4("23.1.0.0"),
                    v4("23.1.255.255")
                ),
                (
                    "200.3.12.0 - 200.3.15.255",
                    v4("200.3.12.0"),
                    v4("200.3.15.255")
                ),
                (
                    "10.0.0.0 - 10.255.255.255",
                    v4("10.0.0.0"),
                    v4("10.255.255.255")
                ),
                (
                    "200.57.128.0 - 200.57.159.255",
                    v4("200.57.128.0"),
                    v4("200.57.159.255")
                ),
            ]
        );
        let lacnic = &ingest.nets[1].obj;
        assert_eq!(lacnic.registered, ts("20001204"));
        assert_eq!(lacnic.updated, ts("20140716"));
        assert_eq!(lacnic.net_type, "allocated");
        assert_eq!(ingest.skipped_attributes.get("inetnum/owner"), Some(&1));
        assert_eq!(ingest.skipped_attributes.get("inetnum/ownerid"), Some(&1));
    }

    #[test]
    fn inet6num_prefix_and_range() {
        let text = "\
inet6num:  2600:1000::/28
netname:   EXAMPLE-V6
tech-c:    T1-TEST
parent:    2600::/12

inet6num:  2001:0DB8:0000::/32

inet6num:  2001:db8:: - 2001:db8::ffff
";
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        assert_eq!(ingest.nets.len(), 3);
        let n = &ingest.nets[0].obj;
        assert!(n.v6);
        assert_eq!(n.handle, "2600:1000::/28");
        assert_eq!(n.start, parse_addr("2600:1000::").unwrap().1);
        assert_eq!(
            n.end,
            parse_addr("2600:100f:ffff:ffff:ffff:ffff:ffff:ffff")
                .unwrap()
                .1
        );
        assert_eq!(n.parent_handle, "2600::/12");
        assert_eq!(ingest.nets[1].obj.handle, "2001:db8::/32");
        let r = &ingest.nets[2].obj;
        assert_eq!(r.handle, "2001:db8:: - 2001:db8::ffff");
        assert_eq!(r.end - r.start, 0xffff);
    }

    #[test]
    fn aut_num_and_as_block() {
        let text = "\
aut-num:   as64496
as-name:   EXAMPLE-AS
descr:     Example AS
 continued
org:       ORG-EX1-TEST
admin-c:   ADM1-TEST
tech-c:    T1-TEST
abuse-c:   AB1-TEST
mnt-irt:   IRT-EX-TEST
remarks:   peering policy below
import:    from AS64497 accept ANY
import:    from AS64498 accept ANY
country:   nl
created:   2004-04-17T11:56:21Z
source:    RIPE

as-block:  AS64496 - AS64511
descr:     Documentation ASNs
descr:     RFC 5398
org:       ORG-RIR-TEST
admin-c:   RIR1-TEST
mnt-by:    RIR-MNT

as-block:  AS4200000000-as4294967294
";
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        assert_eq!(ingest.asns.len(), 3);
        let a = &ingest.asns[0].obj;
        assert_eq!(a.handle, "AS64496");
        assert_eq!((a.start, a.end, a.block), (64496, 64496, false));
        assert_eq!(a.name, "EXAMPLE-AS");
        assert_eq!(a.org_handle, "ORG-EX1-TEST");
        assert_eq!(a.country, "NL");
        assert_eq!(
            a.comments,
            vec!["Example AS", "continued", "peering policy below"]
        );
        assert_eq!(
            links(&a.pocs),
            vec![
                (PocFunction::Admin, "ADM1-TEST"),
                (PocFunction::Tech, "T1-TEST"),
                (PocFunction::Abuse, "AB1-TEST"),
                (PocFunction::Irt, "IRT-EX-TEST"),
            ]
        );
        assert_eq!(a.registered, ts("2004-04-17T11:56:21Z"));
        assert_eq!((a.org, a.parent), (NONE, NONE));
        assert_eq!(ingest.skipped_attributes.get("aut-num/import"), Some(&2));

        let b = &ingest.asns[1].obj;
        assert_eq!(b.handle, "AS64496 - AS64511");
        assert_eq!((b.start, b.end, b.block), (64496, 64511, true));
        assert_eq!(b.name, "Documentation ASNs");
        assert_eq!(b.org_handle, "ORG-RIR-TEST");
        assert_eq!(links(&b.pocs), vec![(PocFunction::Admin, "RIR1-TEST")]);
        assert_eq!(ingest.skipped_attributes.get("as-block/mnt-by"), Some(&1));

        let c = &ingest.asns[2].obj;
        assert_eq!(c.handle, "AS4200000000 - AS4294967294");
        assert_eq!((c.start, c.end), (4_200_000_000, 4_294_967_294));
        assert_eq!(c.name, "");
    }

    #[test]
    fn organisation() {
        let text = "\
organisation:   ORG-EX1-TEST
org-name:       Example Networks
 Ltd
org-type:       LIR
address:        Example Street 1
 Floor 2
address:        Amsterdam
country:        NL
phone:          +31 20 000 0000
abuse-c:        AB1-TEST
admin-c:        ADM1-TEST
tech-c:         T1-TEST
remarks:        a remark
created:        2004-04-17T11:56:21Z
last-modified:  2019-06-03T07:58:33Z
source:         TEST
";
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        let o = &ingest.orgs[0].obj;
        assert_eq!(o.handle, "ORG-EX1-TEST");
        assert_eq!(o.name, "Example Networks Ltd");
        assert_eq!(
            o.address.street,
            vec!["Example Street 1", "Floor 2", "Amsterdam"]
        );
        assert_eq!(o.address.country, "NL");
        assert_eq!(o.comments, vec!["a remark"]);
        assert_eq!(
            links(&o.pocs),
            vec![
                (PocFunction::Abuse, "AB1-TEST"),
                (PocFunction::Admin, "ADM1-TEST"),
                (PocFunction::Tech, "T1-TEST"),
            ]
        );
        assert_eq!(o.registered, ts("2004-04-17T11:56:21Z"));
        assert_eq!(o.updated, ts("2019-06-03T07:58:33Z"));
        assert_eq!(o.source, "TEST");
        assert_eq!(o.parent_org, NONE);
        assert!(!o.customer && !o.private);
        assert_eq!(
            ingest.skipped_attributes.get("organisation/org-type"),
            Some(&1)
        );
        assert_eq!(
            ingest.skipped_attributes.get("organisation/phone"),
            Some(&1)
        );
    }

    #[test]
    fn role_person_and_irt() {
        let text = "\
role:           Example NOC
address:        Example Street 1
address:        Amsterdam
country:        nl
phone:          +31 20 000 0000 ext. 12
fax-no:         +31 20 000 0001
e-mail:         noc@example.net
e-mail:         ops@example.net
abuse-mailbox:  abuse@example.net
abuse-mailbox:  abuse2@example.net
admin-c:        JD1-TEST
nic-hdl:        NOC1-TEST
remarks:        24/7
last-modified:  2019-06-03T07:58:33Z
source:         TEST

person:         John Doe
phone:          +31 20 000 0002
nic-hdl:        JD1-TEST
source:         TEST

nic-hdl:     JDM7
person:      Juan Diego Ejemplo
e-mail:      sistemas@example.co
phone:       +57 4 5699090 [312]
phone:       +57 4 5699091 []
created:     20130612
changed:     20151020

irt:            IRT-EXAMPLE-AP
address:        PO Box 1
e-mail:         irt@example.net
abuse-mailbox:  irt-abuse@example.net
irt-nfy:        irt@example.net
auth:           # Filtered
changed:        irt@example.net 20150513
source:         APNIC

inetnum:        203.0.113.0 - 203.0.113.255
mnt-irt:        IRT-EXAMPLE-AP
";
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        assert_eq!(ingest.pocs.len(), 4);
        let r = &ingest.pocs[0].obj;
        assert_eq!(r.kind, PocKind::Role);
        assert_eq!(r.handle, "NOC1-TEST");
        assert_eq!(r.name, "Example NOC");
        assert_eq!(r.address.street, vec!["Example Street 1", "Amsterdam"]);
        assert_eq!(r.address.country, "NL");
        assert_eq!(
            r.phones,
            vec![
                Phone {
                    kind: PhoneKind::Office,
                    number: "+31 20 000 0000".into(),
                    extension: "12".into()
                },
                Phone {
                    kind: PhoneKind::Fax,
                    number: "+31 20 000 0001".into(),
                    extension: String::new()
                },
            ]
        );
        assert_eq!(r.emails, vec!["noc@example.net", "ops@example.net"]);
        assert_eq!(r.abuse_mailbox, "abuse@example.net");
        assert_eq!(r.comments, vec!["24/7"]);
        assert_eq!(r.updated, ts("2019-06-03T07:58:33Z"));
        assert_eq!(r.validation, NONE);
        assert_eq!(ingest.skipped_attributes.get("role/admin-c"), Some(&1));

        let p = &ingest.pocs[1].obj;
        assert_eq!(
            (p.kind, p.handle.as_str(), p.name.as_str()),
            (PocKind::Person, "JD1-TEST", "John Doe")
        );

        // LACNIC puts nic-hdl first.
        let l = &ingest.pocs[2];
        assert_eq!(l.at.line, 22);
        assert_eq!(l.obj.kind, PocKind::Person);
        assert_eq!(l.obj.handle, "JDM7");
        assert_eq!(l.obj.name, "Juan Diego Ejemplo");
        assert_eq!(l.obj.phones[0].number, "+57 4 5699090");
        assert_eq!(l.obj.phones[0].extension, "312");
        assert_eq!(l.obj.phones[1].extension, "");
        assert_eq!(l.obj.registered, ts("20130612"));
        assert_eq!(l.obj.updated, ts("20151020"));

        let i = &ingest.pocs[3].obj;
        assert_eq!(i.kind, PocKind::Irt);
        assert_eq!(i.handle, "IRT-EXAMPLE-AP");
        assert_eq!(i.name, "IRT-EXAMPLE-AP");
        assert_eq!(i.abuse_mailbox, "irt-abuse@example.net");
        assert_eq!(i.emails, vec!["irt@example.net"]);
        assert_eq!(i.address.street, vec!["PO Box 1"]);
        assert_eq!(i.updated, ts("20150513"));
        assert_eq!(ingest.skipped_attributes.get("irt/irt-nfy"), Some(&1));
        assert_eq!(ingest.skipped_attributes.get("irt/auth"), Some(&1));

        assert_eq!(
            links(&ingest.nets[0].obj.pocs),
            vec![(PocFunction::Irt, "IRT-EXAMPLE-AP")]
        );
    }

    #[test]
    fn domain_with_ds_rdata() {
        let text = "\
domain:         2.1.23.IN-ADDR.ARPA.
descr:          Reverse zone
admin-c:        ADM1-TEST
tech-c:         T1-TEST
zone-c:         Z1-TEST
nserver:        NS1.Example.NET.
nserver:        ns2.example.net 23.1.2.53 # glue
nserver:
ds-rdata:       60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118
ds-rdata:       52314 8 2 ( 93b5837d4e5c063a3728faa72ba64068
                f89b39df3e7b0a6f2b2a2c8e0a4e9a1b )
mnt-by:         EX-MNT
created:        2010-01-01T00:00:00Z
source:         TEST
";
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        let d = &ingest.delegations[0].obj;
        assert_eq!(d.name, "2.1.23.in-addr.arpa");
        assert_eq!(d.nameservers, vec!["ns1.example.net", "ns2.example.net"]);
        assert_eq!(
            d.ds,
            vec![
                DsKey {
                    key_tag: 60485,
                    algorithm: 5,
                    digest_type: 1,
                    digest: "2BB183AF5F22588179A53B0A98631FAD1A292118".into(),
                    ttl: None
                },
                DsKey {
                    key_tag: 52314,
                    algorithm: 8,
                    digest_type: 2,
                    digest: "93B5837D4E5C063A3728FAA72BA64068F89B39DF3E7B0A6F2B2A2C8E0A4E9A1B"
                        .into(),
                    ttl: None
                },
            ]
        );
        assert_eq!(
            links(&d.pocs),
            vec![
                (PocFunction::Admin, "ADM1-TEST"),
                (PocFunction::Tech, "T1-TEST"),
                (PocFunction::Dns, "Z1-TEST"),
            ]
        );
        assert_eq!(d.comments, vec!["Reverse zone"]);
        assert_eq!(d.registered, ts("2010-01-01T00:00:00Z"));
        assert_eq!(d.source, "TEST");
        assert_eq!(ingest.skipped_attributes.get("domain/mnt-by"), Some(&1));
    }

    #[test]
    fn unknown_classes_are_counted_not_errors() {
        let text = "\
route:      23.1.0.0/16
origin:     AS64496

# comment between objects
% and another


mntner:     EX-MNT
auth:       # Filtered

route6:     2600:1000::/28
origin:     AS64496
poetic-form: FORM-HAIKU

person: Jane Doe
nic-hdl: JD2-TEST

Route: 23.2.0.0/16
";
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        assert_eq!(ingest.read, 5);
        assert_eq!(ingest.pocs.len(), 1);
        let classes: Vec<(&str, u64)> = ingest
            .skipped_classes
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(classes, vec![("mntner", 1), ("route", 2), ("route6", 1)]);
        // Attributes of unused classes are not counted.
        assert!(ingest.skipped_attributes.is_empty());
    }

    #[test]
    fn crlf_bom_and_no_final_newline() {
        let text = "\u{feff}inetnum: 10.0.0.0 - 10.0.0.255\r\nnetname: N\r\n\r\n \t \r\nperson: P\r\nnic-hdl: P1-TEST";
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        assert_eq!(ingest.nets[0].obj.name, "N");
        assert_eq!(ingest.pocs[0].obj.handle, "P1-TEST");
        assert_eq!(ingest.pocs[0].at.line, 5);
    }

    #[test]
    fn fixture_dump() {
        let text = include_str!("testdata/rpsl/mixed.db");
        let ingest = run(text);
        assert!(ingest.problems.is_empty(), "{:#?}", ingest.problems);
        assert_eq!(ingest.read, 15);
        assert_eq!(ingest.nets.len(), 5);
        assert_eq!(ingest.asns.len(), 2);
        assert_eq!(ingest.orgs.len(), 1);
        assert_eq!(ingest.pocs.len(), 4);
        assert_eq!(ingest.delegations.len(), 1);
        assert_eq!(ingest.skipped_classes.get("route"), Some(&1));
        assert_eq!(ingest.skipped_classes.get("mntner"), Some(&1));
        assert_eq!(ingest.skipped_attributes.get("inetnum/mnt-by"), Some(&2));
        let v6 = &ingest.nets[1].obj;
        assert_eq!(v6.handle, "2001:db8::/32");
        let apnic = &ingest.nets[2].obj;
        assert_eq!(apnic.updated, ts("20150513"));
        assert_eq!(apnic.pocs[2].function, PocFunction::Irt);
        let afrinic = &ingest.nets[3].obj;
        assert_eq!(afrinic.parent_handle, "198.0.0.0 - 198.255.255.255");
        assert_eq!(afrinic.source, "AFRINIC");
        let lacnic = &ingest.nets[4];
        assert_eq!(lacnic.obj.handle, "100.64.0.0 - 100.127.255.255");
        assert_eq!(lacnic.at.line, 149);
        let d = &ingest.delegations[0].obj;
        assert_eq!(
            d.nameservers,
            vec!["ns1.example.com.au", "ns2.example.com.au"]
        );
        assert_eq!(d.ds.len(), 1);
        let block = &ingest.asns[1].obj;
        assert_eq!(block.comments.len(), 3);
    }

    // ---- bad input: each case keeps the good objects around it ----

    /// Wraps `bad` between two good objects; returns the ingest after checking they were kept.
    fn between(bad: &str) -> Ingest {
        let text = format!(
            "person: Before\nnic-hdl: B1-TEST\n\n{bad}\n\nperson: After\nnic-hdl: A1-TEST\n"
        );
        let ingest = run(&text);
        let handles: Vec<&str> = ingest.pocs.iter().map(|p| p.obj.handle.as_str()).collect();
        assert!(handles.starts_with(&["B1-TEST"]), "{handles:?}");
        assert!(handles.ends_with(&["A1-TEST"]), "{handles:?}");
        assert_eq!(
            ingest.pocs.last().unwrap().at.line,
            5 + bad.lines().count() as u32
        );
        ingest
    }

    #[test]
    fn garbage_line_is_malformed() {
        let ingest =
            between("inetnum: 10.0.0.0 - 10.0.0.255\nnetname: N\nthis line is garbage\nadmin-c: X");
        assert_eq!(
            only_problem(&ingest),
            (Reason::MalformedRpsl, 6, "10.0.0.0 - 10.0.0.255")
        );
        assert!(ingest.nets.is_empty());
        assert_eq!(ingest.read, 3);
        // Not an attribute name either.
        let ingest = between("person: X\n2001:db8::1 is not a name\nnic-hdl: X1-TEST");
        assert_eq!(only_problem(&ingest), (Reason::MalformedRpsl, 5, "X1-TEST"));
        assert_eq!(ingest.pocs.len(), 2);
    }

    #[test]
    fn continuation_first_is_malformed() {
        let ingest = between(" continued from nowhere\ninetnum: 10.0.0.0 - 10.0.0.255");
        assert_eq!(
            only_problem(&ingest),
            (Reason::MalformedRpsl, 4, "10.0.0.0 - 10.0.0.255")
        );
        assert!(ingest.nets.is_empty());
        let ingest = between("+\n+");
        assert_eq!(only_problem(&ingest), (Reason::MalformedRpsl, 4, ""));
    }

    #[test]
    fn bad_addresses() {
        for key in [
            "10.0.0.0 - 10.0.0.256",
            "10.0.0.0",
            "10.0.0.0/33",
            "2001:db8::/32",
            "10.0.0.0 - 2001:db8::",
            "1.2.3.4.5/8",
            "",
        ] {
            let ingest = between(&format!("inetnum: {key}\nnetname: BAD"));
            let want = if key.is_empty() {
                Reason::MissingField
            } else {
                Reason::BadAddress
            };
            assert_eq!(only_problem(&ingest), (want, 4, key), "{key}");
            assert!(ingest.nets.is_empty());
        }
        let ingest = between("inet6num: 10.0.0.0/8");
        assert_eq!(only_problem(&ingest), (Reason::BadAddress, 4, "10.0.0.0/8"));
    }

    #[test]
    fn host_bits_are_a_bad_address() {
        let ingest = between("inetnum: 10.0.0.1/24");
        assert_eq!(
            only_problem(&ingest),
            (Reason::BadAddress, 4, "10.0.0.1/24")
        );
        let ingest = between("inet6num: 2001:db8::1/32");
        assert_eq!(
            only_problem(&ingest),
            (Reason::BadAddress, 4, "2001:db8::1/32")
        );
    }

    #[test]
    fn start_after_end() {
        let ingest = between("inetnum: 10.0.0.9 - 10.0.0.1");
        assert_eq!(
            only_problem(&ingest),
            (Reason::StartAfterEnd, 4, "10.0.0.9 - 10.0.0.1")
        );
        let ingest = between("as-block: AS20 - AS10");
        assert_eq!(
            only_problem(&ingest),
            (Reason::StartAfterEnd, 4, "AS20 - AS10")
        );
        assert!(ingest.asns.is_empty());
    }

    #[test]
    fn bad_dates() {
        let ingest = between("inetnum: 10.0.0.0 - 10.0.0.255\ncreated: 2020-13-45T00:00:00Z");
        assert_eq!(
            only_problem(&ingest),
            (Reason::BadDate, 4, "10.0.0.0 - 10.0.0.255")
        );
        assert!(ingest.problems[0].message.contains("line 5"));
        assert!(ingest.nets.is_empty());
        let ingest = between("role: R\nnic-hdl: R1-TEST\nlast-modified: yesterday");
        assert_eq!(only_problem(&ingest), (Reason::BadDate, 4, "R1-TEST"));
        let ingest = between("aut-num: AS1\nchanged: a@example.net 2002X025");
        assert_eq!(only_problem(&ingest), (Reason::BadDate, 4, "AS1"));
        assert!(ingest.asns.is_empty());
    }

    #[test]
    fn bad_as_numbers() {
        for key in ["AS4294967296", "64496", "AS", "AS1.5", "AS-1", "ASx"] {
            let ingest = between(&format!("aut-num: {key}\nas-name: BAD"));
            assert_eq!(only_problem(&ingest), (Reason::BadValue, 4, key), "{key}");
            assert!(ingest.asns.is_empty());
        }
        let ingest = between("aut-num:");
        assert_eq!(only_problem(&ingest), (Reason::MissingField, 4, ""));
        let ingest = between("as-block: AS1 - AS99999999999");
        assert_eq!(
            only_problem(&ingest),
            (Reason::BadValue, 4, "AS1 - AS99999999999")
        );
        let ingest = between("as-block: AS1");
        assert_eq!(only_problem(&ingest), (Reason::BadValue, 4, "AS1"));
    }

    #[test]
    fn missing_nic_hdl_and_keys() {
        let ingest = between("role: Nameless NOC\ne-mail: noc@example.net");
        assert_eq!(
            only_problem(&ingest),
            (Reason::MissingField, 4, "Nameless NOC")
        );
        assert_eq!(ingest.pocs.len(), 2);
        let ingest = between("person: P\nnic-hdl:");
        assert_eq!(only_problem(&ingest), (Reason::MissingField, 4, "P"));
        for class in ["organisation", "irt", "domain", "inet6num", "as-block"] {
            let ingest = between(&format!("{class}:   # nothing"));
            assert_eq!(
                only_problem(&ingest),
                (Reason::MissingField, 4, ""),
                "{class}"
            );
        }
    }

    #[test]
    fn bad_ds_rdata() {
        for ds in [
            "1 8 2 ABCD",
            "1 8 1 2BB183AF5F22588179A53B0A98631FAD1A29211Z",
            "70000 8 2 00",
            "1 8",
            "1 8 0 00",
            "1 8 9 ABC",
        ] {
            let ingest = between(&format!("domain: 2.1.23.in-addr.arpa\nds-rdata: {ds}"));
            assert_eq!(
                only_problem(&ingest),
                (Reason::BadValue, 4, "2.1.23.in-addr.arpa"),
                "{ds}"
            );
            assert!(ingest.delegations.is_empty());
        }
        // Unknown digest types are accepted with any even number of hex digits.
        let ingest = run("domain: 2.1.23.in-addr.arpa\nds-rdata: 1 8 9 ABCD\n");
        assert!(ingest.problems.is_empty());
        assert_eq!(ingest.delegations[0].obj.ds[0].digest, "ABCD");
    }

    #[test]
    fn problems_name_the_file_and_count_every_object() {
        let text = "inetnum: x\n\ngarbage\n\nroute: 10.0.0.0/8\n";
        let ingest = run(text);
        assert_eq!(ingest.read, 3);
        assert_eq!(ingest.problems.len(), 2);
        assert_eq!(
            ingest.problems[0].to_string().split(':').next(),
            Some("t.db")
        );
        assert_eq!(ingest.problems[1].location.line, 3);
        assert_eq!(ingest.problems[1].reason, Reason::MalformedRpsl);
    }

    #[test]
    fn long_values_stay_linear() {
        // One remarks attribute with 200k continuation lines, and many small objects.
        let mut text = String::from("inetnum: 10.0.0.0 - 10.255.255.255\nremarks: start\n");
        for _ in 0..200_000 {
            text.push_str("+ more\n");
        }
        text.push_str("status: ASSIGNED\n");
        for _ in 0..100_000 {
            text.push_str(" PA\n");
        }
        for i in 0..50_000u32 {
            text.push_str(&format!("\nperson: P{i}\nnic-hdl: P{i}-TEST\nmnt-by: M\n"));
        }
        let started = std::time::Instant::now();
        let ingest = run(&text);
        assert!(started.elapsed().as_secs() < 20);
        assert_eq!(ingest.nets[0].obj.comments.len(), 200_001);
        assert_eq!(
            ingest.nets[0].obj.net_type.len(),
            "ASSIGNED".len() + 3 * 100_000
        );
        assert_eq!(ingest.pocs.len(), 50_000);
        assert_eq!(
            ingest.skipped_attributes.get("person/mnt-by"),
            Some(&50_000)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        #[test]
        fn never_panics_on_fragments(parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec![
                    "inetnum:", "inet6num:", "aut-num:", "as-block:", "organisation:", "role:",
                    "person:", "irt:", "domain:", "nic-hdl:", "created:", "changed:", "ds-rdata:",
                    "nserver:", "phone:", "parent:", "descr:", "\n", "\n\n", " ", "\t", "+", "#",
                    "%", "-", "/", ":", ".", "AS", "[", "]", "ext.", "é", "\u{feff}", "\r",
                    "10.0", "::", "2001:db8::", "4294967296", "20201301", "ff",
                ]).prop_map(str::to_string),
                ".{0,8}",
            ],
            0..60,
        )) {
            let text: String = parts.concat();
            let ingest = run(&text);
            proptest::prop_assert!(ingest.read as usize >= ingest.problems.len());
        }

        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
            let _ = run(&text);
        }
    }
}
