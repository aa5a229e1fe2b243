//! Every built-in rule fires on each of its positive fixtures, stays quiet on each negative
//! one, and renders its finding as snapshotted (text and Markdown, next to the fixtures).

use std::path::Path;

use ccdiag::report::{Report, markdown, text};
use ccdiag::ruletest::{self, Expect};

mod common;
use common::engine;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

#[test]
fn every_rule_passes_its_fixtures() {
    let engine = engine();
    let ids: Vec<String> = engine.rules().iter().map(|r| r.id().to_owned()).collect();
    let mut failures = Vec::new();
    for result in ruletest::run(&engine, fixtures(), &ids) {
        failures.extend(result.missing.iter().map(|m| format!("{}: {m}", result.rule_id)));
        for case in result.cases.iter().filter(|c| !c.passed()) {
            failures.push(format!(
                "{}: {} expected {:?}, got {:?} ({})",
                result.rule_id,
                case.case.display(),
                case.expect,
                case.status,
                case.reason
            ));
        }
    }
    assert!(failures.is_empty(), "fixture failures:\n{}", failures.join("\n"));
}

#[test]
fn every_rule_finding_matches_its_snapshot() {
    let engine = engine();
    for rule in engine.rules() {
        let id = rule.id();
        let cases = ruletest::cases(fixtures(), id, Expect::Fires);
        let Some(case) = cases.first() else { continue };
        let report = Report::build(&engine, ruletest::scan_case(&engine, case));
        let finding = report
            .findings
            .iter()
            .find(|f| f.rule_id == id)
            .unwrap_or_else(|| panic!("{id} fires on {}", case.display()));
        // Paths in evidence are relative to the case, so snapshots do not depend on the checkout.
        let as_text = text::render_finding(finding, false);
        let as_markdown = markdown::render_finding(finding);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(fixtures().join(id));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(format!(
            "first positive case: {}",
            case.strip_prefix(fixtures()).unwrap_or(case).display()
        ));
        settings.bind(|| {
            insta::assert_snapshot!("finding.text", as_text);
            insta::assert_snapshot!("finding.md", as_markdown);
        });
    }
}
