use super::*;
use crate::rules::load;

fn engine() -> Engine {
    Engine::new(load::built_in().unwrap()).unwrap()
}

fn parse(text: &str) -> Result<Config, Box<ConfigError>> {
    Config::parse("ccdiag.toml", text, &engine())
}

/// The error a config gives: its message, the line its label points at, and its help.
fn error(text: &str) -> (String, Option<u32>, String) {
    let e = parse(text).expect_err("the config is refused");
    let line = e.span.map(|s| u32::try_from(text[..s.offset()].matches('\n').count() + 1).unwrap());
    (e.message, line, e.help.unwrap_or_default())
}

const FULL: &str = r#"# a comment
[rules]
select = ["CCE", "sfb008"]
ignore = ["auto-update-disabled"]

[settings.certificate-expiring]
warning_days = 30

[[suppress]]
rule = "CCE101"
where = { Name = ["RTCSRV", "RTCMEDSRV"], PSComputerName = "MS1" }
reason = "MS1 is being rebuilt (change 4711)"

[[suppress]]
rule = "CCE211"
where = { thumbprint = "3F2A0C" }
reason = "  renewed  "
expires = 2027-03-01
"#;

#[test]
fn a_full_config_reads_with_the_lines_it_was_written_on() {
    let config = parse(FULL).unwrap();
    let select: Vec<(&str, &str)> =
        config.select.as_ref().unwrap().iter().map(|s| (s.text.as_str(), s.origin.as_str())).collect();
    assert_eq!(select, [("CCE", "ccdiag.toml:3"), ("sfb008", "ccdiag.toml:3")]);
    assert_eq!(config.ignore[0].text, "auto-update-disabled");
    assert_eq!(config.settings().collect::<Vec<_>>(), [("CCE211", "warning_days", 30, 7)]);
    let [service, certificate] = &config.suppressions[..] else { panic!("two suppressions") };
    let engine = engine();
    assert_eq!(engine.rules()[service.suppression.rule].id(), "CCE101");
    assert_eq!(service.suppression.line, 9);
    assert_eq!(service.suppression.fields[0], ("Name".to_owned(), vec!["rtcsrv".to_owned(), "rtcmedsrv".to_owned()]));
    assert_eq!(service.ends, None);
    assert_eq!(certificate.suppression.reason, "renewed");
    assert_eq!(certificate.suppression.expires.as_deref(), Some("2027-03-01"));
    assert_eq!(certificate.ends, crate::time::parse("2027-03-02T00:00:00Z"));
}

#[test]
fn unknown_keys_are_errors_naming_the_nearest() {
    let (message, line, help) = error("[rules]\nselect = []\n[supress]\n");
    assert_eq!((message.as_str(), line), ("ccdiag.toml: unknown key `supress` in the file", Some(3)));
    assert!(help.starts_with("did you mean `suppress`?"), "{help}");
    let (message, line, help) = error("[rules]\n\nignor = [\"CCE207\"]\n");
    assert_eq!((message.as_str(), line), ("ccdiag.toml: unknown key `ignor` in [rules]", Some(3)));
    assert!(help.starts_with("did you mean `ignore`?"), "{help}");
    let (message, line, _) = error("[[suppress]]\nrule = \"CCE211\"\nreason = \"x\"\nexpire = \"2027-01-01\"\n");
    assert_eq!((message.as_str(), line), ("ccdiag.toml: unknown key `expire` in [[suppress]]", Some(4)));
}

#[test]
fn selectors_must_match_a_rule() {
    let (message, line, help) = error("[rules]\nignore = [\n  \"CCE207\",\n  \"vm-not-runing\",\n]\n");
    assert_eq!(
        (message.as_str(), line),
        ("ccdiag.toml: `vm-not-runing` matches no rule (by id, name or id prefix)", Some(4))
    );
    assert!(help.starts_with("did you mean `vm-not-running`?"), "{help}");
    let (message, _, _) = error("[rules]\nselect = \"CCE\"\n");
    assert!(message.contains("`select` is a list"), "{message}");
    let (message, _, _) = error("[rules]\nselect = [3]\n");
    assert!(message.contains("an item of `select` is a string, not a number"), "{message}");
}

#[test]
fn only_settings_that_exist_are_taken_and_within_their_range() {
    let (message, line, help) = error("[settings.CCE211]\nwarning_day = 30\n");
    assert_eq!((message.as_str(), line), ("ccdiag.toml: unknown key `warning_day` in [settings.CCE211]", Some(2)));
    assert!(help.starts_with("did you mean `warning_days`?"), "{help}");
    let (message, _, help) = error("[settings.CCE212]\nwarning_days = 30\n");
    assert_eq!(
        (message.as_str(), help.as_str()),
        ("ccdiag.toml: CCE212 has no settings", "rules with settings: `CCE211`")
    );
    let (message, _, help) = error("[settings.CCE2111]\nwarning_days = 30\n");
    assert_eq!(message, "ccdiag.toml: no rule has the id or name `CCE2111`");
    assert!(help.starts_with("did you mean `CCE211`?"), "{help}");
    for bad in ["-1", "3651", "\"30\"", "30.5"] {
        let (message, _, _) = error(&format!("[settings.CCE211]\nwarning_days = {bad}\n"));
        assert_eq!(message, "ccdiag.toml: `warning_days` is a whole number from 0 to 3650", "{bad}");
    }
    let config = parse("[settings.CCE211]\nwarning_days = 0\n").unwrap();
    assert_eq!(config.settings().next().map(|s| s.2), Some(0));
}

#[test]
fn a_suppression_needs_a_rule_a_reason_and_fields_the_rule_captures() {
    let (message, line, _) = error("[[suppress]]\nrule = \"CCE211\"\nwhere = { thumbprint = \"AB\" }\n");
    assert_eq!((message.as_str(), line), ("ccdiag.toml: this suppression has no `reason`", Some(1)));
    let (message, line, _) = error("\n[[suppress]]\nreason = \"why\"\n");
    assert_eq!((message.as_str(), line), ("ccdiag.toml: this suppression has no `rule`", Some(2)));
    let (message, line, _) = error("[[suppress]]\nrule = \"CCE211\"\nreason = \"  \"\n");
    assert_eq!((message.as_str(), line), ("ccdiag.toml: the reason is empty", Some(3)));
    let (message, line, help) =
        error("[[suppress]]\nrule = \"CCE211\"\nwhere = { thumbprnt = \"AB\" }\nreason = \"x\"\n");
    assert_eq!((message.as_str(), line), ("ccdiag.toml: CCE211's evidence has no field `thumbprnt` to match", Some(3)));
    assert!(help.starts_with("did you mean `thumbprint`? CCE211 captures `subject`"), "{help}");
    let (message, _, help) = error("[[suppress]]\nrule = \"CCE2\"\nreason = \"x\"\n");
    assert_eq!(message, "ccdiag.toml: no rule has the id or name `CCE2`");
    assert!(help.contains("names one rule"), "{help}");
    let (message, _, _) = error("[[suppress]]\nrule = \"CCE211\"\nwhere = { thumbprint = [] }\nreason = \"x\"\n");
    assert_eq!(message, "ccdiag.toml: an empty list matches nothing");
    let (message, _, _) = error("suppress = { rule = \"CCE211\" }\n");
    assert!(message.contains("write each as [[suppress]]"), "{message}");
    // Named regex groups are fields too (CCE203 captures the switch).
    parse("[[suppress]]\nrule = \"management-switch-in-use\"\nwhere = { SWITCH = \"x\" }\nreason = \"x\"\n").unwrap();
}

#[test]
fn expires_is_a_day_that_exists() {
    for bad in ["\"2027-02-30\"", "\"2027-3-1\"", "\"01.03.2027\"", "2027-03-01T10:00:00Z", "20270301"] {
        let (message, line, _) = error(&format!("[[suppress]]\nrule = \"CCE211\"\nreason = \"x\"\nexpires = {bad}\n"));
        assert_eq!((message.as_str(), line), ("ccdiag.toml: `expires` is a day written YYYY-MM-DD", Some(4)), "{bad}");
    }
    let config = parse("[[suppress]]\nrule = \"CCE211\"\nreason = \"x\"\nexpires = \"2028-02-29\"\n").unwrap();
    assert_eq!(config.suppressions[0].ends, crate::time::parse("2028-03-01T00:00:00Z"));
}

#[test]
fn broken_toml_and_characters_that_act_on_a_terminal_are_refused() {
    let (message, line, _) = error("[rules]\nselect = [\"CCE\"\n");
    assert!(message.starts_with("ccdiag.toml: not valid TOML:"), "{message}");
    assert!(line.is_some());
    let e = parse("[[suppress]]\nrule = \"CCE211\"\nreason = \"a\u{1b}[2J\"\n").unwrap_err();
    assert_eq!(
        e.message,
        "ccdiag.toml: line 3, column 12: U+001B is not allowed in a config file (control and bidi characters are not text)"
    );
    assert!(e.span.is_none() && e.source_code.inner().is_empty(), "no line of it is printed");
    assert!(parse("[[suppress]]\nrule = \"CCE211\"\nreason = \"x\u{202E}y\"\n").is_err());
}

#[test]
fn the_command_line_select_replaces_the_config_and_its_ignore_adds() {
    let engine = engine();
    let config = parse("[rules]\nselect = [\"CCE2\"]\nignore = [\"CCE211\"]\n").unwrap();
    let running = |cli: Choice| -> Vec<String> {
        let chosen = chosen(&engine, Some(&config), &cli).unwrap();
        engine.rules().iter().zip(chosen).filter(|(_, c)| c.is_none()).map(|(r, _)| r.id().to_owned()).collect()
    };
    let from_config = running(Choice::default());
    assert_eq!(from_config.len(), 21, "CCE201 to CCE222 but CCE211: {from_config:?}");
    assert!(!from_config.contains(&"CCE211".to_owned()));
    let ignoring = running(Choice { select: vec![], ignore: vec!["CCE20".into()] });
    assert_eq!(
        ignoring,
        ["CCE210", "CCE212", "CCE213", "CCE214", "CCE215", "CCE216", "CCE217", "CCE218", "CCE219"]
            .iter()
            .chain(&["CCE220", "CCE221", "CCE222"])
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        running(Choice { select: vec!["CCE211".into(), "SFB008".into()], ignore: vec![] }),
        ["CCE211", "SFB008"]
    );
    let chosen = chosen(&engine, Some(&config), &Choice::default()).unwrap();
    let cce101 = engine.rules().iter().position(|r| r.id() == "CCE101").unwrap();
    assert_eq!(chosen[cce101].as_deref(), Some("not selected by `CCE2` (ccdiag.toml:2)"));
    let err = super::chosen(&engine, None, &Choice { select: vec!["CCX".into()], ignore: vec![] }).unwrap_err();
    assert_eq!(err.to_string(), "`--select CCX` matches no rule (by id, name or id prefix)");
}

#[test]
fn configure_sets_settings_and_drops_expired_suppressions_with_a_warning() {
    let mut engine = engine();
    let config = parse(FULL).unwrap();
    let before_the_end = crate::time::parse("2027-03-01T23:59:59Z").unwrap();
    let warnings = configure(&mut engine, Some(&config), &Choice::default(), before_the_end).unwrap();
    assert!(warnings.is_empty());
    assert_eq!(engine.suppressions().len(), 2);
    assert_eq!(engine.settings().certificate_warning_days, 30);
    let next_day = crate::time::parse("2027-03-02T00:00:00Z").unwrap();
    let warnings = configure(&mut engine, Some(&config), &Choice::default(), next_day).unwrap();
    assert_eq!(
        warnings,
        ["ccdiag.toml:14: the suppression of CCE211 expired on 2027-03-01 and no longer applies (reason: renewed)"]
    );
    assert_eq!(engine.suppressions().len(), 1);
    let cce207 = engine.rules().iter().position(|r| r.id() == "CCE207").unwrap();
    assert_eq!(engine.ignored(cce207), Some("ignored by `auto-update-disabled` (ccdiag.toml:4)"));
    // Without a config, everything runs with the defaults.
    configure(&mut engine, None, &Choice::default(), next_day).unwrap();
    assert!(engine.suppressions().is_empty() && engine.ignored(cce207).is_none());
    assert_eq!(engine.settings().certificate_warning_days, 60);
}

#[test]
fn the_nearest_file_in_or_above_the_scanned_folder_is_found() {
    let root = tempfile::tempdir().unwrap();
    let cwd = root.path();
    let write = |path: &str| {
        let path = cwd.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    };
    write("tickets/a/host/logs/x.log");
    write("tickets/a/bundle.zip");
    write("tickets/b/host/x.log");
    write("tickets/a/ccdiag.toml");
    let found = |paths: &[&str]| {
        let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        discover(&paths, cwd).map(|f| f.map(|f| shown(&f, cwd)))
    };
    let expected = Path::new("tickets").join("a").join(FILE_NAME).display().to_string();
    assert_eq!(found(&["tickets/a/host"]).unwrap().as_deref(), Some(expected.as_str()));
    assert_eq!(found(&["tickets/a/bundle.zip"]).unwrap().as_deref(), Some(expected.as_str()), "a zip's folder");
    assert_eq!(
        found(&["tickets/a/host/logs/x.log", "tickets/a/./host/../host"]).unwrap().as_deref(),
        Some(expected.as_str())
    );
    assert_eq!(found(&["tickets/b/host"]).unwrap(), None);
    assert_eq!(found(&["-"]).unwrap(), None, "stdin: the working folder");
    let err = found(&["tickets/a/host", "tickets/b/host"]).unwrap_err();
    assert!(err.to_string().contains("different ccdiag.toml files"), "{err}");
    write("ccdiag.toml");
    assert_eq!(found(&["-"]).unwrap().as_deref(), Some(FILE_NAME));
    assert_eq!(found(&["tickets/b/host"]).unwrap().as_deref(), Some(FILE_NAME), "the nearest above");
    // Outside the working folder a path is shown whole.
    let elsewhere = tempfile::tempdir().unwrap();
    assert_eq!(shown(&elsewhere.path().join(FILE_NAME), cwd), elsewhere.path().join(FILE_NAME).display().to_string());
}

/// The README's example ccdiag.toml is one the program reads.
#[test]
fn the_readme_example_reads() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    let start = readme.find("```toml\n# ccdiag.toml\n").expect("the README's example") + "```toml\n".len();
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let config = parse(example).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(config.suppressions.len(), 2);
    assert_eq!(config.settings().count(), 1);
}

#[test]
fn utf8_with_a_bom_and_utf16_are_read() {
    assert_eq!(decode(b"\xEF\xBB\xBF[rules]").as_deref(), Some("[rules]"));
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("[rules]".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    assert_eq!(decode(&utf16).as_deref(), Some("[rules]"));
    assert_eq!(decode(b"\xFF\xFF\xFFx"), None);
}
