//! `--format sarif`: SARIF 2.1.0 for code-scanning dashboards and CI systems.
//!
//! The driver lists every rule of the pack, fired or not, with its documentation and
//! remediation, so a viewer can explain a rule without ccdiag at hand. Each finding is one
//! result whose locations are the evidence kept; the full count, the filled remediation and the
//! per-rule outcomes (passed, not applicable and why) go into property bags. Paths are relative
//! to the scanned folder, expressed against the `SCANROOT` base id.
//!
//! Suppressed evidence (`[[suppress]]` of ccdiag.toml) is a result of its own, with a
//! `suppressions` entry as SARIF 2.1.0 defines it (§3.35): `kind: external` (the suppression
//! lives outside the scanned files), `status: accepted`, the reason as `justification`, and the
//! config file and line as its `location`. Rules the user chose not to run are disabled by
//! `ruleConfigurationOverrides` of the invocation.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::sanitize::{markdown_code_block, markdown_inline};
use super::{Report, RuleDoc, Step, SuppressedFinding};
use crate::engine::Evidence;
use crate::rules::Severity;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const ROOT: &str = "SCANROOT";

pub fn render(report: &Report) -> String {
    let mut text = super::sanitize::json_pretty(&document(report));
    text.push('\n');
    text
}

/// The SARIF log of one host as a JSON value: one run.
pub fn document(report: &Report) -> Value {
    let index: HashMap<&str, usize> = report.rules.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    let mut results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut result = Map::new();
            result.insert("ruleId".into(), f.rule_id.clone().into());
            // A finding's rule is always in the pack; the index only saves a viewer a lookup.
            if let Some(&i) = index.get(f.rule_id.as_str()) {
                result.insert("ruleIndex".into(), i.into());
            }
            result.insert("kind".into(), "fail".into());
            result.insert("level".into(), level(f.severity).into());
            result.insert("message".into(), json!({"text": format!("{} ({})", f.title, super::matches(f.count))}));
            result.insert("locations".into(), f.evidence.iter().map(location).collect());
            result.insert(
                "properties".into(),
                json!({
                    "name": f.name,
                    "count": f.count,
                    "evidenceKept": f.evidence.len(),
                    "remediation": f.remediation.iter().map(Step::to_json).collect::<Vec<_>>(),
                    "references": f.references,
                    "explainedBy": f.explained_by,
                }),
            );
            Value::Object(result)
        })
        .collect();
    results.extend(report.suppressed.iter().map(|s| suppressed_result(s, index.get(s.rule_id.as_str()).copied())));
    // A rule not run is disabled for this invocation (SARIF §3.51, §3.52).
    let overrides: Vec<Value> = report
        .outcomes
        .iter()
        .filter(|o| o.status == crate::engine::Status::Ignored)
        .map(|o| {
            let mut descriptor = json!({"id": o.rule_id});
            if let Some(&i) = index.get(o.rule_id.as_str()) {
                descriptor["index"] = i.into();
            }
            json!({"descriptor": descriptor, "configuration": {"enabled": false}})
        })
        .collect();
    let artifacts: Vec<Value> = report
        .inputs
        .iter()
        .map(|i| {
            json!({
                "location": {"uri": uri(&i.path), "uriBaseId": ROOT},
                "properties": {
                    "kind": i.kind.map_or("unread", |k| k.name()),
                    "encoding": i.encoding,
                    "records": i.records,
                },
            })
        })
        .collect();
    // A file that could not be read or parsed never stops a scan: it is a warning of the run.
    let notifications: Vec<Value> = report
        .inputs
        .iter()
        .flat_map(|i| {
            i.problems.iter().map(move |p| {
                let mut physical = json!({"artifactLocation": {"uri": uri(&i.path), "uriBaseId": ROOT}});
                if let Some(line) = p.line.filter(|&l| l > 0) {
                    physical["region"] = json!({"startLine": line});
                }
                json!({
                    "level": "warning",
                    "message": {"text": p.message},
                    "locations": [{"physicalLocation": physical}],
                })
            })
        })
        .collect();
    let host = &report.host;
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ccdiag",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": report.rules.iter().map(rule_descriptor).collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
                "ruleConfigurationOverrides": overrides,
            }],
            "originalUriBaseIds": {ROOT: {"description": {"text": "The folder, file or bundle ccdiag scanned."}}},
            "artifacts": artifacts,
            "results": results,
            "properties": {
                "redacted": report.redacted,
                "host": {"machines": host.hosts, "collection_time": host.collection_time, "versions": host.versions},
                "outcomes": report.outcomes.iter().map(|o| json!({
                    "rule_id": o.rule_id, "status": o.status.name(), "reason": o.reason,
                })).collect::<Vec<_>>(),
            },
        }],
    })
}

/// The evidence of a rule one suppression silenced, as a suppressed result.
fn suppressed_result(suppressed: &SuppressedFinding, rule_index: Option<usize>) -> Value {
    let mut result = Map::new();
    result.insert("ruleId".into(), suppressed.rule_id.clone().into());
    if let Some(i) = rule_index {
        result.insert("ruleIndex".into(), i.into());
    }
    result.insert("kind".into(), "fail".into());
    result.insert("level".into(), level(suppressed.severity).into());
    let count = suppressed.count;
    result.insert(
        "message".into(),
        json!({"text": format!("{} ({}, suppressed)", suppressed.title, super::matches(count))}),
    );
    result.insert("locations".into(), suppressed.evidence.iter().map(location).collect());
    let mut suppression = json!({
        "kind": "external",
        "status": "accepted",
        "justification": suppressed.reason,
        "location": {"physicalLocation": {
            "artifactLocation": {"uri": file_uri(&suppressed.source)},
            "region": {"startLine": suppressed.line.max(1)},
        }},
    });
    if let Some(day) = &suppressed.expires {
        suppression["properties"] = json!({"expires": day});
    }
    result.insert("suppressions".into(), json!([suppression]));
    result.insert(
        "properties".into(),
        json!({
            "name": suppressed.name,
            "count": count,
            "evidenceKept": suppressed.evidence.len(),
            "wholeFinding": suppressed.whole_finding,
        }),
    );
    Value::Object(result)
}

/// The config file a suppression was written in, as a URI: an absolute path as a `file:` URI
/// (`/etc/x`, `C:\x`), a relative one (to where ccdiag ran) as a relative reference.
fn file_uri(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let bytes = slashed.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        format!("file:///{}:/{}", &slashed[..1], uri(&slashed[2..]))
    } else if slashed.starts_with('/') {
        format!("file:///{}", uri(&slashed))
    } else {
        uri(&slashed)
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn location(evidence: &Evidence) -> Value {
    let mut physical = json!({"artifactLocation": {"uri": uri(&evidence.path), "uriBaseId": ROOT}});
    // Line 0 would mean "no line"; SARIF regions start at 1, so such evidence names the file only.
    if evidence.line > 0 {
        physical["region"] = json!({
            "startLine": evidence.line,
            "endLine": evidence.last_line.max(evidence.line),
            "snippet": {"text": evidence.excerpt},
        });
    }
    let mut location = json!({"physicalLocation": physical});
    if !evidence.captures.is_empty() {
        let fields: Map<String, Value> =
            evidence.captures.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        location["properties"] = json!({"fields": fields});
    }
    if let Some(note) = &evidence.note {
        location["message"] = json!({"text": note});
    }
    location
}

fn rule_descriptor(rule: &RuleDoc) -> Value {
    let mut text = format!("{}\n\nWhy it matters: {}\n\nHow to fix:\n", rule.what, rule.why);
    let mut markdown = format!(
        "**What it detects.** {}\n\n**Why it matters.** {}\n\n**How to fix**\n\n",
        markdown_inline(&rule.what),
        markdown_inline(&rule.why)
    );
    for (i, step) in rule.remediation.iter().enumerate() {
        let label = step.label.as_ref().map(|l| format!("[{l}] ")).unwrap_or_default();
        let _ = writeln!(text, "{}. {label}{}", i + 1, step.text);
        let md_label = step.label.as_ref().map(|l| format!("*{}*: ", markdown_inline(l))).unwrap_or_default();
        let _ = writeln!(markdown, "{}. {md_label}{}", i + 1, markdown_inline(&step.text));
        if let Some(command) = &step.command {
            for line in command.lines() {
                let _ = writeln!(text, "     {line}");
            }
            markdown.push('\n');
            for line in markdown_code_block(command, "powershell").lines() {
                let _ = writeln!(markdown, "   {line}");
            }
        }
    }
    if !rule.references.is_empty() {
        text.push_str("\nReferences:\n");
        markdown.push_str("\n**References**\n\n");
        for reference in &rule.references {
            let _ = writeln!(text, "- {reference}");
            let _ = writeln!(markdown, "- {}", markdown_inline(reference));
        }
    }
    let mut properties = json!({"tags": rule.sources});
    if let Some(range) = &rule.applies_to {
        properties["appliesTo"] = range.clone().into();
    }
    json!({
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.what},
        "help": {"text": text.trim_end(), "markdown": markdown.trim_end()},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": properties,
    })
}

/// A relative path as a URI reference: `/` separates segments, everything but unreserved
/// characters is percent-encoded (a space in `Cloud Connector/x.log`, a `#` or `%` in a name).
///
/// A zip entry may be named `../../x` or `/etc/x`; in the report that is only a name, but a
/// SARIF viewer resolves `..` and a leading `/` against the base, out of the scanned folder.
/// Dot segments are encoded (`%2E%2E` is a name, not a step up) and a leading `/` dropped.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.trim_start_matches('/').split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if segment == "." || segment == ".." {
            out.push_str(&"%2E".repeat(segment.len()));
            continue;
        }
        for byte in segment.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
                b => {
                    let _ = write!(out, "%{b:02X}");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("Cloud Connector/x#1.log"), "Cloud%20Connector/x%231.log");
        assert_eq!(uri("bundle.zip/inner/é.txt"), "bundle.zip/inner/%C3%A9.txt");
        assert_eq!(uri("logs\\a.log"), "logs/a.log");
    }

    #[test]
    fn entry_names_cannot_step_out_of_the_scanned_folder() {
        assert_eq!(uri("bundle.zip/../../etc/passwd"), "bundle.zip/%2E%2E/%2E%2E/etc/passwd");
        assert_eq!(uri("/etc/x"), "etc/x");
        assert_eq!(uri("a/./b..c/..."), "a/%2E/b..c/...");
    }

    #[test]
    fn a_config_file_is_a_file_uri_when_absolute() {
        assert_eq!(file_uri("/srv/tickets/ccdiag.toml"), "file:///srv/tickets/ccdiag.toml");
        assert_eq!(file_uri("C:\\Tickets\\my bundle\\ccdiag.toml"), "file:///C:/Tickets/my%20bundle/ccdiag.toml");
        assert_eq!(file_uri("host/ccdiag.toml"), "host/ccdiag.toml");
    }
}
