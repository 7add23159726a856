//! cargo bench --bench registry
//!
//! Longest-prefix lookups (IPv4 and IPv6; random addresses and addresses inside nets),
//! snapshot open + validate + index, and abuse-contact resolution. The registry is built in
//! process: 4 levels of nested IPv4 nets (about 330k) and 50k IPv6 nets, 30% without their
//! own abuse contact. Set RIRWHOIS_BENCH_SNAPSHOT=FILE to measure a real snapshot instead
//! (for example one compiled from `rirwhois gen --scale rir`).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rirwhois::model::{Database, NONE, Net, Org, Poc, PocFunction, PocLink, prefix_range};
use rirwhois::registry::Registry;
use rirwhois::snapshot::{Meta, build, write};

const BATCH: usize = 4096;

fn synthetic(dir: &std::path::Path) -> PathBuf {
    let mut rng = fastrand::Rng::with_seed(1);
    let mut db = Database::default();
    db.pocs.push(Poc {
        handle: "ABUSE-1".into(),
        emails: vec!["abuse@example.net".into()],
        validation: NONE,
        ..Poc::default()
    });
    db.orgs.push(Org {
        handle: "ORG-1".into(),
        name: "Example".into(),
        parent_org: NONE,
        pocs: vec![PocLink {
            function: PocFunction::Abuse,
            handle: "ABUSE-1".into(),
            poc: 0,
        }],
        ..Org::default()
    });
    let mut push = |db: &mut Database, v6: bool, addr: u128, len: u8, parent: u32, depth: u8| {
        let (start, end) = prefix_range(v6, addr, len);
        let i = db.nets.len() as u32;
        let own_abuse = rng.u8(..100) >= 30;
        db.nets.push(Net {
            handle: format!("NET-{i}"),
            name: format!("NET{i}"),
            v6,
            start,
            end,
            org: if own_abuse { NONE } else { 0 },
            parent,
            depth,
            pocs: if own_abuse {
                vec![PocLink {
                    function: PocFunction::Abuse,
                    handle: "ABUSE-1".into(),
                    poc: 0,
                }]
            } else {
                Vec::new()
            },
            ..Net::default()
        });
        if parent != NONE {
            db.nets[parent as usize].children.push(i);
        }
        i
    };
    // IPv4: 1,024 /16s under 23.0.0.0/8-ish space, each with 16 /20s, each with 16 /24s,
    // half of which hold a /26.
    for a in 0..1024u128 {
        let top = (23u128 << 24) + (a << 16);
        let t = push(&mut db, false, top, 16, NONE, 0);
        for b in 0..16u128 {
            let m = push(&mut db, false, top + (b << 12), 20, t, 1);
            for c in 0..16u128 {
                let s = push(&mut db, false, top + (b << 12) + (c << 8), 24, m, 2);
                if c % 2 == 0 {
                    push(&mut db, false, top + (b << 12) + (c << 8), 26, s, 3);
                }
            }
        }
    }
    // IPv6: 50,000 /48s in 2600::/12, under 1,000 /32s.
    for a in 0..1000u128 {
        let top = (0x2600u128 << 112) + (a << 96);
        let t = push(&mut db, true, top, 32, NONE, 0);
        for b in 0..49u128 {
            push(&mut db, true, top + (b << 80), 48, t, 1);
        }
    }
    let path = dir.join("bench.snap");
    write(&build(db, Meta::default()), &path).expect("write snapshot");
    path
}

fn lookups(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = match std::env::var_os("RIRWHOIS_BENCH_SNAPSHOT") {
        Some(p) => PathBuf::from(p),
        None => synthetic(dir.path()),
    };
    let reg = Registry::open(&path).expect("open snapshot");
    let data = reg.data();
    let nets = data.db.nets.len();
    let mut rng = fastrand::Rng::with_seed(7);
    let random_v4: Vec<u128> = (0..BATCH).map(|_| u128::from(rng.u32(..))).collect();
    let random_v6: Vec<u128> = (0..BATCH)
        .map(|_| (0x2600u128 << 112) | u128::from(rng.u64(..)) << 48)
        .collect();
    let inside = |v6: bool, rng: &mut fastrand::Rng| -> Vec<u128> {
        let pool: Vec<u32> = (0..nets as u32).filter(|&i| reg.net(i).v6 == v6).collect();
        (0..BATCH)
            .map(|_| {
                let n = reg.net(pool[rng.usize(..pool.len())]);
                let (s, e) = (n.start.to_native(), n.end.to_native());
                s + rng.u128(..=(e - s).min(u128::from(u64::MAX)))
            })
            .collect()
    };
    let inside_v4 = inside(false, &mut rng);
    let inside_v6 = inside(true, &mut rng);

    let mut g = c.benchmark_group("lpm");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, v6, addrs) in [
        ("v4_random", false, &random_v4),
        ("v4_inside_nets", false, &inside_v4),
        ("v6_random", true, &random_v6),
        ("v6_inside_nets", true, &inside_v6),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut found = 0u32;
                for &a in addrs.iter() {
                    found += u32::from(reg.net_by_addr(v6, black_box(a)).is_some());
                }
                found
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("abuse");
    g.throughput(Throughput::Elements(BATCH as u64));
    let picks: Vec<u32> = (0..BATCH).map(|_| rng.u32(..nets as u32)).collect();
    g.bench_function("net_abuse", |b| {
        b.iter(|| {
            let mut found = 0u32;
            for &n in &picks {
                found += u32::from(reg.net_abuse(black_box(n)).is_some());
            }
            found
        })
    });
    g.bench_function("lookup_then_abuse_v4", |b| {
        b.iter(|| {
            let mut found = 0u32;
            for &a in inside_v4.iter() {
                if let Some(n) = reg.net_by_addr(false, black_box(a)) {
                    found += u32::from(reg.net_abuse(n).is_some());
                }
            }
            found
        })
    });
    g.finish();

    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.bench_function("open_validate_index", |b| {
        b.iter(|| Registry::open(black_box(&path)).expect("open"))
    });
    g.finish();
}

criterion_group!(benches, lookups);
criterion_main!(benches);
