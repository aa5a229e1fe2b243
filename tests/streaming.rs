//! Big files are read in chunks matched in parallel. Whatever the chunk boundaries and the
//! thread count, a scan must report exactly what reading the file whole reports: the same
//! findings, evidence lines and record counts. The thresholds are lowered here so that small
//! files cross hundreds of chunk edges.

use ccdiag::engine::Engine;
use ccdiag::input::budget::MemoryBudget;
use ccdiag::input::discover;
use ccdiag::input::limits::Limits;
use ccdiag::rules::{Origin, load};
use ccdiag::scan::{self, Scan, ScanOptions};

mod common;

/// Entries of every shape, with issues placed where chunk edges fall often: inside and right
/// after long exception entries, and at the very end.
fn log() -> String {
    let mut log = String::new();
    for line in 1..=3000usize {
        log.push_str(&format!(
            "CceService Information: 0 : Heartbeat {line} from CCE-HOST01: all services running.\r\n"
        ));
        if line.is_multiple_of(50) {
            log.push_str("CceService Error: 0 : Unexpected exception when checking EDGE1: System.TimeoutException\r\n");
            for frame in 0..(line % 13) {
                log.push_str(&format!("   at Microsoft.Rtc.CCE.ManagementService.HealthChecker.Step{frame}()\r\n"));
            }
        }
        if line.is_multiple_of(377) {
            log.push_str("CceService Error: 0 : Unexpected exception when reporting status to online: System.Management.Automation.RuntimeException: ConvertTo-SecureString : Key not valid for use in specified state.\r\n ---> System.Security.Cryptography.CryptographicException: Key not valid for use in specified state.\r\n");
        }
    }
    log.push_str("CceService Error: 0 : ConvertTo-SecureString : Key not valid for use in specified state.\r\n    DateTime=2026-11-18T09:12:44.1181230Z\r\n");
    log
}

/// A UTF-16LE console capture with tables and, now and then, an error record.
fn console() -> Vec<u8> {
    let mut text = String::new();
    for n in 1..=600 {
        text.push_str("PS C:\\> Get-Service RTC*\r\n\r\nStatus   Name               DisplayName\r\n------   ----               -----------\r\nRunning  RTCSRV             Skype for Business Server Front-End\r\n\r\n");
        if n % 97 == 0 {
            text.push_str("PS C:\\> Dismount-WindowsImage -Path C:\\Mount -Discard\r\nDismount-WindowsImage : Dismount-WindowsImage failed. Error code = 0xc1550115\r\n    + CategoryInfo          : NotSpecified: (:) [Dismount-WindowsImage], COMException\r\n    + FullyQualifiedErrorId : Microsoft.Dism.Commands.DismountWindowsImageCommand\r\n\r\n");
        }
    }
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

fn scan(engine: &Engine, dir: &std::path::Path, options: &ScanOptions, threads: usize) -> Scan {
    let sources = discover::discover(&[dir.display().to_string()], &Limits::default(), std::io::empty());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| scan::scan(engine, &sources, options))
}

/// What must not depend on chunking: per rule the count and every evidence location and
/// excerpt; per input the record count.
fn summary(scan: &Scan) -> (Vec<String>, Vec<(String, usize)>) {
    let findings = scan
        .outcomes
        .iter()
        .filter(|o| o.count > 0)
        .map(|o| {
            let evidence: Vec<String> =
                o.evidence.iter().map(|e| format!("{}:{}-{} {}", e.path, e.line, e.last_line, e.excerpt)).collect();
            format!("rule {} x{}: {}", o.rule, o.count, evidence.join(" | "))
        })
        .collect();
    let records = scan.inputs.iter().map(|i| (i.path.clone(), i.records)).collect();
    (findings, records)
}

#[test]
fn streamed_files_report_what_whole_files_report() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("CceManagementService.log"), log()).unwrap();
    std::fs::write(dir.path().join("console.txt"), console()).unwrap();
    let engine = common::engine();

    let whole = scan(&engine, dir.path(), &ScanOptions { stream_threshold: u64::MAX, ..ScanOptions::default() }, 1);
    let expected = summary(&whole);
    assert_eq!(expected.0.len(), 2, "CCE213 and CCE216 fire: {:?}", expected.0);
    for chunk_bytes in [1, 700, 4096, 65_536] {
        for threads in [1, 2] {
            let options = ScanOptions { stream_threshold: 0, chunk_bytes, ..ScanOptions::default() };
            let streamed = scan(&engine, dir.path(), &options, threads);
            assert_eq!(summary(&streamed), expected, "chunks of {chunk_bytes} bytes on {threads} threads");
        }
    }
}

/// A long routine log with issues at a few places: most of its pieces hold no literal.
fn mostly_routine_log() -> String {
    let mut log = String::new();
    for line in 1..=24_000usize {
        log.push_str(&format!("CceService Information: 0 : Heartbeat {line}: all services running.\r\n"));
        if line.is_multiple_of(1000) {
            log.push_str("CceService Error: 0 : Unexpected exception when checking EDGE1: System.TimeoutException\r\n");
            log.push_str("   at Microsoft.Rtc.CCE.ManagementService.HealthChecker.Run()\r\n");
        }
        if [1, 700, 5_555, 13_001, 23_999].contains(&line) {
            // Wrapped over a continuation line: the prefilter must fold as the matcher does.
            log.push_str("CceService Error: 0 : Reporting status failed: ConvertTo-\r\n   SecureString : Key not valid for use in specified state.\r\n    DateTime=2026-11-18T09:12:44.1181230Z\r\n");
        }
    }
    log
}

/// The log prefilter skips the pieces in which no literal occurs; a rule that reads every log
/// entry (a regex gates nothing) turns it off. Both scans must report the same.
#[test]
fn skipping_pieces_without_literals_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("CceManagementService.log"), mostly_routine_log()).unwrap();
    let pack = load::built_in().unwrap();
    let mut every_entry = load::built_in().unwrap();
    let rule = "id: X001\nname: every-entry\ntitle: t\nseverity: info\nsources: [cce_log]\n\
docs: {what: w, why: y}\ndetection:\n  sel:\n    message|re: '^never$'\n  condition: sel\n\
remediation:\n  - text: none\n";
    every_entry.insert("X001".into(), load::parse_rule("x.yaml", rule, Origin::BuiltIn).unwrap());
    let skipping = Engine::new(pack).unwrap();
    let parsing_all = Engine::new(every_entry).unwrap();
    for options in [
        ScanOptions { stream_threshold: u64::MAX, ..ScanOptions::default() },
        ScanOptions { stream_threshold: 0, chunk_bytes: 300_000, ..ScanOptions::default() },
    ] {
        let expected = summary(&scan(&parsing_all, dir.path(), &options, 2));
        let got = summary(&scan(&skipping, dir.path(), &options, 2));
        assert_eq!(got, expected);
        assert!(got.0[0].contains(" x5: "), "five wrapped issues: {:?}", got.0);
    }
}

/// An Export-Csv of events past the streaming threshold, whose messages hold blank lines inside
/// their quotes: no piece may end inside a value, and the event at the end is read.
#[test]
fn an_event_csv_with_blank_lines_in_its_messages_is_read_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from(
        "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n\"Message\",\"Id\",\"ProviderName\",\"TimeCreated\"\r\n",
    );
    for n in 0..30_000 {
        csv.push_str(&format!(
            "\"Health check {n} passed.\r\n\r\nAll virtual machines answered.\",\"100\",\"CceManagementService\",\"12/1/2026 10:00:00 AM\"\r\n"
        ));
    }
    csv.push_str("\"Appliance cannot be recovered automatically, please recover manually.\",\"20006\",\"CceManagementService\",\"12/5/2026 10:14:22 AM\"\r\n");
    assert!(csv.len() > 3 << 20, "crosses the 1 MiB threshold several times: {}", csv.len());
    common::write(dir.path(), "Application.csv", &csv);
    let output = common::ccdiag(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    let report = common::json_of(&output);
    let input = &report["inputs"][0];
    assert_eq!(input["problems"], serde_json::json!([]), "{input}");
    assert_eq!(input["records"], 30_001);
    let fired: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert_eq!(fired, ["CCE105"]);
}

/// Where the same two files can come from: a folder, a zip, a zip in a zip.
fn containers(dir: &std::path::Path) -> Vec<(std::path::PathBuf, &'static str)> {
    let files: [(&str, Vec<u8>); 2] = [("CceManagementService.log", log().into_bytes()), ("console.txt", console())];
    let entries: Vec<(&str, &[u8])> = files.iter().map(|(name, bytes)| (*name, bytes.as_slice())).collect();
    let deflated = zip::CompressionMethod::Deflated;
    let on_disk = dir.join("folder");
    std::fs::create_dir(&on_disk).unwrap();
    for (name, bytes) in &files {
        common::write(&on_disk, name, bytes);
    }
    let in_zip = dir.join("zip");
    std::fs::create_dir(&in_zip).unwrap();
    common::write(&in_zip, "bundle.zip", common::zip_of(&entries, deflated));
    let in_zip_in_zip = dir.join("zip-in-zip");
    std::fs::create_dir(&in_zip_in_zip).unwrap();
    let inner = common::zip_of(&entries, zip::CompressionMethod::Stored);
    common::write(&in_zip_in_zip, "outer.zip", common::zip_of(&[("logs/inner.zip", &inner)], deflated));
    vec![(on_disk, ""), (in_zip, "bundle.zip/"), (in_zip_in_zip, "outer.zip/logs/inner.zip/")]
}

/// [`summary`] with the paths of the inputs' container taken off.
fn summary_inside(scan: &Scan, container: &str) -> (Vec<String>, Vec<(String, usize)>) {
    let (findings, records) = summary(scan);
    let findings = findings.into_iter().map(|f| f.replace(&format!(" {container}"), " ")).collect();
    let records = records.into_iter().map(|(path, n)| (path.replacen(container, "", 1), n)).collect();
    (findings, records)
}

/// Zip entries and stdin are streamed as files on disk are, within the scan's memory budget:
/// whatever the container, the chunk size, the thread count and the budget (down to one byte,
/// where every text waits until it is alone), the report is the same.
#[test]
fn files_in_zips_and_on_stdin_report_what_files_on_disk_report() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::engine();
    let containers = containers(dir.path());
    let whole = ScanOptions { stream_threshold: u64::MAX, ..ScanOptions::default() };
    let expected = summary(&scan(&engine, &containers[0].0, &whole, 1));
    assert_eq!(expected.0.len(), 2, "CCE213 and CCE216 fire: {:?}", expected.0);
    for chunk_bytes in [1, 700, 65_536] {
        for threads in [1, 2] {
            for max_memory in [1, 4096, 100 << 20] {
                let limits = Limits { memory: MemoryBudget::new(max_memory), ..Limits::default() };
                let options = ScanOptions { limits, stream_threshold: 0, chunk_bytes, ..ScanOptions::default() };
                for (root, container) in &containers {
                    let got = summary_inside(&scan(&engine, root, &options, threads), container);
                    let case = format!(
                        "{container:?} in chunks of {chunk_bytes} bytes on {threads} threads, {max_memory} bytes of memory"
                    );
                    assert_eq!(got, expected, "{case}");
                    assert_eq!(options.limits.memory.held(), 0, "{case}: every byte taken was given back");
                }
            }
        }
    }
}

#[test]
fn stdin_reports_what_the_same_file_on_disk_reports() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "CceManagementService.log", log());
    let engine = common::engine();
    let (findings, records) = summary(&scan(&engine, dir.path(), &ScanOptions::default(), 1));
    let on_disk = (
        findings.into_iter().map(|f| f.replace(" CceManagementService.log:", " -:")).collect::<Vec<_>>(),
        records.into_iter().map(|(_, n)| ("-".to_owned(), n)).collect::<Vec<_>>(),
    );
    for (stream_threshold, chunk_bytes) in [(u64::MAX, 1 << 20), (0, 1), (0, 700), (1000, 65_536)] {
        for threads in [1, 2] {
            let limits = Limits { memory: MemoryBudget::new(1), ..Limits::default() };
            let sources = discover::discover(&["-".to_owned()], &limits, std::io::Cursor::new(log()));
            let options = ScanOptions { limits, stream_threshold, chunk_bytes, ..ScanOptions::default() };
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let got = summary(&pool.install(|| scan::scan(&engine, &sources, &options)));
            assert_eq!(
                got, on_disk,
                "stdin past {stream_threshold} bytes in chunks of {chunk_bytes} on {threads} threads"
            );
        }
    }
}

/// Every record and problem of every input, as `ccdiag records` sees them.
fn records(dir: &std::path::Path, options: &ScanOptions, threads: usize) -> Vec<String> {
    let sources = discover::discover(&[dir.display().to_string()], &Limits::default(), std::io::empty());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let mut all = Vec::new();
    pool.install(|| {
        scan::records(&sources, options, &mut |input, records| {
            all.push(format!("{input:?}"));
            all.extend(records.iter().map(|r| format!("{r:?}")));
        });
    });
    all
}

/// Reads `dir` whole, then streamed in chunks of 1 byte to 64 KiB on 1 and 2 threads: the
/// records, problems and findings must be the same every time.
fn assert_streams_as_whole(dir: &std::path::Path) -> (Vec<String>, Vec<String>) {
    let engine = common::engine();
    let whole_options = ScanOptions { stream_threshold: u64::MAX, ..ScanOptions::default() };
    let expected = (records(dir, &whole_options, 1), summary(&scan(&engine, dir, &whole_options, 1)).0);
    for chunk_bytes in [1, 2, 3, 7, 50, 700, 4096, 65_536] {
        for threads in [1, 2] {
            let options = ScanOptions { stream_threshold: 0, chunk_bytes, ..ScanOptions::default() };
            let got = (records(dir, &options, threads), summary(&scan(&engine, dir, &options, threads)).0);
            if got != expected {
                let first = got.0.iter().zip(&expected.0).position(|(g, e)| g != e);
                let at = first.map(|i| (&got.0[i], &expected.0[i]));
                panic!("chunks of {chunk_bytes} bytes on {threads} threads: first difference (got, whole) {at:#?}");
            }
        }
    }
    expected
}

/// CSV, JSON and CLIXML exports of the fixtures, and a few broken ones, cut at every place
/// their cutters allow.
#[test]
fn streamed_exports_report_what_whole_exports_report() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().unwrap();
    let fixtures = [
        "fixtures/bundles/collected/events/Get-WinEvent-System.csv",
        "fixtures/bundles/collected/events/Get-WinEvent-Application.csv",
        "fixtures/CCE105/positive/event-viewer-de/Anwendung.csv",
        "fixtures/CCE205/positive/wuauclt-export-csv-de/System.csv",
        "tests/adversarial/g1/CCE104/04-csv-notypeinformation-edge/fw-edge.csv",
        "tests/adversarial/g2/CCE205/12-msiexec-restart-ha/events.csv",
        "fixtures/bundles/collected/vms/Get-Service.json",
        "fixtures/bundles/collected/host/Get-VM.json",
        "fixtures/CCE218/positive/site-json/Get-CsHybridPSTNSite.json",
        "tests/adversarial/g3/CCE219/04-json-version-objects/module-installed.json",
        "tests/adversarial/g2/CCE211/05-json-msdate-edge/edge-certs.json",
        "fixtures/healthy/events/Get-WinEvent_System.xml",
        "fixtures/CCE205/negative/user-restart-clixml/Get-WinEvent_System.xml",
        "tests/adversarial/g1/CCE102/03-clixml-cms-paused/export/vm-state.xml",
        "tests/adversarial/g3/CCE222/05-export-clixml-program-folder-missing/defender.xml",
        "tests/adversarial/g2/CCE206/03-clixml-user-without-fqdn/Get-CsHybridMediationServer.xml",
    ];
    for (i, path) in fixtures.iter().enumerate() {
        let name = std::path::Path::new(path).file_name().unwrap();
        std::fs::create_dir(dir.path().join(i.to_string())).unwrap();
        std::fs::copy(std::path::Path::new(root).join(path), dir.path().join(i.to_string()).join(name)).unwrap();
    }
    let broken = [
        // ConvertTo-Json -Compress of each object, one a line, and appended exports.
        (
            "ndjson.json",
            "{\"Name\":\"RTCSRV\",\"Status\":4}\n{\"Name\":\"RTCMEDSRV\",\"Status\":1}\n[{\"Name\":\"a\"},\n{\"Name\":\"b\"}]\n\"2.1.0.0\"\n",
        ),
        // A missing comma stops the read, in whichever chunk it falls.
        ("stops.json", "[\n  {\"A\": 1},\n  {\"B\": tru},\n  {\"C\": 3}\n  {\"D\": 4},\n  {\"E\": 5}\n]\n"),
        ("unterminated.json", "[\n  {\"A\": \"x\"},\n  {\"B\": \"unterminated\n  }\n]\n"),
        ("empty-element.json", "[\n  1,\n  ,\n  2\n]\n"),
        (
            "quotes.csv",
            "\"Name\",\"Note\"\n\"a\",\"say \"\"hi\"\"\n\nbye\"\nb\"c,\"d\" tail\n\n\"e\",\"never closed\nf,g\n",
        ),
        (
            "Get-Service.xml",
            "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\n<!-- a <comment>\n-->\n<Obj RefId=\"0\"><TN RefId=\"0\">\n<T>System.ServiceProcess.ServiceController</T>\n</TN>\n<Props><S N=\"Name\">a</S><S N=\"Note\"><![CDATA[<Obj>\n</Objs>]]></S></Props></Obj>\n<Obj RefId=\"1\"><TNRef RefId=\"0\" />\n<Props><S N=\"Name\">b</S></Props></Obj>\n<Obj RefId=\"2\"><TNRef RefId=\"0\" /><Props><S N=\"Name\">c</S></Props>\n</Nope>\n<Obj RefId=\"3\"><TNRef RefId=\"0\" /></Obj>\n</Objs>\n",
        ),
    ];
    for (name, text) in broken {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let (records, findings) = assert_streams_as_whole(dir.path());
    assert!(records.len() > 80, "{}", records.len());
    assert!(!findings.is_empty());
    let text = records.join("\n");
    for problem in [
        "expected `,` or `]`",
        "quoted value never closed; it runs to the end of the file",
        "invalid CLIXML: expected </Obj>, found </Nope>",
    ] {
        assert!(text.contains(problem), "{problem}");
    }
}

/// An Export-Csv of events whose messages hold blank lines inside their quotes: no chunk may
/// end inside a value, whatever its size.
#[test]
fn blank_lines_inside_quoted_values_never_end_a_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from(
        "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n\"Message\",\"Id\",\"ProviderName\",\"TimeCreated\"\r\n",
    );
    for n in 0..40 {
        csv.push_str(&format!(
            "\"Health check {n} passed.\r\n\r\n\r\nAll virtual machines answered.\r\n\",\"100\",\"CceManagementService\",\"12/1/2026 10:00:00 AM\"\r\n\r\n"
        ));
    }
    csv.push_str("\"Appliance cannot be recovered automatically, please recover manually.\",\"20006\",\"CceManagementService\",\"12/5/2026 10:14:22 AM\"\r\n");
    common::write(dir.path(), "Application.csv", &csv);
    let (records, findings) = assert_streams_as_whole(dir.path());
    assert_eq!(records.len(), 42, "the input and its 41 events");
    assert_eq!(findings.len(), 1, "CCE105 fires once: {findings:?}");
    assert!(findings[0].contains(" x1: Application.csv:243-243 "), "{findings:?}");
}
