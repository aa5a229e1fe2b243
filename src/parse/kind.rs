//! What kind of input a file is, by its name first and then by its content. The kind picks
//! the parser; every kind's parser is one arm of [`super::parse`], so adding a kind is one
//! variant here and one parser, and the compiler points at the rest.

use super::Carry;
use super::{cce_log, clixml, csv, json, select_string, transcript, wevtutil};
use crate::input::chunks::{AfterBlankLine, BeforeLine, Cutter};

/// The kinds of file ccdiag reads. Unknown text is read as console text, so a literal
/// signature is found in any file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    CceLog,
    CloudConnectorIni,
    ModuleIni,
    Ini,
    Transcript,
    Console,
    JsonExport,
    /// An `Export-Clixml` file (`<Objs>` root).
    ClixmlExport,
    /// An `Export-Csv` file or an Event Viewer CSV.
    CsvExport,
    /// PowerShell script source (`.ps1`, `.psm1`, `.psd1`).
    Script,
    /// A document someone wrote (`.md`): what it shows is quoted.
    Document,
    /// `wevtutil qe ... /f:text`: event blocks.
    WevtutilText,
    /// A binary event log (`.evtx`), read from its bytes (see [`super::evtx`]), never as text.
    EventLogFile,
    /// Not text; reported and skipped.
    Binary,
}

impl FileKind {
    /// Every kind, for tests, fuzz targets and properties that must cover them all.
    pub const ALL: [FileKind; 14] = [
        FileKind::CceLog,
        FileKind::CloudConnectorIni,
        FileKind::ModuleIni,
        FileKind::Ini,
        FileKind::Transcript,
        FileKind::Console,
        FileKind::JsonExport,
        FileKind::ClixmlExport,
        FileKind::CsvExport,
        FileKind::Script,
        FileKind::Document,
        FileKind::WevtutilText,
        FileKind::EventLogFile,
        FileKind::Binary,
    ];

    /// Where the kind stands in [`FileKind::ALL`]. The match is exhaustive, so a new kind does
    /// not compile until it has a place there; a test holds the two together.
    pub fn index(self) -> usize {
        match self {
            FileKind::CceLog => 0,
            FileKind::CloudConnectorIni => 1,
            FileKind::ModuleIni => 2,
            FileKind::Ini => 3,
            FileKind::Transcript => 4,
            FileKind::Console => 5,
            FileKind::JsonExport => 6,
            FileKind::ClixmlExport => 7,
            FileKind::CsvExport => 8,
            FileKind::Script => 9,
            FileKind::Document => 10,
            FileKind::WevtutilText => 11,
            FileKind::EventLogFile => 12,
            FileKind::Binary => 13,
        }
    }

    /// Where a big file of this kind can be cut into chunks without cutting a record, and what
    /// each chunk's parse needs of the text before it. A value that runs on past
    /// `max_record_bytes` may be cut where its kind allows (a CSV's unclosed quote).
    pub fn cutter(self, max_record_bytes: usize) -> Box<dyn Cutter<Carry>> {
        match self {
            FileKind::CceLog => Box::new(BeforeLine(cce_log::starts_entry)),
            // A run's output belongs to its prompt: a piece starts at one. The header's session
            // (user, machine, start time) is the first piece's only.
            FileKind::Transcript => Box::new(BeforeLine(transcript::starts_run)),
            // A message may hold blank lines; an event ends only where the next one starts.
            FileKind::WevtutilText => Box::new(BeforeLine(wevtutil::starts_event)),
            // Between rows, outside quotes; the header goes with every chunk.
            FileKind::CsvExport => Box::new(csv::Cutter::new(max_record_bytes)),
            // Between top-level values or the elements of a top-level array.
            FileKind::JsonExport => Box::new(json::Cutter::default()),
            // Between the objects of `<Objs>`; the type names go with every chunk.
            FileKind::ClixmlExport => Box::new(clixml::Cutter::default()),
            // Console records (tables, lists, error records), ini sections and script lines never
            // run across a blank line.
            FileKind::CloudConnectorIni
            | FileKind::ModuleIni
            | FileKind::Ini
            | FileKind::Console
            | FileKind::Script
            | FileKind::Document
            | FileKind::EventLogFile
            | FileKind::Binary => Box::new(AfterBlankLine::default()),
        }
    }

    /// The name reported under `inputs[].kind`.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::CceLog => "cce_log",
            FileKind::CloudConnectorIni => "cloudconnector_ini",
            FileKind::ModuleIni => "module_ini",
            FileKind::Ini => "ini",
            FileKind::Transcript => "ps_transcript",
            FileKind::Console => "ps_console",
            FileKind::JsonExport => "json_export",
            FileKind::ClixmlExport => "clixml_export",
            FileKind::CsvExport => "csv_export",
            FileKind::Script => "ps_script",
            FileKind::Document => "document",
            FileKind::WevtutilText => "wevtutil_text",
            FileKind::EventLogFile => "evtx",
            FileKind::Binary => "binary",
        }
    }
}

pub fn classify(path: &str, text: &str) -> FileKind {
    let name = super::producer::file_name(path).to_ascii_lowercase();
    if name.starts_with("ccemanagementservice") && (name.ends_with(".log") || name.contains(".log.")) {
        return FileKind::CceLog;
    }
    if name.ends_with(".ini") {
        return match name.as_str() {
            "module.ini" => FileKind::ModuleIni,
            // `Export-CcConfigurationSampleFile` writes CloudConnector.Sample.ini: an example, not
            // the configuration in use.
            n if n.starts_with("cloudconnector") && !n.contains("sample") => FileKind::CloudConnectorIni,
            _ => FileKind::Ini,
        };
    }
    if name.ends_with(".ps1") || name.ends_with(".psm1") || name.ends_with(".psd1") {
        return FileKind::Script;
    }
    if name.ends_with(".md") || name.ends_with(".markdown") {
        return FileKind::Document;
    }
    // `.xml` is only a CLIXML export when its content says so; other XML stays text.
    if name.ends_with(".clixml") || clixml::looks_like_clixml(text) {
        return FileKind::ClixmlExport;
    }
    if name.ends_with(".csv") {
        return FileKind::CsvExport;
    }
    let head = text.trim_start();
    if name.ends_with(".json") || head.starts_with('{') || starts_json_array(head) && !looks_like_ini(head) {
        return FileKind::JsonExport;
    }
    if transcript::looks_like_transcript(text) {
        return FileKind::Transcript;
    }
    if cce_log::looks_like_log(head) || select_string::looks_like_log_hits(head) {
        return FileKind::CceLog;
    }
    if wevtutil::looks_like_wevtutil(head) {
        return FileKind::WevtutilText;
    }
    if csv::looks_like_csv(text) {
        return FileKind::CsvExport;
    }
    FileKind::Console
}

/// Whether text starts a JSON array: `[` and then a value or `]`. An error of
/// `Invoke-Command` starts with `[COMPUTER]` too.
fn starts_json_array(head: &str) -> bool {
    let Some(rest) = head.strip_prefix('[') else { return false };
    let rest = rest.trim_start();
    rest.starts_with(['{', '[', '"', ']', '-']) || rest.starts_with(|c: char| c.is_ascii_digit()) || {
        let word = rest.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or_default();
        matches!(word, "true" | "false" | "null")
    }
}

fn looks_like_ini(head: &str) -> bool {
    let first = head.lines().next().unwrap_or("").trim();
    first.starts_with('[') && first.ends_with(']') && !first.contains(['{', '"', ','])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_kind_once_in_index_order() {
        for (i, kind) in FileKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i, "{}", kind.name());
        }
    }

    #[test]
    fn names_decide_first() {
        assert_eq!(classify("logs/CceManagementService.log", ""), FileKind::CceLog);
        assert_eq!(classify("logs/CceManagementService.log.1", ""), FileKind::CceLog);
        assert_eq!(classify("CloudConnector.ini", ""), FileKind::CloudConnectorIni);
        assert_eq!(classify("CloudConnector.Sample.ini", ""), FileKind::Ini);
        assert_eq!(classify("b.zip/ProgramData/CloudConnector/module.ini", ""), FileKind::ModuleIni);
        assert_eq!(classify("other.ini", ""), FileKind::Ini);
        assert_eq!(classify("docs/runbook.md", "Import-Module : x"), FileKind::Document);
    }

    #[test]
    fn content_decides_otherwise() {
        assert_eq!(classify("x.txt", "CceService Error: 0 : Unexpected exception"), FileKind::CceLog);
        assert_eq!(classify("x.txt", "  [\r\n  {\"Name\": 1}]"), FileKind::JsonExport);
        assert_eq!(classify("x.txt", "Import-Module : nope"), FileKind::Console);
        assert_eq!(classify("x.txt", "[\r\n    \"a\",\r\n    1\r\n]"), FileKind::JsonExport);
        assert_eq!(classify("x.txt", "[true, false]"), FileKind::JsonExport);
        let remoting = "[HNCMS01] Connecting to remote server HNCMS01 failed: Access is denied.";
        assert_eq!(classify("CMS/systeminfo.txt", remoting), FileKind::Console);
    }

    #[test]
    fn exports_by_name_and_content() {
        let clixml = "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\r\n</Objs>";
        assert_eq!(classify("Get-Service.xml", clixml), FileKind::ClixmlExport);
        assert_eq!(classify("services", clixml), FileKind::ClixmlExport);
        assert_eq!(classify("vm.clixml", ""), FileKind::ClixmlExport);
        assert_eq!(classify("web.config.xml", "<configuration/>"), FileKind::Console);
        assert_eq!(classify("Application.csv", "Level,Date and Time"), FileKind::CsvExport);
        assert_eq!(
            classify("events.txt", "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n\"Id\"\r\n"),
            FileKind::CsvExport
        );
        assert_eq!(classify("services.txt", "\"Name\",\"Status\"\r\n\"REPLICA\",\"Running\"\r\n"), FileKind::CsvExport);
    }
}
