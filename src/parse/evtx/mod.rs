//! Binary Windows event logs (`.evtx`), as `wevtutil epl` and Event Viewer's "Save All Events
//! As..." write them.
//!
//! The file format is read by the `evtx` crate; this module turns each event into the same
//! [`RecordKind::PsObject`] that a `Get-WinEvent` export becomes (see [`super::eventlog`]), so
//! one rule matches an event whichever way the host handed it over.
//!
//! An .evtx carries no rendered message. Windows makes the message on the machine that reads
//! the log, from the provider's resources (a message DLL or manifest) and the event's insertion
//! strings; the file holds only the event's `System` block and those insertion strings
//! (`EventData`/`UserData`). A record read here therefore has no `Message` field, and rules for
//! .evtx key on `Id`, `ProviderName` and the insertion strings by name. That also makes them
//! independent of the language of the host that wrote the log, which a message text is not.
//!
//! Fields of each record, in this order:
//!
//! | field | from |
//! |---|---|
//! | `TimeCreated` | `System/TimeCreated/@SystemTime`, UTC, always as `2016-07-08T18:12:51.6813000Z` (seven fractional digits: a FILETIME counts 100 ns, and this is how the crate and Windows' own XML view write it); the record header's time when the event has none |
//! | `Id` | `System/EventID` in decimal; its `Qualifiers` (an attribute) are not part of it, as in `Get-WinEvent`'s `Id` |
//! | `ProviderName` | `System/Provider/@Name` |
//! | `LevelDisplayName` | `System/Level`: 1 `Critical`, 2 `Error`, 3 `Warning`, 4 `Information`, 5 `Verbose`, and 0 (classic events) or none `Information`, as Windows shows them; any other level, whose name only the provider's manifest knows, as its number |
//! | `LogName` | `System/Channel` |
//! | `MachineName` | `System/Computer` |
//! | `RecordId` | `System/EventRecordID`; the record header's when the event has none |
//! | *name* | each `EventData/Data`, named by its `Name`; an unnamed one `paramN`, N its 1-based place among the event's `Data`, the way `Get-WinEvent` numbers `Properties` and a classic message numbers `%N` |
//! | *name* | each leaf element under `UserData` (or another section but `System`, `EventData` and `RenderingInfo`, such as `ProcessingErrorData`), by its element name (a `Data` leaf by its `Name`) |
//! | `producer` | `Get-WinEvent` |
//!
//! A field of those always stands, empty when the event lacks it, so that every event record
//! has the same leading fields. An insertion string whose name is one of the record's own
//! fields (`Id`, `producer`, ...) is named `<section>.<name>` (`EventData.Id`), so that it can
//! neither hide nor take the place of the event's own value. Values are as stored: insertion
//! strings keep their own spacing and line breaks. `EventData/Binary` is left out, as
//! `Get-WinEvent`'s `Properties` leave it out.
//!
//! A binary file has no lines: a record's span is `first_line == last_line ==` its 1-based
//! place among the records of the file in the order they are read (oldest chunk first, as
//! Windows reads a log that has wrapped around), counting the records the crate says it could
//! not read, with an empty byte range; reports show it where a line number would stand. A
//! problem about one record names it (`record 12 (chunk 0) not read: ...`), since "line" would
//! mislead.
//!
//! Damage is reported, never fatal: a file whose header cannot be read yields nothing but a
//! problem; a chunk that cannot be read, a record that cannot be read and a file cut short each
//! add a problem, and every record that could be read is kept. Chunks are read one at a time
//! (64 KiB each), never the whole file.

use std::borrow::Cow;
use std::error::Error;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use ::evtx::err::EvtxError;
use ::evtx::{EvtxParser, ParserSettings, Timestamp};

use crate::record::{FieldName, Parsed, Problem, ProblemKind, Record, RecordKind, Span};

/// How an .evtx file starts: the file header's signature.
pub const MAGIC: &[u8] = b"ElfFile\0";

/// The file header block, before the first chunk.
const HEADER_SIZE: u64 = 4096;
/// Every chunk is this long, at a fixed place after the header.
const CHUNK_SIZE: u64 = 65536;
/// The producer of event records, as the other event exports name it.
const PRODUCER: &str = "Get-WinEvent";
/// Unreadable records reported one by one per chunk; the rest of a chunk's are counted in one
/// problem, so that a chunk of garbage (which can hold thousands of record signatures) does not
/// bury the report.
const RECORD_PROBLEMS_PER_CHUNK: usize = 8;
/// The record's own fields, which an insertion string may not take the name of.
const OWN_FIELDS: [&str; 8] =
    ["TimeCreated", "Id", "ProviderName", "LevelDisplayName", "LogName", "MachineName", "RecordId", "producer"];

/// Whether `head`, the first bytes of a file, start like an .evtx file.
pub fn looks_like_evtx(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

/// Reads the events of an .evtx file. `max_records`: most records kept; when the file holds
/// more, reading stops there with a problem.
///
/// Streaming: `reader` is read one 64 KiB chunk at a time (plus each chunk's header once, to
/// find the oldest), and only the records made so far are kept.
pub fn parse<R: Read + Seek>(mut reader: R, max_records: Option<usize>) -> Parsed {
    let mut parsed = Parsed::default();
    let len = match reader.seek(SeekFrom::End(0)).and_then(|len| reader.seek(SeekFrom::Start(0)).map(|_| len)) {
        Ok(len) => len,
        Err(err) => {
            parsed
                .problems
                .push(Problem::file(ProblemKind::Unreadable, format!("event log file (.evtx) not read: {err}")));
            return parsed;
        }
    };
    if len < HEADER_SIZE {
        let what = if len == 0 { "empty".to_owned() } else { format!("{len} bytes, shorter than its header") };
        let kind = if len == 0 { ProblemKind::Empty } else { ProblemKind::Syntax };
        parsed.problems.push(Problem::file(kind, format!("event log file (.evtx) not read: {what}")));
        return parsed;
    }
    let mut parser = match EvtxParser::from_read_seek(reader) {
        Ok(parser) => parser,
        Err(err) => {
            parsed.problems.push(Problem::file(
                ProblemKind::Syntax,
                format!("event log file (.evtx) not read: its header cannot be read: {}", chain(&err)),
            ));
            return parsed;
        }
    };
    check_header(&parser, len, &mut parsed.problems);

    // Checksums are not required: a log saved without CRC32s is read, and so is a damaged
    // chunk, whose mismatch is reported below while its readable records are kept.
    let settings = Arc::new(ParserSettings::new().validate_checksums(false).indent(false));
    parser = parser.with_configuration((*settings).clone());
    let mut place: u32 = 0;
    'chunks: for chunk in parser.chunks() {
        let mut data = match chunk {
            Ok(data) => data,
            Err(err) => {
                parsed.problems.push(Problem::file(ProblemKind::Syntax, chunk_problem(&err)));
                continue;
            }
        };
        let number = data.number.map_or_else(|| "?".to_owned(), |n| n.to_string());
        if !data.validate_checksum() {
            parsed.problems.push(Problem::file(
                ProblemKind::Syntax,
                format!(
                    "chunk {number}: CRC32 does not match, the chunk is damaged: what is read from it may be wrong"
                ),
            ));
        }
        let (first_id, last_id) = (data.header.first_event_record_id, data.header.last_event_record_id);
        let mut chunk = match data.parse(Arc::clone(&settings)) {
            Ok(chunk) => chunk,
            Err(err) => {
                parsed.problems.push(Problem::file(
                    ProblemKind::Syntax,
                    format!("chunk {number}: {}; its records not read", chain(&err)),
                ));
                continue;
            }
        };
        let (mut seen, mut unread) = (0u64, 0usize);
        for item in chunk.iter() {
            seen += 1;
            place = place.saturating_add(1);
            let outcome = item
                .and_then(|record| record.into_xml_bytes())
                .map_err(|err| chain(&err))
                .and_then(|record| event(&record.data, record.event_record_id, record.timestamp, place));
            match outcome {
                Ok(record) => {
                    if max_records.is_some_and(|max| parsed.records.len() >= max) {
                        parsed.problems.push(Problem::file(
                            ProblemKind::SizeLimit,
                            format!(
                                "record {place}: more than {} records: reading stopped here, the rest not read",
                                parsed.records.len()
                            ),
                        ));
                        break 'chunks;
                    }
                    parsed.records.push(record);
                }
                Err(message) => {
                    unread += 1;
                    if unread <= RECORD_PROBLEMS_PER_CHUNK {
                        parsed.problems.push(Problem::file(
                            ProblemKind::Syntax,
                            format!("record {place} (chunk {number}) not read: {message}"),
                        ));
                    }
                }
            }
        }
        if unread > RECORD_PROBLEMS_PER_CHUNK {
            parsed.problems.push(Problem::file(
                ProblemKind::Syntax,
                format!("chunk {number}: {} more records not read", unread - RECORD_PROBLEMS_PER_CHUNK),
            ));
        }
        // The crate walks a chunk by each record's size, and moves on silently when a damaged
        // size leads past records, or when the header's last ID comes early: the header's count
        // is how such a loss shows.
        if first_id <= last_id && last_id - first_id >= seen {
            // A damaged header can claim every ID there is.
            let counted = (last_id - first_id).saturating_add(1);
            parsed.problems.push(Problem::file(
                ProblemKind::Syntax,
                format!(
                    "chunk {number}: its header counts {counted} records (EventRecordID {first_id} to {last_id}), \
                 {seen} were found: {} not read",
                    counted - seen
                ),
            ));
        }
    }
    parsed
}

/// Problems the file header shows: a CRC32 mismatch (the crate reads on: chunks sit at fixed
/// places and have CRC32s of their own), and a file cut short, which the crate does not
/// report: it stops at the last whole chunk.
fn check_header<R: Read + Seek>(parser: &EvtxParser<R>, len: u64, problems: &mut Vec<Problem>) {
    let header = parser.header();
    if !header.validate_checksum() {
        problems.push(Problem::file(
            ProblemKind::Syntax,
            "file header CRC32 does not match, the header is damaged; chunks read anyway",
        ));
    }
    let body = len - HEADER_SIZE;
    let (whole, tail) = (body / CHUNK_SIZE, body % CHUNK_SIZE);
    if tail != 0 {
        problems.push(Problem::file(
            ProblemKind::Syntax,
            format!("the file ends {tail} bytes into chunk {whole} (cut short?): that chunk not read"),
        ));
    }
    if u64::from(header.chunk_count) > whole + u64::from(tail != 0) {
        problems.push(Problem::file(
            ProblemKind::Syntax,
            format!(
                "the header counts {} chunks, the file holds {whole} whole ones: the missing chunks not read",
                header.chunk_count
            ),
        ));
    }
}

/// A chunk the crate could not read, with what it says about why.
fn chunk_problem(err: &EvtxError) -> String {
    match err {
        EvtxError::FailedToParseChunk { chunk_id, source } => {
            format!("chunk {chunk_id}: {}; its records not read", chain(source.as_ref()))
        }
        other => format!("chunk not read: {}", chain(other)),
    }
}

/// An error and its causes, outermost first, without the crate's layers that only say which
/// of its stages failed.
fn chain(err: &dyn Error) -> String {
    const STAGES: [&str; 2] = [
        "An error occurred while trying to deserialize evtx stream.",
        "An error occurred while trying to serialize binary xml to output.",
    ];
    let mut parts = Vec::new();
    let mut cause = Some(err);
    while let Some(err) = cause {
        let text = err.to_string();
        if !STAGES.contains(&text.as_str()) {
            parts.push(text.trim_end_matches('.').to_owned());
        }
        cause = err.source();
    }
    parts.join(": ")
}

/// The System values of an event, as found.
#[derive(Default)]
struct System {
    time: Option<String>,
    id: Option<String>,
    provider: Option<String>,
    level: Option<String>,
    channel: Option<String>,
    computer: Option<String>,
    record_id: Option<String>,
}

/// One open element while walking a record's XML.
struct Frame<'x> {
    name: &'x str,
    /// Its `Name` attribute (`Data`).
    name_attr: Option<String>,
    text: String,
    has_children: bool,
}

/// Turns one record, as the crate renders it in XML, into a record. `header_id` and
/// `header_time` come from the record header and stand in for a System block that lacks them.
fn event(xml: &[u8], header_id: u64, header_time: Timestamp, place: u32) -> Result<Record, String> {
    let xml = String::from_utf8_lossy(xml);
    let mut system = System::default();
    let mut insertions: Vec<(&str, String, String)> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root_seen = false;
    let mut data_place = 0usize;
    let mut tokens = Tokens { xml: &xml, pos: 0 };
    while let Some(token) = tokens.next_token()? {
        match token {
            Token::Start { name, attrs, empty } => {
                match stack.last_mut() {
                    Some(parent) => parent.has_children = true,
                    None if root_seen => return Err("more than one root element".to_owned()),
                    None if name != "Event" => return Err(format!("root element is <{name}>, not <Event>")),
                    None => root_seen = true,
                }
                let attr = |wanted: &str| attrs.iter().find(|(n, _)| *n == wanted).map(|(_, v)| v.clone());
                if stack.len() == 2 && stack[1].name == "System" {
                    match name {
                        "Provider" => system.provider = attr("Name"),
                        "TimeCreated" => system.time = attr("SystemTime"),
                        _ => {}
                    }
                }
                stack.push(Frame { name, name_attr: attr("Name"), text: String::new(), has_children: false });
                if empty {
                    close(&mut stack, name, &mut system, &mut insertions, &mut data_place)?;
                }
            }
            Token::Text(text) => {
                if let Some(frame) = stack.last_mut() {
                    frame.text.push_str(&text);
                }
            }
            Token::End(name) => close(&mut stack, name, &mut system, &mut insertions, &mut data_place)?,
        }
    }
    if let Some(frame) = stack.last() {
        return Err(format!("its XML ends inside <{}>", frame.name));
    }
    if !root_seen {
        return Err("no <Event> element".to_owned());
    }

    let mut record = Record::new(RecordKind::PsObject, Span { bytes: 0..0, first_line: place, last_line: place });
    let time = system.time.filter(|t| is_system_time(t)).unwrap_or_else(|| format_time(header_time));
    record.push("TimeCreated", time);
    record.push("Id", system.id.unwrap_or_default());
    record.push("ProviderName", system.provider.unwrap_or_default());
    record.push("LevelDisplayName", level_name(system.level.as_deref().unwrap_or("")));
    record.push("LogName", system.channel.unwrap_or_default());
    record.push("MachineName", system.computer.unwrap_or_default());
    record.push("RecordId", system.record_id.unwrap_or_else(|| header_id.to_string()));
    for (section, name, value) in insertions {
        let name = if OWN_FIELDS.iter().any(|own| own.eq_ignore_ascii_case(&name)) {
            format!("{section}.{name}")
        } else {
            name
        };
        record.push(FieldName::from(name), value);
    }
    record.push("producer", PRODUCER);
    Ok(record)
}

/// Closes the innermost element, which must be `name`, and keeps its value where it is one the
/// record needs.
fn close<'x>(
    stack: &mut Vec<Frame<'x>>,
    name: &str,
    system: &mut System,
    insertions: &mut Vec<(&'x str, String, String)>,
    data_place: &mut usize,
) -> Result<(), String> {
    let frame = match stack.pop() {
        Some(frame) if frame.name == name => frame,
        Some(frame) => return Err(format!("<{}> closed by </{name}>", frame.name)),
        None => return Err(format!("</{name}> closes nothing")),
    };
    if stack.len() < 2 {
        return Ok(());
    }
    let section = stack[1].name;
    match section {
        "System" if stack.len() == 2 => {
            let value = Some(frame.text.trim().to_owned());
            match frame.name {
                "EventID" => system.id = value,
                "Level" => system.level = value,
                "Channel" => system.channel = value,
                "Computer" => system.computer = value,
                "EventRecordID" => system.record_id = value,
                _ => {}
            }
        }
        "EventData" if stack.len() == 2 && frame.name == "Data" => {
            *data_place += 1;
            let name = frame.name_attr.filter(|n| !n.is_empty()).unwrap_or_else(|| format!("param{data_place}"));
            insertions.push((section, name, frame.text));
        }
        // `Binary` and anything nested deeper in EventData are no insertion strings.
        "System" | "RenderingInfo" | "EventData" => {}
        _ if !frame.has_children => {
            let name = match frame.name_attr.filter(|n| frame.name == "Data" && !n.is_empty()) {
                Some(name) => name,
                None => frame.name.to_owned(),
            };
            insertions.push((section, name, frame.text));
        }
        _ => {}
    }
    Ok(())
}

/// `2016-07-08T18:12:51.6813000Z`, the form the crate writes a FILETIME or SYSTEMTIME in.
fn is_system_time(text: &str) -> bool {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd.dddddddZ";
    text.len() == SHAPE.len()
        && text.bytes().zip(SHAPE).all(|(b, &s)| if s == b'd' { b.is_ascii_digit() } else { b == s })
}

/// A record header's time in the form of [`is_system_time`].
fn format_time(time: Timestamp) -> String {
    let seconds = time.as_second();
    let ticks = time.subsec_nanosecond().max(0) / 100;
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ticks:07}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// The English name Windows shows for a standard level.
fn level_name(level: &str) -> String {
    match level {
        "" | "0" | "4" => "Information",
        "1" => "Critical",
        "2" => "Error",
        "3" => "Warning",
        "5" => "Verbose",
        other => other,
    }
    .to_owned()
}

/// A piece of a record's XML.
enum Token<'x> {
    Start { name: &'x str, attrs: Vec<(&'x str, String)>, empty: bool },
    End(&'x str),
    Text(Cow<'x, str>),
}

/// Just enough of XML for what the crate writes: elements, attributes, text, entity and
/// character references, CDATA sections; processing instructions, comments and declarations
/// are skipped. Anything else is an error, which drops the record with a problem.
struct Tokens<'x> {
    xml: &'x str,
    pos: usize,
}

impl<'x> Tokens<'x> {
    fn next_token(&mut self) -> Result<Option<Token<'x>>, String> {
        loop {
            let rest = &self.xml[self.pos..];
            if rest.is_empty() {
                return Ok(None);
            }
            if !rest.starts_with('<') {
                let end = rest.find('<').unwrap_or(rest.len());
                self.pos += end;
                return Ok(Some(Token::Text(unescape(&rest[..end]))));
            }
            if let Some(body) = rest.strip_prefix("<![CDATA[") {
                let end = body.find("]]>").ok_or("unterminated CDATA section")?;
                self.pos += "<![CDATA[".len() + end + "]]>".len();
                return Ok(Some(Token::Text(Cow::Borrowed(&body[..end]))));
            }
            for (open, close) in [("<?", "?>"), ("<!--", "-->"), ("<!", ">")] {
                if let Some(body) = rest.strip_prefix(open) {
                    let end = body.find(close).ok_or_else(|| format!("unterminated {open}"))?;
                    self.pos += open.len() + end + close.len();
                    break;
                }
            }
            if self.pos != self.xml.len() - rest.len() {
                continue;
            }
            if let Some(body) = rest.strip_prefix("</") {
                let end = body.find('>').ok_or("unterminated end tag")?;
                self.pos += 2 + end + 1;
                return Ok(Some(Token::End(body[..end].trim_end())));
            }
            return self.start_tag().map(Some);
        }
    }

    /// `<name attr="value" ...>` or `.../>`, at `pos`.
    fn start_tag(&mut self) -> Result<Token<'x>, String> {
        let xml = self.xml;
        let mut pos = self.pos + 1;
        let name_end = |from: usize| {
            xml[from..]
                .find(|c: char| c.is_whitespace() || matches!(c, '/' | '>' | '='))
                .map_or(xml.len(), |i| from + i)
        };
        let end = name_end(pos);
        let name = &xml[pos..end];
        if name.is_empty() {
            return Err(format!("a tag without a name at byte {}", self.pos));
        }
        pos = end;
        let mut attrs = Vec::new();
        loop {
            pos += xml[pos..].len() - xml[pos..].trim_start().len();
            let rest = &xml[pos..];
            if rest.starts_with("/>") {
                self.pos = pos + 2;
                return Ok(Token::Start { name, attrs, empty: true });
            }
            if rest.starts_with('>') {
                self.pos = pos + 1;
                return Ok(Token::Start { name, attrs, empty: false });
            }
            let end = name_end(pos);
            let attr = &xml[pos..end];
            let rest = xml[end..].trim_start();
            let Some(rest) = rest.strip_prefix('=') else {
                return Err(format!("attribute {attr:?} of <{name}> has no value"));
            };
            let rest = rest.trim_start();
            let quote = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => q,
                _ => return Err(format!("attribute {attr:?} of <{name}> is not quoted")),
            };
            let value = &rest[1..];
            let close = value.find(quote).ok_or_else(|| format!("attribute {attr:?} of <{name}> is not closed"))?;
            if attr.is_empty() {
                return Err(format!("an attribute of <{name}> has no name"));
            }
            attrs.push((attr, unescape(&value[..close]).into_owned()));
            pos = xml.len() - value.len() + close + 1;
        }
    }
}

/// Text with its entity and character references replaced; an unknown one stays as written.
fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // The longest reference known is `&#x10FFFF;`: a `;` further on ends something else.
        let reference = rest.bytes().skip(1).take(10).position(|b| b == b';').map(|end| &rest[1..=end]);
        let replaced = reference.and_then(|name| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let number = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => name.strip_prefix('#').and_then(|dec| dec.parse().ok()),
                }?;
                Some(char::from_u32(number).unwrap_or(char::REPLACEMENT_CHARACTER))
            }
        });
        match (reference, replaced) {
            (Some(name), Some(c)) => {
                out.push(c);
                rest = &rest[name.len() + 2..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests;
