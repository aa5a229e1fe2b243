//! The rule model: what a YAML rule file says, before compilation.
//!
//! One file per documented issue under `rules/`; the built-in pack is compiled into the binary
//! (see `build.rs`) so that the binary alone diagnoses a host. A user's `--rules DIR` adds
//! rules or overrides built-in ones by id. All YAML is read in [`load`], nowhere else.

pub mod load;
pub mod select;
pub mod suggest;
pub mod template;

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A rule as written in YAML.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub title: String,
    pub severity: Severity,
    /// Evidence from these selections has its own severity (a predictive form is a warning
    /// where the error itself is an error); the finding takes the highest.
    #[serde(default)]
    pub severity_by_selection: BTreeMap<String, Severity>,
    /// Record kinds the rule reads (`cce_log`, `ps_error`, ...).
    pub sources: Vec<Spanned<String>>,
    /// What to collect from a host for the rule's records, named as the README's collection
    /// recipe names it (`Get-VM output from the host (host\Get-VM.json)`): a rule whose inputs
    /// were absent says this in its "not applicable" reason instead of its record kinds.
    #[serde(default)]
    pub collect: Option<String>,
    /// Whose text the rule reads (`output`, `input`, `quoted`, `script`, `source`); by default
    /// what commands and services emitted and commands typed, never quoted text or scripts.
    #[serde(default)]
    pub provenance: Vec<Spanned<String>>,
    /// Versions of Cloud Connector the issue exists in; absent means every version.
    #[serde(default)]
    pub applies_to: Option<VersionRange>,
    pub detection: Detection,
    /// Compare the records the detection selected with facts from other inputs.
    #[serde(default)]
    pub join: Option<JoinDef>,
    /// The rule judges the state of entities (a VM, a service on a computer): only the latest
    /// observation of each counts, and an earlier bad state fixed since is reported as such.
    #[serde(default)]
    pub entity: Option<EntityDef>,
    /// Which objects are the rule's: Cloud Connector VMs of the running deployment, the
    /// services a role's VM is monitored for, the host's own site, the appliance's management
    /// switch. Applies to the entities a state rule observes and to an event rule's evidence.
    #[serde(default)]
    pub scope: Vec<ScopeDef>,
    /// Records that leave the rule unable to decide: "could not be checked", and why.
    #[serde(default)]
    pub unknown: Option<UnknownDef>,
    /// Rules whose finding explains this one's: shown under that cause, not on its own.
    #[serde(default)]
    pub explained_by: Vec<ExplainedByDef>,
    /// A condition a derived-fact check decides about the host (`ha_site`): when it is ruled
    /// out the rule is not applicable, when it could not be decided its evidence cannot be
    /// judged ("could not be checked").
    #[serde(default)]
    pub requires: Option<Spanned<String>>,
    /// The command that fixes the problem (`Set-CcCredential -AccountType TenantAdmin`): when a
    /// transcript shows it run without error after the last evidence, and the evidence's log
    /// goes on past it without the problem, the rule passes as fixed.
    #[serde(default)]
    pub fixed_by: Option<String>,
    /// Whether an error is fixed by a later run of the same command that emitted no error
    /// (`rerun`, the default) or stays a finding whatever came after (`never`).
    #[serde(default)]
    pub resolved_by: Option<Spanned<String>>,
    #[serde(default)]
    pub evidence: EvidenceDef,
    pub remediation: Vec<StepDef>,
    #[serde(default)]
    pub references: Vec<Reference>,
    pub docs: Docs,
}

/// A half-open range of Cloud Connector versions: `min` inclusive, `below` exclusive.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VersionRange {
    #[serde(default)]
    pub min: Option<String>,
    #[serde(default)]
    pub below: Option<String>,
    /// Which version the range is about: the running deployment (the default), or the
    /// scripts installed on the host (`scripts`, what Get-CcVersion prints), for an issue
    /// that a newer release's scripts bring whatever runs.
    #[serde(default)]
    pub of: VersionOf,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VersionOf {
    #[default]
    Running,
    Scripts,
}

impl VersionRange {
    /// Whether `version` is in the range. Bounds that are not versions were refused when the
    /// rule was compiled, so here they cannot occur (and would not bound anything).
    pub fn contains(&self, version: &crate::version::Version) -> bool {
        use crate::version::Version;
        let min_ok = self.min.as_deref().and_then(Version::parse).is_none_or(|min| *version >= min);
        let below_ok = self.below.as_deref().and_then(Version::parse).is_none_or(|below| *version < below);
        min_ok && below_ok
    }

    /// The human label used on remediation variants, e.g. "2.0 and later".
    pub fn label(&self) -> String {
        match (&self.min, &self.below) {
            (Some(min), Some(below)) => format!("{min} up to (not including) {below}"),
            (Some(min), None) => format!("{min} and later"),
            (None, Some(below)) => format!("before {below}"),
            (None, None) => "every version".to_owned(),
        }
    }
}

/// Sigma-style detection: named selections and a condition over their names.
#[derive(Debug)]
pub struct Detection {
    pub selections: Vec<(Spanned<String>, SelectionDef)>,
    pub condition: Spanned<String>,
}

/// A selection is a map of `field|modifier|...: value(s)` (all must hold), or a list of such
/// maps (any may hold), as in Sigma.
#[derive(Debug)]
pub enum SelectionDef {
    AllOf(Vec<(Spanned<String>, Spanned<Values>)>),
    AnyOf(Vec<Vec<(Spanned<String>, Spanned<Values>)>>),
}

/// One value or a list of values; scalars of any YAML type are read as their text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values(pub Vec<String>);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityDef {
    /// The condition (over the selections) a record must satisfy to be an observation of the
    /// entity; the rule's condition says whether the observed state is bad.
    pub observed: Spanned<String>,
    /// Fields that tell entities apart (`[PSComputerName, Name]`). A field a record lacks is
    /// its input's: observations in different files without it are of different entities.
    pub key: Vec<String>,
    /// How the state reads in a report: `VM {Name} is {State}` (placeholders from captures).
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnknownDef {
    /// The condition (over the selections) whose records leave the rule undecided.
    pub when: Spanned<String>,
    /// Why, with placeholders from the record's captures and fields.
    pub because: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainedByDef {
    /// The id of the cause.
    pub rule: Spanned<String>,
    /// What both pieces of evidence must share: captures by name, `location` (the same input
    /// and lines), or `run` (the same command run at a prompt). Empty: the cause fired at all.
    #[serde(default)]
    pub same: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinDef {
    /// The fact table, e.g. `vm_nics` (see `facts`).
    pub fact: Spanned<String>,
    /// Which fact rows a record is compared with: record field and fact column.
    pub on: Comparison,
    /// What must hold for each paired row; the rule fires for each row where it does not.
    pub expect: Comparison,
}

/// A record field compared with a column of a fact row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    pub record: String,
    pub fact: String,
    #[serde(default)]
    pub op: JoinOp,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum JoinOp {
    #[default]
    Equals,
    /// The record's value, read as a list (`{a, b}`, `a, b`), holds the fact value.
    Contains,
    /// The record's value is an item of the fact's comma-separated list.
    In,
    /// The same machine: names equal, or equal up to the first dot (`MS1` and
    /// `MS1.cce.contoso.local`).
    Host,
}

/// Which observations of an entity, or pieces of evidence, are the rule's business: those that
/// some row of the fact table matches on every comparison. The record side is a capture of the
/// detection (a regex group, an evidence field) or else a field of the record. A comparison whose record field is absent holds (the
/// record cannot say otherwise); a table no input gave limits nothing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeDef {
    pub fact: Spanned<String>,
    #[serde(rename = "where")]
    pub comparisons: Vec<Comparison>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceDef {
    /// Record fields captured with each piece of evidence and usable as `{placeholders}`.
    #[serde(default)]
    pub fields: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    pub text: String,
    /// Placeholders in it are filled with PowerShell literals and must be whole arguments
    /// (see [`template::misplaced_in_command`]).
    #[serde(default)]
    pub command: Option<Spanned<String>>,
    #[serde(default)]
    pub when: Option<StepWhen>,
}

/// When a step is shown.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StepWhen {
    /// Only for these versions; when the version is unknown the step is shown, labelled.
    #[serde(default)]
    pub min: Option<String>,
    #[serde(default)]
    pub below: Option<String>,
    /// Only when the first evidence captured this field with a value (a step for the missing
    /// process exclusion, shown only when one is missing).
    #[serde(default)]
    pub captured: Option<String>,
}

impl StepWhen {
    pub fn versions(&self) -> VersionRange {
        VersionRange { min: self.min.clone(), below: self.below.clone(), of: VersionOf::Running }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub article: String,
    #[serde(default)]
    pub anchor: Option<String>,
    /// The section heading or issue line the rule comes from.
    pub section: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    /// What the rule detects.
    pub what: String,
    /// Why it matters.
    pub why: String,
    /// What the evidence looks like on a host.
    #[serde(default)]
    pub example: Option<String>,
}

/// Where a rule came from, for diagnostics and `rules list`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    User(std::path::PathBuf),
}

/// A parsed rule with its source text kept for error reporting.
#[derive(Debug)]
pub struct LoadedRule {
    pub def: RuleDef,
    pub file: String,
    pub source: std::sync::Arc<str>,
    pub origin: Origin,
}

/// Rules by id; a user rule replaces a built-in one with the same id.
pub type RuleSet = BTreeMap<String, LoadedRule>;
