//! The terminal report: findings by severity, each with evidence and numbered steps, then
//! what was read and what could not be checked.

use std::fmt::Write as _;

use super::sanitize::terminal;
use super::{Finding, Report, SuppressedFinding};
use crate::engine::{Evidence, Status};
use crate::rules::Severity;

/// Excerpts shown per finding; the rest are counted.
const SHOWN_EVIDENCE: usize = 3;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\u{1b}[{code}m{text}\u{1b}[0m") } else { text.to_owned() }
    }

    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.paint(code, &severity.name().to_uppercase())
    }
}

pub fn render(report: &Report, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    if report.nothing_checked() {
        out.push_str("Nothing could be checked: no input gave anything to read.\n");
        for why in report.why_nothing_checked() {
            let _ = writeln!(out, "  {}", terminal(&why, false));
        }
        out.push('\n');
    } else if report.findings.is_empty() {
        let _ = writeln!(out, "{}\n", report.no_issue());
    }
    for finding in &report.findings {
        finding_block(&mut out, finding, &style);
    }
    if !report.suppressed.is_empty() {
        let _ = writeln!(
            out,
            "{} {}, accepted in a config file: not findings, not counted for --fail-on\n",
            style.paint("1", "Suppressed"),
            super::matches(report.suppressed_count())
        );
        for suppressed in &report.suppressed {
            suppressed_block(&mut out, suppressed, &style);
        }
    }
    summary(&mut out, report, &style);
    out
}

/// One rule's evidence that one suppression silenced.
pub fn render_suppressed(suppressed: &SuppressedFinding, color: bool) -> String {
    let mut out = String::new();
    suppressed_block(&mut out, suppressed, &Style { color });
    out
}

fn suppressed_block(out: &mut String, suppressed: &SuppressedFinding, style: &Style) {
    let _ = writeln!(
        out,
        "{} {} {}: {}",
        style.paint("2", &suppressed.severity.name().to_uppercase()),
        style.paint("1", &terminal(&suppressed.rule_id, false)),
        terminal(&suppressed.name, false),
        terminal(&suppressed.title, false)
    );
    let _ = writeln!(out, "  reason: {}", terminal(&suppressed.reason, false));
    let _ = writeln!(out, "  suppressed by: {}", terminal(&suppressed.by(), false));
    let rest = if suppressed.whole_finding { "" } else { "; the rest of the rule's evidence is a finding above" };
    let _ = writeln!(out, "  evidence ({}{rest}):", super::matches(suppressed.count));
    for evidence in suppressed.evidence.iter().take(SHOWN_EVIDENCE) {
        evidence_lines(out, evidence, style);
    }
    if suppressed.count > SHOWN_EVIDENCE {
        let _ = writeln!(out, "    ... and {} more", suppressed.count - SHOWN_EVIDENCE);
    }
    out.push('\n');
}

fn evidence_lines(out: &mut String, evidence: &Evidence, style: &Style) {
    let _ =
        writeln!(out, "    {}", style.paint("36", &format!("{}:{}", terminal(&evidence.path, false), evidence.line)));
    for line in evidence.excerpt.lines() {
        let _ = writeln!(out, "      | {}", terminal(line, false));
    }
    if !evidence.captures.is_empty() {
        let _ = writeln!(out, "      = {}", terminal(&captures_line(&evidence.captures), false));
    }
    if let Some(note) = &evidence.note {
        let _ = writeln!(out, "      state: {}", terminal(note, false));
    }
}

/// One finding alone, as the full report shows it.
pub fn render_finding(finding: &Finding, color: bool) -> String {
    let mut out = String::new();
    finding_block(&mut out, finding, &Style { color });
    out
}

fn finding_block(out: &mut String, finding: &Finding, style: &Style) {
    let _ = writeln!(
        out,
        "{} {} {}: {}",
        style.severity(finding.severity),
        style.paint("1", &terminal(&finding.rule_id, false)),
        terminal(&finding.name, false),
        terminal(&finding.title, false)
    );
    let _ = writeln!(out, "  evidence ({}):", super::matches(finding.count));
    for evidence in finding.evidence.iter().take(SHOWN_EVIDENCE) {
        evidence_lines(out, evidence, style);
    }
    if finding.count > SHOWN_EVIDENCE {
        let _ = writeln!(out, "    ... and {} more", finding.count - SHOWN_EVIDENCE);
    }
    if let Some(explanation) = finding.explanation() {
        let _ = writeln!(out, "  fix: {}", terminal(&explanation, false));
    } else {
        let _ = writeln!(out, "  fix:");
    }
    for (i, step) in finding.remediation.iter().enumerate() {
        let label = step.label.as_ref().map(|l| format!("[{}] ", terminal(l, false))).unwrap_or_default();
        let _ = writeln!(out, "    {}. {label}{}", i + 1, terminal(&step.text, false));
        if let Some(command) = &step.command {
            for line in command.lines() {
                let _ = writeln!(out, "         {}", style.paint("32", &terminal(line, false)));
            }
        }
        if let Some(note) = &step.note {
            let _ = writeln!(out, "         note: {}", terminal(note, false));
        }
    }
    for reference in &finding.references {
        let _ = writeln!(out, "  see: {}", terminal(reference, false));
    }
    out.push('\n');
}

fn summary(out: &mut String, report: &Report, style: &Style) {
    let _ = writeln!(out, "{}", style.paint("1", "Inputs"));
    for input in &report.inputs {
        let kind = input.kind.map_or("unread", |k| k.name());
        let encoding = input.encoding.unwrap_or("-");
        let _ = writeln!(out, "  {}  [{kind}, {encoding}, {} records]", terminal(&input.path, false), input.records);
        for problem in &input.problems {
            let _ = writeln!(out, "    problem: {}", terminal(&problem.to_string(), false));
        }
    }
    if report.inputs.is_empty() {
        out.push_str("  (no input files found)\n");
    }
    let host = &report.host;
    if !host.hosts.is_empty() || host.collection_time.is_some() || !host.versions.is_empty() {
        let _ = writeln!(out, "{}", style.paint("1", "Host"));
        if !host.hosts.is_empty() {
            let _ = writeln!(out, "  machines: {}", terminal(&host.hosts.join(", "), false));
        }
        if let Some(time) = &host.collected() {
            let _ = writeln!(out, "  collected: {}", terminal(time, false));
        }
        if let Some(time) = &host.reference_time {
            let _ = writeln!(out, "  expiry checks against: {}", terminal(time, false));
        }
        for version in &host.versions {
            let _ = writeln!(out, "  version: {}", terminal(version, false));
        }
    }
    if let Some(config) = &report.config {
        let _ = writeln!(out, "{} {}", style.paint("1", "Config"), terminal(&config.path, false));
        for setting in &config.settings {
            let _ = writeln!(
                out,
                "  {} {} = {} (line {})",
                terminal(&setting.rule_id, false),
                terminal(&setting.key, false),
                setting.value,
                setting.line
            );
        }
    }
    if report.redacted {
        let _ = writeln!(
            out,
            "{} user, host, domain and tenant names and IP addresses are pseudonyms",
            style.paint("1", "Redacted")
        );
    }
    let _ = writeln!(out, "{} {}", style.paint("1", "Rules"), report.rules_line());
    if report.nothing_checked() {
        return;
    }
    for outcome in report.unchecked() {
        // Reasons quote input paths (where a version was read).
        let label = match outcome.status {
            Status::CouldNotCheck => "could not check",
            Status::Ignored => "not run",
            _ => "not checked",
        };
        let _ = writeln!(
            out,
            "  {label}: {} {}: {}",
            terminal(&outcome.rule_id, false),
            terminal(&outcome.name, false),
            terminal(&outcome.reason, false)
        );
    }
}

/// Captured fields on one line, each value cut to a readable length.
pub fn captures_line(captures: &[(String, String)]) -> String {
    const VALUE_CHARS: usize = 120;
    let shown: Vec<String> = captures
        .iter()
        .map(|(k, v)| {
            let v = v.replace(['\n', '\r'], " ");
            match v.char_indices().nth(VALUE_CHARS) {
                Some((cut, _)) => format!("{k}: {}...", &v[..cut]),
                None => format!("{k}: {v}"),
            }
        })
        .collect();
    shown.join("; ")
}
