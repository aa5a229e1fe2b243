//! The rule engine: compiles the pack once, then runs it over parsed inputs.
//!
//! Per record kind, the literals of every signature that reads that kind go into one
//! Aho-Corasick automaton. Each record's folded fields pass through it once, and only the rules
//! whose literals occurred (plus the few that need no literal, such as state checks) run their
//! exact matchers. Files are loaded, parsed and matched in parallel; results are merged in path
//! order so the report is the same byte for byte whatever the number of threads.

pub mod compile;
pub mod condition;
mod file;
pub mod fold;
pub mod matcher;
mod prefilter;

use std::collections::{BTreeSet, HashMap};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rayon::prelude::*;

use crate::facts::derive::{self, Derived};
use crate::facts::{Facts, InputRecords};
use crate::input::SourceFile;
use crate::input::classify::FileKind;
use crate::record::{Problem, Record, RecordKind};
use crate::rules::load::RuleError;
use crate::rules::{JoinOp, RuleSet, Severity};
use crate::time::Timestamp;
use compile::CompiledRule;
use fold::fold;
use matcher::{FoldedFields, RecordView};
use prefilter::TextPrefilter;

/// Evidence kept per finding; the count goes on past it.
pub const MAX_EVIDENCE: usize = 50;
const EXCERPT_LINES: usize = 3;
/// Literals shorter than this are in most records of their kind (see `KindIndex::build`).
const SHORT_LITERAL: usize = 8;
const EXCERPT_LINE_CHARS: usize = 300;

pub struct Engine {
    rules: Vec<CompiledRule>,
    by_kind: Vec<KindIndex>,
    /// Whether a stretch of a CCE log can hold evidence: the kinds its parser makes.
    log_prefilter: TextPrefilter,
}

/// The prefilter of one record kind.
#[derive(Default)]
struct KindIndex {
    /// Finds every literal in a record, overlaps included: each names rules to check.
    automaton: Option<AhoCorasick>,
    /// Whether a record holds any literal at all, which most do not: leftmost-first, so the
    /// search can skip ahead with a vectorised prefilter where the overlapping one steps
    /// through every byte.
    any_literal: Option<AhoCorasick>,
    /// Pattern index to the rules that need it.
    pattern_rules: Vec<Vec<usize>>,
    /// Rules that read this kind and must see every record.
    ungated: Vec<usize>,
}

/// How one input was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputReport {
    pub path: String,
    pub kind: Option<FileKind>,
    pub encoding: Option<&'static str>,
    pub records: usize,
    pub problems: Vec<Problem>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub path: String,
    pub line: u32,
    pub last_line: u32,
    pub excerpt: String,
    /// Captured fields and named regex groups, in rule order; joins add `fact.<column>`.
    pub captures: Vec<(String, String)>,
    /// The severity of this piece of evidence: the rule's, unless the selection that matched
    /// has its own (`severity_by_selection`).
    pub severity: Severity,
}

impl Evidence {
    pub fn capture(&self, name: &str) -> Option<&str> {
        self.captures.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Fired,
    Passed,
    NotApplicable,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Fired => "fired",
            Status::Passed => "passed",
            Status::NotApplicable => "not_applicable",
        }
    }
}

#[derive(Clone, Debug)]
pub struct RuleOutcome {
    pub rule: usize,
    pub status: Status,
    /// The highest severity among the evidence (the rule's own when nothing fired).
    pub severity: Severity,
    pub reason: String,
    pub count: usize,
    pub evidence: Vec<Evidence>,
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
    hits: InputHits,
    kept: Vec<Record>,
    excerpts: HashMap<usize, String>,
}

/// Where excerpts of the records being matched come from.
enum Excerpts<'a> {
    /// The decoded text that starts at byte `offset` of the file.
    Text { text: &'a str, offset: usize },
    /// Excerpts kept by record start, once the text is gone.
    Kept(&'a HashMap<usize, String>),
}

impl Excerpts<'_> {
    fn of(&self, record: &Record) -> String {
        match self {
            Excerpts::Text { text, offset } => {
                let start = record.span.bytes.start.saturating_sub(*offset);
                let end = record.span.bytes.end.saturating_sub(*offset);
                excerpt(text.get(start..end).unwrap_or_default(), record)
            }
            Excerpts::Kept(kept) => kept.get(&record.span.bytes.start).cloned().unwrap_or_else(|| excerpt("", record)),
        }
    }
}

/// What matching one input produced.
#[derive(Default)]
pub(crate) struct InputHits {
    /// (rule, evidence) in record order.
    hits: Vec<(usize, Evidence)>,
    /// Records selected by join rules, checked once all inputs are in.
    join_candidates: Vec<(usize, Record, Evidence)>,
    kinds_seen: BTreeSet<RecordKind>,
}

impl InputHits {
    fn merge(&mut self, other: InputHits) {
        self.hits.extend(other.hits);
        self.join_candidates.extend(other.join_candidates);
        self.kinds_seen.extend(other.kinds_seen);
    }
}

impl Engine {
    pub fn new(rules: RuleSet) -> Result<Engine, Box<RuleError>> {
        let rules: Vec<CompiledRule> = rules.into_values().map(compile::compile).collect::<Result<_, _>>()?;
        let by_kind = RecordKind::ALL.iter().map(|&kind| KindIndex::build(kind, &rules)).collect();
        let log_prefilter = TextPrefilter::new(&rules, &[RecordKind::CceLog, RecordKind::Text]);
        Ok(Engine { rules, by_kind, log_prefilter })
    }

    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Reads, parses and matches every source. Call inside a rayon pool to bound the threads.
    pub fn scan(&self, sources: &[SourceFile], options: &ScanOptions) -> Scan {
        self.scan_with_progress(sources, options, &|| {})
    }

    /// [`Engine::scan`], calling `step` from the worker threads once per source, when it is
    /// read, parsed and matched, for a progress display.
    pub fn scan_with_progress(&self, sources: &[SourceFile], options: &ScanOptions, step: &(dyn Fn() + Sync)) -> Scan {
        let files: Vec<FileResult> = sources
            .par_iter()
            .map(|s| {
                let result = file::process(self, s, options);
                step();
                result
            })
            .collect();
        let views: Vec<InputRecords<'_>> = files
            .iter()
            .filter_map(|f| f.report.kind.map(|kind| InputRecords { path: &f.report.path, kind, records: &f.kept }))
            .collect();
        let facts = Facts::gather(&views, options.now);
        let derived = derive::derive(&views, &facts);
        let derived_hits = self.match_derived(&files, &derived.derived);
        let mut inputs = Vec::with_capacity(files.len());
        let mut hits = Vec::with_capacity(files.len() + 1);
        for file in files {
            inputs.push(file.report);
            hits.push(file.hits);
        }
        for (path, problem) in derived.problems {
            if let Some(input) = inputs.iter_mut().find(|i| i.path == path) {
                input.problems.push(problem);
            }
        }
        hits.push(derived_hits);
        let outcomes = self.outcomes(&facts, &derived.checked, hits);
        Scan { inputs, facts, outcomes }
    }

    /// Derived facts are matched against the input they point at, for its excerpt.
    fn match_derived(&self, files: &[FileResult], derived: &[Derived]) -> InputHits {
        let mut out = InputHits::default();
        for fact in derived {
            let Some(file) = files.iter().find(|f| f.report.path == fact.path) else { continue };
            let hits =
                self.match_records(&fact.path, &Excerpts::Kept(&file.excerpts), std::slice::from_ref(&fact.record));
            out.merge(hits);
        }
        out
    }

    fn match_records(&self, path: &str, excerpts: &Excerpts<'_>, records: &[Record]) -> InputHits {
        let mut out = InputHits::default();
        let mut folded = FoldedFields::default();
        let mut candidates: Vec<usize> = Vec::new();
        let mut memo = Vec::new();
        for record in records {
            out.kinds_seen.insert(record.kind);
            let index = &self.by_kind[record.kind as usize];
            if index.automaton.is_none() && index.ungated.is_empty() {
                continue;
            }
            folded.fill(record);
            candidates.clear();
            candidates.extend_from_slice(&index.ungated);
            if let Some(automaton) = &index.automaton
                && index.any_literal.as_ref().is_none_or(|any| any.is_match(folded.as_bytes()))
            {
                for m in automaton.find_overlapping_iter(folded.as_bytes()) {
                    candidates.extend_from_slice(&index.pattern_rules[m.pattern().as_usize()]);
                }
            }
            if candidates.is_empty() {
                continue;
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mut view = RecordView::new(record, path, &folded);
            for &rule_index in &candidates {
                let rule = &self.rules[rule_index];
                let mut captures = Vec::new();
                let Some(severity) = evaluate(rule, &mut view, &mut memo, &mut captures) else {
                    continue;
                };
                let evidence = evidence(rule, path, excerpts, record, captures, severity);
                if rule.loaded.def.join.is_some() {
                    out.join_candidates.push((rule_index, record.clone(), evidence));
                } else {
                    out.hits.push((rule_index, evidence));
                }
            }
        }
        out
    }

    fn outcomes(&self, facts: &Facts, checked: &BTreeSet<&'static str>, per_input: Vec<InputHits>) -> Vec<RuleOutcome> {
        let mut outcomes: Vec<RuleOutcome> = (0..self.rules.len())
            .map(|rule| RuleOutcome {
                rule,
                status: Status::Passed,
                severity: self.rules[rule].loaded.def.severity,
                reason: String::new(),
                count: 0,
                evidence: Vec::new(),
            })
            .collect();
        let mut kinds_seen = BTreeSet::new();
        let mut join_candidates: Vec<Vec<(Record, Evidence)>> = vec![Vec::new(); self.rules.len()];
        for input in per_input {
            kinds_seen.extend(input.kinds_seen);
            for (rule, evidence) in input.hits {
                push_evidence(&mut outcomes[rule], evidence);
            }
            for (rule, record, evidence) in input.join_candidates {
                join_candidates[rule].push((record, evidence));
            }
        }
        let version = facts.cce_version();
        for (index, rule) in self.rules.iter().enumerate() {
            let outcome = &mut outcomes[index];
            if let Some(version) = version {
                let too_old = rule.applies_min.as_ref().is_some_and(|min| version.version < *min);
                let too_new = rule.applies_below.as_ref().is_some_and(|below| version.version >= *below);
                if too_old || too_new {
                    let range = rule.loaded.def.applies_to.as_ref().map(|r| r.label()).unwrap_or_default();
                    outcome.status = Status::NotApplicable;
                    outcome.reason = format!(
                        "Cloud Connector {} ({} version from {}) is outside the affected versions ({range})",
                        version.version, version.role, version.path
                    );
                    outcome.evidence.clear();
                    outcome.count = 0;
                    outcome.severity = rule.loaded.def.severity;
                    continue;
                }
            }
            if let Some(join) = &rule.loaded.def.join {
                let rows = facts.tables.get(join.fact.value.as_str()).map(Vec::as_slice).unwrap_or_default();
                let candidates = &join_candidates[index];
                if rows.is_empty() || candidates.is_empty() {
                    outcome.status = Status::NotApplicable;
                    outcome.reason = if rows.is_empty() {
                        format!("no input gave the facts it compares with (`{}`)", join.fact.value)
                    } else {
                        "no input held the records it checks".to_owned()
                    };
                    continue;
                }
                let mut paired_rows = 0;
                for row in rows {
                    let paired: Vec<&(Record, Evidence)> = candidates
                        .iter()
                        .filter(|(record, _)| {
                            join_holds(record.get(&join.on.record), row.get(&join.on.fact), join.on.op)
                        })
                        .collect();
                    if paired.is_empty() {
                        continue;
                    }
                    paired_rows += 1;
                    if paired.iter().any(|(record, _)| {
                        join_holds(record.get(&join.expect.record), row.get(&join.expect.fact), join.expect.op)
                    }) {
                        continue;
                    }
                    let mut evidence = paired[0].1.clone();
                    evidence.captures.extend(row.iter().map(|(k, v)| (format!("fact.{k}"), v.clone())));
                    push_evidence(outcome, evidence);
                }
                if paired_rows == 0 {
                    outcome.status = Status::NotApplicable;
                    outcome.reason = format!("none of the records it checks matched a row of `{}`", join.fact.value);
                    continue;
                }
            }
            if outcome.count > 0 {
                outcome.status = Status::Fired;
                outcome.severity = outcome.evidence.iter().map(|e| e.severity).max().unwrap_or(outcome.severity);
                let files: BTreeSet<&str> = outcome.evidence.iter().map(|e| e.path.as_str()).collect();
                outcome.reason = format!("matched {} time(s) in {} input(s)", outcome.count, files.len());
            } else {
                let kinds: Vec<RecordKind> = rule.kinds.iter().copied().filter(|k| *k != RecordKind::Fact).collect();
                let facts_checked: Vec<&str> =
                    rule.facts_read.iter().map(String::as_str).filter(|f| checked.contains(f)).collect();
                let kinds_read = kind_list(&kinds, Some(&kinds_seen));
                if !kinds_read.is_empty() || !facts_checked.is_empty() {
                    outcome.status = Status::Passed;
                    let mut read = Vec::new();
                    if !kinds_read.is_empty() {
                        read.push(format!("inputs of kind {kinds_read} were read"));
                    }
                    if !facts_checked.is_empty() {
                        read.push(format!("{} checked", facts_checked.join(", ")));
                    }
                    outcome.reason = format!("{}; nothing matched", read.join(", "));
                } else {
                    outcome.status = Status::NotApplicable;
                    let mut wanted = Vec::new();
                    if !kinds.is_empty() {
                        wanted.push(format!("records of kind {}", kind_list(&kinds, None)));
                    }
                    for need in rule.facts_read.iter().filter_map(|f| derive::needs(f)) {
                        if !wanted.iter().any(|w| w == need) {
                            wanted.push(need.to_owned());
                        }
                    }
                    outcome.reason = format!("needs {}", wanted.join(", or "));
                }
            }
        }
        outcomes
    }
}

fn kind_list(kinds: &[RecordKind], seen: Option<&BTreeSet<RecordKind>>) -> String {
    let names: Vec<&str> = kinds.iter().filter(|k| seen.is_none_or(|s| s.contains(k))).map(|k| k.name()).collect();
    names.join(", ")
}

fn push_evidence(outcome: &mut RuleOutcome, evidence: Evidence) {
    outcome.severity = if outcome.count == 0 { evidence.severity } else { outcome.severity.max(evidence.severity) };
    outcome.count += 1;
    if outcome.evidence.len() < MAX_EVIDENCE {
        outcome.evidence.push(evidence);
    }
}

/// A join comparison on folded text; a missing side never holds.
///
/// `Contains` reads the record's value as a list (`{a, b}`, `a, b`) and wants an item that is
/// the fact value, whole: `192.168.0.24` does not hold `192.168.0.2`, and `CMS` does not hold
/// `MS`. An item may carry a version prefix or suffix joined by `-` or `_`, as Hyper-V VM
/// names of Cloud Connector instances do (`2.1.0.0-CMS`).
fn join_holds(record_value: Option<&str>, fact_value: Option<&String>, op: JoinOp) -> bool {
    let (Some(record_value), Some(fact_value)) = (record_value, fact_value) else {
        return false;
    };
    let wanted = fold(fact_value);
    match op {
        JoinOp::Equals => fold(record_value) == wanted,
        JoinOp::Contains => record_value
            .split(|c: char| matches!(c, ',' | ';' | '{' | '}' | '[' | ']') || c.is_whitespace())
            .map(|item| fold(item.trim_matches(['"', '\''])))
            .any(|item| {
                item == wanted
                    || item.strip_suffix(wanted.as_str()).is_some_and(|rest| rest.ends_with(['-', '_']))
                    || item.strip_prefix(wanted.as_str()).is_some_and(|rest| rest.starts_with(['-', '_']))
            }),
    }
}

/// The severity of the evidence when the record satisfies the rule's condition. `memo` holds
/// each selection's outcome once known; it is only scratch space, reused across calls.
fn evaluate(
    rule: &CompiledRule,
    view: &mut RecordView<'_>,
    memo: &mut Vec<Option<bool>>,
    captures: &mut Vec<(String, String)>,
) -> Option<Severity> {
    if !rule.kinds.contains(&view.record.kind) || !rule.has_fields_for(view.record) {
        return None;
    }
    memo.clear();
    memo.resize(rule.selections.len(), None);
    let holds = rule.condition.eval(&mut |i| {
        if let Some(known) = memo[i] {
            return known;
        }
        let result = rule.selections[i].alternatives.iter().any(|alternative| {
            // Groups captured by a matcher of an alternative that fails are not evidence.
            let mark = captures.len();
            let holds = alternative.iter().all(|m| m.matches(view, captures));
            if !holds {
                captures.truncate(mark);
            }
            holds
        });
        memo[i] = Some(result);
        result
    });
    if !holds {
        return None;
    }
    let matched = rule.selections.iter().zip(memo.iter()).filter(|(_, m)| **m == Some(true));
    Some(matched.filter_map(|(s, _)| s.severity).max().unwrap_or(rule.loaded.def.severity))
}

fn evidence(
    rule: &CompiledRule,
    path: &str,
    excerpts: &Excerpts<'_>,
    record: &Record,
    mut captures: Vec<(String, String)>,
    severity: Severity,
) -> Evidence {
    for field in &rule.loaded.def.evidence.fields {
        if let Some(value) = record.get(field) {
            captures.push((field.clone(), value.to_owned()));
        }
    }
    Evidence {
        path: path.to_owned(),
        line: record.span.first_line,
        last_line: record.span.last_line,
        excerpt: excerpts.of(record),
        captures,
        severity,
    }
}

/// The first lines of a record as written (`raw`, its text), each cut to a readable length.
fn excerpt(raw: &str, record: &Record) -> String {
    let mut lines: Vec<String> = raw
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(EXCERPT_LINES)
        .map(|l| {
            let l = l.trim_end();
            match l.char_indices().nth(EXCERPT_LINE_CHARS) {
                Some((cut, _)) => format!("{}...", &l[..cut]),
                None => l.to_owned(),
            }
        })
        .collect();
    if lines.is_empty() {
        // Structured records (JSON objects) may have no text span worth showing.
        lines.push(record.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; "));
    }
    lines.join("\n")
}

impl KindIndex {
    fn build(kind: RecordKind, rules: &[CompiledRule]) -> KindIndex {
        let mut index = KindIndex::default();
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_of: HashMap<&str, usize> = HashMap::new();
        for (i, rule) in rules.iter().enumerate() {
            let Some((_, triggers)) = rule.triggers.iter().find(|(k, _)| *k == kind) else {
                continue;
            };
            match triggers {
                None => index.ungated.push(i),
                Some(literals) => {
                    for literal in literals {
                        match pattern_of.get(literal.as_str()) {
                            Some(&p) => index.pattern_rules[p].push(i),
                            None => {
                                pattern_of.insert(literal, patterns.len());
                                patterns.push(literal.clone());
                                index.pattern_rules.push(vec![i]);
                            }
                        }
                    }
                }
            }
        }
        if !patterns.is_empty() {
            // Where every literal is long, few records get past `any_literal` and a contiguous
            // NFA is enough: building a DFA for every kind was most of the start-up. A short
            // literal (the three bytes object equality gates on, see
            // `FieldMatcher::required_literals`, or a word like `error`) is in most records of
            // its kind, which then all reach this automaton, and a DFA saves more than it costs.
            let kind_of_automaton = match patterns.iter().any(|p| p.len() < SHORT_LITERAL) {
                true => aho_corasick::AhoCorasickKind::DFA,
                false => aho_corasick::AhoCorasickKind::ContiguousNFA,
            };
            index.automaton = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(Some(kind_of_automaton))
                .build(&patterns)
                .ok();
            index.any_literal = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                .build(prefilter::condense(&patterns))
                .ok();
            if index.automaton.is_none() {
                // Cannot happen for literals of bounded size; if it did, checking every record
                // keeps the results right at the cost of speed.
                index.ungated.extend(index.pattern_rules.iter().flatten().copied());
                index.ungated.sort_unstable();
                index.ungated.dedup();
            }
        }
        index
    }
}
