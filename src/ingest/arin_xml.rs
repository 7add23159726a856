//! ARIN XML → the owned model: Reg-RWS payloads (one object per file, or many inside a
//! `<collection>`) and ARIN bulk whois (`<bulkwhois>`).
//!
//! The reader streams quick-xml events and builds a small tree for one object at a time, then
//! turns that tree into an [`Org`], [`Poc`], [`Net`], [`Asn`] or [`Delegation`]. Elements are
//! matched by local name, so namespaces and prefixes (`ns2:`) do not matter. An object that
//! cannot be used is reported with its line, element path
//! (`/collection/net[2]/netBlocks/netBlock[1]`) and handle, and left out (one problem per
//! object). Malformed XML ends the file: the objects read before it are kept, the broken one
//! is reported.
//!
//! Nothing here may panic on any input: no unchecked indexing, no overflowing arithmetic.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Ingest, Located, Location, Reason};
use crate::model::{
    Address, Asn, Delegation, DsKey, NONE, Net, Org, Phone, PhoneKind, Poc, PocFunction, PocKind,
    PocLink, SourceFormat, Timestamp, format_addr, parse_addr, parse_date, prefix_range,
};

/// Elements below an object deeper than this are not kept (known elements go 4 deep).
const MAX_DEPTH: usize = 8;

/// Elements that repeat in a list: their path segment always carries an index.
const LIST_ITEMS: &[&str] = &[
    "netBlock",
    "pocLinkRef",
    "pocLink",
    "line",
    "email",
    "phone",
    "originAS",
    "nameserver",
    "delegationKey",
];

/// ARIN net type codes (NET Block Payload).
const NET_TYPES: &[&str] = &[
    "A", "AF", "AP", "AR", "AV", "DA", "FX", "IR", "IU", "LN", "LX", "PV", "PX", "RD", "RN", "RV",
    "RX", "S",
];

const SOURCE: &str = "ARIN";

/// The object elements rirwhois reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Org,
    Customer,
    Net,
    Poc,
    Delegation,
    Asn,
}

impl Kind {
    fn of(name: &str) -> Option<Kind> {
        Some(match name {
            "org" => Kind::Org,
            "customer" => Kind::Customer,
            "net" => Kind::Net,
            "poc" => Kind::Poc,
            "delegation" => Kind::Delegation,
            "asn" => Kind::Asn,
            _ => return None,
        })
    }
}

/// One element of an object being read.
#[derive(Debug, Default)]
struct Node {
    /// Local name (no prefix).
    name: String,
    /// Attributes by local name, values unescaped.
    attrs: Vec<(String, String)>,
    /// Character data, unescaped, untrimmed.
    text: String,
    children: Vec<Node>,
    /// 1-based line of the start tag.
    line: u32,
    /// 1-based index among same-named siblings.
    index: u32,
    /// Whether the path segment shows the index.
    show_index: bool,
}

impl Node {
    /// The trimmed text.
    fn value(&self) -> &str {
        self.text.trim()
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn segment(&self) -> String {
        if self.show_index {
            format!("{}[{}]", self.name, self.index)
        } else {
            self.name.clone()
        }
    }
}

/// The path of `child` below `parent_path`.
fn sub(parent_path: &str, child: &Node) -> String {
    format!("{parent_path}/{}", child.segment())
}

/// Byte offset → 1-based line, counting forward from the last position asked for.
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    fn at(&mut self, pos: u64) -> u32 {
        let pos = usize::try_from(pos)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        if pos < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        let newlines = self
            .bytes
            .get(self.pos..pos)
            .map_or(0, |s| s.iter().filter(|&&b| b == b'\n').count());
        self.line = self
            .line
            .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.pos = pos;
        self.line
    }

    /// The line of the first non-blank byte at or after `pos` (where a tag starts).
    fn at_markup(&mut self, pos: u64) -> u32 {
        let start = usize::try_from(pos).unwrap_or(usize::MAX);
        let skip = self.bytes.get(start..).map_or(0, |s| {
            s.iter().take_while(|b| b.is_ascii_whitespace()).count()
        });
        self.at(pos.saturating_add(u64::try_from(skip).unwrap_or(0)))
    }
}

/// Why an object is left out, and where.
#[derive(Debug)]
struct Fail {
    line: u32,
    path: String,
    reason: Reason,
    message: String,
}

impl Fail {
    fn new(line: u32, path: impl Into<String>, reason: Reason, message: impl Into<String>) -> Self {
        Self {
            line,
            path: path.into(),
            reason,
            message: message.into(),
        }
    }

    /// A problem with the child element `n` of the element at `parent_path`.
    fn at(n: &Node, parent_path: &str, reason: Reason, message: impl Into<String>) -> Self {
        Self::new(n.line, sub(parent_path, n), reason, message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `collection` or `bulkwhois`: its children are objects.
    Container,
    /// An object element.
    Object(Kind),
    /// An element inside an object, kept in the tree.
    Field,
    /// Anything else: walked through, not kept.
    Skip,
}

struct Frame {
    node: Node,
    role: Role,
    /// Children met so far, by name (for sibling indexes).
    counts: HashMap<String, u32>,
}

/// The object being read.
struct OpenObject {
    kind: Kind,
    /// Index of its frame in the stack.
    depth: usize,
    path: String,
    /// The first malformation met inside it (bad entity, bad attribute).
    broken: Option<Fail>,
}

struct Parser<'a> {
    file: &'a str,
    lines: Lines<'a>,
    stack: Vec<Frame>,
    /// Root-level elements met, by name.
    roots: HashMap<String, u32>,
    object: Option<OpenObject>,
    seen_element: bool,
}

/// Parses one ARIN XML file (Reg-RWS payloads or bulk whois) into `out`.
pub(super) fn parse(file: &str, text: &str, out: &mut Ingest) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut p = Parser {
        file,
        lines: Lines::new(text),
        stack: Vec::new(),
        roots: HashMap::new(),
        object: None,
        seen_element: false,
    };
    loop {
        let before = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) => p.start(&e, before, out),
            Ok(Event::Empty(e)) => {
                p.start(&e, before, out);
                p.end(out);
            }
            Ok(Event::End(_)) => p.end(out),
            Ok(Event::Text(t)) => {
                if p.keeping() {
                    match t.xml10_content() {
                        Ok(s) => p.push_text(&s),
                        Err(e) => p.break_object(before, format!("undecodable text: {e}")),
                    }
                }
            }
            Ok(Event::CData(t)) => {
                if p.keeping() {
                    match t.decode() {
                        Ok(s) => p.push_text(&s),
                        Err(e) => p.break_object(before, format!("undecodable CDATA: {e}")),
                    }
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if p.keeping() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => p.push_text(c.encode_utf8(&mut [0; 4])),
                        Ok(None) => {
                            let name = r.decode().map(|n| n.into_owned()).unwrap_or_default();
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(s) => p.push_text(s),
                                None => p.break_object(before, format!("unknown entity &{name};")),
                            }
                        }
                        Err(e) => p.break_object(before, format!("bad character reference: {e}")),
                    }
                }
            }
            Ok(Event::Eof) => {
                p.eof(text.len(), out);
                break;
            }
            Ok(_) => {}
            Err(e) => {
                p.error(reader.error_position(), &e.to_string(), out);
                break;
            }
        }
    }
}

/// Local name of a start tag.
fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

/// Attributes by local name, unescaped.
fn attributes(e: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| format!("bad attribute: {e}"))?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let value = a
            .unescape_value()
            .map_err(|e| format!("bad attribute value: {e}"))?;
        out.push((key, value.into_owned()));
    }
    Ok(out)
}

impl Parser<'_> {
    /// Whether text goes into the tree (inside an object).
    fn keeping(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|f| matches!(f.role, Role::Object(_) | Role::Field))
    }

    fn push_text(&mut self, s: &str) {
        if let Some(f) = self.stack.last_mut() {
            f.node.text.push_str(s);
        }
    }

    fn path(&self) -> String {
        let mut p = String::new();
        for f in &self.stack {
            p.push('/');
            p.push_str(&f.node.segment());
        }
        p
    }

    /// Marks the open object as malformed (reported when it ends).
    fn break_object(&mut self, pos: u64, message: String) {
        if self.object.as_ref().is_none_or(|o| o.broken.is_some()) {
            return;
        }
        let line = self.lines.at_markup(pos);
        let path = self.path();
        if let Some(o) = self.object.as_mut() {
            o.broken = Some(Fail::new(line, path, Reason::MalformedXml, message));
        }
    }

    /// The handle (or delegation name) of the open object, as far as it was read.
    fn open_handle(&self) -> String {
        match &self.object {
            Some(o) => self
                .stack
                .get(o.depth)
                .map(|f| handle_of(o.kind, &f.node))
                .unwrap_or_default(),
            None => String::new(),
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, before: u64, out: &mut Ingest) {
        self.seen_element = true;
        let name = local_name(e);
        let line = self.lines.at_markup(before);
        let parent = self.stack.last().map(|f| f.role);
        let counts = match self.stack.last_mut() {
            Some(f) => &mut f.counts,
            None => &mut self.roots,
        };
        let index = match counts.get_mut(&name) {
            Some(n) => {
                *n = n.saturating_add(1);
                *n
            }
            None => {
                counts.insert(name.clone(), 1);
                1
            }
        };
        let show_index =
            parent == Some(Role::Container) || index > 1 || LIST_ITEMS.contains(&name.as_str());
        // Containers only at the root, so the path to an object stays short.
        let role = match parent {
            None | Some(Role::Container) => {
                if parent.is_none() && (name == "collection" || name == "bulkwhois") {
                    Role::Container
                } else if let Some(kind) = Kind::of(&name) {
                    Role::Object(kind)
                } else {
                    Role::Skip
                }
            }
            Some(Role::Object(_) | Role::Field) => {
                let depth = self.object.as_ref().map_or(0, |o| o.depth);
                if self.stack.len().saturating_sub(depth) > MAX_DEPTH {
                    Role::Skip
                } else {
                    Role::Field
                }
            }
            Some(Role::Skip) => Role::Skip,
        };
        let mut node = Node {
            name,
            line,
            index,
            show_index,
            ..Node::default()
        };
        let top_level = matches!(parent, None | Some(Role::Container));
        match role {
            Role::Object(kind) => {
                out.read += 1;
                let path = format!("{}/{}", self.path(), node.segment());
                let broken = match attributes(e) {
                    Ok(a) => {
                        node.attrs = a;
                        None
                    }
                    Err(m) => Some(Fail::new(line, path.clone(), Reason::MalformedXml, m)),
                };
                self.object = Some(OpenObject {
                    kind,
                    depth: self.stack.len(),
                    path,
                    broken,
                });
            }
            Role::Field => match attributes(e) {
                Ok(a) => node.attrs = a,
                Err(m) => {
                    if self.object.as_ref().is_some_and(|o| o.broken.is_none()) {
                        let path = format!("{}/{}", self.path(), node.segment());
                        if let Some(o) = self.object.as_mut() {
                            o.broken = Some(Fail::new(line, path, Reason::MalformedXml, m));
                        }
                    }
                }
            },
            Role::Skip if top_level && (node.name == "pocLinkRef" || node.name == "pocLink") => {
                out.read += 1;
                let handle = attributes(e)
                    .ok()
                    .and_then(|a| a.into_iter().find(|(k, _)| k == "handle").map(|(_, v)| v))
                    .unwrap_or_default();
                let path = format!("{}/{}", self.path(), node.segment());
                out.problem(
                    Location::with_path(self.file, line, path),
                    handle.trim(),
                    Reason::MissingField,
                    format!("{} outside an org, net or asn", node.name),
                );
            }
            Role::Skip if top_level => out.skip_class(&node.name),
            Role::Skip | Role::Container => {}
        }
        self.stack.push(Frame {
            node,
            role,
            counts: HashMap::new(),
        });
    }

    fn end(&mut self, out: &mut Ingest) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        match frame.role {
            Role::Field => {
                if let Some(parent) = self.stack.last_mut()
                    && matches!(parent.role, Role::Object(_) | Role::Field)
                {
                    parent.node.children.push(frame.node);
                }
            }
            Role::Object(kind) => {
                let Some(open) = self.object.take() else {
                    return;
                };
                let node = frame.node;
                if let Some(fail) = open.broken {
                    self.report(out, handle_of(kind, &node), fail);
                    return;
                }
                let at = Location::with_path(self.file, node.line, open.path.clone());
                let result =
                    match kind {
                        Kind::Org => org(out, &node, &open.path, false)
                            .map(|o| out.orgs.push(Located { at, obj: o })),
                        Kind::Customer => org(out, &node, &open.path, true)
                            .map(|o| out.orgs.push(Located { at, obj: o })),
                        Kind::Net => net(out, &node, &open.path)
                            .map(|n| out.nets.push(Located { at, obj: n })),
                        Kind::Poc => poc(out, &node, &open.path)
                            .map(|p| out.pocs.push(Located { at, obj: p })),
                        Kind::Asn => asn(out, &node, &open.path)
                            .map(|a| out.asns.push(Located { at, obj: a })),
                        Kind::Delegation => delegation(out, &node, &open.path)
                            .map(|d| out.delegations.push(Located { at, obj: d })),
                    };
                if let Err(fail) = result {
                    self.report(out, handle_of(kind, &node), fail);
                }
            }
            Role::Container | Role::Skip => {}
        }
    }

    fn report(&self, out: &mut Ingest, handle: String, fail: Fail) {
        out.problem(
            Location::with_path(self.file, fail.line, fail.path),
            handle,
            fail.reason,
            fail.message,
        );
    }

    fn eof(&mut self, len: usize, out: &mut Ingest) {
        if !self.stack.is_empty() {
            let line = self.lines.at(u64::try_from(len).unwrap_or(u64::MAX));
            let path = self.path();
            let open = self
                .stack
                .last()
                .map(|f| f.node.name.clone())
                .unwrap_or_default();
            let handle = self.open_handle();
            out.problem(
                Location::with_path(self.file, line, path),
                handle,
                Reason::MalformedXml,
                format!("unexpected end of file inside <{open}>"),
            );
        } else if !self.seen_element {
            out.problem(
                Location::new(self.file, 1),
                "",
                Reason::MalformedXml,
                "no XML element found",
            );
        }
    }

    fn error(&mut self, pos: u64, message: &str, out: &mut Ingest) {
        let line = self.lines.at(pos);
        let path = self.path();
        let handle = self.open_handle();
        let rest = if self.object.is_some() {
            "; the object and the rest of the file are skipped"
        } else {
            "; the rest of the file is skipped"
        };
        out.problem(
            Location::with_path(self.file, line, path),
            handle,
            Reason::MalformedXml,
            format!("{message}{rest}"),
        );
    }
}

/// The handle of an object (the zone name for a delegation), empty when not read.
fn handle_of(kind: Kind, node: &Node) -> String {
    let field = if kind == Kind::Delegation {
        "name"
    } else {
        "handle"
    };
    let value = node
        .children
        .iter()
        .rev()
        .find(|c| c.name == field)
        .map_or("", |c| c.value());
    if kind == Kind::Delegation {
        dns_name(value)
    } else {
        value.to_string()
    }
}

/// Counts an element rirwhois does not use.
fn skip(out: &mut Ingest, parent: &Node, child: &Node) {
    out.skip_attribute(&format!("{}/{}", parent.name, child.name));
}

fn date(n: &Node, path: &str) -> Result<Option<Timestamp>, Fail> {
    let v = n.value();
    if v.is_empty() {
        return Ok(None);
    }
    parse_date(v)
        .map(Some)
        .map_err(|e| Fail::at(n, path, Reason::BadDate, format!("{}: {e}", n.name)))
}

/// The `line` children of `comment` or `streetAddress`, or its text split into lines.
fn text_lines(out: &mut Ingest, n: &Node, keep_empty: bool) -> Vec<String> {
    let mut lines = Vec::new();
    if n.children.is_empty() {
        lines.extend(n.value().lines().map(|l| l.trim().to_string()));
    } else {
        for c in &n.children {
            if c.name == "line" {
                lines.push(c.value().to_string());
            } else {
                skip(out, n, c);
            }
        }
    }
    if !keep_empty {
        lines.retain(|l| !l.is_empty());
    }
    lines
}

/// A code given as text (`<type>A</type>`) or as a `code` child (`<type><code>O</code></type>`),
/// upper case.
fn code_of(out: &mut Ingest, n: &Node) -> String {
    let mut code = None;
    for c in &n.children {
        if c.name == "code" {
            code = Some(c.value());
        } else {
            skip(out, n, c);
        }
    }
    code.unwrap_or_else(|| n.value()).to_ascii_uppercase()
}

/// Reads an address element into `a`; false when `c` is not one.
fn address_field(out: &mut Ingest, a: &mut Address, c: &Node) -> bool {
    match c.name.as_str() {
        "streetAddress" => a.street = text_lines(out, c, false),
        "city" => a.city = c.value().to_string(),
        "iso3166-2" => a.state = c.value().to_string(),
        "postalCode" => a.postal_code = c.value().to_string(),
        "iso3166-1" => {
            let mut code = None;
            for cc in &c.children {
                if cc.name == "code2" {
                    code = Some(cc.value());
                } else {
                    skip(out, c, cc);
                }
            }
            let code = match code {
                Some(code) => code,
                None if c.children.is_empty() => c.value(),
                None => "",
            };
            a.country = code.to_ascii_uppercase();
        }
        _ => return false,
    }
    true
}

fn poc_links(out: &mut Ingest, n: &Node, path: &str) -> Result<Vec<PocLink>, Fail> {
    let here = sub(path, n);
    let mut links = Vec::new();
    for c in &n.children {
        match c.name.as_str() {
            "pocLinkRef" | "pocLink" => links.push(poc_link(out, c, &here)?),
            _ => skip(out, n, c),
        }
    }
    Ok(links)
}

/// `<pocLinkRef handle="…" function="…"/>` (child elements of those names are accepted too).
fn poc_link(out: &mut Ingest, n: &Node, path: &str) -> Result<PocLink, Fail> {
    let mut handle = n.attr("handle").unwrap_or("").trim();
    let mut function = n.attr("function").unwrap_or("").trim();
    for c in &n.children {
        match c.name.as_str() {
            "handle" => handle = c.value(),
            "function" => function = c.value(),
            _ => skip(out, n, c),
        }
    }
    if handle.is_empty() {
        return Err(Fail::at(
            n,
            path,
            Reason::MissingField,
            format!("{} without a POC handle", n.name),
        ));
    }
    let f = PocFunction::from_arin_code(function).ok_or_else(|| {
        Fail::at(
            n,
            path,
            Reason::BadValue,
            format!(
                "{} to {handle}: function '{function}' is not one of AD, AB, N, T, R, D",
                n.name
            ),
        )
    })?;
    Ok(PocLink::new(f, handle))
}

/// `AS102` or `102`.
fn parse_asn(s: &str) -> Option<u32> {
    let s = s.trim();
    let digits = match s.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("AS") => s.get(2..).unwrap_or(""),
        _ => s,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// An org (`orgName` in payloads, `name` in bulk whois) or a customer.
fn org(out: &mut Ingest, n: &Node, path: &str, customer: bool) -> Result<Org, Fail> {
    let mut o = Org {
        customer,
        source: SOURCE.to_string(),
        format: SourceFormat::ArinXml,
        parent_org: NONE,
        ..Org::default()
    };
    for c in &n.children {
        match c.name.as_str() {
            "handle" => o.handle = c.value().to_string(),
            "orgName" | "customerName" | "name" => o.name = c.value().to_string(),
            "dbaName" => o.dba_name = c.value().to_string(),
            "parentOrgHandle" => o.parent_org_handle = c.value().to_string(),
            "privateCustomer" => {
                o.private = match c.value().to_ascii_lowercase().as_str() {
                    "true" | "y" | "yes" => true,
                    "false" | "n" | "no" | "" => false,
                    v => {
                        return Err(Fail::at(
                            c,
                            path,
                            Reason::BadValue,
                            format!("privateCustomer '{v}' is not true or false"),
                        ));
                    }
                }
            }
            "comment" => o.comments = text_lines(out, c, true),
            "registrationDate" => o.registered = date(c, path)?,
            "updateDate" => o.updated = date(c, path)?,
            "pocLinks" => o.pocs = poc_links(out, c, path)?,
            _ => {
                if !address_field(out, &mut o.address, c) {
                    skip(out, n, c);
                }
            }
        }
    }
    if o.handle.is_empty() {
        return Err(Fail::new(
            n.line,
            path,
            Reason::MissingField,
            format!("{} without a handle", n.name),
        ));
    }
    Ok(o)
}

fn phone_kind(code: &str) -> Option<PhoneKind> {
    Some(match code.trim().to_ascii_uppercase().as_str() {
        "O" | "OFFICE" => PhoneKind::Office,
        "F" | "FAX" => PhoneKind::Fax,
        "M" | "MOBILE" => PhoneKind::Mobile,
        _ => return None,
    })
}

/// `<phone><type><code>O</code></type><number>…</number><extension/></phone>` (Reg-RWS) or
/// `<phone><number><phoneNumber>…</phoneNumber><phoneType>O</phoneType></number><type>O</type></phone>`
/// (bulk whois). A phone without a type is an office phone.
fn phone(out: &mut Ingest, n: &Node, path: &str) -> Result<Phone, Fail> {
    let mut kind: Option<(String, &Node)> = None;
    let mut number = String::new();
    let mut extension = String::new();
    for c in &n.children {
        match c.name.as_str() {
            "type" | "phoneType" => kind = Some((code_of(out, c), c)),
            "extension" => extension = c.value().to_string(),
            "number" if c.children.is_empty() => number = c.value().to_string(),
            "number" => {
                for cc in &c.children {
                    match cc.name.as_str() {
                        "phoneNumber" | "number" => number = cc.value().to_string(),
                        "type" | "phoneType" => kind = Some((code_of(out, cc), cc)),
                        "extension" => extension = cc.value().to_string(),
                        _ => skip(out, c, cc),
                    }
                }
            }
            _ => skip(out, n, c),
        }
    }
    let here = sub(path, n);
    if number.is_empty() {
        return Err(Fail::new(
            n.line,
            here,
            Reason::MissingField,
            "phone without a number",
        ));
    }
    let kind = match kind {
        None => PhoneKind::Office,
        Some((code, _)) if code.is_empty() => PhoneKind::Office,
        Some((code, at)) => phone_kind(&code).ok_or_else(|| {
            Fail::new(
                at.line,
                here.clone(),
                Reason::BadValue,
                format!("phone type '{code}' is not one of O, F, M"),
            )
        })?,
    };
    Ok(Phone {
        kind,
        number,
        extension,
    })
}

fn poc(out: &mut Ingest, n: &Node, path: &str) -> Result<Poc, Fail> {
    let mut p = Poc {
        source: SOURCE.to_string(),
        format: SourceFormat::ArinXml,
        validation: NONE,
        ..Poc::default()
    };
    let mut kind = None;
    for c in &n.children {
        match c.name.as_str() {
            "handle" => p.handle = c.value().to_string(),
            "contactType" => {
                kind = Some(match c.value().to_ascii_uppercase().as_str() {
                    "PERSON" => PocKind::Person,
                    "ROLE" => PocKind::Role,
                    v => {
                        return Err(Fail::at(
                            c,
                            path,
                            Reason::BadValue,
                            format!("contactType '{v}' is not PERSON or ROLE"),
                        ));
                    }
                })
            }
            "isRoleAccount" => {
                kind = Some(match c.value().to_ascii_uppercase().as_str() {
                    "Y" | "YES" | "TRUE" => PocKind::Role,
                    "N" | "NO" | "FALSE" => PocKind::Person,
                    v => {
                        return Err(Fail::at(
                            c,
                            path,
                            Reason::BadValue,
                            format!("isRoleAccount '{v}' is not Y or N"),
                        ));
                    }
                })
            }
            "firstName" => p.first_name = c.value().to_string(),
            "middleName" => p.middle_name = c.value().to_string(),
            "lastName" => p.last_name = c.value().to_string(),
            "companyName" => p.company = c.value().to_string(),
            "emails" => {
                for e in &c.children {
                    if e.name == "email" {
                        if !e.value().is_empty() {
                            p.emails.push(e.value().to_string());
                        }
                    } else {
                        skip(out, c, e);
                    }
                }
            }
            "phones" => {
                let here = sub(path, c);
                for ph in &c.children {
                    if ph.name == "phone" {
                        p.phones.push(phone(out, ph, &here)?);
                    } else {
                        skip(out, c, ph);
                    }
                }
            }
            "comment" => p.comments = text_lines(out, c, true),
            "registrationDate" => p.registered = date(c, path)?,
            "updateDate" => p.updated = date(c, path)?,
            _ => {
                if !address_field(out, &mut p.address, c) {
                    skip(out, n, c);
                }
            }
        }
    }
    if p.handle.is_empty() {
        return Err(Fail::new(
            n.line,
            path,
            Reason::MissingField,
            "poc without a handle",
        ));
    }
    // Without contactType / isRoleAccount: ARIN role accounts have no first name.
    p.kind = kind.unwrap_or(if p.first_name.is_empty() {
        PocKind::Role
    } else {
        PocKind::Person
    });
    p.name = if p.kind == PocKind::Role {
        if p.last_name.is_empty() {
            p.company.clone()
        } else {
            p.last_name.clone()
        }
    } else {
        let given: Vec<&str> = [p.first_name.as_str(), p.middle_name.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let given = given.join(" ");
        match (p.last_name.is_empty(), given.is_empty()) {
            (true, _) => given,
            (false, true) => p.last_name.clone(),
            (false, false) => format!("{}, {given}", p.last_name),
        }
    };
    Ok(p)
}

/// One address range read from a netBlock (or from a bulk net's own start/endAddress).
struct Block {
    v6: bool,
    start: u128,
    end: u128,
    net_type: String,
    line: u32,
    path: String,
}

/// The range of `startAddress` and `endAddress` or `cidrLength`.
fn block_range(
    start: Option<&Node>,
    end: Option<&Node>,
    cidr: Option<&Node>,
    line: u32,
    path: &str,
) -> Result<(bool, u128, u128), Fail> {
    let here = |n: &Node| sub(path, n);
    let start_node =
        start.ok_or_else(|| Fail::new(line, path, Reason::MissingField, "no startAddress"))?;
    let (v6, first) = parse_addr(start_node.value()).map_err(|e| {
        Fail::new(
            start_node.line,
            here(start_node),
            Reason::BadAddress,
            format!("startAddress: {e}"),
        )
    })?;
    let mut last = None;
    if let Some(e) = end {
        let (v6e, addr) = parse_addr(e.value()).map_err(|err| {
            Fail::new(
                e.line,
                here(e),
                Reason::BadAddress,
                format!("endAddress: {err}"),
            )
        })?;
        if v6e != v6 {
            return Err(Fail::new(
                e.line,
                here(e),
                Reason::BadAddress,
                "startAddress and endAddress mix IPv4 and IPv6",
            ));
        }
        if first > addr {
            return Err(Fail::new(
                e.line,
                path,
                Reason::StartAfterEnd,
                format!(
                    "startAddress {} is after endAddress {}",
                    format_addr(v6, first),
                    format_addr(v6, addr)
                ),
            ));
        }
        last = Some(addr);
    }
    if let Some(c) = cidr {
        let max = if v6 { 128 } else { 32 };
        let len = c
            .value()
            .parse::<u8>()
            .ok()
            .filter(|&l| l <= max)
            .ok_or_else(|| {
                Fail::new(
                    c.line,
                    here(c),
                    Reason::BadValue,
                    format!("cidrLength '{}' is not 0 to {max}", c.value()),
                )
            })?;
        let (s, e) = prefix_range(v6, first, len);
        if s != first {
            return Err(Fail::new(
                c.line,
                here(c),
                Reason::BadAddress,
                format!(
                    "startAddress {} is not the start of a /{len}",
                    format_addr(v6, first)
                ),
            ));
        }
        match last {
            Some(l) if l != e => {
                return Err(Fail::new(
                    c.line,
                    here(c),
                    Reason::BadAddress,
                    format!(
                        "endAddress {} does not end {}/{len}",
                        format_addr(v6, l),
                        format_addr(v6, first)
                    ),
                ));
            }
            _ => last = Some(e),
        }
    }
    let last = last.ok_or_else(|| {
        Fail::new(
            line,
            path,
            Reason::MissingField,
            "neither endAddress nor cidrLength",
        )
    })?;
    Ok((v6, first, last))
}

fn non_empty(n: &Node) -> Option<&Node> {
    (!n.value().is_empty() || !n.children.is_empty()).then_some(n)
}

fn net_block(out: &mut Ingest, n: &Node, path: String) -> Result<Block, Fail> {
    let (mut start, mut end, mut cidr) = (None, None, None);
    let mut net_type = String::new();
    let mut type_node = None;
    for c in &n.children {
        match c.name.as_str() {
            "startAddress" => start = non_empty(c),
            "endAddress" => end = non_empty(c),
            "cidrLength" => cidr = non_empty(c),
            "type" => {
                net_type = code_of(out, c);
                type_node = Some(c);
            }
            _ => skip(out, n, c),
        }
    }
    if let Some(t) = type_node
        && !net_type.is_empty()
        && !NET_TYPES.contains(&net_type.as_str())
    {
        return Err(Fail::at(
            t,
            &path,
            Reason::BadValue,
            format!("net type '{net_type}' is not a known ARIN type code"),
        ));
    }
    let (v6, start, end) = block_range(start, end, cidr, n.line, &path)?;
    Ok(Block {
        v6,
        start,
        end,
        net_type,
        line: n.line,
        path,
    })
}

fn net(out: &mut Ingest, n: &Node, path: &str) -> Result<Net, Fail> {
    let mut net = Net {
        source: SOURCE.to_string(),
        format: SourceFormat::ArinXml,
        org: NONE,
        parent: NONE,
        ..Net::default()
    };
    let mut blocks: Vec<Block> = Vec::new();
    let (mut start, mut end) = (None, None);
    let mut version = None;
    let mut org_handle: Option<&Node> = None;
    let mut customer_handle: Option<&Node> = None;
    for c in &n.children {
        match c.name.as_str() {
            "handle" => net.handle = c.value().to_string(),
            "netName" | "name" => net.name = c.value().to_string(),
            "version" => version = non_empty(c),
            "orgHandle" => org_handle = non_empty(c),
            "customerHandle" => customer_handle = non_empty(c),
            "parentNetHandle" => net.parent_handle = c.value().to_string(),
            "comment" => net.comments = text_lines(out, c, true),
            "registrationDate" => net.registered = date(c, path)?,
            "updateDate" => net.updated = date(c, path)?,
            "pocLinks" => net.pocs = poc_links(out, c, path)?,
            "startAddress" => start = non_empty(c),
            "endAddress" => end = non_empty(c),
            "originASes" => {
                for a in &c.children {
                    if a.name == "originAS" {
                        let asn = parse_asn(a.value()).ok_or_else(|| {
                            Fail::at(
                                a,
                                &sub(path, c),
                                Reason::BadValue,
                                format!("originAS '{}' is not an AS number", a.value()),
                            )
                        })?;
                        net.origin_as.push(asn);
                    } else {
                        skip(out, c, a);
                    }
                }
            }
            "netBlocks" => {
                let here = sub(path, c);
                for b in &c.children {
                    if b.name == "netBlock" {
                        blocks.push(net_block(out, b, sub(&here, b))?);
                    } else {
                        skip(out, c, b);
                    }
                }
            }
            _ => skip(out, n, c),
        }
    }
    let missing = |what: &str| Fail::new(n.line, path, Reason::MissingField, what.to_string());
    if net.handle.is_empty() {
        return Err(missing("net without a handle"));
    }
    match (org_handle, customer_handle) {
        (Some(_), Some(c)) => {
            return Err(Fail::at(
                c,
                path,
                Reason::BadValue,
                "both orgHandle and customerHandle (they are mutually exclusive)",
            ));
        }
        (Some(h), None) | (None, Some(h)) => net.org_handle = h.value().to_string(),
        (None, None) => {}
    }
    // A bulk whois net repeats its range in startAddress/endAddress.
    let own = if start.is_some() || end.is_some() {
        Some(block_range(start, end, None, n.line, path)?)
    } else {
        None
    };
    if let Some(first) = blocks.first() {
        net.net_type = first.net_type.clone();
        if let Some(b) = blocks.iter().find(|b| b.v6 != first.v6) {
            return Err(Fail::new(
                b.line,
                b.path.clone(),
                Reason::BadAddress,
                "netBlocks mix IPv4 and IPv6",
            ));
        }
        blocks.sort_by_key(|b| b.start);
        for w in blocks.windows(2) {
            if let [a, b] = w
                && a.end.checked_add(1) != Some(b.start)
            {
                let what = if b.start <= a.end {
                    "overlaps"
                } else {
                    "leaves a gap after"
                };
                return Err(Fail::new(
                    b.line,
                    b.path.clone(),
                    Reason::BadAddress,
                    format!(
                        "netBlock starting {} {what} the block ending {} (blocks must be contiguous)",
                        format_addr(b.v6, b.start),
                        format_addr(a.v6, a.end)
                    ),
                ));
            }
        }
        let (Some(lo), Some(hi)) = (blocks.first(), blocks.last()) else {
            return Err(missing("net without netBlocks"));
        };
        net.v6 = lo.v6;
        net.start = lo.start;
        net.end = hi.end;
        if let Some((v6, s, e)) = own
            && (v6 != net.v6 || s != net.start || e != net.end)
        {
            return Err(Fail::new(
                n.line,
                path,
                Reason::BadAddress,
                format!(
                    "startAddress - endAddress {} - {} differs from the netBlocks {} - {}",
                    format_addr(v6, s),
                    format_addr(v6, e),
                    format_addr(net.v6, net.start),
                    format_addr(net.v6, net.end)
                ),
            ));
        }
    } else if let Some((v6, s, e)) = own {
        net.v6 = v6;
        net.start = s;
        net.end = e;
    } else {
        return Err(missing("net without netBlocks or startAddress/endAddress"));
    }
    if let Some(v) = version {
        let ok = match v.value() {
            "4" => !net.v6,
            "6" => net.v6,
            other => {
                return Err(Fail::at(
                    v,
                    path,
                    Reason::BadValue,
                    format!("version '{other}' is not 4 or 6"),
                ));
            }
        };
        if !ok {
            return Err(Fail::at(
                v,
                path,
                Reason::BadValue,
                format!(
                    "version {} does not match the addresses ({})",
                    v.value(),
                    format_addr(net.v6, net.start)
                ),
            ));
        }
    }
    Ok(net)
}

fn asn(out: &mut Ingest, n: &Node, path: &str) -> Result<Asn, Fail> {
    let mut a = Asn {
        source: SOURCE.to_string(),
        format: SourceFormat::ArinXml,
        org: NONE,
        parent: NONE,
        ..Asn::default()
    };
    let (mut start, mut end) = (None, None);
    for c in &n.children {
        match c.name.as_str() {
            "handle" => a.handle = c.value().to_string(),
            "name" | "asName" => a.name = c.value().to_string(),
            "startAsNumber" => start = non_empty(c),
            "endAsNumber" => end = non_empty(c),
            "orgHandle" => a.org_handle = c.value().to_string(),
            "comment" => a.comments = text_lines(out, c, true),
            "registrationDate" => a.registered = date(c, path)?,
            "updateDate" => a.updated = date(c, path)?,
            "pocLinks" => a.pocs = poc_links(out, c, path)?,
            _ => skip(out, n, c),
        }
    }
    if a.handle.is_empty() {
        return Err(Fail::new(
            n.line,
            path,
            Reason::MissingField,
            "asn without a handle",
        ));
    }
    let number = |c: &Node| {
        parse_asn(c.value()).ok_or_else(|| {
            Fail::at(
                c,
                path,
                Reason::BadValue,
                format!("{} '{}' is not an AS number", c.name, c.value()),
            )
        })
    };
    let s = start.ok_or_else(|| {
        Fail::new(
            n.line,
            path,
            Reason::MissingField,
            "asn without startAsNumber",
        )
    })?;
    a.start = number(s)?;
    a.end = match end {
        Some(e) => {
            let v = number(e)?;
            if a.start > v {
                return Err(Fail::at(
                    e,
                    path,
                    Reason::StartAfterEnd,
                    format!("startAsNumber {} is after endAsNumber {v}", a.start),
                ));
            }
            v
        }
        None => a.start,
    };
    Ok(a)
}

/// A zone or nameserver name: lower case, no trailing dot.
fn dns_name(s: &str) -> String {
    let s = s.trim();
    s.strip_suffix('.').unwrap_or(s).to_ascii_lowercase()
}

/// A required element of a delegationKey.
fn need<'n>(f: Option<&'n Node>, n: &Node, here: &str, what: &str) -> Result<&'n Node, Fail> {
    f.ok_or_else(|| {
        Fail::new(
            n.line,
            here,
            Reason::MissingField,
            format!("delegationKey without {what}"),
        )
    })
}

fn ds_key(out: &mut Ingest, n: &Node, path: &str) -> Result<DsKey, Fail> {
    let here = sub(path, n);
    let (mut key_tag, mut algorithm, mut digest_type, mut digest, mut ttl) =
        (None, None, None, None, None);
    for c in &n.children {
        match c.name.as_str() {
            "keyTag" => key_tag = non_empty(c),
            "algorithm" => algorithm = non_empty(c),
            "digestType" => digest_type = non_empty(c),
            "digest" => digest = non_empty(c),
            "ttl" => ttl = non_empty(c),
            _ => skip(out, n, c),
        }
    }
    let bad = |c: &Node, what: &str| {
        Fail::at(
            c,
            &here,
            Reason::BadValue,
            format!("{} '{}' is not {what}", c.name, c.value()),
        )
    };
    let k = need(key_tag, n, &here, "keyTag")?;
    let key_tag: u16 = k.value().parse().map_err(|_| bad(k, "0 to 65535"))?;
    let a = need(algorithm, n, &here, "algorithm")?;
    let algorithm: u8 = a.value().parse().map_err(|_| bad(a, "0 to 255"))?;
    let t = need(digest_type, n, &here, "digestType")?;
    let digest_type: u8 = t.value().parse().map_err(|_| bad(t, "0 to 255"))?;
    let want = match digest_type {
        1 => 40,
        2 => 64,
        3 => 32,
        4 => 96,
        _ => {
            return Err(bad(
                t,
                "a known digest type (1 SHA-1, 2 SHA-256, 3 MD5, 4 SHA-384)",
            ));
        }
    };
    let d = need(digest, n, &here, "digest")?;
    let hex: String = d
        .value()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Fail::at(
            d,
            &here,
            Reason::BadValue,
            "digest is not hexadecimal",
        ));
    }
    if hex.len() != want {
        return Err(Fail::at(
            d,
            &here,
            Reason::BadValue,
            format!(
                "digest has {} hex digits; digest type {digest_type} needs {want}",
                hex.len()
            ),
        ));
    }
    let ttl = match ttl {
        Some(c) => Some(
            c.value()
                .parse::<u32>()
                .map_err(|_| bad(c, "a number of seconds"))?,
        ),
        None => None,
    };
    Ok(DsKey {
        key_tag,
        algorithm,
        digest_type,
        digest: hex,
        ttl,
    })
}

fn delegation(out: &mut Ingest, n: &Node, path: &str) -> Result<Delegation, Fail> {
    let mut d = Delegation {
        source: SOURCE.to_string(),
        format: SourceFormat::ArinXml,
        ..Delegation::default()
    };
    for c in &n.children {
        match c.name.as_str() {
            "name" => d.name = dns_name(c.value()),
            "nameservers" => {
                for ns in &c.children {
                    if ns.name == "nameserver" {
                        let name = dns_name(ns.value());
                        if !name.is_empty() {
                            d.nameservers.push(name);
                        }
                    } else {
                        skip(out, c, ns);
                    }
                }
            }
            "delegationKeys" => {
                let here = sub(path, c);
                for k in &c.children {
                    if k.name == "delegationKey" {
                        d.ds.push(ds_key(out, k, &here)?);
                    } else {
                        skip(out, c, k);
                    }
                }
            }
            "pocLinks" => d.pocs = poc_links(out, c, path)?,
            "comment" => d.comments = text_lines(out, c, true),
            "registrationDate" => d.registered = date(c, path)?,
            "updateDate" => d.updated = date(c, path)?,
            _ => skip(out, n, c),
        }
    }
    if d.name.is_empty() {
        return Err(Fail::new(
            n.line,
            path,
            Reason::MissingField,
            "delegation without a name",
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLLECTION: &str = include_str!("testdata/arin/collection.xml");
    const NET: &str = include_str!("testdata/arin/net.xml");
    const BULK: &str = include_str!("testdata/arin/bulkwhois.xml");

    fn run(text: &str) -> Ingest {
        let mut out = Ingest::default();
        parse("t.xml", text, &mut out);
        out
    }

    /// 1-based line of the first occurrence of `needle`.
    fn line_of(text: &str, needle: &str) -> u32 {
        let at = text.find(needle).expect("needle in text");
        1 + text[..at].matches('\n').count() as u32
    }

    fn v4(s: &str) -> u128 {
        parse_addr(s).unwrap().1
    }

    fn ts(s: &str) -> Option<Timestamp> {
        Some(parse_date(s).unwrap())
    }

    /// One problem, with its reason, line and handle.
    fn only_problem(out: &Ingest) -> &crate::ingest::Problem {
        assert_eq!(out.problems.len(), 1, "{:#?}", out.problems);
        &out.problems[0]
    }

    #[test]
    fn regrws_collection() {
        let out = run(COLLECTION);
        assert!(out.problems.is_empty(), "{:#?}", out.problems);
        assert_eq!(out.read, 8);
        assert_eq!((out.orgs.len(), out.pocs.len()), (2, 2));
        assert_eq!(
            (out.nets.len(), out.asns.len(), out.delegations.len()),
            (2, 1, 1)
        );
        assert_eq!(out.skipped_classes.get("ticket"), Some(&1));
        assert_eq!(out.skipped_classes.get("phone"), Some(&1));
        assert_eq!(out.skipped_attributes.get("org/taxId"), Some(&1));
        assert_eq!(out.skipped_attributes.get("iso3166-1/code3"), Some(&1));
        assert_eq!(out.skipped_attributes.get("netBlock/description"), Some(&1));
        assert_eq!(out.skipped_attributes.get("netBlock/autoRenewed"), Some(&1));
        assert_eq!(out.skipped_attributes.get("type/description"), Some(&1));

        let org = &out.orgs[0];
        assert_eq!(org.at.path, "/collection/org[1]");
        assert_eq!(org.at.line, line_of(COLLECTION, "<org>"));
        assert_eq!(org.at.file, "t.xml");
        let o = &org.obj;
        assert_eq!(o.handle, "EXMPL");
        assert_eq!(o.name, "Example Networks, Inc.");
        assert_eq!(o.dba_name, "ExampleNet");
        assert!(!o.customer && !o.private);
        assert_eq!(o.address.street, ["3635 Concorde Parkway", "Suite 200"]);
        assert_eq!(o.address.city, "Chantilly");
        assert_eq!(o.address.state, "VA");
        assert_eq!(o.address.postal_code, "20151");
        assert_eq!(o.address.country, "US");
        assert_eq!(o.comments, ["NOC hours: 24x7", "Peering & transit"]);
        assert_eq!(o.registered, ts("2011-11-07T19:04:28Z"));
        assert_eq!(o.updated, ts("2011-01-25T21:17:18Z"));
        assert_eq!(
            o.pocs,
            [
                PocLink::new(PocFunction::Admin, "DOEJ-ARIN"),
                PocLink::new(PocFunction::Abuse, "ABUSE-EXMPL-ARIN"),
                PocLink::new(PocFunction::Tech, "NOC-EXMPL-ARIN"),
            ]
        );
        assert_eq!(
            (o.source.as_str(), o.format),
            ("ARIN", SourceFormat::ArinXml)
        );
        assert_eq!(o.parent_org, NONE);

        let c = &out.orgs[1].obj;
        assert_eq!(out.orgs[1].at.path, "/collection/customer[1]");
        assert!(c.customer && c.private);
        assert_eq!(c.handle, "C01234567");
        assert_eq!(c.name, "Private Customer");
        assert_eq!(c.parent_org_handle, "EXMPL");
        assert_eq!(c.parent_org, NONE);

        let p = &out.pocs[0].obj;
        assert_eq!(p.handle, "DOEJ-ARIN");
        assert_eq!(p.kind, PocKind::Person);
        assert_eq!(p.name, "Doe, John Q");
        assert_eq!(
            (p.first_name.as_str(), p.middle_name.as_str()),
            ("John", "Q")
        );
        assert_eq!(p.company, "Example Networks, Inc.");
        assert_eq!(p.emails, ["jdoe@example.net"]);
        assert_eq!(
            p.phones,
            [
                Phone {
                    kind: PhoneKind::Office,
                    number: "+1-703-555-0100".into(),
                    extension: "101".into()
                },
                Phone {
                    kind: PhoneKind::Fax,
                    number: "+1-703-555-0101".into(),
                    extension: String::new()
                },
            ]
        );
        assert_eq!(p.address.state, "VA");
        assert_eq!(p.validation, NONE);
        let r = &out.pocs[1].obj;
        assert_eq!(out.pocs[1].at.path, "/collection/poc[2]");
        assert_eq!((r.kind, r.name.as_str()), (PocKind::Role, "Abuse Desk"));

        let n = &out.nets[0];
        assert_eq!(n.at.path, "/collection/net[1]");
        assert_eq!(n.at.line, line_of(COLLECTION, "<net>"));
        let n = &n.obj;
        assert_eq!(n.handle, "NET-23-1-2-0-1");
        assert_eq!(n.name, "EXAMPLE-23");
        assert!(!n.v6);
        assert_eq!((n.start, n.end), (v4("23.1.2.0"), v4("23.1.2.191")));
        assert_eq!(n.net_type, "S");
        assert_eq!(n.org_handle, "EXMPL");
        assert_eq!(n.parent_handle, "NET-23-0-0-0-0");
        assert_eq!(n.origin_as, [64496, 64497]);
        assert_eq!(n.pocs.len(), 2);
        assert_eq!(n.comments, ["Two blocks, not one CIDR"]);
        assert_eq!((n.org, n.parent, n.depth), (NONE, NONE, 0));

        let n6 = &out.nets[1].obj;
        assert!(n6.v6);
        assert_eq!(n6.org_handle, "C01234567");
        assert_eq!(n6.start, parse_addr("2001:db8::").unwrap().1);
        assert_eq!(
            n6.end,
            parse_addr("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")
                .unwrap()
                .1
        );
        assert_eq!(n6.net_type, "A");

        let a = &out.asns[0].obj;
        assert_eq!(
            (a.handle.as_str(), a.name.as_str()),
            ("AS64496", "EXAMPLE-AS")
        );
        assert_eq!((a.start, a.end, a.block), (64496, 64497, false));
        assert_eq!(a.org_handle, "EXMPL");
        assert_eq!(
            a.pocs,
            [PocLink::new(PocFunction::Routing, "NOC-EXMPL-ARIN")]
        );
        assert_eq!((a.org, a.parent), (NONE, NONE));

        let d = &out.delegations[0].obj;
        assert_eq!(d.name, "2.1.23.in-addr.arpa");
        assert_eq!(d.nameservers, ["ns1.example.net", "ns2.example.net"]);
        assert_eq!(
            d.ds,
            [DsKey {
                key_tag: 264,
                algorithm: 5,
                digest_type: 1,
                digest: "0DC99D4B6549F83385214189CA48DC6B209ABB71".into(),
                ttl: Some(86400),
            }]
        );
    }

    #[test]
    fn bare_net_payload() {
        let out = run(NET);
        assert!(out.problems.is_empty(), "{:#?}", out.problems);
        assert_eq!(out.read, 1);
        let n = &out.nets[0];
        assert_eq!((n.at.line, n.at.path.as_str()), (1, "/net"));
        let n = &n.obj;
        assert_eq!(n.handle, "NET-10-0-0-0-1");
        assert_eq!((n.start, n.end), (v4("10.0.0.0"), v4("10.0.0.255")));
        assert_eq!(n.origin_as, [102]);
        assert_eq!(n.org_handle, "ARIN");
        assert_eq!(n.registered, ts("2011-01-25T21:17:18Z"));
        assert_eq!(
            n.pocs,
            [PocLink::new(PocFunction::Abuse, "ARIN-HOSTMASTER")]
        );
    }

    #[test]
    fn bulkwhois_file() {
        let out = run(BULK);
        assert!(out.problems.is_empty(), "{:#?}", out.problems);
        assert_eq!(out.read, 6);
        assert_eq!(out.skipped_attributes.get("asn/ref"), Some(&1));

        let a = &out.asns[0];
        assert_eq!(a.at.path, "/bulkwhois/asn[1]");
        assert_eq!(a.at.line, 3);
        let a = &a.obj;
        assert_eq!((a.handle.as_str(), a.name.as_str()), ("AS64500", "BULK-AS"));
        assert_eq!((a.start, a.end), (64500, 64500));
        assert_eq!(a.registered, ts("2011-11-07T19:04:28Z"));
        assert_eq!(a.updated, ts("2019-03-01T15:00:00Z"));
        assert_eq!(
            a.pocs,
            [
                PocLink::new(PocFunction::Abuse, "BULK-ABUSE-ARIN"),
                PocLink::new(PocFunction::Tech, "BULK-NOC-ARIN"),
            ]
        );

        let o = &out.orgs[0].obj;
        assert_eq!(
            (o.handle.as_str(), o.name.as_str()),
            ("BULK", "Bulk Example Ltd.")
        );
        assert_eq!(o.address.country, "CA");
        assert_eq!(o.address.state, "ON");
        assert_eq!(o.address.street, ["1 Front St W"]);
        assert_eq!(o.pocs.len(), 2);

        let role = &out.pocs[0].obj;
        assert_eq!(
            (role.kind, role.name.as_str()),
            (PocKind::Role, "Bulk Abuse")
        );
        assert_eq!(role.emails, ["abuse@bulk.example"]);
        assert_eq!(role.phones.len(), 1);
        assert_eq!(role.phones[0].number, "+1-416-555-0100");
        assert_eq!(role.phones[0].kind, PhoneKind::Office);
        let person = &out.pocs[1].obj;
        assert_eq!(
            (person.kind, person.name.as_str()),
            (PocKind::Person, "Smith, Jane")
        );
        assert_eq!(person.emails.len(), 2);
        let kinds: Vec<_> = person
            .phones
            .iter()
            .map(|p| (p.kind, p.number.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (PhoneKind::Mobile, "+1-416-555-0101"),
                (PhoneKind::Fax, "+1-416-555-0102")
            ]
        );

        let n = &out.nets[0].obj;
        assert_eq!(n.handle, "NET-198-51-100-0-1");
        assert_eq!(n.name, "BULK-NET");
        assert_eq!((n.start, n.end), (v4("198.51.100.0"), v4("198.51.100.191")));
        assert_eq!(n.net_type, "DA");
        assert_eq!(n.origin_as, [64500]);
        assert_eq!(n.parent_handle, "NET-198-0-0-0-0");

        let c = &out.orgs[1].obj;
        assert!(c.customer && !c.private);
        assert_eq!(
            (c.handle.as_str(), c.name.as_str()),
            ("C07654321", "Bulk Customer")
        );
    }

    #[test]
    fn private_customer_payload() {
        let text = r#"<customer xmlns="http://www.arin.net/regrws/core/v1">
  <customerName>Hidden Co</customerName>
  <handle>C00000001</handle>
  <privateCustomer>TRUE</privateCustomer>
</customer>"#;
        let out = run(text);
        assert!(out.problems.is_empty(), "{:#?}", out.problems);
        let c = &out.orgs[0].obj;
        assert!(c.customer && c.private);
        assert_eq!(c.name, "Hidden Co");

        let bad = run(&text.replace("TRUE", "sometimes"));
        let p = only_problem(&bad);
        assert_eq!(p.reason, Reason::BadValue);
        assert_eq!(p.handle, "C00000001");
        assert_eq!(p.location.line, 4);
        assert_eq!(p.location.path, "/customer/privateCustomer");
        assert!(bad.orgs.is_empty());
    }

    #[test]
    fn delegation_with_ds_key() {
        let text = r#"<delegation xmlns="http://www.arin.net/regrws/core/v1" xmlns:ns2="http://www.arin.net/regrws/messages/v1">
  <name>0.76.in-addr.arpa.</name>
  <delegationKeys>
    <delegationKey>
      <algorithm name = "RSA/SHA-256">8</algorithm>
      <digest>49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE 3D2F0A4B7C6E8D9F0A1B2C3D</digest>
      <digestType name = "SHA-256">2</digestType>
      <keyTag>12345</keyTag>
    </delegationKey>
  </delegationKeys>
  <nameservers>
    <nameserver ns2:ttl="86400">NS4.DOMAIN.COM</nameserver>
  </nameservers>
</delegation>"#;
        let out = run(text);
        assert!(out.problems.is_empty(), "{:#?}", out.problems);
        let d = &out.delegations[0].obj;
        assert_eq!(d.name, "0.76.in-addr.arpa");
        assert_eq!(d.nameservers, ["ns4.domain.com"]);
        assert_eq!(d.ds.len(), 1);
        let k = &d.ds[0];
        assert_eq!(
            (k.key_tag, k.algorithm, k.digest_type, k.ttl),
            (12345, 8, 2, None)
        );
        assert_eq!(k.digest.len(), 64);
    }

    #[test]
    fn bad_digest_length() {
        let text = "<collection>
<delegation><name>1.76.in-addr.arpa</name><delegationKeys><delegationKey>
<algorithm>8</algorithm><digestType>2</digestType><keyTag>1</keyTag>
<digest>0DC99D4B6549F83385214189CA48DC6B209ABB71</digest>
</delegationKey></delegationKeys></delegation>
<delegation><name>2.76.in-addr.arpa</name></delegation>
</collection>";
        let out = run(text);
        let p = only_problem(&out);
        assert_eq!(p.reason, Reason::BadValue);
        assert_eq!(p.handle, "1.76.in-addr.arpa");
        assert_eq!(p.location.line, 4);
        assert_eq!(
            p.location.path,
            "/collection/delegation[1]/delegationKeys/delegationKey[1]/digest"
        );
        assert!(p.message.contains("needs 64"), "{}", p.message);
        assert_eq!(out.delegations.len(), 1);
        assert_eq!(out.delegations[0].obj.name, "2.76.in-addr.arpa");
        assert_eq!(out.read, 2);

        let out = run(&text
            .replace("6B209ABB71<", "6B209ABBZZ<")
            .replace(">2</digestType", ">1</digestType"));
        assert_eq!(only_problem(&out).reason, Reason::BadValue);
        assert!(only_problem(&out).message.contains("hexadecimal"));
    }

    /// Three nets; the middle one is broken in the given way.
    fn three_nets(middle_block: &str) -> String {
        format!(
            r#"<?xml version="1.0"?>
<collection xmlns="http://www.arin.net/regrws/core/v1">
  <net><handle>NET-A</handle><netBlocks><netBlock><type>A</type>
    <startAddress>23.1.0.0</startAddress><cidrLength>24</cidrLength></netBlock></netBlocks>
  </net>
  <net>
    <handle>NET-B</handle>
    <netBlocks>
      <netBlock>
{middle_block}
      </netBlock>
    </netBlocks>
  </net>
  <net><handle>NET-C</handle><netBlocks><netBlock>
    <startAddress>23.1.2.0</startAddress><endAddress>23.1.2.255</endAddress></netBlock></netBlocks>
  </net>
</collection>
"#
        )
    }

    fn assert_middle_net(out: &Ingest, text: &str, reason: Reason, needle: &str) {
        let p = only_problem(out);
        assert_eq!(p.reason, reason, "{p}");
        assert_eq!(p.handle, "NET-B");
        assert_eq!(p.location.line, line_of(text, needle), "{p}");
        assert_eq!(p.location.file, "t.xml");
        assert!(p.location.path.starts_with("/collection/net[2]"), "{p}");
        let kept: Vec<&str> = out.nets.iter().map(|n| n.obj.handle.as_str()).collect();
        assert_eq!(kept, ["NET-A", "NET-C"]);
        assert_eq!(out.read, 3);
    }

    #[test]
    fn bad_address() {
        let text = three_nets("<startAddress>23.1.1.300</startAddress><cidrLength>24</cidrLength>");
        let out = run(&text);
        assert_middle_net(&out, &text, Reason::BadAddress, "23.1.1.300");
        assert_eq!(
            out.problems[0].location.path,
            "/collection/net[2]/netBlocks/netBlock[1]/startAddress"
        );
    }

    #[test]
    fn start_after_end() {
        let text = three_nets(
            "<startAddress>23.1.1.255</startAddress>\n<endAddress>23.1.1.0</endAddress>",
        );
        let out = run(&text);
        assert_middle_net(&out, &text, Reason::StartAfterEnd, "<endAddress>23.1.1.0");

        let asn = "<collection>\n<asn><handle>AS-X</handle>\n<startAsNumber>10</startAsNumber>\n<endAsNumber>9</endAsNumber></asn>\n</collection>";
        let out = run(asn);
        let p = only_problem(&out);
        assert_eq!(
            (p.reason, p.handle.as_str(), p.location.line),
            (Reason::StartAfterEnd, "AS-X", 4)
        );
        let out = run(&asn.replace(">10<", ">ten<"));
        assert_eq!(only_problem(&out).reason, Reason::BadValue);
    }

    #[test]
    fn unknown_net_type() {
        let text = three_nets(
            "<type>ZZ</type><startAddress>23.1.1.0</startAddress><cidrLength>24</cidrLength>",
        );
        let out = run(&text);
        assert_middle_net(&out, &text, Reason::BadValue, "<type>ZZ");
        assert!(out.problems[0].message.contains("'ZZ'"));
    }

    #[test]
    fn bad_cidr_length_and_alignment() {
        let text = three_nets("<startAddress>23.1.1.0</startAddress><cidrLength>33</cidrLength>");
        assert_middle_net(&run(&text), &text, Reason::BadValue, "<cidrLength>33");
        let text = three_nets("<startAddress>23.1.1.7</startAddress><cidrLength>24</cidrLength>");
        assert_middle_net(&run(&text), &text, Reason::BadAddress, "23.1.1.7");
        let text = three_nets("<startAddress>23.1.1.0</startAddress>");
        assert_middle_net(
            &run(&text),
            &text,
            Reason::MissingField,
            "<netBlock>\n<start",
        );
    }

    #[test]
    fn blocks_must_be_contiguous() {
        let text = three_nets(
            "<startAddress>23.1.1.0</startAddress><cidrLength>26</cidrLength>
      </netBlock>
      <netBlock>
        <startAddress>23.1.1.128</startAddress><cidrLength>26</cidrLength>",
        );
        let out = run(&text);
        assert_middle_net(
            &out,
            &text,
            Reason::BadAddress,
            "<netBlock>\n        <startAddress>23.1.1.128",
        );
        assert_eq!(
            out.problems[0].location.path,
            "/collection/net[2]/netBlocks/netBlock[2]"
        );
        assert!(out.problems[0].message.contains("gap"));
    }

    #[test]
    fn bad_origin_as() {
        let text = "<collection>
<net><handle>NET-A</handle><startAddress>1.0.0.0</startAddress><endAddress>1.0.0.255</endAddress></net>
<net><handle>NET-B</handle><startAddress>1.0.1.0</startAddress><endAddress>1.0.1.255</endAddress>
<originASes><originAS>AS64496</originAS>
<originAS>ASX</originAS></originASes></net>
</collection>";
        let out = run(text);
        let p = only_problem(&out);
        assert_eq!(
            (p.reason, p.handle.as_str(), p.location.line),
            (Reason::BadValue, "NET-B", 5)
        );
        assert_eq!(p.location.path, "/collection/net[2]/originASes/originAS[2]");
        assert_eq!(out.nets.len(), 1);
    }

    #[test]
    fn bad_date() {
        let text = "<collection>
<org><handle>GOOD</handle><orgName>Good</orgName></org>
<org><handle>BADDATE</handle>
<registrationDate>Mon Nov 37 14:04:28 EST 2011</registrationDate></org>
</collection>";
        let out = run(text);
        let p = only_problem(&out);
        assert_eq!(
            (p.reason, p.handle.as_str(), p.location.line),
            (Reason::BadDate, "BADDATE", 4)
        );
        assert_eq!(p.location.path, "/collection/org[2]/registrationDate");
        assert_eq!(out.orgs.len(), 1);
        assert_eq!(out.orgs[0].obj.handle, "GOOD");
    }

    #[test]
    fn malformed_xml_mid_file() {
        let text = "<collection>
<poc><handle>P1</handle><lastName>One</lastName></poc>
<poc><handle>P2</handle>
<lastName>Two</lastname></poc>
<poc><handle>P3</handle></poc>
</collection>";
        let out = run(text);
        let p = only_problem(&out);
        assert_eq!(
            (p.reason, p.handle.as_str(), p.location.line),
            (Reason::MalformedXml, "P2", 4)
        );
        assert!(
            p.location.path.starts_with("/collection/poc[2]/lastName"),
            "{p}"
        );
        assert_eq!(out.pocs.len(), 1);
        assert_eq!(out.pocs[0].obj.handle, "P1");
        assert_eq!(out.read, 2);

        // Cut off in the middle of an object.
        let cut = &text[..text.find("</lastname>").unwrap()];
        let out = run(cut);
        let p = only_problem(&out);
        assert_eq!((p.reason, p.handle.as_str()), (Reason::MalformedXml, "P2"));
        assert_eq!(p.location.line, 4);
        assert_eq!(out.pocs.len(), 1);

        // An unknown entity spoils only its object.
        let out = run(&text.replace("</lastname>", "&bogus;</lastName>"));
        let p = only_problem(&out);
        assert_eq!(
            (p.reason, p.handle.as_str(), p.location.line),
            (Reason::MalformedXml, "P2", 4)
        );
        assert_eq!(out.pocs.len(), 2);
    }

    #[test]
    fn top_level_poc_link_ref() {
        let text = "<collection>\n<pocLinkRef handle=\"X-ARIN\" function=\"AB\"/>\n<org><handle>O</handle></org>\n</collection>";
        let out = run(text);
        let p = only_problem(&out);
        assert_eq!(
            (p.reason, p.handle.as_str(), p.location.line),
            (Reason::MissingField, "X-ARIN", 2)
        );
        assert_eq!(p.message, "pocLinkRef outside an org, net or asn");
        assert_eq!(out.orgs.len(), 1);

        let out = run(
            "<pocLinkRef xmlns=\"http://www.arin.net/regrws/core/v1\" handle=\"Y\" function=\"AD\"></pocLinkRef>",
        );
        assert_eq!(only_problem(&out).reason, Reason::MissingField);
    }

    #[test]
    fn unknown_top_level_elements_are_counted() {
        let out = run(
            "<collection><ticket><ticketNo>1</ticketNo></ticket><attachment/><error/><ns2:ticket xmlns:ns2=\"x\"/></collection>",
        );
        assert!(out.problems.is_empty());
        assert_eq!(out.read, 0);
        assert_eq!(out.skipped_classes.get("ticket"), Some(&2));
        assert_eq!(out.skipped_classes.get("attachment"), Some(&1));
        assert_eq!(out.skipped_classes.get("error"), Some(&1));
        let out =
            run("<collection><collection><net><handle>N</handle></net></collection></collection>");
        assert_eq!(
            (out.read, out.skipped_classes.get("collection")),
            (0, Some(&1))
        );
        let out = run(
            "<error xmlns=\"http://www.arin.net/regrws/core/v1\"><code>E_OBJECT_NOT_FOUND</code></error>",
        );
        assert_eq!(out.skipped_classes.get("error"), Some(&1));
        assert!(out.skipped_attributes.is_empty());
    }

    #[test]
    fn prefixed_names_and_missing_fields() {
        let text = r#"<ns2:collection xmlns:ns2="http://www.arin.net/regrws/core/v1">
<ns2:org><ns2:handle>PFX</ns2:handle></ns2:org>
<ns2:net><ns2:handle>NOBLOCKS</ns2:handle></ns2:net>
<ns2:poc><ns2:lastName>Nobody</ns2:lastName></ns2:poc>
<ns2:delegation/>
<ns2:net><ns2:handle>BOTH</ns2:handle><ns2:orgHandle>O</ns2:orgHandle><ns2:customerHandle>C</ns2:customerHandle>
<ns2:startAddress>1.2.3.0</ns2:startAddress><ns2:endAddress>1.2.3.255</ns2:endAddress></ns2:net>
</ns2:collection>"#;
        let out = run(text);
        assert_eq!(out.orgs.len(), 1);
        assert_eq!(out.orgs[0].obj.handle, "PFX");
        let got: Vec<(Reason, &str, u32)> = out
            .problems
            .iter()
            .map(|p| (p.reason, p.handle.as_str(), p.location.line))
            .collect();
        assert_eq!(
            got,
            [
                (Reason::MissingField, "NOBLOCKS", 3),
                (Reason::MissingField, "", 4),
                (Reason::MissingField, "", 5),
                (Reason::BadValue, "BOTH", 6),
            ]
        );
        assert_eq!(out.read, 5);
    }

    #[test]
    fn version_must_match() {
        let out = run(
            "<net><handle>N</handle><version>6</version><startAddress>1.2.3.0</startAddress><endAddress>1.2.3.255</endAddress></net>",
        );
        assert_eq!(only_problem(&out).reason, Reason::BadValue);
        let out = run(
            "<net><handle>N</handle><netBlocks><netBlock><startAddress>1.2.3.0</startAddress><cidrLength>24</cidrLength></netBlock></netBlocks><startAddress>1.2.3.0</startAddress><endAddress>1.2.4.255</endAddress></net>",
        );
        assert_eq!(only_problem(&out).reason, Reason::BadAddress);
    }

    #[test]
    fn empty_and_odd_documents() {
        assert_eq!(
            only_problem(&run("<!-- nothing -->")).reason,
            Reason::MalformedXml
        );
        assert_eq!(
            only_problem(&run("<collection>")).reason,
            Reason::MalformedXml
        );
        assert_eq!(
            only_problem(&run("</collection>")).reason,
            Reason::MalformedXml
        );
        let out = run("\u{feff}<collection/>");
        assert!(out.problems.is_empty());
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 100_000;
        let text = format!(
            "<collection><net><handle>DEEP</handle>{}{}</net></collection>",
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        );
        let out = run(&text);
        assert_eq!(only_problem(&out).reason, Reason::MissingField);
        assert_eq!(out.skipped_attributes.get("net/a"), Some(&1));
    }

    #[test]
    fn never_panics_on_damaged_input() {
        for text in [COLLECTION, NET, BULK] {
            let step = (text.len() / 600).max(1);
            for cut in (0..text.len()).step_by(step) {
                if text.is_char_boundary(cut) {
                    run(&text[..cut]);
                }
            }
        }
        let mut rng = fastrand::Rng::with_seed(43);
        let alphabet = b"<>/=\"'&;#x!-?[]: \nAaZ0.9";
        for _ in 0..3000 {
            let mut bytes = COLLECTION.as_bytes().to_vec();
            for _ in 0..rng.usize(1..8) {
                let i = rng.usize(..bytes.len());
                bytes[i] = alphabet[rng.usize(..alphabet.len())];
            }
            let text = String::from_utf8_lossy(&bytes);
            let out = run(&text);
            assert!(out.read <= 8);
        }
    }
}
