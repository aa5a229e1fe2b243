//! Evidence: where a record that satisfied a rule stands, what it says, and what the rule
//! captured from it.

use super::compile::CompiledRule;
use crate::record::Record;
use crate::rules::Severity;

/// Lines of a record shown in its excerpt, and characters of each.
const EXCERPT_LINES: usize = 3;
const EXCERPT_LINE_CHARS: usize = 300;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// The kind of the record it stands for.
    pub kind: crate::record::RecordKind,
    pub path: String,
    pub line: u32,
    pub last_line: u32,
    pub excerpt: String,
    /// Captured fields and named regex groups, in rule order; joins add `fact.<column>`.
    pub captures: Vec<(String, String)>,
    /// The severity of this piece of evidence: the rule's, unless the selection that matched
    /// has its own (`severity_by_selection`).
    pub severity: Severity,
    /// When the record was observed and by which command run (see [`crate::record::Context`]).
    pub at: Option<crate::time::Timestamp>,
    /// Whether the input stated the zone of `at`: a log entry's `DateTime` does (UTC), a
    /// transcript's stamps do not (the host's local time).
    pub zone: crate::time::Zone,
    pub run: u32,
    /// Why it applies, when that takes more than the excerpt: the entity, its latest state and
    /// when it was observed.
    pub note: Option<String>,
}

impl Evidence {
    pub fn capture(&self, name: &str) -> Option<&str> {
        self.captures.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Where excerpts of the records being matched come from.
pub enum Excerpts<'a> {
    /// The decoded text that starts at byte `offset` of the file.
    Text { text: &'a str, offset: usize },
    /// Excerpts kept by record start, once the text is gone.
    Kept(&'a KeptExcerpts),
}

/// The excerpts of the records an input keeps for facts, by the byte where each starts, in
/// order: derived facts located at those records show them after the text is gone.
#[derive(Debug, Default)]
pub struct KeptExcerpts(Vec<(usize, String)>);

impl KeptExcerpts {
    /// The excerpts of `records`, which lie in `text`, the decoded text from byte `offset`.
    pub fn of<'r>(records: impl DoubleEndedIterator<Item = &'r Record>, text: &str, offset: usize) -> KeptExcerpts {
        let source = Excerpts::Text { text, offset };
        // Of records that start at the same byte, the last one's excerpt is the one kept.
        let mut kept: Vec<(usize, String)> = records.rev().map(|r| (r.span.bytes.start, source.of(r))).collect();
        kept.sort_by_key(|(start, _)| *start);
        kept.dedup_by_key(|(start, _)| *start);
        KeptExcerpts(kept)
    }

    /// Adds the excerpts of a later stretch of the same input.
    pub fn append(&mut self, later: KeptExcerpts) {
        debug_assert!(later.0.first().is_none_or(|(start, _)| self.0.last().is_none_or(|(last, _)| last < start)));
        self.0.extend(later.0);
    }

    fn get(&self, start: usize) -> Option<&String> {
        let at = self.0.binary_search_by_key(&start, |(s, _)| *s).ok()?;
        Some(&self.0[at].1)
    }
}

impl Excerpts<'_> {
    pub fn of(&self, record: &Record) -> String {
        match self {
            Excerpts::Text { text, offset } => {
                let start = record.span.bytes.start.saturating_sub(*offset);
                let end = record.span.bytes.end.saturating_sub(*offset);
                excerpt(text.get(start..end).unwrap_or_default(), record)
            }
            Excerpts::Kept(kept) => kept.get(record.span.bytes.start).cloned().unwrap_or_else(|| excerpt("", record)),
        }
    }
}

pub(super) fn evidence(
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
        kind: record.kind,
        path: path.to_owned(),
        line: record.span.first_line,
        last_line: record.span.last_line,
        excerpt: excerpts.of(record),
        captures,
        severity,
        at: record.context.at,
        zone: match record.kind {
            crate::record::RecordKind::CceLog => {
                record.get("datetime").map_or(crate::time::Zone::HostLocal, crate::time::Zone::of)
            }
            _ => crate::time::Zone::HostLocal,
        },
        run: record.context.run,
        note: None,
    }
}

/// The first lines of a record as written (`raw`, its text), each cut to a readable length.
/// Built in one string: every kept record gets one, so it is on the hot path of a long capture.
fn excerpt(raw: &str, record: &Record) -> String {
    let mut out = String::new();
    for line in raw.lines().filter(|l| !l.trim().is_empty()).take(EXCERPT_LINES) {
        if !out.is_empty() {
            out.push('\n');
        }
        let line = line.trim_end();
        // A line of no more bytes than the limit has no more characters either.
        let cut = if line.len() <= EXCERPT_LINE_CHARS { None } else { line.char_indices().nth(EXCERPT_LINE_CHARS) };
        match cut {
            Some((cut, _)) => {
                out.push_str(&line[..cut]);
                out.push_str("...");
            }
            None => out.push_str(line),
        }
    }
    if out.is_empty() {
        // Structured records (JSON objects) may have no text span worth showing.
        for (i, (key, value)) in record.fields.iter().enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            out.push_str(key);
            out.push_str(": ");
            out.push_str(value);
        }
    }
    out
}
