//! Synthetic registry generator for `rirwhois gen` (being written).
