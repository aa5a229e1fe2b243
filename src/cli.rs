//! Command-line interface: argument parsing and dispatch; the work happens in the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::config::{self, Choice, Config};
use crate::engine::Engine;
use crate::input::budget::{DEFAULT_MAX_MEMORY, MemoryBudget};
use crate::input::limits::{DEFAULT_TIMEOUT, Limits};
use crate::input::{discover, hosts};
use crate::report::fleet::Fleet;
use crate::report::progress::Progress;
use crate::report::{Format, redact};
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
    /// The machine the records come from, written in each one's `host` (on a live host:
    /// `--host $env:COMPUTERNAME`); none by default.
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
    /// Rule packs whose rules tag the records too (`selected_by`).
    #[command(flatten)]
    pack: PackArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum RecordsFormat {
    /// JSON lines: `{"host", "path", "kind", "provenance", "line", "last_line", "fields": {...},
    /// "folded": {...}, "folded_any", "selected_by": [...]}` (README: "At fleet scale").
    Ndjson,
}

#[derive(Args)]
struct PackArgs {
    /// A folder of YAML rules to add to the built-in pack; a rule with a built-in id replaces it.
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
}

/// Which rules run. Each takes rule ids (CCE211), names (vm-not-running), id prefixes (CCE2,
/// SFB) or ALL, repeated or comma-separated; the most specific one that matches a rule decides.
#[derive(Args)]
#[command(next_help_heading = "Choosing rules")]
struct ChooseArgs {
    /// Run only these rules: ids (CCE211), names (vm-not-running), id prefixes (CCE2, SFB) or
    /// ALL, comma-separated or repeated. Replaces the config's `select`, and its `ignore` with
    /// it.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules (ids, names, id prefixes); added to the config's `ignore`. The most
    /// specific selector that matches a rule decides; on a tie, ignore wins.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    ignore: Vec<String>,
}

impl ChooseArgs {
    fn choice(&self) -> Choice {
        Choice { select: self.select.clone(), ignore: self.ignore.clone() }
    }
}

#[derive(Args)]
struct ScanArgs {
    /// Folders (walked recursively), files, .zip bundles, or `-` for stdin; each is one host
    /// (a folder holding only whole bundles is one host per bundle).
    #[arg(required_unless_present = "hosts", value_name = "PATH")]
    paths: Vec<String>,
    /// A folder of host bundles: each folder or .zip in it is one host, diagnosed on its own
    /// (repeatable).
    #[arg(long, value_name = "DIR")]
    hosts: Vec<String>,
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
    /// Worker threads, at least 1 (default: one per core).
    #[arg(long, short, value_name = "N", value_parser = parse_jobs)]
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
    /// No progress bar on stderr, and no summary line there when the report goes to --output.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    choose: ChooseArgs,
    /// Read this config file instead of the nearest ccdiag.toml in or above the scanned folder.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config", help_heading = "Choosing rules")]
    config: Option<PathBuf>,
    /// Read no config file.
    #[arg(long, help_heading = "Choosing rules")]
    no_config: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

/// The bounds of a scan (see [`Limits`]); what they stop is reported as a problem of its input.
#[derive(Args)]
#[command(next_help_heading = "Limits")]
struct LimitArgs {
    /// Largest file read, in bytes or with K, M, G, T (powers of 1024: 512M, 1.5G); larger files
    /// are reported and skipped.
    #[arg(long, value_name = "SIZE", default_value_t = Limits::default().max_file_size, value_parser = parse_size)]
    max_file_size: u64,
    /// Longest field of a record (a line, a log message, a property), in bytes or with K, M, G,
    /// T; a longer one is cut, reported, and its kept part still matched.
    #[arg(long, value_name = "SIZE", default_value_t = Limits::default().max_record_bytes, value_parser = parse_record_size)]
    max_record_bytes: usize,
    /// Most entries read from one zip, zips inside it included.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_zip_entries)]
    max_zip_entries: usize,
    /// Most bytes inflated from one zip, zips inside it included (bytes or with K, M, G, T).
    #[arg(long, value_name = "SIZE", default_value_t = Limits::default().max_zip_bytes, value_parser = parse_size)]
    max_zip_bytes: u64,
    /// Most bytes inflated from one zip per byte of the zip (zip bombs expand thousands of times).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_zip_ratio)]
    max_zip_ratio: u64,
    /// Most input bytes held in memory at once, over the whole scan (bytes or with K, M, G, T):
    /// files, chunks of big files, zip entries and stdin wait for room.
    #[arg(long, value_name = "SIZE", default_value_t = DEFAULT_MAX_MEMORY, value_parser = parse_size)]
    max_memory: u64,
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
            memory: MemoryBudget::new(self.max_memory),
        }
    }
}

fn parse_size(text: &str) -> Result<u64, String> {
    crate::input::limits::parse_size(text)
}

fn parse_record_size(text: &str) -> Result<usize, String> {
    usize::try_from(parse_size(text)?).map_err(|_| format!("`{text}` is more than this machine can address"))
}

/// `--jobs 0` is refused rather than read as "one per core": leaving the flag out says that.
fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("a scan needs at least 1 worker thread; leave --jobs out for one per core".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a number of threads")),
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

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// Sigma rules (YAML), one per rule and record kind, and pySigma processing pipelines.
    Sigma,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List the rules: id, name, severity, title.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[command(flatten)]
        pack: PackArgs,
        #[command(flatten)]
        choose: ChooseArgs,
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
        #[command(flatten)]
        choose: ChooseArgs,
    },
    /// Print the literal signature strings of the pack, one per line (for `rg -F -f`).
    Signatures {
        #[command(flatten)]
        pack: PackArgs,
        #[command(flatten)]
        choose: ChooseArgs,
    },
    /// Write the rules as standard Sigma rules, with the pySigma pipelines that place them in
    /// Log Analytics, Splunk or Elasticsearch; list the rules that cannot be, and why.
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Sigma)]
        format: ExportFormat,
        /// The folder to write `rules/` and `pipelines/` in (created if missing).
        #[arg(long, short, value_name = "DIR")]
        output: PathBuf,
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
        Command::Rules(RulesCommand::List { format, pack, choose }) => list(format, &pack, &choose),
        Command::Rules(RulesCommand::Explain { rule, pack }) => explain(&rule, &pack),
        Command::Rules(RulesCommand::Signatures { pack, choose }) => signatures(&pack, &choose),
        Command::Rules(RulesCommand::Export { format: ExportFormat::Sigma, output, pack }) => export(&output, &pack),
        Command::Rules(RulesCommand::Test { dirs, fixtures, junit, choose }) => test(&dirs, fixtures, junit, &choose),
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

/// The rules of `engine` the command line chose (`--select`, `--ignore`; no config file):
/// `true` for each that runs.
fn chosen_rules(engine: &Engine, choose: &ChooseArgs) -> miette::Result<Vec<bool>> {
    Ok(config::chosen(engine, None, &choose.choice())?.iter().map(Option::is_none).collect())
}

/// The config file of a scan of the hosts at `roots`, read and checked against the pack:
/// `--config`, else the nearest ccdiag.toml (see [`config::discover`]), none with
/// `--no-config`.
fn scan_config(args: &ScanArgs, roots: &[String], engine: &Engine) -> miette::Result<Option<Config>> {
    if args.no_config {
        return Ok(None);
    }
    let cwd = std::env::current_dir().map_err(|e| miette::miette!("cannot tell the working folder: {e}"))?;
    let path = match &args.config {
        Some(path) => Some(path.clone()),
        None => config::discover(roots, &cwd)?,
    };
    path.map(|path| Config::read(&path, &config::shown(&path, &cwd), engine)).transpose()
}

fn scan(args: ScanArgs) -> miette::Result<ExitCode> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(jobs) = args.jobs {
        builder = builder.num_threads(jobs);
    }
    let pool = builder.build().map_err(|e| miette::miette!("cannot start worker threads: {e}"))?;
    // Rules are compiled in parallel too: inside the pool, so `--jobs` holds from the start.
    let mut engine = pool.install(|| engine(&args.pack))?;
    // A path that is not there is a mistyped argument, not a damaged bundle.
    for path in args.paths.iter().chain(&args.hosts).filter(|p| *p != "-") {
        std::fs::metadata(path).map_err(|e| miette::miette!("cannot read {path}: {e}"))?;
    }
    let (hosts, not_hosts) = hosts::hosts(&args.paths, &args.hosts).map_err(|e| miette::miette!("{e}"))?;
    for warning in not_hosts {
        eprintln!("warning: {}", crate::report::sanitize::terminal(&warning, false));
    }
    let roots: Vec<String> = hosts.iter().map(|h| h.path.clone()).collect();
    let config = scan_config(&args, &roots, &engine)?;
    // Suppressions expire by the calendar (or `--now`), not by the time of the bundle: they
    // are the user's decisions, reviewed on the user's dates.
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let choice = args.choose.choice();
    let now = args.now.unwrap_or(clock);
    for warning in pool.install(|| config::configure(&mut engine, config.as_ref(), &choice, now))? {
        eprintln!("warning: {}", crate::report::sanitize::terminal(&warning, false));
    }
    let limits = args.limits.limits();
    let several = hosts.len() > 1;
    let progress = Progress::start(0, !args.quiet && std::io::stderr().is_terminal());
    let options = ScanOptions { limits: limits.clone(), now: args.now, ..ScanOptions::default() };
    // Hosts in parallel as files are: each host's inputs are found when its turn comes, so a
    // fleet of zips is never all in memory at once.
    let scans: Vec<(String, scan::Scan, Vec<String>)> = pool.install(|| {
        hosts
            .par_iter()
            .map(|host| {
                let mut sources = discover::discover(std::slice::from_ref(&host.path), &limits, std::io::stdin());
                if several {
                    hosts::show_from_root(&mut sources, host);
                }
                let (sources, set_aside) = config::set_aside(sources, config.as_ref());
                progress.add(sources.len());
                let scan = scan::scan_with_progress(&engine, &sources, &options, &|| progress.step());
                (host.name.clone(), scan, set_aside)
            })
            .collect()
    });
    drop(progress);
    let mut diagnosed = Vec::with_capacity(scans.len());
    for (root, scan, set_aside) in scans {
        for warning in set_aside {
            eprintln!("warning: {}", crate::report::sanitize::terminal(&warning, false));
        }
        diagnosed.push((root, scan));
    }
    let mut fleet = Fleet::build(&engine, diagnosed);
    for report in fleet.reports_mut() {
        report.config = config.as_ref().map(Config::used);
    }
    if args.redact || args.redact_map.is_some() {
        let mappings = redact::redact_fleet(&mut fleet);
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
    let rendered = fleet.render(args.format, color);
    match &args.output {
        Some(path) => {
            std::fs::write(path, rendered).map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))?;
            // The report went to a file: say what is in it, so a run is never silent.
            if !args.quiet {
                let path = crate::report::sanitize::terminal(&path.display().to_string(), false);
                eprintln!("{}; report written to {path}", fleet.summary_line());
            }
        }
        None => write_stdout(&rendered)?,
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    // The worst host decides: a finding, then a host where nothing could be checked.
    Ok(if fleet.has_finding_at_or_above(threshold) {
        ExitCode::from(1)
    } else if fleet.some_host_unchecked() {
        ExitCode::from(NOTHING_CHECKED)
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
    let engine = engine(&args.pack)?;
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
            let line = crate::export::records::line(&engine, args.host.as_deref(), &input.path, record);
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

fn list(format: ListFormat, pack: &PackArgs, choose: &ChooseArgs) -> miette::Result<ExitCode> {
    let engine = engine(pack)?;
    let runs = chosen_rules(&engine, choose)?;
    let rules: Vec<_> = engine.rules().iter().zip(&runs).filter(|(_, runs)| **runs).map(|(r, _)| r).collect();
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
        let names: Vec<rules::select::RuleName<'_>> = engine
            .rules()
            .iter()
            .map(|r| rules::select::RuleName { id: r.id(), name: &r.loaded.def.name.value })
            .collect();
        return Err(miette::miette!(
            help = rules::select::rule_suggestion(wanted, &names),
            "no rule has the id or name `{}`",
            crate::report::sanitize::terminal(wanted, false)
        ));
    };
    write_stdout(&crate::report::explain::render(rule))?;
    Ok(ExitCode::SUCCESS)
}

fn test(
    dirs: &[PathBuf],
    fixtures: Option<PathBuf>,
    junit: Option<PathBuf>,
    choose: &ChooseArgs,
) -> miette::Result<ExitCode> {
    let pack = PackArgs { rules: dirs.to_vec() };
    let engine = engine(&pack)?;
    // Only the chosen rules are tested; the whole pack still runs on each case, as a scan would.
    let runs = chosen_rules(&engine, choose)?;
    let tested = |id: &str| engine.rules().iter().zip(&runs).any(|(r, runs)| *runs && r.id() == id);
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
    let ids: Vec<String> = ids.into_iter().filter(|id| tested(id)).collect();
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

fn signatures(pack: &PackArgs, choose: &ChooseArgs) -> miette::Result<ExitCode> {
    let engine = engine(pack)?;
    let runs = chosen_rules(&engine, choose)?;
    let mut all: Vec<&str> =
        engine.rules().iter().zip(&runs).filter(|(_, runs)| **runs).flat_map(|(r, _)| r.signatures()).collect();
    all.sort_unstable();
    all.dedup();
    let mut text = all.join("\n");
    text.push('\n');
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn export(output: &std::path::Path, pack: &PackArgs) -> miette::Result<ExitCode> {
    let engine = engine(pack)?;
    let export = crate::export::sigma::export(&engine);
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))
    };
    let (rules_dir, pipelines_dir) = (output.join("rules"), output.join("pipelines"));
    for dir in [&rules_dir, &pipelines_dir] {
        std::fs::create_dir_all(dir).map_err(|e| miette::miette!("cannot create {}: {e}", dir.display()))?;
    }
    // Rules an earlier export wrote and this one does not would still be converted: gone.
    let earlier =
        std::fs::read_dir(&rules_dir).map_err(|e| miette::miette!("cannot read {}: {e}", rules_dir.display()))?;
    for entry in earlier.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("ccdiag_") && name.ends_with(".yml") && !export.rules.iter().any(|r| r.file_name == name) {
            std::fs::remove_file(entry.path())
                .map_err(|e| miette::miette!("cannot remove {}: {e}", entry.path().display()))?;
        }
    }
    for rule in &export.rules {
        write(rules_dir.join(&rule.file_name), &rule.text)?;
    }
    for (name, text) in crate::export::sigma::pipelines() {
        write(pipelines_dir.join(name), &text)?;
    }
    write_stdout(&crate::export::sigma::summary(&export))?;
    Ok(ExitCode::SUCCESS)
}
