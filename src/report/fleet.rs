//! Several hosts in one report: each host's [`Report`], built from its own facts, and the fleet
//! summary that comes first in every format (hosts by findings, worst host first; in HTML and
//! Markdown a matrix). Each host's part is rendered by its format's own module; this module only
//! frames them. A scan of one host renders exactly as that host's report alone.
//!
//! Every path of a host is shown from its scanned root (`bundleA/host/Get-VM.txt`), set where
//! the host's inputs were found, so two hosts never share a path in any format.

use std::fmt::Write as _;

use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use super::sanitize::{html as esc, markdown_inline, terminal};
use super::{Format, Report, concise, html, json as json_format, markdown, sarif, text};
use crate::engine::Engine;
use crate::rules::Severity;
use crate::scan::Scan;

/// One host of a fleet: the path it was scanned from, and its report.
pub struct HostReport {
    pub root: String,
    pub report: Report,
}

/// Every host of a scan, worst first.
pub struct Fleet {
    pub hosts: Vec<HostReport>,
}

/// How a host stands, worst last: a host where nothing could be checked ranks above a clean
/// one (it may be anything) and below any finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    NoFinding,
    NothingChecked,
    Worst(Severity),
}

impl Standing {
    pub fn name(self) -> &'static str {
        match self {
            Standing::NoFinding => "no finding",
            Standing::NothingChecked => "nothing checked",
            Standing::Worst(severity) => severity.name(),
        }
    }
}

impl HostReport {
    pub fn standing(&self) -> Standing {
        match self.report.findings.iter().map(|f| f.severity).max() {
            Some(worst) => Standing::Worst(worst),
            None if self.report.nothing_checked() => Standing::NothingChecked,
            None => Standing::NoFinding,
        }
    }

    /// Findings by severity: errors, warnings, infos.
    fn counts(&self) -> [usize; 3] {
        let of = |s| self.report.findings.iter().filter(|f| f.severity == s).count();
        [of(Severity::Error), of(Severity::Warning), of(Severity::Info)]
    }
}

/// A rule that fired on some host: a column of the matrix.
struct Column<'a> {
    rule_id: &'a str,
    name: &'a str,
    title: &'a str,
    worst: Severity,
}

impl Fleet {
    /// Each host's report from its scan, the worst host first (then more errors, warnings,
    /// infos; then by root).
    pub fn build(engine: &Engine, scans: Vec<(String, Scan)>) -> Fleet {
        let mut hosts: Vec<HostReport> =
            scans.into_iter().map(|(root, scan)| HostReport { root, report: Report::build(engine, scan) }).collect();
        hosts.sort_by(|a, b| {
            b.standing().cmp(&a.standing()).then_with(|| b.counts().cmp(&a.counts())).then_with(|| a.root.cmp(&b.root))
        });
        Fleet { hosts }
    }

    /// Whether no host gave a single record.
    pub fn nothing_checked(&self) -> bool {
        self.hosts.iter().all(|h| h.report.nothing_checked())
    }

    /// Whether some host gave no record: not a healthy fleet, even when the others are.
    pub fn some_host_unchecked(&self) -> bool {
        self.hosts.iter().any(|h| h.report.nothing_checked())
    }

    /// Whether any host has a finding at or above `threshold` (`--fail-on`).
    pub fn has_finding_at_or_above(&self, threshold: Option<Severity>) -> bool {
        self.hosts.iter().any(|h| h.report.has_finding_at_or_above(threshold))
    }

    /// The reports of every host, to set what they share (the config, redaction).
    pub fn reports_mut(&mut self) -> impl Iterator<Item = &mut Report> {
        self.hosts.iter_mut().map(|h| &mut h.report)
    }

    /// One host renders as its report alone; several as the fleet summary, then each host.
    pub fn render(&self, format: Format, color: bool) -> String {
        if let [host] = self.hosts.as_slice() {
            return host.report.render(format, color);
        }
        match format {
            Format::Text => self.text(color),
            Format::Markdown => self.markdown(),
            Format::Json => self.json(),
            Format::Html => self.html(),
            Format::Sarif => self.sarif(),
            Format::Concise => self.concise(),
        }
    }

    /// What the report holds in one line, for stderr when it went to a file (`-o`).
    pub fn summary_line(&self) -> String {
        if let [host] = self.hosts.as_slice() {
            return host.report.summary_line();
        }
        let findings: usize = self.hosts.iter().map(|h| h.report.findings.len()).sum();
        let inputs: usize = self.hosts.iter().map(|h| h.report.inputs.len()).sum();
        format!(
            "{}: {findings} finding{} in {inputs} input{}",
            self.headline(),
            super::plural(findings),
            super::plural(inputs)
        )
    }

    /// Every host's evidence lines (paths from the host's root), then each host's summary.
    fn concise(&self) -> String {
        let mut out: String = self.hosts.iter().map(|h| concise::lines(&h.report)).collect();
        for host in &self.hosts {
            let _ = writeln!(out, "{}: {}", terminal(&host.root, false), host.report.summary_line());
        }
        let _ = writeln!(out, "{}", self.headline());
        out
    }

    /// The rules that fired on any host, worst first, then by id.
    fn columns(&self) -> Vec<Column<'_>> {
        let mut columns: Vec<Column<'_>> = Vec::new();
        for finding in self.hosts.iter().flat_map(|h| &h.report.findings) {
            match columns.iter_mut().find(|c| c.rule_id == finding.rule_id) {
                Some(column) => column.worst = column.worst.max(finding.severity),
                None => columns.push(Column {
                    rule_id: &finding.rule_id,
                    name: &finding.name,
                    title: &finding.title,
                    worst: finding.severity,
                }),
            }
        }
        columns.sort_by(|a, b| b.worst.cmp(&a.worst).then_with(|| a.rule_id.cmp(b.rule_id)));
        columns
    }

    /// The first line of every format's summary: how many hosts, how many with findings.
    fn headline(&self) -> String {
        let with_findings = self.hosts.iter().filter(|h| !h.report.findings.is_empty()).count();
        let unchecked = self.hosts.iter().filter(|h| h.standing() == Standing::NothingChecked).count();
        let mut line = format!("{} hosts, {with_findings} with findings", self.hosts.len());
        if unchecked > 0 {
            line.push_str(&format!(", {unchecked} where nothing could be checked"));
        }
        line
    }

    fn text(&self, color: bool) -> String {
        let bold = |s: &str| if color { format!("\u{1b}[1m{s}\u{1b}[0m") } else { s.to_owned() };
        let mut out = format!("{} {}; worst first\n", bold("Fleet"), self.headline());
        let roots: Vec<String> = self.hosts.iter().map(|h| terminal(&h.root, false)).collect();
        let width = roots.iter().map(|r| r.chars().count()).max().unwrap_or(0).max(4);
        let _ = writeln!(
            out,
            "  {:<width$}  {:<15}  {:>6}  {:>8}  {:>4}  rules fired",
            "host", "worst", "errors", "warnings", "info"
        );
        for (host, root) in self.hosts.iter().zip(&roots) {
            let [errors, warnings, infos] = host.counts();
            let fired: Vec<String> = host.report.findings.iter().map(|f| terminal(&f.rule_id, false)).collect();
            let row = format!(
                "  {root:<width$}  {:<15}  {errors:>6}  {warnings:>8}  {infos:>4}  {}",
                host.standing().name(),
                fired.join(", ")
            );
            let _ = writeln!(out, "{}", row.trim_end());
        }
        for (i, (host, root)) in self.hosts.iter().zip(&roots).enumerate() {
            let _ = write!(out, "\n{}\n\n", bold(&format!("== Host {} of {}: {root} ==", i + 1, self.hosts.len())));
            out.push_str(&text::render(&host.report, color));
        }
        out
    }

    fn markdown(&self) -> String {
        let columns = self.columns();
        let mut out = format!("# ccdiag fleet report\n\n{}; worst first.\n\n| host | worst |", self.headline());
        for column in &columns {
            let _ = write!(out, " {} |", markdown_inline(column.rule_id));
        }
        out.push_str("\n|---|---|");
        out.push_str(&"---|".repeat(columns.len()));
        out.push('\n');
        for host in &self.hosts {
            let _ = write!(out, "| {} | {} |", markdown_inline(&host.root), host.standing().name());
            for column in &columns {
                match host.report.findings.iter().find(|f| f.rule_id == column.rule_id) {
                    Some(f) => {
                        let _ = write!(out, " {} ({}) |", f.count, f.severity.name());
                    }
                    None => out.push_str(" |"),
                }
            }
            out.push('\n');
        }
        if !columns.is_empty() {
            out.push('\n');
            for column in &columns {
                let _ = writeln!(
                    out,
                    "- {} {}: {}",
                    markdown_inline(column.rule_id),
                    markdown_inline(column.name),
                    markdown_inline(column.title)
                );
            }
        }
        for (i, host) in self.hosts.iter().enumerate() {
            let heading = format!("Host {} of {}: {}", i + 1, self.hosts.len(), markdown_inline(&host.root));
            out.push('\n');
            out.push_str(&markdown::render_headed(&host.report, &heading));
        }
        out
    }

    fn html(&self) -> String {
        let columns = self.columns();
        let mut out = String::with_capacity(64 * 1024 * self.hosts.len());
        html::page_start(&mut out, &format!("ccdiag fleet report: {} hosts", self.hosts.len()), FLEET_STYLE);
        let _ = writeln!(
            out,
            "<header class=\"summary\">\n<h1>ccdiag fleet report</h1>\n<p class=\"subtitle\">{}; worst first. \
             Each row links to its host's report below.</p>",
            esc(&self.headline(), false)
        );
        out.push_str("<div class=\"matrix-wrap\">\n<table class=\"matrix\">\n<thead><tr><th scope=\"col\">Host</th><th scope=\"col\">Worst</th>");
        for column in &columns {
            let _ = write!(
                out,
                "<th scope=\"col\" title=\"{}: {}\"><code>{}</code></th>",
                esc(column.name, false),
                esc(column.title, false),
                esc(column.rule_id, false)
            );
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (i, host) in self.hosts.iter().enumerate() {
            let standing = host.standing();
            let class = match standing {
                Standing::Worst(severity) => severity.name(),
                Standing::NothingChecked => "not_applicable",
                Standing::NoFinding => "passed",
            };
            let _ = write!(
                out,
                "<tr><th scope=\"row\"><a href=\"#host-{n}\"><code>{root}</code></a></th>\
                 <td><span class=\"pill {class}\">{}</span></td>",
                standing.name(),
                n = i + 1,
                root = esc(&host.root, false),
            );
            for column in &columns {
                match host.report.findings.iter().find(|f| f.rule_id == column.rule_id) {
                    Some(f) => {
                        let _ = write!(
                            out,
                            "<td class=\"hit\"><a class=\"pill {severity}\" href=\"#{anchor}\" title=\"{rule} on {root}: {matches}\">{count}</a></td>",
                            severity = f.severity.name(),
                            anchor = html::anchor(&format!("host-{}-", i + 1), &f.rule_id),
                            rule = esc(&f.rule_id, false),
                            root = esc(&host.root, false),
                            count = f.count,
                            matches = super::matches(f.count),
                        );
                    }
                    None => out.push_str("<td class=\"miss\"></td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</div>\n</header>\n");
        for (i, host) in self.hosts.iter().enumerate() {
            let n = i + 1;
            let heading = format!(
                "<h2 class=\"host-title\">Host {n} of {}: <code>{}</code></h2>\n",
                self.hosts.len(),
                esc(&host.root, false)
            );
            let ids = format!("host-{n}-");
            let _ = writeln!(out, "<section class=\"host\" id=\"host-{n}\">");
            html::host_part(&mut out, &host.report, &html::Part { heading: &heading, ids: &ids, container: "section" });
            out.push_str("</section>\n");
        }
        html::page_end(&mut out, "Paths are shown from each host's scanned folder; lines are 1-based.");
        out
    }

    /// Each host's document in `hosts[]`; the top-level arrays hold every host's entries, each
    /// with its `host_root`, so a reader of the one-host contract still sees every finding.
    /// Written as it is serialized, one host's document at a time: the whole fleet's as one
    /// JSON tree would take several times the size of the report in memory.
    fn json(&self) -> String {
        let mut machines: Vec<&str> =
            self.hosts.iter().flat_map(|h| h.report.host.hosts.iter().map(String::as_str)).collect();
        machines.sort_unstable();
        machines.dedup();
        let every = |key| EveryHost { fleet: self, key };
        let document = FleetDocument {
            tool: json!({"name": "ccdiag", "version": env!("CARGO_PKG_VERSION")}),
            redacted: self.hosts[0].report.redacted,
            nothing_checked: self.nothing_checked(),
            host: json!({
                "machines": machines, "collection_time": null, "collection_time_zone": null, "reference_time": null,
                "reference": null, "versions": [], "version_facts": [],
            }),
            inputs: every("inputs"),
            findings: every("findings"),
            suppressed: every("suppressed"),
            outcomes: every("outcomes"),
            // One config file serves every host.
            config: json_format::document(&self.hosts[0].report)["config"].take(),
            hosts: Hosts(self),
        };
        let mut text = super::sanitize::json_pretty(&document);
        text.push('\n');
        text
    }

    /// One run (code-scanning services take one run per tool): every host's results, artifacts
    /// and notifications, each result naming its host; the hosts' facts and outcomes in the
    /// run's properties.
    fn sarif(&self) -> String {
        let mut results = Vec::new();
        let mut artifacts = Vec::new();
        let mut notifications = Vec::new();
        let mut hosts = Vec::new();
        // The first host's log is the frame (driver, rules, invocation); of the others only
        // their own parts are kept, one host's log at a time.
        let mut frame = None;
        for host in &self.hosts {
            let mut document = sarif::document(&host.report);
            let run = &mut document["runs"][0];
            for mut result in take_array(&mut run["results"]) {
                result["properties"]["hostRoot"] = Value::from(host.root.as_str());
                results.push(result);
            }
            artifacts.extend(take_array(&mut run["artifacts"]));
            notifications.extend(take_array(&mut run["invocations"][0]["toolExecutionNotifications"]));
            let properties = &mut run["properties"];
            hosts.push(json!({
                "root": host.root,
                "standing": host.standing().name(),
                "host": properties["host"].take(),
                "outcomes": properties["outcomes"].take(),
            }));
            frame.get_or_insert(document);
        }
        let mut document = frame.unwrap_or_default();
        let run = &mut document["runs"][0];
        run["results"] = Value::Array(results);
        run["artifacts"] = Value::Array(artifacts);
        run["invocations"][0]["toolExecutionNotifications"] = Value::Array(notifications);
        run["originalUriBaseIds"]["SCANROOT"]["description"]["text"] =
            Value::from("The folder ccdiag ran in: each host's paths start with the path it was scanned from.");
        run["properties"] = json!({"redacted": self.hosts[0].report.redacted, "hosts": hosts});
        let mut text = super::sanitize::json_pretty(&document);
        text.push('\n');
        text
    }
}

/// The fleet's JSON document, in the contract's order.
#[derive(Serialize)]
struct FleetDocument<'a> {
    tool: Value,
    redacted: bool,
    nothing_checked: bool,
    host: Value,
    inputs: EveryHost<'a>,
    findings: EveryHost<'a>,
    suppressed: EveryHost<'a>,
    outcomes: EveryHost<'a>,
    config: Value,
    hosts: Hosts<'a>,
}

/// One top-level array (`inputs`, `findings`, ...): every host's entries, each with its
/// `host_root`.
struct EveryHost<'a> {
    fleet: &'a Fleet,
    key: &'static str,
}

impl Serialize for EveryHost<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.fleet
                .hosts
                .iter()
                .flat_map(|host| tagged(&json_format::document(&host.report)[self.key], "host_root", &host.root)),
        )
    }
}

/// `hosts[]`: each host's document, with its `root` and `standing`.
struct Hosts<'a>(&'a Fleet);

impl Serialize for Hosts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.hosts.iter().map(|host| {
            let mut document = json_format::document(&host.report);
            json!({
                "root": host.root,
                "standing": host.standing().name(),
                "nothing_checked": document["nothing_checked"].take(),
                "host": document["host"].take(),
                "inputs": document["inputs"].take(),
                "findings": document["findings"].take(),
                "suppressed": document["suppressed"].take(),
                "outcomes": document["outcomes"].take(),
            })
        }))
    }
}

/// The entries of a JSON array, each with `key: value` added.
fn tagged(entries: &Value, key: &str, value: &str) -> Vec<Value> {
    let mut entries = entries.as_array().cloned().unwrap_or_default();
    for entry in &mut entries {
        if let Some(object) = entry.as_object_mut() {
            object.insert(key.to_owned(), Value::from(value));
        }
    }
    entries
}

fn take_array(value: &mut Value) -> Vec<Value> {
    match value.take() {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

/// The matrix and the host sections, after the common style.
const FLEET_STYLE: &str = r#"
.matrix-wrap { overflow-x: auto; margin-top: 1rem; }
table.matrix { width: auto; min-width: 100%; }
table.matrix th, table.matrix td { white-space: nowrap; text-align: center; }
table.matrix th[scope="row"], table.matrix th:first-child { text-align: left; }
table.matrix th[scope="row"] { background: var(--card); text-transform: none; letter-spacing: 0; font-size: 0.9rem; }
table.matrix th[scope="row"] a { color: var(--accent); }
table.matrix td.hit a { text-decoration: none; }
section.host { margin-top: 3rem; padding-top: 1rem; border-top: 4px solid var(--line); }
h2.host-title { font-size: 1.45rem; margin: 0 0 0.5rem; padding: 0; border: 0; }
"#;
