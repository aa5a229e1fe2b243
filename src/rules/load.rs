//! Every YAML read of the program happens here: rule files into [`RuleDef`]s, with errors that
//! point at file, line and column (miette), and the custom shapes of Sigma-style detections.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
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
    let def: RuleDef = serde_saphyr::from_str_with_options(text, options).map_err(|e| yaml_error(&e, file, &source))?;
    Ok(LoadedRule { def, file: file.to_owned(), source, origin })
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
    let mut set = RuleSet::new();
    for (file, text) in BUILT_IN {
        insert_new(&mut set, parse_rule(&format!("rules/{file}"), text, Origin::BuiltIn)?)?;
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
                    fields.push((key, map.next_value::<Spanned<Values>>()?));
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

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Values, D::Error> {
        struct ValuesVisitor;
        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = Values;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar or a list of scalars")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Values, E> {
                Ok(Values(vec![v.to_owned()]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Values, E> {
                Ok(Values(vec![v.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Values, E> {
                Ok(Values(vec![v.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Values, E> {
                Ok(Values(vec![v.to_string()]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Values, E> {
                Ok(Values(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values, A::Error> {
                let mut all = Vec::new();
                while let Some(Values(one)) = seq.next_element::<Values>()? {
                    all.extend(one);
                }
                Ok(Values(all))
            }
        }
        deserializer.deserialize_any(ValuesVisitor)
    }
}
