//! The CLIXML document: `<Objs>` of `<Obj>`, properties, lists, dictionaries and `<Ref>`s,
//! read from the tokens into values.

use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use super::MAX_DEPTH;
use super::render::{KEY_BUDGET, RENDER_ALLOWANCE, RENDER_FACTOR};
use super::render::{Render, record};
use super::scalars::{decode_escapes, timespan};
use super::value::{Obj, Value};
use super::xml::{Tag, Token, Tokenizer, XmlError, attribute, unescape};
use crate::parse::lines::LineCounter;
use crate::record::{Parsed, Problem, ProblemKind, Span};

/// The id and type names of a `<TN>` element, from its text alone.
pub(super) fn type_name_entry(text: &str) -> Option<(String, Vec<String>)> {
    let mut reader = Reader::new(text);
    let Ok(Some(Token::Start(tag))) = reader.next() else { return None };
    let id = attribute(tag.attrs, "RefId")?.into_owned();
    let names = reader.type_names(&tag).ok()?;
    Some((id, names.to_vec()))
}

pub(super) struct Reader<'a> {
    pub(super) text: &'a str,
    pub(super) tokens: Tokenizer<'a>,
    /// `<TN RefId>` to its type names, for `<TNRef>`.
    pub(super) type_names: HashMap<String, Rc<[String]>>,
    /// `<Obj RefId>` to the finished object, for `<Ref>`.
    pub(super) objects: HashMap<String, Rc<Obj>>,
    pub(super) lines: LineCounter,
    /// Lines of problems met inside values; a counter of its own, so that both stay monotonic.
    pub(super) problem_lines: LineCounter,
    /// Problems of the top-level value being read, reported once it is done.
    pub(super) pending: Vec<(usize, String)>,
    /// Whether the top-level value being read had nesting cut off (reported once per value).
    pub(super) too_deep: bool,
    /// The file's rendering budget, shared by all its records.
    pub(super) render: Render,
    /// Whether running out of `render` has been reported (once per file).
    pub(super) cut_reported: bool,
    /// The text is a chunk that starts after objects of the file that are not kept.
    pub(super) resumed: bool,
    /// The file goes on after the text, which may end inside `<Objs>`.
    pub(super) open_end: bool,
}

impl<'a> Reader<'a> {
    pub(super) fn new(text: &'a str) -> Reader<'a> {
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
            resumed: false,
            open_end: false,
        }
    }

    pub(super) fn error(&self, at: usize, message: impl Into<String>) -> XmlError {
        XmlError { at, message: message.into() }
    }

    pub(super) fn next(&mut self) -> Result<Option<Token<'a>>, XmlError> {
        self.tokens.next()
    }

    /// Reads every `<Objs>` root (files appended with `>>` hold several) and emits records.
    pub(super) fn document(&mut self, producer: Option<&str>, out: &mut Parsed) -> Result<(), XmlError> {
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

    pub(super) fn objs(&mut self, producer: Option<&str>, out: &mut Parsed) -> Result<(), XmlError> {
        loop {
            match self.next()? {
                None if self.open_end => return Ok(()),
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
                        out.problems.push(Problem::at(ProblemKind::Syntax, line, message));
                    }
                    self.emit(&value, range, producer, out);
                }
                Some(Token::Text(_) | Token::CData(_)) => {}
            }
        }
    }

    /// One record per top-level value; a top-level list (`Export-Clixml -InputObject $array`)
    /// contributes its items, as a top-level JSON array does.
    pub(super) fn emit(&mut self, value: &Value, range: Range<usize>, producer: Option<&str>, out: &mut Parsed) {
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

    pub(super) fn push_record(&mut self, value: &Value, span: Span, producer: Option<&str>, out: &mut Parsed) {
        let line = span.first_line;
        out.records.push(record(value, span, producer, &mut self.render));
        if self.render.cut && !self.cut_reported {
            self.cut_reported = true;
            out.problems.push(Problem::at(
                ProblemKind::Syntax,
                line,
                "from this object on, values are cut: the file refers to the same objects more often than \
                 ccdiag renders (more than twice its own size)",
            ));
        }
    }

    pub(super) fn span(&mut self, bytes: Range<usize>) -> Span {
        let first_line = self.lines.line_at(self.text, bytes.start);
        let last_line = self.lines.line_at(self.text, bytes.end.saturating_sub(1).max(bytes.start));
        Span { bytes, first_line, last_line }
    }

    /// The value of the element `tag` opened, at nesting `depth`.
    pub(super) fn value(&mut self, tag: &Tag<'a>, depth: usize) -> Result<Value, XmlError> {
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
                    None if self.resumed => {
                        self.pending.push((
                            tag.at,
                            format!(
                                "<Ref RefId=\"{id}\"> could not be resolved: big files are read in parts, and it \
                                 names no object of its part; it reads empty"
                            ),
                        ));
                        Value::Null
                    }
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

    pub(super) fn object(&mut self, tag: &Tag<'a>, depth: usize) -> Result<Value, XmlError> {
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

    pub(super) fn type_names(&mut self, tag: &Tag<'a>) -> Result<Rc<[String]>, XmlError> {
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
    pub(super) fn members(
        &mut self,
        tag: &Tag<'a>,
        depth: usize,
        props: &mut Vec<(String, Value)>,
    ) -> Result<(), XmlError> {
        self.children(tag, |reader, child| {
            let value = reader.value(child, depth + 1)?;
            if let Some(name) = attribute(child.attrs, "N") {
                props.push((decode_escapes(&name).into_owned(), value));
            }
            Ok(())
        })
    }

    pub(super) fn items(&mut self, tag: &Tag<'a>, depth: usize) -> Result<(Vec<Value>, Vec<Range<usize>>), XmlError> {
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
    pub(super) fn dictionary(
        &mut self,
        tag: &Tag<'a>,
        depth: usize,
        props: &mut Vec<(String, Value)>,
    ) -> Result<(), XmlError> {
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
    pub(super) fn children(
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
    pub(super) fn scalar_text(&mut self, tag: &Tag<'a>) -> Result<String, XmlError> {
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
    pub(super) fn skip(&mut self, tag: &Tag<'a>) -> Result<(), XmlError> {
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
