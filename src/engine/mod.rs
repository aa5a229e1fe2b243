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
pub mod suppress;

use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;

use compile::CompiledRule;
use evidence::{Excerpts, evidence};
use index::KindIndex;
use matcher::{FoldedFields, RecordView};
use prefilter::TextPrefilter;

use crate::record::{Record, RecordKind};
use crate::rules::load::RuleError;
use crate::rules::{RuleSet, Severity};

pub use evidence::Evidence;
pub use outcome::{CommandRuns, MAX_EVIDENCE, RuleOutcome, Status};
pub use suppress::{SuppressedHits, Suppression};

pub struct Engine {
    rules: Vec<CompiledRule>,
    /// By [`RecordKind::index`]: of the rules that run.
    by_kind: [KindIndex; RecordKind::COUNT],
    /// Whether a stretch of a CCE log can hold evidence of a rule that runs: the kinds its
    /// parser makes.
    log_prefilter: TextPrefilter,
    /// Per rule, why it does not run (`--ignore`, `[rules] ignore`); `None` when it runs.
    ignored: Vec<Option<String>>,
    /// Evidence the user accepted (`[[suppress]]`), in the order written.
    suppressions: Vec<Suppression>,
    /// Thresholds of the checks (`[settings]`).
    settings: crate::facts::Settings,
}

/// What matching the records of one input (or one stretch of it) produced.
#[derive(Default)]
pub struct MatchHits {
    /// (rule, evidence, the values its scope compares) in record order.
    pub(super) hits: Vec<(usize, Evidence, Vec<Option<String>>)>,
    /// Records selected by join rules, checked once all inputs are in.
    pub(super) join_candidates: Vec<(usize, Record, Evidence)>,
    /// Observations of the entities state rules judge, judged once all inputs are in.
    pub(super) observations: Vec<Observation>,
    /// Records that leave a rule undecided: (rule, where, why).
    pub(super) unknowns: Vec<(usize, Evidence, String)>,
    pub(super) kinds_seen: BTreeSet<RecordKind>,
}

/// One observation of an entity: its key, whether the rule's condition holds on it (the state
/// is bad), and where and when it was seen.
pub(super) struct Observation {
    pub rule: usize,
    pub entity: Vec<String>,
    pub holds: bool,
    pub evidence: Evidence,
    /// The values the rule's scope compares (`CompiledRule::scope_fields`).
    pub scope_values: Vec<Option<String>>,
    /// How many observations this one stands for: of those in one stretch of an input, only
    /// the latest and the latest bad one can decide (see [`compact`]).
    pub count: usize,
}

/// An observation before its evidence is built: most are only counted into a later one of
/// the same entity (see [`compact`]), so their evidence would be built for nothing.
struct PendingObservation {
    rule: usize,
    entity: Vec<String>,
    holds: bool,
    scope_values: Vec<Option<String>>,
    /// Index of the record in the records being matched.
    record: usize,
    captures: Vec<(String, String)>,
    severity: Severity,
}

/// Keeps, of the observations of one stretch of one input (in record order), the latest of
/// each entity and the latest in which its state was bad, with how many each stands for: a
/// console that lists the same services a thousand times would otherwise carry a thousand
/// observations of each to the end of the scan.
fn compact(observations: Vec<PendingObservation>) -> Vec<(PendingObservation, usize)> {
    // Walking back from the end, the first observation of an entity is its latest and the
    // first bad one its latest bad: keep those, and count the rest into the latest.
    // (rule, entity, scope values) -> (index of the latest, whether its latest bad one is kept)
    type Entity<'o> = (usize, &'o [String], &'o [Option<String>]);
    let mut seen: HashMap<Entity<'_>, (usize, bool)> = HashMap::new();
    let mut keep = vec![false; observations.len()];
    let mut counts = vec![0; observations.len()];
    for (i, o) in observations.iter().enumerate().rev() {
        let (latest, bad_kept) = seen.entry((o.rule, &o.entity, &o.scope_values)).or_insert_with(|| {
            keep[i] = true;
            (i, false)
        });
        counts[*latest] += 1;
        if o.holds && !*bad_kept {
            keep[i] = true;
            *bad_kept = true;
        }
    }
    drop(seen);
    observations.into_iter().zip(counts).zip(keep).filter_map(|(o, keep)| keep.then_some(o)).collect()
}

/// The values a rule's scope compares: a capture of that name, else the record's field.
fn scope_values(rule: &CompiledRule, record: &Record, captures: &[(String, String)]) -> Vec<Option<String>> {
    rule.scope_fields
        .iter()
        .map(|field| {
            captures.iter().find(|(name, _)| name == field).map(|(_, v)| v.as_str()).or_else(|| record.get(field))
        })
        .map(|value| value.map(str::to_owned))
        .collect()
}

impl MatchHits {
    /// Appends what a later stretch of the same input, or another input, produced.
    pub fn merge(&mut self, other: MatchHits) {
        self.hits.extend(other.hits);
        self.join_candidates.extend(other.join_candidates);
        self.observations.extend(other.observations);
        self.unknowns.extend(other.unknowns);
        self.kinds_seen.extend(other.kinds_seen);
    }
}

impl Engine {
    pub fn new(rules: RuleSet) -> Result<Engine, Box<RuleError>> {
        // Compiling regexes and automata is most of the start-up: rules are compiled on every
        // core, and the first broken rule in pack order is the one reported.
        let loaded: Vec<_> = rules.into_values().collect();
        let compiled: Vec<Result<CompiledRule, _>> = loaded.into_par_iter().map(compile::compile).collect();
        let rules: Vec<CompiledRule> = compiled.into_iter().collect::<Result<_, _>>()?;
        check_causes(&rules)?;
        let runs = vec![true; rules.len()];
        let (by_kind, log_prefilter) = prefilters(&rules, &runs);
        let ignored = vec![None; rules.len()];
        Ok(Engine {
            rules,
            by_kind,
            log_prefilter,
            ignored,
            suppressions: Vec::new(),
            settings: crate::facts::Settings::default(),
        })
    }

    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Sets which rules do not run: per rule (in [`Engine::rules`] order) why not, `None` for
    /// one that runs. An ignored rule is not matched at all (the prefilters are rebuilt
    /// without its literals) and its outcome says it was ignored and why.
    pub fn ignore(&mut self, ignored: Vec<Option<String>>) {
        assert_eq!(ignored.len(), self.rules.len(), "one choice per rule");
        let same_rules = ignored.iter().zip(&self.ignored).all(|(new, old)| new.is_none() == old.is_none());
        if same_rules {
            // The prefilters already hold exactly the rules that run: building them is most of
            // the start-up, so a scan that ignores nothing does not build them twice.
            self.ignored = ignored;
            return;
        }
        let runs: Vec<bool> = ignored.iter().map(Option::is_none).collect();
        (self.by_kind, self.log_prefilter) = prefilters(&self.rules, &runs);
        self.ignored = ignored;
    }

    /// Why rule `index` does not run, or `None` when it does.
    pub fn ignored(&self, index: usize) -> Option<&str> {
        self.ignored.get(index).and_then(Option::as_deref)
    }

    /// Sets the evidence to suppress (see [`suppress`]).
    pub fn suppress(&mut self, suppressions: Vec<Suppression>) {
        self.suppressions = suppressions;
    }

    pub fn suppressions(&self) -> &[Suppression] {
        &self.suppressions
    }

    /// Sets the thresholds the checks compare with.
    pub fn set_settings(&mut self, settings: crate::facts::Settings) {
        self.settings = settings;
    }

    pub fn settings(&self) -> &crate::facts::Settings {
        &self.settings
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
        let mut pending = Vec::new();
        for (record_index, record) in records.iter().enumerate() {
            out.kinds_seen.insert(record.kind);
            if !self.candidates(record, &mut folded, &mut candidates) {
                continue;
            }
            let mut view = RecordView::new(record, path, &folded);
            for &rule_index in &candidates {
                let rule = &self.rules[rule_index];
                if !rule.reads(record) {
                    continue;
                }
                memo.clear();
                memo.resize(rule.selections.len(), None);
                let mut captures = Vec::new();
                // A record the entity does not observe may still be an event of the rule (a
                // warning beside the state of a site setting).
                if let Some(entity) = &rule.entity
                    && entity.observed.eval(&mut |i| selection(rule, i, &mut view, &mut memo, &mut captures))
                {
                    let verdict = condition(rule, &mut view, &mut memo, &mut captures);
                    let key = entity
                        .key
                        .iter()
                        .map(|field| record.get(field).map_or_else(|| path.to_owned(), fold::fold))
                        .collect();
                    let severity = verdict.unwrap_or(rule.loaded.def.severity);
                    pending.push(PendingObservation {
                        rule: rule_index,
                        entity: key,
                        holds: verdict.is_some(),
                        scope_values: scope_values(rule, record, &captures),
                        record: record_index,
                        captures,
                        severity,
                    });
                    continue;
                }
                if let Some(severity) = condition(rule, &mut view, &mut memo, &mut captures) {
                    let scope_values = scope_values(rule, record, &captures);
                    let evidence = evidence(rule, path, excerpts, record, captures, severity);
                    if rule.loaded.def.join.is_some() {
                        out.join_candidates.push((rule_index, record.clone(), evidence));
                    } else {
                        out.hits.push((rule_index, evidence, scope_values));
                    }
                    continue;
                }
                if let Some((when, because)) = &rule.unknown {
                    let mut captures = Vec::new();
                    if when.eval(&mut |i| selection(rule, i, &mut view, &mut memo, &mut captures)) {
                        let evidence = evidence(rule, path, excerpts, record, captures, rule.loaded.def.severity);
                        let why = crate::rules::template::fill_from(because, &|name| {
                            evidence.capture(name).or_else(|| record.get(name)).map(str::to_owned)
                        });
                        out.unknowns.push((rule_index, evidence, why));
                    }
                }
            }
        }
        out.observations = compact(pending)
            .into_iter()
            .map(|(o, count)| {
                let (rule, record) = (&self.rules[o.rule], &records[o.record]);
                let evidence = evidence(rule, path, excerpts, record, o.captures, o.severity);
                Observation {
                    rule: o.rule,
                    entity: o.entity,
                    holds: o.holds,
                    evidence,
                    scope_values: o.scope_values,
                    count,
                }
            })
            .collect();
        out
    }
}

impl Engine {
    /// The rules whose prefilter lets `record` through, into `candidates` (sorted, each once),
    /// with `folded` filled from the record; false when there are none.
    fn candidates(&self, record: &Record, folded: &mut FoldedFields, candidates: &mut Vec<usize>) -> bool {
        let index = &self.by_kind[record.kind.index()];
        if index.automaton.is_none() && index.ungated.is_empty() {
            return false;
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
        candidates.sort_unstable();
        candidates.dedup();
        !candidates.is_empty()
    }

    /// The rules whose detection holds on `record` of the input at `path`: they read its kind
    /// and provenance, and their condition holds. Nothing else is judged (versions, scope, the
    /// latest state, facts): this is what `ccdiag records` tags a record with, and what an
    /// exported Sigma rule must select.
    pub fn detections(&self, path: &str, record: &Record) -> Vec<&CompiledRule> {
        let (mut folded, mut candidates) = (FoldedFields::default(), Vec::new());
        if !self.candidates(record, &mut folded, &mut candidates) {
            return Vec::new();
        }
        let mut view = RecordView::new(record, path, &folded);
        let mut memo = Vec::new();
        candidates
            .into_iter()
            .map(|i| &self.rules[i])
            .filter(|rule| rule.reads(record))
            .filter(|rule| {
                memo.clear();
                memo.resize(rule.selections.len(), None);
                condition(rule, &mut view, &mut memo, &mut Vec::new()).is_some()
            })
            .collect()
    }
}

/// The per-kind indexes and the log prefilter of the rules that run (`runs`), built on every
/// core: each kind's automaton is independent of the others.
fn prefilters(rules: &[CompiledRule], runs: &[bool]) -> ([KindIndex; RecordKind::COUNT], TextPrefilter) {
    let (indexes, log_prefilter) = rayon::join(
        || RecordKind::ALL.par_iter().map(|&kind| KindIndex::build(kind, rules, runs)).collect::<Vec<_>>(),
        || TextPrefilter::new(rules, runs, &[RecordKind::CceLog, RecordKind::Text]),
    );
    let mut indexes = indexes.into_iter();
    (std::array::from_fn(|_| indexes.next().expect("one index per record kind")), log_prefilter)
}

/// Every cause a rule names in `explained_by` must be a rule of the pack: a misspelt one would
/// silently never explain anything.
fn check_causes(rules: &[CompiledRule]) -> Result<(), Box<RuleError>> {
    for rule in rules {
        for cause in &rule.loaded.def.explained_by {
            if cause.rule.value == rule.id() || !rules.iter().any(|r| r.id() == cause.rule.value) {
                let help = crate::rules::suggest::closest(&cause.rule.value, rules.iter().map(CompiledRule::id))
                    .map_or_else(|| "name a rule of the pack".to_owned(), |id| format!("did you mean `{id}`?"));
                let message =
                    format!("explained_by names `{}`, which is not another rule of the pack", cause.rule.value);
                return Err(Box::new(RuleError::at(&rule.loaded, &cause.rule, message, "here").with_help(help)));
            }
        }
    }
    Ok(())
}

/// Whether selection `i` holds on the record, known once per record: `memo` holds each
/// selection's outcome (scratch space reused across records, cleared per rule).
fn selection(
    rule: &CompiledRule,
    i: usize,
    view: &mut RecordView<'_>,
    memo: &mut [Option<bool>],
    captures: &mut Vec<(String, String)>,
) -> bool {
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
}

/// The severity of the evidence when the record satisfies the rule's condition.
fn condition(
    rule: &CompiledRule,
    view: &mut RecordView<'_>,
    memo: &mut [Option<bool>],
    captures: &mut Vec<(String, String)>,
) -> Option<Severity> {
    if !rule.condition.eval(&mut |i| selection(rule, i, view, memo, captures)) {
        return None;
    }
    let matched = rule.selections.iter().zip(memo.iter()).filter(|(_, m)| **m == Some(true));
    Some(matched.filter_map(|(s, _)| s.severity).max().unwrap_or(rule.loaded.def.severity))
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::engine::evidence::KeptExcerpts;
    use crate::facts::registry::Derivation;
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
        let kept = KeptExcerpts::default();
        let hits = engine.match_records("console.txt", &Excerpts::Kept(&kept), records);
        engine.outcomes(facts, &Derivation::default(), vec![hits], &CommandRuns::new(Vec::new())).remove(0)
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

    /// An engine of the rules written as YAML documents (ids X001, X002, ... in order).
    fn pack(yamls: &[&str]) -> Engine {
        let rules = yamls.iter().enumerate().map(|(i, body)| {
            let id = format!("X{:03}", i + 1);
            let yaml = format!(
                "id: {id}\nname: x{i}\ntitle: t\nseverity: error\ndocs: {{what: w, why: y}}\n{body}\nremediation:\n  - text: fix\n"
            );
            (id.clone(), load::parse_rule(&format!("{id}.yaml"), &yaml, Origin::BuiltIn).unwrap())
        });
        Engine::new(rules.collect()).unwrap()
    }

    fn vm(line: u32, name: &str, state: &str) -> Record {
        Record::new(RecordKind::PsObject, Span { bytes: 0..0, first_line: line, last_line: line })
            .with("Name", name)
            .with("State", state)
    }

    const VM_STATE: &str = "sources: [ps_object]\ndetection:\n  vm:\n    Name|startswith: '2.1'\n  \
                            off:\n    State: [Off, Saved]\n  condition: vm and off\n\
                            entity: {observed: vm, key: [Name], state: 'VM {Name} is {State}'}\n\
                            evidence: {fields: [Name, State]}";

    fn outcomes(engine: &Engine, inputs: &[(&str, &[Record])], commands: &[Record]) -> Vec<RuleOutcome> {
        let kept = KeptExcerpts::default();
        let hits = inputs.iter().map(|(path, records)| engine.match_records(path, &Excerpts::Kept(&kept), records));
        let runs = CommandRuns::new(commands.iter().map(|r| ("t.txt", r)).collect());
        engine.outcomes(&Facts::default(), &Derivation::default(), hits.collect(), &runs)
    }

    fn suppression(rule: usize, fields: &[(&str, &str)]) -> Suppression {
        let fields = fields.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect();
        Suppression::new(rule, fields, "kept off on purpose", "ccdiag.toml", 4, None)
    }

    #[test]
    fn suppressed_evidence_is_set_apart_and_the_rest_still_fires() {
        let mut engine = pack(&[VM_STATE, VM_STATE]);
        let records = [vm(1, "2.1.0.0-EDGE", "Off"), vm(2, "2.1.0.0-CMS", "Saved")];
        engine.suppress(vec![suppression(0, &[("name", "2.1.0.0-edge")])]);
        let judged = outcomes(&engine, &[("t.txt", &records)], &[]);
        let first = &judged[0];
        assert_eq!((first.status, first.count), (Status::Fired, 1));
        assert_eq!(first.evidence[0].capture("Name"), Some("2.1.0.0-CMS"));
        assert_eq!(first.suppressed.len(), 1);
        assert_eq!((first.suppressed[0].suppression, first.suppressed[0].count), (0, 1));
        assert_eq!(first.suppressed[0].evidence[0].capture("Name"), Some("2.1.0.0-EDGE"));
        assert!(first.reason.ends_with("; 1 more suppressed"), "{}", first.reason);
        // A suppression is of one rule: the other, reading the same records, keeps both.
        assert_eq!((judged[1].status, judged[1].count, judged[1].suppressed.len()), (Status::Fired, 2, 0));
    }

    #[test]
    fn a_finding_whose_every_piece_is_suppressed_is_suppressed() {
        let mut engine = pack(&[VM_STATE]);
        let records = [vm(1, "2.1.0.0-EDGE", "Off"), vm(2, "2.1.0.0-CMS", "Saved")];
        engine.suppress(vec![suppression(0, &[("State", "off")]), suppression(0, &[])]);
        let judged = outcomes(&engine, &[("t.txt", &records)], &[]).remove(0);
        assert_eq!((judged.status, judged.count), (Status::Suppressed, 0));
        assert!(judged.evidence.is_empty());
        // The first suppression that matches a piece takes it.
        let taken: Vec<(usize, usize)> = judged.suppressed.iter().map(|h| (h.suppression, h.count)).collect();
        assert_eq!(taken, [(0, 1), (1, 1)]);
        assert_eq!(judged.reason, "matched 2 time(s), every one suppressed (ccdiag.toml:4, ccdiag.toml:4)");
    }

    #[test]
    fn suppressed_evidence_is_counted_past_what_is_kept() {
        let mut engine = engine("boom");
        engine.suppress(vec![suppression(0, &[])]);
        let records: Vec<Record> = (1..=60).map(|n| line(n, "boom")).collect();
        let judged = outcome(&engine, &Facts::default(), &records);
        assert_eq!(judged.status, Status::Suppressed);
        assert_eq!((judged.suppressed[0].count, judged.suppressed[0].evidence.len()), (60, MAX_EVIDENCE));
    }

    #[test]
    fn an_ignored_rule_is_not_matched_and_says_why() {
        let mut engine = engine("boom");
        engine.ignore(vec![Some("ignored by `X001` (--ignore on the command line)".to_owned())]);
        let kept = KeptExcerpts::default();
        let hits = engine.match_records("c.txt", &Excerpts::Kept(&kept), &[line(1, "boom")]);
        assert!(hits.hits.is_empty(), "not even matched");
        assert!(!engine.log_may_match("boom"), "its literals left the log prefilter");
        let judged = outcome(&engine, &Facts::default(), &[line(1, "boom")]);
        assert_eq!(
            (judged.status, judged.reason.as_str()),
            (Status::Ignored, "ignored by `X001` (--ignore on the command line)")
        );
        engine.ignore(vec![None]);
        assert!(engine.log_may_match("boom"));
        assert_eq!(outcome(&engine, &Facts::default(), &[line(1, "boom")]).status, Status::Fired);
    }

    #[test]
    fn a_state_rule_judges_the_latest_observation_of_each_entity() {
        let engine = pack(&[VM_STATE]);
        let fixed = [vm(1, "2.1.0.0-EDGE", "Saved"), vm(9, "2.1.0.0-EDGE", "Running")];
        let judged = outcomes(&engine, &[("t.txt", &fixed)], &[]).remove(0);
        assert_eq!(judged.status, Status::Passed);
        assert!(
            judged.reason.starts_with("fixed: VM 2.1.0.0-EDGE is Saved at t.txt:1, then VM 2.1.0.0-EDGE is Running")
        );

        let broken = [vm(1, "2.1.0.0-EDGE", "Running"), vm(9, "2.1.0.0-EDGE", "Off"), vm(10, "2.1.0.0-CMS", "Running")];
        let judged = outcomes(&engine, &[("t.txt", &broken)], &[]).remove(0);
        assert_eq!((judged.status, judged.count), (Status::Fired, 1));
        assert_eq!(judged.evidence[0].note.as_deref(), Some("VM 2.1.0.0-EDGE is Off, the latest of 2 observations"));
    }

    #[test]
    fn captures_that_disagree_with_nothing_to_order_them_cannot_be_checked() {
        let engine = pack(&[VM_STATE]);
        let (off, running) = ([vm(1, "2.1.0.0-EDGE", "Off")], [vm(1, "2.1.0.0-EDGE", "Running")]);
        let judged = outcomes(&engine, &[("a.txt", &off), ("b.txt", &running)], &[]).remove(0);
        assert_eq!(judged.status, Status::CouldNotCheck);
        assert!(judged.reason.contains("cannot be ordered"), "{}", judged.reason);
        // Two captures that agree need no order.
        let judged = outcomes(&engine, &[("a.txt", &off), ("b.txt", &off)], &[]).remove(0);
        assert_eq!(judged.status, Status::Fired);
    }

    #[test]
    fn a_record_the_rule_cannot_judge_leaves_it_undecided() {
        let engine = pack(&["sources: [text]\ndetection:\n  bad:\n    line|contains: boom\n  hidden:\n    \
                             line|contains: '...'\n  condition: bad\nunknown: {when: hidden, because: 'cut: {line}'}"]);
        let judged = outcomes(&engine, &[("c.txt", &[line(4, "state ...")])], &[]).remove(0);
        assert_eq!(
            (judged.status, judged.reason.as_str()),
            (Status::CouldNotCheck, "could not be checked: cut: state ... (c.txt:4)")
        );
        let judged = outcomes(&engine, &[("c.txt", &[line(4, "state ..."), line(5, "boom")])], &[]).remove(0);
        assert_eq!(judged.status, Status::Fired, "evidence outweighs what could not be read");
    }

    #[test]
    fn a_finding_whose_evidence_a_cause_shares_is_explained_by_it() {
        let consequence = "sources: [text]\ndetection:\n  sel:\n    line|re: 'down (?P<vm>\\S+)'\n  condition: sel\n\
                           explained_by: [{rule: X002, same: [vm]}]";
        let cause = "sources: [text]\ndetection:\n  sel:\n    line|re: 'saved (?P<vm>\\S+)'\n  condition: sel";
        let engine = pack(&[consequence, cause]);
        let judged = outcomes(&engine, &[("l.txt", &[line(1, "saved EDGE"), line(2, "down EDGE")])], &[]);
        assert_eq!((judged[0].status, judged[0].explained_by), (Status::Fired, Some(1)));
        let judged = outcomes(&engine, &[("l.txt", &[line(1, "saved EDGE"), line(2, "down CMS")])], &[]);
        assert_eq!(judged[0].explained_by, None, "another VM's state explains nothing");
    }

    #[test]
    fn a_cause_must_be_a_rule_of_the_pack() {
        let yaml = "id: X001\nname: x\ntitle: t\nseverity: error\ndocs: {what: w, why: y}\nsources: [text]\n\
                    detection:\n  sel:\n    line: a\n  condition: sel\nexplained_by: [{rule: X01}]\nremediation:\n  - text: f\n";
        let rule = load::parse_rule("x.yaml", yaml, Origin::BuiltIn).unwrap();
        let Err(error) = Engine::new([("X001".to_owned(), rule)].into_iter().collect()) else { panic!("loaded") };
        assert!(error.to_string().contains("explained_by names `X01`"), "{error}");
    }

    #[test]
    fn an_error_is_fixed_by_a_clean_run_of_the_same_command_after_it() {
        let engine = pack(&["sources: [ps_error]\ndetection:\n  sel:\n    message|contains: denied\n  condition: sel"]);
        let command = |run: u32, line: u32, text: &str, errors: &str| {
            let span = Span { bytes: 0..0, first_line: line, last_line: line };
            let mut record = Record::new(RecordKind::PsCommand, span)
                .with("command", text)
                .with("command_name", text.split(' ').next().unwrap())
                .with("errors", errors);
            record.context.run = run;
            record
        };
        let mut error = Record::new(RecordKind::PsError, Span { bytes: 0..0, first_line: 2, last_line: 2 })
            .with("message", "Access denied");
        error.context.run = 1;
        let errors = [error];
        let fixed =
            [command(1, 1, "Import-Module CloudConnector", "1"), command(2, 5, "Import-Module CloudConnector", "0")];
        let judged = outcomes(&engine, &[("t.txt", &errors)], &fixed).remove(0);
        assert_eq!(judged.status, Status::Passed);
        assert!(
            judged.reason.contains("`import-module cloudconnector` failed at t.txt:1 and ran without error at t.txt:5")
        );
        let other = [
            command(1, 1, "Import-Module CloudConnector", "1"),
            command(2, 5, "Import-Module SkypeOnlineConnector", "0"),
        ];
        assert_eq!(
            outcomes(&engine, &[("t.txt", &errors)], &other)[0].status,
            Status::Fired,
            "another module is no rerun"
        );
        let remote = |block: &str| format!("Invoke-Command -ComputerName 192.168.213.5 -ScriptBlock {{ {block} }}");
        let another_block = [
            command(1, 1, &remote("Start-CsWindowsService -Name RTCMRAUTH"), "1"),
            command(2, 5, &remote("Get-ChildItem Cert:\\LocalMachine\\Root"), "0"),
        ];
        assert_eq!(
            outcomes(&engine, &[("t.txt", &errors)], &another_block)[0].status,
            Status::Fired,
            "a remote command running another script block is no rerun"
        );
        let same_block = [
            command(1, 1, &remote("Start-CsWindowsService -Name RTCMRAUTH"), "1"),
            command(2, 5, &remote("Start-CsWindowsService  -Name RTCMRAUTH"), "0"),
        ];
        assert_eq!(outcomes(&engine, &[("t.txt", &errors)], &same_block)[0].status, Status::Passed);
    }
}
