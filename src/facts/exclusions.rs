//! CCE222: Defender exclusions that Cloud Connector needs and the host lacks.

use super::check::{Check, Derivation, by_cc_cmdlet, fact, is_object_of};
use super::{Facts, InputRecords};
use crate::record::{Record, RecordKind};

pub const EXCLUSIONS_MISSING: Check = Check {
    facts: &["antivirus_exclusions_missing"],
    needs: "Get-MpPreference output",
    // The appliance and site directories come from what Get-CcApplianceDirectory and
    // Get-CcSiteDirectory print; `(Get-MpPreference).ExclusionPath` prints one item a line.
    reads: |record| {
        is_preference(record)
            || record.kind == RecordKind::Text
                && (by_cc_cmdlet(record) || is_object_of_text(record, "Get-MpPreference"))
    },
    run: exclusions_missing,
};

const PATHS: [&str; 3] = [
    r"%ProgramFiles%\Skype for Business Cloud Connector Edition",
    r"%ALLUSERSPROFILE%\CloudConnector",
    r"%ProgramFiles%\WindowsPowerShell\Modules\CloudConnector",
];
const PROCESS: &str = "Microsoft.Rtc.CCE.ManagementService.exe";

/// Get-MpPreference output, by its producer or, under any file name, by its properties.
fn is_preference(record: &Record) -> bool {
    record.kind == RecordKind::PsObject
        && (is_object_of(record, "Get-MpPreference")
            || record.get("ExclusionPath").is_some() && record.get("ExclusionProcess").is_some())
}

fn is_object_of_text(record: &Record, producer: &str) -> bool {
    record.get("producer").is_some_and(|p| p.eq_ignore_ascii_case(producer))
}

/// One exclusion list as an input shows it.
enum Shown {
    Items(Vec<String>),
    /// Cut by `$FormatEnumerationLimit` (`...`): the items before the cut.
    Cut(Vec<String>),
    /// Defender shows no list to a non-administrator (`{N/A: Must be and administrator to view
    /// exclusions}`, Windows' own wording).
    Hidden,
}

impl Shown {
    fn of(value: &str) -> Shown {
        let body = value.trim().trim_start_matches('{').trim_end_matches('}').trim();
        if body.starts_with("N/A") {
            return Shown::Hidden;
        }
        let cut = body.ends_with("...") || body.ends_with('\u{2026}');
        let items = list_items(body.trim_end_matches("...").trim_end_matches('\u{2026}'));
        if cut { Shown::Cut(items) } else { Shown::Items(items) }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Path,
    Process,
}

impl List {
    fn name(self) -> &'static str {
        match self {
            List::Path => "ExclusionPath",
            List::Process => "ExclusionProcess",
        }
    }
}

/// One exclusion list of one machine, as an input shows it and where.
struct Seen<'a> {
    input: &'a InputRecords<'a>,
    record: &'a Record,
    /// `PSComputerName` in lower case, empty for the machine the input was taken on.
    machine: String,
    list: List,
    shown: Shown,
}

/// Every exclusion list the inputs show, in order: the properties of preference objects, and
/// the lines a transcript printed for `(Get-MpPreference).ExclusionPath` or
/// `Get-MpPreference | Select-Object -ExpandProperty ExclusionProcess`.
fn seen<'a>(inputs: &'a [InputRecords<'a>]) -> Vec<Seen<'a>> {
    let mut out = Vec::new();
    for input in inputs {
        let mut member = None;
        let mut lines: Vec<&'a Record> = Vec::new();
        let flush = |member: Option<List>, lines: &mut Vec<&'a Record>, out: &mut Vec<Seen<'a>>| {
            if let (Some(list), Some(first)) = (member, lines.first()) {
                let shown = Shown::of(&lines.iter().filter_map(|r| r.get("line")).collect::<Vec<_>>().join(", "));
                out.push(Seen { input, record: first, machine: String::new(), list, shown });
            }
            lines.clear();
        };
        for record in input.records {
            match record.kind {
                RecordKind::PsCommand => {
                    flush(member, &mut lines, &mut out);
                    let command = record.get("command").unwrap_or_default().to_ascii_lowercase();
                    let (path, process) = (command.contains("exclusionpath"), command.contains("exclusionprocess"));
                    member = match (command.contains("get-mppreference"), path, process) {
                        (true, true, false) => Some(List::Path),
                        (true, false, true) => Some(List::Process),
                        _ => None,
                    };
                }
                RecordKind::Text if member.is_some() && is_object_of_text(record, "Get-MpPreference") => {
                    lines.push(record);
                }
                RecordKind::PsObject if is_preference(record) => {
                    let machine = record.get("PSComputerName").unwrap_or_default().trim().to_ascii_lowercase();
                    for list in [List::Path, List::Process] {
                        if let Some(value) = record.get(list.name()) {
                            out.push(Seen { input, record, machine: machine.clone(), list, shown: Shown::of(value) });
                        }
                    }
                }
                _ => {}
            }
        }
        flush(member, &mut lines, &mut out);
    }
    out
}

/// CCE222: Defender exclusions that Cloud Connector needs and the host lacks, judged on the
/// latest listing of each list of each machine in each input (exclusions added and listed
/// again are there).
fn exclusions_missing(inputs: &[InputRecords<'_>], _: &Facts, out: &mut Derivation) {
    let mut required: Vec<String> = PATHS.iter().map(|p| (*p).to_owned()).collect();
    // The appliance and site directories are wherever the deployment put them.
    for producer in ["Get-CcApplianceDirectory", "Get-CcSiteDirectory"] {
        for input in inputs {
            for record in input.records.iter().filter(|r| is_object_of_text(r, producer)) {
                if let Some(dir) = record.get("line").or(record.get("Path")).filter(|d| d.contains('\\')) {
                    required.push(dir.trim().to_owned());
                }
            }
        }
    }
    let all = seen(inputs);
    let same_place = |a: &Seen<'_>, b: &Seen<'_>| std::ptr::eq(a.input, b.input) && a.machine == b.machine;
    let latest: Vec<&Seen<'_>> = all
        .iter()
        .enumerate()
        .filter(|(i, s)| !all[i + 1..].iter().any(|later| same_place(later, s) && later.list == s.list))
        .map(|(_, s)| s)
        .collect();
    // One finding per machine of an input, located at its path list.
    let mut done: Vec<&Seen<'_>> = Vec::new();
    for first in &latest {
        if done.iter().any(|d| same_place(d, first)) {
            continue;
        }
        done.push(first);
        let lists: Vec<&&Seen<'_>> = latest.iter().filter(|s| same_place(s, first)).collect();
        out.check("antivirus_exclusions_missing");
        let mut missing: Vec<(List, String)> = Vec::new();
        for seen in &lists {
            let place = format!("{}:{}", seen.input.path, seen.record.span.first_line);
            let wanted = match seen.list {
                List::Path => required.clone(),
                List::Process => vec![PROCESS.to_owned()],
            };
            match &seen.shown {
                Shown::Hidden => out.undecided(
                    "antivirus_exclusions_missing",
                    format!("{} is not shown to a non-administrator ({place})", seen.list.name()),
                ),
                Shown::Items(have) | Shown::Cut(have) => {
                    let absent: Vec<String> = wanted.into_iter().filter(|w| !covers(have, w)).collect();
                    if matches!(seen.shown, Shown::Cut(_)) && !absent.is_empty() {
                        out.undecided(
                            "antivirus_exclusions_missing",
                            format!("{} is cut with '...' after {} items ({place})", seen.list.name(), have.len()),
                        );
                    } else {
                        missing.extend(absent.into_iter().map(|w| (seen.list, w)));
                    }
                }
            }
        }
        if missing.is_empty() {
            continue;
        }
        // One item per line: the rule writes each as its own literal (`{missing_paths|list}`).
        let of = |wanted: List| {
            missing.iter().filter(|(list, _)| *list == wanted).map(|(_, v)| v.as_str()).collect::<Vec<_>>().join("\n")
        };
        let at = lists.iter().find(|s| s.list == List::Path).unwrap_or(&lists[0]);
        let record = fact("antivirus_exclusions_missing", &at.record.span)
            .with("missing_paths", of(List::Path))
            .with("missing_processes", of(List::Process))
            .with("count", missing.len().to_string());
        out.found(at.input.path.to_owned(), record);
    }
}

/// Whether an exclusion list covers `wanted`: the folder itself or one above it, the process by
/// its file name.
fn covers(have: &[String], wanted: &str) -> bool {
    let want = normalize_path(wanted);
    have.iter().any(|h| want == *h || want.starts_with(&format!("{h}\\")) || h.ends_with(&format!("\\{want}")))
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
    use crate::facts::check::testing::{self, input, object, run, values};
    use crate::parse::FileKind;
    use crate::record::Span;

    const ALL_PATHS: &str = r"{C:\Program Files\Skype for Business Cloud Connector Edition, C:\ProgramData\CloudConnector, C:\Program Files\WindowsPowerShell\Modules\CloudConnector}";

    fn preference(paths: &str, processes: &str) -> Vec<Record> {
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
    fn complete_lists_pass_and_cut_or_hidden_lists_cannot_be_checked() {
        let process = "{Microsoft.Rtc.CCE.ManagementService.exe}";
        for (paths, undecided) in [
            (ALL_PATHS, None),
            (r"{C:\a, C:\b, C:\c, C:\d...}", Some("ExclusionPath is cut with '...' after 4 items")),
            ("{N/A: Must be and administrator to view exclusions}", Some("ExclusionPath is not shown")),
        ] {
            let listing = preference(paths, process);
            let out = run(
                &EXCLUSIONS_MISSING,
                &[input("Get-MpPreference.txt", FileKind::Console, &listing)],
                "2026-12-01T00:00:00Z",
            );
            assert!(out.derived.is_empty() && out.checked.contains("antivirus_exclusions_missing"));
            match undecided {
                None => assert!(out.unknown.is_empty()),
                Some(why) => assert!(out.unknown[0].1.starts_with(why), "{}", out.unknown[0].1),
            }
        }
    }

    #[test]
    fn member_access_in_a_transcript_lists_one_item_a_line_and_the_latest_listing_counts() {
        let command = |text: &str| Record::new(RecordKind::PsCommand, Span::default()).with("command", text);
        let line = |text: &str| testing::line(Some("Get-MpPreference"), text);
        let transcript = vec![
            command("(Get-MpPreference).ExclusionPath"),
            line(r"C:\Program Files\Skype for Business Cloud Connector Edition"),
            command("(Get-MpPreference).ExclusionProcess"),
            line("Microsoft.Rtc.CCE.ManagementService.exe"),
            command(r"Add-MpPreference -ExclusionPath C:\ProgramData\CloudConnector"),
            command("(Get-MpPreference).ExclusionPath"),
            line(r"C:\Program Files\Skype for Business Cloud Connector Edition"),
            line(r"%ALLUSERSPROFILE%\CloudConnector"),
        ];
        let out = run(
            &EXCLUSIONS_MISSING,
            &[input("PowerShell_transcript.txt", FileKind::Transcript, &transcript)],
            "2026-12-01T00:00:00Z",
        );
        assert_eq!(values(&out, "missing_paths"), [r"%ProgramFiles%\WindowsPowerShell\Modules\CloudConnector"]);
        assert_eq!(values(&out, "missing_processes"), [""]);
    }
}
