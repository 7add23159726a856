//! IP addresses as plain integers: parsing (zero-padded ARIN style included), ranges and
//! their CIDR decomposition.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Why an address, prefix or range was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddrError {
    #[error("'{0}' is not an IPv4 or IPv6 address")]
    BadAddress(String),
    #[error("'{0}' is not a prefix (address/length)")]
    BadPrefix(String),
    #[error("prefix length {len} is too long for IPv{version}")]
    BadLength { len: u32, version: u8 },
    #[error("'{0}' has bits set after the prefix length")]
    HostBits(String),
    #[error("'{0}' is not a range (first - last)")]
    BadRange(String),
    #[error("range mixes IPv4 and IPv6: '{0}'")]
    MixedVersions(String),
    #[error("range start {start} is after its end {end}")]
    StartAfterEnd { start: String, end: String },
}

fn bits(v6: bool) -> u32 {
    if v6 { 128 } else { 32 }
}

/// Parses an IPv4 or IPv6 address. IPv4 octets may be zero-padded (`010.000.000.255`).
/// Returns `(is_v6, address)`.
pub fn parse_addr(s: &str) -> Result<(bool, u128), AddrError> {
    let s = s.trim();
    if s.contains(':') {
        return s
            .parse::<Ipv6Addr>()
            .map(|a| (true, u128::from(a)))
            .map_err(|_| AddrError::BadAddress(s.to_string()));
    }
    let mut value: u32 = 0;
    let mut count = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AddrError::BadAddress(s.to_string()));
        }
        let octet: u32 = part
            .parse()
            .map_err(|_| AddrError::BadAddress(s.to_string()))?;
        if octet > 255 {
            return Err(AddrError::BadAddress(s.to_string()));
        }
        value = (value << 8) | octet;
        count += 1;
    }
    if count != 4 {
        return Err(AddrError::BadAddress(s.to_string()));
    }
    Ok((false, u128::from(value)))
}

/// The first and last address of `addr/len`. `len` must be valid for the version.
pub fn prefix_range(v6: bool, addr: u128, len: u8) -> (u128, u128) {
    let width = bits(v6);
    let host = width - u32::from(len);
    let host_mask: u128 = if host == 0 {
        0
    } else if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    let start = addr & !host_mask;
    (start, start | host_mask)
}

/// Parses `address/length`. With `lenient`, bits after the length are cleared; without,
/// they are an error. Returns `(is_v6, network address, length)`.
pub fn parse_prefix(s: &str, lenient: bool) -> Result<(bool, u128, u8), AddrError> {
    let s = s.trim();
    let (a, l) = s
        .split_once('/')
        .ok_or_else(|| AddrError::BadPrefix(s.to_string()))?;
    let (v6, addr) = parse_addr(a)?;
    let len: u32 = l
        .trim()
        .parse()
        .map_err(|_| AddrError::BadPrefix(s.to_string()))?;
    if len > bits(v6) {
        return Err(AddrError::BadLength {
            len,
            version: if v6 { 6 } else { 4 },
        });
    }
    let len = len as u8;
    let (start, _) = prefix_range(v6, addr, len);
    if start != addr && !lenient {
        return Err(AddrError::HostBits(s.to_string()));
    }
    Ok((v6, start, len))
}

/// Parses `first - last` (spaces optional). Returns `(is_v6, first, last)`.
pub fn parse_range(s: &str) -> Result<(bool, u128, u128), AddrError> {
    let s = s.trim();
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| AddrError::BadRange(s.to_string()))?;
    let (v6a, start) = parse_addr(a)?;
    let (v6b, end) = parse_addr(b)?;
    if v6a != v6b {
        return Err(AddrError::MixedVersions(s.to_string()));
    }
    if start > end {
        return Err(AddrError::StartAfterEnd {
            start: format_addr(v6a, start),
            end: format_addr(v6a, end),
        });
    }
    Ok((v6a, start, end))
}

/// Formats an address the usual way (`23.1.2.3`, `2600:1f00::`).
pub fn format_addr(v6: bool, addr: u128) -> String {
    if v6 {
        Ipv6Addr::from(addr).to_string()
    } else {
        Ipv4Addr::from(addr as u32).to_string()
    }
}

/// Formats a range as `first - last`.
pub fn format_range(v6: bool, start: u128, end: u128) -> String {
    format!("{} - {}", format_addr(v6, start), format_addr(v6, end))
}

/// The smallest list of CIDR blocks that exactly covers `start..=end`, in address order.
/// Returns `(network address, prefix length)` pairs.
pub fn cidrs_of_range(v6: bool, start: u128, end: u128) -> Vec<(u128, u8)> {
    let width = bits(v6);
    let mut out = Vec::new();
    let mut cur = start;
    loop {
        // The largest block that starts at `cur` (alignment) and does not pass `end`.
        let align = if cur == 0 {
            width
        } else {
            cur.trailing_zeros().min(width)
        };
        let mut host = align;
        loop {
            let last = if host >= 128 {
                u128::MAX
            } else {
                cur | ((1u128 << host) - 1)
            };
            if last <= end {
                break;
            }
            host -= 1;
        }
        let len = (width - host) as u8;
        out.push((cur, len));
        let last = if host >= 128 {
            u128::MAX
        } else {
            cur | ((1u128 << host) - 1)
        };
        if last >= end {
            break;
        }
        cur = last + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> u128 {
        parse_addr(s).unwrap().1
    }

    #[test]
    fn zero_padded_ipv4() {
        assert_eq!(parse_addr("010.000.000.255"), Ok((false, v4("10.0.0.255"))));
        assert!(parse_addr("1.2.3").is_err());
        assert!(parse_addr("1.2.3.256").is_err());
        assert!(parse_addr("1.2.3.4.5").is_err());
        assert!(parse_addr("0001.2.3.4").is_err());
        assert!(parse_addr("").is_err());
    }

    #[test]
    fn ipv6_forms() {
        let (v6, a) = parse_addr("2600:1F00:0000:0000:0000:0000:0000:0000").unwrap();
        assert!(v6);
        assert_eq!(format_addr(true, a), "2600:1f00::");
        assert!(parse_addr("2600::1::2").is_err());
    }

    #[test]
    fn prefixes() {
        assert_eq!(
            parse_prefix("23.1.0.0/16", false),
            Ok((false, v4("23.1.0.0"), 16))
        );
        assert_eq!(
            parse_prefix("23.1.2.3/16", false),
            Err(AddrError::HostBits("23.1.2.3/16".into()))
        );
        assert_eq!(
            parse_prefix("23.1.2.3/16", true),
            Ok((false, v4("23.1.0.0"), 16))
        );
        assert!(matches!(
            parse_prefix("23.1.0.0/33", true),
            Err(AddrError::BadLength { len: 33, .. })
        ));
        assert_eq!(
            prefix_range(false, 0, 0),
            (0, u128::from(u32::MAX)),
            "IPv4 /0 covers the whole space"
        );
        assert_eq!(prefix_range(true, 0, 0), (0, u128::MAX));
    }

    #[test]
    fn ranges() {
        assert_eq!(
            parse_range("23.1.0.0 - 23.1.255.255"),
            Ok((false, v4("23.1.0.0"), v4("23.1.255.255")))
        );
        assert!(matches!(
            parse_range("23.1.0.9 - 23.1.0.1"),
            Err(AddrError::StartAfterEnd { .. })
        ));
        assert!(matches!(
            parse_range("23.1.0.0 - 2600::"),
            Err(AddrError::MixedVersions(_))
        ));
    }

    #[test]
    fn non_cidr_range_decomposes() {
        let got = cidrs_of_range(false, v4("198.51.100.0"), v4("198.51.100.191"));
        assert_eq!(
            got,
            vec![(v4("198.51.100.0"), 25), (v4("198.51.100.128"), 26)]
        );
        let got = cidrs_of_range(false, v4("23.1.2.3"), v4("23.1.2.3"));
        assert_eq!(got, vec![(v4("23.1.2.3"), 32)]);
        assert_eq!(cidrs_of_range(false, 0, u128::from(u32::MAX)), vec![(0, 0)]);
        assert_eq!(cidrs_of_range(true, 0, u128::MAX), vec![(0, 0)]);
        let got = cidrs_of_range(false, v4("23.1.0.1"), v4("23.1.0.6"));
        assert_eq!(
            got,
            vec![
                (v4("23.1.0.1"), 32),
                (v4("23.1.0.2"), 31),
                (v4("23.1.0.4"), 31),
                (v4("23.1.0.6"), 32)
            ]
        );
    }

    #[test]
    fn decomposition_covers_exactly() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..2000 {
            let a = u128::from(rng.u32(..));
            let b = u128::from(rng.u32(..));
            let (s, e) = (a.min(b), a.max(b));
            let cidrs = cidrs_of_range(false, s, e);
            let mut next = s;
            for (addr, len) in cidrs {
                let (first, last) = prefix_range(false, addr, len);
                assert_eq!(first, next);
                next = last + 1;
            }
            assert_eq!(next, e + 1);
        }
    }
}
