//! The Markdown report, for pasting into a ticket: the same content as the text report, with
//! every piece of input text escaped or fenced.

use std::fmt::Write as _;

use super::sanitize::{markdown_code_block, markdown_inline};
use super::{Finding, Report, SuppressedFinding};
use crate::engine::{Evidence, Status};

pub fn render(report: &Report) -> String {
    render_headed(report, "ccdiag report")
}

/// The report under a first-level heading of its own (in a fleet, the host's); `heading` is
/// Markdown already.
pub fn render_headed(report: &Report, heading: &str) -> String {
    let mut out = format!("# {heading}\n\n");
    let suppressed = match report.suppressed_count() {
        0 => String::new(),
        n => format!(", {n} suppressed match(es)"),
    };
    let _ = writeln!(out, "{} finding(s){suppressed}; rules: {}.\n", report.findings.len(), report.rules_line());
    if report.redacted {
        out.push_str("Redacted: user, host, domain and tenant names and IP addresses are pseudonyms (`user-1`, `host-1`, ...).\n\n");
    }
    let host = &report.host;
    if !host.hosts.is_empty() {
        let _ = writeln!(out, "- Machines: {}", markdown_inline(&host.hosts.join(", ")));
    }
    if let Some(time) = &host.collected() {
        let _ = writeln!(out, "- Collected: {}", markdown_inline(time));
    }
    if let Some(time) = &host.reference_time {
        let _ = writeln!(out, "- Expiry checks against: {}", markdown_inline(time));
    }
    for version in &host.versions {
        let _ = writeln!(out, "- Version: {}", markdown_inline(version));
    }
    out.push_str("\n## Findings\n\n");
    if report.nothing_checked() {
        out.push_str("**Nothing could be checked**: no input gave anything to read.\n\n");
        for why in report.why_nothing_checked() {
            let _ = writeln!(out, "- {}", markdown_inline(&why));
        }
        out.push('\n');
    } else if report.findings.is_empty() {
        let _ = writeln!(out, "{}\n", report.no_issue());
    }
    for finding in &report.findings {
        finding_section(&mut out, finding);
    }
    if !report.suppressed.is_empty() {
        let n = report.suppressed_count();
        let _ = writeln!(
            out,
            "## Suppressed\n\n{} accepted in a config file, each with its reason: not findings, and not \
             counted for `--fail-on`.\n",
            super::matches(n)
        );
        for suppressed in &report.suppressed {
            suppressed_section(&mut out, suppressed);
        }
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
    if let Some(config) = &report.config {
        let _ = writeln!(out, "\n## Config\n\n- File: {}", markdown_inline(&config.path));
        for setting in &config.settings {
            let _ = writeln!(
                out,
                "- {} {} = {} (line {})",
                markdown_inline(&setting.rule_id),
                markdown_inline(&setting.key),
                setting.value,
                setting.line
            );
        }
    }
    out.push_str("\n## Rules not checked\n\n");
    let mut any = false;
    for outcome in report.unchecked() {
        any = true;
        let label = match outcome.status {
            Status::CouldNotCheck => " (could not be checked)",
            Status::Ignored => " (not run)",
            _ => "",
        };
        let _ =
            writeln!(out, "- **{}** {}{label}: {}", outcome.rule_id, outcome.name, markdown_inline(&outcome.reason));
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

/// One rule's evidence that one suppression silenced.
pub fn render_suppressed(suppressed: &SuppressedFinding) -> String {
    let mut out = String::new();
    suppressed_section(&mut out, suppressed);
    out
}

fn suppressed_section(out: &mut String, suppressed: &SuppressedFinding) {
    let _ = writeln!(
        out,
        "### {} `{}` {}: {}\n",
        suppressed.severity.name().to_uppercase(),
        suppressed.rule_id,
        suppressed.name,
        markdown_inline(&suppressed.title)
    );
    let _ = writeln!(out, "- **Reason**: {}", markdown_inline(&suppressed.reason));
    let _ = writeln!(out, "- **Suppressed by**: {}", markdown_inline(&suppressed.by()));
    if !suppressed.whole_finding {
        out.push_str("- The rest of this rule's evidence is a finding above.\n");
    }
    let _ = writeln!(out, "\n**Evidence** ({}):\n", super::matches(suppressed.count));
    evidence_list(out, &suppressed.evidence, suppressed.count);
}

/// The first piece of evidence, the other kept ones folded away, and how many more were only
/// counted.
fn evidence_list(out: &mut String, evidence: &[Evidence], count: usize) {
    let (first, rest) = evidence.split_at(evidence.len().min(1));
    for evidence in first {
        evidence_item(out, evidence);
    }
    // More excerpts fold away so that a ticket shows the issue before the pile of proof. The
    // summary is our own text; the paths and excerpts inside stay escaped and fenced, and the
    // blank lines around them keep GitHub reading them as Markdown, not raw HTML.
    if !rest.is_empty() {
        let _ = writeln!(out, "<details><summary>{} more excerpt{}</summary>\n", rest.len(), super::plural(rest.len()));
        for evidence in rest {
            evidence_item(out, evidence);
        }
        out.push_str("</details>\n\n");
    }
    let unkept = count.saturating_sub(evidence.len());
    if unkept > 0 {
        let _ = writeln!(out, "- ... and {unkept} more\n");
    }
}

fn evidence_item(out: &mut String, evidence: &Evidence) {
    let _ = writeln!(out, "- {} line {}\n", markdown_inline(&evidence.path), evidence.line);
    for line in markdown_code_block(&evidence.excerpt, "text").lines() {
        let _ = writeln!(out, "  {line}");
    }
    if !evidence.captures.is_empty() {
        let _ = writeln!(out, "\n  {}", markdown_inline(&super::text::captures_line(&evidence.captures)));
    }
    if let Some(note) = &evidence.note {
        let _ = writeln!(out, "\n  State: {}", markdown_inline(note));
    }
    out.push('\n');
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
    let _ = writeln!(out, "**Evidence** ({}):\n", super::matches(finding.count));
    evidence_list(out, &finding.evidence, finding.count);
    if let Some(explanation) = finding.explanation() {
        let _ = writeln!(out, "**Fix**: {}\n", markdown_inline(&explanation));
    } else {
        out.push_str("**Fix**:\n\n");
    }
    for (i, step) in finding.remediation.iter().enumerate() {
        let label = step.label.as_ref().map(|l| format!("*{}*: ", markdown_inline(l))).unwrap_or_default();
        let _ = writeln!(out, "{}. {label}{}", i + 1, markdown_inline(&step.text));
        if let Some(command) = &step.command {
            out.push('\n');
            for line in markdown_code_block(command, "powershell").lines() {
                let _ = writeln!(out, "   {line}");
            }
        }
        if let Some(note) = &step.note {
            let _ = writeln!(out, "\n   *Note*: {}", markdown_inline(note));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;

    fn finding(evidence: usize, count: usize) -> Finding {
        Finding {
            rule_id: "X1".into(),
            name: "x".into(),
            severity: Severity::Error,
            title: "t".into(),
            count,
            evidence: (1..=evidence as u32)
                .map(|line| Evidence {
                    kind: crate::record::RecordKind::Text,
                    path: "<b>logs</b>/a.log".into(),
                    line,
                    last_line: line,
                    excerpt: "</details>\n```\n<script>alert(1)</script>".into(),
                    captures: Vec::new(),
                    severity: Severity::Error,
                    at: None,
                    zone: crate::time::Zone::HostLocal,
                    run: 0,
                    note: None,
                })
                .collect(),
            remediation: Vec::new(),
            references: Vec::new(),
            explained_by: None,
        }
    }

    #[test]
    fn one_excerpt_shows_alone() {
        let md = render_finding(&finding(1, 1));
        assert!(!md.contains("<details>"));
        assert!(!md.contains("more"));
    }

    #[test]
    fn further_excerpts_fold_and_stay_fenced() {
        let md = render_finding(&finding(3, 70));
        let lines: Vec<&str> = md.lines().collect();
        // Our own tags alone on their lines, each followed or preceded by a blank line.
        let open = lines.iter().position(|l| *l == "<details><summary>2 more excerpts</summary>").unwrap();
        assert_eq!(lines[open + 1], "");
        let close = lines.iter().position(|l| *l == "</details>").unwrap();
        assert_eq!(lines[close - 1], "");
        assert!(close > open);
        // Input text: escaped outside code, fenced (four backticks beat its three) inside.
        assert_eq!(md.matches("- \\<b\\>logs\\</b\\>/a.log line").count(), 3);
        assert_eq!(md.matches("  ````text").count(), 3);
        assert!(lines.iter().all(|l| !l.starts_with("</details>") || *l == "</details>"));
        assert_eq!(lines.iter().filter(|l| l.trim_start().starts_with("</details>")).count(), 4);
        assert!(md.contains("- ... and 67 more"));
    }
}
