//! The RPSL dialect: `inetnum:`, `aut-num:`, `organisation:`, `role:`/`person:` objects as
//! RIPE-style servers print them. `e-mail:` is filtered unless `-B` is given; the abuse
//! contact's `abuse-mailbox:` is always there.

use crate::model::{
    ArchivedAddress, ArchivedPhone, ArchivedPocKind, ArchivedPocLink, PhoneKind, PocFunction,
    PocKind, cidrs_of_range, format_addr, format_datetime, net_type_label,
};

use super::answer::{Ctx, Obj, contacts, opt, state_phrase};

/// The RPSL attribute that links a contact with this function.
fn link_attr(f: PocFunction) -> &'static str {
    match f {
        PocFunction::Admin => "admin-c",
        PocFunction::Abuse => "abuse-c",
        PocFunction::Tech | PocFunction::Noc | PocFunction::Routing => "tech-c",
        PocFunction::Dns => "zone-c",
        PocFunction::Irt => "mnt-irt",
    }
}

fn phone_text(p: &ArchivedPhone) -> String {
    if p.extension.is_empty() {
        p.number.to_string()
    } else {
        format!("{} ext. {}", p.number.as_str(), p.extension.as_str())
    }
}

impl Ctx<'_> {
    pub(super) fn rpsl_object(&mut self, o: Obj, primary: bool) {
        let _ = primary;
        match o {
            Obj::Net(i) => self.rpsl_net(i),
            Obj::Asn(i) => self.rpsl_asn(i),
            Obj::Org(i) => {
                self.effective_abuse = self.reg.org_abuse(i).map(|a| a.poc);
                self.rpsl_org(i);
                if !self.flags.no_related {
                    let links: Vec<u32> = vec![i];
                    self.rpsl_related_contacts(&[], &links);
                }
            }
            Obj::Poc(i) => self.rpsl_poc(i, !self.reg.poc(i).abuse_mailbox.is_empty()),
            Obj::Domain(i) => self.rpsl_domain(i),
        }
    }

    /// `created:`, `last-modified:` and `source:` (marked as filtered unless `-B`).
    fn rpsl_tail(&mut self, registered: Option<i64>, updated: Option<i64>, source: &str) {
        if let Some(t) = registered {
            self.attr("created", &format_datetime(t));
        }
        if let Some(t) = updated {
            self.attr("last-modified", &format_datetime(t));
        }
        if self.flags.unfiltered {
            self.attr("source", source);
        } else {
            self.attr("source", &format!("{source} # Filtered"));
        }
        self.blank();
    }

    /// The contact attributes of an object, each handle with its marker, after comment
    /// lines for the marked ones.
    fn rpsl_links(&mut self, links: &[ArchivedPocLink]) {
        for c in contacts(links) {
            let value = self.marked(c.poc);
            self.attr(link_attr(c.function), &value);
        }
    }

    fn rpsl_link_comments(&mut self, links: &[ArchivedPocLink]) {
        let list: Vec<(&str, u32)> = contacts(links)
            .iter()
            .map(|c| (link_attr(c.function), c.poc))
            .collect();
        self.marker_comments(&list);
    }

    fn rpsl_address(&mut self, a: &ArchivedAddress) {
        for l in a.street.iter() {
            self.attr("address", l.as_str());
        }
        let place: Vec<&str> = [&a.city, &a.state, &a.postal_code]
            .into_iter()
            .map(|s| s.as_str())
            .filter(|s| !s.is_empty())
            .collect();
        self.attr("address", &place.join(" "));
    }

    fn rpsl_net(&mut self, i: u32) {
        let reg = self.reg;
        self.net_abuse_lines(i);
        let n = reg.net(i);
        let (v6, s, e) = (n.v6, n.start.to_native(), n.end.to_native());
        self.rpsl_link_comments(&n.pocs);
        if v6 {
            let cidrs = cidrs_of_range(v6, s, e);
            let key = match cidrs.as_slice() {
                [(a, l)] => format!("{}/{l}", format_addr(true, *a)),
                _ => crate::model::format_range(v6, s, e),
            };
            self.attr("inet6num", &key);
        } else {
            self.attr("inetnum", &crate::model::format_range(v6, s, e));
        }
        self.attr("netname", n.name.as_str());
        self.attr("country", n.country.as_str());
        let org = opt(n.org.to_native());
        if let Some(o) = org {
            self.attr("org", reg.org(o).handle.as_str());
        }
        self.rpsl_links(&n.pocs);
        let t = n.net_type.as_str();
        self.attr("status", net_type_label(t).unwrap_or(t));
        for c in n.comments.iter() {
            self.attr("remarks", c.as_str());
        }
        self.rpsl_tail(
            n.registered.as_ref().map(|t| t.to_native()),
            n.updated.as_ref().map(|t| t.to_native()),
            n.source.as_str(),
        );
        if self.flags.no_related {
            return;
        }
        let mut orgs = Vec::new();
        if let Some(o) = org {
            orgs.push(o);
            if let Some(p) = opt(reg.org(o).parent_org.to_native()) {
                orgs.push(p);
            }
        }
        for &o in &orgs {
            self.rpsl_org(o);
        }
        self.rpsl_related_contacts(&n.pocs, &orgs);
    }

    fn rpsl_asn(&mut self, i: u32) {
        let reg = self.reg;
        self.asn_abuse_lines(i);
        let a = reg.asn(i);
        self.rpsl_link_comments(&a.pocs);
        let key = super::answer::asn_key(reg, i);
        if a.block {
            self.attr("as-block", &key);
        } else {
            self.attr("aut-num", &key);
            self.attr("as-name", a.name.as_str());
        }
        self.attr("country", a.country.as_str());
        let org = opt(a.org.to_native());
        if let Some(o) = org {
            self.attr("org", reg.org(o).handle.as_str());
        }
        self.rpsl_links(&a.pocs);
        for c in a.comments.iter() {
            self.attr("remarks", c.as_str());
        }
        self.rpsl_tail(
            a.registered.as_ref().map(|t| t.to_native()),
            a.updated.as_ref().map(|t| t.to_native()),
            a.source.as_str(),
        );
        if self.flags.no_related {
            return;
        }
        let orgs: Vec<u32> = org.into_iter().collect();
        for &o in &orgs {
            self.rpsl_org(o);
        }
        self.rpsl_related_contacts(&a.pocs, &orgs);
    }

    /// The organisation object (a private customer shows no name or address).
    fn rpsl_org(&mut self, i: u32) {
        let o = self.reg.org(i);
        self.rpsl_link_comments(&o.pocs);
        self.attr("organisation", o.handle.as_str());
        if o.private {
            self.attr("org-name", "Private Customer");
        } else {
            self.attr("org-name", o.name.as_str());
            self.rpsl_address(&o.address);
            self.attr("country", o.address.country.as_str());
        }
        self.rpsl_links(&o.pocs);
        for c in o.comments.iter() {
            self.attr("remarks", c.as_str());
        }
        self.rpsl_tail(
            o.registered.as_ref().map(|t| t.to_native()),
            o.updated.as_ref().map(|t| t.to_native()),
            o.source.as_str(),
        );
    }

    /// The person, role and irt objects an object and its orgs refer to, each once.
    fn rpsl_related_contacts(&mut self, own: &[ArchivedPocLink], orgs: &[u32]) {
        let mut list = contacts(own);
        for &o in orgs {
            list.extend(contacts(&self.reg.org(o).pocs));
        }
        let mut done: Vec<u32> = Vec::new();
        for c in &list {
            if done.contains(&c.poc) || self.shown.contains(&c.poc) {
                continue;
            }
            done.push(c.poc);
            let abuse = list.iter().any(|d| d.poc == c.poc && d.is_abuse())
                || self.effective_abuse == Some(c.poc);
            self.rpsl_poc(c.poc, abuse);
        }
    }

    /// A person, role or irt object. `abuse`: it is an abuse contact (never limited).
    fn rpsl_poc(&mut self, i: u32, abuse: bool) {
        if !abuse && !self.personal_allowed() {
            return;
        }
        self.shown.push(i);
        let p = self.reg.poc(i);
        if let Some(phrase) = state_phrase(self.state(i)) {
            self.comment(&format!("Contact {} is {phrase}.", p.handle.as_str()));
        }
        let irt = p.kind == PocKind::Irt;
        match p.kind {
            ArchivedPocKind::Person => self.attr("person", p.name.as_str()),
            ArchivedPocKind::Role => self.attr("role", p.name.as_str()),
            ArchivedPocKind::Irt => self.attr("irt", &self.marked(i)),
        }
        self.rpsl_address(&p.address);
        self.attr("country", p.address.country.as_str());
        for ph in p.phones.iter() {
            let name = if ph.kind == PhoneKind::Fax {
                "fax-no"
            } else {
                "phone"
            };
            self.attr(name, &phone_text(ph));
        }
        if self.flags.unfiltered {
            for e in p.emails.iter() {
                self.attr("e-mail", e.as_str());
            }
        }
        // In an answer about a resource only its effective abuse contact shows a mailbox,
        // so that there is exactly one address to send reports to.
        let show_mailbox = match self.effective_abuse {
            Some(eff) => eff == i,
            None => !p.abuse_mailbox.is_empty(),
        };
        if show_mailbox && let Some(m) = p.abuse_mailbox() {
            self.attr("abuse-mailbox", m);
        }
        if !irt {
            self.attr("nic-hdl", &self.marked(i));
        }
        for c in p.comments.iter() {
            self.attr("remarks", c.as_str());
        }
        self.rpsl_tail(
            p.registered.as_ref().map(|t| t.to_native()),
            p.updated.as_ref().map(|t| t.to_native()),
            p.source.as_str(),
        );
    }

    fn rpsl_domain(&mut self, i: u32) {
        let d = self.reg.delegation(i);
        self.rpsl_link_comments(&d.pocs);
        self.attr("domain", d.name.as_str());
        for ns in d.nameservers.iter() {
            self.attr("nserver", ns.as_str());
        }
        for k in d.ds.iter() {
            self.attr(
                "ds-rdata",
                &format!(
                    "{} {} {} {}",
                    k.key_tag.to_native(),
                    k.algorithm,
                    k.digest_type,
                    k.digest.as_str()
                ),
            );
        }
        self.rpsl_links(&d.pocs);
        for c in d.comments.iter() {
            self.attr("remarks", c.as_str());
        }
        self.rpsl_tail(
            d.registered.as_ref().map(|t| t.to_native()),
            d.updated.as_ref().map(|t| t.to_native()),
            d.source.as_str(),
        );
        if !self.flags.no_related {
            self.rpsl_related_contacts(&d.pocs, &[]);
        }
    }
}
