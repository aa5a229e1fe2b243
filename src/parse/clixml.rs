//! `Export-Clixml` files: PowerShell's own serialization of cmdlet output.
//!
//! Each top-level value under `<Objs>` becomes one [`RecordKind::PsObject`] whose fields read
//! the way `ConvertTo-Json` exports read in [`super::json`], so a rule matches the same value
//! whichever way the user exported it:
//! - scalars as written (`<I32>`, `<DT>` ISO dates, `<Version>` `2.1.0.0`, `<G>` GUIDs), booleans
//!   as `True`/`False`, `<Nil/>` as empty;
//! - an object with a `<ToString>` (enums above all: `Status` reads `Running`, as `Format-List`
//!   prints it) reads as that text, unless the text is only its type name and the object has
//!   properties, which then read `@{Name=value; ...}`;
//! - nested objects keep that compact form under their own name and are flattened one level as
//!   `Parent.Child`;
//! - lists of scalars read `a, b`; inside a compact form, `{a, b}`.
//!
//! The first type name (`<T>`) goes to `type_name`, verbatim (objects that came back over
//! remoting carry a `Deserialized.` prefix), and names the producing cmdlet when the file name
//! does not.
//!
//! The XML is read by a small linear tokenizer: Export-Clixml writes plain elements and
//! attributes, and a DTD is never expanded (only the five predefined entities and character
//! references are decoded), so no input can make the reader do more than one pass over it.
//! Nesting deeper than [`MAX_DEPTH`] is skipped and reported. `<Ref>` back-references share the
//! object they point at; rendering draws on one budget per file, proportional to its size, so
//! a file that refers to one big object many times cannot make the records outgrow it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use crate::parse::producer::producer_for_type;
use crate::record::{Parsed, Problem, Record, RecordKind, Span};

/// How deep values may nest (a top-level object is depth 1). Export-Clixml's default depth is
/// 2 and `-Depth` values people use stay far below this.
const MAX_DEPTH: usize = 64;

/// Bytes of field text a file may render beyond [`RENDER_FACTOR`] times its own size. XML is
/// verbose: real exports (Get-Service, Get-VM, certificates, events) render to about half their
/// size, nested values repeated in compact and `Parent.Child` form included. Only files whose
/// `<Ref>`s point at the same large object over and over reach the limit.
const RENDER_ALLOWANCE: usize = 64 * 1024;
const RENDER_FACTOR: usize = 2;

/// What a field costs of the budget beyond its name and value: its share of the record's
/// memory, so that a flood of empty fields is bounded as well as long values.
const FIELD_COST: usize = 32;

/// Bytes a hashtable key may render to. Keys are names; a key that is a reference to a big
/// object must not take the file's budget.
const KEY_BUDGET: usize = 256;

/// Whether text is an Export-Clixml file: an `<Objs>` root, after an optional XML declaration.
pub fn looks_like_clixml(text: &str) -> bool {
    let mut head = text.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<?xml")
        && let Some(end) = head.find("?>")
    {
        head = head[end + 2..].trim_start();
    }
    head.strip_prefix("<Objs").is_some_and(|rest| rest.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/'))
}

pub fn parse(text: &str, producer: Option<&str>) -> Parsed {
    let mut reader = Reader::new(text);
    let mut out = Parsed::default();
    if let Err(error) = reader.document(producer, &mut out) {
        let line = reader.lines.line_at(text, error.at);
        out.problems.push(Problem::at(line, format!("invalid CLIXML: {}", error.message)));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Values

#[derive(Clone, Debug)]
enum Value {
    Null,
    Bool(bool),
    /// Any scalar, already in its displayed form.
    Text(String),
    Obj(Rc<Obj>),
}

#[derive(Debug, Default)]
struct Obj {
    types: Option<Rc<[String]>>,
    to_string: Option<String>,
    /// `<Props>`, `<MS>` and `<DCT>` entries, in document order.
    props: Vec<(String, Value)>,
    /// `<LST>`, `<IE>`, `<STK>` or `<QUE>` items.
    items: Option<Vec<Value>>,
    /// Byte ranges of `items`, kept for top-level lists only, whose items become records.
    item_spans: Vec<Range<usize>>,
    /// The primitive a deserialized enum or string wraps (`<I32>4</I32>` under `Status`).
    base: Option<Value>,
}

impl Obj {
    /// What `Format-List` prints for the object: its `ToString`, unless that is only the name of
    /// its type (the .NET default) and the properties say more.
    fn label(&self) -> Option<&str> {
        let text = self.to_string.as_deref()?;
        let is_type_name = self.types.iter().flat_map(|t| t.iter()).any(|t| {
            let t = t.strip_prefix("Deserialized.").unwrap_or(t);
            t == text
        });
        (!is_type_name || self.props.is_empty()).then_some(text)
    }

    /// Whether the object flattens into `Parent.Child` fields.
    fn has_members(&self) -> bool {
        self.items.is_none() && !self.props.is_empty()
    }
}

impl Value {
    fn is_scalar(&self) -> bool {
        match self {
            Value::Obj(obj) => obj.items.is_none() && (obj.label().is_some() || obj.props.is_empty()),
            _ => true,
        }
    }
}

/// Renders values into field text within a byte budget.
struct Render {
    left: usize,
    cut: bool,
}

impl Render {
    fn new(budget: usize) -> Render {
        Render { left: budget, cut: false }
    }

    /// Takes `cost` bytes from the budget; false (and cut) once it is spent.
    fn charge(&mut self, cost: usize) -> bool {
        if self.cut || cost > self.left {
            self.left = 0;
            self.cut = true;
            return false;
        }
        self.left -= cost;
        true
    }

    fn put(&mut self, out: &mut String, text: &str) {
        if self.cut {
            return;
        }
        if text.len() <= self.left {
            out.push_str(text);
            self.left -= text.len();
        } else {
            let mut end = self.left;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            out.push_str(&text[..end]);
            out.push_str("...");
            self.left = 0;
            self.cut = true;
        }
    }

    /// A field's value: lists of scalars joined with ", " without braces, anything else compact.
    fn display(&mut self, value: &Value) -> String {
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
    fn compact(&mut self, value: &Value, out: &mut String, depth: usize) {
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

    fn join(&mut self, items: &[Value], out: &mut String, depth: usize) {
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
fn record(value: &Value, span: Span, producer: Option<&str>, render: &mut Render) -> Record {
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

struct XmlError {
    at: usize,
    message: String,
}

struct Reader<'a> {
    text: &'a str,
    tokens: Tokenizer<'a>,
    /// `<TN RefId>` to its type names, for `<TNRef>`.
    type_names: HashMap<String, Rc<[String]>>,
    /// `<Obj RefId>` to the finished object, for `<Ref>`.
    objects: HashMap<String, Rc<Obj>>,
    lines: LineCounter,
    /// Lines of problems met inside values; a counter of its own, so that both stay monotonic.
    problem_lines: LineCounter,
    /// Problems of the top-level value being read, reported once it is done.
    pending: Vec<(usize, String)>,
    /// Whether the top-level value being read had nesting cut off (reported once per value).
    too_deep: bool,
    /// The file's rendering budget, shared by all its records.
    render: Render,
    /// Whether running out of `render` has been reported (once per file).
    cut_reported: bool,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            tokens: Tokenizer { text, pos: 0 },
            type_names: HashMap::new(),
            objects: HashMap::new(),
            lines: LineCounter::default(),
            problem_lines: LineCounter::default(),
            pending: Vec::new(),
            too_deep: false,
            render: Render::new(RENDER_ALLOWANCE.saturating_add(text.len().saturating_mul(RENDER_FACTOR))),
            cut_reported: false,
        }
    }

    fn error(&self, at: usize, message: impl Into<String>) -> XmlError {
        XmlError { at, message: message.into() }
    }

    fn next(&mut self) -> Result<Option<Token<'a>>, XmlError> {
        self.tokens.next()
    }

    /// Reads every `<Objs>` root (files appended with `>>` hold several) and emits records.
    fn document(&mut self, producer: Option<&str>, out: &mut Parsed) -> Result<(), XmlError> {
        while let Some(token) = self.next()? {
            match token {
                Token::Start(tag) if tag.name == "Objs" => {
                    if !tag.empty {
                        self.objs(producer, out)?;
                    }
                }
                Token::Start(tag) => {
                    return Err(self.error(
                        tag.at,
                        format!("the root element is <{}>, not the <Objs> of Export-Clixml", tag.name),
                    ));
                }
                Token::End { name, at } => return Err(self.error(at, format!("</{name}> closes nothing"))),
                Token::Text(_) | Token::CData(_) => {}
            }
        }
        Ok(())
    }

    fn objs(&mut self, producer: Option<&str>, out: &mut Parsed) -> Result<(), XmlError> {
        loop {
            match self.next()? {
                None => return Err(self.error(self.text.len(), "the file ends inside <Objs>")),
                Some(Token::End { name: "Objs", .. }) => return Ok(()),
                Some(Token::End { name, at }) => return Err(self.error(at, format!("unexpected </{name}>"))),
                Some(Token::Start(tag)) => {
                    self.too_deep = false;
                    let value = self.value(&tag, 1)?;
                    let range = tag.at..self.tokens.pos;
                    let pending = std::mem::take(&mut self.pending);
                    for (at, message) in pending {
                        let line = self.problem_lines.line_at(self.text, at);
                        out.problems.push(Problem::at(line, message));
                    }
                    self.emit(&value, range, producer, out);
                }
                Some(Token::Text(_) | Token::CData(_)) => {}
            }
        }
    }

    /// One record per top-level value; a top-level list (`Export-Clixml -InputObject $array`)
    /// contributes its items, as a top-level JSON array does.
    fn emit(&mut self, value: &Value, range: Range<usize>, producer: Option<&str>, out: &mut Parsed) {
        if let Value::Obj(obj) = value
            && let Some(items) = &obj.items
            && obj.props.is_empty()
            && obj.item_spans.len() == items.len()
        {
            for (item, range) in items.iter().zip(&obj.item_spans) {
                let span = self.span(range.clone());
                self.push_record(item, span, producer, out);
            }
            return;
        }
        let span = self.span(range);
        self.push_record(value, span, producer, out);
    }

    fn push_record(&mut self, value: &Value, span: Span, producer: Option<&str>, out: &mut Parsed) {
        let line = span.first_line;
        out.records.push(record(value, span, producer, &mut self.render));
        if self.render.cut && !self.cut_reported {
            self.cut_reported = true;
            out.problems.push(Problem::at(
                line,
                "from this object on, values are cut: the file refers to the same objects more often than \
                 ccdiag renders (more than twice its own size)",
            ));
        }
    }

    fn span(&mut self, bytes: Range<usize>) -> Span {
        let first_line = self.lines.line_at(self.text, bytes.start);
        let last_line = self.lines.line_at(self.text, bytes.end.saturating_sub(1).max(bytes.start));
        Span { bytes, first_line, last_line }
    }

    /// The value of the element `tag` opened, at nesting `depth`.
    fn value(&mut self, tag: &Tag<'a>, depth: usize) -> Result<Value, XmlError> {
        if depth > MAX_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                self.pending.push((tag.at, format!("values nested deeper than {MAX_DEPTH} levels are left out")));
            }
            self.skip(tag)?;
            return Ok(Value::Null);
        }
        Ok(match tag.name {
            "Obj" => self.object(tag, depth)?,
            "Ref" => {
                self.skip(tag)?;
                let id = attribute(tag.attrs, "RefId").unwrap_or_default();
                match self.objects.get(id.as_ref()) {
                    Some(obj) => Value::Obj(Rc::clone(obj)),
                    None => {
                        self.pending.push((tag.at, format!("<Ref RefId=\"{id}\"> names no earlier object")));
                        Value::Null
                    }
                }
            }
            "Nil" => {
                self.skip(tag)?;
                Value::Null
            }
            "B" => {
                let text = self.scalar_text(tag)?;
                match text.trim() {
                    t if t.eq_ignore_ascii_case("true") => Value::Bool(true),
                    t if t.eq_ignore_ascii_case("false") => Value::Bool(false),
                    t => Value::Text(t.to_owned()),
                }
            }
            // Strings keep their spacing; only the serializer's escapes are undone.
            "S" | "URI" | "XD" | "SBK" => Value::Text(decode_escapes(&self.scalar_text(tag)?).into_owned()),
            "C" => {
                let text = self.scalar_text(tag)?;
                let code = text.trim().parse::<u32>().ok().and_then(char::from_u32);
                Value::Text(code.map_or_else(|| text.trim().to_owned(), String::from))
            }
            "TS" => {
                let text = self.scalar_text(tag)?;
                Value::Text(timespan(text.trim()).unwrap_or_else(|| text.trim().to_owned()))
            }
            // The encrypted blob stays out of records; Format-List shows the type name too.
            "SS" => {
                self.skip(tag)?;
                Value::Text("System.Security.SecureString".to_owned())
            }
            _ => Value::Text(decode_escapes(self.scalar_text(tag)?.trim()).into_owned()),
        })
    }

    fn object(&mut self, tag: &Tag<'a>, depth: usize) -> Result<Value, XmlError> {
        let mut obj = Obj::default();
        if !tag.empty {
            loop {
                let child = match self.next()? {
                    None => return Err(self.error(tag.at, "the file ends inside this <Obj>")),
                    Some(Token::End { name: "Obj", .. }) => break,
                    Some(Token::End { name, at }) => {
                        return Err(self.error(at, format!("expected </Obj>, found </{name}>")));
                    }
                    Some(Token::Text(_) | Token::CData(_)) => continue,
                    Some(Token::Start(child)) => child,
                };
                match child.name {
                    "TN" => obj.types = Some(self.type_names(&child)?),
                    "TNRef" => {
                        self.skip(&child)?;
                        let id = attribute(child.attrs, "RefId").unwrap_or_default();
                        obj.types = self.type_names.get(id.as_ref()).cloned();
                    }
                    "ToString" => obj.to_string = Some(decode_escapes(&self.scalar_text(&child)?).into_owned()),
                    "Props" | "MS" => self.members(&child, depth, &mut obj.props)?,
                    "LST" | "IE" | "STK" | "QUE" => {
                        let (items, spans) = self.items(&child, depth)?;
                        obj.items.get_or_insert_with(Vec::new).extend(items);
                        if depth == 1 {
                            obj.item_spans.extend(spans);
                        }
                    }
                    "DCT" => self.dictionary(&child, depth, &mut obj.props)?,
                    _ => obj.base = Some(self.value(&child, depth + 1)?),
                }
            }
        }
        let obj = Rc::new(obj);
        if let Some(id) = attribute(tag.attrs, "RefId") {
            self.objects.insert(id.into_owned(), Rc::clone(&obj));
        }
        Ok(Value::Obj(obj))
    }

    fn type_names(&mut self, tag: &Tag<'a>) -> Result<Rc<[String]>, XmlError> {
        let mut names = Vec::new();
        self.children(tag, |reader, child| {
            if child.name == "T" {
                names.push(decode_escapes(reader.scalar_text(child)?.trim()).into_owned());
            } else {
                reader.skip(child)?;
            }
            Ok(())
        })?;
        let names: Rc<[String]> = names.into();
        if let Some(id) = attribute(tag.attrs, "RefId") {
            self.type_names.insert(id.into_owned(), Rc::clone(&names));
        }
        Ok(names)
    }

    /// `<Props>` or `<MS>`: values named by their `N` attribute.
    fn members(&mut self, tag: &Tag<'a>, depth: usize, props: &mut Vec<(String, Value)>) -> Result<(), XmlError> {
        self.children(tag, |reader, child| {
            let value = reader.value(child, depth + 1)?;
            if let Some(name) = attribute(child.attrs, "N") {
                props.push((decode_escapes(&name).into_owned(), value));
            }
            Ok(())
        })
    }

    fn items(&mut self, tag: &Tag<'a>, depth: usize) -> Result<(Vec<Value>, Vec<Range<usize>>), XmlError> {
        let mut items = Vec::new();
        let mut spans = Vec::new();
        self.children(tag, |reader, child| {
            items.push(reader.value(child, depth + 1)?);
            spans.push(child.at..reader.tokens.pos);
            Ok(())
        })?;
        Ok((items, spans))
    }

    /// `<DCT>` entries `<En><S N="Key">k</S><S N="Value">v</S></En>` become properties `k`,
    /// as `ConvertTo-Json` writes a hashtable as an object.
    fn dictionary(&mut self, tag: &Tag<'a>, depth: usize, props: &mut Vec<(String, Value)>) -> Result<(), XmlError> {
        self.children(tag, |reader, entry| {
            if entry.name != "En" {
                return reader.skip(entry);
            }
            let mut key = None;
            let mut value = Value::Null;
            reader.children(entry, |reader, part| {
                let v = reader.value(part, depth + 1)?;
                match attribute(part.attrs, "N").as_deref() {
                    Some("Key") => key = Some(v),
                    Some("Value") => value = v,
                    _ => {}
                }
                Ok(())
            })?;
            if let Some(key) = key {
                let budget = KEY_BUDGET.min(reader.render.left);
                let mut key_render = Render::new(budget);
                let mut name = String::new();
                key_render.compact(&key, &mut name, 1);
                reader.render.charge(budget - key_render.left);
                props.push((name, value));
            }
            Ok(())
        })
    }

    /// Calls `each` for every child element of `tag` and consumes its end tag.
    fn children(
        &mut self,
        tag: &Tag<'a>,
        mut each: impl FnMut(&mut Self, &Tag<'a>) -> Result<(), XmlError>,
    ) -> Result<(), XmlError> {
        if tag.empty {
            return Ok(());
        }
        loop {
            match self.next()? {
                None => return Err(self.error(tag.at, format!("the file ends inside this <{}>", tag.name))),
                Some(Token::End { name, at }) => {
                    return if name == tag.name {
                        Ok(())
                    } else {
                        Err(self.error(at, format!("expected </{}>, found </{name}>", tag.name)))
                    };
                }
                Some(Token::Start(child)) => each(self, &child)?,
                Some(Token::Text(_) | Token::CData(_)) => {}
            }
        }
    }

    /// The character data of a scalar element, entities decoded; stray child elements are
    /// skipped.
    fn scalar_text(&mut self, tag: &Tag<'a>) -> Result<String, XmlError> {
        let mut text = String::new();
        if tag.empty {
            return Ok(text);
        }
        loop {
            match self.next()? {
                None => return Err(self.error(tag.at, format!("the file ends inside this <{}>", tag.name))),
                Some(Token::Text(raw)) => text.push_str(&unescape(raw)),
                Some(Token::CData(raw)) => text.push_str(raw),
                Some(Token::Start(child)) => self.skip(&child)?,
                Some(Token::End { name, at }) => {
                    return if name == tag.name {
                        Ok(text)
                    } else {
                        Err(self.error(at, format!("expected </{}>, found </{name}>", tag.name)))
                    };
                }
            }
        }
    }

    /// Consumes the element `tag` opened, however deep, without recursion.
    fn skip(&mut self, tag: &Tag<'a>) -> Result<(), XmlError> {
        if tag.empty {
            return Ok(());
        }
        let mut open = 1usize;
        while open > 0 {
            match self.next()? {
                None => return Err(self.error(tag.at, format!("the file ends inside this <{}>", tag.name))),
                Some(Token::Start(child)) if !child.empty => open += 1,
                Some(Token::End { .. }) => open -= 1,
                Some(_) => {}
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// XML tokens

#[derive(Debug)]
struct Tag<'a> {
    name: &'a str,
    /// The raw attribute text between the name and `>` (or `/>`).
    attrs: &'a str,
    /// `<Nil N="x" />`: no content and no end tag.
    empty: bool,
    /// Offset of the `<`.
    at: usize,
}

#[derive(Debug)]
enum Token<'a> {
    Start(Tag<'a>),
    End {
        name: &'a str,
        at: usize,
    },
    /// Character data with its entities still encoded.
    Text(&'a str),
    /// The content of a CDATA section, literal.
    CData(&'a str),
}

/// Splits XML into tokens. Comments, processing instructions and the DOCTYPE are skipped;
/// nothing is expanded, so the work is one pass over the text.
struct Tokenizer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Tokenizer<'a> {
    fn next(&mut self) -> Result<Option<Token<'a>>, XmlError> {
        loop {
            let bytes = self.text.as_bytes();
            let start = self.pos;
            if start >= bytes.len() {
                return Ok(None);
            }
            if bytes[start] != b'<' {
                let end = memchr::memchr(b'<', &bytes[start..]).map_or(bytes.len(), |i| start + i);
                self.pos = end;
                return Ok(Some(Token::Text(&self.text[start..end])));
            }
            let rest = &self.text[start..];
            let unterminated = |what: &str| XmlError { at: start, message: format!("unterminated {what}") };
            if rest.starts_with("<!--") {
                self.pos = find_after(rest, "-->", 4).ok_or_else(|| unterminated("comment"))? + start;
                continue;
            }
            if let Some(content) = rest.strip_prefix("<![CDATA[") {
                let end =
                    memchr::memmem::find(content.as_bytes(), b"]]>").ok_or_else(|| unterminated("CDATA section"))?;
                self.pos = start + 9 + end + 3;
                return Ok(Some(Token::CData(&content[..end])));
            }
            if rest.starts_with("<?") {
                self.pos = find_after(rest, "?>", 2).ok_or_else(|| unterminated("processing instruction"))? + start;
                continue;
            }
            if rest.starts_with("<!") {
                self.pos = declaration_end(rest).ok_or_else(|| unterminated("declaration"))? + start;
                continue;
            }
            if let Some(after) = rest.strip_prefix("</") {
                let close = memchr::memchr(b'>', after.as_bytes()).ok_or_else(|| unterminated("end tag"))?;
                self.pos = start + 2 + close + 1;
                return Ok(Some(Token::End { name: after[..close].trim(), at: start }));
            }
            let close = tag_end(rest).ok_or_else(|| unterminated("tag"))?;
            self.pos = start + close + 1;
            let inner = &rest[1..close];
            let (inner, empty) = match inner.strip_suffix('/') {
                Some(inner) => (inner, true),
                None => (inner, false),
            };
            let name_end = inner.find(|c: char| c.is_whitespace() || c == '/').unwrap_or(inner.len());
            let name = &inner[..name_end];
            if name.is_empty() {
                return Err(XmlError { at: start, message: "a tag without a name".to_owned() });
            }
            return Ok(Some(Token::Start(Tag { name, attrs: &inner[name_end..], empty, at: start })));
        }
    }
}

/// The offset just past the first `needle` at or after `from`.
fn find_after(text: &str, needle: &str, from: usize) -> Option<usize> {
    memchr::memmem::find(&text.as_bytes()[from..], needle.as_bytes()).map(|i| from + i + needle.len())
}

/// The offset of the `>` that ends the tag starting `text`; `>` inside quoted attribute values
/// does not count.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, b) in text.bytes().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The offset just past a `<!DOCTYPE ...>`-like declaration, internal subset `[...]` included.
fn declaration_end(text: &str) -> Option<usize> {
    let mut in_subset = false;
    for (i, b) in text.bytes().enumerate().skip(2) {
        match b {
            b'[' => in_subset = true,
            b']' => in_subset = false,
            b'>' if !in_subset => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The value of attribute `name` in a tag's attribute text, entities decoded.
fn attribute<'t>(attrs: &'t str, name: &str) -> Option<Cow<'t, str>> {
    let mut rest = attrs;
    loop {
        rest = rest.trim_start();
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let value_len = after[1..].find(quote)?;
        let value = &after[1..1 + value_len];
        if key == name {
            return Some(unescape(value));
        }
        rest = &after[1 + value_len + 1..];
    }
}

/// Decodes the predefined entities and character references. Anything else (a DTD's own
/// entities, a bare `&`) stays as written.
fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let entity = rest[1..]
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| entity_char(&rest[1..1 + end]).map(|c| (c, end + 2)));
        match entity {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity_char(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code).filter(|&c| c != '\0').unwrap_or('\u{FFFD}')
        }
    })
}

/// Undoes the serializer's `_xHHHH_` escapes (control characters such as `_x000D__x000A_`,
/// characters XML cannot hold, and `_` itself as `_x005F_` where it would be misread).
/// Surrogate pairs come as two escapes; a lone surrogate becomes U+FFFD.
fn decode_escapes(text: &str) -> Cow<'_, str> {
    if memchr::memmem::find(text.as_bytes(), b"_x").is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = memchr::memmem::find(rest.as_bytes(), b"_x") {
        let Some(unit) = escape_unit(&rest[at..]) else {
            out.push_str(&rest[..at + 2]);
            rest = &rest[at + 2..];
            continue;
        };
        out.push_str(&rest[..at]);
        rest = &rest[at + 7..];
        let c = match unit {
            0xD800..=0xDBFF => match escape_unit(rest) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    rest = &rest[7..];
                    char::from_u32(0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00))
                }
                _ => None,
            },
            _ => char::from_u32(u32::from(unit)),
        };
        out.push(c.unwrap_or('\u{FFFD}'));
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The UTF-16 unit of an `_xHHHH_` escape at the start of `text`.
fn escape_unit(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    if b.len() < 7 || &b[..2] != b"_x" || b[6] != b'_' || !b[2..6].iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u16::from_str_radix(&text[2..6], 16).ok()
}

/// An `xs:duration` as `XmlConvert` writes a TimeSpan (`P12DT3H44M10.123S`), in .NET's
/// `[-][d.]hh:mm:ss[.fffffff]` form, which is what Format-List and Format-Table print.
fn timespan(text: &str) -> Option<String> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut rest = rest.strip_prefix('P')?;
    let mut ticks: u128 = 0;
    let mut in_time = false;
    let mut seen_any = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('T') {
            if in_time {
                return None;
            }
            in_time = true;
            rest = after;
            continue;
        }
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let unit = after.chars().next()?;
        rest = &after[unit.len_utf8()..];
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let whole: u128 = whole.parse().ok()?;
        let per_unit: u128 = match (in_time, unit) {
            (false, 'D') => 864_000_000_000,
            (true, 'H') => 36_000_000_000,
            (true, 'M') => 600_000_000,
            (true, 'S') => 10_000_000,
            _ => return None,
        };
        if (!fraction.is_empty() && unit != 'S') || fraction.len() > 7 || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let fraction_ticks: u128 = if fraction.is_empty() { 0 } else { format!("{fraction:0<7}").parse().ok()? };
        ticks = ticks.checked_add(whole.checked_mul(per_unit)?)?.checked_add(fraction_ticks)?;
        seen_any = true;
    }
    if !seen_any {
        return None;
    }
    let (days, rem) = (ticks / 864_000_000_000, ticks % 864_000_000_000);
    let (hours, rem) = (rem / 36_000_000_000, rem % 36_000_000_000);
    let (minutes, rem) = (rem / 600_000_000, rem % 600_000_000);
    let (seconds, fraction) = (rem / 10_000_000, rem % 10_000_000);
    let mut out = String::new();
    if negative && ticks > 0 {
        out.push('-');
    }
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{hours:02}:{minutes:02}:{seconds:02}"));
    if fraction > 0 {
        out.push_str(&format!(".{fraction:07}"));
    }
    Some(out)
}

/// 1-based line numbers of offsets; cheap for increasing offsets, which is how spans come.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    newlines: usize,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, offset: usize) -> u32 {
        let offset = offset.min(text.len());
        if offset < self.offset {
            *self = LineCounter::default();
        }
        self.newlines += memchr::memchr_iter(b'\n', &text.as_bytes()[self.offset..offset]).count();
        self.offset = offset;
        u32::try_from(self.newlines.saturating_add(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(record: &Record) -> Vec<(&str, &str)> {
        record.fields.iter().map(|(n, v)| (n.as_ref(), v.as_str())).collect()
    }

    fn crlf(text: &str) -> String {
        text.replace('\n', "\r\n")
    }

    /// `Get-Service REPLICA, RTCSRV | Export-Clixml` from Windows PowerShell 5.1 (trimmed of the
    /// handle objects): enums with `<ToString>`, `<TNRef>` for the second object, empty lists,
    /// `<Nil>`, and alias properties under `<MS>`.
    const GET_SERVICE: &str = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <Obj RefId="0">
    <TN RefId="0">
      <T>System.ServiceProcess.ServiceController</T>
      <T>System.ComponentModel.Component</T>
      <T>System.MarshalByRefObject</T>
      <T>System.Object</T>
    </TN>
    <ToString>System.ServiceProcess.ServiceController</ToString>
    <Props>
      <B N="CanPauseAndContinue">false</B>
      <B N="CanShutdown">true</B>
      <B N="CanStop">true</B>
      <S N="DisplayName">Skype for Business Replica Replicator Agent</S>
      <Obj N="DependentServices" RefId="1">
        <TN RefId="1">
          <T>System.ServiceProcess.ServiceController[]</T>
          <T>System.Array</T>
          <T>System.Object</T>
        </TN>
        <LST />
      </Obj>
      <S N="MachineName">.</S>
      <S N="ServiceName">REPLICA</S>
      <Obj N="ServicesDependedOn" RefId="2">
        <TNRef RefId="1" />
        <LST>
          <S>System.ServiceProcess.ServiceController</S>
        </LST>
      </Obj>
      <Obj N="Status" RefId="3">
        <TN RefId="2">
          <T>System.ServiceProcess.ServiceControllerStatus</T>
          <T>System.Enum</T>
          <T>System.ValueType</T>
          <T>System.Object</T>
        </TN>
        <ToString>Running</ToString>
        <I32>4</I32>
      </Obj>
      <Obj N="StartType" RefId="4">
        <TN RefId="3">
          <T>System.ServiceProcess.ServiceStartMode</T>
          <T>System.Enum</T>
          <T>System.ValueType</T>
          <T>System.Object</T>
        </TN>
        <ToString>Automatic</ToString>
        <I32>2</I32>
      </Obj>
      <Nil N="Site" />
      <Nil N="Container" />
    </Props>
    <MS>
      <S N="Name">REPLICA</S>
    </MS>
  </Obj>
  <Obj RefId="5">
    <TNRef RefId="0" />
    <ToString>System.ServiceProcess.ServiceController</ToString>
    <Props>
      <B N="CanPauseAndContinue">false</B>
      <S N="DisplayName">Skype for Business Server Front-End</S>
      <S N="ServiceName">RTCSRV</S>
      <Obj N="Status" RefId="6">
        <TNRef RefId="2" />
        <ToString>Stopped</ToString>
        <I32>1</I32>
      </Obj>
      <Obj N="StartType" RefId="7">
        <TNRef RefId="3" />
        <ToString>Manual</ToString>
        <I32>3</I32>
      </Obj>
    </Props>
    <MS>
      <S N="Name">RTCSRV</S>
    </MS>
  </Obj>
</Objs>"#;

    #[test]
    fn get_service_export() {
        let text = crlf(GET_SERVICE);
        let parsed = parse(&text, None);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.records.len(), 2);
        let replica = &parsed.records[0];
        assert_eq!(replica.kind, RecordKind::PsObject);
        assert_eq!(
            fields(replica),
            [
                ("CanPauseAndContinue", "False"),
                ("CanShutdown", "True"),
                ("CanStop", "True"),
                ("DisplayName", "Skype for Business Replica Replicator Agent"),
                ("DependentServices", ""),
                ("MachineName", "."),
                ("ServiceName", "REPLICA"),
                ("ServicesDependedOn", "System.ServiceProcess.ServiceController"),
                ("Status", "Running"),
                ("StartType", "Automatic"),
                ("Site", ""),
                ("Container", ""),
                ("Name", "REPLICA"),
                ("type_name", "System.ServiceProcess.ServiceController"),
                ("producer", "Get-Service"),
            ]
        );
        assert_eq!((replica.span.first_line, replica.span.last_line), (2, 57));
        assert!(text[replica.span.bytes.clone()].starts_with("<Obj RefId=\"0\">"));
        assert!(text[replica.span.bytes.clone()].ends_with("</Obj>"));
        let rtcsrv = &parsed.records[1];
        assert_eq!(rtcsrv.get("Status"), Some("Stopped"));
        assert_eq!(rtcsrv.get("StartType"), Some("Manual"));
        assert_eq!(rtcsrv.get("type_name"), Some("System.ServiceProcess.ServiceController"));
        assert_eq!((rtcsrv.span.first_line, rtcsrv.span.last_line), (58, 79));
        // The file name wins over the type.
        assert_eq!(parse(&text, Some("Get-Service_Edge")).records[0].get("producer"), Some("Get-Service_Edge"));
    }

    /// `Get-VM 2.1.0.0-CMS | Export-Clixml` (trimmed): state enum, TimeSpan, Version, GUIDs,
    /// dates, 64-bit and unsigned numbers, a list of adapter objects and escaped newlines.
    const GET_VM: &str = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <Obj RefId="0">
    <TN RefId="0">
      <T>Microsoft.HyperV.PowerShell.VirtualMachine</T>
      <T>Microsoft.HyperV.PowerShell.VirtualMachineBase</T>
      <T>Microsoft.HyperV.PowerShell.VirtualizationObject</T>
      <T>System.Object</T>
    </TN>
    <ToString>VirtualMachine (Name = '2.1.0.0-CMS') [Id = 'a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b']</ToString>
    <Props>
      <S N="ConfigurationLocation">C:\ProgramData\CloudConnector\Instances\2.1.0.0-default\CMS</S>
      <I32 N="CPUUsage">3</I32>
      <I64 N="MemoryAssigned">4294967296</I64>
      <TS N="Uptime">P12DT3H44M10.123S</TS>
      <S N="Status">Operating normally</S>
      <Version N="IntegrationServicesVersion">6.3.9600.18080</Version>
      <S N="Notes">Cloud Connector CMS_x000D__x000A_do not edit</S>
      <Obj N="State" RefId="1">
        <TN RefId="1">
          <T>Microsoft.HyperV.PowerShell.VMState</T>
          <T>System.Enum</T>
          <T>System.ValueType</T>
          <T>System.Object</T>
        </TN>
        <ToString>Running</ToString>
        <I32>2</I32>
      </Obj>
      <B N="DynamicMemoryEnabled">false</B>
      <I32 N="Generation">2</I32>
      <U64 N="SizeOfSystemFiles">28672</U64>
      <U32 N="LowMemoryMappedIoSpace">134217728</U32>
      <Nil N="ParentSnapshotId" />
      <DT N="CreationTime">2026-12-05T10:14:22.123+01:00</DT>
      <G N="Id">a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b</G>
      <S N="Name">2.1.0.0-CMS</S>
      <Obj N="NetworkAdapters" RefId="2">
        <TN RefId="2">
          <T>System.Collections.Generic.List`1[[Microsoft.HyperV.PowerShell.VMNetworkAdapter, Microsoft.HyperV.PowerShell.Objects, Version=10.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]</T>
          <T>System.Object</T>
        </TN>
        <LST>
          <Obj RefId="3">
            <TN RefId="3">
              <T>Microsoft.HyperV.PowerShell.VMNetworkAdapter</T>
              <T>Microsoft.HyperV.PowerShell.VMNetworkAdapterBase</T>
              <T>System.Object</T>
            </TN>
            <ToString>VMNetworkAdapter (Name = 'Corpnet', VMName = '2.1.0.0-CMS') [VMId = 'a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b']</ToString>
          </Obj>
        </LST>
      </Obj>
      <S N="ComputerName">CCE-HOST01</S>
      <G N="VMId">a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b</G>
      <S N="VMName">2.1.0.0-CMS</S>
    </Props>
  </Obj>
</Objs>"#;

    #[test]
    fn get_vm_export() {
        let parsed = parse(&crlf(GET_VM), None);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let vm = &parsed.records[0];
        assert_eq!(vm.get("CPUUsage"), Some("3"));
        assert_eq!(vm.get("MemoryAssigned"), Some("4294967296"));
        assert_eq!(vm.get("Uptime"), Some("12.03:44:10.1230000"));
        assert_eq!(vm.get("IntegrationServicesVersion"), Some("6.3.9600.18080"));
        assert_eq!(vm.get("Notes"), Some("Cloud Connector CMS\r\ndo not edit"));
        assert_eq!(vm.get("State"), Some("Running"));
        assert_eq!(vm.get("DynamicMemoryEnabled"), Some("False"));
        assert_eq!(vm.get("SizeOfSystemFiles"), Some("28672"));
        assert_eq!(vm.get("LowMemoryMappedIoSpace"), Some("134217728"));
        assert_eq!(vm.get("ParentSnapshotId"), Some(""));
        assert_eq!(vm.get("CreationTime"), Some("2026-12-05T10:14:22.123+01:00"));
        assert_eq!(vm.get("Id"), Some("a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b"));
        assert_eq!(
            vm.get("NetworkAdapters"),
            Some(
                "VMNetworkAdapter (Name = 'Corpnet', VMName = '2.1.0.0-CMS') [VMId = 'a5b1c2d3-0000-4e5f-8a9b-0c1d2e3f4a5b']"
            )
        );
        assert_eq!(vm.get("VMName"), Some("2.1.0.0-CMS"));
        assert_eq!(vm.get("type_name"), Some("Microsoft.HyperV.PowerShell.VirtualMachine"));
        assert_eq!(vm.get("producer"), Some("Get-VM"));
    }

    /// `Get-ChildItem Cert:\LocalMachine\My | Export-Clixml` (trimmed): `NotAfter` as `<DT>`,
    /// nested objects whose ToString is only their type name, lists of labelled objects, and
    /// provider note properties under `<MS>`.
    const GET_CERT: &str = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <Obj RefId="0">
    <TN RefId="0">
      <T>System.Security.Cryptography.X509Certificates.X509Certificate2</T>
      <T>System.Security.Cryptography.X509Certificates.X509Certificate</T>
      <T>System.Object</T>
    </TN>
    <ToString>[Subject]_x000D__x000A_  CN=CCE-Edge.contoso.com_x000D__x000A__x000D__x000A_[Issuer]_x000D__x000A_  CN=Contoso Issuing CA, DC=contoso, DC=com_x000D__x000A_</ToString>
    <Props>
      <B N="Archived">false</B>
      <S N="FriendlyName"></S>
      <Obj N="IssuerName" RefId="1">
        <TN RefId="1">
          <T>System.Security.Cryptography.X509Certificates.X500DistinguishedName</T>
          <T>System.Security.Cryptography.AsnEncodedData</T>
          <T>System.Object</T>
        </TN>
        <ToString>System.Security.Cryptography.X509Certificates.X500DistinguishedName</ToString>
        <Props>
          <S N="Name">CN=Contoso Issuing CA, DC=contoso, DC=com</S>
          <S N="Oid">System.Security.Cryptography.Oid</S>
        </Props>
      </Obj>
      <DT N="NotAfter">2026-12-05T10:14:22+01:00</DT>
      <DT N="NotBefore">2024-12-05T10:14:22+01:00</DT>
      <B N="HasPrivateKey">true</B>
      <S N="SerialNumber">6100000012B3C4D5E6F7A8B9000000000012</S>
      <S N="Thumbprint">3F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C</S>
      <I32 N="Version">3</I32>
      <S N="Issuer">CN=Contoso Issuing CA, DC=contoso, DC=com</S>
      <S N="Subject">CN=CCE-Edge.contoso.com</S>
    </Props>
    <MS>
      <S N="PSPath">Microsoft.PowerShell.Security\Certificate::LocalMachine\My\3F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C</S>
      <B N="PSIsContainer">false</B>
      <Obj N="DnsNameList" RefId="2">
        <TN RefId="2">
          <T>System.Collections.Generic.List`1[[Microsoft.PowerShell.Commands.DnsNameRepresentation, Microsoft.PowerShell.Security, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]</T>
          <T>System.Object</T>
        </TN>
        <LST>
          <Obj RefId="3">
            <TN RefId="3">
              <T>Microsoft.PowerShell.Commands.DnsNameRepresentation</T>
              <T>System.ValueType</T>
              <T>System.Object</T>
            </TN>
            <ToString>CCE-Edge.contoso.com</ToString>
            <Props>
              <S N="Punycode">CCE-Edge.contoso.com</S>
              <S N="Unicode">CCE-Edge.contoso.com</S>
            </Props>
          </Obj>
          <Obj RefId="4">
            <TNRef RefId="3" />
            <ToString>sip.contoso.com</ToString>
            <Props>
              <S N="Punycode">sip.contoso.com</S>
              <S N="Unicode">sip.contoso.com</S>
            </Props>
          </Obj>
        </LST>
      </Obj>
      <Obj N="EnhancedKeyUsageList" RefId="5">
        <TNRef RefId="2" />
        <LST>
          <S>Server Authentication (1.3.6.1.5.5.7.3.1)</S>
          <S>Client Authentication (1.3.6.1.5.5.7.3.2)</S>
        </LST>
      </Obj>
    </MS>
  </Obj>
</Objs>"#;

    #[test]
    fn certificate_export() {
        let parsed = parse(&crlf(GET_CERT), None);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let cert = &parsed.records[0];
        assert_eq!(
            fields(cert),
            [
                ("Archived", "False"),
                ("FriendlyName", ""),
                (
                    "IssuerName",
                    "@{Name=CN=Contoso Issuing CA, DC=contoso, DC=com; Oid=System.Security.Cryptography.Oid}"
                ),
                ("IssuerName.Name", "CN=Contoso Issuing CA, DC=contoso, DC=com"),
                ("IssuerName.Oid", "System.Security.Cryptography.Oid"),
                ("NotAfter", "2026-12-05T10:14:22+01:00"),
                ("NotBefore", "2024-12-05T10:14:22+01:00"),
                ("HasPrivateKey", "True"),
                ("SerialNumber", "6100000012B3C4D5E6F7A8B9000000000012"),
                ("Thumbprint", "3F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C"),
                ("Version", "3"),
                ("Issuer", "CN=Contoso Issuing CA, DC=contoso, DC=com"),
                ("Subject", "CN=CCE-Edge.contoso.com"),
                (
                    "PSPath",
                    "Microsoft.PowerShell.Security\\Certificate::LocalMachine\\My\\3F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C"
                ),
                ("PSIsContainer", "False"),
                ("DnsNameList", "CCE-Edge.contoso.com, sip.contoso.com"),
                (
                    "EnhancedKeyUsageList",
                    "Server Authentication (1.3.6.1.5.5.7.3.1), Client Authentication (1.3.6.1.5.5.7.3.2)"
                ),
                ("type_name", "System.Security.Cryptography.X509Certificates.X509Certificate2"),
                ("producer", "Get-ChildItem"),
            ]
        );
    }

    fn objs(body: &str) -> String {
        format!("<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">{body}</Objs>")
    }

    #[test]
    fn references_dictionaries_and_nested_lists() {
        let text = objs(concat!(
            r#"<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>"#,
            r#"<MS><S N="Name">a</S><Obj N="Tags" RefId="1"><TN RefId="1"><T>System.Object[]</T></TN><LST><S>x</S><I32>2</I32><Nil /></LST></Obj>"#,
            r#"<Obj N="Settings" RefId="2"><TN RefId="2"><T>System.Collections.Hashtable</T><T>System.Object</T></TN>"#,
            r#"<DCT><En><S N="Key">Mode</S><S N="Value">Auto</S></En><En><S N="Key">Retries</S><I32 N="Value">3</I32></En></DCT></Obj>"#,
            r#"<Obj N="Rows" RefId="3"><TNRef RefId="1" /><LST><Obj RefId="4"><TNRef RefId="0" /><MS><S N="K">v</S></MS></Obj></LST></Obj>"#,
            r#"</MS></Obj>"#,
            r#"<Ref RefId="0" />"#,
            r#"<S>2.1.0.0</S>"#,
        ));
        let parsed = parse(&text, Some("Get-Thing"));
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(
            fields(&parsed.records[0]),
            [
                ("Name", "a"),
                ("Tags", "x, 2, "),
                ("Settings", "@{Mode=Auto; Retries=3}"),
                ("Settings.Mode", "Auto"),
                ("Settings.Retries", "3"),
                ("Rows", "{@{K=v}}"),
                ("type_name", "System.Management.Automation.PSCustomObject"),
                ("producer", "Get-Thing"),
            ]
        );
        // A top-level back-reference repeats the object it names.
        assert_eq!(parsed.records[1].fields, parsed.records[0].fields);
        assert_eq!(fields(&parsed.records[2]), [("value", "2.1.0.0"), ("producer", "Get-Thing")]);
    }

    #[test]
    fn top_level_list_gives_one_record_per_item() {
        let text = objs(concat!(
            "\n<Obj RefId=\"0\"><TN RefId=\"0\"><T>System.Object[]</T></TN><LST>\n",
            "<Obj RefId=\"1\"><MS><S N=\"A\">1</S></MS></Obj>\n",
            "<Obj RefId=\"2\"><MS><S N=\"A\">2</S></MS></Obj>\n",
            "</LST></Obj>\n"
        ));
        let parsed = parse(&text, None);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[1].get("A"), Some("2"));
        assert_eq!(parsed.records[1].span.first_line, 4);
        assert!(text[parsed.records[1].span.bytes.clone()].starts_with("<Obj RefId=\"2\">"));
    }

    #[test]
    fn escapes_and_entities() {
        assert_eq!(decode_escapes("a_x000D__x000A_b"), "a\r\nb");
        assert_eq!(decode_escapes("snake_x005F_xcase_x"), "snake_xcase_x");
        assert_eq!(decode_escapes("_xD83D__xDE00_"), "\u{1F600}");
        assert_eq!(decode_escapes("_xD83D_ alone"), "\u{FFFD} alone");
        assert_eq!(decode_escapes("_xZZZZ_"), "_xZZZZ_");
        assert_eq!(unescape("a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;"), "a <b> & \"c\" 'd' AB");
        assert_eq!(unescape("AT&T &bogus; &#xD800; &#0;"), "AT&T &bogus; \u{FFFD} \u{FFFD}");
        let text = objs(r#"<Obj RefId="0"><MS><S N="Path_x0020_Name">C:\a &amp; b</S><C N="Letter">65</C></MS></Obj>"#);
        let record = &parse(&text, None).records[0];
        assert_eq!(record.get("Path Name"), Some("C:\\a & b"));
        assert_eq!(record.get("Letter"), Some("A"));
    }

    #[test]
    fn timespans_read_as_dotnet_prints_them() {
        assert_eq!(timespan("PT0S").as_deref(), Some("00:00:00"));
        assert_eq!(timespan("PT9.5S").as_deref(), Some("00:00:09.5000000"));
        assert_eq!(timespan("P1DT2H3M4S").as_deref(), Some("1.02:03:04"));
        assert_eq!(timespan("-PT1M").as_deref(), Some("-00:01:00"));
        assert_eq!(timespan("PT90M").as_deref(), Some("01:30:00"));
        assert_eq!(timespan("P"), None);
        assert_eq!(timespan("PT1.23456789S"), None);
        assert_eq!(timespan("P1H"), None);
        assert_eq!(timespan("PT1Hé"), None);
        assert_eq!(timespan("P99999999999999999999999999999999999999D"), None);
    }

    #[test]
    fn producers_from_type_names() {
        for (type_name, producer) in [
            ("System.ServiceProcess.ServiceController", "Get-Service"),
            ("Deserialized.System.ServiceProcess.ServiceController", "Get-Service"),
            ("Microsoft.HyperV.PowerShell.VMNetworkAdapter", "Get-VMNetworkAdapter"),
            (
                "Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetFirewallRule",
                "Get-NetFirewallRule",
            ),
            ("Microsoft.Management.Infrastructure.CimInstance#MSFT_NetIPAddress", "Get-NetIPAddress"),
            (
                "Microsoft.Management.Infrastructure.CimInstance#root/Microsoft/Windows/Defender/MSFT_MpPreference",
                "Get-MpPreference",
            ),
            ("System.Diagnostics.Eventing.Reader.EventLogRecord", "Get-WinEvent"),
        ] {
            assert_eq!(producer_for_type(type_name), Some(producer), "{type_name}");
        }
        assert_eq!(producer_for_type("System.String"), None);
        assert_eq!(producer_for_type("Microsoft.Management.Infrastructure.CimInstance#Other"), None);
    }

    #[test]
    fn deep_nesting_is_cut_and_reported() {
        let depth = 200;
        let mut body = String::from("<Obj RefId=\"0\"><MS><S N=\"Name\">top</S>");
        for _ in 0..depth {
            body.push_str("<Obj N=\"Child\"><MS>");
        }
        for _ in 0..depth {
            body.push_str("</MS></Obj>");
        }
        body.push_str("</MS></Obj><Obj RefId=\"9\"><MS><S N=\"Name\">next</S></MS></Obj>");
        let parsed = parse(&objs(&body), None);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].get("Name"), Some("top"));
        assert_eq!(parsed.records[1].get("Name"), Some("next"));
        assert_eq!(parsed.problems.len(), 1);
        assert!(parsed.problems[0].message.contains("deeper than 64"), "{:?}", parsed.problems);
    }

    #[test]
    fn shared_references_cannot_blow_up() {
        // Each level refers to the previous one twice: 2^40 leaves if rendered naively.
        let mut body = String::from("<Obj RefId=\"0\"><MS><S N=\"V\">leaf</S></MS></Obj>");
        for level in 1..=40 {
            body.push_str(&format!(
                "<Obj RefId=\"{level}\"><MS><Ref N=\"A\" RefId=\"{p}\" /><Ref N=\"B\" RefId=\"{p}\" /></MS></Obj>",
                p = level - 1
            ));
        }
        let text = objs(&body);
        let parsed = parse(&text, None);
        assert_eq!(parsed.records.len(), 41);
        let total: usize = parsed.records.iter().flat_map(|r| &r.fields).map(|(n, v)| n.len() + v.len()).sum();
        assert!(total <= RENDER_ALLOWANCE + RENDER_FACTOR * text.len(), "{total}");
        assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
        assert!(parsed.problems[0].message.contains("values are cut"));
    }

    #[test]
    fn many_references_to_a_wide_object_stay_bounded() {
        // Flattening 20 references to a 1000-property object in each of 2000 records would make
        // 40 million fields out of a 1 MB file.
        let mut body = String::from("<Obj RefId=\"0\"><MS>");
        for i in 0..1000 {
            body.push_str(&format!("<S N=\"p{i}\">v</S>"));
        }
        body.push_str("</MS></Obj>");
        for i in 1..=2000 {
            body.push_str(&format!("<Obj RefId=\"r{i}\"><MS>"));
            for j in 0..20 {
                body.push_str(&format!("<Ref N=\"a{j}\" RefId=\"0\" />"));
            }
            body.push_str("</MS></Obj>");
        }
        let text = objs(&body);
        let parsed = parse(&text, None);
        assert_eq!(parsed.records.len(), 2001);
        let fields: usize = parsed.records.iter().map(|r| r.fields.len()).sum();
        assert!(fields <= (RENDER_ALLOWANCE + RENDER_FACTOR * text.len()) / FIELD_COST + 2001, "{fields}");
        assert_eq!(parsed.records[0].get("p999"), Some("v"));
        assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    }

    #[test]
    fn broken_files_are_problems_with_lines() {
        let parsed =
            parse("<Objs>\n<Obj RefId=\"0\"><MS><S N=\"A\">1</S></MS></Obj>\n<Obj><MS><S N=\"B\">2</MS>", None);
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, Some(3));
        assert!(parsed.problems[0].message.starts_with("invalid CLIXML: expected </S>"));

        let parsed = parse("<?xml version=\"1.0\"?>\n<html><body/></html>", None);
        assert!(parsed.records.is_empty());
        assert_eq!(parsed.problems[0].line, Some(2));

        let parsed = parse(&objs(r#"<Obj RefId="0"><MS><Ref N="X" RefId="7" /></MS></Obj>"#), None);
        assert_eq!(parsed.records[0].get("X"), Some(""));
        assert!(parsed.problems[0].message.contains("RefId=\"7\""));
    }

    #[test]
    fn comments_cdata_and_doctype_are_read_safely() {
        let text = concat!(
            "<?xml version=\"1.0\" encoding=\"utf-16\"?>\n",
            "<!DOCTYPE Objs [<!ENTITY boom \"&boom;&boom;\">]>\n",
            "<!-- exported by a script -->\n",
            "<Objs Version=\"1.1.0.1\"><Obj RefId=\"0\" a='x>y'><MS>",
            "<S N=\"A\"><![CDATA[<raw> & more]]></S><S N=\"B\">&boom;</S>",
            "</MS></Obj></Objs>\n"
        );
        let parsed = parse(text, None);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.records[0].get("A"), Some("<raw> & more"));
        assert_eq!(parsed.records[0].get("B"), Some("&boom;"));
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_clixml(GET_SERVICE));
        assert!(looks_like_clixml("\u{feff}<?xml version=\"1.0\"?>\r\n<Objs Version=\"1.1.0.1\">"));
        assert!(looks_like_clixml("<Objs/>"));
        assert!(!looks_like_clixml("<Objects><Object/></Objects>"));
        assert!(!looks_like_clixml("<?xml version=\"1.0\"?><configuration/>"));
        assert!(!looks_like_clixml("<?xml"));
    }

    #[test]
    fn junk_never_panics() {
        for text in [
            "",
            "<",
            "<>",
            "</>",
            "<Objs",
            "<Objs>",
            "<Objs/>",
            "<Objs></Objs></Objs>",
            "<Objs><Obj",
            "<Objs><Obj RefId=\"0\"><TN RefId=\"0\"><T>x</T>",
            "<Objs><Obj RefId=\"0\"><TNRef RefId=\"9\"/></Obj></Objs>",
            "<Objs><TS>P1DT</TS><TS>PTxS</TS><C>99999999</C><B>maybe</B></Objs>",
            "<Objs><Obj><DCT><En><S N=\"Value\">v</S></En><X/></DCT></Obj></Objs>",
            "<Objs><!-- never closed",
            "<Objs><![CDATA[",
            "<Objs><?pi",
            "<Objs><!DOCTYPE [",
            "<Objs><S N='unterminated>x</S></Objs>",
            "<Objs><S N=\"é\">é_x00E9</S></Objs>",
            "<Objs>&#x110000;&#xFFFFFFFFFF;</Objs>",
            "\u{FEFF}<Objs>\r\n</Objs>\r\n",
        ] {
            let _ = parse(text, Some("x"));
        }
    }
}
