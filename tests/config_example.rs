//! The configuration files we ship: `etc/rirwhois.toml` parses, passes the checks, sets
//! every key to its real default and mentions every key of the schema. The examples in its
//! comments are valid too. The Docker image's and the Kubernetes ConfigMap's configurations
//! pass the checks, and `rirwhois serve --check-config` accepts all three.
//!
//! The checks read the `[rdap.tls]` certificate and key, which exist only on a server, so
//! the files are checked with those two paths pointing at a test certificate.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rirwhois::server::Config;

mod common;

const EXAMPLE: &str = "etc/rirwhois.toml";
const DEPLOYED: &[&str] = &["deploy/docker/rirwhois.toml", "deploy/k8s/rirwhois.toml"];

/// A throwaway self-signed certificate (P-256, CN rdap.example.net, valid until 2126) and
/// its key, for tests only.
const TEST_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBqTCCAVCgAwIBAgIUBc9ZbiW81/XJ+k4j/OarcMPFIjEwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQcmRhcC5leGFtcGxlLm5ldDAgFw0yNjExMjMxMjQ5MzJaGA8y
MTI2MTAzMDEyNDkzMlowGzEZMBcGA1UEAwwQcmRhcC5leGFtcGxlLm5ldDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABJqCbK17glu265QjIzrV/wPg6tHMuZUlm5us
RnAzFtvMzP3l3yBUmSHsF/Vx2jHA4sn/ZOnLeC8VSdqH+mHmqlqjcDBuMB0GA1Ud
DgQWBBSyesh1wWLQHkX8IccmcHMu/m9gtTAfBgNVHSMEGDAWgBSyesh1wWLQHkX8
IccmcHMu/m9gtTAPBgNVHRMBAf8EBTADAQH/MBsGA1UdEQQUMBKCEHJkYXAuZXhh
bXBsZS5uZXQwCgYIKoZIzj0EAwIDRwAwRAIgDi5gHlN2w9ova0PnnOiFuepvGV/8
nC/a3QZmddlBoGkCIHhZMQcbj4OeVV6HXrWoqfDGWiKw0Uim7qaJUGQWXGFY
-----END CERTIFICATE-----
";
const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1YIteCgvaExOeNl8
T+itimlzFenzlO1cOHBp6KDVQXqhRANCAASagmyte4JbtuuUIyM61f8D4OrRzLmV
JZubrEZwMxbbzMz95d8gVJkh7Bf1cdoxwOLJ/2Tpy3gvFUnah/ph5qpa
-----END PRIVATE KEY-----
";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The text with `[rdap.tls]` `cert` and `key` (set or commented out) pointing at the test
/// certificate, written into `dir`.
fn with_test_tls(text: &str, dir: &Path) -> String {
    let cert = dir.join("tls.crt");
    let key = dir.join("tls.key");
    std::fs::write(&cert, TEST_CERT).unwrap();
    std::fs::write(&key, TEST_KEY).unwrap();
    let mut section = "";
    let mut out = String::new();
    for line in text.lines() {
        let (kind, body) = classify(line);
        let comment = &line[..line.len() - body.len()];
        match kind {
            Line::Header(h) => section = h,
            Line::Key(k @ ("cert" | "key")) if section == "rdap.tls" => {
                let path = if k == "cert" { &cert } else { &key };
                out.push_str(&format!(
                    "{comment}{k} = {:?}\n",
                    path.display().to_string()
                ));
                continue;
            }
            _ => {}
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A shipped file as the tests check it: with the test certificate, in a temp directory.
fn prepared(path: &str, dir: &Path) -> PathBuf {
    let file = dir.join(path.replace('/', "_"));
    std::fs::write(&file, with_test_tls(&read(path), dir)).unwrap();
    file
}

fn load(path: &str) -> Config {
    let dir = tempfile::tempdir().unwrap();
    Config::load(&prepared(path, dir.path())).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A line of the example: an active or commented-out `[section]` header, an active or
/// commented-out `key = value`, or something else (prose, blank).
enum Line<'a> {
    Header(&'a str),
    Key(&'a str),
    Other,
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Reads a line, seeing through one leading `# ` (a setting commented out).
fn classify(line: &str) -> (Line<'_>, &str) {
    let body = line.strip_prefix("# ").unwrap_or(line);
    if let Some(h) = body.strip_prefix('[').and_then(|b| b.strip_suffix(']'))
        && h.split('.').all(is_ident)
    {
        return (Line::Header(h), body);
    }
    if let Some((k, _)) = body.split_once(" = ")
        && is_ident(k)
    {
        return (Line::Key(k), body);
    }
    (Line::Other, body)
}

/// Every section and every `section.key` the example mentions, set or commented out.
fn documented(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut section = String::new();
    for line in text.lines() {
        match classify(line).0 {
            Line::Header(h) => {
                section = h.to_string();
                out.insert(section.clone());
            }
            Line::Key(k) if section.is_empty() => {
                out.insert(k.to_string());
            }
            Line::Key(k) => {
                out.insert(format!("{section}.{k}"));
            }
            Line::Other => {}
        }
    }
    out
}

/// The example with every commented-out setting and header switched on.
fn uncommented(text: &str) -> String {
    text.lines()
        .map(|line| match classify(line) {
            (Line::Header(_) | Line::Key(_), body) => body,
            (Line::Other, _) => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every field of the configuration schema, as `section.key` (and every section), read
/// from the pretty `Debug` form of the default configuration, so that a key added to the
/// schema shows up here without changing this test.
fn schema_keys() -> BTreeSet<String> {
    let debug = format!("{:#?}", Config::default());
    let mut out = BTreeSet::new();
    let mut open: Vec<(usize, String)> = Vec::new();
    for line in debug.lines() {
        let indent = line.len() - line.trim_start().len();
        let Some((name, value)) = line.trim_start().split_once(": ") else {
            continue;
        };
        if !is_ident(name) {
            continue;
        }
        while open.last().is_some_and(|(i, _)| *i >= indent) {
            open.pop();
        }
        let path = open
            .iter()
            .map(|(_, n)| n.as_str())
            .chain([name])
            .collect::<Vec<_>>()
            .join(".");
        out.insert(path);
        let value = value.trim_end();
        if value.ends_with('{') || value.ends_with('(') || value.ends_with('[') {
            open.push((indent, name.to_string()));
        }
    }
    out
}

#[test]
fn example_parses_and_passes_the_checks() {
    let config = load(EXAMPLE);
    config.check().unwrap();
}

#[test]
fn example_sets_every_key_to_its_default() {
    let example = format!("{:#?}", load(EXAMPLE));
    let default = format!("{:#?}", Config::default());
    let differ: Vec<String> = example
        .lines()
        .zip(default.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("  example: {}\n  default: {}", a.trim(), b.trim()))
        .collect();
    assert!(
        differ.is_empty() && example.lines().count() == default.lines().count(),
        "{EXAMPLE} must state the defaults; it differs:\n{}",
        differ.join("\n")
    );
}

#[test]
fn example_documents_every_key() {
    let schema = schema_keys();
    assert!(schema.contains("whois.listen"), "{schema:?}");
    let documented = documented(&read(EXAMPLE));
    let missing: Vec<&String> = schema.difference(&documented).collect();
    assert!(missing.is_empty(), "{EXAMPLE} does not mention {missing:?}");
    // A key below an optional section whose default is none (`rdap.tls` when TLS is off)
    // counts as known; a key below a section that lists its fields must be one of them.
    let sections: BTreeSet<&str> = schema
        .iter()
        .filter_map(|k| k.rsplit_once('.').map(|(parent, _)| parent))
        .collect();
    let known = |k: &str| {
        schema.contains(k)
            || k.match_indices('.').any(|(i, _)| {
                let prefix = &k[..i];
                schema.contains(prefix) && !sections.contains(prefix)
            })
    };
    let unknown: Vec<&String> = documented.iter().filter(|k| !known(k)).collect();
    assert!(
        unknown.is_empty(),
        "{EXAMPLE} mentions keys the schema lacks: {unknown:?}"
    );
}

#[test]
fn commented_out_examples_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    let text = with_test_tls(&uncommented(&read(EXAMPLE)), dir.path());
    assert!(text.contains("\nsnapshot = "), "{text}");
    let config: Config =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{EXAMPLE}, uncommented: {e}"));
    config
        .check()
        .unwrap_or_else(|e| panic!("{EXAMPLE}, uncommented: {e}"));
    assert!(config.snapshot.is_some());
    assert!(config.policy.as_of.is_some());
}

#[test]
fn deployment_configs_pass_the_checks() {
    for path in DEPLOYED {
        let config = load(path);
        assert!(config.snapshot.is_some(), "{path}: no snapshot");
    }
}

#[test]
fn check_config_accepts_the_shipped_configs() {
    let dir = tempfile::tempdir().unwrap();
    for path in [EXAMPLE].iter().chain(DEPLOYED) {
        let out = common::bin()
            .env("RUST_LOG", "warn")
            .args(["serve", "--check-config", "--config"])
            .arg(prepared(path, dir.path()))
            .output()
            .expect("run rirwhois");
        assert!(
            out.status.success(),
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "configuration ok\n");
    }
}
