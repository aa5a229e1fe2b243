//! The host's wrapping of long lines, undone only where the layout proves it happened.

use super::Parser;
use super::line::Class;
use super::line::L;
use super::line::command_prefix;
use super::line::concise_prefix;
use super::line::is_wide;
use super::line::list_property;
use crate::parse::producer::has_approved_verb;

/// Buffer widths people actually run consoles at. A line exactly this long was almost
/// certainly cut by the host, so its continuation joins without a separator.
pub(super) const COMMON_WIDTHS: [usize; 16] =
    [80, 90, 100, 110, 120, 128, 130, 132, 140, 150, 160, 180, 200, 220, 240, 250];

/// The default console widths (conhost before and after Windows 10). Word-wrap detection uses
/// only these: with every plausible width in play, any long line would look wrapped.
pub(super) const WORD_WRAP_WIDTHS: [usize; 2] = [80, 120];

/// The console width a block of lines was wrapped at, when the layout shows one: its longest
/// line, when that is a common buffer width or a length several lines share. No line of a
/// block the host wrapped is longer than the width, so a shorter line of a common length
/// proves nothing.
pub(super) fn detect_width(block: &[L<'_>]) -> Option<usize> {
    let max = block.iter().map(|l| l.width).max()?;
    let shared = max >= 40 && block.iter().filter(|l| l.width == max).count() >= 2;
    (COMMON_WIDTHS.contains(&max) || shared).then_some(max)
}

/// Whether a line `line_width` cells wide filled a console `width` cells wide, so that `next`
/// continues it where the host cut it. A wide character does not fit in the last cell, so a
/// line cut before one may stop a cell short.
pub(super) fn fills(line_width: usize, width: Option<usize>, next: &str) -> bool {
    width.is_some_and(|w| line_width == w || (line_width + 1 == w && next.chars().next().is_some_and(is_wide)))
}

/// Joins wrapped segments. A segment whose line filled the console width was cut by the host,
/// possibly mid-word, so the next one is appended as is; otherwise the break was at a space
/// that the wrap consumed, so a single space goes back.
pub(super) fn join_segments<'s>(segments: impl IntoIterator<Item = (&'s str, usize)>, width: Option<usize>) -> String {
    let mut out = String::new();
    let mut previous_width = None;
    for (segment, line_width) in segments {
        match previous_width {
            Some(previous) if fills(previous, width, segment) => out.push_str(segment),
            _ => {
                if previous_width.is_some() && !out.is_empty() {
                    out.truncate(out.trim_end().len());
                    out.push(' ');
                }
                out.push_str(segment.trim_start());
            }
        }
        previous_width = Some(line_width);
    }
    out.trim().to_string()
}

/// Who wrapped a message's lines.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum WrappedBy {
    /// The console buffer, at its width.
    Console,
    /// PowerShell's console host, which word-wraps warning, verbose and debug messages itself
    /// and keeps the buffer's last cell free, so a line ends one cell short of the width.
    Host,
}

/// Whether `next` continues `prev` as the host's wrap of one long line. Conservative: the
/// previous line must be exactly a console width long (a hard cut), or be long enough that the
/// next line's first word could not have fitted after it (a word wrap).
pub(super) fn wrapped_into(prev: &L<'_>, next: &L<'_>, by: WrappedBy) -> Option<bool> {
    if next.class != Class::Other
        || list_property(&next.text).is_some()
        || command_prefix(&next.text).is_some()
        || concise_prefix(&next.text).is_some_and(|(name, _)| has_approved_verb(name))
    {
        return None;
    }
    if COMMON_WIDTHS.iter().any(|&w| fills(prev.width, Some(w), &next.text)) {
        return Some(true);
    }
    if prev.width < 60 || next.indented() {
        return None;
    }
    let usable = |w: usize| if by == WrappedBy::Host { w - 1 } else { w };
    let width = WORD_WRAP_WIDTHS.iter().copied().map(usable).find(|&w| w >= prev.width)?;
    let first_word = next.text.split_whitespace().next().map_or(0, |w| w.chars().count());
    (prev.width + 1 + first_word > width).then_some(false)
}

impl Parser<'_, '_> {
    /// Extends a one-line message over the lines the host wrapped it onto.
    pub(super) fn continue_wrapped(&self, i: usize, first: &str, by: WrappedBy) -> (String, usize) {
        let mut message = first.trim().to_string();
        let mut last = i;
        while let Some(next) = self.ls.get(last + 1) {
            match wrapped_into(&self.ls[last], next, by) {
                Some(true) => message.push_str(&next.text),
                Some(false) => {
                    message.push(' ');
                    message.push_str(next.text.trim());
                }
                None => break,
            }
            last += 1;
        }
        (message.trim_end().to_string(), last)
    }
}
