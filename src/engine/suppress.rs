//! Suppressions: evidence a user has looked at and accepted, with a reason (`[[suppress]]` in
//! ccdiag.toml). A suppressed piece of evidence is not a finding and does not count for
//! `--fail-on`, but every format lists it with its reason and where the suppression was
//! written. A finding whose every piece of evidence is suppressed is suppressed; one with
//! some left keeps those.
//!
//! A suppression names one rule and, optionally, values of the evidence's captured fields
//! (`Thumbprint`, `PSComputerName`, `fact.vm`), compared as the engine compares strings: field
//! names ignoring ASCII case, values folded (case, white space and curly quotes do not count).

use super::evidence::Evidence;
use super::fold::fold;

/// One suppression, resolved against the pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The index of the rule it silences.
    pub rule: usize,
    /// Captured fields and the values each may hold (folded); every field must hold one. None
    /// at all: every piece of the rule's evidence.
    pub fields: Vec<(String, Vec<String>)>,
    pub reason: String,
    /// The config file as the report shows it, and the line of its `[[suppress]]`.
    pub path: String,
    pub line: u32,
    /// The last day it applies (`YYYY-MM-DD`), when it has one.
    pub expires: Option<String>,
}

impl Suppression {
    /// A suppression of `rule` where each field holds one of its values (as written: folded
    /// here).
    pub fn new(
        rule: usize,
        fields: Vec<(String, Vec<String>)>,
        reason: impl Into<String>,
        path: impl Into<String>,
        line: u32,
        expires: Option<String>,
    ) -> Suppression {
        let fields =
            fields.into_iter().map(|(name, values)| (name, values.iter().map(|v| fold(v)).collect())).collect();
        Suppression { rule, fields, reason: reason.into(), path: path.into(), line, expires }
    }

    /// Whether it silences `evidence` of its rule.
    pub fn matches(&self, evidence: &Evidence) -> bool {
        self.fields.iter().all(|(name, values)| {
            evidence.capture(name).is_some_and(|captured| {
                let captured = fold(captured);
                values.contains(&captured)
            })
        })
    }
}

/// The evidence of a rule one suppression silenced: counted in full, kept up to
/// [`super::MAX_EVIDENCE`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressedHits {
    /// Its index in [`super::Engine::suppressions`].
    pub suppression: usize,
    pub count: usize,
    pub evidence: Vec<Evidence>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordKind;
    use crate::rules::Severity;

    fn evidence(captures: &[(&str, &str)]) -> Evidence {
        Evidence {
            kind: RecordKind::PsObject,
            path: "Get-Service.txt".into(),
            line: 4,
            last_line: 4,
            excerpt: String::new(),
            captures: captures.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            severity: Severity::Error,
            at: None,
            zone: crate::time::Zone::HostLocal,
            run: 0,
            note: None,
        }
    }

    fn suppression(fields: &[(&str, &[&str])]) -> Suppression {
        let fields = fields.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect();
        Suppression::new(0, fields, "accepted", "ccdiag.toml", 3, None)
    }

    #[test]
    fn every_field_must_hold_one_of_its_values() {
        let stopped = evidence(&[("Name", "RTCSRV"), ("PSComputerName", "MS1"), ("Status", "Stopped")]);
        assert!(suppression(&[("Name", &["RTCSRV"]), ("PSComputerName", &["MS1"])]).matches(&stopped));
        assert!(!suppression(&[("Name", &["RTCSRV"]), ("PSComputerName", &["MS2"])]).matches(&stopped));
        assert!(suppression(&[("Name", &["RTCMEDSRV", "RTCSRV"])]).matches(&stopped), "any of a list");
        assert!(!suppression(&[("Name", &["RTCSRV"]), ("vm", &["MS1"])]).matches(&stopped), "a field not captured");
    }

    #[test]
    fn names_ignore_case_and_values_compare_folded_as_the_engine_does() {
        let certificate = evidence(&[("thumbprint", "AB12 CD34 EF56"), ("subject", "CN=“ms1”.cce.local")]);
        assert!(suppression(&[("Thumbprint", &["ab12cd34ef56"])]).matches(&certificate));
        assert!(suppression(&[("SUBJECT", &["cn=\"MS1\".CCE.local"])]).matches(&certificate));
        assert!(!suppression(&[("Thumbprint", &["AB12CD34"])]).matches(&certificate), "values compare whole");
    }

    #[test]
    fn without_fields_it_silences_every_piece_of_evidence() {
        assert!(suppression(&[]).matches(&evidence(&[])));
        assert!(suppression(&[]).matches(&evidence(&[("Name", "x")])));
    }
}
