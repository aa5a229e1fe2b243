//! PowerShell console text, loose or between transcript prompts.
//!
//! Console output is a rendering, not a data format: the host wraps long lines at the buffer
//! width (usually mid-word), `Format-List` wraps values at word boundaries, `Format-Table` pads
//! cells to columns only the dashes line reveals, and error records are localized everywhere
//! except in their `+ CategoryInfo` / `+ FullyQualifiedErrorId` labels. So the parser
//! classifies every line once, anchors error records on those labels, and undoes wrapping
//! only where the layout proves a wrap happened. It makes one pass over the lines with a
//! bounded lookahead, so the work stays linear in the size of the input.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::parse::lines::{self, Line};
use crate::parse::producer::{has_approved_verb, is_verb_noun};
use crate::record::{FieldName, Parsed, Record, RecordKind, Span};

/// Buffer widths people actually run consoles at. A line exactly this long was almost
/// certainly cut by the host, so its continuation joins without a separator.
const COMMON_WIDTHS: [usize; 16] = [80, 90, 100, 110, 120, 128, 130, 132, 140, 150, 160, 180, 200, 220, 240, 250];

/// The default console widths (conhost before and after Windows 10). Word-wrap detection uses
/// only these: with every plausible width in play, any long line would look wrapped.
const WORD_WRAP_WIDTHS: [usize; 2] = [80, 120];

/// How far back from its labels an error record's first line may be. Long messages wrapped at
/// 80 columns rarely take more than a few dozen lines; the bound keeps the lookahead linear.
const MAX_ERROR_LINES: usize = 200;

/// How many lines after a `Cmd : message` line an `At line:` position may appear when the
/// record has no `+ CategoryInfo` block (truncated paste, or a stream that dropped it).
const MAX_UNLABELLED_LOOKAHEAD: usize = 8;

/// How far a misaligned table cell may overflow its column before we stop looking for the
/// whitespace that really separates it from the next one.
const MAX_CELL_SHIFT: usize = 40;

/// Labels longer than this are left as written rather than de-chunked.
const MAX_LABEL_BYTES: usize = 64 * 1024;

/// A dashes line with more runs than this is a ruler or art, not a table header.
const MAX_COLUMNS: usize = 128;

/// Only this many leading bytes are searched for `Cmd : ` / `Name : ` separators: command
/// names, script paths and property names are short, and an unbounded search on every
/// probe would make a huge single line expensive.
const PREFIX_WINDOW: usize = 512;

/// Stream prefixes as Windows PowerShell prints them in its shipped UI languages. Unlike the
/// error labels these are localized, so the common translations are listed.
const WARNING_PREFIXES: &[&str] = &["WARNING", "WARNUNG", "AVERTISSEMENT", "ADVERTENCIA", "AVVISO", "AVISO", "警告"];
const VERBOSE_PREFIXES: &[&str] = &["VERBOSE", "AUSFÜHRLICH", "COMMENTAIRES", "DETALLADO", "DETTAGLIATO", "詳細"];
const DEBUG_PREFIXES: &[&str] = &["DEBUG", "DEBUGGEN", "DÉBOGUER", "DEPURAR"];

/// Words that open a localized position line (`At line:1 char:1`, `In Zeile:1 Zeichen:1`,
/// `Au caractère ...`, `En línea: 1 ...`, `発生場所 行:1 ...`). Used only to rejoin a position
/// whose long script path made the host wrap it.
const POSITION_OPENERS: &[&str] = &["At ", "In ", "Au ", "En ", "Em ", "Bei ", "発生場所"];

/// A script path followed by `:<line>`, as in `At C:\x\MtHostCommon.ps1:681 char:14`,
/// `In C:\x.ps1:12 Zeichen:5` or the PowerShell 7 `Get-Item: C:\x.ps1:3`.
static SCRIPT_POSITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)((?:[a-z]:[\\/]|\\\\|/)[^:\r\n]*?\.ps[dm]?1):\s?(\d+)").expect("valid regex"));

/// Parses console output lines. `producer` is the cmdlet that produced this output (from a
/// transcript prompt or the file name), if known.
///
/// The lines carry absolute offsets into `full_text`, which is what the spans index; the text
/// itself is read from the lines.
pub fn parse_lines(lines: &[Line<'_>], _full_text: &str, producer: Option<&str>, out: &mut Parsed) {
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
    parse_lines(&all, text, producer, &mut out);
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stream {
    Warning,
    Verbose,
    Debug,
}

/// What a line is on its own, decided once so lookaheads never re-scan it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Blank,
    /// `+ CategoryInfo` or `+ FullyQualifiedErrorId`: never localized, so they prove an error
    /// record whatever language the message is in.
    Anchor,
    /// Another `    + Label : value` line of an error record (`+ PSComputerName`).
    Label,
    /// `+ code` / `+ ~~~~` lines under a position line: they start in column 0.
    Code,
    Stream(Stream),
    /// Only dashes and spaces: the underline of a `Format-Table` header.
    Dashes,
    Other,
}

/// A line with its ANSI colouring removed (PowerShell 7 writes SGR sequences into redirected
/// output and some transcripts) and its width in characters, which is what wrapping counts.
struct L<'a> {
    text: Cow<'a, str>,
    start: usize,
    end: usize,
    number: u32,
    class: Class,
    width: usize,
}

impl<'a> L<'a> {
    fn new(line: &Line<'a>) -> L<'a> {
        let text = strip_ansi(line.text);
        let class = classify(&text);
        let width = text.chars().count();
        L { text, start: line.start, end: line.end, number: line.number, class, width }
    }

    fn indented(&self) -> bool {
        self.text.starts_with(char::is_whitespace)
    }
}

fn strip_ansi(text: &str) -> Cow<'_, str> {
    if memchr::memchr(0x1b, text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // CSI: parameters and intermediates up to a final byte in @..~.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC (hyperlinks, titles): up to BEL or ESC \.
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' {
                        chars.next_if_eq(&'\\');
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    Cow::Owned(out)
}

fn classify(text: &str) -> Class {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Class::Blank;
    }
    let indented = trimmed.len() != text.len();
    if let Some(rest) = trimmed.strip_prefix('+') {
        return match label_name(rest) {
            Some("CategoryInfo" | "FullyQualifiedErrorId") => Class::Anchor,
            Some("PSComputerName") => Class::Label,
            Some(_) if indented => Class::Label,
            _ if !indented => Class::Code,
            _ => Class::Other,
        };
    }
    if !indented && let Some((stream, _)) = stream_prefix(text) {
        return Class::Stream(stream);
    }
    if trimmed.bytes().all(|b| b == b'-' || b == b' ') {
        return Class::Dashes;
    }
    Class::Other
}

/// The name of a `+ Name     : value` label (text after the `+`).
fn label_name(after_plus: &str) -> Option<&str> {
    let rest = after_plus.strip_prefix(' ')?;
    let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    if name_len == 0 {
        return None;
    }
    let (name, tail) = rest.split_at(name_len);
    tail.trim_start_matches(' ').starts_with(':').then_some(name)
}

/// `WARNING: text` (or the French `AVERTISSEMENT : text`): the stream and the message.
fn stream_prefix(text: &str) -> Option<(Stream, &str)> {
    let groups: [(&[&str], Stream); 3] =
        [(WARNING_PREFIXES, Stream::Warning), (VERBOSE_PREFIXES, Stream::Verbose), (DEBUG_PREFIXES, Stream::Debug)];
    for (words, stream) in groups {
        for word in words {
            if let Some(rest) = text.strip_prefix(word) {
                let rest = rest.strip_prefix(' ').unwrap_or(rest);
                if let Some(message) = rest.strip_prefix(':') {
                    return Some((stream, message.trim()));
                }
            }
        }
    }
    None
}

/// For each line, the first anchor label at or after it within the same block of lines, so
/// finding out whether a line opens an error record costs O(1).
fn anchor_after(ls: &[L<'_>]) -> Vec<Option<usize>> {
    let mut next = vec![None; ls.len()];
    let mut pending = None;
    for (i, l) in ls.iter().enumerate().rev() {
        pending = match l.class {
            Class::Anchor => Some(i),
            Class::Blank | Class::Stream(_) | Class::Dashes => None,
            _ => pending,
        };
        next[i] = pending;
    }
    next
}

/// The longest prefix of `text` no longer than `max` bytes that ends on a char boundary.
fn head(text: &str, max: usize) -> &str {
    let mut cut = text.len().min(max);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

fn is_script_path(name: &str) -> bool {
    let b = name.as_bytes();
    let drive = b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/');
    (drive || name.starts_with("\\\\") || name.starts_with(".\\")) && !name.contains('"')
}

/// `Import-Module : message` or `C:\x.ps1 : message`: how Windows PowerShell starts an error
/// record that names its command. The command must look like one, so `Name : Value` output
/// and wrapped message lines that happen to contain ` : ` are not taken for it.
fn command_prefix(text: &str) -> Option<(&str, &str)> {
    let idx = memchr::memmem::find(head(text, PREFIX_WINDOW).as_bytes(), b" : ")?;
    let name = &text[..idx];
    (is_verb_noun(name) || is_script_path(name)).then(|| (name, &text[idx + 3..]))
}

/// The PowerShell 7 ConciseView prefix `Import-Module: message` (no space before the colon).
fn concise_prefix(text: &str) -> Option<(&str, &str)> {
    let window = head(text, PREFIX_WINDOW);
    let idx = window.find(':')?;
    let name = &text[..idx];
    let rest = &text[idx + 1..];
    let well_formed =
        !name.is_empty() && !name.contains(char::is_whitespace) && (rest.is_empty() || rest.starts_with(' '));
    well_formed.then(|| (name, rest.trim()))
}

/// A `Format-List` line: `Name<padding> : value`. Returns the name, the char column of the
/// colon (every property of one object shares it) and the value.
fn list_property(text: &str) -> Option<(&str, usize, &str)> {
    if text.starts_with(char::is_whitespace) || text.starts_with(['+', '[', '-', '*']) {
        return None;
    }
    let window = head(text, PREFIX_WINDOW);
    let (idx, value) = match memchr::memmem::find(window.as_bytes(), b" : ") {
        Some(idx) => (idx, &text[idx + 3..]),
        None if text.ends_with(" :") && text.len() <= PREFIX_WINDOW => (text.len() - 2, ""),
        None => return None,
    };
    let name = text[..idx].trim_end();
    // Property names are identifiers, occasionally a few words (calculated properties); a
    // sentence containing ` : ` is output, not a property.
    if name.is_empty() || name.len() > 60 || name.split_whitespace().count() > 3 {
        return None;
    }
    Some((name, text[..=idx].chars().count(), value.trim()))
}

/// A position line of an error record in any UI language: it ends in a number and carries a
/// `:<digits>` (or `: <digits>`) marker — `At line:1 char:1`, `In Zeile:1 Zeichen:1`,
/// `Au caractère C:\x.ps1:12 : 5`, `発生場所 行:1 文字:1`, `En línea: 1 Carácter: 1`.
fn is_position(text: &str) -> bool {
    let t = text.trim();
    if t.starts_with('+') || !t.ends_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let b = t.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b':'
            && (b.get(i + 1).is_some_and(u8::is_ascii_digit)
                || (b.get(i + 1) == Some(&b' ') && b.get(i + 2).is_some_and(u8::is_ascii_digit)))
    })
}

/// The console width a block of lines was wrapped at, when the layout shows one: a line
/// exactly as long as a common buffer width, or a longest length shared by several lines.
fn detect_width(block: &[L<'_>]) -> Option<usize> {
    let common = block.iter().map(|l| l.width).filter(|w| COMMON_WIDTHS.contains(w)).max();
    if common.is_some() {
        return common;
    }
    let max = block.iter().map(|l| l.width).max()?;
    (max >= 40 && block.iter().filter(|l| l.width == max).count() >= 2).then_some(max)
}

/// Joins wrapped segments. A segment whose line filled the console width was cut by the host,
/// possibly mid-word, so the next one is appended as is; otherwise the break was at a space
/// that the wrap consumed, so a single space goes back.
fn join_segments<'s>(segments: impl IntoIterator<Item = (&'s str, usize)>, width: Option<usize>) -> String {
    let mut out = String::new();
    let mut hard = false;
    for (k, (segment, line_width)) in segments.into_iter().enumerate() {
        if k > 0 && hard {
            out.push_str(segment);
        } else {
            if k > 0 && !out.is_empty() {
                out.truncate(out.trim_end().len());
                out.push(' ');
            }
            out.push_str(segment.trim_start());
        }
        hard = width == Some(line_width);
    }
    out.trim().to_string()
}

/// Whether `next` continues `prev` as the host's wrap of one long line. Conservative: the
/// previous line must be exactly a console width long (a hard cut), or be long enough that the
/// next line's first word could not have fitted after it (a word wrap).
fn wrapped_into(prev: &L<'_>, next: &L<'_>) -> Option<bool> {
    if next.class != Class::Other
        || list_property(&next.text).is_some()
        || command_prefix(&next.text).is_some()
        || concise_prefix(&next.text).is_some_and(|(name, _)| has_approved_verb(name))
    {
        return None;
    }
    if COMMON_WIDTHS.contains(&prev.width) {
        return Some(true);
    }
    if prev.width < 60 || next.indented() {
        return None;
    }
    let width = WORD_WRAP_WIDTHS.iter().copied().find(|&w| w > prev.width)?;
    let first_word = next.text.split_whitespace().next().map_or(0, |w| w.chars().count());
    (prev.width + 1 + first_word > width).then_some(false)
}

/// Undoes the Windows PowerShell 5.1 error view's chunking of label values. It cuts
/// `+ CategoryInfo : ...` into pieces of (buffer width - 6) characters and prefixes every piece
/// with four spaces without a newline, so when the output is not host-wrapped (transcripts,
/// redirection) the value carries four stray spaces every N characters
/// (`..., PSRemotin    gTransportException`). The spacing is periodic, which is how it is told
/// from spaces that belong to the value.
fn unchunk_label(label_line: &str) -> Cow<'_, str> {
    // Real labels are a few hundred characters; don't expand a pathological line into chars.
    if label_line.len() > MAX_LABEL_BYTES {
        return Cow::Borrowed(label_line);
    }
    let chars: Vec<char> = label_line.chars().collect();
    let value_start = chars.iter().position(|&c| c == ':').map_or(chars.len(), |p| p + 1);
    let is_gap = |at: usize| chars.get(at..at + 4).is_some_and(|s| s.iter().all(|&c| c == ' '));
    let Some(chunk) = (value_start.max(40)..chars.len()).find(|&p| is_gap(p) && chars.get(p + 4) != Some(&' ')) else {
        return Cow::Borrowed(label_line);
    };
    let mut out = String::with_capacity(label_line.len());
    out.extend(&chars[..chunk]);
    let mut at = chunk;
    while at < chars.len() {
        if !is_gap(at) {
            return Cow::Borrowed(label_line);
        }
        let piece_end = (at + 4 + chunk).min(chars.len());
        out.extend(&chars[at + 4..piece_end]);
        at = piece_end;
    }
    Cow::Owned(out)
}

/// Splits `(target:Type)` and the exception type out of a CategoryInfo such as
/// `ResourceUnavailable: (CloudConnector:String) [Import-Module], FileNotFoundException`.
fn split_category_info(info: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let category = info.split_once(": (").map(|(c, _)| c.trim()).filter(|c| !c.is_empty());
    let exception = info.rsplit_once("], ").map(|(_, e)| e.trim()).filter(|e| !e.is_empty());
    let target = info.find('(').and_then(|open| {
        let close = info.rfind(") [").or_else(|| info.rfind(')'))?;
        let inner = info.get(open + 1..close)?;
        let target = inner.rsplit_once(':').map_or(inner, |(t, _)| t).trim();
        (!target.is_empty()).then_some(target)
    });
    (category, exception, target)
}

/// The parts of one error record, gathered before it becomes a [`Record`].
#[derive(Default)]
struct ErrorParts {
    command: Option<String>,
    message: String,
    position: Option<String>,
    labels: Vec<(String, String)>,
    exception: Option<String>,
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

    fn emit(&mut self, mut record: Record) {
        if let Some(producer) = self.producer {
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
                let (message, last) = self.continue_wrapped(i, message);
                let record = Record::new(RecordKind::PsWarning, self.span(i, last)).with("message", message);
                self.emit(record);
                return last + 1;
            }
        }
        i + 1
    }

    /// Extends a one-line message over the lines the host wrapped it onto.
    fn continue_wrapped(&self, i: usize, first: &str) -> (String, usize) {
        let mut message = first.trim().to_string();
        let mut last = i;
        while let Some(next) = self.ls.get(last + 1) {
            match wrapped_into(&self.ls[last], next) {
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

    /// A NormalView error record: message lines, an optional position line with its `+` code
    /// lines, then the labels starting at `anchor`. Lines between `i` and the record's real
    /// first line (output printed just before the error) stay text.
    fn labelled_error(&mut self, i: usize, anchor: usize) -> usize {
        let ls = self.ls;
        let first_code = (i + 1..anchor).find(|&k| ls[k].class == Class::Code).unwrap_or(anchor);
        // The first line that names a command starts the record; a single-token prefix
        // (a function name) is trusted only on the line we started from, since wrapped
        // messages can contain `word : text`.
        let start = (i..first_code).find(|&k| command_prefix(&ls[k].text).is_some()).unwrap_or(i);
        for k in i..start {
            self.text(k, None);
        }
        let position = (start + 1..anchor.saturating_sub(1))
            .rev()
            .find(|&p| ls[p + 1].class == Class::Code && is_position(&ls[p].text));
        let (position_text, message_end) = match position {
            Some(p) => {
                let wrapped = p > start + 1
                    && !POSITION_OPENERS.iter().any(|o| ls[p].text.starts_with(o))
                    && POSITION_OPENERS.iter().any(|o| ls[p - 1].text.starts_with(o));
                if wrapped {
                    (Some(format!("{}{}", ls[p - 1].text.trim_start(), ls[p].text.trim_end())), p - 1)
                } else {
                    (Some(ls[p].text.trim().to_string()), p)
                }
            }
            None => (None, first_code),
        };
        let mut last = anchor;
        while let Some(next) = ls.get(last + 1) {
            let label = matches!(next.class, Class::Anchor | Class::Label);
            if !(label || (next.class == Class::Other && next.indented())) {
                break;
            }
            last += 1;
        }
        let width = detect_width(&ls[start..=last]);
        let mut parts = self.message_parts(start, message_end, width);
        parts.position = position_text;
        parts.labels = self.labels(anchor, last);
        self.emit_error(parts, start, last);
        last + 1
    }

    /// Command and message of an error record whose message spans lines `start..end`.
    fn message_parts(&self, start: usize, end: usize, width: Option<usize>) -> ErrorParts {
        let ls = self.ls;
        if end <= start {
            return ErrorParts::default();
        }
        let first = &ls[start].text;
        let (command, first_segment) = match command_prefix(first) {
            Some((command, rest)) => (Some(command.to_string()), rest),
            None => match first.split_once(" : ") {
                Some((name, rest)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                    (Some(name.to_string()), rest)
                }
                _ => (None, first.as_ref()),
            },
        };
        let segments = std::iter::once((first_segment, ls[start].width))
            .chain((start + 1..end).map(|k| (ls[k].text.as_ref(), ls[k].width)));
        ErrorParts { command, message: join_segments(segments, width), ..ErrorParts::default() }
    }

    /// The `+ Label : value` lines `anchor..=last`; indented lines in between continue the
    /// previous value where the host wrapped it (always mid-word, the view cuts by length).
    fn labels(&self, anchor: usize, last: usize) -> Vec<(String, String)> {
        let mut labels: Vec<(String, String)> = Vec::new();
        for l in &self.ls[anchor..=last] {
            let trimmed = l.text.trim();
            if matches!(l.class, Class::Anchor | Class::Label) {
                let unchunked = unchunk_label(trimmed);
                let (name, value) = unchunked.split_once(':').unwrap_or((&unchunked, ""));
                let name = name.trim_start_matches('+').trim();
                labels.push((name.to_string(), value.trim().to_string()));
            } else if let Some((_, value)) = labels.last_mut() {
                value.push_str(trimmed);
            }
        }
        labels
    }

    fn emit_error(&mut self, parts: ErrorParts, first: usize, last: usize) {
        let mut record = Record::new(RecordKind::PsError, self.span(first, last));
        let label =
            |name: &str| parts.labels.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
        let category_info = label("CategoryInfo");
        let fqid = label("FullyQualifiedErrorId");
        // New-PSSession and friends name the remote end as `[host] ` before the message when
        // there is no PSComputerName label to say it.
        let computer = label("PSComputerName").filter(|c| !c.is_empty()).or_else(|| {
            let host = parts.message.strip_prefix('[')?.split_once("] ")?.0;
            (!host.is_empty() && !host.contains(char::is_whitespace)).then_some(host)
        });
        if let Some(command) = &parts.command {
            record.push("command", command.as_str());
        }
        record.push("message", parts.message.as_str());
        if let Some(position) = &parts.position {
            record.push("position", position.as_str());
        }
        if let Some(info) = category_info {
            record.push("category_info", info);
        }
        if let Some(fqid) = fqid {
            record.push("fully_qualified_error_id", fqid);
        }
        if let Some(computer) = computer {
            record.push("computer", computer);
        }
        let (category, exception, target) = category_info.map_or((None, None, None), split_category_info);
        if let Some(exception) = exception.or(parts.exception.as_deref()) {
            record.push("exception", exception);
        }
        if let Some(target) = target {
            record.push("target", target);
        }
        if let Some(category) = category {
            record.push("category", category);
        }
        if let Some(id) = fqid.and_then(|f| f.split(',').next()).map(str::trim).filter(|id| !id.is_empty()) {
            record.push("error_id", id);
        }
        for (name, value) in &parts.labels {
            if !["CategoryInfo", "FullyQualifiedErrorId", "PSComputerName"].iter().any(|k| k.eq_ignore_ascii_case(name))
            {
                record.push(name.clone(), value.as_str());
            }
        }
        if let Some(caps) = parts.position.as_deref().and_then(|p| SCRIPT_POSITION.captures(p)) {
            let path = &caps[1];
            record.push("script_path", path);
            record.push("script", path.rsplit(['\\', '/']).next().unwrap_or(path));
            record.push("script_line", &caps[2]);
        }
        self.emit(record);
    }

    /// PowerShell 7 ConciseView: `Import-Module: message` on one line (the terminal wraps it),
    /// or, for errors raised in a script, `Cmd: C:\x.ps1:3` followed by a `Line |` block whose
    /// `|` lines after the `~~~` underline hold the message.
    fn concise_error(&mut self, i: usize) -> Option<usize> {
        let ls = self.ls;
        let (name, rest) = concise_prefix(&ls[i].text)?;
        let block = ls.get(i + 1).is_some_and(|n| n.text.trim() == "Line |");
        let named_command = is_verb_noun(name) || is_script_path(name);
        let mut parts = ErrorParts {
            command: named_command.then(|| name.to_string()),
            exception: name.ends_with("Exception").then(|| name.to_string()),
            ..ErrorParts::default()
        };
        if !block {
            if !has_approved_verb(name) {
                return None;
            }
            let (message, last) = self.continue_wrapped(i, rest);
            parts.message = message;
            self.emit_error(parts, i, last);
            return Some(last + 1);
        }
        let mut last = i + 1;
        let mut message: Vec<&str> = Vec::new();
        while let Some(content) = ls.get(last + 1).and_then(|l| gutter_content(&l.text)) {
            last += 1;
            match content {
                // The message is whatever follows the last quoted source line.
                Gutter::Source => message.clear(),
                Gutter::Text(t) => message.push(t),
            }
        }
        parts.message = message.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ");
        if parts.message.is_empty() {
            parts.message = rest.to_string();
        } else if !rest.is_empty() {
            parts.position = Some(rest.to_string());
        }
        self.emit_error(parts, i, last);
        Some(last + 1)
    }

    /// `Cmd : message` with an `At line:` position and `+` code lines but no label block.
    fn unlabelled_error(&mut self, i: usize) -> Option<usize> {
        let ls = self.ls;
        command_prefix(&ls[i].text)?;
        let limit = (i + 1 + MAX_UNLABELLED_LOOKAHEAD).min(ls.len().saturating_sub(1));
        let mut position = None;
        for k in i + 1..limit {
            if ls[k].class != Class::Other {
                break;
            }
            if ls[k + 1].class == Class::Code && is_position(&ls[k].text) {
                position = Some(k);
                break;
            }
        }
        let p = position?;
        let mut last = p + 1;
        while ls.get(last + 1).is_some_and(|l| l.class == Class::Code) {
            last += 1;
        }
        let width = detect_width(&ls[i..=last]);
        let mut parts = self.message_parts(i, p, width);
        parts.position = Some(ls[p].text.trim().to_string());
        self.emit_error(parts, i, last);
        Some(last + 1)
    }

    /// A `Format-List` object: aligned `Name : value` lines up to a blank line, values wrapped
    /// onto lines indented to the value column. A lone `Verb-Noun : text` line is the first
    /// line of an error record pasted without the rest, not an object.
    fn format_list(&mut self, i: usize) -> Option<usize> {
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

    /// A `Format-Table`: header, dashes underline, rows up to a blank line. One object per row.
    fn table(&mut self, header: usize) -> Option<usize> {
        let ls = self.ls;
        let runs = dash_runs(&ls[header + 1].text);
        if runs.len() > MAX_COLUMNS {
            return None;
        }
        let header_text = CharCols::new(&ls[header].text, runs.last().map_or(1, |r| r.1 + 1));
        let names: Vec<&str> = runs.iter().map(|&(s, e)| header_text.slice(s, e).trim()).collect();
        // Every underline sits under header text; anything else is a ruler under a title.
        if names.is_empty() || names.iter().any(|n| n.is_empty()) {
            return None;
        }
        // Shared by every row: a row names its fields without copying the header.
        let names: Vec<FieldName> = names.into_iter().map(|n| FieldName::Shared(n.into())).collect();
        let mut rows = Vec::new();
        let mut last = header + 1;
        while let Some(next) = ls.get(last + 1) {
            if next.class == Class::Blank {
                break;
            }
            last += 1;
            rows.push(last);
        }
        let limit = runs.last().map_or(0, |r| r.1) + 4 * MAX_CELL_SHIFT;
        let right_aligned = right_aligned_columns(&runs, rows.iter().map(|&r| CharCols::new(&ls[r].text, limit)));
        let mut objects = 0;
        for &row in &rows {
            if let Class::Stream(stream) = ls[row].class {
                // Warnings printed while the pipeline runs land between rows.
                self.stream(row, stream);
                continue;
            }
            let cells = cut_row(&CharCols::new(&ls[row].text, limit), &runs, &right_aligned);
            let mut record = Record::new(RecordKind::PsObject, self.span(row, row));
            record.fields.reserve_exact(names.len() + 1);
            for (name, cell) in names.iter().zip(cells) {
                record.push(name.clone(), cell);
            }
            self.emit(record);
            objects += 1;
        }
        if objects == 0 {
            // Header without rows (empty result): keep both lines visible as text.
            self.text(header, None);
            self.text(header + 1, None);
        }
        Some(last + 1)
    }
}

enum Gutter<'t> {
    /// A numbered line of the failing script or its `~~~~` underline.
    Source,
    Text(&'t str),
}

/// A line of the PowerShell 7 `Line |` block: `  12 | code`, `     | ~~~~`, `     | text`.
fn gutter_content(text: &str) -> Option<Gutter<'_>> {
    let trimmed = text.trim_start();
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let content = trimmed[digits..].trim_start().strip_prefix('|')?;
    let content = content.strip_prefix(' ').unwrap_or(content);
    Some(if digits > 0 || content.trim_start().starts_with('~') { Gutter::Source } else { Gutter::Text(content) })
}

/// Joins a `Format-List` value's lines. The formatter wraps at word boundaries, so a single
/// space goes back between lines (which keeps wrapped `{a, b, c...}` lists as written); only a
/// line that is one unbroken token filling the whole width was a word too long to fit and is
/// glued to the next.
fn join_list_value(ls: &[L<'_>], segments: &[(usize, &str)], wrap_width: usize) -> String {
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

/// Column positions (char start, char end) from the dashes line.
fn dash_runs(text: &str) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, c) in text.chars().chain(std::iter::once(' ')).enumerate() {
        match (c == '-', start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i));
                start = None;
                if runs.len() > MAX_COLUMNS {
                    break;
                }
            }
            _ => {}
        }
    }
    runs
}

/// Char-indexed access to the first `limit` chars of a line: table columns count characters,
/// and a huge row must not be expanded whole.
struct CharCols<'t> {
    text: &'t str,
    /// Byte offset and character per column; `None` when the columns read are all ASCII
    /// (nearly every table), where a column is a byte.
    chars: Option<Vec<(usize, char)>>,
    /// Columns read: at most the limit.
    len: usize,
    complete: bool,
}

impl<'t> CharCols<'t> {
    fn new(text: &'t str, limit: usize) -> CharCols<'t> {
        let ascii = text.len().min(limit);
        if text.as_bytes()[..ascii].is_ascii() {
            let complete = text.len() < limit || (limit > 0 && text.len() == limit);
            return CharCols { text, chars: None, len: ascii, complete };
        }
        CharCols::by_chars(text, limit)
    }

    fn by_chars(text: &'t str, limit: usize) -> CharCols<'t> {
        let chars: Vec<(usize, char)> = text.char_indices().take(limit).collect();
        let complete = chars.len() < limit || chars.last().is_some_and(|&(b, c)| b + c.len_utf8() == text.len());
        CharCols { text, len: chars.len(), chars: Some(chars), complete }
    }

    fn byte(&self, pos: usize) -> usize {
        match &self.chars {
            None if pos < self.len => pos,
            None => self.text.len(),
            Some(chars) => chars.get(pos).map_or(self.text.len(), |&(b, _)| b),
        }
    }

    fn is_space(&self, pos: usize) -> bool {
        match &self.chars {
            None => self.text.as_bytes().get(pos).is_none_or(|&b| pos >= self.len || char::from(b).is_whitespace()),
            Some(chars) => chars.get(pos).is_none_or(|&(_, c)| c.is_whitespace()),
        }
    }

    fn is_beyond(&self, pos: usize) -> bool {
        pos >= self.len && self.complete
    }

    fn slice(&self, start: usize, end: usize) -> &'t str {
        let (s, e) = (self.byte(start), self.byte(end));
        self.text.get(s..e.max(s)).unwrap_or("")
    }
}

/// Which columns are right-aligned (numbers): their values end under the end of the dashes
/// and may start left of them, so the cell boundary is found from the right.
fn right_aligned_columns<'t>(runs: &[(usize, usize)], rows: impl Iterator<Item = CharCols<'t>>) -> Vec<bool> {
    let mut votes = vec![(0usize, 0usize); runs.len()];
    for row in rows {
        for (k, &(s, e)) in runs.iter().enumerate() {
            if !row.is_space(s) {
                votes[k].0 += 1;
            } else if !row.is_space(e.saturating_sub(1)) {
                votes[k].1 += 1;
            }
        }
    }
    votes.into_iter().map(|(left, right)| right > left).collect()
}

/// Cuts a row into cells at the column boundaries. A cell that overflows its column (PS
/// normally truncates with `...`, but not always) pushes the boundary to the nearest
/// whitespace, and the overflow carries over to the following boundaries.
fn cut_row(row: &CharCols<'_>, runs: &[(usize, usize)], right_aligned: &[bool]) -> Vec<String> {
    let mut cells = Vec::with_capacity(runs.len());
    let mut cur = 0usize;
    let mut shift = 0isize;
    for k in 1..runs.len() {
        let shifted = |p: usize| p.saturating_add_signed(shift);
        let gap = shifted(runs[k].0.saturating_sub(1));
        let from_right = right_aligned[k].then(|| shifted(runs[k].1.saturating_sub(1))).and_then(|end| {
            if row.is_space(end) {
                return None;
            }
            (cur..end).rev().find(|&p| row.is_space(p))
        });
        let split = match from_right {
            Some(split) => split,
            None => {
                let split = nearest_space(row, gap, cur);
                shift += split as isize - gap as isize;
                split
            }
        }
        .max(cur);
        cells.push(row.slice(cur, split).trim().to_string());
        cur = split + 1;
    }
    cells.push(row.text.get(row.byte(cur)..).unwrap_or("").trim().to_string());
    cells
}

fn nearest_space(row: &CharCols<'_>, gap: usize, floor: usize) -> usize {
    if row.is_space(gap) || row.is_beyond(gap) {
        return gap;
    }
    for d in 1..=MAX_CELL_SHIFT {
        if row.is_space(gap + d) {
            return gap + d;
        }
        if gap > floor + d && row.is_space(gap - d) {
            return gap - d;
        }
    }
    gap
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(parsed: &Parsed) -> Vec<RecordKind> {
        parsed.records.iter().map(|r| r.kind).collect()
    }

    fn only(parsed: &Parsed, kind: RecordKind) -> Vec<&Record> {
        parsed.records.iter().filter(|r| r.kind == kind).collect()
    }

    #[test]
    fn windows_powershell_module_not_found() {
        let text = [
            "Import-Module : The specified module 'CloudConnector' was not loaded because no valid module file was found in any",
            "module directory.",
            "At line:1 char:1",
            "+ Import-Module CloudConnector",
            "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            "    + CategoryInfo          : ResourceUnavailable: (CloudConnector:String) [Import-Module], FileNotFoundException",
            "    + FullyQualifiedErrorId : Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand",
            "",
        ]
        .join("\r\n");
        let parsed = parse(&text, Some("Import-Module"));
        assert_eq!(kinds(&parsed), [RecordKind::PsError]);
        let r = &parsed.records[0];
        assert_eq!(r.get("command"), Some("Import-Module"));
        assert_eq!(
            r.get("message"),
            Some(
                "The specified module 'CloudConnector' was not loaded because no valid module file was found in any module directory."
            )
        );
        assert_eq!(r.get("position"), Some("At line:1 char:1"));
        assert_eq!(
            r.get("category_info"),
            Some("ResourceUnavailable: (CloudConnector:String) [Import-Module], FileNotFoundException")
        );
        assert_eq!(
            r.get("fully_qualified_error_id"),
            Some("Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand")
        );
        assert_eq!(r.get("exception"), Some("FileNotFoundException"));
        assert_eq!(r.get("target"), Some("CloudConnector"));
        assert_eq!(r.get("category"), Some("ResourceUnavailable"));
        assert_eq!(r.get("error_id"), Some("Modules_ModuleNotFound"));
        assert_eq!(r.get("producer"), Some("Import-Module"));
        assert_eq!(r.get("script"), None);
        assert_eq!(r.get("computer"), None);
        assert_eq!((r.span.first_line, r.span.last_line), (1, 7));
        assert_eq!(r.span.bytes.start, 0);
        assert!(text[..r.span.bytes.end].ends_with("ImportModuleCommand"));
    }

    #[test]
    fn convertto_securestring_in_a_module_script() {
        let text = [
            "ConvertTo-SecureString : Key not valid for use in specified state.",
            "At C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\Internal\\MtHostCommon.ps1:681 char:14",
            "+ ...   $secure = ConvertTo-SecureString -String $encrypted",
            "+                 ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            "    + CategoryInfo          : InvalidArgument: (:) [ConvertTo-SecureString], CryptographicException",
            "    + FullyQualifiedErrorId : ImportSecureString_InvalidArgument_CryptographicError,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand",
        ]
        .join("\n");
        let parsed = parse(&text, None);
        assert_eq!(kinds(&parsed), [RecordKind::PsError]);
        let r = &parsed.records[0];
        assert_eq!(r.get("command"), Some("ConvertTo-SecureString"));
        assert_eq!(r.get("message"), Some("Key not valid for use in specified state."));
        assert_eq!(r.get("exception"), Some("CryptographicException"));
        assert_eq!(r.get("target"), None);
        assert_eq!(r.get("error_id"), Some("ImportSecureString_InvalidArgument_CryptographicError"));
        assert_eq!(r.get("script"), Some("MtHostCommon.ps1"));
        assert_eq!(r.get("script_line"), Some("681"));
        assert_eq!(
            r.get("script_path"),
            Some("C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\Internal\\MtHostCommon.ps1")
        );
        assert_eq!(r.get("producer"), None);
        assert_eq!((r.span.first_line, r.span.last_line), (1, 6));
    }

    const SHELLS_MESSAGE: &str = "[admin.vdomain.com] Connecting to remote server admin.vdomain.com failed with the following error message : The WS-Management service cannot process the request. The maximum number of concurrent shells for this user has been exceeded. Close existing shells or raise the quota for this user. For more information, see the about_Remote_Troubleshooting Help topic.";

    #[test]
    fn remote_session_error_hard_wrapped_at_120_columns() {
        let text = [
            "PS C:\\> is not part of this output",
            "New-PSSession : [admin.vdomain.com] Connecting to remote server admin.vdomain.com failed with the following error messag",
            "e : The WS-Management service cannot process the request. The maximum number of concurrent shells for this user has been",
            " exceeded. Close existing shells or raise the quota for this user. For more information, see the about_Remote_Troublesho",
            "oting Help topic.",
            "At line:1 char:6",
            "+ $s = New-PSSession -ConnectionUri https://admin.vdomain.com/OcsPowershellLiveId -Credential $cred",
            "+      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            "    + CategoryInfo          : OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [New-PSSession], PSRemotin",
            "   gTransportException",
            "    + FullyQualifiedErrorId : -2144108174,PSSessionOpenFailed",
        ]
        .join("\n");
        let parsed = parse(&text, None);
        assert_eq!(kinds(&parsed), [RecordKind::Text, RecordKind::PsError]);
        let r = &parsed.records[1];
        assert_eq!(r.get("command"), Some("New-PSSession"));
        assert_eq!(r.get("message"), Some(SHELLS_MESSAGE));
        assert_eq!(
            r.get("category_info"),
            Some(
                "OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [New-PSSession], PSRemotingTransportException"
            )
        );
        assert_eq!(r.get("exception"), Some("PSRemotingTransportException"));
        assert_eq!(r.get("target"), Some("System.Manageme....RemoteRunspace"));
        assert_eq!(r.get("fully_qualified_error_id"), Some("-2144108174,PSSessionOpenFailed"));
        assert_eq!(r.get("error_id"), Some("-2144108174"));
        assert_eq!(r.get("computer"), Some("admin.vdomain.com"));
        assert_eq!(r.get("position"), Some("At line:1 char:6"));
        assert_eq!((r.span.first_line, r.span.last_line), (2, 11));
    }

    #[test]
    fn unwrapped_output_undoes_the_label_chunking() {
        // Redirected at an 80-column width: the message is one line, the label carries the
        // error view's four-space seams.
        let text = [
            &format!("New-PSSession : {SHELLS_MESSAGE}"),
            "At line:1 char:6",
            "+ $s = New-PSSession -ConnectionUri https://admin.vdomain.com/OcsPowershellLiveId -Credential $cred",
            "+      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            "    + CategoryInfo          : OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [New-PSSession],     PSRemotingTransportException",
            "    + FullyQualifiedErrorId : ImportSecureString_InvalidArgument_Cryptographic    Error,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand",
        ]
        .join("\n");
        let parsed = parse(&text, None);
        let r = &parsed.records[0];
        assert_eq!(r.get("message"), Some(SHELLS_MESSAGE));
        assert_eq!(
            r.get("category_info"),
            Some(
                "OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [New-PSSession], PSRemotingTransportException"
            )
        );
        assert_eq!(
            r.get("fully_qualified_error_id"),
            Some(
                "ImportSecureString_InvalidArgument_CryptographicError,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand"
            )
        );
    }

    #[test]
    fn german_record_with_script_position() {
        let text = [
            "Import-Module : Das angegebene Modul \"CloudConnector\" wurde nicht geladen, da in keinem Modulverzeichnis eine gültige",
            "Moduldatei gefunden wurde.",
            "In C:\\Skripte\\Deploy-Cce.ps1:12 Zeichen:5",
            "+     Import-Module CloudConnector",
            "+     ~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            "    + CategoryInfo          : ResourceUnavailable: (CloudConnector:String) [Import-Module], FileNotFoundException",
            "    + FullyQualifiedErrorId : Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand",
        ]
        .join("\n");
        let parsed = parse(&text, None);
        assert_eq!(kinds(&parsed), [RecordKind::PsError]);
        let r = &parsed.records[0];
        assert_eq!(
            r.get("message"),
            Some(
                "Das angegebene Modul \"CloudConnector\" wurde nicht geladen, da in keinem Modulverzeichnis eine gültige Moduldatei gefunden wurde."
            )
        );
        assert_eq!(r.get("position"), Some("In C:\\Skripte\\Deploy-Cce.ps1:12 Zeichen:5"));
        assert_eq!(r.get("script"), Some("Deploy-Cce.ps1"));
        assert_eq!(r.get("script_line"), Some("12"));
        assert_eq!(r.get("error_id"), Some("Modules_ModuleNotFound"));
    }

    #[test]
    fn localized_position_lines() {
        for position in
            ["In Zeile:1 Zeichen:1", "Au caractère C:\\x.ps1:12 : 5", "発生場所 行:1 文字:1", "En línea: 1 Carácter: 1"]
        {
            let text = [
                "Get-CcRunningVersion : message",
                position,
                "+ Get-CcRunningVersion",
                "+ ~~~~~~~~~~~~~~~~~~~~",
                "    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException",
                "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,Get-CcRunningVersion",
            ]
            .join("\n");
            let parsed = parse(&text, None);
            assert_eq!(kinds(&parsed), [RecordKind::PsError], "{position}");
            assert_eq!(parsed.records[0].get("position"), Some(position));
            assert_eq!(parsed.records[0].get("message"), Some("message"));
        }
    }

    #[test]
    fn records_without_a_command_prefix() {
        let text = [
            "C:\\Scripts\\Check-Cce.ps1 : The CMS VM is not running",
            "    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException",
            "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,Check-Cce.ps1",
            "",
            "Cannot find path 'C:\\nope' because it does not exist.",
            "    + CategoryInfo          : ObjectNotFound: (C:\\nope:String) [Get-Item], ItemNotFoundException",
            "    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand",
            "    + PSComputerName        : CCE-HOST01",
        ]
        .join("\n");
        let parsed = parse(&text, None);
        assert_eq!(kinds(&parsed), [RecordKind::PsError, RecordKind::PsError]);
        let script = &parsed.records[0];
        assert_eq!(script.get("command"), Some("C:\\Scripts\\Check-Cce.ps1"));
        assert_eq!(script.get("message"), Some("The CMS VM is not running"));
        assert_eq!(script.get("exception"), Some("WriteErrorException"));
        let remote = &parsed.records[1];
        assert_eq!(remote.get("command"), None);
        assert_eq!(remote.get("message"), Some("Cannot find path 'C:\\nope' because it does not exist."));
        assert_eq!(remote.get("target"), Some("C:\\nope"));
        assert_eq!(remote.get("computer"), Some("CCE-HOST01"));
        assert_eq!(remote.get("error_id"), Some("PathNotFound"));
        assert_eq!((remote.span.first_line, remote.span.last_line), (5, 8));
    }

    #[test]
    fn output_glued_to_an_error_stays_text() {
        let text = [
            "2.1.0.0",
            "Stop-CsWindowsService : The term 'Stop-CsWindowsService' is not recognized as the name of a cmdlet, function, script",
            "file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct",
            "and try again.",
            "At C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\Internal\\CcUpdate.ps1:120 char:9",
            "+         Stop-CsWindowsService -ComputerName $computer",
            "+         ~~~~~~~~~~~~~~~~~~~~~",
            "    + CategoryInfo          : ObjectNotFound: (Stop-CsWindowsService:String) [], CommandNotFoundException",
            "    + FullyQualifiedErrorId : CommandNotFoundException",
        ]
        .join("\n");
        let parsed = parse(&text, Some("Enter-CcUpdate"));
        assert_eq!(kinds(&parsed), [RecordKind::Text, RecordKind::PsError]);
        assert_eq!(parsed.records[0].get("line"), Some("2.1.0.0"));
        let r = &parsed.records[1];
        assert_eq!(r.get("command"), Some("Stop-CsWindowsService"));
        assert_eq!(
            r.get("message"),
            Some(
                "The term 'Stop-CsWindowsService' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
            )
        );
        assert_eq!(r.get("target"), Some("Stop-CsWindowsService"));
        assert_eq!(r.get("exception"), Some("CommandNotFoundException"));
        assert_eq!(r.get("error_id"), Some("CommandNotFoundException"));
        assert_eq!(r.get("script"), Some("CcUpdate.ps1"));
        assert_eq!(r.get("script_line"), Some("120"));
    }

    #[test]
    fn error_with_position_but_no_labels() {
        let text = [
            "ForEach-Object : The property 'Common' cannot be found on this object. Verify that the property exists.",
            "At C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\Internal\\MtHostCommon.ps1:681 char:14",
            "+ ... $config | ForEach-Object { $_.Common }",
            "+              ~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            "",
            "done",
        ]
        .join("\n");
        let parsed = parse(&text, None);
        assert_eq!(kinds(&parsed), [RecordKind::PsError, RecordKind::Text]);
        let r = &parsed.records[0];
        assert_eq!(r.get("command"), Some("ForEach-Object"));
        assert_eq!(r.get("script_line"), Some("681"));
        assert_eq!(r.get("category_info"), None);
        assert_eq!((r.span.first_line, r.span.last_line), (1, 4));
    }

    #[test]
    fn lone_command_error_line_is_an_error_not_an_object() {
        let text = "Get-CsWebTicket : Failed to connect live id servers. Make sure proxy is enabled or machine has network connection to live id servers.\n\nName : CMS\n";
        let parsed = parse(text, None);
        assert_eq!(kinds(&parsed), [RecordKind::PsError, RecordKind::PsObject]);
        assert_eq!(parsed.records[0].get("command"), Some("Get-CsWebTicket"));
        assert_eq!(
            parsed.records[0].get("message"),
            Some(
                "Failed to connect live id servers. Make sure proxy is enabled or machine has network connection to live id servers."
            )
        );
        assert_eq!(parsed.records[1].get("Name"), Some("CMS"));
    }

    #[test]
    fn powershell_7_concise_errors() {
        let text = [
            "Import-Module: The specified module 'CloudConnector' was not loaded because no valid module file was found in any module directory.",
            "",
            "Get-Item: C:\\Scripts\\Collect.ps1:3",
            "Line |",
            "   3 |  Get-Item C:\\nope",
            "     |  ~~~~~~~~~~~~~~~~",
            "     | Cannot find path 'C:\\nope' because it does not exist.",
            "\u{1b}[31;1mRegister-CcAppliance: \u{1b}[31;1mCannot register appliance because your current input/configuration conflicts.\u{1b}[0m",
            "Note: not an error",
        ]
        .join("\n");
        let parsed = parse(&text, None);
        assert_eq!(kinds(&parsed), [RecordKind::PsError, RecordKind::PsError, RecordKind::PsError, RecordKind::Text]);
        let first = &parsed.records[0];
        assert_eq!(first.get("command"), Some("Import-Module"));
        assert_eq!(
            first.get("message"),
            Some(
                "The specified module 'CloudConnector' was not loaded because no valid module file was found in any module directory."
            )
        );
        let block = &parsed.records[1];
        assert_eq!(block.get("command"), Some("Get-Item"));
        assert_eq!(block.get("message"), Some("Cannot find path 'C:\\nope' because it does not exist."));
        assert_eq!(block.get("position"), Some("C:\\Scripts\\Collect.ps1:3"));
        assert_eq!(block.get("script"), Some("Collect.ps1"));
        assert_eq!(block.get("script_line"), Some("3"));
        assert_eq!((block.span.first_line, block.span.last_line), (3, 7));
        let coloured = &parsed.records[2];
        assert_eq!(coloured.get("command"), Some("Register-CcAppliance"));
        assert_eq!(
            coloured.get("message"),
            Some("Cannot register appliance because your current input/configuration conflicts.")
        );
        assert_eq!(parsed.records[3].get("line"), Some("Note: not an error"));
    }

    #[test]
    fn warnings_and_other_streams() {
        let text = [
            "WARNING: The names of some imported commands from the module 'tmp_1ohk4ipz.3no' include unapproved verbs that might make",
            " them less discoverable. To find the commands with unapproved verbs, run the Import-Module command again with the Verbos",
            "e parameter. For a list of approved verbs, type Get-Verb.",
            "WARNING: Windows automatic updating is not enabled. To ensure that your",
            "newly-installed role or feature is automatically updated, turn on Windows Update.",
            "WARNING: short one",
            "2.1.0.0",
            "VERBOSE: Loading module from path 'C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\CloudConnector.psd1'.",
            "DEBUG: entering Get-CcVersion",
            "WARNUNG: Ein Neustart ist erforderlich.",
        ]
        .join("\n");
        let parsed = parse(&text, Some("Import-PSSession"));
        assert_eq!(
            kinds(&parsed),
            [
                RecordKind::PsWarning,
                RecordKind::PsWarning,
                RecordKind::PsWarning,
                RecordKind::Text,
                RecordKind::Text,
                RecordKind::Text,
                RecordKind::PsWarning
            ]
        );
        let w = only(&parsed, RecordKind::PsWarning);
        assert_eq!(
            w[0].get("message"),
            Some(
                "The names of some imported commands from the module 'tmp_1ohk4ipz.3no' include unapproved verbs that might make them less discoverable. To find the commands with unapproved verbs, run the Import-Module command again with the Verbose parameter. For a list of approved verbs, type Get-Verb."
            )
        );
        assert_eq!((w[0].span.first_line, w[0].span.last_line), (1, 3));
        assert_eq!(
            w[1].get("message"),
            Some(
                "Windows automatic updating is not enabled. To ensure that your newly-installed role or feature is automatically updated, turn on Windows Update."
            )
        );
        assert_eq!(w[2].get("message"), Some("short one"));
        assert_eq!(w[2].get("producer"), Some("Import-PSSession"));
        assert_eq!(w[3].get("message"), Some("Ein Neustart ist erforderlich."));
        let t = only(&parsed, RecordKind::Text);
        assert_eq!(t[0].get("line"), Some("2.1.0.0"));
        assert_eq!(t[0].get("stream"), None);
        assert_eq!(t[1].get("stream"), Some("verbose"));
        assert_eq!(t[2].get("stream"), Some("debug"));
        assert_eq!(t[2].get("line"), Some("DEBUG: entering Get-CcVersion"));
    }

    #[test]
    fn format_list_objects_with_wrapped_lists() {
        let text = [
            "",
            "Name              : CloudConnector",
            "Path              : C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector\\CloudConnector.psd1",
            "Description       : ",
            "ModuleType        : Manifest",
            "Version           : 2.1.0.0",
            "InstallPaths      : {C:\\Program Files\\Skype for Business Cloud Connector Edition, C:\\ProgramData\\CloudConnector,",
            "                    C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector...}",
            "ExportedFunctions : {Disable-CcUpdate, Enable-CcUpdate, Enter-CcUpdate, Exit-CcUpdate...}",
            "",
            "Name    : msoidsvc",
            "Status  : Stopped",
            "",
        ]
        .join("\n");
        let parsed = parse(&text, Some("Get-Module"));
        assert_eq!(kinds(&parsed), [RecordKind::PsObject, RecordKind::PsObject]);
        let m = &parsed.records[0];
        assert_eq!(m.get("Name"), Some("CloudConnector"));
        assert_eq!(m.get("Description"), Some(""));
        assert_eq!(m.get("Version"), Some("2.1.0.0"));
        assert_eq!(
            m.get("InstallPaths"),
            Some(
                "{C:\\Program Files\\Skype for Business Cloud Connector Edition, C:\\ProgramData\\CloudConnector, C:\\Program Files\\WindowsPowerShell\\Modules\\CloudConnector...}"
            )
        );
        assert_eq!(
            m.get("ExportedFunctions"),
            Some("{Disable-CcUpdate, Enable-CcUpdate, Enter-CcUpdate, Exit-CcUpdate...}")
        );
        assert_eq!(m.get("producer"), Some("Get-Module"));
        assert_eq!((m.span.first_line, m.span.last_line), (2, 9));
        let property_names: Vec<&str> = m.fields.iter().map(|(n, _)| n.as_ref()).collect();
        assert_eq!(
            property_names,
            ["Name", "Path", "Description", "ModuleType", "Version", "InstallPaths", "ExportedFunctions", "producer"]
        );
        assert_eq!(parsed.records[1].get("Status"), Some("Stopped"));
    }

    #[test]
    fn format_table_rows() {
        let text = [
            "",
            "Status   Name               DisplayName",
            "------   ----               -----------",
            "Running  REPLICA            Skype for Business Replica Replicator...",
            "Stopped  RTCSRV             Skype for Business Server Front-End",
            "",
        ]
        .join("\n");
        let parsed = parse(&text, Some("Get-Service"));
        assert_eq!(kinds(&parsed), [RecordKind::PsObject, RecordKind::PsObject]);
        let r = &parsed.records[0];
        assert_eq!(r.get("Status"), Some("Running"));
        assert_eq!(r.get("Name"), Some("REPLICA"));
        assert_eq!(r.get("DisplayName"), Some("Skype for Business Replica Replicator..."));
        assert_eq!(r.get("producer"), Some("Get-Service"));
        assert_eq!((r.span.first_line, r.span.last_line), (4, 4));
        assert_eq!(parsed.records[1].get("DisplayName"), Some("Skype for Business Server Front-End"));
    }

    #[test]
    fn format_table_with_overflowing_cells() {
        let text = [
            "Name                            State   CPUUsage(%) MemoryAssigned(M) Uptime           Status             Version",
            "----                            -----   ----------- ----------------- ------           ------             -------",
            "2.1.0.0-CMS                     Running 0           4096              12.03:44:10.1230000 Operating normally 8.0",
            "2.1.0.0-AD                      Off     0           0                 00:00:00         Operating normally 8.0",
        ]
        .join("\n");
        let parsed = parse(&text, Some("Get-VM"));
        assert_eq!(kinds(&parsed), [RecordKind::PsObject, RecordKind::PsObject]);
        let cms = &parsed.records[0];
        let values: Vec<&str> = cms.fields.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            values,
            ["2.1.0.0-CMS", "Running", "0", "4096", "12.03:44:10.1230000", "Operating normally", "8.0", "Get-VM"]
        );
        assert_eq!(cms.get("MemoryAssigned(M)"), Some("4096"));
        assert_eq!(parsed.records[1].get("State"), Some("Off"));
        assert_eq!(parsed.records[1].get("Uptime"), Some("00:00:00"));
        assert_eq!(parsed.records[1].get("Version"), Some("8.0"));
    }

    #[test]
    fn format_table_with_right_aligned_numbers() {
        let text = [
            "Handles  NPM(K)    PM(K)      WS(K)     CPU(s)     Id  SI ProcessName",
            "-------  ------    -----      -----     ------     --  -- -----------",
            "    532      27    61532      71228       1.45   4312   1 powershell",
            "   1043      40    20136      33880      12.31    876   0 svchost",
            "",
            "Name            IsManagementOs VMName       SwitchName             MacAddress   Status IPAddresses",
            "----            -------------- ------       ----------             ----------   ------ -----------",
            "Network Adapter False          2.1.0.0-CMS  SfB CCE Corpnet Switch 00155D0A1B01 {Ok}   {192.168.213.3, fe80::5d1:9b2c:a1f0:1c7e}",
            "Network Adapter False          2.1.0.0-Edge SfB CCE Internet Switc… 00155D0A1B03 {Ok}   {172.16.0.10, 172.16.0.11, fe80::2d3e:4f5a:6b7c:8d9e...}",
        ]
        .join("\n");
        let parsed = parse(&text, None);
        assert_eq!(kinds(&parsed), [RecordKind::PsObject; 4]);
        let p = &parsed.records[0];
        let values: Vec<&str> = p.fields.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values, ["532", "27", "61532", "71228", "1.45", "4312", "1", "powershell"]);
        assert_eq!(parsed.records[1].get("Id"), Some("876"));
        let nic = &parsed.records[2];
        assert_eq!(nic.get("Name"), Some("Network Adapter"));
        assert_eq!(nic.get("VMName"), Some("2.1.0.0-CMS"));
        assert_eq!(nic.get("SwitchName"), Some("SfB CCE Corpnet Switch"));
        assert_eq!(nic.get("IPAddresses"), Some("{192.168.213.3, fe80::5d1:9b2c:a1f0:1c7e}"));
        let edge = &parsed.records[3];
        assert_eq!(edge.get("SwitchName"), Some("SfB CCE Internet Switc…"));
        assert_eq!(edge.get("MacAddress"), Some("00155D0A1B03"));
        assert_eq!(edge.get("IPAddresses"), Some("{172.16.0.10, 172.16.0.11, fe80::2d3e:4f5a:6b7c:8d9e...}"));
    }

    #[test]
    fn a_mixed_console_capture() {
        let text = [
            "2.1.0.0",
            "",
            "Status   Name               DisplayName",
            "------   ----               -----------",
            "Stopped  msoidsvc           Microsoft Online Services Sign-in A...",
            "",
            "WARNING: The Cloud Connector Management Service is not running.",
            "Get-CsWebTicket : Logon failed for the user 'kenmyer@litwareinc.com'. Please create a new PSCredential object, making",
            "sure that you have used the correct user name and password.",
            "At C:\\Program Files\\Common Files\\Skype for Business Online\\Modules\\SkypeOnlineConnector\\SkypeOnlineConnectorStartup.psm1:149",
            " char:18",
            "+ ...   $webTicket = Get-CsWebTicket -Credential $Credential",
            "+                   ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            "    + CategoryInfo          : AuthenticationError: (:) [Get-CsWebTicket], WebTicketException",
            "    + FullyQualifiedErrorId : LogonFailed,Microsoft.Rtc.Management.Hosted.WebTicket.GetWebTicketCmdlet",
            "",
            "Release : 461814",
            "",
            "just a line",
        ]
        .join("\n");
        let parsed = parse(&text, None);
        assert_eq!(
            kinds(&parsed),
            [
                RecordKind::Text,
                RecordKind::PsObject,
                RecordKind::PsWarning,
                RecordKind::PsError,
                RecordKind::PsObject,
                RecordKind::Text
            ]
        );
        assert_eq!(parsed.records[1].get("DisplayName"), Some("Microsoft Online Services Sign-in A..."));
        let e = &parsed.records[3];
        assert_eq!(e.get("command"), Some("Get-CsWebTicket"));
        assert_eq!(
            e.get("message"),
            Some(
                "Logon failed for the user 'kenmyer@litwareinc.com'. Please create a new PSCredential object, making sure that you have used the correct user name and password."
            )
        );
        assert_eq!(
            e.get("position"),
            Some(
                "At C:\\Program Files\\Common Files\\Skype for Business Online\\Modules\\SkypeOnlineConnector\\SkypeOnlineConnectorStartup.psm1:149 char:18"
            )
        );
        assert_eq!(e.get("script"), Some("SkypeOnlineConnectorStartup.psm1"));
        assert_eq!(e.get("script_line"), Some("149"));
        assert_eq!(e.get("error_id"), Some("LogonFailed"));
        assert_eq!((e.span.first_line, e.span.last_line), (8, 15));
        assert_eq!(parsed.records[4].get("Release"), Some("461814"));
        assert_eq!(parsed.records[5].get("line"), Some("just a line"));
    }

    #[test]
    fn nothing_is_dropped_and_nothing_panics() {
        let samples = [
            "+",
            "+ CategoryInfo",
            "    + CategoryInfo          :",
            "x\n    + FullyQualifiedErrorId : a\n   b",
            "---\n",
            "a\n-- --\n\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
            "Name :",
            "Get-Item:\nLine |\n 1 |",
            "WARNING:",
            " : ",
            "ÄÖÜ : ß\n        ü",
        ];
        for sample in ["\u{1b}[", "\u{1b}]8;;x\u{1b}", "\u{1b}[31m\u{1b}"] {
            // Colour codes alone are a blank line once stripped.
            assert!(parse(sample, None).records.is_empty());
        }
        for sample in samples {
            let parsed = parse(sample, None);
            let non_blank = sample.lines().filter(|l| !l.trim().is_empty()).count();
            let covered: u32 = parsed.records.iter().map(|r| r.span.last_line - r.span.first_line + 1).sum();
            assert!(covered as usize >= non_blank.min(1), "{sample:?}");
        }
    }

    #[test]
    fn huge_lines_stay_linear() {
        let long = "x".repeat(20_000_000);
        let parsed = parse(&long, None);
        assert_eq!(kinds(&parsed), [RecordKind::Text]);
        let many = "Name : v : w\n    + CategoryInfo : x\n".repeat(50_000);
        let parsed = parse(&many, None);
        assert!(!parsed.records.is_empty());
        let table = format!("{}\n{}\n{}\n", "H".repeat(5_000_000), "- ".repeat(2_000_000), "v".repeat(5_000_000));
        assert_eq!(parse(&table, None).records.len(), 3);
        let wide = format!("Name Value\n---- -----\nx    {}\n", "y".repeat(5_000_000));
        assert_eq!(parse(&wide, None).records[0].get("Value").map(str::len), Some(5_000_000));
        let spaces = format!("a\n{}\n", " ".repeat(5_000_000));
        assert_eq!(parse(&spaces, None).records.len(), 1);
    }

    proptest::proptest! {
        /// The ASCII shortcut of `CharCols` reads columns exactly as the per-character path.
        #[test]
        fn ascii_columns_read_as_characters(text in "[ -~\t\x0B\x0C]{0,40}", limit in 0usize..50) {
            let fast = CharCols::new(&text, limit);
            let slow = CharCols::by_chars(&text, limit);
            proptest::prop_assert!(fast.chars.is_none());
            proptest::prop_assert_eq!(fast.complete, slow.complete);
            for pos in 0..limit + 2 {
                proptest::prop_assert_eq!(fast.byte(pos), slow.byte(pos));
                proptest::prop_assert_eq!(fast.is_space(pos), slow.is_space(pos));
                proptest::prop_assert_eq!(fast.is_beyond(pos), slow.is_beyond(pos));
                proptest::prop_assert_eq!(fast.slice(pos / 2, pos), slow.slice(pos / 2, pos));
            }
        }
    }
}
