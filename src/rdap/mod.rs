//! RDAP over HTTP (RFC 7480, 9082, 9083 and the extensions cidr0, arin_originas0,
//! redacted (RFC 9537), RIR search (RFC 9910), reverse search (RFC 9536)): the listener,
//! the endpoints and the JSON they answer with.
//!
//! A connection is served by hyper (HTTP/1.1 keep-alive, optionally over rustls), beside a
//! watchdog that closes it when a request head or its answer stops moving. Each request
//! loads the current registry once, is parsed into path segments and query parameters
//! (`request`), and goes down the chain of endpoints in `dispatch`, each of which answers
//! it or hands it back. Answers are written straight from the mapped snapshot objects
//! (`render`, `json`), and pieces many answers share are kept per loaded snapshot
//! (`cache`, with the reverse-link index of `reverse`); `http` adds status, content type,
//! CORS, ETag and caching headers. The contact-accuracy lists ([`lists`]) are shared with
//! the `rirwhois lists` command.

mod bootstrap;
mod cache;
mod dispatch;
mod http;
mod json;
pub mod lists;
mod render;
mod request;
mod reverse;
mod tls;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::either::Either;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

pub use self::bootstrap::{Bootstrap, BootstrapError};
use self::http::{Chunks, State};
pub use self::tls::load_tls;
use crate::server::{Frontend, Shared};

/// Largest request head (request line and headers) hyper buffers.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Accepts RDAP connections until `shutdown` is cancelled, then lets the open ones finish
/// their current request.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, shutdown: CancellationToken) {
    let cfg = &shared.config.rdap;
    let bootstrap = cfg
        .bootstrap
        .as_ref()
        .and_then(|p| match Bootstrap::load(p) {
            Ok(b) => {
                info!(path = %p.display(), services = b.services(), "rdap bootstrap file loaded");
                Some(b)
            }
            Err(e) => {
                error!(error = %e, "rdap bootstrap file refused; no redirects");
                None
            }
        });
    let tls = match &cfg.tls {
        None => None,
        Some(t) => match load_tls(t) {
            Ok(a) => Some(a),
            Err(e) => {
                // `Config::check` loads it first, so this only happens if the files changed.
                error!(error = %e, "rdap TLS configuration refused; RDAP is not served");
                return;
            }
        },
    };
    let state = Arc::new(State::new(shared.clone(), bootstrap));
    // Build the reverse index off the query path before the first reverse search needs it.
    {
        let state = state.clone();
        tokio::task::spawn_blocking(move || {
            let reg = state.shared.registry();
            state.cache.get(&reg).index(&reg);
        });
    }
    let header_timeout = state.header_timeout;
    let mut conns = JoinSet::new();
    loop {
        while conns.try_join_next().is_some() {}
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    warn!(error = %e, "rdap accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let watch = Arc::new(Watch::default());
        let conn_watch = Arc::clone(&watch);
        let shared = state.shared.clone();
        let state = state.clone();
        let tls = tls.clone();
        let shutdown = shutdown.clone();
        let conn = conns.spawn(async move {
            let ip = peer.ip();
            let shared = state.shared.clone();
            let _guard = match shared.conns.acquire(ip) {
                Ok(g) => g,
                Err(why) => {
                    debug!(%peer, ?why, "rdap connection refused");
                    return;
                }
            };
            let _ = stream.set_nodelay(true);
            match tls {
                None => connection(stream, state, peer, conn_watch, shutdown).await,
                Some(acceptor) => {
                    match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(s)) => connection(s, state, peer, conn_watch, shutdown).await,
                        Ok(Err(e)) => debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
        });
        tokio::spawn(watchdog(watch, header_timeout, conn, shared));
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

/// How far a connection got: even while it waits for a request head (from its start, and
/// from when the last response was sent), odd while it answers a request; it moves on by
/// one when a head arrives and when its response has been sent, and by two (keeping its
/// parity) whenever bytes of a response are written. Only the connection's own task writes
/// it; its watchdog reads it.
#[derive(Debug, Default)]
pub(crate) struct Watch(AtomicU64);

impl Watch {
    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// A load and a store rather than an atomic add: there is one writer.
    fn add(&self, n: u64) {
        self.0.store(self.get().wrapping_add(n), Ordering::Relaxed);
    }

    /// A request head arrived, or its response was sent (see [`Sent`]).
    fn step(&self) {
        self.add(1);
    }
}

/// One request being answered: made when its head arrives, it goes with the response body
/// (see `http::Chunks::watched`), counts the bytes written, and marks the end of the
/// response (its last byte handed to the socket, or the response dropped unsent) when
/// dropped.
pub(crate) struct Sent(Arc<Watch>);

impl Sent {
    /// A request head arrived: the connection answers it until the `Sent` drops.
    fn begin(watch: &Arc<Watch>) -> Sent {
        watch.step();
        Sent(watch.clone())
    }

    /// Bytes of the response were written.
    pub(crate) fn wrote(&self) {
        self.0.add(2);
    }
}

impl Drop for Sent {
    fn drop(&mut self) {
        self.0.step();
    }
}

/// The header-read timeout (slowloris), and the same for a response the client does not
/// read. The watchdog looks every third of `timeout`. A connection waiting for a request
/// head that three looks in a row found where it was is closed: at most a third of
/// `timeout` after it has waited `timeout`. One answering a request is closed after four
/// such looks (at least `timeout` with not a byte of its response written), so that a
/// request body cut off at `timeout` still gets its 408 first. One timer per connection,
/// where hyper's own header timeout arms, resets and cancels one per request. It ends with
/// the connection.
async fn watchdog(
    watch: Arc<Watch>,
    timeout: Duration,
    conn: tokio::task::AbortHandle,
    shared: Arc<Shared>,
) {
    let every = timeout / 3;
    let mut looks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    looks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut seen, mut still) = (watch.get(), 0);
    loop {
        looks.tick().await;
        if conn.is_finished() {
            return;
        }
        let now = watch.get();
        if now != seen {
            (seen, still) = (now, 0);
            continue;
        }
        still += 1;
        let answering = now % 2 == 1;
        if still == 3 + u32::from(answering) {
            conn.abort();
            if answering {
                shared.metrics.limit_hit("rdap_write_timeout");
                debug!("rdap connection closed: the client read nothing of its answer");
            } else {
                shared.metrics.limit_hit("rdap_header_timeout");
                debug!("rdap connection closed: no request head within the header timeout");
            }
            return;
        }
    }
}

/// Serves one connection until the client closes it, a timeout hits (see [`watchdog`]),
/// or shutdown.
async fn connection<I>(
    io: I,
    state: Arc<State>,
    peer: std::net::SocketAddr,
    watch: Arc<Watch>,
    shutdown: CancellationToken,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    state.shared.metrics.connection(Frontend::Rdap);
    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let query = Query {
            started: std::time::Instant::now(),
            qtype: query_type(req.uri().path(), &state.shared.config.rdap.base_path),
            logged: state
                .shared
                .config
                .logging
                .query_log
                .then(|| req.uri().to_string()),
            peer: peer.ip(),
            sent: Sent::begin(&watch),
        };
        let ok = Ok::<_, std::convert::Infallible>;
        match http::handle(&state, req, peer.ip()) {
            http::Handled::Now(resp) => {
                Either::Left(std::future::ready(ok(query.done(&state.shared, resp))))
            }
            http::Handled::AfterBody(answer) => {
                let state = Arc::clone(&state);
                Either::Right(async move { ok(query.done(&state.shared, answer.await)) })
            }
        }
    });
    let mut builder = http1::Builder::new();
    builder
        // The watchdog times head reads (and answers the client does not read).
        .header_read_timeout(None)
        .keep_alive(true)
        .max_buf_size(MAX_HEAD_BYTES);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        // The connection first: the shutdown token is rarely ready.
        biased;
        r = conn.as_mut() => {
            if let Err(e) = r {
                debug!(%peer, error = %e, "rdap connection ended");
            }
        }
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// A request being answered, as it is counted and logged when its answer is ready.
struct Query {
    started: std::time::Instant,
    qtype: &'static str,
    /// The request URI, when queries are logged.
    logged: Option<String>,
    peer: std::net::IpAddr,
    sent: Sent,
}

impl Query {
    /// Counts the answer (and logs it), and hands its body the watchdog's guard.
    fn done(self, shared: &Shared, resp: hyper::Response<Chunks>) -> hyper::Response<Chunks> {
        let status = resp.status().as_u16();
        let result = match status {
            200..=299 | 304 => "ok",
            300..=399 => "redirect",
            404 => "not_found",
            429 => "denied",
            400..=499 => "bad_request",
            _ => "error",
        };
        shared
            .metrics
            .query(Frontend::Rdap, self.qtype, result, self.started.elapsed());
        match status {
            414 => shared.metrics.limit_hit("rdap_uri_too_long"),
            413 => shared.metrics.limit_hit("rdap_body_too_large"),
            408 => shared.metrics.limit_hit("rdap_body_timeout"),
            _ => {}
        }
        if let Some(path) = self.logged {
            tracing::info!(target: "rirwhois::query", frontend = "rdap", peer = %self.peer,
                qtype = self.qtype, result, query = %path,
                micros = self.started.elapsed().as_micros() as u64, "query");
        }
        let sent = self.sent;
        resp.map(|b| b.watched(sent))
    }
}

/// The query type counted in the metrics, from the first path segment after the base path.
fn query_type(path: &str, base_path: &str) -> &'static str {
    let rest = path
        .strip_prefix(base_path.trim_end_matches('/'))
        .unwrap_or(path)
        .trim_start_matches('/');
    let mut segs = rest.split('/');
    match (segs.next().unwrap_or(""), segs.next()) {
        ("ip", _) => "ip",
        ("autnum", _) => "autnum",
        ("entity", _) => "entity",
        ("domain", _) => "domain",
        ("help", _) => "help",
        ("lists", _) => "lists",
        ("ips" | "autnums", Some("reverse_search")) => "reverse_search",
        ("ips", Some("rirSearch1")) => "rir_search",
        ("ips" | "autnums" | "entities" | "domains", _) => "search",
        ("" | "static" | "index.html", _) => "page",
        _ => "other",
    }
}

/// Parses the target of an RDAP request below the base path (path segments and query
/// parameters, percent-decoded), as the server does before dispatching: the entry point of
/// the `rdap_request` fuzz target. Returns the number of segments and parameters.
pub fn parse_request(path: &str, query: Option<&str>) -> Result<(usize, usize), String> {
    request::Req::parse(path, query, std::net::IpAddr::from([127, 0, 0, 1]))
        .map(|r| (r.segs.len(), r.query.len()))
        .map_err(|e| format!("{e:?}"))
}
