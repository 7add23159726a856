//! The operator's listener: `/metrics` (Prometheus text), `/healthz` (the process answers)
//! and `/readyz` (ready only while a snapshot is loaded and the front ends are up).

use std::convert::Infallible;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use super::Shared;
use crate::model::now;

/// Set once the server is ready; empty while the snapshot loads.
pub(super) type Readiness = Arc<ArcSwapOption<Shared>>;

fn text(status: StatusCode, body: String, content_type: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    r
}

/// The Prometheus text of everything an operator watches.
pub fn render(shared: &Shared) -> String {
    let mut out = String::new();
    shared.metrics.render(&mut out);
    let reg = shared.registry();
    let h = reg.header();
    let stats = reg.load_stats();
    let gauges: [(&str, &str, &str, f64); 9] = [
        (
            "rirwhois_open_connections",
            "gauge",
            "Connections open now, both front ends.",
            shared.conns.open() as f64,
        ),
        (
            "rirwhois_connection_denials_total",
            "counter",
            "Connections refused by the total or per-IP caps.",
            shared.conns.denials() as f64,
        ),
        (
            "rirwhois_personal_denials_total",
            "counter",
            "Personal-data answers refused by the daily per-client limit.",
            shared.personal.denials() as f64,
        ),
        (
            "rirwhois_snapshot_serial",
            "gauge",
            "Source serial of the snapshot being served.",
            h.serial as f64,
        ),
        (
            "rirwhois_snapshot_age_seconds",
            "gauge",
            "Seconds since the snapshot being served was created.",
            (now() - h.created_at).max(0) as f64,
        ),
        (
            "rirwhois_snapshot_load_seconds",
            "gauge",
            "Time to map, validate and index the snapshot being served.",
            (stats.open + stats.index).as_secs_f64(),
        ),
        (
            "rirwhois_snapshot_networks",
            "gauge",
            "Networks in the snapshot being served.",
            h.nets as f64,
        ),
        (
            "rirwhois_reloads_total",
            "counter",
            "Snapshots reloaded and swapped in.",
            shared.reloads.load(Ordering::Relaxed) as f64,
        ),
        (
            "rirwhois_reload_failures_total",
            "counter",
            "Reloads refused (the previous snapshot kept serving).",
            shared.reload_failures.load(Ordering::Relaxed) as f64,
        ),
    ];
    for (name, kind, help, value) in gauges {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
    out
}

async fn handle(
    req: Request<Incoming>,
    ready: Readiness,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Ok(text(
            StatusCode::METHOD_NOT_ALLOWED,
            "GET only\n".into(),
            "text/plain",
        ));
    }
    let shared = ready.load_full();
    Ok(match (req.uri().path(), shared) {
        ("/healthz", _) => text(StatusCode::OK, "ok\n".into(), "text/plain"),
        ("/readyz", Some(s)) => text(
            StatusCode::OK,
            format!("ready: serial {}\n", s.registry().header().serial),
            "text/plain",
        ),
        ("/readyz", None) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: loading the snapshot\n".into(),
            "text/plain",
        ),
        ("/metrics", Some(s)) => text(
            StatusCode::OK,
            render(&s),
            "text/plain; version=0.0.4; charset=utf-8",
        ),
        ("/metrics", None) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "# not ready: loading the snapshot\n".into(),
            "text/plain; version=0.0.4; charset=utf-8",
        ),
        _ => text(
            StatusCode::NOT_FOUND,
            "not found: /metrics, /healthz, /readyz\n".into(),
            "text/plain",
        ),
    })
}

/// Serves the admin endpoints until `shutdown`.
pub(super) async fn serve(listener: TcpListener, ready: Readiness, shutdown: CancellationToken) {
    loop {
        let (stream, _) = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    warn!(error = %e, "metrics accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let ready = ready.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, ready.clone()));
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(Duration::from_secs(60), conn).await;
        });
    }
}
