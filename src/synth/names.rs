//! Word lists, and the details of parties (orgs and customers) and POCs. Every detail is a
//! pure function of the seed and the object's index, so any writer (or thread) can derive
//! it again without storing it.

use fastrand::Rng;

pub(super) const ORG_ADJ: &[&str] = &[
    "Blue",
    "Northwind",
    "Cobalt",
    "Kestrel",
    "Granite",
    "Silver",
    "Red Oak",
    "Cedar",
    "Harbor",
    "Summit",
    "Prairie",
    "Coastal",
    "Iron",
    "Maple",
    "Pioneer",
    "Lakeshore",
    "Aspen",
    "Falcon",
    "Meridian",
    "Orchard",
    "Beacon",
    "Copper",
    "Evergreen",
    "Highland",
    "Juniper",
    "Liberty",
    "Midland",
    "Nimbus",
    "Osprey",
    "Pinnacle",
    "Quarry",
    "Riverbend",
    "Sable",
    "Tidewater",
    "Union",
    "Valley",
    "Westgate",
    "Yellowpine",
    "Zenith",
    "Atlas",
    "Borealis",
    "Crescent",
    "Driftwood",
    "Ember",
    "Foxhollow",
    "Glacier",
    "Heron",
    "Indigo",
];

pub(super) const ORG_NOUN: &[&str] = &[
    "Bridge", "Peak", "Plains", "Mountain", "River", "Sky", "Field", "Creek", "Point", "Ridge",
    "Line", "Wave", "Gate", "Stone", "Path", "Light", "Harbor", "Bay", "Forest", "Hill", "Lake",
    "Grove", "Mesa", "Island", "Valley", "Canyon", "Shore", "Meadow", "Spring", "Rock", "Crest",
    "Haven", "Park", "Trail", "Cove", "Port", "Ford", "Glen", "Hollow", "Star", "Wind", "Sun",
    "Moon", "Arrow", "Anchor", "Tower", "Circle", "Cross",
];

pub(super) const ORG_KIND: &[&str] = &[
    "Networks",
    "Communications",
    "Telecom",
    "Hosting",
    "Data",
    "Broadband",
    "Internet",
    "Cloud",
    "Systems",
    "Fiber",
    "Wireless",
    "Labs",
    "Data & Voice",
    "Technologies",
    "Media",
    "Connect",
];

pub(super) const ORG_SUFFIX: &[&str] = &[
    "", " Inc.", " LLC", " Ltd", " Corp.", " GmbH", " S.A.", " Co.",
];

pub(super) const CUST_PLACE: &[&str] = &[
    "Maple Street",
    "Riverside",
    "Bayside",
    "Hilltop",
    "Oak Park",
    "Lakeview",
    "Westfield",
    "Northgate",
    "Sunnyvale",
    "Elm Grove",
    "Brookside",
    "Fairview",
    "Greenfield",
    "Parkside",
    "Stonebridge",
    "Millbrook",
    "Clearwater",
    "Ashford",
    "Kingsley",
    "Woodland",
    "Harborview",
    "Pine Ridge",
    "Springdale",
    "Meadowbrook",
    "Cedar Falls",
    "Fox Run",
    "Willow Creek",
    "Silver Lake",
    "Granite Hills",
    "Bluebell",
    "Rosewood",
    "Larkspur",
];

pub(super) const CUST_BUSINESS: &[&str] = &[
    "Dental Clinic",
    "Pharmacy",
    "School District",
    "Public Library",
    "Law Office",
    "Medical Group",
    "Credit Union",
    "Hardware",
    "Veterinary Hospital",
    "Bakery",
    "Auto Repair",
    "Community College",
    "Hotel",
    "Architects",
    "Accounting",
    "Print Shop",
    "Logistics",
    "Farms",
    "Brewing Company",
    "Church",
    "Animal Shelter",
    "Fire District",
    "Water Authority",
    "Engineering",
];

pub(super) const FIRST: &[&str] = &[
    "Ingrid", "Luc", "Chidi", "Dana", "Jordan", "Maria", "Wei", "Aisha", "Tomas", "Priya", "Kenji",
    "Olga", "Samuel", "Fatima", "Lars", "Elena", "Mateo", "Nadia", "Owen", "Hana", "Rafael",
    "Sofia", "Tariq", "Yuki", "Amara", "Bruno", "Clara", "Diego", "Emeka", "Freya", "Gustavo",
    "Helga", "Ivan", "Julia", "Kofi", "Leila", "Marco", "Nina", "Oscar", "Paula", "Quentin",
    "Rosa", "Stefan", "Tamara", "Umar", "Vera", "Wanda", "Xavier",
];

pub(super) const LAST: &[&str] = &[
    "Halvorsen",
    "Tremblay",
    "Okafor",
    "Marsh",
    "Price",
    "Silva",
    "Chen",
    "Rahman",
    "Novak",
    "Iyer",
    "Tanaka",
    "Petrova",
    "Osei",
    "Haddad",
    "Lindqvist",
    "Moreau",
    "Garcia",
    "Kowalski",
    "Brennan",
    "Sato",
    "Costa",
    "Rossi",
    "Nkemelu",
    "Yamamoto",
    "Adeyemi",
    "Fischer",
    "Dubois",
    "Morales",
    "Eze",
    "Johansson",
    "Pereira",
    "Schmidt",
    "Ivanova",
    "Keller",
    "Mensah",
    "Nakamura",
    "Oliveira",
    "Patel",
    "Quinn",
    "Reyes",
    "Santos",
    "Thompson",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Young",
    "Zimmermann",
];

pub(super) const STREET: &[&str] = &[
    "Main",
    "Commerce",
    "Industrial",
    "Harbor",
    "Market",
    "Station",
    "Church",
    "Mill",
    "Park",
    "Oak",
    "Pine",
    "Lake",
    "Hill",
    "Bridge",
    "Union",
    "Center",
    "Data Center",
    "Fiber",
    "Technology",
    "Exchange",
    "Meridian",
    "Pioneer",
    "Summit",
    "Riverside",
];

pub(super) const STREET_KIND: &[&str] = &["Street", "Avenue", "Road", "Drive", "Boulevard", "Way"];

/// A city: name, ISO 3166-2 subdivision, ISO 3166-1 country, postal code prefix (digits are
/// appended for US codes), and the phone prefix to which random digits are appended.
pub(super) struct City {
    pub(super) name: &'static str,
    pub(super) state: &'static str,
    pub(super) country: &'static str,
    pub(super) postal: &'static str,
    pub(super) phone: &'static str,
}

const fn city(
    name: &'static str,
    state: &'static str,
    country: &'static str,
    postal: &'static str,
    phone: &'static str,
) -> City {
    City {
        name,
        state,
        country,
        postal,
        phone,
    }
}

pub(super) const CITIES: &[City] = &[
    city("Ashburn", "VA", "US", "201", "+1-703-555-01"),
    city("Chantilly", "VA", "US", "201", "+1-571-555-01"),
    city("Dallas", "TX", "US", "752", "+1-214-555-01"),
    city("Denver", "CO", "US", "802", "+1-303-555-01"),
    city("Seattle", "WA", "US", "981", "+1-206-555-01"),
    city("Atlanta", "GA", "US", "303", "+1-404-555-01"),
    city("Chicago", "IL", "US", "606", "+1-312-555-01"),
    city("Kansas City", "MO", "US", "641", "+1-816-555-01"),
    city("Phoenix", "AZ", "US", "850", "+1-602-555-01"),
    city("Columbus", "OH", "US", "432", "+1-614-555-01"),
    city("Portland", "OR", "US", "972", "+1-503-555-01"),
    city("Nashville", "TN", "US", "372", "+1-615-555-01"),
    city("Boise", "ID", "US", "837", "+1-208-555-01"),
    city("Omaha", "NE", "US", "681", "+1-402-555-01"),
    city("Toronto", "ON", "CA", "M5V 2T6", "+1-416-555-01"),
    city("Montreal", "QC", "CA", "H3B 4W8", "+1-514-555-01"),
    city("Calgary", "AB", "CA", "T2P 1J9", "+1-403-555-01"),
    city("Halifax", "NS", "CA", "B3J 3K5", "+1-902-555-01"),
    city("Kingston", "", "JM", "", "+1-876-555-01"),
    city("Nassau", "", "BS", "", "+1-242-555-01"),
    city("London", "", "GB", "EC1A 1BB", "+44 20 7946 0"),
    city("Amsterdam", "", "NL", "1012 AB", "+31 20 555 0"),
    city("Frankfurt am Main", "", "DE", "60311", "+49 69 5550 0"),
    city("Nairobi", "", "KE", "00100", "+254 20 555 0"),
    city("Sao Paulo", "", "BR", "01310-100", "+55 11 5555 0"),
    city("Singapore", "", "SG", "018956", "+65 6555 0"),
];

/// A postal address, as indices into the lists.
#[derive(Debug, Clone, Copy)]
pub(super) struct Addr {
    pub(super) number: u16,
    pub(super) street: u8,
    pub(super) kind: u8,
    /// Suite number, 0 for none.
    pub(super) suite: u16,
    pub(super) city: u8,
    /// Digits appended to a US postal prefix.
    pub(super) postal_tail: u8,
}

impl Addr {
    fn draw(rng: &mut Rng) -> Self {
        Addr {
            number: rng.u16(1..9999),
            street: rng.u8(..STREET.len() as u8),
            kind: rng.u8(..STREET_KIND.len() as u8),
            suite: if rng.u8(..4) == 0 {
                rng.u16(100..990)
            } else {
                0
            },
            city: rng.u8(..CITIES.len() as u8),
            postal_tail: rng.u8(..100),
        }
    }

    pub(super) fn city(&self) -> &'static City {
        &CITIES[self.city as usize]
    }

    /// Is the postal code a US prefix that needs two more digits?
    pub(super) fn postal_needs_tail(&self) -> bool {
        self.city().country == "US"
    }
}

/// What a party's name is made of.
#[derive(Debug, Clone, Copy)]
pub(super) enum PartyName {
    Org {
        adj: u8,
        noun: u8,
        kind: u8,
        suffix: u8,
    },
    Customer {
        place: u8,
        business: u8,
    },
}

/// An org (`p < n_orgs`) or an ARIN customer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Party {
    pub(super) p: u32,
    pub(super) customer: bool,
    /// A private customer (name and address hidden).
    pub(super) private: bool,
    pub(super) name: PartyName,
    /// An ARIN "doing business as" name: the adjective alone plus "Online".
    pub(super) dba: bool,
    pub(super) addr: Addr,
    /// Links its role POC as abuse contact.
    pub(super) has_abuse: bool,
    /// Links its role POC as NOC.
    pub(super) has_noc: bool,
    pub(super) comment: u8,
    pub(super) registered: i64,
    pub(super) updated: i64,
}

/// Random-looking but fixed seed for object `idx` of kind `tag`.
pub(super) fn object_rng(seed: u64, tag: u64, idx: u64) -> Rng {
    Rng::with_seed(splitmix(
        seed ^ splitmix(tag.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ idx),
    ))
}

/// SplitMix64's finaliser: a good 64-bit mixer.
pub(super) fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(super) const TAG_PARTY: u64 = 1;
pub(super) const TAG_POC: u64 = 2;
pub(super) const TAG_VALIDATION: u64 = 3;
pub(super) const TAG_CUSTOMER_PARENT: u64 = 4;

/// A timestamp between `from` and `to` (inclusive, seconds), at a random time of day.
pub(super) fn between(rng: &mut Rng, from: i64, to: i64) -> i64 {
    if to <= from {
        return from;
    }
    rng.i64(from..=to)
}

/// 1998-01-01T00:00:00Z: the earliest registration date used.
pub(super) const EPOCH_START: i64 = 883_612_800;

impl Party {
    pub(super) fn derive(seed: u64, p: u32, n_orgs: u32, reference: i64) -> Self {
        let mut rng = object_rng(seed, TAG_PARTY, u64::from(p));
        let customer = p >= n_orgs;
        let name = if customer {
            PartyName::Customer {
                place: rng.u8(..CUST_PLACE.len() as u8),
                business: rng.u8(..CUST_BUSINESS.len() as u8),
            }
        } else {
            PartyName::Org {
                adj: rng.u8(..ORG_ADJ.len() as u8),
                noun: rng.u8(..ORG_NOUN.len() as u8),
                kind: rng.u8(..ORG_KIND.len() as u8),
                suffix: rng.u8(..ORG_SUFFIX.len() as u8),
            }
        };
        let registered = between(&mut rng, EPOCH_START, reference - 90 * 86_400);
        let updated = if rng.bool() {
            registered
        } else {
            between(&mut rng, registered, reference - 86_400)
        };
        Party {
            p,
            customer,
            private: customer && rng.u8(..4) == 0,
            name,
            dba: !customer && rng.u8(..20) == 0,
            addr: Addr::draw(&mut rng),
            has_abuse: !customer && rng.f64() < 0.85,
            has_noc: !customer && rng.u8(..5) == 0,
            comment: if rng.u8(..6) == 0 {
                rng.u8(1..=COMMENTS.len() as u8)
            } else {
                0
            },
            registered,
            updated,
        }
    }

    /// The name in pieces: written one after another they make the name.
    pub(super) fn name_parts(&self) -> [&'static str; 6] {
        match self.name {
            PartyName::Org {
                adj,
                noun,
                kind,
                suffix,
            } => [
                ORG_ADJ[adj as usize],
                " ",
                ORG_NOUN[noun as usize],
                " ",
                ORG_KIND[kind as usize],
                ORG_SUFFIX[suffix as usize],
            ],
            PartyName::Customer { place, business } => [
                CUST_PLACE[place as usize],
                " ",
                CUST_BUSINESS[business as usize],
                "",
                "",
                "",
            ],
        }
    }

    /// A short name for roles and mail domains: "Blue Bridge", "Bayside Dental Clinic".
    pub(super) fn short_parts(&self) -> [&'static str; 2] {
        match self.name {
            PartyName::Org { adj, noun, .. } => [ORG_ADJ[adj as usize], ORG_NOUN[noun as usize]],
            PartyName::Customer { place, business } => {
                [CUST_PLACE[place as usize], CUST_BUSINESS[business as usize]]
            }
        }
    }

    /// Initials of the name (two to three letters), for handles and net names.
    pub(super) fn letters(&self) -> ([u8; 3], usize) {
        let words: [&str; 3] = match self.name {
            PartyName::Org {
                adj, noun, kind, ..
            } => [
                ORG_ADJ[adj as usize],
                ORG_NOUN[noun as usize],
                ORG_KIND[kind as usize],
            ],
            PartyName::Customer { place, business } => [
                CUST_PLACE[place as usize],
                CUST_BUSINESS[business as usize],
                "",
            ],
        };
        let mut out = [0u8; 3];
        let mut n = 0;
        for w in words {
            if let Some(&b) = w.as_bytes().first() {
                out[n] = b.to_ascii_uppercase();
                n += 1;
            }
        }
        (out, n)
    }

    /// The mail domain's suffix: `.example.net` for orgs, `.example.com` for customers.
    pub(super) fn domain_tld(&self) -> &'static str {
        if self.customer {
            ".example.com"
        } else {
            ".example.net"
        }
    }

    /// The person POC of this party.
    pub(super) fn person_poc(&self, n_pocs: u64) -> u64 {
        (2 * u64::from(self.p)) % n_pocs.max(1)
    }

    /// The role POC of this party (abuse desk or NOC).
    pub(super) fn role_poc(&self, n_pocs: u64) -> u64 {
        (2 * u64::from(self.p) + 1) % n_pocs.max(1)
    }

    /// The tech contact: the person POC (which is sometimes an IP administration role).
    pub(super) fn tech_poc(&self, n_pocs: u64) -> u64 {
        self.person_poc(n_pocs)
    }
}

/// Remarks used on some objects.
pub(super) const COMMENTS: &[&str] = &[
    "Network operations center staffed 24x7.",
    "Please send abuse reports to the abuse contact listed.",
    "Standard NOC hours are 08:00-18:00 local time.",
    "Peering requests: see the NOC contact.",
    "Geofeed and routing policy available on request.",
    "Reassignment information for this block is kept current.",
];

/// The kind of role a party's role POC plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RoleKind {
    Abuse,
    Noc,
    IpAdmin,
}

impl RoleKind {
    pub(super) fn handle_prefix(self) -> &'static str {
        match self {
            RoleKind::Abuse => "ABUSE",
            RoleKind::Noc => "NOC",
            RoleKind::IpAdmin => "IPADMIN",
        }
    }

    pub(super) fn title(self) -> &'static str {
        match self {
            RoleKind::Abuse => "Abuse Desk",
            RoleKind::Noc => "Network Operations Center",
            RoleKind::IpAdmin => "IP Administration",
        }
    }

    pub(super) fn mailbox(self) -> &'static str {
        match self {
            RoleKind::Abuse => "abuse",
            RoleKind::Noc => "noc",
            RoleKind::IpAdmin => "ipadmin",
        }
    }
}

/// Validation history dates (seconds), as written to the CSV.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Validation {
    /// No row at all.
    pub(super) none: bool,
    pub(super) requested: Option<i64>,
    pub(super) validated: Option<i64>,
    pub(super) reported_invalid: Option<i64>,
}

/// A POC: person or role of party `owner`.
#[derive(Debug, Clone, Copy)]
pub(super) struct PocInfo {
    pub(super) q: u64,
    /// `None` for a person.
    pub(super) role: Option<RoleKind>,
    pub(super) first: u8,
    /// Middle initial, 0 for none.
    pub(super) middle: u8,
    pub(super) last: u8,
    pub(super) office_ext: u16,
    pub(super) office: u8,
    /// Fax number digits, `None` for no fax.
    pub(super) fax: Option<u8>,
    pub(super) mobile: Option<u8>,
    /// Mail address style for persons: 0 `first.last`, 1 `flast`, 2 `first`.
    pub(super) mail_style: u8,
    pub(super) comment: u8,
    pub(super) registered: i64,
    pub(super) updated: i64,
}

impl PocInfo {
    /// POC `q` (owned by party `q / 2`, modulo the party count): even POCs are mostly
    /// persons, odd ones roles. `owner_reg` is the owner's registration date.
    pub(super) fn derive(seed: u64, q: u64, owner_reg: i64, reference: i64) -> Self {
        let mut rng = object_rng(seed, TAG_POC, q);
        // What the handle is made of comes first, so it does not depend on the dates.
        let role = if q % 2 == 1 {
            Some(if rng.u8(..10) < 7 {
                RoleKind::Abuse
            } else {
                RoleKind::Noc
            })
        } else if rng.u8(..5) == 0 {
            Some(RoleKind::IpAdmin)
        } else {
            None
        };
        let first = rng.u8(..FIRST.len() as u8);
        let last = rng.u8(..LAST.len() as u8);
        let middle = if rng.u8(..4) == 0 {
            b'A' + rng.u8(..26)
        } else {
            0
        };
        let registered = between(&mut rng, owner_reg, reference - 30 * 86_400);
        let updated = if rng.bool() {
            registered
        } else {
            between(&mut rng, registered, reference - 86_400)
        };
        PocInfo {
            q,
            role,
            first,
            middle,
            last,
            office_ext: if rng.u8(..8) == 0 {
                rng.u16(10..999)
            } else {
                0
            },
            office: rng.u8(..100),
            fax: (rng.u8(..5) == 0).then(|| rng.u8(..100)),
            mobile: (role.is_none() && rng.u8(..3) == 0).then(|| rng.u8(..100)),
            mail_style: rng.u8(..3),
            comment: if rng.u8(..10) == 0 {
                rng.u8(1..=COMMENTS.len() as u8)
            } else {
                0
            },
            registered,
            updated,
        }
    }

    pub(super) fn first_name(&self) -> &'static str {
        FIRST[self.first as usize]
    }

    pub(super) fn last_name(&self) -> &'static str {
        LAST[self.last as usize]
    }

    /// Handle letters (without the number): person initials or the role prefix.
    pub(super) fn handle_letters(&self) -> ([u8; 7], usize) {
        let mut out = [0u8; 7];
        match self.role {
            Some(kind) => {
                let p = kind.handle_prefix().as_bytes();
                out[..p.len()].copy_from_slice(p);
                (out, p.len())
            }
            None => {
                out[0] = self.first_name().as_bytes()[0];
                out[1] = self.last_name().as_bytes()[0];
                (out, 2)
            }
        }
    }
}

/// Validation history of POC `q` as of `reference` (seconds): about 82% validated, 10%
/// unvalidated (a request under 60 days old), 3% invalid (expired or reported), 5% no record.
pub(super) fn validation_of(seed: u64, q: u64, reference: i64) -> Validation {
    const DAY: i64 = 86_400;
    let mut rng = object_rng(seed, TAG_VALIDATION, q);
    let u = rng.f64();
    let day_start = reference.div_euclid(DAY) * DAY;
    if u < 0.05 {
        return Validation {
            none: true,
            ..Validation::default()
        };
    }
    if u < 0.15 {
        // Unvalidated: requested 0..=59 days ago, not answered since (maybe answered before).
        let requested = day_start - i64::from(rng.u8(0..60)) * DAY;
        let validated = rng
            .bool()
            .then(|| requested - i64::from(rng.u16(300..420)) * DAY);
        return Validation {
            none: false,
            requested: Some(requested),
            validated,
            reported_invalid: None,
        };
    }
    if u < 0.165 {
        // Invalid: the request expired (60 to 400 days ago, never answered).
        let requested = day_start - i64::from(rng.u16(60..400)) * DAY;
        return Validation {
            none: false,
            requested: Some(requested),
            validated: None,
            reported_invalid: None,
        };
    }
    if u < 0.18 {
        // Invalid: reported after the last validation.
        let validated = day_start - i64::from(rng.u16(100..400)) * DAY;
        let reported = validated + i64::from(rng.u16(1..100)) * DAY;
        return Validation {
            none: false,
            requested: Some(validated - i64::from(rng.u8(0..10)) * DAY),
            validated: Some(validated),
            reported_invalid: Some(reported),
        };
    }
    // Validated: a request in the last year, answered within ten days (before the reference).
    let requested = day_start - i64::from(rng.u16(10..365)) * DAY;
    let validated = requested + i64::from(rng.u8(0..10)) * DAY;
    Validation {
        none: false,
        requested: Some(requested),
        validated: Some(validated),
        reported_invalid: None,
    }
}
