//! `rirwhois compile`: ingest the sources, link them, write the snapshot atomically.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::ingest::{Problem, Summary, ingest_paths, link};
use crate::model::now;
use crate::snapshot::{Header, Meta, SnapshotError, build, serialize, write_encoded};

/// What to compile.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    pub inputs: Vec<PathBuf>,
    pub output: PathBuf,
    /// Any problem fails the compile and leaves the output untouched.
    pub strict: bool,
    /// The source serial recorded in the header; defaults to the creation time.
    pub serial: Option<u64>,
}

/// What a compile did.
#[derive(Debug)]
pub struct CompileReport {
    pub problems: Vec<Problem>,
    pub summary: Summary,
    /// `None` when nothing was written (strict mode with problems).
    pub header: Option<Header>,
    pub elapsed: Duration,
    /// Time spent in each phase: read and parse, link, build tables, serialize, write.
    pub phases: Vec<(&'static str, Duration)>,
}

/// Why a compile failed.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("no input given")]
    NoInput,
    #[error("{} problem(s) found in strict mode; {} left untouched", .report.problems.len(), .output.display())]
    Strict {
        report: Box<CompileReport>,
        output: PathBuf,
    },
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// Runs a compile. In default mode, problems are reported and the bad objects left out; in
/// strict mode any problem is an error and nothing is written.
pub fn compile(opts: &CompileOptions) -> Result<CompileReport, CompileError> {
    if opts.inputs.is_empty() {
        return Err(CompileError::NoInput);
    }
    let t0 = Instant::now();
    let mut phases = Vec::new();
    let mut lap = Instant::now();
    let mut phase = |name: &'static str| {
        phases.push((name, lap.elapsed()));
        lap = Instant::now();
    };
    let ingest = ingest_paths(&opts.inputs);
    phase("read");
    let linked = link(ingest);
    phase("link");
    let mut report = CompileReport {
        problems: linked.problems,
        summary: linked.summary,
        header: None,
        elapsed: Duration::ZERO,
        phases: Vec::new(),
    };
    if opts.strict && !report.problems.is_empty() {
        report.phases = phases;
        report.elapsed = t0.elapsed();
        return Err(CompileError::Strict {
            report: Box::new(report),
            output: opts.output.clone(),
        });
    }
    let created_at = now();
    let data = build(
        linked.db,
        Meta {
            main_format: linked.main_format,
            serial: opts.serial.unwrap_or(created_at.max(0) as u64),
            created_at,
            sources: Vec::new(),
        },
    );
    phase("build");
    let encoded = serialize(&data, &opts.output)?;
    drop(data);
    phase("serialize");
    report.header = Some(write_encoded(&encoded, &opts.output)?);
    phase("write");
    report.phases = phases;
    report.elapsed = t0.elapsed();
    Ok(report)
}
