//! The network an appliance needs: each VM on its switches (CCE103), the CMS and Mediation
//! Server in the Cloud Connector domain with the AD server for DNS (CCE202), and the host on the
//! Corpnet subnet (CCE106).

use std::collections::BTreeMap;

use super::check::{Check, Derivation, fact, is_object_of, objects};
use super::{Facts, InputRecords};
use crate::record::{Origin, Record, RecordKind};

/// Lines of `systeminfo` and `ipconfig /all` that name hosts, domains, DNS servers and
/// addresses.
const TEXT_LABELS: [&str; 4] = ["Host Name", "Domain", "DNS Servers", "IPv4 Address"];

pub const ADAPTER_SWITCHES: Check = Check {
    facts: &["vm_switch_disconnected"],
    needs: "CloudConnector.ini and Get-VMNetworkAdapter output",
    reads: |record| is_object_of(record, "Get-VMNetworkAdapter"),
    run: adapter_switches,
};

pub const DOMAIN_MEMBERSHIP: Check = Check {
    facts: &["vm_not_domain_joined", "vm_dns_not_ad"],
    needs: "CloudConnector.ini and systeminfo, ipconfig /all or Win32_ComputerSystem output of the CMS or Mediation VM",
    reads: |record| match record.kind {
        RecordKind::PsObject => record.get("PartOfDomain").is_some(),
        RecordKind::Text => labelled_line(record),
        _ => false,
    },
    run: domain_membership,
};

pub const HOST_CORPNET: Check = Check {
    facts: &["host_corpnet_unreachable"],
    needs: "CloudConnector.ini and the host's Get-NetIPAddress or ipconfig /all output",
    reads: |record| match record.kind {
        RecordKind::PsObject => is_object_of(record, "Get-NetIPAddress") || record.get("InterfaceAlias").is_some(),
        RecordKind::Text => labelled_line(record) || record.get("line").is_some_and(|l| l.contains(" adapter ")),
        _ => false,
    },
    run: host_corpnet,
};

/// Whether a command emitted `record` or it was read from a file: what a host shows, not text
/// quoted in a ticket or shown from a script.
pub(super) fn emitted(record: &Record) -> bool {
    matches!(record.context.origin, Origin::Output | Origin::Input)
}

fn labelled_line(record: &Record) -> bool {
    let line = record.get("line").unwrap_or_default().trim();
    TEXT_LABELS.iter().any(|label| line.starts_with(label))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::check::testing::{input, line, object, run, section, values};
    use crate::parse::FileKind;

    const NOW: &str = "2026-12-01T00:00:00Z";

    fn ini() -> Vec<Record> {
        vec![
            section(
                "Common",
                &[("ServerName", "DC"), ("IP", "192.168.213.2/24"), ("VirtualMachineDomain", "cce.contoso.local")],
            ),
            section("PrimaryCMS", &[("ServerName", "CMS"), ("IP", "192.168.213.3")]),
            section("MediationServer", &[("ServerName", "MS1"), ("IP", "192.168.213.4")]),
            section("EdgeServer", &[("InternalServerName", "EDGE1"), ("InternalServerIPs", "192.168.213.5")]),
        ]
    }

    fn adapter(vm: &str, switch: &str) -> Record {
        object("Get-VMNetworkAdapter", &[("VMName", vm), ("SwitchName", switch)])
    }

    #[test]
    fn a_vm_off_its_switch_is_disconnected() {
        let ini = ini();
        let adapters = [
            adapter("2.1.0.0-CMS", "SfB CCE Corpnet Switch"),
            adapter("2.1.0.0-EDGE1", "SfB CCE Corpnet Switch"),
            adapter("2.1.0.0-EDGE1", ""),
        ];
        let inputs = [
            input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
            input("Get-VMNetworkAdapter.txt", FileKind::Console, &adapters),
        ];
        let out = run(&ADAPTER_SWITCHES, &inputs, NOW);
        assert_eq!(values(&out, "vm"), ["2.1.0.0-EDGE1"]);
        assert_eq!(values(&out, "switch"), ["SfB CCE Internet Switch"]);
    }

    #[test]
    fn a_workgroup_vm_and_a_foreign_dns_server_are_facts() {
        let ini = ini();
        let systeminfo = [
            line(None, "Host Name:                 MS1"),
            line(None, "Domain:                    WORKGROUP"),
            line(None, "   DNS Servers . . . . . . . . . . . : 8.8.8.8"),
        ];
        let inputs = [
            input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
            input("MS1/systeminfo.txt", FileKind::Console, &systeminfo),
        ];
        let joined = run(&DOMAIN_MEMBERSHIP, &inputs, NOW);
        let facts: Vec<&str> = joined.derived.iter().filter_map(|d| d.record.get("fact")).collect();
        assert_eq!(facts, ["vm_not_domain_joined", "vm_dns_not_ad"]);
        assert_eq!(values(&joined, "dns_server"), ["8.8.8.8"]);
    }

    #[test]
    fn the_host_needs_an_address_in_the_corpnet_subnet() {
        let ini = ini();
        for (address, fires) in [("169.254.12.7", true), ("192.168.213.10", false)] {
            let listing = [
                object(
                    "Get-NetIPAddress",
                    &[("InterfaceAlias", "vEthernet (SfB CCE Corpnet Switch)"), ("IPAddress", address)],
                ),
                object("Get-NetIPAddress", &[("InterfaceAlias", "Ethernet"), ("IPAddress", "10.1.1.4")]),
            ];
            let inputs = [
                input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
                input("Get-NetIPAddress.txt", FileKind::Console, &listing),
            ];
            let out = run(&HOST_CORPNET, &inputs, NOW);
            assert_eq!(values(&out, "addresses"), if fires { vec![address] } else { vec![] }, "{address}");
            assert_eq!(values(&out, "subnet"), if fires { vec!["192.168.213.0/24"] } else { vec![] });
        }
    }
}
