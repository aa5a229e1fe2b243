//! Host-level facts gathered from all inputs before rules run: versions, the collection time,
//! host names, CloudConnector.ini values, and fact tables for joins.
//!
//! This is where product knowledge that spans files lives (insights-core calls these
//! combiners): which ini key names which VM and which of its addresses, which file says
//! which version. Rules stay plain YAML and compare fields with these facts.

use std::collections::BTreeMap;

use crate::parse::FileKind;
use crate::record::{Record, RecordKind, Span};
use crate::time::{self, Timestamp};
use crate::version::Version;

mod certificates;
pub mod check;
mod exclusions;
mod keep;
mod mediation;
mod network;
pub mod registry;
mod sessions;
pub mod settings;
mod sites;
mod versions;

pub use certificates::CERTIFICATE_WARNING_DAYS;
pub use keep::keep;
pub use sessions::{TENANT_SESSION_LIMIT, USER_SESSION_LIMIT};
pub use settings::Settings;

/// Fact tables a rule can `join` against or scope its entities by.
///
/// - `vm_nics`: the addresses CloudConnector.ini gives each VM, `{vm, role, nic, ip}`.
/// - `cce_vms`: the appliance's VMs, `{vm, role, monitored, firewall}`: the services and the
///   inbound firewall rule the management service watches on each, for the host's version.
/// - `deployment`: the running deployment, `{version}`, when an input states it.
/// - `host_site`: the host's PSTN site, `{site}`, from CloudConnector.ini.
/// - `ha_sites`: the sites the latest appliance listing shows with more than one appliance,
///   `{site}` (present, possibly empty, whenever an input lists appliances).
/// - `management_switches`: the names of the appliance's management switch, `{name}`: the
///   article's `Cloud Connector Management Switch` and CloudConnector.ini's
///   `ManagementSwitchName` when it names another. Always present.
///
/// A table no input gave is absent, not empty: a scope over it limits nothing.
pub const TABLES: &[&str] = &["vm_nics", "cce_vms", "deployment", "host_site", "ha_sites", "management_switches"];

/// The management switch's name where CloudConnector.ini does not give one.
const MANAGEMENT_SWITCH: &str = "Cloud Connector Management Switch";

/// A row of a fact table: column name to value.
pub type FactRow = BTreeMap<String, String>;

/// What one input contributes: its path, kind, the cmdlet its name says produced it (an
/// empty output has no record to say so), and the records facts read.
pub struct InputRecords<'a> {
    pub path: &'a str,
    pub kind: FileKind,
    pub producer: Option<&'a str>,
    pub records: &'a [Record],
}

/// A version and the input it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionFact {
    /// `running`, `backup` or `script`.
    pub role: &'static str,
    pub version: Version,
    pub path: String,
    /// Where the input states it.
    pub span: Span,
}

/// The time expiry checks compare with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceTime {
    pub at: Timestamp,
    pub zone: time::Zone,
    pub source: ReferenceSource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceSource {
    /// `--now`, taken as UTC when it states no offset.
    Now,
    /// The newest time the inputs state.
    Inputs,
    /// This machine's clock, when no input states a time.
    Clock,
}

impl ReferenceSource {
    /// As the JSON contract names it.
    pub fn name(self) -> &'static str {
        match self {
            ReferenceSource::Now => "--now",
            ReferenceSource::Inputs => "inputs",
            ReferenceSource::Clock => "clock",
        }
    }

    /// As reasons and reports say it.
    pub fn describe(self) -> &'static str {
        match self {
            ReferenceSource::Now => "--now",
            ReferenceSource::Inputs => "the newest time stated in the inputs",
            ReferenceSource::Clock => "the clock of this machine",
        }
    }
}

impl ReferenceTime {
    /// `2026-11-18T10:15:44 local time of the host (the newest time stated in the inputs)`.
    pub fn shown(&self) -> String {
        format!("{} ({})", time::shown_in(self.at, self.zone), self.source.describe())
    }
}

#[derive(Debug, Default)]
pub struct Facts {
    pub versions: Vec<VersionFact>,
    /// Newest time the inputs themselves state (transcript starts and ends, log entries).
    pub collection_time: Option<Timestamp>,
    /// Whether the inputs stated the zone of the collection time.
    pub collection_zone: time::Zone,
    /// The time expiry checks compare with, and where it came from.
    pub reference_time: Option<ReferenceTime>,
    pub hosts: Vec<String>,
    /// CloudConnector.ini as `section.key` (lower case) to value, first file wins.
    pub ini: BTreeMap<String, String>,
    pub tables: BTreeMap<&'static str, Vec<FactRow>>,
    /// The time of the newest entry of each management service log, by path: how far a log
    /// shows that a problem did not come back.
    pub log_end: BTreeMap<String, Timestamp>,
    /// Thresholds the checks compare with (`[settings]` of ccdiag.toml, else the defaults).
    pub settings: Settings,
}

impl Facts {
    /// Gathers facts. `now` is the user's `--now`; without it, expiry checks compare with the
    /// collection time the inputs state, else with the clock.
    pub fn gather(inputs: &[InputRecords<'_>], now: Option<Timestamp>) -> Facts {
        let mut facts = Facts::default();
        let mut running_vms = RunningVms::default();
        for input in inputs {
            // Text a command printed is read with that command's arguments in mind.
            let mut command = None;
            for record in input.records {
                if record.kind == RecordKind::PsCommand {
                    command = record.get("command");
                }
                running_vms.note(input.path, record);
                facts.absorb(input, record, command);
            }
        }
        facts.versions.extend(running_vms.version());
        facts.hosts.sort();
        facts.hosts.dedup();
        facts.tables.insert("vm_nics", vm_nics(&facts.ini));
        // A scope table is there only when an input gave it: without one, nothing is limited.
        let version = facts.cce_version().map(|v| v.version.clone());
        let vms = cce_vms(&facts.ini, version.as_ref());
        if !vms.is_empty() {
            facts.tables.insert("cce_vms", vms);
        }
        if let Some(version) = version {
            facts.tables.insert("deployment", vec![FactRow::from([("version".to_owned(), version.four_parts())])]);
        }
        let mut switches = vec![MANAGEMENT_SWITCH.to_owned()];
        switches.extend(
            ini_value(&facts.ini, "network", &["managementswitchname"])
                .filter(|name| !name.eq_ignore_ascii_case(MANAGEMENT_SWITCH)),
        );
        facts.tables.insert(
            "management_switches",
            switches.into_iter().map(|name| FactRow::from([("name".to_owned(), name)])).collect(),
        );
        if let Some(site) = ini_value(&facts.ini, "common", &["sitename"]) {
            facts.tables.insert("host_site", vec![FactRow::from([("site".to_owned(), site)])]);
        }
        if let Some(sites) = sites::ha_sites(inputs) {
            facts
                .tables
                .insert("ha_sites", sites.into_iter().map(|s| FactRow::from([("site".to_owned(), s)])).collect());
        }
        facts.reference_time = match (now, facts.collection_time) {
            (Some(now), _) => Some(ReferenceTime { at: now, zone: time::Zone::Utc, source: ReferenceSource::Now }),
            (None, Some(collected)) => {
                Some(ReferenceTime { at: collected, zone: facts.collection_zone, source: ReferenceSource::Inputs })
            }
            (None, None) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|d| i64::try_from(d.as_secs()).ok())
                .map(|at| ReferenceTime { at, zone: time::Zone::Utc, source: ReferenceSource::Clock }),
        };
        facts
    }

    /// Whether [`Facts::gather`] reads `record` (the newest log entry and the commands aside,
    /// see [`keep`]).
    fn reads(record: &Record) -> bool {
        match record.kind {
            RecordKind::IniSection | RecordKind::PsSession => true,
            RecordKind::Text => check::by_cc_cmdlet(record),
            RecordKind::PsObject => vm_version(record).is_some(),
            _ => false,
        }
    }

    fn absorb(&mut self, input: &InputRecords<'_>, record: &Record, command: Option<&str>) {
        match (input.kind, record.kind) {
            (FileKind::CloudConnectorIni, RecordKind::IniSection) => {
                let section = record.get("section").unwrap_or_default().to_ascii_lowercase();
                for (key, value) in record.fields.iter().skip(1).filter(|(k, _)| k != "file") {
                    self.ini.entry(format!("{section}.{}", key.to_ascii_lowercase())).or_insert_with(|| value.clone());
                }
            }
            // `[RunningVersion] Version=2.1.0.0`, or `RunningVersion=2.1.0.0` among other keys.
            (FileKind::ModuleIni, RecordKind::IniSection) => {
                let section = record.get("section").unwrap_or_default().to_ascii_lowercase();
                for (key, value) in record.fields.iter().skip(1).filter(|(k, _)| k != "file") {
                    let named = format!("{section} {}", key.to_ascii_lowercase());
                    let role = if named.contains("running") {
                        "running"
                    } else if named.contains("backup") {
                        "backup"
                    } else {
                        continue;
                    };
                    if let Some(version) = Version::parse(value) {
                        self.note_version(role, version, input.path, record);
                    }
                }
            }
            (_, RecordKind::Text) => {
                let version_type = |wanted: &str| {
                    command.is_some_and(|c| c.to_ascii_lowercase().replace(['\'', '"'], "").contains(wanted))
                };
                let role = match record.get("producer").map(str::to_ascii_lowercase).as_deref() {
                    Some("get-ccrunningversion") => "running",
                    Some("get-ccversion") if version_type("runningbits") => "running",
                    Some("get-ccversion") if version_type("backupbits") => "backup",
                    Some("get-ccversion") => "script",
                    _ => return,
                };
                if let Some(version) = record.get("line").and_then(Version::parse) {
                    self.note_version(role, version, input.path, record);
                }
            }
            (_, RecordKind::PsSession) => {
                if let Some(machine) = record.get("machine").filter(|m| !m.is_empty()) {
                    self.hosts.push(machine.to_owned());
                }
                self.note_time(record.get("start_time_iso"));
                self.note_time(record.get("end_time_iso"));
            }
            (_, RecordKind::CceLog) => {
                self.note_time(record.get("datetime"));
                if let Some(at) = record.context.at {
                    let end = self.log_end.entry(input.path.to_owned()).or_insert(at);
                    *end = (*end).max(at);
                }
            }
            _ => {}
        }
    }

    /// A version an input states, where it states it last: a console that runs Get-CcVersion
    /// a thousand times states one version, not a thousand. What the checks read survives,
    /// since they want each role's newest statement and every version stated.
    fn note_version(&mut self, role: &'static str, version: Version, path: &str, record: &Record) {
        self.versions.retain(|v| !(v.role == role && v.version == version && v.path == path));
        self.versions.push(VersionFact { role, version, path: path.to_owned(), span: record.span.clone() });
    }

    fn note_time(&mut self, text: Option<&str>) {
        if let Some(text) = text
            && let Some(time) = time::parse(text)
            && self.collection_time.is_none_or(|current| time > current)
        {
            self.collection_time = Some(time);
            self.collection_zone = time::Zone::of(text);
        }
    }

    /// The Cloud Connector version rules are checked against: the running version where an
    /// input states it, else the script version.
    pub fn cce_version(&self) -> Option<&VersionFact> {
        self.newest("running").or_else(|| self.newest("script"))
    }

    /// The newest version an input states in `role` (`running`, `backup`, `script`).
    pub fn newest(&self, role: &str) -> Option<&VersionFact> {
        self.versions.iter().filter(|v| v.role == role).max_by(|a, b| a.version.cmp(&b.version))
    }

    /// A value for a `{fact.NAME}` placeholder.
    pub fn lookup(&self, name: &str) -> Option<String> {
        match name {
            "version" => self.cce_version().map(|v| v.version.to_string()),
            "collection_time" => self.collection_time.map(|t| time::format_in(t, self.collection_zone)),
            "host" => self.hosts.first().cloned(),
            _ => name.strip_prefix("ini.").and_then(|key| self.ini.get(&key.to_ascii_lowercase()).cloned()),
        }
    }
}

/// The version in a Cloud Connector VM's name (`2.1.0.0-CMS`), and whether the VM is running.
fn vm_version(record: &Record) -> Option<(Version, bool)> {
    let name = record.get("Name")?;
    let state = record.get("State")?;
    let (version, role) = name.split_once('-')?;
    let four_parts =
        version.split('.').count() == 4 && version.split('.').all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if !four_parts || role.is_empty() {
        return None;
    }
    // Get-VM shows `Running`; Windows PowerShell 5.1 exports the VMState enum as 2.
    Some((Version::parse(version)?, matches!(state.trim(), "Running" | "2")))
}

/// The running deployment as Hyper-V shows it: Cloud Connector names its VMs after the version
/// they run (`Get-CcVersion` article, RunningBits), so the VMs that run tell the running
/// version, when they all agree.
#[derive(Default)]
struct RunningVms {
    /// The first running VM seen, where it was seen.
    first: Option<(Version, String, Span)>,
    /// Some running VM names another version.
    disagree: bool,
}

impl RunningVms {
    fn note(&mut self, path: &str, record: &Record) {
        if record.kind == RecordKind::PsObject
            && let Some((version, true)) = vm_version(record)
        {
            match &self.first {
                None => self.first = Some((version, path.to_owned(), record.span.clone())),
                Some((first, _, _)) => self.disagree |= *first != version,
            }
        }
    }

    fn version(self) -> Option<VersionFact> {
        let (version, path, span) = self.first.filter(|_| !self.disagree)?;
        Some(VersionFact { role: "running", version, path, span })
    }
}

/// Where CloudConnector.ini names one VM and its addresses; keys are alternatives, first found
/// wins.
struct VmKeys {
    role: &'static str,
    section: &'static str,
    name: &'static [&'static str],
    nics: &'static [(&'static str, &'static [&'static str])],
}

/// The ini names VMs by NetBIOS name in role sections; the Edge writes its internal name and
/// addresses under either the `Server` or the `Machine` spelling depending on the release.
const ROLES: &[VmKeys] = &[
    VmKeys { role: "AD", section: "common", name: &["servername"], nics: &[("Internal", &["ip"])] },
    VmKeys { role: "CMS", section: "primarycms", name: &["servername"], nics: &[("Internal", &["ip"])] },
    VmKeys { role: "Mediation", section: "mediationserver", name: &["servername"], nics: &[("Internal", &["ip"])] },
    VmKeys {
        role: "Edge",
        section: "edgeserver",
        name: &["internalservername", "internalmachinename"],
        nics: &[("Internal", &["internalserverips", "internalmachineips"]), ("External", &["externalsipips"])],
    },
];

/// The first non-empty value of `keys` in `section` of the ini.
fn ini_value(ini: &BTreeMap<String, String>, section: &str, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| ini.get(&format!("{section}.{k}")).map(|v| v.trim()).filter(|v| !v.is_empty()))
        .map(str::to_owned)
}

/// The appliance's VMs and what the management service watches on each (troubleshooting
/// article, "Monitoring"): from 2.0 the services of every role and the inbound firewall rules
/// of the Edge and Mediation Server; in 1.4.2 only RTCSRV and the Mediation service. The
/// Mediation service is RTCMEDSRV on the VM and MEDSVC in the article: both are listed. An
/// unknown version gets the 2.0 list, the one every supported appliance runs.
fn cce_vms(ini: &BTreeMap<String, String>, version: Option<&Version>) -> Vec<FactRow> {
    let before_2 = version.is_some_and(|v| *v < Version::parse("2.0").expect("a version"));
    ROLES
        .iter()
        .filter_map(|keys| {
            let vm = ini_value(ini, keys.section, keys.name)?;
            let (monitored, firewall) = match (keys.role, before_2) {
                ("CMS", false) => ("REPLICA, MASTER", ""),
                ("Mediation", false) => ("REPLICA, RTCSRV, RTCMEDSRV, MEDSVC", "CS RTCMEDSRV"),
                ("Edge", false) => ("REPLICA, RTCSRV, RTCDATAPROXY, RTCMRAUTH, RTCMEDIARELAY", "CS RTCSRV"),
                ("Mediation", true) => ("RTCSRV, RTCMEDSRV, MEDSVC", ""),
                ("Edge", true) => ("RTCSRV", ""),
                _ => ("", ""),
            };
            let row = [("vm", vm.as_str()), ("role", keys.role), ("monitored", monitored), ("firewall", firewall)];
            Some(row.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
        })
        .collect()
}

/// The addresses CloudConnector.ini assigns to each VM: one row per (VM, NIC, address).
fn vm_nics(ini: &BTreeMap<String, String>) -> Vec<FactRow> {
    let get = |section: &str, keys: &[&str]| ini_value(ini, section, keys);
    let mut rows = Vec::new();
    for VmKeys { role, section, name, nics } in ROLES {
        let Some(vm) = get(section, name) else { continue };
        for (nic, ip_keys) in *nics {
            let Some(ips) = get(section, ip_keys) else { continue };
            for ip in ips
                .split([',', ';', ' '])
                .map(|ip| ip.split('/').next().unwrap_or(ip).trim())
                .filter(|ip| !ip.is_empty())
            {
                let row: FactRow = [("vm", vm.trim()), ("role", role), ("nic", nic), ("ip", ip)]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                rows.push(row);
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Span;

    fn section(name: &str, keys: &[(&str, &str)]) -> Record {
        let mut r = Record::new(RecordKind::IniSection, Span::default()).with("section", name);
        for (k, v) in keys {
            r.push(k.to_string(), *v);
        }
        r
    }

    #[test]
    fn vm_nics_come_from_role_sections() {
        let records = vec![
            section("Common", &[("ServerName", "DC"), ("IP", "192.168.213.2/24")]),
            section(
                "EdgeServer",
                &[
                    ("InternalMachineName", " cc-edge1"),
                    ("InternalMachineIPs", "192.168.0.241"),
                    ("ExternalSIPIPs", "192.168.1.4"),
                ],
            ),
        ];
        let facts = Facts::gather(
            &[InputRecords {
                path: "CloudConnector.ini",
                kind: FileKind::CloudConnectorIni,
                producer: None,
                records: &records,
            }],
            None,
        );
        let rows = &facts.tables["vm_nics"];
        let summary: Vec<String> = rows.iter().map(|r| format!("{} {} {}", r["vm"], r["nic"], r["ip"])).collect();
        assert_eq!(
            summary,
            ["DC Internal 192.168.213.2", "cc-edge1 Internal 192.168.0.241", "cc-edge1 External 192.168.1.4"]
        );
        assert_eq!(facts.lookup("ini.common.servername").as_deref(), Some("DC"));
    }

    #[test]
    fn running_version_wins_over_script_version() {
        let module = vec![
            section("RunningVersion", &[("Version", "2.0.1.0")]),
            section("BackupVersion", &[("Version", "2.0.0.0")]),
        ];
        let console = vec![
            Record::new(RecordKind::Text, Span::default()).with("line", "2.1.0.0").with("producer", "Get-CcVersion"),
        ];
        let facts = Facts::gather(
            &[
                InputRecords { path: "module.ini", kind: FileKind::ModuleIni, producer: None, records: &module },
                InputRecords {
                    path: "Get-CcVersion.txt",
                    kind: FileKind::Console,
                    producer: Some("Get-CcVersion"),
                    records: &console,
                },
            ],
            None,
        );
        assert_eq!(facts.cce_version().unwrap().version, Version::parse("2.0.1").unwrap());
        assert_eq!(facts.versions.len(), 3);
    }

    fn command(text: &str) -> Record {
        Record::new(RecordKind::PsCommand, Span::default()).with("command", text)
    }

    fn printed(line: &str) -> Record {
        Record::new(RecordKind::Text, Span::default()).with("line", line).with("producer", "Get-CcVersion")
    }

    #[test]
    fn get_ccversion_says_which_version_its_arguments_asked_for() {
        let transcript = vec![
            command("Get-CcVersion"),
            printed("2.1.0.0"),
            command("Get-CcVersion -VersionType RunningBits"),
            printed("2.0.1.0"),
            command("Get-CcVersion -VersionType 'BackupBits'"),
            printed("2.1.0.0"),
        ];
        let input = InputRecords { path: "t.txt", kind: FileKind::Transcript, producer: None, records: &transcript };
        let facts = Facts::gather(&[input], None);
        let roles: Vec<(&str, String)> = facts.versions.iter().map(|v| (v.role, v.version.to_string())).collect();
        assert_eq!(roles, [("script", "2.1.0.0".into()), ("running", "2.0.1.0".into()), ("backup", "2.1.0.0".into())]);
        assert_eq!(facts.tables["deployment"][0]["version"], "2.0.1.0");
    }

    #[test]
    fn a_version_stated_again_is_one_fact_located_where_it_was_stated_last() {
        let mut transcript = Vec::new();
        for (line, version) in [(1, "2.0.1.0"), (3, "2.1.0.0"), (5, "2.0.1.0"), (7, "2.0.1.0")] {
            transcript.push(command("Get-CcVersion"));
            let span = Span { bytes: 0..0, first_line: line, last_line: line };
            transcript
                .push(Record::new(RecordKind::Text, span).with("line", version).with("producer", "Get-CcVersion"));
        }
        let input = InputRecords { path: "t.txt", kind: FileKind::Transcript, producer: None, records: &transcript };
        let facts = Facts::gather(&[input], None);
        let stated: Vec<(String, u32)> =
            facts.versions.iter().map(|v| (v.version.to_string(), v.span.first_line)).collect();
        assert_eq!(stated, [("2.1.0.0".to_owned(), 3), ("2.0.1.0".to_owned(), 7)], "in the order last stated");
    }

    #[test]
    fn running_vms_name_the_running_version_when_they_agree() {
        let vm = |name: &str, state: &str| {
            Record::new(RecordKind::PsObject, Span::default()).with("Name", name).with("State", state)
        };
        let gather = |vms: &[Record]| {
            let input = InputRecords { path: "Get-VM.txt", kind: FileKind::Console, producer: None, records: vms };
            Facts::gather(&[input], None).cce_version().map(|v| v.version.four_parts())
        };
        let after_switch = [vm("2.0.1.0-CMS", "Off"), vm("2.1.0.0-CMS", "Running"), vm("2.1.0.0-EDGE", "2")];
        assert_eq!(gather(&after_switch).as_deref(), Some("2.1.0.0"));
        assert_eq!(gather(&[vm("2.0.1.0-CMS", "Running"), vm("2.1.0.0-CMS", "Running")]), None, "they disagree");
        assert_eq!(gather(&[vm("Ubuntu-20.04.6", "Running")]), None, "not a Cloud Connector VM");
    }

    #[test]
    fn monitored_services_follow_role_and_version() {
        let ini = vec![
            section("MediationServer", &[("ServerName", "MS1")]),
            section("EdgeServer", &[("InternalServerName", "EDGE1")]),
        ];
        let module = vec![section("RunningVersion", &[("Version", "1.4.2.0")])];
        let facts = Facts::gather(
            &[
                InputRecords {
                    path: "CloudConnector.ini",
                    kind: FileKind::CloudConnectorIni,
                    producer: None,
                    records: &ini,
                },
                InputRecords { path: "module.ini", kind: FileKind::ModuleIni, producer: None, records: &module },
            ],
            None,
        );
        let rows: Vec<(&str, &str)> =
            facts.tables["cce_vms"].iter().map(|r| (r["vm"].as_str(), r["monitored"].as_str())).collect();
        assert_eq!(rows, [("MS1", "RTCSRV, RTCMEDSRV, MEDSVC"), ("EDGE1", "RTCSRV")]);
    }
}
