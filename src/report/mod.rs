//! Reports: one data model built from a scan, rendered per format.

pub mod explain;
pub mod html;
pub mod json;
pub mod markdown;
pub mod progress;
pub mod redact;
pub mod sanitize;
pub mod sarif;
pub mod text;

use crate::engine::{Engine, Evidence, InputReport, Scan, Status};
use crate::facts::Facts;
use crate::rules::{Reference, RuleDef, Severity, VersionRange};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
    /// One self-contained page for a ticket: no script, no fetch.
    Html,
    /// SARIF 2.1.0, for code-scanning dashboards and CI.
    Sarif,
}

/// Everything a format shows, in display order.
pub struct Report {
    pub inputs: Vec<InputReport>,
    pub host: HostSummary,
    pub findings: Vec<Finding>,
    pub outcomes: Vec<Outcome>,
    /// Every rule of the pack, fired or not: SARIF describes them all.
    pub rules: Vec<RuleDoc>,
    /// Personal data was replaced with pseudonyms (`--redact`); formats say so.
    pub redacted: bool,
}

pub struct HostSummary {
    pub hosts: Vec<String>,
    pub collection_time: Option<String>,
    /// The time expiry checks compared with, and where it came from.
    pub reference_time: Option<String>,
    /// `2.1.0.0 (running, module.ini)` style lines.
    pub versions: Vec<String>,
    /// DNS domains CloudConnector.ini names (`SIPDomains`, `VirtualMachineDomain`, ...).
    pub domains: Vec<String>,
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
}

pub struct Step {
    pub text: String,
    pub command: Option<String>,
    /// The versions this step is for, when the host's version is unknown.
    pub label: Option<String>,
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

impl Report {
    pub fn build(engine: &Engine, scan: Scan) -> Report {
        let rules = engine.rules();
        let version = scan.facts.cce_version().map(|v| v.version.clone());
        let mut findings = Vec::new();
        let mut outcomes = Vec::new();
        for outcome in &scan.outcomes {
            let rule = &rules[outcome.rule];
            let def = &rule.loaded.def;
            outcomes.push(Outcome {
                rule_id: def.id.value.clone(),
                name: def.name.value.clone(),
                status: outcome.status,
                reason: outcome.reason.clone(),
            });
            if outcome.status != Status::Fired {
                continue;
            }
            let first = outcome.evidence.first();
            let remediation = def
                .remediation
                .iter()
                .filter_map(|step| {
                    let label = match (&step.when, &version) {
                        (None, _) => None,
                        (Some(range), Some(v)) if !in_range(range, v) => return None,
                        (Some(_), Some(_)) => None,
                        (Some(range), None) => Some(format!("Cloud Connector {}", range.label())),
                    };
                    Some(Step {
                        // YAML folded scalars end in a newline; steps are one paragraph each.
                        text: fill(step.text.trim(), first, &scan.facts),
                        command: step.command.as_ref().map(|c| fill(c.trim_end(), first, &scan.facts)),
                        label,
                    })
                })
                .collect();
            findings.push(Finding {
                rule_id: def.id.value.clone(),
                name: def.name.value.clone(),
                severity: outcome.severity,
                title: def.title.clone(),
                count: outcome.count,
                evidence: outcome.evidence.clone(),
                remediation,
                references: def.references.iter().map(reference).collect(),
            });
        }
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.rule_id.cmp(&b.rule_id)));
        let host = HostSummary {
            hosts: scan.facts.hosts.clone(),
            collection_time: scan.facts.collection_time.map(crate::time::format),
            reference_time: scan
                .facts
                .reference_time
                .as_ref()
                .map(|(t, source)| format!("{} ({source})", crate::time::format(*t))),
            versions: scan.facts.versions.iter().map(|v| format!("{} ({}, {})", v.version, v.role, v.path)).collect(),
            domains: ini_domains(&scan.facts),
        };
        Report {
            inputs: scan.inputs,
            host,
            findings,
            outcomes,
            rules: rules.iter().map(|r| rule_doc(&r.loaded.def)).collect(),
            redacted: false,
        }
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
        }
    }
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
            .map(|step| Step {
                text: fill(step.text.trim(), None, &no_facts),
                command: step.command.as_ref().map(|c| fill(c.trim_end(), None, &no_facts)),
                label: step.when.as_ref().map(|w| format!("Cloud Connector {}", w.label())),
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

fn in_range(range: &VersionRange, version: &crate::version::Version) -> bool {
    use crate::version::Version;
    let min_ok = range.min.as_deref().and_then(Version::parse).is_none_or(|min| *version >= min);
    let below_ok = range.below.as_deref().and_then(Version::parse).is_none_or(|below| *version < below);
    min_ok && below_ok
}

/// Fills `{name}` from the first evidence's captures (and `{path}`, `{line}` from its
/// location) and `{fact.name}` from host facts; a
/// placeholder with no value stays visible as `<name>` so the reader knows what to put there.
pub fn fill(template: &str, evidence: Option<&Evidence>, facts: &Facts) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        let name = &rest[open + 1..close];
        let plausible =
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        out.push_str(&rest[..open]);
        if plausible {
            let value = evidence
                .and_then(|e| match name {
                    "path" => Some(e.path.clone()),
                    "line" => Some(e.line.to_string()),
                    _ => e.capture(name).map(str::to_owned),
                })
                .or_else(|| name.strip_prefix("fact.").and_then(|f| facts.lookup(f)));
            match value {
                Some(v) => out.push_str(&v),
                None => {
                    out.push('<');
                    out.push_str(name.strip_prefix("fact.").unwrap_or(name));
                    out.push('>');
                }
            }
        } else {
            // A PowerShell script block `{ ... }` is not a placeholder, but may hold some.
            out.push('{');
            rest = &rest[open + 1..];
            continue;
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_from_captures_then_facts() {
        let evidence = Evidence {
            path: "x".into(),
            line: 1,
            last_line: 1,
            excerpt: String::new(),
            captures: vec![("user".into(), "kenmyer@litwareinc.com".into())],
            severity: Severity::Error,
        };
        let facts = Facts::default();
        assert_eq!(
            fill("Check {user} at {fact.host}", Some(&evidence), &facts),
            "Check kenmyer@litwareinc.com at <host>"
        );
        assert_eq!(
            fill("Get-PSSession | Where-Object { $_.State }", None, &facts),
            "Get-PSSession | Where-Object { $_.State }"
        );
    }
}
