//! HTTP around the endpoints (RFC 7480): methods, limits on URI and body size, content
//! negotiation, CORS and its preflight, strong ETags with `If-None-Match`, `Cache-Control`,
//! and JSON error bodies, including a 500 when a handler panics.

use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tracing::error;

use crate::server::Shared;

use super::bootstrap::Bootstrap;
use super::dispatch::{Env, Reply, bare_error, dispatch, error};
use super::render::Ctx;
use super::request::{BadRequest, Req};
use super::reverse::IndexCache;

/// What every connection of the RDAP listener shares.
pub(crate) struct State {
    pub(crate) shared: Arc<Shared>,
    pub(crate) index: IndexCache,
    pub(crate) bootstrap: Option<Bootstrap>,
}

const ALLOW: &str = "GET, HEAD, OPTIONS";

/// Whether the `Accept` header admits an RDAP answer.
fn acceptable(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if accept.trim().is_empty() {
        return true;
    }
    accept.split(',').any(|range| {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=")
                .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        !refused
            && matches!(
                media.as_str(),
                "application/rdap+json" | "application/json" | "application/*" | "*/*"
            )
    })
}

/// Whether an `If-None-Match` value matches the entity tag (weak comparison, RFC 9110
/// section 13.1.2).
fn none_match(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

fn etag_of(body: &str) -> String {
    format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(body.as_bytes()))
}

fn set(h: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// The CORS headers of every answer.
fn cors(h: &mut HeaderMap) {
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("ETag, Retry-After, Location"),
    );
}

/// Answers one HTTP request.
pub(crate) async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
    peer: IpAddr,
) -> Response<Full<Bytes>> {
    let shared = &state.shared;
    let cfg = &shared.config.rdap;
    let registry = shared.registry();
    let cx = Ctx {
        reg: &registry,
        shared,
        base: &shared.rdap_base_url,
        now: shared.now(),
    };
    let method = req.method().clone();
    let uri_len = req.uri().to_string().len();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    let base_path = cfg.base_path.trim_end_matches('/');
    let url = clean_url(&format!(
        "{}{}",
        shared.rdap_base_url.trim_end_matches('/'),
        path_and_query
            .strip_prefix(base_path)
            .unwrap_or(&path_and_query)
    ));

    if let Some(page) = crate::web::serve_page(&method, &path_and_query, base_path, req.headers()) {
        return page;
    }
    if method == Method::OPTIONS {
        return preflight(req.headers());
    }
    let accept_ok = acceptable(req.headers());
    let if_none_match: Option<String> = {
        let values: Vec<&str> = req
            .headers()
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    let reply = if method != Method::GET && method != Method::HEAD {
        error(
            &cx,
            &url,
            405,
            &format!("{method} is not allowed; use GET or HEAD."),
        )
    } else if uri_len > cfg.max_uri_len {
        error(
            &cx,
            &url,
            414,
            &format!("The URI is longer than {} bytes.", cfg.max_uri_len),
        )
    } else if let Err(reply) = check_body(&cx, &url, req, cfg.max_body_bytes).await {
        reply
    } else if !accept_ok {
        error(
            &cx,
            &url,
            406,
            "This server answers with application/rdap+json (application/json and */* are accepted too).",
        )
    } else {
        answer(&state, &cx, &registry, &url, &path_and_query, peer)
    };
    respond(reply, if_none_match.as_deref(), cfg.cache_max_age)
}

/// The request URL as it goes into answers: a `%` that starts no escape is escaped.
fn clean_url(url: &str) -> String {
    let b = url.as_bytes();
    let mut out = String::with_capacity(url.len());
    for (i, c) in url.char_indices() {
        let escape = c == '%'
            && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if c == '%' && !escape {
            out.push_str("%25");
        } else {
            out.push(c);
        }
    }
    out
}

/// The answer to a CORS preflight (or any OPTIONS request).
fn preflight(headers: &HeaderMap) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::NO_CONTENT;
    let h = resp.headers_mut();
    cors(h);
    h.insert(header::ALLOW, HeaderValue::from_static(ALLOW));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW),
    );
    let asked = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("Accept, If-None-Match"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    resp
}

/// Rejects a body larger than the limit (RDAP requests carry none) and reads a small one.
async fn check_body(
    cx: &Ctx<'_>,
    url: &str,
    req: Request<Incoming>,
    max: usize,
) -> Result<(), Reply> {
    let body = req.into_body();
    if body.is_end_stream() {
        return Ok(());
    }
    let too_large = || {
        error(
            cx,
            url,
            413,
            &format!("Request bodies larger than {max} bytes are refused."),
        )
    };
    if body.size_hint().lower() > max as u64 {
        return Err(too_large());
    }
    match Limited::new(body, max).collect().await {
        Ok(_) => Ok(()),
        Err(_) => Err(too_large()),
    }
}

/// Routes a GET or HEAD below the base path, guarding against panics.
fn answer(
    state: &State,
    cx: &Ctx<'_>,
    registry: &Arc<crate::registry::Registry>,
    url: &str,
    path_and_query: &str,
    peer: IpAddr,
) -> Reply {
    let base_path = &state.shared.config.rdap.base_path;
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let below = if base_path == "/" {
        Some(path)
    } else {
        path.strip_prefix(base_path.trim_end_matches('/'))
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let Some(below) = below else {
        return error(
            cx,
            url,
            404,
            &format!("RDAP queries start with {base_path}"),
        );
    };
    let req = match Req::parse(below, query, peer) {
        Ok(r) => r,
        Err(BadRequest::Encoding) => {
            return error(cx, url, 400, "The URI has a bad percent-encoding.");
        }
    };
    let env = Env {
        cx: Ctx {
            reg: cx.reg,
            shared: cx.shared,
            base: cx.base,
            now: cx.now,
        },
        registry,
        index: &state.index,
        bootstrap: state.bootstrap.as_ref(),
        url: url.to_string(),
    };
    guarded(url, || dispatch(&env, req))
}

/// Runs a handler; a panic becomes a 500 answer.
pub(crate) fn guarded(url: &str, f: impl FnOnce() -> Reply) -> Reply {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(reply) => reply,
        Err(_) => {
            error!(%url, "RDAP handler panicked");
            Reply {
                status: 500,
                body: bare_error(500, "The server failed to answer this query."),
                content_type: super::render::RDAP_JSON,
                personal: false,
                retry_after: None,
                location: None,
            }
        }
    }
}

/// Turns a reply into a response: status, content type, CORS, caching, ETag and 304.
/// For HEAD, hyper sends the headers (with the length) and leaves the body out.
fn respond(reply: Reply, if_none_match: Option<&str>, max_age: u64) -> Response<Full<Bytes>> {
    let etag = (reply.status == 200).then(|| etag_of(&reply.body));
    let not_modified =
        matches!((&etag, if_none_match), (Some(tag), Some(inm)) if none_match(inm, tag));
    let status = if not_modified { 304 } else { reply.status };
    let body = if not_modified {
        Bytes::new()
    } else {
        Bytes::from(reply.body)
    };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    cors(h);
    if !not_modified {
        set(h, header::CONTENT_TYPE, reply.content_type);
    }
    if let Some(tag) = &etag {
        set(h, header::ETAG, tag);
    }
    let cache = match status {
        200 | 304 | 301 | 302 | 307 | 308 => {
            let scope = if reply.personal { "private" } else { "public" };
            format!("{scope}, max-age={max_age}")
        }
        404 => format!("public, max-age={}", max_age.min(60)),
        _ => "no-store".to_string(),
    };
    set(h, header::CACHE_CONTROL, &cache);
    if let Some(secs) = reply.retry_after {
        set(h, header::RETRY_AFTER, &secs.to_string());
    }
    if let Some(loc) = &reply.location {
        set(h, header::LOCATION, loc);
    }
    if status == 405 {
        h.insert(header::ALLOW, HeaderValue::from_static(ALLOW));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> bool {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        acceptable(&h)
    }

    #[test]
    fn negotiation() {
        assert!(acceptable(&HeaderMap::new()));
        assert!(accept("application/rdap+json"));
        assert!(accept(
            "application/rdap+json;exts_list=\"cidr0 rirSearch1\""
        ));
        assert!(accept("application/json"));
        assert!(accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(!accept("text/html"));
        assert!(!accept("application/json;q=0"));
    }

    #[test]
    fn urls_in_answers_are_valid() {
        assert_eq!(clean_url("http://x/entity/%ZZ"), "http://x/entity/%25ZZ");
        assert_eq!(clean_url("http://x/a%20b%"), "http://x/a%20b%25");
    }

    #[test]
    fn entity_tags() {
        let tag = etag_of("{}");
        assert!(tag.starts_with('"') && tag.ends_with('"') && !tag.starts_with("W/"));
        assert!(none_match(&tag, &tag));
        assert!(none_match(&format!("\"x\", W/{tag}"), &tag));
        assert!(none_match("*", &tag));
        assert!(!none_match("\"other\"", &tag));
    }

    #[test]
    fn a_panicking_handler_is_a_500_with_a_json_body() {
        let r = guarded("http://x/ip/1.2.3.4", || panic!("boom"));
        assert_eq!(r.status, 500);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["errorCode"], 500);
        assert_eq!(v["title"], "Internal Server Error");
    }
}
