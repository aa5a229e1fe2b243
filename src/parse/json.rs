//! `ConvertTo-Json` exports of cmdlet output.
//!
//! A file holds one object, an array of objects, or several of these appended by `>>`. Each
//! object becomes a [`RecordKind::PsObject`] whose fields read the way `Format-List` prints
//! them, so a rule matches the same value whichever way the user exported it:
//! - Windows PowerShell 5.1 writes dates as `"\/Date(1733390062000)\/"` (milliseconds since the
//!   Unix epoch, UTC); they become ISO-8601 UTC. PowerShell 7 already writes ISO strings.
//! - `[Version]` properties (`Get-Module`'s `Version`) are serialised as an object of `Major`,
//!   `Minor`, `Build`, `Revision`, ...; they become `2.1.0.0` as `Format-List` shows them.
//! - Booleans read `True`/`False` and null reads empty, as in `Format-List`.
//! - Nested objects keep a compact `@{Name=value; ...}` form under their own name (what
//!   `Format-List` prints) and are flattened one level as `Parent.Child`.
//!
//! Numbers are printed from their parsed value (integers exactly, doubles in shortest form), so
//! a double written with an exponent may read differently from the file.
//!
//! Object boundaries come from a small string-aware scanner, because serde_json does not report
//! where the elements of an array start; each object is then parsed on its own slice, so one bad
//! object costs only itself.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::parse::lines::{LineCounter, line_of};
use crate::record::{Parsed, Problem, ProblemKind, Record, RecordKind, Span};

pub fn parse(text: &str, producer: Option<&str>) -> Parsed {
    parse_chunk(text, producer, false, true)
}

/// Parses a chunk of an export: `in_array` when it starts between the elements of a top-level
/// array, `last` when the file ends with it (an earlier chunk may end after an element's comma).
/// A scan error stops the parse, as it stops reading a whole file.
pub fn parse_chunk(text: &str, producer: Option<&str>, in_array: bool, last: bool) -> Parsed {
    let mut parsed = Parsed::default();
    let mut lines = LineCounter::default();
    let mut ranges = Vec::new();
    let scanned = top_level_values(text.as_bytes(), in_array, !last, &mut ranges);
    for range in ranges {
        let first_line = lines.line_at(text, range.start);
        let last_line = lines.line_at(text, range.end - 1);
        let slice = &text[range.clone()];
        match serde_json::from_str::<Json>(slice) {
            Ok(value) => {
                let span = Span { bytes: range, first_line, last_line };
                parsed.records.push(record(value, span, producer));
            }
            Err(e) => parsed.problems.push(serde_problem(text, range.start, 0, first_line, &e)),
        }
    }
    // After the values before it, in the order of the file.
    if let Err(error) = scanned {
        parsed.problems.push(scan_problem(text, &error));
        parsed.stopped = true;
    }
    parsed
}

fn record(value: Json, span: Span, producer: Option<&str>) -> Record {
    let mut record = Record::new(RecordKind::PsObject, span);
    match value {
        Json::Object(properties) => {
            for (name, value) in properties {
                if let Json::Object(children) = &value {
                    record.push(name.clone(), value.compact());
                    for (child, child_value) in children {
                        record.push(format!("{name}.{child}"), child_value.display());
                    }
                } else {
                    record.push(name, value.display());
                }
            }
        }
        // `Get-CcVersion | ConvertTo-Json` and friends emit bare strings.
        other => record.push("value", other.display()),
    }
    if let Some(producer) = producer {
        record.push("producer", producer);
    }
    record
}

/// A JSON value that keeps properties in file order whatever serde_json's features (its `Map`
/// sorts keys without `preserve_order`), so a record's fields follow the export.
#[derive(Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The value of a top-level field: arrays of scalars joined with ", " like `Format-List`
    /// without its braces.
    fn display(&self) -> String {
        match self {
            Json::Array(items) if items.iter().all(Json::is_scalar) => {
                items.iter().map(Json::compact).collect::<Vec<_>>().join(", ")
            }
            other => other.compact(),
        }
    }

    /// The one-line form `Format-List` uses inside a property: `{a, b}` for arrays,
    /// `@{Name=value; ...}` for objects.
    fn compact(&self) -> String {
        match self {
            Json::Null => String::new(),
            Json::Bool(true) => "True".to_owned(),
            Json::Bool(false) => "False".to_owned(),
            Json::Number(n) => n.clone(),
            Json::String(s) => crate::time::iso_from_json_date(s).unwrap_or_else(|| s.clone()),
            Json::Array(items) => {
                format!("{{{}}}", items.iter().map(Json::compact).collect::<Vec<_>>().join(", "))
            }
            Json::Object(properties) => version_string(properties).unwrap_or_else(|| {
                let inner: Vec<_> = properties.iter().map(|(k, v)| format!("{k}={}", v.compact())).collect();
                format!("@{{{}}}", inner.join("; "))
            }),
        }
    }

    fn is_scalar(&self) -> bool {
        !matches!(self, Json::Array(_) | Json::Object(_))
    }
}

/// `[System.Version]` as ConvertTo-Json writes it, shown the way `Version.ToString()` does:
/// `Build` and `Revision` are -1 when absent.
fn version_string(properties: &[(String, Json)]) -> Option<String> {
    const KEYS: [&str; 6] = ["Major", "Minor", "Build", "Revision", "MajorRevision", "MinorRevision"];
    let has_all_keys = properties.len() == KEYS.len()
        && KEYS.iter().all(|k| properties.iter().any(|(p, _)| p.eq_ignore_ascii_case(k)));
    if !has_all_keys {
        return None;
    }
    let part = |name: &str| match properties.iter().find(|(p, _)| p.eq_ignore_ascii_case(name)) {
        Some((_, Json::Number(n))) => n.parse::<i64>().ok(),
        _ => None,
    };
    let (major, minor, build, revision) = (part("Major")?, part("Minor")?, part("Build")?, part("Revision")?);
    Some(match (build, revision) {
        (b, _) if b < 0 => format!("{major}.{minor}"),
        (b, r) if r < 0 => format!("{major}.{minor}.{b}"),
        (b, r) => format!("{major}.{minor}.{b}.{r}"),
    })
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut properties = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(entry) = map.next_entry()? {
            properties.push(entry);
        }
        Ok(Json::Object(properties))
    }
}

/// Where the scanner gave up: `value_start` is the top-level value or array element being read,
/// handed to serde_json for a precise message (an element inside a `[`, so that the message does
/// not depend on where the file was cut into chunks); `at` and `reason` are the fallback.
struct ScanError {
    value_start: usize,
    element: bool,
    at: usize,
    reason: &'static str,
}

/// Byte ranges of the records' values: each top-level value, except that a top-level array
/// contributes its elements. `in_array` when the text starts between the elements of one;
/// `open_end` when the file goes on after the text, which may then end after an element's comma.
fn top_level_values(
    bytes: &[u8],
    in_array: bool,
    open_end: bool,
    out: &mut Vec<std::ops::Range<usize>>,
) -> Result<(), ScanError> {
    let mut pos = skip_ws(bytes, 0);
    let mut array = in_array;
    loop {
        if std::mem::take(&mut array) {
            pos = elements(bytes, pos, open_end, out)?;
        }
        pos = skip_ws(bytes, pos);
        if pos >= bytes.len() {
            return Ok(());
        }
        let value_start = pos;
        if bytes[pos] == b'[' {
            pos = skip_ws(bytes, pos + 1);
            if bytes.get(pos) == Some(&b']') {
                pos += 1;
            } else {
                array = true;
            }
        } else {
            pos =
                skip_value(bytes, pos).map_err(|(at, reason)| ScanError { value_start, element: false, at, reason })?;
            out.push(value_start..pos);
        }
    }
}

/// The elements of a top-level array, from the first one's start at `pos` to past the `]`.
fn elements(
    bytes: &[u8],
    mut pos: usize,
    open_end: bool,
    out: &mut Vec<std::ops::Range<usize>>,
) -> Result<usize, ScanError> {
    loop {
        if open_end && pos == bytes.len() {
            return Ok(pos);
        }
        let start = pos;
        let fail = |at, reason| ScanError { value_start: start, element: true, at, reason };
        pos = skip_value(bytes, pos).map_err(|(at, reason)| fail(at, reason))?;
        out.push(start..pos);
        pos = skip_ws(bytes, pos);
        match bytes.get(pos) {
            Some(b',') => pos = skip_ws(bytes, pos + 1),
            Some(b']') => return Ok(pos + 1),
            _ => return Err(fail(pos, "expected ',' or ']' after an array element")),
        }
    }
}

/// Where a JSON export may be cut: at a line start between top-level values, or between the
/// elements of a top-level array after a comma. The bytes are followed as [`top_level_values`]
/// reads them, strings and nesting only; after a scan error, anywhere (nothing after it is read).
#[derive(Default)]
pub struct Cutter {
    state: Scan,
    /// The value being read is an element of the top-level array.
    element: bool,
}

#[derive(Clone, Copy, Default)]
enum Scan {
    #[default]
    Top,
    /// After the top-level array's `[`.
    ArrayOpen,
    /// After a `,` between elements.
    ArrayElement,
    AfterElement,
    String {
        escaped: bool,
    },
    Nested {
        depth: usize,
        string: bool,
        escaped: bool,
    },
    /// A number, `true`, `false` or `null`.
    Bare,
    Stopped,
}

impl Cutter {
    fn start_value(&mut self, b: u8, element: bool) -> Scan {
        self.element = element;
        match b {
            b'"' => Scan::String { escaped: false },
            b'{' | b'[' => Scan::Nested { depth: 1, string: false, escaped: false },
            // What [`skip_value`] rejects as no value.
            b',' | b']' | b'}' => Scan::Stopped,
            _ => Scan::Bare,
        }
    }

    fn value_done(&self) -> Scan {
        if self.element { Scan::AfterElement } else { Scan::Top }
    }
}

impl crate::input::chunks::Cutter<super::Carry> for Cutter {
    fn line(&mut self, line: &str) -> Option<super::Carry> {
        let carry = match self.state {
            Scan::Top | Scan::Stopped => Some(super::Carry::None),
            Scan::ArrayElement => Some(super::Carry::JsonArray),
            _ => None,
        };
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let white = b.is_ascii_whitespace();
            self.state = match self.state {
                Scan::Top | Scan::ArrayOpen | Scan::ArrayElement | Scan::AfterElement if white => self.state,
                Scan::Top if b == b'[' => Scan::ArrayOpen,
                Scan::Top => self.start_value(b, false),
                Scan::ArrayOpen if b == b']' => Scan::Top,
                Scan::ArrayOpen | Scan::ArrayElement => self.start_value(b, true),
                Scan::AfterElement => match b {
                    b',' => Scan::ArrayElement,
                    b']' => Scan::Top,
                    _ => Scan::Stopped,
                },
                Scan::String { escaped: true } => Scan::String { escaped: false },
                Scan::String { escaped: false } => match b {
                    b'\\' => Scan::String { escaped: true },
                    b'"' => self.value_done(),
                    _ => self.state,
                },
                Scan::Nested { depth, string: true, escaped: true } => {
                    Scan::Nested { depth, string: true, escaped: false }
                }
                Scan::Nested { depth, string: true, escaped: false } => match b {
                    b'\\' => Scan::Nested { depth, string: true, escaped: true },
                    b'"' => Scan::Nested { depth, string: false, escaped: false },
                    _ => self.state,
                },
                Scan::Nested { depth, .. } => match b {
                    b'"' => Scan::Nested { depth, string: true, escaped: false },
                    b'{' | b'[' => Scan::Nested { depth: depth + 1, string: false, escaped: false },
                    b'}' | b']' if depth == 1 => self.value_done(),
                    b'}' | b']' => Scan::Nested { depth: depth - 1, string: false, escaped: false },
                    _ => self.state,
                },
                // The value ends before a byte that cannot be in it, which is looked at again.
                Scan::Bare if white || matches!(b, b',' | b']' | b'}' | b'[' | b'{' | b'"') => {
                    self.state = self.value_done();
                    continue;
                }
                Scan::Bare | Scan::Stopped => self.state,
            };
            i += 1;
        }
        carry
    }
}

fn skip_ws(bytes: &[u8], pos: usize) -> usize {
    bytes[pos.min(bytes.len())..].iter().position(|b| !b.is_ascii_whitespace()).map_or(bytes.len(), |i| pos + i)
}

/// The end of the value starting at `pos`. Only strings and nesting are tracked; whether the
/// content is valid JSON is serde_json's business.
fn skip_value(bytes: &[u8], pos: usize) -> Result<usize, (usize, &'static str)> {
    match bytes.get(pos) {
        None => Err((pos, "expected a value, found the end of the file")),
        Some(b'"') => skip_string(bytes, pos),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = pos;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'"' => {
                        i = skip_string(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err((pos, "unterminated object or array"))
        }
        Some(_) => {
            let len = bytes[pos..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || matches!(b, b',' | b']' | b'}' | b'[' | b'{' | b'"'))
                .unwrap_or(bytes.len() - pos);
            if len == 0 { Err((pos, "expected a value")) } else { Ok(pos + len) }
        }
    }
}

/// The end of the string whose opening quote is at `pos`.
fn skip_string(bytes: &[u8], pos: usize) -> Result<usize, (usize, &'static str)> {
    let mut i = pos + 1;
    while let Some(found) = memchr::memchr2(b'"', b'\\', &bytes[i.min(bytes.len())..]) {
        i += found;
        if bytes[i] == b'"' {
            return Ok(i + 1);
        }
        i += 2;
    }
    Err((pos, "unterminated string"))
}

fn scan_problem(text: &str, error: &ScanError) -> Problem {
    let start = error.value_start;
    let first_line = line_of(text, start);
    // An element is read as the first of an array, `[` standing for the elements before it.
    let read = if error.element {
        serde_json::from_str::<IgnoredAny>(&format!("[{}", &text[start..])).err().map(|e| (e, 1))
    } else {
        serde_json::from_str::<IgnoredAny>(&text[start..]).err().map(|e| (e, 0))
    };
    match read {
        Some((e, prefix)) => serde_problem(text, start, prefix, first_line, &e),
        None => Problem::at(ProblemKind::Syntax, line_of(text, error.at), format!("invalid JSON: {}", error.reason)),
    }
}

/// serde_json's error for a slice starting at `start` (after `prefix` bytes of its own), moved to
/// the file's lines and columns.
fn serde_problem(text: &str, start: usize, prefix: usize, first_line: u32, e: &serde_json::Error) -> Problem {
    let message = e.to_string();
    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
    let relative_line = u32::try_from(e.line()).unwrap_or(u32::MAX).max(1);
    let column = if relative_line == 1 {
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        (start - line_start + e.column()).saturating_sub(prefix)
    } else {
        e.column()
    };
    Problem::at(
        ProblemKind::Syntax,
        first_line.saturating_add(relative_line - 1),
        format!("invalid JSON: {message} (column {column})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Get-NetIPAddress | Select-Object ... | ConvertTo-Json` as Windows PowerShell 5.1 writes it
    /// (four-space indent, two spaces after the colon), with CRLF.
    const PS51: &str = "[\r\n    {\r\n        \"InterfaceAlias\":  \"Corpnet\",\r\n        \"IPAddress\":  [\r\n                          \"192.168.0.4\",\r\n                          \"fe80::1\"\r\n                      ],\r\n        \"PrefixLength\":  24,\r\n        \"SkipAsSource\":  false,\r\n        \"ValidLifetime\":  null,\r\n        \"LastChange\":  \"\\/Date(1733390062000)\\/\",\r\n        \"Version\":  {\r\n                        \"Major\":  2,\r\n                        \"Minor\":  1,\r\n                        \"Build\":  0,\r\n                        \"Revision\":  0,\r\n                        \"MajorRevision\":  0,\r\n                        \"MinorRevision\":  0\r\n                    },\r\n        \"Adapter\":  {\r\n                        \"Name\":  \"Corpnet\",\r\n                        \"Speed\":  1.5,\r\n                        \"Tags\":  [\"a\", \"b\"]\r\n                    }\r\n    },\r\n    {\r\n        \"InterfaceAlias\":  \"Internet\",\r\n        \"IPAddress\":  \"10.0.0.5\"\r\n    }\r\n]\r\n";

    fn fields(record: &Record) -> Vec<(&str, &str)> {
        record.fields.iter().map(|(n, v)| (n.as_ref(), v.as_str())).collect()
    }

    #[test]
    fn windows_powershell_array_export() {
        let parsed = parse(PS51, Some("Get-NetIPAddress"));
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.records.len(), 2);
        let first = &parsed.records[0];
        assert_eq!(first.kind, RecordKind::PsObject);
        assert_eq!(
            fields(first),
            [
                ("InterfaceAlias", "Corpnet"),
                ("IPAddress", "192.168.0.4, fe80::1"),
                ("PrefixLength", "24"),
                ("SkipAsSource", "False"),
                ("ValidLifetime", ""),
                ("LastChange", "2024-12-05T09:14:22Z"),
                ("Version", "2.1.0.0"),
                ("Version.Major", "2"),
                ("Version.Minor", "1"),
                ("Version.Build", "0"),
                ("Version.Revision", "0"),
                ("Version.MajorRevision", "0"),
                ("Version.MinorRevision", "0"),
                ("Adapter", "@{Name=Corpnet; Speed=1.5; Tags={a, b}}"),
                ("Adapter.Name", "Corpnet"),
                ("Adapter.Speed", "1.5"),
                ("Adapter.Tags", "a, b"),
                ("producer", "Get-NetIPAddress"),
            ]
        );
        assert_eq!((first.span.first_line, first.span.last_line), (2, 25));
        assert!(PS51[first.span.bytes.clone()].starts_with('{'));
        assert!(PS51[first.span.bytes.clone()].ends_with('}'));
        let second = &parsed.records[1];
        assert_eq!((second.span.first_line, second.span.last_line), (26, 29));
        assert_eq!(second.get("ipaddress"), Some("10.0.0.5"));
    }

    #[test]
    fn single_object_powershell_7() {
        let text = "{\n  \"Name\": \"CceManagementService\",\n  \"Status\": 4,\n  \"StartTime\": \"2024-12-05T10:14:22.123+01:00\",\n  \"Path\": \"C:\\\\Program Files\\\\x\"\n}\n";
        let parsed = parse(text, None);
        assert!(parsed.problems.is_empty());
        assert_eq!(
            fields(&parsed.records[0]),
            [
                ("Name", "CceManagementService"),
                ("Status", "4"),
                ("StartTime", "2024-12-05T10:14:22.123+01:00"),
                ("Path", "C:\\Program Files\\x"),
            ]
        );
        assert_eq!((parsed.records[0].span.first_line, parsed.records[0].span.last_line), (1, 6));
    }

    #[test]
    fn appended_exports_and_bare_values() {
        let text = "{\"A\":1}\r\n[{\"B\":\"x]}\\\"\"}, \"2.1.0.0\"]\r\n[]\r\n";
        let parsed = parse(text, None);
        assert!(parsed.problems.is_empty());
        let all: Vec<_> = parsed.records.iter().map(fields).collect();
        assert_eq!(all, [vec![("A", "1")], vec![("B", "x]}\"")], vec![("value", "2.1.0.0")]]);
        assert_eq!(parsed.records[2].span.first_line, 2);
    }

    #[test]
    fn invalid_json_is_a_problem_with_its_line() {
        let text = "[\n  {\"A\": 1},\n  {\"B\": tru},\n  {\"C\": 3}\n]\n";
        let parsed = parse(text, None);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, Some(3));
        assert!(parsed.problems[0].message.starts_with("invalid JSON: "), "{}", parsed.problems[0].message);

        let parsed = parse("[\n  {\"A\": 1},\n  {\"B\": \"unterminated\n", None);
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, Some(3));
        assert_eq!(
            parsed.problems[0].message,
            "invalid JSON: control character (\\u0000-\\u001F) found while parsing a string (column 21)"
        );

        let parsed = parse("[{\"A\": 1} {\"B\": 2}]", None);
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.problems[0].line, Some(1));
    }

    #[test]
    fn junk_never_panics() {
        for text in [
            "",
            "   \r\n",
            "[",
            "]",
            "{",
            "}",
            "\"",
            "\"\\",
            "[,]",
            "[1,",
            "nul",
            "{}}",
            "[[[[",
            "\\/Date(",
            "{\"a\":\"\\",
        ] {
            let _ = parse(text, Some("x"));
        }
        assert!(parse("", None).records.is_empty());
        assert_eq!(parse("{}", Some("Get-VM")).records[0].get("producer"), Some("Get-VM"));
    }

    #[test]
    fn version_objects() {
        let version = |text: &str| parse(text, None).records[0].get("V").map(str::to_owned);
        let v =
            r#"{"V": {"Major": 4, "Minor": 0, "Build": -1, "Revision": -1, "MajorRevision": -1, "MinorRevision": -1}}"#;
        assert_eq!(version(v).as_deref(), Some("4.0"));
        let v = r#"{"V": {"Major": 4, "Minor": 0, "Build": 30319, "Revision": -1, "MajorRevision": -1, "MinorRevision": -1}}"#;
        assert_eq!(version(v).as_deref(), Some("4.0.30319"));
        let v = r#"{"V": {"Major": 4, "Major": 0, "Build": 1, "Revision": 2, "MajorRevision": 0, "MinorRevision": 2}}"#;
        assert!(version(v).is_some_and(|s| s.starts_with("@{")));
    }
}
