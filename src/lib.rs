//! rirwhois: the WHOIS (port 43) and RDAP query server of an Internet number registry.
//!
//! The crate holds every moving part; `main.rs` is only a tiny command-line front end.
//! Data flows through the modules in this order: [`ingest`] parses ARIN XML, RPSL dumps and
//! the validation CSV into the owned [`model`] and links it (references, hierarchy);
//! [`snapshot`] writes that model as one rkyv archive behind a checked header and maps it back
//! with memmap2, validating it once; [`index`] builds the longest-prefix tries (iptrie) and
//! the ASN, handle and name lookups from the mapped snapshot; [`registry`] is the query API
//! (lookups, hierarchy walks, abuse-contact resolution, validation state) that every front end
//! calls, borrowing objects from the map instead of copying them out; [`whois`] (port 43) and
//! [`rdap`] (HTTP) are the front ends, and [`server`] runs both in one process over one
//! shared, hot-swappable registry with shared limits.
//! [`web`] is the lookup page for people that the RDAP listener serves at `/`, built on the
//! RDAP endpoints.

pub mod compile;
pub mod index;
pub mod ingest;
pub mod lookup;
pub mod model;
pub mod rdap;
pub mod registry;
pub mod server;
pub mod snapshot;
pub mod synth;
pub mod web;
pub mod whois;
