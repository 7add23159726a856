//! Abuse data under attack: the real binary with a small personal-data limit. One client
//! (its sockets bound to 127.0.0.2) floods personal-data whois queries (non-abuse POC
//! handles) and is denied with `%ERROR:201`; meanwhile `-b` queries and plain address
//! queries from that client and from another one (127.0.0.3) keep answering with the abuse
//! mailbox, promptly. Loopback only, bounded in count and time.
//!
//! RDAP abuse lookups are not part of this test yet: the RDAP front end is not on this
//! branch.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const ATTACKER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const BYSTANDER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
/// Personal-data answers a client gets per day.
const LIMIT: u64 = 5;
/// Flooding connections at once, and the most queries they send in all.
const FLOODERS: usize = 4;
const MAX_FLOOD: u64 = 30_000;
/// How long the abuse lookups go on while the flood runs, and how long the flood lasts at most.
const CHECK_TIME: Duration = Duration::from_secs(3);
const FLOOD_TIME: Duration = Duration::from_secs(8);
/// The slowest acceptable answer to an abuse query while the flood goes on.
const SLOWEST: Duration = Duration::from_secs(2);

/// Non-abuse POCs of the fixture registry (personal data).
const PERSONAL: &[&str] = &["TECH1-TEST", "ADMIN3-TEST", "NOC1-TEST", "JD1-TEST"];
/// Addresses and the abuse mailbox each must show.
const ABUSE: &[(&str, &str)] = &[
    ("23.1.3.4", "reports@delta.example.com"),
    ("23.1.2.130", "abuse@alpha.example.net"),
    ("2001:db8::1", "abuse@alpha.example.net"),
    ("45.0.1.7", "abuse@beta.example.net"),
];

struct Server {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("registry.snap");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/whois");
    let out = Command::new(env!("CARGO_BIN_EXE_rirwhois"))
        .env("RUST_LOG", "warn")
        .args(["compile", "--strict", "-o"])
        .arg(&snap)
        .arg(&fixtures)
        .output()
        .expect("run rirwhois compile");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.path().join("rirwhois.toml");
    std::fs::write(
        &config,
        "[rdap]\nbase_url = \"https://rdap.example.net/\"\n\
         [urls]\nterms = \"https://registry.example.net/terms\"\n\
         inaccuracy_report = \"https://registry.example.net/report\"\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rirwhois"))
        .env("RUST_LOG", "info")
        .arg("serve")
        .arg("--snapshot")
        .arg(&snap)
        .args(["--whois", "127.0.0.1:0", "--rdap", "127.0.0.1:0"])
        .args(["--metrics", "127.0.0.1:0", "--dialect", "arin"])
        .args([
            "--as-of",
            "2026-11-01",
            "--personal-limit",
            &LIMIT.to_string(),
        ])
        .arg("--config")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rirwhois serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("whois listening on ")
                .nth(1)
                .map(|a| a.trim().parse())
        })
        .map(Result::unwrap);
    let Some(addr) = addr else {
        let _ = child.kill();
        panic!("the server never said where it listens");
    };
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        addr,
        _dir: dir,
    }
}

/// Sends one query from a socket bound to `from` and reads the whole answer.
fn query(from: IpAddr, to: SocketAddr, q: &str) -> String {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
    }
    let stream = RT.with(|rt| {
        rt.block_on(async {
            let s = tokio::net::TcpSocket::new_v4()?;
            s.bind(SocketAddr::new(from, 0))?;
            s.connect(to).await?.into_std()
        })
    });
    let mut s: TcpStream = stream.expect("connect");
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("{q}\r\n").as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn abuse_answers_continue_while_a_flooding_client_is_denied() {
    let server = start();
    let to = server.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let denied = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();

    // The flood: personal-data queries from 127.0.0.2, as fast as the server answers.
    let flood: Vec<_> = (0..FLOODERS)
        .map(|k| {
            let (stop, sent, denied) = (stop.clone(), sent.clone(), denied.clone());
            std::thread::spawn(move || {
                let mut n = k;
                while !stop.load(Ordering::Relaxed)
                    && t0.elapsed() < FLOOD_TIME
                    && sent.fetch_add(1, Ordering::Relaxed) < MAX_FLOOD
                {
                    let a = query(ATTACKER, to, PERSONAL[n % PERSONAL.len()]);
                    n += 1;
                    if a.contains("%ERROR:201") {
                        assert!(!a.contains("jo@alpha.example.net"), "{a}");
                        denied.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();

    // Abuse lookups from the flooding client and from a bystander while the flood goes on.
    let mut checked = 0u32;
    let mut slowest = Duration::ZERO;
    let mut round = 0usize;
    while t0.elapsed() < CHECK_TIME && round < 2000 {
        let (addr, mailbox) = ABUSE[round % ABUSE.len()];
        for from in [ATTACKER, BYSTANDER] {
            for q in [format!("-b {addr}"), addr.to_string()] {
                let t = Instant::now();
                let a = query(from, to, &q);
                slowest = slowest.max(t.elapsed());
                let line = format!("is '{mailbox}'");
                if q.starts_with("-b") {
                    assert!(!a.contains("%ERROR"), "{from} {q}: {a}");
                    assert!(a.contains(mailbox), "{from} {q}: {a}");
                } else {
                    // The abuse line, denied or not; the abuse block of a denied answer too.
                    assert!(a.contains(&line), "{from} {q}: {a}");
                }
                checked += 1;
            }
        }
        round += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for t in flood {
        t.join().unwrap();
    }
    let (sent, denied) = (
        sent.load(Ordering::Relaxed).min(MAX_FLOOD),
        denied.load(Ordering::Relaxed),
    );
    eprintln!(
        "flood: {sent} personal-data queries from {ATTACKER} in {:.1}s, {denied} denied; \
         {checked} abuse queries answered, slowest {slowest:?}",
        t0.elapsed().as_secs_f64()
    );
    assert!(
        sent > 50,
        "the flood was too small to mean anything: {sent}"
    );
    // Everything past the limit was denied (the attacker's own plain address queries
    // count against its limit too).
    assert!(denied + LIMIT >= sent, "{denied} of {sent} denied");
    assert!(checked >= 40, "{checked} abuse queries");
    assert!(slowest < SLOWEST, "an abuse query took {slowest:?}");

    // After the flood, the bystander's personal data is limited on its own count, and
    // the attacker is still denied while its abuse answers go on.
    let a = query(ATTACKER, to, "TECH1-TEST");
    assert!(a.contains("%ERROR:201: access denied for 127.0.0.2"), "{a}");
    let b = query(ATTACKER, to, "-b 23.1.3.4");
    assert!(
        b.contains("reports@delta.example.com") && !b.contains("%ERROR"),
        "{b}"
    );
}
