//! Versions: the running bits against the scripts (CCE210), the two module.ini copies
//! (CCE209), a `Get-CcRunningVersion` that printed nothing (CCE209), and a CloudConnector
//! module loaded before an update (CCE219).

use std::collections::BTreeMap;

use super::check::{Check, Derivation, by_cc_cmdlet, fact, is_object_of};
use super::{Facts, InputRecords};
use crate::parse::FileKind;
use crate::record::{Record, RecordKind, Span};
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
    reads: |record| reads_command(record) || by_cc_cmdlet(record),
    run: running_version_empty,
};

pub const STALE_MODULE: Check = Check {
    facts: &["stale_module"],
    needs: "Get-Module CloudConnector output and an installed version (Get-Module -ListAvailable, Get-CcVersion, module.ini)",
    // Modules, the prompts that listed them, and the `Directory:` headings of -ListAvailable.
    reads: |record| {
        is_module(record) || record.kind == RecordKind::Text && record.get("line").is_some_and(is_directory_heading)
    },
    run: stale_module,
};

/// CCE210: the running version differs from the version of the scripts in use.
///
/// An input that states both (a transcript) is judged on the last of each, in its own order:
/// `Switch-CcVersion` and a running version printed again is where it ended. Otherwise the
/// newest of each across inputs.
fn version_mismatch(_: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let last_in = |path: &str, role| facts.versions.iter().rfind(|v| v.path == path && v.role == role);
    let together =
        facts.versions.iter().rev().find_map(|v| Some((last_in(&v.path, "running")?, last_in(&v.path, "script")?)));
    let pair = together.or_else(|| Some((facts.newest("running")?, facts.newest("script")?)));
    let Some((running, script)) = pair else { return };
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
    // The issue is versions lost to a fresh ProgramData copy. A ProgramData copy that was
    // migrated and then upgraded keeps the profile's running version as its backup; one whose
    // running version is past 1.4.1 and not older than the profile's belongs to a later release.
    // Either way the profile copy is a leftover, not the cause of anything.
    let version = |entries: &BTreeMap<String, String>, name: &str| {
        entries.iter().find(|(k, _)| k.to_ascii_lowercase().contains(name)).and_then(|(_, v)| Version::parse(v))
    };
    let profile_running = version(&theirs, "runningversion");
    let programdata_running = version(&ours, "runningversion");
    let kept_as_backup = profile_running.is_some() && version(&ours, "backupversion") == profile_running;
    let later_release = programdata_running.as_ref().is_some_and(|running| {
        *running > Version::parse("1.4.1").expect("literal version")
            && profile_running.as_ref().is_none_or(|profile| running >= profile)
    });
    let migrated = kept_as_backup || later_release;
    if differences.is_empty() || migrated {
        return;
    }
    let span = programdata.records.first().map(|r| r.span.clone()).unwrap_or_default();
    let record = fact("module_ini_copies_differ", &span)
        .with("programdata_path", programdata.path)
        .with("profile_path", profile.path)
        .with("differences", differences.join("; "));
    out.found(programdata.path.to_owned(), record);
}

/// The command whose empty output CCE209 reports.
const RUNNING_VERSION: &str = "Get-CcRunningVersion";

/// Whether `record` is a run of `Get-CcRunningVersion`, which CCE209 reads whatever it printed.
pub(super) fn reads_command(record: &Record) -> bool {
    record.kind == RecordKind::PsCommand
        && record.get("command_name").is_some_and(|c| c.eq_ignore_ascii_case(RUNNING_VERSION))
}

/// CCE209: `Get-CcRunningVersion` ran and printed nothing.
fn running_version_empty(inputs: &[InputRecords<'_>], _: &Facts, out: &mut Derivation) {
    for input in inputs {
        let printed = input.records.iter().any(|r| {
            r.kind != RecordKind::PsCommand
                && r.get("producer").is_some_and(|p| p.eq_ignore_ascii_case(RUNNING_VERSION))
        });
        let ran = input.records.iter().find(|r| reads_command(r));
        if printed || ran.is_some() {
            out.check("running_version_empty");
        }
        if printed {
            continue;
        }
        let named = input.producer.is_some_and(|p| p.eq_ignore_ascii_case(RUNNING_VERSION));
        let span = match (ran, named) {
            (Some(command), _) => command.span.clone(),
            (None, true) if input.records.is_empty() => Span { bytes: 0..0, first_line: 1, last_line: 1 },
            _ => continue,
        };
        out.found(input.path.to_owned(), fact("running_version_empty", &span));
    }
}

/// A module as `Get-Module` shows it: by its producer, or a JSON or CLIXML object with a name, a
/// version and the path of a module file.
fn is_module(record: &Record) -> bool {
    record.kind == RecordKind::PsObject
        && (is_object_of(record, "Get-Module")
            || record.get("Name").is_some()
                && record.get("Version").is_some()
                && record.get("Path").is_some_and(|p| {
                    let p = p.trim().to_ascii_lowercase();
                    p.ends_with(".psd1") || p.ends_with(".psm1")
                }))
}

/// `    Directory: C:\Program Files\WindowsPowerShell\Modules`, which only `-ListAvailable` prints
/// (`Verzeichnis:` in German, `ディレクトリ:` in Japanese).
fn is_directory_heading(line: &str) -> bool {
    let line = line.trim_start();
    ["Directory:", "Verzeichnis:", "ディレクトリ:", "Répertoire :", "Répertoire:"].iter().any(|h| line.starts_with(h))
}

/// CCE219: the CloudConnector module loaded in a console is older than the version installed.
///
/// Loaded and installed modules look alike; `-ListAvailable` is told by its prompt, by the
/// `Directory:` headings it prints, or by a file named for it (`modules-available.txt`). The
/// latest loaded listing of each input counts: a console reloaded with `Import-Module
/// CloudConnector -Force` is current.
fn stale_module(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let mut loaded: Vec<(&InputRecords<'_>, &Record, Version)> = Vec::new();
    let mut installed: Vec<(String, Version)> =
        facts.versions.iter().map(|v| (v.path.clone(), v.version.clone())).collect();
    for input in inputs {
        let name = input.path.rsplit('/').next().unwrap_or(input.path).to_ascii_lowercase();
        let named_available = ["available", "installed"].iter().any(|w| name.contains(w));
        let mut available = named_available;
        let mut latest_loaded: Option<(&Record, Version)> = None;
        for record in input.records {
            match record.kind {
                RecordKind::PsCommand => {
                    available =
                        record.get("command").is_some_and(|c| c.to_ascii_lowercase().contains("-listavailable"))
                            || named_available;
                }
                RecordKind::Text if record.get("line").is_some_and(is_directory_heading) => available = true,
                _ => {}
            }
            if !is_module(record)
                || !record.get("Name").is_some_and(|n| n.trim().eq_ignore_ascii_case("CloudConnector"))
            {
                continue;
            }
            let Some(version) = record.get("Version").and_then(Version::parse) else { continue };
            if available {
                installed.push((input.path.to_owned(), version));
            } else {
                latest_loaded = Some((record, version));
            }
        }
        if let Some((record, version)) = latest_loaded {
            loaded.push((input, record, version));
        }
    }
    let Some((newest_source, newest)) = installed.iter().max_by(|a, b| a.1.cmp(&b.1)) else { return };
    for (input, record, version) in loaded {
        out.check("stale_module");
        if version < *newest {
            let record = fact("stale_module", &record.span)
                .with("loaded", version.to_string())
                .with("newest", newest.to_string())
                .with("newest_source", newest_source.clone());
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

    #[test]
    fn the_latest_loaded_module_against_the_newest_listed_available() {
        let command = |text: &str| Record::new(RecordKind::PsCommand, Span::default()).with("command", text);
        let module = |version: &str| object("Get-Module", &[("Name", "CloudConnector"), ("Version", version)]);
        let listing = |reloaded: bool| {
            let mut records = vec![
                command("Get-Module CloudConnector"),
                module("2.0.1.0"),
                command("Get-Module CloudConnector -ListAvailable"),
                line(Some("Get-Module"), "    Directory: C:\\Program Files\\WindowsPowerShell\\Modules"),
                module("2.1.0.0"),
                module("1.4.2.0"),
            ];
            if reloaded {
                records.extend([
                    command("Import-Module CloudConnector -Force"),
                    command("Get-Module CloudConnector"),
                    module("2.1.0.0"),
                ]);
            }
            records
        };
        for (reloaded, stale) in [(false, true), (true, false)] {
            let records = listing(reloaded);
            let out = run(&STALE_MODULE, &[input("PowerShell_transcript.txt", FileKind::Transcript, &records)], NOW);
            assert!(out.checked.contains("stale_module"));
            assert_eq!(values(&out, "loaded"), if stale { vec!["2.0.1.0"] } else { vec![] });
        }
    }

    #[test]
    fn a_profile_copy_older_than_a_migrated_programdata_copy_is_a_leftover() {
        for (programdata, backup, profile, fires) in [
            ("", "", "1.3.8.0", true),
            ("1.3.4.0", "", "1.3.8.0", true),
            ("1.4.1.0", "", "1.3.8.0", true),
            ("1.4.1.0", "1.3.8.0", "1.3.8.0", false),
            ("2.1.0.0", "", "1.3.8.0", false),
        ] {
            let ours = [section("Common", &[("RunningVersion", programdata), ("BackupVersion", backup)])];
            let theirs = [section("Common", &[("RunningVersion", profile)])];
            let inputs = [
                input("ProgramData/CloudConnector/module.ini", FileKind::ModuleIni, &ours),
                input("Users/admin/CloudConnector/module.ini", FileKind::ModuleIni, &theirs),
            ];
            let out = run(&MODULE_INI_COPIES, &inputs, NOW);
            assert_eq!(out.derived.len(), usize::from(fires), "ProgramData {programdata:?}, profile {profile}");
        }
    }

    #[test]
    fn a_transcript_is_judged_on_where_it_ended() {
        let command = |text: &str| Record::new(RecordKind::PsCommand, Span::default()).with("command", text);
        let article = [
            command("Get-CcVersion"),
            line(Some("Get-CcVersion"), "1.4.2.0"),
            command("Get-CcRunningVersion"),
            line(Some("Get-CcRunningVersion"), "1.4.2.0"),
            command("Switch-CcVersion"),
            command("Get-CcRunningVersion"),
            line(Some("Get-CcRunningVersion"), "1.4.1.0"),
        ];
        let out = run(&VERSION_MISMATCH, &[input("PowerShell_transcript.txt", FileKind::Transcript, &article)], NOW);
        assert_eq!(values(&out, "running"), ["1.4.1.0"]);
    }

    #[test]
    fn module_ini_versions_are_read_by_section_or_by_key() {
        for module in [
            vec![section("RunningVersion", &[("Version", "2.0.1.0")])],
            vec![section(
                "Common",
                &[("ApplianceRoot", "C:\\CCE"), ("RunningVersion", "2.0.1.0"), ("BackupVersion", "2.1.0.0")],
            )],
        ] {
            let printed = [line(Some("Get-CcVersion"), "2.1.0.0")];
            let inputs = [
                input("ProgramData/module.ini", FileKind::ModuleIni, &module),
                input("Get-CcVersion.txt", FileKind::Console, &printed),
            ];
            assert_eq!(values(&run(&VERSION_MISMATCH, &inputs, NOW), "running"), ["2.0.1.0"]);
        }
    }
}
