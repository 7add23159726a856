//! Handles, names and other small pieces both writers share.

use super::World;
use super::names::{Party, PocInfo};
use super::nets::{NetKind, NetRec};
use super::out::Out;

/// ARIN net handle: `NET-23-1-0-0-1`, `NET6-2600-1004-A000-1` (IPv6 groups without trailing
/// zero groups). Nets that share a start address differ by the last number.
pub(super) fn net_handle(o: &mut Out, v6: bool, start: u128, suffix: u8) {
    if v6 {
        o.s("NET6-");
        let groups: [u64; 8] = std::array::from_fn(|i| ((start >> (112 - 16 * i)) & 0xffff) as u64);
        let used = groups.iter().rposition(|&g| g != 0).map_or(1, |i| i + 1);
        for (i, g) in groups[..used].iter().enumerate() {
            if i > 0 {
                o.c(b'-');
            }
            o.hex(*g, true);
        }
    } else {
        o.s("NET-");
        let a = start as u32;
        for (i, shift) in [24u32, 16, 8, 0].into_iter().enumerate() {
            if i > 0 {
                o.c(b'-');
            }
            o.u(u64::from((a >> shift) & 0xff));
        }
    }
    o.c(b'-');
    o.u(u64::from(suffix));
}

/// ARIN org handle (`BBN-12`) or customer handle (`C0000001501`).
pub(super) fn arin_party_handle(o: &mut Out, party: &Party) {
    if party.customer {
        o.c(b'C');
        o.u_pad(u64::from(party.p) + 1, 10);
    } else {
        let (letters, n) = party.letters();
        o.buf_letters(&letters[..n]);
        o.c(b'-');
        o.u(u64::from(party.p) + 1);
    }
}

/// RPSL organisation handle: `ORG-BBN12-RIRWHOIS`.
pub(super) fn rpsl_org_handle(o: &mut Out, party: &Party) {
    let (letters, n) = party.letters();
    o.s("ORG-");
    o.buf_letters(&letters[..n]);
    o.u(u64::from(party.p) + 1);
    o.s("-RIRWHOIS");
}

/// POC handle: `IH24-ARIN`, `ABUSE25-RIRWHOIS`.
pub(super) fn poc_handle(o: &mut Out, poc: &PocInfo, suffix: &str) {
    let (letters, n) = poc.handle_letters();
    o.buf_letters(&letters[..n]);
    o.u(poc.q + 1);
    o.s(suffix);
}

/// Handle of POC `q` (derives the POC).
pub(super) fn poc_handle_of(o: &mut Out, w: &World, q: u64, suffix: &str) {
    let poc = w.poc_head(q);
    poc_handle(o, &poc, suffix);
}

/// A party's name as registered.
pub(super) fn party_name(o: &mut Out, party: &Party, xml: bool) {
    for part in party.name_parts() {
        if xml {
            o.xml(part);
        } else {
            o.s(part);
        }
    }
}

/// The mail domain of a party: `bluebridge.example.net`; private customers get an opaque
/// one so the domain does not give their name away.
pub(super) fn mail_domain(o: &mut Out, party: &Party) {
    if party.private {
        o.s("cust");
        o.u(u64::from(party.p) + 1);
    } else {
        let [a, b] = party.short_parts();
        o.lower_alnum(a);
        o.lower_alnum(b);
    }
    o.s(party.domain_tld());
}

/// A POC's display name as RPSL `person:`/`role:` and ARIN ROLE last name use it.
pub(super) fn role_name(o: &mut Out, poc: &PocInfo, owner: &Party, xml: bool) {
    let kind = poc.role.expect("role POC");
    if !owner.private {
        let [a, b] = owner.short_parts();
        if xml {
            o.xml(a);
            o.c(b' ');
            o.xml(b);
        } else {
            o.s(a);
            o.c(b' ');
            o.s(b);
        }
        o.c(b' ');
    }
    o.s(kind.title());
}

/// A POC's mail address.
pub(super) fn poc_email(o: &mut Out, poc: &PocInfo, owner: &Party) {
    match poc.role {
        Some(kind) => o.s(kind.mailbox()),
        None => match poc.mail_style {
            0 => {
                o.lower_alnum(poc.first_name());
                o.c(b'.');
                o.lower_alnum(poc.last_name());
            }
            1 => {
                o.c(poc.first_name().as_bytes()[0].to_ascii_lowercase());
                o.lower_alnum(poc.last_name());
            }
            _ => o.lower_alnum(poc.first_name()),
        },
    }
    o.c(b'@');
    mail_domain(o, owner);
}

/// A phone number: the city's prefix and two digits.
pub(super) fn phone(o: &mut Out, owner: &Party, digits: u8) {
    o.s(owner.addr.city().phone);
    o.u_pad(u64::from(digits % 100), 2);
}

/// First street line: `4410 Commerce Street`.
pub(super) fn street_line(o: &mut Out, party: &Party) {
    let a = &party.addr;
    o.u(u64::from(a.number));
    o.c(b' ');
    o.s(super::names::STREET[a.street as usize]);
    o.c(b' ');
    o.s(super::names::STREET_KIND[a.kind as usize]);
}

pub(super) fn postal_code(o: &mut Out, party: &Party) {
    let a = &party.addr;
    o.s(a.city().postal);
    if a.postal_needs_tail() {
        o.u_pad(u64::from(a.postal_tail), 2);
    }
}

/// Net name: holder initials, a tag and a number (`BBN-BLK-7`, `BBN-CUST-3`).
pub(super) fn net_name(o: &mut Out, namer: &Party, n: &NetRec, customer: bool) {
    let (letters, k) = namer.letters();
    o.buf_letters(&letters[..k]);
    o.s(match (n.kind, customer) {
        (_, true) => "-CUST",
        (NetKind::Reallocation, _) => "-BLK",
        _ => "-NET",
    });
    if n.v6 {
        o.c(b'6');
    }
    o.c(b'-');
    o.u(u64::from(n.name_no));
}

/// The CIDR blocks of a net's range, calling `f(first address, prefix length)` for each.
pub(super) fn for_each_block(n: &NetRec, mut f: impl FnMut(u128, u8)) {
    match n.cidr_len {
        Some(len) => f(n.start, len),
        None => {
            for (addr, len) in crate::model::cidrs_of_range(n.v6, n.start, n.end) {
                f(addr, len);
            }
        }
    }
}

/// The reverse zone of a delegation: `2.1.23.in-addr.arpa`, `4.0.0.1.0.0.6.2.ip6.arpa`.
pub(super) fn zone_name(o: &mut Out, v6: bool, start: u128, zone_len: u8) {
    if v6 {
        let nibbles = u32::from(zone_len) / 4;
        for i in (0..nibbles).rev() {
            let nib = ((start >> (124 - 4 * i)) & 0xf) as u64;
            o.hex(nib, false);
            o.c(b'.');
        }
        o.s("ip6.arpa");
    } else {
        let octets = u32::from(zone_len) / 8;
        let a = start as u32;
        for i in (0..octets).rev() {
            o.u(u64::from((a >> (24 - 8 * i)) & 0xff));
            o.c(b'.');
        }
        o.s("in-addr.arpa");
    }
}

/// DS record `i` of a delegation: (key tag, algorithm, 64 hex digit SHA-256 digest words).
pub(super) fn ds_record(seed: u64, i: u8) -> (u16, u8, [u64; 4]) {
    let mut rng = fastrand::Rng::with_seed(super::names::splitmix(seed ^ u64::from(i)));
    let algorithm = if rng.u8(..10) < 7 { 13 } else { 8 };
    (rng.u16(..), algorithm, std::array::from_fn(|_| rng.u64(..)))
}

impl Out {
    pub(super) fn buf_letters(&mut self, letters: &[u8]) {
        for &b in letters {
            self.c(b);
        }
    }
}
