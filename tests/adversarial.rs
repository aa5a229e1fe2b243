//! The blind adversarial corpus (tests/adversarial/): host bundles written from the Microsoft
//! articles, the catalog and the README alone, by someone who never read the rules, with true
//! positives in layouts, encodings and languages the fixtures lack and near-misses of every
//! class of context (state over time, quoted text, object and scope, unknown, causes). Each
//! case says what each rule must conclude in `case.toml`; a rule a case does not name must not
//! report a finding of its own. See tests/adversarial/BRIEF.md for the format.
//!
//! A case the tool gets wrong today may say so with `known_miss = "why"`: it must then still
//! fail, and only by missing (a finding expected and not made), never by a finding it should not
//! make. When it starts passing the test fails until the marker goes, so the list stays true.
//!
//! `CORPUS=<part of a case path>` runs only the matching cases; `CORPUS_TABLE=1` prints the
//! per-rule table of the README's Precision section.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ccdiag::input::discover;
use ccdiag::input::limits::Limits;
use ccdiag::report::{Format, Report};
use ccdiag::scan::{self, ScanOptions};
use serde::Deserialize;
use serde_json::Value;

mod common;

#[derive(Deserialize)]
struct Case {
    summary: String,
    class: String,
    language: String,
    #[serde(default)]
    known_miss: Option<String>,
    #[serde(default)]
    now: Option<String>,
    expect: BTreeMap<String, String>,
    #[serde(default)]
    evidence: BTreeMap<String, Vec<String>>,
}

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.join("case.toml").is_file() {
            out.push(path);
        } else if path.is_dir() {
            cases(&path, out);
        }
    }
}

/// What a rule concluded, in the words of case.toml.
fn concluded(report: &Value, rule: &str) -> &'static str {
    let finding = report["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == rule);
    let outcome = report["outcomes"].as_array().unwrap().iter().find(|o| o["rule_id"] == rule);
    match (finding, outcome.and_then(|o| o["status"].as_str())) {
        (Some(f), Some("fired")) if f["explained_by"].is_string() => "explained",
        (Some(_), Some("fired")) => "fired",
        (_, Some("passed")) => "passed",
        (_, Some("not_applicable")) => "not_applicable",
        (_, Some("could_not_check")) => "could_not_check",
        _ => "missing",
    }
}

fn satisfies(expected: &str, got: &str) -> bool {
    match expected {
        "not_fired" => got != "fired",
        other => other == got,
    }
}

/// A case's failures: findings it should not have (`false_findings`) and conclusions missed.
#[derive(Default)]
struct Failures {
    false_findings: Vec<String>,
    misses: Vec<String>,
}

fn read_case(dir: &Path) -> Case {
    toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn check(dir: &Path, case: &Case, engine: &ccdiag::engine::Engine) -> Failures {
    let now = case.now.as_deref().map(|t| ccdiag::time::parse(t).expect("a valid `now`"));
    let limits = Limits::default();
    let mut sources = discover::discover(&[dir.to_str().unwrap().to_owned()], &limits, std::io::empty());
    // The case's own description is not part of the host's bundle.
    sources.retain(|source| source.path != "case.toml");
    let scan = scan::scan(engine, &sources, &ScanOptions { limits, now, ..ScanOptions::default() });
    let report: Value = serde_json::from_str(&Report::build(engine, scan).render(Format::Json, false)).unwrap();
    let mut failures = Failures::default();
    for (rule, expected) in &case.expect {
        let got = concluded(&report, rule);
        if !satisfies(expected, got) {
            let failure = format!("{rule}: expected {expected}, got {got}");
            match got {
                "fired" => failures.false_findings.push(failure),
                _ => failures.misses.push(failure),
            }
        }
        if expected == "fired" && got == "fired" {
            let finding = report["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == *rule).unwrap();
            let shown = finding["evidence"].to_string().to_lowercase();
            for wanted in case.evidence.get(rule).into_iter().flatten() {
                if !shown.contains(&wanted.to_lowercase()) {
                    failures.false_findings.push(format!("{rule}: evidence lacks `{wanted}`"));
                }
            }
        }
    }
    // A finding shown under its cause is not one of its own.
    for finding in report["findings"].as_array().unwrap().iter().filter(|f| f["explained_by"].is_null()) {
        let rule = finding["rule_id"].as_str().unwrap();
        if !case.expect.contains_key(rule) {
            failures.false_findings.push(format!("{rule}: fired, and the case does not expect it"));
        }
    }
    failures
}

/// Cases and how many concluded as expected, per rule a case names, by class.
#[derive(Default)]
struct Tally {
    true_positives: (usize, usize),
    near_misses: (usize, usize),
    languages: std::collections::BTreeSet<String>,
}

fn print_table(tallies: &BTreeMap<String, Tally>) {
    println!("| rule | true positives found | near-misses kept quiet | languages |");
    println!("|---|---|---|---|");
    let mut totals = ((0, 0), (0, 0));
    for (rule, tally) in tallies {
        let (tp, nm) = (tally.true_positives, tally.near_misses);
        let languages: Vec<&str> = tally.languages.iter().map(String::as_str).collect();
        println!("| {rule} | {}/{} | {}/{} | {} |", tp.0, tp.1, nm.0, nm.1, languages.join(", "));
        totals = ((totals.0.0 + tp.0, totals.0.1 + tp.1), (totals.1.0 + nm.0, totals.1.1 + nm.1));
    }
    println!("| all | {}/{} | {}/{} | |", totals.0.0, totals.0.1, totals.1.0, totals.1.1);
}

#[test]
fn every_case_of_the_blind_corpus_concludes_as_the_articles_say() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adversarial");
    let mut all = Vec::new();
    cases(&root, &mut all);
    assert!(all.len() >= 300, "the corpus has {} cases", all.len());
    let filter = std::env::var("CORPUS").ok();
    let engine = common::engine();
    let mut failures = Vec::new();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut checked = 0;
    for dir in all.iter().filter(|d| filter.as_deref().is_none_or(|f| d.to_string_lossy().contains(f))) {
        checked += 1;
        let case = read_case(dir);
        let found = check(dir, &case, &engine);
        let ok = found.false_findings.is_empty() && found.misses.is_empty();
        // The rule the case was written for is the folder it sits in.
        let rule = dir.parent().and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tally = tallies.entry(rule).or_default();
        tally.languages.insert(case.language.clone());
        let count = if case.class == "near-miss" { &mut tally.near_misses } else { &mut tally.true_positives };
        *count = (count.0 + usize::from(ok), count.1 + 1);
        let mut report = |failure: String| failures.push(format!("{}: {failure}  ({})", dir.display(), case.summary));
        match &case.known_miss {
            None => found.false_findings.into_iter().chain(found.misses).for_each(&mut report),
            Some(_) if ok => report("passes now: remove its known_miss".to_owned()),
            Some(_) => found.false_findings.into_iter().for_each(&mut report),
        }
    }
    if std::env::var_os("CORPUS_TABLE").is_some() {
        print_table(&tallies);
    }
    let failed_cases: std::collections::BTreeSet<&str> =
        failures.iter().map(|f| f.split(": ").next().unwrap_or_default()).collect();
    assert!(failures.is_empty(), "{} of {checked} cases fail:\n{}", failed_cases.len(), failures.join("\n"));
}
