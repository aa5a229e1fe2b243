//! The Mediation Server of CloudConnector.ini against the hybrid configuration online: not
//! registered at all (CCE206), or registered under another appliance's name (CCE208).

use super::check::{Check, Derivation, fact, is_object_of, objects};
use super::{Facts, InputRecords};
use crate::parse::FileKind;
use crate::record::RecordKind;

pub const UNREGISTERED: Check = Check {
    facts: &["mediation_server_unregistered"],
    needs: "CloudConnector.ini and Get-CsHybridMediationServer output",
    reads: |record| record.kind == RecordKind::IniSection || is_object_of(record, "Get-CsHybridMediationServer"),
    run: unregistered,
};

pub const REGISTRATION_CONFLICT: Check = Check {
    facts: &["appliance_registration_conflict"],
    needs: "CloudConnector.ini, Get-CsHybridPSTNAppliance output and the host name (from a transcript)",
    reads: super::sites::is_appliance,
    run: registration_conflict,
};

/// The FQDNs the Mediation Server of CloudConnector.ini may be registered under: its name in
/// the VM domain or in one of the SIP domains. Which one the tenant must use is in an article
/// the reference set lacks; a registration under either is taken as this server's, since a
/// false "not registered" would send an administrator to recreate a working user.
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

/// Whether `fqdn` is one of `ours`.
fn is_ours(ours: &[String], fqdn: Option<&str>) -> bool {
    fqdn.is_some_and(|f| ours.iter().any(|o| o.eq_ignore_ascii_case(f.trim())))
}

/// CCE206: no hybrid Mediation Server online has the ini's Mediation Server FQDN.
fn unregistered(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let fqdns = mediation_fqdns(facts);
    let ini_path = inputs.iter().find(|i| i.kind == FileKind::CloudConnectorIni);
    let is_ours = |fqdn: Option<&str>| is_ours(&fqdns, fqdn);

    let registered: Vec<_> = objects(inputs, "Get-CsHybridMediationServer").collect();
    // An output file of the command that holds nothing says that nothing is registered.
    let listed = !registered.is_empty()
        || inputs.iter().any(|i| i.producer.is_some_and(|p| p.eq_ignore_ascii_case("Get-CsHybridMediationServer")));
    if let (true, false, Some(ini)) = (listed, fqdns.is_empty(), ini_path) {
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
}

/// CCE208: an appliance registered online with the ini's Mediation Server FQDN or address
/// under another name than any host the bundle was taken on, in the latest listing of each
/// input (a stale registration removed and listed again is gone).
fn registration_conflict(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let fqdns = mediation_fqdns(facts);
    let ini_ip = facts.ini.get("mediationserver.ip").map(|ip| ip.split('/').next().unwrap_or(ip).trim().to_owned());
    let is_ours = |fqdn: Option<&str>| is_ours(&fqdns, fqdn);
    let is_host = |name: &str| facts.hosts.iter().any(|h| h.eq_ignore_ascii_case(name.trim()));
    for (input, record) in super::sites::latest_appliances(inputs) {
        if !facts.hosts.is_empty() && (!fqdns.is_empty() || ini_ip.is_some()) {
            out.check("appliance_registration_conflict");
        }
        let same_fqdn = is_ours(record.get("MediationServerFqdn"));
        let same_ip =
            ini_ip.as_deref().is_some_and(|ip| record.get("MediationServerIPAddress").is_some_and(|r| r.trim() == ip));
        let name = record.get("Name").unwrap_or_default();
        if (same_fqdn || same_ip) && !facts.hosts.is_empty() && !is_host(name) {
            let record = fact("appliance_registration_conflict", &record.span)
                .with("registered_name", name)
                .with("registered_fqdn", record.get("MediationServerFqdn").unwrap_or_default())
                .with("registered_ip", record.get("MediationServerIPAddress").unwrap_or_default())
                .with("registered_identity", record.get("Identity").unwrap_or_default())
                .with("appliance", facts.hosts.join(", "))
                .with("ini_fqdn", fqdns.first().cloned().unwrap_or_default())
                .with("ini_ip", ini_ip.clone().unwrap_or_default())
                .with(
                    "site",
                    record
                        .get("Site")
                        .or(record.get("SiteName"))
                        .or(facts.ini.get("common.sitename").map(String::as_str))
                        .unwrap_or_default(),
                );
            out.found(input.path.to_owned(), record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::check::testing::{input, object, run, section, values};
    use crate::record::{Record, Span};

    const NOW: &str = "2026-12-01T00:00:00Z";

    fn ini() -> Vec<Record> {
        vec![
            section("Common", &[("VirtualMachineDomain", "cce.contoso.local"), ("SiteName", "Seattle")]),
            section("MediationServer", &[("ServerName", "MS1"), ("IP", "192.168.213.4/24")]),
        ]
    }

    #[test]
    fn the_ini_mediation_server_must_be_registered() {
        let ini = ini();
        for (registered, fires) in [("MS2.cce.contoso.local", true), ("ms1.cce.contoso.local", false)] {
            let listing = [object("Get-CsHybridMediationServer", &[("Fqdn", registered)])];
            let inputs = [
                input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
                input("Get-CsHybridMediationServer.txt", FileKind::Console, &listing),
            ];
            let out = run(&UNREGISTERED, &inputs, NOW);
            assert_eq!(values(&out, "expected_fqdn"), if fires { vec!["MS1.cce.contoso.local"] } else { vec![] });
        }
    }

    #[test]
    fn the_same_mediation_server_under_another_name_conflicts() {
        let ini = ini();
        let session = [Record::new(RecordKind::PsSession, Span::default()).with("machine", "CCE-HOST01")];
        for (name, fires) in [("CCE-HOST02", true), ("CCE-HOST01", false)] {
            let listing = [object(
                "Get-CsHybridPSTNAppliance",
                &[("Name", name), ("MediationServerFqdn", "MS1.cce.contoso.local"), ("Identity", "5d3b8f0e")],
            )];
            let inputs = [
                input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
                input("PowerShell_transcript.txt", FileKind::Transcript, &session),
                input("Get-CsHybridPSTNAppliance.txt", FileKind::Console, &listing),
            ];
            let out = run(&REGISTRATION_CONFLICT, &inputs, NOW);
            assert_eq!(values(&out, "registered_name"), if fires { vec![name] } else { vec![] });
            assert!(out.checked.contains("appliance_registration_conflict"));
        }
    }
}
