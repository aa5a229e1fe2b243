//! Versions: the running bits against the scripts (CCE210), the two module.ini copies
//! (CCE209), a `Get-CcRunningVersion` that printed nothing (CCE209), and a CloudConnector
//! module loaded before an update (CCE219).

use std::collections::BTreeMap;

use super::check::{Check, Derivation, by_cc_cmdlet, fact, is_object_of, objects};
use super::{Facts, InputRecords};
use crate::parse::FileKind;
use crate::record::{RecordKind, Span};
use crate::version::Version;

pub const VERSION_MISMATCH: Check = Check {
    facts: &["version_mismatch"],
    needs: "Get-CcVersion output and a running version (Get-CcRunningVersion, module.ini)",
    // Reads the versions of host facts, which keep what they read themselves.
    reads: |_| false,
    run: version_mismatch,
};

pub const MODULE_INI_COPIES: Check = Check {
    facts: &["module_ini_copies_differ"],
    needs: "both module.ini copies (user profile and ProgramData)",
    reads: |record| record.kind == RecordKind::IniSection,
    run: module_ini_copies,
};

pub const RUNNING_VERSION_EMPTY: Check = Check {
    facts: &["running_version_empty"],
    needs: "Get-CcRunningVersion output",
    // Whether the command ran (its prompt) and whether it printed anything, errors included.
    reads: |record| record.kind == RecordKind::PsCommand || by_cc_cmdlet(record),
    run: running_version_empty,
};

pub const STALE_MODULE: Check = Check {
    facts: &["stale_module"],
    needs: "Get-Module CloudConnector output and an installed version (Get-CcVersion, module.ini)",
    reads: |record| is_object_of(record, "Get-Module"),
    run: stale_module,
};

/// CCE210: the running version differs from the version of the scripts in use.
fn version_mismatch(_: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let newest = |role| facts.versions.iter().filter(|v| v.role == role).max_by(|a, b| a.version.cmp(&b.version));
    let (Some(running), Some(script)) = (newest("running"), newest("script")) else { return };
    out.check("version_mismatch");
    if running.version == script.version {
        return;
    }
    let record = fact("version_mismatch", &running.span)
        .with("running", running.version.to_string())
        .with("running_source", running.path.clone())
        .with("script", script.version.to_string())
        .with("script_source", script.path.clone());
    out.found(running.path.clone(), record);
}

/// CCE209: the user-profile and ProgramData copies of module.ini disagree.
fn module_ini_copies(inputs: &[InputRecords<'_>], _: &Facts, out: &mut Derivation) {
    let copies: Vec<&InputRecords<'_>> = inputs.iter().filter(|i| i.kind == FileKind::ModuleIni).collect();
    let is_programdata = |path: &str| path.to_ascii_lowercase().contains("programdata");
    let Some(programdata) = copies.iter().find(|i| is_programdata(i.path)) else { return };
    let Some(profile) = copies.iter().find(|i| !is_programdata(i.path)) else { return };
    out.check("module_ini_copies_differ");
    let entries = |input: &InputRecords<'_>| -> BTreeMap<String, String> {
        input
            .records
            .iter()
            .flat_map(|section| {
                let name = section.get("section").unwrap_or_default().to_owned();
                section
                    .fields
                    .iter()
                    .skip(1)
                    .filter(|(k, _)| k != "file")
                    .map(move |(k, v)| (format!("[{name}] {k}"), v.clone()))
            })
            .collect()
    };
    let (ours, theirs) = (entries(programdata), entries(profile));
    let mut differences = Vec::new();
    for key in ours.keys().chain(theirs.keys().filter(|k| !ours.contains_key(*k))) {
        let (a, b) = (ours.get(key), theirs.get(key));
        if a != b {
            let show = |v: Option<&String>| match v {
                None => "(missing)".to_owned(),
                Some(v) if v.trim().is_empty() => "(empty)".to_owned(),
                Some(v) => v.clone(),
            };
            differences.push(format!("{key}: ProgramData {} / profile {}", show(a), show(b)));
        }
    }
    if differences.is_empty() {
        return;
    }
    let span = programdata.records.first().map(|r| r.span.clone()).unwrap_or_default();
    let record = fact("module_ini_copies_differ", &span)
        .with("programdata_path", programdata.path)
        .with("profile_path", profile.path)
        .with("differences", differences.join("; "));
    out.found(programdata.path.to_owned(), record);
}

/// CCE209: `Get-CcRunningVersion` ran and printed nothing.
fn running_version_empty(inputs: &[InputRecords<'_>], _: &Facts, out: &mut Derivation) {
    const COMMAND: &str = "Get-CcRunningVersion";
    for input in inputs {
        let printed = input.records.iter().any(|r| {
            r.kind != RecordKind::PsCommand && r.get("producer").is_some_and(|p| p.eq_ignore_ascii_case(COMMAND))
        });
        let ran = input.records.iter().find(|r| {
            r.kind == RecordKind::PsCommand && r.get("command_name").is_some_and(|c| c.eq_ignore_ascii_case(COMMAND))
        });
        if printed || ran.is_some() {
            out.check("running_version_empty");
        }
        if printed {
            continue;
        }
        let named = input.producer.is_some_and(|p| p.eq_ignore_ascii_case(COMMAND));
        let span = match (ran, named) {
            (Some(command), _) => command.span.clone(),
            (None, true) if input.records.is_empty() => Span { bytes: 0..0, first_line: 1, last_line: 1 },
            _ => continue,
        };
        out.found(input.path.to_owned(), fact("running_version_empty", &span));
    }
}

/// CCE219: the CloudConnector module loaded in a console is older than the version installed.
fn stale_module(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let Some(newest) = facts.versions.iter().max_by(|a, b| a.version.cmp(&b.version)) else { return };
    for (input, record) in objects(inputs, "Get-Module") {
        if !record.get("Name").is_some_and(|n| n.eq_ignore_ascii_case("CloudConnector")) {
            continue;
        }
        let Some(loaded) = record.get("Version").and_then(Version::parse) else { continue };
        out.check("stale_module");
        if loaded < newest.version {
            let record = fact("stale_module", &record.span)
                .with("loaded", loaded.to_string())
                .with("newest", newest.version.to_string())
                .with("newest_source", newest.path.clone());
            out.found(input.path.to_owned(), record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::check::testing::{input, line, object, run, section, values};
    use crate::record::Record;

    const NOW: &str = "2026-12-01T00:00:00Z";

    fn module_ini(version: &str) -> Vec<Record> {
        vec![section("RunningVersion", &[("Version", version)]), section("BackupVersion", &[("Version", "1.4.1.0")])]
    }

    #[test]
    fn running_bits_against_the_scripts() {
        let module = module_ini("1.4.1.0");
        for (script, fires) in [("1.4.2.0", true), ("1.4.1.0", false)] {
            let printed = [line(Some("Get-CcVersion"), script)];
            let inputs = [
                input("ProgramData/module.ini", FileKind::ModuleIni, &module),
                input("Get-CcVersion.txt", FileKind::Console, &printed),
            ];
            let out = run(&VERSION_MISMATCH, &inputs, NOW);
            assert!(out.checked.contains("version_mismatch"));
            assert_eq!(values(&out, "script"), if fires { vec![script] } else { vec![] }, "{script}");
        }
    }

    #[test]
    fn module_ini_copies_are_compared_key_by_key() {
        let (programdata, profile) = (module_ini("2.0.1.0"), module_ini("2.1.0.0"));
        let inputs = [
            input("ProgramData/module.ini", FileKind::ModuleIni, &programdata),
            input("UserProfile/module.ini", FileKind::ModuleIni, &profile),
        ];
        let out = run(&MODULE_INI_COPIES, &inputs, NOW);
        assert_eq!(values(&out, "differences"), ["[RunningVersion] Version: ProgramData 2.0.1.0 / profile 2.1.0.0"]);
        let inputs = [inputs[0].path, inputs[1].path].map(|p| input(p, FileKind::ModuleIni, &programdata));
        assert!(run(&MODULE_INI_COPIES, &inputs, NOW).derived.is_empty());
    }

    #[test]
    fn an_empty_running_version_is_a_fact_a_printed_one_is_not() {
        let inputs = [input("Get-CcRunningVersion.txt", FileKind::Console, &[])];
        assert_eq!(run(&RUNNING_VERSION_EMPTY, &inputs, NOW).derived.len(), 1);
        let printed = [line(Some("Get-CcRunningVersion"), "2.1.0.0")];
        let inputs = [input("Get-CcRunningVersion.txt", FileKind::Console, &printed)];
        let out = run(&RUNNING_VERSION_EMPTY, &inputs, NOW);
        assert!(out.derived.is_empty() && out.checked.contains("running_version_empty"));
        // Another file says nothing about the command.
        assert!(run(&RUNNING_VERSION_EMPTY, &[input("notes.txt", FileKind::Console, &[])], NOW).checked.is_empty());
    }

    #[test]
    fn a_module_loaded_before_the_update_is_stale() {
        let module = module_ini("2.1.0.0");
        for (loaded, fires) in [("2.0.1.0", true), ("2.1.0.0", false)] {
            let listing = [object("Get-Module", &[("Name", "CloudConnector"), ("Version", loaded)])];
            let inputs = [
                input("ProgramData/module.ini", FileKind::ModuleIni, &module),
                input("Get-Module.txt", FileKind::Console, &listing),
            ];
            let out = run(&STALE_MODULE, &inputs, NOW);
            assert_eq!(values(&out, "loaded"), if fires { vec![loaded] } else { vec![] });
        }
    }
}
