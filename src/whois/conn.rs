//! One whois connection: the connection caps, the idle timeout before each query line, the
//! maximum line length, LF or CRLF line ends, `-k` persistent mode, and writes with a time
//! limit so a client that does not read cannot hold a task forever.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout, timeout_at};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use super::answer::{Env, answer, connection_error, error_answer};
use super::query::{self, QueryError};
use crate::registry::Registry;
use crate::server::{ConnDenied, Frontend, Shared};

/// How long the server waits for a client's end of the connection after answering.
const LINGER: Duration = Duration::from_secs(2);

/// The client address, an IPv4-mapped IPv6 address shown as IPv4.
pub(super) fn client_ip(peer: SocketAddr) -> IpAddr {
    match peer.ip() {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        ip => ip,
    }
}

pub(super) fn env<'a>(shared: &'a Shared, reg: &Registry, peer: IpAddr) -> Env<'a> {
    Env {
        dialect: shared.dialect(reg),
        terms_url: &shared.config.urls.terms,
        report_url: &shared.config.urls.inaccuracy_report,
        rdap_base: &shared.rdap_base_url,
        policy: shared.policy,
        as_of: shared.now(),
        peer,
        limiter: &shared.personal,
    }
}

/// What reading a line gave.
enum Line {
    /// A line without its line end.
    Query(Vec<u8>),
    /// The client closed its side; what it sent without a line end, if anything.
    Eof(Vec<u8>),
    TooLong,
    Idle,
    Closed,
}

/// Reads one line into a buffer that keeps what follows it for the next call.
async fn read_line(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    max: usize,
    idle: Duration,
    shutdown: &CancellationToken,
) -> Line {
    let deadline = Instant::now() + idle;
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(pos) = buf.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = buf.drain(..=pos).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.len() > max {
                return Line::TooLong;
            }
            return Line::Query(line);
        }
        // No line end yet: more than max + CR can never become a valid line.
        if buf.len() > max + 1 {
            return Line::TooLong;
        }
        let read = tokio::select! {
            _ = shutdown.cancelled() => return Line::Closed,
            r = timeout_at(deadline, stream.read(&mut chunk)) => r,
        };
        match read {
            Err(_) => return Line::Idle,
            Ok(Err(_)) => return Line::Closed,
            Ok(Ok(0)) => {
                let rest = std::mem::take(buf);
                if rest.len() > max {
                    return Line::TooLong;
                }
                return Line::Eof(rest);
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Writes within the time limit; false when the client is gone or too slow.
async fn write(stream: &mut TcpStream, text: &str, limit: Duration) -> bool {
    matches!(
        timeout(limit, stream.write_all(text.as_bytes())).await,
        Ok(Ok(()))
    )
}

/// Closes politely: FIN, then reads what the client still sends until it closes too (a
/// close with unread input would reset the connection and could lose the answer).
async fn close(mut stream: TcpStream) {
    let _ = timeout(LINGER, stream.shutdown()).await;
    let mut sink = [0u8; 1024];
    let deadline = Instant::now() + LINGER;
    let mut budget = 64 * 1024usize;
    while budget > 0 {
        match timeout_at(deadline, stream.read(&mut sink)).await {
            Ok(Ok(n)) if n > 0 => budget = budget.saturating_sub(n),
            _ => break,
        }
    }
}

/// Serves one connection until its last answer is written.
pub(super) async fn handle(
    mut stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) {
    let ip = client_ip(peer);
    shared.metrics.connection(Frontend::Whois);
    let idle = Duration::from_secs(shared.config.whois.idle_timeout_secs.max(1));
    let write_limit = idle;
    let _guard = match shared.conns.acquire(ip) {
        Ok(g) => g,
        Err(denied) => {
            debug!(%peer, ?denied, "whois connection refused");
            let reg = shared.registry();
            let env = env(&shared, &reg, ip);
            let why = match denied {
                ConnDenied::PerIp => format!(
                    "This address has more open connections than the {} allowed.",
                    shared.config.limits.max_connections_per_ip
                ),
                ConnDenied::Total => {
                    "The server has as many open connections as it allows; try again shortly."
                        .to_string()
                }
            };
            let text = connection_error(&env, &reg, 306, "connections exceeded", &why);
            if write(&mut stream, &text, write_limit).await {
                close(stream).await;
            }
            return;
        }
    };
    let max = shared.config.whois.max_query_len;
    let mut buf: Vec<u8> = Vec::with_capacity(128);
    let mut persistent = false;
    loop {
        let (line, last) = match read_line(&mut stream, &mut buf, max, idle, &shutdown).await {
            Line::Query(l) => (l, false),
            Line::Eof(l) if !l.is_empty() => (l, true),
            Line::Eof(_) | Line::Closed => return,
            Line::TooLong => {
                shared.metrics.limit_hit("whois_query_too_long");
                let reg = shared.registry();
                let env = env(&shared, &reg, ip);
                let text = error_answer(&env, &reg, &QueryError::TooLong, false);
                if write(&mut stream, &text, write_limit).await {
                    close(stream).await;
                }
                return;
            }
            Line::Idle => {
                shared.metrics.limit_hit("whois_idle_timeout");
                debug!(%peer, "whois idle timeout");
                let reg = shared.registry();
                let env = env(&shared, &reg, ip);
                let text = connection_error(
                    &env,
                    &reg,
                    305,
                    "connection has been closed",
                    &format!(
                        "The connection was closed after {} seconds without a query.",
                        idle.as_secs()
                    ),
                );
                if write(&mut stream, &text, write_limit).await {
                    close(stream).await;
                }
                return;
            }
        };
        if persistent && line.iter().all(|b| b.is_ascii_whitespace()) {
            // An empty line ends persistent mode.
            break;
        }
        let reg = shared.registry();
        let started = Instant::now();
        let parsed = query::decode(&line).and_then(query::parse);
        let qtype = match &parsed {
            Ok(req) => query_type(req),
            Err(_) => "other",
        };
        let text = match parsed {
            Err(e) => {
                let env = env(&shared, &reg, ip);
                error_answer(&env, &reg, &e, persistent)
            }
            Ok(mut req) => {
                if let Some(client) = &req.flags.client {
                    info!(%peer, client = %client, "whois client");
                }
                debug!(%peer, key = %req.key, "whois query");
                if req.flags.keep_alive {
                    if req.key.is_empty() {
                        // A lone `-k` opens persistent mode, or closes it when it is open.
                        if persistent {
                            break;
                        }
                        persistent = true;
                        continue;
                    }
                    persistent = true;
                }
                req.flags.keep_alive = persistent;
                if req.flags.inverse.is_some() {
                    // Inverse queries may pass over whole tables: off the async workers.
                    let shared = shared.clone();
                    let reg = reg.clone();
                    tokio::task::spawn_blocking(move || {
                        let env = env(&shared, &reg, ip);
                        answer(&reg, &env, &req)
                    })
                    .await
                    .unwrap_or_default()
                } else {
                    let env = env(&shared, &reg, ip);
                    answer(&reg, &env, &req)
                }
            }
        };
        drop(reg);
        let result = answer_result(&text);
        shared
            .metrics
            .query(Frontend::Whois, qtype, result, started.elapsed());
        if shared.config.logging.query_log {
            info!(target: "rirwhois::query", frontend = "whois", %peer, qtype, result,
                query = %String::from_utf8_lossy(&line).trim(),
                micros = started.elapsed().as_micros() as u64, "query");
        }
        if !write(&mut stream, &text, write_limit).await {
            debug!(%peer, "whois client too slow or gone; closed");
            return;
        }
        if !persistent || last {
            break;
        }
    }
    close(stream).await;
}

/// The query type counted in the metrics.
fn query_type(req: &query::Request) -> &'static str {
    if req.flags.inverse.is_some() {
        return "inverse";
    }
    if req.key.is_empty() {
        return "help";
    }
    match crate::registry::Query::parse(&req.key) {
        crate::registry::Query::Addr { .. } => "address",
        crate::registry::Query::Prefix { .. } => "prefix",
        crate::registry::Query::Range { .. } => "range",
        crate::registry::Query::Asn(_) => "asn",
        crate::registry::Query::Text(t) if t.ends_with('*') => "name",
        crate::registry::Query::Text(_) => "handle",
    }
}

/// The result counted in the metrics, read from the answer's error lines.
fn answer_result(text: &str) -> &'static str {
    if text.contains("%ERROR:101") {
        "not_found"
    } else if text.contains("%ERROR:201") {
        "denied"
    } else if text.contains("%ERROR:") {
        "bad_request"
    } else {
        "ok"
    }
}
