//! What a new user met first (issue 16, "Rough edges"): zips told by their bytes, a summary
//! when the report goes to a file, sizes with units, `--jobs 0`, "did you mean", the concise
//! format, and `rules test` checking captures and snapshots.

use std::path::Path;

mod common;
use common::{EXAMPLE, FIXTURES, ccdiag, ccdiag_with_stdin, json_of, write, zip_of};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn rule_ids(report: &serde_json::Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap().to_owned()).collect()
}

/// The example bundle's management service log, zipped.
fn zipped_log() -> Vec<u8> {
    let log = std::fs::read(Path::new(EXAMPLE).join("ManagementService/CceManagementService.log")).unwrap();
    zip_of(&[("ManagementService/CceManagementService.log", &log)], zip::CompressionMethod::Deflated)
}

#[test]
fn a_zip_saved_under_another_name_or_piped_in_is_read_as_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ticket-attachment.bin", zipped_log());
    let named = dir.path().join("ticket-attachment.bin");
    let output = ccdiag(&["scan", named.to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json_of(&output);
    assert_eq!(rule_ids(&report), ["CCE213"]);
    let path = report["findings"][0]["evidence"][0]["path"].as_str().unwrap();
    assert!(path.ends_with("ticket-attachment.bin/ManagementService/CceManagementService.log"), "{path}");

    // In a folder, under a name no text file has.
    let output = ccdiag(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(rule_ids(&json_of(&output)), ["CCE213"]);

    let output = ccdiag_with_stdin(&["scan", "-", "--format", "json"], &zipped_log());
    let report = json_of(&output);
    assert_eq!(rule_ids(&report), ["CCE213"]);
    assert_eq!(report["findings"][0]["evidence"][0]["path"], "-/ManagementService/CceManagementService.log");
}

#[test]
fn a_zip_name_on_what_is_not_a_zip_or_an_empty_zip_is_a_problem_of_that_input() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bundle.zip", "Get-VM output, not a zip\r\n");
    write(dir.path(), "empty.zip", zip_of(&[], zip::CompressionMethod::Stored));
    let output = ccdiag(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(3), "nothing could be checked: {}", stdout(&output));
    let report = json_of(&output);
    let problems: Vec<(String, String)> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["path"].as_str().unwrap().to_owned(), i["problems"][0]["message"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(problems[0].0, "bundle.zip");
    assert!(problems[0].1.starts_with("not a zip (its bytes do not begin as a zip's)"), "{problems:?}");
    assert_eq!(problems[1], ("empty.zip".to_owned(), "an empty zip: no file in it".to_owned()));
}

#[test]
fn a_report_written_to_a_file_is_summed_up_on_stderr_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.md");
    let output = ccdiag(&["scan", EXAMPLE, "--format", "markdown", "-o", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert_eq!(stderr(&output), format!("4 findings (4 errors) in 6 inputs; report written to {}\n", file.display()));
    assert!(std::fs::read_to_string(&file).unwrap().contains("CCE213"));

    let output = ccdiag(&["scan", EXAMPLE, "-q", "-o", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stderr.is_empty(), "{}", stderr(&output));

    let empty = tempfile::tempdir().unwrap();
    let output = ccdiag(&["scan", empty.path().to_str().unwrap(), "-o", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&output).starts_with("nothing could be checked in 0 inputs; report written to "));
}

#[test]
fn size_flags_take_binary_units_and_refuse_what_is_not_a_size() {
    let output = ccdiag(&["scan", EXAMPLE, "--format", "json", "--max-file-size", "1K", "--fail-on", "never"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = json_of(&output);
    let skipped = report["inputs"].as_array().unwrap().iter().find(|i| {
        i["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["message"].as_str().unwrap().contains("over the size limit of 1024 bytes (--max-file-size)"))
    });
    assert!(skipped.is_some(), "1K is 1024 bytes: {report}");
    for size in ["1.5G", "512m", "64KiB", "1048576"] {
        let output =
            ccdiag(&["scan", EXAMPLE, "--max-zip-bytes", size, "--max-record-bytes", size, "--fail-on", "never"]);
        assert_eq!(output.status.code(), Some(0), "{size}: {}", stderr(&output));
    }
    for (size, said) in [
        ("2GB", "`2GB` is ambiguous (1000 or 1024?): write 2G"),
        ("12Q", "`12Q` is not a size"),
        ("1.5", "bytes are whole"),
        ("99999999T", "is more than"),
    ] {
        let output = ccdiag(&["scan", EXAMPLE, "--max-file-size", size]);
        assert_eq!(output.status.code(), Some(2), "{size}");
        assert!(stderr(&output).contains(said), "{size}: {}", stderr(&output));
    }
}

#[test]
fn zero_jobs_is_refused_with_what_to_do_instead() {
    let output = ccdiag(&["scan", EXAMPLE, "-j", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("a scan needs at least 1 worker thread; leave --jobs out for one per core"));
    let output = ccdiag(&["scan", EXAMPLE, "--jobs", "1", "--fail-on", "never", "-q"]);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_mistyped_rule_or_flag_value_gets_a_did_you_mean() {
    let output = ccdiag(&["rules", "explain", "CCE21"]);
    assert_eq!(output.status.code(), Some(2));
    let said = stderr(&output).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(said.contains("did you mean one of `CCE210`, `CCE211`,"), "{said}");
    let output = ccdiag(&["rules", "explain", "vm-not-runing"]);
    assert!(stderr(&output).contains("did you mean `vm-not-running`?"), "{}", stderr(&output));
    let output = ccdiag(&["scan", EXAMPLE, "--format", "jsn"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("a similar value exists: 'json'"), "{}", stderr(&output));
    let output = ccdiag(&["scan", EXAMPLE, "--fail-on", "warn"]);
    assert!(stderr(&output).contains("a similar value exists: 'warning'"), "{}", stderr(&output));
}

#[test]
fn concise_is_one_line_per_place_and_escapes_names_from_inputs() {
    let output = ccdiag(&["scan", EXAMPLE, "--format", "concise"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1],
        "ManagementService/CceManagementService.log:6: CCE213 credential-key-invalid: Cached Cloud Connector credentials can no longer be decrypted"
    );
    assert_eq!(lines.last(), Some(&"4 findings (4 errors) in 6 inputs"));

    let dir = tempfile::tempdir().unwrap();
    let capture =
        std::fs::read(Path::new(FIXTURES).join("CCE213/positive/get-cccredential-utf16/Get-CcCredential.txt")).unwrap();
    write(dir.path(), "evil\u{1b}[2J\u{1b}]8;;http://x\u{7}\u{202e}/Get-CcCredential.txt", capture);
    let output = ccdiag(&["scan", dir.path().to_str().unwrap(), "--format", "concise"]);
    let text = stdout(&output);
    assert!(!text.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{text:?}");
    assert!(text.starts_with("evil\\u{1b}[2J"), "{text:?}");
}

/// A pack of one rule, X216, with a positive and a negative case.
fn pack() -> tempfile::TempDir {
    let pack = tempfile::tempdir().unwrap();
    write(
        pack.path(),
        "X216.yaml",
        "id: X216\nname: wim-left-mounted\ntitle: A Windows image is left mounted\nseverity: error\n\
         sources: [ps_error]\ndocs: {what: w, why: y}\ndetection:\n  sel:\n    message|contains: '0xc1550115'\n  \
         condition: sel\nevidence:\n  fields: [command]\nremediation:\n  - text: Clean up.\n    command: Dism.exe /Cleanup-Wim\n",
    );
    let case =
        |kind: &str, name: &str| std::fs::read(Path::new(FIXTURES).join("CCE216").join(kind).join(name)).unwrap();
    write(
        pack.path(),
        "fixtures/X216/positive/mounted/upgrade.txt",
        case("positive", "console-utf16-no-bom/upgrade.txt"),
    );
    write(pack.path(), "fixtures/X216/negative/clean/upgrade.txt", case("negative", "clean-dismount/upgrade.txt"));
    pack
}

#[test]
fn rules_test_checks_the_captures_a_case_expects() {
    let pack = pack();
    let dir = pack.path().to_str().unwrap();
    let output = ccdiag(&["rules", "test", dir]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));

    write(pack.path(), "fixtures/X216/positive/mounted/captures", "command: Dismount-WindowsImage\n");
    let output = ccdiag(&["rules", "test", dir]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));

    write(pack.path(), "fixtures/X216/positive/mounted/captures", "command: Mount-WindowsImage\nvm: CMS\n");
    let output = ccdiag(&["rules", "test", dir]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("FAIL X216"), "{text}");
    assert!(
        text.contains("expected `command` captured as `Mount-WindowsImage`; got `Dismount-WindowsImage`"),
        "{text}"
    );
    assert!(text.contains("expected `vm` captured as `CMS`; no evidence captured `vm`"), "{text}");
}

#[test]
fn rules_test_fails_on_a_snapshot_that_differs_or_is_broken() {
    let pack = pack();
    let dir = pack.path().to_str().unwrap();
    let snapshot = pack.path().join("fixtures/X216/finding.text.snap");
    let header = "---\nsource: tests/rule_fixtures.rs\n---\n";
    write(
        pack.path(),
        "fixtures/X216/finding.text.snap",
        format!("{header}ERROR X216 wim-left-mounted: something else\n"),
    );
    let output = ccdiag(&["rules", "test", dir]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains(
            "finding.text.snap differs at line 1: snapshot `ERROR X216 wim-left-mounted: something else`, \
             finding `ERROR X216 wim-left-mounted: A Windows image is left mounted`"
        ),
        "{}",
        stdout(&output)
    );

    std::fs::write(&snapshot, "ERROR X216 with no header\n").unwrap();
    let output = ccdiag(&["rules", "test", dir]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("finding.text.snap: broken snapshot"), "{}", stdout(&output));

    // The finding as `ccdiag rules test` renders it is what a snapshot must hold.
    let engine = ccdiag::engine::Engine::new({
        let mut set = ccdiag::rules::load::built_in().unwrap();
        set.extend(ccdiag::rules::load::from_dir(pack.path()).unwrap());
        set
    })
    .unwrap();
    let case = pack.path().join("fixtures/X216/positive/mounted");
    let report = ccdiag::report::Report::build(&engine, ccdiag::ruletest::scan_case(&engine, &case));
    let finding = report.findings.iter().find(|f| f.rule_id == "X216").unwrap();
    std::fs::write(&snapshot, format!("{header}{}", ccdiag::report::text::render_finding(finding, false))).unwrap();
    let output = ccdiag(&["rules", "test", dir]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn signatures_leave_out_bare_words_numbers_and_fact_names() {
    let output = ccdiag(&["rules", "signatures"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    for left in ["False", "Error", "Common", "304", "20006", "REPLICA", "...", "user_sessions_over_limit"] {
        assert!(!lines.contains(&left), "{left} matches everywhere or nowhere");
    }
    for kept in ["0xc1550115", "CannotRecover", "Remove-VMSwitch", "Key not valid for use in specified state"] {
        assert!(lines.contains(&kept), "{kept}");
    }
    assert!(lines.iter().all(|l| ccdiag::engine::compile::is_signature(l)));
}

#[test]
fn html_evidence_shows_its_captured_fields_wraps_and_does_not_look_like_a_link() {
    let case = Path::new(FIXTURES).join("CCE211/positive/certutil-store-cms");
    let now = std::fs::read_to_string(case.join("now")).unwrap();
    let output =
        ccdiag(&["scan", case.to_str().unwrap(), "--format", "html", "--now", now.trim(), "--fail-on", "never"]);
    let html = stdout(&output);
    let evidence = html.split("<div class=\"evidence\">").nth(1).unwrap().split("</div>").next().unwrap();
    assert!(evidence.contains("<dt>not_after</dt><dd>2027-01-14T09:40:00</dd>"), "{evidence}");
    assert!(evidence.contains("<dt>subject</dt><dd>CN=CMS.cce.contoso.local</dd>"), "{evidence}");
    assert!(html.contains(".evidence pre { white-space: pre-wrap; overflow-wrap: anywhere; }"));
    assert!(html.contains(
        ".evidence .where { display: block; margin-bottom: 0.25rem; font-size: 0.85rem; color: var(--muted); }"
    ));
    assert!(!evidence.contains("<a "), "a location is no link: {evidence}");
}

#[test]
fn not_applicable_and_explain_name_what_to_collect() {
    let dir = tempfile::tempdir().unwrap();
    let ini = std::fs::read(Path::new(EXAMPLE).join("Appliance/CloudConnector.ini")).unwrap();
    write(dir.path(), "CloudConnector.ini", ini);
    let output = ccdiag(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    let report = json_of(&output);
    let cce102 = report["outcomes"].as_array().unwrap().iter().find(|o| o["rule_id"] == "CCE102").unwrap();
    assert_eq!(cce102["status"], "not_applicable");
    assert_eq!(cce102["reason"], "needs Get-VM output from the host (host\\Get-VM.json)");
    let output = ccdiag(&["rules", "explain", "CCE102"]);
    assert!(stdout(&output).contains("\nCollect: Get-VM output from the host (host\\Get-VM.json)\n"));
}
