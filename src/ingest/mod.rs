//! Ingest: source files (ARIN Reg-RWS and bulk whois XML, RPSL dumps, the validation CSV) →
//! the owned [`model`](crate::model), then linking (references, hierarchy) into a
//! [`Database`](crate::model::Database).
//!
//! Formats are detected by content, not by file name; gzip is undone first. Every object that
//! cannot be used is reported as a [`Problem`] with its file, line or element path, handle and
//! reason, and left out; nothing is dropped silently.

mod arin_xml;
mod link;
mod report;
mod rpsl;
mod validation_csv;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::model::{Asn, Delegation, Net, Org, Poc, ValidationRecord};

pub use self::link::{Linked, link};
pub use self::report::{Location, Problem, Reason, Summary};

/// An object with where it was read.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub at: Location,
    pub obj: T,
}

/// A source format, detected by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ARIN XML: Reg-RWS payloads (bare or in `<collection>`) or `<bulkwhois>`.
    ArinXml,
    /// An RPSL dump (split or whole).
    Rpsl,
    /// `handle,requested,validated,reported_invalid`.
    ValidationCsv,
}

impl Format {
    /// Decides the format from the start of a file's text.
    pub fn detect(text: &str) -> Format {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('<') {
            return Format::ArinXml;
        }
        let first = t.lines().next().unwrap_or("").trim().to_ascii_lowercase();
        if first.starts_with("handle,requested") {
            return Format::ValidationCsv;
        }
        Format::Rpsl
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::ArinXml => "ARIN XML",
            Format::Rpsl => "RPSL",
            Format::ValidationCsv => "validation CSV",
        }
    }
}

/// Everything read from the inputs, before linking.
#[derive(Debug, Default)]
pub struct Ingest {
    pub orgs: Vec<Located<Org>>,
    pub pocs: Vec<Located<Poc>>,
    pub nets: Vec<Located<Net>>,
    pub asns: Vec<Located<Asn>>,
    pub delegations: Vec<Located<Delegation>>,
    pub validations: Vec<Located<ValidationRecord>>,
    /// Problems found; each names the object left out.
    pub problems: Vec<Problem>,
    /// Objects (and CSV rows) read, kept or not.
    pub read: u64,
    /// Objects of classes or elements rirwhois does not use, skipped, by name.
    pub skipped_classes: BTreeMap<String, u64>,
    /// Attributes or elements not used, skipped, by name.
    pub skipped_attributes: BTreeMap<String, u64>,
    /// Files read, with their detected format.
    pub files: Vec<(PathBuf, Format)>,
    /// Files that were not UTF-8 and were read as Latin-1.
    pub latin1_files: Vec<PathBuf>,
}

impl Ingest {
    /// Records a problem.
    pub fn problem(
        &mut self,
        at: Location,
        handle: impl Into<String>,
        reason: Reason,
        message: impl Into<String>,
    ) {
        self.problems.push(Problem {
            location: at,
            handle: handle.into(),
            reason,
            message: message.into(),
        });
    }

    /// Counts a skipped class (RPSL class or XML element that is not an object rirwhois uses).
    pub fn skip_class(&mut self, name: &str) {
        *self.skipped_classes.entry(name.to_string()).or_default() += 1;
    }

    /// Counts a skipped attribute.
    pub fn skip_attribute(&mut self, name: &str) {
        *self.skipped_attributes.entry(name.to_string()).or_default() += 1;
    }

    /// Parses one file's text (already decoded) in the given format.
    pub fn add_text(&mut self, name: &str, text: &str, format: Format) {
        match format {
            Format::ArinXml => arin_xml::parse(name, text, self),
            Format::Rpsl => rpsl::parse(name, text, self),
            Format::ValidationCsv => validation_csv::parse(name, text, self),
        }
    }

    /// Reads a file or a directory (recursively, in name order). Unreadable files are problems.
    pub fn add_path(&mut self, path: &Path) {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = match fs::read_dir(path) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    self.problem(
                        Location::file(path),
                        "",
                        Reason::Io,
                        format!("cannot read directory: {e}"),
                    );
                    return;
                }
            };
            entries.sort();
            for p in entries {
                let hidden = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'));
                if !hidden {
                    self.add_path(&p);
                }
            }
            return;
        }
        let text = match read_text(path) {
            Ok((text, latin1)) => {
                if latin1 {
                    self.latin1_files.push(path.to_path_buf());
                }
                text
            }
            Err(e) => {
                self.problem(
                    Location::file(path),
                    "",
                    Reason::Io,
                    format!("cannot read file: {e}"),
                );
                return;
            }
        };
        let format = Format::detect(&text);
        self.files.push((path.to_path_buf(), format));
        self.add_text(&path.display().to_string(), &text, format);
    }
}

/// Reads a file, undoing gzip, and decodes it as UTF-8 (or Latin-1 when it is not UTF-8;
/// the flag says so).
pub fn read_text(path: &Path) -> std::io::Result<(String, bool)> {
    let raw = fs::read(path)?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut out)?;
        out
    } else {
        raw
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok((s, false)),
        Err(e) => Ok((e.into_bytes().iter().map(|&b| b as char).collect(), true)),
    }
}

/// Every file under the inputs, directories walked recursively in name order (hidden
/// entries skipped). An unreadable directory is reported in `ingest`.
fn list_files(paths: &[&Path], ingest: &mut Ingest) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = match fs::read_dir(p) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    ingest.problem(
                        Location::file(p),
                        "",
                        Reason::Io,
                        format!("cannot read directory: {e}"),
                    );
                    continue;
                }
            };
            entries.sort();
            entries.retain(|e| {
                !e.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
            });
            let refs: Vec<&Path> = entries.iter().map(PathBuf::as_path).collect();
            files.extend(list_files(&refs, ingest));
        } else {
            files.push(p.to_path_buf());
        }
    }
    files
}

impl Ingest {
    /// Appends what another ingest read (objects, problems and counts), keeping its order.
    pub fn merge(&mut self, other: Ingest) {
        self.orgs.extend(other.orgs);
        self.pocs.extend(other.pocs);
        self.nets.extend(other.nets);
        self.asns.extend(other.asns);
        self.delegations.extend(other.delegations);
        self.validations.extend(other.validations);
        self.problems.extend(other.problems);
        self.read += other.read;
        for (k, v) in other.skipped_classes {
            *self.skipped_classes.entry(k).or_default() += v;
        }
        for (k, v) in other.skipped_attributes {
            *self.skipped_attributes.entry(k).or_default() += v;
        }
        self.files.extend(other.files);
        self.latin1_files.extend(other.latin1_files);
    }
}

/// Reads every input path: files are parsed on all cores, and the results are put
/// together in file order, so the outcome does not depend on the number of threads.
pub fn ingest_paths<P: AsRef<Path>>(paths: &[P]) -> Ingest {
    let mut ingest = Ingest::default();
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_ref()).collect();
    let files = list_files(&refs, &mut ingest);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len())
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut parts: Vec<(usize, Ingest)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(file) = files.get(i) else { break };
                        let mut part = Ingest::default();
                        part.add_path(file);
                        done.push((i, part));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    parts.sort_by_key(|(i, _)| *i);
    for (_, part) in parts {
        ingest.merge(part);
    }
    ingest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats() {
        assert_eq!(
            Format::detect("<?xml version=\"1.0\"?><net/>"),
            Format::ArinXml
        );
        assert_eq!(Format::detect("\u{feff}  <bulkwhois>"), Format::ArinXml);
        assert_eq!(
            Format::detect("handle,requested,validated,reported_invalid\nX,,,\n"),
            Format::ValidationCsv
        );
        assert_eq!(
            Format::detect("% comment\ninetnum: 1.2.3.0 - 1.2.3.255\n"),
            Format::Rpsl
        );
    }

    #[test]
    fn gzip_and_latin1() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("dump.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"person: Jos\xe9 Exemplo\n").unwrap();
        fs::write(&p, enc.finish().unwrap()).unwrap();
        let (text, latin1) = read_text(&p).unwrap();
        assert!(latin1);
        assert_eq!(text, "person: Jos\u{e9} Exemplo\n");
    }

    #[test]
    fn unreadable_path_is_a_problem() {
        let ingest = ingest_paths(&[Path::new("/nonexistent/rirwhois-input")]);
        assert_eq!(ingest.problems.len(), 1);
        assert_eq!(ingest.problems[0].reason, Reason::Io);
        assert!(
            ingest.problems[0]
                .to_string()
                .contains("/nonexistent/rirwhois-input")
        );
    }
}
