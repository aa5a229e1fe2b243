//! Big files are read as a stream of decoded chunks that end where a record ends, so that
//! memory does not grow with the size of a log and the chunks of one file can be parsed and
//! matched in parallel. Line numbers and offsets continue across chunks, so a finding reads
//! the same as if the file had been read whole.

use std::io::Read;
use std::time::Instant;

use super::decode::StreamDecoder;

/// Where a chunk may end without cutting a record in two, and what the parse of the next chunk
/// needs of the text before it (`C`, opaque here). The reader knows bytes and lines, not
/// formats: the parser of the file's kind says, line by line, where its records may start
/// ([`crate::parse::FileKind::cutter`]).
pub trait Cutter<C>: Send {
    /// Sees each line once, in file order, with its line break (the file's last line may have
    /// none), and says whether a chunk may start with it: if so, with what the chunk's parse
    /// needs of the lines before.
    fn line(&mut self, line: &str) -> Option<C>;

    /// Problems that only the end of the file shows, once every line has been seen; the last
    /// chunk starts at line `_last_chunk_line`.
    fn finish(&mut self, _last_chunk_line: u32) -> Vec<crate::record::Problem> {
        Vec::new()
    }

    /// Whether what the cutter says of a line depends on that line and the one before only:
    /// then lines far before the target are not shown to it, which spares a log's chunks a
    /// look at every line (the line before the first one shown is shown first).
    fn local(&self) -> bool {
        false
    }
}

/// How far before the target a [`Cutter::local`] cutter starts looking.
const LOOK_BACK: usize = 4 << 10;

/// Where a cutter looking at `text` from `scanned` on goes on: if it is local and the target is
/// far ahead, from near the target, after being shown the line before.
fn skip_far_lines<C>(text: &str, scanned: usize, target: usize, cutter: &mut dyn Cutter<C>) -> usize {
    if !cutter.local() || scanned + LOOK_BACK >= target || target >= text.len() {
        return scanned;
    }
    let bytes = text.as_bytes();
    let line_start = memchr::memrchr(b'\n', &bytes[..target - LOOK_BACK]).map_or(0, |i| i + 1);
    let before = memchr::memrchr(b'\n', &bytes[..line_start.saturating_sub(1)]).map_or(0, |i| i + 1);
    if before <= scanned || line_start == 0 {
        return scanned;
    }
    cutter.line(&text[before..line_start]);
    line_start
}

/// A chunk may start before a line for which the function holds (a log entry's first line:
/// continuation lines stay with their entry).
pub struct BeforeLine(pub fn(&str) -> bool);

impl<C: Default> Cutter<C> for BeforeLine {
    fn line(&mut self, line: &str) -> Option<C> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        (self.0)(line.strip_suffix('\r').unwrap_or(line)).then(C::default)
    }

    fn local(&self) -> bool {
        true
    }
}

/// A chunk may start after a blank line: console records (error records, tables, lists) never
/// span one.
#[derive(Default)]
pub struct AfterBlankLine {
    previous_blank: bool,
}

impl<C: Default> Cutter<C> for AfterBlankLine {
    fn line(&mut self, line: &str) -> Option<C> {
        let cut = self.previous_blank;
        self.previous_blank = line.trim().is_empty();
        cut.then(C::default)
    }

    fn local(&self) -> bool {
        true
    }
}

/// A piece of decoded text and where it starts in the whole decoded file.
pub struct Chunk<C> {
    pub text: String,
    /// 1-based number of the chunk's first line.
    pub first_line: u32,
    /// Offset of the chunk's first byte in the whole decoded text.
    pub offset: usize,
    pub last: bool,
    /// What its parse needs of the text before it.
    pub carry: C,
}

/// Reads `reader` (positioned after any BOM) as chunks of about `target` bytes of text.
pub struct ChunkReader<R, C> {
    reader: R,
    decoder: Option<StreamDecoder>,
    cutter: Box<dyn Cutter<C>>,
    target: usize,
    pending: String,
    /// Where in `pending` the first line the cutter has not seen starts.
    scanned: usize,
    /// The last place seen so far, at or before the target, where the next chunk may start.
    best: Option<(usize, C)>,
    /// What the next chunk's parse needs.
    carry: C,
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

impl<R: Read, C: Default> ChunkReader<R, C> {
    pub fn new(reader: R, decoder: StreamDecoder, cutter: Box<dyn Cutter<C>>, target: usize) -> ChunkReader<R, C> {
        ChunkReader {
            reader,
            decoder: Some(decoder),
            cutter,
            target: target.max(1),
            pending: String::with_capacity(chunk_capacity(target.max(1))),
            scanned: 0,
            best: None,
            carry: C::default(),
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
    pub fn until(mut self, deadline: Option<Instant>) -> ChunkReader<R, C> {
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

impl<R: Read, C: Default> ChunkReader<R, C> {
    /// Shows the cutter the whole lines it has not seen and returns the cut: the last line start
    /// at or before the target where a chunk may start, else the first after it. Each line is
    /// seen once, however many reads a record runs on for, so time stays linear in its length.
    fn search(&mut self) -> Option<(usize, C)> {
        if self.best.is_none() {
            self.scanned = skip_far_lines(&self.pending, self.scanned, self.target, &mut *self.cutter);
        }
        while let Some(newline) = memchr::memchr(b'\n', &self.pending.as_bytes()[self.scanned..]) {
            let start = self.scanned;
            if start > self.target && self.best.is_some() {
                return self.best.take();
            }
            self.scanned = start + newline + 1;
            let carry = self.cutter.line(&self.pending[start..self.scanned]);
            if let Some(carry) = carry
                && start > 0
            {
                if start > self.target {
                    return Some((start, carry));
                }
                self.best = Some((start, carry));
            }
        }
        // The file's last line has no line break.
        let start = self.scanned;
        if self.eof && start < self.pending.len() && (start <= self.target || self.best.is_none()) {
            self.scanned = self.pending.len();
            if let Some(carry) = self.cutter.line(&self.pending[start..])
                && start > 0
            {
                self.best = Some((start, carry));
            }
        }
        if self.eof { self.best.take() } else { None }
    }

    /// Shows the cutter the rest of the file and keeps the problems only the end shows.
    fn finish_cutter(&mut self) {
        if !self.cutter.local() {
            let rest = &self.pending[self.scanned..];
            for line in rest.split_inclusive('\n') {
                self.cutter.line(line);
            }
        }
        self.scanned = self.pending.len();
        let last_chunk_line = self.next_line;
        self.problems.extend(self.cutter.finish(last_chunk_line));
    }
}

impl<R: Read, C: Default> Iterator for ChunkReader<R, C> {
    type Item = Chunk<C>;

    fn next(&mut self) -> Option<Chunk<C>> {
        let mut want = self.target;
        let cut = loop {
            self.fill(want);
            if self.pending.is_empty() {
                return None;
            }
            if self.eof && self.pending.len() <= self.target {
                break None;
            }
            match self.search() {
                Some(cut) => break Some(cut),
                None if self.eof => break None,
                // The record goes on past what has been read: read on before cutting.
                None => want = self.pending.len() + READ_BLOCK,
            }
        };
        let text = match cut {
            Some((cut, carry)) => {
                let mut rest = String::with_capacity(chunk_capacity(self.target));
                rest.push_str(&self.pending[cut..]);
                self.pending.truncate(cut);
                self.scanned -= cut;
                let carry = std::mem::replace(&mut self.carry, carry);
                (std::mem::replace(&mut self.pending, rest), carry)
            }
            None => {
                self.finish_cutter();
                self.scanned = 0;
                self.best = None;
                (std::mem::take(&mut self.pending), std::mem::take(&mut self.carry))
            }
        };
        let (text, carry) = text;
        // Whether this is the last chunk is known only once the reader says so.
        self.fill(1);
        let chunk = Chunk {
            first_line: self.next_line,
            offset: self.next_offset,
            last: self.eof && self.pending.is_empty(),
            text,
            carry,
        };
        let newlines = memchr::memchr_iter(b'\n', chunk.text.as_bytes()).count();
        self.next_line = self.next_line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.next_offset += chunk.text.len();
        Some(chunk)
    }
}

/// Where to end a chunk of `text` near `target` bytes, as a fresh `cutter` sees it: the last
/// line start at or before the target where a chunk may start, else the first after it; `None`
/// when the text holds none.
pub(crate) fn cut_point<C>(text: &str, target: usize, cutter: &mut dyn Cutter<C>) -> Option<usize> {
    let mut best = None;
    let mut start = skip_far_lines(text, 0, target, cutter);
    while start < text.len() && !(start > target && best.is_some()) {
        let end = memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i + 1);
        if cutter.line(&text[start..end]).is_some() && start > 0 {
            best = Some(start);
            if start > target {
                break;
            }
        }
        start = end;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::decode::StreamDecoder;

    fn chunks(text: &[u8], cutter: Box<dyn Cutter<()>>, target: usize) -> Vec<Chunk<()>> {
        let (decoder, skip) = StreamDecoder::for_head(text);
        ChunkReader::new(&text[skip..], decoder, cutter, target).collect()
    }

    #[test]
    fn log_chunks_end_before_an_entry_and_keep_counting_lines() {
        let log = "CceService Error: 0 : first\r\n   at A.B()\r\n   at C.D()\r\nCceService Information: 0 : second\r\n   x\r\nCceService Information: 0 : third\r\n";
        let parts = chunks(log.as_bytes(), Box::new(BeforeLine(|line| line.starts_with("CceService"))), 20);
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
        let parts = chunks(text.as_bytes(), Box::new(AfterBlankLine::default()), 3);
        let texts: Vec<&str> = parts.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["a\nb\n\n", "c\nd\n\n", "e\n"]);
    }

    #[test]
    fn a_chunk_waits_for_its_record_to_end_even_across_reads() {
        // Blocks of the reader end mid-line; no chunk may end there.
        let text = format!("{}\n\n{}\n\nend\n", "a".repeat(READ_BLOCK + 10), "b".repeat(5));
        let parts = chunks(text.as_bytes(), Box::new(AfterBlankLine::default()), 3);
        let texts: Vec<usize> = parts.iter().map(|c| c.text.len()).collect();
        assert_eq!(texts, [READ_BLOCK + 12, 7, 4]);
    }

    #[test]
    fn a_record_without_end_is_one_chunk() {
        let text = "x".repeat(100);
        let parts = chunks(text.as_bytes(), Box::new(AfterBlankLine::default()), 10);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].text.len(), 100);
    }

    #[test]
    fn reading_stops_at_the_deadline_and_says_so() {
        let text = "a\n\nb\n".repeat(1000);
        let (decoder, skip) = StreamDecoder::for_head(text.as_bytes());
        let past = Instant::now() - std::time::Duration::from_secs(1);
        let mut reader =
            ChunkReader::<_, ()>::new(&text.as_bytes()[skip..], decoder, Box::new(AfterBlankLine::default()), 64)
                .until(Some(past));
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
        let parts = chunks(text.as_bytes(), Box::new(AfterBlankLine::default()), 1024);
        let texts: Vec<&str> = parts.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts.concat(), text);
        assert_eq!(texts[0], format!("{long}\n"), "the first cut is after the long record's blank line");
        for chunk in &texts[..texts.len() - 1] {
            assert!(chunk.ends_with("\n\n"), "{:?}", &chunk[chunk.len().saturating_sub(40)..]);
        }
        // One line of 1 MiB and no newline at all is one chunk.
        let line = "x".repeat(1 << 20);
        assert_eq!(chunks(line.as_bytes(), Box::new(AfterBlankLine::default()), 1024).len(), 1);
    }
}
