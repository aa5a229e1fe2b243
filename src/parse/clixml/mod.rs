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
//!
//! [`xml`] tokenizes, [`reader`] builds values from the tokens, [`render`] turns values into
//! field text, [`value`] is what they hold, [`scalars`] reads the typed scalars (TimeSpans, `_xHHHH_` escapes).

mod cut;
mod reader;
mod render;
mod scalars;
#[cfg(test)]
mod tests;
mod value;
mod xml;

pub use cut::{Carry, Cutter};
use reader::Reader;

use crate::record::{Parsed, Problem, ProblemKind};

/// How deep values may nest (a top-level object is depth 1). Export-Clixml's default depth is
/// 2 and `-Depth` values people use stay far below this.
const MAX_DEPTH: usize = 64;

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
    parse_chunk(text, producer, None, true)
}

/// Parses a chunk of an export: the file's start, or where `carry` says, with the type names
/// of the objects before it. `last` when the file ends with the chunk (an earlier one may end
/// inside `<Objs>`). An error stops the parse, as it stops reading a whole file.
pub fn parse_chunk(text: &str, producer: Option<&str>, carry: Option<&Carry>, last: bool) -> Parsed {
    let mut reader = Reader::new(text);
    reader.open_end = !last;
    let mut out = Parsed::default();
    let read = match carry {
        None => reader.document(producer, &mut out),
        Some(carry) => {
            reader.resumed = true;
            reader.type_names =
                carry.type_names.iter().map(|(id, names)| (id.clone(), names.as_slice().into())).collect();
            let objs = if carry.in_objs { reader.objs(producer, &mut out) } else { Ok(()) };
            objs.and_then(|()| reader.document(producer, &mut out))
        }
    };
    if let Err(error) = read {
        let line = reader.lines.line_at(text, error.at);
        out.problems.push(Problem::at(ProblemKind::Syntax, line, format!("invalid CLIXML: {}", error.message)));
        out.stopped = true;
    }
    out
}
