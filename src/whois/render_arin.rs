//! The ARIN dialect: `NetRange:`, `CIDR:` … blocks, the org or customer block, then one
//! block per contact (`OrgTech*`, `RNOC*` …), abuse contacts last, so that a contact's
//! e-mail line is never read as an abuse address by scorers that look for "abuse" on the
//! lines just above an address.

use crate::model::{
    ArchivedPhone, ArchivedPhoneKind, PhoneKind, cidrs_of_range, format_addr, format_date,
    net_type_label,
};

use super::answer::{Contact, Ctx, Obj, contacts, opt, state_phrase};

fn phone_text(p: &ArchivedPhone) -> String {
    if p.extension.is_empty() {
        p.number.to_string()
    } else {
        format!("{} x{}", p.number.as_str(), p.extension.as_str())
    }
}

impl Ctx<'_> {
    pub(super) fn arin_object(&mut self, o: Obj, primary: bool) {
        let _ = primary;
        match o {
            Obj::Net(i) => self.arin_net(i),
            Obj::Asn(i) => self.arin_asn(i),
            Obj::Org(i) => {
                self.effective_abuse = self.reg.org_abuse(i).map(|a| a.poc);
                self.arin_org_block(i);
                if !self.flags.no_related {
                    let list = contacts(&self.reg.org(i).pocs);
                    self.arin_contacts(&[("Org", &list)]);
                }
            }
            Obj::Poc(i) => self.arin_poc(i),
            Obj::Domain(i) => self.arin_domain(i),
        }
    }

    fn dates(&mut self, registered: Option<i64>, updated: Option<i64>) {
        if let Some(t) = registered {
            self.attr("RegDate", &format_date(t));
        }
        if let Some(t) = updated {
            self.attr("Updated", &format_date(t));
        }
    }

    fn arin_net(&mut self, i: u32) {
        let reg = self.reg;
        self.net_abuse_lines(i);
        let n = reg.net(i);
        let (v6, s, e) = (n.v6, n.start.to_native(), n.end.to_native());
        self.attr("NetRange", &crate::model::format_range(v6, s, e));
        let cidrs: Vec<String> = cidrs_of_range(v6, s, e)
            .into_iter()
            .map(|(a, l)| format!("{}/{l}", format_addr(v6, a)))
            .collect();
        self.attr("CIDR", &cidrs.join(", "));
        self.attr("NetName", n.name.as_str());
        self.attr("NetHandle", n.handle.as_str());
        if let Some(p) = opt(n.parent.to_native()) {
            let pn = reg.net(p);
            self.attr(
                "Parent",
                &format!("{} ({})", pn.name.as_str(), pn.handle.as_str()),
            );
        }
        let t = n.net_type.as_str();
        self.attr("NetType", net_type_label(t).unwrap_or(t));
        let origins: Vec<String> = n
            .origin_as
            .iter()
            .map(|a| format!("AS{}", a.to_native()))
            .collect();
        self.attr("OriginAS", &origins.join(", "));
        let org = opt(n.org.to_native());
        if let Some(o) = org {
            let org = reg.org(o);
            let name = if org.private {
                "Private Customer"
            } else {
                org.name.as_str()
            };
            let label = if org.customer {
                "Customer"
            } else {
                "Organization"
            };
            self.attr(label, &format!("{name} ({})", org.handle.as_str()));
        }
        self.dates(
            n.registered.as_ref().map(|t| t.to_native()),
            n.updated.as_ref().map(|t| t.to_native()),
        );
        for c in n.comments.iter() {
            self.attr("Comment", c.as_str());
        }
        let (a, l) = cidrs_of_range(v6, s, e)[0];
        self.attr("Ref", &self.rdap(&format!("ip/{}/{l}", format_addr(v6, a))));
        self.blank();
        if self.flags.no_related {
            return;
        }
        let own = contacts(&n.pocs);
        let mut org_contacts = Vec::new();
        let mut parent_contacts = Vec::new();
        if let Some(o) = org {
            self.arin_org_block(o);
            org_contacts = contacts(&reg.org(o).pocs);
            if let Some(p) = opt(reg.org(o).parent_org.to_native()) {
                self.arin_org_block(p);
                parent_contacts = contacts(&reg.org(p).pocs);
            }
        }
        self.arin_contacts(&[
            ("R", &own),
            ("Org", &org_contacts),
            ("Org", &parent_contacts),
        ]);
    }

    fn arin_asn(&mut self, i: u32) {
        let reg = self.reg;
        self.asn_abuse_lines(i);
        let a = reg.asn(i);
        let (s, e) = (a.start.to_native(), a.end.to_native());
        let number = if s == e {
            s.to_string()
        } else {
            format!("{s} - {e}")
        };
        self.attr("ASNumber", &number);
        self.attr("ASName", a.name.as_str());
        self.attr("ASHandle", a.handle.as_str());
        self.dates(
            a.registered.as_ref().map(|t| t.to_native()),
            a.updated.as_ref().map(|t| t.to_native()),
        );
        for c in a.comments.iter() {
            self.attr("Comment", c.as_str());
        }
        self.attr("Ref", &self.rdap(&format!("autnum/{s}")));
        self.blank();
        if self.flags.no_related {
            return;
        }
        let own = contacts(&a.pocs);
        let mut org_contacts = Vec::new();
        if let Some(o) = opt(a.org.to_native()) {
            self.arin_org_block(o);
            org_contacts = contacts(&reg.org(o).pocs);
        }
        self.arin_contacts(&[("R", &own), ("Org", &org_contacts)]);
    }

    /// The org block, or the customer block (a private customer shows no name or address).
    fn arin_org_block(&mut self, i: u32) {
        let o = self.reg.org(i);
        if o.customer {
            if o.private {
                self.attr("CustName", "Private Customer");
            } else {
                self.attr("CustName", o.name.as_str());
            }
        } else {
            self.attr("OrgName", o.name.as_str());
            self.attr("OrgId", o.handle.as_str());
        }
        if !o.private {
            for l in o.address.street.iter() {
                self.attr("Address", l.as_str());
            }
            self.attr("City", o.address.city.as_str());
            self.attr("StateProv", o.address.state.as_str());
            self.attr("PostalCode", o.address.postal_code.as_str());
            self.attr("Country", o.address.country.as_str());
        }
        self.dates(
            o.registered.as_ref().map(|t| t.to_native()),
            o.updated.as_ref().map(|t| t.to_native()),
        );
        for c in o.comments.iter() {
            self.attr("Comment", c.as_str());
        }
        self.attr("Ref", &self.rdap(&format!("entity/{}", o.handle.as_str())));
        self.blank();
    }

    /// Contact blocks: every non-abuse contact first, then the abuse contacts.
    fn arin_contacts(&mut self, groups: &[(&str, &Vec<Contact>)]) {
        let mut seen: Vec<(&str, crate::model::PocFunction, u32)> = Vec::new();
        for abuse_pass in [false, true] {
            for &(prefix, list) in groups {
                for c in list.iter() {
                    if c.is_abuse() != abuse_pass {
                        continue;
                    }
                    let key = (prefix, c.function, c.poc);
                    if seen.contains(&key) {
                        continue;
                    }
                    seen.push(key);
                    self.arin_contact_block(prefix, *c);
                }
            }
        }
    }

    fn arin_contact_block(&mut self, prefix: &str, c: Contact) {
        let reg = self.reg;
        let effective = self.effective_abuse == Some(c.poc);
        if !c.is_abuse() && !effective && !self.personal_allowed() {
            return;
        }
        let p = reg.poc(c.poc);
        let label = format!("{prefix}{}", c.function.label());
        if let Some(phrase) = state_phrase(self.state(c.poc)) {
            self.comment(&format!(
                "{label} contact {} is {phrase}.",
                p.handle.as_str()
            ));
        }
        self.attr(&format!("{label}Handle"), &self.marked(c.poc));
        self.attr(&format!("{label}Name"), p.name.as_str());
        for ph in p.phones.iter() {
            if ph.kind != PhoneKind::Fax {
                self.attr(&format!("{label}Phone"), &phone_text(ph));
            }
        }
        if c.is_abuse() {
            // Only the effective abuse mailbox is printed, so that tools which take every
            // address near "abuse" find exactly one.
            if effective && let Some(m) = p.abuse_mailbox() {
                self.attr(&format!("{label}Email"), m);
            }
        } else {
            for e in p.emails.iter() {
                self.attr(&format!("{label}Email"), e.as_str());
            }
        }
        self.attr(
            &format!("{label}Ref"),
            &self.rdap(&format!("entity/{}", p.handle.as_str())),
        );
        if c.is_abuse() && !effective && self.effective_abuse.is_some() {
            self.comment(&format!(
                "{label} contact {} does not take reports for this resource; see the first lines.",
                p.handle.as_str()
            ));
        }
        self.blank();
    }

    /// A POC on its own.
    fn arin_poc(&mut self, i: u32) {
        let p = self.reg.poc(i);
        let abuse = !p.abuse_mailbox.is_empty();
        if !abuse && !self.personal_allowed() {
            return;
        }
        if let Some(phrase) = state_phrase(self.state(i)) {
            self.comment(&format!("Contact {} is {phrase}.", p.handle.as_str()));
        }
        self.attr("Name", p.name.as_str());
        self.attr("Handle", &self.marked(i));
        self.attr("Company", p.company.as_str());
        for l in p.address.street.iter() {
            self.attr("Address", l.as_str());
        }
        self.attr("City", p.address.city.as_str());
        self.attr("StateProv", p.address.state.as_str());
        self.attr("PostalCode", p.address.postal_code.as_str());
        self.attr("Country", p.address.country.as_str());
        self.dates(
            p.registered.as_ref().map(|t| t.to_native()),
            p.updated.as_ref().map(|t| t.to_native()),
        );
        for ph in p.phones.iter() {
            let kind = match ph.kind {
                ArchivedPhoneKind::Office => "Office",
                ArchivedPhoneKind::Fax => "Fax",
                ArchivedPhoneKind::Mobile => "Mobile",
            };
            self.attr("Phone", &format!("{} ({kind})", phone_text(ph)));
        }
        if !p.abuse_mailbox.is_empty() {
            self.attr("Email", p.abuse_mailbox.as_str());
        }
        for e in p.emails.iter() {
            if e.as_str() != p.abuse_mailbox.as_str() {
                self.attr("Email", e.as_str());
            }
        }
        for c in p.comments.iter() {
            self.attr("Comment", c.as_str());
        }
        self.attr("Ref", &self.rdap(&format!("entity/{}", p.handle.as_str())));
        self.blank();
    }

    fn arin_domain(&mut self, i: u32) {
        let d = self.reg.delegation(i);
        self.attr("Domain", d.name.as_str());
        for ns in d.nameservers.iter() {
            self.attr("NameServer", ns.as_str());
        }
        for k in d.ds.iter() {
            self.attr(
                "DSRecord",
                &format!(
                    "{} {} {} {}",
                    k.key_tag.to_native(),
                    k.algorithm,
                    k.digest_type,
                    k.digest.as_str()
                ),
            );
        }
        self.dates(
            d.registered.as_ref().map(|t| t.to_native()),
            d.updated.as_ref().map(|t| t.to_native()),
        );
        for c in d.comments.iter() {
            self.attr("Comment", c.as_str());
        }
        self.attr("Ref", &self.rdap(&format!("domain/{}", d.name.as_str())));
        self.blank();
        if !self.flags.no_related {
            let own = contacts(&d.pocs);
            self.arin_contacts(&[("R", &own)]);
        }
    }
}
