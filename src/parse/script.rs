//! PowerShell script source (`.ps1`, `.psm1`, `.psd1`): its lines are kept as text of origin
//! [`Origin::Source`]. A script that quotes an error message in a comment, a `Write-Host` tip or
//! a `catch` block has not met that error; no rule reads source unless it asks to.

use super::lines::lines;
use crate::record::{Origin, Parsed, Record, RecordKind, Span};

pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for line in lines(text).filter(|l| !l.text.trim().is_empty()) {
        let span = Span { bytes: line.start..line.end, first_line: line.number, last_line: line.number };
        let mut record = Record::new(RecordKind::Text, span).with("line", line.text);
        record.context.origin = Origin::Source;
        parsed.records.push(record);
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_source() {
        let parsed = parse("# Connect\r\n\r\nthrow \"Logon failed for the user\"\r\n");
        assert_eq!(parsed.records.len(), 2);
        assert!(parsed.records.iter().all(|r| r.context.origin == Origin::Source && r.kind == RecordKind::Text));
    }
}
