//! Command-line interface: argument parsing and dispatch; the work happens in the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::Engine;
use crate::input::discover;
use crate::input::limits::{DEFAULT_TIMEOUT, Limits};
use crate::report::progress::Progress;
use crate::report::{Format, Report, redact};
use crate::rules::{self, RuleSet, Severity, load};
use crate::scan::{self, ScanOptions};

#[derive(Parser)]
#[command(
    name = "ccdiag",
    version,
    about = "Diagnoses Cloud Connector Edition hosts and Skype for Business Online PowerShell sessions from their logs, ini files and cmdlet output"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan folders, files, zip bundles or stdin (`-`) and report what is wrong.
    Scan(ScanArgs),
    /// List, explain and test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Print the typed records the parsers make of the inputs, one JSON object per line: what
    /// rules match, for a log shipper or a look at why a rule did (not) fire.
    Records(RecordsArgs),
}

#[derive(Args)]
struct RecordsArgs {
    /// Folders (walked recursively), files, .zip bundles, or `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    #[arg(long, value_enum, default_value_t = RecordsFormat::Ndjson)]
    format: RecordsFormat,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum RecordsFormat {
    /// JSON lines: `{"path", "kind", "line", "last_line", "fields": {...}}`.
    Ndjson,
}

#[derive(Args)]
struct PackArgs {
    /// A folder of YAML rules to add to the built-in pack; a rule with a built-in id replaces it.
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
}

#[derive(Args)]
struct ScanArgs {
    /// Folders (walked recursively), files, .zip bundles, or `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    pack: PackArgs,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,
    /// Worker threads (default: one per core).
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    /// Colour in the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Reference time for expiry checks (RFC 3339); default: the newest time the inputs state,
    /// else the clock.
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    now: Option<crate::time::Timestamp>,
    /// Replace user, host, domain and tenant names and IP addresses with stable pseudonyms.
    #[arg(long)]
    redact: bool,
    /// Write the pseudonyms (original -> pseudonym) as JSON to FILE; implies --redact.
    #[arg(long, value_name = "FILE")]
    redact_map: Option<PathBuf>,
    /// No progress bar on stderr.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

/// The bounds of a scan (see [`Limits`]); what they stop is reported as a problem of its input.
#[derive(Args)]
#[command(next_help_heading = "Limits")]
struct LimitArgs {
    /// Largest file read, in bytes; larger files are reported and skipped.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_size)]
    max_file_size: u64,
    /// Longest field of a record (a line, a log message, a property), in bytes; a longer one is
    /// cut, reported, and its kept part still matched.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_record_bytes)]
    max_record_bytes: usize,
    /// Most entries read from one zip, zips inside it included.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_zip_entries)]
    max_zip_entries: usize,
    /// Most bytes inflated from one zip, zips inside it included.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_zip_bytes)]
    max_zip_bytes: u64,
    /// Most bytes inflated from one zip per byte of the zip (zip bombs expand thousands of times).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_zip_ratio)]
    max_zip_ratio: u64,
    /// Folders and zips nested at most this deep below a scanned path.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth)]
    max_depth: usize,
    /// Stop reading after this many seconds; what is not read is reported (0: no limit).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT.as_secs())]
    timeout: u64,
    /// Follow symbolic links that lead to a place inside the scanned folder (never outside).
    #[arg(long)]
    follow_links: bool,
}

impl LimitArgs {
    /// The limits of a scan starting now.
    fn limits(&self) -> Limits {
        Limits {
            max_file_size: self.max_file_size,
            max_record_bytes: self.max_record_bytes,
            max_zip_entries: self.max_zip_entries,
            max_zip_bytes: self.max_zip_bytes,
            max_zip_ratio: self.max_zip_ratio,
            max_depth: self.max_depth,
            deadline: (self.timeout > 0)
                .then(|| Instant::now().checked_add(Duration::from_secs(self.timeout)))
                .flatten(),
            follow_links: self.follow_links,
        }
    }
}

fn parse_now(text: &str) -> Result<crate::time::Timestamp, String> {
    crate::time::parse(text).ok_or_else(|| format!("`{text}` is not a date and time such as 2026-11-22T10:00:00Z"))
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List the rules: id, name, severity, title.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[command(flatten)]
        pack: PackArgs,
    },
    /// Run rules against their fixtures: each must fire on every case under
    /// `fixtures/<ID>/positive/` and stay quiet on every case under `fixtures/<ID>/negative/`.
    Test {
        /// Rule pack folders to test (their *.yaml, with fixtures in DIR/fixtures); without
        /// one, the built-in pack is tested against ./fixtures.
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Where the fixtures are, instead of DIR/fixtures or ./fixtures.
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
        /// Also write the results as JUnit XML, for CI.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// Print the literal signature strings of the pack, one per line (for `rg -F -f`).
    Signatures {
        #[command(flatten)]
        pack: PackArgs,
    },
    /// Show a rule's documentation, signatures, remediation and source article.
    Explain {
        /// Rule id (CCE213) or name (credential-key-invalid).
        rule: String,
        #[command(flatten)]
        pack: PackArgs,
    },
}

/// The exit code of a scan in which no input gave anything to read: not "no issue" (0), not a
/// finding (1), not a usage error (2).
pub const NOTHING_CHECKED: u8 = 3;

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Records(args) => records(args),
        Command::Rules(RulesCommand::List { format, pack }) => list(format, &pack),
        Command::Rules(RulesCommand::Explain { rule, pack }) => explain(&rule, &pack),
        Command::Rules(RulesCommand::Signatures { pack }) => signatures(&pack),
        Command::Rules(RulesCommand::Test { dirs, fixtures, junit }) => test(&dirs, fixtures, junit),
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

/// The built-in pack plus the user's folders, compiled.
fn engine(pack: &PackArgs) -> miette::Result<Engine> {
    let mut set: RuleSet = load::built_in()?;
    for dir in &pack.rules {
        set.extend(load::from_dir(dir)?);
    }
    Engine::new(set).map_err(|e| miette::Report::new(*e))
}

fn scan(args: ScanArgs) -> miette::Result<ExitCode> {
    let engine = engine(&args.pack)?;
    // A path that is not there is a mistyped argument, not a damaged bundle.
    for path in args.paths.iter().filter(|p| *p != "-") {
        std::fs::metadata(path).map_err(|e| miette::miette!("cannot read {path}: {e}"))?;
    }
    let limits = args.limits.limits();
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(jobs) = args.jobs {
        builder = builder.num_threads(jobs.max(1));
    }
    let pool = builder.build().map_err(|e| miette::miette!("cannot start worker threads: {e}"))?;
    let scan = pool.install(|| {
        let sources = discover::discover(&args.paths, &limits, std::io::stdin());
        let progress = Progress::start(sources.len(), !args.quiet && std::io::stderr().is_terminal());
        let options = ScanOptions { limits: limits.clone(), now: args.now, ..ScanOptions::default() };
        scan::scan_with_progress(&engine, &sources, &options, &|| progress.step())
    });
    let mut report = Report::build(&engine, scan);
    if args.redact || args.redact_map.is_some() {
        let mappings = redact::redact(&mut report);
        if let Some(path) = &args.redact_map {
            std::fs::write(path, redact::map_json(&mappings))
                .map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))?;
        }
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let rendered = report.render(args.format, color);
    match &args.output {
        Some(path) => {
            std::fs::write(path, rendered).map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))?
        }
        None => write_stdout(&rendered)?,
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    Ok(if report.nothing_checked() {
        ExitCode::from(NOTHING_CHECKED)
    } else if report.has_finding_at_or_above(threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A closed pipe (`ccdiag ... | head`) is not an error worth a message.
fn write_stdout(text: &str) -> miette::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(miette::miette!("cannot write the report: {e}")),
        _ => Ok(()),
    }
}

fn records(args: RecordsArgs) -> miette::Result<ExitCode> {
    let RecordsFormat::Ndjson = args.format;
    for path in args.paths.iter().filter(|p| *p != "-") {
        std::fs::metadata(path).map_err(|e| miette::miette!("cannot read {path}: {e}"))?;
    }
    let limits = args.limits.limits();
    let sources = discover::discover(&args.paths, &limits, std::io::stdin());
    let options = ScanOptions { limits, ..ScanOptions::default() };
    let mut stdout = std::io::stdout().lock();
    let mut failed = None;
    scan::records(&sources, &options, &mut |input, records| {
        if failed.is_some() {
            return;
        }
        for record in records {
            let line = crate::report::json::record_line(&input.path, record);
            if let Err(e) = stdout.write_all(line.as_bytes()) {
                failed = Some(e);
                return;
            }
        }
    });
    match failed {
        Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(miette::miette!("cannot write records: {e}")),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn list(format: ListFormat, pack: &PackArgs) -> miette::Result<ExitCode> {
    let engine = engine(pack)?;
    let rules = engine.rules();
    let text = match format {
        ListFormat::Json => {
            let rows: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    let d = &r.loaded.def;
                    serde_json::json!({
                        "rule_id": d.id.value, "name": d.name.value, "severity": d.severity.name(), "title": d.title,
                        "sources": d.sources.iter().map(|s| s.value.as_str()).collect::<Vec<_>>(),
                        "origin": match &r.loaded.origin { rules::Origin::BuiltIn => "built-in".to_owned(), rules::Origin::User(p) => p.display().to_string() },
                    })
                })
                .collect();
            format!("{}\n", crate::report::sanitize::json_pretty(&rows))
        }
        ListFormat::Text => {
            let mut out = String::new();
            for r in rules {
                let d = &r.loaded.def;
                let title = crate::report::sanitize::terminal(&d.title, false);
                out.push_str(&format!("{:<7} {:<36} {:<8} {title}\n", d.id.value, d.name.value, d.severity.name()));
            }
            out
        }
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn explain(wanted: &str, pack: &PackArgs) -> miette::Result<ExitCode> {
    let engine = engine(pack)?;
    let Some(rule) = engine
        .rules()
        .iter()
        .find(|r| r.id().eq_ignore_ascii_case(wanted) || r.loaded.def.name.value.eq_ignore_ascii_case(wanted))
    else {
        eprintln!("no rule has the id or name `{wanted}`; `ccdiag rules list` shows them");
        return Ok(ExitCode::from(2));
    };
    write_stdout(&crate::report::explain::render(rule))?;
    Ok(ExitCode::SUCCESS)
}

fn test(dirs: &[PathBuf], fixtures: Option<PathBuf>, junit: Option<PathBuf>) -> miette::Result<ExitCode> {
    let pack = PackArgs { rules: dirs.to_vec() };
    let engine = engine(&pack)?;
    // With folders, only their rules are under test; the built-in pack still runs beside them.
    let ids: Vec<String> = if dirs.is_empty() {
        engine.rules().iter().map(|r| r.id().to_owned()).collect()
    } else {
        let mut ids = Vec::new();
        for dir in dirs {
            ids.extend(load::from_dir(dir)?.into_keys());
        }
        ids
    };
    let mut results = Vec::new();
    let roots: Vec<PathBuf> = match (&fixtures, dirs.is_empty()) {
        (Some(root), _) => vec![root.clone()],
        (None, true) => vec![PathBuf::from("fixtures")],
        (None, false) => dirs.iter().map(|d| d.join("fixtures")).collect(),
    };
    for root in &roots {
        if !root.is_dir() {
            return Err(miette::miette!("no fixtures folder at {}; name one with --fixtures", root.display()));
        }
    }
    for id in &ids {
        let root = roots.iter().find(|r| r.join(id).is_dir()).unwrap_or(&roots[0]);
        results.extend(crate::ruletest::run(&engine, root, std::slice::from_ref(id)));
    }
    write_stdout(&crate::ruletest::render(&results))?;
    if let Some(path) = junit {
        std::fs::write(&path, crate::ruletest::junit(&results))
            .map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))?;
    }
    Ok(if results.iter().all(crate::ruletest::RuleResult::passed) { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn signatures(pack: &PackArgs) -> miette::Result<ExitCode> {
    let engine = engine(pack)?;
    let mut all: Vec<&str> = engine.rules().iter().flat_map(|r| r.signatures()).collect();
    all.sort_unstable();
    all.dedup();
    let mut text = all.join("\n");
    text.push('\n');
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
