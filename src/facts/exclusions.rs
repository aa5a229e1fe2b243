//! CCE222: Defender exclusions that Cloud Connector needs and the host lacks.

use super::check::{Check, Derivation, by_cc_cmdlet, fact, is_object_of, objects};
use super::{Facts, InputRecords};
use crate::record::RecordKind;

pub const EXCLUSIONS_MISSING: Check = Check {
    facts: &["antivirus_exclusions_missing"],
    needs: "Get-MpPreference output",
    // The appliance and site directories come from what Get-CcApplianceDirectory and
    // Get-CcSiteDirectory print.
    reads: |record| {
        is_object_of(record, "Get-MpPreference") || (record.kind == RecordKind::Text && by_cc_cmdlet(record))
    },
    run: exclusions_missing,
};

/// CCE222: Defender exclusions that Cloud Connector needs and the host lacks.
fn exclusions_missing(inputs: &[InputRecords<'_>], _: &Facts, out: &mut Derivation) {
    const PATHS: [&str; 3] = [
        r"%ProgramFiles%\Skype for Business Cloud Connector Edition",
        r"%ALLUSERSPROFILE%\CloudConnector",
        r"%ProgramFiles%\WindowsPowerShell\Modules\CloudConnector",
    ];
    const PROCESS: &str = "Microsoft.Rtc.CCE.ManagementService.exe";
    let mut required: Vec<String> = PATHS.iter().map(|p| (*p).to_owned()).collect();
    // The appliance and site directories are wherever the deployment put them.
    for producer in ["Get-CcApplianceDirectory", "Get-CcSiteDirectory"] {
        for input in inputs {
            for record in
                input.records.iter().filter(|r| r.get("producer").is_some_and(|p| p.eq_ignore_ascii_case(producer)))
            {
                if let Some(dir) = record.get("line").or(record.get("Path")).filter(|d| d.contains('\\')) {
                    required.push(dir.trim().to_owned());
                }
            }
        }
    }
    for (input, record) in objects(inputs, "Get-MpPreference") {
        // An empty list is printed as nothing at all; only a listing without the property says nothing.
        let Some(paths) = record.get("ExclusionPath") else { continue };
        out.check("antivirus_exclusions_missing");
        let processes = record.get("ExclusionProcess").unwrap_or_default();
        // Format-List cuts long lists with `...`: what is not shown is unknown, not missing.
        let complete = |list: &str| {
            let end = list.trim_end().trim_end_matches('}');
            !end.ends_with("...") && !end.ends_with('\u{2026}')
        };
        let mut missing = Vec::new();
        if complete(paths) {
            let have = list_items(paths);
            for path in &required {
                let want = normalize_path(path);
                if !have.iter().any(|h| want == *h || want.starts_with(&format!("{h}\\"))) {
                    missing.push(("ExclusionPath", path.clone()));
                }
            }
        }
        if complete(processes) && !list_items(processes).iter().any(|p| p.ends_with(&PROCESS.to_ascii_lowercase())) {
            missing.push(("ExclusionProcess", PROCESS.to_owned()));
        }
        if missing.is_empty() {
            continue;
        }
        // One item per line: the rule writes each as its own literal (`{missing_paths|list}`).
        let of_kind = |wanted: &str| {
            missing.iter().filter(|(kind, _)| *kind == wanted).map(|(_, v)| v.as_str()).collect::<Vec<_>>().join("\n")
        };
        let record = fact("antivirus_exclusions_missing", &record.span)
            .with("missing_paths", of_kind("ExclusionPath"))
            .with("missing_processes", of_kind("ExclusionProcess"))
            .with("count", missing.len().to_string());
        out.found(input.path.to_owned(), record);
    }
}

/// `{a, b}` or `a, b` as normalized items.
fn list_items(list: &str) -> Vec<String> {
    list.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split(',')
        .map(normalize_path)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Lower case, environment variables expanded to their defaults, no trailing backslash.
fn normalize_path(path: &str) -> String {
    let lower = path.trim().trim_matches('"').to_ascii_lowercase();
    lower
        .replace("%programfiles%", r"c:\program files")
        .replace("$env:programfiles", r"c:\program files")
        .replace("%allusersprofile%", r"c:\programdata")
        .replace("$env:allusersprofile", r"c:\programdata")
        .replace("%programdata%", r"c:\programdata")
        .trim_end_matches('\\')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::check::testing::{input, object, run, values};
    use crate::parse::FileKind;

    const ALL_PATHS: &str = r"{C:\Program Files\Skype for Business Cloud Connector Edition, C:\ProgramData\CloudConnector, C:\Program Files\WindowsPowerShell\Modules\CloudConnector}";

    fn preference(paths: &str, processes: &str) -> Vec<crate::record::Record> {
        vec![object("Get-MpPreference", &[("ExclusionPath", paths), ("ExclusionProcess", processes)])]
    }

    #[test]
    fn each_missing_exclusion_is_listed() {
        let listing = preference(r"{C:\Program Files\Skype for Business Cloud Connector Edition}", "");
        let out = run(
            &EXCLUSIONS_MISSING,
            &[input("Get-MpPreference.txt", FileKind::Console, &listing)],
            "2026-12-01T00:00:00Z",
        );
        assert_eq!(
            values(&out, "missing_paths"),
            ["%ALLUSERSPROFILE%\\CloudConnector\n%ProgramFiles%\\WindowsPowerShell\\Modules\\CloudConnector"]
        );
        assert_eq!(values(&out, "missing_processes"), ["Microsoft.Rtc.CCE.ManagementService.exe"]);
    }

    #[test]
    fn complete_lists_pass_and_cut_lists_are_not_judged() {
        let complete = preference(ALL_PATHS, "{Microsoft.Rtc.CCE.ManagementService.exe}");
        let cut = preference(r"{C:\a, C:\b, C:\c, C:\d...}", "{Microsoft.Rtc.CCE.ManagementService.exe}");
        for listing in [complete, cut] {
            let out = run(
                &EXCLUSIONS_MISSING,
                &[input("Get-MpPreference.txt", FileKind::Console, &listing)],
                "2026-12-01T00:00:00Z",
            );
            assert!(out.derived.is_empty() && out.checked.contains("antivirus_exclusions_missing"));
        }
    }
}
