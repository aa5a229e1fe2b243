//! Big files are read as a stream of decoded chunks that end where a record ends, so that
//! memory does not grow with the size of a log and the chunks of one file can be parsed and
//! matched in parallel. Line numbers and offsets continue across chunks, so a finding reads
//! the same as if the file had been read whole.

use std::io::Read;
use std::time::Instant;

use super::decode::StreamDecoder;

/// How a chunk may end without cutting a record in two. The reader knows bytes and lines, not
/// formats: the parser of the file's kind says where its records start.
#[derive(Clone, Copy, Debug)]
pub enum Boundary {
    /// Before a line for which the function holds (a log entry's first line: continuation
    /// lines stay with their entry).
    Before(fn(&str) -> bool),
    /// After a blank line: console records (error records, tables, lists) never span one.
    BlankLine,
    /// Nowhere: the file is one document (a JSON or CLIXML export) or its records may hold any
    /// line (a CSV's quoted value holds blank lines), so it is read whole.
    Never,
}

/// A piece of decoded text and where it starts in the whole decoded file.
pub struct Chunk {
    pub text: String,
    /// 1-based number of the chunk's first line.
    pub first_line: u32,
    /// Offset of the chunk's first byte in the whole decoded text.
    pub offset: usize,
    pub last: bool,
}

/// Reads `reader` (positioned after any BOM) as chunks of about `target` bytes of text.
pub struct ChunkReader<R> {
    reader: R,
    decoder: Option<StreamDecoder>,
    boundary: Boundary,
    target: usize,
    pending: String,
    buffer: Vec<u8>,
    next_line: u32,
    next_offset: usize,
    eof: bool,
    /// Reading stops here, with a problem: the chunks read so far are still reported.
    deadline: Option<Instant>,
    read: u64,
    problems: Vec<crate::record::Problem>,
}

/// Bytes read from the file per call: small enough for the block to stay in the core's cache
/// between the kernel's copy into it and the decoder's pass over it. 1 MiB blocks made that
/// copy run at a third of the speed.
const READ_BLOCK: usize = 128 << 10;

/// Room for a chunk of `target` bytes of text and the reads that reach past it (a UTF-16 block
/// decodes to at most one and a half times its size), so a chunk's text never grows, and never
/// copies itself, while it is filled.
fn chunk_capacity(target: usize) -> usize {
    target + 2 * READ_BLOCK
}

impl<R: Read> ChunkReader<R> {
    pub fn new(reader: R, decoder: StreamDecoder, boundary: Boundary, target: usize) -> ChunkReader<R> {
        ChunkReader {
            reader,
            decoder: Some(decoder),
            boundary,
            target: target.max(1),
            pending: String::with_capacity(chunk_capacity(target.max(1))),
            buffer: vec![0; READ_BLOCK],
            next_line: 1,
            next_offset: 0,
            eof: false,
            deadline: None,
            read: 0,
            problems: Vec::new(),
        }
    }

    /// Stops reading at `deadline` (`--timeout`).
    pub fn until(mut self, deadline: Option<Instant>) -> ChunkReader<R> {
        self.deadline = deadline;
        self
    }

    /// Decoding and reading problems, once the reader is exhausted.
    pub fn problems(&mut self) -> Vec<crate::record::Problem> {
        std::mem::take(&mut self.problems)
    }

    /// Reads and decodes until `want` bytes of text are pending or the input ends.
    fn fill(&mut self, want: usize) {
        while !self.eof && self.pending.len() < want {
            let Some(decoder) = self.decoder.as_mut() else { return };
            // A stream read on a thread of its own (stdin, a FIFO) says it timed out itself.
            let read = if self.deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                Err(std::io::ErrorKind::TimedOut.into())
            } else {
                self.reader.read(&mut self.buffer)
            };
            match read {
                Ok(0) => {
                    decoder.push(&[], true, &mut self.pending);
                    self.eof = true;
                }
                Ok(n) => {
                    self.read += n as u64;
                    decoder.push(&self.buffer[..n], false, &mut self.pending);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.problems.push(if e.kind() == std::io::ErrorKind::TimedOut {
                        crate::record::Problem::file(
                            crate::record::ProblemKind::TimeLimit,
                            format!("read stopped after {} bytes: time limit (--timeout)", self.read),
                        )
                    } else {
                        crate::record::Problem::file(
                            crate::record::ProblemKind::Unreadable,
                            format!("read stopped: {e}"),
                        )
                    });
                    decoder.push(&[], true, &mut self.pending);
                    self.eof = true;
                }
            }
        }
        if self.eof
            && let Some(decoder) = self.decoder.take()
        {
            self.problems.extend(decoder.finish());
        }
    }
}

impl<R: Read> Iterator for ChunkReader<R> {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        let mut want = self.target;
        // Where the search for a cut goes on from once what was read held none: the last
        // newline, whose line was not complete then, and how far newlines were looked for. Only
        // the lines read since can hold a cut, so a record that runs on costs one pass over it,
        // not one per read.
        let mut searched: Option<(Option<usize>, usize)> = None;
        let cut = loop {
            self.fill(want);
            if self.pending.is_empty() {
                return None;
            }
            if self.eof && self.pending.len() <= self.target {
                break self.pending.len();
            }
            let found = match searched {
                None => cut_point(&self.pending, self.target.min(self.pending.len()), self.boundary),
                Some((last_newline, scanned)) => {
                    first_cut_in_complete_lines(&self.pending, last_newline, scanned, self.boundary)
                }
            };
            match found {
                Some(cut) => break cut,
                None if self.eof => break self.pending.len(),
                // The record goes on past what has been read: read on before cutting. The last
                // line may be incomplete, so the search resumes at its start.
                None => {
                    let (last_newline, scanned) = searched.unwrap_or((None, 0));
                    let new = &self.pending.as_bytes()[scanned..];
                    let last_newline = memchr::memrchr(b'\n', new).map(|i| scanned + i).or(last_newline);
                    searched = Some((last_newline, self.pending.len()));
                    want = self.pending.len() + READ_BLOCK;
                }
            }
        };
        let mut rest = String::with_capacity(chunk_capacity(self.target));
        rest.push_str(&self.pending[cut..]);
        self.pending.truncate(cut);
        let text = std::mem::replace(&mut self.pending, rest);
        // Whether this is the last chunk is known only once the reader says so.
        self.fill(1);
        let chunk = Chunk {
            first_line: self.next_line,
            offset: self.next_offset,
            last: self.eof && self.pending.is_empty(),
            text,
        };
        let newlines = memchr::memchr_iter(b'\n', chunk.text.as_bytes()).count();
        self.next_line = self.next_line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.next_offset += chunk.text.len();
        Some(chunk)
    }
}

/// Where to end a chunk of `text` near `target` bytes: the last boundary at or before it,
/// else the first one after it; `None` when the text holds none.
pub(crate) fn cut_point(text: &str, target: usize, boundary: Boundary) -> Option<usize> {
    let bytes = text.as_bytes();
    // Line starts before the target, nearest first.
    let mut end = target;
    while let Some(newline) = memchr::memrchr(b'\n', &bytes[..end]) {
        let start = newline + 1;
        if start > 0 && start < bytes.len() && is_cut(text, start, boundary) {
            return Some(start);
        }
        end = newline;
    }
    // None before: the first after.
    first_cut_after(text, target, boundary)
}

/// The first cut point at the start of a line that ends in `text`, among the line after
/// `last_newline` (incomplete when it was last looked at) and those starting past `scanned`.
/// A line still being read is looked at once it is whole, so that a line longer than many
/// reads is not looked through again after each one.
fn first_cut_in_complete_lines(
    text: &str,
    last_newline: Option<usize>,
    scanned: usize,
    boundary: Boundary,
) -> Option<usize> {
    let bytes = text.as_bytes();
    let newlines = last_newline.into_iter().chain(memchr::memchr_iter(b'\n', &bytes[scanned..]).map(|i| scanned + i));
    let mut previous = None;
    for newline in newlines {
        // The line after `previous` ends at `newline`: it is whole.
        if let Some(start) = previous.map(|p: usize| p + 1)
            && is_cut(text, start, boundary)
        {
            return Some(start);
        }
        previous = Some(newline);
    }
    None
}

/// The first cut point at a line start after byte `from`.
fn first_cut_after(text: &str, from: usize, boundary: Boundary) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'\n', &bytes[from..])
        .map(|newline| from + newline + 1)
        .find(|&start| start < bytes.len() && is_cut(text, start, boundary))
}

/// Whether a chunk may start at `line_start`, a line start of `text`.
fn is_cut(text: &str, line_start: usize, boundary: Boundary) -> bool {
    let bytes = text.as_bytes();
    match boundary {
        Boundary::Before(starts_record) => {
            let line_end = memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
            starts_record(text[line_start..line_end].trim_end_matches('\r'))
        }
        // Cut after a blank line: the line before `line_start` is empty.
        Boundary::BlankLine => {
            let before = &bytes[..line_start.saturating_sub(1)];
            let previous_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
            line_start > 0 && text[previous_start..line_start - 1].trim().is_empty()
        }
        Boundary::Never => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::decode::StreamDecoder;

    fn chunks(text: &[u8], boundary: Boundary, target: usize) -> Vec<Chunk> {
        let (decoder, skip) = StreamDecoder::for_head(text);
        ChunkReader::new(&text[skip..], decoder, boundary, target).collect()
    }

    #[test]
    fn log_chunks_end_before_an_entry_and_keep_counting_lines() {
        let log = "CceService Error: 0 : first\r\n   at A.B()\r\n   at C.D()\r\nCceService Information: 0 : second\r\n   x\r\nCceService Information: 0 : third\r\n";
        let parts = chunks(log.as_bytes(), Boundary::Before(|line| line.starts_with("CceService")), 20);
        let texts: Vec<&str> = parts.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts.concat(), log);
        assert!(parts.iter().all(|c| c.text.starts_with("CceService")), "{texts:?}");
        assert_eq!(parts.iter().map(|c| c.first_line).collect::<Vec<_>>(), [1, 4, 6]);
        assert_eq!(parts[1].offset, parts[0].text.len());
        assert!(parts.last().unwrap().last);
    }

    #[test]
    fn console_chunks_end_after_blank_lines() {
        let text = "a\nb\n\nc\nd\n\ne\n";
        let parts = chunks(text.as_bytes(), Boundary::BlankLine, 3);
        let texts: Vec<&str> = parts.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["a\nb\n\n", "c\nd\n\n", "e\n"]);
    }

    #[test]
    fn a_chunk_waits_for_its_record_to_end_even_across_reads() {
        // Blocks of the reader end mid-line; no chunk may end there.
        let text = format!("{}\n\n{}\n\nend\n", "a".repeat(READ_BLOCK + 10), "b".repeat(5));
        let parts = chunks(text.as_bytes(), Boundary::BlankLine, 3);
        let texts: Vec<usize> = parts.iter().map(|c| c.text.len()).collect();
        assert_eq!(texts, [READ_BLOCK + 12, 7, 4]);
    }

    #[test]
    fn a_record_without_end_is_one_chunk() {
        let text = "x".repeat(100);
        let parts = chunks(text.as_bytes(), Boundary::BlankLine, 10);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].text.len(), 100);
    }

    #[test]
    fn reading_stops_at_the_deadline_and_says_so() {
        let text = "a\n\nb\n".repeat(1000);
        let (decoder, skip) = StreamDecoder::for_head(text.as_bytes());
        let past = Instant::now() - std::time::Duration::from_secs(1);
        let mut reader = ChunkReader::new(&text.as_bytes()[skip..], decoder, Boundary::BlankLine, 64).until(Some(past));
        assert_eq!(reader.by_ref().count(), 0);
        let problems = reader.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, crate::record::ProblemKind::TimeLimit);
        assert_eq!(problems[0].message, "read stopped after 0 bytes: time limit (--timeout)");
    }

    #[test]
    fn a_record_longer_than_many_reads_is_cut_where_it_ends() {
        // 600 KiB without a blank line (several reads), then blank-line separated records.
        let long: String = (0..20_000).map(|i| format!("row {i:05} of a table without blank lines\n")).collect();
        let text = format!("{long}\nafter 1\n\nafter 2\n\n{long}");
        let parts = chunks(text.as_bytes(), Boundary::BlankLine, 1024);
        let texts: Vec<&str> = parts.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts.concat(), text);
        assert_eq!(texts[0], format!("{long}\n"), "the first cut is after the long record's blank line");
        for chunk in &texts[..texts.len() - 1] {
            assert!(chunk.ends_with("\n\n"), "{:?}", &chunk[chunk.len().saturating_sub(40)..]);
        }
        // One line of 1 MiB and no newline at all is one chunk.
        let line = "x".repeat(1 << 20);
        assert_eq!(chunks(line.as_bytes(), Boundary::BlankLine, 1024).len(), 1);
    }
}
