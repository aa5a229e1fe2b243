//! `--redact` leaves no personal value of a bundle in any format, and keeps what a reader
//! needs: product, service and cmdlet names, error text, file names, GUIDs and versions.
//!
//! The bundle is written here with names of our own in every place a host puts them: the
//! transcript's machine (so its file name), `DOMAIN\user`, a profile path, a UPN, a tenant,
//! host FQDNs, and IPv4 and IPv6 addresses in the ini, the log and cmdlet output.

use std::path::{Path, PathBuf};
use std::process::Command;

use ccdiag::report::{Format, Report, redact};
use ccdiag::ruletest;

mod common;

/// Every value that must not survive; searched for in any letter case.
const ORIGINALS: &[&str] = &[
    "FAB-CCE07",
    "jdoe",
    "fabrikam",
    "fabrikamcorp",
    "fabrikam.com",
    "cce.fabrikam.local",
    "sip.fabrikam.com",
    "10.20.30.40",
    "10.20.30.3",
    "10.20.30.99",
    "2001:db8:20::40",
    "fe80::215:5dff:fe0a:102",
];

/// What the report needs to stay useful.
const KEPT: &[&str] = &[
    "REPLICA",
    "RTCSRV",
    "ConvertTo-SecureString",
    "Key not valid for use in specified state",
    "CloudConnector.ini",
    "CceManagementService.log",
    "Get-VMNetworkAdapter",
    "Install-CcAppliance",
    "6F9619FF-8B86-D011-B42D-00C04FC964FF",
    "2.1.0.0",
    "admin1b.online.lync.com",
];

struct Bundle(PathBuf);

impl Bundle {
    fn new(name: &str) -> Bundle {
        let root = std::env::temp_dir().join(format!("ccdiag-redact-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text.replace('\n', "\r\n")).unwrap();
        };
        write(
            "Appliance/CloudConnector.ini",
            "[Common]\nSIPDomains=fabrikam.com\nVirtualMachineDomain=cce.fabrikam.local\nServerName=DC\n\
             IP=10.20.30.2/24\nCountryCode=US\nCity=Redmond\n\n[PrimaryCMS]\nServerName=CMS\nIP=10.20.30.3\n",
        );
        write("ProgramData/CloudConnector/module.ini", "[RunningVersion]\nVersion=2.1.0.0\n");
        write(
            "ManagementService/CceManagementService.log",
            "CceService Information: 0 : Cloud Connector Management Service started.\n\
             CceService Error: 0 : Unexpected exception when reporting status to online for appliance FAB-CCE07 \
             (10.20.30.40, 2001:db8:20::40) as FABRIKAM\\jdoe: System.Management.Automation.RuntimeException: \
             ConvertTo-SecureString : Key not valid for use in specified state.\n \
             ---> System.Security.Cryptography.CryptographicException: Key not valid for use in specified state. \
             File C:\\Users\\jdoe\\AppData\\Local\\credentials.xml, owner jdoe@fabrikam.com, tenant \
             fabrikamcorp.onmicrosoft.com, services REPLICA and RTCSRV, request {6F9619FF-8B86-D011-B42D-00C04FC964FF}\n   \
             at Microsoft.Rtc.CCE.ManagementService.OnlineReporter.ReportStatus() on sip.fabrikam.com\n",
        );
        write(
            "cmdlets/Get-VMNetworkAdapter.txt",
            "\nName            IsManagementOs VMName      SwitchName             MacAddress   Status IPAddresses\n\
             ----            -------------- ------      ----------             ----------   ------ -----------\n\
             Network Adapter False          2.1.0.0-DC  SfB CCE Corpnet Switch 00155D0A0101 {Ok}   {10.20.30.2}\n\
             Network Adapter False          2.1.0.0-CMS SfB CCE Corpnet Switch 00155D0A0102 {Ok}   \
             {10.20.30.99, fe80::215:5dff:fe0a:102}\n",
        );
        write(
            "transcripts/PowerShell_transcript.FAB-CCE07.20261118093012.txt",
            "**********************\nWindows PowerShell transcript start\nStart time: 20261118093012\n\
             Username: FABRIKAM\\jdoe\nRunAs User: FABRIKAM\\jdoe\nMachine: FAB-CCE07 (Microsoft Windows NT 10.0.14393.0)\n\
             PSVersion: 5.1.14393.4583\n**********************\n\
             PS C:\\Users\\jdoe> $s = New-PSSession -ConnectionUri $uri -Credential $cred\n\
             New-PSSession : [admin1b.online.lync.com] Connecting to remote server admin1b.online.lync.com failed with \
             the following error message : The WS-Management service cannot process the request. The maximum number \
             of concurrent shells for this tenant has been exceeded. Close existing shells or raise the quota for this \
             tenant.\n\
             At line:1 char:6\n\
                 + CategoryInfo          : OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) \
             [New-PSSession], PSRemotingTransportException\n\
                 + FullyQualifiedErrorId : -2144108174,PSSessionOpenFailed\n\
             PS C:\\Users\\jdoe> Stop-Transcript\n**********************\nWindows PowerShell transcript end\n\
             End time: 20261118101544\n**********************\n",
        );
        Bundle(root)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Bundle {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const FORMATS: [Format; 5] = [Format::Text, Format::Markdown, Format::Json, Format::Html, Format::Sarif];

fn report(bundle: &Bundle) -> Report {
    let engine = common::engine();
    Report::build(&engine, ruletest::scan_case(&engine, bundle.path()))
}

fn survivors(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    ORIGINALS.iter().copied().filter(|o| lower.contains(&o.to_lowercase())).collect()
}

#[test]
fn the_bundle_carries_the_originals_unredacted() {
    // Without this the test below could pass on a report that never showed the values.
    let bundle = Bundle::new("plain");
    let report = report(&bundle);
    let fired: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(fired, ["CCE201", "CCE213", "CCE215", "SFB009"]);
    let all: String = FORMATS.iter().map(|&f| report.render(f, false)).collect();
    assert_eq!(survivors(&all), ORIGINALS, "the fixture should show every original");
}

#[test]
fn no_original_survives_in_any_format() {
    let bundle = Bundle::new("redacted");
    let mut report = report(&bundle);
    let mappings = redact::redact(&mut report);
    for format in FORMATS {
        let text = report.render(format, false);
        assert!(survivors(&text).is_empty(), "{format:?} keeps {:?}:\n{text}", survivors(&text));
        for kept in KEPT {
            assert!(text.contains(kept), "{format:?} lost {kept}");
        }
    }
    // The same value, the same pseudonym, everywhere: the transcript's machine in its path and
    // in the host facts.
    let host = mappings.iter().find(|m| m.original == "FAB-CCE07").expect("the machine is mapped");
    assert_eq!(host.pseudonym, "host-1");
    assert_eq!(report.host.hosts, ["host-1"]);
    assert!(report.inputs.iter().any(|i| i.path == "transcripts/PowerShell_transcript.host-1.20261118093012.txt"));
    let text = report.render(Format::Text, false);
    assert!(text.contains("\nRedacted user, host, domain"), "the text report says so");
    assert!(report.render(Format::Markdown, false).contains("\nRedacted: "));
    assert!(report.render(Format::Json, false).contains("\"redacted\": true"));
    assert!(text.contains("user-1@domain-"), "{text}");
    assert!(text.contains("tenant-1.onmicrosoft.com"));
    assert!(text.contains("C:\\Users\\user-1\\AppData"));
}

#[test]
fn the_cli_writes_the_map_apart_from_the_report() {
    let bundle = Bundle::new("cli");
    let map = bundle.path().with_extension("map.json");
    let output = Command::new(env!("CARGO_BIN_EXE_ccdiag"))
        .args(["scan", "--format", "html", "--redact-map"])
        .arg(&map)
        .arg(bundle.path())
        .output()
        .expect("ccdiag runs");
    assert_eq!(output.status.code(), Some(1), "findings exit with 1");
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(survivors(&page).is_empty(), "the page keeps {:?}", survivors(&page));
    assert!(page.contains("Redacted:"));
    let written = std::fs::read_to_string(&map).expect("the map is written");
    let _ = std::fs::remove_file(&map);
    let json: serde_json::Value = serde_json::from_str(&written).unwrap();
    let rows = json["pseudonyms"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["original"] == "10.20.30.40" && r["kind"] == "ipv4"));
    assert!(rows.iter().any(|r| r["original"] == "jdoe" && r["pseudonym"] == "user-1"));
    assert!(output.stderr.is_empty(), "nothing on stderr off a terminal");
}

/// Services stopped on the appliance's CMS, named with its domain: their state
/// (`MASTER on CMS.cce.fabrikam.local is Stopped`) is made of names as much as their captures.
const STOPPED: &str = "Status   Name               DisplayName                            PSComputerName\n\
------   ----               -----------                            --------------\n\
Stopped  REPLICA            Skype for Business Replica Replicat... CMS.cce.fabrikam.local\n\
Stopped  MASTER             Skype for Business Master Replicato... CMS.cce.fabrikam.local\n";

#[test]
fn suppressed_evidence_its_reason_and_entity_states_are_redacted_too() {
    let bundle = Bundle::new("suppressed");
    std::fs::write(bundle.path().join("cmdlets/Get-Service.txt"), STOPPED.replace('\n', "\r\n")).unwrap();
    let mut engine = common::engine();
    let config = ccdiag::config::Config::parse(
        "ccdiag.toml",
        "[[suppress]]\nrule = \"CCE101\"\nwhere = { Name = \"MASTER\" }\n\
         reason = \"CMS.cce.fabrikam.local is rebuilt by jdoe@fabrikam.com\"\n\n\
         [[suppress]]\nrule = \"SFB009\"\nreason = \"jdoe closes his sessions\"\n",
        &engine,
    )
    .unwrap();
    ccdiag::config::configure(&mut engine, Some(&config), &Default::default(), 0).unwrap();
    let mut report = Report::build(&engine, ruletest::scan_case(&engine, bundle.path()));
    let suppressed: Vec<(&str, bool)> =
        report.suppressed.iter().map(|s| (s.rule_id.as_str(), s.whole_finding)).collect();
    assert_eq!(suppressed, [("CCE101", false), ("SFB009", true)]);
    let plain: String = FORMATS.iter().map(|&f| report.render(f, false)).collect();
    for shown in ["REPLICA on CMS.cce.fabrikam.local is Stopped", "MASTER on CMS.cce.fabrikam.local is Stopped"] {
        assert!(plain.contains(shown), "the unredacted report shows {shown}");
    }
    redact::redact(&mut report);
    for format in FORMATS {
        let text = report.render(format, false);
        assert!(survivors(&text).is_empty(), "{format:?} keeps {:?}:\n{text}", survivors(&text));
    }
    let text = report.render(Format::Text, false);
    assert!(text.contains("reason: host-") && text.contains(" is rebuilt by user-1@domain-"), "{text}");
    assert!(text.contains("state: REPLICA on host-") && text.contains("state: MASTER on host-"), "{text}");
}

/// A host whose VMs and domain have names of their own: CloudConnector.ini names the VMs
/// (`CCEEDGE1`), Hyper-V shows them with the version (`2.1.0.0-CCEEDGE1`), the collection
/// script writes a folder per VM (`vms/CCECMS/`), and certificates name the domain the LDAP way
/// (`DC=cce, DC=fabrikam, DC=local`) and the CA after its server (`cce-CCEDC-CA`).
fn named_vms_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let case = Path::new(common::FIXTURES).join("CCE211/positive/certutil-store-cms");
    let rename = |text: &str| {
        text.replace("ServerName=DC", "ServerName=CCEDC")
            .replace("ServerName=CMS", "ServerName=CCECMS")
            .replace("ServerName=MS1", "ServerName=CCEMS1")
            .replace("ServerName=EDGE1", "ServerName=CCEEDGE1")
            .replace("cce-DC-CA", "cce-CCEDC-CA")
            .replace("CN=CMS.", "CN=CCECMS.")
            .replace("contoso", "fabrikam")
    };
    let ini = std::fs::read_to_string(case.join("CloudConnector.ini")).unwrap();
    common::write(dir.path(), "Appliance/CloudConnector.ini", rename(&ini));
    let listing = std::fs::read(case.join("CMS/certutil-store-My.txt")).unwrap();
    let listing = String::from_utf16(
        &listing[2..].chunks(2).map(|pair| u16::from_le_bytes([pair[0], pair[1]])).collect::<Vec<_>>(),
    )
    .unwrap();
    common::write(dir.path(), "vms/CCECMS/certutil-store-My.txt", common::utf16le_bom(&rename(&listing)));
    common::write(dir.path(), "now", "2026-12-01T00:00:00Z");
    let module_ini = std::fs::read(Path::new(common::EXAMPLE).join("ProgramData/CloudConnector/module.ini")).unwrap();
    common::write(dir.path(), "ProgramData/CloudConnector/module.ini", module_ini);
    common::write(
        dir.path(),
        "host/Get-VM.txt",
        common::utf16le_bom(
            "\r\nName             State   CPUUsage(%) MemoryAssigned(M) Uptime   Status             Version\r\n\
             ----             -----   ----------- ----------------- ------   ------             -------\r\n\
             2.1.0.0-CCEEDGE1 Saved   0           0                 00:00:00 Operating normally 8.0\r\n\r\n",
        ),
    );
    dir
}

#[test]
fn vm_names_folders_ldap_domains_and_ca_names_are_redacted_alike_in_every_format() {
    let dir = named_vms_bundle();
    let engine = common::engine();
    let mut report = Report::build(&engine, ruletest::scan_case(&engine, dir.path()));
    let fired: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(fired, ["CCE102", "CCE211"], "the fixture shows the names in findings");
    let plain: String = FORMATS.iter().map(|&f| report.render(f, false)).collect();
    let originals = ["CCEEDGE1", "CCECMS", "CCEDC", "DC=fabrikam", "cce-CCEDC-CA", "fabrikam"];
    for original in originals {
        assert!(plain.contains(original), "the plain report shows {original}");
    }
    let mappings = redact::redact(&mut report);
    for format in FORMATS {
        let text = report.render(format, false);
        for original in originals {
            assert!(!text.to_lowercase().contains(&original.to_lowercase()), "{format:?} keeps {original}:\n{text}");
        }
        assert!(text.contains("Start-VM"), "{format:?}");
    }
    let concise = report.render(Format::Concise, false);
    assert!(concise.contains("CCE102") && concise.contains("vms/host-"), "{concise}");
    for original in originals {
        assert!(!concise.to_lowercase().contains(&original.to_lowercase()), "concise keeps {original}:\n{concise}");
    }
    let pseudonym = |original: &str| {
        mappings.iter().find(|m| m.original.eq_ignore_ascii_case(original)).map(|m| m.pseudonym.clone()).unwrap()
    };
    let (edge, cms) = (pseudonym("CCEEDGE1"), pseudonym("CCECMS"));
    let domain = pseudonym("cce.fabrikam.local");
    assert_eq!(pseudonym("DC=cce, DC=fabrikam, DC=local"), format!("DC={domain}"), "one domain, one pseudonym");
    assert_eq!(pseudonym("cce-CCEDC-CA"), "ca-1");
    let text = report.render(Format::Text, false);
    assert!(text.contains(&format!("Start-VM -Name '2.1.0.0-{edge}'")), "{text}");
    assert!(text.contains(&format!("vms/{cms}/certutil-store-My.txt")), "{text}");
    assert!(text.contains(&format!("CN=ca-1, DC={domain}")), "{text}");
}
