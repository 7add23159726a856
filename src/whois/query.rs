//! One whois query line → flags and a search key.
//!
//! Understands RIPE-style flags (`-b -r -B -x -l -L -m -M -T -i -k -V -q -s`, short flags
//! without arguments may be combined as in `-rB`) and ARIN-style keywords (`n a o p c r`
//! restrict the record type, `+` asks for full output, `=` for an exact match), in any
//! order before the key. Everything after the last flag or keyword is the key, with runs of
//! blanks made one space, so a range `a - b` or a name with spaces stays one key.

use std::fmt;

/// Object types a query can be restricted to (`-T`, ARIN keywords).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Types(u16);

impl Types {
    pub const INETNUM: Types = Types(1);
    pub const INET6NUM: Types = Types(1 << 1);
    pub const AUT_NUM: Types = Types(1 << 2);
    pub const AS_BLOCK: Types = Types(1 << 3);
    pub const ORGANISATION: Types = Types(1 << 4);
    pub const PERSON: Types = Types(1 << 5);
    pub const ROLE: Types = Types(1 << 6);
    pub const IRT: Types = Types(1 << 7);
    pub const DOMAIN: Types = Types(1 << 8);
    /// ARIN customers (shown as organisations in RPSL).
    pub const CUSTOMER: Types = Types(1 << 9);

    pub const NETS: Types = Types(Self::INETNUM.0 | Self::INET6NUM.0);
    pub const ASNS: Types = Types(Self::AUT_NUM.0 | Self::AS_BLOCK.0);
    pub const CONTACTS: Types = Types(Self::PERSON.0 | Self::ROLE.0 | Self::IRT.0);

    /// The RPSL class names `-T` accepts, in the order `-q types` lists them.
    pub const NAMES: &'static [(&'static str, Types)] = &[
        ("inetnum", Types::INETNUM),
        ("inet6num", Types::INET6NUM),
        ("aut-num", Types::AUT_NUM),
        ("as-block", Types::AS_BLOCK),
        ("organisation", Types::ORGANISATION),
        ("person", Types::PERSON),
        ("role", Types::ROLE),
        ("irt", Types::IRT),
        ("domain", Types::DOMAIN),
    ];

    /// Whether any of `other` is in the set.
    pub fn any(self, other: Types) -> bool {
        self.0 & other.0 != 0
    }

    fn with(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }
}

/// The hierarchy flags for address queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hierarchy {
    /// `-x`, ARIN `=`: the exact range only.
    Exact,
    /// `-l`: one level less specific, without the exact match.
    OneLess,
    /// `-L`: every less specific, with the exact match.
    AllLess,
    /// `-m`: one level more specific.
    OneMore,
    /// `-M`: every more specific.
    AllMore,
}

/// What `-i` searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inverse {
    Org,
    AbuseC,
    AdminC,
    TechC,
    Origin,
}

impl Inverse {
    pub fn name(self) -> &'static str {
        match self {
            Inverse::Org => "org",
            Inverse::AbuseC => "abuse-c",
            Inverse::AdminC => "admin-c",
            Inverse::TechC => "tech-c",
            Inverse::Origin => "origin",
        }
    }
}

/// What `-q` asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Info {
    Version,
    Sources,
    Types,
}

/// Everything a query line asks for besides its key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// `-b`: object key and abuse mailbox only.
    pub brief: bool,
    /// `-r`: no related objects (org, contacts).
    pub no_related: bool,
    /// `-B`: e-mail addresses unfiltered.
    pub unfiltered: bool,
    /// ARIN `+`: full output for every match.
    pub full: bool,
    /// `-k`: keep the connection open.
    pub keep_alive: bool,
    pub hierarchy: Option<Hierarchy>,
    /// `-T`, ARIN keywords: restrict to these types.
    pub types: Option<Types>,
    pub inverse: Option<Inverse>,
    /// `-V client`.
    pub client: Option<String>,
    pub info: Option<Info>,
    /// `-s`: the sources asked for, as given.
    pub sources: Vec<String>,
    /// Warnings to print before the answer (`%WARNING:901` …).
    pub warnings: Vec<Warning>,
}

/// A parsed query line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub flags: Flags,
    /// The search key; empty for `-q` and for a lone `-k`.
    pub key: String,
}

/// Something the server tells the client but answers anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// `%WARNING:901`: several hierarchy flags; the last one is used.
    DuplicateIpFlags,
    /// `%WARNING:902`: a hierarchy flag with a key that is not an address, prefix or range.
    UselessIpFlag,
}

impl Warning {
    pub fn code(self) -> u16 {
        match self {
            Warning::DuplicateIpFlags => 901,
            Warning::UselessIpFlag => 902,
        }
    }
    pub fn text(self) -> &'static str {
        match self {
            Warning::DuplicateIpFlags => "duplicate IP flags passed",
            Warning::UselessIpFlag => "useless IP flag passed",
        }
    }
    pub fn explanation(self) -> &'static str {
        match self {
            Warning::DuplicateIpFlags => {
                "More than one of -x, -l, -L, -m, -M was given; only the last one is used."
            }
            Warning::UselessIpFlag => {
                "A hierarchy flag was given with a key that is not an address, prefix or range."
            }
        }
    }
}

/// Why a query line cannot be answered. The codes are the RIPE Database's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// 102: `-s` names a source this server does not hold.
    #[error("unknown source")]
    UnknownSource(String),
    /// 103: `-T` names a type that does not exist.
    #[error("unknown object type")]
    UnknownType(String),
    /// 104: `-i` names an attribute that does not exist.
    #[error("unknown attribute")]
    UnknownAttribute(String),
    /// 105: `-i` names an attribute that exists but cannot be searched.
    #[error("attribute is not searchable")]
    NotSearchable(String),
    /// 106: flags but no key.
    #[error("no search key specified")]
    NoKey,
    /// 107: the line is longer than the configured maximum.
    #[error("input line too long")]
    TooLong,
    /// 108: a byte that may not appear in a query (control character, invalid UTF-8 …).
    #[error("bad character in input")]
    BadCharacter,
    /// 109: flags that cannot go together.
    #[error("invalid combination of flags passed")]
    BadCombination(&'static str),
    /// 110: the same flag twice.
    #[error("multiple use of flag")]
    DuplicateFlag(String),
    /// 111: a flag that does not exist, or one missing its argument.
    #[error("invalid option supplied")]
    InvalidOption(String),
}

impl QueryError {
    /// The RIPE error code.
    pub fn code(&self) -> u16 {
        match self {
            QueryError::UnknownSource(_) => 102,
            QueryError::UnknownType(_) => 103,
            QueryError::UnknownAttribute(_) => 104,
            QueryError::NotSearchable(_) => 105,
            QueryError::NoKey => 106,
            QueryError::TooLong => 107,
            QueryError::BadCharacter => 108,
            QueryError::BadCombination(_) => 109,
            QueryError::DuplicateFlag(_) => 110,
            QueryError::InvalidOption(_) => 111,
        }
    }

    /// One line saying what was wrong, for the comment after the error line.
    pub fn explanation(&self) -> String {
        match self {
            QueryError::UnknownSource(s) => {
                format!("Source '{s}' is not served here. Use '-q sources' to list the sources.")
            }
            QueryError::UnknownType(t) => {
                format!("'{t}' is not an object type. Use '-q types' to list the types.")
            }
            QueryError::UnknownAttribute(a) => format!(
                "'{a}' is not an attribute. Inverse queries (-i) take org, abuse-c, admin-c, tech-c or origin."
            ),
            QueryError::NotSearchable(a) => format!(
                "'{a}' cannot be searched inversely. Inverse queries (-i) take org, abuse-c, admin-c, tech-c or origin."
            ),
            QueryError::NoKey => "The query has flags but nothing to look up.".into(),
            QueryError::TooLong => "The query line is longer than this server accepts.".into(),
            QueryError::BadCharacter => {
                "Queries may hold letters, digits, blanks and the characters -_:+=.,@/?'*! only."
                    .into()
            }
            QueryError::BadCombination(why) => format!("{why}."),
            QueryError::DuplicateFlag(f) => format!("The flag {f} was given more than once."),
            QueryError::InvalidOption(f) => format!(
                "'{f}' is not a flag this server knows (or it lacks its argument). Flags: -b -r -B -x -l -L -m -M -T -i -k -V -q -s; ARIN keywords: n a o p c r + =."
            ),
        }
    }
}

impl fmt::Display for Hierarchy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hierarchy::Exact => "-x",
            Hierarchy::OneLess => "-l",
            Hierarchy::AllLess => "-L",
            Hierarchy::OneMore => "-m",
            Hierarchy::AllMore => "-M",
        })
    }
}

/// Whether a character may appear in a query line.
fn allowed(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || c == '\t' || "-_:+=.,@/?'*!".contains(c)
}

/// Checks the raw bytes of a line (without its line end) and turns them into text.
pub fn decode(bytes: &[u8]) -> Result<&str, QueryError> {
    let text = std::str::from_utf8(bytes).map_err(|_| QueryError::BadCharacter)?;
    if text.chars().all(allowed) {
        Ok(text)
    } else {
        Err(QueryError::BadCharacter)
    }
}

fn parse_types(arg: &str) -> Result<Types, QueryError> {
    let mut set = Types::default();
    for name in arg.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let lower = name.to_ascii_lowercase();
        let t = Types::NAMES
            .iter()
            .find(|(n, _)| *n == lower)
            .map(|&(_, t)| t)
            .ok_or_else(|| QueryError::UnknownType(name.to_string()))?;
        set = set.with(t);
    }
    if set == Types::default() {
        return Err(QueryError::InvalidOption("-T".into()));
    }
    Ok(set)
}

/// RPSL attributes that exist but cannot be searched inversely here.
const KNOWN_ATTRIBUTES: &[&str] = &[
    "inetnum",
    "inet6num",
    "aut-num",
    "as-block",
    "netname",
    "as-name",
    "descr",
    "remarks",
    "country",
    "status",
    "address",
    "phone",
    "fax-no",
    "e-mail",
    "abuse-mailbox",
    "nic-hdl",
    "person",
    "role",
    "irt",
    "organisation",
    "org-name",
    "created",
    "last-modified",
    "source",
    "mnt-by",
    "mnt-irt",
    "zone-c",
    "nserver",
    "domain",
];

fn parse_inverse(arg: &str) -> Result<Inverse, QueryError> {
    let lower = arg.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "org" => Inverse::Org,
        "abuse-c" => Inverse::AbuseC,
        "admin-c" => Inverse::AdminC,
        "tech-c" => Inverse::TechC,
        "origin" => Inverse::Origin,
        a if KNOWN_ATTRIBUTES.contains(&a) => {
            return Err(QueryError::NotSearchable(arg.to_string()));
        }
        _ => return Err(QueryError::UnknownAttribute(arg.to_string())),
    })
}

fn parse_info(arg: &str) -> Result<Info, QueryError> {
    match arg.to_ascii_lowercase().as_str() {
        "version" => Ok(Info::Version),
        "sources" => Ok(Info::Sources),
        "types" => Ok(Info::Types),
        _ => Err(QueryError::InvalidOption(format!("-q {arg}"))),
    }
}

/// The ARIN keyword's type set, if the token is one.
fn arin_keyword(token: &str) -> Option<Types> {
    Some(match token {
        "n" | "N" => Types::NETS,
        "a" | "A" => Types::ASNS,
        "o" | "O" => Types::ORGANISATION,
        "p" | "P" => Types::CONTACTS,
        "c" | "C" => Types::CUSTOMER,
        "r" | "R" => Types::DOMAIN,
        _ => return None,
    })
}

/// Parses one query line (already decoded, without its line end).
pub fn parse(line: &str) -> Result<Request, QueryError> {
    let mut flags = Flags::default();
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let mut seen: Vec<char> = Vec::new();
    let mut i = 0;
    let mut hierarchy_count = 0;
    fn note(c: char, seen: &mut Vec<char>) -> Result<(), QueryError> {
        if seen.contains(&c) {
            return Err(QueryError::DuplicateFlag(format!("-{c}")));
        }
        seen.push(c);
        Ok(())
    }
    while i < tokens.len() {
        let tok = tokens[i];
        if let Some(t) = arin_keyword(tok) {
            // A lone letter is a keyword only when something follows it.
            if i + 1 < tokens.len() {
                flags.types = Some(flags.types.unwrap_or_default().with(t));
                i += 1;
                continue;
            }
            break;
        }
        match tok {
            "+" => {
                flags.full = true;
                i += 1;
                continue;
            }
            "=" => {
                hierarchy_count += 1;
                flags.hierarchy = Some(Hierarchy::Exact);
                i += 1;
                continue;
            }
            _ => {}
        }
        let Some(body) = tok.strip_prefix('-') else {
            break;
        };
        if body.is_empty() || body.starts_with('-') || !body.is_ascii() {
            return Err(QueryError::InvalidOption(tok.to_string()));
        }
        let letters: Vec<char> = body.chars().collect();
        for (j, &c) in letters.iter().enumerate() {
            let takes_arg = matches!(c, 'T' | 'i' | 'V' | 'q' | 's');
            if takes_arg {
                // The argument is the rest of this token, else the next token.
                let rest: String = letters[j + 1..].iter().collect();
                let arg = if !rest.is_empty() {
                    rest
                } else {
                    i += 1;
                    match tokens.get(i) {
                        Some(a) => a.to_string(),
                        None => return Err(QueryError::InvalidOption(format!("-{c}"))),
                    }
                };
                note(c, &mut seen)?;
                match c {
                    'T' => flags.types = Some(parse_types(&arg)?),
                    'i' => flags.inverse = Some(parse_inverse(&arg)?),
                    'V' => flags.client = Some(arg),
                    'q' => flags.info = Some(parse_info(&arg)?),
                    _ => {
                        flags.sources = arg
                            .split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect();
                    }
                }
                break;
            }
            note(c, &mut seen)?;
            let h = match c {
                'b' => {
                    flags.brief = true;
                    None
                }
                'r' => {
                    flags.no_related = true;
                    None
                }
                'B' => {
                    flags.unfiltered = true;
                    None
                }
                'k' => {
                    flags.keep_alive = true;
                    None
                }
                'x' => Some(Hierarchy::Exact),
                'l' => Some(Hierarchy::OneLess),
                'L' => Some(Hierarchy::AllLess),
                'm' => Some(Hierarchy::OneMore),
                'M' => Some(Hierarchy::AllMore),
                _ => return Err(QueryError::InvalidOption(format!("-{c}"))),
            };
            if let Some(h) = h {
                hierarchy_count += 1;
                flags.hierarchy = Some(h);
            }
        }
        i += 1;
    }
    if hierarchy_count > 1 {
        flags.warnings.push(Warning::DuplicateIpFlags);
    }
    let key = tokens[i.min(tokens.len())..].join(" ");
    if flags.info.is_some() {
        if !key.is_empty() || flags.inverse.is_some() || flags.brief {
            return Err(QueryError::BadCombination(
                "-q takes no search key and no other query flags",
            ));
        }
        return Ok(Request { flags, key });
    }
    if flags.inverse.is_some() && flags.hierarchy.is_some() {
        return Err(QueryError::BadCombination(
            "An inverse query (-i) cannot be combined with -x, -l, -L, -m or -M",
        ));
    }
    if key.is_empty() && !(flags.keep_alive && seen == ['k']) {
        return Err(QueryError::NoKey);
    }
    Ok(Request { flags, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Request {
        parse(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    fn err(line: &str) -> u16 {
        parse(line).expect_err(line).code()
    }

    #[test]
    fn plain_keys() {
        assert_eq!(ok("23.1.2.3").key, "23.1.2.3");
        assert_eq!(ok("  AS64496 ").key, "AS64496");
        assert_eq!(ok("23.1.2.0 -   23.1.2.191").key, "23.1.2.0 - 23.1.2.191");
        assert_eq!(ok("Alpha Networks").key, "Alpha Networks");
        assert_eq!(ok("alpha*").key, "alpha*");
        assert_eq!(ok("23.1.2.3").flags, Flags::default());
    }

    #[test]
    fn arin_keywords() {
        let r = ok("n + 23.1.2.3");
        assert_eq!(r.key, "23.1.2.3");
        assert_eq!(r.flags.types, Some(Types::NETS));
        assert!(r.flags.full);
        let r = ok("a AS64496");
        assert_eq!(r.flags.types, Some(Types::ASNS));
        assert_eq!(r.key, "AS64496");
        let r = ok("r + = 23.1.0.0/16");
        assert_eq!(r.flags.types, Some(Types::DOMAIN));
        assert_eq!(r.flags.hierarchy, Some(Hierarchy::Exact));
        assert!(r.flags.full);
        assert_eq!(r.key, "23.1.0.0/16");
        assert_eq!(ok("o ALPHA").flags.types, Some(Types::ORGANISATION));
        assert_eq!(ok("p TECH1-TEST").flags.types, Some(Types::CONTACTS));
        assert_eq!(ok("c C00000001").flags.types, Some(Types::CUSTOMER));
        assert_eq!(ok("= 23.1.2.0/24").flags.hierarchy, Some(Hierarchy::Exact));
        // A lone letter is a key, not a keyword.
        assert_eq!(ok("n").key, "n");
        assert_eq!(ok("+ a").key, "a");
    }

    #[test]
    fn ripe_flags() {
        let r = ok("-b 23.1.2.3");
        assert!(r.flags.brief);
        let r = ok("-r -B 23.1.2.3");
        assert!(r.flags.no_related && r.flags.unfiltered);
        let r = ok("-rB 23.1.2.3");
        assert!(r.flags.no_related && r.flags.unfiltered);
        for (f, h) in [
            ("-x", Hierarchy::Exact),
            ("-l", Hierarchy::OneLess),
            ("-L", Hierarchy::AllLess),
            ("-m", Hierarchy::OneMore),
            ("-M", Hierarchy::AllMore),
        ] {
            let r = ok(&format!("{f} 23.1.0.0/16"));
            assert_eq!(r.flags.hierarchy, Some(h), "{f}");
            assert!(r.flags.warnings.is_empty());
        }
        let r = ok("-T inetnum,aut-num 23.1.2.3");
        assert_eq!(r.flags.types, Some(Types::INETNUM.with(Types::AUT_NUM)));
        let r = ok("-Tperson X");
        assert_eq!(r.flags.types, Some(Types::PERSON));
        let r = ok("-i org ALPHA");
        assert_eq!(r.flags.inverse, Some(Inverse::Org));
        assert_eq!(r.key, "ALPHA");
        let r = ok("-i tech-c TECH1-TEST");
        assert_eq!(r.flags.inverse, Some(Inverse::TechC));
        assert_eq!(ok("-i origin AS64496").flags.inverse, Some(Inverse::Origin));
        let r = ok("-k 23.1.2.3");
        assert!(r.flags.keep_alive);
        let r = ok("-k");
        assert!(r.flags.keep_alive);
        assert!(r.key.is_empty());
        let r = ok("-V fail2ban-1.0 23.1.2.3");
        assert_eq!(r.flags.client.as_deref(), Some("fail2ban-1.0"));
        assert_eq!(r.key, "23.1.2.3");
        assert_eq!(ok("-q version").flags.info, Some(Info::Version));
        assert_eq!(ok("-q sources").flags.info, Some(Info::Sources));
        assert_eq!(ok("-q types").flags.info, Some(Info::Types));
        let r = ok("-s TEST,arin 23.1.2.3");
        assert_eq!(r.flags.sources, vec!["TEST", "arin"]);
        // What Debian whois sends for `whois -h H -T inetnum -i org ORG-X`.
        let r = ok("-T inetnum -i org org-x");
        assert_eq!(r.flags.types, Some(Types::INETNUM));
        assert_eq!(r.flags.inverse, Some(Inverse::Org));
        assert_eq!(r.key, "org-x");
    }

    #[test]
    fn warnings() {
        let r = ok("-x -M 23.1.0.0/16");
        assert_eq!(r.flags.hierarchy, Some(Hierarchy::AllMore));
        assert_eq!(r.flags.warnings, vec![Warning::DuplicateIpFlags]);
    }

    #[test]
    fn errors() {
        assert_eq!(err("-T bogus 1.2.3.4"), 103);
        assert_eq!(err("-i bogus X"), 104);
        assert_eq!(err("-i netname X"), 105);
        assert_eq!(err("-r"), 106);
        assert_eq!(err(""), 106);
        assert_eq!(err("-q version 1.2.3.4"), 109);
        assert_eq!(err("-i org -x X"), 109);
        assert_eq!(err("-r -r 1.2.3.4"), 110);
        assert_eq!(err("-rr 1.2.3.4"), 110);
        assert_eq!(err("-z 1.2.3.4"), 111);
        assert_eq!(err("--verbose 1.2.3.4"), 111);
        assert_eq!(err("-"), 111);
        assert_eq!(err("-T"), 111);
        assert_eq!(err("-q nothing"), 111);
        assert_eq!(decode(b"1.2.3.4\x00").unwrap_err().code(), 108);
        assert_eq!(decode(b"\xff\xfe").unwrap_err().code(), 108);
        assert_eq!(decode(b"a;rm -rf").unwrap_err().code(), 108);
        assert_eq!(decode(b"M\xc3\xbcller GmbH").unwrap(), "Müller GmbH");
        assert_eq!(QueryError::TooLong.code(), 107);
        for e in [
            QueryError::NoKey,
            QueryError::UnknownSource("X".into()),
            QueryError::InvalidOption("-z".into()),
        ] {
            assert!(!e.explanation().is_empty());
        }
    }

    #[test]
    fn random_lines_never_panic() {
        let alphabet: Vec<char> = "-bBrxlLmMTikVqs +=naopcr1.2:/*ASas,@\t\u{e9}"
            .chars()
            .collect();
        for _ in 0..20_000 {
            let len = fastrand::usize(0..40);
            let line: String = (0..len)
                .map(|_| alphabet[fastrand::usize(..alphabet.len())])
                .collect();
            let _ = decode(line.as_bytes()).and_then(parse);
            let bytes: Vec<u8> = (0..len).map(|_| fastrand::u8(..)).collect();
            let _ = decode(&bytes).and_then(parse);
        }
    }
}
