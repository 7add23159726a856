//! Bootstrap redirects (RFC 9224): which other RDAP service answers for an address or an
//! AS number that this registry does not hold, read once from IANA-format files.
//!
//! The configured path is one bootstrap file, or a directory holding `ipv4.json`,
//! `ipv6.json` and `asn.json`. Each entry of a file's `services` pairs a list of prefixes or
//! AS ranges with base URLs; an `https` URL is preferred.

use std::path::Path;

use serde::Deserialize;

use crate::model::{parse_prefix, prefix_range};

/// Why a bootstrap file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BootstrapError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not an RFC 9224 bootstrap file: {message}")]
    Format { path: String, message: String },
    #[error("{path}: entry '{entry}' is neither a prefix nor an AS number range")]
    Entry { path: String, entry: String },
    #[error("{path}: no bootstrap file (ipv4.json, ipv6.json, asn.json) in this directory")]
    Empty { path: String },
}

#[derive(Deserialize)]
struct File {
    services: Vec<(Vec<String>, Vec<String>)>,
}

/// The services of one or more bootstrap files.
#[derive(Debug, Default, Clone)]
pub struct Bootstrap {
    /// `(v6, start, end, service)`, sorted by start.
    ranges: Vec<(bool, u128, u128, usize)>,
    /// `(first, last, service)`.
    asns: Vec<(u32, u32, usize)>,
    /// Base URL of each service, ending in `/`.
    urls: Vec<String>,
}

impl Bootstrap {
    /// Reads a bootstrap file, or `ipv4.json`, `ipv6.json` and `asn.json` in a directory.
    pub fn load(path: &Path) -> Result<Bootstrap, BootstrapError> {
        let mut b = Bootstrap::default();
        if path.is_dir() {
            let mut found = false;
            for name in ["ipv4.json", "ipv6.json", "asn.json"] {
                let file = path.join(name);
                if file.is_file() {
                    b.add_file(&file)?;
                    found = true;
                }
            }
            if !found {
                return Err(BootstrapError::Empty {
                    path: path.display().to_string(),
                });
            }
        } else {
            b.add_file(path)?;
        }
        b.ranges.sort_by_key(|r| (r.0, r.1, std::cmp::Reverse(r.2)));
        b.asns.sort();
        Ok(b)
    }

    fn add_file(&mut self, path: &Path) -> Result<(), BootstrapError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BootstrapError::Read {
            path: name.clone(),
            source,
        })?;
        self.add_json(&name, &text)
    }

    /// Adds the services of one bootstrap document.
    pub fn add_json(&mut self, name: &str, text: &str) -> Result<(), BootstrapError> {
        let file: File = serde_json::from_str(text).map_err(|e| BootstrapError::Format {
            path: name.to_string(),
            message: e.to_string(),
        })?;
        for (entries, urls) in file.services {
            let Some(url) = urls
                .iter()
                .find(|u| u.starts_with("https://"))
                .or_else(|| urls.first())
            else {
                continue;
            };
            let mut url = url.clone();
            if !url.ends_with('/') {
                url.push('/');
            }
            let service = self.urls.len();
            self.urls.push(url);
            for e in entries {
                if let Ok((v6, addr, len)) = parse_prefix(&e, true) {
                    let (start, end) = prefix_range(v6, addr, len);
                    self.ranges.push((v6, start, end, service));
                } else if let Some((first, last)) = asn_range(&e) {
                    self.asns.push((first, last, service));
                } else {
                    return Err(BootstrapError::Entry {
                        path: name.to_string(),
                        entry: e,
                    });
                }
            }
        }
        Ok(())
    }

    /// The base URL of the service for the range `start..=end`: the most specific entry that
    /// holds all of it.
    pub fn ip(&self, v6: bool, start: u128, end: u128) -> Option<&str> {
        self.ranges
            .iter()
            .filter(|r| r.0 == v6 && r.1 <= start && end <= r.2)
            .min_by_key(|r| r.2 - r.1)
            .map(|r| self.urls[r.3].as_str())
    }

    /// The base URL of the service for AS number `n`.
    pub fn asn(&self, n: u32) -> Option<&str> {
        self.asns
            .iter()
            .filter(|a| a.0 <= n && n <= a.1)
            .min_by_key(|a| a.1 - a.0)
            .map(|a| self.urls[a.2].as_str())
    }

    /// Number of services known.
    pub fn services(&self) -> usize {
        self.urls.len()
    }
}

/// `64496-64511` or `64496`.
fn asn_range(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a <= b).then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V4: &str = r#"{"version":"1.0","publication":"2026-01-01T00:00:00Z","description":"test",
      "services":[[["41.0.0.0/8","102.0.0.0/8"],["http://rdap.example.org/af/","https://rdap.example.org/af/"]],
                  [["1.0.0.0/8"],["https://rdap.example.org/ap"]]]}"#;
    const ASN: &str = r#"{"version":"1.0","services":[[["36864-37887","327680-328703"],["https://rdap.example.org/af/"]],[["64512"],["https://x.example/"]]]}"#;

    #[test]
    fn lookups_prefer_https_and_specific_entries() {
        let mut b = Bootstrap::default();
        b.add_json("v4", V4).unwrap();
        b.add_json("asn", ASN).unwrap();
        let a = |s: &str| crate::model::parse_addr(s).unwrap().1;
        assert_eq!(
            b.ip(false, a("41.1.2.3"), a("41.1.2.3")),
            Some("https://rdap.example.org/af/")
        );
        assert_eq!(
            b.ip(false, a("1.2.0.0"), a("1.2.255.255")),
            Some("https://rdap.example.org/ap/")
        );
        assert_eq!(b.ip(false, a("9.9.9.9"), a("9.9.9.9")), None);
        assert_eq!(b.ip(true, 0, 0), None);
        assert_eq!(b.asn(37000), Some("https://rdap.example.org/af/"));
        assert_eq!(b.asn(64512), Some("https://x.example/"));
        assert_eq!(b.asn(64513), None);
        assert!(matches!(
            b.add_json("bad", r#"{"services":[[["nonsense"],["https://x/"]]]}"#),
            Err(BootstrapError::Entry { .. })
        ));
        assert!(matches!(
            b.add_json("bad", "[]"),
            Err(BootstrapError::Format { .. })
        ));
    }

    #[test]
    fn shipped_samples_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/bootstrap");
        let b = Bootstrap::load(&dir).unwrap();
        assert!(b.services() >= 3);
        let a = |s: &str| crate::model::parse_addr(s).unwrap();
        let (v6, x) = a("193.0.6.139");
        assert!(b.ip(v6, x, x).is_some());
        let (v6, x) = a("2001:67c:2e8::1");
        assert!(b.ip(v6, x, x).is_some());
        assert!(b.asn(3333).is_some());
    }
}
