//! Snapshot (being written).
