//! What a CLIXML document holds: scalars in their displayed form, objects with their type
//! names, `ToString`, properties and items. `<Ref>`s share one object.

use std::ops::Range;
use std::rc::Rc;

#[derive(Clone, Debug)]
pub(super) enum Value {
    Null,
    Bool(bool),
    /// Any scalar, already in its displayed form.
    Text(String),
    Obj(Rc<Obj>),
}

#[derive(Debug, Default)]
pub(super) struct Obj {
    pub(super) types: Option<Rc<[String]>>,
    pub(super) to_string: Option<String>,
    /// `<Props>`, `<MS>` and `<DCT>` entries, in document order.
    pub(super) props: Vec<(String, Value)>,
    /// `<LST>`, `<IE>`, `<STK>` or `<QUE>` items.
    pub(super) items: Option<Vec<Value>>,
    /// Byte ranges of `items`, kept for top-level lists only, whose items become records.
    pub(super) item_spans: Vec<Range<usize>>,
    /// The primitive a deserialized enum or string wraps (`<I32>4</I32>` under `Status`).
    pub(super) base: Option<Value>,
}

impl Obj {
    /// What `Format-List` prints for the object: its `ToString`, unless that is only the name of
    /// its type (the .NET default) and the properties say more.
    pub(super) fn label(&self) -> Option<&str> {
        let text = self.to_string.as_deref()?;
        let is_type_name = self.types.iter().flat_map(|t| t.iter()).any(|t| {
            let t = t.strip_prefix("Deserialized.").unwrap_or(t);
            t == text
        });
        (!is_type_name || self.props.is_empty()).then_some(text)
    }

    /// Whether the object flattens into `Parent.Child` fields.
    pub(super) fn has_members(&self) -> bool {
        self.items.is_none() && !self.props.is_empty()
    }
}

impl Value {
    pub(super) fn is_scalar(&self) -> bool {
        match self {
            Value::Obj(obj) => obj.items.is_none() && (obj.label().is_some() || obj.props.is_empty()),
            _ => true,
        }
    }
}
