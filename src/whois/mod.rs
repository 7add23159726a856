//! WHOIS on port 43 (being written on a branch; this accept loop only closes connections).

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::server::Shared;

/// Accepts whois connections until `shutdown` is cancelled.
pub async fn serve(listener: TcpListener, _shared: Arc<Shared>, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            r = listener.accept() => drop(r),
        }
    }
}
