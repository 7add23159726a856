//! Address space for top-level allocations: the public unicast pools, and the optional
//! routed-prefix list (pyasn `ipasn` format) that replaces them.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::model::parse_prefix;

use super::GenError;

/// IPv4 space never used for top-level allocations: special-use and documentation blocks.
const V4_EXCLUDED: &[(u32, u8)] = &[
    (0x0000_0000, 8),  // 0.0.0.0/8
    (0x0A00_0000, 8),  // 10.0.0.0/8
    (0x6440_0000, 10), // 100.64.0.0/10
    (0x7F00_0000, 8),  // 127.0.0.0/8
    (0xA9FE_0000, 16), // 169.254.0.0/16
    (0xAC10_0000, 12), // 172.16.0.0/12
    (0xC000_0000, 24), // 192.0.0.0/24
    (0xC000_0200, 24), // 192.0.2.0/24
    (0xC058_6300, 24), // 192.88.99.0/24
    (0xC0A8_0000, 16), // 192.168.0.0/16
    (0xC612_0000, 15), // 198.18.0.0/15
    (0xC633_6400, 24), // 198.51.100.0/24
    (0xCB00_7100, 24), // 203.0.113.0/24
    (0xE000_0000, 3),  // 224.0.0.0/3
];

/// Inclusive ranges of IPv4 space open to top-level allocations, in address order.
pub(super) fn v4_pools() -> Vec<(u128, u128)> {
    let mut excluded: Vec<(u128, u128)> = V4_EXCLUDED
        .iter()
        .map(|&(a, len)| {
            let size = 1u128 << (32 - u32::from(len));
            (u128::from(a), u128::from(a) + size - 1)
        })
        .collect();
    excluded.sort_unstable();
    let mut pools = Vec::new();
    let mut next = 0u128;
    for (s, e) in excluded {
        if s > next {
            pools.push((next, s - 1));
        }
        next = next.max(e + 1);
    }
    if next <= u128::from(u32::MAX) {
        pools.push((next, u128::from(u32::MAX)));
    }
    pools
}

/// The IPv6 pools: five /12s of the kind the RIRs hand out from (2400::/12, 2600::/12,
/// 2800::/12, 2a00::/12, 2c00::/12).
pub(super) fn v6_pools() -> Vec<(u128, u128)> {
    [0x2400u128, 0x2600, 0x2800, 0x2a00, 0x2c00]
        .into_iter()
        .map(|top| {
            let start = top << 112;
            (start, start + (1u128 << 116) - 1)
        })
        .collect()
}

/// One routed prefix from the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RoutedPrefix {
    pub(super) start: u128,
    pub(super) len: u8,
    /// Origin AS (0: none).
    pub(super) asn: u32,
}

/// The usable content of a routed-prefix list.
#[derive(Debug, Clone, Default)]
pub(super) struct Routed {
    /// Outermost IPv4 prefixes, in address order.
    pub(super) v4: Vec<RoutedPrefix>,
    pub(super) v6: Vec<RoutedPrefix>,
    /// The origin ASes of the kept prefixes, sorted, without duplicates and without 0.
    pub(super) asns: Vec<u32>,
}

/// Reads a pyasn `ipasn` file (`prefix<TAB>asn` lines, `;` comments, gzip allowed).
/// Prefixes shorter than /8 (IPv4) or /16 (IPv6) are ignored, and of nested prefixes only
/// the outermost is kept.
pub(super) fn read_prefixes(path: &Path) -> Result<Routed, GenError> {
    let mut file = File::open(path).map_err(|e| GenError::io(path, e))?;
    let mut magic = [0u8; 2];
    let n = read_up_to(&mut file, &mut magic).map_err(|e| GenError::io(path, e))?;
    let file = File::open(path).map_err(|e| GenError::io(path, e))?;
    let reader: Box<dyn BufRead> = if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    parse_prefixes(reader, path)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn parse_prefixes(mut reader: impl BufRead, path: &Path) -> Result<Routed, GenError> {
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        number += 1;
        let bad = |message: String| GenError::BadPrefixes {
            path: path.to_path_buf(),
            line: number,
            message,
        };
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(bad("not UTF-8 text".to_string()));
            }
            Err(e) => return Err(GenError::io(path, e)),
        }
        let text = line.trim();
        if text.is_empty() || text.starts_with(';') {
            continue;
        }
        let mut fields = text.split_whitespace();
        let (Some(prefix), Some(asn), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(bad(format!("expected 'prefix<TAB>asn', found '{text}'")));
        };
        let (is_v6, start, len) = parse_prefix(prefix, true).map_err(|e| bad(e.to_string()))?;
        let digits = asn
            .strip_prefix("AS")
            .or_else(|| asn.strip_prefix("as"))
            .unwrap_or(asn);
        let asn: u32 = digits
            .parse()
            .map_err(|_| bad(format!("'{asn}' is not an AS number")))?;
        let prefix = RoutedPrefix { start, len, asn };
        match is_v6 {
            false if len >= 8 => v4.push(prefix),
            true if len >= 16 => v6.push(prefix),
            _ => {}
        }
    }
    let v4 = outermost(v4, false);
    let v6 = outermost(v6, true);
    let mut asns: Vec<u32> = v4
        .iter()
        .chain(&v6)
        .map(|p| p.asn)
        .filter(|&a| a != 0)
        .collect();
    asns.sort_unstable();
    asns.dedup();
    Ok(Routed { v4, v6, asns })
}

/// Sorts prefixes and keeps only those not inside another (duplicates go too).
fn outermost(mut prefixes: Vec<RoutedPrefix>, v6: bool) -> Vec<RoutedPrefix> {
    prefixes.sort_unstable_by_key(|p| (p.start, p.len, p.asn));
    let mut kept: Vec<RoutedPrefix> = Vec::with_capacity(prefixes.len());
    let mut last_end: Option<u128> = None;
    for p in prefixes {
        let (_, end) = crate::model::prefix_range(v6, p.start, p.len);
        if last_end.is_some_and(|e| p.start <= e) {
            continue;
        }
        last_end = Some(end);
        kept.push(p);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_avoid_special_space() {
        let pools = v4_pools();
        let inside = |a: u128| pools.iter().any(|&(s, e)| s <= a && a <= e);
        for bad in [
            0x0A01_0203u128,
            0x7F00_0001,
            0xC000_0201,
            0xC633_6401,
            0xCB00_7101,
            0xE000_0001,
            0xFFFF_FFFF,
            0xAC1F_0000,
        ] {
            assert!(!inside(bad), "{bad:#x} must not be in a pool");
        }
        for good in [0x1701_0000u128, 0x2D38_0000, 0x0100_0000, 0xDF00_0000] {
            assert!(inside(good), "{good:#x} should be in a pool");
        }
        assert!(v6_pools().iter().all(|&(s, _)| s >> 124 == 2));
    }

    #[test]
    fn prefix_list_keeps_outermost() {
        let text = "; IP-ASN32-DAT file\n; comment\n23.1.0.0/16\t393210\n23.1.64.0/18\t393211\n\
                    23.1.0.0/16\t393212\n45.56.0.0/20\t0\n2600:1000::/28\t393200\n\
                    2600:1004::/32\t393201\n0.0.0.0/0\t1\n";
        let r = parse_prefixes(text.as_bytes(), Path::new("x")).unwrap();
        assert_eq!(r.v4.len(), 2);
        assert_eq!(r.v4[0].len, 16);
        assert_eq!(r.v4[0].asn, 393210);
        assert_eq!(r.v6.len(), 1);
        assert_eq!(r.asns, vec![393200, 393210]);
    }

    #[test]
    fn bad_prefix_line_names_the_line() {
        let text = "; header\n23.1.0.0/16\t393210\n23.1.0.0/33\t1\n";
        let err = parse_prefixes(text.as_bytes(), Path::new("routes.dat")).unwrap_err();
        match &err {
            GenError::BadPrefixes { line, .. } => assert_eq!(*line, 3),
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().starts_with("routes.dat:3: "), "{err}");
        let err = parse_prefixes("23.1.0.0/16 ASX\n".as_bytes(), Path::new("r")).unwrap_err();
        assert!(matches!(err, GenError::BadPrefixes { line: 1, .. }));
        let err = parse_prefixes("23.1.0.0/16\n".as_bytes(), Path::new("r")).unwrap_err();
        assert!(matches!(err, GenError::BadPrefixes { line: 1, .. }));
    }
}
