//! Counters and histograms of both front ends, lock-free, and their Prometheus text form.
//! The metrics listener (`/metrics`, `/healthz`, `/readyz`) lives in `server::admin`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Which front end answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frontend {
    Whois = 0,
    Rdap = 1,
}

impl Frontend {
    fn label(self) -> &'static str {
        match self {
            Frontend::Whois => "whois",
            Frontend::Rdap => "rdap",
        }
    }
}

/// Query types counted (whois and RDAP share one list).
pub(super) const QUERY_TYPES: &[&str] = &[
    "address",
    "prefix",
    "range",
    "asn",
    "handle",
    "name",
    "inverse",
    "ip",
    "autnum",
    "entity",
    "domain",
    "search",
    "reverse_search",
    "rir_search",
    "help",
    "lists",
    "page",
    "other",
];

/// Results counted.
pub(super) const RESULTS: &[&str] = &[
    "ok",
    "not_found",
    "bad_request",
    "denied",
    "redirect",
    "error",
];

/// Latency histogram bounds, in seconds.
pub(super) const BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5,
];

struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_ns: AtomicU64,
}

impl Histogram {
    fn new() -> Histogram {
        Histogram {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
        }
    }

    fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|&b| secs <= b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(
            d.as_nanos().min(u128::from(u64::MAX)) as u64,
            Ordering::Relaxed,
        );
    }
}

/// Query counters: front end, type, result.
const QUERY_COUNTERS: usize = 2 * QUERY_TYPES.len() * RESULTS.len();

/// Shards of the per-query counters (see [`Shard`]).
const SHARDS: usize = 16;

/// One shard of the counters every query adds to. Each thread adds to its own shard
/// (threads take the shards in turn), so that the worker threads do not pass these cache
/// lines to each other on every query; readers add the shards up. Aligned so that no two
/// shards share a line (or a pair of lines the prefetcher fetches together).
#[repr(align(128))]
struct Shard {
    queries: [AtomicU64; QUERY_COUNTERS],
    latency: [Histogram; 2],
}

impl Shard {
    fn new() -> Shard {
        Shard {
            queries: std::array::from_fn(|_| AtomicU64::new(0)),
            latency: [Histogram::new(), Histogram::new()],
        }
    }
}

/// The shard of the calling thread.
fn shard_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|s| *s)
}

/// All counters.
pub struct Metrics {
    shards: Box<[Shard]>,
    connections: [AtomicU64; 2],
    limits: [AtomicU64; LIMITS.len()],
}

/// Limits whose hits are counted (besides the connection caps and the personal-data limiter,
/// which count their own denials).
pub(super) const LIMITS: &[&str] = &[
    "whois_idle_timeout",
    "whois_query_too_long",
    "rdap_uri_too_long",
    "rdap_body_too_large",
    "rdap_header_timeout",
    "rdap_body_timeout",
    "rdap_write_timeout",
];

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            shards: (0..SHARDS).map(|_| Shard::new()).collect(),
            connections: [AtomicU64::new(0), AtomicU64::new(0)],
            limits: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

fn position(list: &[&str], s: &str) -> usize {
    list.iter().position(|&x| x == s).unwrap_or(list.len() - 1)
}

/// The query counter of a front end, type and result (indexes in [`QUERY_TYPES`] and
/// [`RESULTS`]).
fn counter(fe: Frontend, t: usize, r: usize) -> usize {
    (fe as usize * QUERY_TYPES.len() + t) * RESULTS.len() + r
}

impl Metrics {
    /// Counts one answered query. Unknown type or result names count as `other`/`error`.
    pub fn query(&self, fe: Frontend, qtype: &str, result: &str, elapsed: Duration) {
        let i = counter(fe, position(QUERY_TYPES, qtype), position(RESULTS, result));
        let shard = &self.shards[shard_index()];
        shard.queries[i].fetch_add(1, Ordering::Relaxed);
        shard.latency[fe as usize].observe(elapsed);
    }

    /// A counter summed over the shards.
    fn sum(&self, counter: impl Fn(&Shard) -> &AtomicU64) -> u64 {
        self.shards
            .iter()
            .map(|s| counter(s).load(Ordering::Relaxed))
            .sum()
    }

    /// Counts a hit of one of the [`LIMITS`] (an unknown name is ignored).
    pub fn limit_hit(&self, limit: &str) {
        if let Some(i) = LIMITS.iter().position(|&l| l == limit) {
            self.limits[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts an accepted connection.
    pub fn connection(&self, fe: Frontend) {
        self.connections[fe as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Queries counted so far for a front end, type and result.
    pub fn count(&self, fe: Frontend, qtype: &str, result: &str) -> u64 {
        let i = counter(fe, position(QUERY_TYPES, qtype), position(RESULTS, result));
        self.sum(|s| &s.queries[i])
    }

    /// Appends the query counters and histograms in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        out.push_str(
            "# HELP rirwhois_queries_total Queries answered, by front end, type and result.\n",
        );
        out.push_str("# TYPE rirwhois_queries_total counter\n");
        for fe in [Frontend::Whois, Frontend::Rdap] {
            for (t, qtype) in QUERY_TYPES.iter().enumerate() {
                for (r, result) in RESULTS.iter().enumerate() {
                    let i = counter(fe, t, r);
                    let n = self.sum(|s| &s.queries[i]);
                    if n > 0 {
                        let _ = writeln!(
                            out,
                            "rirwhois_queries_total{{frontend=\"{}\",type=\"{qtype}\",result=\"{result}\"}} {n}",
                            fe.label()
                        );
                    }
                }
            }
        }
        out.push_str("# HELP rirwhois_query_duration_seconds Time to answer a query.\n");
        out.push_str("# TYPE rirwhois_query_duration_seconds histogram\n");
        for fe in [Frontend::Whois, Frontend::Rdap] {
            let f = fe as usize;
            let mut cumulative = 0;
            for (b, bound) in BUCKETS.iter().enumerate() {
                cumulative += self.sum(|s| &s.latency[f].buckets[b]);
                let _ = writeln!(
                    out,
                    "rirwhois_query_duration_seconds_bucket{{frontend=\"{}\",le=\"{bound}\"}} {cumulative}",
                    fe.label()
                );
            }
            let count = self.sum(|s| &s.latency[f].count);
            let _ = writeln!(
                out,
                "rirwhois_query_duration_seconds_bucket{{frontend=\"{}\",le=\"+Inf\"}} {count}",
                fe.label()
            );
            let _ = writeln!(
                out,
                "rirwhois_query_duration_seconds_sum{{frontend=\"{}\"}} {}",
                fe.label(),
                self.sum(|s| &s.latency[f].sum_ns) as f64 / 1e9
            );
            let _ = writeln!(
                out,
                "rirwhois_query_duration_seconds_count{{frontend=\"{}\"}} {count}",
                fe.label()
            );
        }
        out.push_str(
            "# HELP rirwhois_limit_hits_total Requests stopped by a timeout or size limit.\n",
        );
        out.push_str("# TYPE rirwhois_limit_hits_total counter\n");
        for (i, limit) in LIMITS.iter().enumerate() {
            let _ = writeln!(
                out,
                "rirwhois_limit_hits_total{{limit=\"{limit}\"}} {}",
                self.limits[i].load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP rirwhois_connections_total Connections accepted.\n");
        out.push_str("# TYPE rirwhois_connections_total counter\n");
        for fe in [Frontend::Whois, Frontend::Rdap] {
            let _ = writeln!(
                out,
                "rirwhois_connections_total{{frontend=\"{}\"}} {}",
                fe.label(),
                self.connections[fe as usize].load(Ordering::Relaxed)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_renders() {
        let m = Metrics::default();
        m.query(Frontend::Whois, "address", "ok", Duration::from_micros(80));
        m.query(Frontend::Whois, "address", "ok", Duration::from_millis(3));
        m.query(Frontend::Rdap, "bogus", "weird", Duration::from_millis(1));
        assert_eq!(m.count(Frontend::Whois, "address", "ok"), 2);
        assert_eq!(m.count(Frontend::Rdap, "other", "error"), 1);
        let mut s = String::new();
        m.render(&mut s);
        assert!(s.contains(
            "rirwhois_queries_total{frontend=\"whois\",type=\"address\",result=\"ok\"} 2"
        ));
        assert!(s.contains(
            "rirwhois_query_duration_seconds_bucket{frontend=\"whois\",le=\"0.0001\"} 1"
        ));
        assert!(
            s.contains("rirwhois_query_duration_seconds_bucket{frontend=\"whois\",le=\"+Inf\"} 2")
        );
    }

    /// Threads count in their own shards, more threads than shards included; every count
    /// is in the sums.
    #[test]
    fn counts_of_many_threads_add_up() {
        let m = Metrics::default();
        let threads = SHARDS + 3;
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for _ in 0..1000 {
                        m.query(Frontend::Rdap, "ip", "ok", Duration::from_micros(70));
                    }
                });
            }
        });
        let n = (threads * 1000) as u64;
        assert_eq!(m.count(Frontend::Rdap, "ip", "ok"), n);
        let mut s = String::new();
        m.render(&mut s);
        for line in [
            format!("rirwhois_queries_total{{frontend=\"rdap\",type=\"ip\",result=\"ok\"}} {n}"),
            format!(
                "rirwhois_query_duration_seconds_bucket{{frontend=\"rdap\",le=\"0.0001\"}} {n}"
            ),
            format!("rirwhois_query_duration_seconds_count{{frontend=\"rdap\"}} {n}"),
            format!(
                "rirwhois_query_duration_seconds_sum{{frontend=\"rdap\"}} {}",
                (n * 70_000) as f64 / 1e9
            ),
        ] {
            assert!(s.contains(&line), "{line} missing from {s}");
        }
    }
}
