//! YAML out, for exported Sigma rules and pipelines, written for readers that must not be
//! steered by their text: every string, keys included, is double-quoted with everything but
//! plain printable characters escaped. A title or value from a rule pack of unknown origin
//! (`--rules`) stays one string, whatever quotes, colons, line breaks or `#`, `&`, `*`, `!`,
//! `{` it holds. serde-saphyr 2 can serialize, and force double quotes (`DoubleQuoted`), but
//! it writes bidi controls and zero-width characters as they are: the loader refuses rule
//! files holding them (they make text read otherwise than it runs), and an exported rule is
//! read by people reviewing it, so they are escaped here too.

/// A YAML node. Only [`Node::Str`] carries text from rules; booleans and numbers are the
/// exporter's own (Sigma's `exists: true`, a pipeline's priority).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Str(String),
    Bool(bool),
    Int(i64),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn str(text: impl Into<String>) -> Node {
        Node::Str(text.into())
    }

    pub fn strs<S: Into<String>>(texts: impl IntoIterator<Item = S>) -> Node {
        Node::List(texts.into_iter().map(Node::str).collect())
    }
}

/// The document whose top level is `map`, in block style.
pub fn document(map: &[(String, Node)]) -> String {
    let mut out = String::new();
    write_map(map, 0, &mut out);
    out
}

fn write_map(map: &[(String, Node)], indent: usize, out: &mut String) {
    for (key, value) in map {
        push_indent(indent, out);
        out.push_str(&quoted(key));
        out.push(':');
        write_value(value, indent, out);
    }
}

/// The rest of a line after `key:` or `-`: a scalar or an empty collection on it, else a
/// block below it.
fn write_value(value: &Node, indent: usize, out: &mut String) {
    match value {
        Node::List(items) if !items.is_empty() => {
            out.push('\n');
            write_list(items, indent + 2, out);
        }
        Node::Map(map) if !map.is_empty() => {
            out.push('\n');
            write_map(map, indent + 2, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn write_list(items: &[Node], indent: usize, out: &mut String) {
    for item in items {
        push_indent(indent, out);
        out.push('-');
        match item {
            // A map item starts on the dash's line and goes on indented under its first key.
            Node::Map(map) if !map.is_empty() => {
                let mut first = String::new();
                write_map(map, indent + 2, &mut first);
                out.push(' ');
                out.push_str(first.trim_start_matches(' '));
            }
            other => write_value(other, indent, out),
        }
    }
}

fn inline(node: &Node) -> String {
    match node {
        Node::Str(text) => quoted(text),
        Node::Bool(b) => b.to_string(),
        Node::Int(n) => n.to_string(),
        Node::List(_) => "[]".to_owned(),
        Node::Map(_) => "{}".to_owned(),
    }
}

fn push_indent(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// `text` as a YAML double-quoted scalar. Only printable characters are written as they are;
/// the rest, line breaks and tabs included, become escapes, as do characters that YAML readers
/// refuse or that reorder how text displays (bidi controls, zero-width characters).
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if written_as_is(c) => out.push(c),
            c if u32::from(c) <= 0xFF => out.push_str(&format!("\\x{:02X}", u32::from(c))),
            c if u32::from(c) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

fn written_as_is(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    !c.is_control()
        && !c.is_whitespace()
        && !matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_is_quoted_and_what_is_not_printable_escaped() {
        assert_eq!(quoted("a: b # c"), "\"a: b # c\"");
        assert_eq!(quoted("x\"\n- y: \\"), "\"x\\\"\\x0A- y: \\\\\"");
        assert_eq!(quoted("\u{202E}\u{2028}\t\u{1F600}é"), "\"\\u202E\\u2028\\x09\u{1F600}é\"");
    }

    #[test]
    fn blocks_nest_maps_in_lists_and_lists_in_maps() {
        let doc = document(&[
            ("title".into(), Node::str("t")),
            (
                "detection".into(),
                Node::Map(vec![
                    (
                        "sel".into(),
                        Node::List(vec![Node::Map(vec![
                            ("a".into(), Node::strs(["1", "2"])),
                            ("b".into(), Node::Bool(true)),
                        ])]),
                    ),
                    ("empty".into(), Node::List(Vec::new())),
                ]),
            ),
            ("priority".into(), Node::Int(10)),
        ]);
        let expected = "\"title\": \"t\"\n\"detection\":\n  \"sel\":\n    - \"a\":\n        - \"1\"\n        - \"2\"\n      \"b\": true\n  \"empty\": []\n\"priority\": 10\n";
        assert_eq!(doc, expected);
    }
}
