//! Tells what kind of input a file is, by name first and then by content, and which cmdlet
//! produced it when its name says so (`Get-VM.txt`).

use crate::parse::{clixml, csv, transcript};

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
    /// Not text; reported and skipped.
    Binary,
}

impl FileKind {
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
            FileKind::Binary => "binary",
        }
    }
}

/// The file name part of a reported path (which may run through a zip).
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

pub fn classify(path: &str, text: &str) -> FileKind {
    let name = file_name(path).to_ascii_lowercase();
    if name.starts_with("ccemanagementservice") && (name.ends_with(".log") || name.contains(".log.")) {
        return FileKind::CceLog;
    }
    if name.ends_with(".ini") {
        return match name.as_str() {
            "module.ini" => FileKind::ModuleIni,
            n if n.starts_with("cloudconnector") => FileKind::CloudConnectorIni,
            _ => FileKind::Ini,
        };
    }
    // `.xml` is only a CLIXML export when its content says so; other XML stays text.
    if name.ends_with(".clixml") || clixml::looks_like_clixml(text) {
        return FileKind::ClixmlExport;
    }
    if name.ends_with(".csv") {
        return FileKind::CsvExport;
    }
    let head = text.trim_start();
    if name.ends_with(".json") || head.starts_with('{') || head.starts_with('[') && !looks_like_ini(head) {
        return FileKind::JsonExport;
    }
    if transcript::looks_like_transcript(text) {
        return FileKind::Transcript;
    }
    if looks_like_trace_log(head) {
        return FileKind::CceLog;
    }
    if csv::looks_like_csv(text) {
        return FileKind::CsvExport;
    }
    FileKind::Console
}

/// The cmdlet a file's name says produced it: `Get-VMNetworkAdapter.txt`,
/// `Get-Service_CMS.txt` and `get-ccversion.json` all name one.
pub fn producer_from_name(path: &str) -> Option<String> {
    let name = file_name(path);
    let end = name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(name.len());
    let stem = &name[..end];
    // An approved verb, so that `ticket-notes.txt` names no cmdlet.
    crate::parse::console::has_approved_verb(stem).then(|| stem.to_owned())
}

fn looks_like_ini(head: &str) -> bool {
    let first = head.lines().next().unwrap_or("").trim();
    first.starts_with('[') && first.ends_with(']') && !first.contains(['{', '"', ','])
}

/// A .NET TraceListener entry: `<Source> <EventType>: <Id> : <Message>`.
fn looks_like_trace_log(head: &str) -> bool {
    const TYPES: [&str; 5] = [" Error: ", " Information: ", " Warning: ", " Verbose: ", " Critical: "];
    head.lines().take(5).any(|line| {
        TYPES.iter().any(|t| {
            line.split_once(t).is_some_and(|(source, rest)| {
                !source.is_empty()
                    && !source.contains(' ')
                    && rest.split_once(" : ").is_some_and(|(id, _)| id.trim().parse::<i64>().is_ok())
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decide_first() {
        assert_eq!(classify("logs/CceManagementService.log", ""), FileKind::CceLog);
        assert_eq!(classify("logs/CceManagementService.log.1", ""), FileKind::CceLog);
        assert_eq!(classify("CloudConnector.ini", ""), FileKind::CloudConnectorIni);
        assert_eq!(classify("b.zip/ProgramData/CloudConnector/module.ini", ""), FileKind::ModuleIni);
        assert_eq!(classify("other.ini", ""), FileKind::Ini);
    }

    #[test]
    fn content_decides_otherwise() {
        assert_eq!(classify("x.txt", "CceService Error: 0 : Unexpected exception"), FileKind::CceLog);
        assert_eq!(classify("x.txt", "  [\r\n  {\"Name\": 1}]"), FileKind::JsonExport);
        assert_eq!(classify("x.txt", "Import-Module : nope"), FileKind::Console);
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

    #[test]
    fn producers_from_file_names() {
        assert_eq!(producer_from_name("host/Get-VMNetworkAdapter.txt").as_deref(), Some("Get-VMNetworkAdapter"));
        assert_eq!(producer_from_name("Get-Service_CMS.txt").as_deref(), Some("Get-Service"));
        assert_eq!(producer_from_name("console.txt"), None);
        assert_eq!(producer_from_name("2024-01-01.txt"), None);
        assert_eq!(producer_from_name("ticket-notes.txt"), None);
    }
}
