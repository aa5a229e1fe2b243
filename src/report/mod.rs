//! Reports: one data model built from a scan, rendered per format.

pub mod concise;
pub mod explain;
pub mod fleet;
pub mod html;
pub mod json;
pub mod markdown;
pub mod powershell;
pub mod progress;
pub mod redact;
pub mod sanitize;
pub mod sarif;
pub mod text;

use crate::engine::{Engine, Evidence, Status};
use crate::facts::{Facts, ReferenceTime};
use crate::rules::template::{self, Piece, Shape};
use crate::rules::{Reference, RuleDef, Severity, StepDef, VersionRange};
use crate::scan::{InputReport, Scan};
use crate::time::Zone;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
    /// One self-contained page for a ticket: no script, no fetch.
    Html,
    /// SARIF 2.1.0, for code-scanning dashboards and CI.
    Sarif,
    /// One line per piece of evidence, `path:line: ID name: title`, for terminals and editors.
    Concise,
}

/// Everything a format shows, in display order.
pub struct Report {
    pub inputs: Vec<InputReport>,
    pub host: HostSummary,
    pub findings: Vec<Finding>,
    pub outcomes: Vec<Outcome>,
    /// Every rule of the pack, fired or not: SARIF describes them all.
    pub rules: Vec<RuleDoc>,
    /// Evidence the user accepted (`[[suppress]]`), worst first: not findings, and not
    /// counted for `--fail-on`, but shown by every format with the reason.
    pub suppressed: Vec<SuppressedFinding>,
    /// The config file the scan used and the settings it changed; `None` without one.
    pub config: Option<ConfigUsed>,
    /// Personal data was replaced with pseudonyms (`--redact`); formats say so.
    pub redacted: bool,
}

/// `1 match`, `3 matches`: how much evidence a finding stands for, in the words of every format.
pub(crate) fn matches(n: usize) -> String {
    format!("{n} match{}", if n == 1 { "" } else { "es" })
}

/// The `s` of a count other than one.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The evidence of one rule that one suppression silenced.
pub struct SuppressedFinding {
    pub rule_id: String,
    pub name: String,
    /// The highest severity among its evidence.
    pub severity: Severity,
    pub title: String,
    /// Pieces of evidence silenced, kept or only counted.
    pub count: usize,
    pub evidence: Vec<Evidence>,
    pub reason: String,
    /// Where the suppression was written: the config file and the line of its `[[suppress]]`.
    pub source: String,
    pub line: u32,
    /// The last day it applies, when it has one.
    pub expires: Option<String>,
    /// Whether the rule's whole finding was suppressed; `false` when the rest of its evidence
    /// is still a finding.
    pub whole_finding: bool,
}

impl SuppressedFinding {
    /// Where it was written and until when, as every format says it.
    pub fn by(&self) -> String {
        match &self.expires {
            Some(day) => format!("{}:{}, until {day}", self.source, self.line),
            None => format!("{}:{}", self.source, self.line),
        }
    }
}

/// The config file a scan used, and the thresholds it set.
pub struct ConfigUsed {
    pub path: String,
    pub settings: Vec<SettingUsed>,
}

pub struct SettingUsed {
    pub rule_id: String,
    pub key: String,
    pub value: i64,
    /// Where the config file sets it.
    pub line: u32,
}

pub struct HostSummary {
    pub hosts: Vec<String>,
    /// ISO 8601: with `Z` when the input stated the zone, else the host's local time as written.
    pub collection_time: Option<String>,
    pub collection_zone: Option<Zone>,
    /// The time expiry checks compared with, and where it came from, as a reader is told.
    pub reference_time: Option<String>,
    pub reference: Option<ReferenceTime>,
    /// `2.1.0.0 (running, module.ini)` style lines.
    pub versions: Vec<String>,
    /// The same versions as fields.
    pub version_facts: Vec<VersionStated>,
    /// DNS domains CloudConnector.ini names (`SIPDomains`, `VirtualMachineDomain`, ...).
    pub domains: Vec<String>,
    /// The VM names CloudConnector.ini gives (`CCEEDGE1`): not shown as such, but names that
    /// `--redact` replaces wherever they stand (paths, VM names, commands).
    pub vms: Vec<String>,
}

impl HostSummary {
    /// The collection time for a reader: a local time says it is one.
    pub fn collected(&self) -> Option<String> {
        let time = self.collection_time.as_ref()?;
        Some(match self.collection_zone {
            Some(Zone::HostLocal) => format!("{time} local time of the host"),
            _ => time.clone(),
        })
    }
}

/// A version an input states, and where.
pub struct VersionStated {
    pub version: String,
    /// `running`, `backup` or `script`.
    pub role: &'static str,
    pub path: String,
    pub line: u32,
}

pub struct Finding {
    pub rule_id: String,
    pub name: String,
    pub severity: Severity,
    pub title: String,
    pub count: usize,
    pub evidence: Vec<Evidence>,
    pub remediation: Vec<Step>,
    pub references: Vec<String>,
    /// The rule whose finding explains this one (its evidence is that finding's): fixing the
    /// cause is the fix, so formats show this one under it, without steps of its own.
    pub explained_by: Option<String>,
}

impl Finding {
    /// What a reader is told instead of steps when another finding explains this one.
    pub fn explanation(&self) -> Option<String> {
        self.explained_by
            .as_ref()
            .map(|cause| format!("a consequence of {cause} (shown above): fix that first; this clears with it"))
    }
}

pub struct Step {
    pub text: String,
    /// Values from inputs stand in it only as PowerShell single-quoted literals
    /// ([`powershell::single_quoted`]).
    pub command: Option<String>,
    /// The versions this step is for, when the host's version is unknown.
    pub label: Option<String>,
    /// Why a value was left out of the command (it could not be made safe to paste).
    pub note: Option<String>,
}

pub struct Outcome {
    pub rule_id: String,
    pub name: String,
    pub status: Status,
    pub reason: String,
}

/// A rule as its documentation reads, independent of any scan.
pub struct RuleDoc {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub title: String,
    /// What it detects.
    pub what: String,
    /// Why it matters.
    pub why: String,
    /// The record kinds it reads.
    pub sources: Vec<String>,
    /// The Cloud Connector versions it applies to, when the rule says.
    pub applies_to: Option<String>,
    /// Steps with placeholders shown as `<name>`, each labelled with its versions if any.
    pub remediation: Vec<Step>,
    pub references: Vec<String>,
}

impl Step {
    /// A step as JSON and SARIF write it; `note` only when a value was left out.
    pub fn to_json(&self) -> serde_json::Value {
        let mut step = serde_json::json!({"text": self.text, "command": self.command, "applies_to": self.label});
        if let Some(note) = &self.note {
            step["note"] = serde_json::Value::from(note.as_str());
        }
        step
    }
}

impl Report {
    pub fn build(engine: &Engine, scan: Scan) -> Report {
        let rules = engine.rules();
        let version = scan.facts.cce_version().map(|v| v.version.clone());
        let mut findings = Vec::new();
        let mut outcomes = Vec::new();
        let mut suppressed = Vec::new();
        for outcome in &scan.outcomes {
            let rule = &rules[outcome.rule];
            let def = &rule.loaded.def;
            outcomes.push(Outcome {
                rule_id: def.id.value.clone(),
                name: def.name.value.clone(),
                status: outcome.status,
                reason: outcome.reason.clone(),
            });
            for hits in &outcome.suppressed {
                let by = &engine.suppressions()[hits.suppression];
                suppressed.push(SuppressedFinding {
                    rule_id: def.id.value.clone(),
                    name: def.name.value.clone(),
                    severity: hits.evidence.iter().map(|e| e.severity).max().unwrap_or(def.severity),
                    title: def.title.clone(),
                    count: hits.count,
                    evidence: hits.evidence.clone(),
                    reason: by.reason.clone(),
                    source: by.path.clone(),
                    line: by.line,
                    expires: by.expires.clone(),
                    whole_finding: outcome.status == Status::Suppressed,
                });
            }
            if outcome.status != Status::Fired {
                continue;
            }
            let first = outcome.evidence.first();
            let remediation = def
                .remediation
                .iter()
                .filter_map(|step| {
                    let when = step.when.as_ref();
                    if when
                        .and_then(|w| w.captured.as_deref())
                        .is_some_and(|name| first.and_then(|e| e.capture(name)).is_none_or(|v| v.trim().is_empty()))
                    {
                        return None;
                    }
                    let label = match (when.map(|w| w.versions()), &version) {
                        (None, _) => None,
                        (Some(range), _) if range == VersionRange::default() => None,
                        (Some(range), Some(v)) if !range.contains(v) => return None,
                        (Some(_), Some(_)) => None,
                        (Some(range), None) => Some(format!("Cloud Connector {}", range.label())),
                    };
                    Some(filled_step(step, first, &scan.facts, label))
                })
                .collect();
            let explained_by = outcome.explained_by.map(|cause| rules[cause].id().to_owned());
            findings.push(Finding {
                rule_id: def.id.value.clone(),
                name: def.name.value.clone(),
                severity: outcome.severity,
                title: def.title.clone(),
                count: outcome.count,
                evidence: outcome.evidence.clone(),
                remediation: if explained_by.is_some() { Vec::new() } else { remediation },
                references: def.references.iter().map(reference).collect(),
                explained_by,
            });
        }
        let findings = causes_first(findings);
        // Worst first, then by rule; a rule's suppressions in the order they were written.
        suppressed
            .sort_by(|a: &SuppressedFinding, b| b.severity.cmp(&a.severity).then_with(|| a.rule_id.cmp(&b.rule_id)));
        let host = HostSummary {
            hosts: scan.facts.hosts.clone(),
            collection_time: scan.facts.collection_time.map(|t| crate::time::format_in(t, scan.facts.collection_zone)),
            collection_zone: scan.facts.collection_time.map(|_| scan.facts.collection_zone),
            reference_time: scan.facts.reference_time.as_ref().map(ReferenceTime::shown),
            reference: scan.facts.reference_time.clone(),
            versions: scan.facts.versions.iter().map(|v| format!("{} ({}, {})", v.version, v.role, v.path)).collect(),
            version_facts: scan
                .facts
                .versions
                .iter()
                .map(|v| VersionStated {
                    version: v.version.to_string(),
                    role: v.role,
                    path: v.path.clone(),
                    line: v.span.first_line,
                })
                .collect(),
            domains: ini_domains(&scan.facts),
            vms: scan
                .facts
                .tables
                .get("cce_vms")
                .into_iter()
                .flatten()
                .filter_map(|row| row.get("vm").cloned())
                .collect(),
        };
        Report {
            inputs: scan.inputs,
            host,
            findings,
            outcomes,
            rules: rules.iter().map(|r| rule_doc(&r.loaded.def)).collect(),
            suppressed,
            config: None,
            redacted: false,
        }
    }

    /// Whether no input gave a single record (an empty folder, empty stdin, only binary or
    /// unreadable files): nothing could be checked, which is not the same as nothing wrong.
    pub fn nothing_checked(&self) -> bool {
        self.inputs.iter().all(|input| input.records == 0)
    }

    /// Why nothing could be checked, one line per input (or for the lack of any).
    pub fn why_nothing_checked(&self) -> Vec<String> {
        if self.inputs.is_empty() {
            return vec!["no input files were found".to_owned()];
        }
        self.inputs
            .iter()
            .map(|input| {
                let why: Vec<String> = input.problems.iter().map(ToString::to_string).collect();
                let why = if why.is_empty() { "no record in it".to_owned() } else { why.join("; ") };
                format!("{}: {why}", input.path)
            })
            .collect()
    }

    /// How many rules ended in each status, as every format's summary line says it.
    pub fn rules_line(&self) -> String {
        let count = |status| self.outcomes.iter().filter(|o| o.status == status).count();
        let mut line = format!("{} fired, {} passed", count(Status::Fired), count(Status::Passed));
        let undecided = count(Status::CouldNotCheck);
        if undecided > 0 {
            line.push_str(&format!(", {undecided} could not be checked"));
        }
        line.push_str(&format!(", {} not applicable", count(Status::NotApplicable)));
        for (status, word) in [(Status::Suppressed, "suppressed"), (Status::Ignored, "ignored")] {
            let n = count(status);
            if n > 0 {
                line.push_str(&format!(", {n} {word}"));
            }
        }
        line
    }

    /// Rules that did not fire and were not checked either: could not decide, then not
    /// applicable, then ignored by the user's choice, each with its reason.
    pub fn unchecked(&self) -> impl Iterator<Item = &Outcome> {
        let of = |status| self.outcomes.iter().filter(move |o: &&Outcome| o.status == status);
        of(Status::CouldNotCheck).chain(of(Status::NotApplicable)).chain(of(Status::Ignored))
    }

    /// The report in one line, for stderr when the report itself goes to a file:
    /// `3 findings (1 error, 2 warnings) in 12 inputs`.
    pub fn summary_line(&self) -> String {
        let inputs = match self.inputs.len() {
            1 => "1 input".to_owned(),
            n => format!("{n} inputs"),
        };
        if self.nothing_checked() {
            return format!("nothing could be checked in {inputs}");
        }
        let mut by_severity = Vec::new();
        for severity in [Severity::Error, Severity::Warning, Severity::Info] {
            let n = self.findings.iter().filter(|f| f.severity == severity).count();
            if n > 0 {
                by_severity.push(format!("{n} {}{}", severity.name(), plural(n)));
            }
        }
        let mut line = match self.findings.len() {
            0 => "no finding".to_owned(),
            1 => format!("1 finding ({})", by_severity.join(", ")),
            n => format!("{n} findings ({})", by_severity.join(", ")),
        };
        let suppressed = self.suppressed_count();
        if suppressed > 0 {
            line.push_str(&format!(", {suppressed} suppressed"));
        }
        format!("{line} in {inputs}")
    }

    /// What a report says when there is no finding: "No issue found.", and when evidence was
    /// suppressed, that it is listed apart.
    pub fn no_issue(&self) -> String {
        match self.suppressed_count() {
            0 => "No issue found.".to_owned(),
            1 => "No issue found but the one suppressed below.".to_owned(),
            n => format!("No issue found but the {n} suppressed below."),
        }
    }

    /// Pieces of evidence suppressed, over every rule.
    pub fn suppressed_count(&self) -> usize {
        self.suppressed.iter().map(|s| s.count).sum()
    }

    /// The exit code for `--fail-on`: 1 when a finding is at or above the threshold.
    pub fn has_finding_at_or_above(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| self.findings.iter().any(|f| f.severity >= t))
    }

    pub fn render(&self, format: Format, color: bool) -> String {
        match format {
            Format::Text => text::render(self, color),
            Format::Markdown => markdown::render(self),
            Format::Json => json::render(self),
            Format::Html => html::render(self),
            Format::Sarif => sarif::render(self),
            Format::Concise => concise::render(self),
        }
    }
}

/// Findings by severity, then rule; a finding another explains right after its cause.
fn causes_first(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.rule_id.cmp(&b.rule_id)));
    let (consequences, causes): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| f.explained_by.is_some());
    let mut ordered = Vec::with_capacity(causes.len() + consequences.len());
    let mut consequences: Vec<Option<Finding>> = consequences.into_iter().map(Some).collect();
    for cause in causes {
        let id = cause.rule_id.clone();
        ordered.push(cause);
        for slot in &mut consequences {
            if slot.as_ref().is_some_and(|f| f.explained_by.as_deref() == Some(id.as_str())) {
                ordered.extend(slot.take());
            }
        }
    }
    ordered.extend(consequences.into_iter().flatten());
    ordered
}

fn reference(r: &Reference) -> String {
    match &r.anchor {
        Some(anchor) => format!("{}#{anchor} ({})", r.article, r.section),
        None => format!("{} ({})", r.article, r.section),
    }
}

fn rule_doc(def: &RuleDef) -> RuleDoc {
    // No evidence and no facts: every placeholder shows as `<name>`, which is what a rule's
    // documentation should say ("<vm> should have <ip>").
    let no_facts = Facts::default();
    RuleDoc {
        id: def.id.value.clone(),
        name: def.name.value.clone(),
        severity: def.severity,
        title: def.title.clone(),
        what: def.docs.what.trim().to_owned(),
        why: def.docs.why.trim().to_owned(),
        sources: def.sources.iter().map(|s| s.value.clone()).collect(),
        applies_to: def.applies_to.as_ref().map(|r| format!("Cloud Connector {}", r.label())),
        remediation: def
            .remediation
            .iter()
            .map(|step| {
                let label = step.when.as_ref().map(|w| w.versions()).filter(|r| *r != VersionRange::default());
                filled_step(step, None, &no_facts, label.map(|r| format!("Cloud Connector {}", r.label())))
            })
            .collect(),
        references: def.references.iter().map(reference).collect(),
    }
}

/// The DNS domains CloudConnector.ini names: every value of a key called `...Domain` or
/// `...Domains` (`SIPDomains` may list several).
fn ini_domains(facts: &Facts) -> Vec<String> {
    let mut domains: Vec<String> = facts
        .ini
        .iter()
        .filter(|(key, _)| key.ends_with("domain") || key.ends_with("domains"))
        .flat_map(|(_, value)| value.split([',', ';', ' ']))
        .map(|d| d.trim().trim_end_matches('.'))
        .filter(|d| d.contains('.'))
        .map(str::to_owned)
        .collect();
    domains.sort_by_key(|d| d.to_ascii_lowercase());
    domains.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    domains
}

/// A step with its placeholders filled: prose as the values read, the command through
/// [`fill_command`].
fn filled_step(step: &StepDef, evidence: Option<&Evidence>, facts: &Facts, label: Option<String>) -> Step {
    let (command, note) = match &step.command {
        Some(command) => {
            let (command, note) = fill_command(command.value.trim_end(), evidence, facts);
            (Some(command), note)
        }
        None => (None, None),
    };
    // YAML folded scalars end in a newline; steps are one paragraph each.
    Step { text: fill_text(step.text.trim(), evidence, facts), command, label, note }
}

/// The value of a placeholder: `{path}` and `{line}` of the first evidence, its captures, then
/// `{fact.name}` from host facts.
fn value_of(name: &str, evidence: Option<&Evidence>, facts: &Facts) -> Option<String> {
    evidence
        .and_then(|e| match name {
            "path" => Some(e.path.clone()),
            "line" => Some(e.line.to_string()),
            name => e.capture(name).map(str::to_owned),
        })
        .or_else(|| name.strip_prefix("fact.").and_then(|f| facts.lookup(f)))
}

/// Fills prose: values as they read (every format escapes them for its medium).
pub fn fill_text(template: &str, evidence: Option<&Evidence>, facts: &Facts) -> String {
    template::fill_from(template, &|name| value_of(name, evidence, facts))
}

/// Fills a command. Every value is written as a PowerShell single-quoted literal (a list as
/// literals separated by commas, an array), whatever the rule wrote around it: the loader only
/// accepts placeholders that stand as whole arguments, so a value can neither end a quote of
/// the rule's nor run as code. A value that cannot be made safe stays out, `<name>` shows where
/// it goes, and the note says why.
pub fn fill_command(template: &str, evidence: Option<&Evidence>, facts: &Facts) -> (String, Option<String>) {
    let mut out = String::with_capacity(template.len());
    let mut withheld = Vec::new();
    for piece in template::pieces(template) {
        let p = match piece {
            Piece::Text(text) => {
                out.push_str(text);
                continue;
            }
            Piece::Placeholder(p) => p,
        };
        let Some(value) = value_of(p.name, evidence, facts) else {
            out.push_str(&template::unfilled(&p));
            continue;
        };
        let quoted: Result<Vec<String>, _> = match p.shape {
            Shape::One => powershell::single_quoted(&value).map(|q| vec![q]),
            Shape::List => template::list_items(&value).map(powershell::single_quoted).collect(),
        };
        match quoted {
            Ok(literals) => out.push_str(&literals.join(", ")),
            Err(refused) => {
                out.push_str(&template::unfilled(&p));
                withheld.push(format!("the value of `{}` was left out because {refused}", p.name));
            }
        }
    }
    let note = (!withheld.is_empty()).then(|| format!("{}; type it in from the evidence.", withheld.join("; ")));
    (out, note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_from_captures_then_facts() {
        let evidence = Evidence {
            kind: crate::record::RecordKind::Text,
            path: "x".into(),
            line: 1,
            last_line: 1,
            excerpt: String::new(),
            captures: vec![("user".into(), "kenmyer@litwareinc.com".into())],
            severity: Severity::Error,
            at: None,
            zone: Zone::HostLocal,
            run: 0,
            note: None,
        };
        let facts = Facts::default();
        assert_eq!(
            fill_text("Check {user} at {fact.host}", Some(&evidence), &facts),
            "Check kenmyer@litwareinc.com at <host>"
        );
        assert_eq!(
            fill_command("Get-PSSession | Where-Object { $_.State }", None, &facts),
            ("Get-PSSession | Where-Object { $_.State }".to_owned(), None)
        );
    }
}
