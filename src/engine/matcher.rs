//! Field matchers: one `field|modifier: values` entry of a selection, compiled.
//!
//! String comparisons run on the folded form of both sides (see [`super::fold`]).

use std::cmp::Ordering;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};

use super::fold::{fold, fold_into};
use crate::record::{Record, RecordKind};
use crate::version::compare_values;

/// Which value of a record a matcher reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldRef {
    /// A named field of the record.
    Named(String),
    /// Any field of the record (`any`).
    Any,
    /// The record kind name (`kind`), e.g. `ini_section`.
    Kind,
    /// The input's path as reported (`path`).
    Path,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
    Regex,
    Exists,
    Cmp(Ordering, bool),
}

#[derive(Debug)]
pub struct FieldMatcher {
    pub field: FieldRef,
    pub op: Op,
    /// Folded values for string operators, raw for comparisons, `true`/`false` for `exists`.
    pub values: Vec<String>,
    /// The values as the rule wrote them, for `rules signatures`.
    pub written: Vec<String>,
    pub regexes: Vec<LazyRegex>,
    /// `|all`: every value must match, instead of any.
    pub all: bool,
}

/// A record's fields folded once, end to end, each followed by a NUL: the prefilter automaton
/// reads them all in one pass (no folded literal holds a NUL, so no match spans two fields),
/// and the matchers then read each field from the same buffer. Reused from record to record.
#[derive(Default)]
pub struct FoldedFields {
    text: Vec<u8>,
    /// Where each field's folded form ends in `text`.
    ends: Vec<usize>,
}

impl FoldedFields {
    pub fn fill(&mut self, record: &Record) {
        self.text.clear();
        self.ends.clear();
        for (_, value) in &record.fields {
            fold_into(value, &mut self.text);
            self.ends.push(self.text.len());
            self.text.push(0);
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.text
    }

    fn field(&self, index: usize) -> &str {
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i] + 1);
        let bytes = &self.text[start..self.ends[index]];
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: folding appends whole characters, and a field runs from one NUL (or the
        // start) to the next, so every field is UTF-8. Checking it again was a tenth of the
        // matching time of console records.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }
}

/// What a matcher sees of one record: its fields, and their folded forms.
pub struct RecordView<'r> {
    pub record: &'r Record,
    pub path: &'r str,
    folded: &'r FoldedFields,
}

impl<'r> RecordView<'r> {
    /// `folded` must have been filled from `record`.
    pub fn new(record: &'r Record, path: &'r str, folded: &'r FoldedFields) -> RecordView<'r> {
        RecordView { record, path, folded }
    }

    fn folded(&self, index: usize) -> &str {
        self.folded.field(index)
    }

    fn field_indices(&self, name: &str) -> Option<usize> {
        self.record.fields.iter().position(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// A rule's regex, compiled the first time a record reaches it: a scan tests few of the pack's
/// regexes, and compiling all of them was a fifth of the start-up. A pack from `--rules` is
/// compiled whole when it is loaded ([`LazyRegex::compile`]), so its errors are load errors; the
/// built-in pack's regexes are proved by a test.
#[derive(Debug)]
pub struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    pub fn new(pattern: &str) -> LazyRegex {
        LazyRegex { pattern: pattern.to_owned(), compiled: OnceLock::new() }
    }

    /// Compiles the regex now, if not yet done, within the size limits a rule pack must keep.
    pub fn compile(&self) -> Result<&Regex, regex::Error> {
        if let Some(compiled) = self.compiled.get() {
            return Ok(compiled);
        }
        let compiled = RegexBuilder::new(&self.pattern)
            .size_limit(super::compile::REGEX_SIZE_LIMIT)
            .dfa_size_limit(super::compile::REGEX_SIZE_LIMIT)
            .build()?;
        Ok(self.compiled.get_or_init(|| compiled))
    }

    pub fn get(&self) -> &Regex {
        self.compile().expect("a regex compiles: a --rules pack is compiled when loaded, the built-in pack by a test")
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

impl FieldMatcher {
    /// Whether the record satisfies this matcher; named regex groups of a match go to
    /// `captures`.
    pub fn matches(&self, view: &mut RecordView<'_>, captures: &mut Vec<(String, String)>) -> bool {
        match &self.field {
            FieldRef::Kind => self.test_raw(view.record.kind.name(), captures),
            FieldRef::Path => self.test_raw(view.path, captures),
            FieldRef::Named(name) => match view.field_indices(name) {
                Some(i) => self.test_field(view, i, captures),
                None => self.op == Op::Exists && self.values.first().is_some_and(|v| v == "false"),
            },
            FieldRef::Any => {
                if self.op == Op::Exists {
                    return self.values.first().is_some_and(|v| v == "true") != view.record.fields.is_empty();
                }
                (0..view.record.fields.len()).any(|i| self.test_field(view, i, captures))
            }
        }
    }

    fn test_field(&self, view: &mut RecordView<'_>, index: usize, captures: &mut Vec<(String, String)>) -> bool {
        match self.op {
            Op::Exists => self.values.first().is_some_and(|v| v == "true"),
            Op::Regex | Op::Cmp(..) => {
                let raw = view.record.fields[index].1.as_str();
                self.test_raw(raw, captures)
            }
            _ => {
                let folded = view.folded(index);
                self.test_folded(folded)
            }
        }
    }

    fn test_raw(&self, raw: &str, captures: &mut Vec<(String, String)>) -> bool {
        match &self.op {
            Op::Regex => {
                let mut test = |re: &LazyRegex| {
                    let re = re.get();
                    match re.capture_names().flatten().next() {
                        // Without named groups there is nothing to capture, and a plain match test
                        // runs on the fast engines instead of the backtracker captures need.
                        None => re.is_match(raw),
                        Some(_) => match re.captures(raw) {
                            Some(caps) => {
                                for name in re.capture_names().flatten() {
                                    if let Some(m) = caps.name(name) {
                                        captures.push((name.to_owned(), m.as_str().to_owned()));
                                    }
                                }
                                true
                            }
                            None => false,
                        },
                    }
                };
                if self.all { self.regexes.iter().all(&mut test) } else { self.regexes.iter().any(&mut test) }
            }
            Op::Cmp(ordering, or_equal) => {
                let test = |v: &String| {
                    compare_values(raw, v).is_some_and(|o| o == *ordering || (*or_equal && o == Ordering::Equal))
                };
                if self.all { self.values.iter().all(test) } else { self.values.iter().any(test) }
            }
            Op::Exists => self.values.first().is_some_and(|v| v == "true"),
            _ => self.test_folded(&fold(raw)),
        }
    }

    fn test_folded(&self, folded: &str) -> bool {
        let test = |v: &String| match self.op {
            Op::Equals => folded == v.as_str() || truncated_cell_matches(folded, v),
            Op::Contains => folded.contains(v.as_str()),
            Op::StartsWith => folded.starts_with(v.as_str()),
            Op::EndsWith => folded.ends_with(v.as_str()),
            _ => false,
        };
        if self.all { self.values.iter().all(test) } else { self.values.iter().any(test) }
    }

    /// Whether this matcher pins records to a kind other than `kind` (`kind: ini_section`).
    pub fn excludes_kind(&self, kind: RecordKind) -> bool {
        self.field == FieldRef::Kind
            && self.op == Op::Equals
            && !self.all
            && !self.values.iter().any(|v| v == kind.name())
    }

    /// The literals one of which must occur in the folded fields of a record of `kind` for
    /// this matcher to hold; `None` when the matcher can hold without any (comparisons,
    /// regexes, pseudo-fields that are not field text).
    pub fn required_literals(&self, kind: RecordKind) -> Option<Vec<String>> {
        if !matches!(self.field, FieldRef::Named(_) | FieldRef::Any) {
            return None;
        }
        let gating = matches!(self.op, Op::Contains | Op::StartsWith | Op::EndsWith | Op::Equals);
        if !gating || self.values.iter().any(|v| v.len() < 3) {
            return None;
        }
        // A truncated table cell equals a value it holds only the start of (at least three
        // bytes of it, see `truncated_cell_matches`), so where a field may be a table cell (an
        // object's, but not `producer`, which the parsers set) equality gates on that start.
        let cells = kind == RecordKind::PsObject && !matches!(&self.field, FieldRef::Named(n) if n == "producer");
        let literal = |v: &String| match self.op {
            Op::Equals if cells => {
                let end = v.ceil_char_boundary(3);
                v[..end].to_owned()
            }
            _ => v.clone(),
        };
        let mut literals: Vec<String> = if self.all {
            self.values.first().map(literal).into_iter().collect()
        } else {
            self.values.iter().map(literal).collect()
        };
        // Prefixes of different values often coincide (`rtcsrv`, `rtcmedsrv`): each literal once,
        // so the list's length says how selective it is.
        literals.sort_unstable();
        literals.dedup();
        Some(literals)
    }

    /// The prefilter literals as the rule wrote them.
    pub fn written_literals(&self) -> Vec<&str> {
        match self.required_literals(RecordKind::Text) {
            None => Vec::new(),
            Some(_) if self.all => self.written.iter().take(1).map(String::as_str).collect(),
            Some(_) => self.written.iter().map(String::as_str).collect(),
        }
    }
}

/// `Format-Table` cuts long cells and ends them with `...`; such a cell equals any value that
/// starts with its kept part.
fn truncated_cell_matches(folded_cell: &str, value: &str) -> bool {
    match folded_cell.strip_suffix("...") {
        Some(kept) if kept.len() >= 3 => value.starts_with(kept),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{RecordKind, Span};

    fn holds(m: &FieldMatcher, record: &Record) -> bool {
        let mut folded = FoldedFields::default();
        folded.fill(record);
        m.matches(&mut RecordView::new(record, "x", &folded), &mut Vec::new())
    }

    fn matcher(field: &str, op: Op, values: &[&str]) -> FieldMatcher {
        FieldMatcher {
            field: FieldRef::Named(field.into()),
            op,
            values: values.iter().map(|v| fold(v)).collect(),
            written: values.iter().map(|v| v.to_string()).collect(),
            regexes: Vec::new(),
            all: false,
        }
    }

    #[test]
    fn folding_survives_wrapping_and_curly_quotes() {
        let record = Record::new(RecordKind::PsError, Span::default()).with(
            "message",
            "The specified module \u{201C}CloudConnector\u{201D} was not loaded because no valid module file was found in any modu\nle directory.",
        );
        let m = matcher(
            "message",
            Op::Contains,
            &[
                "module \"CloudConnector\" was not loaded because no valid module file was found in any module directory",
            ],
        );
        assert!(holds(&m, &record));
    }

    #[test]
    fn truncated_cells_equal_their_full_value() {
        let record = Record::new(RecordKind::PsObject, Span::default())
            .with("DisplayName", "Skype for Business Replica Repl...");
        let m = matcher("DisplayName", Op::Equals, &["Skype for Business Replica Replicator Agent"]);
        assert!(holds(&m, &record));
        let other = matcher("DisplayName", Op::Equals, &["Skype for Business Server Front-End"]);
        assert!(!holds(&other, &record));
    }

    #[test]
    fn object_equality_gates_on_what_a_truncated_cell_keeps() {
        let m = matcher("DisplayName", Op::Equals, &["Skype for Business Replica Replicator Agent", "\u{e4}\u{e4}x"]);
        let literals = m.required_literals(RecordKind::PsObject).unwrap();
        assert_eq!(literals, ["sky", "\u{e4}\u{e4}"], "three bytes, widened to a character boundary");
        let cell = fold("Skype for Business Replica Repl...");
        assert!(literals.iter().any(|l| cell.contains(l.as_str())));
        // Elsewhere a value is never a truncated cell: the whole value gates.
        let whole = m.required_literals(RecordKind::PsError).unwrap();
        assert_eq!(whole[0], "skypeforbusinessreplicareplicatoragent");
        let producer = matcher("producer", Op::Equals, &["Get-ItemProperty"]);
        assert_eq!(producer.required_literals(RecordKind::PsObject).unwrap(), ["get-itemproperty"]);
    }

    #[test]
    fn missing_field_only_satisfies_exists_false() {
        let record = Record::new(RecordKind::IniSection, Span::default()).with("section", "Common");
        let absent = FieldMatcher { values: vec!["false".into()], ..matcher("State", Op::Exists, &[]) };
        let present = FieldMatcher { values: vec!["true".into()], ..matcher("State", Op::Exists, &[]) };
        assert!(holds(&absent, &record));
        assert!(!holds(&present, &record));
    }

    #[test]
    fn comparisons_read_numbers_and_versions() {
        let record = Record::new(RecordKind::PsObject, Span::default()).with("Release", "394254");
        let below =
            FieldMatcher { values: vec!["394254".into()], ..matcher("Release", Op::Cmp(Ordering::Less, false), &[]) };
        assert!(!holds(&below, &record));
        let at_most =
            FieldMatcher { values: vec!["394254".into()], ..matcher("Release", Op::Cmp(Ordering::Less, true), &[]) };
        assert!(holds(&at_most, &record));
    }
}
