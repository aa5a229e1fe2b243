//! The binary as a user runs it: the README commands, the JSON contract, exit codes, rule
//! diagnostics, zip-versus-loose equivalence and determinism across thread counts.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;
use common::{EXAMPLE, FIXTURES, ccdiag, ccdiag_with_stdin, json_of};

/// Rule id, count and evidence lines of every finding: what must not depend on how the files
/// were packed or how many threads read them.
fn finding_summary(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let lines: Vec<String> = f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let path = e["path"].as_str().unwrap();
                    let name = path.rsplit('/').next().unwrap();
                    format!("{name}:{}", e["line"])
                })
                .collect();
            format!("{} x{} at {}", f["rule_id"].as_str().unwrap(), f["count"], lines.join(","))
        })
        .collect()
}

#[test]
fn example_bundle_prints_the_json_contract() {
    let output = ccdiag(&["scan", EXAMPLE, "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "findings give exit 1");
    let report = json_of(&output);
    assert_eq!(report["tool"]["name"], "ccdiag");
    assert!(report["tool"]["version"].is_string());
    for input in report["inputs"].as_array().unwrap() {
        for key in ["path", "kind", "encoding", "records", "problems"] {
            assert!(input.get(key).is_some(), "inputs[] has {key}: {input}");
        }
    }
    let findings = report["findings"].as_array().unwrap();
    let ids: Vec<&str> = findings.iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CCE201", "CCE213", "CCE215", "SFB008"]);
    for finding in findings {
        for key in ["rule_id", "name", "severity", "title", "count", "evidence", "remediation"] {
            assert!(finding.get(key).is_some(), "findings[] has {key}");
        }
        let evidence = &finding["evidence"][0];
        assert!(evidence["line"].as_u64().unwrap() >= 1);
        assert!(!evidence["excerpt"].as_str().unwrap().is_empty());
        assert!(!evidence["path"].as_str().unwrap().starts_with('/'), "paths are relative to the scanned root");
        assert!(finding["remediation"][0]["text"].is_string());
    }
    let statuses: Vec<&str> =
        report["outcomes"].as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert!(statuses.iter().all(|s| ["fired", "passed", "not_applicable"].contains(s)));
    assert!(statuses.contains(&"not_applicable"), "CCE204 is out of range for 2.1: {statuses:?}");
}

#[test]
fn utf16_console_crlf_log_and_zip_give_the_same_findings_as_loose_files() {
    let loose = tempfile::tempdir().unwrap();
    let copy = |from: &str, to: &str| {
        std::fs::copy(Path::new(FIXTURES).join(from), loose.path().join(to)).unwrap();
    };
    copy("CCE213/positive/get-cccredential-utf16/Get-CcCredential.txt", "Get-CcCredential.txt");
    copy("CCE213/positive/cce-log-crlf/CceManagementService.log", "CceManagementService.log");
    copy("SFB008/positive/console-utf16/console.txt", "console.txt");
    copy("CCE216/positive/console-utf16-no-bom/upgrade.txt", "upgrade.txt");

    let zipped = tempfile::tempdir().unwrap();
    let zip_path = zipped.path().join("bundle.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for entry in std::fs::read_dir(loose.path()).unwrap() {
        let entry = entry.unwrap();
        let name = format!("host/logs/{}", entry.file_name().to_string_lossy());
        writer.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        writer.write_all(&std::fs::read(entry.path()).unwrap()).unwrap();
    }
    writer.finish().unwrap();

    let from_loose = json_of(&ccdiag(&["scan", loose.path().to_str().unwrap(), "--format", "json"]));
    let from_zip = json_of(&ccdiag(&["scan", zipped.path().to_str().unwrap(), "--format", "json"]));
    assert_eq!(finding_summary(&from_loose), finding_summary(&from_zip));
    let ids: Vec<String> = finding_summary(&from_loose).iter().map(|s| s[..6].to_owned()).collect();
    assert_eq!(ids, ["CCE213", "CCE216", "SFB008"]);
    assert_eq!(from_loose["findings"][0]["count"], 2, "both the log and the UTF-16 capture count");
    let zip_paths: Vec<&str> =
        from_zip["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert!(zip_paths.contains(&"bundle.zip/host/logs/console.txt"), "{zip_paths:?}");
    let encodings: Vec<&str> =
        from_zip["inputs"].as_array().unwrap().iter().map(|i| i["encoding"].as_str().unwrap()).collect();
    assert!(encodings.contains(&"utf-16le"), "BOM-less UTF-16LE is detected: {encodings:?}");
}

#[test]
fn reports_are_identical_whatever_the_thread_count() {
    let one = ccdiag(&["scan", EXAMPLE, FIXTURES, "--format", "json", "--jobs", "1"]);
    let two = ccdiag(&["scan", EXAMPLE, FIXTURES, "--format", "json", "--jobs", "2"]);
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn exit_codes_follow_fail_on() {
    assert_eq!(ccdiag(&["scan", EXAMPLE, "--fail-on", "never"]).status.code(), Some(0));
    assert_eq!(ccdiag(&["scan", EXAMPLE, "--fail-on", "error"]).status.code(), Some(1));
    // Nothing to read is neither "no issue" nor a finding.
    let empty = tempfile::tempdir().unwrap();
    let output = ccdiag(&["scan", empty.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("Nothing could be checked") && text.contains("no input files were found"), "{text}");
    let output = ccdiag_with_stdin(&["scan", "-", "--format", "json"], b"");
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(json_of(&output)["nothing_checked"], true);
    assert_eq!(ccdiag(&["scan"]).status.code(), Some(2), "missing PATH is a usage error");
    assert_eq!(ccdiag(&["scan", EXAMPLE, "--format", "pdf"]).status.code(), Some(2));
}

#[test]
fn stdin_is_scanned_as_a_file() {
    let output = ccdiag_with_stdin(
        &["scan", "-", "--format", "json"],
        b"Dismount-WindowsImage : Dismount-WindowsImage failed. Error code = 0xc1550115\r\n",
    );
    let report = json_of(&output);
    assert_eq!(report["findings"][0]["rule_id"], "CCE216");
    assert_eq!(report["findings"][0]["evidence"][0]["path"], "-");
}

fn rule_error(yaml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yaml"), yaml).unwrap();
    let output = ccdiag(&["rules", "list", "--rules", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "a broken rule stops the run");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const GOOD_RULE: &str = "id: X001\nname: example\ntitle: t\nseverity: error\nsources: [text]\n\
docs: {what: w, why: y}\ndetection:\n  sel:\n    line|contains: boom\n  condition: sel\n\
remediation:\n  - text: fix it\n";

#[test]
fn rule_errors_point_at_file_line_and_column() {
    let bad_regex = GOOD_RULE.replace("line|contains: boom", "line|re: '(unclosed'");
    let err = rule_error(&bad_regex);
    assert!(err.contains("bad regex"), "{err}");
    assert!(err.contains("bad.yaml:9:"), "line 9 holds the regex: {err}");

    let err = rule_error(&GOOD_RULE.replace("sources: [text]", "sources: [txt]"));
    assert!(err.contains("unknown record kind `txt`") && err.contains("bad.yaml:5:"), "{err}");

    let err = rule_error(&GOOD_RULE.replace("condition: sel", "condition: sel and nope"));
    assert!(err.contains("`nope` is not a selection"), "{err}");

    let err = rule_error(&GOOD_RULE.replace("title: t", "title: t\ncolour: red"));
    assert!(err.contains("colour") && err.contains("bad.yaml:4:"), "{err}");

    let err = rule_error(&GOOD_RULE.replace("line|contains", "line|containz"));
    assert!(err.contains("unknown modifier `containz`"), "{err}");
}

#[test]
fn user_rules_add_to_and_override_the_built_in_pack() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.yaml"), GOOD_RULE).unwrap();
    let overriding = GOOD_RULE.replace("X001", "CCE216").replace("name: example", "name: wim-cleanup-needed");
    std::fs::write(dir.path().join("y.yaml"), overriding).unwrap();
    let output = ccdiag(&["rules", "list", "--format", "json", "--rules", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let rules = json_of(&output);
    let find = |id: &str| rules.as_array().unwrap().iter().find(|r| r["rule_id"] == id).cloned();
    assert!(find("X001").is_some());
    assert_eq!(find("CCE216").unwrap()["title"], "t", "the user's CCE216 replaced the built-in one");
}

#[test]
fn explain_shows_docs_signatures_and_source() {
    let output = ccdiag(&["rules", "explain", "credential-key-invalid"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for part in [
        "CCE213",
        "What it detects",
        "ImportSecureString_InvalidArgument_CryptographicError",
        "Register-CcAppliance -Local",
        "troubleshoot-your-cloud-connector-deployment.md",
    ] {
        assert!(text.contains(part), "explain shows {part}");
    }
    assert_eq!(ccdiag(&["rules", "explain", "nope"]).status.code(), Some(2));
}

#[test]
fn rules_test_passes_over_the_built_in_pack_and_writes_junit() {
    let junit = tempfile::NamedTempFile::new().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ccdiag"))
        .args(["rules", "test", "--junit", junit.path().to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("ok   CCE213"), "{text}");
    let xml = std::fs::read_to_string(junit.path()).unwrap();
    assert!(xml.contains("<testsuite name=\"ccdiag-rules\"") && xml.contains("failures=\"0\""), "{xml}");
}

#[test]
fn rules_test_fails_a_user_rule_without_negative_fixture_or_that_misfires() {
    let pack = tempfile::tempdir().unwrap();
    std::fs::write(pack.path().join("x.yaml"), GOOD_RULE).unwrap();
    let positive = pack.path().join("fixtures/X001/positive/boom");
    std::fs::create_dir_all(&positive).unwrap();
    std::fs::write(positive.join("console.txt"), "it went boom\r\n").unwrap();
    let output = ccdiag(&["rules", "test", pack.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL X001 (1 positive, 0 negative)") && text.contains("no negative fixture"), "{text}");

    let negative = pack.path().join("fixtures/X001/negative/also-boom");
    std::fs::create_dir_all(&negative).unwrap();
    std::fs::write(negative.join("console.txt"), "boom again\r\n").unwrap();
    let text = String::from_utf8_lossy(&ccdiag(&["rules", "test", pack.path().to_str().unwrap()]).stdout).into_owned();
    assert!(text.contains("expected to stay quiet, got fired"), "{text}");
    assert!(text.contains("rules: 0 passed, 1 failed"), "{text}");
}
