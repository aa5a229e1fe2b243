//! Values as field text: scalars as written, objects by their `ToString` or `@{Name=value}`,
//! lists `a, b`; all of it within one byte budget per file.

use super::MAX_DEPTH;
use super::value::Value;
use crate::parse::producer::producer_for_type;
use crate::record::{Record, RecordKind, Span};

/// Bytes of field text a file may render beyond [`RENDER_FACTOR`] times its own size. XML is
/// verbose: real exports (Get-Service, Get-VM, certificates, events) render to about half their
/// size, nested values repeated in compact and `Parent.Child` form included. Only files whose
/// `<Ref>`s point at the same large object over and over reach the limit.
pub(super) const RENDER_ALLOWANCE: usize = 64 * 1024;
pub(super) const RENDER_FACTOR: usize = 2;

/// What a field costs of the budget beyond its name and value: its share of the record's
/// memory, so that a flood of empty fields is bounded as well as long values.
pub(super) const FIELD_COST: usize = 32;

/// Bytes a hashtable key may render to. Keys are names; a key that is a reference to a big
/// object must not take the file's budget.
pub(super) const KEY_BUDGET: usize = 256;

/// Renders values into field text within a byte budget.
pub(super) struct Render {
    pub(super) left: usize,
    pub(super) cut: bool,
}

impl Render {
    pub(super) fn new(budget: usize) -> Render {
        Render { left: budget, cut: false }
    }

    /// Takes `cost` bytes from the budget; false (and cut) once it is spent.
    pub(super) fn charge(&mut self, cost: usize) -> bool {
        if self.cut || cost > self.left {
            self.left = 0;
            self.cut = true;
            return false;
        }
        self.left -= cost;
        true
    }

    pub(super) fn put(&mut self, out: &mut String, text: &str) {
        if self.cut {
            return;
        }
        if text.len() <= self.left {
            out.push_str(text);
            self.left -= text.len();
        } else {
            let end = text.floor_char_boundary(self.left);
            out.push_str(&text[..end]);
            out.push_str("...");
            self.left = 0;
            self.cut = true;
        }
    }

    /// A field's value: lists of scalars joined with ", " without braces, anything else compact.
    pub(super) fn display(&mut self, value: &Value) -> String {
        let mut out = String::new();
        match value {
            Value::Obj(obj) if obj.items.as_ref().is_some_and(|items| items.iter().all(Value::is_scalar)) => {
                self.join(obj.items.as_deref().unwrap_or_default(), &mut out, 1);
            }
            other => self.compact(other, &mut out, 1),
        }
        out
    }

    /// The one-line form used inside a property: `{a, b}` for lists, `@{Name=value; ...}` for
    /// objects without a telling `ToString`.
    pub(super) fn compact(&mut self, value: &Value, out: &mut String, depth: usize) {
        if self.cut {
            return;
        }
        if depth > MAX_DEPTH {
            // Shared objects can chain deeper than any one of them was written.
            self.put(out, "...");
            return;
        }
        match value {
            Value::Null => {}
            Value::Bool(true) => self.put(out, "True"),
            Value::Bool(false) => self.put(out, "False"),
            Value::Text(text) => self.put(out, text),
            Value::Obj(obj) => {
                if let Some(items) = &obj.items {
                    self.put(out, "{");
                    self.join(items, out, depth);
                    self.put(out, "}");
                } else if let Some(label) = obj.label() {
                    self.put(out, label);
                } else if !obj.props.is_empty() {
                    self.put(out, "@{");
                    for (i, (name, value)) in obj.props.iter().enumerate() {
                        if i > 0 {
                            self.put(out, "; ");
                        }
                        self.put(out, name);
                        self.put(out, "=");
                        self.compact(value, out, depth + 1);
                    }
                    self.put(out, "}");
                } else if let Some(base) = &obj.base {
                    self.compact(base, out, depth + 1);
                } else if let Some(text) = &obj.to_string {
                    self.put(out, text);
                }
            }
        }
    }

    pub(super) fn join(&mut self, items: &[Value], out: &mut String, depth: usize) {
        for (i, item) in items.iter().enumerate() {
            if self.cut {
                return;
            }
            if i > 0 {
                self.put(out, ", ");
            }
            self.compact(item, out, depth + 1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Records

/// The record of one top-level value. Every field is charged to `render`; once the budget is
/// spent the remaining properties are left out.
pub(super) fn record(value: &Value, span: Span, producer: Option<&str>, render: &mut Render) -> Record {
    let mut record = Record::new(RecordKind::PsObject, span);
    let mut types = None;
    match value {
        Value::Obj(obj) if obj.has_members() => {
            types = obj.types.clone();
            for (name, value) in &obj.props {
                if !render.charge(FIELD_COST + name.len()) {
                    break;
                }
                match value {
                    Value::Obj(child) if child.has_members() => {
                        let mut compact = String::new();
                        render.compact(value, &mut compact, 1);
                        record.push(name.clone(), compact);
                        for (child_name, child_value) in &child.props {
                            if !render.charge(FIELD_COST + name.len() + 1 + child_name.len()) {
                                break;
                            }
                            record.push(format!("{name}.{child_name}"), render.display(child_value));
                        }
                    }
                    other => record.push(name.clone(), render.display(other)),
                }
            }
        }
        other => {
            if let Value::Obj(obj) = other {
                types = obj.types.clone();
            }
            record.push("value", render.display(other));
        }
    }
    let type_name = types.as_deref().and_then(|t| t.first());
    if let Some(type_name) = type_name {
        record.push("type_name", type_name.clone());
    }
    if let Some(producer) = producer.or_else(|| type_name.map(String::as_str).and_then(producer_for_type)) {
        record.push("producer", producer);
    }
    record
}

// ---------------------------------------------------------------------------------------------
// Reading the document
