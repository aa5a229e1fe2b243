#![no_main]

//! Binary event logs: whatever the bytes, reading them ends with records and problems, never a
//! panic, and what it hands back is consistent with itself.

use std::io::Cursor;

use ccdiag::parse::evtx;
use ccdiag::record::RecordKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = evtx::looks_like_evtx(data);
    // The last byte picks a record limit, so the limit's path is fuzzed too; most inputs run
    // without one.
    let max_records = match data.last() {
        Some(&b) if b < 16 => Some(usize::from(b)),
        _ => None,
    };
    let parsed = evtx::parse(Cursor::new(data), max_records);
    if let Some(max) = max_records {
        assert!(parsed.records.len() <= max, "{} records past the limit {max}", parsed.records.len());
    }
    let mut last_place = 0;
    for record in &parsed.records {
        assert_eq!(record.kind, RecordKind::PsObject);
        let span = &record.span;
        assert!(span.bytes.is_empty() && span.first_line == span.last_line, "{span:?}");
        assert!(span.first_line > last_place, "places out of order: {span:?} after {last_place}");
        last_place = span.first_line;
        assert_eq!(&*record.fields[1].0, "Id");
        assert_eq!(record.fields.last().map(|(n, v)| (&**n, v.as_str())), Some(("producer", "Get-WinEvent")));
    }
    if !data.starts_with(evtx::MAGIC) {
        assert!(parsed.records.is_empty(), "records from a file that is no .evtx");
        assert!(!parsed.problems.is_empty(), "a file that is no .evtx read without a problem");
    }
});
