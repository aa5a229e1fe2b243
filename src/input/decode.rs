//! Turning the bytes of a file into text.
//!
//! CCE hosts leave text in several encodings: Windows PowerShell's `>` and `Out-File` write
//! UTF-16LE with a BOM, some tools strip that BOM (or never write one), PowerShell 7 and
//! `Set-Content -Encoding UTF8` write UTF-8 with or without a BOM, and older tools write the ANSI
//! code page (Windows-1252 on the hosts we see). Logs cut short by a crash are often padded with
//! NULs. Parsers only ever see the decoded `String`, which never contains `'\0'`.

use std::borrow::Cow;

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::record::{Problem, ProblemKind};

/// How much of a file the statistical tests look at: enough for a stable estimate, small
/// enough to stay cheap on huge logs.
const SNIFF_LEN: usize = 8 * 1024;

/// A run of NULs at least this long is padding (a preallocated or crash-truncated log), not
/// part of a binary structure.
const PADDING_RUN: usize = 32;

/// The encoding a file was decoded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16LeBom,
    Utf16BeBom,
    /// UTF-16LE without a BOM, recognised by its NUL bytes.
    Utf16Le,
    Windows1252,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16LeBom => "utf-16le-bom",
            Encoding::Utf16BeBom => "utf-16be-bom",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// What the BOM of a BOM encoding claims, as a user would name it.
    fn bom_label(self) -> &'static str {
        match self {
            Encoding::Utf8Bom => "UTF-8",
            Encoding::Utf16LeBom => "UTF-16LE",
            Encoding::Utf16BeBom => "UTF-16BE",
            Encoding::Utf8 | Encoding::Utf16Le | Encoding::Windows1252 => "no BOM",
        }
    }
}

/// Decoded text with what was noticed on the way.
#[derive(Debug)]
pub struct Decoded {
    /// Never contains `'\0'`.
    pub text: String,
    pub encoding: Encoding,
    pub problems: Vec<Problem>,
}

/// Decodes a file of any of the encodings in [`Encoding`]; never fails, problems are reported.
pub fn decode(bytes: &[u8]) -> Decoded {
    let mut problems = Vec::new();
    if bytes.is_empty() {
        // Worth a line in the report: a capture that stayed empty is often the clue (a cmdlet
        // that printed nothing, a log the service never wrote).
        problems.push(Problem::file(ProblemKind::Empty, "empty file"));
    }
    let (text, encoding) = match marking(bytes) {
        Marking::Lying(declared, rest) => {
            let (text, actual) = decode_unmarked(rest, &mut problems);
            problems.push(lie(declared, actual));
            (text, actual)
        }
        Marking::Marked(declared, rest) => (decode_marked(declared, rest, &mut problems), declared),
        Marking::Unmarked => decode_unmarked(bytes, &mut problems),
    };
    let text = strip_nuls(text, &mut problems);
    Decoded { text, encoding, problems }
}

/// True when the bytes are no text in any encoding [`decode`] knows, so scanning them would
/// only produce noise. A text log padded with NULs is still text.
pub fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.is_empty() || split_bom(bytes).is_some() {
        return false;
    }
    let window = sniff_window(bytes);
    let pairs = PairStats::of(window);
    if pairs.is_utf16le() {
        return pairs.control_lo * 20 > pairs.pairs || implausible_utf16(window, u16::from_le_bytes) * 20 > pairs.pairs;
    }
    if pairs.is_utf16be() {
        return pairs.control_hi * 20 > pairs.pairs || implausible_utf16(window, u16::from_be_bytes) * 20 > pairs.pairs;
    }
    let mut control = 0usize;
    let mut scattered_nuls = 0usize;
    let mut nul_run = 0usize;
    for &b in window {
        if b == 0 {
            nul_run += 1;
            continue;
        }
        if nul_run > 0 && nul_run < PADDING_RUN {
            scattered_nuls += nul_run;
        }
        nul_run = 0;
        control += usize::from(is_control(b));
    }
    if nul_run > 0 && nul_run < PADDING_RUN {
        scattered_nuls += nul_run;
    }
    // Text in any 8-bit encoding has next to no C0 controls; machine code and packed structures
    // are full of them and of short NUL runs.
    control * 20 > window.len() || scattered_nuls * 100 > window.len()
}

/// Code units no text writes: unpaired surrogates, private use, C1 controls and noncharacters.
/// Binary data with enough NULs in the right places to pass for UTF-16 (tables of small numbers
/// between random bytes) is full of them: random code units land there one time in eight.
fn implausible_utf16(window: &[u8], unit: fn([u8; 2]) -> u16) -> usize {
    let units: Vec<u16> = window.chunks_exact(2).map(|p| unit([p[0], p[1]])).filter(|&u| u != 0).collect();
    let mut count = 0;
    let mut i = 0;
    while i < units.len() {
        match units[i] {
            0xD800..=0xDBFF if units.get(i + 1).is_some_and(|u| (0xDC00..=0xDFFF).contains(u)) => i += 1,
            0xD800..=0xDFFF | 0xE000..=0xF8FF | 0x80..=0x9F | 0xFFFE | 0xFFFF => count += 1,
            _ => {}
        }
        i += 1;
    }
    count
}

/// Control bytes that do not occur in text (tab, LF, FF, CR and ESC do).
fn is_control(b: u8) -> bool {
    matches!(b, 0x01..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F)
}

fn sniff_window(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min(SNIFF_LEN)]
}

/// What a file's first bytes say of its encoding, and the bytes after any BOM.
enum Marking<'a> {
    /// A BOM to follow.
    Marked(Encoding, &'a [u8]),
    /// A BOM the content contradicts (see [`bom_lies`]): the content is read as if unmarked.
    Lying(Encoding, &'a [u8]),
    Unmarked,
}

fn marking(bytes: &[u8]) -> Marking<'_> {
    match split_bom(bytes) {
        Some((declared, rest)) if bom_lies(declared, sniff_window(rest)) => Marking::Lying(declared, rest),
        Some((declared, rest)) => Marking::Marked(declared, rest),
        None => Marking::Unmarked,
    }
}

/// The problem of a file whose BOM lied.
fn lie(declared: Encoding, actual: Encoding) -> Problem {
    Problem::file(
        ProblemKind::Encoding,
        format!("BOM says {} but content is {}; decoded as {}", declared.bom_label(), actual.name(), actual.name()),
    )
}

fn split_bom(bytes: &[u8]) -> Option<(Encoding, &[u8])> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some((Encoding::Utf8Bom, rest))
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        Some((Encoding::Utf16LeBom, rest))
    } else {
        bytes.strip_prefix(b"\xFE\xFF").map(|rest| (Encoding::Utf16BeBom, rest))
    }
}

/// A BOM lies when a tool glued one onto text of another encoding. For UTF-16 the tell is that
/// the content has no NUL byte at all (so, read as UTF-16, not one Latin character) while, read
/// as 8-bit text, it is valid UTF-8 with spaces or line breaks: honest UTF-16 would be CJK soup.
fn bom_lies(declared: Encoding, head: &[u8]) -> bool {
    match declared {
        Encoding::Utf8Bom => PairStats::of(head).is_utf16le(),
        Encoding::Utf16LeBom | Encoding::Utf16BeBom => {
            let valid_utf8 = match std::str::from_utf8(head) {
                Ok(_) => true,
                // The window may cut a multi-byte character in two.
                Err(e) => e.error_len().is_none(),
            };
            !head.is_empty()
                && memchr::memchr(0, head).is_none()
                && valid_utf8
                && head.iter().any(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        }
        Encoding::Utf8 | Encoding::Utf16Le | Encoding::Windows1252 => false,
    }
}

/// Decodes the bytes after a BOM the way the BOM says.
fn decode_marked(declared: Encoding, rest: &[u8], problems: &mut Vec<Problem>) -> String {
    match declared {
        Encoding::Utf16LeBom => decode_utf16(UTF_16LE, rest, problems),
        Encoding::Utf16BeBom => decode_utf16(UTF_16BE, rest, problems),
        // The BOM vouches for UTF-8, so a few bad bytes are damage to replace, not a hint that
        // the whole file is Windows-1252.
        _ => match String::from_utf8_lossy(rest) {
            Cow::Borrowed(text) => text.to_owned(),
            Cow::Owned(text) => {
                problems.push(Problem::file(
                    ProblemKind::Encoding,
                    format!(
                        "invalid UTF-8 replaced by U+FFFD ({} replacement characters)",
                        text.matches('\u{FFFD}').count()
                    ),
                ));
                text
            }
        },
    }
}

/// Decodes bytes without a BOM: UTF-16LE if its NUL pattern shows, else UTF-8 if valid, else
/// Windows-1252 (which maps every byte, so it cannot fail) — unless the bytes are UTF-8 text
/// with some damage (a log cut in the middle of a character, a flipped byte): then reading it
/// all as Windows-1252 would garble every accented letter, so the damage is replaced instead.
fn decode_unmarked(bytes: &[u8], problems: &mut Vec<Problem>) -> (String, Encoding) {
    if PairStats::of(sniff_window(bytes)).is_utf16le() {
        return (decode_utf16(UTF_16LE, bytes, problems), Encoding::Utf16Le);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_owned(), Encoding::Utf8);
    }
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
        // One damaged place, one U+FFFD.
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    if multibyte > invalid {
        let text = String::from_utf8_lossy(bytes).into_owned();
        problems.push(Problem::file(
            ProblemKind::Encoding,
            format!("invalid UTF-8 replaced by U+FFFD ({} replacement characters)", text.matches('\u{FFFD}').count()),
        ));
        return (text, Encoding::Utf8);
    }
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    (text.into_owned(), Encoding::Windows1252)
}

fn decode_utf16(encoding: &'static encoding_rs::Encoding, bytes: &[u8], problems: &mut Vec<Problem>) -> String {
    let even = bytes.len() & !1;
    if even != bytes.len() {
        problems.push(Problem::file(
            ProblemKind::Encoding,
            format!("odd number of bytes for UTF-16: dropped the trailing byte 0x{:02X}", bytes[even]),
        ));
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[..even]);
    if had_errors {
        problems.push(Problem::file(
            ProblemKind::Encoding,
            format!(
                "unpaired UTF-16 surrogates replaced by U+FFFD ({} replacement characters)",
                text.matches('\u{FFFD}').count()
            ),
        ));
    }
    text.into_owned()
}

fn strip_nuls(text: String, problems: &mut Vec<Problem>) -> String {
    if memchr::memchr(0, text.as_bytes()).is_none() {
        return text;
    }
    let count = memchr::memchr_iter(0, text.as_bytes()).count();
    problems.push(Problem::file(
        ProblemKind::Encoding,
        format!("removed {count} NUL characters (NUL-padded or damaged file)"),
    ));
    text.replace('\0', "")
}

/// Decodes a file block by block, for files too big to hold at once. The encoding is decided
/// from the head of the file as [`decode`] decides it; a character split between two blocks
/// is carried over by the underlying decoder. One difference from [`decode`]: BOM-less text
/// whose head is valid UTF-8 stays UTF-8 to the end, damaged bytes further on becoming U+FFFD
/// (with a problem), because the whole file is never seen at once.
pub struct StreamDecoder {
    inner: encoding_rs::Decoder,
    pub encoding: Encoding,
    nuls: usize,
    replaced: bool,
    problems: Vec<Problem>,
}

impl StreamDecoder {
    /// The decoder for a file starting with `head`, and how many bytes of BOM to skip.
    pub fn for_head(head: &[u8]) -> (StreamDecoder, usize) {
        let mut problems = Vec::new();
        let unmarked = |bytes: &[u8]| {
            let window = sniff_window(bytes);
            if PairStats::of(window).is_utf16le() {
                (UTF_16LE, Encoding::Utf16Le)
            } else {
                match std::str::from_utf8(window) {
                    Ok(_) => (encoding_rs::UTF_8, Encoding::Utf8),
                    Err(e) if e.error_len().is_none() => (encoding_rs::UTF_8, Encoding::Utf8),
                    Err(_) => (WINDOWS_1252, Encoding::Windows1252),
                }
            }
        };
        let (codec, encoding, skip) = match marking(head) {
            Marking::Lying(declared, rest) => {
                let (codec, actual) = unmarked(rest);
                problems.push(lie(declared, actual));
                (codec, actual, head.len() - rest.len())
            }
            Marking::Marked(declared, rest) => {
                let codec = match declared {
                    Encoding::Utf16LeBom => UTF_16LE,
                    Encoding::Utf16BeBom => UTF_16BE,
                    _ => encoding_rs::UTF_8,
                };
                (codec, declared, head.len() - rest.len())
            }
            Marking::Unmarked => {
                let (codec, encoding) = unmarked(head);
                (codec, encoding, 0)
            }
        };
        let decoder = StreamDecoder {
            inner: codec.new_decoder_without_bom_handling(),
            encoding,
            nuls: 0,
            replaced: false,
            problems,
        };
        (decoder, skip)
    }

    /// Appends the text of `bytes` to `out`, NULs removed; `last` flushes a trailing partial
    /// character.
    pub fn push(&mut self, bytes: &[u8], last: bool, out: &mut String) {
        let start = out.len();
        let mut input = bytes;
        loop {
            let needed = self.inner.max_utf8_buffer_length(input.len()).unwrap_or(input.len() * 3 + 16);
            out.reserve(needed);
            let (result, read, replaced) = self.inner.decode_to_string(input, out, last);
            self.replaced |= replaced;
            input = &input[read..];
            if result == encoding_rs::CoderResult::InputEmpty {
                break;
            }
        }
        let added = &out.as_bytes()[start..];
        if memchr::memchr(0, added).is_some() {
            self.nuls += memchr::memchr_iter(0, added).count();
            let cleaned: String = out[start..].chars().filter(|&c| c != '\0').collect();
            out.truncate(start);
            out.push_str(&cleaned);
        }
    }

    /// What went wrong over the whole file.
    pub fn finish(mut self) -> Vec<Problem> {
        if self.replaced {
            self.problems.push(Problem::file(
                ProblemKind::Encoding,
                format!(
                    "invalid {} replaced by U+FFFD",
                    if matches!(self.encoding, Encoding::Utf8 | Encoding::Utf8Bom) { "UTF-8" } else { "UTF-16" }
                ),
            ));
        }
        if self.nuls > 0 {
            self.problems.push(Problem::file(
                ProblemKind::Encoding,
                format!("removed {} NUL characters (NUL-padded or damaged file)", self.nuls),
            ));
        }
        self.problems
    }
}

/// NUL statistics over byte pairs. ASCII in UTF-16LE puts a NUL in the high (odd) byte of every
/// pair and almost never in the low byte; `00 00` pairs are skipped so NUL padding neither hides
/// nor fakes the pattern.
struct PairStats {
    /// Pairs other than `00 00`.
    pairs: usize,
    /// `xx 00`: a Latin-1 character in UTF-16LE.
    nul_hi: usize,
    /// `00 xx`: a Latin-1 character in UTF-16BE.
    nul_lo: usize,
    /// `cc 00` with `cc` a control: binary data shaped like UTF-16LE.
    control_lo: usize,
    /// `00 cc` with `cc` a control.
    control_hi: usize,
}

impl PairStats {
    fn of(window: &[u8]) -> PairStats {
        let mut s = PairStats { pairs: 0, nul_hi: 0, nul_lo: 0, control_lo: 0, control_hi: 0 };
        let mut after_high_surrogate = false;
        for (i, pair) in window.chunks_exact(2).enumerate() {
            let follows_high_surrogate = std::mem::replace(&mut after_high_surrogate, (0xD8..=0xDB).contains(&pair[1]));
            // The high byte of the next pair.
            let precedes_low_surrogate = window.get(2 * i + 3).is_some_and(|hi| (0xDC..=0xDF).contains(hi));
            match (pair[0], pair[1]) {
                (0, 0) => continue,
                // A surrogate of a UTF-16LE pair whose code unit ends in 00 (U+10000, U+xxx00
                // above the BMP), not a Latin-1 character in UTF-16BE.
                (0, 0xDC..=0xDF) if follows_high_surrogate => {}
                (0, 0xD8..=0xDB) if precedes_low_surrogate => {}
                (lo, 0) => {
                    s.nul_hi += 1;
                    s.control_lo += usize::from(is_control(lo));
                }
                (0, hi) => {
                    s.nul_lo += 1;
                    s.control_hi += usize::from(is_control(hi));
                }
                _ => {}
            }
            s.pairs += 1;
        }
        s
    }

    fn is_utf16le(&self) -> bool {
        self.pairs > 0 && self.nul_hi * 10 >= self.pairs * 3 && self.nul_lo * 20 <= self.pairs
    }

    fn is_utf16be(&self) -> bool {
        self.pairs > 0 && self.nul_lo * 10 >= self.pairs * 3 && self.nul_hi * 20 <= self.pairs
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn streaming_matches_whole_file_decoding() {
        let text = "Zeile mit Umlaut ä und € und CRLF\r\n".repeat(500);
        let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        for bytes in [utf16.clone(), text.as_bytes().to_vec(), utf16[2..].to_vec()] {
            let whole = decode(&bytes);
            let (mut decoder, skip) = StreamDecoder::for_head(&bytes[..bytes.len().min(8192)]);
            let mut out = String::new();
            // Odd block sizes split UTF-16 units and UTF-8 sequences.
            for block in bytes[skip..].chunks(777) {
                decoder.push(block, false, &mut out);
            }
            decoder.push(&[], true, &mut out);
            assert_eq!(out, whole.text);
            assert_eq!(decoder.encoding, whole.encoding);
        }
    }

    use super::*;

    const SAMPLE: &str = "CceService Error: 0 : Unexpected exception when reporting status to online\r\n";

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn utf16be(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn plain_utf8() {
        let d = decode("Version=2.1.0.0 — naïve\r\n".as_bytes());
        assert_eq!(d.encoding, Encoding::Utf8);
        assert_eq!(d.text, "Version=2.1.0.0 — naïve\r\n");
        assert!(d.problems.is_empty());
    }

    #[test]
    fn utf8_with_bom_drops_the_bom() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(SAMPLE.as_bytes());
        let d = decode(&bytes);
        assert_eq!(d.encoding, Encoding::Utf8Bom);
        assert_eq!(d.text, SAMPLE);
        assert!(d.problems.is_empty());
    }

    #[test]
    fn utf8_bom_with_bad_bytes_is_repaired_not_reinterpreted() {
        let d = decode(b"\xEF\xBB\xBFSiteName=caf\xE9\r\n");
        assert_eq!(d.encoding, Encoding::Utf8Bom);
        assert_eq!(d.text, "SiteName=caf\u{FFFD}\r\n");
        assert_eq!(d.problems.len(), 1);
    }

    #[test]
    fn utf16le_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(utf16le("Get-CcRunningVersion\r\nRunning: 2.1.0.0 – über\r\n"));
        let d = decode(&bytes);
        assert_eq!(d.encoding, Encoding::Utf16LeBom);
        assert_eq!(d.text, "Get-CcRunningVersion\r\nRunning: 2.1.0.0 – über\r\n");
        assert!(d.problems.is_empty());
    }

    #[test]
    fn utf16be_with_bom() {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(utf16be(SAMPLE));
        let d = decode(&bytes);
        assert_eq!(d.encoding, Encoding::Utf16BeBom);
        assert_eq!(d.text, SAMPLE);
    }

    /// Found by the round-trip property: U+EBD00 is `6F DB 00 DD` in UTF-16LE, and its low
    /// surrogate was counted as a UTF-16BE Latin-1 character, enough in a short text to read
    /// it as Windows-1252.
    #[test]
    fn short_utf16le_with_a_surrogate_ending_in_nul_is_detected() {
        let text = "AAAaaA \u{EBD00}0A";
        let d = decode(&utf16le(text));
        assert_eq!(d.encoding, Encoding::Utf16Le);
        assert_eq!(d.text, text);
    }

    /// Found by the same property: U+10000 is `00 D8 00 DC`, and now its high surrogate was the
    /// one counted as a UTF-16BE Latin-1 character.
    #[test]
    fn short_utf16le_with_a_high_surrogate_ending_in_nul_is_detected() {
        let text = "A0 \u{10000} 0a 0a";
        let d = decode(&utf16le(text));
        assert_eq!(d.encoding, Encoding::Utf16Le);
        assert_eq!(d.text, text);
    }

    #[test]
    fn utf16le_without_bom_is_detected() {
        let text = SAMPLE.repeat(50);
        let d = decode(&utf16le(&text));
        assert_eq!(d.encoding, Encoding::Utf16Le);
        assert_eq!(d.text, text);
        assert!(d.problems.is_empty());
    }

    #[test]
    fn utf16_odd_byte_count_drops_the_last_byte() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(utf16le("ok\r\n"));
        bytes.push(b'x');
        let d = decode(&bytes);
        assert_eq!(d.text, "ok\r\n");
        assert_eq!(d.problems.len(), 1);
        assert!(d.problems[0].message.contains("odd number of bytes"));
    }

    #[test]
    fn unpaired_surrogate_becomes_replacement_character() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(utf16le("a"));
        bytes.extend([0x00, 0xD8]); // lone high surrogate
        bytes.extend(utf16le("b"));
        let d = decode(&bytes);
        assert_eq!(d.text, "a\u{FFFD}b");
        assert_eq!(d.problems.len(), 1);
    }

    #[test]
    fn damaged_utf8_stays_utf8() {
        // A UTF-8 log cut in the middle of its last character.
        let mut bytes = "Größe: naïve — café\r\n".as_bytes().to_vec();
        bytes.extend_from_slice(&"€".as_bytes()[..2]);
        let d = decode(&bytes);
        assert_eq!(d.encoding, Encoding::Utf8);
        assert_eq!(d.text, "Größe: naïve — café\r\n\u{FFFD}");
        assert_eq!(d.problems[0].message, "invalid UTF-8 replaced by U+FFFD (1 replacement characters)");
    }

    #[test]
    fn windows_1252_when_not_utf8() {
        let d = decode(b"User=Fran\xE7ois \x80 5\r\n");
        assert_eq!(d.encoding, Encoding::Windows1252);
        assert_eq!(d.text, "User=François € 5\r\n");
    }

    #[test]
    fn nul_padding_is_removed_and_reported() {
        let mut bytes = SAMPLE.as_bytes().to_vec();
        bytes.extend(std::iter::repeat_n(0u8, 4096));
        let d = decode(&bytes);
        assert_eq!(d.encoding, Encoding::Utf8);
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.problems.len(), 1);
        assert!(d.problems[0].message.contains("4096 NUL"));
        assert!(!looks_binary(&bytes));
    }

    #[test]
    fn nul_padding_after_utf16le_does_not_hide_it() {
        let mut bytes = utf16le("Größe\r\n");
        bytes.extend(std::iter::repeat_n(0u8, 9000));
        let d = decode(&bytes);
        assert_eq!(d.encoding, Encoding::Utf16Le);
        assert_eq!(d.text, "Größe\r\n");
    }

    #[test]
    fn lying_utf16_bom_falls_back_to_sniffing() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend_from_slice(SAMPLE.as_bytes());
        let d = decode(&bytes);
        assert_eq!(d.encoding, Encoding::Utf8);
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.problems.len(), 1);
        assert!(d.problems[0].message.starts_with("BOM says UTF-16LE but content is utf-8"));
    }

    #[test]
    fn lying_utf8_bom_over_utf16le() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(utf16le(SAMPLE));
        let d = decode(&bytes);
        assert_eq!(d.encoding, Encoding::Utf16Le);
        assert_eq!(d.text, SAMPLE);
        assert!(d.problems[0].message.starts_with("BOM says UTF-8 but content is utf-16le"));
    }

    #[test]
    fn empty_and_tiny_inputs() {
        for bytes in [&b""[..], b"\0", b"a", b"\xFF", b"\xFF\xFE", b"\xFE\xFF\x00", b"\xEF\xBB"] {
            let d = decode(bytes);
            assert!(!d.text.contains('\0'), "{bytes:?}");
        }
        let d = decode(b"");
        assert_eq!((d.text.as_str(), d.encoding), ("", Encoding::Utf8));
        assert_eq!(d.problems, [Problem::file(ProblemKind::Empty, "empty file")]);
        assert!(!looks_binary(b""));
    }

    #[test]
    fn binary_detection() {
        // Deterministic pseudo-random bytes (xorshift).
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let random: Vec<u8> = (0..8192)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect();
        assert!(looks_binary(&random));

        let mut elf = b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3E\0\x01\0\0\0".to_vec();
        for i in 0..200u8 {
            elf.extend([i % 7, 0, 0, 0, 0x40, 0, 0, 0, 0x38, 0, 0x0B, 0, 0x1D, 0x1C, 0, 0]);
        }
        assert!(looks_binary(&elf));
        assert!(!looks_binary(&utf16le(&SAMPLE.repeat(20))));
        assert!(!looks_binary(&utf16be(&SAMPLE.repeat(20))));
        assert!(!looks_binary(SAMPLE.as_bytes()));
        assert!(!looks_binary(b"caf\xE9 \x80\r\n"));
        let mut bom = vec![0xFF, 0xFE];
        bom.extend(utf16le(SAMPLE));
        assert!(!looks_binary(&bom));
        assert!(!looks_binary(&utf16le(&"Error: ログ file 😀 not found, Größe\r\n".repeat(50))));
    }

    #[test]
    fn binary_with_the_nul_pattern_of_utf16_is_still_binary() {
        // Random words between little-endian 0x0040 values: a third of the pairs look like
        // Latin-1 in UTF-16LE, the rest are random code units.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut bytes = Vec::new();
        while bytes.len() < 8192 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.extend_from_slice(&x.to_le_bytes()[..4]);
            bytes.extend_from_slice(&[0, 0, 0x40, 0]);
        }
        assert!(looks_binary(&bytes));
    }
}
