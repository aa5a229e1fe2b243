//! What every parser target checks beyond "does not panic": records point into the text they
//! came from, so excerpts and line numbers in reports are right.

use ccdiag::parse::FileKind;
use ccdiag::input::decode;
use ccdiag::parse;

/// Decodes `data` and parses it as `kind`, the way the engine does (decoder, then the parser
/// entry point with event normalisation).
pub fn parse_and_check(kind: FileKind, data: &[u8]) {
    let text = decode::decode(data).text;
    // The first byte picks whether a producer is known from the file name: both paths differ
    // in console and export parsing.
    let producer = match data.first() {
        Some(b) if b % 2 == 0 => Some("Get-WinEvent"),
        _ => None,
    };
    let parsed = parse::parse(kind, &text, producer);
    let lines = u32::try_from(text.split('\n').count()).unwrap_or(u32::MAX);
    for record in &parsed.records {
        let span = &record.span;
        assert!(text.get(span.bytes.clone()).is_some(), "span {:?} not in the text ({} bytes)", span, text.len());
        assert!(span.first_line <= span.last_line, "lines out of order: {span:?}");
        assert!(span.last_line <= lines, "line {} past the last line {lines}", span.last_line);
    }
    for problem in &parsed.problems {
        assert!(problem.line.is_none_or(|l| l <= lines), "problem past the last line: {problem}");
    }
}
