//! Records: the common currency between parsers, facts and the engine.
//!
//! Every parser turns its input into a stream of [`Record`]s, whatever the shape of the text:
//! a log entry, an ini section, a PowerShell error record, a row of a table, an object of a JSON
//! export. Rules match named fields and never care how the input was written, so a property
//! printed by `Format-List`, `Format-Table` or `ConvertTo-Json` is the same field.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

/// What a record is. Rules name these in `sources`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// An entry of `CceManagementService.log` (.NET TraceListener format), continuation lines
    /// included. Fields: `source`, `level`, `event_id`, `message`, optional `datetime`.
    CceLog,
    /// A section of an ini file. Fields: `section` plus one field per key. `file` is
    /// `cloudconnector`, `module` or `ini`.
    IniSection,
    /// A PowerShell error record as the console prints it, in the default view or listed by
    /// `Format-List * -Force`. Fields: `command`, `message`, `position`, `category_info`,
    /// `fully_qualified_error_id`, `computer`, plus `exception` and `target` split out of
    /// `category_info`, and `producer`.
    PsError,
    /// A `WARNING:` line (and its wrapped continuation). Fields: `message`, `producer`.
    PsWarning,
    /// An object a cmdlet emitted: a `Format-List` block, a `Format-Table` row or an object of a
    /// JSON export. Fields: its properties, plus `producer`.
    PsObject,
    /// A command typed at a transcript prompt. Fields: `command`, `session_user`,
    /// `session_machine`, `session_start`.
    PsCommand,
    /// The header of a transcript session. Fields: `start_time`, `username`, `runas_user`,
    /// `machine`, `host_application`, `ps_version`, ...
    PsSession,
    /// Any other line of text. Field: `line`.
    Text,
    /// A conclusion drawn from several inputs (see `facts::derive`), located at the input that
    /// shows it best. Field `fact` names it; the other fields are its details.
    Fact,
}

impl RecordKind {
    pub const COUNT: usize = 9;

    /// Every kind, in the order of [`RecordKind::index`].
    pub const ALL: [RecordKind; RecordKind::COUNT] = [
        RecordKind::CceLog,
        RecordKind::IniSection,
        RecordKind::PsError,
        RecordKind::PsWarning,
        RecordKind::PsObject,
        RecordKind::PsCommand,
        RecordKind::PsSession,
        RecordKind::Text,
        RecordKind::Fact,
    ];

    /// A dense index (`0..COUNT`) for tables kept per kind. Written out, not `self as usize`,
    /// so that it cannot drift from [`RecordKind::ALL`]; a test holds the two together.
    pub fn index(self) -> usize {
        match self {
            RecordKind::CceLog => 0,
            RecordKind::IniSection => 1,
            RecordKind::PsError => 2,
            RecordKind::PsWarning => 3,
            RecordKind::PsObject => 4,
            RecordKind::PsCommand => 5,
            RecordKind::PsSession => 6,
            RecordKind::Text => 7,
            RecordKind::Fact => 8,
        }
    }

    /// The fields records of this kind have, when the parsers fix them (`None`: any, as an
    /// object's properties or an ini's keys). An error record's labels (`+ PSComputerName`)
    /// are fields too, named as the console writes them, so a CamelCase name is always one.
    pub fn fields(self) -> Option<&'static [&'static str]> {
        Some(match self {
            RecordKind::CceLog => {
                &["source", "level", "event_id", "message", "datetime", "process_id", "thread_id", "line"]
            }
            RecordKind::PsError => &[
                "command",
                "message",
                "position",
                "category_info",
                "fully_qualified_error_id",
                "computer",
                "exception",
                "target",
                "category",
                "error_id",
                "script_path",
                "script",
                "script_line",
                "producer",
                "stream",
                "prompt",
            ],
            RecordKind::PsWarning | RecordKind::Text => &["message", "line", "producer", "stream"],
            RecordKind::PsCommand => &[
                "command",
                "command_name",
                "errors",
                "command_time",
                "command_time_iso",
                "session_user",
                "session_machine",
                "session_start",
                "session_start_iso",
                "session_index",
            ],
            RecordKind::IniSection | RecordKind::PsObject | RecordKind::PsSession | RecordKind::Fact => return None,
        })
    }

    /// The name rules use in `sources`.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::CceLog => "cce_log",
            RecordKind::IniSection => "ini_section",
            RecordKind::PsError => "ps_error",
            RecordKind::PsWarning => "ps_warning",
            RecordKind::PsObject => "ps_object",
            RecordKind::PsCommand => "ps_command",
            RecordKind::PsSession => "ps_session",
            RecordKind::Text => "text",
            RecordKind::Fact => "fact",
        }
    }

    pub fn from_name(name: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a record stands in its decoded file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte range in the decoded text.
    pub bytes: Range<usize>,
    /// 1-based first line.
    pub first_line: u32,
    /// 1-based last line (inclusive).
    pub last_line: u32,
}

/// A field name: the well-known ones are static, property and key names owned, and a table's
/// column names shared, so its rows name their fields without copying the header.
#[derive(Clone, Debug)]
pub enum FieldName {
    Static(&'static str),
    Owned(Box<str>),
    Shared(Arc<str>),
}

impl Deref for FieldName {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            FieldName::Static(name) => name,
            FieldName::Owned(name) => name,
            FieldName::Shared(name) => name,
        }
    }
}

/// Names compare by their text, however they are held.
impl PartialEq for FieldName {
    fn eq(&self, other: &FieldName) -> bool {
        **self == **other
    }
}

impl Eq for FieldName {}

impl PartialEq<str> for FieldName {
    fn eq(&self, other: &str) -> bool {
        &**self == other
    }
}

impl PartialEq<&str> for FieldName {
    fn eq(&self, other: &&str) -> bool {
        &**self == *other
    }
}

impl From<&'static str> for FieldName {
    fn from(name: &'static str) -> FieldName {
        FieldName::Static(name)
    }
}

/// Parsers build a property's name as a `String`; it becomes the field's name without a copy.
impl From<String> for FieldName {
    fn from(name: String) -> FieldName {
        FieldName::Owned(name.into_boxed_str())
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

/// Who put a record's text in the input. Rules look for what a command or a service emitted;
/// the same words typed, quoted or written in a script are not an event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// Emitted by a command or a service: its output, its error records, a log's entries.
    #[default]
    Output,
    /// Typed at a prompt: the command itself.
    Input,
    /// Shown, not emitted: what `Get-Content` printed of a file, a `Write-Host` tip.
    Quoted,
    /// Written by someone's own script (`Write-Warning`, `throw` in a `.ps1` of their own):
    /// the script's words, not the product's.
    Script,
    /// Script source code (`.ps1`, `.psm1`, `.psd1`).
    Source,
}

impl Origin {
    pub const ALL: [Origin; 5] = [Origin::Output, Origin::Input, Origin::Quoted, Origin::Script, Origin::Source];

    pub fn name(self) -> &'static str {
        match self {
            Origin::Output => "output",
            Origin::Input => "input",
            Origin::Quoted => "quoted",
            Origin::Script => "script",
            Origin::Source => "source",
        }
    }
}

/// Where a record stands among the observations of a host: who emitted it and when.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context {
    pub origin: Origin,
    /// When it was observed, where the input says: a transcript command's own time when the
    /// transcript has invocation headers, else its session's start. `None` elsewhere.
    pub at: Option<crate::time::Timestamp>,
    /// Which run of a command at a transcript prompt produced it: the line of its prompt (0
    /// outside transcripts and before the first prompt). The records of one run share it.
    pub run: u32,
}

/// One typed unit of input with its location and named fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub kind: RecordKind,
    pub span: Span,
    /// Field names are compared case-insensitively (PowerShell property names and ini keys are
    /// case-insensitive); the first field of a name wins.
    pub fields: Vec<(FieldName, String)>,
    pub context: Context,
}

impl Record {
    pub fn new(kind: RecordKind, span: Span) -> Record {
        Record { kind, span, fields: Vec::new(), context: Context::default() }
    }

    pub fn with(mut self, name: impl Into<FieldName>, value: impl Into<String>) -> Record {
        self.push(name, value);
        self
    }

    pub fn push(&mut self, name: impl Into<FieldName>, value: impl Into<String>) {
        self.fields.push((name.into(), value.into()));
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What went wrong with an input, for code and tests that must tell problems apart; the
/// message says it to a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// It could not be opened or read: it vanished, rights, an I/O error, or it was replaced
    /// after it was found.
    Unreadable,
    /// Skipped or cut for its size (`--max-file-size`).
    SizeLimit,
    /// A field cut at `--max-record-bytes`.
    RecordCut,
    /// Entries or bytes past a zip's budgets (`--max-zip-entries`, `--max-zip-bytes`,
    /// `--max-zip-ratio`).
    ZipLimit,
    /// Nested deeper than `--max-depth`.
    DepthLimit,
    /// Not read before `--timeout`.
    TimeLimit,
    /// A symbolic link that was not followed.
    Link,
    /// Not a regular file (a FIFO, a socket, a device).
    NotAFile,
    /// A zip, or an entry of one, that cannot be read.
    Zip,
    /// Names that stand more than once (a zip's entries, an ini's keys).
    Duplicate,
    /// Not text.
    Binary,
    /// A file with nothing in it.
    Empty,
    /// Decoded with damage: invalid UTF-8, a BOM that lies, NUL characters, a cut UTF-16 unit.
    Encoding,
    /// Text its parser could not read (JSON, CLIXML, CSV, ini syntax).
    Syntax,
    /// A value no host writes (a date past year 9999), so what it would decide was not checked.
    Value,
}

/// A problem met while reading or parsing one input. The scan goes on; the report lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// 1-based line, where the problem has one.
    pub line: Option<u32>,
    pub message: String,
}

impl Problem {
    pub fn at(kind: ProblemKind, line: u32, message: impl Into<String>) -> Problem {
        Problem { kind, line: Some(line), message: message.into() }
    }

    pub fn file(kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem { kind, line: None, message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// What a parser hands back for one file.
#[derive(Debug, Default)]
pub struct Parsed {
    pub records: Vec<Record>,
    pub problems: Vec<Problem>,
    /// The parse stopped at an error and read nothing after it (JSON and CLIXML do): the
    /// records of later chunks of the file are dropped, as reading it whole never makes them.
    pub stopped: bool,
}

impl Parsed {
    /// Moves what was parsed from a stretch of text to where the stretch stands in the whole:
    /// `offset` bytes and `lines` lines further on.
    pub fn shift(&mut self, offset: usize, lines: u32) {
        for record in &mut self.records {
            record.span.bytes = record.span.bytes.start + offset..record.span.bytes.end + offset;
            record.span.first_line = record.span.first_line.saturating_add(lines);
            record.span.last_line = record.span.last_line.saturating_add(lines);
            if record.context.run > 0 {
                record.context.run = record.context.run.saturating_add(lines);
            }
        }
        for problem in &mut self.problems {
            problem.line = problem.line.map(|l| l.saturating_add(lines));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_stands_at_its_index() {
        for (i, kind) in RecordKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind}");
            assert_eq!(RecordKind::from_name(kind.name()), Some(kind));
        }
    }
}
