//! CSV files: `Export-Csv` output of any cmdlet, and Event Viewer's "Save All Events As... CSV".
//!
//! One [`RecordKind::PsObject`] per row, one field per column, named by the header row, so a
//! row reads like the object `Import-Csv` would give back. The reader follows RFC 4180 the way
//! Windows writes it: CRLF or LF rows, any cell may be quoted, quoted cells hold delimiters,
//! doubled quotes and line breaks. Around that it is lenient the way `Import-Csv` is:
//! - the optional `#TYPE <type name>` line of Windows PowerShell goes to `type_name`, and names
//!   the producing cmdlet when the file name does not;
//! - the delimiter is read from the header (`,`, or `;` and tab from `-Delimiter` /
//!   `-UseCulture` on hosts whose list separator is `;`);
//! - cells beyond the header are named `column<N>` (1-based): Event Viewer writes five header
//!   names and six cells, the message last;
//! - missing cells read empty, blank lines are skipped, text after a closing quote is kept.
//!
//! Event-specific names (`Date and Time`, `Event ID`, ...) are mapped to the `Get-WinEvent`
//! ones in [`super::eventlog`], not here.

use std::collections::HashSet;

use super::producer::producer_for_type;
use crate::record::{Parsed, Problem, ProblemKind, Record, RecordKind, Span};

/// The header Event Viewer writes (English UI); the rows carry the message as a sixth cell.
const EVENT_VIEWER_HEADER: &str = "Level,Date and Time,Source,Event ID,Task Category";

pub fn parse(text: &str, producer: Option<&str>) -> Parsed {
    let mut out = Parsed::default();
    let mut scanner = Scanner {
        text,
        // The decoder strips BOMs; text handed over directly may still start with one.
        pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
        line: 1,
        delimiter: b',',
    };
    let type_name = scanner.type_line();
    scanner.delimiter = delimiter(&text[scanner.pos..]);
    let Some(header) = scanner.row(&mut out.problems) else {
        return out;
    };
    let names = column_names(&header, &mut out.problems);
    let producer = producer.or_else(|| type_name.and_then(producer_for_type));
    while let Some(row) = scanner.row(&mut out.problems) {
        let mut record = Record::new(RecordKind::PsObject, row.span);
        let width = row.cells.len().max(names.len());
        record.fields.reserve_exact(width + 2);
        let mut cells = row.cells.into_iter();
        for i in 0..width {
            let name = names.get(i).cloned().unwrap_or_else(|| format!("column{}", i + 1));
            record.push(name, cells.next().unwrap_or_default());
        }
        if let Some(type_name) = type_name {
            record.push("type_name", type_name);
        }
        if let Some(producer) = producer {
            record.push("producer", producer);
        }
        out.records.push(record);
    }
    out
}

/// Whether text without a telling file name is a CSV export: a `#TYPE` line, Event Viewer's
/// header, or a header and a first row that are both fully quoted, as `Export-Csv` writes them.
pub fn looks_like_csv(text: &str) -> bool {
    let mut lines =
        text.trim_start_matches('\u{feff}').lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    if first.starts_with("#TYPE ") || first.trim_end() == EVENT_VIEWER_HEADER {
        return true;
    }
    let quoted_row = |line: &str| {
        line.len() >= 2
            && line.starts_with('"')
            && line.ends_with('"')
            && [",", ";", "\t"].iter().any(|d| line.contains(&format!("\"{d}\"")))
    };
    quoted_row(first) && lines.next().is_some_and(|second| second.starts_with('"'))
}

/// Header cells as field names: trimmed; an empty one is named by its position; a repeated
/// one is reported, since only the first column of a name can be matched.
fn column_names(header: &Row, problems: &mut Vec<Problem>) -> Vec<String> {
    let mut seen = HashSet::new();
    header
        .cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let name = cell.trim();
            let name = if name.is_empty() { format!("column{}", i + 1) } else { name.to_owned() };
            if !seen.insert(name.to_ascii_lowercase()) {
                problems.push(Problem::at(
                    ProblemKind::Syntax,
                    header.span.first_line,
                    format!("column name `{name}` appears more than once; rules see the first of them"),
                ));
            }
            name
        })
        .collect()
}

/// The delimiter the header line uses most outside quotes: `,`, `;` or tab, `,` on a tie.
fn delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    [b',', b';', b'\t'][best]
}

struct Row {
    cells: Vec<String>,
    span: Span,
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    /// 1-based line at `pos`.
    line: u32,
    delimiter: u8,
}

impl<'a> Scanner<'a> {
    /// Consumes a leading `#TYPE <name>` line and returns the name.
    fn type_line(&mut self) -> Option<&'a str> {
        self.skip_blank_lines();
        let rest = &self.text[self.pos..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let type_name = rest[..line_end].strip_prefix("#TYPE ")?.trim();
        self.pos += line_end;
        if self.pos < self.text.len() {
            self.pos += 1;
            self.line = self.line.saturating_add(1);
        }
        Some(type_name)
    }

    fn skip_blank_lines(&mut self) {
        let bytes = self.text.as_bytes();
        loop {
            let line_end = memchr::memchr(b'\n', &bytes[self.pos..]).map_or(bytes.len(), |i| self.pos + i);
            let blank = bytes[self.pos..line_end].iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r'));
            if !blank || line_end == bytes.len() {
                if blank {
                    self.pos = bytes.len();
                }
                return;
            }
            self.pos = line_end + 1;
            self.line = self.line.saturating_add(1);
        }
    }

    /// The next non-blank row, its span excluding the line terminator.
    fn row(&mut self, problems: &mut Vec<Problem>) -> Option<Row> {
        self.skip_blank_lines();
        let bytes = self.text.as_bytes();
        if self.pos >= bytes.len() {
            return None;
        }
        let start = self.pos;
        let first_line = self.line;
        let mut cells = Vec::new();
        let end = loop {
            cells.push(self.cell(problems));
            match bytes.get(self.pos) {
                Some(&b) if b == self.delimiter => self.pos += 1,
                Some(b'\n') => {
                    let end = if self.pos > start && bytes[self.pos - 1] == b'\r' { self.pos - 1 } else { self.pos };
                    let last_line = self.line;
                    self.pos += 1;
                    self.line = self.line.saturating_add(1);
                    break (end, last_line);
                }
                _ => break (self.pos, self.line),
            }
        };
        let (end, last_line) = end;
        Some(Row { cells, span: Span { bytes: start..end.max(start), first_line, last_line } })
    }

    /// One cell; leaves `pos` on the delimiter, the `\n` or the end of the text.
    fn cell(&mut self, problems: &mut Vec<Problem>) -> String {
        let bytes = self.text.as_bytes();
        let mut cell = String::new();
        if bytes.get(self.pos) == Some(&b'"') {
            let quote_line = self.line;
            self.pos += 1;
            loop {
                match memchr::memchr(b'"', &bytes[self.pos..]) {
                    Some(i) => {
                        self.take(&mut cell, self.pos + i);
                        self.pos += 1;
                        if bytes.get(self.pos) == Some(&b'"') {
                            cell.push('"');
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                    None => {
                        problems.push(Problem::at(
                            ProblemKind::Syntax,
                            quote_line,
                            "quoted value never closed; it runs to the end of the file",
                        ));
                        self.take(&mut cell, bytes.len());
                        return cell;
                    }
                }
            }
        }
        // An unquoted cell, or text after a closing quote (kept as Import-Csv keeps it).
        let end = memchr::memchr2(self.delimiter, b'\n', &bytes[self.pos..]).map_or(bytes.len(), |i| self.pos + i);
        let keep =
            if bytes.get(end) == Some(&b'\n') && end > self.pos && bytes[end - 1] == b'\r' { end - 1 } else { end };
        cell.push_str(&self.text[self.pos..keep]);
        self.pos = end;
        cell
    }

    /// Appends `text[pos..end]` to `cell`, counting the line breaks it holds.
    fn take(&mut self, cell: &mut String, end: usize) {
        let piece = &self.text[self.pos..end];
        let breaks = memchr::memchr_iter(b'\n', piece.as_bytes()).count();
        self.line = self.line.saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX));
        cell.push_str(piece);
        self.pos = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(record: &Record) -> Vec<(&str, &str)> {
        record.fields.iter().map(|(n, v)| (n.as_ref(), v.as_str())).collect()
    }

    /// `Get-WinEvent -LogName Application | Export-Csv` in Windows PowerShell 5.1 (columns
    /// trimmed): the `#TYPE` line, every cell quoted, a message with CRLF line breaks and
    /// doubled quotes.
    const WINEVENT_CSV: &str = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n\
\"Message\",\"Id\",\"Level\",\"ProviderName\",\"LogName\",\"MachineName\",\"TimeCreated\",\"LevelDisplayName\"\r\n\
\"Appliance cannot be recovered automatically, please recover manually.\",\"20006\",\"2\",\"CceManagementService\",\"Application\",\"CCE-HOST01.contoso.com\",\"12/5/2026 10:14:22 AM\",\"Error\"\r\n\
\"The process \"\"C:\\Windows\\x.exe\"\" said:\r\n Line two\r\n\r\n Line four\",\"1\",\"4\",\"Test\",\"Application\",\"CCE-HOST01.contoso.com\",\"12/5/2026 9:00:00 AM\",\"Information\"\r\n";

    #[test]
    fn export_csv_with_type_line_and_multiline_cells() {
        let parsed = parse(WINEVENT_CSV, None);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.records.len(), 2);
        let first = &parsed.records[0];
        assert_eq!(
            fields(first),
            [
                ("Message", "Appliance cannot be recovered automatically, please recover manually."),
                ("Id", "20006"),
                ("Level", "2"),
                ("ProviderName", "CceManagementService"),
                ("LogName", "Application"),
                ("MachineName", "CCE-HOST01.contoso.com"),
                ("TimeCreated", "12/5/2026 10:14:22 AM"),
                ("LevelDisplayName", "Error"),
                ("type_name", "System.Diagnostics.Eventing.Reader.EventLogRecord"),
                ("producer", "Get-WinEvent"),
            ]
        );
        assert_eq!((first.span.first_line, first.span.last_line), (3, 3));
        assert!(WINEVENT_CSV[first.span.bytes.clone()].starts_with("\"Appliance"));
        assert!(WINEVENT_CSV[first.span.bytes.clone()].ends_with("\"Error\""));
        let second = &parsed.records[1];
        assert_eq!(
            second.get("Message"),
            Some("The process \"C:\\Windows\\x.exe\" said:\r\n Line two\r\n\r\n Line four")
        );
        assert_eq!((second.span.first_line, second.span.last_line), (4, 7));
        assert_eq!(second.get("TimeCreated"), Some("12/5/2026 9:00:00 AM"));
    }

    #[test]
    fn event_viewer_layout_names_the_extra_cell() {
        let text = "Level,Date and Time,Source,Event ID,Task Category\n\
Information,12/5/2026 10:14:22 AM,User32,1074,None,\"The process C:\\Windows\\system32\\shutdown.exe (CCE-HOST01) has initiated the restart of computer CCE-HOST01 on behalf of user CONTOSO\\admin for the following reason: Other (Planned)\n Reason Code: 0x80000000\n Shutdown Type: restart\n Comment: \"\n";
        let parsed = parse(text, Some("System"));
        assert!(parsed.problems.is_empty());
        let r = &parsed.records[0];
        let names: Vec<&str> = r.fields.iter().map(|(n, _)| n.as_ref()).collect();
        assert_eq!(names, ["Level", "Date and Time", "Source", "Event ID", "Task Category", "column6", "producer"]);
        assert!(r.get("column6").is_some_and(|m| m.ends_with("Comment: ")));
        assert_eq!((r.span.first_line, r.span.last_line), (2, 5));
    }

    #[test]
    fn semicolons_tabs_short_rows_and_blank_lines() {
        let parsed =
            parse("\"Name\";\"Status\";\"Note\"\n\n\"REPLICA\";\"Running\"\n\"a,b\";\"Stopped\";\"x\"\n", None);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(fields(&parsed.records[0]), [("Name", "REPLICA"), ("Status", "Running"), ("Note", "")]);
        assert_eq!(parsed.records[0].span.first_line, 3);
        assert_eq!(parsed.records[1].get("Name"), Some("a,b"));

        let parsed = parse("A\tB\r\n1\t2\r\n", None);
        assert_eq!(fields(&parsed.records[0]), [("A", "1"), ("B", "2")]);
    }

    #[test]
    fn header_problems_and_leniency() {
        let parsed = parse("Name,name,,\nx,y,z,w,v\n\"q\"tail,\"open\n", None);
        assert_eq!(
            fields(&parsed.records[0]),
            [("Name", "x"), ("name", "y"), ("column3", "z"), ("column4", "w"), ("column5", "v")]
        );
        assert_eq!(fields(&parsed.records[1])[..2], [("Name", "qtail"), ("name", "open\n")]);
        let messages: Vec<(Option<u32>, &str)> = parsed.problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            messages,
            [
                (Some(1), "column name `name` appears more than once; rules see the first of them"),
                (Some(3), "quoted value never closed; it runs to the end of the file"),
            ]
        );
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_csv(WINEVENT_CSV));
        assert!(looks_like_csv("\u{feff}\"Name\",\"Status\"\r\n\"REPLICA\",\"Running\"\r\n"));
        assert!(looks_like_csv("Level,Date and Time,Source,Event ID,Task Category\r\nError,..."));
        assert!(!looks_like_csv("\"quoted\" text, \"more\"\nplain"));
        assert!(!looks_like_csv("Name    : REPLICA\nStatus  : Running\n"));
        assert!(!looks_like_csv(""));
    }

    #[test]
    fn junk_never_panics() {
        for text in [
            "",
            "\n\n",
            "\"",
            "\"\"\"",
            "#TYPE",
            "#TYPE x",
            "#TYPE x\n",
            "a,b\n\"",
            "a,b\n,\n,,,\n\r\n\r",
            "\u{feff}",
            "é,ü\n\"ö\"x,\"",
            "a;b,c\t",
        ] {
            let _ = parse(text, None);
        }
        assert!(parse("#TYPE x\n", None).records.is_empty());
        assert!(parse("a,b", None).records.is_empty());
    }
}
