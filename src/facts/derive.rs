//! Conclusions that need several inputs at once, turned into `fact` records that rules match
//! like any other (insights-core's combiners). Each is located at the input that shows it
//! best, so a finding still points at a file and line.
//!
//! Only comparisons that cannot be written as one selection live here: two module.ini copies,
//! a version against another, the ini's Mediation Server against what is registered online,
//! required exclusions against a list, dates against the reference time, sessions counted
//! over transcripts.

use std::collections::{BTreeMap, BTreeSet};

use super::{Facts, InputRecords};
use crate::record::{Record, RecordKind, Span};
use crate::time::{self, Timestamp};
use crate::version::Version;

/// Certificates expiring within this many days of the reference time are reported.
pub const CERTIFICATE_WARNING_DAYS: i64 = 60;
/// Remote PowerShell sessions Skype for Business Online allows per administrator and tenant.
pub const USER_SESSION_LIMIT: usize = 3;
pub const TENANT_SESSION_LIMIT: usize = 20;

/// A derived fact and the input it is shown in.
pub struct Derived {
    pub path: String,
    pub record: Record,
}

/// What derivation concluded, and which checks had the inputs they need: a rule reading a
/// fact that was never checked is "not applicable", one whose fact was checked and not found
/// has "passed".
#[derive(Default)]
pub struct Derivation {
    pub derived: Vec<Derived>,
    pub checked: BTreeSet<&'static str>,
    /// What a check could not read, as problems of the inputs that hold it: `(path, problem)`.
    pub problems: Vec<(String, crate::record::Problem)>,
}

impl Derivation {
    fn found(&mut self, path: impl Into<String>, record: Record) {
        self.derived.push(Derived { path: path.into(), record });
    }

    fn check(&mut self, fact: &'static str) {
        self.checked.insert(fact);
    }

    fn problem(&mut self, path: &str, line: u32, message: String) {
        self.problems.push((path.to_owned(), crate::record::Problem::at(line, message)));
    }
}

/// The inputs a fact needs, for the "why was this not checked" of a report.
pub fn needs(fact: &str) -> Option<&'static str> {
    Some(match fact {
        "version_mismatch" => "Get-CcVersion output and a running version (Get-CcRunningVersion, module.ini)",
        "module_ini_copies_differ" => "both module.ini copies (user profile and ProgramData)",
        "running_version_empty" => "Get-CcRunningVersion output",
        "stale_module" => "Get-Module CloudConnector output and an installed version (Get-CcVersion, module.ini)",
        "mediation_server_unregistered" => "CloudConnector.ini and Get-CsHybridMediationServer output",
        "appliance_registration_conflict" => {
            "CloudConnector.ini, Get-CsHybridPSTNAppliance output and the host name (from a transcript)"
        }
        "antivirus_exclusions_missing" => "Get-MpPreference output",
        "certificate_expiring" => "a certificate listing (Get-ChildItem Cert:\\...)",
        "user_sessions_over_limit" | "tenant_sessions_over_limit" => "transcripts that open remote sessions",
        "vm_switch_disconnected" => "CloudConnector.ini and Get-VMNetworkAdapter output",
        "host_corpnet_unreachable" => "CloudConnector.ini and the host's Get-NetIPAddress or ipconfig /all output",
        "vm_not_domain_joined" | "vm_dns_not_ad" => {
            "CloudConnector.ini and systeminfo, ipconfig /all or Win32_ComputerSystem output of the CMS or Mediation VM"
        }
        _ => return None,
    })
}

/// Whether facts or derivation read `record`: everything else can be dropped once it has been
/// matched. Keep this next to the checks below; a check that reads a new kind of record must
/// say so here.
pub fn reads(record: &Record) -> bool {
    const PRODUCERS: [&str; 6] = [
        "get-module",
        "get-cshybridmediationserver",
        "get-cshybridpstnappliance",
        "get-mppreference",
        "get-vmnetworkadapter",
        "get-netipaddress",
    ];
    const TEXT_LABELS: [&str; 4] = ["Host Name", "Domain", "DNS Servers", "IPv4 Address"];
    // Runs on every record of every input: compared in place, not lowered into a new string.
    let producer = record.get("producer").unwrap_or_default();
    let by_cc_cmdlet = producer.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("get-cc"));
    match record.kind {
        RecordKind::IniSection | RecordKind::PsCommand | RecordKind::PsSession | RecordKind::Fact => true,
        RecordKind::PsObject => {
            PRODUCERS.iter().any(|p| p.eq_ignore_ascii_case(producer))
                || ["NotAfter", "InterfaceAlias", "PartOfDomain"].iter().any(|f| record.get(f).is_some())
        }
        RecordKind::Text => {
            let line = record.get("line").unwrap_or_default().trim();
            // What Cloud Connector cmdlets print (versions, directories), and the lines of
            // `systeminfo` and `ipconfig /all` that name hosts, domains, DNS and addresses.
            by_cc_cmdlet || TEXT_LABELS.iter().any(|l| line.starts_with(l)) || line.contains(" adapter ")
        }
        // Whether a Cloud Connector cmdlet printed anything at all, errors included.
        RecordKind::PsError | RecordKind::PsWarning => by_cc_cmdlet,
        RecordKind::CceLog => false,
    }
}

pub fn derive(inputs: &[InputRecords<'_>], facts: &Facts) -> Derivation {
    let mut out = Derivation::default();
    version_mismatch(facts, &mut out);
    module_ini_copies(inputs, &mut out);
    running_version_empty(inputs, &mut out);
    stale_module(inputs, facts, &mut out);
    mediation_server(inputs, facts, &mut out);
    exclusions_missing(inputs, &mut out);
    certificates_expiring(inputs, facts, &mut out);
    remote_sessions(inputs, &mut out);
    adapter_switches(inputs, facts, &mut out);
    domain_membership(inputs, facts, &mut out);
    host_corpnet(inputs, facts, &mut out);
    out
}

fn fact(name: &'static str, span: &Span) -> Record {
    Record::new(RecordKind::Fact, span.clone()).with("fact", name)
}

/// Objects a cmdlet emitted, with the input they are in.
fn objects<'a>(
    inputs: &'a [InputRecords<'a>],
    producer: &'a str,
) -> impl Iterator<Item = (&'a InputRecords<'a>, &'a Record)> + 'a {
    inputs.iter().flat_map(move |input| {
        input
            .records
            .iter()
            .filter(move |r| {
                r.kind == RecordKind::PsObject && r.get("producer").is_some_and(|p| p.eq_ignore_ascii_case(producer))
            })
            .map(move |r| (input, r))
    })
}

/// CCE210: the running version differs from the version of the scripts in use.
fn version_mismatch(facts: &Facts, out: &mut Derivation) {
    let newest = |role| facts.versions.iter().filter(|v| v.role == role).max_by(|a, b| a.version.cmp(&b.version));
    let (Some(running), Some(script)) = (newest("running"), newest("script")) else { return };
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
fn module_ini_copies(inputs: &[InputRecords<'_>], out: &mut Derivation) {
    use crate::input::classify::FileKind;
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
    if differences.is_empty() {
        return;
    }
    let span = programdata.records.first().map(|r| r.span.clone()).unwrap_or_default();
    let record = fact("module_ini_copies_differ", &span)
        .with("programdata_path", programdata.path)
        .with("profile_path", profile.path)
        .with("differences", differences.join("; "));
    out.found(programdata.path.to_owned(), record);
}

/// CCE209: `Get-CcRunningVersion` ran and printed nothing.
fn running_version_empty(inputs: &[InputRecords<'_>], out: &mut Derivation) {
    const COMMAND: &str = "Get-CcRunningVersion";
    for input in inputs {
        let printed = input.records.iter().any(|r| {
            r.kind != RecordKind::PsCommand && r.get("producer").is_some_and(|p| p.eq_ignore_ascii_case(COMMAND))
        });
        let ran = input.records.iter().find(|r| {
            r.kind == RecordKind::PsCommand && r.get("command_name").is_some_and(|c| c.eq_ignore_ascii_case(COMMAND))
        });
        if printed || ran.is_some() {
            out.check("running_version_empty");
        }
        if printed {
            continue;
        }
        let named = super::super::input::classify::producer_from_name(input.path)
            .is_some_and(|p| p.eq_ignore_ascii_case(COMMAND));
        let span = match (ran, named) {
            (Some(command), _) => command.span.clone(),
            (None, true) if input.records.is_empty() => Span { bytes: 0..0, first_line: 1, last_line: 1 },
            _ => continue,
        };
        out.found(input.path.to_owned(), fact("running_version_empty", &span));
    }
}

/// CCE219: the CloudConnector module loaded in a console is older than the version installed.
fn stale_module(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let Some(newest) = facts.versions.iter().max_by(|a, b| a.version.cmp(&b.version)) else { return };
    for (input, record) in objects(inputs, "Get-Module") {
        if !record.get("Name").is_some_and(|n| n.eq_ignore_ascii_case("CloudConnector")) {
            continue;
        }
        let Some(loaded) = record.get("Version").and_then(Version::parse) else { continue };
        out.check("stale_module");
        if loaded < newest.version {
            let record = fact("stale_module", &record.span)
                .with("loaded", loaded.to_string())
                .with("newest", newest.version.to_string())
                .with("newest_source", newest.path.clone());
            out.found(input.path.to_owned(), record);
        }
    }
}

/// The FQDNs the Mediation Server of CloudConnector.ini may be registered under: its name in
/// the VM domain or in one of the SIP domains.
fn mediation_fqdns(facts: &Facts) -> Vec<String> {
    let Some(name) = facts.ini.get("mediationserver.servername").map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())
    else {
        return Vec::new();
    };
    let mut domains: Vec<String> = facts.ini.get("common.virtualmachinedomain").into_iter().cloned().collect();
    if let Some(sip) = facts.ini.get("common.sipdomains") {
        domains.extend(sip.split([',', ';', ' ']).filter(|d| !d.is_empty()).map(str::to_owned));
    }
    domains.iter().map(|d| format!("{name}.{}", d.trim())).collect()
}

/// CCE206 and CCE208: the ini's Mediation Server against the hybrid configuration online.
fn mediation_server(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let fqdns = mediation_fqdns(facts);
    let ini_ip = facts.ini.get("mediationserver.ip").map(|ip| ip.split('/').next().unwrap_or(ip).trim().to_owned());
    let ini_path = inputs.iter().find(|i| i.kind == crate::input::classify::FileKind::CloudConnectorIni);
    let is_ours = |fqdn: Option<&str>| fqdn.is_some_and(|f| fqdns.iter().any(|o| o.eq_ignore_ascii_case(f.trim())));

    let registered: Vec<_> = objects(inputs, "Get-CsHybridMediationServer").collect();
    if let (false, Some(ini)) = (registered.is_empty() || fqdns.is_empty(), ini_path) {
        out.check("mediation_server_unregistered");
        let found = registered.iter().any(|(_, r)| is_ours(r.get("Fqdn")) || is_ours(r.get("Identity")));
        if !found {
            let section = ini
                .records
                .iter()
                .find(|r| r.get("section").is_some_and(|s| s.eq_ignore_ascii_case("MediationServer")));
            let span = section.map(|s| s.span.clone()).unwrap_or_default();
            let listed: Vec<&str> =
                registered.iter().filter_map(|(_, r)| r.get("Fqdn").or(r.get("Identity"))).collect();
            let record = fact("mediation_server_unregistered", &span)
                .with("expected_fqdn", fqdns[0].clone())
                .with("candidates", fqdns.join(", "))
                .with("registered", listed.join(", "));
            out.found(ini.path.to_owned(), record);
        }
    }

    let appliance = facts.hosts.first();
    for (input, record) in objects(inputs, "Get-CsHybridPSTNAppliance") {
        if appliance.is_some() && (!fqdns.is_empty() || ini_ip.is_some()) {
            out.check("appliance_registration_conflict");
        }
        let same_fqdn = is_ours(record.get("MediationServerFqdn"));
        let same_ip =
            ini_ip.as_deref().is_some_and(|ip| record.get("MediationServerIPAddress").is_some_and(|r| r.trim() == ip));
        let name = record.get("Name").unwrap_or_default();
        let other_name = appliance.is_some_and(|a| !a.eq_ignore_ascii_case(name.trim()));
        if (same_fqdn || same_ip) && other_name {
            let record = fact("appliance_registration_conflict", &record.span)
                .with("registered_name", name)
                .with("registered_fqdn", record.get("MediationServerFqdn").unwrap_or_default())
                .with("registered_ip", record.get("MediationServerIPAddress").unwrap_or_default())
                .with("registered_identity", record.get("Identity").unwrap_or_default())
                .with("appliance", appliance.cloned().unwrap_or_default())
                .with("ini_fqdn", fqdns.first().cloned().unwrap_or_default())
                .with("ini_ip", ini_ip.clone().unwrap_or_default())
                .with(
                    "site",
                    record.get("Site").or(facts.ini.get("common.sitename").map(String::as_str)).unwrap_or_default(),
                );
            out.found(input.path.to_owned(), record);
        }
    }
}

/// CCE222: Defender exclusions that Cloud Connector needs and the host lacks.
fn exclusions_missing(inputs: &[InputRecords<'_>], out: &mut Derivation) {
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

/// CCE211: certificates that expire within the warning window of the reference time.
fn certificates_expiring(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let Some((now, now_source)) = &facts.reference_time else { return };
    for input in inputs {
        for record in input.records.iter().filter(|r| r.kind == RecordKind::PsObject) {
            let (Some(not_after), Some(id)) =
                (record.get("NotAfter"), record.get("Thumbprint").or(record.get("Subject")))
            else {
                continue;
            };
            let Some(expiry) = time::parse(not_after) else {
                out.problem(
                    input.path,
                    record.span.first_line,
                    format!(
                        "NotAfter `{}` is not a date Windows writes: certificate {id} not checked",
                        not_after.trim()
                    ),
                );
                continue;
            };
            out.check("certificate_expiring");
            let days_left = time::days_between(*now, expiry);
            if days_left > CERTIFICATE_WARNING_DAYS {
                continue;
            }
            let state = if days_left < 0 {
                format!("expired {} day(s) before {}", -days_left, time::format(*now))
            } else {
                format!("expires in {days_left} day(s) after {}", time::format(*now))
            };
            let record = fact("certificate_expiring", &record.span)
                .with("subject", record.get("Subject").unwrap_or_default())
                .with("issuer", record.get("Issuer").unwrap_or_default())
                .with("thumbprint", record.get("Thumbprint").unwrap_or(id))
                .with("not_after", time::format(expiry))
                .with("days_left", days_left.to_string())
                .with("state", state)
                .with("reference", now_source.clone());
            out.found(input.path.to_owned(), record);
        }
    }
}

/// SFB008 and SFB009, predictive: remote sessions opened in transcripts and never removed,
/// per administrator and for the whole tenant, counted in time order. A session closes with
/// `Remove-PSSession` (all of them with `Get-PSSession | Remove-PSSession`) or when the
/// PowerShell process that opened it ends (its transcript footer).
fn remote_sessions(inputs: &[InputRecords<'_>], out: &mut Derivation) {
    enum Event<'a> {
        Open(&'a str, usize),
        Close(&'a str, usize, bool),
        End(usize),
    }
    // (time, path, line): a total order that does not depend on how inputs were read.
    let mut events: Vec<(Option<Timestamp>, &str, u32, Event<'_>, &Record)> = Vec::new();
    for (file, input) in inputs.iter().enumerate() {
        for record in input.records {
            let session =
                file * 10_000 + record.get("session_index").and_then(|i| i.parse::<usize>().ok()).unwrap_or(0);
            match record.kind {
                RecordKind::PsCommand => {
                    let user = record.get("session_user").unwrap_or("unknown user");
                    let when = record.get("command_time_iso").or(record.get("session_start_iso")).and_then(time::parse);
                    let command = record.get("command").unwrap_or_default().to_ascii_lowercase();
                    let name = record.get("command_name").unwrap_or_default().to_ascii_lowercase();
                    let event = if name == "new-pssession" || name == "new-csonlinesession" {
                        Event::Open(user, session)
                    } else if name == "remove-pssession" || command.contains("remove-pssession") {
                        Event::Close(user, session, command.contains("get-pssession"))
                    } else {
                        continue;
                    };
                    events.push((when, input.path, record.span.first_line, event, record));
                }
                RecordKind::PsSession => {
                    if let Some(end) = record.get("end_time_iso").and_then(time::parse) {
                        events.push((Some(end), input.path, record.span.last_line, Event::End(session), record));
                    }
                }
                _ => {}
            }
        }
    }
    events.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    // Open sessions: (user, process) -> count.
    let mut open: BTreeMap<(&str, usize), usize> = BTreeMap::new();
    let mut reported_users: Vec<&str> = Vec::new();
    let mut tenant_reported = false;
    for (_, path, _, event, record) in &events {
        match event {
            Event::Open(user, session) => *open.entry((user, *session)).or_default() += 1,
            Event::Close(user, session, all) => {
                if let Some(count) = open.get_mut(&(user, *session)) {
                    *count = if *all { 0 } else { count.saturating_sub(1) };
                }
            }
            Event::End(session) => open.retain(|(_, s), _| s != session),
        }
        let Event::Open(user, _) = event else { continue };
        out.check("user_sessions_over_limit");
        out.check("tenant_sessions_over_limit");
        let per_user = |u: &str| open.iter().filter(|((o, _), _)| *o == u).map(|(_, c)| c).sum::<usize>();
        let held = per_user(user);
        if held > USER_SESSION_LIMIT && !reported_users.contains(user) {
            reported_users.push(user);
            let record = fact("user_sessions_over_limit", &record.span)
                .with("user", *user)
                .with("open", held.to_string())
                .with("limit", USER_SESSION_LIMIT.to_string());
            out.found((*path).to_owned(), record);
        }
        let total: usize = open.values().sum();
        if total > TENANT_SESSION_LIMIT && !tenant_reported {
            tenant_reported = true;
            let mut holders: BTreeMap<&str, usize> = BTreeMap::new();
            for ((u, _), c) in &open {
                *holders.entry(u).or_default() += c;
            }
            let who: Vec<String> = holders.iter().filter(|(_, c)| **c > 0).map(|(u, c)| format!("{u}: {c}")).collect();
            let record = fact("tenant_sessions_over_limit", &record.span)
                .with("open", total.to_string())
                .with("limit", TENANT_SESSION_LIMIT.to_string())
                .with("holders", who.join(", "));
            out.found((*path).to_owned(), record);
        }
    }
}

/// CCE103: a Cloud Connector VM none of whose adapters is on a switch it needs: every VM on
/// the Corpnet switch, the Edge also on the Internet switch (names from CloudConnector.ini).
///
/// An adapter with no switch alone proves nothing: the management adapter is disconnected on
/// purpose once deployment ends. What matters is the switch the VM should be on.
fn adapter_switches(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let switch = |key: &str, default: &str| facts.ini.get(key).map_or(default.to_owned(), |s| s.trim().to_owned());
    let corpnet = switch("network.corpnetswitchname", "SfB CCE Corpnet Switch");
    let internet = switch("network.internetswitchname", "SfB CCE Internet Switch");
    let mut roles: BTreeMap<String, &str> = BTreeMap::new();
    for row in facts.tables.get("vm_nics").into_iter().flatten() {
        if let (Some(vm), Some(role)) = (row.get("vm"), row.get("role")) {
            roles.insert(vm.to_ascii_lowercase(), role.as_str());
        }
    }
    let adapters: Vec<_> = objects(inputs, "Get-VMNetworkAdapter").collect();
    for (name, role) in &roles {
        let of_vm: Vec<_> = adapters
            .iter()
            .filter(|(_, r)| {
                r.get("VMName").is_some_and(|vm| {
                    let vm = vm.trim().to_ascii_lowercase();
                    vm == *name || vm.ends_with(&format!("-{name}")) || vm.starts_with(&format!("{name}-"))
                })
            })
            .collect();
        let Some((input, first)) = of_vm.first() else { continue };
        out.check("vm_switch_disconnected");
        let on = |wanted: &str| {
            of_vm.iter().any(|(_, r)| {
                let connected = r.get("SwitchName").map(str::trim).unwrap_or_default();
                let wanted = wanted.to_ascii_lowercase();
                let connected = connected.to_ascii_lowercase();
                connected == wanted
                    || connected.strip_suffix("...").is_some_and(|kept| kept.len() >= 3 && wanted.starts_with(kept))
            })
        };
        let mut needed = vec![corpnet.as_str()];
        if *role == "Edge" {
            needed.push(internet.as_str());
        }
        for wanted in needed.into_iter().filter(|w| !on(w)) {
            let connected: Vec<&str> = of_vm
                .iter()
                .map(|(_, r)| r.get("SwitchName").map(str::trim).filter(|s| !s.is_empty()).unwrap_or("(none)"))
                .collect();
            let record = fact("vm_switch_disconnected", &first.span)
                .with("vm", first.get("VMName").unwrap_or_default())
                .with("role", *role)
                .with("switch", wanted)
                .with("connected", connected.join(", "));
            out.found(input.path.to_owned(), record);
        }
    }
}

/// CCE202: output collected on the CMS or Mediation VM (`systeminfo`, `ipconfig /all`,
/// `Win32_ComputerSystem`) showing it outside the Cloud Connector domain, or resolving names
/// with a DNS server other than the AD server of CloudConnector.ini.
fn domain_membership(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let members: Vec<(String, &str)> = facts
        .tables
        .get("vm_nics")
        .into_iter()
        .flatten()
        .filter(|r| matches!(r.get("role").map(String::as_str), Some("CMS" | "Mediation")))
        .filter_map(|r| Some((r.get("vm")?.to_ascii_lowercase(), r.get("role")?.as_str())))
        .collect();
    if members.is_empty() {
        return;
    }
    let ad_ip = facts.ini.get("common.ip").map(|ip| ip.split('/').next().unwrap_or(ip).trim().to_owned());
    let expected = facts.ini.get("common.virtualmachinedomain").cloned().unwrap_or_default();
    for input in inputs {
        // `Host Name:` (systeminfo) and `Host Name . . . :` (ipconfig) both end in the value.
        let value_after = |line: &str, label: &str| -> Option<String> {
            let rest = line.trim_start().strip_prefix(label)?;
            let value = rest.trim_start_matches([' ', '.']).strip_prefix(':')?.trim();
            (!value.is_empty()).then(|| value.to_owned())
        };
        let mut host = None;
        let mut workgroup: Option<&Record> = None;
        let mut dns: Vec<(String, &Record)> = Vec::new();
        for record in input.records {
            match record.kind {
                RecordKind::Text => {
                    let line = record.get("line").unwrap_or_default();
                    if let Some(h) = value_after(line, "Host Name") {
                        host = Some(h);
                    } else if value_after(line, "Domain").is_some_and(|d| d.eq_ignore_ascii_case("WORKGROUP")) {
                        workgroup = Some(record);
                    } else if let Some(server) = value_after(line, "DNS Servers") {
                        dns.push((server, record));
                    }
                }
                RecordKind::PsObject if record.get("PartOfDomain").is_some_and(|p| p.eq_ignore_ascii_case("False")) => {
                    host = record.get("Name").or(record.get("DNSHostName")).map(str::to_owned).or(host);
                    workgroup = Some(record);
                }
                _ => {}
            }
        }
        let Some(host) = host else { continue };
        let Some((_, role)) = members.iter().find(|(name, _)| host.eq_ignore_ascii_case(name)) else { continue };
        out.check("vm_not_domain_joined");
        if !dns.is_empty() {
            out.check("vm_dns_not_ad");
        }
        if let Some(record) = workgroup {
            let record = fact("vm_not_domain_joined", &record.span)
                .with("vm", host.clone())
                .with("role", *role)
                .with("expected_domain", expected.clone())
                .with("ad_ip", ad_ip.clone().unwrap_or_default());
            out.found(input.path.to_owned(), record);
        }
        if let (Some(ad_ip), Some((server, record))) = (&ad_ip, dns.first())
            && !dns.iter().any(|(s, _)| s == ad_ip)
        {
            let record = fact("vm_dns_not_ad", &record.span)
                .with("vm", host.clone())
                .with("role", *role)
                .with("dns_server", server.clone())
                .with("ad_ip", ad_ip.clone())
                .with("expected_domain", expected.clone());
            out.found(input.path.to_owned(), record);
        }
    }
}

/// An IPv4 address with a prefix length: `192.168.213.2/24`.
fn ipv4_with_prefix(text: &str, default_prefix: u32) -> Option<(std::net::Ipv4Addr, u32)> {
    let (ip, prefix) = text.trim().split_once('/').map_or((text.trim(), None), |(ip, p)| (ip, p.trim().parse().ok()));
    let prefix = prefix.unwrap_or(default_prefix);
    (prefix <= 32).then_some(())?;
    Some((ip.parse().ok()?, prefix))
}

fn same_subnet(a: std::net::Ipv4Addr, b: std::net::Ipv4Addr, prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    u32::from(a) & mask == u32::from(b) & mask
}

/// CCE106: the host's interface on the Corpnet switch (`vEthernet (<CorpnetSwitchName>)`) has
/// no IPv4 address in the Corpnet subnet, so detection and recovery cannot reach the VMs.
/// Output without any `vEthernet` interface is a VM's, not the host's, and is not judged.
fn host_corpnet(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let prefix_default =
        facts.ini.get("network.corpnetipprefixlength").and_then(|p| p.trim().parse().ok()).unwrap_or(24);
    let Some((ad_ip, prefix)) = facts.ini.get("common.ip").and_then(|ip| ipv4_with_prefix(ip, prefix_default)) else {
        return;
    };
    let switch = facts.ini.get("network.corpnetswitchname").map_or("SfB CCE Corpnet Switch", |s| s.trim());
    let alias = format!("vEthernet ({switch})");
    for input in inputs {
        let mut addresses: Vec<(String, String, &Record)> = Vec::new();
        let mut adapter = String::new();
        for record in input.records {
            match record.kind {
                RecordKind::PsObject => {
                    if let (Some(a), Some(ip)) = (record.get("InterfaceAlias"), record.get("IPAddress")) {
                        addresses.push((a.trim().to_owned(), ip.trim().to_owned(), record));
                    }
                }
                RecordKind::Text => {
                    let line = record.get("line").unwrap_or_default();
                    if let Some((_, name)) = line.trim_end().strip_suffix(':').and_then(|l| l.split_once(" adapter ")) {
                        adapter = name.trim().to_owned();
                    } else if let Some(value) = line.trim_start().strip_prefix("IPv4 Address") {
                        let ip = value.trim_start_matches([' ', '.']).trim_start_matches(':').trim();
                        let ip = ip.split('(').next().unwrap_or(ip).trim();
                        addresses.push((adapter.clone(), ip.to_owned(), record));
                    }
                }
                _ => {}
            }
        }
        if !addresses.iter().any(|(a, _, _)| a.to_ascii_lowercase().starts_with("vethernet")) {
            continue;
        }
        out.check("host_corpnet_unreachable");
        let on_switch: Vec<&(String, String, &Record)> =
            addresses.iter().filter(|(a, _, _)| a.eq_ignore_ascii_case(&alias)).collect();
        let reachable = on_switch
            .iter()
            .any(|(_, ip, _)| ip.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| same_subnet(ip, ad_ip, prefix)));
        if reachable {
            continue;
        }
        let shown = on_switch.first().map_or(addresses[0].2, |(_, _, r)| *r);
        let held: Vec<&str> = on_switch.iter().map(|(_, ip, _)| ip.as_str()).collect();
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
        let network = std::net::Ipv4Addr::from(u32::from(ad_ip) & mask);
        let record = fact("host_corpnet_unreachable", &shown.span)
            .with("interface", alias.clone())
            .with("subnet", format!("{network}/{prefix}"))
            .with("ad_ip", ad_ip.to_string())
            .with("addresses", if held.is_empty() { "none".to_owned() } else { held.join(", ") });
        out.found(input.path, record);
    }
}
