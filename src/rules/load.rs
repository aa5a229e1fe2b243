//! Every YAML read of the program happens here: rule files into [`RuleDef`]s, with errors that
//! point at file, line and column (miette), and the custom shapes of Sigma-style detections.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use rayon::prelude::*;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::{Detection, LoadedRule, Origin, RuleDef, RuleSet, SelectionDef, Values};

/// The rule files compiled into the binary: `(file name, YAML text)`, sorted by name.
const BUILT_IN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A rule that cannot be used. Stops the run (exit code 2): a pack with a broken rule would
/// report "passed" for an issue it never checked.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(ccdiag::rule))]
pub struct RuleError {
    pub message: String,
    #[source_code]
    pub source_code: NamedSource<Arc<str>>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

impl RuleError {
    /// An error located at a spanned YAML node.
    pub fn at<T>(
        rule: &LoadedRule,
        node: &Spanned<T>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> RuleError {
        RuleError {
            message: format!("{}: {}", rule.file, message.into()),
            source_code: NamedSource::new(rule.file.clone(), rule.source.clone()),
            span: span_of(node),
            label: label.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> RuleError {
        self.help = Some(help.into());
        self
    }
}

/// The byte span of a node in its YAML source, when the parser knew it.
pub fn span_of<T>(node: &Spanned<T>) -> Option<SourceSpan> {
    let span = node.referenced.span();
    let offset = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len().unwrap_or(0)).ok()?;
    Some(SourceSpan::new(offset.into(), len.max(1)))
}

/// Why a rule pack cannot be loaded. Each is a diagnostic; a YAML or rule error points at its
/// file, line and column.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum LoadError {
    #[error("cannot read rule {path}: {source}")]
    #[diagnostic(code(ccdiag::rule))]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Rule(Box<RuleError>),
    #[error("{path}: rule id {id} is defined twice in the same pack (first in {first})")]
    #[diagnostic(code(ccdiag::rule))]
    Duplicate { path: String, id: String, first: String },
    #[error(
        "{path}: line {line}, column {column}: U+{code:04X} is not allowed in a rule file (control and bidi characters are not text)"
    )]
    #[diagnostic(code(ccdiag::rule))]
    Unprintable { path: String, line: usize, column: usize, code: u32 },
    #[error("{path}: {size} bytes; a rule file is at most {MAX_RULE_FILE_BYTES} bytes")]
    #[diagnostic(code(ccdiag::rule))]
    TooBig { path: String, size: u64 },
}

/// Largest rule file read: the built-in ones are a few kilobytes.
pub const MAX_RULE_FILE_BYTES: u64 = 1 << 20;

impl From<RuleError> for LoadError {
    fn from(e: RuleError) -> LoadError {
        LoadError::Rule(Box::new(e))
    }
}

/// Parses one rule file. `file` names it in diagnostics.
pub fn parse_rule(file: &str, text: &str, origin: Origin) -> Result<LoadedRule, LoadError> {
    // YAML allows neither C0 nor C1 controls in a stream; bidi controls are refused too, as
    // they make the rule read otherwise than it runs. Checked before any diagnostic could
    // print the file's lines to a terminal.
    for (number, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some((column, c)) = line.chars().enumerate().find(|&(_, c)| {
            (c.is_control() && c != '\t')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        }) {
            return Err(LoadError::Unprintable {
                path: file.to_owned(),
                line: number + 1,
                column: column + 1,
                code: c as u32,
            });
        }
    }
    let source: Arc<str> = Arc::from(text);
    // No snippet from serde-saphyr itself: miette draws the source with its labels.
    let options = serde_saphyr::options! { with_snippet: false };
    READING.with(|reading| *reading.borrow_mut() = Some(source.clone()));
    let def = serde_saphyr::from_str_with_options::<RuleDef>(text, options);
    READING.with(|reading| *reading.borrow_mut() = None);
    // Every required key is a field without a default, so a rule that reads has them all; of
    // one that does not, the missing keys are said first, all at once. Reading the keys only
    // then halves what loading the pack costs at start-up.
    let def = match def {
        Ok(def) => def,
        Err(e) => {
            missing_keys(file, text, &source)?;
            return Err(yaml_error(&e, file, &source));
        }
    };
    Ok(LoadedRule { def, file: file.to_owned(), source, origin })
}

/// The keys every rule has, and what each is for.
const REQUIRED_KEYS: [(&str, &str); 8] = [
    ("id", "the stable id (CCE213)"),
    ("name", "the kebab-case name (credential-key-invalid)"),
    ("title", "one line saying what is wrong"),
    ("severity", "error, warning or info"),
    ("sources", "the record kinds the rule reads ([ps_error, cce_log])"),
    ("docs", "what it detects, why it matters, an example"),
    ("detection", "named selections and a condition"),
    ("remediation", "the ordered steps of the fix"),
];

/// Every required key a rule lacks, said at once (serde would stop at the first), each on a
/// line of its own with what it is for.
fn missing_keys(file: &str, text: &str, source: &Arc<str>) -> Result<(), LoadError> {
    let options = serde_saphyr::options! { with_snippet: false };
    // Anything that is not a mapping of keys is left to the full read, which says what is wrong.
    let Ok(keys) = serde_saphyr::from_str_with_options::<BTreeMap<String, de::IgnoredAny>>(text, options) else {
        return Ok(());
    };
    let missing: Vec<&(&str, &str)> = REQUIRED_KEYS.iter().filter(|(key, _)| !keys.contains_key(*key)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|(key, _)| *key).collect();
    let help: Vec<String> = missing.iter().map(|(key, what)| format!("{key}: {what}")).collect();
    Err(LoadError::Rule(Box::new(RuleError {
        message: format!("{file}: missing {} key(s): {}", names.len(), names.join(", ")),
        source_code: NamedSource::new(file, source.clone()),
        span: Some(SourceSpan::new(0.into(), 1)),
        label: "in this rule".to_owned(),
        help: Some(format!("add:\n{}", help.join("\n"))),
    })))
}

/// A YAML error as a [`RuleError`] at the place serde-saphyr located it.
fn yaml_error(error: &serde_saphyr::Error, file: &str, source: &Arc<str>) -> LoadError {
    let location = error.location();
    let mut message = error.to_string();
    // The label shows where; the message need not say it in words too.
    if let Some(at) = location {
        let suffix = format!(" at line {}, column {}", at.line(), at.column());
        if let Some(kept) = message.strip_suffix(&suffix) {
            message = kept.to_owned();
        }
    }
    let span = location.and_then(|at| {
        let span = at.span();
        let offset = usize::try_from(span.byte_offset()?).ok()?;
        let len = usize::try_from(span.byte_len().unwrap_or(0)).ok()?;
        Some(SourceSpan::new(offset.into(), len.max(1)))
    });
    LoadError::Rule(Box::new(RuleError {
        message: format!("{file}: {message}"),
        source_code: NamedSource::new(file, source.clone()),
        span,
        label: message,
        help: None,
    }))
}

/// The built-in pack.
pub fn built_in() -> Result<RuleSet, LoadError> {
    // Parsing the pack's YAML is a good part of the start-up: files are parsed on every core,
    // then inserted in order, so the first broken one is the one reported.
    let parsed: Vec<Result<LoadedRule, LoadError>> =
        BUILT_IN.par_iter().map(|(file, text)| parse_rule(&format!("rules/{file}"), text, Origin::BuiltIn)).collect();
    let mut set = RuleSet::new();
    for rule in parsed {
        insert_new(&mut set, rule?)?;
    }
    Ok(set)
}

/// Reads every `*.yaml`/`*.yml` file directly in `dir` (sorted, so the pack is deterministic).
pub fn from_dir(dir: &Path) -> Result<RuleSet, LoadError> {
    let io = |source| LoadError::Io { path: dir.to_owned(), source };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    paths.sort();
    let mut set = RuleSet::new();
    for path in paths {
        let size = std::fs::metadata(&path).map_err(|source| LoadError::Io { path: path.clone(), source })?.len();
        if size > MAX_RULE_FILE_BYTES {
            return Err(LoadError::TooBig { path: path.display().to_string(), size });
        }
        let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io { path: path.clone(), source })?;
        let rule = parse_rule(&path.display().to_string(), &text, Origin::User(path.clone()))?;
        insert_new(&mut set, rule)?;
    }
    Ok(set)
}

fn insert_new(set: &mut RuleSet, rule: LoadedRule) -> Result<(), LoadError> {
    let id = rule.def.id.value.clone();
    if let Some(first) = set.get(&id) {
        return Err(LoadError::Duplicate { path: rule.file, id, first: first.file.clone() });
    }
    set.insert(id, rule);
    Ok(())
}

impl<'de> Deserialize<'de> for Detection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Detection, D::Error> {
        struct DetectionVisitor;
        impl<'de> Visitor<'de> for DetectionVisitor {
            type Value = Detection;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of named selections and a `condition`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Detection, A::Error> {
                let mut selections = Vec::new();
                let mut condition = None;
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    if key.value == "condition" {
                        condition = Some(map.next_value::<Spanned<String>>()?);
                    } else {
                        selections.push((key, map.next_value::<SelectionDef>()?));
                    }
                }
                let condition = condition.ok_or_else(|| de::Error::missing_field("condition"))?;
                Ok(Detection { selections, condition })
            }
        }
        deserializer.deserialize_map(DetectionVisitor)
    }
}

/// `field|modifiers: values` pairs in file order.
struct FieldMap(Vec<(Spanned<String>, Spanned<Values>)>);

impl<'de> Deserialize<'de> for FieldMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FieldMap, D::Error> {
        struct FieldMapVisitor;
        impl<'de> Visitor<'de> for FieldMapVisitor {
            type Value = FieldMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of `field|modifier: value`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldMap, A::Error> {
                let mut fields = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let raw = map.next_value::<Spanned<RawValues>>()?;
                    let values = raw.value.texts(&raw.referenced)?;
                    fields.push((key, Spanned::new(values, raw.referenced, raw.defined)));
                }
                Ok(FieldMap(fields))
            }
        }
        deserializer.deserialize_map(FieldMapVisitor)
    }
}

impl<'de> Deserialize<'de> for SelectionDef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SelectionDef, D::Error> {
        struct SelectionVisitor;
        impl<'de> Visitor<'de> for SelectionVisitor {
            type Value = SelectionDef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of `field|modifier: value`, or a list of such maps")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SelectionDef, A::Error> {
                let fields = FieldMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(SelectionDef::AllOf(fields.0))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SelectionDef, A::Error> {
                let mut any = Vec::new();
                while let Some(fields) = seq.next_element::<FieldMap>()? {
                    any.push(fields.0);
                }
                Ok(SelectionDef::AnyOf(any))
            }
        }
        deserializer.deserialize_any(SelectionVisitor)
    }
}

/// A detection value as YAML typed it. Plain scalars YAML would read as booleans or numbers
/// (`Off`, `No`, `1.10`, `3`) are values whose text matters as written: they are taken back
/// from the rule's source by their span (see [`exact_text`]).
enum Scalar {
    Text(String),
    Inferred,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Scalar, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scalar, E> {
                Ok(Scalar::Inferred)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Scalar, E> {
                Ok(Scalar::Inferred)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Scalar, E> {
                Ok(Scalar::Inferred)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scalar, E> {
                Ok(Scalar::Inferred)
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// One scalar or a list of them, as the YAML has it.
enum RawValues {
    One(Scalar),
    Many(Vec<Spanned<Scalar>>),
}

impl<'de> Deserialize<'de> for RawValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawValues, D::Error> {
        struct RawValuesVisitor;
        impl<'de> Visitor<'de> for RawValuesVisitor {
            type Value = RawValues;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar or a list of scalars")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValues, E> {
                Ok(RawValues::One(Scalar::Text(v.to_owned())))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawValues, E> {
                Ok(RawValues::One(Scalar::Inferred))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawValues, E> {
                Ok(RawValues::One(Scalar::Inferred))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawValues, E> {
                Ok(RawValues::One(Scalar::Inferred))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawValues, E> {
                Ok(RawValues::One(Scalar::Inferred))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValues, A::Error> {
                let mut all = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Scalar>>()? {
                    all.push(item);
                }
                Ok(RawValues::Many(all))
            }
        }
        deserializer.deserialize_any(RawValuesVisitor)
    }
}

thread_local! {
    /// The text of the rule file being deserialized, for [`exact_text`]: serde hands a
    /// deserializer no context, and the YAML values must be read as written.
    static READING: std::cell::RefCell<Option<Arc<str>>> = const { std::cell::RefCell::new(None) };
}

/// The text of a scalar as the rule file writes it: what YAML typed as a boolean or a number
/// is taken from the source at its span, so `Off` stays `Off` (not `false`) and `1.10` stays
/// `1.10` (not `1.1`).
fn exact_text<E: de::Error>(scalar: Scalar, at: &serde_saphyr::Location) -> Result<String, E> {
    match scalar {
        Scalar::Text(text) => Ok(text),
        Scalar::Inferred => READING.with(|source| {
            let source = source.borrow();
            let span = at.span();
            let (Some(source), Some(offset), Some(len)) = (source.as_deref(), span.byte_offset(), span.byte_len())
            else {
                return Err(E::custom("a value whose text cannot be located; quote it"));
            };
            let (offset, len) = (usize::try_from(offset).map_err(E::custom)?, usize::try_from(len).map_err(E::custom)?);
            source
                .get(offset..offset + len)
                .map(|text| text.trim().to_owned())
                .ok_or_else(|| E::custom("a value whose text cannot be located; quote it"))
        }),
    }
}

impl RawValues {
    fn texts<E: de::Error>(self, at: &serde_saphyr::Location) -> Result<Values, E> {
        Ok(Values(match self {
            RawValues::One(scalar) => vec![exact_text(scalar, at)?],
            RawValues::Many(items) => {
                items.into_iter().map(|item| exact_text(item.value, &item.referenced)).collect::<Result<_, E>>()?
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SelectionDef;

    const RULE: &str = "id: X001\nname: x\ntitle: t\nseverity: error\nsources: [ps_object]\n\
                        docs: {what: w, why: y}\ndetection:\n  sel:\n    State: [Off, No, 1.10, 3, yes, \"On\"]\n    \
                        Enabled: false\n  condition: sel\nremediation:\n  - text: fix\n";

    #[test]
    fn detection_values_are_the_text_as_written() {
        let rule = parse_rule("x.yaml", RULE, Origin::BuiltIn).unwrap();
        let SelectionDef::AllOf(fields) = &rule.def.detection.selections[0].1 else { panic!("a map") };
        assert_eq!(fields[0].1.value.0, ["Off", "No", "1.10", "3", "yes", "On"]);
        assert_eq!(fields[1].1.value.0, ["false"]);
    }

    #[test]
    fn every_missing_key_is_named_at_once() {
        let Err(LoadError::Rule(error)) = parse_rule("x.yaml", "id: X001\nsources: [text]\n", Origin::BuiltIn) else {
            panic!("a rule error")
        };
        assert!(error.message.ends_with("missing 6 key(s): name, title, severity, docs, detection, remediation"));
        assert_eq!(error.help.as_deref().map(|h| h.lines().count()), Some(7), "one line per key");
    }

    #[test]
    fn every_built_in_rule_reading_records_says_what_to_collect() {
        for (id, rule) in built_in().unwrap() {
            let reads_records = rule.def.sources.iter().any(|s| s.value != "fact");
            assert_eq!(rule.def.collect.is_some(), reads_records, "{id}: `collect` names what its records come from");
        }
    }
}
