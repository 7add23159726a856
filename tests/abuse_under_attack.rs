//! Abuse data under attack: the real binary with a small personal-data limit. One client
//! (its sockets bound to 127.0.0.2) floods personal-data queries (non-abuse POC handles),
//! on port 43 and as RDAP `/entity` lookups, and is denied (`%ERROR:201`, HTTP 429: one
//! limiter for both). Meanwhile `-b` queries, plain address queries and RDAP `/ip` lookups
//! from that client and from another one (127.0.0.3) keep answering with the abuse mailbox,
//! promptly. Loopback only, bounded in count and time.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod common;
use common::Serve;

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

/// A running `rirwhois serve`, and the directory of its snapshot.
struct Server {
    serve: Serve,
    _dir: tempfile::TempDir,
}

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("registry.snap");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/whois");
    common::compile(&snap, &[], &[&fixtures]);
    let config = "[rdap]\nbase_url = \"https://rdap.example.net/\"\n\
         [urls]\nterms = \"https://registry.example.net/terms\"\n\
         inaccuracy_report = \"https://registry.example.net/report\"\n";
    let limit = LIMIT.to_string();
    let flags = [
        "--dialect",
        "arin",
        "--as-of",
        "2026-11-01",
        "--personal-limit",
        &limit,
    ];
    Server {
        serve: Serve::start(Some(&snap), config, &flags),
        _dir: dir,
    }
}

/// A connection from a socket bound to `from`, with a read timeout.
fn connect(from: IpAddr, to: SocketAddr) -> TcpStream {
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
    let s: TcpStream = stream.expect("connect");
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Sends one whois query from a socket bound to `from` and reads the whole answer.
fn query(from: IpAddr, to: SocketAddr, q: &str) -> String {
    let mut s = connect(from, to);
    s.write_all(format!("{q}\r\n").as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// Sends one RDAP GET from a socket bound to `from`: the status and the whole response
/// (head and body).
fn rdap(from: IpAddr, to: SocketAddr, path: &str) -> (u16, String) {
    let mut s = connect(from, to);
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: rdap.test\r\nAccept: application/rdap+json\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, out)
}

#[test]
fn abuse_answers_continue_while_a_flooding_client_is_denied() {
    let server = start();
    let (to, to_rdap) = (server.serve.whois, server.serve.rdap);
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let denied = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();

    // The flood: personal-data queries from 127.0.0.2, as fast as the server answers, half
    // of the flooders on port 43 and half as RDAP entity lookups.
    let flood: Vec<_> = (0..FLOODERS)
        .map(|k| {
            let (stop, sent, denied) = (stop.clone(), sent.clone(), denied.clone());
            std::thread::spawn(move || {
                let mut n = k;
                while !stop.load(Ordering::Relaxed)
                    && t0.elapsed() < FLOOD_TIME
                    && sent.fetch_add(1, Ordering::Relaxed) < MAX_FLOOD
                {
                    let handle = PERSONAL[n % PERSONAL.len()];
                    n += 1;
                    let refused = if k % 2 == 0 {
                        let a = query(ATTACKER, to, handle);
                        a.contains("%ERROR:201").then_some(a)
                    } else {
                        let (status, a) = rdap(ATTACKER, to_rdap, &format!("/entity/{handle}"));
                        if status == 429 {
                            assert!(a.to_ascii_lowercase().contains("\r\nretry-after: "), "{a}");
                        } else {
                            assert_eq!(status, 200, "{a}");
                        }
                        (status == 429).then_some(a)
                    };
                    if let Some(a) = refused {
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
            // The network over RDAP, with its abuse contact's mailbox.
            let t = Instant::now();
            let (status, a) = rdap(from, to_rdap, &format!("/ip/{addr}"));
            slowest = slowest.max(t.elapsed());
            assert_eq!(status, 200, "{from} /ip/{addr}: {a}");
            assert!(a.contains(mailbox), "{from} /ip/{addr}: {a}");
            checked += 1;
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
    let (status, a) = rdap(ATTACKER, to_rdap, "/entity/TECH1-TEST");
    assert_eq!(status, 429, "{a}");
    let (status, a) = rdap(ATTACKER, to_rdap, "/ip/23.1.3.4");
    assert_eq!(status, 200, "{a}");
    assert!(a.contains("reports@delta.example.com"), "{a}");
}

/// One limit for both protocols, counted by the clock on both, whatever date the answers
/// are given as of (`--as-of`): personal data past the limit on port 43 denies RDAP
/// `/entity` lookups of contacts too, and RDAP lookups do not give the client a new count.
#[test]
fn one_personal_data_limit_for_whois_and_rdap() {
    let server = start();
    let (to, to_rdap) = (server.serve.whois, server.serve.rdap);
    for _ in 0..LIMIT {
        let a = query(ATTACKER, to, "JD1-TEST");
        assert!(!a.contains("%ERROR:201"), "{a}");
    }
    assert!(query(ATTACKER, to, "JD1-TEST").contains("%ERROR:201"));
    let (status, a) = rdap(ATTACKER, to_rdap, "/entity/JD1-TEST");
    assert_eq!(status, 429, "{a}");
    let (status, a) = rdap(ATTACKER, to_rdap, "/ip/23.1.3.4");
    assert_eq!(status, 200, "{a}");
    let a = query(ATTACKER, to, "JD1-TEST");
    assert!(a.contains("%ERROR:201"), "still denied: {a}");
    // Another client has a count of its own.
    let (status, a) = rdap(BYSTANDER, to_rdap, "/entity/JD1-TEST");
    assert_eq!(status, 200, "{a}");
}
