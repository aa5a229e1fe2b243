//! The network an appliance needs: each VM on its switches (CCE103) and holding the addresses
//! CloudConnector.ini assigns it (CCE201), the CMS and Mediation Server in the Cloud Connector
//! domain with the AD server for DNS (CCE202), and the host on the Corpnet subnet (CCE106).
//!
//! A VM or host is judged by its latest observation in each input: in a transcript, the last
//! command run that showed it. Inputs whose latest observations disagree, with nothing to order
//! them, cannot decide.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use super::check::{Check, Derivation, commands_by_run, fact, is_object_of, objects};
use super::{Facts, InputRecords};
use crate::parse::command;
use crate::parse::ipconfig::{self, Label, Line};
use crate::record::{Origin, Record, RecordKind};
use crate::version::Version;

pub const ADAPTER_SWITCHES: Check = Check {
    facts: &["vm_switch_disconnected"],
    needs: "CloudConnector.ini and Get-VMNetworkAdapter output",
    reads: |record| is_object_of(record, "Get-VMNetworkAdapter"),
    run: adapter_switches,
};

pub const NIC_ADDRESSES: Check = Check {
    facts: &["vm_nic_ip_missing"],
    needs: "CloudConnector.ini and Get-VMNetworkAdapter output with IPAddresses, or ipconfig /all or Get-NetIPAddress \
            output of a VM",
    reads: |record| match record.kind {
        RecordKind::PsObject => {
            record.get("IPAddresses").is_some()
                || record.get("IPAddress").is_some() && machine_of(record).is_some()
                || is_object_of(record, "Get-VM")
        }
        RecordKind::Text => tool_line(record),
        _ => false,
    },
    run: nic_addresses,
};

pub const DOMAIN_MEMBERSHIP: Check = Check {
    facts: &["vm_not_domain_joined", "vm_dns_not_ad"],
    needs: "CloudConnector.ini and systeminfo, ipconfig /all or Win32_ComputerSystem output of the CMS or Mediation VM",
    reads: |record| match record.kind {
        RecordKind::PsObject => computer_system(record),
        RecordKind::PsError => remoting_failure(record).is_some(),
        RecordKind::Text => tool_line(record),
        _ => false,
    },
    run: domain_membership,
};

pub const HOST_CORPNET: Check = Check {
    facts: &["host_corpnet_unreachable"],
    needs: "CloudConnector.ini and the host's Get-NetIPAddress or ipconfig /all output",
    reads: |record| match record.kind {
        RecordKind::PsObject => record.get("InterfaceAlias").is_some() && record.get("IPAddress").is_some(),
        RecordKind::Text => tool_line(record),
        _ => false,
    },
    run: host_corpnet,
};

/// Whether a command emitted `record` or it was read from a file: what a host shows, not text
/// quoted in a ticket or shown from a script.
pub(super) fn emitted(record: &Record) -> bool {
    matches!(record.context.origin, Origin::Output | Origin::Input)
}

fn tool_line(record: &Record) -> bool {
    record.get("line").is_some_and(|l| ipconfig::line(l).is_some())
}

/// The machine an object was read from: `PSComputerName` (Invoke-Command, `-ComputerName`)
/// or a `ComputerName` column a Select-Object added.
fn machine_of(record: &Record) -> Option<&str> {
    record.get("PSComputerName").or(record.get("ComputerName")).map(str::trim).filter(|m| !m.is_empty())
}

/// Whether a machine name as shown (NetBIOS name or FQDN) is the VM the ini names `vm`.
fn names_vm(shown: &str, vm: &str) -> bool {
    shown.trim().split('.').next().is_some_and(|name| name.eq_ignore_ascii_case(vm.trim()))
}

/// The VMs of the appliance as CloudConnector.ini names them, with their roles.
fn appliance_vms(facts: &Facts) -> Vec<(&str, &str)> {
    let mut vms: Vec<(&str, &str)> = Vec::new();
    for row in facts.tables.get("vm_nics").into_iter().flatten() {
        if let (Some(vm), Some(role)) = (row.get("vm"), row.get("role"))
            && !vms.iter().any(|(v, _)| v.eq_ignore_ascii_case(vm))
        {
            vms.push((vm.as_str(), role.as_str()));
        }
    }
    vms
}

/// One value of `ipconfig /all` or `systeminfo`, with the machine and adapter it belongs to.
struct ToolValue<'a> {
    host: Option<&'a str>,
    adapter: Option<&'a str>,
    label: Label,
    value: &'a str,
    record: &'a Record,
}

/// What ipconfig /all and systeminfo state in one input, in order. A host name starts the
/// output of a machine (Invoke-Command to several VMs prints one after the other).
fn tool_values<'a>(input: &'a InputRecords<'a>) -> Vec<ToolValue<'a>> {
    let mut reader = ipconfig::Reader::default();
    let (mut host, mut adapter) = (None, None);
    let mut values = Vec::new();
    for record in input.records.iter().filter(|r| r.kind == RecordKind::Text && emitted(r)) {
        match record.get("line").and_then(|l| reader.read(l)) {
            Some(Line::Adapter(name)) => adapter = Some(name),
            Some(Line::Value(value)) => {
                if value.label == Label::HostName {
                    (host, adapter) = (Some(value.value), None);
                }
                values.push(ToolValue { host, adapter, label: value.label, value: value.value, record });
            }
            _ => {}
        }
    }
    values
}

/// The records of `records` from the last command run among them (all of them outside
/// transcripts): the latest state they show.
fn latest<T>(records: Vec<(u32, T)>) -> Vec<T> {
    let last = records.iter().map(|(run, _)| *run).max();
    records.into_iter().filter(|(run, _)| Some(*run) == last).map(|(_, t)| t).collect()
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
    let mut filtered_listings: BTreeMap<(&str, u32), Vec<String>> = BTreeMap::new();
    let commands = commands_by_run(inputs, &adapters);
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
        // A listing filtered by Where-Object shows the adapters someone looked for, not all of
        // the VM's: it cannot show that none is on a switch.
        let (filtered, of_vm): (Vec<_>, Vec<_>) = of_vm.into_iter().partition(|(input, r)| {
            commands.get(&(input.path, r.context.run)).is_some_and(|typed| command::filters(typed))
        });
        if let (None, Some((input, record))) = (of_vm.first(), filtered.first()) {
            out.check("vm_switch_disconnected");
            let vm = record.get("VMName").unwrap_or_default().trim().to_owned();
            filtered_listings.entry((input.path, record.context.run)).or_default().push(vm);
            continue;
        }
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
    for ((path, run), vms) in filtered_listings {
        out.undecided(
            "vm_switch_disconnected",
            format!(
                "the adapters of {} are listed through a filter ({path}, command at line {run}), which may leave out \
                 those on the Corpnet and Internet switches",
                vms.join(", ")
            ),
        );
    }
}

/// What one observation shows of a VM's addresses.
enum Addresses {
    /// The addresses shown, and why they may not be all the VM holds (a list cut by
    /// `$FormatEnumerationLimit`, an adapter on no switch).
    Listed { list: Vec<IpAddr>, incomplete: Option<String> },
    /// None shown, and why that says nothing of how the VM is configured.
    Unknown(String),
}

/// One observation of the addresses of an appliance VM.
struct AddressView<'a> {
    /// The VM as CloudConnector.ini names it.
    vm: &'a str,
    /// As the observation names it: the Hyper-V VM (`2.1.0.0-CMS`) or the machine (`CMS`).
    shown_as: String,
    path: &'a str,
    record: &'a Record,
    /// The addresses as written, for the evidence.
    written: String,
    addresses: Addresses,
    source: &'static str,
}

/// `{10.40.12.20, fe80::1}` (table, list), `10.40.12.20, fe80::1` (JSON, CLIXML), `{}`, a list
/// cut by `$FormatEnumerationLimit` or the column (`{a, b, c, d...}`); `None` for
/// `System.String[]`, all Export-Csv writes of a list.
fn address_list(text: &str) -> Option<(Vec<IpAddr>, bool)> {
    let inner = text.trim().trim_start_matches('{').trim_end_matches('}').trim();
    if inner.starts_with("System.") {
        return None;
    }
    let cut = inner.ends_with("...");
    // The item cut short is not an address to trust.
    let list = inner.split([',', '\n']).filter(|item| !item.trim_end().ends_with("...")).filter_map(ipconfig::address);
    Some((list.collect(), cut))
}

/// Whether the Hyper-V VM `hyperv` is the appliance VM `vm` (`2.1.0.0-CMS` or `CMS` for the VM
/// `CMS`), and the appliance version its name carries.
fn hyperv_vm(hyperv: &str, vm: &str) -> Option<Option<Version>> {
    let hyperv = hyperv.trim();
    if hyperv.eq_ignore_ascii_case(vm) {
        return Some(None);
    }
    let prefix = hyperv.len().checked_sub(vm.len() + 1).and_then(|at| hyperv.get(..at))?;
    let name = &hyperv[prefix.len()..];
    (name.starts_with('-') && name[1..].eq_ignore_ascii_case(vm)).then(|| Version::parse(prefix))
}

/// CCE201: an appliance VM without an address CloudConnector.ini assigns it, as Hyper-V reports
/// its adapters (`Get-VMNetworkAdapter`, adapters on a switch only: one without is CCE103's)
/// or as the VM itself shows (`ipconfig /all`, `Get-NetIPAddress` through Invoke-Command).
///
/// Hyper-V reports no address of a VM that is not running or whose integration services do
/// not report them: that says nothing of the VM's configuration, so it cannot decide. VMs of
/// another appliance version than the one running (the backup left by an upgrade) are not
/// the appliance the ini describes.
fn nic_addresses(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let vms = appliance_vms(facts);
    if vms.is_empty() {
        return;
    }
    let running = facts.cce_version().map(|v| &v.version);
    let mut states: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (input, record) in objects(inputs, "Get-VM").filter(|(_, r)| emitted(r)) {
        if let (Some(name), Some(state)) = (record.get("Name"), record.get("State")) {
            let place = format!("{}:{}", input.path, record.span.first_line);
            states.insert(name.trim().to_ascii_lowercase(), (state.trim().to_owned(), place));
        }
    }
    let mut views: Vec<AddressView<'_>> = Vec::new();
    for input in inputs {
        let mut adapters: BTreeMap<(&str, String), Vec<(u32, &Record)>> = BTreeMap::new();
        let mut guests: BTreeMap<(&str, String), Vec<(u32, &Record)>> = BTreeMap::new();
        for record in input.records.iter().filter(|r| r.kind == RecordKind::PsObject && emitted(r)) {
            let run = record.context.run;
            if let (Some(hyperv), Some(_)) = (record.get("VMName"), record.get("IPAddresses")) {
                let version = vms.iter().find_map(|(vm, _)| Some((*vm, hyperv_vm(hyperv, vm)?)));
                if let Some((vm, version)) = version
                    && version.as_ref().zip(running).is_none_or(|(shown, running)| shown == running)
                {
                    adapters.entry((vm, hyperv.trim().to_owned())).or_default().push((run, record));
                }
            } else if let (Some(_), Some(machine)) = (record.get("IPAddress"), machine_of(record))
                && let Some((vm, _)) = vms.iter().find(|(vm, _)| names_vm(machine, vm))
            {
                guests.entry((vm, machine.to_owned())).or_default().push((run, record));
            }
        }
        for ((vm, hyperv), records) in adapters {
            // An adapter on no switch is CCE103's finding; the address may be the one it holds.
            let (records, unplugged): (Vec<&Record>, Vec<&Record>) =
                latest(records).into_iter().partition(|r| r.get("SwitchName").is_none_or(|s| !s.trim().is_empty()));
            let Some(first) = records.first() else { continue };
            let place = format!("{}:{}", input.path, first.span.first_line);
            let written: Vec<&str> = records.iter().filter_map(|r| r.get("IPAddresses")).collect();
            let read: Vec<Option<(Vec<IpAddr>, bool)>> = written.iter().map(|w| address_list(w)).collect();
            let list: Vec<IpAddr> = read.iter().flatten().flat_map(|(list, _)| list.iter().copied()).collect();
            let cut = read.iter().flatten().any(|(_, cut)| *cut);
            let addresses = if !list.is_empty() || cut {
                let incomplete = if cut {
                    Some(format!("the addresses of {hyperv} are cut ({place})"))
                } else {
                    unplugged.first().map(|r| {
                        let at = r.span.first_line;
                        format!("an adapter of {hyperv} is on no switch ({}:{at}) and may hold it", input.path)
                    })
                };
                Addresses::Listed { list, incomplete }
            } else if read.iter().any(Option::is_none) {
                Addresses::Unknown(format!("{place} shows the addresses of {hyperv} as a type name (Export-Csv)"))
            } else {
                Addresses::Unknown(match states.get(&hyperv.to_ascii_lowercase()) {
                    Some((state, at)) if !is_running(state) => format!(
                        "{hyperv} is {state} ({at}), and Hyper-V shows no address of a VM that is not running ({place})"
                    ),
                    _ => format!("Hyper-V shows no address of {hyperv} ({place}): the VM reports none to the host"),
                })
            };
            let record = *first;
            let written = written.join(", ");
            views.push(AddressView {
                vm,
                shown_as: hyperv,
                path: input.path,
                record,
                written,
                addresses,
                source: "Hyper-V on the host",
            });
        }
        for ((vm, machine), seen) in guests {
            let seen = latest(seen);
            let list: Vec<IpAddr> = seen
                .iter()
                .filter_map(|r| r.get("IPAddress").and_then(ipconfig::address))
                .filter(IpAddr::is_ipv4)
                .collect();
            let written = list.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(", ");
            let record = seen[0];
            // Every interface's listing holds the loopback; one without it was filtered
            // (`-InterfaceAlias`) and may leave out the address wanted.
            let incomplete = (!list.iter().any(IpAddr::is_loopback)).then(|| {
                format!(
                    "the listing of {machine} ({}:{}) shows only some interfaces",
                    input.path, record.span.first_line
                )
            });
            let addresses = Addresses::Listed { list, incomplete };
            views.push(AddressView {
                vm,
                shown_as: machine,
                path: input.path,
                record,
                written,
                addresses,
                source: "the VM (Get-NetIPAddress)",
            });
        }
        views.extend(ipconfig_views(input, &vms));
    }
    for row in facts.tables.get("vm_nics").into_iter().flatten() {
        let (Some(vm), Some(role), Some(nic), Some(ip)) =
            (row.get("vm"), row.get("role"), row.get("nic"), row.get("ip"))
        else {
            continue;
        };
        let Ok(wanted) = ip.parse::<IpAddr>() else { continue };
        let of_vm: Vec<&AddressView<'_>> = views.iter().filter(|v| v.vm.eq_ignore_ascii_case(vm)).collect();
        if of_vm.is_empty() {
            continue;
        }
        out.check("vm_nic_ip_missing");
        let holds =
            |v: &&&AddressView<'_>| matches!(&v.addresses, Addresses::Listed { list, .. } if list.contains(&wanted));
        let lacks = |v: &&&AddressView<'_>| matches!(&v.addresses, Addresses::Listed { list, incomplete: None } if !list.contains(&wanted));
        let missing: Vec<&&AddressView<'_>> = of_vm.iter().filter(lacks).collect();
        let present = of_vm.iter().find(holds);
        let place = |v: &AddressView<'_>| format!("{}:{}", v.path, v.record.span.first_line);
        match (missing.first(), present) {
            (Some(lacking), Some(holding)) => out.undecided(
                "vm_nic_ip_missing",
                format!(
                    "{vm} holds {ip} at {} but not at {}, and nothing orders the two captures",
                    place(holding),
                    place(lacking)
                ),
            ),
            (Some(lacking), None) => {
                let record = fact("vm_nic_ip_missing", &lacking.record.span)
                    .with("vm", lacking.shown_as.clone())
                    .with("server", vm.clone())
                    .with("role", role.clone())
                    .with("nic", nic.clone())
                    .with("ip", ip.clone())
                    .with(
                        "addresses",
                        if lacking.written.is_empty() { "no IPv4 address" } else { lacking.written.as_str() },
                    )
                    .with("source", lacking.source);
                out.found(lacking.path, record);
            }
            (None, Some(_)) => {}
            (None, None) => {
                for view in &of_vm {
                    let why = match &view.addresses {
                        Addresses::Unknown(why) | Addresses::Listed { incomplete: Some(why), .. } => why,
                        Addresses::Listed { incomplete: None, .. } => continue,
                    };
                    out.undecided(
                        "vm_nic_ip_missing",
                        format!("{vm} ({nic} {ip}) is not among the addresses shown: {why}"),
                    );
                }
            }
        }
    }
}

/// The IPv4 addresses each appliance VM's `ipconfig /all` shows in one input (its latest
/// output there).
fn ipconfig_views<'a>(input: &'a InputRecords<'a>, vms: &[(&'a str, &str)]) -> Vec<AddressView<'a>> {
    let mut seen: BTreeMap<&str, Vec<(u32, &ToolValue<'a>)>> = BTreeMap::new();
    let values = tool_values(input);
    for value in &values {
        let Some(vm) = value.host.and_then(|host| vms.iter().find(|(vm, _)| names_vm(host, vm))).map(|(vm, _)| *vm)
        else {
            continue;
        };
        // An adapter header makes the machine's output ipconfig's, not systeminfo's alone.
        if value.adapter.is_some() || value.label == Label::Ipv4Address {
            seen.entry(vm).or_default().push((value.record.context.run, value));
        }
    }
    seen.into_iter()
        .map(|(vm, values)| {
            let values = latest(values);
            let list: Vec<IpAddr> = values
                .iter()
                .filter(|v| v.label == Label::Ipv4Address)
                .filter_map(|v| ipconfig::address(v.value))
                .collect();
            AddressView {
                vm,
                shown_as: values[0].host.unwrap_or(vm).to_owned(),
                path: input.path,
                record: values.iter().find(|v| v.label == Label::Ipv4Address).unwrap_or(&values[0]).record,
                written: list.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(", "),
                addresses: Addresses::Listed { list, incomplete: None },
                source: "the VM (ipconfig /all)",
            }
        })
        .collect()
}

fn is_running(state: &str) -> bool {
    // Get-VM's State as text, or as the number ConvertTo-Json writes.
    state.eq_ignore_ascii_case("Running") || state == "2"
}

/// Whether `record` is a Win32_ComputerSystem (Get-CimInstance, Get-WmiObject): with its
/// `PartOfDomain`, or its default view (`Name PrimaryOwnerName Domain TotalPhysicalMemory ...`).
fn computer_system(record: &Record) -> bool {
    record.kind == RecordKind::PsObject
        && (record.get("PartOfDomain").is_some()
            || record.get("Domain").is_some()
                && (record.get("PrimaryOwnerName").is_some()
                    || record.get("TotalPhysicalMemory").is_some()
                    || record.get("type_name").is_some_and(|t| t.contains("Win32_ComputerSystem"))))
}

/// The computer a remoting failure names and its error id: Invoke-Command could not reach it
/// (`PSRemotingTransportException`, `...,PSSessionStateBroken`), in any language.
fn remoting_failure(record: &Record) -> Option<(&str, &str)> {
    let id = record.get("fully_qualified_error_id").unwrap_or_default();
    let failed = record.get("exception").is_some_and(|e| e.contains("PSRemotingTransportException"))
        || id.contains("PSSessionStateBroken")
        || id.contains("PSSessionOpenFailed");
    let computer = record.get("computer").or(record.get("target")).map(str::trim).filter(|c| !c.is_empty())?;
    (record.kind == RecordKind::PsError && failed).then_some((computer, id))
}

/// Whether a computer's `Domain` shows it in a workgroup: `WORKGROUP`, or a name without a dot
/// that is not the expected domain (an AD domain is a DNS name).
fn is_workgroup(domain: &str, expected: &str) -> bool {
    let domain = domain.trim();
    !domain.eq_ignore_ascii_case(expected) && (domain.eq_ignore_ascii_case("WORKGROUP") || !domain.contains('.'))
}

/// What one input shows last of a member VM: its membership and its DNS servers.
#[derive(Default)]
struct MemberView<'a> {
    /// Whether it is in the domain, the domain shown, and where.
    joined: Option<(bool, String, &'a Record)>,
    /// The DNS servers of its latest ipconfig /all, the IPv6 defaults left out, and the line
    /// of the first (`None` while that ipconfig has shown none).
    dns: Option<(Vec<IpAddr>, Option<&'a Record>)>,
}

impl<'a> MemberView<'a> {
    /// Notes a membership shown at `record`, unless a later line of the input showed one.
    fn show_membership(&mut self, joined: bool, domain: &str, record: &'a Record) {
        if self.joined.as_ref().is_none_or(|(_, _, shown)| shown.span.first_line <= record.span.first_line) {
            self.joined = Some((joined, domain.trim().to_owned(), record));
        }
    }
}

/// CCE202: output collected on the CMS or Mediation VM (`systeminfo`, `ipconfig /all`,
/// `Win32_ComputerSystem`) showing it outside the Cloud Connector domain, or resolving names
/// with a DNS server other than the AD server of CloudConnector.ini. The IPv6 DNS servers
/// Windows lists when none is set (`fec0:0:0:ffff::1` to `::3`) are defaults, not choices.
fn domain_membership(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let members: Vec<(&str, &str)> =
        appliance_vms(facts).into_iter().filter(|(_, role)| matches!(*role, "CMS" | "Mediation")).collect();
    if members.is_empty() {
        return;
    }
    let ad_ip = facts.ini.get("common.ip").and_then(|ip| ip.split('/').next()?.trim().parse::<IpAddr>().ok());
    let expected = facts.ini.get("common.virtualmachinedomain").map_or("", |d| d.trim());
    let member_of = |host: &str| members.iter().find(|(vm, _)| names_vm(host, vm)).map(|(vm, _)| *vm);
    // Per member, what each input shows last.
    let mut views: BTreeMap<&str, Vec<(&str, MemberView<'_>)>> = BTreeMap::new();
    for input in inputs {
        let mut shown: BTreeMap<&str, MemberView<'_>> = BTreeMap::new();
        for record in input.records.iter().filter(|r| computer_system(r) && emitted(r)) {
            let Some(vm) = record.get("Name").or(record.get("DNSHostName")).or(machine_of(record)).and_then(member_of)
            else {
                continue;
            };
            let domain = record.get("Domain").unwrap_or_default();
            let joined = match record.get("PartOfDomain") {
                Some(flag) => flag.trim().eq_ignore_ascii_case("True"),
                None => !is_workgroup(domain, expected),
            };
            shown.entry(vm).or_default().show_membership(joined, domain, record);
        }
        let values = tool_values(input);
        for value in &values {
            let Some(vm) = value.host.and_then(member_of) else { continue };
            let view = shown.entry(vm).or_default();
            match value.label {
                Label::Domain => view.show_membership(!is_workgroup(value.value, expected), value.value, value.record),
                // ipconfig's own host name line starts a new listing of the machine's servers.
                Label::HostName if value.record.get("line").is_some_and(|l| l.starts_with(' ')) => {
                    view.dns = Some((Vec::new(), None));
                }
                Label::DnsServers => {
                    let (servers, first) = view.dns.get_or_insert((Vec::new(), None));
                    first.get_or_insert(value.record);
                    servers.extend(ipconfig::address(value.value).filter(|a| !ipconfig::is_default_ipv6_dns(*a)));
                }
                _ => {}
            }
        }
        for (vm, view) in shown {
            views.entry(vm).or_default().push((input.path, view));
        }
    }
    for (vm, role) in &members {
        let seen = views.get(vm).map(Vec::as_slice).unwrap_or_default();
        let joined: Vec<(&str, &(bool, String, &Record))> =
            seen.iter().filter_map(|(path, v)| Some((*path, v.joined.as_ref()?))).collect();
        let dns: Vec<(&str, (&Vec<IpAddr>, &Record))> = seen
            .iter()
            .filter_map(|(path, v)| {
                let (servers, first) = v.dns.as_ref()?;
                Some((*path, (servers, (*first)?)))
            })
            .collect();
        if joined.is_empty() && dns.is_empty() {
            for (input, record) in inputs.iter().flat_map(|i| i.records.iter().map(move |r| (i, r))) {
                if let Some((computer, id)) = remoting_failure(record).filter(|(c, _)| names_vm(c, vm)) {
                    out.undecided(
                        "vm_not_domain_joined",
                        format!(
                            "Invoke-Command could not reach {computer} ({id}, {}:{}), so nothing shows {vm}'s domain \
                             or DNS servers",
                            input.path, record.span.first_line
                        ),
                    );
                }
            }
            continue;
        }
        let member = |name: &'static str, record: &Record| {
            fact(name, &record.span)
                .with("vm", *vm)
                .with("role", *role)
                .with("expected_domain", expected)
                .with("ad_ip", ad_ip.map(|ip| ip.to_string()).unwrap_or_default())
        };
        if !joined.is_empty() {
            out.check("vm_not_domain_joined");
            let outside: Vec<_> = joined.iter().filter(|(_, (j, _, _))| !j).collect();
            match (outside.first(), joined.iter().find(|(_, (j, _, _))| *j)) {
                (Some((path, (_, domain, record))), None) => {
                    out.found(*path, member("vm_not_domain_joined", record).with("domain", domain.clone()));
                }
                (Some((path, (_, _, outside))), Some((other, (_, _, inside)))) => out.undecided(
                    "vm_not_domain_joined",
                    format!(
                        "{vm} is outside the domain at {path}:{} and in it at {other}:{}, and nothing orders the two \
                         captures",
                        outside.span.first_line, inside.span.first_line
                    ),
                ),
                _ => {}
            }
        }
        let Some(ad_ip) = ad_ip else { continue };
        if dns.is_empty() {
            continue;
        }
        out.check("vm_dns_not_ad");
        let wrong: Vec<_> = dns.iter().filter(|(_, (servers, _))| !servers.contains(&ad_ip)).collect();
        match (wrong.first(), dns.iter().find(|(_, (servers, _))| servers.contains(&ad_ip))) {
            (Some((path, (servers, record))), None) => {
                let server = servers.first().map_or("none but the IPv6 defaults".to_owned(), IpAddr::to_string);
                out.found(*path, member("vm_dns_not_ad", record).with("dns_server", server));
            }
            (Some((path, (_, wrong))), Some((other, (_, right)))) => out.undecided(
                "vm_dns_not_ad",
                format!(
                    "{vm} resolves names with the AD server at {other}:{} but not at {path}:{}, and nothing orders \
                     the two captures",
                    right.span.first_line, wrong.span.first_line
                ),
            ),
            _ => {}
        }
    }
}

/// An IPv4 address with a prefix length: `192.168.213.2/24`.
fn ipv4_with_prefix(text: &str, default_prefix: u32) -> Option<(Ipv4Addr, u32)> {
    let (ip, prefix) = text.trim().split_once('/').map_or((text.trim(), None), |(ip, p)| (ip, p.trim().parse().ok()));
    let prefix = prefix.unwrap_or(default_prefix);
    (prefix <= 32).then_some(())?;
    Some((ip.parse().ok()?, prefix))
}

fn same_subnet(a: Ipv4Addr, b: Ipv4Addr, prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    u32::from(a) & mask == u32::from(b) & mask
}

/// CCE106: the host's interface on the Corpnet switch (`vEthernet (<CorpnetSwitchName>)`) has
/// no IPv4 address in the Corpnet subnet, so detection and recovery cannot reach the VMs.
/// Output without any `vEthernet` interface is a VM's, not the host's, and is not judged.
///
/// Before 2.0 detection used the management switch instead; when no input states the version
/// and the host has an address on the management subnet, the host may be such a one, and the
/// check cannot decide.
fn host_corpnet(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let network = |key: &str| facts.ini.get(&format!("network.{key}")).map(|v| v.trim());
    let prefix_default = network("corpnetipprefixlength").and_then(|p| p.parse().ok()).unwrap_or(24);
    let Some((ad_ip, prefix)) = facts.ini.get("common.ip").and_then(|ip| ipv4_with_prefix(ip, prefix_default)) else {
        return;
    };
    let management = ipv4_with_prefix(
        network("managementipprefix").unwrap_or("192.168.213.0"),
        network("managementipprefixlength").and_then(|p| p.parse().ok()).unwrap_or(24),
    );
    let alias = format!("vEthernet ({})", network("corpnetswitchname").unwrap_or("SfB CCE Corpnet Switch"));
    for input in inputs {
        // (interface, address, where, command run)
        let mut addresses: Vec<(&str, &str, &Record, u32)> = Vec::new();
        for record in input.records.iter().filter(|r| r.kind == RecordKind::PsObject && emitted(r)) {
            if let (Some(interface), Some(ip), None) =
                (record.get("InterfaceAlias"), record.get("IPAddress"), machine_of(record))
            {
                addresses.push((interface.trim(), ip.trim(), record, record.context.run));
            }
        }
        for value in tool_values(input).into_iter().filter(|v| v.label == Label::Ipv4Address) {
            if let Some(adapter) = value.adapter {
                addresses.push((adapter, value.value, value.record, value.record.context.run));
            }
        }
        if !addresses.iter().any(|(a, ..)| a.to_ascii_lowercase().starts_with("vethernet")) {
            continue;
        }
        out.check("host_corpnet_unreachable");
        let on_switch = latest(
            addresses.iter().filter(|(a, ..)| a.eq_ignore_ascii_case(&alias)).map(|a| (a.3, (a.1, a.2))).collect(),
        );
        let ipv4 = |ip: &str| {
            ipconfig::address(ip).and_then(|ip| match ip {
                IpAddr::V4(v4) => Some(v4),
                IpAddr::V6(_) => None,
            })
        };
        let held: Vec<Ipv4Addr> = on_switch.iter().filter_map(|(ip, _)| ipv4(ip)).collect();
        if held.iter().any(|ip| same_subnet(*ip, ad_ip, prefix)) {
            continue;
        }
        if facts.cce_version().is_none()
            && let Some((management, management_prefix)) = management
            && let Some((interface, ip, record, _)) = addresses.iter().find(|(a, ip, ..)| {
                a.to_ascii_lowercase().starts_with("vethernet")
                    && ipv4(ip).is_some_and(|ip| same_subnet(ip, management, management_prefix))
            })
        {
            out.undecided(
                "host_corpnet_unreachable",
                format!(
                    "{alias} has no address in the Corpnet subnet, but {interface} has {ip} on the management subnet \
                     ({}:{}), which detection uses before Cloud Connector 2.0, and no input states the version",
                    input.path, record.span.first_line
                ),
            );
            continue;
        }
        let shown = on_switch.first().map_or(addresses[0].2, |(_, record)| *record);
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
        let subnet = Ipv4Addr::from(u32::from(ad_ip) & mask);
        let held = held.iter().map(Ipv4Addr::to_string).collect::<Vec<_>>().join(", ");
        let record = fact("host_corpnet_unreachable", &shown.span)
            .with("interface", alias.clone())
            .with("subnet", format!("{subnet}/{prefix}"))
            .with("ad_ip", ad_ip.to_string())
            .with("addresses", if held.is_empty() { "no IPv4 address".to_owned() } else { held });
        out.found(input.path, record);
    }
}

#[cfg(test)]
mod tests;
