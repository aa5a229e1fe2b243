//! The Markdown report, for pasting into a ticket: the same content as the text report, with
//! every piece of input text escaped or fenced.

use std::fmt::Write as _;

use super::sanitize::{markdown_code_block, markdown_inline};
use super::{Finding, Report};
use crate::engine::Status;

const SHOWN_EVIDENCE: usize = 3;

pub fn render(report: &Report) -> String {
    let mut out = String::from("# ccdiag report\n\n");
    let count = |status| report.outcomes.iter().filter(|o| o.status == status).count();
    let _ = writeln!(
        out,
        "{} finding(s); rules: {} fired, {} passed, {} not applicable.\n",
        report.findings.len(),
        count(Status::Fired),
        count(Status::Passed),
        count(Status::NotApplicable)
    );
    let host = &report.host;
    if !host.hosts.is_empty() {
        let _ = writeln!(out, "- Machines: {}", markdown_inline(&host.hosts.join(", ")));
    }
    if let Some(time) = &host.collection_time {
        let _ = writeln!(out, "- Collected: {}", markdown_inline(time));
    }
    for version in &host.versions {
        let _ = writeln!(out, "- Version: {}", markdown_inline(version));
    }
    out.push_str("\n## Findings\n\n");
    if report.findings.is_empty() {
        out.push_str("No issue found.\n\n");
    }
    for finding in &report.findings {
        finding_section(&mut out, finding);
    }
    out.push_str("## Inputs\n\n| path | kind | encoding | records | problems |\n|---|---|---|---|---|\n");
    for input in &report.inputs {
        let problems: Vec<String> = input.problems.iter().map(|p| markdown_inline(&p.to_string())).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            markdown_inline(&input.path),
            input.kind.map_or("unread", |k| k.name()),
            input.encoding.unwrap_or("-"),
            input.records,
            problems.join("; ")
        );
    }
    out.push_str("\n## Rules not checked\n\n");
    let mut any = false;
    for outcome in report.outcomes.iter().filter(|o| o.status == Status::NotApplicable) {
        any = true;
        let _ = writeln!(out, "- **{}** {}: {}", outcome.rule_id, outcome.name, markdown_inline(&outcome.reason));
    }
    if !any {
        out.push_str("Every rule could be checked.\n");
    }
    out
}

/// One finding alone, as the full report shows it.
pub fn render_finding(finding: &Finding) -> String {
    let mut out = String::new();
    finding_section(&mut out, finding);
    out
}

fn finding_section(out: &mut String, finding: &Finding) {
    let _ = writeln!(
        out,
        "### {} `{}` {}: {}\n",
        finding.severity.name().to_uppercase(),
        finding.rule_id,
        finding.name,
        markdown_inline(&finding.title)
    );
    let _ = writeln!(out, "**Evidence** ({} match{}):\n", finding.count, if finding.count == 1 { "" } else { "es" });
    for evidence in finding.evidence.iter().take(SHOWN_EVIDENCE) {
        let _ = writeln!(out, "- {} line {}\n", markdown_inline(&evidence.path), evidence.line);
        for line in markdown_code_block(&evidence.excerpt, "text").lines() {
            let _ = writeln!(out, "  {line}");
        }
        if !evidence.captures.is_empty() {
            let _ = writeln!(out, "\n  {}", markdown_inline(&super::text::captures_line(&evidence.captures)));
        }
        out.push('\n');
    }
    if finding.count > SHOWN_EVIDENCE {
        let _ = writeln!(out, "- ... and {} more\n", finding.count - SHOWN_EVIDENCE);
    }
    out.push_str("**Fix**:\n\n");
    for (i, step) in finding.remediation.iter().enumerate() {
        let label = step.label.as_ref().map(|l| format!("*{}*: ", markdown_inline(l))).unwrap_or_default();
        let _ = writeln!(out, "{}. {label}{}", i + 1, markdown_inline(&step.text));
        if let Some(command) = &step.command {
            out.push('\n');
            for line in markdown_code_block(command, "powershell").lines() {
                let _ = writeln!(out, "   {line}");
            }
        }
    }
    if !finding.references.is_empty() {
        out.push('\n');
        for reference in &finding.references {
            let _ = writeln!(out, "See: {}", markdown_inline(reference));
        }
    }
    out.push('\n');
}
