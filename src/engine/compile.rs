//! Turns rule definitions into matchers, a condition and prefilter literals; every mistake in
//! a rule becomes a [`RuleError`] at the exact YAML node.

use std::cmp::Ordering;

use serde_saphyr::Spanned;

use super::condition::{self, Cond};
use super::fold::fold;
use super::matcher::{FieldMatcher, FieldRef, LazyRegex, Op};
use crate::facts;
use crate::record::{Origin, RecordKind};
use crate::rules::load::RuleError;
use crate::rules::template::{self, Piece};
use crate::rules::{LoadedRule, SelectionDef, Severity, Values};
use crate::version::Version;

/// Rule packs may come from anyone (`--rules`): what one rule may cost to load and to run is
/// bounded, and past a bound the rule is a load error that says which. The built-in pack is far
/// inside every one of them.
///
/// Compiled size of one regex (the regex crate's own limit).
pub(super) const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Values of one matcher (`Name: [a, b, ...]`).
pub const MAX_VALUES: usize = 1_000;
/// Bytes of one value or regex pattern.
pub const MAX_VALUE_BYTES: usize = 16 << 10;
/// Values of all the matchers of one rule: each literal is a pattern of the prefilter.
pub const MAX_RULE_VALUES: usize = 4_000;

/// A selection: any of its alternatives, each a conjunction of matchers.
#[derive(Debug)]
pub struct Selection {
    pub alternatives: Vec<Vec<FieldMatcher>>,
    /// Evidence from this selection weighs this much instead of the rule's severity.
    pub severity: Option<Severity>,
}

#[derive(Debug)]
pub struct CompiledRule {
    pub loaded: LoadedRule,
    pub kinds: Vec<RecordKind>,
    pub selections: Vec<Selection>,
    pub condition: Cond,
    /// Per record kind the rule reads: folded literals one of which a record of that kind
    /// must contain for the condition to hold; `None` when it can hold without any, and the
    /// rule must see every record of that kind.
    pub triggers: Vec<(RecordKind, Option<Vec<String>>)>,
    /// Per record kind the rule reads: fields a record must have for the condition to hold,
    /// as clauses that must all hold, each naming fields one of which is enough. Checked
    /// before the condition, it spares state rules (which no literal gates) most records.
    pub field_gates: Vec<(RecordKind, Vec<Vec<String>>)>,
    /// The derived facts the rule reads (`fact: name`), to tell "passed" from "not checked".
    pub facts_read: Vec<String>,
    /// Whose text the rule reads (see `RuleDef::provenance`).
    pub origins: Vec<Origin>,
    /// The entity the rule judges the state of (see `RuleDef::entity`).
    pub entity: Option<Entity>,
    /// What leaves the rule undecided, and why (see `RuleDef::unknown`).
    pub unknown: Option<(Cond, String)>,
    /// Whether an error record's problem is fixed by a later clean run of its command.
    pub resolved_by_rerun: bool,
    /// The record fields (or captures) its scope compares, in the order of its comparisons.
    pub scope_fields: Vec<String>,
}

/// A rule's entity, compiled.
#[derive(Debug)]
pub struct Entity {
    /// What makes a record an observation.
    pub observed: Cond,
    pub key: Vec<String>,
    pub state: Option<String>,
}

impl CompiledRule {
    pub fn id(&self) -> &str {
        &self.loaded.def.id.value
    }

    /// Whether the rule reads `record` at all: its kind, whose words it is, and the fields the
    /// condition needs.
    pub fn reads(&self, record: &crate::record::Record) -> bool {
        self.origins.contains(&record.context.origin)
            && self.kinds.contains(&record.kind)
            && self.has_fields_for(record)
    }

    /// Whether `record` has the fields the condition needs (see `field_gates`).
    fn has_fields_for(&self, record: &crate::record::Record) -> bool {
        self.field_gates
            .iter()
            .find(|(kind, _)| *kind == record.kind)
            .is_none_or(|(_, clauses)| clauses.iter().all(|any| any.iter().any(|f| record.get(f).is_some())))
    }

    /// The names a piece of its evidence may capture: its evidence fields and the named groups
    /// of its regexes, in rule order. A join adds `fact.<column>` of the fact table's row,
    /// which `true` says.
    pub fn capture_names(&self) -> (Vec<String>, bool) {
        let mut names: Vec<String> = Vec::new();
        let groups = self
            .selections
            .iter()
            .flat_map(|s| s.alternatives.iter().flatten())
            .flat_map(|m| m.regexes.iter())
            .flat_map(|re| re.get().capture_names().flatten().map(str::to_owned));
        for name in groups.chain(self.loaded.def.evidence.fields.iter().cloned()) {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                names.push(name);
            }
        }
        (names, self.loaded.def.join.is_some())
    }

    /// The literal strings the prefilter looks for, as written in the rule, that are
    /// signatures on their own (see [`is_signature`]): what `rules signatures` prints for
    /// `rg -F -f`. Derived facts' names are left out, as no input holds them.
    pub fn signatures(&self) -> Vec<&str> {
        self.selections
            .iter()
            .flat_map(|s| &s.alternatives)
            .filter(|alternative| {
                !alternative.iter().any(|m| m.field == FieldRef::Kind && m.values.iter().any(|v| v == "fact"))
            })
            .flatten()
            .flat_map(|m| m.written_literals())
            .filter(|literal| is_signature(literal))
            .collect()
    }
}

/// Whether a literal, searched for alone in any text, points at the issue: it is at least six
/// characters long and has a structure prose words and numbers lack: a space (a phrase: `Key
/// not valid for use`), punctuation between two characters (`Remove-VMSwitch`,
/// `MtHostCommon.ps1`, `Modules_ModuleNotFound`), a capital right after a small letter
/// (`CannotRecover`, `ResourceBusy`), or letters and digits together (`0xc1550115`). A bare
/// word or number (`False`, `Error`, `REPLICA`, `304`) matches in any log: a rule uses it
/// only beside other conditions.
pub fn is_signature(literal: &str) -> bool {
    let literal = literal.trim();
    let chars: Vec<char> = literal.chars().collect();
    let inner_punctuation =
        chars.len() > 2 && chars[1..chars.len() - 1].iter().any(|c| !c.is_alphanumeric() && !c.is_whitespace());
    let camel = chars.windows(2).any(|pair| pair[0].is_lowercase() && pair[1].is_uppercase());
    let letters_and_digits = chars.iter().any(|c| c.is_alphabetic()) && chars.iter().any(|c| c.is_ascii_digit());
    chars.len() >= 6 && (literal.contains(char::is_whitespace) || inner_punctuation || camel || letters_and_digits)
}

pub fn compile(loaded: LoadedRule) -> Result<CompiledRule, Box<RuleError>> {
    let def = &loaded.def;
    let err = |node: &dyn SpanOf, message: String, label: &str| Box::new(node.error(&loaded, message, label));

    // Ids and names are printed as they are in every format, and typed on command lines.
    let id_ok = |id: &str| {
        (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    };
    if !id_ok(&def.id.value) {
        return Err(err(&def.id, "a rule id is 1 to 32 letters, digits, `-` or `_`".into(), "not an id"));
    }
    let name_ok = |name: &str| {
        (1..=64).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !name_ok(&def.name.value) {
        return Err(err(&def.name, "a rule name is kebab-case: 1 to 64 of a-z, 0-9 and `-`".into(), "not a name"));
    }

    let mut kinds = Vec::new();
    for source in &def.sources {
        match RecordKind::from_name(&source.value) {
            Some(kind) => kinds.push(kind),
            None => {
                let known: Vec<&str> = RecordKind::ALL.iter().map(|k| k.name()).collect();
                return Err(Box::new(
                    RuleError::at(
                        &loaded,
                        source,
                        format!("unknown record kind `{}`", source.value),
                        "not a record kind",
                    )
                    .with_help(format!("record kinds: {}", known.join(", "))),
                ));
            }
        }
    }
    if kinds.is_empty() {
        return Err(err(&def.id, "the rule has no `sources`".into(), "this rule reads nothing"));
    }

    let mut origins = Vec::new();
    for written in &def.provenance {
        match Origin::ALL.into_iter().find(|o| o.name() == written.value) {
            Some(origin) => origins.push(origin),
            None => {
                let names: Vec<&str> = Origin::ALL.iter().map(|o| o.name()).collect();
                return Err(Box::new(
                    RuleError::at(
                        &loaded,
                        written,
                        format!("unknown provenance `{}`", written.value),
                        "not a provenance",
                    )
                    .with_help(format!("provenances: {}", names.join(", "))),
                ));
            }
        }
    }
    if origins.is_empty() {
        origins = vec![Origin::Output, Origin::Input];
    }

    let mut selections = Vec::new();
    for (name, selection) in &def.detection.selections {
        let alternatives = match selection {
            SelectionDef::AllOf(fields) => vec![compile_fields(&loaded, fields)?],
            SelectionDef::AnyOf(list) => {
                list.iter().map(|fields| compile_fields(&loaded, fields)).collect::<Result<Vec<_>, _>>()?
            }
        };
        if alternatives.iter().any(Vec::is_empty) || alternatives.is_empty() {
            return Err(err(name, format!("selection `{}` is empty", name.value), "matches everything"));
        }
        let severity = def.severity_by_selection.get(&name.value).copied();
        selections.push(Selection { alternatives, severity });
    }
    let values: usize = def
        .detection
        .selections
        .iter()
        .flat_map(|(_, s)| match s {
            SelectionDef::AllOf(fields) => vec![fields],
            SelectionDef::AnyOf(list) => list.iter().collect(),
        })
        .flatten()
        .map(|(_, v)| v.value.0.len())
        .sum();
    if values > MAX_RULE_VALUES {
        return Err(err(
            &def.id,
            format!("the detection has {values} values; a rule takes at most {MAX_RULE_VALUES}"),
            "in this rule",
        ));
    }

    if let Some(unknown) =
        def.severity_by_selection.keys().find(|k| !def.detection.selections.iter().any(|(n, _)| &n.value == *k))
    {
        return Err(err(
            &def.id,
            format!("severity_by_selection names `{unknown}`, which is not a selection"),
            "in this rule",
        ));
    }

    let names: Vec<&str> = def.detection.selections.iter().map(|(n, _)| n.value.as_str()).collect();
    let cond_node = &def.detection.condition;
    let condition = condition::parse(&cond_node.value, &names).map_err(|e| {
        let mut error = RuleError::at(&loaded, cond_node, format!("bad condition: {}", e.message), "here");
        if let Some(span) = error.span {
            // Point inside the condition text; +1 skips an opening quote when there is one.
            let quoted = loaded.source.get(span.offset()..).is_some_and(|s| s.starts_with(['"', '\'']));
            error.span = Some((span.offset() + e.offset + usize::from(quoted), 1).into());
        }
        Box::new(error)
    })?;

    let tables_named = def.join.iter().map(|j| &j.fact).chain(def.scope.iter().map(|s| &s.fact));
    for table in tables_named {
        if !facts::TABLES.contains(&table.value.as_str()) {
            return Err(Box::new(
                RuleError::at(&loaded, table, format!("unknown fact table `{}`", table.value), "not a fact table")
                    .with_help(format!("fact tables: {}", facts::TABLES.join(", "))),
            ));
        }
    }
    if let Some(required) = &def.requires
        && !facts::registry::fact_names().any(|f| f == required.value)
    {
        return Err(unknown_fact(&loaded, required, &required.value));
    }

    let version = |v: &Option<String>| -> Result<Option<Version>, Box<RuleError>> {
        match v {
            None => Ok(None),
            Some(text) => Version::parse(text)
                .map(Some)
                .ok_or_else(|| err(&def.id, format!("`{text}` in applies_to is not a version"), "in this rule")),
        }
    };
    if let Some(range) = &def.applies_to {
        version(&range.min)?;
        version(&range.below)?;
    }
    for step in &def.remediation {
        if let Some(when) = &step.when {
            version(&when.min)?;
            version(&when.below)?;
        }
        if let Some(command) = &step.command {
            check_command(&loaded, command)?;
        }
    }

    // `entity.observed` and `unknown.when` are conditions over the selections, like `condition`.
    let parse_condition = |node: &Spanned<String>, what: &str| -> Result<Cond, Box<RuleError>> {
        condition::parse(&node.value, &names).map_err(|e| {
            Box::new(
                RuleError::at(&loaded, node, format!("bad {what}: {}", e.message), "here")
                    .with_help(format!("selections: {}", names.join(", "))),
            )
        })
    };
    let entity = match &def.entity {
        Some(entity) => Some(Entity {
            observed: parse_condition(&entity.observed, "entity.observed")?,
            key: entity.key.clone(),
            state: entity.state.clone(),
        }),
        None => None,
    };
    let unknown = match &def.unknown {
        Some(unknown) => Some((parse_condition(&unknown.when, "unknown.when")?, unknown.because.clone())),
        None => None,
    };
    let resolved_by_rerun = match &def.resolved_by {
        None => true,
        Some(written) if written.value == "rerun" => true,
        Some(written) if written.value == "never" => false,
        Some(written) => {
            return Err(Box::new(
                RuleError::at(&loaded, written, format!("unknown resolution `{}`", written.value), "here")
                    .with_help("resolved_by: rerun (the default) or never"),
            ));
        }
    };
    // What the prefilter must let through: every observation of an entity (its state may be
    // fine, which is how a fix shows), every event of the condition, and every record that
    // leaves the rule undecided.
    let mut gate = match &entity {
        Some(entity) => Cond::Or(vec![entity.observed.clone(), condition.clone()]),
        None => condition.clone(),
    };
    if let Some((when, _)) = &unknown {
        gate = Cond::Or(vec![gate, when.clone()]);
    }
    let triggers = kinds.iter().map(|&kind| (kind, triggers(&gate, &selections, kind))).collect();
    let field_gates = kinds.iter().map(|&kind| (kind, field_gates(&gate, &selections, kind))).collect();
    let facts_read = selections
        .iter()
        .flat_map(|s| s.alternatives.iter().flatten())
        .filter(|m| m.field == FieldRef::Named("fact".to_owned()) && m.op == Op::Equals)
        .flat_map(|m| m.values.iter().cloned())
        .collect();
    let scope_fields = def.scope.iter().flat_map(|s| s.comparisons.iter().map(|c| c.record.clone())).collect();
    Ok(CompiledRule {
        kinds,
        selections,
        condition,
        triggers,
        field_gates,
        facts_read,
        origins,
        entity,
        unknown,
        resolved_by_rerun,
        scope_fields,
        loaded,
    })
}

/// Every placeholder of a command must stand where a quoted literal is one whole argument.
fn check_command(loaded: &LoadedRule, command: &Spanned<String>) -> Result<(), Box<RuleError>> {
    for piece in template::pieces(&command.value) {
        let Piece::Placeholder(placeholder) = piece else { continue };
        if let Some(why) = template::misplaced_in_command(&command.value, &placeholder) {
            let mut error = RuleError::at(
                loaded,
                command,
                format!("placeholder `{{{}}}` cannot stand there in a command", placeholder.name),
                "here",
            )
            .with_help(why);
            // Point at the placeholder itself: the node's text is the command, indented when it
            // is a block scalar, so the placeholder is found by its own text in the node.
            if let Some(span) = error.span {
                let written = &command.value[placeholder.span.clone()];
                let nth = command.value[..placeholder.span.start].matches(written).count();
                if let Some((at, _)) = loaded.source[span.offset()..].match_indices(written).nth(nth) {
                    error.span = Some((span.offset() + at, written.len()).into());
                }
            }
            return Err(Box::new(error));
        }
    }
    Ok(())
}

/// A field no record of the rule's kinds has, where every one of those kinds has a fixed set of
/// fields: a misspelling that would leave the matcher failing for ever.
fn unknown_field(loaded: &LoadedRule, key: &Spanned<String>, name: &str) -> Option<Box<RuleError>> {
    let mut known: Vec<&str> = Vec::new();
    for source in &loaded.def.sources {
        match RecordKind::from_name(&source.value).map(RecordKind::fields) {
            Some(Some(fields)) => known.extend_from_slice(fields),
            // A kind of open fields (objects, ini sections), or one the loader reports itself.
            _ => return None,
        }
    }
    // Error records carry their console labels (`+ PSComputerName`) as fields, as written.
    let label = name.starts_with(|c: char| c.is_ascii_uppercase())
        && loaded.def.sources.iter().any(|s| s.value == RecordKind::PsError.name());
    if label || known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
        return None;
    }
    let mut error =
        RuleError::at(loaded, key, format!("no record this rule reads has the field `{name}`"), "unknown field");
    error = match crate::rules::suggest::closest(name, known.iter().copied()) {
        Some(near) => error.with_help(format!("did you mean `{near}`?")),
        None => error.with_help(format!("fields: {}, and any, kind, path", known.join(", "))),
    };
    Some(Box::new(error))
}

trait SpanOf {
    fn error(&self, rule: &LoadedRule, message: String, label: &str) -> RuleError;
}

impl<T> SpanOf for Spanned<T> {
    fn error(&self, rule: &LoadedRule, message: String, label: &str) -> RuleError {
        RuleError::at(rule, self, message, label)
    }
}

fn compile_fields(
    loaded: &LoadedRule,
    fields: &[(Spanned<String>, Spanned<Values>)],
) -> Result<Vec<FieldMatcher>, Box<RuleError>> {
    fields.iter().map(|(key, values)| compile_field(loaded, key, values)).collect()
}

fn compile_field(
    loaded: &LoadedRule,
    key: &Spanned<String>,
    values: &Spanned<Values>,
) -> Result<FieldMatcher, Box<RuleError>> {
    let mut parts = key.value.split('|');
    let field_name = parts.next().unwrap_or_default().trim();
    if field_name.is_empty() {
        return Err(Box::new(RuleError::at(loaded, key, "a matcher needs a field name", "no field")));
    }
    let field = match field_name {
        "any" => FieldRef::Any,
        "kind" => FieldRef::Kind,
        "path" => FieldRef::Path,
        name => FieldRef::Named(name.to_owned()),
    };
    if let FieldRef::Named(name) = &field
        && let Some(error) = unknown_field(loaded, key, name)
    {
        return Err(error);
    }
    let mut op = Op::Equals;
    let mut all = false;
    for modifier in parts {
        op = match modifier {
            "all" => {
                all = true;
                continue;
            }
            "contains" => Op::Contains,
            "startswith" => Op::StartsWith,
            "endswith" => Op::EndsWith,
            "re" => Op::Regex,
            "exists" => Op::Exists,
            "lt" => Op::Cmp(Ordering::Less, false),
            "lte" => Op::Cmp(Ordering::Less, true),
            "gt" => Op::Cmp(Ordering::Greater, false),
            "gte" => Op::Cmp(Ordering::Greater, true),
            other => {
                return Err(Box::new(
                    RuleError::at(loaded, key, format!("unknown modifier `{other}`"), "unknown modifier")
                        .with_help("modifiers: contains, startswith, endswith, re, exists, lt, lte, gt, gte, all"),
                ));
            }
        };
    }
    let raw = &values.value.0;
    if raw.is_empty() {
        return Err(Box::new(RuleError::at(loaded, values, "a matcher needs at least one value", "empty")));
    }
    if raw.len() > MAX_VALUES {
        return Err(Box::new(
            RuleError::at(
                loaded,
                values,
                format!("{} values; a matcher takes at most {MAX_VALUES}", raw.len()),
                "too many",
            )
            .with_help("split the list over several rules, or match a pattern with `re`"),
        ));
    }
    if let Some(long) = raw.iter().find(|v| v.len() > MAX_VALUE_BYTES) {
        return Err(Box::new(RuleError::at(
            loaded,
            values,
            format!("a value of {} bytes; values and patterns are at most {MAX_VALUE_BYTES} bytes", long.len()),
            "too long",
        )));
    }
    let mut regexes = Vec::new();
    let values_out = match op {
        Op::Regex => {
            for pattern in raw {
                let re = LazyRegex::new(pattern);
                if !matches!(loaded.origin, crate::rules::Origin::BuiltIn) {
                    re.compile().map_err(|e| {
                        Box::new(RuleError::at(loaded, values, format!("bad regex: {e}"), "this regex"))
                    })?;
                }
                regexes.push(re);
            }
            Vec::new()
        }
        Op::Exists => {
            let flag = raw[0].to_ascii_lowercase();
            if raw.len() != 1 || !(flag == "true" || flag == "false") {
                return Err(Box::new(RuleError::at(loaded, values, "`exists` takes true or false", "not a boolean")));
            }
            vec![flag]
        }
        Op::Cmp(..) => {
            if let Some(bad) = raw.iter().find(|v| v.trim().parse::<f64>().is_err() && Version::parse(v).is_none()) {
                return Err(Box::new(RuleError::at(
                    loaded,
                    values,
                    format!("`{bad}` is neither a number nor a version"),
                    "cannot compare",
                )));
            }
            raw.clone()
        }
        _ => raw.iter().map(|v| fold(v)).collect(),
    };
    // A fact no check concludes never matches: the rule would pass for ever, checking nothing.
    if field_name.eq_ignore_ascii_case("fact")
        && op == Op::Equals
        && let Some(unknown) = raw.iter().find(|v| !facts::registry::fact_names().any(|f| f == v.as_str()))
    {
        return Err(unknown_fact(loaded, values, unknown));
    }
    Ok(FieldMatcher { field, op, values: values_out, written: raw.clone(), regexes, all })
}

/// A fact no check concludes, pointed at where the rule names it, with the nearest name.
fn unknown_fact<T>(loaded: &LoadedRule, node: &Spanned<T>, unknown: &str) -> Box<RuleError> {
    let error = RuleError::at(loaded, node, format!("no check concludes the fact `{unknown}`"), "unknown fact");
    Box::new(match crate::rules::suggest::closest(unknown, facts::registry::fact_names()) {
        Some(near) => error.with_help(format!("did you mean `{near}`?")),
        None => error.with_help(format!("facts: {}", facts::registry::fact_names().collect::<Vec<_>>().join(", "))),
    })
}

/// Literals one of which every record of `kind` satisfying `cond` contains (see
/// `required_literals`). An alternative pinned to another kind (`kind: ini_section`) can never
/// hold for this one and needs no literal at all: `Some(vec![])`.
fn triggers(cond: &Cond, selections: &[Selection], kind: RecordKind) -> Option<Vec<String>> {
    match cond {
        Cond::Selection(i) => {
            let mut out = Vec::new();
            for alternative in &selections[*i].alternatives {
                if alternative.iter().any(|m| m.excludes_kind(kind)) {
                    continue;
                }
                // Any one required matcher gates the alternative; take the most selective.
                let best =
                    alternative.iter().filter_map(|m| m.required_literals(kind)).min_by_key(|l| selectivity(l))?;
                out.extend(best);
            }
            Some(out)
        }
        Cond::Not(_) => None,
        Cond::And(terms) => terms.iter().filter_map(|t| triggers(t, selections, kind)).min_by_key(|l| selectivity(l)),
        Cond::Or(terms) => {
            let mut out = Vec::new();
            for term in terms {
                out.extend(triggers(term, selections, kind)?);
            }
            Some(out)
        }
    }
}

/// Fields a record of `kind` satisfying `cond` has, as clauses (see `field_gates`). A named
/// field that is missing fails every matcher but `exists: false`; no clause means no need.
fn field_gates(cond: &Cond, selections: &[Selection], kind: RecordKind) -> Vec<Vec<String>> {
    match cond {
        Cond::Selection(i) => {
            let required = |alternative: &Vec<FieldMatcher>| -> Vec<String> {
                alternative
                    .iter()
                    .filter(|m| !(m.op == Op::Exists && m.values.first().is_some_and(|v| v == "false")))
                    .filter_map(|m| match &m.field {
                        FieldRef::Named(name) => Some(name.clone()),
                        _ => None,
                    })
                    .collect()
            };
            let alternatives: Vec<Vec<String>> = selections[*i]
                .alternatives
                .iter()
                .filter(|a| !a.iter().any(|m| m.excludes_kind(kind)))
                .map(required)
                .collect();
            match alternatives.as_slice() {
                // Each field of the only alternative is needed.
                [only] => only.iter().map(|f| vec![f.clone()]).collect(),
                // One field of each alternative, any of them (an empty clause when the kind
                // excludes every alternative: the selection cannot hold).
                several if several.iter().all(|a| !a.is_empty()) => {
                    vec![several.iter().map(|a| a[0].clone()).collect()]
                }
                _ => Vec::new(),
            }
        }
        Cond::Not(_) => Vec::new(),
        Cond::And(terms) => terms.iter().flat_map(|t| field_gates(t, selections, kind)).collect(),
        Cond::Or(terms) => {
            let mut any = Vec::new();
            for term in terms {
                match field_gates(term, selections, kind).into_iter().next() {
                    Some(clause) => any.extend(clause),
                    None => return Vec::new(),
                }
            }
            vec![any]
        }
    }
}

/// Orders sets of gating literals, most selective first: fewer literals, then longer ones (a
/// record holding `cannotrecover` is rarer than one holding `304`).
fn selectivity(literals: &[String]) -> (usize, std::cmp::Reverse<usize>) {
    (literals.len(), std::cmp::Reverse(literals.iter().map(String::len).min().unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Origin, load};

    fn rule(detection: &str) -> CompiledRule {
        let text = format!(
            "id: X001\nname: x\ntitle: t\nseverity: error\nsources: [ps_object, text]\n\
             docs: {{what: w, why: y}}\ndetection:\n{detection}\nremediation:\n  - text: fix\n"
        );
        compile(load::parse_rule("x.yaml", &text, Origin::BuiltIn).unwrap()).unwrap()
    }

    fn compile_error(text: &str) -> String {
        let loaded = load::parse_rule("x.yaml", text, Origin::BuiltIn).unwrap();
        compile(loaded).err().map(|e| format!("{}; {}", e.message, e.help.unwrap_or_default())).unwrap_or_default()
    }

    /// Built-in regexes are compiled on first use (see [`LazyRegex`]): this is what proves
    /// that none of them can fail then.
    #[test]
    fn every_built_in_regex_compiles_within_the_limits() {
        let mut count = 0;
        for loaded in load::built_in().unwrap().into_values() {
            let id = loaded.def.id.value.clone();
            let rule = compile(loaded).unwrap();
            for re in rule.selections.iter().flat_map(|s| s.alternatives.iter().flatten()).flat_map(|m| &m.regexes) {
                assert!(re.compile().is_ok(), "{id}: {}", re.as_str());
                count += 1;
            }
        }
        assert!(count > 0, "the built-in pack has regexes");
    }

    #[test]
    fn a_bad_regex_of_a_user_pack_is_a_load_error() {
        let text = "id: X001\nname: x\ntitle: t\nseverity: error\nsources: [text]\ndocs: {what: w, why: y}\n\
                    detection:\n  sel:\n    line|re: 'a(b'\n  condition: sel\nremediation:\n  - text: fix\n";
        let loaded = load::parse_rule("x.yaml", text, Origin::User("x.yaml".into())).unwrap();
        let error = compile(loaded).err().map(|e| e.message).unwrap_or_default();
        assert!(error.contains("bad regex: regex parse error"), "{error}");
    }

    #[test]
    fn misspelt_fields_of_kinds_with_fixed_fields_are_errors_with_a_suggestion() {
        let rule = |sources: &str, field: &str| {
            format!(
                "id: X001\nname: x\ntitle: t\nseverity: error\nsources: [{sources}]\ndocs: {{what: w, why: y}}\n\
                 detection:\n  sel:\n    {field}|contains: x\n  condition: sel\nremediation:\n  - text: fix\n"
            )
        };
        let error = compile_error(&rule("cce_log", "mesage"));
        assert!(error.contains("no record this rule reads has the field `mesage`"), "{error}");
        assert!(error.contains("did you mean `message`?"), "{error}");
        // Objects have any properties; error records carry their labels as written.
        assert_eq!(compile_error(&rule("ps_object", "Mesage")), "");
        assert_eq!(compile_error(&rule("ps_error", "PSComputerName")), "");
        assert!(compile_error(&rule("ps_error", "fully_qualified_error")).contains("fully_qualified_error_id"));
    }

    fn gates(rule: &CompiledRule, kind: RecordKind) -> &[Vec<String>] {
        &rule.field_gates.iter().find(|(k, _)| *k == kind).unwrap().1
    }

    #[test]
    fn field_gates_follow_the_condition() {
        let r = rule(
            "  sel_name:\n    Name: [REPLICA]\n  sel_down:\n    Status: Stopped\n  sel_manual:\n    StartType: Manual\n\
             \x20 sel_gone:\n    Name|exists: false\n  condition: sel_name and (sel_down or sel_manual) and not sel_gone",
        );
        assert_eq!(
            gates(&r, RecordKind::PsObject),
            [vec!["Name".to_owned()], vec!["Status".into(), "StartType".into()]]
        );

        // An alternative that needs no named field, or a missing field being the point, gates
        // nothing.
        let r = rule("  sel:\n    - any|contains: boom\n    - Release|lt: 3\n  condition: sel");
        assert!(gates(&r, RecordKind::PsObject).is_empty());
        let r = rule("  sel:\n    Name|exists: false\n  condition: sel");
        assert!(gates(&r, RecordKind::PsObject).is_empty());

        // A selection pinned to another kind cannot hold: an empty clause.
        let r = rule("  sel:\n    kind: text\n    line|contains: boom\n  condition: sel");
        assert_eq!(gates(&r, RecordKind::PsObject), [Vec::<String>::new()]);
        assert_eq!(gates(&r, RecordKind::Text), [vec!["line".to_owned()]]);
    }

    #[test]
    fn signatures_are_phrases_identifiers_and_codes_not_bare_words_or_numbers() {
        for kept in [
            "Key not valid",
            "Remove-VMSwitch",
            "MtHostCommon.ps1",
            "Modules_ModuleNotFound,",
            "CannotRecover",
            "0xc1550115",
        ] {
            assert!(is_signature(kept), "{kept}");
        }
        for left in [
            "False",
            "Error",
            "Common",
            "REPLICA",
            "RTCMEDSRV",
            "cloudconnector",
            "304",
            "20006",
            "...",
            "-Upgrade",
            "PSVersion",
            "CS AB",
        ] {
            assert!(!is_signature(left), "{left}");
        }
    }
}
