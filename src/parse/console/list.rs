//! `Format-List` objects: `Name : value` lines sharing one colon column, values wrapped at
//! word boundaries.

use super::Parser;
use super::error::ErrorParts;
use super::line::is_script_path;
use super::line::{Class, L, list_property};
use crate::parse::producer::has_approved_verb;
use crate::record::{Record, RecordKind};

impl Parser<'_, '_> {
    /// A `Format-List` object: aligned `Name : value` lines up to a blank line, values wrapped
    /// onto lines indented to the value column. A lone `Verb-Noun : text` line is the first
    /// line of an error record pasted without the rest, not an object.
    pub(super) fn format_list(&mut self, i: usize) -> Option<usize> {
        let ls = self.ls;
        let (name, colon, value) = list_property(&ls[i].text)?;
        let same_object = |l: &L<'_>| list_property(&l.text).is_some_and(|(_, c, _)| c == colon);
        if (has_approved_verb(name) || is_script_path(name)) && !ls.get(i + 1).is_some_and(same_object) {
            let (message, last) = self.continue_wrapped(i, value);
            let parts = ErrorParts { command: Some(name.to_string()), message, ..ErrorParts::default() };
            self.emit_error(parts, i, last);
            return Some(last + 1);
        }
        let value_column = colon + 1;
        let mut properties: Vec<(&str, Vec<(usize, &str)>)> = vec![(name, vec![(i, value)])];
        let mut last = i;
        while let Some(next) = ls.get(last + 1) {
            if next.class == Class::Blank {
                break;
            }
            if let Some((name, c, value)) = list_property(&next.text)
                && c == colon
            {
                properties.push((name, vec![(last + 1, value)]));
            } else if next.class == Class::Other
                && next.text.chars().take_while(|c| c.is_whitespace()).count() >= value_column
                && let Some((_, segments)) = properties.last_mut()
            {
                segments.push((last + 1, next.text.trim()));
            } else {
                break;
            }
            last += 1;
        }
        let wrap_width = ls[i..=last].iter().map(|l| l.width).max().unwrap_or(0);
        let mut record = Record::new(RecordKind::PsObject, self.span(i, last));
        for (name, segments) in properties {
            record.push(name.to_string(), join_list_value(ls, &segments, wrap_width));
        }
        self.emit(record);
        Some(last + 1)
    }
}

/// Joins a `Format-List` value's lines. The formatter wraps at word boundaries, so a single
/// space goes back between lines (which keeps wrapped `{a, b, c...}` lists as written); only a
/// line that is one unbroken token filling the whole width was a word too long to fit and is
/// glued to the next.
pub(super) fn join_list_value(ls: &[L<'_>], segments: &[(usize, &str)], wrap_width: usize) -> String {
    let mut out = String::new();
    let mut glue = false;
    for (k, &(line, segment)) in segments.iter().enumerate() {
        if k > 0 && !glue && !segment.is_empty() {
            out.push(' ');
        }
        out.push_str(segment);
        glue = wrap_width >= 79 && ls[line].width == wrap_width && !segment.contains(char::is_whitespace);
    }
    out.trim().to_string()
}
