//! ARIN Reg-RWS XML: payloads (`org`, `customer`, `poc`, `net`, `asn`, `delegation`) inside
//! `<collection>` files.

use std::path::{Path, PathBuf};

use super::handles::{
    arin_party_handle, ds_record, for_each_block, mail_domain, net_handle, net_name, party_name,
    phone, poc_email, poc_handle, poc_handle_of, postal_code, role_name, street_line, zone_name,
};
use super::names::{COMMENTS, Party, PocInfo};
use super::nets::{DelegationRec, NetKind, NetRec};
use super::out::Out;
use super::{AsnRec, GenError, NET_CHUNK, World};

const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                      <collection xmlns=\"http://www.arin.net/regrws/core/v1\">\n";
const FOOTER: &str = "</collection>\n";
const POC_SUFFIX: &str = "-ARIN";

/// Opens a collection file.
pub(super) fn open(path: &Path) -> Result<Out, GenError> {
    let mut o = Out::create(path)?;
    o.s(HEADER);
    Ok(o)
}

/// Closes a collection file.
pub(super) fn close(mut o: Out) -> Result<(PathBuf, u64), GenError> {
    o.s(FOOTER);
    o.finish()
}

/// The net files (IPv4 in chunks) and the delegation file.
pub(super) struct NetFiles {
    dir: PathBuf,
    v4: Option<Out>,
    v4_chunk: u32,
    v4_in_chunk: u64,
    v6: Option<Out>,
    delegations: Option<Out>,
    done: Vec<(PathBuf, u64)>,
}

impl NetFiles {
    pub(super) fn create(dir: &Path) -> Result<Self, GenError> {
        Ok(Self {
            dir: dir.to_path_buf(),
            v4: Some(open(&dir.join("nets-v4-000.xml"))?),
            v4_chunk: 0,
            v4_in_chunk: 0,
            v6: Some(open(&dir.join("nets-v6.xml"))?),
            delegations: Some(open(&dir.join("delegations.xml"))?),
            done: Vec::new(),
        })
    }

    pub(super) fn net(&mut self, w: &World, n: &NetRec) -> Result<(), GenError> {
        if !n.v6 && self.v4_in_chunk == NET_CHUNK {
            if let Some(o) = self.v4.take() {
                self.done.push(close(o)?);
            }
            self.v4_chunk += 1;
            self.v4_in_chunk = 0;
            let name = format!("nets-v4-{:03}.xml", self.v4_chunk);
            self.v4 = Some(open(&self.dir.join(name))?);
        }
        let slot = if n.v6 { &mut self.v6 } else { &mut self.v4 };
        let o = slot.as_mut().expect("open while generating");
        write_net(o, w, n);
        o.end_object()?;
        if !n.v6 {
            self.v4_in_chunk += 1;
        }
        if let Some(d) = &n.delegation {
            let o = self.delegations.as_mut().expect("open while generating");
            write_delegation(o, w, n, d);
            o.end_object()?;
        }
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<Vec<(PathBuf, u64)>, GenError> {
        for o in [self.v4.take(), self.v6.take(), self.delegations.take()]
            .into_iter()
            .flatten()
        {
            self.done.push(close(o)?);
        }
        Ok(self.done)
    }
}

fn link(o: &mut Out, w: &World, function: &str, description: &str, q: u64) {
    o.s("      <pocLinkRef description=\"");
    o.s(description);
    o.s("\" handle=\"");
    poc_handle_of(o, w, q, POC_SUFFIX);
    o.s("\" function=\"");
    o.s(function);
    o.s("\"/>\n");
}

fn comment(o: &mut Out, which: u8) {
    if which == 0 {
        return;
    }
    o.s("    <comment>\n      <line number=\"1\">");
    o.xml(COMMENTS[(which - 1) as usize]);
    o.s("</line>\n    </comment>\n");
}

fn dates(o: &mut Out, registered: i64, updated: Option<i64>) {
    o.s("    <registrationDate>");
    o.datetime_regrws(registered);
    o.s("</registrationDate>\n");
    if let Some(u) = updated {
        o.s("    <updateDate>");
        o.datetime_est(u);
        o.s("</updateDate>\n");
    }
}

fn address(o: &mut Out, party: &Party) {
    let a = &party.addr;
    let city = a.city();
    o.s("    <streetAddress>\n      <line number=\"1\">");
    street_line(o, party);
    o.s("</line>\n");
    if a.suite != 0 {
        o.s("      <line number=\"2\">Suite ");
        o.u(u64::from(a.suite));
        o.s("</line>\n");
    }
    o.s("    </streetAddress>\n    <city>");
    o.s(city.name);
    o.s("</city>\n");
    if !city.state.is_empty() {
        o.s("    <iso3166-2>");
        o.s(city.state);
        o.s("</iso3166-2>\n");
    }
    o.s("    <iso3166-1>\n      <code2>");
    o.s(city.country);
    o.s("</code2>\n    </iso3166-1>\n");
    if !city.postal.is_empty() {
        o.s("    <postalCode>");
        postal_code(o, party);
        o.s("</postalCode>\n");
    }
}

fn write_net(o: &mut Out, w: &World, n: &NetRec) {
    let holder = w.party(n.holder);
    let namer = if n.name_party == n.holder {
        holder
    } else {
        w.party(n.name_party)
    };
    o.s("  <net>\n    <version>");
    o.s(if n.v6 { "6" } else { "4" });
    o.s("</version>\n    <handle>");
    net_handle(o, n.v6, n.start, n.suffix);
    o.s("</handle>\n    <netName>");
    net_name(o, &namer, n, holder.customer);
    o.s("</netName>\n");
    if holder.customer {
        o.s("    <customerHandle>");
        arin_party_handle(o, &holder);
        o.s("</customerHandle>\n");
    } else {
        o.s("    <orgHandle>");
        arin_party_handle(o, &holder);
        o.s("</orgHandle>\n");
    }
    if let Some((ps, _, psuffix)) = n.parent {
        o.s("    <parentNetHandle>");
        net_handle(o, n.v6, ps, psuffix);
        o.s("</parentNetHandle>\n");
    }
    let code = match n.kind {
        NetKind::Allocation | NetKind::DirectAssignment => "DA",
        NetKind::Reallocation => "A",
        NetKind::Reassignment => "S",
    };
    let bits: u32 = if n.v6 { 128 } else { 32 };
    o.s("    <netBlocks>\n");
    for_each_block(n, |addr, len| {
        let host = bits - u32::from(len);
        let last = if host == 128 {
            u128::MAX
        } else {
            addr | ((1u128 << host) - 1)
        };
        o.s("      <netBlock>\n        <type>");
        o.s(code);
        o.s("</type>\n        <startAddress>");
        if n.v6 {
            o.ip6_full(addr);
        } else {
            o.ip4(addr as u32, true);
        }
        o.s("</startAddress>\n        <endAddress>");
        if n.v6 {
            o.ip6_full(last);
        } else {
            o.ip4(last as u32, true);
        }
        o.s("</endAddress>\n        <cidrLength>");
        o.u(u64::from(len));
        o.s("</cidrLength>\n      </netBlock>\n");
    });
    o.s("    </netBlocks>\n");
    if n.n_origins > 0 {
        o.s("    <originASes>\n");
        for &a in &n.origins[..n.n_origins as usize] {
            o.s("      <originAS>AS");
            o.u(u64::from(a));
            o.s("</originAS>\n");
        }
        o.s("    </originASes>\n");
    }
    o.s("    <pocLinks>\n");
    if n.abuse {
        link(o, w, "AB", "Abuse", holder.role_poc(w.n_pocs));
    }
    if n.noc {
        link(o, w, "N", "NOC", holder.role_poc(w.n_pocs));
    }
    link(o, w, "T", "Tech", holder.tech_poc(w.n_pocs));
    o.s("    </pocLinks>\n");
    comment(o, n.comment);
    dates(o, n.registered, Some(n.updated));
    o.s("  </net>\n");
}

fn write_delegation(o: &mut Out, w: &World, n: &NetRec, d: &DelegationRec) {
    let holder = w.party(n.holder);
    o.s("  <delegation>\n    <name>");
    zone_name(o, n.v6, n.start, d.zone_len);
    o.s(".</name>\n");
    if d.ds > 0 {
        o.s("    <delegationKeys>\n");
        for i in 0..d.ds {
            let (tag, alg, digest) = ds_record(d.seed, i);
            o.s("      <delegationKey>\n        <algorithm name=\"");
            o.s(if alg == 13 {
                "ECDSA Curve P-256 with SHA-256"
            } else {
                "RSA/SHA-256"
            });
            o.s("\">");
            o.u(u64::from(alg));
            o.s("</algorithm>\n        <digest>");
            for word in digest {
                o.hex_fixed(word, 16);
            }
            o.s("</digest>\n        <ttl>86400</ttl>\n        <digestType name=\"SHA-256\">2</digestType>\n        <keyTag>");
            o.u(u64::from(tag));
            o.s("</keyTag>\n      </delegationKey>\n");
        }
        o.s("    </delegationKeys>\n");
    }
    o.s("    <nameservers>\n");
    for i in 0..d.nameservers {
        o.s("      <nameserver>ns");
        o.u(u64::from(i) + 1);
        o.c(b'.');
        mail_domain(o, &holder);
        o.s("</nameserver>\n");
    }
    o.s("    </nameservers>\n");
    dates(o, d.registered, None);
    o.s("  </delegation>\n");
}

/// An org payload, or a customer payload with its parent org.
pub(super) fn write_party(o: &mut Out, w: &World, party: &Party, parent_org: Option<&Party>) {
    if party.customer {
        o.s("  <customer>\n    <handle>");
        arin_party_handle(o, party);
        o.s("</handle>\n    <customerName>");
        party_name(o, party, true);
        o.s("</customerName>\n");
        if let Some(parent) = parent_org {
            o.s("    <parentOrgHandle>");
            arin_party_handle(o, parent);
            o.s("</parentOrgHandle>\n");
        }
        o.s("    <privateCustomer>");
        o.s(if party.private { "true" } else { "false" });
        o.s("</privateCustomer>\n");
        address(o, party);
        comment(o, party.comment);
        dates(o, party.registered, None);
        o.s("  </customer>\n");
        return;
    }
    o.s("  <org>\n    <handle>");
    arin_party_handle(o, party);
    o.s("</handle>\n    <orgName>");
    party_name(o, party, true);
    o.s("</orgName>\n");
    if party.dba {
        let [adj, _] = party.short_parts();
        o.s("    <dbaName>");
        o.xml(adj);
        o.s(" Online</dbaName>\n");
    }
    address(o, party);
    o.s("    <pocLinks>\n");
    link(o, w, "AD", "Admin", party.person_poc(w.n_pocs));
    link(o, w, "T", "Tech", party.tech_poc(w.n_pocs));
    if party.has_abuse {
        link(o, w, "AB", "Abuse", party.role_poc(w.n_pocs));
    }
    if party.has_noc {
        link(o, w, "N", "NOC", party.role_poc(w.n_pocs));
    }
    o.s("    </pocLinks>\n");
    comment(o, party.comment);
    dates(o, party.registered, Some(party.updated));
    o.s("  </org>\n");
}

/// A POC payload.
pub(super) fn write_poc(o: &mut Out, poc: &PocInfo, owner: &Party) {
    o.s("  <poc>\n    <handle>");
    poc_handle(o, poc, POC_SUFFIX);
    o.s("</handle>\n");
    match poc.role {
        Some(_) => {
            o.s("    <contactType>ROLE</contactType>\n    <lastName>");
            role_name(o, poc, owner, true);
            o.s("</lastName>\n");
        }
        None => {
            o.s("    <contactType>PERSON</contactType>\n    <firstName>");
            o.s(poc.first_name());
            o.s("</firstName>\n");
            if poc.middle != 0 {
                o.s("    <middleName>");
                o.c(poc.middle);
                o.s("</middleName>\n");
            }
            o.s("    <lastName>");
            o.s(poc.last_name());
            o.s("</lastName>\n");
        }
    }
    o.s("    <companyName>");
    if owner.private {
        o.s("Private Customer");
    } else {
        party_name(o, owner, true);
    }
    o.s("</companyName>\n    <emails>\n      <email>");
    poc_email(o, poc, owner);
    o.s("</email>\n    </emails>\n    <phones>\n");
    let phone_el = |o: &mut Out, code: &str, digits: u8, ext: u16| {
        o.s("      <phone>\n        <type>\n          <code>");
        o.s(code);
        o.s("</code>\n        </type>\n        <number>");
        phone(o, owner, digits);
        o.s("</number>\n");
        if ext != 0 {
            o.s("        <extension>");
            o.u(u64::from(ext));
            o.s("</extension>\n");
        }
        o.s("      </phone>\n");
    };
    phone_el(o, "O", poc.office, poc.office_ext);
    if let Some(f) = poc.fax {
        phone_el(o, "F", f, 0);
    }
    if let Some(m) = poc.mobile {
        phone_el(o, "M", m, 0);
    }
    o.s("    </phones>\n");
    address(o, owner);
    comment(o, poc.comment);
    dates(o, poc.registered, Some(poc.updated));
    o.s("  </poc>\n");
}

/// An ASN payload (a range when `start < end`).
pub(super) fn write_asn(o: &mut Out, w: &World, a: &AsnRec) {
    let holder = w.party(a.holder);
    o.s("  <asn>\n    <handle>AS");
    o.u(u64::from(a.start));
    o.s("</handle>\n    <name>");
    asn_name(o, &holder, a);
    o.s("</name>\n    <startAsNumber>");
    o.u(u64::from(a.start));
    o.s("</startAsNumber>\n    <endAsNumber>");
    o.u(u64::from(a.end));
    o.s("</endAsNumber>\n    <orgHandle>");
    arin_party_handle(o, &holder);
    o.s("</orgHandle>\n    <pocLinks>\n");
    link(o, w, "AD", "Admin", holder.person_poc(w.n_pocs));
    link(o, w, "T", "Tech", holder.tech_poc(w.n_pocs));
    if a.abuse {
        link(o, w, "AB", "Abuse", holder.role_poc(w.n_pocs));
    }
    if a.noc {
        link(o, w, "N", "NOC", holder.role_poc(w.n_pocs));
    }
    o.s("    </pocLinks>\n");
    comment(o, a.comment);
    dates(o, a.registered, Some(a.updated));
    o.s("  </asn>\n");
}

/// AS name: `BLUEBRIDGE-AS`, or `BLUEBRIDGE-BLK` for a range.
pub(super) fn asn_name(o: &mut Out, holder: &Party, a: &AsnRec) {
    let [x, y] = holder.short_parts();
    o.upper_alnum(x);
    o.upper_alnum(y);
    o.s(if a.start < a.end { "-BLK" } else { "-AS" });
}
