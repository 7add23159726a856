//! The RDAP front end on the real binary: `rirwhois serve` on port 0 over the fixture
//! registry in `tests/fixtures/rdap/`, queried with a small HTTP/1.1 client over loopback.
//! Every path, status code, header and marker is checked, and every JSON answer is
//! validated against the project's schemas in `rdap-schemas/` and, when
//! `../shared/reference/icann-rdap-json-schema/` is there, against ICANN's schemas too.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::Serve;

const AS_OF: &str = "2026-11-01";

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    manifest().join("tests/fixtures/rdap")
}

/// The fixture registry, compiled once per test process.
fn snapshot() -> &'static Path {
    static SNAP: OnceLock<PathBuf> = OnceLock::new();
    SNAP.get_or_init(|| {
        let snap = common::process_dir("rdap").join("fixture.snap");
        let f = fixtures();
        common::compile(
            &snap,
            &[],
            &[
                f.join("arin.xml"),
                f.join("beta.db"),
                f.join("validation.csv"),
            ],
        );
        snap
    })
}

/// A running `rirwhois serve` over the fixture registry.
struct Server(Serve);

impl Server {
    fn start() -> Server {
        Server::with_config("", &[])
    }

    /// Starts the server with `config` as its configuration file and extra flags.
    fn with_config(config: &str, args: &[&str]) -> Server {
        Server(Serve::start(
            Some(snapshot()),
            config,
            &[&["--as-of", AS_OF], args].concat(),
        ))
    }

    /// Its RDAP address.
    fn addr(&self) -> SocketAddr {
        self.0.rdap
    }

    /// A connection to its RDAP port; reads time out after 10 s.
    fn connect(&self) -> TcpStream {
        let st = TcpStream::connect(self.addr()).unwrap();
        st.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        st
    }

    /// Checks `rirwhois_limit_hits_total` in its metrics: each limit hit so many times.
    fn assert_limit_hits(&self, hits: &[(&str, u64)]) {
        let mut m = TcpStream::connect(self.0.metrics).unwrap();
        write!(
            m,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let body = read_response(&mut BufReader::new(m), false).text();
        for (limit, n) in hits {
            let line = format!("rirwhois_limit_hits_total{{limit=\"{limit}\"}} {n}");
            assert!(body.contains(&line), "{line} missing from {body}");
        }
    }

    fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[])
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr());
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("accept"))
        {
            raw.push_str("Accept: application/rdap+json\r\n");
        }
        for (k, v) in headers {
            raw.push_str(&format!("{k}: {v}\r\n"));
        }
        raw.push_str("Connection: close\r\n\r\n");
        let mut s = TcpStream::connect(self.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(raw.as_bytes()).unwrap();
        read_response(&mut BufReader::new(s), method == "HEAD")
    }

    /// GET, expecting `status`, and a JSON body valid under `schema`.
    fn json(&self, path: &str, status: u16, schema: &str) -> Value {
        let r = self.get(path);
        assert_eq!(r.status, status, "GET {path}: {}", r.text());
        r.valid(schema, path)
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The JSON body, checked: RDAP media type, CORS, the schema, ICANN's schema, and
    /// `rdapConformance` listing exactly the extensions the answer uses.
    fn valid(&self, schema: &str, path: &str) -> Value {
        assert_eq!(
            self.header("content-type"),
            Some("application/rdap+json"),
            "{path}"
        );
        assert_eq!(self.header("access-control-allow-origin"), Some("*"));
        let v: Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {}", self.text()));
        schemas().check(schema, &v, path);
        check_conformance(&v, schema, path);
        v
    }
}

/// Reads one response: status line, headers, and a body of `Content-Length` bytes (or up to
/// the end of the stream).
/// Reads until the server closes the connection (or resets it, or the read times out):
/// what came, how long that took, and how the read ended.
fn until_closed(r: &mut impl Read) -> (Vec<u8>, Duration, std::io::Result<usize>) {
    let t0 = Instant::now();
    let mut got = Vec::new();
    let end = r.read_to_end(&mut got);
    (got, t0.elapsed(), end)
}

fn read_response(r: &mut impl BufRead, head: bool) -> Resp {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("bad status line {line:?}"))
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse::<usize>().unwrap());
    let mut body = Vec::new();
    if !head && status != 304 && status != 204 {
        match len {
            Some(n) => {
                body.resize(n, 0);
                r.read_exact(&mut body).unwrap();
            }
            None => {
                r.read_to_end(&mut body).unwrap();
            }
        }
    }
    Resp {
        status,
        headers,
        body,
    }
}

// Schemas.

struct Schemas {
    own: HashMap<String, jsonschema::Validator>,
    icann: Option<HashMap<&'static str, jsonschema::Validator>>,
}

/// Serves `$ref`s from a directory, by file name.
struct DirRetriever {
    dir: PathBuf,
    icann: bool,
}

impl jsonschema::Retrieve for DirRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.path().as_str().rsplit('/').next().unwrap_or("");
        let text = std::fs::read_to_string(self.dir.join(name))?;
        let mut v: Value = serde_json::from_str(&text)?;
        if self.icann {
            drop_nested_ids(&mut v, true);
        }
        Ok(v)
    }
}

/// ICANN's schemas hold nested `$id`s that are not file names: drop them (reference README).
fn drop_nested_ids(v: &mut Value, root: bool) {
    match v {
        Value::Object(m) => {
            if !root
                && let Some(Value::String(id)) = m.get("$id")
                && !id.ends_with(".json")
            {
                m.remove("$id");
            }
            for (_, x) in m.iter_mut() {
                drop_nested_ids(x, false);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| drop_nested_ids(x, false)),
        _ => {}
    }
}

fn icann_dir() -> PathBuf {
    manifest().join("../shared/reference/icann-rdap-json-schema")
}

/// Format checkers for ICANN's custom formats, from the IANA registries they name.
fn icann_options() -> jsonschema::ValidationOptions<'static> {
    const ROLES: &[&str] = &[
        "registrant",
        "technical",
        "administrative",
        "abuse",
        "billing",
        "registrar",
        "reseller",
        "sponsor",
        "proxy",
        "notifications",
        "noc",
        // ARIN's POC functions, which the issue asks for.
        "routing",
        "dns",
    ];
    const STATUS: &[&str] = &[
        "validated",
        "active",
        "inactive",
        "locked",
        "removed",
        "obscured",
        "private",
        "proxy",
        "associated",
        "reserved",
        "administrative",
    ];
    const NOTICE_TYPES: &[&str] = &[
        "result set truncated due to authorization",
        "result set truncated due to excessive load",
        "result set truncated due to unexplainable reasons",
        "object truncated due to authorization",
        "object truncated due to excessive load",
        "object truncated due to unexplainable reasons",
        "object redacted due to authorization",
    ];
    const ACTIONS: &[&str] = &[
        "registration",
        "reregistration",
        "last changed",
        "expiration",
        "deletion",
        "reinstantiation",
        "transfer",
        "locked",
        "unlocked",
    ];
    const RELATIONS: &[&str] = &[
        "self",
        "up",
        "related",
        "alternate",
        "help",
        "terms-of-service",
        "copyright",
        "about",
        "rdap-up",
        "rdap-down",
        "rdap-top",
        "rdap-bottom",
    ];
    jsonschema::options()
        .should_validate_formats(true)
        .with_base_uri("https://icann.example/schemas/")
        .with_retriever(DirRetriever {
            dir: icann_dir(),
            icann: true,
        })
        .with_format("role", |s| ROLES.contains(&s))
        .with_format("status", |s| STATUS.contains(&s))
        .with_format("noticeAndRemark", |s| NOTICE_TYPES.contains(&s))
        .with_format("eventAction", |s| ACTIONS.contains(&s))
        .with_format("linkRelations", |s| RELATIONS.contains(&s))
        .with_format("mediaTypes", |s| {
            ["application/rdap+json", "text/html"].contains(&s)
        })
        .with_format("rdapExtensions", |s| {
            [
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
            ]
            .contains(&s)
        })
        .with_format("ipv4-validation", |s| {
            s.parse::<std::net::Ipv4Addr>().is_ok()
        })
        .with_format("ipv6-validation", |s| {
            s.parse::<std::net::Ipv6Addr>().is_ok()
        })
        .with_format("hostname-in-uri", |s| {
            let rest = s.split_once("://").map_or(s, |x| x.1);
            let host = rest.split(['/', '?']).next().unwrap_or("");
            let host = host.rsplit_once(':').map_or(host, |(h, p)| {
                if p.bytes().all(|b| b.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            });
            !host.is_empty()
        })
}

fn schemas() -> &'static Schemas {
    static S: OnceLock<Schemas> = OnceLock::new();
    S.get_or_init(|| {
        let dir = manifest().join("rdap-schemas");
        let mut own = HashMap::new();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_stem().unwrap().to_str().unwrap().to_string();
            if name == "common" || p.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let schema: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let v = jsonschema::options()
                .should_validate_formats(true)
                .with_retriever(DirRetriever {
                    dir: dir.clone(),
                    icann: false,
                })
                .build(&schema)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            own.insert(name, v);
        }
        let icann = if icann_dir().is_dir() {
            let mut m = HashMap::new();
            for (class, file) in [
                ("ip network", "rdap_ip_network.json"),
                ("autnum", "rdap_autnum.json"),
                ("entity", "rdap_entity.json"),
                ("domain", "rdap_domain.json"),
                ("help", "rdap_help.json"),
                ("error", "rdap_error.json"),
            ] {
                let mut schema: Value =
                    serde_json::from_str(&std::fs::read_to_string(icann_dir().join(file)).unwrap())
                        .unwrap();
                drop_nested_ids(&mut schema, true);
                let v = icann_options()
                    .build(&schema)
                    .unwrap_or_else(|e| panic!("ICANN {file}: {e}"));
                m.insert(class, v);
            }
            Some(m)
        } else {
            eprintln!(
                "note: {} is absent; ICANN schema checks are skipped",
                icann_dir().display()
            );
            None
        };
        Schemas { own, icann }
    })
}

/// Extension members ICANN's closed schemas do not know (reference README).
fn strip_extensions(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for k in [
                "cidr0_cidrs",
                "arin_originas0_originautnums",
                "redacted",
                "reverse_search_properties",
            ] {
                m.remove(k);
            }
            m.values_mut().for_each(strip_extensions);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_extensions),
        _ => {}
    }
}

impl Schemas {
    fn check(&self, schema: &str, v: &Value, path: &str) {
        let validator = self
            .own
            .get(schema)
            .unwrap_or_else(|| panic!("no schema {schema}"));
        let errors: Vec<String> = validator
            .iter_errors(v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{path}: not valid under rdap-schemas/{schema}.json:\n{}\n{}",
            errors.join("\n"),
            serde_json::to_string_pretty(v).unwrap()
        );
        let Some(icann) = &self.icann else { return };
        // The ICANN schema of each object in the answer.
        let mut objects: Vec<(&str, Value)> = Vec::new();
        let mut top = v.clone();
        strip_extensions(&mut top);
        match schema {
            "ip-network" => objects.push(("ip network", top)),
            "autnum" => objects.push(("autnum", top)),
            "entity" => objects.push(("entity", top)),
            "domain" => objects.push(("domain", top)),
            "help" => objects.push(("help", top)),
            "error" => objects.push(("error", top)),
            _ => {
                for (member, class) in [
                    ("ipSearchResults", "ip network"),
                    ("autnumSearchResults", "autnum"),
                    ("entitySearchResults", "entity"),
                    ("domainSearchResults", "domain"),
                ] {
                    if let Some(items) = top.get(member).and_then(Value::as_array) {
                        objects.extend(items.iter().map(|i| (class, i.clone())));
                    }
                }
            }
        }
        for (class, o) in objects {
            let errors: Vec<String> = icann[class]
                .iter_errors(&o)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{path}: not valid under ICANN's schema for {class}:\n{}",
                errors.join("\n")
            );
        }
    }
}

/// `rdapConformance` lists exactly the extensions the answer uses.
fn check_conformance(v: &Value, schema: &str, path: &str) {
    fn walk(v: &Value, used: &mut BTreeSet<&'static str>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match k.as_str() {
                        "cidr0_cidrs" => {
                            used.insert("cidr0");
                        }
                        "arin_originas0_originautnums" => {
                            used.insert("arin_originas0");
                        }
                        "ipSearchResults" => {
                            used.extend(["ips", "ipSearchResults", "rirSearch1"]);
                        }
                        "autnumSearchResults" => {
                            used.extend(["autnums", "autnumSearchResults", "rirSearch1"]);
                        }
                        "rel" if x.as_str().is_some_and(|r| r.starts_with("rdap-")) => {
                            used.insert("rirSearch1");
                        }
                        _ => {}
                    }
                    walk(x, used);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, used)),
            _ => {}
        }
    }
    let listed: BTreeSet<&str> = v["rdapConformance"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no rdapConformance"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    let mut used: BTreeSet<&'static str> = BTreeSet::from(["rdap_level_0"]);
    match schema {
        "help" => {
            assert_eq!(listed.len(), 11, "{path}: help lists every extension");
            return;
        }
        "error" | "lists" => {}
        _ => {
            used.insert("nro_rdap_profile_0");
            walk(v, &mut used);
            if v.get("redacted").is_some() {
                used.insert("redacted");
            }
            if path.contains("/reverse_search/") {
                used.insert("reverse_search");
            }
        }
    }
    let used: BTreeSet<&str> = used.into_iter().collect();
    assert_eq!(listed, used, "{path}: rdapConformance vs extensions used");
}

// Helpers over answers.

fn entities(v: &Value) -> Vec<&Value> {
    v["entities"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn entity<'a>(v: &'a Value, handle: &str) -> &'a Value {
    fn find<'a>(v: &'a Value, handle: &str) -> Option<&'a Value> {
        for e in v["entities"].as_array().into_iter().flatten() {
            if e["handle"] == handle {
                return Some(e);
            }
            if let Some(x) = find(e, handle) {
                return Some(x);
            }
        }
        None
    }
    find(v, handle).unwrap_or_else(|| panic!("no entity {handle}"))
}

fn roles(e: &Value) -> Vec<&str> {
    e["roles"]
        .as_array()
        .map(|a| a.iter().map(|r| r.as_str().unwrap()).collect())
        .unwrap_or_default()
}

/// Values of a jCard property.
fn vcard<'a>(e: &'a Value, prop: &str) -> Vec<&'a Value> {
    e["vcardArray"][1]
        .as_array()
        .map(|a| a.iter().filter(|p| p[0] == prop).map(|p| &p[3]).collect())
        .unwrap_or_default()
}

fn emails(e: &Value) -> Vec<&str> {
    vcard(e, "email")
        .into_iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

fn remark<'a>(e: &'a Value, title: &str) -> Option<&'a Value> {
    e["remarks"]
        .as_array()?
        .iter()
        .find(|r| r["title"] == title)
}

fn remark_text(e: &Value, title: &str) -> String {
    remark(e, title)
        .unwrap_or_else(|| panic!("no remark {title} on {}", e["handle"]))["description"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

fn handles(v: &Value, member: &str) -> Vec<String> {
    v[member]
        .as_array()
        .unwrap_or_else(|| panic!("no {member}"))
        .iter()
        .map(|o| o["handle"].as_str().unwrap().to_string())
        .collect()
}

fn link<'a>(v: &'a Value, rel: &str) -> &'a str {
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel)
        .unwrap_or_else(|| panic!("no {rel} link"))["href"]
        .as_str()
        .unwrap()
}

fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").unwrap().1;
    &rest[rest.find('/').unwrap()..]
}

fn validated(e: &Value) -> bool {
    e["status"]
        .as_array()
        .is_some_and(|s| s.iter().any(|x| x == "validated"))
}

// Lookups.

#[test]
fn ip_lookup_shows_the_network_its_private_customer_and_inherited_abuse_contact() {
    let s = Server::start();
    let r = s.get("/ip/23.1.2.150");
    assert_eq!(r.status, 200);
    let etag = r.header("etag").unwrap();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong: {etag}"
    );
    assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
    let v = r.valid("ip-network", "/ip/23.1.2.150");
    assert_eq!(v["objectClassName"], "ip network");
    assert_eq!(v["handle"], "NET-23-1-2-0-1");
    assert_eq!(v["startAddress"], "23.1.2.0");
    assert_eq!(v["endAddress"], "23.1.2.191");
    assert_eq!(v["ipVersion"], "v4");
    assert_eq!(v["name"], "HIDDEN-NET");
    assert_eq!(v["type"], "REASSIGNMENT");
    assert_eq!(v["parentHandle"], "NET-23-1-0-0-1");
    assert_eq!(
        v["cidr0_cidrs"],
        json!([{"v4prefix":"23.1.2.0","length":25},{"v4prefix":"23.1.2.128","length":26}])
    );
    assert!(path_of(link(&v, "self")).starts_with("/ip/23.1.2.0/25"));
    assert_eq!(path_of(link(&v, "up")), "/ip/23.1.0.0/16");
    assert_eq!(path_of(link(&v, "related")), "/entity/C00000001");
    // Private customer: no name or address, and RFC 9537 says so.
    let c = entity(&v, "C00000001");
    assert_eq!(roles(c), ["registrant"]);
    assert!(c.get("vcardArray").is_none());
    assert!(!r.text().contains("Hidden Person") && !r.text().contains("Secret Lane"));
    let redacted = v["redacted"].as_array().unwrap();
    assert_eq!(redacted.len(), 2);
    for (r, what) in redacted.iter().zip(["fn", "adr"]) {
        assert_eq!(r["method"], "removal");
        assert_eq!(r["pathLang"], "jsonpath");
        assert!(
            r["reason"]["description"]
                .as_str()
                .unwrap()
                .contains("Private customer")
        );
        let pre = r["prePath"].as_str().unwrap();
        assert!(pre.contains("C00000001") && pre.contains(what), "{pre}");
    }
    // The abuse contact is inherited from the customer's parent org, and says so.
    let abuse = entity(&v, "ABUSE-ALPHA");
    assert_eq!(roles(abuse), ["abuse"]);
    assert_eq!(emails(abuse), ["abuse@alpha.example.net"]);
    assert!(validated(abuse));
    assert!(
        remark_text(abuse, "Inherited Abuse Contact")
            .contains("organization ALPHA (Alpha Networks)")
    );
    // Notices: terms with a link, and where to report inaccuracies.
    let notices = v["notices"].as_array().unwrap();
    assert_eq!(notices[0]["title"], "Terms of Service");
    assert_eq!(
        notices[0]["links"][0]["href"],
        "https://rirwhois.example.net/terms"
    );
    assert_eq!(notices[1]["title"], "Inaccuracy Report");
    assert_eq!(
        notices[1]["links"][0]["href"],
        "https://rirwhois.example.net/report-inaccuracy"
    );
}

#[test]
fn prefixes_pick_the_most_specific_network_and_bad_arguments_are_400() {
    let s = Server::start();
    for (path, handle) in [
        ("/ip/23.1.2.0/25", "NET-23-1-2-0-1"),
        ("/ip/23.1.0.0/20", "NET-23-1-0-0-1"),
        ("/ip/23.0.0.0/8", "NET-23-0-0-0-1"),
        ("/ip/23.9.9.9/12", "NET-23-0-0-0-1"),
        ("/ip/024.000.000.001", "NET-24-0-0-0-1"),
        ("/ip/2600:1000:5::1", "NET6-2600-1000-5-1"),
        ("/ip/2600:1000::/32", "NET6-2600-1"),
        ("/ip/2600:1000:5::/64", "NET6-2600-1000-5-1"),
    ] {
        let v = s.json(path, 200, "ip-network");
        assert_eq!(v["handle"], handle, "{path}");
    }
    let v6 = s.json("/ip/2600:1000:5::1", 200, "ip-network");
    assert_eq!(v6["ipVersion"], "v6");
    assert_eq!(
        v6["cidr0_cidrs"],
        json!([{"v6prefix":"2600:1000:5::","length":48}])
    );
    // The customer's abuse contact comes from its parent org (GAMMA), not the parent net.
    assert!(remark_text(entity(&v6, "ABUSE-GAMMA"), "Inherited Abuse Contact").contains("GAMMA"));
    for path in [
        "/ip/23.1.2",
        "/ip/23.1.2.0/33",
        "/ip/2600::/129",
        "/ip/one.two",
        "/ip/1/2/3",
        "/ip",
    ] {
        let v = s.json(path, 400, "error");
        assert_eq!(v["errorCode"], 400);
        assert_eq!(v["title"], "Bad Request");
    }
    let v = s.json("/ip/99.1.1.1", 404, "error");
    assert_eq!(v["errorCode"], 404);
    assert_eq!(
        s.get("/ip/99.1.1.1").header("cache-control"),
        Some("public, max-age=60")
    );
}

#[test]
fn own_abuse_contact_origin_ases_roles_and_validation_markers() {
    let s = Server::start();
    let v = s.json("/ip/23.2.0.1", 200, "ip-network");
    assert_eq!(v["handle"], "NET-23-2-0-0-1");
    assert_eq!(v["arin_originas0_originautnums"], json!([64500, 64501]));
    let conf = v["rdapConformance"].as_array().unwrap();
    assert!(conf.contains(&json!("arin_originas0")));
    assert_eq!(
        v["events"],
        json!([{"eventAction":"registration","eventDate":"2016-06-06T00:00:00Z"},
               {"eventAction":"last changed","eventDate":"2026-01-02T00:00:00Z"}])
    );
    // Own abuse contact: no inheritance remark; unvalidated (request of 2026-10-25).
    let own = entity(&v, "ABUSE-OWN");
    assert_eq!(roles(own), ["abuse"]);
    assert!(remark(own, "Inherited Abuse Contact").is_none());
    assert!(!validated(own));
    assert!(remark_text(own, "Unvalidated POC").contains("2026-10-25"));
    assert_eq!(emails(own), ["abuse@transit.example.net"]);
    assert_eq!(roles(entity(&v, "NOC-ALPHA")), ["noc"]);
    assert_eq!(roles(entity(&v, "ROUTE-ALPHA")), ["routing", "dns"]);
    // The registrant carries its own contacts, each with its marker.
    let alpha = entity(&v, "ALPHA");
    assert_eq!(roles(alpha), ["registrant"]);
    assert_eq!(vcard(alpha, "fn"), [&json!("Alpha Networks")]);
    assert_eq!(vcard(alpha, "kind"), [&json!("org")]);
    let tech = entity(alpha, "TECH-ALPHA");
    assert_eq!(roles(tech), ["technical"]);
    assert!(!validated(tech));
    assert!(remark_text(tech, "Unvalidated POC").contains("since 2026-09-15"));
    let admin = entity(alpha, "ADMIN-ALPHA");
    assert!(!validated(admin));
    let text = remark_text(admin, "Invalid POC");
    assert!(text.contains("2026-07-01") && text.contains("60 days") && text.contains("2026-08-30"));
    assert!(validated(entity(alpha, "ABUSE-ALPHA")));
    let noc = entity(alpha, "NOC-ALPHA");
    assert!(noc.get("status").is_none() && noc.get("remarks").is_none());
    // Telephones by kind, with the extension.
    let tels: Vec<(&Value, &Value)> = tech["vcardArray"][1]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p[0] == "tel")
        .map(|p| (&p[1]["type"], &p[3]))
        .collect();
    assert_eq!(
        tels,
        [
            (&json!(["work", "voice"]), &json!("+1-555-0101 ext. 12")),
            (&json!(["work", "fax"]), &json!("+1-555-0102")),
            (&json!(["work", "cell"]), &json!("+1-555-0103")),
        ]
    );
    assert_eq!(vcard(tech, "n"), [&json!(["Tech", "Jo", "", "", ""])]);
    assert_eq!(vcard(tech, "kind"), [&json!("individual")]);

    // A network with no abuse contact anywhere says so.
    let v = s.json("/ip/24.0.0.1", 200, "ip-network");
    assert!(remark(&v, "No Abuse Contact").is_some());
    assert!(v.get("entities").is_none());
}

#[test]
fn reported_invalid_abuse_contact_is_still_shown_with_its_marker() {
    let s = Server::start();
    let v = s.json("/ip/23.2.5.9", 200, "ip-network");
    assert_eq!(v["handle"], "NET-23-2-5-0-1");
    let cust = entity(&v, "C00000002");
    assert_eq!(vcard(cust, "fn"), [&json!("Delta Cafe")]);
    assert!(v.get("redacted").is_none());
    let abuse = entity(&v, "ABUSE-GAMMA");
    assert_eq!(emails(abuse), ["abuse@gamma.example.net"]);
    assert!(!validated(abuse));
    assert!(remark_text(abuse, "Invalid POC").contains("reported invalid on 2026-10-01"));
    assert!(remark_text(abuse, "Inherited Abuse Contact").contains("organization GAMMA"));
}

#[test]
fn rpsl_networks_abuse_mailboxes_and_irt() {
    let s = Server::start();
    let v = s.json("/ip/45.0.2.7", 200, "ip-network");
    assert_eq!(v["type"], "ASSIGNED PA");
    let irt = entity(&v, "IRT-BETA");
    assert_eq!(roles(irt), ["abuse"]);
    assert_eq!(
        emails(irt),
        ["irt@beta.example.net", "irt-team@beta.example.net"]
    );
    let v = s.json("/ip/45.0.1.1", 200, "ip-network");
    assert_eq!(v["handle"], "45.0.1.0 - 45.0.1.255");
    let abuse = entity(&v, "BA1-TEST");
    assert_eq!(emails(abuse)[0], "abuse@beta.example.net");
    assert!(remark_text(abuse, "Inherited Abuse Contact").contains("ORG-BETA1-TEST"));
    assert!(remark_text(abuse, "Unvalidated POC").contains("2026-10-10"));
    let v = s.json("/ip/45.0.0.1", 200, "ip-network");
    assert_eq!(v["country"], "DE");
    assert_eq!(
        remark_text(&v, "Registration Comments"),
        "Beta's allocation"
    );
}

#[test]
fn autnum_lookups() {
    let s = Server::start();
    let v = s.json("/autnum/64496", 200, "autnum");
    assert_eq!(v["objectClassName"], "autnum");
    assert_eq!(v["handle"], "AS64496");
    assert_eq!(
        (v["startAutnum"].as_u64(), v["endAutnum"].as_u64()),
        (Some(64496), Some(64496))
    );
    assert_eq!(v["name"], "ALPHA-AS");
    assert_eq!(roles(entity(&v, "ALPHA")), ["registrant"]);
    let tech = entities(&v)
        .into_iter()
        .find(|e| e["handle"] == "TECH-ALPHA")
        .unwrap();
    assert_eq!(roles(tech), ["technical"]);
    assert!(remark(tech, "Unvalidated POC").is_some());
    let abuse = entities(&v)
        .into_iter()
        .find(|e| roles(e).contains(&"abuse"))
        .unwrap();
    assert_eq!(abuse["handle"], "ABUSE-ALPHA");
    assert!(remark_text(abuse, "Inherited Abuse Contact").contains("ALPHA"));

    let v = s.json("/autnum/64501", 200, "autnum");
    assert_eq!(v["handle"], "AS64500");
    assert_eq!(v["endAutnum"], 64501);
    assert!(remark(entity(&v, "ABUSE-OWN"), "Inherited Abuse Contact").is_none());
    assert_eq!(s.json("/autnum/AS64510", 200, "autnum")["name"], "GAMMA-AS");
    assert_eq!(s.json("/autnum/65550", 200, "autnum")["name"], "BETA-AS");
    s.json("/autnum/abc", 400, "error");
    s.json("/autnum/-1", 400, "error");
    s.json("/autnum/4294967296", 400, "error");
    s.json("/autnum/4200000000", 404, "error");
    s.json("/autnum", 400, "error");
}

#[test]
fn entity_lookups() {
    let s = Server::start();
    let v = s.json("/entity/ALPHA", 200, "entity");
    assert!(v.get("roles").is_none(), "a standalone entity has no roles");
    assert_eq!(vcard(&v, "fn"), [&json!("Alpha Networks")]);
    let adr = vcard(&v, "adr")[0];
    assert_eq!(adr[2], json!(["1 Main Street", "Suite 200"]));
    assert_eq!(adr[3], "Springfield");
    assert_eq!(
        handles(&v, "networks"),
        ["NET-23-0-0-0-1", "NET-23-2-0-0-1", "NET6-2600-1"]
    );
    assert_eq!(handles(&v, "autnums"), ["AS64496", "AS64500"]);
    assert_eq!(
        remark_text(&v, "Registration Comments"),
        "Peering and transit since 2011"
    );
    assert_eq!(roles(entity(&v, "ABUSE-ALPHA")), ["abuse"]);
    assert!(remark(entity(&v, "ADMIN-ALPHA"), "Invalid POC").is_some());

    // Handles match case-insensitively.
    let v = s.json("/entity/tech-alpha", 200, "entity");
    assert_eq!(v["handle"], "TECH-ALPHA");
    assert!(remark(&v, "Unvalidated POC").is_some());
    assert_eq!(emails(&v), ["jo.tech@alpha.example.net"]);
    let v = s.json("/entity/ABUSE-ALPHA", 200, "entity");
    assert!(validated(&v));
    assert!(v.get("remarks").is_none());

    // A private customer on its own: the paths point at the top.
    let v = s.json("/entity/C00000001", 200, "entity");
    assert!(v.get("vcardArray").is_none());
    let pre: Vec<&str> = v["redacted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["prePath"].as_str().unwrap())
        .collect();
    assert_eq!(
        pre,
        [
            "$.vcardArray[1][?(@[0]=='fn')]",
            "$.vcardArray[1][?(@[0]=='adr')]"
        ]
    );
    s.json("/entity/NOPE-ARIN", 404, "error");
    s.json("/entity/NET-23-0-0-0-1", 404, "error");
    s.json("/entity/A/B", 400, "error");
    // RPSL role with an abuse mailbox.
    let v = s.json("/entity/BA1-TEST", 200, "entity");
    assert_eq!(
        emails(&v),
        ["abuse@beta.example.net", "noc@beta.example.net"]
    );
}

#[test]
fn domain_lookups() {
    let s = Server::start();
    let v = s.json("/domain/23.in-addr.arpa", 200, "domain");
    assert_eq!(v["ldhName"], "23.in-addr.arpa");
    assert_eq!(
        v["nameservers"],
        json!([{"objectClassName":"nameserver","ldhName":"ns1.alpha.example.net"},
               {"objectClassName":"nameserver","ldhName":"ns2.alpha.example.net"}])
    );
    assert_eq!(
        v["secureDNS"],
        json!({"delegationSigned":true,"dsData":[{"keyTag":60485,"algorithm":8,"digestType":1,"digest":"2BB183AF5F22588179A53B0A98631FAD1A292118"}]})
    );
    assert_eq!(roles(entity(&v, "NOC-ALPHA")), ["noc"]);
    let v = s.json("/domain/2.1.23.IN-ADDR.ARPA.", 200, "domain");
    assert_eq!(v["secureDNS"], json!({"delegationSigned": false}));
    s.json("/domain/0.0.0.1.0.0.6.2.ip6.arpa", 200, "domain");
    s.json("/domain/example.com", 404, "error");
    s.json("/domain/9.9.in-addr.arpa", 404, "error");
}

#[test]
fn help_lists_every_extension_and_the_reverse_search_properties() {
    let s = Server::start();
    let v = s.json("/help", 200, "help");
    assert!(v["notices"].as_array().unwrap().len() >= 3);
    let props = v["reverse_search_properties"].as_array().unwrap();
    assert!(
        props
            .iter()
            .any(|p| p["searchableResourceType"] == "ips" && p["property"] == "email")
    );
}

// Searches.

#[test]
fn searches_with_partial_matching() {
    let s = Server::start();
    let v = s.json("/ips?name=ALPHA*", 200, "ip-search-results");
    assert_eq!(
        handles(&v, "ipSearchResults"),
        [
            "NET-23-0-0-0-1",
            "NET-23-2-0-0-1",
            "NET-23-3-0-0-1",
            "NET6-2600-1"
        ]
    );
    let v = s.json("/ips?handle=net-23-1*", 200, "ip-search-results");
    assert_eq!(
        handles(&v, "ipSearchResults"),
        ["NET-23-1-0-0-1", "NET-23-1-2-0-1"]
    );
    let v = s.json("/ips?name=HIDDEN-NET", 200, "ip-search-results");
    assert_eq!(handles(&v, "ipSearchResults"), ["NET-23-1-2-0-1"]);
    let v = s.json("/autnums?name=alpha*", 200, "autnum-search-results");
    assert_eq!(handles(&v, "autnumSearchResults"), ["AS64496", "AS64500"]);
    let v = s.json("/autnums?handle=AS64510", 200, "autnum-search-results");
    assert_eq!(handles(&v, "autnumSearchResults"), ["AS64510"]);
    let v = s.json("/entities?fn=Alpha*", 200, "entity-search-results");
    let mut found = handles(&v, "entitySearchResults");
    found.sort();
    assert_eq!(found, ["ABUSE-ALPHA", "ALPHA", "NOC-ALPHA", "ROUTE-ALPHA"]);
    let v = s.json("/entities?handle=TECH-*", 200, "entity-search-results");
    assert_eq!(
        handles(&v, "entitySearchResults"),
        ["TECH-ALPHA", "TECH-GAMMA"]
    );
    let v = s.json("/entities?handle=C0000000*", 200, "entity-search-results");
    assert!(
        v.get("redacted").is_some(),
        "the private customer is redacted"
    );
    assert!(
        v["redacted"][0]["prePath"]
            .as_str()
            .unwrap()
            .starts_with("$.entitySearchResults[?(@.handle=='C00000001')]")
    );
    let v = s.json(
        "/domains?name=2*.1.23.in-addr.arpa",
        200,
        "domain-search-results",
    );
    assert_eq!(handles(&v, "domainSearchResults"), ["2.1.23.in-addr.arpa"]);
    let v = s.json("/domains?name=23.in-*", 200, "domain-search-results");
    assert_eq!(handles(&v, "domainSearchResults"), ["23.in-addr.arpa"]);
    let v = s.json(
        "/domains?name=5.2.23.in-addr.arpa",
        200,
        "domain-search-results",
    );
    assert_eq!(handles(&v, "domainSearchResults").len(), 1);

    for path in [
        "/ips",
        "/ips?name=A*B",
        "/ips?name=**",
        "/ips?name=x&handle=y",
        "/autnums?asn=1",
        "/entities",
        "/domains?name=*.*.arpa",
    ] {
        s.json(path, 400, "error");
    }
    s.json("/ips?name=NOTHING-HERE", 404, "error");
    s.json("/entities?fn=Nobody*", 404, "error");
    s.json("/nameservers?ip=1.2.3.4", 501, "error");
    s.json("/nameserver/ns1.alpha.example.net", 501, "error");
    s.json("/domains?nsLdhName=ns1.example.net", 501, "error");
}

#[test]
fn capped_searches_carry_a_truncation_notice() {
    let s = Server::with_config("[rdap]\nsearch_cap = 2\n", &[]);
    for (path, schema, member) in [
        ("/ips?name=ALPHA*", "ip-search-results", "ipSearchResults"),
        (
            "/entities?fn=Alpha*",
            "entity-search-results",
            "entitySearchResults",
        ),
        (
            "/ips/rirSearch1/rdap-bottom/23.0.0.0/8",
            "ip-search-results",
            "ipSearchResults",
        ),
        (
            "/ips/reverse_search/entity?handle=ABUSE-ALPHA&role=abuse",
            "reverse-search",
            "ipSearchResults",
        ),
    ] {
        let v = s.json(path, 200, schema);
        assert_eq!(v[member].as_array().unwrap().len(), 2, "{path}");
        let notice = v["notices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["title"] == "Search Policy")
            .unwrap_or_else(|| panic!("{path}: no truncation notice"));
        assert_eq!(notice["type"], "result set truncated due to excessive load");
    }
    let v = s.json("/ips?name=ALPHA-LAB", 200, "ip-search-results");
    assert!(
        v["notices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["title"] != "Search Policy")
    );
    // An org with more networks than the cap lists the first ones and says so.
    let v = s.json("/entity/ALPHA", 200, "entity");
    assert_eq!(v["networks"].as_array().unwrap().len(), 2);
    assert!(
        v["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["type"] == "object truncated due to excessive load")
    );
}

#[test]
fn rir_search_relations_and_links() {
    let s = Server::start();
    let get = |rel: &str, arg: &str, schema: &str| {
        s.json(&format!("/ips/rirSearch1/{rel}/{arg}"), 200, schema)
    };
    assert_eq!(
        get("rdap-up", "23.1.2.0/24", "ip-network")["handle"],
        "NET-23-1-0-0-1"
    );
    assert_eq!(
        get("rdap-up", "23.1.0.0/16", "ip-network")["handle"],
        "NET-23-0-0-0-1"
    );
    assert_eq!(
        get("rdap-up", "23.1.2.5", "ip-network")["handle"],
        "NET-23-1-2-0-1"
    );
    assert_eq!(
        get("rdap-top", "23.1.2.5", "ip-network")["handle"],
        "NET-23-0-0-0-1"
    );
    assert_eq!(
        get("rdap-top", "23.0.0.0/8", "ip-network")["handle"],
        "NET-23-0-0-0-1"
    );
    let v = get("rdap-down", "23.0.0.0/8", "ip-search-results");
    assert_eq!(
        handles(&v, "ipSearchResults"),
        ["NET-23-1-0-0-1", "NET-23-2-0-0-1", "NET-23-3-0-0-1"]
    );
    let v = get("rdap-down", "23.1.0.0/16", "ip-search-results");
    assert_eq!(handles(&v, "ipSearchResults"), ["NET-23-1-2-0-1"]);
    let v = get("rdap-bottom", "23.0.0.0/8", "ip-search-results");
    assert_eq!(
        handles(&v, "ipSearchResults"),
        ["NET-23-1-2-0-1", "NET-23-2-5-0-1", "NET-23-3-0-0-1"]
    );
    let v = get("rdap-bottom", "23.1.2.7", "ip-search-results");
    assert_eq!(handles(&v, "ipSearchResults"), ["NET-23-1-2-0-1"]);
    let v = get("rdap-down", "2600:1000::/32", "ip-search-results");
    assert_eq!(handles(&v, "ipSearchResults"), ["NET6-2600-1000-5-1"]);
    s.json("/ips/rirSearch1/rdap-up/23.0.0.0/8", 404, "error");
    s.json("/ips/rirSearch1/rdap-down/23.1.2.0/25", 404, "error");
    s.json("/ips/rirSearch1/rdap-top/99.0.0.1", 404, "error");
    s.json("/ips/rirSearch1/rdap-sideways/23.0.0.0/8", 400, "error");
    s.json("/ips/rirSearch1/rdap-up/23.0.0.0/40", 400, "error");
    s.json("/autnums/rirSearch1/rdap-up/64496", 501, "error");

    // Every rirSearch1 link of a network answers.
    let v = s.json("/ip/23.1.2.150", 200, "ip-network");
    for l in v["links"].as_array().unwrap() {
        let rel = l["rel"].as_str().unwrap();
        let path = path_of(l["href"].as_str().unwrap());
        let r = s.get(path);
        match rel {
            "rdap-up" | "rdap-top" => {
                assert_eq!(r.status, 200, "{rel} {path}");
                r.valid("ip-network", path);
            }
            "rdap-down" => assert_eq!(r.status, 404, "{rel} {path}: a leaf has nothing below"),
            "rdap-bottom" => {
                assert_eq!(r.status, 200, "{rel} {path}");
                let b = r.valid("ip-search-results", path);
                assert_eq!(handles(&b, "ipSearchResults"), ["NET-23-1-2-0-1"]);
            }
            "self" | "up" => {
                assert_eq!(r.status, 200, "{rel} {path}");
                r.valid("ip-network", path);
            }
            "related" => {
                assert_eq!(r.status, 200, "{rel} {path}");
                r.valid("entity", path);
            }
            other => panic!("unexpected link {other}"),
        }
    }
}

#[test]
fn reverse_search_by_abuse_contact_own_or_inherited() {
    let s = Server::start();
    let expect = [
        "NET-23-0-0-0-1",
        "NET-23-1-2-0-1",
        "NET-23-3-0-0-1",
        "NET6-2600-1",
    ];
    for q in [
        "handle=ABUSE-ALPHA&role=abuse",
        "handle=abuse-al*&role=abuse",
        "email=abuse@alpha.example.net&role=abuse",
        "fn=Alpha%20Abuse*&role=abuse",
    ] {
        let path = format!("/ips/reverse_search/entity?{q}");
        let v = s.json(&path, 200, "reverse-search");
        assert_eq!(handles(&v, "ipSearchResults"), expect, "{path}");
    }
    // Own abuse contact, and its customer's net that inherits it from the parent network.
    let v = s.json(
        "/ips/reverse_search/entity?handle=ABUSE-GAMMA&role=abuse",
        200,
        "reverse-search",
    );
    assert_eq!(
        handles(&v, "ipSearchResults"),
        ["NET-23-1-0-0-1", "NET-23-2-5-0-1", "NET6-2600-1000-5-1"]
    );
    let v = s.json(
        "/ips/reverse_search/entity?handle=ABUSE-OWN",
        200,
        "reverse-search",
    );
    assert_eq!(handles(&v, "ipSearchResults"), ["NET-23-2-0-0-1"]);
    // Other roles: the network's own contacts and its organization's.
    let v = s.json(
        "/ips/reverse_search/entity?handle=TECH-ALPHA&role=technical",
        200,
        "reverse-search",
    );
    assert_eq!(
        handles(&v, "ipSearchResults"),
        ["NET-23-0-0-0-1", "NET-23-2-0-0-1", "NET6-2600-1"]
    );
    let v = s.json(
        "/ips/reverse_search/entity?handle=ROUTE-ALPHA&role=dns",
        200,
        "reverse-search",
    );
    assert_eq!(handles(&v, "ipSearchResults"), ["NET-23-2-0-0-1"]);
    let v = s.json(
        "/ips/reverse_search/entity?handle=GAMMA&role=registrant",
        200,
        "reverse-search",
    );
    assert_eq!(handles(&v, "ipSearchResults"), ["NET-23-1-0-0-1"]);
    // Autnums.
    let v = s.json(
        "/autnums/reverse_search/entity?handle=ABUSE-ALPHA&role=abuse",
        200,
        "reverse-search",
    );
    assert_eq!(handles(&v, "autnumSearchResults"), ["AS64496"]);
    let v = s.json(
        "/autnums/reverse_search/entity?email=abuse@gamma*",
        200,
        "reverse-search",
    );
    assert_eq!(handles(&v, "autnumSearchResults"), ["AS64510"]);

    s.json("/ips/reverse_search/entity?role=abuse", 400, "error");
    s.json(
        "/ips/reverse_search/entity?handle=X&role=boss",
        400,
        "error",
    );
    s.json(
        "/ips/reverse_search/entity?handle=X&colour=red",
        400,
        "error",
    );
    s.json("/ips/reverse_search/nameserver?handle=X", 400, "error");
    s.json("/ips/reverse_search/entity?handle=NOBODY", 404, "error");
    s.json("/domains/reverse_search/entity?handle=X", 501, "error");
}

// Lists.

#[test]
fn contact_accuracy_lists_as_json_csv_and_from_the_cli() {
    let s = Server::start();
    let v = s.json("/lists/non-responsive", 200, "lists");
    assert_eq!(v["listName"], "non-responsive");
    assert_eq!(v["asOf"], AS_OF);
    assert_eq!(
        v["entries"],
        json!([{"objectClassName":"entity","handle":"ALPHA","contact":"ADMIN-ALPHA",
                "role":"administrative","since":"2026-08-30",
                "links":[{"value": v["entries"][0]["links"][0]["value"], "rel":"related",
                          "href": v["entries"][0]["links"][0]["href"], "type":"application/rdap+json"}]}])
    );
    assert!(path_of(v["entries"][0]["links"][0]["href"].as_str().unwrap()) == "/entity/ALPHA");
    let v = s.json("/lists/invalid-contacts", 200, "lists");
    let entries = v["entries"].as_array().unwrap();
    let net = entries
        .iter()
        .find(|e| e["handle"] == "NET-23-2-5-0-1")
        .unwrap();
    assert_eq!(net["contact"], "ABUSE-GAMMA");
    assert_eq!(net["role"], "abuse");
    assert_eq!(net["inheritedFrom"], "GAMMA");
    assert_eq!(net["range"], "23.2.5.0 - 23.2.5.255");
    assert_eq!(net["since"], "2026-10-01");
    assert!(entries.iter().any(|e| e["handle"] == "AS64510"));
    assert!(
        entries
            .iter()
            .any(|e| e["handle"] == "GAMMA" && e.get("inheritedFrom").is_none())
    );

    let mut csv = String::new();
    for list in ["non-responsive", "invalid-contacts"] {
        let r = s.get(&format!("/lists/{list}?format=csv"));
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
        let text = r.text();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        assert_eq!(
            header,
            "list,resource_type,resource,range,contact,role,inherited_from,since"
        );
        if csv.is_empty() {
            csv.push_str(header);
            csv.push('\n');
        }
        for l in lines {
            assert!(l.starts_with(list), "{l}");
            csv.push_str(l);
            csv.push('\n');
        }
    }
    assert!(csv.contains(
        "invalid-contacts,ip network,NET-23-2-5-0-1,23.2.5.0 - 23.2.5.255,ABUSE-GAMMA,abuse,GAMMA,2026-10-01\n"
    ));
    let out = common::bin()
        .args(["lists", "--as-of", AS_OF])
        .arg(snapshot())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        csv,
        "the CLI prints the same lists"
    );
    let out = common::bin()
        .args(["lists", "--as-of", AS_OF, "--list", "non-responsive"])
        .arg(snapshot())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);

    s.json("/lists/everything", 404, "error");
    s.json("/lists/non-responsive?format=xml", 400, "error");
}

// HTTP.

#[test]
fn http_methods_cors_etags_and_limits() {
    let s = Server::start();
    let get = s.get("/ip/23.1.2.150");
    let etag = get.header("etag").unwrap().to_string();

    // HEAD: the same headers, no body.
    let head = s.request("HEAD", "/ip/23.1.2.150", &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), get.header("content-length"));
    assert_eq!(head.header("etag"), Some(etag.as_str()));
    assert!(head.body.is_empty());

    // If-None-Match: 304 with the tag, no body.
    for inm in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"nope\", {etag}"),
        "*".into(),
    ] {
        let r = s.request("GET", "/ip/23.1.2.150", &[("If-None-Match", &inm)]);
        assert_eq!(r.status, 304, "{inm}");
        assert_eq!(r.header("etag"), Some(etag.as_str()));
        assert!(r.header("cache-control").unwrap().contains("max-age=300"));
        assert!(r.body.is_empty());
    }
    let r = s.request("GET", "/ip/23.1.2.150", &[("If-None-Match", "\"other\"")]);
    assert_eq!(r.status, 200);
    // Another address in the same network: the same answer but for the URL it was asked as.
    let other = s.get("/ip/23.1.2.151");
    assert_ne!(other.header("etag"), Some(etag.as_str()));

    // CORS preflight.
    let r = s.request(
        "OPTIONS",
        "/ip/23.1.2.150",
        &[
            ("Origin", "https://example.com"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "if-none-match"),
        ],
    );
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert!(
        r.header("access-control-allow-methods")
            .unwrap()
            .contains("GET")
    );
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("if-none-match")
    );
    assert!(r.header("access-control-max-age").is_some());

    // Other methods: 405 with Allow and a JSON body.
    for m in ["POST", "PUT", "DELETE"] {
        let r = s.request(m, "/ip/23.1.2.150", &[("Content-Length", "0")]);
        assert_eq!(r.status, 405, "{m}");
        assert_eq!(r.header("allow"), Some("GET, HEAD, OPTIONS"));
        assert_eq!(r.valid("error", m)["errorCode"], 405);
    }

    // Media types.
    for accept in [
        "application/json",
        "*/*",
        "text/html,application/xhtml+xml,*/*;q=0.8",
        "application/rdap+json;exts_list=\"cidr0\"",
    ] {
        let r = s.request("GET", "/help", &[("Accept", accept)]);
        assert_eq!(r.status, 200, "{accept}");
        r.valid("help", accept);
    }
    let r = s.request("GET", "/help", &[("Accept", "text/html")]);
    assert_eq!(r.status, 406);
    r.valid("error", "406");

    // Unknown paths, bad encodings, long URIs, bodies.
    s.json("/frobnicate/1", 404, "error");
    // The base path itself is the web lookup page (tests/web.rs).
    let page = s.get("/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<!DOCTYPE html>"));
    s.json("/entity/%ZZ", 400, "error");
    let long = format!("/entity/{}", "A".repeat(5000));
    let r = s.get(&long);
    assert_eq!(r.status, 414);
    r.valid("error", "414");
    let body = "x".repeat(2000);
    let len = body.len().to_string();
    let mut st = TcpStream::connect(s.addr()).unwrap();
    write!(
        st,
        "GET /help HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}"
    )
    .unwrap();
    let r = read_response(&mut BufReader::new(st), false);
    assert_eq!(r.status, 413);
    r.valid("error", "413");
    // A small body is read and ignored.
    let r = s.request("GET", "/help", &[("Content-Length", "0")]);
    assert_eq!(r.status, 200);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let s = Server::start();
    let st = s.connect();
    let mut w = st.try_clone().unwrap();
    let mut r = BufReader::new(st);
    for path in ["/ip/23.1.2.150", "/autnum/64496", "/entity/ALPHA", "/nope"] {
        write!(w, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let resp = read_response(&mut r, false);
        assert!(
            resp.header("connection")
                .is_none_or(|c| !c.eq_ignore_ascii_case("close"))
        );
        assert!(matches!(resp.status, 200 | 404), "{path}");
    }
}

#[test]
fn slow_headers_are_cut_off() {
    let s = Server::with_config("[rdap]\nheader_timeout_secs = 1\n", &[]);
    let mut st = s.connect();
    st.write_all(b"GET /help HTTP/1.1\r\nHost: x\r\n").unwrap();
    let (buf, waited, _) = until_closed(&mut st);
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(5),
        "closed after {waited:?}"
    );
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}

/// A body sent too slowly gets a 408 within the header timeout, and the connection closes.
#[test]
fn slow_bodies_are_cut_off() {
    let s = Server::with_config("[rdap]\nheader_timeout_secs = 1\n", &[]);
    let st = s.connect();
    let mut w = st.try_clone().unwrap();
    w.write_all(b"GET /ip/23.1.2.3 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        .unwrap();
    let t0 = Instant::now();
    let mut r = BufReader::new(st);
    let resp = read_response(&mut r, false);
    let waited = t0.elapsed();
    assert_eq!(resp.status, 408, "{}", resp.text());
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(5),
        "answered after {waited:?}"
    );
    assert_eq!(resp.header("connection"), Some("close"));
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    let v = resp.valid("error", "408");
    assert_eq!(v["errorCode"], 408);
    assert_eq!(v["title"], "Request Timeout");
    let mut rest = Vec::new();
    let _ = r.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
}

/// A client that asks and does not read its answers is closed once nothing of them could be
/// written for the timeout, and counted.
#[test]
fn clients_that_do_not_read_their_answers_are_cut_off() {
    const ASKED: usize = 20_000;
    let s = Server::with_config("[rdap]\nheader_timeout_secs = 1\n", &[]);
    let st = s.connect();
    // Far more answers than the socket buffers on both sides hold, asked at once.
    let mut w = st.try_clone().unwrap();
    let asking = std::thread::spawn(move || {
        let all = "GET /ip/23.1.2.3 HTTP/1.1\r\nHost: x\r\n\r\n".repeat(ASKED);
        // Fails once the server has closed the connection.
        let _ = w.write_all(all.as_bytes());
    });
    // The answers fill the buffers in well under a second; the watchdog closes the
    // connection one to five thirds of a second later.
    std::thread::sleep(Duration::from_secs(5));
    // Then read: what the buffers held, and the end (or a reset), well before the
    // client's own timeout.
    let (got, waited, end) = until_closed(&mut &st);
    assert!(
        waited < Duration::from_secs(8),
        "still open after {waited:?}: {end:?}"
    );
    let answers = got.windows(15).filter(|w| w == b"HTTP/1.1 200 OK").count();
    assert!(answers < ASKED, "all {answers} answers arrived");
    asking.join().unwrap();
    s.assert_limit_hits(&[("rdap_write_timeout", 1), ("rdap_header_timeout", 0)]);
}

/// The header timeout runs while a connection waits for a request head: from its start and
/// from each response on, not while requests keep coming, however long the connection lives.
/// A connection it closes is counted.
#[test]
fn header_timeout_closes_idle_keep_alive_connections_not_busy_ones() {
    // Two seconds, so that a test thread held up by other work does not look idle.
    let s = Server::with_config("[rdap]\nheader_timeout_secs = 2\n", &[]);
    let st = s.connect();
    let mut w = st.try_clone().unwrap();
    let mut r = BufReader::new(st);
    // A request every 0.3 s for 4.5 s: past two timeouts, on one connection.
    let t0 = Instant::now();
    for _ in 0..15 {
        write!(w, "GET /ip/23.1.2.3 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(read_response(&mut r, false).status, 200);
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(t0.elapsed() > Duration::from_secs(4));
    // Then idle (since the last answer, 0.3 s before this): closed after the timeout, at
    // most a third of it later.
    let (rest, waited, _) = until_closed(&mut r);
    assert!(
        waited >= Duration::from_millis(1400) && waited < Duration::from_secs(6),
        "closed after {waited:?} idle"
    );
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    s.assert_limit_hits(&[("rdap_header_timeout", 1)]);
}

#[test]
fn personal_data_limit_hides_personal_contacts_but_never_abuse_contacts() {
    let s = Server::start_limited();
    // Two personal-data answers are allowed: a network with its contacts' e-mails (which
    // also fills the server's cache), and a contact.
    let r = s.get("/ip/23.2.0.1");
    assert!(r.header("cache-control").unwrap().starts_with("private"));
    let v = r.valid("ip-network", "/ip/23.2.0.1");
    assert_eq!(emails(entity(&v, "NOC-ALPHA")), ["noc@alpha.example.net"]);
    let r = s.get("/entity/TECH-ALPHA");
    assert_eq!(r.status, 200);
    assert!(r.header("cache-control").unwrap().starts_with("private"));
    let r = s.get("/entity/TECH-ALPHA");
    assert_eq!(r.status, 429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 86_400);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let v = r.valid("error", "429");
    assert_eq!(v["errorCode"], 429);
    // Abuse contacts are never limited.
    for _ in 0..3 {
        let v = s.json("/entity/ABUSE-ALPHA", 200, "entity");
        assert_eq!(emails(&v), ["abuse@alpha.example.net"]);
        let v = s.json("/entity/ABUSE-OWN", 200, "entity");
        assert_eq!(emails(&v), ["abuse@transit.example.net"]);
    }
    // Networks: non-abuse e-mails go, the abuse e-mail stays.
    let r = s.get("/ip/23.2.0.1");
    assert_eq!(r.status, 200);
    assert!(r.header("cache-control").unwrap().starts_with("public"));
    let v = r.valid("ip-network", "/ip/23.2.0.1");
    assert_eq!(
        emails(entity(&v, "ABUSE-OWN")),
        ["abuse@transit.example.net"]
    );
    assert!(emails(entity(&v, "NOC-ALPHA")).is_empty());
    assert!(emails(entity(&v, "TECH-ALPHA")).is_empty());
    assert_eq!(
        emails(entity(&v, "ABUSE-ALPHA")),
        ["abuse@alpha.example.net"]
    );
    assert!(!r.text().contains("noc@alpha.example.net"));
    let v = s.json("/ip/23.1.2.150", 200, "ip-network");
    assert_eq!(
        emails(entity(&v, "ABUSE-ALPHA")),
        ["abuse@alpha.example.net"]
    );
}

impl Server {
    fn start_limited() -> Server {
        Server::with_config("", &["--personal-limit", "2"])
    }
}

#[test]
fn bootstrap_redirects_for_resources_elsewhere() {
    let boot = manifest().join("data/bootstrap");
    let s = Server::with_config(
        &format!(
            "[rdap]\nbootstrap = {:?}\nredirect_status = 301\n",
            boot.display().to_string()
        ),
        &[],
    );
    let r = s.get("/ip/193.0.6.139");
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        Some("https://rdap.db.ripe.net/ip/193.0.6.139")
    );
    r.valid("error", "redirect");
    let r = s.get("/ip/2001:67c:2e8::/48");
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        Some("https://rdap.db.ripe.net/ip/2001:67c:2e8::/48")
    );
    let r = s.get("/autnum/3333");
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        Some("https://rdap.db.ripe.net/autnum/3333")
    );
    let r = s.get("/autnum/1");
    assert_eq!(
        r.header("location"),
        Some("https://rdap.arin.net/registry/autnum/1")
    );
    // Held here, or unknown everywhere.
    s.json("/ip/23.1.2.150", 200, "ip-network");
    s.json("/ip/99.99.99.99", 404, "error");
    s.json("/autnum/64999", 404, "error");
}

#[test]
fn lacnic_states_are_remarks() {
    let s = Server::with_config("[policy]\nprofile = \"lacnic\"\n", &[]);
    let v = s.json("/ip/45.0.1.1", 200, "ip-network");
    let text = remark_text(entity(&v, "BA1-TEST"), "Temporarily Invalid POC");
    assert!(
        text.contains("2026-10-10") && text.contains("2026-10-25"),
        "{text}"
    );
    let v = s.json("/ip/23.2.0.1", 200, "ip-network");
    assert!(remark_text(entity(&v, "ABUSE-OWN"), "POC Validation Pending").contains("2026-10-25"));
    let text = remark_text(entity(&v, "TECH-ALPHA"), "Invalid POC");
    assert!(text.contains("30 days"), "{text}");
    assert!(validated(entity(&v, "ABUSE-ALPHA")));
}

#[test]
fn base_path_and_https() {
    let tls = fixtures().join("tls");
    let config = format!(
        "[rdap]\nbase_path = \"/rdap/\"\n[rdap.tls]\ncert = {:?}\nkey = {:?}\n",
        tls.join("server.pem").display().to_string(),
        tls.join("server.key").display().to_string()
    );
    let s = Server::with_config(&config, &[]);
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    use tokio_rustls::rustls::pki_types::{CertificateDer, pem::PemObject};
    roots
        .add(CertificateDer::from_pem_file(tls.join("ca.pem")).unwrap())
        .unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let config = Arc::new(config);
    let fetch = |path: &str| {
        let name = "localhost".try_into().unwrap();
        let conn = tokio_rustls::rustls::ClientConnection::new(config.clone(), name).unwrap();
        let sock = s.connect();
        let mut tls = tokio_rustls::rustls::StreamOwned::new(conn, sock);
        write!(
            tls,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        read_response(&mut BufReader::new(tls), false)
    };
    let r = fetch("/rdap/ip/23.1.2.150");
    assert_eq!(r.status, 200);
    let v = r.valid("ip-network", "/rdap/ip/23.1.2.150");
    let self_link = link(&v, "self");
    assert!(
        self_link.starts_with("https://") && path_of(self_link).starts_with("/rdap/ip/"),
        "{self_link}"
    );
    assert!(path_of(link(&v, "rdap-up")).starts_with("/rdap/ips/rirSearch1/rdap-up/"));
    assert_eq!(
        v["notices"][0]["links"][0]["value"],
        format!("https://{}/rdap/ip/23.1.2.150", s.addr())
    );
    let r = fetch("/ip/23.1.2.150");
    assert_eq!(r.status, 404);
    r.valid("error", "outside the base path");
    let r = fetch("/rdap/help");
    r.valid("help", "/rdap/help");
    // Plain HTTP on the TLS port gets nothing useful.
    let mut st = s.connect();
    st.write_all(b"GET /rdap/help HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = Vec::new();
    let _ = st.read_to_end(&mut buf);
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}

#[test]
fn bad_tls_configuration_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[rdap.tls]\ncert = \"/nonexistent/cert.pem\"\nkey = \"/nonexistent/key.pem\"\n",
    )
    .unwrap();
    let out = common::bin()
        .args(["serve", "--check-config", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("rdap.tls.cert"));
}

#[test]
fn the_schemas_reject_broken_answers() {
    let s = Server::start();
    let good = s.json("/ip/23.2.0.1", 200, "ip-network");
    // Without ICANN's schemas (`../shared` absent, as in a clone elsewhere) only ours are
    // checked: the second verdict then repeats the first.
    let rejects = |v: &Value| {
        let own = !schemas().own["ip-network"].is_valid(v);
        let icann = schemas().icann.as_ref().map_or(own, |m| {
            let mut stripped = v.clone();
            strip_extensions(&mut stripped);
            !m["ip network"].is_valid(&stripped)
        });
        (own, icann)
    };
    assert_eq!(rejects(&good), (false, false));
    let mut bad = good.clone();
    bad["unknownMember"] = json!(1);
    assert_eq!(rejects(&bad), (true, true));
    let mut bad = good.clone();
    bad["objectClassName"] = json!("network");
    assert_eq!(rejects(&bad), (true, true));
    let mut bad = good.clone();
    bad["entities"][1]["roles"] = json!(["owner"]);
    assert_eq!(rejects(&bad), (true, true));
    // Our own rules: no abuse contact and no remark saying so; a validated contact with an
    // unvalidated marker; a missing notice.
    let mut bad = good.clone();
    for e in bad["entities"].as_array_mut().unwrap() {
        e["roles"] = json!(["technical"]);
    }
    assert!(rejects(&bad).0);
    let mut bad = good.clone();
    let own = bad["entities"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["handle"] == "ABUSE-OWN")
        .unwrap();
    own["status"] = json!(["validated"]);
    assert!(rejects(&bad).0);
    let mut bad = good.clone();
    bad["notices"].as_array_mut().unwrap().remove(1);
    assert!(rejects(&bad).0);
}

/// Network answers served from the render cache, whose shared pieces (registrant and
/// contact entities) are sent from where they are cached, are the same bytes with the same
/// entity tags as answers rendered afresh by a server without a cache, whichever pieces
/// were cached when each answer was first rendered.
#[test]
fn cached_answers_are_the_bytes_of_fresh_ones() {
    // The same public base URL for both, so that the URLs in answers (and the entity tags
    // made of them) are the same.
    let base = "[rdap]\nbase_url = \"https://rdap.example.net/\"\n";
    let fresh = Server::with_config(&format!("{base}render_cache_entries = 0\n"), &[]);
    let cached = Server::with_config(base, &[]);
    let all = fresh.json("/ips?handle=*", 200, "ip-search-results");
    let starts: Vec<String> = all["ipSearchResults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["startAddress"].as_str().unwrap().to_string())
        .collect();
    assert!(starts.len() >= 10, "{starts:?}");
    // Twice over every network, three requests each time: the first renders (with pieces
    // cached by earlier networks or not), the second stores the answer, the rest come
    // from the cache.
    for round in 0..2 {
        for start in &starts {
            let path = format!("/ip/{start}");
            let want = fresh.get(&path);
            assert_eq!(want.status, 200, "{path}");
            for n in 0..3 {
                let got = cached.get(&path);
                assert_eq!(got.status, 200, "{path}");
                assert_eq!(
                    got.text(),
                    want.text(),
                    "{path}, round {round}, request {n}"
                );
                assert_eq!(got.header("etag"), want.header("etag"), "{path}");
                assert_eq!(
                    got.header("content-length"),
                    Some(want.body.len().to_string().as_str()),
                    "{path}"
                );
            }
        }
    }
}
