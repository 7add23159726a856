//! The real server process: listeners on port 0, /metrics, /healthz, /readyz, reload on
//! SIGHUP and on rename (a bad file refused, the old snapshot kept), reloads under load on
//! both protocols with no failed or mixed answer, graceful shutdown, and configuration
//! errors.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::Serve;

const ARIN: &str = r#"<collection xmlns="http://www.arin.net/regrws/core/v1">
  <poc><handle>AB-TEST</handle><contactType>ROLE</contactType><lastName>Abuse</lastName>
    <emails><email>abuse@serial-SERIAL.example.net</email></emails></poc>
  <org><handle>ORG-T</handle><orgName>Test Org SERIAL</orgName>
    <pocLinks><pocLinkRef handle="AB-TEST" function="AB"/></pocLinks></org>
  <net><version>4</version><handle>NET-T</handle><netName>T-SERIAL</netName><orgHandle>ORG-T</orgHandle>
    <netBlocks><netBlock><type>DA</type><startAddress>23.0.0.0</startAddress><cidrLength>8</cidrLength></netBlock></netBlocks></net>
</collection>
"#;

/// Compiles a one-net registry whose abuse mailbox names `serial`.
fn snapshot(dir: &Path, name: &str, serial: u64) -> PathBuf {
    let src = dir.join(format!("{name}.xml"));
    std::fs::write(&src, ARIN.replace("SERIAL", &serial.to_string())).unwrap();
    let out = dir.join(name);
    common::compile(&out, &["--serial", &serial.to_string()], &[&src]);
    out
}

/// The server, with the requests these tests make of it.
struct Server(Serve);

impl std::ops::Deref for Server {
    type Target = Serve;
    fn deref(&self) -> &Serve {
        &self.0
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut Serve {
        &mut self.0
    }
}

impl Server {
    fn start(args: &[&str]) -> Server {
        Server(Serve::start(None, "", args))
    }

    fn whois(&self, query: &str) -> String {
        let mut s = TcpStream::connect(self.whois).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "{query}\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.pid().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(self.metrics).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let status = out[9..12].parse().unwrap();
        let body = out
            .split_once("\r\n\r\n")
            .map(|x| x.1)
            .unwrap_or("")
            .to_string();
        (status, body)
    }

    fn metric(&self, name: &str) -> f64 {
        let (_, body) = self.get("/metrics");
        body.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {body}"))
            .parse()
            .unwrap()
    }
}

#[test]
fn metrics_health_reload_and_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let a = snapshot(dir.path(), "a.snap", 1001);
    let b = snapshot(dir.path(), "b.snap", 1002);
    let live = dir.path().join("live.snap");
    std::fs::copy(&a, &live).unwrap();
    let mut srv = Server::start(&[
        "--snapshot",
        live.to_str().unwrap(),
        "--as-of",
        "2026-11-01",
    ]);

    assert_eq!(srv.get("/healthz").0, 200);
    let (status, body) = srv.get("/readyz");
    assert_eq!(status, 200);
    assert!(body.contains("serial 1001"), "{body}");
    assert_eq!(srv.get("/nope").0, 404);
    let answer = srv.whois("23.1.2.3");
    assert!(answer.contains("abuse@serial-1001.example.net"), "{answer}");
    let answer = srv.whois("99.1.2.3");
    assert!(answer.contains("%ERROR:101"), "{answer}");
    let (status, _) = rdap_at(srv.rdap, "/ip/23.1.2.3").unwrap();
    assert_eq!(status, 200);
    let (status, _) = rdap_at(srv.rdap, "/ip/99.1.2.3").unwrap();
    assert_eq!(status, 404);
    let long = format!("/entity/{}", "A".repeat(5000));
    let (status, _) = rdap_at(srv.rdap, &long).unwrap();
    assert_eq!(status, 414);
    let too_long = srv.whois(&"x".repeat(2000));
    assert!(too_long.contains("%ERROR:"), "{too_long}");
    let (_, body) = srv.get("/metrics");
    for limit in ["rdap_uri_too_long", "whois_query_too_long"] {
        let line = format!("rirwhois_limit_hits_total{{limit=\"{limit}\"}} 1");
        assert!(body.contains(&line), "{line} missing from {body}");
    }
    for (fe, t, r) in [("rdap", "ip", "ok"), ("rdap", "ip", "not_found")] {
        let line =
            format!("rirwhois_queries_total{{frontend=\"{fe}\",type=\"{t}\",result=\"{r}\"}} 1");
        assert!(body.contains(&line), "{line} missing from {body}");
    }
    assert!(
        body.contains(
            "rirwhois_queries_total{frontend=\"whois\",type=\"address\",result=\"ok\"} 1"
        ),
        "{body}"
    );
    assert!(
        body.contains(
            "rirwhois_queries_total{frontend=\"whois\",type=\"address\",result=\"not_found\"} 1"
        ),
        "{body}"
    );
    assert_eq!(srv.metric("rirwhois_snapshot_serial"), 1001.0);
    assert_eq!(srv.metric("rirwhois_snapshot_networks"), 1.0);
    let (_, body) = srv.get("/metrics");
    for name in [
        "rirwhois_open_connections",
        "rirwhois_personal_denials_total",
        "rirwhois_connection_denials_total",
        "rirwhois_snapshot_age_seconds",
        "rirwhois_snapshot_load_seconds",
        "rirwhois_query_duration_seconds_bucket{frontend=\"whois\",le=\"+Inf\"}",
    ] {
        assert!(body.contains(name), "{name} missing from {body}");
    }

    // SIGHUP with a new file renamed into place: reloaded.
    let tmp = dir.path().join(".live.tmp");
    std::fs::copy(&b, &tmp).unwrap();
    std::fs::rename(&tmp, &live).unwrap();
    srv.signal("-HUP");
    srv.wait_for("snapshot reloaded");
    assert_eq!(
        srv.metric("rirwhois_snapshot_serial"),
        1002.0,
        "{:#?}",
        srv.log
    );
    // The new snapshot's prefix tries, built after it serves.
    let line = srv.wait_for("prefix tries built");
    assert!(line.contains("serial=1002"), "{line}");
    assert!(srv.metric("rirwhois_reloads_total") >= 1.0);

    // A corrupted file renamed over the path: refused, counted, the old one keeps serving.
    let mut bytes = std::fs::read(&a).unwrap();
    let n = bytes.len();
    bytes[n - 20] ^= 0xff;
    std::fs::write(&tmp, &bytes).unwrap();
    std::fs::rename(&tmp, &live).unwrap();
    srv.wait_for("reload refused");
    assert_eq!(srv.metric("rirwhois_snapshot_serial"), 1002.0);
    assert!(
        srv.whois("23.1.2.3")
            .contains("abuse@serial-1002.example.net")
    );
    assert!(srv.metric("rirwhois_reload_failures_total") >= 1.0);
    assert_eq!(srv.get("/readyz").0, 200);

    // A good file renamed over the path is picked up without a signal.
    std::fs::copy(&a, &tmp).unwrap();
    std::fs::rename(&tmp, &live).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while srv.metric("rirwhois_snapshot_serial") != 1001.0 {
        assert!(Instant::now() < deadline, "rename not picked up");
        std::thread::sleep(Duration::from_millis(100));
    }

    srv.signal("-TERM");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = srv.child().try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    srv.wait_for("stopped");
}

/// Runs `rirwhois serve --check-config` with more arguments.
fn check_config(args: &[&str]) -> std::process::Output {
    common::bin()
        .args(["serve", "--check-config"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn configuration_errors_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[whois]\nlisten = \"127.0.0.1:0\"\ndialekt = \"arin\"\n",
    )
    .unwrap();
    let out = check_config(&["--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("dialekt"), "{err}");

    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "[limits]\npersonal_per_day = 5\n[policy]\nprofile = \"lacnic\"\n",
    )
    .unwrap();
    let out = check_config(&["--config", good.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("configuration ok"));

    let out = check_config(&["--as-of", "someday"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a date"));
}

#[test]
fn a_damaged_snapshot_stops_startup_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let a = snapshot(dir.path(), "a.snap", 7);
    let bytes = std::fs::read(&a).unwrap();
    std::fs::write(&a, &bytes[..bytes.len() / 2]).unwrap();
    let out = common::bin()
        .args([
            "serve",
            "--whois",
            "127.0.0.1:0",
            "--rdap",
            "127.0.0.1:0",
            "--metrics",
            "127.0.0.1:0",
            "--snapshot",
        ])
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a.snap") && err.contains("truncated"), "{err}");
}

/// One whois query on its own connection.
fn whois_at(addr: SocketAddr, query: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "{query}\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// One RDAP GET on its own connection: status and body.
fn rdap_at(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nAccept: application/rdap+json\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    Ok((
        status,
        out.split_once("\r\n\r\n")
            .map(|x| x.1)
            .unwrap_or("")
            .to_string(),
    ))
}

/// Which snapshot an answer came from: `Some(serial)` when every marker names the same one.
fn origin(answer: &str) -> Option<u64> {
    let has = |serial: u64| {
        [
            format!("serial-{serial}.example.net"),
            format!("Test Org {serial}"),
            format!("T-{serial}"),
        ]
        .iter()
        .map(|m| answer.contains(m.as_str()))
        .collect::<Vec<_>>()
    };
    let (a, b) = (has(1001), has(1002));
    if a.iter().all(|&x| x) && !b.iter().any(|&x| x) {
        Some(1001)
    } else if b.iter().all(|&x| x) && !a.iter().any(|&x| x) {
        Some(1002)
    } else {
        None
    }
}

#[test]
fn reloads_under_load_lose_no_query_and_mix_no_answer() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    let dir = tempfile::tempdir().unwrap();
    let a = snapshot(dir.path(), "a.snap", 1001);
    let b = snapshot(dir.path(), "b.snap", 1002);
    let live = dir.path().join("live.snap");
    std::fs::copy(&a, &live).unwrap();
    // The rename watcher is off so that every reload here is one SIGHUP and one log line.
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[reload]\nwatch = false\n").unwrap();
    let mut srv = Server::start(&[
        "--snapshot",
        live.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--as-of",
        "2026-11-01",
    ]);

    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let total = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for n in 0..4 {
        let (stop, failures, seen, total) =
            (stop.clone(), failures.clone(), seen.clone(), total.clone());
        let (whois, rdap) = (srv.whois, srv.rdap);
        clients.push(std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                let got = if n % 2 == 0 {
                    whois_at(whois, "23.1.2.3").map(|t| (200, t))
                } else {
                    rdap_at(rdap, "/ip/23.1.2.3")
                };
                total.fetch_add(1, Ordering::Relaxed);
                match got {
                    Ok((200, body)) => match origin(&body) {
                        Some(serial) => {
                            seen[(serial - 1001) as usize].fetch_add(1, Ordering::Relaxed);
                        }
                        None => failures
                            .lock()
                            .unwrap()
                            .push(format!("mixed or incomplete: {body}")),
                    },
                    Ok((status, body)) => failures
                        .lock()
                        .unwrap()
                        .push(format!("status {status}: {body}")),
                    Err(e) => failures.lock().unwrap().push(format!("error: {e}")),
                }
            }
        }));
    }

    let tmp = dir.path().join(".live.tmp");
    for round in 0..20 {
        let next = if round % 2 == 0 { &b } else { &a };
        std::fs::copy(next, &tmp).unwrap();
        std::fs::rename(&tmp, &live).unwrap();
        srv.signal("-HUP");
        srv.wait_for("snapshot reloaded");
        std::thread::sleep(Duration::from_millis(50));
        if round == 10 {
            // One corrupted file in the middle: refused, the old snapshot keeps serving.
            let mut bytes = std::fs::read(&a).unwrap();
            let n = bytes.len();
            bytes[n / 2] ^= 0x55;
            std::fs::write(&tmp, &bytes).unwrap();
            std::fs::rename(&tmp, &live).unwrap();
            srv.signal("-HUP");
            srv.wait_for("reload refused");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed queries: {:#?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let (from_a, from_b) = (
        seen[0].load(Ordering::Relaxed),
        seen[1].load(Ordering::Relaxed),
    );
    assert!(
        from_a > 0 && from_b > 0,
        "answers from both snapshots: {from_a} and {from_b}"
    );
    assert!(
        total.load(Ordering::Relaxed) >= 40,
        "load was too light to mean anything"
    );
    assert_eq!(srv.metric("rirwhois_reloads_total"), 20.0);
    assert_eq!(srv.metric("rirwhois_reload_failures_total"), 1.0);
}

#[test]
fn shutdown_closes_open_connections_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let a = snapshot(dir.path(), "a.snap", 1001);
    let mut srv = Server::start(&["--snapshot", a.to_str().unwrap()]);
    // A keep-alive RDAP connection with one answered request, and an idle whois connection.
    let mut keep = TcpStream::connect(srv.rdap).unwrap();
    keep.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(keep, "GET /ip/23.1.2.3 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 4096];
    let n = keep.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let idle = TcpStream::connect(srv.whois).unwrap();
    let t0 = Instant::now();
    srv.signal("-TERM");
    loop {
        if let Some(status) = srv.child().try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        // The default grace period is 10 s; open idle connections must not hold it longer.
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "did not stop within the grace period"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    srv.wait_for("stopped");
    // New connections are refused once it stopped.
    assert!(TcpStream::connect(srv.whois).is_err());
    drop((idle, keep));
}
