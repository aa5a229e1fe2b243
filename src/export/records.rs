//! `ccdiag records --format ndjson`: one JSON object per record, the form a log shipper
//! forwards and exported Sigma rules read. The README's "At fleet scale" documents the names;
//! they only grow.

use serde_json::{Map, Value, json};

use crate::engine::Engine;
use crate::engine::fold::fold;
use crate::record::Record;

/// The field of a record line holding every folded field value, each with a space on either
/// side: folded text holds no white space, so `" v "` occurs in it exactly where some field
/// folds to `v`, which is how an exported rule reads the `any` field.
pub const FOLDED_ANY: &str = "folded_any";

/// One record as a line of JSON:
/// - `host` (as `--host` names it, else null), `path` of its input, `kind`, `provenance` (who
///   wrote the text: `output`, `input`, `quoted`, `script`, `source`), `line` and `last_line`;
/// - `fields`: its fields by name as written, the first of a name winning;
/// - `folded`: each field's text as rules compare it (lower case, no white space, straight
///   quotes; see [`crate::engine::fold`]), by its name in lower case, the first of a name
///   (whatever its case) winning as it does for rules;
/// - `folded_any` ([`FOLDED_ANY`]), absent for a record without fields;
/// - `selected_by`: the ids of the rules whose detection holds on the record (see
///   [`Engine::detections`]), before versions, scope, later states or facts are judged.
///
/// Escaped like the report, so no control character reaches a terminal.
pub fn line(engine: &Engine, host: Option<&str>, path: &str, record: &Record) -> String {
    let mut fields = Map::new();
    let mut folded = Map::new();
    let mut any = String::from(" ");
    for (name, value) in &record.fields {
        fields.entry(name.to_string()).or_insert_with(|| Value::from(value.as_str()));
        let value = fold(value);
        any.push_str(&value);
        any.push(' ');
        folded.entry(name.to_ascii_lowercase()).or_insert_with(|| Value::from(value));
    }
    let selected_by: Vec<&str> = engine.detections(path, record).into_iter().map(|rule| rule.id()).collect();
    let mut line = json!({
        "host": host,
        "path": path,
        "kind": record.kind.name(),
        "provenance": record.context.origin.name(),
        "line": record.span.first_line,
        "last_line": record.span.last_line,
        "fields": fields,
        "folded": folded,
    });
    if !record.fields.is_empty() {
        line[FOLDED_ANY] = Value::from(any);
    }
    line["selected_by"] = Value::from(selected_by);
    let mut text = crate::report::sanitize::json_line(&line);
    text.push('\n');
    text
}
