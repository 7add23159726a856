//! The endpoints. Each handler looks at a request and either answers it or hands it back,
//! and [`dispatch`] passes the request down the chain: help, ip, autnum, entity, domain,
//! searches, RIR search, reverse search, lists, then the error answers (501 for the query
//! types a number registry does not serve, 404 for anything else).

use std::net::IpAddr;
use std::sync::Arc;

use crate::model::{NONE, ObjectKind, PocFunction, parse_addr, parse_prefix, prefix_range};
use crate::registry::{Hit, Registry, Search};
use crate::server::Personal;

use super::bootstrap::Bootstrap;
use super::cache::PerRegistry;
use super::json::Json;
use super::lists::{ListKind, contact_lists_with, to_csv};
use super::render::{Ctx, Depth, Doc, Ext, Notice, Place, TRUNCATED_LOAD, functions_of};
use super::request::Req;
use super::reverse::{Obj, ReverseIndex, asns_with_abuse, nets_with_abuse, sort_asns, sort_nets};

/// Everything a handler may use.
pub(crate) struct Env<'a> {
    pub(crate) cx: Ctx<'a>,
    pub(crate) registry: &'a Arc<Registry>,
    pub(crate) per: &'a PerRegistry,
    pub(crate) bootstrap: Option<&'a Bootstrap>,
    /// The URL asked for (base URL + path + query).
    pub(crate) url: &'a str,
}

impl Env<'_> {
    fn reverse_index(&self) -> Arc<ReverseIndex> {
        self.per.index(self.registry)
    }

    fn doc(&self) -> Doc<'_> {
        Doc::new(&self.cx, self.url)
    }

    /// Counts a personal-data answer for the client; true when it is over its limit.
    fn over_limit(&self, peer: IpAddr) -> Option<u64> {
        match self.cx.shared.personal.check(peer) {
            Personal::Allowed => None,
            Personal::Denied { retry_after } => Some(retry_after),
        }
    }
}

/// The body of an answer: one text, or a network answer from the cache with the head
/// written for this request, and the hash its entity tag is made of.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Text(String),
    /// The head, then the answer's parts (see [`super::cache::Fragment::parts`]).
    Answer(bytes::Bytes, std::sync::Arc<super::cache::Fragment>, u64),
}

/// An answer before it becomes an HTTP response.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Body,
    pub(crate) content_type: &'static str,
    /// Shows personal data: caches must keep it private.
    pub(crate) personal: bool,
    pub(crate) retry_after: Option<u64>,
    pub(crate) location: Option<String>,
}

impl Reply {
    fn ok(body: String) -> Reply {
        Reply {
            status: 200,
            body: Body::Text(body),
            content_type: super::render::RDAP_JSON,
            personal: false,
            retry_after: None,
            location: None,
        }
    }
}

/// The title of an HTTP status.
pub(crate) fn status_title(status: u16) -> &'static str {
    match status {
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Error",
    }
}

/// An RDAP error answer (RFC 9083 section 6).
pub(crate) fn error(cx: &Ctx<'_>, url: &str, status: u16, description: &str) -> Reply {
    let mut doc = Doc::new(cx, url);
    doc.ext = Ext::LEVEL0;
    doc.j.kv_num("errorCode", i64::from(status));
    doc.j.kv("title", status_title(status));
    doc.j.kv_strs("description", [description]);
    Reply {
        status,
        ..Reply::ok(doc.finish())
    }
}

type Handler = for<'r> fn(&Env<'_>, Req<'r>) -> Result<Reply, Req<'r>>;

/// The endpoints in the order they are tried.
const CHAIN: &[Handler] = &[
    help,
    ip,
    autnum,
    entity,
    domain,
    searches,
    rir_search,
    reverse_search,
    lists,
    not_implemented,
];

/// Answers a request: the first handler that claims it, else 404.
pub(crate) fn dispatch(env: &Env<'_>, req: Req<'_>) -> Reply {
    let mut req = req;
    for handler in CHAIN {
        match handler(env, req) {
            Ok(reply) => return reply,
            Err(r) => req = r,
        }
    }
    let what = req.seg(0).unwrap_or("");
    error(
        &env.cx,
        env.url,
        404,
        &format!("This server has no '{what}' resources; see /help."),
    )
}

fn bad(env: &Env<'_>, description: &str) -> Reply {
    error(&env.cx, env.url, 400, description)
}

fn not_found(env: &Env<'_>, description: &str) -> Reply {
    error(&env.cx, env.url, 404, description)
}

fn redirect(env: &Env<'_>, base: &str, path: &str) -> Reply {
    let location = format!("{base}{path}");
    let status = env.cx.shared.config.rdap.redirect_status;
    let mut r = error(
        &env.cx,
        env.url,
        status,
        &format!("This registry does not hold this resource; see {location}"),
    );
    r.location = Some(location);
    r
}

// Help.

fn help<'r>(env: &Env<'_>, req: Req<'r>) -> Result<Reply, Req<'r>> {
    if req.segs != ["help"] {
        return Err(req);
    }
    let mut doc = env.doc();
    doc.ext = Ext::ALL;
    doc.notices.push(Notice {
        title: "About This Service",
        kind: None,
        description: [
            "RDAP service of an Internet number registry (RFC 9082, RFC 9083).",
            "Lookups: /ip/<address>, /ip/<prefix>/<length>, /autnum/<number>, /entity/<handle>, /domain/<reverse zone>.",
            "Searches (trailing * for a partial match): /ips?handle=|name=, /autnums?handle=|name=, /entities?fn=|handle=, /domains?name=.",
            "RIR search (RFC 9910): /ips/rirSearch1/{rdap-up|rdap-down|rdap-top|rdap-bottom}/<address or prefix>.",
            "Reverse search (RFC 9536): /ips/reverse_search/entity?handle=|fn=|email=[&role=abuse], and /autnums/reverse_search/entity?….",
            "Contact-accuracy lists: /lists/non-responsive and /lists/invalid-contacts (JSON, or CSV with ?format=csv).",
            "Every network and autnum shows its abuse contact, its own or inherited; contacts carry their validation state.",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
    });
    doc.j.key_arr("reverse_search_properties");
    for searchable in ["ips", "autnums"] {
        for (property, path) in [
            ("fn", "$.entities[*].vcardArray[1][?(@[0]=='fn')][3]"),
            ("handle", "$.entities[*].handle"),
            ("email", "$.entities[*].vcardArray[1][?(@[0]=='email')][3]"),
            ("role", "$.entities[*].roles"),
        ] {
            doc.j.obj();
            doc.j.kv("searchableResourceType", searchable);
            doc.j.kv("relatedResourceType", "entity");
            doc.j.kv("property", property);
            doc.j.kv("propertyPath", path);
            doc.j.end_obj();
        }
    }
    doc.j.end_arr();
    Ok(Reply::ok(doc.finish()))
}

// Lookups.

/// `(v6, start, end)` of `a` or `a/len`, or why not.
fn parse_ip_arg(addr: &str, len: Option<&str>) -> Result<(bool, u128, u128, u8), String> {
    match len {
        None => {
            let (v6, a) = parse_addr(addr).map_err(|_| format!("'{addr}' is not an IP address"))?;
            Ok((v6, a, a, if v6 { 128 } else { 32 }))
        }
        Some(l) => {
            let text = format!("{addr}/{l}");
            let (v6, a, l) =
                parse_prefix(&text, true).map_err(|_| format!("'{text}' is not an IP prefix"))?;
            let (s, e) = prefix_range(v6, a, l);
            Ok((v6, s, e, l))
        }
    }
}

fn ip<'r>(env: &Env<'_>, req: Req<'r>) -> Result<Reply, Req<'r>> {
    if req.seg(0) != Some("ip") {
        return Err(req);
    }
    let arg = match req.segs.len() {
        2 => parse_ip_arg(&req.segs[1], None),
        3 => parse_ip_arg(&req.segs[1], Some(&req.segs[2])),
        _ => Err("use /ip/<address> or /ip/<prefix>/<length>".to_string()),
    };
    let (v6, start, end, len) = match arg {
        Ok(a) => a,
        Err(e) => return Ok(bad(env, &e)),
    };
    let reg = env.cx.reg;
    let found = if start == end {
        reg.net_by_addr(v6, start)
    } else {
        reg.net_by_prefix(v6, start, len)
    };
    let Some(i) = found else {
        if let Some(base) = env.bootstrap.and_then(|b| b.ip(v6, start, end)) {
            let path = req.segs.join("/");
            return Ok(redirect(env, base, &path));
        }
        return Ok(not_found(
            env,
            "No network of this registry holds this address or prefix.",
        ));
    };
    Ok(net_reply(env, &req, i))
}

fn autnum<'r>(env: &Env<'_>, req: Req<'r>) -> Result<Reply, Req<'r>> {
    if req.seg(0) != Some("autnum") {
        return Err(req);
    }
    if req.segs.len() != 2 {
        return Ok(bad(env, "use /autnum/<number>"));
    }
    let text = &req.segs[1];
    let digits = text
        .strip_prefix("AS")
        .or_else(|| text.strip_prefix("as"))
        .unwrap_or(text);
    let Some(n) = digits
        .parse::<u32>()
        .ok()
        .filter(|_| digits.bytes().all(|b| b.is_ascii_digit()))
    else {
        return Ok(bad(env, &format!("'{text}' is not an AS number")));
    };
    let Some(i) = env.cx.reg.asn_by_number(n) else {
        if let Some(base) = env.bootstrap.and_then(|b| b.asn(n)) {
            return Ok(redirect(env, base, &format!("autnum/{n}")));
        }
        return Ok(not_found(
            env,
            "No autnum of this registry holds this number.",
        ));
    };
    let mut doc = env.doc();
    let personal = env.cx.asn_personal(i);
    if personal && env.over_limit(req.peer).is_some() {
        doc.strip_personal = true;
    }
    doc.asn(i, Depth::Full, true);
    Ok(Reply {
        personal: personal && !doc.strip_personal,
        ..Reply::ok(doc.finish())
    })
}

fn entity<'r>(env: &Env<'_>, req: Req<'r>) -> Result<Reply, Req<'r>> {
    if req.seg(0) != Some("entity") {
        return Err(req);
    }
    if req.segs.len() != 2 {
        return Ok(bad(env, "use /entity/<handle>"));
    }
    let reg = env.cx.reg;
    let hit = reg
        .by_handle(&req.segs[1])
        .into_iter()
        .find(|h| matches!(h.kind, ObjectKind::Org | ObjectKind::Poc));
    let Some(hit) = hit else {
        return Ok(not_found(env, "No entity has this handle."));
    };
    let mut doc = env.doc();
    let personal = match hit.kind {
        ObjectKind::Poc => {
            let p = hit.index;
            let poc = reg.poc(p);
            let abuse = env.reverse_index().is_abuse_contact(p);
            let has_data = !poc.emails.is_empty() || !poc.phones.is_empty();
            let personal = !abuse && has_data;
            if personal && let Some(retry_after) = env.over_limit(req.peer) {
                let mut r = error(
                    &env.cx,
                    env.url,
                    429,
                    "Too many queries for personal data from this address today; abuse contacts stay available.",
                );
                r.retry_after = Some(retry_after);
                return Ok(r);
            }
            doc.poc_entity(p, &[], Place::Top, &[], abuse);
            personal
        }
        _ => {
            let personal = env.cx.org_personal(hit.index);
            if personal && env.over_limit(req.peer).is_some() {
                doc.strip_personal = true;
            }
            doc.org_entity(hit.index, &[], Place::Top, true);
            personal && !doc.strip_personal
        }
    };
    Ok(Reply {
        personal,
        ..Reply::ok(doc.finish())
    })
}

/// `0.76.IN-ADDR.ARPA.` → `0.76.in-addr.arpa`
fn zone_name(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn is_reverse_zone(name: &str) -> bool {
    name.ends_with(".in-addr.arpa")
        || name.ends_with(".ip6.arpa")
        || name == "in-addr.arpa"
        || name == "ip6.arpa"
}

fn domain<'r>(env: &Env<'_>, req: Req<'r>) -> Result<Reply, Req<'r>> {
    if req.seg(0) != Some("domain") {
        return Err(req);
    }
    if req.segs.len() != 2 {
        return Ok(bad(env, "use /domain/<reverse DNS zone>"));
    }
    let name = zone_name(&req.segs[1]);
    if !is_reverse_zone(&name) {
        return Ok(not_found(
            env,
            "This registry holds reverse DNS zones (in-addr.arpa, ip6.arpa) only.",
        ));
    }
    let hit = env
        .cx
        .reg
        .by_handle(&name)
        .into_iter()
        .find(|h| h.kind == ObjectKind::Delegation);
    let Some(hit) = hit else {
        return Ok(not_found(
            env,
            "No delegation of this registry has this name.",
        ));
    };
    let mut doc = env.doc();
    let d = env.cx.reg.delegation(hit.index);
    let personal = env.cx.links_personal(&d.pocs);
    if personal && env.over_limit(req.peer).is_some() {
        doc.strip_personal = true;
    }
    doc.domain(hit.index, true);
    Ok(Reply {
        personal: personal && !doc.strip_personal,
        ..Reply::ok(doc.finish())
    })
}

// Searches.

/// RFC 9082 partial matching as this server supports it: exact, or one trailing `*`.
fn check_pattern(p: &str) -> Result<(), String> {
    if p.trim().is_empty() {
        return Err("the search pattern is empty".into());
    }
    if p.len() > 255 {
        return Err("the search pattern is too long".into());
    }
    let stars = p.matches('*').count();
    if stars > 1 || (stars == 1 && !p.ends_with('*')) {
        return Err(format!(
            "'{p}': only a trailing '*' is supported for partial matching"
        ));
    }
    Ok(())
}

/// The one search parameter of `names` that is present, or a 400.
fn search_param<'r>(
    env: &Env<'_>,
    req: &'r Req,
    names: &[&'static str],
) -> Result<(&'static str, &'r str), Reply> {
    let given: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| req.param(n).is_some())
        .collect();
    match given.as_slice() {
        [one] => {
            let value = req.param(one).unwrap_or_default();
            check_pattern(value).map_err(|e| bad(env, &e))?;
            Ok((one, value))
        }
        [] => Err(bad(
            env,
            &format!("give one of the parameters: {}", names.join(", ")),
        )),
        _ => Err(bad(
            env,
            &format!("give only one of the parameters: {}", names.join(", ")),
        )),
    }
}

fn truncation_notice(doc: &mut Doc<'_>, cap: usize) {
    doc.notices.push(Notice {
        title: "Search Policy",
        kind: Some(TRUNCATED_LOAD),
        description: vec![format!(
            "More objects matched than this server returns for one search; only the first {cap} are shown. Narrow the search to see the others."
        )],
    });
}

fn hits_of(s: &Search) -> Vec<u32> {
    s.hits.iter().map(|h: &Hit| h.index).collect()
}

fn searches<'r>(env: &Env<'_>, req: Req<'r>) -> Result<Reply, Req<'r>> {
    if req.segs.len() != 1 {
        return Err(req);
    }
    let reg = env.cx.reg;
    let cap = env.cx.shared.config.rdap.search_cap;
    let what = req.segs[0].as_ref();
    match what {
        "ips" | "autnums" => {
            let kind = if what == "ips" {
                ObjectKind::Net
            } else {
                ObjectKind::Asn
            };
            let (param, value) = match search_param(env, &req, &["handle", "name"]) {
                Ok(p) => p,
                Err(r) => return Ok(r),
            };
            let found = if param == "handle" {
                reg.search_handles_of(&[kind], value, cap)
            } else {
                reg.search_names_of(&[kind], value, cap)
            };
            let mut items = hits_of(&found);
            if kind == ObjectKind::Net {
                sort_nets(reg, &mut items);
            } else {
                sort_asns(reg, &mut items);
            }
            Ok(object_results(
                env,
                &req,
                kind,
                &items,
                found.truncated,
                Ext::default(),
            ))
        }
        "entities" => {
            let (param, value) = match search_param(env, &req, &["fn", "handle"]) {
                Ok(p) => p,
                Err(r) => return Ok(r),
            };
            let kinds = [ObjectKind::Org, ObjectKind::Poc];
            let found = if param == "handle" {
                reg.search_handles_of(&kinds, value, cap)
            } else {
                reg.search_names_of(&kinds, value, cap)
            };
            if found.hits.is_empty() {
                return Ok(not_found(env, "No entity matches."));
            }
            let idx = env.reverse_index();
            let mut doc = env.doc();
            let personal = found.hits.iter().any(|h| match h.kind {
                ObjectKind::Poc => {
                    !idx.is_abuse_contact(h.index) && !reg.poc(h.index).emails.is_empty()
                }
                _ => false,
            });
            if personal && env.over_limit(req.peer).is_some() {
                doc.strip_personal = true;
            }
            doc.j.key_arr("entitySearchResults");
            for h in &found.hits {
                match h.kind {
                    ObjectKind::Poc => doc.poc_entity(
                        h.index,
                        &[],
                        Place::Result,
                        &[],
                        idx.is_abuse_contact(h.index),
                    ),
                    _ => doc.org_entity(h.index, &[], Place::Result, false),
                }
            }
            doc.j.end_arr();
            if found.truncated {
                truncation_notice(&mut doc, cap);
            }
            Ok(Reply {
                personal: personal && !doc.strip_personal,
                ..Reply::ok(doc.finish())
            })
        }
        "domains" => {
            let Some(value) = req.param("name") else {
                if req.param("nsLdhName").is_some() || req.param("nsIp").is_some() {
                    return Ok(error(
                        &env.cx,
                        env.url,
                        501,
                        "Searches of domains by nameserver are not implemented.",
                    ));
                }
                return Ok(bad(env, "give the parameter: name"));
            };
            let (items, truncated) = match domain_search(reg, value, cap) {
                Ok(x) => x,
                Err(e) => return Ok(bad(env, &e)),
            };
            if items.is_empty() {
                return Ok(not_found(env, "No domain matches."));
            }
            let mut doc = env.doc();
            let personal = items
                .iter()
                .any(|&d| env.cx.links_personal(&reg.delegation(d).pocs));
            if personal && env.over_limit(req.peer).is_some() {
                doc.strip_personal = true;
            }
            doc.j.key_arr("domainSearchResults");
            for &d in &items {
                doc.domain(d, false);
            }
            doc.j.end_arr();
            if truncated {
                truncation_notice(&mut doc, cap);
            }
            Ok(Reply {
                personal: personal && !doc.strip_personal,
                ..Reply::ok(doc.finish())
            })
        }
        "nameservers" => Ok(error(
            &env.cx,
            env.url,
            501,
            "Nameserver searches are not implemented by a number registry.",
        )),
        _ => Err(req),
    }
}

/// Delegations matching `pattern`: exact, a trailing `*`, or a `*` ending the first label
/// (`1*.76.in-addr.arpa`).
fn domain_search(reg: &Registry, pattern: &str, cap: usize) -> Result<(Vec<u32>, bool), String> {
    let pattern = zone_name(pattern);
    if pattern.is_empty() {
        return Err("the search pattern is empty".into());
    }
    let stars = pattern.matches('*').count();
    if stars == 0 || (stars == 1 && pattern.ends_with('*')) {
        let s = reg.search_handles_of(&[ObjectKind::Delegation], &pattern, cap);
        let mut items = hits_of(&s);
        items.sort_unstable();
        return Ok((items, s.truncated));
    }
    let (first, rest) = pattern.split_once('.').unwrap_or((&pattern, ""));
    let Some(prefix) = first.strip_suffix('*').filter(|p| !p.contains('*')) else {
        return Err(format!(
            "'{pattern}': '*' may end the first label or the whole name"
        ));
    };
    if rest.contains('*') || rest.is_empty() {
        return Err(format!(
            "'{pattern}': '*' may end the first label or the whole name"
        ));
    }
    let suffix = format!(".{rest}");
    let mut out = Vec::new();
    let mut truncated = false;
    for (i, d) in reg.data().db.delegations.iter().enumerate() {
        let name = d.name.as_str();
        if let Some(head) = name.strip_suffix(suffix.as_str())
            && !head.contains('.')
            && head.starts_with(prefix)
        {
            if out.len() == cap {
                truncated = true;
                break;
            }
            out.push(i as u32);
        }
    }
    Ok((out, truncated))
}

/// `ipSearchResults` or `autnumSearchResults` (404 when empty).
fn object_results(
    env: &Env<'_>,
    req: &Req,
    kind: ObjectKind,
    items: &[u32],
    truncated: bool,
    extra: Ext,
) -> Reply {
    if items.is_empty() {
        return not_found(env, "Nothing matches.");
    }
    let cap = env.cx.shared.config.rdap.search_cap;
    let mut doc = env.doc();
    doc.ext.add(extra);
    doc.ext.add(Ext::RIR_SEARCH);
    let personal = if kind == ObjectKind::Net {
        doc.ext.add(Ext::IPS);
        doc.ext.add(Ext::IP_RESULTS);
        items.iter().any(|&i| env.cx.net_personal(i))
    } else {
        doc.ext.add(Ext::AUTNUMS);
        doc.ext.add(Ext::AUTNUM_RESULTS);
        items.iter().any(|&i| env.cx.asn_personal(i))
    };
    if personal && env.over_limit(req.peer).is_some() {
        doc.strip_personal = true;
    }
    if kind == ObjectKind::Net {
        doc.j.key_arr("ipSearchResults");
        for &i in items.iter().take(cap) {
            doc.net(i, Depth::Full, false);
        }
    } else {
        doc.j.key_arr("autnumSearchResults");
        for &i in items.iter().take(cap) {
            doc.asn(i, Depth::Full, false);
        }
    }
    doc.j.end_arr();
    if truncated || items.len() > cap {
        truncation_notice(&mut doc, cap);
    }
    Reply {
        personal: personal && !doc.strip_personal,
        ..Reply::ok(doc.finish())
    }
}

/// A single ip network as the answer (a lookup, or rdap-up and rdap-top).
fn net_reply(env: &Env<'_>, req: &Req<'_>, i: u32) -> Reply {
    let (head, answer, etag, personal) =
        super::render::net_answer(&env.cx, env.url, i, || env.over_limit(req.peer).is_some());
    Reply {
        personal,
        body: Body::Answer(head, answer, etag),
        ..Reply::ok(String::new())
    }
}

// RIR search (RFC 9910).

/// The networks strictly inside `start..=end` whose parent is not: the first level below.
fn nets_below(reg: &Registry, v6: bool, start: u128, end: u128, len: u8) -> Vec<u32> {
    let inside = |i: u32| {
        let n = reg.net(i);
        let (s, e) = (n.start.to_native(), n.end.to_native());
        n.v6 == v6 && start <= s && e <= end && (s, e) != (start, end)
    };
    let level: Vec<u32> = match reg.net_by_prefix(v6, start, len) {
        Some(l) => {
            let n = reg.net(l);
            if (n.start.to_native(), n.end.to_native()) == (start, end) {
                // Children with the same range as the argument are not below it.
                let mut out = Vec::new();
                let mut stack: Vec<u32> = reg.children(l).collect();
                while let Some(c) = stack.pop() {
                    if inside(c) {
                        out.push(c);
                    } else {
                        stack.extend(reg.children(c));
                    }
                }
                out
            } else {
                reg.children(l).filter(|&c| inside(c)).collect()
            }
        }
        None => reg.top_nets().filter(|&c| inside(c)).collect(),
    };
    let mut level = level;
    sort_nets(reg, &mut level);
    level
}

fn rir_search<'r>(env: &Env<'_>, req: Req<'r>) -> Result<Reply, Req<'r>> {
    if req.seg(1) != Some("rirSearch1") {
        return Err(req);
    }
    match req.seg(0) {
        Some("ips") => {}
        Some("autnums" | "domains") => {
            return Ok(error(
                &env.cx,
                env.url,
                501,
                "Only /ips/rirSearch1 searches are implemented.",
            ));
        }
        _ => return Err(req),
    }
    let rel = req.seg(2).unwrap_or("");
    let arg = match req.segs.len() {
        4 => parse_ip_arg(&req.segs[3], None),
        5 => parse_ip_arg(&req.segs[3], Some(&req.segs[4])),
        _ => Err("use /ips/rirSearch1/<relation>/<address or prefix>".into()),
    };
    let (v6, start, end, len) = match arg {
        Ok(a) => a,
        Err(e) => return Ok(bad(env, &e)),
    };
    let reg = env.cx.reg;
    let cap = env.cx.shared.config.rdap.search_cap;
    let covering = reg.net_by_prefix(v6, start, len);
    let same = |i: u32| {
        let n = reg.net(i);
        (n.start.to_native(), n.end.to_native()) == (start, end)
    };
    match rel {
        "rdap-up" => {
            // The closest network strictly less specific than the argument.
            let mut cur = covering;
            while let Some(c) = cur.filter(|&c| same(c)) {
                cur = reg.parent(c);
            }
            match cur {
                Some(i) => Ok(net_reply(env, &req, i)),
                None => Ok(not_found(env, "No network lies above this one.")),
            }
        }
        "rdap-top" => match covering {
            Some(i) => {
                let top = reg.less_specific(i).last().unwrap_or(i);
                Ok(net_reply(env, &req, top))
            }
            None => Ok(not_found(env, "No network holds this address or prefix.")),
        },
        "rdap-down" => {
            let below = nets_below(reg, v6, start, end, len);
            let truncated = below.len() > cap;
            Ok(object_results(
                env,
                &req,
                ObjectKind::Net,
                &below,
                truncated,
                Ext::default(),
            ))
        }
        "rdap-bottom" => {
            // The most specific networks: leaves below the argument, or the most specific
            // network holding it when nothing lies below.
            let mut leaves = Vec::new();
            let mut stack = nets_below(reg, v6, start, end, len);
            let mut truncated = false;
            while let Some(n) = stack.pop() {
                let children: Vec<u32> = reg.children(n).collect();
                if children.is_empty() {
                    if leaves.len() == cap {
                        truncated = true;
                        break;
                    }
                    leaves.push(n);
                } else {
                    stack.extend(children);
                }
            }
            if leaves.is_empty()
                && let Some(c) = covering
            {
                leaves.push(c);
            }
            sort_nets(reg, &mut leaves);
            Ok(object_results(
                env,
                &req,
                ObjectKind::Net,
                &leaves,
                truncated,
                Ext::default(),
            ))
        }
        _ => Ok(bad(
            env,
            &format!("'{rel}' is not a relation: use rdap-up, rdap-down, rdap-top or rdap-bottom"),
        )),
    }
}

// Reverse search (RFC 9536).

/// `s` matches `pattern` (lower case; exact, or a prefix with a trailing `*`).
fn glob(pattern: &str, s: &str) -> bool {
    let s = s.to_lowercase();
    match pattern.strip_suffix('*') {
        Some(prefix) => s.starts_with(prefix),
        None => s == pattern,
    }
}

fn reverse_search<'r>(env: &Env<'_>, req: Req<'r>) -> Result<Reply, Req<'r>> {
    if req.seg(1) != Some("reverse_search") {
        return Err(req);
    }
    let kind = match req.seg(0) {
        Some("ips") => ObjectKind::Net,
        Some("autnums") => ObjectKind::Asn,
        Some("domains" | "nameservers" | "entities") => {
            return Ok(error(
                &env.cx,
                env.url,
                501,
                "Reverse search is implemented for ips and autnums only.",
            ));
        }
        _ => return Err(req),
    };
    if req.segs.len() != 3 || req.segs[2] != "entity" {
        return Ok(bad(
            env,
            "use /ips/reverse_search/entity?… or /autnums/reverse_search/entity?…",
        ));
    }
    let unknown = req.unknown_params(&["handle", "fn", "email", "role"]);
    if !unknown.is_empty() {
        return Ok(bad(
            env,
            &format!(
                "unsupported reverse search properties: {}; use handle, fn, email and role",
                unknown.join(", ")
            ),
        ));
    }
    let conditions: Vec<(&str, String)> = ["handle", "fn", "email"]
        .into_iter()
        .filter_map(|k| req.param(k).map(|v| (k, v.trim().to_lowercase())))
        .collect();
    if conditions.is_empty() {
        return Ok(bad(
            env,
            "give at least one of handle, fn or email (role may be added)",
        ));
    }
    for (_, v) in &conditions {
        if let Err(e) = check_pattern(v) {
            return Ok(bad(env, &e));
        }
    }
    let role = req.param("role");
    let functions = match role {
        None | Some("registrant") => None,
        Some(r) => match functions_of(r) {
            Some(f) => Some(f),
            None => {
                return Ok(bad(
                    env,
                    &format!(
                        "'{r}' is not a role here: use registrant, abuse, technical, administrative, noc, routing or dns"
                    ),
                ));
            }
        },
    };
    let reg = env.cx.reg;
    let cap = env.cx.shared.config.rdap.search_cap;
    let limit = usize::MAX;
    // The entities that match every condition: POCs, and orgs for the registrant role.
    let poc_matches = |p: u32| {
        let poc = reg.poc(p);
        conditions.iter().all(|(k, v)| match *k {
            "handle" => glob(v, poc.handle.as_str()),
            "fn" => glob(v, poc.name.as_str()),
            _ => {
                glob(v, poc.abuse_mailbox.as_str())
                    || poc.emails.iter().any(|e| glob(v, e.as_str()))
            }
        })
    };
    let org_matches = |o: u32| {
        let org = reg.org(o);
        conditions.iter().all(|(k, v)| match *k {
            "handle" => glob(v, org.handle.as_str()),
            "fn" => !org.private && glob(v, org.name.as_str()),
            _ => false,
        })
    };
    let candidates = |kinds: &[ObjectKind]| -> Vec<u32> {
        // Narrow by the indexed handle or name first; e-mail needs a scan.
        if let Some((_, v)) = conditions.iter().find(|(k, _)| *k == "handle") {
            hits_of(&reg.search_handles_of(kinds, v, limit))
        } else if let Some((_, v)) = conditions.iter().find(|(k, _)| *k == "fn") {
            hits_of(&reg.search_names_of(kinds, v, limit))
        } else if kinds.contains(&ObjectKind::Poc) {
            (0..reg.data().db.pocs.len() as u32).collect()
        } else {
            Vec::new()
        }
    };
    let mut pocs: Vec<u32> = if role == Some("registrant") {
        Vec::new()
    } else {
        candidates(&[ObjectKind::Poc])
            .into_iter()
            .filter(|&p| poc_matches(p))
            .collect()
    };
    pocs.sort_unstable();
    pocs.dedup();
    let mut orgs: Vec<u32> = if role.is_none() || role == Some("registrant") {
        candidates(&[ObjectKind::Org])
            .into_iter()
            .filter(|&o| org_matches(o))
            .collect()
    } else {
        Vec::new()
    };
    orgs.sort_unstable();
    orgs.dedup();

    let idx = env.reverse_index();
    let mut items: Vec<u32> = Vec::new();
    let wants = |f: PocFunction| functions.is_none_or(|fs| fs.contains(&f));
    // Contacts linked to the resource or to its org, in the role asked for.
    for &p in &pocs {
        for (obj, f) in idx.links(p) {
            // Abuse contacts count where they are effective, own or inherited (below).
            if !wants(f) || matches!(f, PocFunction::Abuse | PocFunction::Irt) {
                continue;
            }
            match (obj, kind) {
                (Obj::Net(n), ObjectKind::Net) | (Obj::Asn(n), ObjectKind::Asn) => items.push(n),
                (Obj::Org(o), ObjectKind::Net) => {
                    items.extend(reg.org(o).nets.iter().map(|n| n.to_native()))
                }
                (Obj::Org(o), ObjectKind::Asn) => {
                    items.extend(reg.org(o).asns.iter().map(|n| n.to_native()))
                }
                _ => {}
            }
        }
    }
    // Abuse contacts count where they are inherited too.
    if !pocs.is_empty() && wants(PocFunction::Abuse) {
        if kind == ObjectKind::Net {
            items.extend(nets_with_abuse(reg, &idx, &pocs));
        } else {
            items.extend(asns_with_abuse(reg, &idx, &pocs));
        }
    }
    for &o in &orgs {
        let org = reg.org(o);
        if kind == ObjectKind::Net {
            items.extend(org.nets.iter().map(|n| n.to_native()));
        } else {
            items.extend(org.asns.iter().map(|n| n.to_native()));
        }
    }
    items.retain(|&i| i != NONE);
    if kind == ObjectKind::Net {
        sort_nets(reg, &mut items);
    } else {
        sort_asns(reg, &mut items);
    }
    let truncated = items.len() > cap;
    items.truncate(cap);
    Ok(object_results(
        env,
        &req,
        kind,
        &items,
        truncated,
        Ext::REVERSE,
    ))
}

// Lists.

fn lists<'r>(env: &Env<'_>, req: Req<'r>) -> Result<Reply, Req<'r>> {
    if req.seg(0) != Some("lists") {
        return Err(req);
    }
    let Some(list) = req
        .seg(1)
        .filter(|_| req.segs.len() == 2)
        .and_then(ListKind::from_name)
    else {
        return Ok(not_found(
            env,
            "The lists are /lists/non-responsive and /lists/invalid-contacts.",
        ));
    };
    let csv = match req.param("format") {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Ok(bad(env, &format!("format '{other}': use json or csv"))),
    };
    let reg = env.cx.reg;
    let policy = &env.cx.shared.policy;
    let idx = env.reverse_index();
    let mut entries = contact_lists_with(reg, &idx, env.cx.now, policy);
    entries.retain(|e| e.list == list);
    if csv {
        return Ok(Reply {
            content_type: "text/csv; charset=utf-8",
            ..Reply::ok(to_csv(&entries))
        });
    }
    let mut doc = env.doc();
    doc.ext = Ext::LEVEL0;
    doc.j.kv("listName", list.name());
    doc.j
        .kv_strs("description", [list.description(policy).as_str()]);
    doc.j.kv("asOf", &crate::model::format_date(env.cx.now));
    doc.j.key_arr("entries");
    for e in &entries {
        let href = match e.kind {
            super::lists::ResourceKind::Org => doc.entity_url(&e.resource),
            super::lists::ResourceKind::Net => doc.net_url(e.index),
            super::lists::ResourceKind::Asn => doc.asn_url(e.index),
        };
        let j = &mut doc.j;
        j.obj();
        j.kv("objectClassName", e.kind.class());
        j.kv("handle", &e.resource);
        if !e.range.is_empty() {
            j.kv("range", &e.range);
        }
        j.kv("contact", &e.contact);
        j.kv("role", e.role);
        if let Some(from) = &e.inherited_from {
            j.kv("inheritedFrom", from);
        }
        j.kv("since", &crate::model::format_date(e.since));
        j.key_arr("links");
        j.obj();
        j.kv("value", env.url);
        j.kv("rel", "related");
        j.kv("href", &href);
        j.kv("type", super::render::RDAP_JSON);
        j.end_obj();
        j.end_arr();
        j.end_obj();
    }
    doc.j.end_arr();
    Ok(Reply::ok(doc.finish()))
}

// What a number registry does not serve.

fn not_implemented<'r>(env: &Env<'_>, req: Req<'r>) -> Result<Reply, Req<'r>> {
    match req.seg(0) {
        Some("nameserver" | "nameservers") => Ok(error(
            &env.cx,
            env.url,
            501,
            "Nameserver queries are not implemented by a number registry.",
        )),
        _ => Err(req),
    }
}

/// A minimal error body for when even the registry could not be used (a panic).
pub(crate) fn bare_error(status: u16, description: &str) -> String {
    let mut j = Json::with_capacity(256);
    j.obj();
    j.kv_strs("rdapConformance", ["rdap_level_0"]);
    j.kv_num("errorCode", i64::from(status));
    j.kv("title", status_title(status));
    j.kv_strs("description", [description]);
    j.end_obj();
    j.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(check_pattern("NET-23*").is_ok());
        assert!(check_pattern("ALPHA").is_ok());
        assert!(check_pattern("*").is_ok());
        assert!(check_pattern("A*B").is_err());
        assert!(check_pattern("**").is_err());
        assert!(check_pattern(" ").is_err());
        assert!(glob("abuse@*", "Abuse@Alpha.example.net"));
        assert!(!glob("abuse@x", "abuse@xy"));
    }

    #[test]
    fn ip_arguments() {
        assert_eq!(
            parse_ip_arg("23.1.2.3", None).unwrap(),
            (false, 0x1701_0203, 0x1701_0203, 32)
        );
        let (v6, s, e, l) = parse_ip_arg("23.1.2.3", Some("24")).unwrap();
        assert_eq!((v6, s, e, l), (false, 0x1701_0200, 0x1701_02ff, 24));
        assert!(parse_ip_arg("23.1.2", None).is_err());
        assert!(parse_ip_arg("23.1.2.0", Some("33")).is_err());
        assert!(parse_ip_arg("2001:db8::", Some("32")).unwrap().0);
    }

    #[test]
    fn zones() {
        assert_eq!(zone_name("2.1.23.IN-ADDR.ARPA."), "2.1.23.in-addr.arpa");
        assert!(is_reverse_zone("8.b.d.0.1.0.0.2.ip6.arpa"));
        assert!(!is_reverse_zone("example.com"));
    }
}
