//! `--format json`: the contract the README's "JSON contract" describes. Names here are relied
//! on by other tools; add fields freely, never rename.

use serde_json::{Value, json};

use super::Report;

pub fn render(report: &Report) -> String {
    let mut text = super::sanitize::json_pretty(&document(report));
    text.push('\n');
    text
}

/// The report as a JSON value: the whole document of one host, and each entry of `hosts[]`
/// (with its `root`) when a scan has several.
pub fn document(report: &Report) -> Value {
    let inputs: Vec<Value> = report
        .inputs
        .iter()
        .map(|i| {
            json!({
                "path": i.path,
                "kind": i.kind.map_or("unread", |k| k.name()),
                "encoding": i.encoding,
                "records": i.records,
                "problems": i.problems.iter().map(|p| json!({"line": p.line, "message": p.message})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule_id": f.rule_id,
                "name": f.name,
                "severity": f.severity.name(),
                "title": f.title,
                "count": f.count,
                "explained_by": f.explained_by,
                "evidence": f.evidence.iter().map(evidence).collect::<Vec<_>>(),
                "remediation": f.remediation.iter().map(super::Step::to_json).collect::<Vec<_>>(),
                "references": f.references,
            })
        })
        .collect();
    let suppressed: Vec<Value> = report
        .suppressed
        .iter()
        .map(|s| {
            json!({
                "rule_id": s.rule_id,
                "name": s.name,
                "severity": s.severity.name(),
                "title": s.title,
                "count": s.count,
                "evidence": s.evidence.iter().map(evidence).collect::<Vec<_>>(),
                "reason": s.reason,
                "source": {"path": s.source, "line": s.line},
                "expires": s.expires,
                "whole_finding": s.whole_finding,
            })
        })
        .collect();
    let config = report.config.as_ref().map(|c| {
        json!({
            "path": c.path,
            "settings": c.settings.iter().map(|s| json!({
                "rule_id": s.rule_id, "key": s.key, "value": s.value, "line": s.line,
            })).collect::<Vec<_>>(),
        })
    });
    let outcomes: Vec<Value> = report
        .outcomes
        .iter()
        .map(|o| json!({"rule_id": o.rule_id, "name": o.name, "status": o.status.name(), "reason": o.reason}))
        .collect();
    let host = &report.host;
    json!({
        "tool": {"name": "ccdiag", "version": env!("CARGO_PKG_VERSION")},
        "redacted": report.redacted,
        "nothing_checked": report.nothing_checked(),
        "host": {
            "machines": host.hosts,
            "collection_time": host.collection_time,
            "collection_time_zone": host.collection_zone.map(crate::time::Zone::name),
            "reference_time": host.reference_time,
            "reference": host.reference.as_ref().map(|r| json!({
                "time": crate::time::format_in(r.at, r.zone), "zone": r.zone.name(), "source": r.source.name(),
            })),
            "versions": host.versions,
            "version_facts": host.version_facts.iter().map(|v| json!({
                "version": v.version, "role": v.role, "path": v.path, "line": v.line,
            })).collect::<Vec<_>>(),
        },
        "inputs": inputs,
        "findings": findings,
        "suppressed": suppressed,
        "outcomes": outcomes,
        "config": config,
    })
}

/// A piece of evidence, in `findings[]` and `suppressed[]` alike.
fn evidence(e: &crate::engine::Evidence) -> Value {
    let mut evidence = json!({
        "path": e.path,
        "line": e.line,
        "last_line": e.last_line,
        "excerpt": e.excerpt,
        "fields": e.captures.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect::<serde_json::Map<_, _>>(),
    });
    if let Some(note) = &e.note {
        evidence["state"] = Value::from(note.as_str());
    }
    evidence
}
