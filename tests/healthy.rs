//! The healthy host bundle: every rule reads inputs it needs, and none fires. Near misses in
//! it (another module not found, another term not recognized, a stopped service nobody
//! monitors, a VM that is not Cloud Connector's, a management adapter left disconnected) keep
//! the signatures honest.

use std::path::Path;

use ccdiag::engine::Status;
use ccdiag::ruletest;

mod common;
use common::engine;

#[test]
fn healthy_bundle_has_no_finding_and_checks_every_rule() {
    let engine = engine();
    let bundle = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/healthy"));
    let scan = ruletest::scan_case(&engine, bundle);
    let problems: Vec<String> =
        scan.inputs.iter().flat_map(|i| i.problems.iter().map(move |p| format!("{}: {p}", i.path))).collect();
    assert!(problems.is_empty(), "the healthy bundle reads cleanly: {problems:?}");
    let mut wrong = Vec::new();
    for outcome in &scan.outcomes {
        let id = engine.rules()[outcome.rule].id();
        let out_of_range =
            outcome.status == Status::NotApplicable && outcome.reason.contains("outside the affected versions");
        if outcome.status != Status::Passed && !out_of_range {
            wrong.push(format!("{id}: {} ({})", outcome.status.name(), outcome.reason));
        }
    }
    assert!(wrong.is_empty(), "every rule passes on the healthy bundle:\n{}", wrong.join("\n"));
}
