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
fn a_filtered_listing_cannot_show_a_vm_off_its_switch() {
    let ini = ini();
    let in_run = |mut record: Record, run: u32| {
        record.context.run = run;
        record
    };
    let command = |text: &str, run: u32| {
        in_run(Record::new(RecordKind::PsCommand, crate::record::Span::default()).with("command", text), run)
    };
    let filtered = [
        command("Get-VMNetworkAdapter -VMName * | Where-Object SwitchName -eq 'Mgmt' | ft VMName, SwitchName", 5),
        in_run(adapter("1.4.2.0-CMS", "Mgmt"), 5),
    ];
    let inputs = [
        input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
        input("PowerShell_transcript.txt", FileKind::Transcript, &filtered),
    ];
    let out = run(&ADAPTER_SWITCHES, &inputs, NOW);
    assert!(out.derived.is_empty());
    assert!(out.unknown[0].1.contains("1.4.2.0-CMS are listed through a filter"), "{:?}", out.unknown);
    // The same adapter in the whole listing is on the wrong switch.
    let whole = [command("Get-VMNetworkAdapter -VMName *", 5), in_run(adapter("1.4.2.0-CMS", "Mgmt"), 5)];
    let inputs = [
        input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
        input("PowerShell_transcript.txt", FileKind::Transcript, &whole),
    ];
    assert_eq!(values(&run(&ADAPTER_SWITCHES, &inputs, NOW), "vm"), ["1.4.2.0-CMS"]);
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

fn in_run(mut record: Record, run: u32, line_number: u32) -> Record {
    record.context.run = run;
    record.span.first_line = line_number;
    record.span.last_line = line_number;
    record
}

fn addresses(vm: &str, switch: &str, shown: &str) -> Record {
    object("Get-VMNetworkAdapter", &[("VMName", vm), ("SwitchName", switch), ("IPAddresses", shown)])
}

fn nic_check(extra: &[InputRecords<'_>]) -> Derivation {
    let ini = ini();
    let mut inputs = vec![input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini)];
    inputs.extend(extra.iter().map(|i| InputRecords { ..*i }));
    run(&NIC_ADDRESSES, &inputs, NOW)
}

#[test]
fn a_vm_without_its_address_is_a_fact_and_an_address_must_be_equal() {
    let adapters = [
        addresses("2.1.0.0-CMS", "SfB CCE Corpnet Switch", "{169.254.12.7, fe80::5d4:1a2b:3c4d:102}"),
        // 192.168.213.55 contains the text of 192.168.213.5 but is another address.
        addresses("2.1.0.0-EDGE1", "SfB CCE Corpnet Switch", "{192.168.213.55}"),
        addresses("2.1.0.0-MS1", "SfB CCE Corpnet Switch", "{192.168.213.4, fe80::1}"),
    ];
    let out = nic_check(&[input("Get-VMNetworkAdapter.txt", FileKind::Console, &adapters)]);
    assert_eq!(values(&out, "vm"), ["2.1.0.0-CMS", "2.1.0.0-EDGE1"]);
    assert_eq!(values(&out, "addresses")[0], "{169.254.12.7, fe80::5d4:1a2b:3c4d:102}");
    assert!(out.unknown.is_empty());
}

#[test]
fn no_address_from_hyperv_decides_nothing_and_other_adapters_are_not_the_appliance() {
    let vms = [
        object("Get-VM", &[("Name", "2.1.0.0-CMS"), ("State", "Off")]),
        object("Get-VM", &[("Name", "2.1.0.0-MS1"), ("State", "Running")]),
    ];
    let adapters = [
        addresses("2.1.0.0-CMS", "SfB CCE Corpnet Switch", "{}"),
        // Disconnected (CCE103's), a backup appliance's, and one whose list is cut.
        addresses("2.1.0.0-MS1", "", "{}"),
        addresses("2.0.1.0-MS1", "SfB CCE Corpnet Switch", "{169.254.1.1}"),
        addresses("2.1.0.0-EDGE1", "SfB CCE Corpnet Switch", "{fe80::1, 2001:db8::5, fd00::5, fd00::6...}"),
    ];
    let module = [section("RunningVersion", &[("Version", "2.1.0.0")])];
    let out = nic_check(&[
        input("module.ini", FileKind::ModuleIni, &module),
        input("Get-VM.txt", FileKind::Console, &vms),
        input("Get-VMNetworkAdapter.txt", FileKind::Console, &adapters),
    ]);
    assert!(out.derived.is_empty());
    let why: Vec<&str> = out.unknown.iter().map(|(_, why)| why.as_str()).collect();
    assert_eq!(why.len(), 2, "{why:?}");
    assert!(why[0].contains("2.1.0.0-CMS is Off (Get-VM.txt:1)"), "{}", why[0]);
    assert!(why[1].contains("cut"), "{}", why[1]);
    let csv = [addresses("2.1.0.0-CMS", "SfB CCE Corpnet Switch", "System.String[]")];
    let out = nic_check(&[input("adapters.csv", FileKind::CsvExport, &csv)]);
    assert!(out.derived.is_empty() && out.unknown[0].1.contains("type name"));
}

#[test]
fn an_address_an_adapter_on_no_switch_may_hold_is_not_missing() {
    let ini = vec![
        section("Common", &[("ServerName", "DC"), ("IP", "192.168.213.2/24")]),
        section(
            "EdgeServer",
            &[
                ("InternalServerName", "EDGE1"),
                ("InternalServerIPs", "192.168.213.5"),
                ("ExternalSIPIPs", "172.16.10.5"),
            ],
        ),
    ];
    let adapters =
        [addresses("2.1.0.0-EDGE1", "SfB CCE Corpnet Switch", "{192.168.213.5}"), addresses("2.1.0.0-EDGE1", "", "{}")];
    let inputs = [
        input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
        input("Get-VMNetworkAdapter.txt", FileKind::Console, &adapters),
    ];
    let out = run(&NIC_ADDRESSES, &inputs, NOW);
    assert!(out.derived.is_empty());
    assert!(out.unknown[0].1.contains("EDGE1 (External 172.16.10.5)") && out.unknown[0].1.contains("no switch"));
}

#[test]
fn what_the_vm_itself_shows_counts_and_its_latest_listing_decides() {
    let ipconfig = [
        line(None, "Host Name:                 CMS"),
        line(None, "   Host Name . . . . . . . . . . . . : CMS"),
        line(None, "Ethernet adapter Ethernet:"),
        line(None, "   IPv4 Address. . . . . . . . . . . : 192.168.213.21(Preferred) "),
    ];
    let netip = [
        object("", &[("IPAddress", "192.168.213.54"), ("InterfaceAlias", "Ethernet"), ("ComputerName", "EDGE1")]),
        object("", &[("IPAddress", "127.0.0.1"), ("InterfaceAlias", "Loopback"), ("ComputerName", "EDGE1")]),
        // Filtered to one interface: it cannot show that an address is missing.
        object(
            "",
            &[("IPAddress", "10.1.1.1"), ("InterfaceAlias", "Ethernet"), ("PSComputerName", "DC.cce.contoso.local")],
        ),
    ];
    let transcript = [
        in_run(addresses("2.1.0.0-MS1", "SfB CCE Corpnet Switch", "{169.254.1.1}"), 1, 20),
        in_run(addresses("2.1.0.0-MS1", "SfB CCE Corpnet Switch", "{192.168.213.4}"), 3, 40),
    ];
    let out = nic_check(&[
        input("CMS/systeminfo.txt", FileKind::Console, &ipconfig),
        input("EDGE1/netip.json", FileKind::JsonExport, &netip),
        input("transcript.txt", FileKind::Transcript, &transcript),
    ]);
    assert_eq!(values(&out, "vm"), ["CMS", "EDGE1"]);
    assert_eq!(values(&out, "addresses"), ["192.168.213.21", "192.168.213.54, 127.0.0.1"]);
    assert_eq!(values(&out, "source"), ["the VM (ipconfig /all)", "the VM (Get-NetIPAddress)"]);
    assert!(out.unknown.iter().any(|(_, why)| why.contains("shows only some interfaces")));
}

#[test]
fn german_and_japanese_ipconfig_of_the_host() {
    let ini = ini();
    for (header, label) in [
        (
            "Ethernet-Adapter vEthernet (SfB CCE Corpnet Switch):",
            "   IPv4-Adresse  . . . . . . . . . . : 10.40.13.10(Bevorzugt) ",
        ),
        (
            "イーサネット アダプター vEthernet (SfB CCE Corpnet Switch):",
            "   IPv4 アドレス . . . . . . . . . . . . .: 10.40.13.10(優先)",
        ),
    ] {
        let ipconfig = [line(None, header), line(None, label)];
        let inputs = [
            input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
            input("ipconfig.txt", FileKind::Console, &ipconfig),
        ];
        let out = run(&HOST_CORPNET, &inputs, NOW);
        assert_eq!(values(&out, "addresses"), ["10.40.13.10"], "{header}");
    }
}

#[test]
fn without_a_version_an_address_on_the_management_switch_leaves_the_host_undecided() {
    let ini = vec![
        section("Common", &[("ServerName", "DC"), ("IP", "10.8.0.20")]),
        section("Network", &[("CorpnetIPPrefixLength", "24"), ("ManagementIPPrefix", "192.168.213.0")]),
    ];
    let listing = [
        object(
            "Get-NetIPAddress",
            &[("InterfaceAlias", "vEthernet (SfB CCE Corpnet Switch)"), ("IPAddress", "fe80::3b61")],
        ),
        object(
            "Get-NetIPAddress",
            &[("InterfaceAlias", "vEthernet (SfB CCE Management Switch)"), ("IPAddress", "192.168.213.1")],
        ),
    ];
    let inputs = [
        input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
        input("Get-NetIPAddress.txt", FileKind::Console, &listing),
    ];
    let out = run(&HOST_CORPNET, &inputs, NOW);
    assert!(out.derived.is_empty());
    assert!(out.unknown[0].1.contains("before Cloud Connector 2.0"));
    let running = [section("RunningVersion", &[("Version", "2.0.1.0")])];
    let with_version = [
        InputRecords { ..inputs[0] },
        InputRecords { ..inputs[1] },
        input("module.ini", FileKind::ModuleIni, &running),
    ];
    let out = run(&HOST_CORPNET, &with_version, NOW);
    assert_eq!(values(&out, "addresses"), ["no IPv4 address"]);
}

#[test]
fn several_machines_in_one_capture_are_told_apart() {
    let ini = ini();
    let both = [
        line(None, "Host Name:                 CMS"),
        line(None, "Domain:                    WORKGROUP"),
        line(None, "   Host Name . . . . . . . . . . . . : CMS"),
        line(None, "Ethernet adapter Ethernet:"),
        line(None, "   DNS Servers . . . . . . . . . . . : 192.168.213.2"),
        line(None, "Host Name:                 MS1"),
        line(None, "Domain:                    cce.contoso.local"),
        line(None, "   Host Name . . . . . . . . . . . . : MS1"),
        line(None, "Ethernet adapter Ethernet:"),
        line(None, "   DNS Servers . . . . . . . . . . . : 8.8.8.8"),
    ];
    let inputs =
        [input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini), input("vms.txt", FileKind::Console, &both)];
    let out = run(&DOMAIN_MEMBERSHIP, &inputs, NOW);
    let facts: Vec<(&str, &str)> =
        out.derived.iter().map(|d| (d.record.get("fact").unwrap(), d.record.get("vm").unwrap())).collect();
    assert_eq!(facts, [("vm_not_domain_joined", "CMS"), ("vm_dns_not_ad", "MS1")]);
}

#[test]
fn dns_defaults_a_later_join_and_an_unreachable_vm() {
    let ini = ini();
    let ipconfig = [
        line(None, "   Host Name . . . . . . . . . . . . : MS1"),
        line(None, "Ethernet adapter Ethernet:"),
        line(None, "   DNS Servers . . . . . . . . . . . : fec0:0:0:ffff::1%1"),
        line(None, "                                       fec0:0:0:ffff::2%1"),
        line(None, "                                       192.168.213.2"),
        line(None, "   NetBIOS over Tcpip. . . . . . . . : Enabled"),
    ];
    let joined_later = [
        in_run(
            object("Get-CimInstance", &[("Name", "CMS"), ("Domain", "WORKGROUP"), ("PartOfDomain", "False")]),
            1,
            20,
        ),
        in_run(
            object("Get-CimInstance", &[("Name", "CMS"), ("Domain", "cce.contoso.local"), ("PartOfDomain", "True")]),
            3,
            30,
        ),
    ];
    let inputs = [
        input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
        input("MS1/systeminfo.txt", FileKind::Console, &ipconfig),
        input("transcript.txt", FileKind::Transcript, &joined_later),
    ];
    let out = run(&DOMAIN_MEMBERSHIP, &inputs, NOW);
    assert!(out.derived.is_empty() && out.unknown.is_empty());
    assert!(out.checked.contains("vm_dns_not_ad") && out.checked.contains("vm_not_domain_joined"));

    let only_defaults = [
        line(None, "   Host Name . . . . . . . . . . . . : MS1"),
        line(None, "   DNS Servers . . . . . . . . . . . : fec0:0:0:ffff::1%1"),
    ];
    let default_view = [object(
        "Get-CimInstance",
        &[
            ("Name", "CMS"),
            ("PrimaryOwnerName", "Windows User"),
            ("Domain", "WORKGROUP"),
            ("TotalPhysicalMemory", "8589463552"),
        ],
    )];
    let inputs = [
        input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
        input("MS1/ipconfig.txt", FileKind::Console, &only_defaults),
        input("Get-CimInstance.txt", FileKind::Console, &default_view),
    ];
    let out = run(&DOMAIN_MEMBERSHIP, &inputs, NOW);
    assert_eq!(values(&out, "dns_server"), ["none but the IPv6 defaults"]);
    assert_eq!(values(&out, "domain"), ["WORKGROUP"]);

    let mut failure = Record::new(RecordKind::PsError, Default::default());
    for (name, value) in [
        ("computer", "CMS"),
        ("exception", "PSRemotingTransportException"),
        ("fully_qualified_error_id", "AccessDenied,PSSessionStateBroken"),
    ] {
        failure.push(name.to_owned(), value);
    }
    let failures = [failure];
    let inputs = [
        input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
        input("CMS/systeminfo.txt", FileKind::Console, &failures),
    ];
    let out = run(&DOMAIN_MEMBERSHIP, &inputs, NOW);
    assert!(out.derived.is_empty());
    assert!(out.unknown.iter().any(|(fact, why)| *fact == "vm_not_domain_joined" && why.contains("AccessDenied")));
}
