//! `ccdiag rules export --format sigma`: the rule pack as standard Sigma rules, for the log
//! platforms fleets already alert in (through pySigma's backends), reading the records
//! `ccdiag records` forwards (see [`super::records`]).
//!
//! A Sigma rule judges one record at a time, so a rule is exported only when its verdict on
//! a record needs nothing else: not the facts other inputs give (versions, fact tables, derived
//! facts), not the latest state of an entity. Each record kind a rule reads becomes a rule of
//! its own (a Sigma rule has one log source), and an exported rule selects exactly the records
//! whose kind and provenance the rule reads and on which its condition holds. Nothing is
//! exported in part: what a query cannot say as ccdiag compares makes the rule, or that kind
//! of it, "not exported", with the reason.
//!
//! Our comparisons ignore case and white space; Sigma's ignore case only. The records carry
//! each field folded as rules compare it (`folded.<name>`, and `folded_any` for the `any`
//! field), and exported rules compare those with the folded values, so both sides agree
//! without a pattern that tolerates white space.

use uuid::Uuid;

use super::records::FOLDED_ANY;
use super::yaml::{Node, document};
use crate::engine::Engine;
use crate::engine::compile::{CompiledRule, Selection};
use crate::engine::condition::Cond;
use crate::engine::matcher::{FieldMatcher, FieldRef, FoldedFields, Op, RecordView};
use crate::record::{Origin, Record, RecordKind, Span};
use crate::rules::{SelectionDef, Severity};

/// The namespace of the UUIDv5 each exported rule is named by (itself the UUIDv5 of
/// `ccdiag:sigma` in the URL namespace). Never change it: platforms track rules by their id.
pub const NAMESPACE: Uuid = Uuid::from_u128(0xc178aa85_ceb8_53fb_98f5_b827debd4781);

/// The Sigma product of every exported rule; the service is the record kind.
pub const PRODUCT: &str = "ccdiag";

/// The selection that holds the provenance a rule reads.
const PROVENANCE_SELECTION: &str = "ccdiag_provenance";

/// Most maps (alternatives) one exported selection may have once an `any|...|all` matcher is
/// spread over the fields of a kind.
const MAX_ALTERNATIVES: usize = 256;

/// One exported rule: a rule of ours, for one record kind it reads.
#[derive(Debug)]
pub struct SigmaRule {
    pub rule_id: String,
    pub kind: RecordKind,
    pub id: Uuid,
    /// `ccdiag_<id>_<kind>.yml`, the id reduced to lower-case letters, digits and `_`.
    pub file_name: String,
    pub text: String,
}

/// A rule, or one record kind of it, that is not exported, and why.
#[derive(Debug)]
pub struct NotExported {
    pub rule_id: String,
    /// `None`: the rule as a whole.
    pub kind: Option<RecordKind>,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Export {
    pub rules: Vec<SigmaRule>,
    pub not_exported: Vec<NotExported>,
}

/// The id of the exported rule for `rule_id`'s records of `kind`.
pub fn rule_uuid(rule_id: &str, kind: RecordKind) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{rule_id}/{}", kind.name()).as_bytes())
}

/// Every rule of the engine, exported or listed with the reason it is not.
pub fn export(engine: &Engine) -> Export {
    let mut out = Export::default();
    for rule in engine.rules() {
        let rule_id = rule.id().to_owned();
        let reasons = whole_rule_reasons(rule);
        if !reasons.is_empty() {
            out.not_exported.push(NotExported { rule_id, kind: None, reason: reasons.join("; ") });
            continue;
        }
        for &kind in &rule.kinds {
            match exported(rule, kind) {
                Ok(text) => out.rules.push(SigmaRule {
                    rule_id: rule_id.clone(),
                    kind,
                    id: rule_uuid(&rule_id, kind),
                    file_name: file_name(&rule_id, kind),
                    text,
                }),
                Err(reason) => {
                    out.not_exported.push(NotExported { rule_id: rule_id.clone(), kind: Some(kind), reason })
                }
            }
        }
    }
    // Two ids that reduce to the same file name would overwrite each other: neither is written.
    let mut names: Vec<&str> = out.rules.iter().map(|r| r.file_name.as_str()).collect();
    names.sort_unstable();
    let clashing: Vec<String> = names.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0].to_owned()).collect();
    let (kept, clashed): (Vec<SigmaRule>, Vec<SigmaRule>) =
        out.rules.into_iter().partition(|r| !clashing.contains(&r.file_name));
    out.rules = kept;
    for rule in clashed {
        let reason = format!("another rule id is also written as {}", rule.file_name);
        out.not_exported.push(NotExported { rule_id: rule.rule_id, kind: Some(rule.kind), reason });
    }
    out
}

/// What makes a rule's verdict need more than the record: each a reason it is not exported.
fn whole_rule_reasons(rule: &CompiledRule) -> Vec<String> {
    let def = &rule.loaded.def;
    let mut reasons = Vec::new();
    if let Some(join) = &def.join {
        reasons.push(format!("compares its records with the fact table `{}` built from other inputs", join.fact.value));
    }
    if !def.scope.is_empty() {
        let facts: Vec<&str> = def.scope.iter().map(|s| s.fact.value.as_str()).collect();
        reasons.push(format!("judges only the objects that fact tables from other inputs name ({})", facts.join(", ")));
    }
    if let Some(requires) = &def.requires {
        reasons.push(format!("holds only where a check over several inputs decides `{}`", requires.value));
    }
    if let Some(entity) = &def.entity {
        let what = match entity.key.as_slice() {
            [] => "what it observes".to_owned(),
            key => format!("each {}", key.join(" and ")),
        };
        reasons.push(format!("judges {what} by its latest state across records, which one record cannot tell"));
    }
    if let Some(range) = &def.applies_to {
        let of = match range.of {
            crate::rules::VersionOf::Running => "the running deployment",
            crate::rules::VersionOf::Scripts => "the installed scripts",
        };
        reasons.push(format!("applies to {} only ({of}), a version other inputs state", range.label()));
    }
    if rule.kinds == [RecordKind::Fact] {
        reasons.push(format!("reads derived facts ({}), conclusions drawn across inputs", rule.facts_read.join(", ")));
    }
    reasons
}

/// A condition over the selections of one record kind, once what the kind decides alone is
/// folded in.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expr {
    Const(bool),
    Selection(usize),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// A selection for one kind: decided by the kind alone, or Sigma maps any of which may hold.
enum Translated {
    Const(bool),
    Maps(Vec<Vec<(String, Node)>>),
}

/// The Sigma rule of `rule` for records of `kind`, or why there is none.
fn exported(rule: &CompiledRule, kind: RecordKind) -> Result<String, String> {
    if kind == RecordKind::Fact {
        return Err(format!("reads derived facts ({}), conclusions drawn across inputs", rule.facts_read.join(", ")));
    }
    let def = &rule.loaded.def;
    let names: Vec<&str> = def.detection.selections.iter().map(|(name, _)| name.value.as_str()).collect();
    let translated: Vec<Result<Translated, String>> =
        rule.selections.iter().zip(&def.detection.selections).map(|(s, (_, d))| selection(s, d, kind)).collect();
    let expr = simplify(lower(&rule.condition, &translated, &names)?);
    let expr = match expr {
        Expr::Const(false) => return Err(format!("no record of kind {kind} can satisfy its detection")),
        Expr::Const(true) => return Err(format!("its detection holds on every record of kind {kind}")),
        expr => expr,
    };
    let mut used = Vec::new();
    selections_in(&expr, &mut used);
    used.sort_unstable();
    used.dedup();
    let mut detection = Vec::new();
    for &i in &used {
        let name = names[i];
        if !is_identifier(name) || name == PROVENANCE_SELECTION {
            return Err(format!("its selection name `{name}` is not one a Sigma condition can hold"));
        }
        let Ok(Translated::Maps(maps)) = &translated[i] else { unreachable!("lowered to a selection") };
        let node = match maps.as_slice() {
            [one] => Node::Map(one.clone()),
            many => Node::List(many.iter().cloned().map(Node::Map).collect()),
        };
        detection.push((name.to_owned(), node));
    }
    let mut condition = render(&expr, &names, false);
    let origins: Vec<&str> = rule.origins.iter().map(|o| o.name()).collect();
    if Origin::ALL.iter().any(|o| !rule.origins.contains(o)) {
        detection.insert(
            0,
            (PROVENANCE_SELECTION.to_owned(), Node::Map(vec![("provenance".to_owned(), Node::strs(origins))])),
        );
        condition = format!("{PROVENANCE_SELECTION} and {}", render(&expr, &names, true));
    }
    detection.push(("condition".to_owned(), Node::str(condition)));
    let level = used.iter().map(|&i| rule.selections[i].severity.unwrap_or(def.severity)).max().unwrap_or(def.severity);
    Ok(document(&rule_document(rule, kind, detection, level)))
}

fn rule_document(
    rule: &CompiledRule,
    kind: RecordKind,
    detection: Vec<(String, Node)>,
    level: Severity,
) -> Vec<(String, Node)> {
    let def = &rule.loaded.def;
    let description = format!(
        "{} {} ccdiag rule {} ({}), on its records of kind {kind}: it selects the records whose detection holds; \
         ccdiag's report also weighs versions, later fixes and other inputs.",
        def.docs.what.trim(),
        def.docs.why.trim(),
        def.id.value,
        def.name.value
    );
    let references: Vec<String> = def
        .references
        .iter()
        .map(|r| match &r.anchor {
            Some(anchor) => format!("{}#{anchor}: {}", r.article, r.section),
            None => format!("{}: {}", r.article, r.section),
        })
        .collect();
    let mut fields = vec!["host".to_owned(), "path".to_owned(), "line".to_owned()];
    fields.extend(def.evidence.fields.iter().filter(|f| is_identifier(f)).map(|f| format!("fields.{f}")));
    let level = match level {
        Severity::Error => "high",
        Severity::Warning => "medium",
        Severity::Info => "low",
    };
    let mut doc = vec![
        ("title".to_owned(), Node::str(format!("{} ({kind})", def.title.trim()))),
        ("id".to_owned(), Node::str(rule_uuid(&def.id.value, kind).to_string())),
        ("status".to_owned(), Node::str("test")),
        ("description".to_owned(), Node::str(description)),
    ];
    if !references.is_empty() {
        doc.push(("references".to_owned(), Node::strs(references)));
    }
    doc.extend([
        ("author".to_owned(), Node::str("ccdiag")),
        (
            "logsource".to_owned(),
            Node::Map(vec![("product".to_owned(), Node::str(PRODUCT)), ("service".to_owned(), Node::str(kind.name()))]),
        ),
        ("detection".to_owned(), Node::Map(detection)),
        ("fields".to_owned(), Node::strs(fields)),
        ("level".to_owned(), Node::str(level)),
    ]);
    doc
}

/// The condition for one kind, each selection replaced by what it is for that kind; a
/// selection a query cannot say stops the export wherever it stands (nothing is left out).
fn lower(cond: &Cond, selections: &[Result<Translated, String>], names: &[&str]) -> Result<Expr, String> {
    Ok(match cond {
        Cond::Selection(i) => match &selections[*i] {
            Ok(Translated::Const(b)) => Expr::Const(*b),
            Ok(Translated::Maps(_)) => Expr::Selection(*i),
            Err(reason) => return Err(format!("{}: {reason}", names[*i])),
        },
        Cond::Not(c) => Expr::Not(Box::new(lower(c, selections, names)?)),
        Cond::And(cs) => Expr::And(cs.iter().map(|c| lower(c, selections, names)).collect::<Result<_, _>>()?),
        Cond::Or(cs) => Expr::Or(cs.iter().map(|c| lower(c, selections, names)).collect::<Result<_, _>>()?),
    })
}

/// Folds constants away: what remains is a constant or holds no constant.
fn simplify(expr: Expr) -> Expr {
    match expr {
        Expr::Not(inner) => match simplify(*inner) {
            Expr::Const(b) => Expr::Const(!b),
            other => Expr::Not(Box::new(other)),
        },
        Expr::And(items) => combine(items, true, Expr::And),
        Expr::Or(items) => combine(items, false, Expr::Or),
        other => other,
    }
}

/// `and` (`neutral` true) or `or` (`neutral` false) of `items`, constants folded.
fn combine(items: Vec<Expr>, neutral: bool, make: fn(Vec<Expr>) -> Expr) -> Expr {
    let mut kept = Vec::new();
    for item in items.into_iter().map(simplify) {
        match item {
            Expr::Const(b) if b == neutral => {}
            Expr::Const(b) => return Expr::Const(b),
            other => kept.push(other),
        }
    }
    match kept.len() {
        0 => Expr::Const(neutral),
        1 => kept.remove(0),
        _ => make(kept),
    }
}

fn selections_in(expr: &Expr, out: &mut Vec<usize>) {
    match expr {
        Expr::Selection(i) => out.push(*i),
        Expr::Not(inner) => selections_in(inner, out),
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| selections_in(e, out)),
        Expr::Const(_) => {}
    }
}

/// The condition in Sigma's words; `nested` puts a compound one in parentheses.
fn render(expr: &Expr, names: &[&str], nested: bool) -> String {
    let joined = |items: &[Expr], word: &str| {
        let text = items.iter().map(|e| render(e, names, true)).collect::<Vec<_>>().join(word);
        if nested { format!("({text})") } else { text }
    };
    match expr {
        Expr::Selection(i) => names[*i].to_owned(),
        Expr::Not(inner) => format!("not {}", render(inner, names, true)),
        Expr::And(items) => joined(items, " and "),
        Expr::Or(items) => joined(items, " or "),
        Expr::Const(b) => b.to_string(),
    }
}

/// Plain identifiers only: a Sigma condition names selections by them, and the query
/// languages take field names like them unquoted.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(name, "and" | "or" | "not" | "of" | "all" | "them")
}

/// One selection for records of `kind`.
fn selection(compiled: &Selection, written: &SelectionDef, kind: RecordKind) -> Result<Translated, String> {
    // `[<regex>, any|exists: true]` names what a regex captures and never filters: every
    // alternative beside the lone `any|exists: true` needs a field, so the selection holds
    // exactly when the record has one.
    let has_field = |m: &FieldMatcher| m.op == Op::Exists && m.field == FieldRef::Any && m.values == ["true"];
    let needs_field = |m: &FieldMatcher| match &m.field {
        FieldRef::Named(_) | FieldRef::Any => m.op != Op::Exists || m.values == ["true"],
        FieldRef::Kind | FieldRef::Path => false,
    };
    if matches!(written, SelectionDef::AnyOf(_))
        && compiled.alternatives.iter().any(|a| matches!(a.as_slice(), [m] if has_field(m)))
        && compiled.alternatives.iter().all(|a| a.iter().any(needs_field))
    {
        return Ok(Translated::Maps(vec![vec![(format!("{FOLDED_ANY}|exists"), Node::Bool(true))]]));
    }
    let mut maps = Vec::new();
    for alternative in &compiled.alternatives {
        match conjunction(alternative, kind)? {
            Translated::Const(true) => return Ok(Translated::Const(true)),
            Translated::Const(false) => {}
            Translated::Maps(more) => maps.extend(more),
        }
    }
    if maps.is_empty() {
        return Ok(Translated::Const(false));
    }
    if maps.len() > MAX_ALTERNATIVES {
        return Err(format!("spreads over more than {MAX_ALTERNATIVES} alternatives"));
    }
    Ok(Translated::Maps(maps))
}

/// An alternative (matchers that must all hold) as maps any of which may hold: each matcher
/// is one map entry, or several (an `any|...|all` spread over the fields of the kind).
fn conjunction(matchers: &[FieldMatcher], kind: RecordKind) -> Result<Translated, String> {
    let mut maps: Vec<Vec<(String, Node)>> = vec![Vec::new()];
    for m in matchers {
        let entries = match matcher(m, kind)? {
            Clause::Const(true) => continue,
            Clause::Const(false) => return Ok(Translated::Const(false)),
            Clause::AnyOf(entries) => entries,
        };
        let mut next = Vec::new();
        for map in &maps {
            for entry in &entries {
                if map.iter().any(|(key, _)| *key == entry.0) {
                    return Err(format!("two matchers would both be `{}`", entry.0));
                }
                let mut map = map.clone();
                map.push(entry.clone());
                next.push(map);
            }
        }
        if next.len() > MAX_ALTERNATIVES {
            return Err(format!("spreads over more than {MAX_ALTERNATIVES} alternatives"));
        }
        maps = next;
    }
    Ok(if maps == [Vec::new()] { Translated::Const(true) } else { Translated::Maps(maps) })
}

/// A matcher for one kind: decided by the kind, or map entries any of which may hold.
enum Clause {
    Const(bool),
    AnyOf(Vec<(String, Node)>),
}

fn matcher(m: &FieldMatcher, kind: RecordKind) -> Result<Clause, String> {
    // The modifier of a string comparison (regexes, `exists` and comparisons are written apart).
    let modifier = |op: &Op| match op {
        Op::Contains => "|contains",
        Op::StartsWith => "|startswith",
        Op::EndsWith => "|endswith",
        _ => "",
    };
    let all = if m.all && m.values.len().max(m.regexes.len()) > 1 { "|all" } else { "" };
    match &m.field {
        FieldRef::Kind => {
            // The kind is known: the engine's own matcher decides, on a record of it.
            let record = Record::new(kind, Span::default());
            let mut folded = FoldedFields::default();
            folded.fill(&record);
            Ok(Clause::Const(m.matches(&mut RecordView::new(&record, "", &folded), &mut Vec::new())))
        }
        FieldRef::Path => Err("it matches the input's path, which a log platform names its own way".to_owned()),
        FieldRef::Named(name) => {
            if never_has(kind, name) {
                return Ok(Clause::Const(m.op == Op::Exists && m.values == ["false"]));
            }
            if !is_identifier(name) {
                return Err(format!("the field name `{name}` is not a plain identifier a query takes unquoted"));
            }
            let folded = format!("folded.{}", name.to_ascii_lowercase());
            match &m.op {
                Op::Exists => Ok(Clause::AnyOf(vec![(format!("{folded}|exists"), Node::Bool(m.values == ["true"]))])),
                Op::Cmp(..) => Err(format!(
                    "`{name}|{}` compares numbers or versions, which the query languages compare each their own way",
                    comparison(&m.op)
                )),
                Op::Regex => {
                    let Some(written) = name_as_written(kind, name) else {
                        return Err(format!(
                            "a regex reads `{name}` as written, and the field names of {kind} records vary in case"
                        ));
                    };
                    let patterns = m.regexes.iter().map(|re| re.as_str().to_owned());
                    Ok(Clause::AnyOf(vec![(format!("fields.{written}|re{all}"), Node::strs(patterns))]))
                }
                Op::Equals if !all.is_empty() => Err(format!("`{name}|all` wants one field equal to several values")),
                op => {
                    let values = if *op == Op::Equals { equal_texts(&m.values) } else { m.values.clone() };
                    check_values(&values)?;
                    let values = values.iter().map(|v| wildcards_escaped(v));
                    Ok(Clause::AnyOf(vec![(format!("{folded}{}{all}", modifier(op)), Node::strs(values))]))
                }
            }
        }
        FieldRef::Any => match &m.op {
            Op::Exists => Ok(Clause::AnyOf(vec![(format!("{FOLDED_ANY}|exists"), Node::Bool(m.values == ["true"]))])),
            Op::Regex | Op::Cmp(..) => {
                Err("an `any` regex or comparison reads every field as written, which a query cannot name".to_owned())
            }
            op if !all.is_empty() => {
                // Every value in one field: over the fields a kind has, field by field.
                let fields = match kind.fields() {
                    Some(fields) if kind != RecordKind::PsError => fields,
                    _ => {
                        return Err(format!(
                            "`any|all` wants every value in one field, and {kind} records have fields of any name"
                        ));
                    }
                };
                if *op == Op::Equals {
                    return Err("`any|all` wants one field equal to several values".to_owned());
                }
                check_values(&m.values)?;
                let values: Vec<String> = m.values.iter().map(|v| wildcards_escaped(v)).collect();
                Ok(Clause::AnyOf(
                    fields
                        .iter()
                        .map(|f| (format!("folded.{f}{}{all}", modifier(op)), Node::strs(values.clone())))
                        .collect(),
                ))
            }
            op => {
                // Folded text holds no white space, and `folded_any` has one space on either
                // side of each field's: the space marks where a field begins and ends.
                let values: Vec<String> = match op {
                    Op::Equals => equal_texts(&m.values).iter().map(|v| format!(" {v} ")).collect(),
                    Op::StartsWith => m.values.iter().map(|v| format!(" {v}")).collect(),
                    Op::EndsWith => m.values.iter().map(|v| format!("{v} ")).collect(),
                    _ => m.values.clone(),
                };
                check_values(&m.values)?;
                let values = values.iter().map(|v| wildcards_escaped(v));
                Ok(Clause::AnyOf(vec![(format!("{FOLDED_ANY}|contains"), Node::strs(values))]))
            }
        },
    }
}

fn comparison(op: &Op) -> &'static str {
    match op {
        Op::Cmp(std::cmp::Ordering::Less, false) => "lt",
        Op::Cmp(std::cmp::Ordering::Less, true) => "lte",
        Op::Cmp(_, false) => "gt",
        _ => "gte",
    }
}

/// Whether no record of `kind` can have the field: the kind's fields are fixed and it is not
/// one of them, nor (on an error record) a console label, which keeps its CamelCase.
fn never_has(kind: RecordKind, name: &str) -> bool {
    let label = kind == RecordKind::PsError && name.starts_with(|c: char| c.is_ascii_uppercase());
    kind.fields().is_some_and(|fields| !fields.iter().any(|f| f.eq_ignore_ascii_case(name))) && !label
}

/// The name records of `kind` give the field, where the kind fixes it.
fn name_as_written(kind: RecordKind, name: &str) -> Option<&'static str> {
    kind.fields()?.iter().find(|f| f.eq_ignore_ascii_case(name)).copied()
}

/// A value that folds to nothing would match every field a query reads; ccdiag's `contains`
/// does too, but a query's empty pattern is each language's own business.
fn check_values(values: &[String]) -> Result<(), String> {
    if values.iter().any(String::is_empty) {
        return Err("a value that is only white space".to_owned());
    }
    Ok(())
}

/// The folded texts equal to a folded value: itself, and each start of it of three bytes or
/// more followed by `...`, as `Format-Table` cuts a cell (see the engine's matcher).
fn equal_texts(values: &[String]) -> Vec<String> {
    let mut texts = Vec::new();
    for value in values {
        texts.push(value.clone());
        let cuts = value.char_indices().map(|(i, _)| i).skip(1).chain([value.len()]);
        texts.extend(cuts.filter(|&end| end >= 3).map(|end| format!("{}...", &value[..end])));
    }
    let mut seen = std::collections::HashSet::new();
    texts.retain(|t| seen.insert(t.clone()));
    texts
}

/// A folded value as a Sigma string: `*` and `?` are Sigma's wildcards and `\` its escape.
fn wildcards_escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `ccdiag_<id>_<kind>.yml`.
fn file_name(rule_id: &str, kind: RecordKind) -> String {
    let id: String =
        rule_id.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    format!("ccdiag_{id}_{}.yml", kind.name())
}

/// The pySigma processing pipelines, by file name: `ccdiag.yml` maps each log source to its
/// record kind and goes with every target; the others place the query in a target's storage
/// (the Log Analytics table, the Splunk index, the Elasticsearch index), as the README's "At
/// fleet scale" sets them up.
pub fn pipelines() -> Vec<(&'static str, String)> {
    let kinds = RecordKind::ALL.iter().filter(|k| **k != RecordKind::Fact);
    let by_kind: Vec<Node> = kinds
        .map(|kind| {
            Node::Map(vec![
                ("id".to_owned(), Node::str(format!("ccdiag_{}", kind.name()))),
                ("type".to_owned(), Node::str("add_condition")),
                ("conditions".to_owned(), Node::Map(vec![("kind".to_owned(), Node::str(kind.name()))])),
                (
                    "rule_conditions".to_owned(),
                    Node::List(vec![Node::Map(vec![
                        ("type".to_owned(), Node::str("logsource")),
                        ("product".to_owned(), Node::str(PRODUCT)),
                        ("service".to_owned(), Node::str(kind.name())),
                    ])]),
                ),
            ])
        })
        .collect();
    let pipeline = |name: &str, priority: i64, rest: Vec<(String, Node)>| {
        let mut doc = vec![("name".to_owned(), Node::str(name)), ("priority".to_owned(), Node::Int(priority))];
        doc.extend(rest);
        document(&doc)
    };
    let postprocessing = |steps: Vec<Vec<(&str, &str)>>| {
        let steps = steps
            .into_iter()
            .map(|step| Node::Map(step.into_iter().map(|(k, v)| (k.to_owned(), Node::str(v))).collect()))
            .collect();
        vec![("postprocessing".to_owned(), Node::List(steps))]
    };
    vec![
        (
            "ccdiag.yml",
            pipeline(
                "ccdiag records: one log source per record kind",
                10,
                vec![("transformations".to_owned(), Node::List(by_kind))],
            ),
        ),
        (
            "kusto.yml",
            pipeline(
                "ccdiag records in the Log Analytics table CcdiagRecords_CL",
                20,
                // The Kusto backend quotes a dotted name as a string; `folded` and `fields`
                // are dynamic columns, read by their properties.
                postprocessing(vec![
                    vec![
                        ("type", "replace"),
                        ("pattern", "'((?:folded|fields)\\.[A-Za-z0-9_]+)'"),
                        ("replacement", "\\1"),
                    ],
                    vec![("type", "embed"), ("prefix", "CcdiagRecords_CL\n| where "), ("suffix", "")],
                ]),
            ),
        ),
        (
            "splunk.yml",
            pipeline(
                "ccdiag records in the Splunk index ccdiag",
                20,
                postprocessing(vec![vec![
                    ("type", "embed"),
                    ("prefix", "index=ccdiag sourcetype=\"ccdiag:records\" "),
                    ("suffix", ""),
                ]]),
            ),
        ),
        (
            "esql.yml",
            pipeline(
                "ccdiag records in the Elasticsearch index ccdiag-records",
                20,
                postprocessing(vec![vec![
                    ("type", "replace"),
                    ("pattern", "^from \\* "),
                    ("replacement", "from ccdiag-records "),
                ]]),
            ),
        ),
    ]
}

/// What `ccdiag rules export` prints: one line per exported rule and per rule or kind not
/// exported, with the reason; rule text passed through the terminal escaping.
pub fn summary(export: &Export) -> String {
    let t = |text: &str| crate::report::sanitize::terminal(text, false);
    let mut out = String::new();
    for rule in &export.rules {
        out.push_str(&format!(
            "exported      {:<7} {:<11} rules/{}  {}\n",
            t(&rule.rule_id),
            rule.kind.name(),
            t(&rule.file_name),
            rule.id
        ));
    }
    for skipped in &export.not_exported {
        let kind = skipped.kind.map_or("(all)", RecordKind::name);
        out.push_str(&format!("not exported  {:<7} {kind:<11} {}\n", t(&skipped.rule_id), t(&skipped.reason)));
    }
    out.push_str(&format!(
        "{} Sigma rules from {} rules; {} rules or kinds not exported\n",
        export.rules.len(),
        {
            let mut ids: Vec<&str> = export.rules.iter().map(|r| r.rule_id.as_str()).collect();
            ids.dedup();
            ids.len()
        },
        export.not_exported.len()
    ));
    out
}

#[cfg(test)]
mod tests;
