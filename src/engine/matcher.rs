//! Field matchers: one `field|modifier: values` entry of a selection, compiled.
//!
//! String comparisons run on a *folded* form of both sides: lower case, curly quotes made
//! straight, `…` spelled `...`, and all white space removed. Consoles wrap long messages at
//! the window width, sometimes mid-word, and parsers join the pieces as best they can; with
//! white space gone, a signature matches however the line was wrapped and re-joined.

use std::cmp::Ordering;

use regex::Regex;

use crate::record::{Record, RecordKind};
use crate::version::compare_values;

/// Appends the folded form of `text` to `out` (always UTF-8). Runs over every byte of big
/// logs, so ASCII (nearly all of it) goes 64 bytes at a time through a lookup table without
/// branches, and only blocks holding other characters are decoded.
pub fn fold_into(text: &str, out: &mut Vec<u8>) {
    out.reserve(text.len());
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let end = (start + BLOCK).min(bytes.len());
        let block = &bytes[start..end];
        if block.is_ascii() {
            fold_ascii(block, out);
            start = end;
            continue;
        }
        // Decode from the first non-ASCII byte (a character boundary: every byte before it is
        // ASCII) to the first boundary at or after the block's end.
        let ascii = block.iter().position(|b| !b.is_ascii()).unwrap_or(block.len());
        fold_ascii(&block[..ascii], out);
        start += ascii;
        for c in text[start..].chars() {
            if start >= end {
                break;
            }
            fold_char(c, out);
            start += c.len_utf8();
        }
    }
}

const BLOCK: usize = 64;

/// Per ASCII byte, its folded form; 0 for white space, which folding drops (decoded text holds
/// no NUL, so 0 is free to mean that).
static ASCII_FOLD: [u8; 128] = {
    let mut folded = [0; 128];
    let mut b = 0;
    while b < 128 {
        folded[b] = match b as u8 {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => 0,
            b'`' => b'\'',
            other => other.to_ascii_lowercase(),
        };
        b += 1;
    }
    folded
};

/// Folds at most [`BLOCK`] ASCII bytes: every byte is written, and the write position moves
/// on only past kept ones, so white space costs no branch.
fn fold_ascii(block: &[u8], out: &mut Vec<u8>) {
    let mut buffer = [0u8; BLOCK];
    let mut written = 0;
    for &b in block {
        let folded = ASCII_FOLD[usize::from(b & 0x7F)];
        // `written` never passes the block's length; the mask only spares a bounds check.
        buffer[written & (BLOCK - 1)] = folded;
        written += usize::from(folded != 0);
    }
    out.extend_from_slice(&buffer[..written]);
}

fn fold_char(c: char, out: &mut Vec<u8>) {
    let mut push = |c: char| out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    match c {
        c if c.is_ascii() => {
            let folded = ASCII_FOLD[c as usize];
            if folded != 0 {
                out.push(folded);
            }
        }
        c if c.is_whitespace() => {}
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' => push('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => push('"'),
        '\u{2026}' => "...".chars().for_each(push),
        c => c.to_lowercase().for_each(push),
    }
}

pub fn fold(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    fold_into(text, &mut out);
    // Only whole characters were appended, so this is always UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

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
    pub regexes: Vec<Regex>,
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
        // Folding appends whole characters, so every field is UTF-8.
        std::str::from_utf8(&self.text[start..self.ends[index]]).unwrap_or_default()
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
                let mut test = |re: &Regex| match re.captures(raw) {
                    Some(caps) => {
                        for name in re.capture_names().flatten() {
                            if let Some(m) = caps.name(name) {
                                captures.push((name.to_owned(), m.as_str().to_owned()));
                            }
                        }
                        true
                    }
                    None => false,
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
        // A truncated table cell equals a value it does not contain, so equality gates only
        // where no field is a table cell: records other than objects, and `producer`, which
        // the parsers set.
        let equality_gates = kind != RecordKind::PsObject || self.field == FieldRef::Named("producer".to_owned());
        let gating = match self.op {
            Op::Contains | Op::StartsWith | Op::EndsWith => true,
            Op::Equals => equality_gates,
            _ => false,
        };
        if !gating {
            return None;
        }
        if self.values.iter().any(|v| v.len() < 3) {
            return None;
        }
        if self.all { self.values.first().map(|v| vec![v.clone()]) } else { Some(self.values.clone()) }
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
    fn fold_treats_ascii_and_other_characters_alike() {
        assert_eq!(
            fold("Key NOT\r\n valid `x` \u{2018}y\u{2019} \u{201C}Z\u{201D} \u{00C4}\u{00A0}b\u{2026}"),
            "keynotvalid'x''y'\"z\"\u{00E4}b..."
        );
    }

    /// The folding rules applied one character at a time, as the doc comment states them.
    fn fold_by_char(text: &str) -> String {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(|c| {
                match c {
                    '`' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' => "'".to_owned(),
                    '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => {
                        "\"".to_owned()
                    }
                    '\u{2026}' => "...".to_owned(),
                    c => c.to_lowercase().collect(),
                }
                .chars()
                .collect::<Vec<_>>()
            })
            .collect()
    }

    proptest::proptest! {
        /// The block-wise ASCII path agrees with character-wise folding wherever the blocks
        /// and the non-ASCII characters fall.
        #[test]
        fn block_folding_equals_char_folding(text in "([ -~\t\r\n]{0,70}[\u{80}-\u{2100}\u{2018}\u{2026}\u{00A0}]?){0,6}") {
            proptest::prop_assert_eq!(fold(&text), fold_by_char(&text));
        }
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
