//! Documents people write (Markdown runbooks, notes): read as console text, since they paste
//! console output into them, but of origin [`Origin::Quoted`]. A runbook that shows an error
//! and the `$PSVersionTable` of a broken machine as an example has not met that error.

use super::console;
use crate::record::{Origin, Parsed};

pub fn parse(text: &str) -> Parsed {
    let mut parsed = console::parse(text, None);
    for record in &mut parsed.records {
        record.context.origin = Origin::Quoted;
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordKind;

    #[test]
    fn what_a_document_shows_is_quoted() {
        let parsed = parse(
            "# Runbook\n\n```\nImport-Module : The version of the loaded PowerShell is '2.0'.\n```\n\nName  Value\n----  -----\nPSVersion 2.0\n",
        );
        assert!(parsed.records.iter().any(|r| r.kind == RecordKind::PsError));
        assert!(parsed.records.iter().any(|r| r.kind == RecordKind::PsObject));
        assert!(parsed.records.iter().all(|r| r.context.origin == Origin::Quoted));
    }
}
