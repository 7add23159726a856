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
//! rirwhois's answer to that query. It prints both rates and their ratio.

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
    query: String,
    count: u64,
    seconds: u64,
    concurrency: usize,
    rounds: usize,
    ceiling_server: Option<PathBuf>,
}

fn opts() -> Opts {
    let mut o = Opts {
        addr: None,
        query: "23.1.2.130".into(),
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
            "--query" => o.query = val(),
            "--count" => o.count = val().parse().expect("--count N"),
            "--seconds" => o.seconds = val().parse().expect("--seconds N"),
            "--concurrency" => o.concurrency = val().parse().expect("--concurrency N"),
            "--rounds" => o.rounds = val().parse().expect("--rounds N"),
            "--ceiling-server" => o.ceiling_server = Some(PathBuf::from(val())),
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
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
}

impl Run {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// `count` queries (or as many as fit in `limit`), `concurrency` at a time.
async fn drive(
    server: SocketAddr,
    query: &str,
    count: u64,
    limit: Duration,
    concurrency: usize,
    first_source: u64,
) -> Run {
    let line: Arc<[u8]> = format!("{query}\r\n").into_bytes().into();
    let next = Arc::new(AtomicU64::new(0));
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let deadline = t0 + limit;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (line, next, ok, errors, bytes) = (
            line.clone(),
            next.clone(),
            ok.clone(),
            errors.clone(),
            bytes.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count || Instant::now() >= deadline {
                    return;
                }
                match one_query(server, source(first_source + n), &line).await {
                    Ok(len) if len > 0 => {
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
    for t in tasks {
        let _ = t.await;
    }
    Run {
        ok: ok.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        bytes: bytes.load(Ordering::Relaxed),
        elapsed: t0.elapsed(),
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
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
    // The real answer, to size the ceiling's.
    let answer = rt.block_on(async {
        let mut s = tokio::net::TcpStream::connect(server).await.unwrap();
        s.write_all(format!("{}\r\n", o.query).as_bytes())
            .await
            .unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.unwrap();
        buf
    });
    assert!(!answer.is_empty(), "rirwhois answered nothing");
    let answer_file = dir.path().join("answer.txt");
    std::fs::write(&answer_file, &answer).unwrap();
    let (_ceiling, ceiling) = start_ceiling(&answer_file);

    println!(
        "query {:?}: answer {} bytes; {} queries or {} s per measurement, {} in flight, {} rounds",
        o.query,
        answer.len(),
        o.count,
        o.seconds,
        o.concurrency,
        o.rounds
    );
    let limit = Duration::from_secs(o.seconds);
    let mut next_source = 0u64;
    let mut rates = (Vec::new(), Vec::new());
    for (name, addr) in [("rirwhois", server), ("ceiling", ceiling)] {
        // Warm-up.
        rt.block_on(drive(
            addr,
            &o.query,
            1000,
            limit,
            o.concurrency,
            next_source,
        ));
        next_source += 1000;
        let _ = name;
    }
    for round in 1..=o.rounds {
        for (name, addr) in [("rirwhois", server), ("ceiling", ceiling)] {
            let run = rt.block_on(drive(
                addr,
                &o.query,
                o.count,
                limit,
                o.concurrency,
                next_source,
            ));
            next_source += o.count;
            println!(
                "round {round} {name:<9} {:>9.0} queries/s  ({} ok, {} errors, {:.2} s, {} bytes/answer)",
                run.rate(),
                run.ok,
                run.errors,
                run.elapsed.as_secs_f64(),
                run.bytes.checked_div(run.ok).unwrap_or(0)
            );
            if name == "rirwhois" {
                rates.0.push(run.rate());
            } else {
                rates.1.push(run.rate());
            }
        }
    }
    let (ours, ceil) = (median(rates.0), median(rates.1));
    println!(
        "median: rirwhois {ours:.0} queries/s, ceiling {ceil:.0} queries/s, ratio {:.2}",
        ours / ceil
    );
}
