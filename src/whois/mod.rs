//! WHOIS on port 43 (RFC 3912): one query line in, text out.
//!
//! [`query`] parses the line (RIPE flags and ARIN keywords) into flags and a key; `answer`
//! finds the objects through the registry API and lays them out in the ARIN or RPSL
//! dialect (`render_arin`, `render_rpsl`) with the abuse contact first; `conn` runs one
//! connection (limits, timeouts, persistent mode). Errors are RIPE-style `%ERROR:<code>:`
//! lines with RIPE's codes:
//!
//! | code | meaning |
//! |---|---|
//! | 101 | no entries found |
//! | 102 | unknown source (`-s`) |
//! | 103 | unknown object type (`-T`) |
//! | 104 | unknown attribute (`-i`) |
//! | 105 | attribute is not searchable (`-i`) |
//! | 106 | no search key specified |
//! | 107 | input line too long |
//! | 108 | bad character in input |
//! | 109 | invalid combination of flags passed |
//! | 110 | multiple use of flag |
//! | 111 | invalid option supplied |
//! | 201 | access denied (personal-data limit; abuse data is still answered) |
//! | 305 | connection has been closed (idle timeout) |
//! | 306 | connections exceeded (total or per-client cap) |
//!
//! Warnings: `%WARNING:901` (several hierarchy flags, the last one counts) and `%WARNING:902`
//! (a hierarchy flag with a key that is not an address, prefix or range).

mod answer;
mod conn;
pub mod query;
mod render_arin;
mod render_rpsl;

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::warn;

pub use self::answer::{Env, MAX_OBJECTS, answer};
pub use self::query::{QueryError, Request};
use crate::server::Shared;

/// Accepts whois connections until `shutdown` is cancelled, then waits for the connections
/// in flight (the server aborts them after its grace period).
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, shutdown: CancellationToken) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    conns.spawn(conn::handle(stream, peer, shared.clone(), shutdown.clone()));
                }
                Err(error) => {
                    warn!(%error, "whois accept failed; going on in 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}
