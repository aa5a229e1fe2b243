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
use std::sync::Arc;

use super::producer::producer_for_type;
use crate::record::{Parsed, Problem, ProblemKind, Record, RecordKind, Span};

/// The header Event Viewer writes (English UI); the rows carry the message as a sixth cell.
const EVENT_VIEWER_HEADER: &str = "Level,Date and Time,Source,Event ID,Task Category";

pub fn parse(text: &str, producer: Option<&str>) -> Parsed {
    parse_chunk(text, producer, None, true)
}

/// Parses a chunk of a CSV: the file's start, or the rows after the header `carry` holds.
/// `last` when the file ends with the chunk: only then does a quoted value that runs to its end
/// run to the end of the file (an earlier chunk ends inside one only where it ran on past
/// --max-record-bytes, see [`Cutter`]).
pub fn parse_chunk(text: &str, producer: Option<&str>, carry: Option<&Carry>, last: bool) -> Parsed {
    let mut out = Parsed::default();
    let mut scanner = Scanner { text, pos: 0, line: 1, delimiter: b',', last };
    let header = match carry {
        None => {
            // The decoder strips BOMs; text handed over directly may still start with one.
            scanner.pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
            header(&mut scanner, None, &mut out.problems)
        }
        Some(carry) => {
            let mut head = Scanner { text: &carry.head.text, pos: 0, line: 1, delimiter: b',', last: true };
            scanner.delimiter = carry.head.delimiter;
            if carry.in_value {
                scanner.skip_cut_value(&mut out.problems);
            }
            // Its problems were reported with the first chunk.
            header(&mut head, Some(carry.head.delimiter), &mut Vec::new())
        }
    };
    let Some((type_name, names)) = header else {
        return out;
    };
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

/// The `#TYPE` name and the column names, read from the scanner's position; the delimiter is
/// read from the header row unless given. `None` when the text holds no header row.
fn header<'t>(
    scanner: &mut Scanner<'t>,
    delimiter: Option<u8>,
    problems: &mut Vec<Problem>,
) -> Option<(Option<&'t str>, Vec<String>)> {
    let type_name = scanner.type_line();
    scanner.delimiter = delimiter.unwrap_or_else(|| self::delimiter(&scanner.text[scanner.pos..]));
    let header = scanner.row(problems)?;
    Some((type_name, column_names(&header, problems)))
}

/// What a chunk of a CSV needs of the text before it.
#[derive(Clone, Debug)]
pub struct Carry {
    head: Arc<Head>,
    /// The chunk starts inside a quoted value that ran on past --max-record-bytes: its record
    /// was made, cut, in the chunk before, so the rest of the value and of its row is skipped.
    in_value: bool,
}

/// The `#TYPE` line, if any, and the header row, as written, with the row's delimiter.
#[derive(Debug)]
struct Head {
    text: String,
    delimiter: u8,
}

/// Where a CSV may be cut: at a line start outside any quoted value, once the header has been
/// read (it goes with every chunk); inside a quoted value only once it has run on past
/// `max_value` bytes, which a closing quote forgotten makes it do to the end of the file. The
/// bytes are followed as [`Scanner`] reads them: a quote opens a value only at a cell's start.
pub struct Cutter {
    max_value: usize,
    phase: Phase,
    state: CellState,
    /// Bytes of the quoted value being read, and the line its quote opened at.
    value: (usize, u32),
    /// 1-based number of the next line.
    line: u32,
}

enum Phase {
    /// The lines so far, before the header row has ended; quotes in them, to try reading the
    /// header only at a line end where they are balanced.
    Head(String, usize),
    Rows(Arc<Head>),
    NoHeader,
}

#[derive(Clone, Copy, PartialEq)]
enum CellState {
    Start,
    Unquoted,
    Quoted,
    /// A quote inside a quoted value: doubled, or the value's end.
    QuoteSeen,
}

impl Cutter {
    pub fn new(max_value: usize) -> Cutter {
        Cutter { max_value, phase: Phase::Head(String::new(), 0), state: CellState::Start, value: (0, 0), line: 1 }
    }

    /// The header read from the lines so far, and where it ends in them, once its row has ended.
    fn read_head(lines: &str) -> Option<(Head, usize)> {
        let skip = if lines.starts_with('\u{feff}') { 3 } else { 0 };
        let mut scanner = Scanner { text: lines, pos: skip, line: 1, delimiter: b',', last: true };
        header(&mut scanner, None, &mut Vec::new())?;
        let ended = scanner.pos > skip && lines.as_bytes()[scanner.pos - 1] == b'\n';
        ended.then(|| (Head { text: lines[skip..scanner.pos].to_owned(), delimiter: scanner.delimiter }, scanner.pos))
    }

    /// Follows the bytes of rows, from a line start.
    fn follow(&mut self, text: &str, delimiter: u8) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if self.state == CellState::Quoted {
                // Straight to the next quote: a value's text is not looked at byte by byte.
                let end = memchr::memchr(b'"', &bytes[i..]).map_or(bytes.len(), |q| i + q);
                self.value.0 += end - i;
                let breaks = memchr::memchr_iter(b'\n', &bytes[i..end]).count();
                self.line = self.line.saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX));
                if end < bytes.len() {
                    self.state = CellState::QuoteSeen;
                }
                i = end + 1;
                continue;
            }
            let b = bytes[i];
            self.state = match self.state {
                CellState::QuoteSeen if b == b'"' => {
                    self.value.0 += 1;
                    CellState::Quoted
                }
                CellState::Start if b == b'"' => {
                    self.value = (0, self.line);
                    CellState::Quoted
                }
                _ if b == delimiter || b == b'\n' => CellState::Start,
                _ => CellState::Unquoted,
            };
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
            }
            i += 1;
        }
    }
}

impl crate::input::chunks::Cutter<super::Carry> for Cutter {
    fn line(&mut self, line: &str) -> Option<super::Carry> {
        match &mut self.phase {
            Phase::Head(lines, _) if lines.len() > self.max_value => {
                // No header row within the limit: the file is not cut.
                self.phase = Phase::NoHeader;
                None
            }
            Phase::NoHeader => None,
            Phase::Head(lines, quotes) => {
                lines.push_str(line);
                *quotes += memchr::memchr_iter(b'"', line.as_bytes()).count();
                if !quotes.is_multiple_of(2) {
                    return None;
                }
                let (head, end) = Cutter::read_head(lines)?;
                let lines = std::mem::take(lines);
                let delimiter = head.delimiter;
                self.phase = Phase::Rows(Arc::new(head));
                // The header's lines were counted as they came; rows after it on them are followed.
                let header_lines = memchr::memchr_iter(b'\n', &lines.as_bytes()[..end]).count();
                self.line = 1 + u32::try_from(header_lines).unwrap_or(u32::MAX);
                self.follow(&lines[end..], delimiter);
                None
            }
            Phase::Rows(head) => {
                let carry = match self.state {
                    CellState::Start => Some(Carry { head: Arc::clone(head), in_value: false }),
                    CellState::Quoted if self.value.0 > self.max_value => {
                        Some(Carry { head: Arc::clone(head), in_value: true })
                    }
                    _ => None,
                };
                let delimiter = head.delimiter;
                self.follow(line, delimiter);
                carry.map(super::Carry::Csv)
            }
        }
    }

    fn finish(&mut self, last_chunk_line: u32) -> Vec<Problem> {
        // A value cut in an earlier chunk is reported here: the last chunk's parse cannot see
        // where it opened.
        let (_, quote_line) = self.value;
        if self.state == CellState::Quoted && quote_line < last_chunk_line {
            return vec![Problem::at(ProblemKind::Syntax, quote_line, NEVER_CLOSED)];
        }
        Vec::new()
    }
}

const NEVER_CLOSED: &str = "quoted value never closed; it runs to the end of the file";

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
    /// The file ends where the text does.
    last: bool,
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
        if self.pos >= self.text.len() {
            return None;
        }
        Some(self.rest_of_row(problems))
    }

    /// The cells from `pos` to the row's end, which it consumes.
    fn rest_of_row(&mut self, problems: &mut Vec<Problem>) -> Row {
        let bytes = self.text.as_bytes();
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
        Row { cells, span: Span { bytes: start..end.max(start), first_line, last_line } }
    }

    /// Skips the rest of a quoted value cut at --max-record-bytes in an earlier chunk, and the
    /// rest of its row: their record was made there.
    fn skip_cut_value(&mut self, problems: &mut Vec<Problem>) {
        let bytes = self.text.as_bytes();
        loop {
            let Some(quote) = memchr::memchr(b'"', &bytes[self.pos..]) else {
                self.advance_to(bytes.len());
                return;
            };
            self.advance_to(self.pos + quote + 1);
            if bytes.get(self.pos) != Some(&b'"') {
                break;
            }
            self.pos += 1;
        }
        self.rest_of_row(problems);
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
                        if self.last {
                            problems.push(Problem::at(ProblemKind::Syntax, quote_line, NEVER_CLOSED));
                        }
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
        cell.push_str(&self.text[self.pos..end]);
        self.advance_to(end);
    }

    /// Moves to `end`, counting the line breaks on the way.
    fn advance_to(&mut self, end: usize) {
        let breaks = memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.pos..end]).count();
        self.line = self.line.saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX));
        self.pos = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::chunks::Chunk;

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

    /// Chunks of `text` as a scan reads them, with quoted values cut past `max_value` bytes.
    fn read_chunks(text: &str, max_value: usize, target: usize) -> (Vec<Chunk<crate::parse::Carry>>, Vec<Problem>) {
        use crate::input::chunks::ChunkReader;
        use crate::input::decode::StreamDecoder;
        let (decoder, _) = StreamDecoder::for_head(text.as_bytes());
        let mut reader = ChunkReader::new(text.as_bytes(), decoder, Box::new(Cutter::new(max_value)), target);
        let chunks: Vec<_> = reader.by_ref().collect();
        (chunks, reader.problems())
    }

    /// The problems and records of every chunk, moved to where the chunk stands.
    fn parse_chunks(chunks: &[Chunk<crate::parse::Carry>]) -> Parsed {
        let mut all = Parsed::default();
        for chunk in chunks {
            let carry = match &chunk.carry {
                crate::parse::Carry::Csv(carry) => Some(carry),
                _ => None,
            };
            let mut parsed = parse_chunk(&chunk.text, None, carry, chunk.last);
            parsed.shift(chunk.offset, chunk.first_line - 1);
            all.records.extend(parsed.records);
            all.problems.extend(parsed.problems);
        }
        all
    }

    #[test]
    fn a_quote_never_closed_is_cut_past_the_value_limit_and_reported_once() {
        let text = format!(
            "\"Name\",\"Note\"\n\"a\",\"fine\"\n\"b\",\"never closed\n{}",
            "a line inside the value, with \"\" and , in it\n".repeat(2000)
        );
        let (chunks, problems) = read_chunks(&text, 1000, 100);
        assert!(chunks.len() > 50, "the runaway value is read in pieces: {}", chunks.len());
        assert!(chunks.iter().all(|c| c.text.len() < 1200), "no chunk holds much more than the limit");
        assert_eq!(chunks.iter().map(|c| c.text.as_str()).collect::<String>(), text);
        let parsed = parse_chunks(&chunks);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[1].get("Name"), Some("b"));
        assert!(parsed.records[1].get("Note").is_some_and(|note| note.starts_with("never closed\n")));
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems, ["line 3: quoted value never closed; it runs to the end of the file"]);

        // A value that closes after the limit: the rest of its row is skipped, the rows after it read.
        let text = format!("{}\",\"x\"\n\"c\",\"after\"\n", text);
        let (chunks, problems) = read_chunks(&text, 1000, 100);
        assert!(problems.is_empty(), "{problems:?}");
        let parsed = parse_chunks(&chunks);
        let names: Vec<_> = parsed.records.iter().map(|r| r.get("Name").unwrap_or_default()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(parsed.records[2].span.first_line, 2005);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    }

    #[test]
    fn a_value_within_the_limit_is_never_cut() {
        let text = format!("\"Name\",\"Note\"\n\"a\",\"{}\"\n\"b\",\"x\"\n", "line\n\n".repeat(100));
        let (chunks, problems) = read_chunks(&text, 1000, 10);
        assert!(problems.is_empty());
        let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts.len(), 3, "the header, the row with blank lines in its value, the last: {texts:?}");
        assert!(texts[1].starts_with("\"a\"") && texts[2].starts_with("\"b\""));
        assert_eq!(parse_chunks(&chunks).records, parse(&text, None).records);
    }
}
