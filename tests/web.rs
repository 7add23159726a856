//! The web lookup page: its HTTP answers (content types, caching, Content-Security-Policy)
//! from the real binary, and the page itself in headless Chromium driven over WebDriver
//! (`chromedriver`, spoken to with a tiny HTTP client on loopback). The browser test searches
//! for a sample address, checks the abuse contact and its `Unvalidated` badge, clicks the
//! parent network, goes back and forward, opens a private customer's net and a name search,
//! and saves screenshots under `target/web/`.
//!
//! Without Chromium and chromedriver the browser test is skipped with a notice, unless
//! `RIRWHOIS_REQUIRE_CLIENTS` is set (as `scripts/test` does), when it fails.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::Serve;

/// How long one wait for the page may take.
const WAIT: Duration = Duration::from_secs(20);
/// How long one HTTP exchange may take.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------
// Processes

/// A child process that is killed when the test ends, however it ends.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The sample registry in `data/`, compiled once per test process.
fn snapshot() -> &'static Path {
    static SNAP: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SNAP.get_or_init(|| {
        let snap = common::process_dir("web").join("sample.snap");
        let data = manifest_dir().join("data");
        common::compile(
            &snap,
            &[],
            &[data.join("arin"), data.join("validation.csv")],
        );
        snap
    })
}

/// Serves the sample registry on loopback ports chosen by the system; returns once the
/// listeners have said where they are (the page is on the RDAP listener).
fn start_server() -> Serve {
    Serve::start(Some(snapshot()), "", &["--as-of", "2026-11-01"])
}

// ---------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client (one request per connection)

struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            break;
        };
        data = &data[eol + 2..];
        if size == 0 || data.len() < size {
            out.extend_from_slice(&data[..size.min(data.len())]);
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or(&[]);
    }
    out
}

fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<HttpResponse> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    s.set_read_timeout(Some(IO_TIMEOUT))?;
    s.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str("Content-Type: application/json; charset=utf-8\r\n");
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    s.write_all(req.as_bytes())?;
    // Read the head, then the body by its length (some servers keep the connection open
    // whatever the request said), by chunks, or to the end.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::Error::other("no end of the response head"));
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("bad status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let value = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let mut body = raw[split + 4..].to_vec();
    let no_body = method == "HEAD" || status == 204 || status == 304 || status < 200;
    if no_body {
        body.clear();
    } else if value("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        while !body.windows(5).any(|w| w == b"0\r\n\r\n") {
            let n = s.read(&mut buf)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&buf[..n]);
        }
        body = dechunk(&body);
    } else if let Some(len) = value("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while body.len() < len {
            let n = s.read(&mut buf)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&buf[..n]);
        }
        body.truncate(len);
    } else {
        s.read_to_end(&mut body)?;
    }
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn get(addr: SocketAddr, path: &str, accept: &str) -> HttpResponse {
    http(addr, "GET", path, &[("Accept", accept)], None).expect("GET")
}

// ---------------------------------------------------------------------------------------
// The page over plain HTTP (runs everywhere)

const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

#[test]
fn the_page_and_its_assets_are_served_with_a_strict_policy() {
    let server = start_server();
    let addr = server.rdap;

    let page = get(addr, "/", "text/html");
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    assert!(page.header("etag").is_some());
    let csp = page.header("content-security-policy").unwrap_or("");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "CSP without {directive}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let html = page.text();
    assert!(html.contains(r#"<label for="q">"#), "{html}");
    assert!(html.contains(r#"aria-live="polite""#));

    // The page's assets, with the versions it names.
    let src = |attr: &str, file: &str| -> String {
        let start = html
            .find(&format!("{attr}=\"/static/{file}?v="))
            .unwrap_or_else(|| panic!("the page does not link {file}: {html}"))
            + attr.len()
            + 2;
        let end = start + html[start..].find('"').expect("end of the attribute");
        html[start..end].to_string()
    };
    for (path, ty) in [
        (src("src", "app.js"), "text/javascript; charset=utf-8"),
        (src("href", "app.css"), "text/css; charset=utf-8"),
        (src("href", "favicon.svg"), "image/svg+xml"),
    ] {
        let r = get(addr, &path, "*/*");
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(ty), "{path}");
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
        assert!(r.header("content-security-policy").is_some());
        assert!(!r.body.is_empty());
    }
    let unversioned = get(addr, "/static/app.js", "*/*");
    assert_eq!(
        unversioned.header("cache-control"),
        Some("public, max-age=300")
    );
    let etag = unversioned.header("etag").expect("etag").to_string();
    let again = http(
        addr,
        "GET",
        "/static/app.js",
        &[("If-None-Match", &etag)],
        None,
    )
    .expect("GET");
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    // `/?q=` is the same page; HEAD has the headers and no body.
    let shared = get(addr, "/?q=23.1.2.130", BROWSER_ACCEPT);
    assert_eq!(shared.status, 200);
    assert_eq!(shared.text(), html);
    let head = http(addr, "HEAD", "/", &[], None).expect("HEAD");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-length"),
        Some(html.len().to_string().as_str())
    );

    // Unknown assets are 404; the RDAP endpoints answer as before.
    assert_eq!(get(addr, "/static/nothing.js", "*/*").status, 404);
    let rdap = get(addr, "/ip/23.1.2.130", "application/rdap+json");
    assert_eq!(rdap.status, 200);
    assert_eq!(rdap.header("content-type"), Some("application/rdap+json"));
    let v: Value = serde_json::from_slice(&rdap.body).expect("RDAP JSON");
    assert_eq!(v["handle"], "NET-23-1-2-0-1");
    let post = http(addr, "POST", "/", &[], Some("{}")).expect("POST");
    assert_eq!(post.status, 405);
}

// ---------------------------------------------------------------------------------------
// WebDriver

fn find_in_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RIRWHOIS_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    find_in_path(&["chromium", "chromium-browser", "google-chrome"])
}

fn chromedriver() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RIRWHOIS_CHROMEDRIVER") {
        return Some(PathBuf::from(p));
    }
    find_in_path(&["chromedriver"])
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// chromedriver, and one browser session in it (closed on drop).
struct Driver {
    addr: SocketAddr,
    session: String,
    _proc: Proc,
    _profile: tempfile::TempDir,
}

impl Driver {
    fn start(chromium: &Path, driver: &Path) -> Driver {
        let profile = tempfile::tempdir().expect("profile dir");
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
        let proc = Proc(
            Command::new(driver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver"),
        );
        let deadline = Instant::now() + WAIT;
        loop {
            let ready = http(addr, "GET", "/status", &[], None)
                .ok()
                .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver was not ready within {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "goog:chromeOptions": {
                        "binary": chromium.to_string_lossy(),
                        "args": [
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--disable-dev-shm-usage",
                            "--hide-scrollbars",
                            "--window-size=1280,1000",
                            format!("--user-data-dir={}", profile.path().display()),
                        ],
                    },
                    "goog:loggingPrefs": { "browser": "ALL" },
                }
            }
        });
        let mut d = Driver {
            addr,
            session: String::new(),
            _proc: proc,
            _profile: profile,
        };
        let v = d.call("POST", "/session", Some(caps));
        d.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        d.cmd(
            "POST",
            "timeouts",
            json!({ "pageLoad": 30_000, "script": 30_000, "implicit": 0 }),
        );
        d
    }

    /// One WebDriver call; returns `value`, panicking on a WebDriver error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string());
        let r = http(self.addr, method, path, &[], body.as_deref())
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let v: Value = serde_json::from_slice(&r.body)
            .unwrap_or_else(|_| panic!("WebDriver {method} {path}: {}", r.text()));
        if r.status != 200 {
            panic!("WebDriver {method} {path}: HTTP {}: {v}", r.status);
        }
        v["value"].clone()
    }

    fn cmd(&self, method: &str, what: &str, body: Value) -> Value {
        let path = format!("/session/{}/{what}", self.session);
        let body = (method == "POST").then_some(body);
        self.call(method, &path, body)
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "url", json!({ "url": url }));
    }

    fn js(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    /// The element matching a CSS selector (WebDriver reference).
    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "element",
            json!({ "using": "css selector", "value": css }),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("element/{id}/click"), json!({}));
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("element/{id}/clear"), json!({}));
        self.send_keys(css, text);
    }

    fn send_keys(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.cmd(
            "POST",
            &format!("element/{id}/value"),
            json!({ "text": text }),
        );
    }

    /// Waits until `expr` (JavaScript) is truthy; returns its value.
    fn wait_for(&self, what: &str, expr: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        let script = format!("try {{ return ({expr}); }} catch (e) {{ return null; }}");
        loop {
            let v = self.js(&script);
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return v;
            }
            if Instant::now() >= deadline {
                let text = self.js("return document.body ? document.body.innerText : ''");
                let url = self.js("return location.href");
                panic!("timed out waiting for {what} ({expr}) at {url}; the page shows:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, file: &Path) {
        let v = self.cmd("GET", "screenshot", Value::Null);
        let png = base64_decode(v.as_str().expect("screenshot data"));
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).expect("screenshot dir");
        }
        std::fs::write(file, png).expect("write screenshot");
        eprintln!("screenshot: {}", file.display());
    }

    fn window(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "window/rect",
            json!({ "width": width, "height": height }),
        );
    }

    /// The browser's console messages since the last call, when the driver keeps them.
    fn console(&self) -> Vec<String> {
        let path = format!("/session/{}/se/log", self.session);
        let Ok(r) = http(
            self.addr,
            "POST",
            &path,
            &[],
            Some(&json!({ "type": "browser" }).to_string()),
        ) else {
            return Vec::new();
        };
        let Ok(v) = serde_json::from_slice::<Value>(&r.body) else {
            return Vec::new();
        };
        if r.status != 200 {
            return Vec::new();
        }
        v["value"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| format!("{} {}", e["level"], e["message"]))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = http(self.addr, "DELETE", &path, &[], None);
        }
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter_map(val) {
        acc = (acc << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn screenshot_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("web")
}

/// The handle of the object the page shows.
const SHOWN: &str =
    "(document.querySelector('#results article[data-handle]') || {dataset: {}}).dataset.handle";

#[test]
fn the_page_in_headless_chromium() {
    let (Some(chromium), Some(driver)) = (chromium(), chromedriver()) else {
        let msg = "Chromium or chromedriver is missing (Debian: apt-get install chromium chromium-driver)";
        if std::env::var_os("RIRWHOIS_REQUIRE_CLIENTS").is_some_and(|v| !v.is_empty()) {
            panic!("{msg}, and RIRWHOIS_REQUIRE_CLIENTS is set");
        }
        // Straight to stderr, past the test harness's capture, so the notice is seen.
        let _ = writeln!(
            std::io::stderr(),
            "skipping the browser test of the web page: {msg}"
        );
        return;
    };
    let server = start_server();
    let base = format!("http://{}/", server.rdap);
    let d = Driver::start(&chromium, &driver);

    // Search for a sample address by typing it and pressing the button.
    d.goto(&base);
    d.wait_for(
        "the search box",
        "document.activeElement && document.activeElement.id === 'q'",
    );
    // Keyboard use: every control has a label, and Tab moves from the box to the button,
    // which shows that it has the focus.
    let unlabelled = d.js(
        "return [...document.querySelectorAll('input, button, select, textarea')]\
         .filter(e => !(e.labels && e.labels.length) && !e.textContent.trim() && !e.getAttribute('aria-label')).length",
    );
    assert_eq!(unlabelled, 0);
    d.send_keys("#q", "\u{E004}");
    assert_eq!(d.js("return document.activeElement.id"), "go");
    assert_eq!(
        d.js("return getComputedStyle(document.activeElement).outlineStyle"),
        "solid"
    );
    d.type_into("#q", "23.1.2.130");
    d.click("#go");
    let mail = d.wait_for(
        "the abuse contact",
        "document.querySelector('#abuse-email').textContent",
    );
    assert_eq!(mail, "dana.marsh@baysidedental.example.com");
    assert_eq!(d.js(&format!("return {SHOWN}")), "NET-23-1-2-0-1");
    assert_eq!(d.js("return location.search"), "?q=23.1.2.130");
    // The abuse contact comes first, with an Unvalidated badge and since when.
    assert_eq!(
        d.js("return document.querySelector('#results article > section').id"),
        "abuse"
    );
    assert_eq!(
        d.js("return document.querySelector('#abuse .badge.bad').textContent"),
        "Unvalidated"
    );
    let since = d.js("return document.querySelector('#abuse .since').textContent");
    assert!(
        since.as_str().unwrap_or("").contains("2026-09-03"),
        "{since}"
    );
    assert_eq!(
        d.js("return getComputedStyle(document.querySelector('#abuse .badge.bad')).color"),
        "rgb(176, 0, 32)"
    );
    let weight =
        d.js("return getComputedStyle(document.querySelector('#abuse .badge.bad')).fontWeight");
    assert!(
        weight
            .as_str()
            .and_then(|w| w.parse::<u32>().ok())
            .unwrap_or(0)
            >= 700,
        "{weight}"
    );
    let badges = d
        .js("return [...document.querySelectorAll('#results .badge.bad')].map(b => b.textContent)");
    assert!(
        badges
            .as_array()
            .is_some_and(|b| b.iter().any(|t| t == "Unvalidated")),
        "{badges}"
    );
    // Network facts and the link for reporting invalid contact data.
    let cidrs = d.js("return document.querySelector('#cidrs').textContent");
    assert_eq!(cidrs, "23.1.2.0/2523.1.2.128/26");
    let report = d.js("return document.querySelector('#report a').href");
    assert!(
        report.as_str().is_some_and(|h| h.starts_with("http")),
        "{report}"
    );
    // The copy button.
    d.click("#abuse .copy");
    let copied = d.wait_for(
        "the copy button's answer",
        "document.querySelector('#abuse .copy').textContent !== 'Copy' && document.querySelector('#abuse .copy').textContent",
    );
    assert_eq!(copied, "Copied");
    // The parent chain.
    d.wait_for(
        "the parent chain",
        "document.querySelector('#parents a[data-q=\"NET-23-1-0-0-1\"]')",
    );
    d.window(1280, 2000);
    d.screenshot(&screenshot_dir().join("lookup-23.1.2.130.png"));
    d.window(1280, 1000);

    // Clicking the parent navigates to it, with its children listed.
    d.click("#parents a[data-q=\"NET-23-1-0-0-1\"]");
    d.wait_for(
        "the parent network",
        &format!("{SHOWN} === 'NET-23-1-0-0-1'"),
    );
    assert_eq!(d.js("return location.search"), "?q=NET-23-1-0-0-1");
    d.wait_for(
        "the children of the parent",
        "document.querySelectorAll('#children a[data-q]').length === 4",
    );
    assert_eq!(
        d.js("return document.querySelector('#abuse-email').textContent"),
        "abuse@northwind.example.net"
    );
    // Back and forward.
    d.cmd("POST", "back", json!({}));
    d.wait_for(
        "back to the address",
        &format!("{SHOWN} === 'NET-23-1-2-0-1'"),
    );
    assert_eq!(
        d.js("return document.querySelector('#q').value"),
        "23.1.2.130"
    );
    d.cmd("POST", "forward", json!({}));
    d.wait_for(
        "forward to the parent",
        &format!("{SHOWN} === 'NET-23-1-0-0-1'"),
    );

    // A shared URL of a private customer's net: the customer is redacted.
    d.goto(&format!("{base}?q=23.1.4.9"));
    d.wait_for(
        "the private customer's net",
        &format!("{SHOWN} === 'NET-23-1-4-0-1'"),
    );
    d.wait_for(
        "the redacted customer",
        "document.querySelector('#results [data-redacted]')",
    );
    let text = d.js("return document.body.innerText");
    let text = text.as_str().unwrap_or("");
    assert!(text.contains("Private customer"), "{text}");
    assert!(
        !text.contains("Juniper"),
        "a private customer's name is shown: {text}"
    );

    // A name search by keyboard lists the matches.
    d.type_into("#q", "Kestrel*\u{E007}");
    d.wait_for(
        "the name search",
        "document.querySelectorAll('#matches tbody tr').length >= 5",
    );
    assert_eq!(d.js("return location.search"), "?q=Kestrel*");

    // A phone: nothing wider than the screen.
    d.window(390, 844);
    d.goto(&format!("{base}?q=23.1.100.1"));
    d.wait_for(
        "the net on a phone",
        &format!("{SHOWN} === 'NET-23-1-64-0-1'"),
    );
    d.wait_for(
        "the children on a phone",
        "document.querySelector('#children a[data-q]')",
    );
    let overflow =
        d.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
    assert_eq!(overflow, 0, "the page is wider than a phone screen");
    d.screenshot(&screenshot_dir().join("lookup-phone.png"));

    // No script errors and no Content-Security-Policy violations on the way.
    let problems: Vec<String> = d
        .console()
        .into_iter()
        .filter(|m| m.contains("SEVERE") || m.contains("Content Security Policy"))
        // A search asks several endpoints, and those that find nothing answer 404.
        .filter(|m| !m.contains("status of 404"))
        .collect();
    assert!(problems.is_empty(), "browser console: {problems:#?}");
}
