//! Derived facts: conclusions that need several inputs at once, turned into `fact` records
//! that rules match like any other (insights-core's combiners). Each is located at the input
//! that shows it best, so a finding still points at a file and line.
//!
//! Only comparisons that cannot be written as one selection live here: two module.ini copies,
//! a version against another, the ini's Mediation Server against what is registered online,
//! required exclusions against a list, dates against the reference time, sessions counted
//! over transcripts, VMs' adapters and addresses against the ini.
//!
//! The registry ([`CHECKS`]) is data: each check says which facts it concludes, which inputs
//! it needs (for "why was this not checked"), and which records it reads (everything else is
//! dropped once matched). The rule loader refuses a `fact:` no check concludes.

use super::{Facts, InputRecords, certificates, exclusions, mediation, network, sessions, sites, versions};
use crate::record::{Record, RecordKind};

pub use super::check::{Check, Derivation, Derived};

/// Every check, in the order they run.
pub const CHECKS: &[Check] = &[
    versions::VERSION_MISMATCH,
    versions::MODULE_INI_COPIES,
    versions::RUNNING_VERSION_EMPTY,
    versions::STALE_MODULE,
    mediation::UNREGISTERED,
    mediation::REGISTRATION_CONFLICT,
    exclusions::EXCLUSIONS_MISSING,
    certificates::CERTIFICATES_EXPIRING,
    sessions::REMOTE_SESSIONS,
    network::ADAPTER_SWITCHES,
    network::NIC_ADDRESSES,
    network::DOMAIN_MEMBERSHIP,
    network::HOST_CORPNET,
    sites::HA_SITE,
];

/// Every fact a check can conclude.
pub fn fact_names() -> impl Iterator<Item = &'static str> {
    CHECKS.iter().flat_map(|c| c.facts.iter().copied())
}

/// The inputs a fact needs, for the "why was this not checked" of a report.
pub fn needs(fact: &str) -> Option<&'static str> {
    CHECKS.iter().find(|c| c.facts.contains(&fact)).map(|c| c.needs)
}

/// Whether some check reads `record`.
pub fn reads(record: &Record) -> bool {
    record.kind == RecordKind::Fact || CHECKS.iter().any(|c| (c.reads)(record))
}

/// Runs every check.
pub fn derive(inputs: &[InputRecords<'_>], facts: &Facts) -> Derivation {
    let mut out = Derivation::default();
    for check in CHECKS {
        (check.run)(inputs, facts, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README lists the facts a rule may read; the list must be the registry's.
    #[test]
    fn the_readme_lists_every_fact() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        let start = readme.find("**Derived facts**").expect("the README's derived facts paragraph");
        let paragraph = &readme[start..start + readme[start..].find("\n\n").unwrap_or(readme.len() - start)];
        let mut listed: Vec<&str> = paragraph
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|name| name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .collect();
        let mut registered: Vec<&str> = fact_names().collect();
        listed.sort_unstable();
        registered.sort_unstable();
        assert_eq!(listed, registered);
    }

    #[test]
    fn every_fact_has_one_check() {
        let mut names: Vec<&str> = fact_names().collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a fact concluded by two checks");
        assert!(names.iter().all(|n| needs(n).is_some()));
    }
}
