//! `ccdiag rules export --format sigma` and the records it reads (`ccdiag records`): every rule
//! exported or listed with its reason, ids that never change, and rule text from a pack of
//! unknown origin that stays text in the YAML written. The tools that read the rules (sigma
//! check, sigma convert, the backends) run in scripts/sigma-check.sh.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{FIXTURES, ccdiag, engine, write};

/// `rules export` into `dir` (with `extra` arguments); its printed summary.
fn export(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["rules", "export", "--format", "sigma", "--output", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = ccdiag(&args);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// A written YAML file, read back as a generic value: what the YAML says, not what it looks like.
fn yaml(path: &Path) -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_rule_and_kind_is_exported_or_listed_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let summary = export(dir.path(), &[]);
    let engine = engine();
    let mut exported = 0;
    for rule in engine.rules() {
        let id = rule.id();
        let whole = summary.lines().find(|l| l.starts_with("not exported") && l.contains(&format!(" {id} ")));
        if let Some(line) = whole.filter(|l| l.contains("(all)")) {
            assert!(line.split("(all)").nth(1).is_some_and(|reason| reason.trim().len() > 10), "{line}");
            continue;
        }
        for kind in &rule.kinds {
            let file = format!("ccdiag_{}_{kind}.yml", id.to_lowercase());
            let line = summary
                .lines()
                .find(|l| l.contains(&format!(" {id} ")) && l.split_whitespace().any(|w| w == kind.name()))
                .unwrap_or_else(|| panic!("{id} {kind} is neither exported nor listed:\n{summary}"));
            if line.starts_with("exported") {
                exported += 1;
                let rule_yaml = yaml(&dir.path().join("rules").join(&file));
                assert_eq!(rule_yaml["logsource"]["product"], "ccdiag");
                assert_eq!(rule_yaml["logsource"]["service"], kind.name());
                assert!(line.ends_with(rule_yaml["id"].as_str().unwrap()), "{line}");
            } else {
                assert!(!dir.path().join("rules").join(&file).exists(), "{file} written but listed as not exported");
                assert!(line.split(kind.name()).nth(1).is_some_and(|reason| reason.trim().len() > 10), "{line}");
            }
        }
    }
    let written = std::fs::read_dir(dir.path().join("rules")).unwrap().count();
    assert_eq!(written, exported, "one file per exported rule and kind, no other");
    assert!(exported >= 10, "the error rules export: {summary}");
    // What needs other inputs is never exported, whatever its detection.
    for (id, why) in
        [("CCE103", "derived facts"), ("CCE101", "fact tables"), ("CCE105", "version"), ("CCE205", "ha_site")]
    {
        let line = summary.lines().find(|l| l.contains(&format!(" {id} "))).unwrap();
        assert!(line.starts_with("not exported") && line.contains(why), "{line}");
    }
    for pipeline in ["ccdiag.yml", "kusto.yml", "splunk.yml", "esql.yml"] {
        assert!(yaml(&dir.path().join("pipelines").join(pipeline))["name"].is_string(), "{pipeline}");
    }
}

#[test]
fn ids_are_uuidv5_of_rule_and_kind_and_never_change() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), &[]);
    let rule = yaml(&dir.path().join("rules/ccdiag_cce213_ps_error.yml"));
    // uuid.uuid5(uuid.UUID("c178aa85-ceb8-53fb-98f5-b827debd4781"), "CCE213/ps_error") in Python:
    // platforms track alerts by this id, so it is written here, not computed.
    assert_eq!(rule["id"], "7b588dc3-f499-5ae9-a5a7-3160f80045ec");
    let again = tempfile::tempdir().unwrap();
    export(again.path(), &[]);
    for entry in std::fs::read_dir(dir.path().join("rules")).unwrap() {
        let entry = entry.unwrap();
        let twin = std::fs::read(again.path().join("rules").join(entry.file_name())).unwrap();
        assert_eq!(
            std::fs::read(entry.path()).unwrap(),
            twin,
            "{:?}: the same pack exports the same bytes",
            entry.file_name()
        );
    }
}

#[test]
fn a_stale_rule_of_an_earlier_export_is_removed_and_other_files_kept() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rules/ccdiag_x999_text.yml", "title: gone\n");
    write(dir.path(), "rules/notes.txt", "mine\n");
    export(dir.path(), &[]);
    assert!(!dir.path().join("rules/ccdiag_x999_text.yml").exists());
    assert!(dir.path().join("rules/notes.txt").exists());
}

/// Rule text built to break out of a YAML string: quotes, a line break that starts a key, a
/// comment, an anchor, a tag, a flow map, bidi controls, Sigma wildcards and escapes.
const HOSTILE_TITLE: &str = "x\" \n\"falsepositives\": \"none\"\n# &a !!python/object {k: v} \u{202E}'";

#[test]
fn text_from_an_untrusted_pack_stays_one_string() {
    let pack = tempfile::tempdir().unwrap();
    // A JSON string is a YAML double-quoted one; the bidi control as an escape, since a rule
    // file may not hold it raw.
    let title_yaml = serde_json::to_string(HOSTILE_TITLE).unwrap().replace('\u{202E}', "\\u202E");
    write(
        pack.path(),
        "X001.yaml",
        format!(
            "id: X001\nname: hostile\ntitle: {title_yaml}\nseverity: info\nsources: [ps_error]\n\
             docs: {{what: \"w: x\\n- y\", why: \"#z\"}}\ndetection:\n  sel:\n    \
             message|contains: [\"a*b?c\\\\d\", \"\\\"q\\\": 'r'\"]\n  condition: sel\n\
             remediation:\n  - text: fix\n"
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), &["--rules", pack.path().to_str().unwrap()]);
    let path = dir.path().join("rules/ccdiag_x001_ps_error.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains('\u{202E}') && !text.contains("\n\"falsepositives\""), "{text}");
    let rule = yaml(&path);
    assert_eq!(rule["title"], format!("{HOSTILE_TITLE} (ps_error)"));
    assert_eq!(rule["level"], "low", "info is low, and the title set nothing");
    let keys: Vec<&str> = rule.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["title", "id", "status", "description", "author", "logsource", "detection", "fields", "level"]);
    // Folded (lower case, no white space), and Sigma's wildcards and escape escaped.
    assert_eq!(rule["detection"]["sel"]["folded.message|contains"], serde_json::json!(["a\\*b\\?c\\\\d", "\"q\":'r'"]));
}

#[test]
fn records_carry_host_provenance_folded_text_and_the_rules_that_select_them() {
    let case = Path::new(FIXTURES).join("CCE213/positive/listed-error");
    let output = ccdiag(&["records", case.to_str().unwrap(), "--host", "CCE-HOST01"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let records: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let selected: Vec<&Value> = records.iter().filter(|r| r["selected_by"] == serde_json::json!(["CCE213"])).collect();
    assert_eq!(selected.len(), 1, "the error record, and nothing else");
    let record = selected[0];
    assert_eq!(record["host"], "CCE-HOST01");
    assert_eq!((record["kind"].as_str(), record["provenance"].as_str()), (Some("ps_error"), Some("output")));
    let id = record["fields"]["fully_qualified_error_id"].as_str().unwrap();
    let folded = record["folded"]["fully_qualified_error_id"].as_str().unwrap();
    assert_eq!(folded, id.to_lowercase().split_whitespace().collect::<String>());
    assert!(record["folded_any"].as_str().unwrap().contains(&format!(" {folded} ")));
    for record in &records {
        assert!(record["selected_by"].is_array() && record["path"].is_string() && record["line"].is_u64());
    }
}
