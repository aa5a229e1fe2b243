//! The prefilter of one record kind: every literal of every rule reading that kind in one
//! Aho-Corasick automaton, and which rules each literal gates.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::compile::CompiledRule;
use super::prefilter;
use crate::record::RecordKind;

/// Literals shorter than this are in most records of their kind (see `KindIndex::build`).
const SHORT_LITERAL: usize = 8;

/// The prefilter of one record kind.
#[derive(Default)]
pub(super) struct KindIndex {
    /// Finds every literal in a record, overlaps included: each names rules to check.
    pub(super) automaton: Option<AhoCorasick>,
    /// Whether a record holds any literal at all, which most do not: leftmost-first, so the
    /// search can skip ahead with a vectorised prefilter where the overlapping one steps
    /// through every byte.
    pub(super) any_literal: Option<AhoCorasick>,
    /// Pattern index to the rules that need it.
    pub(super) pattern_rules: Vec<Vec<usize>>,
    /// Rules that read this kind and must see every record.
    pub(super) ungated: Vec<usize>,
}

impl KindIndex {
    /// The index of the rules that run (`runs[i]`, by rule index) reading `kind`.
    pub(super) fn build(kind: RecordKind, rules: &[CompiledRule], runs: &[bool]) -> KindIndex {
        let mut index = KindIndex::default();
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_of: HashMap<&str, usize> = HashMap::new();
        for (i, rule) in rules.iter().enumerate().filter(|(i, _)| runs[*i]) {
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
