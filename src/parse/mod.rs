//! One parser per input kind; each turns decoded text into [`crate::record::Record`]s. The
//! output of Windows' own text tools (`ipconfig`, `systeminfo`, `certutil`) arrives inside
//! console captures and transcripts as text records, so [`ipconfig`] and [`certutil`] read
//! those records' lines rather than whole inputs.

pub mod cce_log;
pub mod certutil;
pub mod clixml;
pub mod command;
pub mod console;
pub mod csv;
pub mod document;
pub mod eventlog;
pub mod evtx;
pub mod ini;
pub mod ipconfig;
pub mod json;
pub mod kind;
pub mod lines;
pub mod producer;
pub mod script;
pub mod select_string;
pub mod transcript;
pub mod wevtutil;

use crate::record::{Parsed, Problem, ProblemKind};
pub use kind::{FileKind, classify};

/// What the parse of a chunk needs of the text before it: found by the kind's cutter
/// ([`FileKind::cutter`]) as it reads the lines, handed to [`parse_chunk`].
#[derive(Clone, Debug, Default)]
pub enum Carry {
    /// Nothing: the chunk starts the file, or its records need nothing of what came before.
    #[default]
    None,
    /// A CSV's header, and whether the chunk starts inside a runaway quoted value.
    Csv(csv::Carry),
    /// The chunk starts between the elements of a top-level JSON array.
    JsonArray,
    /// Where a CLIXML chunk starts, and the type names of the objects before it.
    Clixml(clixml::Carry),
}

/// Parses one decoded file of a known kind. `producer` is the cmdlet the file's name says
/// produced it, for console text and exports.
///
/// Event log records get their `Get-WinEvent` names here, after whichever parser read them,
/// so an event reads the same from Format-List text, a CSV, CLIXML or JSON (see [`eventlog`]);
/// objects no name or prompt attributes get the cmdlet their properties say (see
/// [`producer::infer_from_shape`]).
pub fn parse(kind: FileKind, text: &str, producer: Option<&str>) -> Parsed {
    parse_chunk(kind, text, producer, &Carry::None, true)
}

/// Parses one chunk of a file, starting where `carry` says; `last` when the file ends with it.
pub fn parse_chunk(kind: FileKind, text: &str, producer: Option<&str>, carry: &Carry, last: bool) -> Parsed {
    let mut parsed = match kind {
        FileKind::CceLog => cce_log::parse(text),
        FileKind::CloudConnectorIni => tag_ini(ini::parse(text), "cloudconnector"),
        FileKind::ModuleIni => tag_ini(ini::parse(text), "module"),
        FileKind::Ini => tag_ini(ini::parse(text), "ini"),
        FileKind::Transcript => transcript::parse(text),
        FileKind::Console => console::parse(text, producer),
        FileKind::JsonExport => json::parse_chunk(text, producer, matches!(carry, Carry::JsonArray), last),
        FileKind::ClixmlExport => {
            let carry = if let Carry::Clixml(carry) = carry { Some(carry) } else { None };
            clixml::parse_chunk(text, producer, carry, last)
        }
        FileKind::CsvExport => {
            let carry = if let Carry::Csv(carry) = carry { Some(carry) } else { None };
            csv::parse_chunk(text, producer, carry, last)
        }
        FileKind::Script => script::parse(text),
        FileKind::Document => document::parse(text),
        FileKind::WevtutilText => wevtutil::parse(text),
        // Read from bytes, not text: an .evtx in scan/file.rs, anything else binary not at all.
        FileKind::EventLogFile | FileKind::Binary => Parsed::default(),
    };
    eventlog::normalize(&mut parsed.records);
    producer::infer_from_shape(&mut parsed.records);
    parsed
}

/// Ini records say which ini they come from, so one rule can tell CloudConnector.ini from
/// module.ini.
fn tag_ini(mut parsed: Parsed, file: &'static str) -> Parsed {
    for record in &mut parsed.records {
        record.push("file", file);
    }
    parsed
}

/// Cuts every field longer than `max_bytes` (at a character boundary) and says so once per
/// record, so that one enormous line or message costs no more to match than the limit; the
/// kept part is still matched. Parsers see the whole text: a JSON export written on one line
/// must not lose its objects to a cut.
pub fn cut_long_fields(parsed: &mut Parsed, max_bytes: usize) {
    for record in &mut parsed.records {
        let mut longest = None;
        for (_, value) in &mut record.fields {
            if value.len() > max_bytes {
                longest = longest.max(Some(value.len()));
                value.truncate(value.floor_char_boundary(max_bytes));
            }
        }
        if let Some(len) = longest {
            parsed.problems.push(Problem::at(
                ProblemKind::RecordCut,
                record.span.first_line,
                format!("record cut at {max_bytes} bytes (--max-record-bytes); its longest field held {len}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_fields_are_cut_on_a_character_boundary_once_per_record() {
        let text = format!("{}\nshort\n", "é".repeat(10));
        let mut parsed = parse(FileKind::Console, &text, None);
        cut_long_fields(&mut parsed, 7);
        assert_eq!(parsed.records[0].get("line"), Some("ééé"), "7 bytes end inside the fourth é");
        assert_eq!(parsed.records[1].get("line"), Some("short"));
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(
            parsed.problems[0].to_string(),
            "line 1: record cut at 7 bytes (--max-record-bytes); its longest field held 20"
        );
    }
}
