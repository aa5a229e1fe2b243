//! `Format-List` objects: `Name : value` lines sharing one colon column, values wrapped at
//! word boundaries.

use super::Parser;
use super::error::{ErrorParts, is_listed_error};
use super::line::is_script_path;
use super::line::{Class, L, list_property};
use super::wrap::WrappedBy;
use crate::parse::producer::has_approved_verb;
use crate::record::{Record, RecordKind};

/// A property of a listed object: its name and its lines, each as `(line index, text)`; the
/// first line's text is the value after ` : `, the others what stands past the value column,
/// their leading spaces kept (past the column, a space is the value's own).
pub(super) type Property<'t> = (&'t str, Vec<(usize, &'t str)>);

impl Parser<'_, '_> {
    /// A `Format-List` object: aligned `Name : value` lines up to a blank line, values wrapped
    /// onto lines indented to the value column. A lone `Verb-Noun : text` line is the first
    /// line of an error record pasted without the rest, not an object; an object with the
    /// properties of an ErrorRecord (`$Error[0] | Format-List * -Force`) is an error record.
    pub(super) fn format_list(&mut self, i: usize) -> Option<usize> {
        let ls = self.ls;
        let (name, colon, value) = list_property(&ls[i].text)?;
        let same_object = |l: &L<'_>| list_property(&l.text).is_some_and(|(_, c, _)| c == colon);
        if (has_approved_verb(name) || is_script_path(name)) && !ls.get(i + 1).is_some_and(same_object) {
            let (message, last) = self.continue_wrapped(i, value, WrappedBy::Console);
            let parts = ErrorParts { command: Some(name.to_string()), message, ..ErrorParts::default() };
            self.emit_error(parts, i, last);
            return Some(last + 1);
        }
        // `Name : value`: the value stands two cells past the colon, and so do its
        // continuation lines.
        let value_column = colon + 2;
        let continues = |l: &L<'_>| l.class == Class::Other && indentation(l) >= value_column;
        let mut properties: Vec<Property<'_>> = vec![(name, vec![(i, value)])];
        let mut last = i;
        while let Some(next) = ls.get(last + 1) {
            if let Some((name, c, value)) = list_property(&next.text)
                && c == colon
            {
                properties.push((name, vec![(last + 1, value)]));
            } else if let Some((_, segments)) = properties.last_mut()
                && (continues(next)
                    // An empty line inside a multi-line value keeps the padding to the value
                    // column (an exception's message ends in a line break).
                    || (next.class == Class::Blank
                        && next.width >= value_column
                        && ls.get(last + 2).is_some_and(continues)))
            {
                segments.push((last + 1, past_column(&next.text, value_column)));
            } else {
                break;
            }
            last += 1;
        }
        if is_listed_error(&properties) {
            self.listed_error(&properties, i, last);
            return Some(last + 1);
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

/// Leading spaces of a line, in cells.
fn indentation(l: &L<'_>) -> usize {
    l.text.chars().take_while(|c| c.is_whitespace()).count()
}

/// The text of a line from char column `column` on.
fn past_column(text: &str, column: usize) -> &str {
    text.char_indices().nth(column).map_or("", |(at, _)| &text[at..])
}

/// Joins a `Format-List` value's lines. The formatter wraps at word boundaries, so a single
/// space goes back between lines (which keeps wrapped `{a, b, c...}` lists as written); only a
/// line that is one unbroken token filling the whole width was a word too long to fit and is
/// glued to the next.
pub(super) fn join_list_value(ls: &[L<'_>], segments: &[(usize, &str)], wrap_width: usize) -> String {
    let mut out = String::new();
    let mut glue = false;
    for (k, &(line, segment)) in segments.iter().enumerate() {
        let segment = segment.trim();
        if k > 0 && !glue && !segment.is_empty() {
            out.push(' ');
        }
        out.push_str(segment);
        glue = wrap_width >= 79 && ls[line].width == wrap_width && !segment.contains(char::is_whitespace);
    }
    out.trim().to_string()
}
