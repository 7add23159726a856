//! cargo +nightly fuzz run roundtrip
//!
//! A small random registry (POCs, orgs and customers, IPv4 and IPv6 nets with CIDR and
//! non-CIDR ranges, ASNs, validation records) drawn from the fuzz bytes goes through the
//! linker, the snapshot writer and the reader: the registry must give back the same objects
//! (every table deserializes to what was written, every handle finds its object, every net is
//! found by its exact range and by its first and last address, every ASN by its number).
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use rirwhois::ingest::{Ingest, Located, Location, link};
use rirwhois::model::{Asn, Net, ObjectKind, Org, Poc, PocFunction, PocLink, ValidationRecord};
use rirwhois::registry::{Hit, Registry};
use rirwhois::snapshot::{Meta, Snapshot, build, encode};

fn at() -> Location {
    Location::new("fuzz", 1)
}

fn name(u: &mut Unstructured<'_>) -> Result<String> {
    const PARTS: &[&str] = &[
        "alpha", "Beta", "gamma", "NET", "-", " ", "x", "Ü", "é", "1", "*",
    ];
    let n = u.int_in_range(1..=4)?;
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(u.choose(PARTS)?);
    }
    Ok(s)
}

const FUNCTIONS: &[PocFunction] = &PocFunction::ALL;

fn links(u: &mut Unstructured<'_>, pocs: usize) -> Result<Vec<PocLink>> {
    let mut out = Vec::new();
    if pocs == 0 {
        return Ok(out);
    }
    for _ in 0..u.int_in_range(0..=3)? {
        let f = *u.choose(FUNCTIONS)?;
        out.push(PocLink::new(f, format!("P{}", u.choose_index(pocs)?)));
    }
    Ok(out)
}

fn model(u: &mut Unstructured<'_>) -> Result<Ingest> {
    let mut i = Ingest::default();
    let pocs = u.int_in_range(0..=5)?;
    for p in 0..pocs {
        let mut emails = Vec::new();
        if u.arbitrary()? {
            emails.push(format!("p{p}@example.net"));
        }
        i.pocs.push(Located {
            at: at(),
            obj: Poc {
                handle: format!("P{p}"),
                name: name(u)?,
                emails,
                abuse_mailbox: if u.arbitrary()? {
                    format!("abuse{p}@example.net")
                } else {
                    String::new()
                },
                ..Poc::default()
            },
        });
        if u.arbitrary()? {
            let mut date = || -> Result<Option<i64>> {
                Ok(if u.arbitrary()? {
                    Some(1_700_000_000 + i64::from(u.int_in_range(0..=400u16)?) * 86_400)
                } else {
                    None
                })
            };
            i.validations.push(Located {
                at: at(),
                obj: ValidationRecord {
                    handle: format!("p{p}"),
                    requested: date()?,
                    validated: date()?,
                    reported_invalid: date()?,
                },
            });
        }
    }
    let orgs = u.int_in_range(0..=4)?;
    for o in 0..orgs {
        let customer = o > 0 && u.arbitrary()?;
        i.orgs.push(Located {
            at: at(),
            obj: Org {
                handle: format!("ORG{o}"),
                name: name(u)?,
                dba_name: if u.arbitrary()? {
                    name(u)?
                } else {
                    String::new()
                },
                customer,
                private: customer && u.arbitrary()?,
                parent_org_handle: if customer {
                    format!("ORG{}", u.choose_index(o)?)
                } else {
                    String::new()
                },
                pocs: links(u, pocs)?,
                ..Org::default()
            },
        });
    }
    let nets = u.int_in_range(0..=24)?;
    for n in 0..nets {
        let v6: bool = u.arbitrary()?;
        // Blocks of 2^k addresses inside 23.0.0.0/8 or 2600::/16, at random scales so that
        // nets nest; half of them CIDR, half arbitrary ranges.
        let (base, bits): (u128, u32) = if v6 {
            (0x2600u128 << 112, 112)
        } else {
            (23u128 << 24, 24)
        };
        let span = 1u128 << bits;
        let k = u.int_in_range(0..=bits)?;
        let start = base + ((u128::from(u.arbitrary::<u8>()?) << k) % span);
        let end = if u.arbitrary()? {
            start + (1u128 << k) - 1
        } else {
            start + u128::from(u.arbitrary::<u16>()?) * (1u128 << k.saturating_sub(8))
        };
        let end = end.min(base + span - 1);
        let org_handle = if orgs > 0 && u.arbitrary()? {
            format!("ORG{}", u.choose_index(orgs)?)
        } else {
            String::new()
        };
        i.nets.push(Located {
            at: at(),
            obj: Net {
                handle: format!("NET{n}"),
                name: name(u)?,
                v6,
                start,
                end,
                org_handle,
                pocs: links(u, pocs)?,
                ..Net::default()
            },
        });
    }
    let asns = u.int_in_range(0..=6)?;
    for a in 0..asns {
        let start = u.int_in_range(64_496..=64_600u32)?;
        let end = start + u32::from(u.int_in_range(0..=20u8)?);
        i.asns.push(Located {
            at: at(),
            obj: Asn {
                handle: format!("AS{a}-H"),
                name: name(u)?,
                start,
                end,
                block: end > start && u.arbitrary()?,
                org_handle: if orgs > 0 && u.arbitrary()? {
                    format!("ORG{}", u.choose_index(orgs)?)
                } else {
                    String::new()
                },
                pocs: links(u, pocs)?,
                ..Asn::default()
            },
        });
    }
    Ok(i)
}

fn finds(reg: &Registry, handle: &str, kind: ObjectKind, index: u32) {
    let hits = reg.by_handle(handle);
    assert!(hits.contains(&Hit { kind, index }), "{handle}: {hits:?}");
    // Case-insensitively too.
    assert_eq!(reg.by_handle(&handle.to_lowercase()), hits);
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(ingest) = model(&mut u) else { return };
    let linked = link(ingest);
    let data = build(
        linked.db,
        Meta {
            serial: 7,
            created_at: 1_700_000_000,
            ..Meta::default()
        },
    );
    let bytes = encode(&data, "mem".as_ref()).expect("a linked model always encodes");
    let snap =
        Snapshot::from_bytes(&bytes, "mem".as_ref()).expect("a written snapshot always opens");
    let reg = Registry::from_snapshot(snap);
    let got = reg.data();
    let db = &data.db;

    // Every table comes back as written.
    use rkyv::rancor::Error as E;
    assert_eq!(
        got.db.nets
            .chunks()
            .flat_map(|c| rkyv::deserialize::<Vec<Net>, E>(c).unwrap())
            .collect::<Vec<_>>(),
        db.nets
    );
    assert_eq!(
        got.db.orgs
            .chunks()
            .flat_map(|c| rkyv::deserialize::<Vec<Org>, E>(c).unwrap())
            .collect::<Vec<_>>(),
        db.orgs
    );
    assert_eq!(
        got.db.pocs
            .chunks()
            .flat_map(|c| rkyv::deserialize::<Vec<Poc>, E>(c).unwrap())
            .collect::<Vec<_>>(),
        db.pocs
    );
    assert_eq!(
        rkyv::deserialize::<Vec<Asn>, E>(got.db.asns).unwrap(),
        db.asns
    );
    assert_eq!(
        rkyv::deserialize::<Vec<ValidationRecord>, E>(got.db.validations).unwrap(),
        db.validations
    );
    assert_eq!(reg.header().nets, db.nets.len() as u64);
    assert_eq!(reg.header().serial, 7);

    // The registry finds every object again.
    for (i, n) in db.nets.iter().enumerate() {
        let i = i as u32;
        finds(&reg, &n.handle, ObjectKind::Net, i);
        let exact = reg
            .net_exact(n.v6, n.start, n.end)
            .expect("a net is found by its range");
        let e = reg.net(exact);
        assert_eq!((e.start.to_native(), e.end.to_native()), (n.start, n.end));
        for a in [n.start, n.end] {
            let m = reg.net(
                reg.net_by_addr(n.v6, a)
                    .expect("a net's own address is covered"),
            );
            assert!(m.start.to_native() <= a && a <= m.end.to_native());
            assert!(
                m.depth >= n.depth,
                "the most specific net is at least as deep"
            );
        }
        assert_eq!(
            reg.parent(i),
            (n.parent != rirwhois::model::NONE).then_some(n.parent)
        );
        assert_eq!(reg.children(i).collect::<Vec<_>>(), n.children);
    }
    for (i, o) in db.orgs.iter().enumerate() {
        finds(&reg, &o.handle, ObjectKind::Org, i as u32);
    }
    for (i, p) in db.pocs.iter().enumerate() {
        finds(&reg, &p.handle, ObjectKind::Poc, i as u32);
    }
    for a in &db.asns {
        for n in [a.start, a.end] {
            let j = reg.asn_by_number(n).expect("an ASN is found by its number");
            let m = reg.asn(j);
            assert!(m.start.to_native() <= n && n <= m.end.to_native());
        }
    }
});
