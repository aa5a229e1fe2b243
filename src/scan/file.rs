//! One input, read and matched: whole when it is small, as a stream of chunks matched in
//! parallel when it is big, whether it is a file on disk, a zip entry, stdin or a FIFO. Every
//! text held counts against the scan's memory budget ([`crate::input::budget`]) until it is
//! matched. Either way only the records facts are drawn from outlive it, unless the records
//! themselves are what is asked for (`ccdiag records`).

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};

use rayon::prelude::*;

use super::{FileResult, InputReport, ScanOptions};
use crate::engine::evidence::{Excerpts, KeptExcerpts};
use crate::engine::{Engine, MatchHits};
use crate::input::budget::{Held, MemoryBudget};
use crate::input::chunks::{self, Chunk, ChunkReader};
use crate::input::decode::{self, StreamDecoder};
use crate::input::limits::TIME_LIMIT;
use crate::input::pipe::PipeReader;
use crate::input::{Content, DiskFile, SourceFile, read_file};
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
    let mut result = FileResult::unread(&source.path);
    if limits.out_of_time() {
        result.report.problems.push(Problem::file(ProblemKind::TimeLimit, TIME_LIMIT));
        return result;
    }
    let read = match &source.content {
        Content::Disk(disk) => return from_disk(to, disk, result, options),
        Content::Zip(entry) => {
            let len = entry.len();
            entry.read(|entry| from_stream(to, entry, Some(len), result, options))
        }
        Content::Stdin(stdin) => match stdin.take() {
            Some(stdin) => Ok(from_stream(to, stdin, None, result, options)),
            None => Err(Problem::file(ProblemKind::Unreadable, "stdin read twice")),
        },
        Content::Memory(Ok(bytes)) => match limits.memory.acquire(bytes.len() as u64, limits.deadline) {
            Some(held) => Ok(whole(to, bytes, held, result, options)),
            None => Err(Problem::file(ProblemKind::TimeLimit, TIME_LIMIT)),
        },
        Content::Memory(Err(problem)) => Err(problem.clone()),
    };
    read.unwrap_or_else(|problem| {
        let mut result = FileResult::unread(&source.path);
        result.report.problems.push(problem);
        result
    })
}

/// A file on disk: streamed when it is big, else read whole. A FIFO named on the command line
/// is streamed from a thread of its own, which the deadline does not wait for.
fn from_disk(to: Use<'_>, disk: &DiskFile, mut result: FileResult, options: &ScanOptions) -> FileResult {
    let limits = &options.limits;
    let metadata = std::fs::metadata(&disk.path);
    if metadata.as_ref().is_ok_and(|m| !m.is_file()) {
        if disk.found.is_some() {
            // The walk gives regular files only: this is no longer the file it found.
            result.report.problems.push(DiskFile::replaced());
            return result;
        }
        let path = disk.path.clone();
        let fifo = PipeReader::spawn(move || File::open(path)).until(limits.deadline);
        return from_stream(to, fifo, None, result, options);
    }
    if let Ok(meta) = &metadata
        && meta.len() > options.stream_threshold
        && meta.len() <= limits.max_file_size
    {
        match disk.open() {
            Ok(file) => return stream(to, file, rewind, result, options),
            Err(problem) => {
                result.report.problems.push(problem);
                return result;
            }
        }
    }
    let len = metadata.map_or(0, |m| m.len()).min(limits.max_file_size);
    let Some(held) = limits.memory.acquire(len, limits.deadline) else {
        result.report.problems.push(Problem::file(ProblemKind::TimeLimit, TIME_LIMIT));
        return result;
    };
    match read_file(disk, limits.max_file_size) {
        Ok(bytes) => whole(to, &bytes, held, result, options),
        Err(problem) => {
            result.report.problems.push(problem);
            result
        }
    }
}

/// A stream of `len` bytes, or of a length not known: read whole when it holds at most
/// `stream_threshold` bytes, as a file on disk would be, else as a stream of chunks.
fn from_stream(
    to: Use<'_>,
    reader: impl Read + Send,
    len: Option<u64>,
    mut result: FileResult,
    options: &ScanOptions,
) -> FileResult {
    let limits = &options.limits;
    let max_size = limits.max_file_size;
    let mut reader = reader.take(max_size);
    let threshold = options.stream_threshold.saturating_add(1);
    let Some(mut held) = limits.memory.acquire(len.unwrap_or(u64::MAX).min(threshold), limits.deadline) else {
        result.report.problems.push(Problem::file(ProblemKind::TimeLimit, TIME_LIMIT));
        return result;
    };
    let mut prefix = Vec::new();
    // What a stream gave before its writer went silent past the deadline is still read.
    let cut = match (&mut reader).take(threshold).read_to_end(&mut prefix) {
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut && !prefix.is_empty() => Some(Problem::file(
            ProblemKind::TimeLimit,
            format!("read stopped after {} bytes: time limit (--timeout)", prefix.len()),
        )),
        Err(e) => {
            result.report.problems.push(crate::input::read_problem(e));
            return result;
        }
    };
    let mut result = if cut.is_some() || (prefix.len() as u64) < threshold {
        held.resize(prefix.len() as u64);
        let mut result = whole(to, &prefix, held, result, options);
        result.report.problems.extend(cut);
        result
    } else {
        // The prefix is read again as the start of the first chunk, which holds it.
        drop(held);
        let memory = &limits.memory;
        let evtx = |head: Vec<u8>, rest| read_evtx(head, rest, len, memory, limits.deadline);
        stream(to, Cursor::new(prefix).chain(&mut reader), evtx, result, options)
    };
    if reader.limit() == 0 && reader.into_inner().read(&mut [0]).is_ok_and(|n| n > 0) {
        result.report.problems.push(Problem::file(
            ProblemKind::SizeLimit,
            format!("read stopped at the size limit of {max_size} bytes (--max-file-size): the rest not read"),
        ));
    }
    result
}

/// An .evtx file that is not on disk, read whole: its parser reads at random.
fn read_evtx(
    mut bytes: Vec<u8>,
    mut rest: impl Read,
    len: Option<u64>,
    memory: &MemoryBudget,
    deadline: Option<std::time::Instant>,
) -> Parsed {
    let Some(mut held) = memory.acquire(len.unwrap_or(bytes.len() as u64), deadline) else {
        return Parsed { problems: vec![Problem::file(ProblemKind::TimeLimit, TIME_LIMIT)], ..Parsed::default() };
    };
    if let Err(e) = rest.read_to_end(&mut bytes) {
        return Parsed { problems: vec![crate::input::read_problem(e)], ..Parsed::default() };
    }
    held.resize(bytes.len() as u64);
    evtx::parse(Cursor::new(bytes), None)
}

/// A file on disk read again from its start, for its events.
fn rewind(_head: Vec<u8>, mut file: File) -> Parsed {
    match file.seek(SeekFrom::Start(0)) {
        Ok(_) => evtx::parse(file, None),
        Err(e) => Parsed { problems: vec![crate::input::cannot_read(e)], ..Parsed::default() },
    }
}

/// An input read whole: `bytes`, held in the memory budget by `_held` until its text is
/// matched.
fn whole(to: Use<'_>, bytes: &[u8], _held: Held, mut result: FileResult, options: &ScanOptions) -> FileResult {
    let limits = &options.limits;
    if evtx::looks_like_evtx(bytes) {
        let parsed = evtx::parse(Cursor::new(bytes), None);
        return event_log(to, result, parsed);
    }
    if is_binary(bytes, &mut result.report) {
        return result;
    }
    let decoded = decode::decode(bytes);
    result.report.encoding = Some(decoded.encoding.name());
    result.report.problems.extend(decoded.problems);
    let kind = parse::classify(&result.report.path, &decoded.text);
    result.report.kind = Some(kind);
    let whole = Chunk { text: decoded.text, first_line: 1, offset: 0, last: true, carry: Carry::None };
    let chunk =
        process_chunk(to, &result.report.path, kind, result.producer.as_deref(), whole, limits.max_record_bytes);
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
    excerpts: KeptExcerpts,
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
            excerpts: KeptExcerpts::default(),
            stopped: false,
        }
    }

    /// Appends what a later stretch of the same chunk gave.
    fn merge(&mut self, later: ChunkResult) {
        self.records += later.records;
        self.problems.extend(later.problems);
        self.hits.merge(later.hits);
        self.kept.extend(later.kept);
        self.excerpts.append(later.excerpts);
        self.stopped |= later.stopped;
    }
}

/// Reads `reader` as a stream of chunks parsed and matched in parallel, each held in the
/// memory budget until it is matched; `evtx` reads an event log instead, given the head read
/// and the rest.
fn stream<R: Read + Send>(
    to: Use<'_>,
    mut reader: R,
    evtx: impl FnOnce(Vec<u8>, R) -> Parsed,
    mut result: FileResult,
    options: &ScanOptions,
) -> FileResult {
    let mut head = Vec::with_capacity(HEAD);
    if let Err(e) = (&mut reader).take(HEAD as u64).read_to_end(&mut head) {
        result.report.problems.push(crate::input::read_problem(e));
        return result;
    }
    if evtx::looks_like_evtx(&head) {
        let parsed = evtx(head, reader);
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
    let limits = &options.limits;
    let cutter = kind.cutter(limits.max_record_bytes);
    let mut reader =
        ChunkReader::new(Cursor::new(head).chain(reader), decoder, cutter, options.chunk_bytes).until(limits.deadline);
    let (path, producer) = (result.report.path.clone(), result.producer.clone());
    // Room for a chunk is taken before it is read, by the thread that then processes it (see
    // the budget's rules), and resized to what the chunk holds.
    let mut out_of_time = false;
    let held_chunks = std::iter::from_fn(|| {
        let Some(mut held) = limits.memory.acquire(options.chunk_bytes as u64, limits.deadline) else {
            out_of_time = true;
            return None;
        };
        let chunk = reader.next()?;
        held.resize(chunk.text.len() as u64);
        Some((held, chunk))
    });
    let chunks: Vec<ChunkResult> = held_chunks
        .par_bridge()
        .map(|(held, chunk)| {
            let matched = process_chunk(to, &path, kind, producer.as_deref(), chunk, limits.max_record_bytes);
            drop(held);
            matched
        })
        .collect();
    result.report.problems.extend(reader.problems());
    if out_of_time {
        let waited = format!("{TIME_LIMIT}: the rest, while waiting for memory (--max-memory)");
        result.report.problems.push(Problem::file(ProblemKind::TimeLimit, waited));
    }
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
        result.excerpts.append(chunk.excerpts);
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
        let (hits, kept, excerpts) = (MatchHits::default(), parsed.records, KeptExcerpts::default());
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
fn keep(mut records: Vec<Record>, text: &str, offset: usize) -> (Vec<Record>, KeptExcerpts) {
    crate::facts::keep(&mut records);
    // The newest log entry is kept for the collection time, never to be shown.
    let excerpts = KeptExcerpts::of(records.iter().filter(|r| r.kind != RecordKind::CceLog), text, offset);
    (records, excerpts)
}
