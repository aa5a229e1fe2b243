//! `ccdiag rules explain`: a rule's documentation as a person reads it.

use std::fmt::Write as _;

use crate::engine::compile::CompiledRule;
use crate::rules::SelectionDef;

pub fn render(rule: &CompiledRule) -> String {
    let def = &rule.loaded.def;
    let mut out = String::new();
    let _ = writeln!(out, "{} {} ({})\n{}\n", def.id.value, def.name.value, def.severity, def.title);
    let _ = writeln!(out, "What it detects\n  {}\n", def.docs.what.trim());
    let _ = writeln!(out, "Why it matters\n  {}\n", def.docs.why.trim());
    if let Some(example) = &def.docs.example {
        let _ = writeln!(out, "Example evidence");
        for line in example.trim_end().lines() {
            let _ = writeln!(out, "  | {line}");
        }
        out.push('\n');
    }
    let sources: Vec<&str> = def.sources.iter().map(|s| s.value.as_str()).collect();
    let _ = writeln!(out, "Reads: {}", sources.join(", "));
    if let Some(range) = &def.applies_to {
        let _ = writeln!(out, "Applies to: Cloud Connector {}", range.label());
    }
    let _ = writeln!(out, "\nSignatures (condition: {})", def.detection.condition.value);
    for (name, selection) in &def.detection.selections {
        let _ = writeln!(out, "  {}:", name.value);
        let alternatives: Vec<_> = match selection {
            SelectionDef::AllOf(fields) => vec![fields],
            SelectionDef::AnyOf(list) => list.iter().collect(),
        };
        for (i, fields) in alternatives.iter().enumerate() {
            if alternatives.len() > 1 {
                let _ = writeln!(out, "    - any of, #{}:", i + 1);
            }
            for (key, values) in fields.iter() {
                let _ = writeln!(out, "      {}: {}", key.value, values.value.0.join(" | "));
            }
        }
    }
    if let Some(join) = &def.join {
        let _ = writeln!(
            out,
            "  compared with facts `{}`: record {} ~ {}, expecting record {} to hold {}",
            join.fact.value, join.on.record, join.on.fact, join.expect.record, join.expect.fact
        );
    }
    let _ = writeln!(out, "\nHow to fix");
    for (i, step) in def.remediation.iter().enumerate() {
        let label = step.when.as_ref().map(|w| format!("[Cloud Connector {}] ", w.label())).unwrap_or_default();
        let _ = writeln!(out, "  {}. {label}{}", i + 1, step.text.trim());
        if let Some(command) = &step.command {
            for line in command.trim_end().lines() {
                let _ = writeln!(out, "       {line}");
            }
        }
    }
    if !def.references.is_empty() {
        let _ = writeln!(out, "\nSource");
        for r in &def.references {
            let anchor = r.anchor.as_ref().map(|a| format!("#{a}")).unwrap_or_default();
            let _ = writeln!(out, "  {}{anchor}: {}", r.article, r.section);
        }
    }
    out
}
