//! Problems found while ingesting and linking, and the summary printed after a compile.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Where an object (or a problem) was found: file, line, and for XML the element path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub file: String,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// XML element path such as `/collection/net[2]/netBlocks/netBlock[1]`; empty for RPSL and CSV.
    pub path: String,
}

impl Location {
    pub fn new(file: &str, line: u32) -> Self {
        Self {
            file: file.to_string(),
            line,
            path: String::new(),
        }
    }

    pub fn with_path(file: &str, line: u32, path: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            line,
            path: path.into(),
        }
    }

    pub fn file(path: &Path) -> Self {
        Self::new(&path.display().to_string(), 0)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if !self.path.is_empty() {
            write!(f, " ({})", self.path)?;
        }
        Ok(())
    }
}

/// Why an object was left out. The summary counts skipped objects by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The file could not be read.
    Io,
    /// XML that is not well formed, or an element that cannot be read.
    MalformedXml,
    /// An RPSL object that cannot be read (no class line, a line that is not an attribute).
    MalformedRpsl,
    /// A CSV row that cannot be read.
    MalformedCsv,
    /// A required field is missing or empty (handle, range, ASN, name).
    MissingField,
    /// An address, prefix or range that does not parse.
    BadAddress,
    /// A range whose start is after its end.
    StartAfterEnd,
    /// A date that does not parse.
    BadDate,
    /// Any other value that does not parse (ASN, type code, function code, number).
    BadValue,
    /// A POC, org, customer or parent handle that names no object.
    UnknownReference,
    /// A second object with a handle already taken.
    DuplicateHandle,
    /// Two sibling networks (or ASN ranges) that overlap without one containing the other.
    OverlappingSiblings,
    /// A declared parent network that does not contain the child, or is of the other version.
    ParentMismatch,
}

impl Reason {
    /// A short phrase for the summary.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Io => "unreadable file",
            Reason::MalformedXml => "malformed XML",
            Reason::MalformedRpsl => "malformed RPSL",
            Reason::MalformedCsv => "malformed CSV",
            Reason::MissingField => "missing field",
            Reason::BadAddress => "bad address",
            Reason::StartAfterEnd => "start after end",
            Reason::BadDate => "bad date",
            Reason::BadValue => "bad value",
            Reason::UnknownReference => "unknown reference",
            Reason::DuplicateHandle => "duplicate handle",
            Reason::OverlappingSiblings => "overlapping siblings",
            Reason::ParentMismatch => "parent mismatch",
        }
    }
}

/// One problem: what, where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub location: Location,
    /// The handle of the object concerned (empty when not known).
    pub handle: String,
    pub reason: Reason,
    /// What exactly is wrong, for a person.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.reason.label())?;
        if !self.handle.is_empty() {
            write!(f, " in {}", self.handle)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Counts for the compile summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub read: u64,
    pub kept: u64,
    pub skipped_by_reason: BTreeMap<Reason, u64>,
    pub skipped_classes: BTreeMap<String, u64>,
    pub skipped_attributes: BTreeMap<String, u64>,
}

impl Summary {
    pub fn skipped(&self) -> u64 {
        self.skipped_by_reason.values().sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "read {}, kept {}, skipped {}",
            self.read,
            self.kept,
            self.skipped()
        )?;
        for (reason, n) in &self.skipped_by_reason {
            writeln!(f, "  skipped for {}: {n}", reason.label())?;
        }
        if !self.skipped_classes.is_empty() {
            let total: u64 = self.skipped_classes.values().sum();
            let names: Vec<String> = self
                .skipped_classes
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            writeln!(
                f,
                "  unused classes ignored: {total} ({})",
                names.join(", ")
            )?;
        }
        if !self.skipped_attributes.is_empty() {
            let total: u64 = self.skipped_attributes.values().sum();
            let mut top: Vec<(&String, &u64)> = self.skipped_attributes.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let names: Vec<String> = top
                .iter()
                .take(12)
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            let more = if top.len() > 12 { ", …" } else { "" };
            writeln!(
                f,
                "  unused attributes ignored: {total} ({}{more})",
                names.join(", ")
            )?;
        }
        Ok(())
    }
}
