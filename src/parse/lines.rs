//! Line iteration shared by the parsers: byte offsets and 1-based numbers, CR stripped.

/// One line of decoded text, without its terminator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    pub text: &'a str,
    /// Byte offset of the line's first character in the whole text.
    pub start: usize,
    /// Byte offset just past the line's last character (terminator excluded).
    pub end: usize,
    /// 1-based line number.
    pub number: u32,
}

/// Splits on `\n` with memchr; a `\r` before it belongs to the terminator, so CRLF and LF files
/// yield the same lines.
pub fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let bytes = text.as_bytes();
    let mut start = 0usize;
    let mut number = 0u32;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let nl = memchr::memchr(b'\n', &bytes[start..]).map(|i| start + i);
        let line_end = nl.unwrap_or(bytes.len());
        let end = if line_end > start && bytes[line_end - 1] == b'\r' { line_end - 1 } else { line_end };
        let line = Line { text: &text[start..end], start, end, number: number.saturating_add(1) };
        number = number.saturating_add(1);
        start = nl.map_or(bytes.len(), |i| i + 1);
        Some(line)
    })
}

/// All lines of `text`, in a vector sized once: growing it line by line would copy a big
/// chunk's lines several times over.
pub fn all_lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    out.extend(lines(text));
    out
}

/// The 1-based line of byte offsets into one text, asked in (mostly) increasing order: each
/// answer counts only the newlines since the one before, so numbering a file's records stays
/// linear; an earlier offset starts the count again.
#[derive(Default)]
pub struct LineCounter {
    offset: usize,
    newlines: usize,
}

impl LineCounter {
    pub fn line_at(&mut self, text: &str, offset: usize) -> u32 {
        let offset = offset.min(text.len());
        if offset < self.offset {
            *self = LineCounter::default();
        }
        self.newlines += memchr::memchr_iter(b'\n', &text.as_bytes()[self.offset..offset]).count();
        self.offset = offset;
        u32::try_from(self.newlines.saturating_add(1)).unwrap_or(u32::MAX)
    }
}

/// The 1-based line of one byte offset.
pub fn line_of(text: &str, offset: usize) -> u32 {
    LineCounter::default().line_at(text, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_lf_give_the_same_lines() {
        let crlf: Vec<_> = lines("a\r\nbb\r\n\r\nc").map(|l| (l.text, l.number)).collect();
        let lf: Vec<_> = lines("a\nbb\n\nc").map(|l| (l.text, l.number)).collect();
        assert_eq!(crlf, vec![("a", 1), ("bb", 2), ("", 3), ("c", 4)]);
        assert_eq!(crlf, lf);
    }

    #[test]
    fn line_counts_go_forward_and_back() {
        let text = "a\nb\nc";
        let mut lines = LineCounter::default();
        assert_eq!([0, 2, 4, 99].map(|o| lines.line_at(text, o)), [1, 2, 3, 3]);
        assert_eq!(lines.line_at(text, 2), 2);
        assert_eq!(line_of(text, 3), 2);
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "one\r\ntwo\n";
        let l: Vec<_> = lines(text).collect();
        assert_eq!(&text[l[1].start..l[1].end], "two");
        assert_eq!(l.len(), 2);
    }
}
