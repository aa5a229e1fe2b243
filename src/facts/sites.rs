//! The host's PSTN site as the tenant sees it: whether it is a high availability site (more
//! than one appliance registered in it), which decides whether advice meant for HA sites
//! applies (CCE205: drain the host with Enter-CcUpdate before Windows restarts it).

use std::collections::BTreeMap;

use super::check::{Check, Derivation, fact};
use super::{Facts, InputRecords};
use crate::record::Record;

pub const HA_SITE: Check = Check {
    facts: &["ha_site"],
    needs: "CloudConnector.ini (SiteName) and Get-CsHybridPSTNAppliance output",
    reads: is_appliance,
    run: ha_site,
};

/// An appliance as `Get-CsHybridPSTNAppliance` shows it (the producer comes from a prompt, a
/// file name or the object's properties).
pub(super) fn is_appliance(record: &Record) -> bool {
    super::check::is_object_of(record, "Get-CsHybridPSTNAppliance")
}

/// The site an appliance is registered in.
fn site_of(record: &Record) -> Option<&str> {
    record.get("Site").or_else(|| record.get("SiteName")).map(str::trim).filter(|s| !s.is_empty())
}

/// The sites of the latest listings that hold more than one appliance: the high availability
/// sites, for the `ha_sites` table (`None` when no input lists appliances).
pub(super) fn ha_sites(inputs: &[InputRecords<'_>]) -> Option<Vec<String>> {
    let appliances = latest_appliances(inputs);
    if appliances.is_empty() {
        return None;
    }
    let mut per_site: BTreeMap<String, (String, std::collections::BTreeSet<String>)> = BTreeMap::new();
    for (_, record) in &appliances {
        let Some(site) = site_of(record) else { continue };
        let name = record.get("Name").or(record.get("Identity")).unwrap_or_default().to_ascii_lowercase();
        per_site
            .entry(site.to_ascii_lowercase())
            .or_insert_with(|| (site.to_owned(), Default::default()))
            .1
            .insert(name);
    }
    Some(per_site.into_values().filter(|(_, names)| names.len() > 1).map(|(site, _)| site).collect())
}

/// The host's site: the ini's SiteName; else the site of the listed appliance named like a
/// host the inputs were taken on; else the only site the listings show.
fn host_site<'a>(facts: &'a Facts, appliances: &[(&InputRecords<'_>, &'a Record)]) -> Option<(&'a str, &'static str)> {
    if let Some(site) = facts.ini.get("common.sitename").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        return Some((site, "CloudConnector.ini"));
    }
    let named = appliances
        .iter()
        .find(|(_, r)| r.get("Name").is_some_and(|n| facts.hosts.iter().any(|h| h.eq_ignore_ascii_case(n.trim()))));
    if let Some(site) = named.and_then(|(_, r)| site_of(r)) {
        return Some((site, "the appliance named like this host"));
    }
    let mut sites = appliances.iter().filter_map(|(_, r)| site_of(r));
    let first = sites.next()?;
    sites.all(|s| s.eq_ignore_ascii_case(first)).then_some((first, "the only site listed"))
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
    let appliances = latest_appliances(inputs);
    let Some((first_input, _)) = appliances.first() else { return };
    let Some((site, from)) = host_site(facts, &appliances) else { return };
    // One appliance listed in two inputs is one appliance.
    let mut in_site: BTreeMap<String, (&InputRecords<'_>, &Record)> = BTreeMap::new();
    for (input, record) in &appliances {
        if site_of(record).is_some_and(|s| s.eq_ignore_ascii_case(site)) {
            let name = record.get("Name").or(record.get("Identity")).unwrap_or_default().to_ascii_lowercase();
            in_site.entry(name).or_insert((input, record));
        }
    }
    if let Some((input, record)) = in_site.values().next().filter(|_| in_site.len() > 1) {
        let names: Vec<&str> = in_site.values().filter_map(|(_, r)| r.get("Name")).collect();
        let record = fact("ha_site", &record.span).with("site", site).with("appliances", names.join(", "));
        out.found(input.path, record);
        out.check("ha_site");
    } else {
        out.rule_out(
            "ha_site",
            format!(
                "site {site} ({from}) has {} appliance registered in {}, not a high availability site",
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
