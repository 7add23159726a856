//! The server configuration: a TOML file in which unknown keys are errors, every key with a
//! named default; command-line flags override it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::Deserialize;

use crate::model::{
    DEFAULT_ARIN_INVALID_AFTER_DAYS, DEFAULT_LACNIC_ESCALATION_DAYS, DEFAULT_LACNIC_INITIAL_DAYS,
    Policy, PolicyProfile, Timestamp, parse_date,
};

pub(super) const DEFAULT_WHOIS: &str = "127.0.0.1:4343";
pub(super) const DEFAULT_RDAP: &str = "127.0.0.1:8080";
pub(super) const DEFAULT_PERSONAL_PER_DAY: u64 = 1000;
pub(super) const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 30;
pub(super) const DEFAULT_MAX_QUERY_LEN: usize = 1024;
pub(super) const DEFAULT_MAX_CONNECTIONS: usize = 4096;
pub(super) const DEFAULT_MAX_CONNECTIONS_PER_IP: u64 = 64;
pub(super) const DEFAULT_SEARCH_CAP: usize = 100;
pub(super) const DEFAULT_CACHE_MAX_AGE: u64 = 300;
pub(super) const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
pub(super) const DEFAULT_MAX_URI_LEN: usize = 4096;
pub(super) const DEFAULT_MAX_BODY_BYTES: usize = 1024;
pub(super) const DEFAULT_RENDER_CACHE_ENTRIES: usize = 65536;
pub(super) const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 10;
pub(super) const DEFAULT_METRICS: &str = "127.0.0.1:9100";
pub(super) const DEFAULT_RELOAD_POLL_MS: u64 = 1000;
pub(super) const DEFAULT_TERMS_URL: &str = "https://rirwhois.example.net/terms";
pub(super) const DEFAULT_INACCURACY_URL: &str = "https://rirwhois.example.net/report-inaccuracy";

/// The whois output dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// `NetRange:`, `OrgAbuseEmail:` …
    Arin,
    /// `inetnum:`, `abuse-mailbox:` …
    Rpsl,
}

impl std::str::FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "arin" => Ok(Dialect::Arin),
            "rpsl" => Ok(Dialect::Rpsl),
            other => Err(format!("unknown dialect '{other}' (expected arin or rpsl)")),
        }
    }
}

/// `[whois]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WhoisConfig {
    pub listen: SocketAddr,
    /// Default: follows the snapshot's source format.
    pub dialect: Option<Dialect>,
    pub idle_timeout_secs: u64,
    pub max_query_len: usize,
}

impl Default for WhoisConfig {
    fn default() -> Self {
        WhoisConfig {
            listen: DEFAULT_WHOIS.parse().expect("default address"),
            dialect: None,
            idle_timeout_secs: DEFAULT_IDLE_TIMEOUT_SECS,
            max_query_len: DEFAULT_MAX_QUERY_LEN,
        }
    }
}

/// `[rdap]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RdapConfig {
    pub listen: SocketAddr,
    /// Path prefix of every RDAP URL (`/` or e.g. `/rdap/`).
    pub base_path: String,
    /// Public base URL used in links and whois `Ref:` lines; default `http://LISTEN/`.
    pub base_url: Option<String>,
    pub cache_max_age: u64,
    pub search_cap: usize,
    pub header_timeout_secs: u64,
    pub max_uri_len: usize,
    /// IANA bootstrap file (RFC 9224) for redirects of resources outside this registry.
    pub bootstrap: Option<PathBuf>,
    /// 301 or 302.
    pub redirect_status: u16,
    /// Largest request body accepted (RDAP requests have none).
    pub max_body_bytes: usize,
    /// Slots of each of the two caches of rendered JSON, network answers and the pieces
    /// they share (0 turns them off).
    pub render_cache_entries: usize,
    /// Serve HTTPS with this certificate and key.
    pub tls: Option<TlsConfig>,
}

/// `[rdap.tls]`: PEM files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Certificate chain, leaf first.
    pub cert: PathBuf,
    /// Private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

impl Default for RdapConfig {
    fn default() -> Self {
        RdapConfig {
            listen: DEFAULT_RDAP.parse().expect("default address"),
            base_path: "/".into(),
            base_url: None,
            cache_max_age: DEFAULT_CACHE_MAX_AGE,
            search_cap: DEFAULT_SEARCH_CAP,
            header_timeout_secs: DEFAULT_HEADER_TIMEOUT_SECS,
            max_uri_len: DEFAULT_MAX_URI_LEN,
            bootstrap: None,
            redirect_status: 302,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            render_cache_entries: DEFAULT_RENDER_CACHE_ENTRIES,
            tls: None,
        }
    }
}

/// `[policy]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// `arin` or `lacnic`.
    pub profile: String,
    pub arin_invalid_after_days: i64,
    pub lacnic_initial_days: i64,
    pub lacnic_escalation_days: i64,
    /// Compute validation states as of this date instead of the wall clock.
    pub as_of: Option<String>,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            profile: "arin".into(),
            arin_invalid_after_days: DEFAULT_ARIN_INVALID_AFTER_DAYS,
            lacnic_initial_days: DEFAULT_LACNIC_INITIAL_DAYS,
            lacnic_escalation_days: DEFAULT_LACNIC_ESCALATION_DAYS,
            as_of: None,
        }
    }
}

/// `[urls]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UrlConfig {
    pub terms: String,
    /// Where to report inaccurate or invalid contact data.
    pub inaccuracy_report: String,
}

impl Default for UrlConfig {
    fn default() -> Self {
        UrlConfig {
            terms: DEFAULT_TERMS_URL.into(),
            inaccuracy_report: DEFAULT_INACCURACY_URL.into(),
        }
    }
}

/// `[limits]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Personal-data answers per client (IPv4 /32, IPv6 /64) per day.
    pub personal_per_day: u64,
    /// Clients with no personal-data limit.
    pub unlimited: Vec<IpNet>,
    pub max_connections: usize,
    pub max_connections_per_ip: u64,
    pub shutdown_grace_secs: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            personal_per_day: DEFAULT_PERSONAL_PER_DAY,
            unlimited: Vec::new(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_ip: DEFAULT_MAX_CONNECTIONS_PER_IP,
            shutdown_grace_secs: DEFAULT_SHUTDOWN_GRACE_SECS,
        }
    }
}

/// `[metrics]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// `/metrics`, `/healthz` and `/readyz`.
    pub listen: SocketAddr,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            listen: DEFAULT_METRICS.parse().expect("default address"),
        }
    }
}

/// Log output style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

/// `[logging]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingConfig {
    pub format: LogFormat,
    /// Log every query (client, front end, type, result, time) at info level.
    pub query_log: bool,
}

/// `[reload]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReloadConfig {
    /// Reload when a new file is renamed over the snapshot path.
    pub watch: bool,
    /// How often to look at the snapshot path, in milliseconds.
    pub poll_ms: u64,
}

impl Default for ReloadConfig {
    fn default() -> Self {
        ReloadConfig {
            watch: true,
            poll_ms: DEFAULT_RELOAD_POLL_MS,
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The snapshot to serve; default: the sample registry in `data/`, compiled if needed.
    pub snapshot: Option<PathBuf>,
    pub whois: WhoisConfig,
    pub rdap: RdapConfig,
    pub policy: PolicyConfig,
    pub urls: UrlConfig,
    pub limits: LimitsConfig,
    pub metrics: MetricsConfig,
    pub logging: LoggingConfig,
    pub reload: ReloadConfig,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl Config {
    /// Reads and checks a TOML file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let config: Config = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        config.check().map_err(err)?;
        Ok(config)
    }

    /// Checks values that parse but make no sense.
    pub fn check(&self) -> Result<(), String> {
        self.policy.profile.parse::<PolicyProfile>()?;
        self.as_of()?;
        if self.whois.max_query_len == 0 {
            return Err("whois.max_query_len must be at least 1".into());
        }
        if self.reload.poll_ms == 0 {
            return Err("reload.poll_ms must be at least 1".into());
        }
        if !self.rdap.base_path.starts_with('/') || !self.rdap.base_path.ends_with('/') {
            return Err(format!(
                "rdap.base_path '{}' must start and end with '/'",
                self.rdap.base_path
            ));
        }
        if let Some(tls) = &self.rdap.tls {
            crate::rdap::load_tls(tls)?;
        }
        if ![301, 302, 303, 307, 308].contains(&self.rdap.redirect_status) {
            return Err(format!(
                "rdap.redirect_status {} is not a redirect status",
                self.rdap.redirect_status
            ));
        }
        for (name, days) in [
            (
                "arin_invalid_after_days",
                self.policy.arin_invalid_after_days,
            ),
            ("lacnic_initial_days", self.policy.lacnic_initial_days),
            ("lacnic_escalation_days", self.policy.lacnic_escalation_days),
        ] {
            if days < 0 {
                return Err(format!("policy.{name} must not be negative"));
            }
        }
        Ok(())
    }

    /// The validation policy.
    pub fn policy(&self) -> Policy {
        Policy {
            profile: self.policy.profile.parse().unwrap_or_default(),
            arin_invalid_after_days: self.policy.arin_invalid_after_days,
            lacnic_initial_days: self.policy.lacnic_initial_days,
            lacnic_escalation_days: self.policy.lacnic_escalation_days,
        }
    }

    /// The fixed "now" for validation states, if configured.
    pub fn as_of(&self) -> Result<Option<Timestamp>, String> {
        self.policy
            .as_of
            .as_deref()
            .map(|s| parse_date(s).map_err(|e| format!("policy.as_of: {e}")))
            .transpose()
    }

    /// The public RDAP base URL, ending in `/`.
    pub fn rdap_base_url(&self, bound: SocketAddr) -> String {
        let scheme = if self.rdap.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let mut url = self.rdap.base_url.clone().unwrap_or_else(|| {
            format!(
                "{scheme}://{bound}{}",
                self.rdap.base_path.trim_end_matches('/')
            )
        });
        if !url.ends_with('/') {
            url.push('/');
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors() {
        let e =
            toml::from_str::<Config>("[whois]\nlisten = \"127.0.0.1:43\"\ndialekt = \"arin\"\n")
                .unwrap_err()
                .to_string();
        assert!(e.contains("dialekt"), "{e}");
    }

    #[test]
    fn defaults_and_values() {
        let c: Config = toml::from_str(
            "[whois]\ndialect = \"rpsl\"\n[limits]\nunlimited = [\"10.0.0.0/8\"]\n[policy]\nprofile = \"lacnic\"\nas_of = \"2026-11-01\"\n",
        )
        .unwrap();
        assert_eq!(c.whois.dialect, Some(Dialect::Rpsl));
        assert_eq!(c.whois.listen.to_string(), DEFAULT_WHOIS);
        assert_eq!(c.limits.personal_per_day, DEFAULT_PERSONAL_PER_DAY);
        assert_eq!(c.policy().profile, PolicyProfile::Lacnic);
        assert!(c.as_of().unwrap().is_some());
        assert!(c.check().is_ok());
        let bad: Config = toml::from_str("[policy]\nprofile = \"ripe\"\n").unwrap();
        assert!(bad.check().unwrap_err().contains("ripe"));
    }
}
