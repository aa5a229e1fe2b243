//! Error records in the layouts consoles print: Windows PowerShell's labelled view
//! (`+ CategoryInfo`, `+ FullyQualifiedErrorId`), a record without its labels, the
//! PowerShell 7 concise view, and an ErrorRecord listed property by property
//! (`$Error[0] | Format-List * -Force`).

use std::borrow::Cow;

use super::Parser;
use super::line::POSITION_OPENERS;
use super::line::{
    Class, L, SCRIPT_POSITION, STACK_FRAME, command_prefix, concise_prefix, is_position, is_script_path,
};
use super::list::Property;
use super::wrap::{COMMON_WIDTHS, WrappedBy, detect_width, fills, join_segments};
use crate::parse::producer::{has_approved_verb, is_verb_noun};
use crate::record::{Origin, Record, RecordKind};

/// How far back from its labels an error record's first line may be. Long messages wrapped at
/// 80 columns rarely take more than a few dozen lines; the bound keeps the lookahead linear.
pub(super) const MAX_ERROR_LINES: usize = 200;

/// How many lines after a `Cmd : message` line an `At line:` position may appear when the
/// record has no `+ CategoryInfo` block (truncated paste, or a stream that dropped it).
pub(super) const MAX_UNLABELLED_LOOKAHEAD: usize = 8;

/// Labels longer than this are left as written rather than de-chunked.
pub(super) const MAX_LABEL_BYTES: usize = 64 * 1024;

/// Undoes the Windows PowerShell 5.1 error view's chunking of label values. It cuts
/// `+ CategoryInfo : ...` into pieces of (buffer width - 6) characters and prefixes every piece
/// with four spaces without a newline, so when the output is not host-wrapped (transcripts,
/// redirection) the value carries four stray spaces every N characters
/// (`..., PSRemotin    gTransportException`). The spacing is periodic, which is how it is told
/// from spaces that belong to the value.
pub(super) fn unchunk_label(label_line: &str) -> Cow<'_, str> {
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

/// What a CategoryInfo such as
/// `ResourceUnavailable: (CloudConnector:String) [Import-Module], FileNotFoundException` says.
/// Japanese Windows writes `]、` where English has `], `, and may write a full-width colon.
#[derive(Default)]
pub(super) struct Category<'i> {
    pub(super) category: Option<&'i str>,
    pub(super) target: Option<&'i str>,
    /// What was running, in brackets: the cmdlet, as a rule names it.
    pub(super) activity: Option<&'i str>,
    pub(super) exception: Option<&'i str>,
}

pub(super) fn split_category_info(info: &str) -> Category<'_> {
    let category = info
        .split_once(": (")
        .or_else(|| info.split_once("\u{ff1a} ("))
        .map(|(c, _)| c.trim())
        .filter(|c| !c.is_empty());
    let (before_exception, exception) = match info.rsplit_once(']') {
        Some((head, tail)) => {
            let exception = tail.trim_start().strip_prefix([',', '\u{3001}']).map(str::trim).filter(|e| !e.is_empty());
            (head, exception)
        }
        None => (info, None),
    };
    let activity = before_exception.rsplit_once('[').map(|(_, a)| a.trim()).filter(|a| !a.is_empty());
    let target = info.find('(').and_then(|open| {
        let close = info.rfind(") [").or_else(|| info.rfind(')'))?;
        let inner = info.get(open + 1..close)?;
        let target = inner.rsplit_once(':').map_or(inner, |(t, _)| t).trim();
        (!target.is_empty()).then_some(target)
    });
    Category { category, target, activity, exception }
}

/// The properties `Format-List * -Force` shows of an ErrorRecord (`OriginInfo` for one that
/// came back from a remote session).
const LISTED_ERROR_PROPERTIES: [&str; 10] = [
    "PSMessageDetails",
    "OriginInfo",
    "Exception",
    "TargetObject",
    "CategoryInfo",
    "FullyQualifiedErrorId",
    "ErrorDetails",
    "InvocationInfo",
    "ScriptStackTrace",
    "PipelineIterationInfo",
];

/// Whether a listed object is an ErrorRecord: it has the three properties every error record
/// has and none an ErrorRecord lacks, so an object that merely has an `Exception` property
/// stays an object.
pub(super) fn is_listed_error(properties: &[Property<'_>]) -> bool {
    let has = |name: &str| properties.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    has("Exception")
        && has("CategoryInfo")
        && has("FullyQualifiedErrorId")
        && properties.iter().all(|(n, _)| LISTED_ERROR_PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(n)))
}

/// The width `Format-List` wrapped a listing at: the narrowest console width that holds its
/// longest line. The formatter fills lines to the host's buffer width, or one cell less when
/// it leaves the last column free, so both count.
fn listed_width(block: &[L<'_>]) -> Option<usize> {
    let longest = block.iter().map(|l| l.width).max()?;
    COMMON_WIDTHS.iter().flat_map(|&w| [w - 1, w]).filter(|&w| w >= longest).min()
}

/// Joins the lines of a listed value that the formatter wrapped at `width` cells: a line that
/// filled the width was cut there, maybe mid-word, and the next goes on it as written; any
/// other break was at a space, or a line break of the value, and becomes one space.
fn join_listed(ls: &[L<'_>], segments: &[(usize, &str)], width: Option<usize>) -> String {
    let mut out = String::new();
    let mut previous: Option<usize> = None;
    for &(line, segment) in segments {
        match previous {
            Some(p) if fills(ls[p].width, width, segment) => {
                // A cut that fell on a space leaves it at the end of the full line.
                out.truncate(out.trim_end().len());
                if ls[p].text.ends_with(' ') {
                    out.push(' ');
                }
                out.push_str(segment);
            }
            _ => {
                let segment = segment.trim();
                if !out.is_empty() && !segment.is_empty() {
                    out.push(' ');
                }
                out.push_str(segment);
            }
        }
        previous = Some(line);
    }
    out.trim().to_string()
}

/// The type and message of an exception as its `ToString()` lists it: `Type: message`, maybe
/// ` ---> Inner: message`, then the stack trace, one frame a line, indented three spaces past
/// the value column (`   at ...`, `   場所 ...`, `   bei ...`). A single space there is the
/// message's own when the line before filled the width and was cut before it.
fn listed_exception(ls: &[L<'_>], segments: &[(usize, &str)], width: Option<usize>) -> (Option<String>, String) {
    let message_lines = (1..segments.len())
        .find(|&k| {
            let (previous, _) = segments[k - 1];
            let (_, text) = segments[k];
            text.starts_with("  ") || (text.starts_with(' ') && !fills(ls[previous].width, width, text))
        })
        .unwrap_or(segments.len());
    let text = join_listed(ls, &segments[..message_lines], width);
    let outer = text.split_once(" ---> ").map_or(text.as_str(), |(outer, _)| outer);
    match outer.split_once(": ") {
        Some((type_name, message)) if is_type_name(type_name) => {
            let short = type_name.rsplit('.').next().unwrap_or(type_name);
            (Some(short.to_string()), message.trim().to_string())
        }
        _ => (None, outer.trim().to_string()),
    }
}

/// A .NET type name as an exception's `ToString()` starts: dotted identifiers
/// (`System.Management.Automation.RemoteException`) or one ending in `Exception`.
fn is_type_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'`' | b'+'))
        && (name.contains('.') || name.ends_with("Exception"))
}

/// The parts of one error record, gathered before it becomes a [`Record`].
#[derive(Default)]
pub(super) struct ErrorParts {
    pub(super) command: Option<String>,
    pub(super) message: String,
    pub(super) position: Option<String>,
    pub(super) labels: Vec<(String, String)>,
    pub(super) exception: Option<String>,
    /// The TargetObject itself, where the layout shows it whole (CategoryInfo cuts it).
    pub(super) target: Option<String>,
    /// Where the error was raised, as a ScriptStackTrace says it (the default view says it on
    /// its position line instead).
    pub(super) stack_trace: Option<String>,
}

impl Parser<'_, '_> {
    /// A NormalView error record: message lines, an optional position line with its `+` code
    /// lines, then the labels starting at `anchor`. Lines between `i` and the record's real
    /// first line (output printed just before the error) stay text.
    pub(super) fn labelled_error(&mut self, i: usize, anchor: usize) -> usize {
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
            // A console copy wraps a long label value onto the next line at column 0.
            let continued = next.class == Class::Other
                && (next.indented() || COMMON_WIDTHS.iter().any(|&w| fills(ls[last].width, Some(w), &next.text)));
            if !(label || continued) {
                break;
            }
            last += 1;
        }
        // The labels are left out: redirected output leaves them as long as they are.
        let width = detect_width(&ls[start..anchor]);
        let mut parts = self.message_parts(start, message_end, width);
        parts.position = position_text;
        parts.labels = self.labels(anchor, last);
        self.emit_error(parts, start, last);
        last + 1
    }

    /// Command and message of an error record whose message spans lines `start..end`.
    pub(super) fn message_parts(&self, start: usize, end: usize, width: Option<usize>) -> ErrorParts {
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

    /// The `+ Label : value` lines `anchor..=last`; other lines in between continue the
    /// previous value where the host wrapped it (always mid-word, the view cuts by length).
    pub(super) fn labels(&self, anchor: usize, last: usize) -> Vec<(String, String)> {
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

    pub(super) fn emit_error(&mut self, parts: ErrorParts, first: usize, last: usize) {
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
        let Category { category, target, activity, exception } =
            category_info.map(split_category_info).unwrap_or_default();
        // Without a `Cmd :` prefix (a remote error, a listed one), CategoryInfo still names it.
        if let Some(command) = parts.command.as_deref().or(activity) {
            record.push("command", command);
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
        if let Some(exception) = exception.or(parts.exception.as_deref()) {
            record.push("exception", exception);
        }
        if let Some(target) = parts.target.as_deref().filter(|t| !t.is_empty()).or(target) {
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
        let raised_at = parts
            .position
            .as_deref()
            .and_then(|p| SCRIPT_POSITION.captures(p))
            .or_else(|| parts.stack_trace.as_deref().and_then(|t| STACK_FRAME.captures(t)));
        if let Some(caps) = raised_at {
            let path = &caps[1];
            record.push("script_path", path);
            record.push("script", path.rsplit(['\\', '/']).next().unwrap_or(path));
            record.push("script_line", &caps[2]);
        }
        if thrown_by_own_script(&record, parts.position.as_deref()) {
            record.context.origin = Origin::Script;
        }
        self.emit(record);
    }

    /// An ErrorRecord as `Format-List * -Force` lists it: the Exception's message without the
    /// `Cmd :` prefix of the default view, the cmdlet in CategoryInfo, the whole TargetObject,
    /// the remote end in OriginInfo or before ErrorDetails, where it was raised in
    /// ScriptStackTrace. Values are wrapped at the console width, as the default view's are.
    pub(super) fn listed_error(&mut self, properties: &[Property<'_>], first: usize, last: usize) {
        let ls = self.ls;
        let width = listed_width(&ls[first..=last]);
        let value = |name: &str| {
            properties.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, segments)| segments.as_slice())
        };
        let joined = |name: &str| value(name).map(|s| join_listed(ls, s, width)).filter(|v| !v.is_empty());
        let (exception, exception_message) =
            value("Exception").map_or((None, String::new()), |s| listed_exception(ls, s, width));
        let mut labels = Vec::new();
        for (property, label) in [
            ("CategoryInfo", "CategoryInfo"),
            ("FullyQualifiedErrorId", "FullyQualifiedErrorId"),
            ("OriginInfo", "PSComputerName"),
        ] {
            if let Some(v) = joined(property) {
                labels.push((label.to_string(), v));
            }
        }
        let parts = ErrorParts {
            // The default view shows ErrorDetails in place of the exception's message.
            message: joined("ErrorDetails").unwrap_or(exception_message),
            labels,
            exception,
            target: joined("TargetObject"),
            stack_trace: joined("ScriptStackTrace"),
            ..ErrorParts::default()
        };
        self.emit_error(parts, first, last);
    }

    /// PowerShell 7 ConciseView: `Import-Module: message` on one line (the terminal wraps it),
    /// or, for errors raised in a script, `Cmd: C:\x.ps1:3` followed by a `Line |` block whose
    /// `|` lines after the `~~~` underline hold the message.
    pub(super) fn concise_error(&mut self, i: usize) -> Option<usize> {
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
            let (message, last) = self.continue_wrapped(i, rest, WrappedBy::Console);
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
    pub(super) fn unlabelled_error(&mut self, i: usize) -> Option<usize> {
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
}

pub(super) enum Gutter<'t> {
    /// A numbered line of the failing script or its `~~~~` underline.
    Source,
    Text(&'t str),
}

/// A line of the PowerShell 7 `Line |` block: `  12 | code`, `     | ~~~~`, `     | text`.
pub(super) fn gutter_content(text: &str) -> Option<Gutter<'_>> {
    let trimmed = text.trim_start();
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let content = trimmed[digits..].trim_start().strip_prefix('|')?;
    let content = content.strip_prefix(' ').unwrap_or(content);
    Some(if digits > 0 || content.trim_start().starts_with('~') { Gutter::Source } else { Gutter::Text(content) })
}

/// Module folders whose scripts are the product's own: an error they `throw` is the product's.
const PRODUCT_MODULES: [&str; 4] = ["cloudconnector", "lynconlineconnector", "skypeonlineconnector", "microsoftteams"];

/// Whether an error record is a `throw` of someone's own script or prompt: PowerShell records
/// a thrown string as `OperationStopped: (...) [], RuntimeException` whose error id is the text
/// itself, and shows the `throw` in the position block. A throw inside a product module is
/// the product's error; one in a script of the administrator's (or typed at the prompt)
/// quotes a message, and is not the event it quotes.
fn thrown_by_own_script(record: &Record, position: Option<&str>) -> bool {
    let thrown_text = record.get("category").is_some_and(|c| c.eq_ignore_ascii_case("OperationStopped"))
        && record.get("exception").is_some_and(|e| e.eq_ignore_ascii_case("RuntimeException"));
    let throw_shown = position.is_some_and(|p| {
        p.lines().any(|line| line.trim_start_matches(['+', ' ']).to_ascii_lowercase().starts_with("throw"))
    });
    match record.get("script_path").map(str::to_ascii_lowercase) {
        Some(path) if PRODUCT_MODULES.iter().any(|module| path.contains(&format!("\\modules\\{module}\\"))) => false,
        Some(_) => thrown_text || throw_shown,
        // Thrown at the prompt itself; a product cmdlet's error shows the cmdlet there instead.
        None => throw_shown,
    }
}
