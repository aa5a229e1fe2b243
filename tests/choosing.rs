//! Choosing and silencing rules as a user does it: `--select` and `--ignore`, a ccdiag.toml
//! found beside or above what is scanned (or named with `--config`), suppressions with their
//! reason, the thresholds of `[settings]`, and what goes wrong: each mistake is a diagnostic
//! and exit code 2.
//!
//! Each test works in a folder of its own, as the working folder of the run, so that the paths
//! a report shows (`bundle/ccdiag.toml`) do not depend on the machine.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;
use common::{EXAMPLE, FIXTURES, ccdiag_in, json_of, write};

/// A working folder holding `bundle/`, a copy of the example host bundle (findings CCE201,
/// CCE213, CCE215 and SFB008).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(EXAMPLE), &dir.path().join("bundle"));
    dir
}

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

/// `scan ARGS --format json` in `cwd`: its exit code and report.
fn scan_json(cwd: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let output = ccdiag_in(cwd, &all, b"");
    (output.status.code(), json_of(&output))
}

fn ids(report: &Value, list: &str) -> Vec<String> {
    report[list].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap().to_owned()).collect()
}

fn outcome<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["outcomes"].as_array().unwrap().iter().find(|o| o["rule_id"] == rule).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A path as this platform writes it (`bundle/ccdiag.toml`).
fn native(path: &str) -> String {
    path.split('/').collect::<PathBuf>().display().to_string()
}

const SUPPRESS_TWO: &str = r#"[[suppress]]
rule = "CCE201"
where = { vm = "2.1.0.0-cms", ip = "192.168.213.3" }
reason = "The CMS keeps its APIPA address until change 4711"
expires = "2099-12-31"

[[suppress]]
rule = "credential-key-invalid"
reason = "Credentials are reset on Friday"
"#;

#[test]
fn a_suppression_takes_its_evidence_out_of_the_findings_and_lists_it_with_its_reason() {
    let dir = workspace();
    write(dir.path(), "bundle/ccdiag.toml", SUPPRESS_TWO);
    let (code, report) = scan_json(dir.path(), &["bundle"]);
    assert_eq!(code, Some(1), "CCE215 and SFB008 still fail the run");
    assert_eq!(ids(&report, "findings"), ["CCE215", "SFB008"]);
    assert_eq!(ids(&report, "suppressed"), ["CCE201", "CCE213"]);
    let config = native("bundle/ccdiag.toml");
    let cce201 = &report["suppressed"][0];
    assert_eq!(cce201["name"], "vm-nic-ip-missing");
    assert_eq!(cce201["severity"], "error");
    assert_eq!(cce201["count"], 1);
    assert_eq!(cce201["reason"], "The CMS keeps its APIPA address until change 4711");
    assert_eq!(cce201["source"], serde_json::json!({"path": config, "line": 1}));
    assert_eq!(cce201["expires"], "2099-12-31");
    assert_eq!(cce201["whole_finding"], true);
    assert_eq!(cce201["evidence"][0]["path"], "cmdlets/Get-VMNetworkAdapter.txt");
    assert_eq!(cce201["evidence"][0]["fields"]["vm"], "2.1.0.0-CMS");
    assert_eq!(report["suppressed"][1]["source"]["line"], 7);
    assert_eq!(report["suppressed"][1]["expires"], Value::Null);
    assert_eq!(outcome(&report, "CCE201")["status"], "suppressed");
    assert_eq!(outcome(&report, "CCE201")["reason"], format!("matched 1 time(s), every one suppressed ({config}:1)"));
    assert_eq!(report["config"], serde_json::json!({"path": config, "settings": []}));
    let inputs: Vec<&str> = report["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert!(!inputs.contains(&"ccdiag.toml"), "the config is no input of the bundle: {inputs:?}");
    assert_eq!(inputs.len(), 6);

    // Another folder's config under the scanned one is set aside, and said so.
    write(dir.path(), "bundle/cmdlets/ccdiag.toml", "[rules]\nignore = [\"CCE215\"]\n");
    let output = ccdiag_in(dir.path(), &["scan", "bundle", "--format", "json"], b"");
    let with_another = json_of(&output);
    assert_eq!(with_another["inputs"].as_array().unwrap().len(), 6);
    assert_eq!(ids(&with_another, "findings"), ["CCE215", "SFB008"], "and not applied");
    assert!(
        stderr(&output)
            .starts_with("warning: cmdlets/ccdiag.toml: a config file, not read as an input and not applied"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_file(dir.path().join("bundle/cmdlets/ccdiag.toml")).unwrap();

    // A field that does not hold the value suppresses nothing.
    write(dir.path(), "bundle/ccdiag.toml", SUPPRESS_TWO.replace("192.168.213.3", "192.168.213.4"));
    let (_, report) = scan_json(dir.path(), &["bundle"]);
    assert_eq!(ids(&report, "findings"), ["CCE201", "CCE215", "SFB008"]);
    assert_eq!(outcome(&report, "CCE201")["status"], "fired");
}

#[test]
fn suppressed_findings_do_not_count_for_fail_on_and_every_format_lists_them() {
    let dir = workspace();
    let every = ["CCE201", "CCE213", "CCE215", "SFB008"]
        .map(|id| format!("[[suppress]]\nrule = \"{id}\"\nreason = \"accepted for {id}\"\n"))
        .join("\n");
    write(dir.path(), "bundle/ccdiag.toml", every);
    let (code, report) = scan_json(dir.path(), &["bundle"]);
    assert_eq!(code, Some(0), "nothing left to fail on");
    assert!(ids(&report, "findings").is_empty());
    assert_eq!(ids(&report, "suppressed").len(), 4);
    let (code, _) = scan_json(dir.path(), &["bundle", "--no-config"]);
    assert_eq!(code, Some(1), "the same bundle without its config fails");

    let text = String::from_utf8(ccdiag_in(dir.path(), &["scan", "bundle"], b"").stdout).unwrap();
    assert!(text.starts_with("No issue found but the 4 suppressed below.\n"), "{text}");
    assert!(text.contains("\nSuppressed 4 matches, accepted in a config file"), "{text}");
    assert!(text.contains("  reason: accepted for CCE213\n"), "{text}");
    assert!(text.contains(&format!("  suppressed by: {}:5\n", native("bundle/ccdiag.toml"))), "{text}");
    assert!(text.contains("Rules 0 fired, "), "{text}");
    assert!(text.contains(", 4 suppressed"), "{text}");
    for (format, heading) in [("markdown", "## Suppressed"), ("html", "<h2 id=\"suppressed\">Suppressed</h2>")] {
        let output = ccdiag_in(dir.path(), &["scan", "bundle", "--format", format], b"");
        assert_eq!(output.status.code(), Some(0));
        let page = String::from_utf8(output.stdout).unwrap();
        assert!(page.contains(heading), "{format}");
        assert!(page.contains("accepted for SFB008"), "{format}");
    }
    let sarif = ccdiag_in(dir.path(), &["scan", "bundle", "--format", "sarif"], b"");
    let sarif: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert!(results.iter().all(|r| r["suppressions"][0]["kind"] == "external"));
}

#[test]
fn the_nearest_config_is_found_for_folders_zips_and_stdin() {
    let dir = workspace();
    let zip_line = b"Dismount-WindowsImage : Dismount-WindowsImage failed. Error code = 0xc1550115\r\n";
    let zip = common::zip_of(&[("host/upgrade.txt", zip_line)], zip::CompressionMethod::Deflated);
    write(dir.path(), "tickets/t1/bundle.zip", &zip);
    write(dir.path(), "tickets/t2/bundle.zip", &zip);
    write(dir.path(), "tickets/t1/ccdiag.toml", "[rules]\nignore = [\"wim-cleanup-needed\"]\n");
    // Above the scanned folder, in the working folder.
    write(dir.path(), "ccdiag.toml", "[rules]\n\nignore = [\"CCE213\"]\n");

    let (_, report) = scan_json(dir.path(), &["bundle"]);
    assert_eq!(ids(&report, "findings"), ["CCE201", "CCE215", "SFB008"]);
    assert_eq!(outcome(&report, "CCE213")["status"], "ignored");
    assert_eq!(outcome(&report, "CCE213")["reason"], "ignored by `CCE213` (ccdiag.toml:3)");
    assert_eq!(report["config"]["path"], "ccdiag.toml");

    // A zip: the folder it is in, then above.
    let (_, report) = scan_json(dir.path(), &[&native("tickets/t1/bundle.zip")]);
    assert!(ids(&report, "findings").is_empty());
    assert_eq!(outcome(&report, "CCE216")["status"], "ignored");
    let (_, report) = scan_json(dir.path(), &[&native("tickets/t2/bundle.zip")]);
    assert_eq!(ids(&report, "findings"), ["CCE216"], "the working folder's config ignores only CCE213");
    assert_eq!(outcome(&report, "CCE213")["status"], "ignored");

    // Stdin: the working folder.
    let output = ccdiag_in(&dir.path().join("tickets/t1"), &["scan", "-", "--format", "json"], zip_line);
    assert_eq!(outcome(&json_of(&output), "CCE216")["status"], "ignored");
    let output = ccdiag_in(&dir.path().join("tickets/t2"), &["scan", "-", "--format", "json"], zip_line);
    assert_eq!(ids(&json_of(&output), "findings"), ["CCE216"]);

    // Two paths whose nearest configs differ cannot share one report.
    let output = ccdiag_in(dir.path(), &["scan", &native("tickets/t1/bundle.zip"), "bundle"], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("different ccdiag.toml files"), "{}", stderr(&output));
    assert!(stderr(&output).contains("--config FILE"), "{}", stderr(&output));
}

#[test]
fn the_command_line_replaces_the_config_select_and_adds_to_its_ignore() {
    let dir = workspace();
    write(dir.path(), "bundle/ccdiag.toml", "[rules]\nselect = [\"CCE2\"]\nignore = [\"CCE213\"]\n");
    write(dir.path(), "other.toml", "[rules]\nignore = [\"user-shell-limit\"]\n");
    let findings = |args: &[&str]| {
        let mut all = vec!["bundle"];
        all.extend_from_slice(args);
        let (code, report) = scan_json(dir.path(), &all);
        assert!(matches!(code, Some(0 | 1)), "{args:?}");
        ids(&report, "findings")
    };
    assert_eq!(findings(&[]), ["CCE201", "CCE215"]);
    let (_, report) = scan_json(dir.path(), &["bundle"]);
    let config = native("bundle/ccdiag.toml");
    assert_eq!(outcome(&report, "SFB008")["reason"], format!("not selected by `CCE2` ({config}:2)"));
    assert_eq!(findings(&["--ignore", "CCE201"]), ["CCE215"]);
    assert_eq!(findings(&["--select", "CCE213,sfb"]), ["CCE213", "SFB008"], "the config's ignore goes with its select");
    assert_eq!(findings(&["--select", "CCE213", "--select", "CCE201"]), ["CCE201", "CCE213"]);
    assert!(findings(&["--select", "CCE213", "--ignore", "credential-key-invalid"]).is_empty());
    assert_eq!(findings(&["--select", "CCE2", "--ignore", "CCE21", "--select", "CCE215"]), ["CCE201", "CCE215"]);
    assert_eq!(findings(&["--select", "ALL"]), ["CCE201", "CCE213", "CCE215", "SFB008"]);
    assert_eq!(findings(&["--no-config"]), ["CCE201", "CCE213", "CCE215", "SFB008"]);
    assert_eq!(findings(&["--config", "other.toml"]), ["CCE201", "CCE213", "CCE215"], "--config wins over the nearest");
    let (_, report) = scan_json(dir.path(), &["bundle", "--ignore", "CCE201"]);
    assert_eq!(outcome(&report, "CCE201")["reason"], "ignored by `CCE201` (--ignore on the command line)");
    let output = ccdiag_in(dir.path(), &["scan", "bundle", "--config", "other.toml", "--no-config"], b"");
    assert_eq!(output.status.code(), Some(2), "--config and --no-config contradict each other");
}

#[test]
fn mistakes_are_diagnostics_with_exit_code_2() {
    let dir = workspace();
    let fails = |args: &[&str]| {
        let output = ccdiag_in(dir.path(), args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(output.stdout.is_empty(), "{args:?}: no report");
        stderr(&output)
    };
    let err = fails(&["scan", "bundle", "--select", "CCX"]);
    assert!(err.contains("`--select CCX` matches no rule") && err.contains("did you mean `CCE`?"), "{err}");
    let err = fails(&["scan", "bundle", "--ignore", "CCE213,vm-not-runing"]);
    assert!(err.contains("`--ignore vm-not-runing`") && err.contains("did you mean `vm-not-running`?"), "{err}");
    let err = fails(&["rules", "explain", "vm-not-runing"]);
    assert!(err.contains("did you mean `vm-not-running`?"), "{err}");
    let err = fails(&["rules", "list", "--select", "SFX"]);
    assert!(err.contains("did you mean `SFB`?"), "{err}");
    let err = fails(&["scan", "bundle", "--config", "missing.toml"]);
    assert!(err.contains("cannot read config missing.toml"), "{err}");

    let config = native("bundle/ccdiag.toml");
    write(dir.path(), "bundle/ccdiag.toml", "[rules]\nselect = [\"CCE\"]\nignor = [\"CCE207\"]\n");
    let err = fails(&["scan", "bundle"]);
    assert!(err.contains(&format!("{config}: unknown key `ignor` in [rules]")), "{err}");
    assert!(err.contains(&format!("{config}:3:1")), "points at line 3: {err}");
    assert!(err.contains("did you mean `ignore`?"), "{err}");
    write(dir.path(), "bundle/ccdiag.toml", "[[suppress]]\nrule = \"CCE211\"\nwhere = { thumbprint = \"3F2A\" }\n");
    let err = fails(&["scan", "bundle"]);
    assert!(err.contains("this suppression has no `reason`") && err.contains(&format!("{config}:1:1")), "{err}");
    write(dir.path(), "bundle/ccdiag.toml", "[settings.CCE211]\nwarning_days = 30\nwindow = 2\n");
    let err = fails(&["scan", "bundle"]);
    assert!(err.contains("unknown key `window` in [settings.CCE211]") && err.contains("`warning_days`"), "{err}");
    write(dir.path(), "bundle/ccdiag.toml", "[rules\n");
    let err = fails(&["scan", "bundle"]);
    assert!(err.contains("not valid TOML"), "{err}");
    // A broken config stops the run even when another config would have been fine.
    assert!(fails(&["scan", "bundle", "--no-config", "--select", "nope"]).contains("`--select nope`"));
}

#[test]
fn an_expired_suppression_warns_and_no_longer_applies() {
    let dir = workspace();
    write(
        dir.path(),
        "bundle/ccdiag.toml",
        "[[suppress]]\nrule = \"CCE213\"\nreason = \"reset on Friday\"\nexpires = \"2026-11-20\"\n",
    );
    let before = ccdiag_in(dir.path(), &["scan", "bundle", "--format", "json", "--now", "2026-11-20T23:00:00Z"], b"");
    assert_eq!(ids(&json_of(&before), "suppressed"), ["CCE213"]);
    assert!(stderr(&before).is_empty(), "{}", stderr(&before));
    let after = ccdiag_in(dir.path(), &["scan", "bundle", "--format", "json", "--now", "2026-11-21T00:00:00Z"], b"");
    let report = json_of(&after);
    assert!(ids(&report, "suppressed").is_empty());
    assert!(ids(&report, "findings").contains(&"CCE213".to_owned()));
    assert_eq!(
        stderr(&after),
        format!(
            "warning: {}:1: the suppression of CCE213 expired on 2026-11-20 and no longer applies (reason: reset on \
             Friday)\n",
            native("bundle/ccdiag.toml")
        )
    );
}

#[test]
fn the_certificate_warning_window_is_a_setting() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(FIXTURES).join("CCE211/positive/internal-cert-42-days"), &dir.path().join("host"));
    let at = |days: Option<u32>| {
        if let Some(days) = days {
            write(dir.path(), "host/ccdiag.toml", format!("[settings.CCE211]\nwarning_days = {days}\n"));
        }
        let (_, report) = scan_json(dir.path(), &["host", "--now", "2026-11-22T00:00:00Z"]);
        report
    };
    let default = at(None);
    assert_eq!(ids(&default, "findings"), ["CCE211"]);
    assert_eq!(default["findings"][0]["evidence"][0]["fields"]["days_left"], "42");
    // NotAfter is 42 days and 10 hours after the reference time.
    assert_eq!(ids(&at(Some(43)), "findings"), ["CCE211"]);
    let narrow = at(Some(42));
    assert!(ids(&narrow, "findings").is_empty());
    assert_eq!(outcome(&narrow, "CCE211")["status"], "passed");
    assert_eq!(
        narrow["config"]["settings"],
        serde_json::json!([{"rule_id": "CCE211", "key": "warning_days", "value": 42, "line": 2}])
    );
    let text = String::from_utf8(ccdiag_in(dir.path(), &["scan", "host", "--now", "2026-11-22T00:00:00Z"], b"").stdout)
        .unwrap();
    assert!(
        text.contains(&format!("Config {}\n  CCE211 warning_days = 42 (line 2)\n", native("host/ccdiag.toml"))),
        "{text}"
    );
}

#[test]
fn rules_commands_take_the_choice_too() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = ccdiag_in(root, &["rules", "list", "--select", "CCE1", "--ignore", "CCE104,vm-not-running"], b"");
    let lines: Vec<String> = String::from_utf8(listed.stdout).unwrap().lines().map(|l| l[..6].to_owned()).collect();
    assert_eq!(lines, ["CCE101", "CCE103", "CCE105", "CCE106"]);
    let signatures = ccdiag_in(root, &["rules", "signatures", "--select", "CCE216"], b"");
    let signatures = String::from_utf8(signatures.stdout).unwrap();
    assert!(signatures.contains("0xc1550115") && !signatures.contains("Key not valid"), "{signatures}");
    let tested = ccdiag_in(root, &["rules", "test", "--select", "CCE216"], b"");
    let text = String::from_utf8(tested.stdout).unwrap();
    assert_eq!(tested.status.code(), Some(0), "{text}");
    assert!(text.contains("ok   CCE216") && !text.contains("CCE213"), "{text}");
}
