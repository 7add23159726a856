//! RPSL, as a split dump publishes it: one file per class (`db.inetnum`, `db.role`, …),
//! objects separated by blank lines, attribute values starting in column 17.

use std::path::{Path, PathBuf};

use super::handles::{
    ds_record, mail_domain, net_name, party_name, phone, poc_email, poc_handle, poc_handle_of,
    postal_code, role_name, rpsl_org_handle, street_line, zone_name,
};
use super::names::{COMMENTS, Party, PocInfo};
use super::nets::{NetKind, NetRec};
use super::out::Out;
use super::{AsnRec, GenError, World};

pub(super) const SOURCE: &str = "RIRWHOIS";
const POC_SUFFIX: &str = "-RIRWHOIS";
const MNT: &str = "RIRWHOIS-HM-MNT";

/// Opens a dump file with its comment header.
pub(super) fn open(path: &Path, class: &str) -> Result<Out, GenError> {
    let mut o = Out::create(path)?;
    o.s("% Synthetic registry data made by `rirwhois gen`: ");
    o.s(class);
    o.s(" objects. Not real.\n\n");
    Ok(o)
}

/// `name:` padded so the value starts in column 17.
fn attr(o: &mut Out, name: &str) {
    o.s(name);
    o.c(b':');
    for _ in name.len() + 1..16 {
        o.c(b' ');
    }
}

fn line(o: &mut Out, name: &str, value: &str) {
    attr(o, name);
    o.s(value);
    o.c(b'\n');
}

fn tail(o: &mut Out, comment: u8, registered: i64, updated: i64) {
    if comment != 0 {
        line(o, "remarks", COMMENTS[(comment - 1) as usize]);
    }
    line(o, "mnt-by", MNT);
    attr(o, "created");
    o.datetime_utc(registered);
    o.c(b'\n');
    attr(o, "last-modified");
    o.datetime_utc(updated);
    o.c(b'\n');
    line(o, "source", SOURCE);
    o.c(b'\n');
}

fn contact(o: &mut Out, w: &World, name: &str, q: u64) {
    attr(o, name);
    poc_handle_of(o, w, q, POC_SUFFIX);
    o.c(b'\n');
}

fn address(o: &mut Out, party: &Party, with_country_line: bool) {
    let a = &party.addr;
    let city = a.city();
    attr(o, "address");
    street_line(o, party);
    o.c(b'\n');
    if a.suite != 0 {
        attr(o, "address");
        o.s("Suite ");
        o.u(u64::from(a.suite));
        o.c(b'\n');
    }
    attr(o, "address");
    o.s(city.name);
    if !city.state.is_empty() {
        o.c(b' ');
        o.s(city.state);
    }
    if !city.postal.is_empty() {
        o.c(b' ');
        postal_code(o, party);
    }
    o.c(b'\n');
    if with_country_line {
        line(o, "address", city.country);
    }
}

/// The inetnum, inet6num and domain files.
pub(super) struct NetFiles {
    inetnum: Out,
    inet6num: Out,
    domain: Out,
}

impl NetFiles {
    pub(super) fn create(dir: &Path) -> Result<Self, GenError> {
        Ok(Self {
            inetnum: open(&dir.join("db.inetnum"), "inetnum")?,
            inet6num: open(&dir.join("db.inet6num"), "inet6num")?,
            domain: open(&dir.join("db.domain"), "domain")?,
        })
    }

    pub(super) fn net(&mut self, w: &World, n: &NetRec) -> Result<(), GenError> {
        let o = if n.v6 {
            &mut self.inet6num
        } else {
            &mut self.inetnum
        };
        write_net(o, w, n);
        o.end_object()?;
        if n.delegation.is_some() {
            write_domain(&mut self.domain, w, n);
            self.domain.end_object()?;
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<Vec<(PathBuf, u64)>, GenError> {
        Ok(vec![
            self.inetnum.finish()?,
            self.inet6num.finish()?,
            self.domain.finish()?,
        ])
    }
}

fn write_net(o: &mut Out, w: &World, n: &NetRec) {
    let holder = w.party(n.holder);
    let namer = if n.name_party == n.holder {
        holder
    } else {
        w.party(n.name_party)
    };
    if n.v6 {
        attr(o, "inet6num");
        o.ip6(n.start);
        o.c(b'/');
        o.u(u64::from(n.cidr_len.unwrap_or(128)));
    } else {
        attr(o, "inetnum");
        o.ip4(n.start as u32, false);
        o.s(" - ");
        o.ip4(n.end as u32, false);
    }
    o.c(b'\n');
    attr(o, "netname");
    net_name(o, &namer, n, holder.customer);
    o.c(b'\n');
    attr(o, "descr");
    if holder.private {
        o.s("Private customer");
    } else {
        party_name(o, &holder, false);
    }
    o.c(b'\n');
    line(o, "country", holder.addr.city().country);
    if !holder.private {
        attr(o, "org");
        rpsl_org_handle(o, &holder);
        o.c(b'\n');
    }
    contact(o, w, "tech-c", holder.tech_poc(w.n_pocs));
    if n.abuse {
        contact(o, w, "abuse-c", holder.role_poc(w.n_pocs));
    }
    let status = match (n.kind, n.v6) {
        (NetKind::Allocation, false) => "ALLOCATED PA",
        (NetKind::Allocation, true) => "ALLOCATED-BY-RIR",
        (NetKind::DirectAssignment, _) => "ASSIGNED PI",
        (NetKind::Reallocation, false) => "SUB-ALLOCATED PA",
        (NetKind::Reallocation, true) => "ALLOCATED-BY-LIR",
        (NetKind::Reassignment, false) => "ASSIGNED PA",
        (NetKind::Reassignment, true) => "ASSIGNED",
    };
    line(o, "status", status);
    tail(o, n.comment, n.registered, n.updated);
}

fn write_domain(o: &mut Out, w: &World, n: &NetRec) {
    let Some(d) = &n.delegation else { return };
    let holder = w.party(n.holder);
    attr(o, "domain");
    zone_name(o, n.v6, n.start, d.zone_len);
    o.c(b'\n');
    for i in 0..d.nameservers {
        attr(o, "nserver");
        o.s("ns");
        o.u(u64::from(i) + 1);
        o.c(b'.');
        mail_domain(o, &holder);
        o.c(b'\n');
    }
    for i in 0..d.ds {
        let (tag, alg, digest) = ds_record(d.seed, i);
        attr(o, "ds-rdata");
        o.u(u64::from(tag));
        o.c(b' ');
        o.u(u64::from(alg));
        o.s(" 2 ");
        for word in digest {
            o.hex_fixed(word, 16);
        }
        o.c(b'\n');
    }
    tail(o, 0, d.registered, d.registered);
}

/// An organisation object (customers included; private customers are not published).
pub(super) fn write_organisation(o: &mut Out, w: &World, party: &Party) {
    attr(o, "organisation");
    rpsl_org_handle(o, party);
    o.c(b'\n');
    attr(o, "org-name");
    party_name(o, party, false);
    o.c(b'\n');
    line(o, "org-type", if party.customer { "OTHER" } else { "LIR" });
    address(o, party, false);
    line(o, "country", party.addr.city().country);
    if !party.customer {
        contact(o, w, "admin-c", party.person_poc(w.n_pocs));
        contact(o, w, "tech-c", party.tech_poc(w.n_pocs));
        if party.has_abuse {
            contact(o, w, "abuse-c", party.role_poc(w.n_pocs));
        }
    }
    tail(o, party.comment, party.registered, party.updated);
}

/// A person or role object.
pub(super) fn write_poc(o: &mut Out, poc: &PocInfo, owner: &Party) {
    match poc.role {
        Some(_) => {
            attr(o, "role");
            role_name(o, poc, owner, false);
        }
        None => {
            attr(o, "person");
            o.s(poc.first_name());
            o.c(b' ');
            if poc.middle != 0 {
                o.c(poc.middle);
                o.c(b' ');
            }
            o.s(poc.last_name());
        }
    }
    o.c(b'\n');
    address(o, owner, true);
    attr(o, "phone");
    phone(o, owner, poc.office);
    if poc.office_ext != 0 {
        o.s(" ext. ");
        o.u(u64::from(poc.office_ext));
    }
    o.c(b'\n');
    if let Some(m) = poc.mobile {
        attr(o, "phone");
        phone(o, owner, m);
        o.c(b'\n');
    }
    if let Some(f) = poc.fax {
        attr(o, "fax-no");
        phone(o, owner, f);
        o.c(b'\n');
    }
    attr(o, "e-mail");
    poc_email(o, poc, owner);
    o.c(b'\n');
    if poc.role == Some(super::names::RoleKind::Abuse) {
        attr(o, "abuse-mailbox");
        poc_email(o, poc, owner);
        o.c(b'\n');
    }
    attr(o, "nic-hdl");
    poc_handle(o, poc, POC_SUFFIX);
    o.c(b'\n');
    tail(o, poc.comment, poc.registered, poc.updated);
}

/// An aut-num, or an as-block for a range.
pub(super) fn write_asn(o: &mut Out, w: &World, a: &AsnRec) {
    let holder = w.party(a.holder);
    if a.start < a.end {
        attr(o, "as-block");
        o.s("AS");
        o.u(u64::from(a.start));
        o.s(" - AS");
        o.u(u64::from(a.end));
        o.c(b'\n');
        attr(o, "descr");
    } else {
        attr(o, "aut-num");
        o.s("AS");
        o.u(u64::from(a.start));
        o.c(b'\n');
        attr(o, "as-name");
        super::arin::asn_name(o, &holder, a);
        o.c(b'\n');
        attr(o, "descr");
    }
    party_name(o, &holder, false);
    o.c(b'\n');
    attr(o, "org");
    rpsl_org_handle(o, &holder);
    o.c(b'\n');
    contact(o, w, "admin-c", holder.person_poc(w.n_pocs));
    contact(o, w, "tech-c", holder.tech_poc(w.n_pocs));
    if a.abuse {
        contact(o, w, "abuse-c", holder.role_poc(w.n_pocs));
    }
    tail(o, a.comment, a.registered, a.updated);
}
