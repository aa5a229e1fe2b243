//! The host's PSTN site as the tenant sees it: whether it is a high availability site (more
//! than one appliance registered in it), which decides whether advice meant for HA sites
//! applies (CCE205: drain the host with Enter-CcUpdate before Windows restarts it).

use std::collections::BTreeMap;

use super::check::{Check, Derivation, fact};
use super::{Facts, InputRecords};
use crate::record::{Record, RecordKind};

pub const HA_SITE: Check = Check {
    facts: &["ha_site"],
    needs: "CloudConnector.ini (SiteName) and Get-CsHybridPSTNAppliance output",
    reads: is_appliance,
    run: ha_site,
};

/// An appliance as `Get-CsHybridPSTNAppliance` shows it, by its producer or, when the file name
/// says nothing (an `Export-Csv` named `appliances.csv`), by its properties.
pub(super) fn is_appliance(record: &Record) -> bool {
    record.kind == RecordKind::PsObject
        && (super::check::is_object_of(record, "Get-CsHybridPSTNAppliance")
            || record.get("Site").is_some() && record.get("MediationServerFqdn").is_some())
}

/// The appliances of the latest listing of each input: a transcript that unregisters a stale
/// appliance and lists them again shows the tenant as it is now in its last listing.
pub(super) fn latest_appliances<'a>(inputs: &'a [InputRecords<'a>]) -> Vec<(&'a InputRecords<'a>, &'a Record)> {
    let mut out = Vec::new();
    for input in inputs {
        let listed: Vec<&Record> = input.records.iter().filter(|r| is_appliance(r)).collect();
        let Some(last_run) = listed.iter().map(|r| r.context.run).max() else { continue };
        out.extend(listed.into_iter().filter(|r| r.context.run == last_run).map(|r| (input, r)));
    }
    out
}

fn ha_site(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let Some(site) = facts.ini.get("common.sitename").map(|s| s.trim()).filter(|s| !s.is_empty()) else { return };
    let appliances = latest_appliances(inputs);
    let Some((first_input, first)) = appliances.first() else { return };
    // One appliance listed in two inputs is one appliance.
    let mut in_site: BTreeMap<String, (&InputRecords<'_>, &Record)> = BTreeMap::new();
    for (input, record) in &appliances {
        if record.get("Site").is_some_and(|s| s.trim().eq_ignore_ascii_case(site)) {
            let name = record.get("Name").or(record.get("Identity")).unwrap_or_default().to_ascii_lowercase();
            in_site.entry(name).or_insert((input, record));
        }
    }
    if in_site.len() > 1 {
        let names: Vec<&str> = in_site.values().filter_map(|(_, r)| r.get("Name")).collect();
        let (input, record) = in_site.values().next().copied().unwrap_or((first_input, first));
        let record = fact("ha_site", &record.span).with("site", site).with("appliances", names.join(", "));
        out.found(input.path, record);
        out.check("ha_site");
    } else {
        out.rule_out(
            "ha_site",
            format!(
                "site {site} (CloudConnector.ini) has {} appliance registered in {}, not a high availability site",
                in_site.len(),
                first_input.path
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::check::testing::{input, object, run, section};
    use crate::parse::FileKind;

    #[test]
    fn a_site_is_ha_with_two_appliances_of_its_own() {
        let ini = [section("Common", &[("SiteName", "Hamburg")])];
        let appliance = |name: &str, site: &str| object("Get-CsHybridPSTNAppliance", &[("Name", name), ("Site", site)]);
        for (listing, ha) in [
            (vec![appliance("H1", "Hamburg"), appliance("H2", "hamburg")], true),
            (vec![appliance("B1", "Bremen"), appliance("H1", "Hamburg"), appliance("H2", "Bremen")], false),
        ] {
            let inputs = [
                input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
                input("Get-CsHybridPSTNAppliance.txt", FileKind::Console, &listing),
            ];
            let out = run(&HA_SITE, &inputs, "2027-01-01T00:00:00Z");
            assert_eq!(out.concluded("ha_site"), ha);
            assert!(out.checked.contains("ha_site"));
            assert_eq!(out.ruled_out.is_empty(), ha);
        }
    }

    #[test]
    fn only_the_latest_listing_of_a_transcript_counts() {
        let ini = [section("Common", &[("SiteName", "Muenchen")])];
        let mut listing = Vec::new();
        for (run, name) in [(1, "C1"), (1, "C2"), (3, "C1")] {
            let mut record = object("Get-CsHybridPSTNAppliance", &[("Name", name), ("Site", "Muenchen")]);
            record.context.run = run;
            listing.push(record);
        }
        let inputs = [
            input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
            input("PowerShell_transcript.txt", FileKind::Transcript, &listing),
        ];
        let out = run(&HA_SITE, &inputs, "2027-01-01T00:00:00Z");
        assert!(!out.concluded("ha_site"), "C2 was unregistered before the last listing");
    }

    #[test]
    fn without_the_listing_nothing_is_decided() {
        let ini = [section("Common", &[("SiteName", "Hamburg")])];
        let out =
            run(&HA_SITE, &[input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini)], "2027-01-01T00:00:00Z");
        assert!(out.checked.is_empty() && out.ruled_out.is_empty());
    }
}
