//! Runs rules against their fixtures: `fixtures/<ID>/positive/<case>` must make the rule fire,
//! `fixtures/<ID>/negative/<case>` must not. A case is one file or a folder (a small bundle,
//! for rules that join several inputs). A positive case folder may hold a `captures` file of
//! `name: value` lines its evidence must capture, and the first positive case's finding must
//! render as `fixtures/<ID>/finding.text.snap` and `finding.md.snap` say, where they exist.
//! Used by `cargo test` and by rule-pack CI.

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
    /// The captures the case's `captures` file expects and its evidence lacks, each said.
    pub missed_captures: Vec<String>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.missed_captures.is_empty()
            && match self.expect {
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
    /// Snapshots of the finding that cannot be read or differ from it, each said.
    pub snapshots: Vec<String>,
}

impl RuleResult {
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.snapshots.is_empty() && self.cases.iter().all(CaseResult::passed)
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
        .filter(|s| s.path != NOW_FILE && s.path != CAPTURES_FILE)
        .collect();
    scan::scan(engine, &sources, &ScanOptions { limits, now, ..ScanOptions::default() })
}

/// The file in a case folder that fixes the reference time.
pub const NOW_FILE: &str = "now";

/// The file in a positive case folder that lists, one `name: value` a line, what its evidence
/// must capture.
pub const CAPTURES_FILE: &str = "captures";

/// What the case's `captures` file expects and no piece of `evidence` captured.
fn missed_captures(case: &Path, evidence: &[crate::engine::Evidence]) -> Vec<String> {
    let Ok(expected) = std::fs::read_to_string(case.join(CAPTURES_FILE)) else { return Vec::new() };
    expected
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| {
            let Some((name, value)) = line.split_once(':') else {
                return Some(format!("{CAPTURES_FILE}: `{line}` is not `name: value`"));
            };
            let (name, value) = (name.trim(), value.trim());
            let captured: Vec<&str> = evidence.iter().filter_map(|e| e.capture(name)).collect();
            (!captured.iter().any(|c| c.trim() == value)).then(|| match captured.as_slice() {
                [] => format!("expected `{name}` captured as `{value}`; no evidence captured `{name}`"),
                got => format!("expected `{name}` captured as `{value}`; got `{}`", got.join("`, `")),
            })
        })
        .collect()
}

/// How a finding renders for one of its snapshots.
type Render = fn(&crate::report::Finding) -> String;

/// The snapshots of a rule's finding, by file name, with how the finding renders for each.
const SNAPSHOTS: [(&str, Render); 2] = [
    ("finding.text.snap", |f| crate::report::text::render_finding(f, false)),
    ("finding.md.snap", crate::report::markdown::render_finding),
];

/// Compares the finding of `rule_id` in `report` with each snapshot the rule's fixtures
/// folder holds, as insta writes them (a `---` header, then the text): what is broken or
/// differs, each said.
fn snapshot_failures(folder: &Path, rule_id: &str, report: Option<&crate::report::Report>) -> Vec<String> {
    let finding = report.and_then(|r| r.findings.iter().find(|f| f.rule_id == rule_id));
    let mut failures = Vec::new();
    for (name, render) in SNAPSHOTS {
        let path = folder.join(name);
        let Ok(snapshot) = std::fs::read(&path) else { continue };
        let shown = path.display();
        let Some(expected) = String::from_utf8(snapshot).ok().and_then(|text| snapshot_body(&text).map(str::to_owned))
        else {
            failures.push(format!("{shown}: broken snapshot (not UTF-8 text with a `---` header and a body)"));
            continue;
        };
        let Some(finding) = finding else {
            failures.push(format!("{shown}: no finding to compare (the first positive case did not fire)"));
            continue;
        };
        let rendered = render(finding);
        if let Some((line, want, got)) = first_difference(&expected, &rendered) {
            failures.push(format!("{shown} differs at line {line}: snapshot `{want}`, finding `{got}`"));
        }
    }
    failures
}

/// The text of an insta snapshot: what follows its `---` ... `---` header.
fn snapshot_body(snapshot: &str) -> Option<&str> {
    let rest = snapshot.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    Some(&rest[end + "\n---\n".len()..])
}

/// The first line where two texts differ (1-based, each side's line or `<end>`), ignoring
/// trailing white space at their ends as insta does.
fn first_difference<'a>(expected: &'a str, got: &'a str) -> Option<(usize, &'a str, &'a str)> {
    let mut want = expected.trim_end().lines();
    let mut have = got.trim_end().lines();
    for line in 1.. {
        match (want.next(), have.next()) {
            (None, None) => return None,
            (w, h) if w != h => return Some((line, w.unwrap_or("<end>"), h.unwrap_or("<end>"))),
            _ => {}
        }
    }
    None
}

pub fn run(engine: &Engine, fixtures: &Path, rule_ids: &[String]) -> Vec<RuleResult> {
    rule_ids
        .iter()
        .map(|id| {
            let rule_index = engine.rules().iter().position(|r| r.id() == id);
            let mut result =
                RuleResult { rule_id: id.clone(), cases: Vec::new(), missing: Vec::new(), snapshots: Vec::new() };
            let mut first_positive = None;
            for expect in [Expect::Fires, Expect::Quiet] {
                let cases = cases(fixtures, id, expect);
                if cases.is_empty() {
                    let kind = if expect == Expect::Fires { "positive" } else { "negative" };
                    result.missing.push(format!("no {kind} fixture under {}", fixtures.join(id).join(kind).display()));
                }
                for case in cases {
                    let scan = scan_case(engine, &case);
                    let outcome = rule_index.and_then(|i| scan.outcomes.iter().find(|o| o.rule == i));
                    let missed = match (expect, outcome) {
                        (Expect::Fires, Some(o)) => missed_captures(&case, &o.evidence),
                        _ => Vec::new(),
                    };
                    result.cases.push(CaseResult {
                        expect,
                        status: outcome.map(|o| o.status),
                        count: outcome.map_or(0, |o| o.count),
                        reason: outcome.map_or_else(|| "rule not in the pack".to_owned(), |o| o.reason.clone()),
                        missed_captures: missed,
                        case,
                    });
                    if expect == Expect::Fires && first_positive.is_none() {
                        first_positive = Some(crate::report::Report::build(engine, scan));
                    }
                }
            }
            result.snapshots = snapshot_failures(&fixtures.join(id), id, first_positive.as_ref());
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
        // Snapshot lines and captured values are fixture text: escaped like any input text.
        let shown = |text: &str| crate::report::sanitize::terminal(text, false);
        for problem in result.missing.iter().chain(&result.snapshots) {
            let _ = writeln!(out, "       {}", shown(problem));
        }
        for case in result.cases.iter().filter(|c| !c.passed()) {
            let wanted = if case.expect == Expect::Fires { "to fire" } else { "to stay quiet" };
            let got = case.status.map_or("missing", Status::name);
            let _ =
                writeln!(out, "       {}: expected {wanted}, got {got} ({})", case.case.display(), shown(&case.reason));
            for missed in &case.missed_captures {
                let _ = writeln!(out, "         {}", shown(missed));
            }
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
    let cases: usize = results.iter().map(|r| r.cases.len() + r.missing.len() + r.snapshots.len()).sum();
    let failures: usize = results
        .iter()
        .map(|r| r.cases.iter().filter(|c| !c.passed()).count() + r.missing.len() + r.snapshots.len())
        .sum();
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
                let detail: Vec<&str> = std::iter::once(case.reason.as_str())
                    .chain(case.missed_captures.iter().map(String::as_str))
                    .collect();
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\">{}</failure>",
                    escape(&message),
                    escape(&detail.join("\n"))
                );
                let _ = writeln!(out, "    </testcase>");
            }
        }
        for missing in result.missing.iter().chain(&result.snapshots) {
            let _ = writeln!(out, "    <testcase classname=\"{class}\" name=\"fixtures\">");
            let _ = writeln!(out, "      <failure message=\"{}\"/>", escape(missing));
            let _ = writeln!(out, "    </testcase>");
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
