//! Synthetic registry for `rirwhois gen`: a deterministic, registry-sized set of source
//! files (ARIN Reg-RWS XML or an RPSL split dump, plus the validation CSV) for load tests,
//! benchmarks and compile-time measurements.
//!
//! How it is built:
//! - Orgs, customers and POCs are pure functions of the seed and their index (see `names`):
//!   party `p` owns POCs `2p` (mostly a person) and `2p + 1` (a role: abuse desk or NOC), so
//!   any writer can derive a referenced object's handle without storing it.
//! - Nets are generated as trees (allocation → reallocation → reallocation → reassignment, at
//!   most four levels), depth first, and written as they come: ranges are aligned blocks
//!   (sometimes a non-CIDR pair such as a /25 + /26) inside the parent, siblings never
//!   overlap, and top levels are spread over public unicast space or taken from a routed
//!   prefix list. Only the ASN table and each customer's parent org are kept in memory.
//! - Two threads write at once: nets, delegations and orgs in one; POCs, the validation CSV
//!   and ASNs in the other. Each file depends only on the options, so the output is
//!   byte-for-byte the same for the same options.

mod arin;
mod handles;
mod names;
mod nets;
mod out;
mod rpsl;
mod space;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use indicatif::{ProgressBar, ProgressStyle};

use crate::model::Timestamp;

use self::names::{EPOCH_START, Party, PocInfo, between, object_rng, validation_of};
use self::nets::{Customers, NetRec};
use self::out::Out;
use self::space::Routed;

/// The default reference date: validation states are drawn as of 2026-11-01T00:00:00Z.
pub const DEFAULT_REFERENCE_DATE: Timestamp = 1_793_491_200;

/// IPv4 nets per ARIN file (`nets-v4-000.xml`, `nets-v4-001.xml`, …).
const NET_CHUNK: u64 = 500_000;

/// How big a registry to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// About a thousandth of a large RIR (4,000 IPv4 nets): for tests.
    Small,
    /// The size of a large RIR: 4 million IPv4 nets, 1 million IPv6 nets, 100,000 ASNs,
    /// 3 million POCs, 1.5 million orgs and customers.
    Rir,
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "small" => Ok(Self::Small),
            "rir" => Ok(Self::Rir),
            other => Err(format!(
                "unknown scale '{other}' (expected 'small' or 'rir')"
            )),
        }
    }
}

/// Which source format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenFormat {
    /// ARIN Reg-RWS payloads in `<collection>` files under `arin/`.
    ArinXml,
    /// An RPSL split dump under `rpsl/`.
    Rpsl,
}

impl FromStr for GenFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "arin-xml" | "arin" => Ok(Self::ArinXml),
            "rpsl" => Ok(Self::Rpsl),
            other => Err(format!(
                "unknown format '{other}' (expected 'arin-xml' or 'rpsl')"
            )),
        }
    }
}

/// What to generate and where.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub scale: Scale,
    /// Same seed (and other options) → byte-identical files.
    pub seed: u64,
    pub format: GenFormat,
    /// Output directory: files go to `arin/` or `rpsl/` inside it, plus `validation.csv`.
    pub out: PathBuf,
    /// A routed-prefix list (pyasn `ipasn` format, gzip allowed) whose outermost prefixes
    /// become the top-level nets, their origin ASes the nets' origin ASes.
    pub prefixes: Option<PathBuf>,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Validation states are drawn as of this date (default [`DEFAULT_REFERENCE_DATE`]).
    pub reference_date: Timestamp,
}

impl GenOptions {
    /// Options with no prefix list, no progress bar and the default reference date.
    pub fn new(scale: Scale, seed: u64, format: GenFormat, out: impl Into<PathBuf>) -> Self {
        Self {
            scale,
            seed,
            format,
            out: out.into(),
            prefixes: None,
            progress: false,
            reference_date: DEFAULT_REFERENCE_DATE,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenReport {
    /// Every file written, sorted.
    pub files: Vec<PathBuf>,
    pub nets_v4: u64,
    pub nets_v6: u64,
    /// ASN registrations (a range counts once).
    pub asns: u64,
    pub pocs: u64,
    /// Orgs and customers written (the RPSL form leaves private customers out).
    pub orgs: u64,
    /// Total size of the files.
    pub bytes: u64,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    BadPrefixes {
        path: PathBuf,
        line: u64,
        message: String,
    },
}

impl GenError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Object counts to aim for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    nets_v4: u64,
    nets_v6: u64,
    asns: u64,
    pocs: u64,
    /// Orgs and customers.
    parties: u64,
}

impl Counts {
    fn of(scale: Scale) -> Self {
        let full = Counts {
            nets_v4: 4_000_000,
            nets_v6: 1_000_000,
            asns: 100_000,
            pocs: 3_000_000,
            parties: 1_500_000,
        };
        match scale {
            Scale::Rir => full,
            Scale::Small => Counts {
                nets_v4: full.nets_v4 / 1000,
                nets_v6: full.nets_v6 / 1000,
                asns: full.asns / 1000,
                pocs: full.pocs / 1000,
                parties: full.parties / 1000,
            },
        }
    }
}

/// An ASN registration (a range when `start < end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AsnRec {
    start: u32,
    end: u32,
    holder: u32,
    abuse: bool,
    noc: bool,
    comment: u8,
    registered: i64,
    updated: i64,
}

/// What every writer needs: the seed, the sizes and the (small) ASN table.
#[derive(Debug, Clone)]
struct World {
    seed: u64,
    reference: i64,
    /// Parties `0..n_orgs` are orgs, `n_orgs..n_parties` customers.
    n_orgs: u32,
    n_parties: u32,
    n_pocs: u64,
    /// Single ASNs that nets use as origin ASes.
    origin_pool: Vec<u32>,
}

impl World {
    fn new(seed: u64, reference: i64, counts: Counts, asns: &[AsnRec]) -> Self {
        let n_parties = counts.parties.clamp(1, u64::from(u32::MAX) - 1) as u32;
        Self {
            seed,
            reference,
            n_orgs: (n_parties / 5 * 3).max(1),
            n_parties,
            n_pocs: counts.pocs.max(1),
            origin_pool: asns
                .iter()
                .filter(|a| a.start == a.end)
                .map(|a| a.start)
                .collect(),
        }
    }

    fn party(&self, p: u32) -> Party {
        Party::derive(self.seed, p, self.n_orgs, self.reference)
    }

    /// Enough of POC `q` for its handle.
    fn poc_head(&self, q: u64) -> PocInfo {
        PocInfo::derive(self.seed, q, EPOCH_START, self.reference)
    }

    /// POC `q` in full; `owner` is its owner party.
    fn poc(&self, q: u64, owner: &Party) -> PocInfo {
        PocInfo::derive(self.seed, q, owner.registered, self.reference)
    }

    /// The party owning POC `q`.
    fn poc_owner(&self, q: u64) -> u32 {
        ((q / 2) % u64::from(self.n_parties)) as u32
    }

    /// A customer's parent org: the org it got its first net from, else a random org.
    fn customer_parent(&self, customers: &Customers, p: u32) -> u32 {
        match customers.parent.get((p - customers.first) as usize) {
            Some(&org) if org != u32::MAX => org,
            _ => object_rng(self.seed, names::TAG_CUSTOMER_PARENT, u64::from(p)).u32(..self.n_orgs),
        }
    }
}

/// AS numbers open to synthetic registrations (documentation, private and reserved
/// numbers and AS 23456 left out).
const ASN_RANGES: &[(u32, u32)] = &[(1000, 23_455), (23_457, 64_495), (131_072, 4_199_999_999)];

/// The ASN table: the routed list's origin ASes first (as many as fit), then synthetic
/// numbers climbing through [`ASN_RANGES`] with small gaps; about 3% are ranges of 2–16.
fn gen_asns(seed: u64, count: u64, n_orgs: u32, reference: i64, routed: &[u32]) -> Vec<AsnRec> {
    const DAY: i64 = 86_400;
    let mut rng = fastrand::Rng::with_seed(names::splitmix(seed ^ 0xA5A5));
    let mut numbers: Vec<(u32, u32)> = routed
        .iter()
        .take(count as usize)
        .map(|&a| (a, a))
        .collect();
    let mut range = 0usize;
    let mut cur = ASN_RANGES[0].0 + rng.u32(0..500);
    while (numbers.len() as u64) < count && range < ASN_RANGES.len() {
        let (lo, hi) = ASN_RANGES[range];
        cur = cur.max(lo);
        let len = if rng.u8(..100) < 3 {
            rng.u32(2..=16)
        } else {
            1
        };
        let end = cur.saturating_add(len - 1);
        if end > hi {
            range += 1;
            continue;
        }
        // Skip over any routed ASN inside the candidate.
        let i = routed.partition_point(|&a| a < cur);
        if let Some(&a) = routed.get(i)
            && a <= end
        {
            cur = a + 1;
            continue;
        }
        numbers.push((cur, end));
        cur = end + 1 + rng.u32(0..3);
    }
    numbers.sort_unstable();
    numbers
        .into_iter()
        .map(|(start, end)| {
            let registered = between(&mut rng, names::EPOCH_START, reference - 30 * DAY);
            AsnRec {
                start,
                end,
                holder: rng.u32(..n_orgs.max(1)),
                abuse: rng.f64() < 0.7,
                noc: rng.u8(..5) == 0,
                comment: if rng.u8(..8) == 0 {
                    rng.u8(1..=names::COMMENTS.len() as u8)
                } else {
                    0
                },
                registered,
                updated: between(&mut rng, registered, reference - DAY),
            }
        })
        .collect()
}

/// Counts objects for the progress bar, handing them over in batches.
struct Tick {
    bar: ProgressBar,
    pending: u64,
}

impl Tick {
    fn new(bar: &ProgressBar) -> Self {
        Self {
            bar: bar.clone(),
            pending: 0,
        }
    }

    fn one(&mut self) {
        self.pending += 1;
        if self.pending == 8192 {
            self.bar.inc(self.pending);
            self.pending = 0;
        }
    }
}

impl Drop for Tick {
    fn drop(&mut self) {
        self.bar.inc(self.pending);
    }
}

/// Generates the registry described by `opts`.
pub fn generate(opts: &GenOptions) -> Result<GenReport, GenError> {
    generate_counts(opts, Counts::of(opts.scale))
}

fn generate_counts(opts: &GenOptions, counts: Counts) -> Result<GenReport, GenError> {
    let routed = opts
        .prefixes
        .as_deref()
        .map(space::read_prefixes)
        .transpose()?;
    let n_parties = counts.parties.clamp(1, u64::from(u32::MAX) - 1) as u32;
    let n_orgs = (n_parties / 5 * 3).max(1);
    let asns = gen_asns(
        opts.seed,
        counts.asns,
        n_orgs,
        opts.reference_date,
        routed.as_ref().map_or(&[][..], |r| &r.asns[..]),
    );
    let world = World::new(opts.seed, opts.reference_date, counts, &asns);
    let dir = opts.out.join(match opts.format {
        GenFormat::ArinXml => "arin",
        GenFormat::Rpsl => "rpsl",
    });
    std::fs::create_dir_all(&dir).map_err(|e| GenError::io(&dir, e))?;

    let bar = if opts.progress {
        let total = counts.nets_v4
            + counts.nets_v6
            + world.n_pocs
            + u64::from(n_parties)
            + asns.len() as u64;
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} objects ({per_sec}, ETA {eta})",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };

    let (nets_part, contacts_part) = std::thread::scope(|s| {
        let nets = s.spawn(|| {
            write_nets_and_orgs(&world, opts.format, counts, routed.as_ref(), &dir, &bar)
        });
        let contacts = write_contacts_and_asns(&world, opts, &asns, &dir, &bar);
        let nets = nets
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (nets, contacts)
    });
    let nets_part = nets_part?;
    let contacts_part = contacts_part?;
    bar.finish_and_clear();

    let mut files: Vec<(PathBuf, u64)> = nets_part.files;
    files.extend(contacts_part.files);
    files.sort();
    Ok(GenReport {
        bytes: files.iter().map(|(_, b)| b).sum(),
        files: files.into_iter().map(|(p, _)| p).collect(),
        nets_v4: nets_part.nets_v4,
        nets_v6: nets_part.nets_v6,
        asns: asns.len() as u64,
        pocs: contacts_part.pocs,
        orgs: nets_part.orgs,
    })
}

struct NetsPart {
    files: Vec<(PathBuf, u64)>,
    nets_v4: u64,
    nets_v6: u64,
    orgs: u64,
}

/// The network files of the chosen source format.
enum NetOut {
    Arin(arin::NetFiles),
    Rpsl(rpsl::NetFiles),
}

impl NetOut {
    fn net(&mut self, w: &World, n: &NetRec) -> Result<(), GenError> {
        match self {
            NetOut::Arin(o) => o.net(w, n),
            NetOut::Rpsl(o) => o.net(w, n),
        }
    }

    fn finish(self) -> Result<Vec<(PathBuf, u64)>, GenError> {
        match self {
            NetOut::Arin(o) => o.finish(),
            NetOut::Rpsl(o) => o.finish(),
        }
    }
}

/// Writes the nets (and delegations), then the orgs and customers, which need to know each
/// customer's parent org from the nets.
fn write_nets_and_orgs(
    w: &World,
    format: GenFormat,
    counts: Counts,
    routed: Option<&Routed>,
    dir: &Path,
    bar: &ProgressBar,
) -> Result<NetsPart, GenError> {
    let mut customers = Customers::new(w.n_orgs, w.n_parties - w.n_orgs);
    let mut tick = Tick::new(bar);
    let v4_tops = routed.map(|r| &r.v4[..]);
    let v6_tops = routed.map(|r| &r.v6[..]);
    let mut out = match format {
        GenFormat::ArinXml => NetOut::Arin(arin::NetFiles::create(dir)?),
        GenFormat::Rpsl => NetOut::Rpsl(rpsl::NetFiles::create(dir)?),
    };
    let (s4, s6) = {
        let mut sink = |n: &NetRec| {
            tick.one();
            out.net(w, n)
        };
        let s4 =
            nets::generate_family(w, false, counts.nets_v4, v4_tops, &mut customers, &mut sink)?;
        let s6 =
            nets::generate_family(w, true, counts.nets_v6, v6_tops, &mut customers, &mut sink)?;
        (s4, s6)
    };
    let mut files = out.finish()?;
    let mut orgs = 0u64;
    match format {
        GenFormat::ArinXml => {
            let mut o = arin::open(&dir.join("orgs.xml"))?;
            for p in 0..w.n_parties {
                let party = w.party(p);
                let parent = party
                    .customer
                    .then(|| w.party(w.customer_parent(&customers, p)));
                arin::write_party(&mut o, w, &party, parent.as_ref());
                o.end_object()?;
                orgs += 1;
                tick.one();
            }
            files.push(arin::close(o)?);
        }
        GenFormat::Rpsl => {
            let mut o = rpsl::open(&dir.join("db.organisation"), "organisation")?;
            for p in 0..w.n_parties {
                let party = w.party(p);
                tick.one();
                if party.private {
                    continue;
                }
                rpsl::write_organisation(&mut o, w, &party);
                o.end_object()?;
                orgs += 1;
            }
            files.push(o.finish()?);
        }
    }
    Ok(NetsPart {
        files,
        nets_v4: s4.nets,
        nets_v6: s6.nets,
        orgs,
    })
}

struct ContactsPart {
    files: Vec<(PathBuf, u64)>,
    pocs: u64,
}

/// Writes the POCs with their validation rows, then the ASNs.
fn write_contacts_and_asns(
    w: &World,
    opts: &GenOptions,
    asns: &[AsnRec],
    dir: &Path,
    bar: &ProgressBar,
) -> Result<ContactsPart, GenError> {
    let mut tick = Tick::new(bar);
    let mut csv = Out::create(&opts.out.join("validation.csv"))?;
    csv.s("handle,requested,validated,reported_invalid\n");
    let mut files = Vec::new();
    match opts.format {
        GenFormat::ArinXml => {
            let mut o = arin::open(&dir.join("pocs.xml"))?;
            for q in 0..w.n_pocs {
                let owner = w.party(w.poc_owner(q));
                let poc = w.poc(q, &owner);
                arin::write_poc(&mut o, &poc, &owner);
                o.end_object()?;
                validation_row(&mut csv, w, &poc, "-ARIN")?;
                tick.one();
            }
            files.push(arin::close(o)?);
            let mut o = arin::open(&dir.join("asns.xml"))?;
            for a in asns {
                arin::write_asn(&mut o, w, a);
                o.end_object()?;
                tick.one();
            }
            files.push(arin::close(o)?);
        }
        GenFormat::Rpsl => {
            let mut persons = rpsl::open(&dir.join("db.person"), "person")?;
            let mut roles = rpsl::open(&dir.join("db.role"), "role")?;
            for q in 0..w.n_pocs {
                let owner = w.party(w.poc_owner(q));
                let poc = w.poc(q, &owner);
                let o = if poc.role.is_some() {
                    &mut roles
                } else {
                    &mut persons
                };
                rpsl::write_poc(o, &poc, &owner);
                o.end_object()?;
                validation_row(&mut csv, w, &poc, "-RIRWHOIS")?;
                tick.one();
            }
            files.push(persons.finish()?);
            files.push(roles.finish()?);
            let mut autnums = rpsl::open(&dir.join("db.aut-num"), "aut-num")?;
            let mut blocks = rpsl::open(&dir.join("db.as-block"), "as-block")?;
            for a in asns {
                let o = if a.start < a.end {
                    &mut blocks
                } else {
                    &mut autnums
                };
                rpsl::write_asn(o, w, a);
                o.end_object()?;
                tick.one();
            }
            files.push(autnums.finish()?);
            files.push(blocks.finish()?);
        }
    }
    files.push(csv.finish()?);
    Ok(ContactsPart {
        files,
        pocs: w.n_pocs,
    })
}

/// One validation CSV row, unless the POC has no record.
fn validation_row(csv: &mut Out, w: &World, poc: &PocInfo, suffix: &str) -> Result<(), GenError> {
    let v = validation_of(w.seed, poc.q, w.reference);
    if v.none {
        return Ok(());
    }
    handles::poc_handle(csv, poc, suffix);
    for date in [v.requested, v.validated, v.reported_invalid] {
        csv.c(b',');
        if let Some(ts) = date {
            csv.date(ts);
        }
    }
    csv.c(b'\n');
    csv.end_object()
}
