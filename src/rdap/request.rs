//! An RDAP request as the handlers see it: the path below the base path split into
//! percent-decoded segments, the decoded query parameters, and the client address.

use std::borrow::Cow;
use std::net::IpAddr;

/// Why a request line cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BadRequest {
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
    Encoding,
}

/// A parsed request, borrowing from the request line where nothing needed decoding.
#[derive(Debug, Clone)]
pub(crate) struct Req<'a> {
    /// Decoded path segments below the base path (`/ip/192.0.2.0/24` → `ip`, `192.0.2.0`, `24`).
    pub(crate) segs: Vec<Cow<'a, str>>,
    /// Decoded query parameters in order.
    pub(crate) query: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub(crate) peer: IpAddr,
}

impl<'a> Req<'a> {
    /// Splits `path` (already below the base path) and `query`.
    pub(crate) fn parse(
        path: &'a str,
        query: Option<&'a str>,
        peer: IpAddr,
    ) -> Result<Req<'a>, BadRequest> {
        let segs = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| decode(s, false))
            .collect::<Result<Vec<_>, _>>()?;
        let mut params = Vec::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            params.push((decode(k, true)?, decode(v, true)?));
        }
        Ok(Req {
            segs,
            query: params,
            peer,
        })
    }

    /// The segment at `i`.
    pub(crate) fn seg(&self, i: usize) -> Option<&str> {
        self.segs.get(i).map(|s| s.as_ref())
    }

    /// The first value of query parameter `k`.
    pub(crate) fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_ref())
    }

    /// Query parameter names that are not in `known`.
    pub(crate) fn unknown_params(&self, known: &[&str]) -> Vec<&str> {
        self.query
            .iter()
            .map(|(k, _)| k.as_ref())
            .filter(|k| !known.contains(k))
            .collect()
    }
}

/// Percent-decodes `s` (and `+` as a space in query strings).
pub(crate) fn decode(s: &str, plus_is_space: bool) -> Result<Cow<'_, str>, BadRequest> {
    if !s.bytes().any(|b| b == b'%' || (plus_is_space && b == b'+')) {
        return Ok(Cow::Borrowed(s));
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(BadRequest::Encoding)?;
                // Two hex digits exactly: from_str_radix alone would take "+f".
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return Err(BadRequest::Encoding);
                }
                let hex = std::str::from_utf8(hex).map_err(|_| BadRequest::Encoding)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| BadRequest::Encoding)?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| BadRequest::Encoding)
}

/// Percent-encodes a path segment: everything but RFC 3986 unreserved characters, `:` and `@`.
pub(crate) fn encode_seg(s: &str) -> std::borrow::Cow<'_, str> {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b"-._~:@".contains(&b);
    if s.bytes().all(keep) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> IpAddr {
        "127.0.0.1".parse().unwrap()
    }

    #[test]
    fn segments_and_params() {
        let r = Req::parse("/ip/2001:db8::/32", None, peer()).unwrap();
        assert_eq!(r.segs, ["ip", "2001:db8::", "32"]);
        let r = Req::parse(
            "/ips/reverse_search/entity",
            Some("handle=AB%2A&role=abuse&fn=Jo+Tech&x"),
            peer(),
        )
        .unwrap();
        assert_eq!(r.param("handle"), Some("AB*"));
        assert_eq!(r.param("fn"), Some("Jo Tech"));
        assert_eq!(r.param("x"), Some(""));
        assert_eq!(r.unknown_params(&["handle", "role", "fn"]), ["x"]);
        assert_eq!(
            Req::parse("/entity/%ZZ", None, peer()).unwrap_err(),
            BadRequest::Encoding
        );
        assert_eq!(
            Req::parse("/entity/%FF", None, peer()).unwrap_err(),
            BadRequest::Encoding
        );
        // A '+' in a path is a plus.
        assert_eq!(
            Req::parse("/entity/A+B", None, peer()).unwrap().segs[1],
            "A+B"
        );
    }

    #[test]
    fn encoding_segments() {
        assert_eq!(encode_seg("NET-23-1-2-0-1"), "NET-23-1-2-0-1");
        assert_eq!(encode_seg("2001:db8::"), "2001:db8::");
        assert_eq!(encode_seg("a b/c"), "a%20b%2Fc");
    }
}

#[cfg(test)]
mod percent_tests {
    use super::*;

    #[test]
    fn percent_escapes_take_two_hex_digits_only() {
        assert_eq!(decode("a%2Fb", false).unwrap(), "a/b");
        assert!(decode("%+f", false).is_err());
        assert!(decode("%-1", false).is_err());
        assert!(decode("%4", false).is_err());
        assert_eq!(decode("a+b", true).unwrap(), "a b");
    }
}
