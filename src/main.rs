//! The `rirwhois` command: parses arguments, sets up logging, calls the library and maps
//! errors to exit codes. Everything else lives in the library.

#![allow(clippy::print_stdout)] // the CLI prints its answers

use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc: the RDAP and whois answers allocate and free many small buffers per query.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

use rirwhois::compile::{CompileError, CompileOptions, compile};
use rirwhois::lookup::describe;
use rirwhois::model::{Policy, PolicyProfile, Timestamp, format_datetime, now, parse_date};
use rirwhois::rdap::lists::{ListKind, contact_lists, to_csv};
use rirwhois::registry::Registry;
use rirwhois::server::{Config, LogFormat};
use rirwhois::snapshot::Snapshot;
use rirwhois::synth::{GenFormat, GenOptions, Scale, generate};

/// WHOIS and RDAP server of an Internet number registry.
#[derive(Parser, Debug)]
#[command(name = "rirwhois", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compile source files (ARIN XML, RPSL, validation CSV; files or directories) into a
    /// snapshot, written atomically.
    Compile {
        /// Fail (exit 1, output untouched) on any problem instead of skipping bad objects.
        #[arg(long)]
        strict: bool,
        /// Source serial to record in the header (default: the creation time).
        #[arg(long)]
        serial: Option<u64>,
        /// Snapshot file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Print every problem (default: the first 100, then a count).
        #[arg(long)]
        all_problems: bool,
        /// Input files or directories.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Show what the registry holds for a query: the object, its parent chain and its abuse
    /// contact with where it came from and its validation state.
    Lookup {
        /// Compute validation states as of this date (default: now).
        #[arg(long, value_parser = parse_as_of)]
        as_of: Option<Timestamp>,
        /// Validation policy profile: arin or lacnic.
        #[arg(long, default_value = "arin")]
        policy: PolicyProfile,
        /// Snapshot file.
        snapshot: PathBuf,
        /// An address, prefix, range, AS number, handle or name (trailing * for a prefix).
        query: String,
    },
    /// Write a deterministic synthetic registry.
    Gen {
        /// small (about 5,000 nets) or rir (5 million nets, 3 million POCs).
        #[arg(long, default_value = "small")]
        scale: Scale,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// arin-xml or rpsl.
        #[arg(long, default_value = "arin-xml")]
        format: GenFormat,
        /// Output directory.
        #[arg(short, long)]
        output: PathBuf,
        /// Seed top-level allocations from a routed-prefix list (pyasn ipasn format, may be
        /// gzipped).
        #[arg(long)]
        prefixes: Option<PathBuf>,
        /// The date the validation records are relative to.
        #[arg(long, value_parser = parse_as_of, default_value = "2026-11-01")]
        reference_date: Timestamp,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Serve WHOIS (port 43 protocol) and RDAP (HTTP) from one process.
    Serve {
        /// Snapshot to serve (default: the sample registry in data/, compiled if needed).
        #[arg(long)]
        snapshot: Option<PathBuf>,
        /// WHOIS listen address (default 127.0.0.1:4343).
        #[arg(long)]
        whois: Option<std::net::SocketAddr>,
        /// RDAP listen address (default 127.0.0.1:8080).
        #[arg(long)]
        rdap: Option<std::net::SocketAddr>,
        /// TOML configuration file; flags override it.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Compute validation states as of this date (default: now).
        #[arg(long)]
        as_of: Option<String>,
        /// Personal-data answers per client (IPv4 /32, IPv6 /64) per day.
        #[arg(long)]
        personal_limit: Option<u64>,
        /// WHOIS output dialect: arin or rpsl (default: the snapshot's source format).
        #[arg(long)]
        dialect: Option<rirwhois::server::Dialect>,
        /// Metrics, /healthz and /readyz listen address (default 127.0.0.1:9100).
        #[arg(long)]
        metrics: Option<std::net::SocketAddr>,
        /// Validate the configuration and exit.
        #[arg(long)]
        check_config: bool,
    },
    /// Print a snapshot's header facts and check it.
    SnapshotInfo { snapshot: PathBuf },
    /// Print the public contact-accuracy lists as CSV: resources paired with contacts that
    /// left a validation request unanswered past the policy period (non-responsive) or were
    /// reported invalid (invalid-contacts). The same lists RDAP serves under /lists/.
    Lists {
        /// Compute validation states as of this date (default: now).
        #[arg(long, value_parser = parse_as_of)]
        as_of: Option<Timestamp>,
        /// Validation policy profile: arin or lacnic.
        #[arg(long, default_value = "arin")]
        policy: PolicyProfile,
        /// Print only this list: non-responsive or invalid-contacts.
        #[arg(long, value_parser = parse_list)]
        list: Option<ListKind>,
        /// Snapshot file.
        snapshot: PathBuf,
    },
}

fn parse_list(s: &str) -> Result<ListKind, String> {
    ListKind::from_name(s)
        .ok_or_else(|| format!("unknown list '{s}' (non-responsive or invalid-contacts)"))
}

fn parse_as_of(s: &str) -> Result<Timestamp, String> {
    parse_date(s).map_err(|e| e.to_string())
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("rirwhois: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    if !matches!(command, Command::Serve { .. }) {
        init_logging(false);
    }
    match command {
        Command::Compile {
            strict,
            serial,
            output,
            all_problems,
            inputs,
        } => {
            let opts = CompileOptions {
                inputs,
                output,
                strict,
                serial,
            };
            let print_problems = |problems: &[rirwhois::ingest::Problem]| {
                let limit = if all_problems { usize::MAX } else { 100 };
                for p in problems.iter().take(limit) {
                    eprintln!("{p}");
                }
                if problems.len() > limit {
                    eprintln!(
                        "… and {} more problems (--all-problems prints them all)",
                        problems.len() - limit
                    );
                }
            };
            match compile(&opts) {
                Ok(report) => {
                    print_problems(&report.problems);
                    eprint!("{}", report.summary);
                    let phases: Vec<String> = report
                        .phases
                        .iter()
                        .map(|(name, d)| format!("{name} {:.2?}", d))
                        .collect();
                    eprintln!("phases: {}", phases.join(", "));
                    if let Some(h) = &report.header {
                        eprintln!(
                            "wrote {} in {:.2?}: {} nets, {} ASNs, {} orgs, {} POCs, {} delegations, serial {}",
                            opts.output.display(),
                            report.elapsed,
                            h.nets,
                            h.asns,
                            h.orgs,
                            h.pocs,
                            h.delegations,
                            h.serial
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(CompileError::Strict { report, output }) => {
                    print_problems(&report.problems);
                    eprint!("{}", report.summary);
                    Err(format!(
                        "{} problem(s) in strict mode; {} left untouched",
                        report.problems.len(),
                        output.display()
                    ))
                }
                Err(e) => Err(e.to_string()),
            }
        }
        Command::Lookup {
            as_of,
            policy,
            snapshot,
            query,
        } => {
            let reg = Registry::open(&snapshot).map_err(|e| e.to_string())?;
            let (text, found) = describe(
                &reg,
                &query,
                as_of.unwrap_or_else(now),
                &Policy::new(policy),
            );
            print!("{text}");
            Ok(if found {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Gen {
            scale,
            seed,
            format,
            output,
            prefixes,
            reference_date,
            quiet,
        } => {
            let report = generate(&GenOptions {
                scale,
                seed,
                format,
                out: output.clone(),
                prefixes,
                progress: !quiet,
                reference_date,
            })
            .map_err(|e| e.to_string())?;
            eprintln!(
                "wrote {} files ({} bytes) to {}: {} IPv4 nets, {} IPv6 nets, {} ASNs, {} orgs, {} POCs",
                report.files.len(),
                report.bytes,
                output.display(),
                report.nets_v4,
                report.nets_v6,
                report.asns,
                report.orgs,
                report.pocs
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            snapshot,
            whois,
            rdap,
            config,
            as_of,
            personal_limit,
            dialect,
            metrics,
            check_config,
        } => {
            let mut cfg = match &config {
                Some(path) => Config::load(path).map_err(|e| e.to_string())?,
                None => Config::default(),
            };
            if snapshot.is_some() {
                cfg.snapshot = snapshot;
            }
            if let Some(a) = whois {
                cfg.whois.listen = a;
            }
            if let Some(a) = rdap {
                cfg.rdap.listen = a;
            }
            if as_of.is_some() {
                cfg.policy.as_of = as_of;
            }
            if let Some(n) = personal_limit {
                cfg.limits.personal_per_day = n;
            }
            if dialect.is_some() {
                cfg.whois.dialect = dialect;
            }
            if let Some(a) = metrics {
                cfg.metrics.listen = a;
            }
            cfg.check().map_err(|e| format!("configuration: {e}"))?;
            if check_config {
                println!("configuration ok");
                return Ok(ExitCode::SUCCESS);
            }
            init_logging(cfg.logging.format == LogFormat::Json);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the runtime: {e}"))?;
            runtime
                .block_on(rirwhois::server::serve(cfg))
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Lists {
            as_of,
            policy,
            list,
            snapshot,
        } => {
            let reg = Registry::open(&snapshot).map_err(|e| e.to_string())?;
            let mut entries = contact_lists(&reg, as_of.unwrap_or_else(now), &Policy::new(policy));
            if let Some(l) = list {
                entries.retain(|e| e.list == l);
            }
            print!("{}", to_csv(&entries));
            Ok(ExitCode::SUCCESS)
        }
        Command::SnapshotInfo { snapshot } => {
            let snap = Snapshot::open(&snapshot).map_err(|e| e.to_string())?;
            let h = snap.header();
            println!("file          {}", snapshot.display());
            println!("size          {} bytes", snap.len());
            println!("version       {}", h.version);
            println!("schema hash   {:016x}", h.schema_hash);
            println!("serial        {}", h.serial);
            println!("created at    {}", format_datetime(h.created_at));
            println!("source format {:?}", h.main_format);
            println!(
                "objects       {} nets, {} ASNs, {} orgs, {} POCs, {} delegations, {} validation records, {} prefixes",
                h.nets, h.asns, h.orgs, h.pocs, h.delegations, h.validations, h.prefixes
            );
            println!("checksum      {:016x} ok; archive validated", h.checksum);
            Ok(ExitCode::SUCCESS)
        }
    }
}
