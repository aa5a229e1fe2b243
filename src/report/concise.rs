//! The concise report: one line per piece of evidence, `path:line: ID name: title`, which
//! editors read as a list of places to visit (Vim's `%f:%l:%m`, an IDE's problem matcher), as
//! ruff's `concise` and ripgrep's `--vimgrep` do, and a summary line after them.

use std::fmt::Write;

use super::Report;
use super::sanitize::terminal;

pub fn render(report: &Report) -> String {
    let mut out = lines(report);
    let _ = writeln!(out, "{}", report.summary_line());
    out
}

/// The evidence lines alone, for a fleet, which sums up its hosts after all of them.
pub fn lines(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        // Each line is written whole from sanitized parts: no input text can start a line of
        // its own or move the cursor.
        let rule = format!(
            "{} {}: {}",
            terminal(&finding.rule_id, false),
            terminal(&finding.name, false),
            terminal(&finding.title, false)
        );
        for evidence in &finding.evidence {
            let _ = writeln!(out, "{}:{}: {rule}", terminal(&evidence.path, false), evidence.line);
        }
        let unshown = finding.count.saturating_sub(finding.evidence.len());
        if unshown > 0 {
            let _ = writeln!(out, "{}: {unshown} more not listed", terminal(&finding.rule_id, false));
        }
    }
    out
}
