//! Several hosts in one run: each path argument, each bundle of a `--hosts` folder and each
//! bundle of a folder of whole bundles is one host, diagnosed with its own facts; paths are
//! shown from each host's root; the fleet summary comes first in every format; the exit code is
//! the worst host's.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{EXAMPLE, ccdiag_in, json_of};

const COLLECTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bundles/collected");
const HEALTHY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/healthy");

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A zip of the folder's files, named as in the folder.
fn zip_dir(from: &Path, to: &Path) {
    let mut writer = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let name = entry.path().strip_prefix(from).unwrap().to_string_lossy().replace('\\', "/");
            writer.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut writer, &std::fs::read(entry.path()).unwrap()).unwrap();
        }
    }
    writer.finish().unwrap();
}

fn rule_ids(findings: &Value) -> Vec<&str> {
    findings.as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect()
}

fn host<'a>(report: &'a Value, root: &str) -> &'a Value {
    report["hosts"].as_array().unwrap().iter().find(|h| h["root"] == root).unwrap_or_else(|| panic!("no host {root}"))
}

/// `a` (the example bundle: CCE201 among others, from its own CloudConnector.ini) and `b` (the
/// collected bundle, whose CloudConnector.ini gives the VMs other addresses).
fn two_bundles() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(EXAMPLE), &dir.path().join("a"));
    copy_dir(Path::new(COLLECTED), &dir.path().join("b"));
    dir
}

#[test]
fn two_bundles_are_two_hosts_and_a_finding_on_one_alone_stays() {
    let dir = two_bundles();
    let output = ccdiag_in(dir.path(), &["scan", "a", "b", "--format", "json", "--no-config"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output);
    let roots: Vec<&str> = report["hosts"].as_array().unwrap().iter().map(|h| h["root"].as_str().unwrap()).collect();
    assert_eq!(roots, ["a", "b"], "worst host first");
    assert_eq!(rule_ids(&host(&report, "a")["findings"]), ["CCE201", "CCE213", "CCE215", "SFB008"]);
    assert_eq!(rule_ids(&host(&report, "b")["findings"]), ["CCE222"]);
    assert_eq!(host(&report, "a")["host"]["machines"], serde_json::json!(["CCE-HOST01"]));
    // The top-level arrays hold every host's entries, each naming its host.
    let top: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["host_root"].as_str().unwrap(), f["rule_id"].as_str().unwrap()))
        .collect();
    assert_eq!(top, [("a", "CCE201"), ("a", "CCE213"), ("a", "CCE215"), ("a", "SFB008"), ("b", "CCE222")]);

    // The same two bundles read as one host: b's CloudConnector.ini stands in for a's, and
    // CCE201, which only a's facts show, is gone. This is what one host per bundle prevents.
    std::fs::create_dir(dir.path().join("one")).unwrap();
    std::fs::rename(dir.path().join("a"), dir.path().join("one/a")).unwrap();
    std::fs::rename(dir.path().join("b"), dir.path().join("one/b")).unwrap();
    std::fs::write(dir.path().join("one/notes.txt"), "a file of its own: one bundle, not a folder of bundles").unwrap();
    let merged = json_of(&ccdiag_in(dir.path(), &["scan", "one", "--format", "json", "--no-config"], &[]));
    assert!(merged.get("hosts").is_none(), "one host: no hosts[]");
    assert!(!rule_ids(&merged["findings"]).contains(&"CCE201"));
}

#[test]
fn identical_relative_paths_of_two_hosts_are_told_apart() {
    let dir = two_bundles();
    let report = json_of(&ccdiag_in(dir.path(), &["scan", "a", "b", "--format", "json", "--no-config"], &[]));
    let paths: Vec<&str> = report["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    let mut unique = paths.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), paths.len(), "every input path once: {paths:?}");
    for both in ["Appliance/CloudConnector.ini", "ManagementService/CceManagementService.log"] {
        assert!(paths.contains(&format!("a/{both}").as_str()) && paths.contains(&format!("b/{both}").as_str()));
    }
    for entry in report["hosts"].as_array().unwrap() {
        let root = format!("{}/", entry["root"].as_str().unwrap());
        for input in entry["inputs"].as_array().unwrap() {
            assert!(input["path"].as_str().unwrap().starts_with(&root), "{input} under {root}");
        }
        for finding in entry["findings"].as_array().unwrap() {
            for evidence in finding["evidence"].as_array().unwrap() {
                assert!(evidence["path"].as_str().unwrap().starts_with(&root));
            }
        }
    }
    // Text and Markdown show the same paths.
    let text = ccdiag_in(dir.path(), &["scan", "a", "b", "--no-config"], &[]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("a/cmdlets/Get-VMNetworkAdapter.txt:5"));
    assert!(
        text.contains("  b/Appliance/CloudConnector.ini  [") && text.contains("  a/Appliance/CloudConnector.ini  [")
    );
}

#[test]
fn a_hosts_folder_of_zips_and_folders_gives_one_host_each() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    std::fs::create_dir(&fleet).unwrap();
    zip_dir(Path::new(EXAMPLE), &fleet.join("cce1.zip"));
    copy_dir(Path::new(COLLECTED), &fleet.join("cce2"));
    std::fs::write(fleet.join("readme.txt"), "not a host").unwrap();
    let output = ccdiag_in(dir.path(), &["scan", "--hosts", "fleet", "--format", "json", "--no-config"], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("fleet/readme.txt: neither a folder nor a .zip"), "{stderr}");
    let report = json_of(&output);
    assert_eq!(rule_ids(&host(&report, "fleet/cce1.zip")["findings"]), ["CCE201", "CCE213", "CCE215", "SFB008"]);
    assert_eq!(rule_ids(&host(&report, "fleet/cce2")["findings"]), ["CCE222"]);
    let evidence = &host(&report, "fleet/cce1.zip")["findings"][0]["evidence"][0]["path"];
    assert_eq!(evidence, "fleet/cce1.zip/cmdlets/Get-VMNetworkAdapter.txt");
    assert_eq!(report["hosts"].as_array().unwrap().len(), 2);
}

#[test]
fn a_folder_of_whole_bundles_is_a_fleet_without_being_told() {
    let dir = two_bundles();
    std::fs::create_dir(dir.path().join("site")).unwrap();
    std::fs::rename(dir.path().join("a"), dir.path().join("site/a")).unwrap();
    std::fs::rename(dir.path().join("b"), dir.path().join("site/b")).unwrap();
    let report = json_of(&ccdiag_in(dir.path(), &["scan", "site", "--format", "json", "--no-config"], &[]));
    let roots: Vec<&str> = report["hosts"].as_array().unwrap().iter().map(|h| h["root"].as_str().unwrap()).collect();
    assert_eq!(roots, ["site/a", "site/b"]);
    // One bundle's own parts are never taken for bundles.
    let one = json_of(&ccdiag_in(dir.path(), &["scan", "site/a", "--format", "json", "--no-config"], &[]));
    assert!(one.get("hosts").is_none());
}

#[test]
fn the_exit_code_is_the_worst_hosts() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(HEALTHY), &dir.path().join("healthy"));
    copy_dir(Path::new(COLLECTED), &dir.path().join("warned"));
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let code = |args: &[&str]| {
        let mut all = vec!["scan", "--no-config"];
        all.extend_from_slice(args);
        ccdiag_in(dir.path(), &all, &[]).status.code()
    };
    assert_eq!(code(&["healthy"]), Some(0));
    assert_eq!(code(&["healthy", "warned"]), Some(1), "CCE222 is a warning, at --fail-on warning");
    assert_eq!(code(&["healthy", "warned", "--fail-on", "error"]), Some(0));
    assert_eq!(code(&["healthy", "empty"]), Some(3), "a host where nothing could be checked is no healthy host");
    assert_eq!(code(&["warned", "empty"]), Some(1), "a finding is worse than a host not checked");
    assert_eq!(code(&["warned", "empty", "--fail-on", "never"]), Some(3));
    assert_eq!(code(&["--hosts", "missing"]), Some(2));
    // A host that could not be checked ranks above a clean one: it may be anything.
    let report = json_of(&ccdiag_in(dir.path(), &["scan", "healthy", "empty", "--format", "json", "--no-config"], &[]));
    let standings: Vec<(&str, &str)> = report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["root"].as_str().unwrap(), h["standing"].as_str().unwrap()))
        .collect();
    assert_eq!(standings, [("empty", "nothing checked"), ("healthy", "no finding")]);
    assert_eq!(report["nothing_checked"], false, "true only when no host gave a record");
}

/// A host whose only input is a FIFO nobody writes to blocks inside the system call; the
/// deadline still ends the whole fleet's scan, and the report names what was not read.
#[cfg(unix)]
#[test]
fn the_deadline_holds_over_the_fleet() {
    let dir = two_bundles();
    assert!(std::process::Command::new("mkfifo").arg(dir.path().join("stuck.log")).status().unwrap().success());
    let started = std::time::Instant::now();
    let output =
        ccdiag_in(dir.path(), &["scan", "stuck.log", "a", "--format", "json", "--no-config", "--timeout", "2"], &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
    let report = json_of(&output);
    assert_eq!(report["hosts"].as_array().unwrap().len(), 2, "the report is still printed");
    let stuck = &host(&report, "stuck.log")["inputs"][0];
    assert!(stuck["problems"].to_string().contains("time limit"), "{stuck}");
}

#[test]
fn redaction_gives_a_name_one_pseudonym_on_every_host() {
    let dir = two_bundles();
    let output = ccdiag_in(dir.path(), &["scan", "a", "b", "--format", "json", "--no-config", "--redact"], &[]);
    let report = json_of(&output);
    // Both bundles come from CCE-HOST01: one machine, one pseudonym, on both hosts.
    for root in ["a", "b"] {
        assert_eq!(host(&report, root)["host"]["machines"], serde_json::json!(["host-1"]), "{root}");
    }
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.to_ascii_lowercase().contains("cce-host01"));
}

/// The fleet summary of the example and collected bundles, as the repository's checkout names
/// them.
fn fleet_output(format: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args = ["scan", "examples/cce-host-bundle", "fixtures/bundles/collected", "--no-config", "--format", format];
    String::from_utf8(ccdiag_in(root, &args, &[]).stdout).unwrap()
}

#[test]
fn fleet_summary_text() {
    let text = fleet_output("text");
    let summary = &text[..text.find("== Host 1 of 2").unwrap()];
    insta::assert_snapshot!("fleet.text", summary);
    assert!(text.contains("== Host 2 of 2: fixtures/bundles/collected =="));
}

#[test]
fn fleet_summary_markdown() {
    let markdown = fleet_output("markdown");
    let summary = &markdown[..markdown.find("# Host 1 of 2").unwrap()];
    insta::assert_snapshot!("fleet.md", summary);
    assert!(markdown.contains("# Host 2 of 2: fixtures/bundles/collected\n"));
}

#[test]
fn fleet_summary_html() {
    let page = fleet_output("html");
    let start = page.find("<header class=\"summary\">").unwrap();
    let end = page.find("<section class=\"host\"").unwrap();
    insta::assert_snapshot!("fleet.html", &page[start..end]);
    // Each host's ids carry its prefix: a matrix cell links to that host's finding.
    assert!(page.contains("href=\"#host-1-rule-CCE201\"") && page.contains("id=\"host-1-rule-CCE201\""));
    assert!(page.contains("id=\"host-2-rule-CCE222\""));
    assert_eq!(page.matches("<main>").count(), 0, "hosts are sections of one page");
}

#[test]
fn fleet_summary_json() {
    let report: Value = serde_json::from_str(&fleet_output("json")).unwrap();
    let hosts: Vec<Value> = report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            serde_json::json!({
                "root": h["root"], "standing": h["standing"], "nothing_checked": h["nothing_checked"],
                "machines": h["host"]["machines"], "findings": rule_ids(&h["findings"]),
                "inputs": h["inputs"].as_array().unwrap().len(),
            })
        })
        .collect();
    let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
    let summary = serde_json::json!({"keys": keys, "host": report["host"], "nothing_checked": report["nothing_checked"], "hosts": hosts});
    insta::assert_snapshot!("fleet.json", serde_json::to_string_pretty(&summary).unwrap());
}

#[test]
fn fleet_summary_sarif() {
    let log: Value = serde_json::from_str(&fleet_output("sarif")).unwrap();
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run per tool, as code scanning takes it");
    let results: Vec<String> = runs[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} on {}: {}",
                r["ruleId"].as_str().unwrap(),
                r["properties"]["hostRoot"].as_str().unwrap(),
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap()
            )
        })
        .collect();
    let hosts: Vec<Value> = runs[0]["properties"]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| serde_json::json!({"root": h["root"], "standing": h["standing"], "machines": h["host"]["machines"]}))
        .collect();
    let summary = serde_json::json!({"results": results, "hosts": hosts});
    insta::assert_snapshot!("fleet.sarif", serde_json::to_string_pretty(&summary).unwrap());
}

/// Concise lines of every host carry the host's root, so an editor opens the right file;
/// each host's summary and the fleet's follow them.
#[test]
fn fleet_concise() {
    let concise = fleet_output("concise");
    insta::assert_snapshot!("fleet.concise", concise);
    let lines: Vec<&str> = concise.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with("examples/cce-host-bundle/")));
    assert!(lines.iter().any(|l| l.starts_with("fixtures/bundles/collected/")));
    assert_eq!(lines.last(), Some(&"2 hosts, 2 with findings"));
}

#[test]
fn a_fleet_written_to_a_file_is_summed_up_on_stderr() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("fleet.json");
    let file_arg = file.to_str().unwrap();
    let args = [
        "scan",
        "examples/cce-host-bundle",
        "fixtures/bundles/collected",
        "--no-config",
        "--format",
        "json",
        "-o",
        file_arg,
    ];
    let output = ccdiag_in(root, &args, &[]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("2 hosts, 2 with findings: "), "{stderr}");
    assert!(stderr.trim_end().ends_with(&format!("report written to {file_arg}")), "{stderr}");
    assert!(file.exists());
}
