//! `rirwhois serve`: both front ends in one process over one shared state: the current
//! registry behind an `ArcSwap` (a request loads it once and sees one snapshot throughout),
//! the configuration, and the limits both protocols share. Listeners are bound first and
//! their addresses logged (`whois listening on ADDR`), so port 0 works. SIGHUP reloads the
//! snapshot off the query path; SIGINT and SIGTERM stop accepting and drain.

mod admin;
mod config;
mod limits;
mod metrics;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

pub use self::admin::render as render_metrics;
pub use self::config::{
    Config, ConfigError, Dialect, LimitsConfig, LogFormat, LoggingConfig, MetricsConfig,
    PolicyConfig, RdapConfig, ReloadConfig, TlsConfig, UrlConfig, WhoisConfig,
};
pub use self::limits::{ConnDenied, ConnGuard, ConnLimiter, Personal, PersonalLimiter, client_key};
pub use self::metrics::{Frontend, Metrics};
use crate::compile::{CompileOptions, compile};
use crate::model::{Policy, SourceFormat, Timestamp, now};
use crate::registry::Registry;

/// State shared by every connection of both front ends.
pub struct Shared {
    registry: ArcSwap<Registry>,
    snapshot_path: PathBuf,
    pub config: Config,
    pub policy: Policy,
    as_of: Option<Timestamp>,
    pub personal: PersonalLimiter,
    pub conns: ConnLimiter,
    /// Public RDAP base URL, ending in `/` (used for links and whois `Ref:` lines).
    pub rdap_base_url: String,
    pub reloads: AtomicU64,
    pub reload_failures: AtomicU64,
    pub metrics: Metrics,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("snapshot_path", &self.snapshot_path)
            .field("config", &self.config)
            .finish()
    }
}

/// Builds a registry's prefix tries on a thread of their own, after it starts serving:
/// prefix lookups answer from the address index until they are there, with the same
/// answers. A registry replaced meanwhile is kept until its thread is done.
fn build_prefix_tries_later(reg: Arc<Registry>) {
    let spawned = std::thread::Builder::new()
        .name("prefix-tries".into())
        .spawn(move || {
            let tries = reg.build_prefix_tries();
            info!(
                serial = reg.header().serial,
                ms = tries.took.as_millis() as u64,
                "prefix tries built"
            );
        });
    if let Err(e) = spawned {
        warn!(error = %e, "cannot start a thread for the prefix tries; prefix lookups stay on the address index");
    }
}

impl Shared {
    /// Builds the shared state around a loaded registry.
    pub fn new(
        config: Config,
        registry: Registry,
        snapshot_path: PathBuf,
        rdap_base_url: String,
    ) -> Shared {
        let limits = &config.limits;
        let registry = Arc::new(registry);
        build_prefix_tries_later(registry.clone());
        Shared {
            registry: ArcSwap::new(registry),
            snapshot_path,
            policy: config.policy(),
            as_of: config.as_of().ok().flatten(),
            personal: PersonalLimiter::new(limits.personal_per_day, limits.unlimited.clone()),
            conns: ConnLimiter::new(limits.max_connections, limits.max_connections_per_ip),
            rdap_base_url,
            config,
            reloads: AtomicU64::new(0),
            reload_failures: AtomicU64::new(0),
            metrics: Metrics::default(),
        }
    }

    /// The current registry. Load it once per request and use that for the whole answer.
    #[inline]
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.load_full()
    }

    /// The current registry for the length of one answer, without writing its shared
    /// reference count (keep it out of awaits; a reload does not wait for it).
    pub fn registry_guard(&self) -> arc_swap::Guard<Arc<Registry>> {
        self.registry.load()
    }

    /// "Now" for validation states: the configured date, else the wall clock.
    pub fn now(&self) -> Timestamp {
        self.as_of.unwrap_or_else(now)
    }

    /// The whois dialect: configured, else the snapshot's source format.
    pub fn dialect(&self, reg: &Registry) -> Dialect {
        self.config
            .whois
            .dialect
            .unwrap_or(match reg.header().main_format {
                SourceFormat::ArinXml => Dialect::Arin,
                SourceFormat::Rpsl => Dialect::Rpsl,
            })
    }

    /// Loads, validates and indexes the snapshot file again, then swaps it in. On failure
    /// the current registry keeps serving.
    pub fn reload(&self) -> Result<(), crate::snapshot::SnapshotError> {
        match Registry::open(&self.snapshot_path) {
            Ok(reg) => {
                let (serial, nets) = (reg.header().serial, reg.header().nets);
                let reg = Arc::new(reg);
                self.registry.store(reg.clone());
                self.reloads.fetch_add(1, Ordering::Relaxed);
                info!(
                    path = %self.snapshot_path.display(),
                    serial,
                    nets,
                    "snapshot reloaded"
                );
                build_prefix_tries_later(reg);
                Ok(())
            }
            Err(e) => {
                self.reload_failures.fetch_add(1, Ordering::Relaxed);
                error!(error = %e, "reload refused; the previous snapshot keeps serving");
                Err(e)
            }
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot bind {what} listener on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    #[error("cannot compile the sample registry: {0}")]
    Sample(String),
    #[error("{0}")]
    Other(String),
}

/// Where the sample registry lives: `./data`, else the source tree's `data/`.
pub fn sample_dir() -> PathBuf {
    let local = PathBuf::from("data");
    if local.join("arin").is_dir() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Compiles the sample registry into the temp directory unless an up-to-date copy is there.
pub fn sample_snapshot() -> Result<PathBuf, ServeError> {
    let dir = sample_dir();
    let inputs = vec![dir.join("arin"), dir.join("validation.csv")];
    let out = std::env::temp_dir().join(format!(
        "rirwhois-sample-{:016x}.snap",
        xxhash_rust::xxh3::xxh3_64(dir.display().to_string().as_bytes())
            ^ crate::snapshot::schema_hash()
    ));
    if is_fresh(&out, &inputs) {
        return Ok(out);
    }
    info!(dir = %dir.display(), out = %out.display(), "compiling the sample registry");
    let report = compile(&CompileOptions {
        inputs,
        output: out.clone(),
        strict: false,
        serial: None,
    })
    .map_err(|e| ServeError::Sample(e.to_string()))?;
    for p in &report.problems {
        warn!(problem = %p, "sample registry");
    }
    Ok(out)
}

fn is_fresh(out: &Path, inputs: &[PathBuf]) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(written) = modified(out) else {
        return false;
    };
    let mut stack: Vec<PathBuf> = inputs.to_vec();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            match std::fs::read_dir(&p) {
                Ok(rd) => stack.extend(rd.filter_map(|e| e.ok().map(|e| e.path()))),
                Err(_) => return false,
            }
        } else {
            match modified(&p) {
                Some(m) if m <= written => {}
                _ => return false,
            }
        }
    }
    true
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    let bind = |what: &'static str, addr: SocketAddr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { what, addr, source })
    };
    let local = |l: &TcpListener| l.local_addr().map_err(|e| ServeError::Other(e.to_string()));
    let mut signals = Signals::install()?;
    // The metrics listener comes first, so /readyz says "not ready" while the snapshot loads.
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let admin = bind("metrics", config.metrics.listen).await?;
    info!("metrics listening on {}", local(&admin)?);
    let ready: admin::Readiness = Arc::default();
    tasks.spawn(admin::serve(admin, ready.clone(), shutdown.clone()));

    let path = match &config.snapshot {
        Some(p) => p.clone(),
        None => tokio::task::spawn_blocking(sample_snapshot)
            .await
            .map_err(|e| ServeError::Other(e.to_string()))??,
    };
    let open_path = path.clone();
    let registry = tokio::task::spawn_blocking(move || Registry::open(&open_path))
        .await
        .map_err(|e| ServeError::Other(e.to_string()))??;
    let stats = registry.load_stats();
    info!(
        path = %path.display(),
        nets = registry.header().nets,
        serial = registry.header().serial,
        open_ms = stats.open.as_millis() as u64,
        index_ms = stats.index.as_millis() as u64,
        "snapshot loaded"
    );

    let whois = bind("whois", config.whois.listen).await?;
    let rdap = bind("rdap", config.rdap.listen).await?;
    let (whois_addr, rdap_addr) = (local(&whois)?, local(&rdap)?);

    let base_url = config.rdap_base_url(rdap_addr);
    let grace = Duration::from_secs(config.limits.shutdown_grace_secs);
    let watch = config
        .reload
        .watch
        .then(|| Duration::from_millis(config.reload.poll_ms));
    let shared = Arc::new(Shared::new(config, registry, path, base_url));
    tasks.spawn(crate::whois::serve(whois, shared.clone(), shutdown.clone()));
    tasks.spawn(crate::rdap::serve(rdap, shared.clone(), shutdown.clone()));
    if let Some(every) = watch {
        tasks.spawn(watch_snapshot(shared.clone(), every, shutdown.clone()));
    }
    ready.store(Some(shared.clone()));
    // Logged once everything answers, so whoever waits for these lines can query at once.
    info!("whois listening on {whois_addr}");
    info!("rdap listening on {rdap_addr}");

    signals.wait(&shared).await;
    info!("shutting down: no new connections, finishing queries in flight");
    ready.store(None);
    shutdown.cancel();
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        warn!(
            grace_secs = grace.as_secs(),
            "connections still open after the grace period; closing them"
        );
        tasks.abort_all();
    }
    info!("stopped");
    Ok(())
}

/// The identity of the file at a path: a rename over it changes the inode.
fn file_id(path: &Path) -> Option<(u64, u64, std::time::SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let id = {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    };
    #[cfg(not(unix))]
    let id = (0, m.len());
    Some((id.0, id.1, m.modified().ok()?))
}

/// Reloads when another file is renamed over the snapshot path.
async fn watch_snapshot(shared: Arc<Shared>, every: Duration, shutdown: CancellationToken) {
    let mut seen = file_id(&shared.snapshot_path);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let now = file_id(&shared.snapshot_path);
        if now.is_some() && now != seen {
            seen = now;
            info!(path = %shared.snapshot_path.display(), "snapshot file replaced: reloading");
            let s = shared.clone();
            let _ = tokio::task::spawn_blocking(move || s.reload()).await;
        }
    }
}

/// The signals the server answers, installed before anything is logged as listening so
/// that a SIGHUP sent right after never meets the default action (terminate).
#[cfg(unix)]
struct Signals {
    hup: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> Result<Signals, ServeError> {
        use tokio::signal::unix::{SignalKind, signal};
        let err =
            |e: std::io::Error| ServeError::Other(format!("cannot install signal handlers: {e}"));
        Ok(Signals {
            hup: signal(SignalKind::hangup()).map_err(err)?,
            term: signal(SignalKind::terminate()).map_err(err)?,
            int: signal(SignalKind::interrupt()).map_err(err)?,
        })
    }

    /// Reloads on SIGHUP; returns on SIGTERM or SIGINT.
    async fn wait(&mut self, shared: &Arc<Shared>) {
        loop {
            tokio::select! {
                _ = self.hup.recv() => {
                    info!("SIGHUP: reloading the snapshot");
                    let s = shared.clone();
                    let _ = tokio::task::spawn_blocking(move || s.reload()).await;
                }
                _ = self.term.recv() => return,
                _ = self.int.recv() => return,
            }
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> Result<Signals, ServeError> {
        Ok(Signals)
    }

    async fn wait(&mut self, _shared: &Arc<Shared>) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
