//! Placeholder, being written.

use super::Ingest;

pub(super) fn parse(_file: &str, _text: &str, _out: &mut Ingest) {}
