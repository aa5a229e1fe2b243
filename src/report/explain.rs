//! `ccdiag rules explain`: a rule's documentation as a person reads it.
//!
//! A rule may come from a pack someone sent (`--rules`), so its text is input like any other:
//! every piece goes through [`terminal`] before it reaches the screen.

use std::fmt::Write as _;

use super::sanitize::terminal;
use crate::engine::compile::CompiledRule;
use crate::rules::{SelectionDef, VersionRange};

pub fn render(rule: &CompiledRule) -> String {
    let def = &rule.loaded.def;
    let t = |text: &str| terminal(text, false);
    let mut out = String::new();
    let _ = writeln!(out, "{} {} ({})\n{}\n", t(&def.id.value), t(&def.name.value), def.severity, t(&def.title));
    let _ = writeln!(out, "What it detects\n  {}\n", t(def.docs.what.trim()));
    let _ = writeln!(out, "Why it matters\n  {}\n", t(def.docs.why.trim()));
    if let Some(example) = &def.docs.example {
        let _ = writeln!(out, "Example evidence");
        for line in example.trim_end().lines() {
            let _ = writeln!(out, "  | {}", t(line));
        }
        out.push('\n');
    }
    let sources: Vec<String> = def.sources.iter().map(|s| t(&s.value)).collect();
    let _ = writeln!(out, "Reads: {}", sources.join(", "));
    if let Some(collect) = &def.collect {
        let _ = writeln!(out, "Collect: {}", t(collect.trim()));
    }
    if let Some(range) = &def.applies_to {
        let _ = writeln!(out, "Applies to: Cloud Connector {}", t(&range.label()));
    }
    let _ = writeln!(out, "\nSignatures (condition: {})", t(&def.detection.condition.value));
    for (name, selection) in &def.detection.selections {
        let _ = writeln!(out, "  {}:", t(&name.value));
        let alternatives: Vec<_> = match selection {
            SelectionDef::AllOf(fields) => vec![fields],
            SelectionDef::AnyOf(list) => list.iter().collect(),
        };
        for (i, fields) in alternatives.iter().enumerate() {
            if alternatives.len() > 1 {
                let _ = writeln!(out, "    - any of, #{}:", i + 1);
            }
            for (key, values) in fields.iter() {
                let _ = writeln!(out, "      {}: {}", t(&key.value), t(&values.value.0.join(" | ")));
            }
        }
    }
    if let Some(join) = &def.join {
        let _ = writeln!(
            out,
            "  compared with facts `{}`: record {} ~ {}, expecting record {} to hold {}",
            t(&join.fact.value),
            t(&join.on.record),
            t(&join.on.fact),
            t(&join.expect.record),
            t(&join.expect.fact)
        );
    }
    let _ = writeln!(out, "\nHow to fix");
    for (i, step) in def.remediation.iter().enumerate() {
        let label = step
            .when
            .as_ref()
            .map(|w| w.versions())
            .filter(|r| *r != VersionRange::default())
            .map(|r| format!("[Cloud Connector {}] ", t(&r.label())))
            .unwrap_or_default();
        let _ = writeln!(out, "  {}. {label}{}", i + 1, t(step.text.trim()));
        if let Some(command) = &step.command {
            for line in command.value.trim_end().lines() {
                let _ = writeln!(out, "       {}", t(line));
            }
        }
    }
    if !def.references.is_empty() {
        let _ = writeln!(out, "\nSource");
        for r in &def.references {
            let anchor = r.anchor.as_ref().map(|a| format!("#{}", t(a))).unwrap_or_default();
            let _ = writeln!(out, "  {}{anchor}: {}", t(&r.article), t(&r.section));
        }
    }
    out
}
