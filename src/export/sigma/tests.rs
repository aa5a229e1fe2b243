use super::*;
use crate::rules::{Origin as RuleOrigin, load};

/// A rule reading `sources` with `detection` (YAML lines under `detection:`), exported.
fn export_one(sources: &str, detection: &str) -> Export {
    let yaml = format!(
        "id: X001\nname: x\ntitle: t\nseverity: warning\nsources: [{sources}]\ndocs: {{what: w, why: y}}\n\
         detection:\n{detection}\nremediation:\n  - text: fix\n"
    );
    let rule = load::parse_rule("x.yaml", &yaml, RuleOrigin::BuiltIn).unwrap();
    let engine = Engine::new([("X001".to_owned(), rule)].into_iter().collect()).unwrap();
    export(&engine)
}

fn reason(export: &Export, kind: RecordKind) -> &str {
    &export.not_exported.iter().find(|n| n.kind == Some(kind)).expect("listed").reason
}

#[test]
fn equality_also_names_each_cut_of_the_value_a_table_may_show() {
    assert_eq!(equal_texts(&["rtcsrv".to_owned()]), ["rtcsrv", "rtc...", "rtcs...", "rtcsr...", "rtcsrv..."]);
    // Cuts fall on characters, never inside one, and not before three bytes.
    assert_eq!(equal_texts(&["\u{e4}\u{e4}x".to_owned()]), ["\u{e4}\u{e4}x", "\u{e4}\u{e4}...", "\u{e4}\u{e4}x..."]);
    assert_eq!(equal_texts(&["ab".to_owned()]), ["ab"]);
}

#[test]
fn the_any_field_is_read_between_the_spaces_that_bound_each_field() {
    let export = export_one(
        "text",
        "  sel:\n    any|startswith: Get-Cs\n  other:\n    any|endswith: 'Failed.'\n  condition: sel or other",
    );
    let text = &export.rules[0].text;
    assert!(text.contains("\"folded_any|contains\":\n      - \" get-cs\""), "{text}");
    assert!(text.contains("- \"failed. \""), "{text}");
    assert!(text.contains("\"condition\": \"ccdiag_provenance and (sel or other)\""), "{text}");
}

#[test]
fn what_the_kind_decides_is_folded_into_the_condition() {
    let export = export_one(
        "ps_error, cce_log",
        "  sel_error:\n    kind: ps_error\n    message|contains: boom\n  sel_log:\n    kind: cce_log\n    \
         message|contains: bang\n  condition: sel_error or sel_log",
    );
    let by_kind = |kind: RecordKind| &export.rules.iter().find(|r| r.kind == kind).unwrap().text;
    assert!(by_kind(RecordKind::PsError).contains("ccdiag_provenance and sel_error\""));
    assert!(!by_kind(RecordKind::PsError).contains("sel_log"));
    assert!(by_kind(RecordKind::CceLog).contains("ccdiag_provenance and sel_log\""));
}

#[test]
fn a_part_a_query_cannot_say_stops_the_export_even_where_leaving_it_out_only_misses() {
    let export =
        export_one("ps_object", "  sel:\n    Name: x\n  newer:\n    Version|gte: '2.0'\n  condition: sel or newer");
    assert!(export.rules.is_empty());
    assert!(reason(&export, RecordKind::PsObject).starts_with("newer: `Version|gte` compares numbers or versions"));
    let negated =
        export_one("ps_object", "  sel:\n    Name: x\n  here:\n    path|contains: a\n  condition: sel and not here");
    assert!(reason(&negated, RecordKind::PsObject).contains("input's path"));
}

#[test]
fn a_regex_reads_the_field_as_written_only_where_the_kind_fixes_its_name() {
    let fixed = export_one("ps_error", "  sel:\n    TARGET|re: '^a'\n  condition: sel");
    assert!(fixed.rules[0].text.contains("\"fields.target|re\""), "the name records give it");
    let open = export_one("ps_object", "  sel:\n    Name|re: '^a'\n  condition: sel");
    assert!(reason(&open, RecordKind::PsObject).contains("vary in case"));
}

#[test]
fn a_selection_that_only_captures_is_the_record_having_a_field() {
    let export = export_one(
        "ps_error",
        "  sel:\n    message|contains: boom\n  opt:\n    - message|re: '(?P<what>b.)'\n    - any|exists: true\n  \
         condition: sel and opt",
    );
    let text = &export.rules[0].text;
    assert!(text.contains("\"opt\":\n    \"folded_any|exists\": true"), "{text}");
}

#[test]
fn ids_are_version_5_of_the_rule_and_kind() {
    let id = rule_uuid("CCE213", RecordKind::PsError);
    assert_eq!(id.get_version_num(), 5);
    assert_eq!(id, Uuid::new_v5(&NAMESPACE, b"CCE213/ps_error"));
    assert_ne!(id, rule_uuid("CCE213", RecordKind::CceLog));
    assert_eq!(file_name("a/B.c", RecordKind::Text), "ccdiag_a_b_c_text.yml");
}
