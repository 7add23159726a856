//! The web lookup page for people, served by the RDAP listener: `/` (and `/?q=<query>`,
//! which opens the page with that query searched) and its assets under `/static/`, all
//! below the RDAP base path.
//!
//! The page is static HTML, CSS and vanilla JavaScript embedded in the binary; the script
//! asks the RDAP endpoints of the same server (`/ip/…`, `/autnum/…`, `/entity/…`,
//! `/domain/…`, the searches and the RIR-search relations) and draws the answers. Nothing
//! is fetched from anywhere else, and every answer carries a strict Content-Security-Policy
//! (scripts, styles, images and fetches from this origin only, no inline code, no framing).
//!
//! The page links its assets with a version derived from their content
//! (`/static/app.js?v=<hash>`), so a versioned asset is cached for a year as immutable while
//! the page itself is revalidated on every load (`no-cache` with an `ETag`).

use bytes::Bytes;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Response, StatusCode};

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const FAVICON_SVG: &str = include_str!("assets/favicon.svg");

/// The Content-Security-Policy of the page and its assets.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Cache lifetime of an asset asked for with its current version.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache lifetime of an asset asked for without a version (or an old one).
const SHORT: &str = "public, max-age=300";

/// One embedded file under `/static/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: APP_JS,
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: APP_CSS,
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: FAVICON_SVG,
    },
];

/// The version of an asset: 16 hex digits of the xxh3 hash of its content.
fn version(body: &str) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(body.as_bytes()))
}

fn asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// `&`, `<`, `>`, `"` and `'` as HTML character references.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page with the base path (ending in `/`) and the asset versions filled in.
pub fn page_html(base: &str) -> String {
    let mut html = INDEX_HTML.replace("{{base}}", &escape_html(base));
    for (slot, name) in [
        ("{{js}}", "app.js"),
        ("{{css}}", "app.css"),
        ("{{favicon}}", "favicon.svg"),
    ] {
        if let Some(a) = asset(name) {
            html = html.replace(slot, &version(a.body));
        }
    }
    html
}

/// Whether an `If-None-Match` value matches the entity tag.
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

fn respond(
    status: StatusCode,
    content_type: &'static str,
    cache: &'static str,
    body: Bytes,
    headers: &HeaderMap,
) -> Response<Bytes> {
    let etag = (status == StatusCode::OK)
        .then(|| format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&body)));
    let not_modified = etag.as_deref().is_some_and(|t| none_match(headers, t));
    let mut resp = Response::new(if not_modified { Bytes::new() } else { body });
    *resp.status_mut() = if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        status
    };
    let h = resp.headers_mut();
    if !not_modified {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    if let Some(tag) = etag
        && let Ok(v) = HeaderValue::from_str(&tag)
    {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// Answers a GET or HEAD of the page (`<base>` and `<base>?q=…`) or of an asset
/// (`<base>static/<name>`); `None` for anything else, which the RDAP endpoints then answer.
///
/// `path_and_query` is the request target; `base_path` is the RDAP base path (`/`,
/// `/rdap/` or `/rdap`); `headers` are the request headers (for `If-None-Match`). For HEAD
/// the caller's HTTP stack leaves the body out.
pub fn serve_page(
    method: &Method,
    path_and_query: &str,
    base_path: &str,
    headers: &HeaderMap,
) -> Option<Response<Bytes>> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_and_query, ""),
    };
    let base = base_path.trim_end_matches('/');
    let rest = path.strip_prefix(base)?;
    if rest.is_empty() || rest == "/" || rest == "/index.html" {
        let html = page_html(&format!("{base}/"));
        return Some(respond(
            StatusCode::OK,
            "text/html; charset=utf-8",
            "no-cache",
            Bytes::from(html),
            headers,
        ));
    }
    let name = rest.strip_prefix("/static/")?;
    let Some(a) = asset(name) else {
        return Some(respond(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "no-store",
            Bytes::from_static(b"Not found\n"),
            headers,
        ));
    };
    let current = version(a.body);
    let versioned = query
        .split('&')
        .any(|p| p.strip_prefix("v=") == Some(current.as_str()));
    Some(respond(
        StatusCode::OK,
        a.content_type,
        if versioned { IMMUTABLE } else { SHORT },
        Bytes::from_static(a.body.as_bytes()),
        headers,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(pq: &str, base: &str) -> Option<Response<Bytes>> {
        serve_page(&Method::GET, pq, base, &HeaderMap::new())
    }

    fn header<'a>(r: &'a Response<Bytes>, name: &str) -> &'a str {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[test]
    fn page_and_assets_below_the_base_path() {
        for (base, page, js) in [
            ("/", "/", "/static/app.js"),
            ("/rdap/", "/rdap/", "/rdap/static/app.js"),
            ("/rdap", "/rdap", "/rdap/static/app.js"),
        ] {
            let r = get(page, base).expect("page");
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
            assert_eq!(header(&r, "cache-control"), "no-cache");
            assert_eq!(
                header(&r, "content-security-policy"),
                CONTENT_SECURITY_POLICY
            );
            let r = get(&format!("{page}?q=23.1.2.130"), base).expect("page with a query");
            assert_eq!(r.status(), StatusCode::OK);
            let r = get(js, base).expect("script");
            assert_eq!(header(&r, "content-type"), "text/javascript; charset=utf-8");
            assert_eq!(header(&r, "x-content-type-options"), "nosniff");
        }
        assert!(get("/ip/23.1.2.130", "/").is_none());
        assert!(get("/help", "/").is_none());
        assert!(get("/other/", "/rdap/").is_none());
        assert!(serve_page(&Method::POST, "/", "/", &HeaderMap::new()).is_none());
        let r = get("/static/nothing.js", "/").expect("unknown asset");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn the_page_names_versioned_assets_and_no_inline_code() {
        let html = page_html("/rdap/");
        assert!(!html.contains("{{"), "{html}");
        let js = format!("/rdap/static/app.js?v={}", version(APP_JS));
        let css = format!("/rdap/static/app.css?v={}", version(APP_CSS));
        assert!(html.contains(&js) && html.contains(&css));
        assert!(html.contains(r#"<meta name="rdap-base" content="/rdap/">"#));
        // Every script is external and no element carries a style or an event attribute.
        assert_eq!(html.matches("<script").count(), 1);
        assert!(html.contains("<script src="));
        assert!(!html.contains(" style=") && !html.contains("<style"));
        assert!(!html.contains(" onclick=") && !html.contains(" onload="));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(!APP_JS.contains("http://") && !APP_JS.contains("https://"));
        assert!(!APP_CSS.contains("url("));
        assert!(escape_html("/a\"<b>").contains("&quot;&lt;b&gt;"));
    }

    #[test]
    fn caching_and_revalidation() {
        let v = version(APP_CSS);
        let r = get(&format!("/static/app.css?v={v}"), "/").unwrap();
        assert_eq!(header(&r, "cache-control"), IMMUTABLE);
        let r = get("/static/app.css?v=old", "/").unwrap();
        assert_eq!(header(&r, "cache-control"), SHORT);
        let tag = header(&r, "etag").to_string();
        assert!(tag.starts_with('"'));
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&tag).unwrap());
        let r = serve_page(&Method::GET, "/static/app.css", "/", &h).unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        let r = serve_page(&Method::HEAD, "/", "/", &HeaderMap::new()).unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
}
