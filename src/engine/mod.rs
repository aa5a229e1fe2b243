//! The rule engine: compiles the pack once, then matches it against records.
//!
//! Per record kind, the literals of every signature that reads that kind go into one
//! Aho-Corasick automaton ([`index`]). Each record's folded fields pass through it once, and
//! only the rules whose literals occurred (plus the few that need no literal, such as state
//! checks) run their exact matchers. What the records of every input produced is then merged
//! into each rule's [`outcome`]. The engine knows records, facts and rules; reading files is
//! the scan's ([`crate::scan`]).

pub mod compile;
pub mod condition;
pub mod evidence;
pub mod fold;
mod index;
mod join;
pub mod matcher;
pub mod outcome;
mod prefilter;

use std::collections::BTreeSet;

use compile::CompiledRule;
use evidence::{Excerpts, evidence};
use index::KindIndex;
use matcher::{FoldedFields, RecordView};
use prefilter::TextPrefilter;

use crate::record::{Record, RecordKind};
use crate::rules::load::RuleError;
use crate::rules::{RuleSet, Severity};

pub use evidence::Evidence;
pub use outcome::{MAX_EVIDENCE, RuleOutcome, Status};

pub struct Engine {
    rules: Vec<CompiledRule>,
    /// By [`RecordKind::index`].
    by_kind: [KindIndex; RecordKind::COUNT],
    /// Whether a stretch of a CCE log can hold evidence: the kinds its parser makes.
    log_prefilter: TextPrefilter,
}

/// What matching the records of one input (or one stretch of it) produced.
#[derive(Default)]
pub struct MatchHits {
    /// (rule, evidence) in record order.
    pub(super) hits: Vec<(usize, Evidence)>,
    /// Records selected by join rules, checked once all inputs are in.
    pub(super) join_candidates: Vec<(usize, Record, Evidence)>,
    pub(super) kinds_seen: BTreeSet<RecordKind>,
}

impl MatchHits {
    /// Appends what a later stretch of the same input, or another input, produced.
    pub fn merge(&mut self, other: MatchHits) {
        self.hits.extend(other.hits);
        self.join_candidates.extend(other.join_candidates);
        self.kinds_seen.extend(other.kinds_seen);
    }
}

impl Engine {
    pub fn new(rules: RuleSet) -> Result<Engine, Box<RuleError>> {
        let rules: Vec<CompiledRule> = rules.into_values().map(compile::compile).collect::<Result<_, _>>()?;
        let by_kind = std::array::from_fn(|i| KindIndex::build(RecordKind::ALL[i], &rules));
        let log_prefilter = TextPrefilter::new(&rules, &[RecordKind::CceLog, RecordKind::Text]);
        Ok(Engine { rules, by_kind, log_prefilter })
    }

    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Whether a stretch of a CCE log can hold evidence of any rule (see [`TextPrefilter`]):
    /// a stretch that cannot is only counted, never parsed.
    pub fn log_may_match(&self, text: &str) -> bool {
        self.log_prefilter.may_match(text)
    }

    /// Matches `records` of the input at `path`; `excerpts` gives each one's text.
    pub fn match_records(&self, path: &str, excerpts: &Excerpts<'_>, records: &[Record]) -> MatchHits {
        let mut out = MatchHits::default();
        let mut folded = FoldedFields::default();
        let mut candidates: Vec<usize> = Vec::new();
        let mut memo = Vec::new();
        for record in records {
            out.kinds_seen.insert(record.kind);
            let index = &self.by_kind[record.kind.index()];
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
                if !rule.origins.contains(&record.context.origin) {
                    continue;
                }
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::facts::{Facts, VersionFact};
    use crate::record::Span;
    use crate::rules::{Origin, load};
    use crate::version::Version;

    /// An engine of one rule reading `text` lines for `literal`, for Cloud Connector 2.0 on.
    fn engine(literal: &str) -> Engine {
        let yaml = format!(
            "id: X001\nname: x\ntitle: t\nseverity: error\nsources: [text]\napplies_to: {{ min: \"2.0\" }}\n\
             docs: {{what: w, why: y}}\ndetection:\n  sel:\n    line|contains: '{literal}'\n  condition: sel\n\
             remediation:\n  - text: fix\n"
        );
        let rule = load::parse_rule("x.yaml", &yaml, Origin::BuiltIn).unwrap();
        Engine::new([("X001".to_owned(), rule)].into_iter().collect()).unwrap()
    }

    fn line(number: u32, text: &str) -> Record {
        Record::new(RecordKind::Text, Span { bytes: 0..0, first_line: number, last_line: number }).with("line", text)
    }

    fn outcome(engine: &Engine, facts: &Facts, records: &[Record]) -> RuleOutcome {
        let kept = std::collections::HashMap::new();
        let hits = engine.match_records("console.txt", &Excerpts::Kept(&kept), records);
        engine.outcomes(facts, &BTreeSet::new(), vec![hits]).remove(0)
    }

    #[test]
    fn a_literal_matches_folded_and_only_where_it_occurs() {
        let engine = engine("Key not valid");
        let records =
            [line(1, "nothing here"), line(2, "ConvertTo-SecureString : KEY  NOT\nvalid for use"), line(3, "x")];
        let fired = outcome(&engine, &Facts::default(), &records);
        assert_eq!(fired.status, Status::Fired);
        assert_eq!(fired.evidence.iter().map(|e| e.line).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn passed_needs_records_of_the_kind_and_not_applicable_says_which() {
        let engine = engine("Key not valid");
        assert_eq!(outcome(&engine, &Facts::default(), &[line(1, "fine")]).status, Status::Passed);
        let object = Record::new(RecordKind::PsObject, Span::default()).with("line", "Key not valid");
        let unread = outcome(&engine, &Facts::default(), &[object]);
        assert_eq!(unread.status, Status::NotApplicable);
        assert_eq!(unread.reason, "needs records of kind text");
    }

    #[test]
    fn evidence_is_counted_past_what_is_kept() {
        let engine = engine("boom");
        let records: Vec<Record> = (1..=60).map(|n| line(n, "boom")).collect();
        let fired = outcome(&engine, &Facts::default(), &records);
        assert_eq!((fired.count, fired.evidence.len()), (60, MAX_EVIDENCE));
    }

    #[test]
    fn a_version_outside_applies_to_makes_the_rule_not_applicable() {
        let engine = engine("boom");
        let facts = Facts {
            versions: vec![VersionFact {
                role: "running",
                version: Version::parse("1.4.2").unwrap(),
                path: "module.ini".to_owned(),
                span: Span::default(),
            }],
            ..Facts::default()
        };
        let gated = outcome(&engine, &facts, &[line(1, "boom")]);
        assert_eq!((gated.status, gated.count), (Status::NotApplicable, 0));
        assert!(gated.reason.contains("1.4.2") && gated.reason.contains("2.0 and later"), "{}", gated.reason);
    }
}
