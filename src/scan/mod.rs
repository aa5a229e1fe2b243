//! The scan: the driver that takes every input from bytes to findings. Per file, in
//! parallel: read, decode, classify, parse, match ([`file`]); then, over all of them, facts,
//! derived facts and each rule's outcome. Results are merged in path order, so the report is
//! the same byte for byte whatever the number of threads.

mod file;

use rayon::prelude::*;

use crate::engine::evidence::{Excerpts, KeptExcerpts};
use crate::engine::{CommandRuns, Engine, MatchHits, RuleOutcome};
use crate::facts::registry::{self, Derived};
use crate::facts::{Facts, InputRecords};
use crate::input::SourceFile;
use crate::parse::FileKind;
use crate::record::{Problem, Record, RecordKind};
use crate::time::Timestamp;

/// How one input was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputReport {
    pub path: String,
    pub kind: Option<FileKind>,
    pub encoding: Option<&'static str>,
    pub records: usize,
    pub problems: Vec<Problem>,
}

/// What a scan needs beside its sources.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// File size, record length and the deadline apply here; the others bound discovery.
    pub limits: crate::input::limits::Limits,
    /// `--now`: the reference time of expiry checks.
    pub now: Option<Timestamp>,
    /// Files on disk larger than this are read as a stream of chunks matched in parallel.
    pub stream_threshold: u64,
    /// Decoded text per chunk of a streamed file.
    pub chunk_bytes: usize,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            limits: crate::input::limits::Limits::default(),
            now: None,
            stream_threshold: 1 << 20,
            chunk_bytes: 1 << 20,
        }
    }
}

pub struct Scan {
    pub inputs: Vec<InputReport>,
    pub facts: Facts,
    pub outcomes: Vec<RuleOutcome>,
}

/// What reading, parsing and matching one input left for the rest of the scan: its report,
/// its hits, and the records facts are drawn from (with their excerpts, for derived facts
/// located at them). The input's text is gone by then, so memory holds one file at a time
/// per worker, or one chunk of a big one.
struct FileResult {
    report: InputReport,
    /// The cmdlet the input's name says produced it.
    producer: Option<String>,
    hits: MatchHits,
    kept: Vec<Record>,
    excerpts: KeptExcerpts,
}

impl FileResult {
    /// An input not read yet: a report naming only its path.
    fn unread(path: &str) -> FileResult {
        FileResult {
            report: InputReport { path: path.to_owned(), kind: None, encoding: None, records: 0, problems: Vec::new() },
            producer: crate::parse::producer::producer_from_name(path),
            hits: MatchHits::default(),
            kept: Vec::new(),
            excerpts: KeptExcerpts::default(),
        }
    }
}

/// What an input left for facts, once its report and hits have gone on.
struct Kept {
    path: String,
    kind: Option<FileKind>,
    producer: Option<String>,
    records: Vec<Record>,
    excerpts: KeptExcerpts,
}

/// Reads, parses and matches every source. Call inside a rayon pool to bound the threads.
pub fn scan(engine: &Engine, sources: &[SourceFile], options: &ScanOptions) -> Scan {
    scan_with_progress(engine, sources, options, &|| {})
}

/// [`scan`], calling `step` from the worker threads once per source, when it is read, parsed
/// and matched, for a progress display.
pub fn scan_with_progress(
    engine: &Engine,
    sources: &[SourceFile],
    options: &ScanOptions,
    step: &(dyn Fn() + Sync),
) -> Scan {
    let files: Vec<FileResult> = sources
        .par_iter()
        .map(|s| {
            let result = file::process(file::Use::Match(engine), s, options);
            step();
            result
        })
        .collect();
    // Reports and hits go on to the outcomes; the kept records stay for facts and command runs.
    let mut inputs = Vec::with_capacity(files.len());
    let mut hits = Vec::with_capacity(files.len() + 1);
    let mut kept = Vec::with_capacity(files.len());
    for file in files {
        kept.push(Kept {
            path: file.report.path.clone(),
            kind: file.report.kind,
            producer: file.producer,
            records: file.kept,
            excerpts: file.excerpts,
        });
        inputs.push(file.report);
        hits.push(file.hits);
    }
    let views: Vec<InputRecords<'_>> = kept
        .iter()
        .filter_map(|k| {
            let producer = k.producer.as_deref();
            k.kind.map(|kind| InputRecords { path: &k.path, kind, producer, records: &k.records })
        })
        .collect();
    let mut facts = Facts::gather(&views, options.now);
    facts.settings = engine.settings().clone();
    let mut derived = registry::derive(&views, &facts);
    hits.push(match_derived(engine, &kept, &derived.derived));
    let runs = CommandRuns::new(
        views
            .iter()
            .flat_map(|v| v.records.iter().filter(|r| r.kind == RecordKind::PsCommand).map(|r| (v.path, r)))
            .collect(),
    );
    for (path, problem) in std::mem::take(&mut derived.problems) {
        if let Some(input) = inputs.iter_mut().find(|i| i.path == path) {
            input.problems.push(problem);
        }
    }
    let outcomes = engine.outcomes(&facts, &derived, hits, &runs);
    Scan { inputs, facts, outcomes }
}

/// Every record of every source, in path order and file order, for `ccdiag records`: what the
/// parsers make of the inputs before any rule reads them. `each` gets one input's report and
/// its records at a time.
pub fn records(sources: &[SourceFile], options: &ScanOptions, each: &mut dyn FnMut(&InputReport, &[Record])) {
    for source in sources {
        let file = file::process(file::Use::Records, source, options);
        each(&file.report, &file.kept);
    }
}

/// Derived facts are matched against the input they point at, for its excerpt.
fn match_derived(engine: &Engine, kept: &[Kept], derived: &[Derived]) -> MatchHits {
    let mut out = MatchHits::default();
    for fact in derived {
        let Some(file) = kept.iter().find(|k| k.path == fact.path) else { continue };
        let hits =
            engine.match_records(&fact.path, &Excerpts::Kept(&file.excerpts), std::slice::from_ref(&fact.record));
        out.merge(hits);
    }
    out
}
