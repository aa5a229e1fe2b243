//! A bundle laid out as `scripts/Collect-CcDiagBundle.ps1` writes it, byte for byte in its
//! encodings: `Out-File -Encoding Unicode` text (UTF-16LE with a BOM), `ConvertTo-Json -Depth 4`
//! through `Out-File -Encoding UTF8` (UTF-8 with a BOM, Windows PowerShell 5.1's indentation,
//! dates as `\/Date(ms)\/`, enums of local objects as numbers and of remote ones as names),
//! `Export-Csv -Encoding UTF8`, transcripts (UTF-8 with a BOM), files copied as they are, and
//! `wevtutil epl` (`events/System.evtx`: no tool here writes .evtx, so it is the public System
//! log of `fixtures/evtx/system-1.evtx`, see its README; its machines are not this host's).
//!
//! The host is a healthy Cloud Connector 2.1.0.0 appliance of an HA site on Windows Server 2012
//! R2 (the host and VM system the plan article requires) with WMF 5.1, collected with the
//! Edge unreachable by Kerberos (three steps in `collection-errors.txt`), with one real
//! problem: the appliance directory moved to `D:\CCE\Appliance` and Defender still excludes the
//! old `C:\CCE\Appliance` (CCE222). Every input must be read as the kind its writer makes, and
//! nothing but CCE222 may fire, from the folder or from the zip `Compress-Archive` makes of it.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{FIXTURES, scan, write, zip_of};

/// Each file the script writes, the kind ccdiag must read it as, and its encoding.
const INPUTS: &[(&str, &str, &str)] = &[
    ("Appliance/CloudConnector.ini", "cloudconnector_ini", "utf-8"),
    ("ManagementService/CceManagementService.log", "cce_log", "utf-8"),
    ("ProgramData/CloudConnector/module.ini", "module_ini", "utf-8"),
    ("UserProfile/CloudConnector/module.ini", "module_ini", "utf-8"),
    ("collection-errors.txt", "ps_console", "utf-16le-bom"),
    ("events/Get-WinEvent-Application.csv", "csv_export", "utf-8-bom"),
    ("events/Get-WinEvent-System.csv", "csv_export", "utf-8-bom"),
    ("events/System.evtx", "evtx", ""),
    ("host/Get-CcApplianceDirectory.txt", "ps_console", "utf-16le-bom"),
    ("host/Get-CcRunningVersion.txt", "ps_console", "utf-16le-bom"),
    ("host/Get-CcSiteDirectory.txt", "ps_console", "utf-16le-bom"),
    ("host/Get-CcVersion.txt", "ps_console", "utf-16le-bom"),
    ("host/Get-ChildItem-Cert.json", "json_export", "utf-8-bom"),
    ("host/Get-ItemProperty.txt", "ps_console", "utf-16le-bom"),
    ("host/Get-Module.txt", "ps_console", "utf-16le-bom"),
    ("host/Get-MpPreference.json", "json_export", "utf-8-bom"),
    ("host/Get-NetIPAddress.txt", "ps_console", "utf-16le-bom"),
    ("host/Get-VM.json", "json_export", "utf-8-bom"),
    ("host/Get-VMNetworkAdapter.json", "json_export", "utf-8-bom"),
    ("host/reg-query-NDP.txt", "ps_console", "utf-16le-bom"),
    ("online/Get-CsHybridMediationServer.txt", "ps_console", "utf-16le-bom"),
    ("online/Get-CsHybridPSTNAppliance.txt", "ps_console", "utf-16le-bom"),
    ("online/Get-CsHybridPSTNSite.txt", "ps_console", "utf-16le-bom"),
    ("transcripts/PowerShell_transcript.CCE-HOST01.Zx3k9Qm4.20261118093012.txt", "ps_transcript", "utf-8-bom"),
    ("transcripts/ccdiag-collection.CCE-HOST01.20261205102031.txt", "ps_transcript", "utf-8-bom"),
    ("vms/CMS/systeminfo.txt", "ps_console", "utf-16le-bom"),
    ("vms/Get-NetFirewallRule.json", "json_export", "utf-8-bom"),
    ("vms/Get-Service.json", "json_export", "utf-8-bom"),
    ("vms/MS1/systeminfo.txt", "ps_console", "utf-16le-bom"),
];

fn bundle() -> std::path::PathBuf {
    Path::new(FIXTURES).join("bundles/collected")
}

/// Checks a JSON report of the bundle: the inputs (each under `prefix`), the one finding, and
/// every other rule passed or out of its versions.
fn check(report: &Value, prefix: &str) {
    let inputs = report["inputs"].as_array().expect("inputs");
    let mut wrong = Vec::new();
    for (path, kind, encoding) in INPUTS {
        let path = format!("{prefix}{path}");
        let Some(input) = inputs.iter().find(|i| i["path"] == path.as_str()) else {
            wrong.push(format!("{path}: not in the report"));
            continue;
        };
        let (got_kind, got_encoding) = (input["kind"].as_str(), input["encoding"].as_str().unwrap_or(""));
        if got_kind != Some(*kind) || got_encoding != *encoding {
            wrong.push(format!("{path}: read as {got_kind:?} {got_encoding:?}, meant {kind} {encoding}"));
        }
        if input["records"].as_u64().unwrap_or(0) == 0 {
            wrong.push(format!("{path}: no record"));
        }
        if input["problems"].as_array().is_none_or(|p| !p.is_empty()) {
            wrong.push(format!("{path}: problems {}", input["problems"]));
        }
    }
    assert_eq!(inputs.len(), INPUTS.len(), "the script's files and nothing else: {inputs:#?}");
    assert!(wrong.is_empty(), "every input read as its writer made it:\n{}", wrong.join("\n"));

    let findings = report["findings"].as_array().expect("findings");
    let ids: Vec<&str> = findings.iter().filter_map(|f| f["rule_id"].as_str()).collect();
    assert_eq!(ids, ["CCE222"], "only the missing exclusion fires: {findings:#?}");
    let evidence = &findings[0]["evidence"][0];
    assert_eq!(evidence["path"], format!("{prefix}host/Get-MpPreference.json").as_str());
    assert_eq!(evidence["fields"]["missing_paths"], r"D:\CCE\Appliance", "{evidence:#}");
    assert_eq!(evidence["fields"]["missing_processes"], "", "{evidence:#}");
    let steps = findings[0]["remediation"].to_string();
    assert!(steps.contains(r"Add-MpPreference -ExclusionPath ('D:\\CCE\\Appliance'"), "{steps}");

    for outcome in report["outcomes"].as_array().expect("outcomes") {
        let (id, status, reason) = (&outcome["rule_id"], &outcome["status"], outcome["reason"].as_str().unwrap_or(""));
        let out_of_range = status == "not_applicable" && reason.contains("outside the affected versions");
        assert!(
            status == "passed" || out_of_range || id == "CCE222",
            "{id} is {status} ({reason}); on this bundle every rule but CCE222 has what it needs and passes"
        );
    }
    // The collection's own transcript dates the bundle (certificates are judged against it), in
    // the host's local time, which a transcript stamp states without a zone.
    assert_eq!(report["host"]["collection_time"], "2026-12-05T10:21:22");
    assert_eq!(report["host"]["collection_time_zone"], "host_local");
    assert_eq!(
        report["host"]["reference"],
        serde_json::json!({"time": "2026-12-05T10:21:22", "zone": "host_local", "source": "inputs"})
    );
    assert_eq!(report["host"]["version_facts"][0]["role"], "running");
    assert_eq!(report["host"]["machines"], serde_json::json!(["CCE-HOST01"]));
}

#[test]
fn the_collected_bundle_is_read_as_written_and_shows_its_one_problem() {
    let report: Value = serde_json::from_str(&scan(&bundle(), "json", &[])).unwrap();
    check(&report, "");
}

/// Windows PowerShell 5.1's `Compress-Archive` names entries with backslashes
/// (`ccdiag-bundle-...\host\Get-VM.json`); the zip must read as the folder does.
#[test]
fn the_zip_compress_archive_makes_reads_as_the_folder() {
    let root = bundle();
    let folder = "ccdiag-bundle-CCE-HOST01-20261205-102031";
    let mut files: Vec<(String, Vec<u8>)> = INPUTS
        .iter()
        .map(|(path, _, _)| {
            (format!("{folder}\\{}", path.replace('/', "\\")), std::fs::read(root.join(path)).expect("fixture file"))
        })
        .collect();
    files.sort();
    let entries: Vec<(&str, &[u8])> = files.iter().map(|(name, bytes)| (name.as_str(), bytes.as_slice())).collect();
    let dir = tempfile::tempdir().unwrap();
    let zip_name = format!("{folder}.zip");
    write(dir.path(), &zip_name, zip_of(&entries, zip::CompressionMethod::Deflated));
    let report: Value = serde_json::from_str(&scan(dir.path(), "json", &[])).unwrap();
    check(&report, &format!("{zip_name}/{folder}/"));
}
