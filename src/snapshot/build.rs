//! From a linked database to the archived root: the prefix table, the ASN order and the
//! sorted handle and name keys.

use super::schema::{KEY_DBA, KEY_HANDLE, KEY_NAME, Key, Meta, PrefixEntry, SnapshotData};
use crate::model::{Database, NONE, ObjectKind, PocLink, cidrs_of_range};

/// The case-folded form keys are sorted and searched by.
pub fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// Empties the published handle of every reference the linker resolved: the linked object's
/// own handle is the one to show, and the copies made up a sixth of a large snapshot.
fn drop_linked_handles(db: &mut Database) {
    let links = |links: &mut [PocLink]| {
        for l in links.iter_mut().filter(|l| l.poc != NONE) {
            drop(std::mem::take(&mut l.handle));
        }
    };
    for n in &mut db.nets {
        if n.org != NONE {
            drop(std::mem::take(&mut n.org_handle));
        }
        if n.parent != NONE {
            drop(std::mem::take(&mut n.parent_handle));
        }
        links(&mut n.pocs);
    }
    for o in &mut db.orgs {
        if o.parent_org != NONE {
            drop(std::mem::take(&mut o.parent_org_handle));
        }
        links(&mut o.pocs);
    }
    for a in &mut db.asns {
        if a.org != NONE {
            drop(std::mem::take(&mut a.org_handle));
        }
        links(&mut a.pocs);
    }
    for d in &mut db.delegations {
        links(&mut d.pocs);
    }
}

/// Builds the snapshot root from a linked database.
pub fn build(mut db: Database, meta: Meta) -> SnapshotData {
    drop_linked_handles(&mut db);
    let mut prefixes_v4 = Vec::new();
    let mut prefixes_v6 = Vec::new();
    let mut by_depth: Vec<u32> = (0..db.nets.len() as u32).collect();
    by_depth.sort_by_key(|&i| db.nets[i as usize].depth);
    for i in by_depth {
        let n = &db.nets[i as usize];
        let table = if n.v6 {
            &mut prefixes_v6
        } else {
            &mut prefixes_v4
        };
        for (addr, len) in cidrs_of_range(n.v6, n.start, n.end) {
            table.push(PrefixEntry { addr, len, net: i });
        }
    }
    let mut top_nets: Vec<u32> = (0..db.nets.len() as u32)
        .filter(|&i| db.nets[i as usize].parent == NONE)
        .collect();
    top_nets.sort_by_key(|&i| (db.nets[i as usize].v6, db.nets[i as usize].start));

    let mut asn_order: Vec<u32> = (0..db.asns.len() as u32).collect();
    asn_order.sort_by_key(|&i| {
        let a = &db.asns[i as usize];
        (a.start, std::cmp::Reverse(a.end), !a.block)
    });

    let mut handles: Vec<(String, Key)> = Vec::with_capacity(
        db.nets.len() + db.asns.len() + db.orgs.len() + db.pocs.len() + db.delegations.len(),
    );
    let mut names: Vec<(String, Key)> =
        Vec::with_capacity(db.nets.len() + db.asns.len() + db.orgs.len() + db.pocs.len());
    let add =
        |list: &mut Vec<(String, Key)>, text: &str, kind: ObjectKind, field: u8, index: usize| {
            if !text.is_empty() {
                list.push((
                    fold(text),
                    Key {
                        kind,
                        field,
                        index: index as u32,
                    },
                ));
            }
        };
    for (i, n) in db.nets.iter().enumerate() {
        add(&mut handles, &n.handle, ObjectKind::Net, KEY_HANDLE, i);
        add(&mut names, &n.name, ObjectKind::Net, KEY_NAME, i);
    }
    for (i, a) in db.asns.iter().enumerate() {
        add(&mut handles, &a.handle, ObjectKind::Asn, KEY_HANDLE, i);
        add(&mut names, &a.name, ObjectKind::Asn, KEY_NAME, i);
    }
    for (i, o) in db.orgs.iter().enumerate() {
        add(&mut handles, &o.handle, ObjectKind::Org, KEY_HANDLE, i);
        // A private customer's name is never searchable.
        if !o.private {
            add(&mut names, &o.name, ObjectKind::Org, KEY_NAME, i);
            if !o.dba_name.is_empty() && o.dba_name != o.name {
                add(&mut names, &o.dba_name, ObjectKind::Org, KEY_DBA, i);
            }
        }
    }
    for (i, p) in db.pocs.iter().enumerate() {
        add(&mut handles, &p.handle, ObjectKind::Poc, KEY_HANDLE, i);
        add(&mut names, &p.name, ObjectKind::Poc, KEY_NAME, i);
    }
    for (i, d) in db.delegations.iter().enumerate() {
        add(&mut handles, &d.name, ObjectKind::Delegation, KEY_HANDLE, i);
    }
    handles.sort_unstable();
    names.sort_unstable();
    let handles: Vec<Key> = handles.into_iter().map(|(_, k)| k).collect();
    let names: Vec<Key> = names.into_iter().map(|(_, k)| k).collect();

    let mut sources: Vec<String> = db
        .nets
        .iter()
        .map(|n| n.source.as_str())
        .chain(db.orgs.iter().map(|o| o.source.as_str()))
        .chain(db.asns.iter().map(|a| a.source.as_str()))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    sources.dedup();

    SnapshotData {
        meta: Meta { sources, ..meta },
        db,
        prefixes_v4,
        prefixes_v6,
        top_nets,
        asn_order,
        handles,
        names,
    }
}
