//! The real binary: compile, lookup, snapshot-info and strict mode on small fixtures, and the
//! sample registry in `data/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rirwhois"));
    c.env("RUST_LOG", "warn");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run rirwhois")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const ARIN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<collection xmlns="http://www.arin.net/regrws/core/v1">
  <poc>
    <handle>ABUSE1-TEST</handle>
    <contactType>ROLE</contactType>
    <companyName>Alpha Networks</companyName>
    <lastName>Abuse Desk</lastName>
    <emails><email>abuse@alpha.example.net</email></emails>
    <phones><phone><type><code>O</code></type><number>+1-555-0100</number></phone></phones>
    <iso3166-1><code2>US</code2></iso3166-1>
  </poc>
  <poc>
    <handle>TECH1-TEST</handle>
    <contactType>PERSON</contactType>
    <firstName>Jo</firstName>
    <lastName>Tech</lastName>
    <emails><email>jo@alpha.example.net</email></emails>
    <iso3166-1><code2>US</code2></iso3166-1>
  </poc>
  <org>
    <handle>ALPHA</handle>
    <orgName>Alpha Networks</orgName>
    <streetAddress><line number="1">1 Main St</line></streetAddress>
    <city>Springfield</city>
    <iso3166-1><code2>US</code2></iso3166-1>
    <pocLinks>
      <pocLinkRef handle="ABUSE1-TEST" function="AB"/>
      <pocLinkRef handle="TECH1-TEST" function="T"/>
    </pocLinks>
  </org>
  <customer>
    <handle>C00000001</handle>
    <customerName>Hidden Person</customerName>
    <parentOrgHandle>ALPHA</parentOrgHandle>
    <privateCustomer>true</privateCustomer>
    <iso3166-1><code2>US</code2></iso3166-1>
  </customer>
  <net>
    <version>4</version>
    <handle>NET-23-0-0-0-1</handle>
    <netName>ALPHA-ALLOC</netName>
    <orgHandle>ALPHA</orgHandle>
    <registrationDate>Tue Jan 25 16:17:18 EST 2011</registrationDate>
    <netBlocks><netBlock><type>DA</type><startAddress>023.000.000.000</startAddress><cidrLength>8</cidrLength></netBlock></netBlocks>
  </net>
  <net>
    <version>4</version>
    <handle>NET-23-1-2-0-1</handle>
    <netName>HIDDEN-NET</netName>
    <customerHandle>C00000001</customerHandle>
    <parentNetHandle>NET-23-0-0-0-1</parentNetHandle>
    <netBlocks>
      <netBlock><type>S</type><startAddress>23.1.2.0</startAddress><endAddress>23.1.2.127</endAddress><cidrLength>25</cidrLength></netBlock>
      <netBlock><type>S</type><startAddress>23.1.2.128</startAddress><endAddress>23.1.2.191</endAddress><cidrLength>26</cidrLength></netBlock>
    </netBlocks>
  </net>
</collection>
"#;

const CSV: &str = "handle,requested,validated,reported_invalid\nABUSE1-TEST,2026-09-03,,\nTECH1-TEST,2026-01-01,2026-01-02,\n";

const RPSL: &str = "\
% A small RPSL dump
role:           Beta Abuse
nic-hdl:        BA1-TEST
abuse-mailbox:  abuse@beta.example.net
e-mail:         noc@beta.example.net
source:         TEST

organisation:   ORG-BETA1-TEST
org-name:       Beta Hosting
address:        2 Side St
country:        DE
abuse-c:        BA1-TEST
source:         TEST

inetnum:        45.0.0.0 - 45.0.255.255
netname:        BETA-NET
org:            ORG-BETA1-TEST
status:         ALLOCATED PA
source:         TEST

inetnum:        45.0.1.0 - 45.0.1.255
netname:        BETA-CUSTOMER
status:         ASSIGNED PA
source:         TEST

inetnum:        45.0.9.0 - 45.0.8.0
netname:        BROKEN
source:         TEST
";

fn write_inputs(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let arin = dir.join("arin.xml");
    let csv = dir.join("validation.csv");
    let rpsl = dir.join("beta.db");
    std::fs::write(&arin, ARIN).unwrap();
    std::fs::write(&csv, CSV).unwrap();
    std::fs::write(&rpsl, RPSL).unwrap();
    (arin, csv, rpsl)
}

#[test]
fn compile_then_lookup_a_private_customer_net() {
    let dir = tempfile::tempdir().unwrap();
    let (arin, csv, _) = write_inputs(dir.path());
    let snap = dir.path().join("r.snap");
    let out = run(&[
        "compile",
        "--strict",
        "-o",
        snap.to_str().unwrap(),
        arin.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("kept"), "{err}");

    let out = run(&[
        "lookup",
        "--as-of",
        "2026-11-01",
        snap.to_str().unwrap(),
        "23.1.2.150",
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Network NET-23-1-2-0-1"), "{stdout}");
    assert!(stdout.contains("23.1.2.0/25, 23.1.2.128/26"), "{stdout}");
    assert!(stdout.contains("Private Customer"), "{stdout}");
    assert!(!stdout.contains("Hidden Person"), "{stdout}");
    assert!(stdout.contains("NET-23-0-0-0-1"), "parent chain: {stdout}");
    assert!(stdout.contains("abuse@alpha.example.net"), "{stdout}");
    assert!(
        stdout.contains("inherited from organization ALPHA"),
        "{stdout}"
    );
    assert!(stdout.contains("Unvalidated"), "{stdout}");

    // 60 days after the request: invalid.
    let out = run(&[
        "lookup",
        "--as-of",
        "2026-11-02",
        snap.to_str().unwrap(),
        "23.1.2.150",
    ]);
    assert!(text(&out.stdout).contains("Invalid since 2026-11-02"));

    // Nothing there: exit 2 and a plain message.
    let out = run(&["lookup", snap.to_str().unwrap(), "99.9.9.9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("Nothing found for '99.9.9.9'"));

    let out = run(&["snapshot-info", snap.to_str().unwrap()]);
    let info = text(&out.stdout);
    assert!(out.status.success());
    assert!(info.contains("2 nets"), "{info}");
    assert!(info.contains("checksum"), "{info}");
}

#[test]
fn bad_objects_are_reported_and_skipped_or_fatal_in_strict_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (arin, csv, rpsl) = write_inputs(dir.path());
    let snap = dir.path().join("r.snap");
    let inputs = [
        arin.to_str().unwrap(),
        csv.to_str().unwrap(),
        rpsl.to_str().unwrap(),
    ];

    let mut args = vec!["compile", "-o", snap.to_str().unwrap()];
    args.extend(inputs);
    let out = run(&args);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    // The broken inetnum: file, line, handle and reason.
    assert!(err.contains("beta.db:26"), "{err}");
    assert!(err.contains("start after end"), "{err}");
    assert!(err.contains("skipped for start after end: 1"), "{err}");
    let out = run(&["lookup", snap.to_str().unwrap(), "45.0.1.7"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("BETA-CUSTOMER"), "{stdout}");
    assert!(stdout.contains("abuse@beta.example.net"), "{stdout}");
    // The customer net has no org: its parent's answer, which came from the parent's org.
    assert!(
        stdout.contains("inherited from organization ORG-BETA1-TEST"),
        "{stdout}"
    );
    assert!(
        stdout.contains("45.0.0.0 - 45.0.255.255  BETA-NET"),
        "{stdout}"
    );
    let before = std::fs::read(&snap).unwrap();

    let mut args = vec!["compile", "--strict", "-o", snap.to_str().unwrap()];
    args.extend(inputs);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("strict mode"), "{err}");
    assert!(err.contains("left untouched"), "{err}");
    assert_eq!(std::fs::read(&snap).unwrap(), before, "old snapshot kept");
}

#[test]
fn damaged_snapshots_are_refused_with_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let (arin, _, _) = write_inputs(dir.path());
    let snap = dir.path().join("r.snap");
    let out = run(&[
        "compile",
        "-o",
        snap.to_str().unwrap(),
        arin.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let mut bytes = std::fs::read(&snap).unwrap();
    bytes.truncate(bytes.len() / 2);
    let cut = dir.path().join("cut.snap");
    std::fs::write(&cut, &bytes).unwrap();
    let out = run(&["lookup", cut.to_str().unwrap(), "23.1.2.3"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("cut.snap"), "{err}");
    assert!(err.contains("truncated"), "{err}");

    let foreign = dir.path().join("foreign.snap");
    std::fs::write(&foreign, ARIN).unwrap();
    let out = run(&["snapshot-info", foreign.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not a rirwhois snapshot"));
}
