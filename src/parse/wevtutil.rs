//! `wevtutil qe <log> /f:text` output: the event log as administrators query it without
//! PowerShell.
//!
//! Each event is a block opened by `Event[N]:`, then twelve indented `Label: value` lines in a
//! fixed order (Log Name, Source, Date, Event ID, Task, Level, Opcode, Keyword, User, User Name,
//! Computer, Description), then the rendered message on unindented lines up to the next block.
//! The labels are in the UI language, so fields are read by position, as Event Viewer's CSV is
//! (see [`super::eventlog`]), and named as `Get-WinEvent` names them: an event reads the same
//! whichever tool exported it.

use super::lines::{Line, lines};
use crate::record::{Parsed, Record, RecordKind, Span};

/// The `Get-WinEvent` name of each label line, in wevtutil's order. `None` lines are kept by
/// position only.
const FIELDS: [Option<&str>; 11] = [
    Some("LogName"),
    Some("ProviderName"),
    Some("TimeCreated"),
    Some("Id"),
    Some("TaskDisplayName"),
    Some("LevelDisplayName"),
    None,
    None,
    Some("UserId"),
    None,
    Some("MachineName"),
];

/// The line that opens an event: `Event[0]:` (or the localized word before the brackets).
pub fn starts_event(line: &str) -> bool {
    let line = line.trim_start_matches('\u{feff}').trim_end();
    let Some(inner) = line.strip_suffix("]:") else { return false };
    let Some((word, number)) = inner.split_once('[') else { return false };
    !word.is_empty()
        && word.chars().all(char::is_alphabetic)
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// true when the text opens with an event block whose fourth label line holds an event id.
pub fn looks_like_wevtutil(text: &str) -> bool {
    let mut meaningful = lines(text).map(|l| l.text).filter(|l| !l.trim().is_empty());
    meaningful.next().is_some_and(starts_event) && meaningful.nth(3).and_then(label_value).is_some_and(is_event_id)
}

pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut block: Vec<Line<'_>> = Vec::new();
    for line in lines(text) {
        if starts_event(line.text) {
            parsed.records.extend(event(&block));
            block.clear();
        }
        block.push(line);
    }
    parsed.records.extend(event(&block));
    parsed
}

/// The event of one block, when its label lines read as an event.
fn event(block: &[Line<'_>]) -> Option<Record> {
    let (opening, rest) = block.split_first()?;
    if !starts_event(opening.text) {
        return None;
    }
    let labels: Vec<&str> = rest.iter().take(FIELDS.len() + 1).map_while(|l| label_value(l.text)).collect();
    if labels.len() <= FIELDS.len() || !is_event_id(labels[3]) {
        return None;
    }
    let message_lines = &rest[FIELDS.len()..];
    let last = message_lines.iter().rposition(|l| !l.text.trim().is_empty()).unwrap_or(0);
    let end = &message_lines[last];
    let span = Span { bytes: opening.start..end.end, first_line: opening.number, last_line: end.number };
    let mut record = Record::new(RecordKind::PsObject, span);
    for (name, value) in FIELDS.iter().zip(&labels) {
        if let Some(name) = name {
            record.push(*name, *value);
        }
    }
    // The message starts on the Description line (empty there as wevtutil writes it) and its
    // own line breaks and indents are layout, joined as the console parser joins a wrapped value.
    let message = std::iter::once(labels[FIELDS.len()])
        .chain(message_lines[1..=last].iter().map(|l| l.text))
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    record.push("Message", message);
    Some(record)
}

/// The value of an indented `Label: value` line.
fn label_value(line: &str) -> Option<&str> {
    if !line.starts_with("  ") {
        return None;
    }
    let (label, value) = line.trim_start().split_once(':')?;
    (!label.is_empty()).then_some(value.trim())
}

fn is_event_id(value: &str) -> bool {
    !value.is_empty() && value.len() <= 5 && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_EVENTS: &str = concat!(
        "Event[0]:\r\n",
        "  Log Name: System\r\n",
        "  Source: User32\r\n",
        "  Date: 2027-01-12T03:04:11.462\r\n",
        "  Event ID: 1074\r\n",
        "  Task: N/A\r\n",
        "  Level: Information\r\n",
        "  Opcode: N/A\r\n",
        "  Keyword: Classic\r\n",
        "  User: S-1-5-18\r\n",
        "  User Name: NT AUTHORITY\\SYSTEM\r\n",
        "  Computer: HOST2.contoso.com\r\n",
        "  Description: \r\n",
        "The process C:\\Windows\\servicing\\TrustedInstaller.exe (HOST2) has initiated the restart of computer HOST2 on behalf of user NT AUTHORITY\\SYSTEM for the following reason: Operating System: Upgrade (Planned)\r\n",
        " Reason Code: 0x80020003\r\n",
        " Shutdown Type: restart\r\n",
        " Comment: \r\n",
        "\r\n",
        "Ereignis[1]:\r\n",
        "  Protokollname: System\r\n",
        "  Quelle: User32\r\n",
        "  Datum: 2026-12-02T19:12:55.018\r\n",
        "  Ereignis-ID: 1074\r\n",
        "  Aufgabe: N/A\r\n",
        "  Ebene: Informationen\r\n",
        "  Opcode: N/A\r\n",
        "  Schlüsselwort: Klassisch\r\n",
        "  Benutzer: S-1-5-21-1\r\n",
        "  Benutzername: CONTOSO\\jane\r\n",
        "  Computer: HOST2.contoso.com\r\n",
        "  Beschreibung: \r\n",
        "Der Prozess C:\\Windows\\Explorer.EXE (HOST2) hat den Neustart ausgelöst.\r\n",
        "\r\n",
        "\r\n",
    );

    #[test]
    fn events_are_read_by_position_in_any_language() {
        assert!(looks_like_wevtutil(&format!("\u{feff}{TWO_EVENTS}")));
        let parsed = parse(TWO_EVENTS);
        assert_eq!(parsed.records.len(), 2);
        let first = &parsed.records[0];
        assert_eq!(first.get("Id"), Some("1074"));
        assert_eq!(first.get("ProviderName"), Some("User32"));
        assert_eq!(first.get("TimeCreated"), Some("2027-01-12T03:04:11.462"));
        assert_eq!(first.get("MachineName"), Some("HOST2.contoso.com"));
        assert_eq!(
            first.get("Message"),
            Some(
                "The process C:\\Windows\\servicing\\TrustedInstaller.exe (HOST2) has initiated the restart of computer HOST2 on behalf of user NT AUTHORITY\\SYSTEM for the following reason: Operating System: Upgrade (Planned) Reason Code: 0x80020003 Shutdown Type: restart Comment:"
            )
        );
        assert_eq!((first.span.first_line, first.span.last_line), (1, 17));
        let second = &parsed.records[1];
        assert_eq!(second.get("LevelDisplayName"), Some("Informationen"));
        assert_eq!(
            second.get("Message"),
            Some("Der Prozess C:\\Windows\\Explorer.EXE (HOST2) hat den Neustart ausgelöst.")
        );
        assert_eq!(second.span.last_line, 32);
    }

    #[test]
    fn other_text_is_not_wevtutil() {
        assert!(!looks_like_wevtutil(
            "Event[0]:\r\n  Name: x\r\n  Other: y\r\n  Third: z\r\n  Fourth: not a number\r\n"
        ));
        assert!(!looks_like_wevtutil("$events[0]:\r\n"));
        assert!(!starts_event("Event [0]:"));
        assert!(!starts_event("Event[]:"));
        // A block cut short is dropped, not guessed at.
        assert!(parse("Event[0]:\r\n  Log Name: System\r\n").records.is_empty());
    }
}
