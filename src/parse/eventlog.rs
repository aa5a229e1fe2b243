//! Windows event log exports, whichever way they were written.
//!
//! Events reach ccdiag as `Get-WinEvent ... | Format-List` (or the default table) captured as
//! console text, as `Export-Csv` files, as Event Viewer's "Save All Events As... CSV", or as
//! `Export-Clixml` / `ConvertTo-Json` exports. The console, CSV, CLIXML and JSON parsers already
//! turn each event into a [`RecordKind::PsObject`]; what differs between the forms is only the
//! names and the time format. [`normalize`] runs over every parser's output (see
//! [`super::parse`]) and gives each event record the `Get-WinEvent` fields rules key on:
//! `TimeCreated`, `Id`, `LevelDisplayName`, `ProviderName`, `Message`, `MachineName` (those the
//! input holds), and `producer` when no file name or prompt named one.
//!
//! Doing this after parsing, in one place, keeps the console parser the only reader of
//! `Format-List` text (multi-line messages included) and the CSV reader generic.

use crate::record::{Record, RecordKind};
use crate::time;

/// The producer given to event records that came without one.
const PRODUCER: &str = "Get-WinEvent";

/// How an event record names its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// `Get-WinEvent`: `TimeCreated`, `Id`, `ProviderName`, `LevelDisplayName`, `Message`.
    WinEvent,
    /// `Get-EventLog`: `TimeGenerated` (`Time` in its default table), `EventID` or `InstanceID`,
    /// `Source`, `EntryType`, `Message`.
    EventLog,
    /// Event Viewer's CSV: `Level`, `Date and Time`, `Source`, `Event ID`, `Task Category` and
    /// an unnamed message cell, read by position because the header is in the UI language.
    EventViewer,
}

/// Adds the `Get-WinEvent` field names to every event record, writes `TimeCreated` as ISO 8601
/// (local time, as the export states it) where the text is a date it knows, and sets
/// `producer` on events that have none.
pub fn normalize(records: &mut [Record]) {
    for record in records {
        if let Some(layout) = layout(record) {
            normalize_event(record, layout);
        }
    }
}

fn layout(record: &Record) -> Option<Layout> {
    if record.kind != RecordKind::PsObject {
        return None;
    }
    let has = |name: &str| record.get(name).is_some();
    if has("TimeCreated") && has("Id") {
        return Some(Layout::WinEvent);
    }
    // The default table of `Get-EventLog` shows `Time`, not `TimeGenerated`.
    if (has("TimeGenerated") || has("EntryType") && has("Source")) && (has("EventID") || has("InstanceId")) {
        return Some(Layout::EventLog);
    }
    let f = &record.fields;
    let event_viewer = f.len() >= 6
        && f[5].0 == "column6"
        && !f[3].1.is_empty()
        && f[3].1.bytes().all(|b| b.is_ascii_digit())
        && time::iso_from_local(&f[1].1).is_some();
    event_viewer.then_some(Layout::EventViewer)
}

fn normalize_event(record: &mut Record, layout: Layout) {
    // (canonical name, where the layout keeps it)
    let sources: Vec<(&str, Option<String>)> = match layout {
        Layout::WinEvent => Vec::new(),
        Layout::EventLog => vec![
            ("TimeCreated", record.get("TimeGenerated").or_else(|| record.get("Time")).map(str::to_owned)),
            ("Id", record.get("EventID").or_else(|| record.get("InstanceId")).map(str::to_owned)),
            ("ProviderName", record.get("Source").map(str::to_owned)),
            ("LevelDisplayName", record.get("EntryType").map(str::to_owned)),
        ],
        Layout::EventViewer => {
            let at = |i: usize| Some(record.fields[i].1.clone());
            vec![
                ("TimeCreated", at(1)),
                ("Id", at(3)),
                ("ProviderName", at(2)),
                ("LevelDisplayName", at(0)),
                ("TaskDisplayName", at(4)),
                ("Message", at(5)),
            ]
        }
    };
    for (name, value) in sources {
        if let Some(value) = value
            && record.get(name).is_none()
        {
            insert_before_meta(record, name, value);
        }
    }
    if let Some((_, value)) = record.fields.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case("TimeCreated"))
        && let Some(iso) = time::iso_from_local(value)
    {
        *value = iso;
    }
    if record.get("producer").is_none() {
        let producer = if layout == Layout::EventLog { "Get-EventLog" } else { PRODUCER };
        record.push("producer", producer);
    }
}

/// Inserts a field after the event's own fields, before the `type_name` and `producer` the
/// parsers append, so the record reads like the object it stands for.
fn insert_before_meta(record: &mut Record, name: &'static str, value: String) {
    let at = record.fields.iter().position(|(n, _)| n == "type_name" || n == "producer").unwrap_or(record.fields.len());
    record.fields.insert(at, (name.into(), value));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use crate::parse::FileKind;

    fn fields(record: &Record) -> Vec<(&str, &str)> {
        record.fields.iter().map(|(n, v)| (n.as_ref(), v.as_str())).collect()
    }

    /// `Get-WinEvent -LogName System -FilterXPath ... | Format-List` as redirected by Windows
    /// PowerShell 5.1: the message's own line breaks come out indented under its first line,
    /// and long lines are wrapped at the console width.
    const FORMAT_LIST: &str = concat!(
        "\r\n\r\nTimeCreated  : 12/5/2026 3:02:10 AM\r\n",
        "ProviderName : User32\r\n",
        "Id           : 1074\r\n",
        "Message      : The process C:\\Windows\\servicing\\TrustedInstaller.exe (CCE-HOST01) has initiated the restart of\r\n",
        "               computer CCE-HOST01 on behalf of user NT AUTHORITY\\SYSTEM for the following reason: Operating\r\n",
        "               System: Service pack (Planned)\r\n",
        "                Reason Code: 0x80020010\r\n",
        "                Shutdown Type: restart\r\n",
        "                Comment: \r\n\r\n\r\n",
    );

    #[test]
    fn format_list_events_come_from_the_console_parser() {
        let parsed = parse::parse(FileKind::Console, FORMAT_LIST, None);
        assert_eq!(parsed.records.len(), 1);
        let event = &parsed.records[0];
        assert_eq!(
            fields(event),
            [
                ("TimeCreated", "2026-12-05T03:02:10"),
                ("ProviderName", "User32"),
                ("Id", "1074"),
                (
                    "Message",
                    "The process C:\\Windows\\servicing\\TrustedInstaller.exe (CCE-HOST01) has initiated the restart of computer CCE-HOST01 on behalf of user NT AUTHORITY\\SYSTEM for the following reason: Operating System: Service pack (Planned) Reason Code: 0x80020010 Shutdown Type: restart Comment:"
                ),
                ("producer", "Get-WinEvent"),
            ]
        );
        assert_eq!((event.span.first_line, event.span.last_line), (3, 11));
        // A producer from the file name stays.
        let named = parse::parse(FileKind::Console, FORMAT_LIST, Some("Get-WinEvent"));
        assert_eq!(named.records[0].get("producer"), Some("Get-WinEvent"));
    }

    #[test]
    fn event_viewer_csv_gets_the_get_winevent_names() {
        let text = "Level,Date and Time,Source,Event ID,Task Category\r\n\
Error,12/5/2026 10:14:22 AM,CceManagementService,20006,None,\"Appliance cannot be recovered automatically, please recover manually.\"\r\n";
        let parsed = parse::parse(FileKind::CsvExport, text, None);
        assert_eq!(
            fields(&parsed.records[0]),
            [
                ("Level", "Error"),
                ("Date and Time", "12/5/2026 10:14:22 AM"),
                ("Source", "CceManagementService"),
                ("Event ID", "20006"),
                ("Task Category", "None"),
                ("column6", "Appliance cannot be recovered automatically, please recover manually."),
                ("TimeCreated", "2026-12-05T10:14:22"),
                ("Id", "20006"),
                ("ProviderName", "CceManagementService"),
                ("LevelDisplayName", "Error"),
                ("TaskDisplayName", "None"),
                ("Message", "Appliance cannot be recovered automatically, please recover manually."),
                ("producer", "Get-WinEvent"),
            ]
        );
        // A German Event Viewer writes its header in German; the layout is the same.
        let german = "Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie\r\n\
Fehler,05.12.2026 10:14:22,User32,1074,Keine,\"Der Vorgang C:\\Windows\\servicing\\TrustedInstaller.exe (CCE-HOST01) hat ...\"\r\n";
        let parsed = parse::parse(FileKind::CsvExport, german, Some("System"));
        let event = &parsed.records[0];
        assert_eq!(event.get("TimeCreated"), Some("2026-12-05T10:14:22"));
        assert_eq!(event.get("Id"), Some("1074"));
        assert!(event.get("Message").is_some_and(|m| m.contains("TrustedInstaller.exe")));
        assert_eq!(event.get("producer"), Some("System"));
    }

    #[test]
    fn export_csv_and_get_eventlog_records() {
        let text = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n\
\"Message\",\"Id\",\"ProviderName\",\"TimeCreated\"\r\n\
\"x\",\"304\",\"CceManagementService\",\"05.12.2026 10:14:22\"\r\n";
        let parsed = parse::parse(FileKind::CsvExport, text, None);
        assert_eq!(
            fields(&parsed.records[0]),
            [
                ("Message", "x"),
                ("Id", "304"),
                ("ProviderName", "CceManagementService"),
                ("TimeCreated", "2026-12-05T10:14:22"),
                ("type_name", "System.Diagnostics.Eventing.Reader.EventLogRecord"),
                ("producer", "Get-WinEvent"),
            ]
        );

        let text = "\"EventID\",\"MachineName\",\"EntryType\",\"Message\",\"Source\",\"TimeGenerated\"\r\n\
\"1074\",\"CCE-HOST01\",\"Information\",\"m\",\"User32\",\"12/5/2026 10:14:22 AM\"\r\n";
        let parsed = parse::parse(FileKind::CsvExport, text, None);
        let event = &parsed.records[0];
        assert_eq!(event.get("TimeCreated"), Some("2026-12-05T10:14:22"));
        assert_eq!(event.get("Id"), Some("1074"));
        assert_eq!(event.get("ProviderName"), Some("User32"));
        assert_eq!(event.get("LevelDisplayName"), Some("Information"));
        assert_eq!(event.get("producer"), Some("Get-EventLog"));
    }

    #[test]
    fn other_objects_are_left_alone() {
        let text = "Name,Status\r\nREPLICA,Running\r\n";
        let parsed = parse::parse(FileKind::CsvExport, text, None);
        assert_eq!(fields(&parsed.records[0]), [("Name", "REPLICA"), ("Status", "Running")]);
        // Six cells with a number fourth but no date second is not Event Viewer's layout.
        let text = "a,b,c,d,e\r\n1,2,3,4,5,6\r\n";
        let parsed = parse::parse(FileKind::CsvExport, text, None);
        assert_eq!(parsed.records[0].fields.len(), 6);
    }
}
