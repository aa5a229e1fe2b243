//! PowerShell console text, loose or between transcript prompts.
//!
//! Console output is a rendering, not a data format: the host wraps long lines at the buffer
//! width (usually mid-word), `Format-List` wraps values at word boundaries, `Format-Table` pads
//! cells to columns only the dashes line reveals, and error records are localized everywhere
//! except in their `+ CategoryInfo` / `+ FullyQualifiedErrorId` labels. So the parser
//! classifies every line once, anchors error records on those labels, and undoes wrapping
//! only where the layout proves a wrap happened. It makes one pass over the lines with a
//! bounded lookahead, so the work stays linear in the size of the input.
//!
//! One file per reason to change: [`line`] classifies lines, [`error`] reads the error record
//! layouts (an ErrorRecord that `Format-List * -Force` lists is one, recognised by its
//! properties), [`list`] and [`table`] the two formatters, [`reg`] what `reg query` prints,
//! [`wrap`] undoes the host's wrapping. Widths are counted in console cells: a Japanese character takes two.

mod error;
mod line;
mod list;
mod reg;
mod table;
#[cfg(test)]
mod tests;
mod wrap;

use line::{Class, L, Stream, anchor_after};

use crate::parse::lines::{self, Line};
use crate::record::{Parsed, Record, RecordKind, Span};
use error::MAX_ERROR_LINES;
use line::stream_prefix;

/// Parses console output lines. `producer` is the cmdlet that produced this output (from a
/// transcript prompt or the file name), if known.
///
/// The lines carry absolute offsets into the whole text, which is what the spans index.
pub fn parse_lines(lines: &[Line<'_>], producer: Option<&str>, out: &mut Parsed) {
    let ls: Vec<L<'_>> = lines.iter().map(L::new).collect();
    let anchors = anchor_after(&ls);
    let mut parser = Parser { ls: &ls, anchors, producer, out };
    let mut i = 0;
    while i < ls.len() {
        i = parser.step(i).max(i + 1);
    }
}

/// Convenience: whole file as console text.
pub fn parse(text: &str, producer: Option<&str>) -> Parsed {
    let all = lines::all_lines(text);
    let mut out = Parsed::default();
    parse_lines(&all, producer, &mut out);
    out
}

struct Parser<'p, 'a> {
    ls: &'p [L<'a>],
    anchors: Vec<Option<usize>>,
    producer: Option<&'p str>,
    out: &'p mut Parsed,
}

impl Parser<'_, '_> {
    /// Handles the record starting at line `i` and returns the index of the next unread line.
    fn step(&mut self, i: usize) -> usize {
        let l = &self.ls[i];
        match l.class {
            Class::Blank => return i + 1,
            Class::Stream(stream) => return self.stream(i, stream),
            _ => {}
        }
        if let Some(anchor) = self.anchors[i]
            && anchor - i <= MAX_ERROR_LINES
        {
            return self.labelled_error(i, anchor);
        }
        if l.class == Class::Other {
            if let Some(next) = self.reg_query(i) {
                return next;
            }
            if self.ls.get(i + 1).is_some_and(|n| n.class == Class::Dashes)
                && let Some(next) = self.table(i)
            {
                return next;
            }
            if let Some(next) = self.concise_error(i) {
                return next;
            }
            if let Some(next) = self.unlabelled_error(i) {
                return next;
            }
            if let Some(next) = self.format_list(i) {
                return next;
            }
        }
        self.text(i, None);
        i + 1
    }

    fn span(&self, first: usize, last: usize) -> Span {
        Span {
            bytes: self.ls[first].start..self.ls[last].end,
            first_line: self.ls[first].number,
            last_line: self.ls[last].number,
        }
    }

    /// Records the output's producer, unless the layout itself says who wrote it.
    fn emit(&mut self, mut record: Record) {
        if let Some(producer) = self.producer
            && record.get("producer").is_none()
        {
            record.push("producer", producer);
        }
        self.out.records.push(record);
    }

    fn text(&mut self, i: usize, stream: Option<&'static str>) {
        let mut record = Record::new(RecordKind::Text, self.span(i, i)).with("line", self.ls[i].text.as_ref());
        if let Some(stream) = stream {
            record.push("stream", stream);
        }
        self.emit(record);
    }

    /// `WARNING:` becomes a warning with its wrapped continuation; `VERBOSE:` and `DEBUG:` are
    /// chatter that rules only grep, so they stay lines.
    fn stream(&mut self, i: usize, stream: Stream) -> usize {
        match stream {
            Stream::Verbose => self.text(i, Some("verbose")),
            Stream::Debug => self.text(i, Some("debug")),
            Stream::Warning => {
                let message = stream_prefix(&self.ls[i].text).map_or("", |(_, m)| m);
                let (message, last) = self.continue_wrapped(i, message, wrap::WrappedBy::Host);
                let record = Record::new(RecordKind::PsWarning, self.span(i, last)).with("message", message);
                self.emit(record);
                return last + 1;
            }
        }
        i + 1
    }
}
