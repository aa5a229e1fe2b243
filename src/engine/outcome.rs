//! What a rule concluded over the whole scan: fired with its evidence, passed, or not
//! applicable and why. Hits from every input are merged here, joins are checked against the
//! fact tables, and versions gate rules by `applies_to`.

use std::collections::BTreeSet;

use super::evidence::Evidence;
use super::join::join_holds;
use super::{Engine, MatchHits};
use crate::facts::Facts;
use crate::facts::registry;
use crate::record::{Record, RecordKind};
use crate::rules::Severity;

/// Evidence kept per finding; the count goes on past it.
pub const MAX_EVIDENCE: usize = 50;

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

impl Engine {
    /// Each rule's outcome from the hits of every input (in input order) and the facts.
    pub fn outcomes(
        &self,
        facts: &Facts,
        checked: &BTreeSet<&'static str>,
        per_input: Vec<MatchHits>,
    ) -> Vec<RuleOutcome> {
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
            if let (Some(version), Some(range)) = (version, &rule.loaded.def.applies_to)
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
                outcome.evidence.clear();
                outcome.count = 0;
                outcome.severity = rule.loaded.def.severity;
                continue;
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
                    for need in rule.facts_read.iter().filter_map(|f| registry::needs(f)) {
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
