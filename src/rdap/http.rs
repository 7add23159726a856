//! HTTP around the endpoints (RFC 7480): methods, limits on URI and body size, content
//! negotiation, CORS and its preflight, strong ETags with `If-None-Match`, `Cache-Control`,
//! and JSON error bodies, including a 500 when a handler panics.

use std::borrow::Cow;
use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes};
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tracing::error;

use crate::server::Shared;

use super::Sent;

use super::bootstrap::Bootstrap;
use super::cache::{Fragment, PerRegistry, RegistryCache};
use super::dispatch::{Body as ReplyBody, Env, Reply, bare_error, dispatch, error};
use super::render::{Ctx, NoticeTemplate, RDAP_JSON};
use super::request::{BadRequest, Req};

/// What every connection of the RDAP listener shares.
pub(crate) struct State {
    pub(crate) shared: Arc<Shared>,
    pub(crate) cache: RegistryCache,
    pub(crate) bootstrap: Option<Bootstrap>,
    /// How long a client has to send a request head, or a request body (at least 1 s).
    pub(crate) header_timeout: Duration,
    notices: NoticeTemplate,
    cache_public: HeaderValue,
    cache_private: HeaderValue,
    cache_404: HeaderValue,
    no_store: HeaderValue,
}

impl State {
    pub(crate) fn new(shared: Arc<Shared>, bootstrap: Option<Bootstrap>) -> State {
        let max_age = shared.config.rdap.cache_max_age;
        let value = |s: String| lasting(s).unwrap_or(HeaderValue::from_static("no-cache"));
        State {
            cache: RegistryCache::new(shared.config.rdap.render_cache_entries),
            header_timeout: Duration::from_secs(shared.config.rdap.header_timeout_secs.max(1)),
            notices: NoticeTemplate::new(&shared.config.urls),
            cache_public: value(format!("public, max-age={max_age}")),
            cache_private: value(format!("private, max-age={max_age}")),
            cache_404: value(format!("public, max-age={}", max_age.min(60))),
            no_store: HeaderValue::from_static("no-store"),
            shared,
            bootstrap,
        }
    }
}

/// A header value kept for the life of the process (a few bytes, made once per listener),
/// so that a response takes it without a shared count: a value made at run time shares one
/// reference count among all the threads that clone it, and every response would write it.
fn lasting(s: String) -> Option<HeaderValue> {
    HeaderValue::from_str(&s).ok()?;
    Some(HeaderValue::from_static(Box::leak(s.into_boxed_str())))
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
        let media = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=")
                .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        !refused
            && [
                "application/rdap+json",
                "application/json",
                "application/*",
                "*/*",
            ]
            .iter()
            .any(|m| media.eq_ignore_ascii_case(m))
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

fn etag_of(body: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(body.as_bytes())
}

/// A strong entity tag for a 64-bit hash: `"` and 16 hex digits and `"`.
pub(crate) struct Etag([u8; 18]);

impl Etag {
    pub(crate) fn new(hash: u64) -> Etag {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut t = [b'"'; 18];
        for (k, d) in t[1..17].iter_mut().enumerate() {
            *d = HEX[((hash >> (60 - 4 * k)) & 0xf) as usize];
        }
        Etag(t)
    }

    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("\"0\"")
    }
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

/// A piece of a response body: bytes, or the parts of a cached network answer, walked
/// without taking a reference count on each, so that a request writes nothing to the
/// pieces many answers share.
pub(crate) enum Data {
    Bytes(Bytes),
    Answer(AnswerBuf),
}

/// A network answer's body: the head written for this request, then the parts of the
/// cached answer, from `part` (0 for the head) and `offset` in it on.
pub(crate) struct AnswerBuf {
    head: Bytes,
    answer: Arc<Fragment>,
    part: usize,
    offset: usize,
    remaining: usize,
}

impl AnswerBuf {
    fn new(head: Bytes, answer: Arc<Fragment>) -> AnswerBuf {
        let remaining = head.len() + answer.parts_len();
        AnswerBuf {
            head,
            answer,
            part: 0,
            offset: 0,
            remaining,
        }
    }

    /// Part `i`: the head, then the answer's parts; empty past the end.
    fn part(&self, i: usize) -> &[u8] {
        match i {
            0 => &self.head,
            _ => self.answer.parts().get(i - 1).map_or(&[][..], |p| &p[..]),
        }
    }
}

impl Buf for AnswerBuf {
    fn remaining(&self) -> usize {
        self.remaining
    }

    fn chunk(&self) -> &[u8] {
        // The first part with bytes left (a `Buf` has a chunk while anything remains).
        let mut offset = self.offset;
        for i in self.part..=self.answer.parts().len() {
            let p = self.part(i);
            if offset < p.len() {
                return &p[offset..];
            }
            offset = 0;
        }
        &[]
    }

    fn advance(&mut self, mut n: usize) {
        assert!(n <= self.remaining, "advance past the end of an answer");
        self.remaining -= n;
        while n > 0 {
            let left = self.part(self.part).len() - self.offset;
            if n < left {
                self.offset += n;
                return;
            }
            n -= left;
            self.part += 1;
            self.offset = 0;
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        let mut n = 0;
        let mut offset = self.offset;
        for i in self.part..=self.answer.parts().len() {
            if n == dst.len() {
                break;
            }
            let p = self.part(i);
            if offset < p.len() {
                dst[n] = std::io::IoSlice::new(&p[offset..]);
                n += 1;
            }
            offset = 0;
        }
        n
    }
}

impl Buf for Data {
    fn remaining(&self) -> usize {
        match self {
            Data::Bytes(b) => b.remaining(),
            Data::Answer(a) => a.remaining(),
        }
    }

    fn chunk(&self) -> &[u8] {
        match self {
            Data::Bytes(b) => b.chunk(),
            Data::Answer(a) => a.chunk(),
        }
    }

    fn advance(&mut self, n: usize) {
        match self {
            Data::Bytes(b) => b.advance(n),
            Data::Answer(a) => a.advance(n),
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        match self {
            Data::Bytes(b) => b.chunks_vectored(dst),
            Data::Answer(a) => a.chunks_vectored(dst),
        }
    }
}

/// A response body: nothing, or one piece (sent in one frame).
pub(crate) struct Chunks {
    data: Option<Data>,
    /// Goes with the piece once hyper takes it, so that it counts the bytes written and
    /// drops when the last one is (or with the body, when there is no piece or it is never
    /// taken).
    sent: Option<Sent>,
}

impl Chunks {
    fn new(data: Option<Data>) -> Chunks {
        Chunks {
            data: data.filter(Buf::has_remaining),
            sent: None,
        }
    }

    /// A body of one text.
    pub(crate) fn bytes(b: Bytes) -> Chunks {
        Chunks::new(Some(Data::Bytes(b)))
    }

    /// The body, telling the connection's watchdog how far it has been sent and when it
    /// is done.
    pub(crate) fn watched(self, sent: Sent) -> Chunks {
        Chunks {
            sent: Some(sent),
            ..self
        }
    }
}

/// The piece of a body hyper writes, telling the watchdog of its progress and its end (see
/// [`Chunks`]).
pub(crate) struct Piece {
    data: Data,
    sent: Option<Sent>,
}

impl Buf for Piece {
    fn remaining(&self) -> usize {
        self.data.remaining()
    }

    fn chunk(&self) -> &[u8] {
        self.data.chunk()
    }

    fn advance(&mut self, n: usize) {
        self.data.advance(n);
        if let Some(sent) = &self.sent {
            sent.wrote();
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        self.data.chunks_vectored(dst)
    }
}

impl Body for Chunks {
    type Data = Piece;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Piece>, Self::Error>>> {
        let this = self.get_mut();
        std::task::Poll::Ready(this.data.take().map(|data| {
            Ok(hyper::body::Frame::data(Piece {
                data,
                sent: this.sent.take(),
            }))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.remaining() as u64))
    }
}

/// The answer to a request: made at once, or once the request body is in.
pub(crate) enum Handled {
    Now(Response<Chunks>),
    AfterBody(std::pin::Pin<Box<dyn Future<Output = Response<Chunks>> + Send>>),
}

/// Answers one HTTP request. One without a body (every RDAP query) is answered before this
/// returns, and nothing of the request is kept: hyper goes on reading the connection while
/// an answer is pending, and its read buffer is reused in place only when no part of the
/// last request (its URI and header values are slices of that buffer) is still held, so a
/// request kept until the answer was polled cost a new buffer every time.
pub(crate) fn handle(state: &Arc<State>, req: Request<Incoming>, peer: IpAddr) -> Handled {
    if req.method() == Method::OPTIONS {
        return Handled::Now(preflight(req.headers()));
    }
    let (parts, body) = req.into_parts();
    if body.is_end_stream() {
        return Handled::Now(answer_read(state, &parts, BodyRead::Read, peer));
    }
    // The body first: it is the only thing to wait for, and what follows holds guards of
    // the current registry that are not kept across an await.
    let state = Arc::clone(state);
    Handled::AfterBody(Box::pin(async move {
        let max_body = state.shared.config.rdap.max_body_bytes;
        let read = read_body(body, max_body, state.header_timeout).await;
        answer_read(&state, &parts, read, peer)
    }))
}

/// Answers a request once its body is read (or refused).
fn answer_read(
    state: &State,
    parts: &hyper::http::request::Parts,
    body: BodyRead,
    peer: IpAddr,
) -> Response<Chunks> {
    let registry = state.shared.registry_guard();
    let mut resp = state.cache.with(&registry, |per| {
        reply(state, &registry, per, parts, body, peer)
    });
    if body == BodyRead::TooSlow {
        // The rest of the body may still come: the connection is not reused.
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// Answers a request whose body was read (or refused).
fn reply(
    state: &State,
    registry: &Arc<crate::registry::Registry>,
    per: &PerRegistry,
    parts: &hyper::http::request::Parts,
    body: BodyRead,
    peer: IpAddr,
) -> Response<Chunks> {
    let shared = &state.shared;
    let cfg = &shared.config.rdap;
    let cx = Ctx {
        reg: registry,
        shared,
        base: &shared.rdap_base_url,
        now: shared.now(),
        fragments: Some(&per.fragments),
        notices: Some(&state.notices),
    };
    let uri = &parts.uri;
    let uri_len = uri.path_and_query().map_or(1, |p| p.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.scheme_str().map_or(0, |s| s.len() + 3);
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let base_path = cfg.base_path.trim_end_matches('/');
    let below = path_and_query
        .strip_prefix(base_path)
        .unwrap_or(path_and_query);
    let public = shared.rdap_base_url.trim_end_matches('/');
    let mut url = String::with_capacity(public.len() + below.len());
    url.push_str(public);
    url.push_str(below);
    let url = clean_url(&url);
    if let Some(page) =
        crate::web::serve_page(&parts.method, path_and_query, base_path, &parts.headers)
    {
        return page.map(Chunks::bytes);
    }
    let accept_ok = acceptable(&parts.headers);
    // Allocates only when the header is there.
    let if_none_match: Option<String> = {
        let mut values = parts.headers.get_all(header::IF_NONE_MATCH).iter();
        values.next().map(|first| {
            let mut all = first.to_str().unwrap_or_default().to_string();
            for v in values {
                all.push(',');
                all.push_str(v.to_str().unwrap_or_default());
            }
            all
        })
    };
    let method = &parts.method;
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
    } else if body == BodyRead::TooSlow {
        error(
            &cx,
            &url,
            408,
            &format!(
                "The request body did not arrive within {} s.",
                state.header_timeout.as_secs()
            ),
        )
    } else if body == BodyRead::TooLarge {
        error(
            &cx,
            &url,
            413,
            &format!(
                "Request bodies larger than {} bytes are refused.",
                cfg.max_body_bytes
            ),
        )
    } else if !accept_ok {
        error(
            &cx,
            &url,
            406,
            "This server answers with application/rdap+json (application/json and */* are accepted too).",
        )
    } else {
        answer(state, &cx, registry, per, &url, path_and_query, peer)
    };
    respond(state, reply, if_none_match.as_deref())
}

/// The request URL as it goes into answers: a `%` that starts no escape is escaped.
fn clean_url(url: &str) -> Cow<'_, str> {
    if !url.contains('%') {
        return Cow::Borrowed(url);
    }
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
    Cow::Owned(out)
}

/// The answer to a CORS preflight (or any OPTIONS request).
fn preflight(headers: &HeaderMap) -> Response<Chunks> {
    let mut resp = Response::new(Chunks::new(None));
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

/// How reading a request's body went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyRead {
    Read,
    /// Larger than allowed (or broken off).
    TooLarge,
    /// Not all there within the header timeout: a body sent slowly holds a connection as a
    /// head sent slowly does.
    TooSlow,
}

/// Reads a request body (RDAP requests carry none), for at most `within`.
async fn read_body(body: Incoming, max: usize, within: Duration) -> BodyRead {
    if body.size_hint().lower() > max as u64 {
        return BodyRead::TooLarge;
    }
    match tokio::time::timeout(within, Limited::new(body, max).collect()).await {
        Ok(Ok(_)) => BodyRead::Read,
        Ok(Err(_)) => BodyRead::TooLarge,
        Err(_) => BodyRead::TooSlow,
    }
}

/// Routes a GET or HEAD below the base path, guarding against panics.
fn answer(
    state: &State,
    cx: &Ctx<'_>,
    registry: &Arc<crate::registry::Registry>,
    per: &PerRegistry,
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
            fragments: cx.fragments,
            notices: cx.notices,
        },
        registry,
        per,
        bootstrap: state.bootstrap.as_ref(),
        url,
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
                body: ReplyBody::Text(bare_error(500, "The server failed to answer this query.")),
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
fn respond(state: &State, reply: Reply, if_none_match: Option<&str>) -> Response<Chunks> {
    let (data, etag) = match reply.body {
        ReplyBody::Text(t) => {
            let tag = (reply.status == 200).then(|| Etag::new(etag_of(&t)));
            (Data::Bytes(Bytes::from(t)), tag)
        }
        ReplyBody::Answer(head, answer, hash) => (
            Data::Answer(AnswerBuf::new(head, answer)),
            (reply.status == 200).then(|| Etag::new(hash)),
        ),
    };
    let not_modified =
        matches!((&etag, if_none_match), (Some(tag), Some(inm)) if none_match(inm, tag.as_str()));
    let status = if not_modified { 304 } else { reply.status };
    let body = Chunks::new((!not_modified).then_some(data));
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    cors(h);
    if !not_modified {
        let ct = match reply.content_type {
            RDAP_JSON => HeaderValue::from_static(RDAP_JSON),
            other => HeaderValue::from_str(other).unwrap_or(HeaderValue::from_static(RDAP_JSON)),
        };
        h.insert(header::CONTENT_TYPE, ct);
    }
    if let Some(tag) = &etag
        && let Ok(v) = HeaderValue::from_bytes(&tag.0)
    {
        h.insert(header::ETAG, v);
    }
    let cache = match status {
        200 | 304 | 301 | 302 | 303 | 307 | 308 if reply.personal => &state.cache_private,
        200 | 304 | 301 | 302 | 303 | 307 | 308 => &state.cache_public,
        404 => &state.cache_404,
        _ => &state.no_store,
    };
    h.insert(header::CACHE_CONTROL, cache.clone());
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
        let tag = Etag::new(etag_of("{}"));
        assert_eq!(tag.as_str().len(), 18);
        assert_eq!(
            Etag::new(0x0123_4567_89ab_cdef).as_str(),
            "\"0123456789abcdef\""
        );
        let tag = tag.as_str();
        assert!(tag.starts_with('"') && tag.ends_with('"') && !tag.starts_with("W/"));
        assert!(none_match(tag, tag));
        assert!(none_match(&format!("\"x\", W/{tag}"), tag));
        assert!(none_match("*", tag));
        assert!(!none_match("\"other\"", tag));
    }

    /// A head and an answer's parts read as one buffer: whole, in steps that end inside
    /// and at the ends of parts, and as slices for a vectored write with too few of them.
    #[test]
    fn answer_parts_read_as_one_buffer() {
        let mut f = Fragment::new(
            1,
            crate::model::Timestamp::MAX,
            "bcdef".into(),
            super::super::render::Ext::default(),
            Vec::new(),
        );
        let shared = Bytes::from_static(b"XYZ");
        f.set_parts(vec![
            f.json.slice(0..2),
            shared.clone(),
            f.json.slice(2..5),
            shared,
        ]);
        let f = Arc::new(f);
        let whole = b"{a,bcXYZdefXYZ";
        for steps in [
            vec![14],
            vec![1, 1, 3, 6, 3],
            vec![3, 2, 3, 3, 3],
            vec![5, 9],
            vec![0, 13, 1],
        ] {
            let mut b = AnswerBuf::new(Bytes::from_static(b"{a,"), f.clone());
            let mut at = 0;
            for n in steps {
                assert_eq!(b.remaining(), whole.len() - at);
                assert_eq!(b.chunk().first(), whole.get(at));
                let mut out = Vec::new();
                let mut slices = [std::io::IoSlice::new(&[]); 2];
                let k = b.chunks_vectored(&mut slices);
                for s in &slices[..k] {
                    out.extend_from_slice(s);
                }
                assert!(whole[at..].starts_with(&out) && out.is_empty() != (at < whole.len()));
                b.advance(n);
                at += n;
            }
            assert_eq!(b.remaining(), 0);
            assert!(b.chunk().is_empty());
        }
    }

    /// More parts than a fragment holds in itself read the same way.
    #[test]
    fn many_answer_parts_read_whole() {
        for count in [0, 1, 11, 12, 13, 40] {
            let mut f = Fragment::new(
                1,
                crate::model::Timestamp::MAX,
                "x".into(),
                super::super::render::Ext::default(),
                Vec::new(),
            );
            // Every third one empty.
            let parts: Vec<Bytes> = (0..count)
                .map(|i| {
                    Bytes::from(if i % 3 == 2 {
                        String::new()
                    } else {
                        format!("<{i}>")
                    })
                })
                .collect();
            let want: Vec<u8> = parts.iter().flat_map(|p| p.to_vec()).collect();
            f.set_parts(parts);
            assert_eq!(f.parts_len(), want.len());
            let mut b = AnswerBuf::new(Bytes::from_static(b"h"), Arc::new(f));
            let mut got = Vec::new();
            while b.has_remaining() {
                let n = b.chunk().len();
                got.extend_from_slice(b.chunk());
                b.advance(n);
            }
            assert_eq!(got, [b"h".as_slice(), &want].concat(), "{count} parts");
        }
    }

    #[test]
    fn a_panicking_handler_is_a_500_with_a_json_body() {
        let r = guarded("http://x/ip/1.2.3.4", || panic!("boom"));
        assert_eq!(r.status, 500);
        let ReplyBody::Text(body) = r.body else {
            panic!("a text body")
        };
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["errorCode"], 500);
        assert_eq!(v["title"], "Internal Server Error");
    }
}
