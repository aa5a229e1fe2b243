//! Big files are read in chunks matched in parallel. Whatever the chunk boundaries and the
//! thread count, a scan must report exactly what reading the file whole reports: the same
//! findings, evidence lines and record counts. The thresholds are lowered here so that small
//! files cross hundreds of chunk edges.

use ccdiag::engine::{Engine, Scan, ScanOptions};
use ccdiag::input::discover;
use ccdiag::input::limits::Limits;
use ccdiag::rules::load;

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
            text.push_str("Dismount-WindowsImage : Dismount-WindowsImage failed. Error code = 0xc1550115\r\n    + CategoryInfo          : NotSpecified: (:) [Dismount-WindowsImage], COMException\r\n    + FullyQualifiedErrorId : Microsoft.Dism.Commands.DismountWindowsImageCommand\r\n\r\n");
        }
    }
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

fn scan(engine: &Engine, dir: &std::path::Path, options: &ScanOptions, threads: usize) -> Scan {
    let sources = discover::discover(&[dir.display().to_string()], &Limits::default(), &mut std::io::empty());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| engine.scan(&sources, options))
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
    let engine = Engine::new(load::built_in().unwrap()).unwrap();

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
