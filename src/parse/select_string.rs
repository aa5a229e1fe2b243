//! `Select-String` hits on the management service log, as PowerShell prints them: one
//! `path:line:text` per hit, wrapped at the console width when redirected with `>`.
//!
//! A hit is the first line of a log entry, so it reads as an entry of its own once the prefix is
//! gone and the wrapped pieces are joined; its records point back at the lines of the hit.

use super::cce_log;
use super::lines::Line;
use crate::record::{Record, Span};

/// Where the text of a hit starts: after `...\CceManagementService.log:123:`, or 0 when the
/// line is no hit.
pub fn hit_prefix(text: &str) -> usize {
    let lower = text.to_ascii_lowercase();
    let Some(at) = lower.find(".log:") else { return 0 };
    let rest = &text[at + 5..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && rest[digits..].starts_with(':') { at + 5 + digits + 1 } else { 0 }
}

/// Whether a file opens with a hit in a management service log (its first line that is not
/// blank).
pub fn looks_like_log_hits(head: &str) -> bool {
    let Some(first) = head.lines().find(|l| !l.trim().is_empty()) else { return false };
    let prefix = hit_prefix(first);
    prefix > 0 && first[..prefix].to_ascii_lowercase().contains("ccemanagementservice")
}

/// The log records of hits (or of plain log lines, which have no prefix to strip), their spans
/// on the lines given.
pub fn log_records(lines: &[Line<'_>]) -> Vec<Record> {
    // A piece as long as the longest line was cut by the console width; shorter ones ended.
    let width = lines.iter().map(|l| l.text.chars().count()).max().unwrap_or(0);
    let mut text = String::new();
    // The physical lines each logical line of `text` came from.
    let mut origin: Vec<(usize, usize)> = Vec::new();
    let mut continues = false;
    for (i, line) in lines.iter().enumerate() {
        let prefix = hit_prefix(line.text);
        match origin.last_mut() {
            Some(last) if continues && prefix == 0 => {
                text.pop();
                text.push_str(line.text);
                text.push('\n');
                last.1 = i;
            }
            _ => {
                text.push_str(&line.text[prefix..]);
                text.push('\n');
                origin.push((i, i));
            }
        }
        continues = width >= 80 && line.text.chars().count() == width;
    }
    let mut records = cce_log::parse_plain(&text).records;
    for record in &mut records {
        let at = |logical: u32| origin[((logical - 1) as usize).min(origin.len() - 1)];
        let (first, last) = (lines[at(record.span.first_line).0], lines[at(record.span.last_line).1]);
        record.span = Span { bytes: first.start..last.end, first_line: first.number, last_line: last.number };
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::lines::all_lines;
    use crate::record::RecordKind;

    #[test]
    fn wrapped_hits_are_whole_entries_again() {
        let path =
            r"C:\Program Files\Skype for Business Cloud Connector Edition\ManagementService\CceManagementService.log";
        let hit = format!(
            "{path}:18211:CceService Error: 0 : Unexpected exception when reporting status to online: \
             System.Management.Automation.CmdletInvocationException: Logon failed for the user 'svc@contoso.com'."
        );
        let wrapped: Vec<String> = hit.chars().collect::<Vec<_>>().chunks(120).map(|c| c.iter().collect()).collect();
        let text = format!("\r\n{}\r\n{}\r\n", wrapped.join("\r\n"), wrapped.join("\r\n"));
        assert!(looks_like_log_hits(&text));
        let records = log_records(&all_lines(&text));
        assert_eq!(records.len(), 2);
        assert!(records.iter().all(|r| r.kind == RecordKind::CceLog));
        assert!(records[0].get("message").unwrap().contains("Logon failed for the user 'svc@contoso.com'"));
        assert_eq!((records[0].span.first_line, records[0].span.last_line), (2, 1 + wrapped.len() as u32));
        assert_eq!(records[1].span.first_line, 2 + wrapped.len() as u32);
    }

    #[test]
    fn other_files_are_no_hits() {
        assert!(!looks_like_log_hits("C:\\logs\\other.log:12:text"));
        assert!(!looks_like_log_hits("Name : x"));
        assert_eq!(hit_prefix("CceService Error: 0 : x"), 0);
    }
}
