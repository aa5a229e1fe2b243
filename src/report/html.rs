//! `--format html`: one self-contained page to attach to a ticket. Styles are inline, there is
//! no script and nothing is fetched (no fonts, no images), so the file reads the same offline,
//! in a mail client's preview, printed, and on a phone.
//!
//! Every piece of text that came from an input (paths, excerpts, captures, reasons, problems,
//! and remediation filled from them) goes through [`sanitize::html`]; rule text does too, as a
//! user's rule pack is no more trusted than a log.

use std::fmt::Write as _;

use super::sanitize::html as esc;
use super::{Finding, Report, SuppressedFinding, plural};
use crate::engine::{MAX_EVIDENCE, Status};
use crate::rules::Severity;

/// Excerpts shown open per finding; the other kept ones are one click away.
const SHOWN_EVIDENCE: usize = 3;

const STYLE: &str = r#"
:root {
  --fg: #1d2433; --muted: #5b6475; --line: #dfe3ea; --bg: #f6f7f9; --card: #ffffff;
  --code-bg: #f3f4f7; --accent: #2454a6;
  --error: #b42318; --error-bg: #fef3f2; --warning: #a04c06; --warning-bg: #fff7e6;
  --info: #175cd3; --info-bg: #eff6ff; --ok: #18794e; --ok-bg: #ecfdf3;
  --mono: ui-monospace, SFMono-Regular, "Cascadia Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg); line-height: 1.5;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  overflow-wrap: break-word;
}
.page { max-width: 66rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.6rem; margin: 0; letter-spacing: -0.01em; }
h2 { font-size: 1.25rem; margin: 2.25rem 0 0.75rem; padding-bottom: 0.35rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0; }
h4 { font-size: 0.8rem; margin: 1.25rem 0 0.5rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
code, pre { font-family: var(--mono); font-size: 0.85em; }
code { overflow-wrap: anywhere; }
pre {
  margin: 0; padding: 0.65rem 0.8rem; background: var(--code-bg); border: 1px solid var(--line);
  border-radius: 6px; overflow-x: auto; white-space: pre; tab-size: 4; line-height: 1.45;
}
pre code { font-size: 1em; overflow-wrap: normal; }
.muted { color: var(--muted); }
header.summary {
  background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem 1.4rem;
}
.subtitle { margin: 0.2rem 0 1rem; color: var(--muted); }
.notice { margin: 0 0 1rem; padding: 0.5rem 0.75rem; border-radius: 6px; background: var(--info-bg); color: var(--info); }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 0.75rem 1.5rem; margin: 0; }
.facts div { min-width: 0; }
.facts .wide { grid-column: span 2; }
.facts small { font-size: 0.8rem; overflow-wrap: anywhere; }
.facts dt { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
.facts dd { margin: 0.1rem 0 0; }
.facts ul { list-style: none; margin: 0; padding: 0; }
.counts { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-top: 1.1rem; align-items: center; }
.pill {
  display: inline-block; padding: 0.15rem 0.65rem; border-radius: 999px; font-weight: 600; font-size: 0.85rem;
  border: 1px solid transparent; white-space: nowrap;
}
.pill.zero { color: var(--muted); background: var(--bg); border-color: var(--line); font-weight: 500; }
.pill.error { color: var(--error); background: var(--error-bg); border-color: #f5c2bd; }
.pill.warning { color: var(--warning); background: var(--warning-bg); border-color: #f3d19c; }
.pill.info { color: var(--info); background: var(--info-bg); border-color: #b9d3fb; }
.pill.passed { color: var(--ok); background: var(--ok-bg); border-color: #a6e3c3; }
.pill.not_applicable { color: var(--muted); background: var(--bg); border-color: var(--line); }
.rules-summary { color: var(--muted); font-size: 0.9rem; }
nav.toc { margin-top: 1rem; border-top: 1px solid var(--line); padding-top: 0.75rem; }
nav.toc ol { margin: 0; padding: 0; list-style: none; }
nav.toc li { margin: 0.15rem 0; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
nav.toc code { color: var(--fg); margin-right: 0.35rem; }
.toc-sev { display: inline-block; width: 0.55rem; height: 0.55rem; border-radius: 50%; margin-right: 0.45rem; background: var(--muted); }
.toc-sev.error { background: var(--error); }
.toc-sev.warning { background: var(--warning); }
.toc-sev.info { background: var(--info); }
.finding {
  background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--muted);
  border-radius: 10px; padding: 1.1rem 1.4rem 1.25rem; margin: 0 0 1.25rem; min-width: 0;
}
.finding.error { border-left-color: var(--error); }
.finding.warning { border-left-color: var(--warning); }
.finding.info { border-left-color: var(--info); }
.finding.suppressed { border-left-color: var(--line); background: var(--bg); }
.finding.suppressed .pill { opacity: 0.75; }
dl.why { margin: 0.5rem 0 0; display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.75rem; font-size: 0.9rem; }
dl.why dt { color: var(--muted); }
dl.why dd { margin: 0; min-width: 0; }
.finding-head { display: flex; flex-wrap: wrap; gap: 0.4rem 0.6rem; align-items: center; margin-bottom: 0.35rem; }
.rule-id { font-weight: 700; font-family: var(--mono); }
.rule-name { color: var(--muted); font-family: var(--mono); font-size: 0.85rem; }
.evidence { margin: 0 0 0.75rem; min-width: 0; }
.evidence .where { display: block; margin-bottom: 0.25rem; font-size: 0.85rem; color: var(--muted); }
.evidence pre { white-space: pre-wrap; overflow-wrap: anywhere; }
dl.fields {
  margin: 0.35rem 0 0; display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.75rem;
  font-size: 0.85rem;
}
dl.fields dt { color: var(--muted); font-family: var(--mono); }
dl.fields dd { margin: 0; min-width: 0; font-family: var(--mono); overflow-wrap: anywhere; }
details { margin: 0.25rem 0 0.75rem; }
summary { cursor: pointer; color: var(--accent); font-size: 0.9rem; margin-bottom: 0.5rem; }
.more { color: var(--muted); font-size: 0.9rem; margin: 0.25rem 0 0; }
ol.steps { margin: 0; padding-left: 1.5rem; }
ol.steps li { margin: 0 0 0.75rem; padding-left: 0.25rem; min-width: 0; }
ol.steps p { margin: 0 0 0.4rem; }
ol.steps p.note { color: var(--warning); font-size: 0.9rem; }
.variant {
  display: inline-block; font-size: 0.75rem; font-weight: 600; padding: 0 0.45rem; margin-right: 0.35rem;
  border-radius: 4px; background: var(--info-bg); color: var(--info); border: 1px solid #b9d3fb;
}
ul.refs { margin: 0; padding-left: 1.25rem; color: var(--muted); font-size: 0.9rem; }
.empty { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.4rem; }
h3.table-title { margin: 1.5rem 0 0.5rem; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); font-size: 0.9rem; }
th, td { text-align: left; vertical-align: top; padding: 0.5rem 0.7rem; border-bottom: 1px solid var(--line); }
th { background: var(--bg); font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); }
td { overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td ul { margin: 0; padding-left: 1rem; }
tr.has-problems td { background: var(--warning-bg); }
table.rules td:first-child { width: 34%; }
table.rules td:nth-child(2) { width: 9.5rem; white-space: nowrap; }
table.rules a { color: var(--accent); }
footer { margin-top: 2.5rem; color: var(--muted); font-size: 0.85rem; }
@media (max-width: 40rem) {
  body { font-size: 14px; }
  .page { padding: 0.75rem 0.6rem 2rem; }
  header.summary, .finding { padding: 0.9rem 0.9rem 1rem; }
  .facts .wide { grid-column: auto; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack thead { display: none; }
  table.stack tr { border-bottom: 1px solid var(--line); padding: 0.35rem 0; }
  table.stack td, table.rules td:first-child, table.rules td:nth-child(2) {
    border: 0; padding: 0.15rem 0.7rem; text-align: left; width: 100%; white-space: normal;
  }
  table.stack td::before {
    content: attr(data-label); display: inline-block; min-width: 6rem; font-size: 0.75rem;
    text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted);
  }
}
@media print {
  @page { margin: 1.6cm 1.4cm; }
  body { background: #fff; font-size: 10.5pt; }
  .page { max-width: none; padding: 0; }
  header.summary, .finding, table { border-color: #bbb; box-shadow: none; }
  .finding { break-inside: auto; }
  .finding-head, h4, .evidence, ol.steps li, tr { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
  nav.toc { display: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let machines = report.host.hosts.join(", ");
    let title = if machines.is_empty() { "ccdiag report".to_owned() } else { format!("ccdiag report: {machines}") };
    page_start(&mut out, &title, "");
    host_part(&mut out, report, &Part::ALONE);
    page_end(&mut out, "Paths are relative to the scanned folder; lines are 1-based.");
    out
}

/// Where one host's report stands in a page: alone, or as one host of a fleet, whose headings
/// name it and whose fragment ids carry a prefix so that two hosts' ids never collide.
pub(super) struct Part<'a> {
    /// The head of the summary card, markup already.
    pub heading: &'a str,
    /// Put before every fragment id of the part.
    pub ids: &'a str,
    /// The element holding findings and coverage: `main` alone, `section` in a fleet.
    pub container: &'static str,
}

impl Part<'_> {
    const ALONE: Part<'static> = Part {
        heading: "<h1>ccdiag report</h1>\n<p class=\"subtitle\">Skype for Business Cloud Connector Edition and \
                  Skype for Business Online diagnosis</p>\n",
        ids: "",
        container: "main",
    };
}

/// The page's head and the opening of its body; `extra_style` follows the common style.
pub(super) fn page_start(out: &mut String, title: &str, extra_style: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"ccdiag {version}\">\n\
         <meta name=\"color-scheme\" content=\"light\">\n\
         <title>{title}</title>\n<style>{STYLE}{extra_style}</style>\n</head>\n<body>\n<div class=\"page\">\n",
        version = env!("CARGO_PKG_VERSION"),
        title = esc(title, false),
    );
}

/// The footer, saying how paths read, and the end of the page.
pub(super) fn page_end(out: &mut String, paths: &str) {
    let _ = write!(
        out,
        "<footer>Generated by ccdiag {}. {paths}</footer>\n</div>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

/// One host's report: its summary card, findings, suppressed evidence and coverage.
pub(super) fn host_part(out: &mut String, report: &Report, part: &Part<'_>) {
    let ids = part.ids;
    summary(out, report, part);
    let _ = writeln!(out, "<{}>\n<h2 id=\"{ids}findings\">Findings</h2>", part.container);
    if report.nothing_checked() {
        out.push_str("<div class=\"empty\"><p><strong>Nothing could be checked</strong>: no input gave anything to read.</p><ul>\n");
        for why in report.why_nothing_checked() {
            let _ = writeln!(out, "<li>{}</li>", esc(&why, false));
        }
        out.push_str("</ul></div>\n");
    } else if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"empty\">{} The coverage below says what was read and checked.</p>",
            report.no_issue()
        );
    }
    for finding in &report.findings {
        finding_section(out, finding, ids);
    }
    if !report.suppressed.is_empty() {
        let n = report.suppressed_count();
        let _ = writeln!(
            out,
            "<h2 id=\"{ids}suppressed\">Suppressed</h2>\n<p class=\"muted\">{} accepted in a config file, each \
             with its reason: not findings, and not counted for <code>--fail-on</code>.</p>",
            super::matches(n)
        );
        for suppressed in &report.suppressed {
            suppressed_section(out, suppressed);
        }
    }
    coverage(out, report, ids);
    let _ = writeln!(out, "</{}>", part.container);
}

fn summary(out: &mut String, report: &Report, part: &Part<'_>) {
    let host = &report.host;
    let ids = part.ids;
    let _ = write!(out, "<header class=\"summary\">\n{}", part.heading);
    if report.redacted {
        out.push_str(
            "<p class=\"notice\">Redacted: user, host, domain and tenant names and IP addresses are replaced \
             with pseudonyms (<code>user-1</code>, <code>host-1</code>, ...), the same value by the same \
             pseudonym throughout.</p>\n",
        );
    }
    out.push_str("<dl class=\"facts\">\n");
    let list = |items: &[String]| -> String {
        if items.is_empty() {
            "<span class=\"muted\">not stated by any input</span>".to_owned()
        } else {
            let lis: String = items.iter().map(|i| format!("<li>{}</li>", esc(i, false))).collect();
            format!("<ul>{lis}</ul>")
        }
    };
    let _ = writeln!(out, "<div><dt>Machines</dt><dd>{}</dd></div>", list(&host.hosts));
    let _ = writeln!(
        out,
        "<div><dt>Collected</dt><dd>{}</dd></div>",
        host.collected()
            .as_deref()
            .map_or_else(|| "<span class=\"muted\">not stated by any input</span>".to_owned(), |t| esc(t, false))
    );
    if let Some(time) = &host.reference_time {
        let _ = writeln!(out, "<div><dt>Expiry checks against</dt><dd>{}</dd></div>", esc(time, false));
    }
    // `2.1.0.0 (running, ProgramData/CloudConnector/module.ini)`: the version stands out, its
    // source is the small print.
    let versions = if host.versions.is_empty() {
        list(&[])
    } else {
        let lis: String = host
            .versions
            .iter()
            .map(|v| match v.split_once(" (") {
                Some((version, source)) => format!(
                    "<li>{} <small class=\"muted\">{}</small></li>",
                    esc(version, false),
                    esc(source.trim_end_matches(')'), false)
                ),
                None => format!("<li>{}</li>", esc(v, false)),
            })
            .collect();
        format!("<ul>{lis}</ul>")
    };
    let _ = writeln!(out, "<div class=\"wide\"><dt>Cloud Connector versions</dt><dd>{versions}</dd></div>");
    if !host.domains.is_empty() {
        let _ = writeln!(out, "<div><dt>Domains</dt><dd>{}</dd></div>", list(&host.domains));
    }
    let problems: usize = report.inputs.iter().map(|i| i.problems.len()).sum();
    let _ = writeln!(
        out,
        "<div><dt>Inputs</dt><dd>{} file{} read{}</dd></div>",
        report.inputs.len(),
        plural(report.inputs.len()),
        if problems > 0 { format!(", {problems} problem{}", plural(problems)) } else { String::new() }
    );
    if let Some(config) = &report.config {
        let settings: String = config
            .settings
            .iter()
            .map(|s| {
                format!(
                    "<li><small class=\"muted\">{} {} = {} (line {})</small></li>",
                    esc(&s.rule_id, false),
                    esc(&s.key, false),
                    s.value,
                    s.line
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "<div><dt>Config</dt><dd><code>{}</code>{}</dd></div>",
            esc(&config.path, false),
            if settings.is_empty() { String::new() } else { format!("<ul>{settings}</ul>") }
        );
    }
    out.push_str("</dl>\n<div class=\"counts\">\n");
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let n = report.findings.iter().filter(|f| f.severity == severity).count();
        let word = match severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let _ = writeln!(
            out,
            "<span class=\"pill {}\">{n} {word}{}</span>",
            if n == 0 { "zero" } else { word },
            if n != 1 && severity != Severity::Info { "s" } else { "" }
        );
    }
    if !report.suppressed.is_empty() {
        let _ = writeln!(
            out,
            "<a class=\"pill zero\" href=\"#{ids}suppressed\">{} suppressed</a>",
            report.suppressed_count()
        );
    }
    let _ = writeln!(out, "<span class=\"rules-summary\">Rules: {}</span>", report.rules_line());
    out.push_str("</div>\n");
    if !report.findings.is_empty() {
        out.push_str("<nav class=\"toc\" aria-label=\"Findings\"><ol>\n");
        for finding in &report.findings {
            let _ = writeln!(
                out,
                "<li><a href=\"#{anchor}\"><span class=\"toc-sev {severity}\" aria-hidden=\"true\"></span><code>{id}</code> {title}</a></li>",
                anchor = anchor(ids, &finding.rule_id),
                severity = finding.severity.name(),
                id = esc(&finding.rule_id, false),
                title = esc(&finding.title, false)
            );
        }
        out.push_str("</ol></nav>\n");
    }
    out.push_str("</header>\n");
}

fn finding_section(out: &mut String, finding: &Finding, ids: &str) {
    let severity = finding.severity.name();
    let _ = write!(
        out,
        "<article class=\"finding {severity}\" id=\"{id}\">\n<div class=\"finding-head\">\
         <span class=\"pill {severity}\">{label}</span> <span class=\"rule-id\">{rule_id}</span> \
         <span class=\"rule-name\">{name}</span></div>\n<h3>{title}</h3>\n",
        id = anchor(ids, &finding.rule_id),
        label = severity.to_uppercase(),
        rule_id = esc(&finding.rule_id, false),
        name = esc(&finding.name, false),
        title = esc(&finding.title, false),
    );
    let _ = writeln!(out, "<h4>Evidence <span class=\"muted\">({})</span></h4>", super::matches(finding.count));
    evidence_list(out, &finding.evidence, finding.count);
    out.push_str("<h4>Fix</h4>\n");
    if let Some(explanation) = finding.explanation() {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(&explanation, false));
    }
    out.push_str("<ol class=\"steps\">\n");
    for step in &finding.remediation {
        out.push_str("<li><p>");
        if let Some(label) = &step.label {
            let _ = write!(out, "<span class=\"variant\">{}</span>", esc(label, false));
        }
        out.push_str(&esc(&step.text, false));
        out.push_str("</p>");
        if let Some(command) = &step.command {
            let _ = write!(out, "<pre><code>{}</code></pre>", esc(command, true));
        }
        if let Some(note) = &step.note {
            let _ = write!(out, "<p class=\"note\">{}</p>", esc(note, false));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");
    if !finding.references.is_empty() {
        out.push_str("<h4>References</h4>\n<ul class=\"refs\">\n");
        for reference in &finding.references {
            let _ = writeln!(out, "<li>{}</li>", esc(reference, false));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</article>\n");
}

/// One rule's evidence that one suppression silenced.
fn suppressed_section(out: &mut String, suppressed: &SuppressedFinding) {
    let severity = suppressed.severity.name();
    let _ = write!(
        out,
        "<article class=\"finding suppressed\">\n<div class=\"finding-head\">\
         <span class=\"pill {severity}\">{label}</span> <span class=\"pill zero\">suppressed</span> \
         <span class=\"rule-id\">{rule_id}</span> <span class=\"rule-name\">{name}</span></div>\n<h3>{title}</h3>\n",
        label = severity.to_uppercase(),
        rule_id = esc(&suppressed.rule_id, false),
        name = esc(&suppressed.name, false),
        title = esc(&suppressed.title, false),
    );
    let _ = writeln!(
        out,
        "<dl class=\"why\"><dt>Reason</dt><dd>{}</dd><dt>Suppressed by</dt><dd><code>{}</code></dd></dl>",
        esc(&suppressed.reason, false),
        esc(&suppressed.by(), false)
    );
    if !suppressed.whole_finding {
        out.push_str("<p class=\"more\">The rest of this rule's evidence is a finding above.</p>\n");
    }
    let _ = writeln!(out, "<h4>Evidence <span class=\"muted\">({})</span></h4>", super::matches(suppressed.count));
    evidence_list(out, &suppressed.evidence, suppressed.count);
    out.push_str("</article>\n");
}

/// The first pieces of evidence, the other kept ones one click away, and how many more were
/// only counted.
fn evidence_list(out: &mut String, evidence: &[crate::engine::Evidence], count: usize) {
    let (open, folded) = evidence.split_at(evidence.len().min(SHOWN_EVIDENCE));
    for evidence in open {
        evidence_block(out, evidence);
    }
    if !folded.is_empty() {
        let _ = writeln!(out, "<details><summary>Show {} more excerpt{}</summary>", folded.len(), plural(folded.len()));
        for evidence in folded {
            evidence_block(out, evidence);
        }
        out.push_str("</details>\n");
    }
    let unkept = count.saturating_sub(evidence.len());
    if unkept > 0 {
        let _ = writeln!(
            out,
            "<p class=\"more\">and {unkept} more match{} (a finding keeps its first {MAX_EVIDENCE})</p>",
            if unkept == 1 { "" } else { "es" }
        );
    }
}

fn evidence_block(out: &mut String, evidence: &crate::engine::Evidence) {
    let lines = if evidence.last_line > evidence.line {
        format!("{}-{}", evidence.line, evidence.last_line)
    } else {
        evidence.line.to_string()
    };
    let state = evidence
        .note
        .as_ref()
        .map(|note| format!("<p class=\"note\">State: {}</p>", esc(note, false)))
        .unwrap_or_default();
    // A table row or a list item says little without its column names and the other
    // properties of its object: the captured fields give both (a certificate's NotAfter).
    let fields: String = evidence
        .captures
        .iter()
        .map(|(name, value)| format!("<dt>{}</dt><dd>{}</dd>", esc(name, false), esc(value, false)))
        .collect();
    let fields = if fields.is_empty() { fields } else { format!("<dl class=\"fields\">{fields}</dl>") };
    let _ = writeln!(
        out,
        "<div class=\"evidence\"><code class=\"where\">{}:{lines}</code><pre>{}</pre>{fields}{state}</div>",
        esc(&evidence.path, false),
        esc(&evidence.excerpt, true)
    );
}

fn coverage(out: &mut String, report: &Report, ids: &str) {
    let _ = writeln!(out, "<h2 id=\"{ids}coverage\">Coverage</h2>\n<h3 class=\"table-title\">Inputs</h3>");
    if report.inputs.is_empty() {
        out.push_str("<p class=\"empty\">No input file was found.</p>\n");
    } else {
        out.push_str(
            "<table class=\"stack inputs\">\n<thead><tr><th>Path</th><th>Kind</th><th>Encoding</th>\
             <th>Records</th><th>Problems</th></tr></thead>\n<tbody>\n",
        );
        for input in &report.inputs {
            let problems = if input.problems.is_empty() {
                "<span class=\"muted\">none</span>".to_owned()
            } else {
                let items: String =
                    input.problems.iter().map(|p| format!("<li>{}</li>", esc(&p.to_string(), false))).collect();
                format!("<ul>{items}</ul>")
            };
            let _ = writeln!(
                out,
                "<tr{class}><td data-label=\"Path\"><code>{path}</code></td><td data-label=\"Kind\">{kind}</td>\
                 <td data-label=\"Encoding\">{encoding}</td><td data-label=\"Records\" class=\"num\">{records}</td>\
                 <td data-label=\"Problems\">{problems}</td></tr>",
                class = if input.problems.is_empty() { "" } else { " class=\"has-problems\"" },
                path = esc(&input.path, false),
                kind = input.kind.map_or("unread", |k| k.name()),
                encoding = input.encoding.unwrap_or("-"),
                records = input.records,
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str(
        "<h3 class=\"table-title\">Rules</h3>\n<p class=\"muted\">Every rule of the pack: \
         what fired, what was checked and passed, and why a rule could not be checked.</p>\n\
         <table class=\"stack rules\">\n<thead><tr><th>Rule</th><th>Status</th><th>Reason</th></tr></thead>\n<tbody>\n",
    );
    let mut outcomes: Vec<_> = report.outcomes.iter().collect();
    // Fired first (they link to their finding), then what could not be checked, then passed.
    outcomes.sort_by_key(|o| match o.status {
        Status::Fired => 0,
        Status::CouldNotCheck => 1,
        Status::Suppressed => 2,
        Status::NotApplicable => 3,
        Status::Ignored => 4,
        Status::Passed => 5,
    });
    for outcome in outcomes {
        let rule = format!("<code>{}</code> {}", esc(&outcome.rule_id, false), esc(&outcome.name, false));
        let rule = if outcome.status == Status::Fired {
            format!("<a href=\"#{}\">{rule}</a>", anchor(ids, &outcome.rule_id))
        } else {
            rule
        };
        // A fired rule wears its finding's severity colour.
        let fired =
            report.findings.iter().find(|f| f.rule_id == outcome.rule_id).map_or("error", |f| f.severity.name());
        let fired = format!("<span class=\"pill {fired}\">fired</span>");
        let suppressed = format!("<a class=\"pill zero\" href=\"#{ids}suppressed\">suppressed</a>");
        let status = match outcome.status {
            Status::Fired => fired.as_str(),
            Status::Passed => "<span class=\"pill passed\">passed</span>",
            Status::CouldNotCheck => "<span class=\"pill not_applicable\">could not check</span>",
            Status::NotApplicable => "<span class=\"pill not_applicable\">not applicable</span>",
            Status::Suppressed => suppressed.as_str(),
            Status::Ignored => "<span class=\"pill zero\">not run</span>",
        };
        let _ = writeln!(
            out,
            "<tr><td data-label=\"Rule\">{rule}</td><td data-label=\"Status\">{status}</td>\
             <td data-label=\"Reason\">{}</td></tr>",
            esc(&outcome.reason, false)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// A fragment id from a rule id, after the part's prefix: rule ids of user packs may hold any
/// character, so keep the ones an id and a URL fragment both accept.
pub(super) fn anchor(ids: &str, rule_id: &str) -> String {
    let id: String = rule_id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("{ids}rule-{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Evidence;
    use crate::record::{Problem, ProblemKind};
    use crate::report::{HostSummary, Outcome, Step};
    use crate::scan::InputReport;

    fn hostile_report() -> Report {
        let hostile = "<script>alert(1)</script>\" onload=\"x' \u{1b}[2J\u{202E}gpj.exe";
        let evidence = |line| Evidence {
            kind: crate::record::RecordKind::Text,
            path: format!("logs/{hostile}.log"),
            line,
            last_line: line,
            excerpt: format!("line {line}: {hostile}\n</pre><b>bold</b>"),
            captures: vec![("user".into(), hostile.into())],
            severity: Severity::Error,
            at: None,
            zone: crate::time::Zone::HostLocal,
            run: 0,
            note: Some(hostile.into()),
        };
        Report {
            inputs: vec![InputReport {
                path: hostile.into(),
                kind: None,
                encoding: None,
                records: 0,
                problems: vec![Problem::at(ProblemKind::Syntax, 3, hostile)],
            }],
            host: HostSummary {
                hosts: vec![hostile.into()],
                collection_time: Some(hostile.into()),
                collection_zone: None,
                reference_time: Some(hostile.into()),
                reference: None,
                versions: vec![hostile.into()],
                version_facts: Vec::new(),
                domains: vec![hostile.into()],
                vms: Vec::new(),
            },
            findings: vec![Finding {
                rule_id: "X1\"><script>".into(),
                name: "n".into(),
                severity: Severity::Warning,
                title: hostile.into(),
                count: 60,
                evidence: (1..=5).map(evidence).collect(),
                remediation: vec![Step {
                    text: hostile.into(),
                    command: Some(format!("Get-Thing '{hostile}'")),
                    label: Some(hostile.into()),
                    note: Some(hostile.into()),
                }],
                references: vec![hostile.into()],
                explained_by: Some(hostile.into()),
            }],
            outcomes: vec![Outcome {
                rule_id: "X1\"><script>".into(),
                name: "n".into(),
                status: Status::Fired,
                reason: hostile.into(),
            }],
            rules: Vec::new(),
            suppressed: Vec::new(),
            config: None,
            redacted: false,
        }
    }

    #[test]
    fn input_text_never_becomes_markup() {
        let page = render(&hostile_report());
        assert!(!page.contains("<script"), "a script tag got through");
        assert!(!page.contains("<b>"));
        assert!(!page.contains("\" onload="));
        assert!(!page.contains('\u{1b}') && !page.contains('\u{202E}'));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x&#39;"));
        assert!(page.contains("\\u{1b}[2J\\u{202e}gpj.exe"));
        // The rule id becomes a plain fragment id.
        assert!(page.contains("id=\"rule-X1___script_\""));
    }

    #[test]
    fn evidence_beyond_the_first_three_folds_and_the_rest_is_counted() {
        let page = render(&hostile_report());
        assert_eq!(page.matches("<div class=\"evidence\">").count(), 5);
        assert!(page.contains("<details><summary>Show 2 more excerpts</summary>"));
        assert!(page.contains("and 55 more matches (a finding keeps its first 50)"));
    }

    #[test]
    fn the_page_needs_nothing_from_outside() {
        let page = render(&hostile_report());
        for needle in ["http://", "https://", "src=", "@import", "url(", "<link", "<script"] {
            assert!(!page.contains(needle), "{needle} in the page");
        }
    }
}
