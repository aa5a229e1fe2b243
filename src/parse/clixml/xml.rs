//! A small linear XML tokenizer: elements, attributes, text; comments, processing
//! instructions and DOCTYPEs skipped; only the predefined entities and character references
//! decoded. Nothing is ever expanded, so the work is one pass over the text.

use std::borrow::Cow;

pub(super) struct XmlError {
    pub(super) at: usize,
    pub(super) message: String,
}

#[derive(Debug)]
pub(super) struct Tag<'a> {
    pub(super) name: &'a str,
    /// The raw attribute text between the name and `>` (or `/>`).
    pub(super) attrs: &'a str,
    /// `<Nil N="x" />`: no content and no end tag.
    pub(super) empty: bool,
    /// Offset of the `<`.
    pub(super) at: usize,
}

#[derive(Debug)]
pub(super) enum Token<'a> {
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
pub(super) struct Tokenizer<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
}

impl<'a> Tokenizer<'a> {
    pub(super) fn next(&mut self) -> Result<Option<Token<'a>>, XmlError> {
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
pub(super) fn find_after(text: &str, needle: &str, from: usize) -> Option<usize> {
    memchr::memmem::find(&text.as_bytes()[from..], needle.as_bytes()).map(|i| from + i + needle.len())
}

/// The offset of the `>` that ends the tag starting `text`; `>` inside quoted attribute values
/// does not count.
pub(super) fn tag_end(text: &str) -> Option<usize> {
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
pub(super) fn declaration_end(text: &str) -> Option<usize> {
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
pub(super) fn attribute<'t>(attrs: &'t str, name: &str) -> Option<Cow<'t, str>> {
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
pub(super) fn unescape(raw: &str) -> Cow<'_, str> {
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

pub(super) fn entity_char(name: &str) -> Option<char> {
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
