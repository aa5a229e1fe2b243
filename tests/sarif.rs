//! `--format sarif` is valid SARIF 2.1.0: checked against the standard's JSON schema (vendored
//! in tests/data, see its README), formats included, and read back for what a code-scanning
//! viewer relies on: every rule of the pack in the driver, results pointing at their rule and at
//! the evidence.

use std::path::{Path, PathBuf};

use ccdiag::report::{Format, Report, redact};
use ccdiag::ruletest;
use serde_json::Value;

mod common;
use common::engine;

fn validator() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema file")).expect("schema JSON");
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles")
}

fn assert_valid(sarif: &str) -> Value {
    let document: Value = serde_json::from_str(sarif).expect("SARIF output is JSON");
    let validator = validator();
    let errors: Vec<String> =
        validator.iter_errors(&document).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF schema violations:\n{}", errors.join("\n"));
    document
}

fn sarif_of(path: &Path, redacted: bool) -> String {
    let engine = engine();
    let mut report = Report::build(&engine, ruletest::scan_case(&engine, path));
    if redacted {
        redact::redact(&mut report);
    }
    report.render(Format::Sarif, false)
}

fn example() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cce-host-bundle"))
}

#[test]
fn the_example_report_is_valid_sarif() {
    let document = assert_valid(&sarif_of(&example(), false));
    assert_eq!(document["version"], "2.1.0");
    assert!(document["$schema"].as_str().is_some_and(|s| s.ends_with("sarif-2.1.0.json")));
    let run = &document["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "ccdiag");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    // Every rule of the pack, fired or not, with its documentation.
    let engine = engine();
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let pack: Vec<&str> = engine.rules().iter().map(|r| r.id()).collect();
    assert_eq!(ids, pack);
    for rule in rules {
        for key in ["name", "shortDescription", "fullDescription", "help", "defaultConfiguration"] {
            assert!(!rule[key].is_null(), "{} lacks {key}", rule["id"]);
        }
        assert!(rule["help"]["markdown"].as_str().unwrap().contains("**How to fix**"));
        assert!(!rule["properties"]["tags"].as_array().unwrap().is_empty());
    }
    let cce213 = rules.iter().find(|r| r["id"] == "CCE213").unwrap();
    assert_eq!(cce213["defaultConfiguration"]["level"], "error");
    assert!(cce213["help"]["markdown"].as_str().unwrap().contains("```powershell\n   Register-CcAppliance -Local"));

    // One result per finding, pointing at its rule and its evidence.
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(result["level"], "error");
        assert_eq!(result["properties"]["count"], 1);
    }
    let cce213 = results.iter().find(|r| r["ruleId"] == "CCE213").unwrap();
    let location = &cce213["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "ManagementService/CceManagementService.log");
    assert_eq!(location["region"]["startLine"], 6);
    assert_eq!(location["region"]["endLine"], 12);
    assert!(location["region"]["snippet"]["text"].as_str().unwrap().contains("Key not valid"));

    // Coverage: the inputs are the run's artifacts, the outcomes its properties.
    assert_eq!(run["artifacts"].as_array().unwrap().len(), 6);
    let outcomes = run["properties"]["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), pack.len());
    assert!(outcomes.iter().any(|o| o["rule_id"] == "CCE204" && o["status"] == "not_applicable"));
}

/// A bundle with unreadable input and names that need percent-encoding: problems become run
/// notifications, odd paths still make valid URIs.
#[test]
fn problems_and_odd_paths_stay_valid() {
    let dir = std::env::temp_dir().join(format!("ccdiag-sarif-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("Cloud Connector #1")).unwrap();
    std::fs::write(
        dir.join("Cloud Connector #1/CceManagementService.log"),
        "CceService Error: 0 : ConvertTo-SecureString : Key not valid for use in specified state.\r\n",
    )
    .unwrap();
    std::fs::write(dir.join("blob.bin"), [0u8, 159, 146, 150, 0, 0, 1, 2, 3, 255, 0, 0]).unwrap();
    std::fs::write(dir.join("broken.ini"), "[Common\r\nState\r\n").unwrap();
    let sarif = sarif_of(&dir, false);
    let _ = std::fs::remove_dir_all(&dir);
    let document = assert_valid(&sarif);
    let run = &document["runs"][0];
    let uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone();
    assert_eq!(uri, "Cloud%20Connector%20%231/CceManagementService.log");
    let notifications = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(notifications.iter().any(|n| n["message"]["text"].as_str().unwrap().contains("binary")));
}

#[test]
fn a_redacted_report_is_valid_sarif() {
    let document = assert_valid(&sarif_of(&example(), true));
    assert_eq!(document["runs"][0]["properties"]["redacted"], true);
}

/// The check above is only worth something if the schema rejects what a careless writer emits.
#[test]
fn the_schema_catches_mistakes() {
    let good: Value = serde_json::from_str(&sarif_of(&example(), false)).unwrap();
    let validator = validator();
    assert!(validator.is_valid(&good));
    let mistakes: [(&str, Value); 4] = [
        ("/runs/0/results/0/level", "fatal".into()),
        ("/runs/0/results/0/locations/0/physicalLocation/region/startLine", 0.into()),
        ("/runs/0/tool/driver/rules/0/defaultConfiguration/level", "critical".into()),
        ("/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri", "a b\\c".into()),
    ];
    for (pointer, value) in mistakes {
        let mut bad = good.clone();
        *bad.pointer_mut(pointer).expect(pointer) = value;
        assert!(!validator.is_valid(&bad), "{pointer} was accepted");
    }
    let mut bad = good.clone();
    bad["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
    assert!(!validator.is_valid(&bad), "a result without message was accepted");
}
