//! Every format lists suppressed evidence, with its reason and where the suppression was
//! written, and the rules not run: each format's part is snapshotted. The reason is the user's
//! text and reaches a page only escaped, like input text.
//!
//! The bundle is the example host bundle plus services stopped on two VMs of its appliance:
//! a config suppresses those of MS1 (so CCE101 keeps the CMS's), all of CCE201, and ignores
//! the SFB rules.

use std::path::Path;

use ccdiag::config::{self, Choice, Config};
use ccdiag::report::{Format, Report};
use ccdiag::ruletest;
use serde_json::Value;

mod common;
use common::{EXAMPLE, write};

const CONFIG: &str = r#"[rules]
ignore = ["SFB"]

[settings.CCE211]
warning_days = 30

[[suppress]]
rule = "CCE101"
where = { PSComputerName = "MS1" }
reason = "MS1 is rebuilt tonight: <b>change</b> `4711` | see [the plan](javascript:alert(1)) *now* & then"
expires = "2099-12-31"

[[suppress]]
rule = "vm-nic-ip-missing"
reason = "The CMS keeps its APIPA address until the DHCP scope is fixed"
"#;

const STOPPED: &str = "Status   Name               DisplayName                            PSComputerName\r\n\
------   ----               -----------                            --------------\r\n\
Stopped  RTCMEDSRV          Skype for Business Server Mediation    MS1\r\n\
Stopped  RTCSRV             Skype for Business Server Front-End    MS1\r\n\
Stopped  REPLICA            Skype for Business Replica Replicat... CMS\r\n";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn report() -> Report {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(EXAMPLE), dir.path());
    write(dir.path(), "cmdlets/Get-Service.txt", STOPPED);
    let mut engine = common::engine();
    let config = Config::parse("ccdiag.toml", CONFIG, &engine).unwrap();
    config::configure(&mut engine, Some(&config), &Choice::default(), 0).unwrap();
    let mut report = Report::build(&engine, ruletest::scan_case(&engine, dir.path()));
    report.config = Some(config.used());
    report
}

/// The lines of `text` from the first that starts with `from` up to the first after it that
/// starts with `to`.
fn part<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text.find(from).unwrap_or_else(|| panic!("{from:?} in:\n{text}"));
    let end = text[start..].find(to).map_or(text.len(), |end| start + end);
    &text[start..end]
}

#[test]
fn the_bundle_gives_a_partly_suppressed_finding_a_whole_one_and_ignored_rules() {
    let report = report();
    let findings: Vec<(&str, usize)> = report.findings.iter().map(|f| (f.rule_id.as_str(), f.count)).collect();
    assert_eq!(findings, [("CCE101", 1), ("CCE213", 1), ("CCE215", 1)]);
    let suppressed: Vec<(&str, usize, bool)> =
        report.suppressed.iter().map(|s| (s.rule_id.as_str(), s.count, s.whole_finding)).collect();
    assert_eq!(suppressed, [("CCE101", 2, false), ("CCE201", 1, true)]);
    assert_eq!(report.rules_line(), "3 fired, 16 passed, 8 not applicable, 1 suppressed, 9 ignored");
}

#[test]
fn text() {
    let text = report().render(Format::Text, false);
    insta::assert_snapshot!("suppressed.text", part(&text, "Suppressed ", "Inputs\n"));
    insta::assert_snapshot!("config_and_not_run.text", part(&text, "Config ", "  not checked: CCE106"));
    assert!(text.contains("  not run: SFB008 user-shell-limit: ignored by `SFB` (ccdiag.toml:2)\n"));
}

#[test]
fn markdown() {
    let markdown = report().render(Format::Markdown, false);
    insta::assert_snapshot!("suppressed.md", part(&markdown, "## Suppressed", "## Inputs"));
    insta::assert_snapshot!("config.md", part(&markdown, "## Config", "## Rules not checked"));
    assert!(markdown.contains("- **SFB008** user-shell-limit (not run): ignored by \\`SFB\\` \\(ccdiag.toml:2\\)\n"));
    // The user's reason is text: nothing of it is markup.
    assert!(markdown.contains(
        "- **Reason**: MS1 is rebuilt tonight: \\<b\\>change\\</b\\> \\`4711\\` \\| see \\[the plan\\]\\(javascript:alert\\(1\\)\\) \\*now\\* \\& then\n"
    ));
}

#[test]
fn html() {
    let page = report().render(Format::Html, false);
    insta::assert_snapshot!("suppressed.html", part(&page, "<h2 id=\"suppressed\">", "<h2 id=\"coverage\">"));
    assert!(!page.contains("<b>change"), "the reason opens no tag");
    assert!(page.contains("&lt;b&gt;change&lt;/b&gt;"));
    assert!(page.contains("<a class=\"pill zero\" href=\"#suppressed\">3 suppressed</a>"));
    assert!(page.contains("<div><dt>Config</dt><dd><code>ccdiag.toml</code><ul><li><small class=\"muted\">CCE211 warning_days = 30 (line 5)</small></li></ul></dd></div>"));
    assert!(page.contains(
        "<tr><td data-label=\"Rule\"><code>SFB008</code> user-shell-limit</td><td data-label=\"Status\"><span \
         class=\"pill zero\">not run</span></td><td data-label=\"Reason\">ignored by `SFB` (ccdiag.toml:2)</td></tr>"
    ));
    assert!(page.contains("<a class=\"pill zero\" href=\"#suppressed\">suppressed</a>"), "CCE201's status links here");
}

#[test]
fn json() {
    let report: Value = serde_json::from_str(&report().render(Format::Json, false)).unwrap();
    let outcomes: Vec<&Value> = report["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| ["CCE101", "CCE201", "SFB001"].contains(&o["rule_id"].as_str().unwrap()))
        .collect();
    let part = serde_json::json!({
        "suppressed": report["suppressed"],
        "config": report["config"],
        "outcomes": outcomes,
    });
    insta::assert_snapshot!("suppressed.json", serde_json::to_string_pretty(&part).unwrap());
}

#[test]
fn sarif() {
    let document: Value = serde_json::from_str(&report().render(Format::Sarif, false)).unwrap();
    let run = &document["runs"][0];
    let suppressed: Vec<&Value> =
        run["results"].as_array().unwrap().iter().filter(|r| r.get("suppressions").is_some()).collect();
    let part = serde_json::json!({
        "suppressedResults": suppressed,
        "ruleConfigurationOverrides": run["invocations"][0]["ruleConfigurationOverrides"],
    });
    insta::assert_snapshot!("suppressed.sarif", serde_json::to_string_pretty(&part).unwrap());
    // Valid SARIF 2.1.0, suppressions and overrides included.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(&document).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF schema violations:\n{}", errors.join("\n"));
    // The rest of CCE101 is a result of its own, not suppressed.
    let cce101: Vec<&Value> = run["results"].as_array().unwrap().iter().filter(|r| r["ruleId"] == "CCE101").collect();
    assert_eq!(cce101.len(), 2);
    assert!(cce101[0].get("suppressions").is_none());
}
