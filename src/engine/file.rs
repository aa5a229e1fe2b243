//! One input, read and matched: whole when it is small, as a stream of chunks matched in
//! parallel when it is big. Either way only the records facts are drawn from outlive it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Cursor, Read};

use rayon::prelude::*;

use super::{Engine, Excerpts, FileResult, InputHits, InputReport, ScanOptions};
use crate::facts::derive;
use crate::input::chunks::{self, Boundary, Chunk, ChunkReader};
use crate::input::classify::{self, FileKind};
use crate::input::decode::{self, StreamDecoder};
use crate::input::limits::TIME_LIMIT;
use crate::input::{Content, SourceFile};
use crate::parse::{self, cce_log};
use crate::record::{Problem, Record, RecordKind};

/// Bytes read to decide the encoding and the kind of a streamed file.
const HEAD: usize = 64 << 10;

pub(super) fn process(engine: &Engine, source: &SourceFile, options: &ScanOptions) -> FileResult {
    let limits = &options.limits;
    let max_file_size = limits.max_file_size;
    let mut report =
        InputReport { path: source.path.clone(), kind: None, encoding: None, records: 0, problems: Vec::new() };
    if limits.out_of_time() {
        report.problems.push(Problem::file(TIME_LIMIT));
        return empty(report);
    }
    if let Content::Disk(disk) = &source.content
        && let Ok(meta) = std::fs::metadata(&disk.path)
        && meta.len() > options.stream_threshold
        && meta.len() <= max_file_size
    {
        match disk.open() {
            Ok(file) => return stream(engine, file, report, options),
            Err(message) => {
                report.problems.push(Problem::file(message));
                return empty(report);
            }
        }
    }
    let bytes = match source.read(max_file_size) {
        Ok(bytes) => bytes,
        Err(message) => {
            report.problems.push(Problem::file(message));
            return empty(report);
        }
    };
    if decode::looks_binary(&bytes) {
        report.kind = Some(FileKind::Binary);
        report.problems.push(Problem::file("binary file, not read as text"));
        return empty(report);
    }
    let decoded = decode::decode(&bytes);
    drop(bytes);
    report.encoding = Some(decoded.encoding.name());
    report.problems.extend(decoded.problems);
    let kind = classify::classify(&source.path, &decoded.text);
    report.kind = Some(kind);
    let producer = classify::producer_from_name(&source.path);
    let whole = Chunk { text: decoded.text, first_line: 1, offset: 0, last: true };
    let result = process_chunk(engine, &source.path, kind, producer.as_deref(), whole, limits.max_record_bytes);
    finish(empty(report), vec![result], kind)
}

fn empty(report: InputReport) -> FileResult {
    FileResult { report, hits: InputHits::default(), kept: Vec::new(), excerpts: HashMap::new() }
}

/// What one chunk of an input gave.
struct ChunkResult {
    offset: usize,
    records: usize,
    problems: Vec<Problem>,
    hits: InputHits,
    kept: Vec<Record>,
    excerpts: HashMap<usize, String>,
}

impl ChunkResult {
    fn empty(offset: usize) -> ChunkResult {
        ChunkResult {
            offset,
            records: 0,
            problems: Vec::new(),
            hits: InputHits::default(),
            kept: Vec::new(),
            excerpts: HashMap::new(),
        }
    }

    /// Appends what a later stretch of the same chunk gave.
    fn merge(&mut self, later: ChunkResult) {
        self.records += later.records;
        self.problems.extend(later.problems);
        self.hits.merge(later.hits);
        self.kept.extend(later.kept);
        self.excerpts.extend(later.excerpts);
    }
}

fn stream(engine: &Engine, mut file: File, mut report: InputReport, options: &ScanOptions) -> FileResult {
    let mut head = vec![0; HEAD];
    let mut filled = 0;
    while filled < HEAD {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                report.problems.push(Problem::file(format!("cannot read: {e}")));
                return empty(report);
            }
        }
    }
    head.truncate(filled);
    if decode::looks_binary(&head) {
        report.kind = Some(FileKind::Binary);
        report.problems.push(Problem::file("binary file, not read as text"));
        return empty(report);
    }
    let kind = classify::classify(&report.path, &decode::decode(&head).text);
    report.kind = Some(kind);
    let boundary = match kind {
        FileKind::CceLog => Boundary::Entry,
        // Transcripts carry session state from their header; the other kinds are structured
        // exports or ini files, which are never this big in a real bundle: all of these are cut
        // only after a blank line, where no record of theirs continues.
        _ => Boundary::BlankLine,
    };
    let (decoder, skip) = StreamDecoder::for_head(&head);
    report.encoding = Some(decoder.encoding.name());
    let producer = classify::producer_from_name(&report.path);
    let path = report.path.clone();
    // Decoding starts after the BOM, if any.
    head.drain(..skip);
    let mut reader = ChunkReader::new(Cursor::new(head).chain(file), decoder, boundary, options.chunk_bytes);
    let chunks: Vec<ChunkResult> = reader
        .by_ref()
        .par_bridge()
        .map(|chunk| process_chunk(engine, &path, kind, producer.as_deref(), chunk, options.limits.max_record_bytes))
        .collect();
    report.problems.extend(reader.problems());
    finish(empty(report), chunks, kind)
}

/// Merges what the chunks of one input gave, in file order.
fn finish(mut result: FileResult, mut chunks: Vec<ChunkResult>, kind: FileKind) -> FileResult {
    // Chunks finish in any order; the report must not depend on which finished first.
    chunks.sort_by_key(|c| c.offset);
    for chunk in chunks {
        result.report.records += chunk.records;
        result.report.problems.extend(chunk.problems);
        result.hits.merge(chunk.hits);
        result.kept.extend(chunk.kept);
        result.excerpts.extend(chunk.excerpts);
    }
    if kind == FileKind::CceLog {
        // Only the newest entry of a log matters to facts (the collection time).
        let last = result.kept.iter().rposition(|r| r.kind == RecordKind::CceLog);
        let mut index = 0;
        result.kept.retain(|r| {
            let keep = r.kind != RecordKind::CceLog || Some(index) == last;
            index += 1;
            keep
        });
    }
    result
}

fn process_chunk(
    engine: &Engine,
    path: &str,
    kind: FileKind,
    producer: Option<&str>,
    chunk: Chunk,
    max_record_bytes: usize,
) -> ChunkResult {
    let text = Text { text: &chunk.text, offset: chunk.offset, first_line: chunk.first_line };
    if kind != FileKind::CceLog {
        return parse_and_match(engine, path, kind, producer, text, max_record_bytes);
    }
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
            chunks::cut_point(rest, LOG_PIECE, Boundary::Entry).unwrap_or(rest.len())
        };
        let piece = Text { text: &rest[..len], offset: chunk.offset + start, first_line };
        let must_parse = piece.offset == 0 || (chunk.last && start + len == chunk.text.len()) || len > max_record_bytes;
        if must_parse || engine.log_prefilter.may_match(piece.text) {
            result.merge(parse_and_match(engine, path, kind, producer, piece, max_record_bytes));
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
}

fn parse_and_match(
    engine: &Engine,
    path: &str,
    kind: FileKind,
    producer: Option<&str>,
    text: Text<'_>,
    max_record_bytes: usize,
) -> ChunkResult {
    let mut parsed = parse::parse(kind, text.text, producer);
    parse::cut_long_fields(&mut parsed, max_record_bytes);
    let line_shift = text.first_line.saturating_sub(1);
    for record in &mut parsed.records {
        record.span.bytes = record.span.bytes.start + text.offset..record.span.bytes.end + text.offset;
        record.span.first_line = record.span.first_line.saturating_add(line_shift);
        record.span.last_line = record.span.last_line.saturating_add(line_shift);
    }
    for problem in &mut parsed.problems {
        problem.line = problem.line.map(|l| l.saturating_add(line_shift));
    }
    let hits = engine.match_records(path, &Excerpts::Text { text: text.text, offset: text.offset }, &parsed.records);
    let records = parsed.records.len();
    let (kept, excerpts) = keep(parsed.records, text.text, text.offset);
    ChunkResult { offset: text.offset, records, problems: parsed.problems, hits, kept, excerpts }
}

/// The records facts are drawn from (see [`derive::reads`]), with their excerpts, for the
/// derived facts located at them. Everything else is dropped once matched, so memory does not
/// grow with the size of the bundle.
fn keep(records: Vec<Record>, text: &str, offset: usize) -> (Vec<Record>, HashMap<usize, String>) {
    let newest_entry = records.iter().rposition(|r| r.kind == RecordKind::CceLog);
    let kept: Vec<Record> = records
        .into_iter()
        .enumerate()
        .filter(|(i, r)| match r.kind {
            // The newest entry of a log gives the collection time.
            RecordKind::CceLog => Some(*i) == newest_entry,
            _ => derive::reads(r),
        })
        .map(|(_, r)| r)
        .collect();
    let excerpts = kept
        .iter()
        .filter(|r| r.kind != RecordKind::CceLog)
        .map(|r| (r.span.bytes.start, Excerpts::Text { text, offset }.of(r)))
        .collect();
    (kept, excerpts)
}
