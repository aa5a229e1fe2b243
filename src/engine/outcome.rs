//! What a rule concluded over the whole scan: fired with its evidence, passed (perhaps because
//! a problem was fixed later), could not be checked and why, or not applicable and why.
//!
//! Hits from every input are merged here and judged in their context: an error that a later
//! run of the same command no longer shows is fixed; a state rule judges the latest observation
//! of each entity; joins are checked against the fact tables; versions gate rules by
//! `applies_to`; and a finding that another rule's finding explains is marked as its
//! consequence.

use std::collections::{BTreeMap, BTreeSet};

use super::compile::CompiledRule;
use super::evidence::Evidence;
use super::join::join_holds;
use super::suppress::{SuppressedHits, Suppression};
use super::{Engine, MatchHits, Observation};
use crate::facts::Facts;
use crate::facts::registry::{self, Derivation};
use crate::record::{Record, RecordKind};
use crate::rules::template;
use crate::rules::{Severity, VersionOf};

/// Evidence kept per finding; the count goes on past it.
pub const MAX_EVIDENCE: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Fired,
    /// It fired, and every piece of its evidence was suppressed (`[[suppress]]`).
    Suppressed,
    /// The inputs it reads were there, and either held nothing it looks for or showed the
    /// problem fixed.
    Passed,
    /// The inputs it reads were there, but could not decide (a value hidden, a listing cut,
    /// observations that disagree with nothing to order them).
    CouldNotCheck,
    NotApplicable,
    /// Not run: the user's choice (`--ignore`, `--select`, `[rules]`).
    Ignored,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Fired => "fired",
            Status::Suppressed => "suppressed",
            Status::Ignored => "ignored",
            Status::Passed => "passed",
            Status::CouldNotCheck => "could_not_check",
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
    /// The rule whose finding explains every piece of this one's evidence.
    pub explained_by: Option<usize>,
    /// Evidence suppressions silenced, per suppression in the order they were written (kept
    /// only when the rule fired or is suppressed: a rule that does not apply has none).
    pub suppressed: Vec<SuppressedHits>,
}

/// A command run at a transcript prompt, for telling whether an error was fixed by running the
/// same command again: where and when it ran.
#[derive(Clone, Debug)]
struct CommandRun {
    path: String,
    run: u32,
    line: u32,
    at: Option<crate::time::Timestamp>,
    machine: Option<String>,
    /// `command_name`, its first positional argument and the script block it runs, in lower
    /// case: what "the same command" means (`import-module cloudconnector`, not any
    /// `Import-Module`; `Invoke-Command` with the same block, not any remote command).
    command: String,
    /// The whole command as typed, in lower case.
    text: String,
}

/// The commands typed at transcript prompts, each read into a [`CommandRun`] only when an
/// outcome asks about it: a console of thousands of commands needs few of them, if any.
pub struct CommandRuns<'a> {
    /// `ps_command` records, with the input each is in, in input order.
    commands: Vec<(&'a str, &'a Record)>,
}

impl<'a> CommandRuns<'a> {
    pub fn new(commands: Vec<(&'a str, &'a Record)>) -> CommandRuns<'a> {
        CommandRuns { commands }
    }

    /// The run at prompt `run` of the input at `path`.
    fn at(&self, path: &str, run: u32) -> Option<CommandRun> {
        let (path, record) = self.commands.iter().find(|(p, r)| *p == path && r.context.run == run)?;
        CommandRun::of(path, record)
    }

    /// The runs that emitted no error, in input order, of those `keep` lets through.
    fn clean(&self, keep: impl Fn(&Record) -> bool) -> impl Iterator<Item = CommandRun> {
        self.commands
            .iter()
            .filter(move |(_, r)| !crate::facts::check::command_failed(r) && keep(r))
            .filter_map(|(path, record)| CommandRun::of(path, record))
    }
}

impl CommandRun {
    /// The run a `ps_command` record stands for.
    fn of(path: &str, record: &Record) -> Option<CommandRun> {
        let name = record.get("command_name")?.to_ascii_lowercase();
        let text = record.get("command").unwrap_or_default();
        let argument = text
            .split_whitespace()
            .skip_while(|word| !word.eq_ignore_ascii_case(&name))
            .nth(1)
            .filter(|word| !word.starts_with(['-', '|', '$', '(', '{']))
            .map(|word| word.trim_matches(['\'', '"']).to_ascii_lowercase());
        let block = crate::parse::command::segments(text)
            .first()
            .and_then(|first| {
                first.find('{').map(|open| first[open..].split_whitespace().collect::<Vec<_>>().join(" "))
            })
            .map(|block| block.to_ascii_lowercase());
        let command = [Some(name), argument, block].into_iter().flatten().collect::<Vec<_>>().join(" ");
        Some(CommandRun {
            path: path.to_owned(),
            run: record.context.run,
            line: record.span.first_line,
            at: record.context.at,
            machine: record.get("session_machine").map(str::to_ascii_lowercase),
            command,
            text: text.to_ascii_lowercase(),
        })
    }
}

/// Whether `later` was observed after `earlier`: in one input by the order of its lines, across
/// inputs by their times; `None` when nothing says (two captures with no time in them).
fn after(earlier: (&str, Option<i64>, u32, u32), later: (&str, Option<i64>, u32, u32)) -> Option<bool> {
    let ((p1, t1, r1, l1), (p2, t2, r2, l2)) = (earlier, later);
    if p1 == p2 {
        return Some((r2, l2) > (r1, l1));
    }
    match (t1, t2) {
        (Some(t1), Some(t2)) => Some(t2 > t1),
        _ => None,
    }
}

fn place(evidence: &Evidence) -> (&str, Option<i64>, u32, u32) {
    (&evidence.path, evidence.at, evidence.run, evidence.line)
}

fn where_when(evidence: &Evidence) -> String {
    match evidence.at {
        Some(at) => format!("{}:{} ({})", evidence.path, evidence.line, crate::time::format_in(at, evidence.zone)),
        None => format!("{}:{}", evidence.path, evidence.line),
    }
}

/// What one rule gathered before its outcome is decided.
#[derive(Default)]
struct Gathered {
    count: usize,
    evidence: Vec<Evidence>,
    severity: Option<Severity>,
    /// Problems seen and fixed later, said as a reader wants it.
    fixed: Vec<String>,
    /// Why the rule could not decide.
    unknown: Vec<String>,
    /// The time of the latest evidence, kept or only counted; `None` once one had no time.
    latest: Option<Option<crate::time::Timestamp>>,
    /// Evidence suppressions silenced instead.
    suppressed: Vec<SuppressedHits>,
}

impl Gathered {
    /// Takes a piece of evidence of `rule`: silenced by the first of `suppressions` that
    /// matches it, else kept as evidence.
    fn take(&mut self, rule: usize, suppressions: &[Suppression], evidence: Evidence) {
        let Some(index) = suppressions.iter().position(|s| s.rule == rule && s.matches(&evidence)) else {
            self.push(evidence);
            return;
        };
        let hits = match self.suppressed.iter().position(|h| h.suppression == index) {
            Some(at) => &mut self.suppressed[at],
            None => {
                self.suppressed.push(SuppressedHits { suppression: index, count: 0, evidence: Vec::new() });
                self.suppressed.last_mut().expect("just pushed")
            }
        };
        hits.count += 1;
        if hits.evidence.len() < MAX_EVIDENCE {
            hits.evidence.push(evidence);
        }
    }

    /// Pieces of evidence suppressed, kept or only counted.
    fn suppressed_count(&self) -> usize {
        self.suppressed.iter().map(|h| h.count).sum()
    }

    fn push(&mut self, evidence: Evidence) {
        self.severity = Some(self.severity.map_or(evidence.severity, |s| s.max(evidence.severity)));
        self.latest = Some(match (self.latest, evidence.at) {
            (Some(None), _) | (_, None) => None,
            (Some(Some(seen)), Some(at)) => Some(seen.max(at)),
            (None, Some(at)) => Some(at),
        });
        self.count += 1;
        if self.evidence.len() < MAX_EVIDENCE {
            self.evidence.push(evidence);
        }
    }
}

impl Engine {
    /// Each rule's outcome from the hits of every input (in input order), the facts, what
    /// derivation checked, and the command runs of the transcripts.
    pub fn outcomes(
        &self,
        facts: &Facts,
        derivation: &Derivation,
        per_input: Vec<MatchHits>,
        runs: &CommandRuns<'_>,
    ) -> Vec<RuleOutcome> {
        let mut gathered: Vec<Gathered> = (0..self.rules.len()).map(|_| Gathered::default()).collect();
        let mut kinds_seen = BTreeSet::new();
        let mut join_candidates: Vec<Vec<(Record, Evidence)>> = vec![Vec::new(); self.rules.len()];
        let mut observations: Vec<Observation> = Vec::new();
        for input in per_input {
            kinds_seen.extend(input.kinds_seen);
            for (rule, evidence, scope_values) in input.hits {
                if !self.in_scope(rule, &scope_values, facts) {
                    continue;
                }
                let resolved = (self.rules[rule].resolved_by_rerun && evidence.kind == RecordKind::PsError)
                    .then(|| clean_rerun(&evidence, runs))
                    .flatten();
                match resolved {
                    Some(fix) => gathered[rule].fixed.push(fix),
                    None => gathered[rule].take(rule, &self.suppressions, evidence),
                }
            }
            for (rule, record, evidence) in input.join_candidates {
                join_candidates[rule].push((record, evidence));
            }
            observations.extend(input.observations);
            for (rule, evidence, why) in input.unknowns {
                gathered[rule].unknown.push(format!("{why} ({})", where_when(&evidence)));
            }
        }
        self.judge_entities(observations, facts, &mut gathered);

        let version = facts.cce_version();
        let mut outcomes = Vec::with_capacity(self.rules.len());
        for (index, (rule, mut found)) in self.rules.iter().zip(gathered).enumerate() {
            let mut outcome = RuleOutcome {
                rule: index,
                status: Status::Passed,
                severity: rule.loaded.def.severity,
                reason: String::new(),
                count: 0,
                evidence: Vec::new(),
                explained_by: None,
                suppressed: Vec::new(),
            };
            if let Some(why) = self.ignored(index) {
                outcome.status = Status::Ignored;
                outcome.reason = why.to_owned();
                outcomes.push(outcome);
                continue;
            }
            let range = rule.loaded.def.applies_to.as_ref();
            let version = match range.map(|r| r.of) {
                Some(VersionOf::Scripts) => facts.newest("script"),
                _ => version,
            };
            if let (Some(version), Some(range)) = (version, range)
                && !range.contains(&version.version)
            {
                outcome.status = Status::NotApplicable;
                outcome.reason = format!(
                    "Cloud Connector {} ({} version from {}) is outside the affected versions ({})",
                    version.version,
                    version.role,
                    version.path,
                    range.label()
                );
                outcomes.push(outcome);
                continue;
            }
            for fact in &rule.facts_read {
                found.unknown.extend(derivation.unknown.iter().filter(|(f, _)| f == fact).map(|(_, why)| why.clone()));
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
                    outcomes.push(outcome);
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
                    found.take(index, &self.suppressions, evidence);
                }
                if paired_rows == 0 && found.unknown.is_empty() {
                    outcome.status = Status::NotApplicable;
                    outcome.reason = format!("none of the records it checks matched a row of `{}`", join.fact.value);
                    outcomes.push(outcome);
                    continue;
                }
            }
            if let Some(required) = &rule.loaded.def.requires
                && !derivation.concluded(&required.value)
            {
                let why = |list: &[(&'static str, String)]| {
                    list.iter()
                        .filter(|(f, _)| *f == required.value)
                        .map(|(_, w)| w.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                let ruled_out = why(&derivation.ruled_out);
                if !ruled_out.is_empty() {
                    outcome.status = Status::NotApplicable;
                    outcome.reason = ruled_out;
                    outcomes.push(outcome);
                    continue;
                }
                if found.count + found.suppressed_count() > 0 {
                    let undecided = match why(&derivation.unknown) {
                        w if w.is_empty() => {
                            format!("needs {}", registry::needs(&required.value).unwrap_or("more inputs"))
                        }
                        w => w,
                    };
                    let suppressed = found.suppressed.iter().flat_map(|h| &h.evidence);
                    let places: Vec<String> = found.evidence.iter().chain(suppressed).take(3).map(where_when).collect();
                    outcome.status = Status::CouldNotCheck;
                    outcome.reason = format!(
                        "could not be checked: it applies only where `{}` holds, which was not decided \
                         ({undecided}); its evidence is at {}",
                        required.value,
                        places.join(", ")
                    );
                    outcomes.push(outcome);
                    continue;
                }
            }
            if let Some(fix) = rule.loaded.def.fixed_by.as_deref()
                && found.count > 0
                && let Some(Some(last)) = found.latest
                && let Some(fixed) = fixed_by(fix, last, &found.evidence, runs, facts)
            {
                found.count = 0;
                found.evidence.clear();
                found.fixed.push(fixed);
            }
            let suppressed = found.suppressed_count();
            // In the order the suppressions were written, whatever the order of the evidence.
            found.suppressed.sort_by_key(|hits| hits.suppression);
            if found.count > 0 {
                outcome.status = Status::Fired;
                outcome.severity = found.severity.unwrap_or(outcome.severity);
                let files: BTreeSet<&str> = found.evidence.iter().map(|e| e.path.as_str()).collect();
                outcome.reason = format!("matched {} time(s) in {} input(s)", found.count, files.len());
                if suppressed > 0 {
                    outcome.reason.push_str(&format!("; {suppressed} more suppressed"));
                }
                outcome.count = found.count;
                outcome.evidence = found.evidence;
                outcome.suppressed = found.suppressed;
            } else if suppressed > 0 {
                outcome.status = Status::Suppressed;
                let by: Vec<String> = found
                    .suppressed
                    .iter()
                    .map(|h| &self.suppressions[h.suppression])
                    .map(|s| format!("{}:{}", s.path, s.line))
                    .collect();
                outcome.reason = format!("matched {suppressed} time(s), every one suppressed ({})", by.join(", "));
                outcome.suppressed = found.suppressed;
            } else if !found.unknown.is_empty() {
                outcome.status = Status::CouldNotCheck;
                outcome.reason = format!("could not be checked: {}", found.unknown.join("; "));
            } else if !found.fixed.is_empty() {
                outcome.status = Status::Passed;
                outcome.reason = format!("fixed: {}", found.fixed.join("; "));
            } else {
                self.neither_fired_nor_fixed(rule, &mut outcome, &kinds_seen, &derivation.checked);
            }
            outcomes.push(outcome);
        }
        self.explain(&mut outcomes);
        outcomes
    }

    /// "Passed" when the rule read inputs of its kinds or a fact it reads was checked, "not
    /// applicable" with what it needs otherwise.
    fn neither_fired_nor_fixed(
        &self,
        rule: &CompiledRule,
        outcome: &mut RuleOutcome,
        kinds_seen: &BTreeSet<RecordKind>,
        checked: &BTreeSet<&'static str>,
    ) {
        let kinds: Vec<RecordKind> = rule.kinds.iter().copied().filter(|k| *k != RecordKind::Fact).collect();
        let facts_checked: Vec<&str> =
            rule.facts_read.iter().map(String::as_str).filter(|f| checked.contains(f)).collect();
        let kinds_read = kind_list(&kinds, Some(kinds_seen));
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
            match &rule.loaded.def.collect {
                Some(collect) if !kinds.is_empty() => wanted.push(collect.trim().to_owned()),
                _ if !kinds.is_empty() => wanted.push(format!("records of kind {}", kind_list(&kinds, None))),
                _ => {}
            }
            for need in rule.facts_read.iter().filter_map(|f| registry::needs(f)) {
                if !wanted.iter().any(|w| w == need) {
                    wanted.push(need.to_owned());
                }
            }
            outcome.reason = format!("needs {}", wanted.join(", or "));
        }
    }

    /// Judges each entity a state rule observed by its latest observation: bad now is
    /// evidence, bad before and fine since is fixed, and observations that disagree with nothing
    /// to order them leave it undecided.
    fn judge_entities(&self, observations: Vec<Observation>, facts: &Facts, gathered: &mut [Gathered]) {
        let mut entities: BTreeMap<(usize, Vec<String>), Vec<Observation>> = BTreeMap::new();
        for observation in observations.into_iter().filter(|o| self.in_scope(o.rule, &o.scope_values, facts)) {
            entities.entry((observation.rule, observation.entity.clone())).or_default().push(observation);
        }
        for ((rule, _), seen) in entities {
            let state = |o: &Observation| describe(&self.rules[rule], &o.evidence);
            // The latest of each input, then the latest of those.
            let mut latest: Vec<&Observation> = Vec::new();
            for observation in &seen {
                match latest.iter().position(|l| l.evidence.path == observation.evidence.path) {
                    Some(i) if after(place(&latest[i].evidence), place(&observation.evidence)) == Some(true) => {
                        latest[i] = observation;
                    }
                    Some(_) => {}
                    None => latest.push(observation),
                }
            }
            let newest = latest.iter().copied().try_fold(None::<&Observation>, |best, candidate| match best {
                None => Some(Some(candidate)),
                Some(best) => match after(place(&best.evidence), place(&candidate.evidence)) {
                    Some(true) => Some(Some(candidate)),
                    Some(false) => Some(Some(best)),
                    None if best.holds == candidate.holds => Some(Some(best)),
                    None => None,
                },
            });
            let Some(Some(newest)) = newest else {
                let shown: Vec<String> =
                    latest.iter().map(|o| format!("{} at {}", state(o), where_when(&o.evidence))).collect();
                gathered[rule]
                    .unknown
                    .push(format!("captures without a time disagree and cannot be ordered: {}", shown.join("; ")));
                continue;
            };
            if newest.holds {
                let mut evidence = newest.evidence.clone();
                let seen_times = match seen.iter().map(|o| o.count).sum::<usize>() {
                    1 => String::new(),
                    n => format!(", the latest of {n} observations"),
                };
                let at = newest
                    .evidence
                    .at
                    .map(|t| format!(" at {}", crate::time::format_in(t, newest.evidence.zone)))
                    .unwrap_or_default();
                evidence.note = Some(format!("{}{at}{seen_times}", state(newest)));
                gathered[rule].take(rule, &self.suppressions, evidence);
            } else if let Some(bad) = seen.iter().rfind(|o| o.holds) {
                gathered[rule].fixed.push(format!(
                    "{} at {}, then {} at {}",
                    state(bad),
                    where_when(&bad.evidence),
                    state(newest),
                    where_when(&newest.evidence)
                ));
            }
        }
    }

    /// Whether an observation or a piece of evidence, by the values its scope compares, is of
    /// an object the rule judges (see `ScopeDef`).
    fn in_scope(&self, rule: usize, scope_values: &[Option<String>], facts: &Facts) -> bool {
        let mut values = scope_values.iter();
        self.rules[rule].loaded.def.scope.iter().all(|scope| {
            let values: Vec<Option<&str>> =
                values.by_ref().take(scope.comparisons.len()).map(Option::as_deref).collect();
            let Some(rows) = facts.tables.get(scope.fact.value.as_str()) else { return true };
            rows.iter().any(|row| {
                scope.comparisons.iter().zip(&values).all(|(comparison, value)| {
                    value.is_none() || join_holds(*value, row.get(&comparison.fact), comparison.op)
                })
            })
        })
    }

    /// Marks each fired rule whose every piece of evidence a cause's finding shares (see
    /// `RuleDef::explained_by`).
    fn explain(&self, outcomes: &mut [RuleOutcome]) {
        for index in 0..outcomes.len() {
            if outcomes[index].status != Status::Fired {
                continue;
            }
            let rule = &self.rules[index];
            for cause in &rule.loaded.def.explained_by {
                let Some(cause_index) = self.rules.iter().position(|r| r.id() == cause.rule.value) else { continue };
                let cause_outcome = &outcomes[cause_index];
                if cause_index == index || cause_outcome.status != Status::Fired || cause_outcome.explained_by.is_some()
                {
                    continue;
                }
                let explained = outcomes[index]
                    .evidence
                    .iter()
                    .all(|e| cause_outcome.evidence.iter().any(|c| shares(e, c, &cause.same)));
                if explained {
                    outcomes[index].explained_by = Some(cause_index);
                    break;
                }
            }
        }
    }
}

/// Whether two pieces of evidence share what `same` names: captures (compared ignoring case),
/// `location` (the same input and overlapping lines) or `run` (the same command run).
fn shares(a: &Evidence, b: &Evidence, same: &[String]) -> bool {
    same.iter().all(|what| match what.as_str() {
        "location" => a.path == b.path && a.line <= b.last_line && b.line <= a.last_line,
        "run" => a.path == b.path && a.run == b.run && a.run > 0,
        name => match (a.capture(name), b.capture(name)) {
            (Some(x), Some(y)) => x.trim().eq_ignore_ascii_case(y.trim()),
            _ => false,
        },
    })
}

/// How an observation's state reads: the rule's `entity.state` filled from its captures, or
/// its captures.
fn describe(rule: &CompiledRule, evidence: &Evidence) -> String {
    match rule.entity.as_ref().and_then(|e| e.state.as_deref()) {
        Some(state) => template::fill_from(state, &|name| evidence.capture(name).map(str::to_owned)),
        None => evidence.captures.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "),
    }
}

/// The run of the fixing command (its words, in any order of the typed command) after the last
/// evidence (`last`, over all of it, kept or only counted), without error, with every log that
/// held the evidence going on past it: said as the fix, or `None`. Evidence without a time
/// cannot be ordered with the run, so it is never fixed this way.
fn fixed_by(
    fix: &str,
    last: crate::time::Timestamp,
    evidence: &[Evidence],
    runs: &CommandRuns<'_>,
    facts: &Facts,
) -> Option<String> {
    let words: Vec<String> = fix.split_whitespace().map(str::to_ascii_lowercase).collect();
    let mut clean = runs.clean(|r| r.context.at.is_some_and(|at| at > last));
    let run = clean.find(|r| words.iter().all(|w| r.text.split_whitespace().any(|t| t == w)))?;
    let at = run.at?;
    let mut logs: Vec<&str> = evidence.iter().map(|e| e.path.as_str()).collect();
    logs.dedup();
    let mut log_end = None;
    for log in logs {
        let end = *facts.log_end.get(log).filter(|end| **end > at)?;
        log_end = log_end.max(Some(end));
    }
    // A run's time is a transcript's (local); the others are the logs' own.
    let logged = evidence.first().map_or(crate::time::Zone::HostLocal, |e| e.zone);
    Some(format!(
        "`{fix}` ran without error at {}:{} ({}), after the last of it at {}, and the log goes on to {} without it",
        run.path,
        run.line,
        crate::time::format_in(at, crate::time::Zone::HostLocal),
        crate::time::format_in(last, logged),
        crate::time::format_in(log_end?, logged)
    ))
}

/// The run of the same command after the one that emitted `error`, on the same machine, that
/// emitted no error: said as the fix, or `None`.
fn clean_rerun(error: &Evidence, runs: &CommandRuns<'_>) -> Option<String> {
    if error.run == 0 {
        return None;
    }
    let failed = runs.at(&error.path, error.run)?;
    let name = failed.command.split(' ').next().unwrap_or_default();
    let mut clean = runs.clean(|r| r.get("command_name").is_some_and(|n| n.eq_ignore_ascii_case(name)));
    let fix = clean.find(|r| {
        r.command == failed.command
            && (r.machine == failed.machine || r.machine.is_none() || failed.machine.is_none())
            && after((&failed.path, failed.at, failed.run, failed.line), (&r.path, r.at, r.run, r.line)) == Some(true)
    })?;
    let when = |run: &CommandRun| match run.at {
        Some(at) => format!("{}:{} ({})", run.path, run.line, crate::time::format_in(at, crate::time::Zone::HostLocal)),
        None => format!("{}:{}", run.path, run.line),
    };
    Some(format!("`{}` failed at {} and ran without error at {}", failed.command, when(&failed), when(&fix)))
}

fn kind_list(kinds: &[RecordKind], seen: Option<&BTreeSet<RecordKind>>) -> String {
    let names: Vec<&str> = kinds.iter().filter(|k| seen.is_none_or(|s| s.contains(k))).map(|k| k.name()).collect();
    names.join(", ")
}
