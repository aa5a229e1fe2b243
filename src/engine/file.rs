//! One input, read and matched: whole when it is small, as a stream of chunks matched in
//! parallel when it is big. Either way only the records facts are drawn from outlive it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Cursor, Read};

use rayon::prelude::*;

use super::{Engine, Excerpts, FileResult, InputHits, InputReport, ScanOptions};
use crate::facts::derive;
use crate::input::chunks::{Boundary, Chunk, ChunkReader};
use crate::input::classify::{self, FileKind};
use crate::input::decode::{self, StreamDecoder};
use crate::input::limits::TIME_LIMIT;
use crate::input::{Content, SourceFile};
use crate::parse::{self, cce_log};
use crate::record::{Problem, Record, RecordKind};

use super::matcher::fold_into;

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
    if let Content::Disk(path) = &source.content
        && let Ok(meta) = std::fs::metadata(path)
        && meta.len() > options.stream_threshold
        && meta.len() <= max_file_size
        && let Ok(file) = File::open(path)
    {
        return stream(engine, file, report, options);
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
    let mut parsed = parse::parse(kind, &decoded.text, producer.as_deref());
    parse::cut_long_fields(&mut parsed, limits.max_record_bytes);
    report.records = parsed.records.len();
    report.problems.extend(parsed.problems);
    // A log in which no signature literal occurs needs no record matched, only its record
    // kinds counted as read (folding it once is cheaper than folding each entry).
    let hits = if kind == FileKind::CceLog && !engine.may_match(&decoded.text, &[RecordKind::CceLog, RecordKind::Text])
    {
        InputHits { kinds_seen: parsed.records.iter().map(|r| r.kind).collect(), ..InputHits::default() }
    } else {
        engine.match_records(&source.path, &Excerpts::Text { text: &decoded.text, offset: 0 }, &parsed.records)
    };
    let (kept, excerpts) = keep(parsed.records, &decoded.text, 0);
    FileResult { report, hits, kept, excerpts }
}

fn empty(report: InputReport) -> FileResult {
    FileResult { report, hits: InputHits::default(), kept: Vec::new(), excerpts: HashMap::new() }
}

/// What one chunk of a streamed file gave.
struct ChunkResult {
    offset: usize,
    records: usize,
    problems: Vec<Problem>,
    hits: InputHits,
    kept: Vec<Record>,
    excerpts: HashMap<usize, String>,
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
    let mut chunks: Vec<ChunkResult> = reader
        .by_ref()
        .par_bridge()
        .map(|chunk| process_chunk(engine, &path, kind, producer.as_deref(), chunk, options.limits.max_record_bytes))
        .collect();
    report.problems.extend(reader.problems());
    // Chunks finish in any order; the report must not depend on which finished first.
    chunks.sort_by_key(|c| c.offset);
    let mut result = empty(report);
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
    let mut result = ChunkResult {
        offset: chunk.offset,
        records: 0,
        problems: Vec::new(),
        hits: InputHits::default(),
        kept: Vec::new(),
        excerpts: HashMap::new(),
    };
    // A log chunk that holds no signature literal gives nothing but its entry count; the last
    // one is still parsed for the newest entry's time.
    if kind == FileKind::CceLog
        && !chunk.last
        && !engine.may_match(&chunk.text, &[RecordKind::CceLog, RecordKind::Text])
    {
        result.records = chunk.text.lines().filter(|l| cce_log::starts_entry(l.trim_end_matches('\r'))).count();
        return result;
    }
    let mut parsed = parse::parse(kind, &chunk.text, producer);
    parse::cut_long_fields(&mut parsed, max_record_bytes);
    let line_shift = chunk.first_line.saturating_sub(1);
    for record in &mut parsed.records {
        record.span.bytes = record.span.bytes.start + chunk.offset..record.span.bytes.end + chunk.offset;
        record.span.first_line = record.span.first_line.saturating_add(line_shift);
        record.span.last_line = record.span.last_line.saturating_add(line_shift);
    }
    for problem in &mut parsed.problems {
        problem.line = problem.line.map(|l| l.saturating_add(line_shift));
    }
    result.records = parsed.records.len();
    result.problems = parsed.problems;
    result.hits =
        engine.match_records(path, &Excerpts::Text { text: &chunk.text, offset: chunk.offset }, &parsed.records);
    let (kept, excerpts) = keep(parsed.records, &chunk.text, chunk.offset);
    result.kept = kept;
    result.excerpts = excerpts;
    result
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

impl Engine {
    /// Whether any signature literal of rules reading `kinds` occurs in `text`, folded as the
    /// matcher folds fields. Folding the whole text is as exact as folding its records'
    /// fields: every field of a log entry or a text line is a stretch of that text.
    pub(super) fn may_match(&self, text: &str, kinds: &[RecordKind]) -> bool {
        let mut folded = Vec::with_capacity(text.len());
        fold_into(text, &mut folded);
        kinds.iter().any(|&kind| {
            let index = &self.by_kind[kind as usize];
            !index.ungated.is_empty() || index.automaton.as_ref().is_some_and(|a| a.is_match(folded.as_slice()))
        })
    }
}
