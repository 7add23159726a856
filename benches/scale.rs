//! cargo bench --bench scale -- SNAPSHOT
//!
//! Figures for a large snapshot (for example `rirwhois gen --scale rir` then
//! `rirwhois compile`): file size, open-to-ready time split into map + validate and index,
//! resident memory after load, and single-thread longest-prefix lookups per second for
//! random addresses and for addresses inside nets. Without SNAPSHOT (or with the
//! RIRWHOIS_SCALE_SNAPSHOT variable unset) it prints how to run it and exits.
//!
//! The lookups run SCALE_ROUNDS times (default 5), each round once over the same 2 million
//! addresses of each kind; every round is printed, then the median of each kind with the
//! lowest and highest. On a shared machine one round can fall far below the others (other
//! work takes the memory bandwidth), so the median is the figure to quote. For scripts:
//! `RESULT key=value` lines (`open_to_ready_s`, `lookups_<kind>_median`, `_min`, `_max`, in
//! millions of lookups per second).

#![allow(clippy::print_stdout)] // it prints its figures

use std::hint::black_box;
use std::time::Instant;

use rirwhois::registry::Registry;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .or_else(|| std::env::var("RIRWHOIS_SCALE_SNAPSHOT").ok());
    let Some(path) = path else {
        eprintln!("usage: cargo bench --bench scale -- SNAPSHOT");
        return;
    };
    let before = rss_kib();
    let t0 = Instant::now();
    let reg = match Registry::open(std::path::Path::new(&path)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let ready = t0.elapsed();
    let stats = reg.load_stats();
    let h = reg.header();
    println!("snapshot            {path}");
    println!(
        "size                {:.1} MiB",
        reg.snapshot().len() as f64 / 1048576.0
    );
    println!(
        "objects             {} nets, {} ASNs, {} orgs, {} POCs, {} prefixes",
        h.nets, h.asns, h.orgs, h.pocs, h.prefixes
    );
    println!(
        "open to ready       {:.3} s (map + checksum + validate {:.3} s, address indexes {:.3} s)",
        ready.as_secs_f64(),
        stats.open.as_secs_f64(),
        stats.index.as_secs_f64()
    );
    println!(
        "resident after load {:.1} MiB (before {:.1} MiB; mapped pages count once touched)",
        rss_kib() as f64 / 1024.0,
        before as f64 / 1024.0
    );
    // What `serve` does on a thread of its own once the registry is serving.
    let tries = reg.build_prefix_tries();
    println!(
        "prefix tries        {:.3} s after ready (`serve` builds them while it serves); resident then {:.1} MiB",
        tries.took.as_secs_f64(),
        rss_kib() as f64 / 1024.0
    );

    let nets = reg.data().db.nets.len() as u32;
    let mut rng = fastrand::Rng::with_seed(3);
    let n = 2_000_000usize;
    let random: Vec<u128> = (0..n).map(|_| u128::from(rng.u32(..))).collect();
    let inside: Vec<(bool, u128)> = (0..n)
        .map(|_| {
            let net = reg.net(rng.u32(..nets.max(1)));
            let (s, e) = (net.start.to_native(), net.end.to_native());
            (net.v6, s + rng.u128(..=(e - s).min(u128::from(u64::MAX))))
        })
        .collect();
    // The addresses inside nets of each family alone.
    let by_family = [false, true].map(|fam| {
        let part: Vec<u128> = inside
            .iter()
            .filter(|&&(v6, _)| v6 == fam)
            .map(|&(_, a)| a)
            .collect();
        part
    });
    let rounds = std::env::var("SCALE_ROUNDS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(5)
        .max(1);
    // The rates of each kind over the rounds: random v4, inside (mixed), inside v4, inside v6.
    let kinds = ["random_v4", "inside", "inside_v4", "inside_v6"];
    let mut rates: [Vec<f64>; 4] = Default::default();
    for _round in 0..rounds {
        let (rate, hits) = lookups(&reg, random.iter().map(|&a| (false, a)));
        println!("lookups, random v4  {rate:.2} M/s ({hits} of {n} in a net)");
        rates[0].push(rate);
        let (rate, hits) = lookups(&reg, inside.iter().copied());
        println!(
            "lookups, inside     {rate:.2} M/s ({hits} of {n} found; v4 and v6 as in the table)"
        );
        rates[1].push(rate);
        for (k, (fam, part)) in [false, true].into_iter().zip(&by_family).enumerate() {
            let (rate, hits) = lookups(&reg, part.iter().map(|&a| (fam, a)));
            println!(
                "lookups, inside {}  {rate:.2} M/s ({hits} of {} found)",
                if fam { "v6" } else { "v4" },
                part.len()
            );
            rates[2 + k].push(rate);
        }
    }
    println!("RESULT open_to_ready_s={:.3}", ready.as_secs_f64());
    for (kind, r) in kinds.iter().zip(&mut rates) {
        r.sort_by(f64::total_cmp);
        let (lo, mid, hi) = (r[0], r[r.len() / 2], r[r.len() - 1]);
        println!(
            "median of {rounds}, {:<10} {mid:.2} M/s (lowest {lo:.2}, highest {hi:.2})",
            kind.replace('_', " ")
        );
        println!(
            "RESULT lookups_{kind}_median={mid:.2} lookups_{kind}_min={lo:.2} lookups_{kind}_max={hi:.2}"
        );
    }
}

/// Looks up every address, one after the other: millions of lookups per second, and how
/// many found a net.
fn lookups(reg: &Registry, addrs: impl ExactSizeIterator<Item = (bool, u128)>) -> (f64, usize) {
    let n = addrs.len();
    let t = Instant::now();
    let mut hits = 0usize;
    for (v6, a) in addrs {
        hits += usize::from(reg.net_by_addr(v6, black_box(a)).is_some());
    }
    (n as f64 / t.elapsed().as_secs_f64() / 1e6, hits)
}
