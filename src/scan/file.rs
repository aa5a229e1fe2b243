//! One input, read and matched: whole when it is small, as a stream of chunks matched in
//! parallel when it is big. Either way only the records facts are drawn from outlive it, unless
//! the records themselves are what is asked for (`ccdiag records`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};

use rayon::prelude::*;

use super::{FileResult, InputReport, ScanOptions};
use crate::engine::evidence::Excerpts;
use crate::engine::{Engine, MatchHits};
use crate::input::chunks::{self, Chunk, ChunkReader};
use crate::input::decode::{self, StreamDecoder};
use crate::input::limits::TIME_LIMIT;
use crate::input::{Content, SourceFile};
use crate::parse::{self, Carry, FileKind, cce_log, evtx};
use crate::record::{Parsed, Problem, ProblemKind, Record, RecordKind};

/// Bytes read to decide the encoding and the kind of a streamed file.
const HEAD: usize = 64 << 10;

/// What the records of an input are for.
#[derive(Clone, Copy)]
pub(super) enum Use<'e> {
    /// Matched by the engine; only what facts read is kept.
    Match(&'e Engine),
    /// Kept, every one, matched by nothing.
    Records,
}

pub(super) fn process(to: Use<'_>, source: &SourceFile, options: &ScanOptions) -> FileResult {
    let limits = &options.limits;
    let max_file_size = limits.max_file_size;
    let mut result = FileResult::unread(&source.path);
    if limits.out_of_time() {
        result.report.problems.push(Problem::file(ProblemKind::TimeLimit, TIME_LIMIT));
        return result;
    }
    if let Content::Disk(disk) = &source.content
        && let Ok(meta) = std::fs::metadata(&disk.path)
        && meta.len() > options.stream_threshold
        && meta.len() <= max_file_size
    {
        match disk.open() {
            Ok(file) => return stream(to, file, result, options),
            Err(problem) => {
                result.report.problems.push(problem);
                return result;
            }
        }
    }
    let bytes = match source.read(max_file_size, limits.deadline) {
        Ok(bytes) => bytes,
        Err(problem) => {
            result.report.problems.push(problem);
            return result;
        }
    };
    if evtx::looks_like_evtx(&bytes) {
        let parsed = evtx::parse(Cursor::new(&*bytes), None);
        return event_log(to, result, parsed);
    }
    if is_binary(&bytes, &mut result.report) {
        return result;
    }
    let decoded = decode::decode(&bytes);
    drop(bytes);
    result.report.encoding = Some(decoded.encoding.name());
    result.report.problems.extend(decoded.problems);
    let kind = parse::classify(&source.path, &decoded.text);
    result.report.kind = Some(kind);
    let whole = Chunk { text: decoded.text, first_line: 1, offset: 0, last: true, carry: Carry::None };
    let chunk = process_chunk(to, &source.path, kind, result.producer.as_deref(), whole, limits.max_record_bytes);
    finish(to, result, vec![chunk])
}

/// The events of an .evtx file, matched: it is binary, read from its bytes a chunk at a time
/// (see [`evtx`]) and never decoded as text.
fn event_log(to: Use<'_>, mut result: FileResult, parsed: Parsed) -> FileResult {
    result.report.kind = Some(FileKind::EventLogFile);
    let records = parsed.records.len();
    let chunk = match to {
        Use::Records => {
            ChunkResult { records, problems: parsed.problems, kept: parsed.records, ..ChunkResult::empty(0) }
        }
        Use::Match(engine) => {
            // No text: an event's excerpt is made from its fields.
            let hits =
                engine.match_records(&result.report.path, &Excerpts::Text { text: "", offset: 0 }, &parsed.records);
            let (kept, excerpts) = keep(parsed.records, "", 0);
            ChunkResult { records, problems: parsed.problems, hits, kept, excerpts, ..ChunkResult::empty(0) }
        }
    };
    finish(to, result, vec![chunk])
}

/// Whether the bytes (a file's head or all of it) are not text; if so the report says so.
fn is_binary(bytes: &[u8], report: &mut InputReport) -> bool {
    let binary = decode::looks_binary(bytes);
    if binary {
        report.kind = Some(FileKind::Binary);
        report.problems.push(Problem::file(ProblemKind::Binary, "binary file, not read as text"));
    }
    binary
}

/// What one chunk of an input gave.
struct ChunkResult {
    offset: usize,
    records: usize,
    problems: Vec<Problem>,
    hits: MatchHits,
    kept: Vec<Record>,
    excerpts: HashMap<usize, String>,
    /// The parse stopped at an error: later chunks are not reported.
    stopped: bool,
}

impl ChunkResult {
    fn empty(offset: usize) -> ChunkResult {
        ChunkResult {
            offset,
            records: 0,
            problems: Vec::new(),
            hits: MatchHits::default(),
            kept: Vec::new(),
            excerpts: HashMap::new(),
            stopped: false,
        }
    }

    /// Appends what a later stretch of the same chunk gave.
    fn merge(&mut self, later: ChunkResult) {
        self.records += later.records;
        self.problems.extend(later.problems);
        self.hits.merge(later.hits);
        self.kept.extend(later.kept);
        self.excerpts.extend(later.excerpts);
        self.stopped |= later.stopped;
    }
}

fn stream(to: Use<'_>, mut file: File, mut result: FileResult, options: &ScanOptions) -> FileResult {
    let mut head = vec![0; HEAD];
    let mut filled = 0;
    while filled < HEAD {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                result.report.problems.push(crate::input::cannot_read(e));
                return result;
            }
        }
    }
    head.truncate(filled);
    if evtx::looks_like_evtx(&head) {
        let parsed = match file.seek(SeekFrom::Start(0)) {
            Ok(_) => evtx::parse(file, None),
            Err(e) => Parsed { problems: vec![crate::input::cannot_read(e)], ..Parsed::default() },
        };
        return event_log(to, result, parsed);
    }
    if is_binary(&head, &mut result.report) {
        return result;
    }
    let kind = parse::classify(&result.report.path, &decode::decode(&head).text);
    result.report.kind = Some(kind);
    let (decoder, skip) = StreamDecoder::for_head(&head);
    result.report.encoding = Some(decoder.encoding.name());
    // Decoding starts after the BOM, if any.
    head.drain(..skip);
    let cutter = kind.cutter(options.limits.max_record_bytes);
    let mut reader = ChunkReader::new(Cursor::new(head).chain(file), decoder, cutter, options.chunk_bytes)
        .until(options.limits.deadline);
    let (path, producer) = (result.report.path.clone(), result.producer.clone());
    let chunks: Vec<ChunkResult> = reader
        .by_ref()
        .par_bridge()
        .map(|chunk| process_chunk(to, &path, kind, producer.as_deref(), chunk, options.limits.max_record_bytes))
        .collect();
    result.report.problems.extend(reader.problems());
    finish(to, result, chunks)
}

/// Merges what the chunks of one input gave, in file order.
fn finish(to: Use<'_>, mut result: FileResult, mut chunks: Vec<ChunkResult>) -> FileResult {
    // Chunks finish in any order; the report must not depend on which finished first.
    chunks.sort_by_key(|c| c.offset);
    for chunk in chunks {
        result.report.records += chunk.records;
        result.report.problems.extend(chunk.problems);
        result.hits.merge(chunk.hits);
        result.kept.extend(chunk.kept);
        result.excerpts.extend(chunk.excerpts);
        if chunk.stopped {
            break;
        }
    }
    if let Use::Match(_) = to {
        crate::facts::keep(&mut result.kept);
    }
    result
}

fn process_chunk(
    to: Use<'_>,
    path: &str,
    kind: FileKind,
    producer: Option<&str>,
    chunk: Chunk<Carry>,
    max_record_bytes: usize,
) -> ChunkResult {
    let text = Text {
        text: &chunk.text,
        offset: chunk.offset,
        first_line: chunk.first_line,
        carry: &chunk.carry,
        last: chunk.last,
    };
    let engine = match to {
        Use::Match(engine) if kind == FileKind::CceLog => engine,
        _ => return parse_and_match(to, path, kind, producer, text, max_record_bytes),
    };
    // A log is matched piece by piece, and a piece in which no literal occurs is only counted.
    // Three kinds of piece are parsed whatever they hold: the file's first (lines before the
    // first entry may be facts), its last (the newest entry gives the collection time), and one
    // holding a record too long to keep whole (its cut must be reported).
    let mut result = ChunkResult::empty(chunk.offset);
    let mut start = 0;
    let mut first_line = chunk.first_line;
    while start < chunk.text.len() {
        let rest = &chunk.text[start..];
        let len = if rest.len() <= LOG_PIECE {
            rest.len()
        } else {
            chunks::cut_point(rest, LOG_PIECE, &mut *kind.cutter(max_record_bytes)).unwrap_or(rest.len())
        };
        let last = chunk.last && start + len == chunk.text.len();
        let piece = Text { text: &rest[..len], offset: chunk.offset + start, first_line, carry: &chunk.carry, last };
        let must_parse = piece.offset == 0 || last || len > max_record_bytes;
        if must_parse || engine.log_may_match(piece.text) {
            result.merge(parse_and_match(to, path, kind, producer, piece, max_record_bytes));
        } else {
            result.records += cce_log::count_records(piece.text);
        }
        let newlines = memchr::memchr_iter(b'\n', piece.text.as_bytes()).count();
        first_line = first_line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        start += len;
    }
    result
}

/// Bytes of a log matched at a time: a literal's hit costs parsing about this much around it.
const LOG_PIECE: usize = 64 << 10;

/// A stretch of an input's decoded text and where it stands in the whole.
#[derive(Clone, Copy)]
struct Text<'a> {
    text: &'a str,
    offset: usize,
    /// 1-based number of its first line.
    first_line: u32,
    /// What its parse needs of the text before it.
    carry: &'a Carry,
    /// Whether the file ends with it.
    last: bool,
}

fn parse_and_match(
    to: Use<'_>,
    path: &str,
    kind: FileKind,
    producer: Option<&str>,
    text: Text<'_>,
    max_record_bytes: usize,
) -> ChunkResult {
    let mut parsed = parse::parse_chunk(kind, text.text, producer, text.carry, text.last);
    parse::cut_long_fields(&mut parsed, max_record_bytes);
    parsed.shift(text.offset, text.first_line.saturating_sub(1));
    let records = parsed.records.len();
    let Use::Match(engine) = to else {
        let (hits, kept, excerpts) = (MatchHits::default(), parsed.records, HashMap::new());
        let stopped = parsed.stopped;
        return ChunkResult { offset: text.offset, records, problems: parsed.problems, hits, kept, excerpts, stopped };
    };
    let hits = engine.match_records(path, &Excerpts::Text { text: text.text, offset: text.offset }, &parsed.records);
    let (kept, excerpts) = keep(parsed.records, text.text, text.offset);
    ChunkResult {
        offset: text.offset,
        records,
        problems: parsed.problems,
        hits,
        kept,
        excerpts,
        stopped: parsed.stopped,
    }
}

/// The records facts read ([`crate::facts::keep`]), with their excerpts, for the derived facts
/// located at them.
fn keep(mut records: Vec<Record>, text: &str, offset: usize) -> (Vec<Record>, HashMap<usize, String>) {
    crate::facts::keep(&mut records);
    let excerpts = records
        .iter()
        .filter(|r| r.kind != RecordKind::CceLog)
        .map(|r| (r.span.bytes.start, Excerpts::Text { text, offset }.of(r)))
        .collect();
    (records, excerpts)
}
