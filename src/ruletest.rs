//! Runs rules against their fixtures: `fixtures/<ID>/positive/<case>` must make the rule fire,
//! `fixtures/<ID>/negative/<case>` must not. A case is one file or a folder (a small bundle,
//! for rules that join several inputs). Used by `cargo test` and by rule-pack CI.

use std::path::{Path, PathBuf};

use crate::engine::{Engine, Status};
use crate::input::discover;
use crate::input::limits::Limits;
use crate::scan::{self, Scan, ScanOptions};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Fires,
    Quiet,
}

#[derive(Debug)]
pub struct CaseResult {
    pub case: PathBuf,
    pub expect: Expect,
    pub status: Option<Status>,
    pub count: usize,
    pub reason: String,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        match self.expect {
            Expect::Fires => self.status == Some(Status::Fired),
            Expect::Quiet => self.status.is_some_and(|s| s != Status::Fired),
        }
    }
}

#[derive(Debug)]
pub struct RuleResult {
    pub rule_id: String,
    pub cases: Vec<CaseResult>,
    /// Why the rule's fixtures are incomplete (no positive or no negative case).
    pub missing: Vec<String>,
}

impl RuleResult {
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.cases.iter().all(CaseResult::passed)
    }
}

/// The case folders and files of one rule and expectation, sorted.
pub fn cases(fixtures: &Path, rule_id: &str, expect: Expect) -> Vec<PathBuf> {
    let dir = fixtures.join(rule_id).join(match expect {
        Expect::Fires => "positive",
        Expect::Quiet => "negative",
    });
    let mut out: Vec<PathBuf> =
        std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok().map(|e| e.path())).collect();
    out.sort();
    out
}

/// Scans one case with the whole pack.
///
/// Cases that check dates hold a `now` file with the reference time (RFC 3339), so that they
/// mean the same next year as today.
pub fn scan_case(engine: &Engine, case: &Path) -> Scan {
    let limits = Limits::default();
    let now = std::fs::read_to_string(case.join(NOW_FILE)).ok().and_then(|t| crate::time::parse(&t));
    let sources: Vec<_> = discover::discover(&[case.display().to_string()], &limits, std::io::empty())
        .into_iter()
        .filter(|s| s.path != NOW_FILE)
        .collect();
    scan::scan(engine, &sources, &ScanOptions { limits, now, ..ScanOptions::default() })
}

/// The file in a case folder that fixes the reference time.
pub const NOW_FILE: &str = "now";

pub fn run(engine: &Engine, fixtures: &Path, rule_ids: &[String]) -> Vec<RuleResult> {
    rule_ids
        .iter()
        .map(|id| {
            let rule_index = engine.rules().iter().position(|r| r.id() == id);
            let mut result = RuleResult { rule_id: id.clone(), cases: Vec::new(), missing: Vec::new() };
            for expect in [Expect::Fires, Expect::Quiet] {
                let cases = cases(fixtures, id, expect);
                if cases.is_empty() {
                    let kind = if expect == Expect::Fires { "positive" } else { "negative" };
                    result.missing.push(format!("no {kind} fixture under {}", fixtures.join(id).join(kind).display()));
                }
                for case in cases {
                    let scan = scan_case(engine, &case);
                    let outcome = rule_index.and_then(|i| scan.outcomes.iter().find(|o| o.rule == i));
                    result.cases.push(CaseResult {
                        case,
                        expect,
                        status: outcome.map(|o| o.status),
                        count: outcome.map_or(0, |o| o.count),
                        reason: outcome.map_or_else(|| "rule not in the pack".to_owned(), |o| o.reason.clone()),
                    });
                }
            }
            result
        })
        .collect()
}

/// The human summary: one line per rule, the failing cases under it, and a closing count.
pub fn render(results: &[RuleResult]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for result in results {
        let positive = result.cases.iter().filter(|c| c.expect == Expect::Fires).count();
        let negative = result.cases.len() - positive;
        let verdict = if result.passed() { "ok  " } else { "FAIL" };
        let _ = writeln!(out, "{verdict} {} ({positive} positive, {negative} negative)", result.rule_id);
        for missing in &result.missing {
            let _ = writeln!(out, "       {missing}");
        }
        for case in result.cases.iter().filter(|c| !c.passed()) {
            let wanted = if case.expect == Expect::Fires { "to fire" } else { "to stay quiet" };
            let got = case.status.map_or("missing", Status::name);
            let _ = writeln!(out, "       {}: expected {wanted}, got {got} ({})", case.case.display(), case.reason);
        }
    }
    let failed = results.iter().filter(|r| !r.passed()).count();
    let _ = writeln!(out, "\nrules: {} passed, {failed} failed", results.len() - failed);
    out
}

/// JUnit XML: a test suite of rules, one test case per fixture case (and one per missing
/// fixture kind), as CI systems display them.
pub fn junit(results: &[RuleResult]) -> String {
    use std::fmt::Write as _;
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;")
    };
    let cases: usize = results.iter().map(|r| r.cases.len() + r.missing.len()).sum();
    let failures: usize =
        results.iter().map(|r| r.cases.iter().filter(|c| !c.passed()).count() + r.missing.len()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"ccdiag rules test\" tests=\"{cases}\" failures=\"{failures}\">");
    let _ = writeln!(out, "  <testsuite name=\"ccdiag-rules\" tests=\"{cases}\" failures=\"{failures}\">");
    for result in results {
        let class = escape(&result.rule_id);
        for case in &result.cases {
            let kind = if case.expect == Expect::Fires { "positive" } else { "negative" };
            let name = escape(&format!("{kind}: {}", case.case.display()));
            if case.passed() {
                let _ = writeln!(out, "    <testcase classname=\"{class}\" name=\"{name}\"/>");
            } else {
                let message = format!(
                    "expected {kind} case to {}, got {}",
                    if kind == "positive" { "fire" } else { "stay quiet" },
                    case.status.map_or("missing", Status::name)
                );
                let _ = writeln!(out, "    <testcase classname=\"{class}\" name=\"{name}\">");
                let _ =
                    writeln!(out, "      <failure message=\"{}\">{}</failure>", escape(&message), escape(&case.reason));
                let _ = writeln!(out, "    </testcase>");
            }
        }
        for missing in &result.missing {
            let _ = writeln!(out, "    <testcase classname=\"{class}\" name=\"fixtures\">");
            let _ = writeln!(out, "      <failure message=\"{}\"/>", escape(missing));
            let _ = writeln!(out, "    </testcase>");
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
