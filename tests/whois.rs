//! The whois front end of the real binary on port 0: both dialects against expected-output
//! files in `data/expected/whois/` (`RIRWHOIS_BLESS=1` rewrites them), the fail2ban complain
//! scorer and abuse_finder extraction for every test net, the Debian `whois` client (skipped
//! with a notice when `/usr/bin/whois` is missing), raw TCP for flags and errors, timeouts,
//! oversized and garbage input, connection caps and the personal-data limit.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

mod common;
use common::Serve;

const AS_OF: &str = "2026-11-01";
const REPORT_URL: &str = "https://registry.example.net/report-invalid-contact";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/whois")
}

/// The fixture registry, compiled once per test run.
fn snapshot() -> &'static Path {
    static SNAP: OnceLock<PathBuf> = OnceLock::new();
    SNAP.get_or_init(|| {
        let snap = common::process_dir("whois").join("whois.snap");
        common::compile(&snap, &["--serial", "42"], &[fixtures()]);
        snap
    })
}

/// A running `rirwhois serve`.
struct Server(Serve);

impl Server {
    /// Starts the server with a config file holding `extra` (TOML) after fixed URLs.
    fn start(args: &[&str], extra: &str) -> Server {
        Server::start_with(Some(snapshot()), args, extra)
    }

    /// Starts the server; without a snapshot it serves the sample registry in `data/`.
    fn start_with(snap: Option<&Path>, args: &[&str], extra: &str) -> Server {
        let config = format!(
            "[rdap]\nbase_url = \"https://rdap.example.net/\"\n\
             [urls]\nterms = \"https://registry.example.net/terms\"\n\
             inaccuracy_report = \"{REPORT_URL}\"\n{extra}"
        );
        Server(Serve::start(
            snap,
            &config,
            &[&["--as-of", AS_OF], args].concat(),
        ))
    }

    /// Its whois address.
    fn addr(&self) -> SocketAddr {
        self.0.whois
    }

    fn dialect(d: &str) -> Server {
        Server::start(&["--dialect", d], "")
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    }

    /// Sends one query line (CRLF) and reads the whole answer.
    fn query(&self, q: &str) -> String {
        self.send(format!("{q}\r\n").as_bytes())
    }

    fn send(&self, bytes: &[u8]) -> String {
        let mut s = self.connect();
        s.write_all(bytes).unwrap();
        read_all(&mut s)
    }
}

fn read_all(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// The two extraction methods abuse reporters use.

fn emails(line: &str) -> Vec<String> {
    // `[\w.+-]+@[\w.-]+`, as both tools match addresses.
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '-';
    let mut out = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c != '@' {
            continue;
        }
        let mut s = i;
        while s > 0 && (word(chars[s - 1]) || chars[s - 1] == '+') {
            s -= 1;
        }
        let mut e = i + 1;
        while e < chars.len() && word(chars[e]) {
            e += 1;
        }
        if s < i && e > i + 1 {
            out.push(chars[s..e].iter().collect());
        }
    }
    out
}

/// The classic fail2ban complain scorer: lines in order, `@ripe.net` and `@apnic.net` lines
/// skipped; a line matching /abuse|trouble:|report|spam|security/i adds 3 to m; a line with
/// addresses files them as preferred when m > 0, else as fallback, and sets m = 0; a line
/// without one decrements m when m > 0. Preferred addresses if any, else the fallback ones.
fn fail2ban_complain(text: &str) -> Vec<String> {
    let mut m = 0i32;
    let mut preferred = BTreeSet::new();
    let mut fallback = BTreeSet::new();
    for line in text.lines() {
        if line.contains("@ripe.net") || line.contains("@apnic.net") {
            continue;
        }
        let lower = line.to_lowercase();
        if ["abuse", "trouble:", "report", "spam", "security"]
            .iter()
            .any(|k| lower.contains(k))
        {
            m += 3;
        }
        let found = emails(line);
        if !found.is_empty() {
            for e in found {
                if m > 0 {
                    preferred.insert(e);
                } else {
                    fallback.insert(e);
                }
            }
            m = 0;
        } else if m > 0 {
            m -= 1;
        }
    }
    if preferred.is_empty() {
        fallback.into_iter().collect()
    } else {
        preferred.into_iter().collect()
    }
}

/// abuse_finder: the addresses on the lines with the most lowercase "abuse" (lines with an
/// address only; ties add up).
fn abuse_finder(text: &str) -> Vec<String> {
    let mut score = 0;
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let e = emails(line);
        if e.is_empty() {
            continue;
        }
        let n = line.matches("abuse").count();
        if n == score {
            found.extend(e);
        } else if n > score {
            found = e.into_iter().collect();
            score = n;
        }
    }
    found.into_iter().collect()
}

#[test]
fn extraction_helpers_follow_the_tools() {
    let text = "% Abuse contact for 'x' is 'abuse@a.example'\nTech: t@b.example\n";
    assert_eq!(fail2ban_complain(text), ["abuse@a.example"]);
    assert_eq!(fail2ban_complain("x: t@b.example\n"), ["t@b.example"]);
    assert_eq!(
        fail2ban_complain("Report here\nname\nemail: r@c.example\n"),
        ["r@c.example"]
    );
    assert_eq!(
        abuse_finder("a: abuse@x.example\nabuse-mailbox: abuse@y.example\n"),
        ["abuse@y.example"]
    );
}

/// Every test net: an address inside it and its resolved abuse mailbox.
const NETS: &[(&str, Option<&str>)] = &[
    ("23.200.0.1", Some("abuse@alpha.example.net")), // ALPHA-ALLOC: its org's
    ("23.1.200.1", Some("abuse@alpha.example.net")), // BRAVO-REALLOC: the parent net's
    ("23.1.2.130", Some("abuse@alpha.example.net")), // private customer, non-CIDR range
    ("23.1.3.4", Some("reports@delta.example.com")), // its own, shadowing its org's
    ("198.51.100.7", None),                          // none at all
    ("2001:db8::1", Some("abuse@alpha.example.net")),
    ("45.0.0.1", Some("abuse@beta.example.net")), // RPSL, the org's abuse-c
    ("45.0.1.7", Some("abuse@beta.example.net")), // RPSL, inherited from the parent
    ("2a00:1::1", Some("incidents@echo.example.org")), // RPSL, Invalid
];

#[test]
fn fail2ban_and_abuse_finder_get_exactly_the_abuse_mailbox() {
    for dialect in ["arin", "rpsl"] {
        let server = Server::dialect(dialect);
        for &(addr, mailbox) in NETS {
            let full = server.query(addr);
            let brief = server.query(&format!("-b {addr}"));
            match mailbox {
                Some(m) => {
                    assert_eq!(fail2ban_complain(&full), [m], "{dialect} {addr}:\n{full}");
                    assert_eq!(abuse_finder(&brief), [m], "{dialect} -b {addr}:\n{brief}");
                    assert!(full.contains(&format!("is '{m}'")), "{full}");
                }
                None => {
                    assert!(
                        full.contains(
                            "No abuse contact registered for '198.51.100.0 - 198.51.100.255'"
                        ),
                        "{full}"
                    );
                    assert!(abuse_finder(&brief).is_empty(), "{brief}");
                    // No address is offered as an abuse address.
                    assert!(!full.lines().any(|l| l.contains("Abuse") && l.contains('@')));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Expected outputs

const CASES: &[(&str, &str)] = &[
    ("addr-private-customer", "23.1.2.130"),
    ("addr-parent-inherited", "23.1.200.1"),
    ("addr-own-abuse", "23.1.3.4"),
    ("addr-no-abuse", "198.51.100.7"),
    ("addr-v6", "2001:db8::1"),
    ("rpsl-org-abuse", "45.0.0.1"),
    ("rpsl-inherited", "45.0.1.7"),
    ("rpsl-v6-invalid", "2a00:1::1"),
    ("range", "23.1.2.0 - 23.1.2.191"),
    ("prefix", "23.1.3.0/24"),
    ("asn", "AS64496"),
    ("asn-number", "64496"),
    ("asn-block", "AS64505"),
    ("asn-rpsl", "AS65001"),
    ("asn-rpsl-block", "AS65050"),
    ("org", "ALPHA"),
    ("org-rpsl", "ORG-BETA1-TEST"),
    ("customer", "c C00000001"),
    ("poc", "TECH1-TEST"),
    ("poc-rpsl-role", "BA1-TEST"),
    ("name-search", "alpha*"),
    ("brief", "-b 23.1.2.130"),
    ("brief-asn", "-b AS64496"),
    ("no-related", "-r 23.1.3.4"),
    ("unfiltered", "-B 45.0.0.1"),
    ("exact", "-x 23.1.2.0 - 23.1.2.191"),
    ("exact-miss", "-x 23.1.2.0/24"),
    ("one-less", "-l 23.1.0.0/16"),
    ("all-less", "-L 23.1.2.130"),
    ("one-more", "-m 23.0.0.0/8"),
    ("all-more", "-M 23.1.0.0/16"),
    ("arin-full", "n + 23.1.2.3"),
    ("arin-asn", "a AS64496"),
    ("arin-rdns", "r + = 23.1.0.0/16"),
    ("types", "-T aut-num AS64496"),
    ("types-miss", "-T inet6num 23.1.2.3"),
    ("inverse-org", "-i org ALPHA"),
    ("inverse-tech", "-i tech-c TECH1-TEST"),
    ("inverse-abuse", "-i abuse-c BA1-TEST"),
    ("inverse-origin", "-i origin AS64496"),
    ("source", "-s TEST 45.0.0.1"),
    ("q-sources", "-q sources"),
    ("q-types", "-q types"),
    ("client", "-V test-client-1.0 45.0.1.7"),
    ("warn-duplicate", "-x -M 23.1.0.0/16"),
    ("warn-useless", "-M ALPHA"),
    ("err-101", "192.0.2.1"),
    ("err-102", "-s NOPE 23.1.2.3"),
    ("err-103", "-T bogus 23.1.2.3"),
    ("err-104", "-i bogus X"),
    ("err-105", "-i netname X"),
    ("err-106", "-r"),
    ("err-108", "23.1.2.3;ls"),
    ("err-109", "-q types 23.1.2.3"),
    ("err-110", "-r -r 23.1.2.3"),
    ("err-111", "-z 23.1.2.3"),
];

fn expected_dir(dialect: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/expected/whois")
        .join(dialect)
}

#[test]
fn expected_outputs_in_both_dialects() {
    let bless = std::env::var_os("RIRWHOIS_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for dialect in ["arin", "rpsl"] {
        let server = Server::dialect(dialect);
        let dir = expected_dir(dialect);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
        }
        for &(name, q) in CASES {
            let got = format!("$ {q}\n{}", server.query(q));
            let path = dir.join(format!("{name}.txt"));
            if bless {
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(want) if want == got => {}
                Ok(want) => failures.push(format!(
                    "{}: differs\n--- expected\n{want}\n--- got\n{got}",
                    path.display()
                )),
                Err(e) => failures.push(format!(
                    "{}: {e} (RIRWHOIS_BLESS=1 writes it)",
                    path.display()
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Content checks

#[test]
fn every_answer_has_the_terms_and_the_report_url() {
    let server = Server::dialect("arin");
    for q in ["23.1.2.3", "-b 23.1.2.3", "192.0.2.1", "-z x", "-q types"] {
        let a = server.query(q);
        assert!(
            a.contains("terms of use at https://registry.example.net/terms"),
            "{a}"
        );
        assert!(a.contains(&format!("contact data at {REPORT_URL}")), "{a}");
    }
}

#[test]
fn abuse_line_comes_first_with_the_dialect_comment_character() {
    for (dialect, cc) in [("arin", '#'), ("rpsl", '%')] {
        let server = Server::dialect(dialect);
        for q in ["23.1.2.130", "AS64496", "23.1.3.0/24", "-b 2001:db8::/48"] {
            let a = server.query(q);
            let first = a
                .lines()
                .find(|l| !l.is_empty() && !l.starts_with(cc) || l.contains("Abuse contact"))
                .unwrap();
            assert!(
                first.starts_with(&format!("{cc} Abuse contact for '")),
                "{dialect} {q}: {first}\n{a}"
            );
        }
    }
}

#[test]
fn unvalidated_abuse_contact_says_since_when_and_where_to_report() {
    let server = Server::dialect("arin");
    let a = server.query("23.1.2.130");
    let lines: Vec<&str> = a.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with("# Abuse contact for '23.1.2.0 - 23.1.2.191'"))
        .unwrap();
    let next = lines[i + 1];
    assert!(next.starts_with('#'), "{next}");
    assert!(next.contains("Unvalidated since 2026-09-03"), "{next}");
    assert!(next.contains(REPORT_URL), "{next}");
}

#[test]
fn validation_markers_in_both_dialects_and_the_lacnic_profile() {
    let arin = Server::dialect("arin");
    let a = arin.query("23.1.3.4");
    assert!(
        a.contains("RAbuseHandle:   RABUSE-TEST (Unvalidated)"),
        "{a}"
    );
    assert!(a.contains("OrgNOCHandle:   NOC1-TEST (Invalid)"), "{a}");
    assert!(
        a.contains("# OrgNOC contact NOC1-TEST is Invalid since 2026-03-02."),
        "{a}"
    );
    assert!(
        a.contains("RTechHandle:    TECH1-TEST\n"),
        "validated: no marker\n{a}"
    );
    // E-mail lines stay bare addresses.
    assert!(
        a.contains("RAbuseEmail:    reports@delta.example.com\n"),
        "{a}"
    );
    let p = arin.query("NOC1-TEST");
    assert!(p.contains("Handle:         NOC1-TEST (Invalid)"), "{p}");
    let rpsl = Server::dialect("rpsl");
    let r = rpsl.query("2a00:1::1");
    assert!(r.contains("abuse-c:        AB2-TEST (Invalid)"), "{r}");
    assert!(r.contains("nic-hdl:        AB2-TEST (Invalid)"), "{r}");
    assert!(
        r.contains("abuse-mailbox:  incidents@echo.example.org\n"),
        "{r}"
    );
    assert!(r.contains("Invalid since 2026-06-01"), "{r}");

    let lacnic = Server::start(&["--dialect", "arin"], "[policy]\nprofile = \"lacnic\"\n");
    let l = lacnic.query("23.1.3.4");
    assert!(
        l.contains("RAbuseHandle:   RABUSE-TEST (Temporarily Invalid)"),
        "{l}"
    );
    assert!(l.contains("Temporarily Invalid since 2026-10-25"), "{l}");
}

#[test]
fn private_customers_never_show_name_or_address() {
    for dialect in ["arin", "rpsl"] {
        let server = Server::dialect(dialect);
        for q in [
            "23.1.2.130",
            "n + 23.1.2.130",
            "C00000001",
            "c C00000001",
            "-i org C00000001",
            "-i org BRAVO",
            "Hidden*",
            "Hidden Person",
            "-B -M 23.0.0.0/8",
        ] {
            let a = server.query(q);
            for secret in ["Hidden Person", "Secret Lane", "Hideaway"] {
                assert!(!a.contains(secret), "{dialect} {q}:\n{a}");
            }
        }
        let a = server.query("23.1.2.130");
        assert!(a.contains("Private Customer"), "{a}");
    }
}

#[test]
fn rpsl_filters_e_mail_unless_capital_b() {
    let server = Server::dialect("rpsl");
    let filtered = server.query("45.0.0.1");
    assert!(!filtered.contains("e-mail:"), "{filtered}");
    assert!(!filtered.contains("jane@beta.example.net"), "{filtered}");
    assert!(
        filtered.contains("source:         TEST # Filtered"),
        "{filtered}"
    );
    assert!(
        filtered.contains("abuse-mailbox:  abuse@beta.example.net"),
        "{filtered}"
    );
    let full = server.query("-B 45.0.0.1");
    assert!(
        full.contains("e-mail:         jane@beta.example.net"),
        "{full}"
    );
    assert!(!full.contains("# Filtered"), "{full}");
}

// ---------------------------------------------------------------------------------------------
// Protocol

#[test]
fn lf_and_crlf_give_the_same_answer() {
    let server = Server::dialect("rpsl");
    let crlf = server.send(b"45.0.0.1\r\n");
    let lf = server.send(b"45.0.0.1\n");
    assert_eq!(crlf, lf);
    assert!(
        crlf.ends_with("\n\n") && !crlf.ends_with("\n\n\n"),
        "{crlf:?}"
    );
    // A client that half-closes without a line end is answered too.
    let mut s = server.connect();
    s.write_all(b"45.0.0.1").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_all(&mut s), lf);
}

#[test]
fn persistent_mode_answers_until_the_client_stops() {
    let server = Server::dialect("arin");
    let mut s = server.connect();
    s.write_all(b"-k 23.1.2.130\r\n").unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let first = read_answer(&mut r);
    assert!(first.contains("NetHandle:      NET-23-1-2-0-1"), "{first}");
    s.write_all(b"AS64496\n").unwrap();
    let second = read_answer(&mut r);
    assert!(second.contains("ASHandle:       AS64496"), "{second}");
    s.write_all(b"-k\n").unwrap();
    let mut rest = String::new();
    r.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "a lone -k ends persistent mode");

    // A lone -k first, then queries, then an empty line.
    let mut s = server.connect();
    s.write_all(b"-k\r\n192.0.2.1\r\n").unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let a = read_answer(&mut r);
    assert!(a.contains("%ERROR:101: no entries found"), "{a}");
    s.write_all(b"\r\n").unwrap();
    let mut rest = String::new();
    r.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "");
}

/// Reads one persistent-mode answer: up to two blank lines in a row.
fn read_answer(r: &mut BufReader<TcpStream>) -> String {
    let mut out = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap() == 0 {
            panic!("connection closed in the middle of an answer: {out}");
        }
        out.push_str(&line);
        if out.ends_with("\n\n\n") {
            return out;
        }
    }
}

#[test]
fn idle_clients_and_slowloris_are_cut_off() {
    let server = Server::start(&[], "[whois]\nidle_timeout_secs = 1\n");
    let t0 = Instant::now();
    let mut s = server.connect();
    let a = read_all(&mut s);
    assert!(a.contains("%ERROR:305: connection has been closed"), "{a}");
    assert!(t0.elapsed() < Duration::from_secs(5));

    // One byte every 300 ms never makes a line: cut off after the same second.
    let t0 = Instant::now();
    let mut s = server.connect();
    let mut answer = String::new();
    for b in b"23.1.2.3".iter() {
        if s.write_all(&[*b]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
        if t0.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    answer.push_str(&read_all(&mut s));
    assert!(answer.contains("%ERROR:305"), "{answer}");
    assert!(t0.elapsed() < Duration::from_secs(6));
    // The server still answers.
    assert!(server.query("23.1.2.3").contains("NetRange:"));
}

#[test]
fn oversized_queries_are_refused() {
    let server = Server::dialect("arin");
    let long = format!("{}\r\n", "a".repeat(2000));
    let a = server.send(long.as_bytes());
    assert!(a.contains("%ERROR:107: input line too long"), "{a}");
    // Without a line end it is refused as soon as it is too long.
    let mut s = server.connect();
    s.write_all("b".repeat(1500).as_bytes()).unwrap();
    let a = read_all(&mut s);
    assert!(a.contains("%ERROR:107"), "{a}");
    // Exactly at the limit is fine.
    let at_limit = format!("{}\n", "c".repeat(1024));
    assert!(server.send(at_limit.as_bytes()).contains("%ERROR:101"));
}

#[test]
fn garbage_bytes_get_an_error_and_never_hurt_the_server() {
    let server = Server::dialect("rpsl");
    let a = server.send(b"\x00\xff\xfe\x1b[2J\r\n");
    assert!(a.contains("%ERROR:108: bad character in input"), "{a}");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..200 {
        let mut bytes = Vec::new();
        let len = (seed % 300) as usize;
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push((seed >> 24) as u8);
        }
        seed = seed.wrapping_add(round);
        bytes.extend_from_slice(b"\n");
        let a = server.send(&bytes);
        assert!(a.contains("%"), "round {round}: {bytes:?} → {a}");
    }
    assert!(server.query("45.0.0.1").contains("inetnum:"));
}

#[test]
fn too_many_connections_get_306() {
    let server = Server::start(&[], "[limits]\nmax_connections_per_ip = 2\n");
    let held: Vec<TcpStream> = (0..2).map(|_| server.connect()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut third = server.connect();
    let a = read_all(&mut third);
    assert!(a.contains("%ERROR:306: connections exceeded"), "{a}");
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.query("23.1.2.3").contains("NetRange:"));
}

#[test]
fn personal_data_limit_spares_abuse_data_and_brief_answers() {
    let server = Server::start(&["--dialect", "arin", "--personal-limit", "2"], "");
    // The first answer shows two non-abuse contacts (RNOC, OrgAdmin): the limit is used up.
    let first = server.query("23.1.2.130");
    assert!(
        first.contains("OrgAdminEmail:  jo@alpha.example.net"),
        "{first}"
    );
    assert!(!first.contains("%ERROR:201"), "{first}");
    let over = server.query("23.1.3.4");
    assert!(
        over.contains("%ERROR:201: access denied for 127.0.0.1"),
        "{over}"
    );
    assert!(!over.contains("jo@alpha.example.net"), "{over}");
    // Abuse output continues: the abuse line and the abuse contact's block.
    assert!(
        over.contains("# Abuse contact for '23.1.3.0 - 23.1.3.255' is 'reports@delta.example.com'")
    );
    assert!(
        over.contains("RAbuseEmail:    reports@delta.example.com"),
        "{over}"
    );
    assert_eq!(fail2ban_complain(&over), ["reports@delta.example.com"]);
    for _ in 0..5 {
        let b = server.query("-b 23.1.3.4");
        assert!(!b.contains("%ERROR"), "{b}");
        assert_eq!(abuse_finder(&b), ["reports@delta.example.com"]);
    }
    // A non-abuse contact on its own is denied too; the error explains why.
    let p = server.query("TECH1-TEST");
    assert!(p.contains("%ERROR:201"), "{p}");
    assert!(p.contains("daily limit"), "{p}");

    let rpsl = Server::start(&["--dialect", "rpsl", "--personal-limit", "1"], "");
    let a = rpsl.query("-B 45.0.0.1");
    assert!(a.contains("person:         Jane Doe"), "{a}");
    let b = rpsl.query("-B 45.0.0.1");
    assert!(b.contains("%ERROR:201"), "{b}");
    assert!(!b.contains("Jane Doe"), "{b}");
    assert!(b.contains("abuse-mailbox:  abuse@beta.example.net"), "{b}");
}

#[test]
fn debian_whois_client() {
    let client = Path::new("/usr/bin/whois");
    if !client.exists() {
        assert!(
            std::env::var_os("RIRWHOIS_REQUIRE_CLIENTS").is_none(),
            "/usr/bin/whois is missing and RIRWHOIS_REQUIRE_CLIENTS is set"
        );
        eprintln!(
            "NOTICE: /usr/bin/whois is not installed; skipping the Debian whois client test (scripts/test installs it)"
        );
        return;
    }
    let run = |server: &Server, args: &[&str]| {
        let out = Command::new(client)
            .args(["-h", "127.0.0.1", "-p", &server.addr().port().to_string()])
            .args(args)
            .output()
            .expect("run whois");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let arin = Server::dialect("arin");
    let a = run(&arin, &["23.1.2.130"]);
    assert!(
        a.contains("# Abuse contact for '23.1.2.0 - 23.1.2.191' is 'abuse@alpha.example.net'"),
        "{a}"
    );
    // The client lower-cases AS numbers and handles.
    assert!(run(&arin, &["AS64496"]).contains("ASHandle:       AS64496"));
    assert!(run(&arin, &["tech1-test"]).contains("Handle:         TECH1-TEST"));
    assert!(run(&arin, &["--", "n + 23.1.2.3"]).contains("NetHandle:      NET-23-1-2-0-1"));
    let rpsl = Server::dialect("rpsl");
    let r = run(&rpsl, &["-r", "-B", "45.0.0.1"]);
    assert!(r.contains("inetnum:        45.0.0.0 - 45.0.255.255"), "{r}");
    assert!(!r.contains("person:"), "{r}");
    let r = run(&rpsl, &["-b", "45.0.1.7"]);
    assert_eq!(abuse_finder(&r), ["abuse@beta.example.net"], "{r}");
    let r = run(&rpsl, &["-T", "aut-num", "-i", "org", "ORG-BETA1-TEST"]);
    assert!(r.contains("aut-num:        AS65001"), "{r}");
    assert!(!r.contains("inetnum:"), "{r}");
}

#[test]
fn a_client_that_never_reads_is_dropped_and_frees_its_place() {
    let server = Server::start(
        &["--dialect", "rpsl"],
        "[whois]\nidle_timeout_secs = 1\n[limits]\nmax_connections_per_ip = 1\npersonal_per_day = 1000000\n",
    );
    let mut slow = server.connect();
    slow.set_write_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let t0 = Instant::now();
    let _ = slow.write_all(b"-k\n");
    // Ask for far more than the socket buffers hold, and never read.
    while t0.elapsed() < Duration::from_secs(4) {
        if slow.write_all(b"-B -M 23.0.0.0/8\n").is_err() {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(2500));
    // The slow connection was closed, so the one place for this address is free again.
    let a = server.query("23.1.2.3");
    assert!(a.contains("inetnum:"), "{a}");
    drop(slow);
}

#[test]
fn without_a_snapshot_it_serves_the_sample_registry() {
    let server = Server::start_with(None, &[], "");
    let a = server.query("23.1.2.130");
    assert!(
        a.contains(
            "# Abuse contact for '23.1.2.0 - 23.1.2.191' is 'dana.marsh@baysidedental.example.com'"
        ),
        "{a}"
    );
    assert!(a.contains("NetHandle:      NET-23-1-2-0-1"), "{a}");
}
