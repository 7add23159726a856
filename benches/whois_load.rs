//! Whois load generator and ceiling comparison.
//!
//!     scripts/bench-whois                       # builds release, starts everything itself
//!     cargo bench --bench whois_load -- --addr 127.0.0.1:4343 --query 23.1.2.130
//!
//! One TCP connection per query, loopback only, each connection from its own source address
//! spread over 127.0.0.0/8 (the client socket is bound to 127.x.y.z before connecting, which
//! also keeps every source far below the per-client limits). The run is bounded in count
//! (`--count`, default 20000 per measurement) and time (`--seconds`, default 10).
//!
//! It measures rirwhois (a running one with `--addr`, else one it starts on the test
//! fixture registry) and a minimal tokio server, started as a separate process like
//! rirwhois, that reads the query line and writes a fixed answer of the same size as
//! rirwhois's answer to that query. It prints both rates, their ratio, and the p50 and p99
//! latency of a query (connect, send, read to the end) for each.
//!
//! More options, used by `scripts/bench`: `--queries FILE` (one query a line, sent in turn;
//! the ceiling answers with the size of the first one's answer), `--no-ceiling` (measure only
//! the server at `--addr`, e.g. a peer such as IRRd), `--label NAME` (its name in the
//! output), `--sweep 1,4,16,64` (one measurement per concurrency, after the rounds). Lines
//! starting with `RESULT` and `SWEEP` are for scripts: `key=value` pairs.

#![allow(clippy::print_stdout)]

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket};

struct Opts {
    addr: Option<SocketAddr>,
    queries: Vec<String>,
    no_ceiling: bool,
    label: String,
    sweep: Vec<usize>,
    count: u64,
    seconds: u64,
    concurrency: usize,
    rounds: usize,
    ceiling_server: Option<PathBuf>,
}

fn opts() -> Opts {
    let mut o = Opts {
        addr: None,
        queries: Vec::new(),
        no_ceiling: false,
        label: "rirwhois".into(),
        sweep: Vec::new(),
        count: 20_000,
        seconds: 10,
        concurrency: 64,
        rounds: 3,
        ceiling_server: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--addr" => o.addr = Some(val().parse().expect("--addr HOST:PORT")),
            "--query" => o.queries.push(val()),
            "--queries" => {
                let f = val();
                let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{f}: {e}"));
                o.queries.extend(
                    text.lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(String::from),
                );
            }
            "--no-ceiling" => o.no_ceiling = true,
            "--label" => o.label = val(),
            "--sweep" => {
                o.sweep = val()
                    .split(',')
                    .map(|c| c.trim().parse().expect("--sweep 1,4,16"))
                    .collect()
            }
            "--count" => o.count = val().parse().expect("--count N"),
            "--seconds" => o.seconds = val().parse().expect("--seconds N"),
            "--concurrency" => o.concurrency = val().parse().expect("--concurrency N"),
            "--rounds" => o.rounds = val().parse().expect("--rounds N"),
            "--ceiling-server" => o.ceiling_server = Some(PathBuf::from(val())),
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    if o.queries.is_empty() {
        o.queries.push("23.1.2.130".into());
    }
    o
}

/// The source address of connection `n`: 127.x.y.z, never .0 or .255 in the last octet.
fn source(n: u64) -> Ipv4Addr {
    let host = n % (254 * 256 * 255);
    let z = (host % 254) as u8 + 1;
    let y = ((host / 254) % 256) as u8;
    let x = ((host / (254 * 256)) % 255) as u8 + 1;
    Ipv4Addr::new(127, x, y, z)
}

async fn one_query(server: SocketAddr, from: Ipv4Addr, line: &[u8]) -> std::io::Result<usize> {
    let sock = TcpSocket::new_v4()?;
    sock.bind(SocketAddr::from((from, 0)))?;
    let mut s = sock.connect(server).await?;
    s.write_all(line).await?;
    let mut buf = Vec::with_capacity(4096);
    s.read_to_end(&mut buf).await?;
    Ok(buf.len())
}

struct Run {
    ok: u64,
    errors: u64,
    bytes: u64,
    elapsed: Duration,
    /// Latency of every answered query, in microseconds, sorted.
    micros: Vec<u32>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency at quantile `q` (0..=1), in milliseconds.
    fn quantile_ms(&self, q: f64) -> f64 {
        if self.micros.is_empty() {
            return f64::NAN;
        }
        let i = ((self.micros.len() - 1) as f64 * q).round() as usize;
        f64::from(self.micros[i]) / 1000.0
    }
}

/// `count` queries (or as many as fit in `limit`), `concurrency` at a time; query `n` is
/// `queries[n % len]`.
async fn drive(
    server: SocketAddr,
    queries: &[String],
    count: u64,
    limit: Duration,
    concurrency: usize,
    first_source: u64,
) -> Run {
    let lines: Arc<[Vec<u8>]> = queries
        .iter()
        .map(|q| format!("{q}\r\n").into_bytes())
        .collect();
    let next = Arc::new(AtomicU64::new(0));
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let deadline = t0 + limit;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (lines, next, ok, errors, bytes) = (
            lines.clone(),
            next.clone(),
            ok.clone(),
            errors.clone(),
            bytes.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut micros = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count || Instant::now() >= deadline {
                    return micros;
                }
                let line = &lines[(n % lines.len() as u64) as usize];
                let t = Instant::now();
                match one_query(server, source(first_source + n), line).await {
                    Ok(len) if len > 0 => {
                        micros.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                        ok.fetch_add(1, Ordering::Relaxed);
                        bytes.fetch_add(len as u64, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let mut micros = Vec::new();
    for t in tasks {
        if let Ok(m) = t.await {
            micros.extend(m);
        }
    }
    micros.sort_unstable();
    Run {
        ok: ok.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        bytes: bytes.load(Ordering::Relaxed),
        elapsed: t0.elapsed(),
        micros,
    }
}

/// The ceiling: read the query line, write the fixed answer, close.
async fn ceiling_server(answer_file: PathBuf) {
    let answer: Arc<[u8]> = std::fs::read(answer_file).expect("answer file").into();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("ceiling listening on {}", listener.local_addr().unwrap());
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let answer = answer.clone();
        tokio::spawn(async move {
            let mut stream = BufReader::new(stream);
            let mut line = Vec::new();
            if stream.read_until(b'\n', &mut line).await.is_err() {
                return;
            }
            let mut stream = stream.into_inner();
            let _ = stream.write_all(&answer).await;
            let _ = stream.shutdown().await;
            let mut sink = [0u8; 512];
            while let Ok(n) = stream.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
        });
    }
}

/// A child process that prints `... listening on ADDR` on `stream`; kills it on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_listening(reader: impl std::io::Read + Send + 'static, what: &str) -> SocketAddr {
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(reader).lines();
    for line in lines.by_ref() {
        let line = line.expect("read child output");
        if let Some(rest) = line.split(&format!("{what} listening on ")).nth(1) {
            let addr = rest.trim().parse().expect("listening address");
            std::thread::spawn(move || for _ in lines {});
            return addr;
        }
    }
    panic!("{what} never said where it listens");
}

fn start_rirwhois(dir: &std::path::Path) -> (Proc, SocketAddr) {
    let bin = env!("CARGO_BIN_EXE_rirwhois");
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/whois");
    let snap = dir.join("bench.snap");
    let out = Command::new(bin)
        .env("RUST_LOG", "warn")
        .args(["compile", "-o"])
        .arg(&snap)
        .arg(&fixtures)
        .output()
        .expect("compile the fixture registry");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut child = Command::new(bin)
        .env("RUST_LOG", "info")
        .args(["serve", "--snapshot"])
        .arg(&snap)
        .args([
            "--whois",
            "127.0.0.1:0",
            "--rdap",
            "127.0.0.1:0",
            "--metrics",
            "127.0.0.1:0",
        ])
        .args(["--as-of", "2026-11-01", "--dialect", "arin"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rirwhois serve");
    let addr = wait_listening(child.stderr.take().unwrap(), "whois");
    (Proc(child), addr)
}

fn start_ceiling(answer_file: &std::path::Path) -> (Proc, SocketAddr) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--ceiling-server")
        .arg(answer_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the ceiling server");
    let addr = wait_listening(child.stdout.take().unwrap(), "ceiling");
    (Proc(child), addr)
}

fn main() {
    let o = opts();
    if let Some(answer) = o.ceiling_server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(ceiling_server(answer));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_own, server) = match o.addr {
        Some(a) => (None, a),
        None => {
            let (p, a) = start_rirwhois(dir.path());
            (Some(p), a)
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The real answer to the first query, to size the ceiling's.
    let answer = rt.block_on(async {
        let mut s = tokio::net::TcpStream::connect(server).await.unwrap();
        s.write_all(format!("{}\r\n", o.queries[0]).as_bytes())
            .await
            .unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.unwrap();
        buf
    });
    assert!(!answer.is_empty(), "{} answered nothing", o.label);
    let answer_file = dir.path().join("answer.txt");
    std::fs::write(&answer_file, &answer).unwrap();
    let ceiling = (!o.no_ceiling).then(|| start_ceiling(&answer_file));
    let mut servers = vec![(o.label.as_str(), server)];
    if let Some((_, addr)) = &ceiling {
        servers.push(("ceiling", *addr));
    }

    println!(
        "queries {:?}{}: first answer {} bytes; {} queries or {} s per measurement, {} in flight, {} rounds",
        &o.queries[..o.queries.len().min(3)],
        if o.queries.len() > 3 { " ..." } else { "" },
        answer.len(),
        o.count,
        o.seconds,
        o.concurrency,
        o.rounds
    );
    let limit = Duration::from_secs(o.seconds);
    let mut next_source = 0u64;
    for &(_, addr) in &servers {
        // Warm-up.
        rt.block_on(drive(
            addr,
            &o.queries,
            1000,
            limit,
            o.concurrency,
            next_source,
        ));
        next_source += 1000;
    }
    let mut runs: Vec<Vec<Run>> = servers.iter().map(|_| Vec::new()).collect();
    for round in 1..=o.rounds {
        for (k, &(name, addr)) in servers.iter().enumerate() {
            let run = rt.block_on(drive(
                addr,
                &o.queries,
                o.count,
                limit,
                o.concurrency,
                next_source,
            ));
            next_source += o.count;
            println!(
                "round {round} {name:<9} {:>9.0} queries/s  p50 {:.2} ms  p99 {:.2} ms  ({} ok, {} errors, {:.2} s, {} bytes/answer)",
                run.rate(),
                run.quantile_ms(0.5),
                run.quantile_ms(0.99),
                run.ok,
                run.errors,
                run.elapsed.as_secs_f64(),
                run.bytes.checked_div(run.ok).unwrap_or(0)
            );
            runs[k].push(run);
        }
    }
    // The round with the median rate stands for each server.
    let mut medians = Vec::new();
    for (k, &(name, _)) in servers.iter().enumerate() {
        let rs = &mut runs[k];
        rs.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
        let m = &rs[rs.len() / 2];
        println!(
            "RESULT name={name} concurrency={} rate={:.0} p50_ms={:.3} p99_ms={:.3} errors={}",
            o.concurrency,
            m.rate(),
            m.quantile_ms(0.5),
            m.quantile_ms(0.99),
            rs.iter().map(|r| r.errors).sum::<u64>()
        );
        medians.push(m.rate());
    }
    if medians.len() == 2 {
        println!(
            "median: {} {:.0} queries/s, ceiling {:.0} queries/s, ratio {:.2}",
            o.label,
            medians[0],
            medians[1],
            medians[0] / medians[1]
        );
        println!("RESULT ratio={:.3}", medians[0] / medians[1]);
    }
    for &c in &o.sweep {
        for &(name, addr) in &servers {
            let run = rt.block_on(drive(addr, &o.queries, o.count, limit, c, next_source));
            next_source += o.count;
            println!(
                "SWEEP name={name} concurrency={c} rate={:.0} p50_ms={:.3} p99_ms={:.3} errors={}",
                run.rate(),
                run.quantile_ms(0.5),
                run.quantile_ms(0.99),
                run.errors
            );
        }
    }
}
