//! Hostile inputs: what bundles from customers' machines hold when they are damaged, huge or
//! strange. For each, the scan must finish, the other files must still be diagnosed, the
//! problem must be listed under that input with a clear message, and the exit code must say
//! what happened (2 only for unusable rules or arguments). Big inputs are generated here, never
//! committed.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ccdiag::input::discover;
use ccdiag::input::limits::{Limits, TIME_LIMIT};
use ccdiag::scan::{self, ScanOptions};
use serde_json::Value;

mod common;
use common::{ccdiag, engine, json_of, utf16le, write, zip_of};

/// A CCE213 signature: the rule that proves a file was still read and matched.
const KEY_INVALID: &str = "ConvertTo-SecureString : Key not valid for use in specified state.";

/// Problems by input path, each as its `line N: message` text.
fn problems(report: &Value) -> BTreeMap<String, Vec<String>> {
    report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|input| {
            let problems = input["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| match p["line"].as_u64() {
                    Some(line) => format!("line {line}: {}", p["message"].as_str().unwrap()),
                    None => p["message"].as_str().unwrap().to_owned(),
                })
                .collect();
            (input["path"].as_str().unwrap().to_owned(), problems)
        })
        .collect()
}

/// The paths of the inputs CCE213 found its signature in.
fn key_invalid_paths(report: &Value) -> Vec<String> {
    let findings = report["findings"].as_array().unwrap();
    let Some(finding) = findings.iter().find(|f| f["rule_id"] == "CCE213") else {
        return Vec::new();
    };
    finding["evidence"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_owned()).collect()
}

#[track_caller]
fn assert_problem(problems: &BTreeMap<String, Vec<String>>, path: &str, wanted: &str) {
    let found = problems.get(path).unwrap_or_else(|| panic!("no input {path}; inputs: {:?}", problems.keys()));
    assert!(found.iter().any(|p| p.contains(wanted)), "{path}: wanted a problem with `{wanted}`, got {found:?}");
}

/// Bytes shaped like a Windows minidump: a header, then structures and code.
fn memory_dump(len: usize) -> Vec<u8> {
    let mut bytes = b"MDMP\x93\xa7\0\0\x0d\0\0\0\x20\0\0\0".to_vec();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes()[..4]);
        bytes.extend_from_slice(&[0, 0, 0x40, 0]);
    }
    bytes
}

/// Files and folders damaged or strange in every way the folder walk and the decoder meet,
/// each holding the CCE213 signature where it can be read.
fn damaged_files(dir: &Path) {
    let line = format!("{KEY_INVALID}\r\n");
    write(dir, "good/Get-CcCredential.txt", &line);
    write(dir, "memory.dmp", memory_dump(1 << 20));
    // UTF-8 with damage: two stray bytes and a character cut short.
    let mut invalid_utf8 = "Größe, naïve, café\r\n".as_bytes().to_vec();
    invalid_utf8.extend_from_slice(b"\xFF\xFE \xE2\x82\r\n");
    invalid_utf8.extend_from_slice(line.as_bytes());
    write(dir, "invalid-utf8.txt", invalid_utf8);
    let mut odd = vec![0xFF, 0xFE];
    odd.extend(utf16le(&line));
    odd.push(b'x');
    write(dir, "odd-utf16.txt", odd);
    let mut lying = vec![0xFF, 0xFE];
    lying.extend_from_slice(line.as_bytes());
    write(dir, "lying-bom.txt", lying);
    let mut padded = line.clone().into_bytes();
    padded.extend(std::iter::repeat_n(0u8, 64 * 1024));
    write(dir, "nul-padded.txt", padded);
    write(dir, "empty.txt", "");
    write(dir, "brackets.ini", "[".repeat(10_000));
    // Nesting a recursive parser would follow down to a stack overflow.
    let depth = 100_000;
    write(dir, "nested.json", format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
    write(
        dir,
        "nested.clixml",
        format!(
            "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">{}{}</Objs>",
            "<Obj RefId=\"0\"><LST>".repeat(depth),
            "</LST></Obj>".repeat(depth)
        ),
    );
    let deep: String = (0..40).map(|i| format!("d{i}/")).collect();
    write(dir, &format!("{deep}deep.txt"), &line);
}

#[test]
fn a_damaged_folder_is_scanned_and_every_problem_reported() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("bundle");
    damaged_files(&dir);
    let outside = root.path().join("outside");
    write(&outside, "secret.txt", format!("{KEY_INVALID}\r\n"));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(".", dir.join("loop")).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("outside-link")).unwrap();
        std::os::unix::fs::symlink("missing", dir.join("dangling")).unwrap();
        std::os::unix::fs::symlink("good", dir.join("good-link")).unwrap();
        let fifo = Command::new("mkfifo").arg(dir.join("pipe")).status().unwrap();
        assert!(fifo.success());
    }
    let dir_arg = dir.to_str().unwrap();

    for follow in [false, true] {
        let mut args = vec!["scan", dir_arg, "--format", "json"];
        if follow {
            args.push("--follow-links");
        }
        let output = ccdiag(&args);
        assert_eq!(output.status.code(), Some(1), "CCE213 fired: {}", String::from_utf8_lossy(&output.stderr));
        let report = json_of(&output);
        let problems = problems(&report);
        let found = key_invalid_paths(&report);
        for path in
            ["good/Get-CcCredential.txt", "invalid-utf8.txt", "odd-utf16.txt", "lying-bom.txt", "nul-padded.txt"]
        {
            assert!(found.contains(&path.to_owned()), "{path} still diagnosed: {found:?}");
        }
        assert!(found.iter().all(|p| !p.contains("secret") && !p.contains("deep")), "{found:?}");
        assert_problem(&problems, "memory.dmp", "binary file, not read as text");
        assert_problem(&problems, "invalid-utf8.txt", "invalid UTF-8 replaced by U+FFFD (3 replacement characters)");
        assert_problem(&problems, "odd-utf16.txt", "odd number of bytes for UTF-16");
        assert_problem(&problems, "lying-bom.txt", "BOM says UTF-16LE but content is utf-8");
        assert_problem(&problems, "nul-padded.txt", "removed 65536 NUL characters");
        assert_problem(&problems, "empty.txt", "empty file");
        assert_problem(&problems, "brackets.ini", "line 1: section header without a closing ']'");
        assert_problem(&problems, "nested.json", "invalid JSON: recursion limit exceeded");
        assert_problem(&problems, "nested.clixml", "values nested deeper than 64 levels are left out");
        let deep: String = (0..32).map(|i| format!("d{i}/")).collect();
        assert_problem(&problems, &format!("{deep}d32"), "folder nested deeper than 32 levels (--max-depth)");
        #[cfg(unix)]
        {
            assert_problem(&problems, "pipe", "not a regular file");
            if follow {
                assert_problem(&problems, "loop", "link loop back to `.`: not followed");
                assert_problem(&problems, "outside-link", "leaves the scanned folder: not followed");
                assert_problem(&problems, "dangling", "link to nothing");
                assert!(found.contains(&"good-link/Get-CcCredential.txt".to_owned()), "{found:?}");
            } else {
                for link in ["loop", "outside-link", "dangling", "good-link"] {
                    assert_problem(&problems, link, "symbolic link, not followed (--follow-links");
                }
            }
        }
    }
}

#[test]
fn a_100_mb_line_is_cut_reported_and_still_matched() {
    let dir = tempfile::tempdir().unwrap();
    let mut line = KEY_INVALID.as_bytes().to_vec();
    line.resize(100 * 1024 * 1024, b'A');
    write(dir.path(), "huge-line.txt", &line);
    drop(line);
    write(dir.path(), "Get-CcCredential.txt", format!("{KEY_INVALID}\r\n"));
    let output = ccdiag(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output);
    assert_eq!(key_invalid_paths(&report), ["Get-CcCredential.txt", "huge-line.txt"]);
    assert_problem(&problems(&report), "huge-line.txt", "line 1: record cut at 1048576 bytes (--max-record-bytes)");
    let excerpt = report["findings"][0]["evidence"][1]["excerpt"].as_str().unwrap();
    assert!(excerpt.len() < 1000, "excerpts stay short: {} bytes", excerpt.len());
}

#[test]
fn hostile_zips_are_reported_and_the_rest_of_the_bundle_read() {
    let dir = tempfile::tempdir().unwrap();
    let line = format!("{KEY_INVALID}\r\n");
    write(dir.path(), "Get-CcCredential.txt", &line);

    // A bomb: 64 MiB of NUL padding after the signature, deflated about a thousand times.
    let mut padded = line.clone().into_bytes();
    padded.resize(64 << 20, 0);
    let bomb = zip_of(&[("padded.log", &padded), ("after.txt", line.as_bytes())], zip::CompressionMethod::Deflated);
    drop(padded);
    assert!(bomb.len() < 200 << 10, "the bomb is small: {}", bomb.len());
    write(dir.path(), "bomb.zip", bomb);

    let names: Vec<String> = (0..100_001).map(|i| format!("e/{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    write(dir.path(), "many.zip", zip_of(&entries, zip::CompressionMethod::Stored));

    let mut nested = zip_of(&[("deep.txt", line.as_bytes())], zip::CompressionMethod::Deflated);
    for _ in 0..40 {
        nested = zip_of(&[("n.zip", &nested)], zip::CompressionMethod::Stored);
    }
    write(dir.path(), "nested.zip", nested);

    let traversal = zip_of(
        &[("../../escaped.txt", line.as_bytes()), ("/abs/root.txt", line.as_bytes()), ("C:\\Windows\\win.txt", b"w")],
        zip::CompressionMethod::Deflated,
    );
    write(dir.path(), "traversal.zip", traversal);
    write(dir.path(), "corrupt.zip", b"PK\x03\x04\x14\0\0\0\x08\0garbage that is no zip at all");
    let whole = zip_of(&[("a.txt", line.as_bytes())], zip::CompressionMethod::Deflated);
    write(dir.path(), "truncated.zip", &whole[..whole.len() / 2]);

    let output = ccdiag(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let report = json_of(&output);
    let problems = problems(&report);
    let found = key_invalid_paths(&report);
    for path in
        ["Get-CcCredential.txt", "bomb.zip/padded.log", "traversal.zip/../../escaped.txt", "traversal.zip/abs/root.txt"]
    {
        assert!(found.contains(&path.to_owned()), "{path} diagnosed: {found:?}");
    }
    assert_problem(&problems, "bomb.zip", "(--max-zip-ratio: 200 times its ");
    assert_problem(&problems, "bomb.zip", "`padded.log` cut at");
    assert_problem(&problems, "bomb.zip", "1 entry after it not read");
    assert_problem(&problems, "many.zip", "1 entry not read: more than 100000 entries");
    let nested_path = format!("nested.zip{}", "/n.zip".repeat(32));
    assert_problem(&problems, &nested_path, "zip nested deeper than 32 levels (--max-depth)");
    assert!(problems.contains_key("traversal.zip/C:/Windows/win.txt"), "names are only names");
    assert!(!dir.path().parent().unwrap().join("escaped.txt").exists(), "nothing is written outside");
    assert_problem(&problems, "corrupt.zip", "not a readable zip");
    assert_problem(&problems, "truncated.zip", "not a readable zip");
}

#[test]
fn a_file_that_vanishes_or_cannot_be_read_is_a_problem_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Get-CcCredential.txt", format!("{KEY_INVALID}\r\n"));
    write(dir.path(), "vanishing.txt", format!("{KEY_INVALID}\r\n"));
    write(dir.path(), "locked.txt", format!("{KEY_INVALID}\r\n"));
    let limits = Limits::default();
    let sources = discover::discover(&[dir.path().display().to_string()], &limits, std::io::empty());
    assert_eq!(sources.len(), 3);
    std::fs::remove_file(dir.path().join("vanishing.txt")).unwrap();
    // Root reads any file whatever its mode, and these tests may run as root: then the mode
    // proves nothing and only the vanished file is checked.
    #[cfg(unix)]
    let locked = {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.path().join("locked.txt");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        std::fs::File::open(&path).is_err()
    };
    #[cfg(not(unix))]
    let locked = false;

    let engine = engine();
    let scan = scan::scan(&engine, &sources, &ScanOptions { limits, now: None, ..ScanOptions::default() });
    let input = |path: &str| scan.inputs.iter().find(|i| i.path == path).unwrap();
    assert!(input("vanishing.txt").problems[0].message.starts_with("cannot read: "));
    if locked {
        assert!(input("locked.txt").problems[0].message.contains("ermission denied"));
    }
    assert_eq!(input("Get-CcCredential.txt").records, 1, "the others are read");
}

#[test]
fn past_the_deadline_nothing_more_is_read_and_each_input_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", format!("{KEY_INVALID}\r\n"));
    write(dir.path(), "b/c.txt", format!("{KEY_INVALID}\r\n"));
    let sources = discover::discover(&[dir.path().display().to_string()], &Limits::default(), std::io::empty());
    let expired = Limits { deadline: Some(Instant::now()), ..Limits::default() };
    let engine = engine();
    let scan =
        scan::scan(&engine, &sources, &ScanOptions { limits: expired.clone(), now: None, ..ScanOptions::default() });
    assert_eq!(scan.inputs.len(), 2);
    for input in &scan.inputs {
        assert_eq!(input.problems[0].message, TIME_LIMIT, "{}", input.path);
    }
    // Discovery stops too: the root itself is reported.
    let root = dir.path().display().to_string();
    let found = discover::discover(std::slice::from_ref(&root), &expired, std::io::empty());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, root);

    // And the command line still prints its report, with the usual exit code.
    let output = ccdiag(&["scan", &root, "--format", "json", "--timeout", "1"]);
    assert_eq!(output.status.code(), Some(1), "a scan this small ends well within a second");
}

#[test]
fn a_missing_path_is_an_argument_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let output = ccdiag(&["scan", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read"), "{output:?}");
    assert!(output.stdout.is_empty());
}

/// Loads a user rule pack holding `yaml` and returns stderr; the run must stop with exit 2,
/// quickly.
fn broken_rule(yaml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yaml"), yaml).unwrap();
    let started = Instant::now();
    let output = ccdiag(&["rules", "list", "--rules", dir.path().to_str().unwrap()]);
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const RULE: &str = "id: X001\nname: example\ntitle: t\nseverity: error\nsources: [text]\n\
docs: {what: w, why: y}\ndetection:\n  sel:\n    line|contains: boom\n  condition: sel\n\
remediation:\n  - text: fix it\n";

#[test]
fn hostile_rule_files_stop_the_run_with_a_diagnostic() {
    // A billion laughs where the rule reads a list, so the aliases would be expanded: ten
    // levels of nine aliases each. serde-saphyr's budget stops the first pass over the keys;
    // detection values are scalars, so the typed read refuses the nested lists at once.
    let mut levels = vec![format!("&l0 [{}]", ["lol"; 9].join(", "))];
    for level in 1..10 {
        let previous = format!("*l{}", level - 1);
        levels.push(format!("&l{level} [{}]", [previous.as_str(); 9].join(", ")));
    }
    // Detection values are scalars, so the nested lists are refused before they expand.
    let err = broken_rule(&RULE.replace("line|contains: boom", &format!("line|contains: [{}]", levels.join(", "))));
    assert!(err.contains("bad.yaml") && err.contains("expected a scalar"), "{err}");

    // A regex whose compiled program is far past the size limit.
    let err = broken_rule(&RULE.replace("line|contains: boom", "line|re: '(\\w{100}){100}(\\w{100}){100}'"));
    assert!(err.contains("bad regex") && err.contains("size limit"), "{err}");
    // A pattern of 200 KB: past the size of a value, before it is compiled.
    let alternation: Vec<String> = (0..20_000).map(|i| format!("word{i}")).collect();
    let err = broken_rule(&RULE.replace("line|contains: boom", &format!("line|re: '({})'", alternation.join("|"))));
    assert!(err.contains("a value of 188891 bytes"), "{}", &err[..err.len().min(500)]);

    let err = broken_rule(&RULE.replace("docs: {what: w, why: y}", "docs: {what: w, why: y, whom: z}"));
    assert!(err.contains("whom"), "{err}");
    let err = broken_rule(&RULE.replace("severity: error", "severity: [error, warning]"));
    assert!(err.contains("bad.yaml") && err.contains("severity"), "{err}");
    let err = broken_rule(&RULE.replace("remediation:\n  - text: fix it\n", "remediation: 42\n"));
    assert!(err.contains("bad.yaml"), "{err}");
}

/// A FIFO nobody writes to and a stdin that never ends block inside the system call; with
/// `--timeout` the scan still ends near the deadline, says what it could not read, and
/// diagnoses the file beside them.
#[cfg(unix)]
#[test]
fn the_deadline_holds_on_a_fifo_and_on_a_stdin_that_never_ends() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Get-CcVersion.txt", "2.1.0.0\r\n");
    let healthy = dir.path().join("Get-CcVersion.txt").display().to_string();
    let fifo = dir.path().join("CceManagementService.log");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let fifo = fifo.display().to_string();

    let started = Instant::now();
    let output = ccdiag(&["scan", &fifo, &healthy, "--format", "json", "--timeout", "2"]);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    let report = json_of(&output);
    let inputs = report["inputs"].as_array().unwrap();
    let problems = |path: &str| {
        inputs.iter().find(|i| i["path"].as_str().unwrap().ends_with(path)).unwrap()["problems"].to_string()
    };
    assert!(problems("CceManagementService.log").contains("time limit"), "{inputs:?}");
    assert_eq!(problems("Get-CcVersion.txt"), "[]");

    // stdin held open by a writer that never writes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccdiag"))
        .args(["scan", "-", &healthy, "--format", "json", "--timeout", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _writer = child.stdin.take().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("a scan of a silent stdin with --timeout 2 still runs after 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = std::io::read_to_string(child.stdout.take().unwrap()).unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_ne!(status.code(), Some(2), "a report, not an error: {stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let stdin = report["inputs"].as_array().unwrap().iter().find(|i| i["path"] == "-").unwrap();
    assert!(stdin["problems"].to_string().contains("time limit"), "{stdin}");
}

/// Stdin is streamed: what a writer gave before it went silent is diagnosed, and the report
/// says where reading stopped.
#[cfg(unix)]
#[test]
fn what_a_stalled_stdin_gave_before_the_deadline_is_diagnosed() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccdiag"))
        .args(["scan", "-", "--format", "json", "--timeout", "2", "--fail-on", "never"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut writer = child.stdin.take().unwrap();
    let log = format!("CceService Error: 0 : Unexpected exception: {KEY_INVALID}\r\n");
    writer.write_all(log.as_bytes()).unwrap();
    writer.flush().unwrap();
    let output = child.wait_with_output().unwrap();
    drop(writer);
    let report = json_of(&output);
    let fired: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert!(fired.contains(&"CCE213"), "{fired:?}");
    assert_eq!(problems(&report)["-"], [format!("read stopped after {} bytes: time limit (--timeout)", log.len())]);
}

/// With a memory budget of one byte every text waits until it is alone; on one worker or two,
/// files, zip entries, a zip in a zip and stdin are all still read, without a deadlock, and the
/// report is the one the default budget gives.
#[test]
fn a_one_byte_memory_budget_reads_everything_on_one_worker_or_two() {
    let dir = tempfile::tempdir().unwrap();
    let log = format!("CceService Error: 0 : Unexpected exception: {KEY_INVALID}\r\n").repeat(20_000);
    // Stored: a log repeated this much expands past --max-zip-ratio when deflated.
    let stored = zip::CompressionMethod::Stored;
    let inner = zip_of(&[("ManagementService/CceManagementService.log", log.as_bytes())], stored);
    write(dir.path(), "CceManagementService.log", &log);
    write(
        dir.path(),
        "bundle.zip",
        zip_of(&[("a/CceManagementService.log", log.as_bytes()), ("inner.zip", &inner)], stored),
    );
    let root = dir.path().to_str().unwrap();
    let report = |extra: &[&str]| {
        let mut args = vec!["scan", "-", root, "--format", "json", "--fail-on", "never"];
        args.extend(extra);
        let output = common::ccdiag_with_stdin(&args, log.as_bytes());
        let report = json_of(&output);
        (report["inputs"].clone(), report["findings"].clone())
    };
    let expected = report(&[]);
    assert_eq!(expected.0.as_array().unwrap().len(), 4, "{}", expected.0);
    let fired = expected.1.as_array().unwrap().iter().filter(|f| f["rule_id"] == "CCE213").count();
    assert_eq!(fired, 2, "CCE213 on stdin and on the folder");
    assert!(expected.0.as_array().unwrap().iter().all(|i| i["records"] == 20_000), "{}", expected.0);
    for jobs in ["1", "2"] {
        assert_eq!(report(&["--max-memory", "1", "--jobs", jobs]), expected, "--jobs {jobs}");
    }
}

/// Stdin is streamed, so its size is known only once read: it is read up to the size limit,
/// and the report says the rest was not.
#[test]
fn stdin_past_the_size_limit_is_read_up_to_it() {
    let log = format!("CceService Error: 0 : Unexpected exception: {KEY_INVALID}\r\n").repeat(40);
    let args = ["scan", "-", "--format", "json", "--fail-on", "never", "--max-file-size", "1K"];
    let report = json_of(&common::ccdiag_with_stdin(&args, log.as_bytes()));
    assert_eq!(
        problems(&report)["-"],
        ["read stopped at the size limit of 1024 bytes (--max-file-size): the rest not read"]
    );
    assert_eq!(report["inputs"][0]["records"], 9, "the entries that begin whole in the first 1024 bytes");
}
