//! `CceManagementService.log`: the log of the Cloud Connector Management Service.
//!
//! The service logs through a .NET `TextWriterTraceListener`, whose header is
//! `<Source> <EventType>: <Id> : <Message>`. The listener writes the message verbatim, so an
//! exception's `ToString()` spills over many lines (` ---> ` inner exceptions, `   at` frames,
//! `--- End of inner exception stack trace ---`) with no marker of its own: any line that is not
//! a header continues the entry before it. When `TraceOutputOptions` are set the listener adds an
//! indented footer (`ProcessId=`, `LogicalOperationStack=`, `ThreadId=`, `DateTime=`,
//! `Timestamp=`, `Callstack=`, in that order); the footer is not message text, and the multi-line
//! `Callstack=` value always comes last, so everything after the first footer line up to the next
//! header belongs to the footer. The header carries no timestamp; `DateTime=` is the only one.

use crate::parse::lines::{Line, lines};
use crate::record::{Parsed, Record, RecordKind, Span};

/// The names of `System.Diagnostics.TraceEventType`, as `ToString()` spells them.
const EVENT_TYPES: [&str; 10] =
    ["Critical", "Error", "Warning", "Information", "Verbose", "Start", "Stop", "Suspend", "Resume", "Transfer"];

/// Longest event type plus its colon: how far to look for the colon after the source.
const EVENT_TYPE_SCAN: usize = "Information:".len();

/// Whether a line opens an entry: where a big log can be cut without splitting one.
pub fn starts_entry(line: &str) -> bool {
    Header::parse(line).is_some()
}

/// Whether text starts like this log: one of its first five lines opens an entry (lines before
/// the first entry are kept as text, so a log cut mid-entry still counts).
pub fn looks_like_log(head: &str) -> bool {
    head.lines().take(5).any(|line| starts_entry(line.trim_end_matches('\r')))
}

/// How many records [`parse`] makes of `text`, without making them: one per entry, and one per
/// line of text before the first entry. Stretches of a log no rule can match are only counted.
pub fn count_records(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut in_entry = false;
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        // Inside an entry only a header counts, and a line opening with white space (a stack
        // frame, a footer line, a blank line) never is one: most lines of a log are rejected at
        // their first byte, without being split into a `Line`.
        if !in_entry || !bytes[start].is_ascii_whitespace() {
            let line = &text[start..end];
            let line = line.strip_suffix('\r').unwrap_or(line);
            if Header::parse(line).is_some() {
                count += 1;
                in_entry = true;
            } else if !in_entry && !line.trim().is_empty() {
                count += 1;
            }
        }
        start = end + 1;
    }
    count
}

pub fn parse(text: &str) -> Parsed {
    if super::select_string::looks_like_log_hits(text) {
        let records = super::select_string::log_records(&super::lines::all_lines(text));
        return Parsed { records, ..Parsed::default() };
    }
    parse_plain(text)
}

/// The entries of log text as the service wrote it.
pub(super) fn parse_plain(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut current: Option<Entry<'_>> = None;
    for line in lines(text) {
        if let Some(header) = Header::parse(line.text) {
            if let Some(entry) = current.replace(Entry::new(header, line)) {
                parsed.records.push(entry.into_record());
            }
        } else if let Some(entry) = current.as_mut() {
            entry.add(line);
        } else if !line.text.trim().is_empty() {
            let span = Span { bytes: line.start..line.end, first_line: line.number, last_line: line.number };
            parsed.records.push(Record::new(RecordKind::Text, span).with("line", line.text));
        }
    }
    parsed.records.extend(current.map(Entry::into_record));
    parsed
}

/// The parts of an entry's first line.
struct Header<'a> {
    source: &'a str,
    level: &'a str,
    event_id: &'a str,
    message: &'a str,
}

impl<'a> Header<'a> {
    /// Recognises `<Source> <EventType>: <Id> : <Message>`. Continuation lines of a stack trace
    /// start with whitespace, so most lines are rejected at the first byte; the event type must be
    /// one of [`EVENT_TYPES`] and the id an integer, so exception text does not pass for a header.
    fn parse(line: &'a str) -> Option<Header<'a>> {
        let space = memchr::memchr(b' ', line.as_bytes())?;
        let (source, rest) = (&line[..space], &line[space + 1..]);
        // A token ending in ':' is an exception type opening a line of exception text.
        let has_white_space = |s: &str| match s.is_ascii() {
            true => s.bytes().any(|b| b.is_ascii_whitespace() || b == 0x0B),
            false => s.contains(char::is_whitespace),
        };
        if source.is_empty() || source.ends_with(':') || has_white_space(source) {
            return None;
        }
        let colon = memchr::memchr(b':', &rest.as_bytes()[..rest.len().min(EVENT_TYPE_SCAN)])?;
        let level = &rest[..colon];
        if !EVENT_TYPES.contains(&level) {
            return None;
        }
        let rest = rest[colon + 1..].strip_prefix(' ')?;
        // The listener always writes " : " after the id; an empty message leaves " :" (or " : "
        // whose trailing space an editor trimmed) at the end of the line.
        // The id is digits, so it ends at the first space (found with memchr rather than a
        // substring search: this runs on every line of every log).
        let space = memchr::memchr(b' ', rest.as_bytes())?;
        let (event_id, after) = rest.split_at(space);
        let message = match after.strip_prefix(" : ") {
            Some(message) => message,
            None if after == " :" => "",
            None => return None,
        };
        let digits = event_id.strip_prefix('-').unwrap_or(event_id);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Header { source, level, event_id, message })
    }
}

/// An entry being assembled from its header and the lines after it.
struct Entry<'a> {
    header: Header<'a>,
    /// The header's message, then each continuation line after a '\n'.
    message: String,
    /// Blank lines seen since the last text line; written only if more text follows, so trailing
    /// blank lines never end up in the message.
    pending_blank_lines: usize,
    in_footer: bool,
    datetime: Option<&'a str>,
    process_id: Option<&'a str>,
    thread_id: Option<&'a str>,
    bytes_start: usize,
    bytes_end: usize,
    first_line: u32,
    last_line: u32,
}

impl<'a> Entry<'a> {
    fn new(header: Header<'a>, line: Line<'a>) -> Entry<'a> {
        Entry {
            message: header.message.trim_end().to_owned(),
            header,
            pending_blank_lines: 0,
            in_footer: false,
            datetime: None,
            process_id: None,
            thread_id: None,
            bytes_start: line.start,
            bytes_end: line.start + line.text.trim_end().len(),
            first_line: line.number,
            last_line: line.number,
        }
    }

    fn add(&mut self, line: Line<'a>) {
        let text = line.text.trim_end();
        if text.is_empty() {
            self.pending_blank_lines += 1;
            return;
        }
        // The span ends at the entry's last non-blank line, footer included.
        self.bytes_end = line.start + text.len();
        self.last_line = line.number;
        if let Some((key, value)) = footer_field(text) {
            self.in_footer = true;
            let value = value.trim();
            match key {
                "DateTime" => self.datetime = Some(value),
                "ProcessId" => self.process_id = Some(value),
                "ThreadId" => self.thread_id = Some(value),
                _ => {}
            }
        } else if !self.in_footer {
            let newlines = self.pending_blank_lines + 1;
            self.message.extend(std::iter::repeat_n('\n', newlines));
            self.message.push_str(text);
        }
        self.pending_blank_lines = 0;
    }

    fn into_record(self) -> Record {
        let span =
            Span { bytes: self.bytes_start..self.bytes_end, first_line: self.first_line, last_line: self.last_line };
        let mut record = Record::new(RecordKind::CceLog, span)
            .with("source", self.header.source)
            .with("level", self.header.level)
            .with("event_id", self.header.event_id)
            .with("message", self.message);
        // Entries are ordered by their time, against transcripts too (a fix typed at a prompt).
        record.context.at = self.datetime.and_then(crate::time::parse);
        let footer = [("datetime", self.datetime), ("process_id", self.process_id), ("thread_id", self.thread_id)];
        for (name, value) in footer {
            if let Some(value) = value {
                record.push(name, value);
            }
        }
        record
    }
}

/// A footer line: indented `Key=value` with one of the keys `TraceOutputOptions` writes.
fn footer_field(line: &str) -> Option<(&str, &str)> {
    let trimmed = line.trim_start();
    if trimmed.len() == line.len() {
        return None;
    }
    let (key, value) = trimmed.split_once('=')?;
    matches!(key, "ProcessId" | "LogicalOperationStack" | "ThreadId" | "DateTime" | "Timestamp" | "Callstack")
        .then_some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGON_FAILED: &str = "Logon failed for the user admin@contoso.onmicrosoft.com. Please create a new credential object, making sure that you have used the correct user name and password.";

    fn sample() -> String {
        [
            "Trace log opened",
            "",
            "CceService Information: 0 : Start reporting status to online. Appliance: CCE-HOST01, Site: Site1",
            "    ProcessId=2212",
            "    LogicalOperationStack=",
            "    ThreadId=14",
            "    DateTime=2017-11-06T09:15:02.1234567Z",
            "    Timestamp=12873749209131",
            &format!(
                "CceService Error: 0 : Unexpected exception when reporting status to online: System.Management.Automation.CmdletInvocationException: {LOGON_FAILED} ---> System.Management.Automation.Remoting.PSRemotingTransportException: {LOGON_FAILED}"
            ),
            "   at System.Management.Automation.Runspaces.AsyncResult.EndInvoke()",
            "   at System.Management.Automation.Runspaces.Internal.RunspacePoolInternal.EndOpen(IAsyncResult asyncResult)",
            "",
            "   --- End of inner exception stack trace ---",
            "   at System.Management.Automation.Runspaces.PipelineBase.Invoke(IEnumerable input)   ",
            "   at Microsoft.Rtc.Management.Hybrid.CceService.OnlineStatusReporter.ReportStatus()",
            "",
            "    ProcessId=2212",
            "    ThreadId=9",
            "    DateTime=2017-11-06T09:20:03.0000000Z",
            "    Callstack=   at System.Environment.GetStackTrace(Exception e, Boolean needFileInfo)",
            "   at System.Diagnostics.TraceEventCache.get_Callstack()",
            "",
            "Microsoft.Rtc.CceManagementService Warning: 1002 : Site directory \\\\fs01\\CCEShare is not reachable",
            " ---> System.IO.IOException: The network path was not found.",
            "",
            "",
            "CceService Verbose: 0 :",
        ]
        .join("\r\n")
            + "\r\n"
    }

    #[test]
    fn parses_entries_with_continuations_and_footers() {
        let text = sample();
        let parsed = parse(&text);
        assert!(parsed.problems.is_empty());
        let kinds: Vec<_> = parsed.records.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [RecordKind::Text, RecordKind::CceLog, RecordKind::CceLog, RecordKind::CceLog, RecordKind::CceLog]
        );
        assert_eq!(parsed.records[0].get("line"), Some("Trace log opened"));

        let info = &parsed.records[1];
        assert_eq!(info.get("source"), Some("CceService"));
        assert_eq!(info.get("level"), Some("Information"));
        assert_eq!(info.get("event_id"), Some("0"));
        assert_eq!(info.get("message"), Some("Start reporting status to online. Appliance: CCE-HOST01, Site: Site1"));
        assert_eq!(info.get("datetime"), Some("2017-11-06T09:15:02.1234567Z"));
        assert_eq!(info.get("process_id"), Some("2212"));
        assert_eq!(info.get("thread_id"), Some("14"));
        assert_eq!((info.span.first_line, info.span.last_line), (3, 8));

        let error = &parsed.records[2];
        assert_eq!(error.get("level"), Some("Error"));
        assert_eq!(error.get("datetime"), Some("2017-11-06T09:20:03.0000000Z"));
        let message = error.get("message").unwrap_or_default();
        assert!(message.starts_with("Unexpected exception when reporting status to online: System.Management"));
        assert!(
            message.contains(" ---> System.Management.Automation.Remoting.PSRemotingTransportException: Logon failed")
        );
        assert!(message.contains("EndOpen(IAsyncResult asyncResult)\n\n   --- End of inner exception stack trace ---\n   at System.Management.Automation.Runspaces.PipelineBase.Invoke(IEnumerable input)\n"));
        assert!(message.ends_with("OnlineStatusReporter.ReportStatus()"));
        assert!(!message.contains("ProcessId") && !message.contains("get_Callstack"));
        assert_eq!((error.span.first_line, error.span.last_line), (9, 21));
        assert!(text[error.span.bytes.clone()].ends_with("TraceEventCache.get_Callstack()"));
        assert!(text[error.span.bytes.clone()].starts_with("CceService Error: 0 : Unexpected"));

        let warning = &parsed.records[3];
        assert_eq!(warning.get("source"), Some("Microsoft.Rtc.CceManagementService"));
        assert_eq!(warning.get("event_id"), Some("1002"));
        assert_eq!(
            warning.get("message"),
            Some(
                "Site directory \\\\fs01\\CCEShare is not reachable\n ---> System.IO.IOException: The network path was not found."
            )
        );
        assert_eq!(warning.get("datetime"), None);
        assert_eq!((warning.span.first_line, warning.span.last_line), (23, 24));

        let empty = &parsed.records[4];
        assert_eq!((empty.get("level"), empty.get("message")), (Some("Verbose"), Some("")));
    }

    #[test]
    fn crlf_and_lf_parse_alike() {
        let crlf = parse(&sample());
        let lf = parse(&sample().replace("\r\n", "\n"));
        let fields = |p: &Parsed| p.records.iter().map(|r| r.fields.clone()).collect::<Vec<_>>();
        assert_eq!(fields(&crlf), fields(&lf));
    }

    #[test]
    fn lookalike_lines_are_not_headers() {
        for line in [
            " CceService Error: 0 : indented",
            "CceService Failure: 0 : not an event type",
            "CceService Error: x : id not a number",
            "CceService Error: 0 missing separator",
            "System.Exception: Error: 0 : text",
            "Error: 0 : no source",
            "",
            "CceService Error:",
        ] {
            assert!(Header::parse(line).is_none(), "{line}");
        }
        assert!(Header::parse("Cce.Service Transfer: -1 : x").is_some());
    }

    #[test]
    fn junk_only_and_empty_input() {
        assert!(parse("").records.is_empty());
        let parsed = parse("\u{FFFD}\u{FFFD}\n   \n    DateTime=2017-01-01\n");
        assert_eq!(parsed.records.len(), 2);
        assert!(parsed.records.iter().all(|r| r.kind == RecordKind::Text));
    }

    #[test]
    fn many_entries() {
        let entry = "CceService Information: 0 : Heartbeat\r\n    DateTime=2017-11-06T09:15:02Z\r\n";
        let parsed = parse(&entry.repeat(10_000));
        assert_eq!(parsed.records.len(), 10_000);
        assert_eq!(parsed.records[9_999].span.first_line, 19_999);
    }
}
