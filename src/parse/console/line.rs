//! What each line of console text is, decided once so that lookaheads never scan it again.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::parse::lines::Line;
use crate::parse::producer::is_verb_noun;

/// Only this many leading bytes are searched for `Cmd : ` / `Name : ` separators: command
/// names, script paths and property names are short, and an unbounded search on every
/// probe would make a huge single line expensive.
pub(super) const PREFIX_WINDOW: usize = 512;

/// Stream prefixes as Windows PowerShell prints them in its shipped UI languages. Unlike the
/// error labels these are localized, so the common translations are listed.
pub(super) const WARNING_PREFIXES: &[&str] =
    &["WARNING", "WARNUNG", "AVERTISSEMENT", "ADVERTENCIA", "AVVISO", "AVISO", "警告"];
pub(super) const VERBOSE_PREFIXES: &[&str] =
    &["VERBOSE", "AUSFÜHRLICH", "COMMENTAIRES", "DETALLADO", "DETTAGLIATO", "詳細"];
pub(super) const DEBUG_PREFIXES: &[&str] = &["DEBUG", "DEBUGGEN", "DÉBOGUER", "DEPURAR"];

/// Words that open a localized position line (`At line:1 char:1`, `In Zeile:1 Zeichen:1`,
/// `Au caractère ...`, `En línea: 1 ...`, `発生場所 行:1 ...`). Used only to rejoin a position
/// whose long script path made the host wrap it.
pub(super) const POSITION_OPENERS: &[&str] = &["At ", "In ", "Au ", "En ", "Em ", "Bei ", "発生場所"];

/// A script path followed by `:<line>`, as in `At C:\x\MtHostCommon.ps1:681 char:14`,
/// `In C:\x.ps1:12 Zeichen:5` or the PowerShell 7 `Get-Item: C:\x.ps1:3`.
pub(super) static SCRIPT_POSITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)((?:[a-z]:[\\/]|\\\\|/)[^:\r\n]*?\.ps[dm]?1):\s?(\d+)").expect("valid regex"));

/// The innermost frame of a ScriptStackTrace that names a script, in any UI language:
/// `at Get-CcCredential, C:\x\CloudConnector.psm1: line 388`, `場所 New-CsOnlineSession、
/// C:\x.psm1: 行 58`, `bei <ScriptBlock>, C:\x.ps1: Zeile 12`, `à <ScriptBlock>, C:\x.ps1 :
/// ligne 12`. Only the first frame counts: the one below it called it.
pub(super) static STACK_FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*\S+\s+[^,\x{3001}\r\n]*[,\x{3001}]\s*((?i:[a-z]:[\\/]|\\\\)[^:\r\n]*?\.ps[dm]?1)\s?:\s*[^\s\d]+\s*(\d+)",
    )
    .expect("valid regex")
});

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stream {
    Warning,
    Verbose,
    Debug,
}

/// What a line is on its own, decided once so lookaheads never re-scan it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Class {
    Blank,
    /// `+ CategoryInfo` or `+ FullyQualifiedErrorId`: never localized, so they prove an error
    /// record whatever language the message is in.
    Anchor,
    /// Another `    + Label : value` line of an error record (`+ PSComputerName`).
    Label,
    /// `+ code` / `+ ~~~~` lines under a position line: they start in column 0.
    Code,
    Stream(Stream),
    /// Only dashes and spaces: the underline of a `Format-Table` header.
    Dashes,
    /// `PS C:\Users\admin> cmd` in a console copy: what was typed, never part of an output.
    Prompt,
    Other,
}

/// A line with its ANSI colouring removed (PowerShell 7 writes SGR sequences into redirected
/// output and some transcripts) and its width in console cells, which is what wrapping counts.
pub(super) struct L<'a> {
    pub(super) text: Cow<'a, str>,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) number: u32,
    pub(super) class: Class,
    pub(super) width: usize,
}

impl<'a> L<'a> {
    pub(super) fn new(line: &Line<'a>) -> L<'a> {
        let text = strip_ansi(line.text);
        let class = classify(&text);
        let width = cells(&text);
        L { text, start: line.start, end: line.end, number: line.number, class, width }
    }

    pub(super) fn indented(&self) -> bool {
        self.text.starts_with(char::is_whitespace)
    }
}

/// How many console cells `text` takes: East Asian wide and full-width characters take two,
/// so a Japanese line the console cut at 120 cells holds far fewer than 120 characters.
pub(super) fn cells(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// Whether the console gives `c` two cells (the wide and full-width blocks of UAX #11 that
/// Windows consoles render double: CJK, kana, Hangul, full-width forms).
pub(super) fn is_wide(c: char) -> bool {
    matches!(
        c as u32,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD
    )
}

pub(super) fn strip_ansi(text: &str) -> Cow<'_, str> {
    if memchr::memchr(0x1b, text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // CSI: parameters and intermediates up to a final byte in @..~.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC (hyperlinks, titles): up to BEL or ESC \.
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' {
                        chars.next_if_eq(&'\\');
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    Cow::Owned(out)
}

pub(super) fn classify(text: &str) -> Class {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Class::Blank;
    }
    let indented = trimmed.len() != text.len();
    if let Some(rest) = trimmed.strip_prefix('+') {
        return match label_name(rest) {
            Some("CategoryInfo" | "FullyQualifiedErrorId") => Class::Anchor,
            Some("PSComputerName") => Class::Label,
            Some(_) if indented => Class::Label,
            _ if !indented => Class::Code,
            _ => Class::Other,
        };
    }
    if !indented && let Some((stream, _)) = stream_prefix(text) {
        return Class::Stream(stream);
    }
    if trimmed.bytes().all(|b| b == b'-' || b == b' ') {
        return Class::Dashes;
    }
    if !indented && is_prompt(text) {
        return Class::Prompt;
    }
    Class::Other
}

/// `PS C:\Users\admin> cmd`, `PS>cmd`, or a remote `[host]: PS C:\> cmd`: the location before
/// the `>` is a drive or provider path, which output lines starting with `PS ` lack.
pub(super) fn is_prompt(text: &str) -> bool {
    let text = match text.strip_prefix('[').and_then(|rest| rest.split_once("]: ")) {
        Some((_, after)) => after,
        None => text,
    };
    if text.starts_with("PS>") {
        return true;
    }
    let Some(rest) = text.strip_prefix("PS ") else { return false };
    head(rest, PREFIX_WINDOW)
        .split_once('>')
        .is_some_and(|(location, _)| location.contains(":\\") || location.starts_with("\\\\"))
}

/// The name of a `+ Name     : value` label (text after the `+`).
pub(super) fn label_name(after_plus: &str) -> Option<&str> {
    let rest = after_plus.strip_prefix(' ')?;
    let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    if name_len == 0 {
        return None;
    }
    let (name, tail) = rest.split_at(name_len);
    tail.trim_start_matches(' ').starts_with(':').then_some(name)
}

/// `WARNING: text` (or the French `AVERTISSEMENT : text`): the stream and the message.
pub(super) fn stream_prefix(text: &str) -> Option<(Stream, &str)> {
    let groups: [(&[&str], Stream); 3] =
        [(WARNING_PREFIXES, Stream::Warning), (VERBOSE_PREFIXES, Stream::Verbose), (DEBUG_PREFIXES, Stream::Debug)];
    for (words, stream) in groups {
        for word in words {
            if let Some(rest) = text.strip_prefix(word) {
                let rest = rest.strip_prefix(' ').unwrap_or(rest);
                if let Some(message) = rest.strip_prefix(':') {
                    return Some((stream, message.trim()));
                }
            }
        }
    }
    None
}

/// For each line, the first anchor label at or after it within the same block of lines, so
/// finding out whether a line opens an error record costs O(1).
pub(super) fn anchor_after(ls: &[L<'_>]) -> Vec<Option<usize>> {
    let mut next = vec![None; ls.len()];
    let mut pending = None;
    for (i, l) in ls.iter().enumerate().rev() {
        pending = match l.class {
            Class::Anchor => Some(i),
            Class::Blank | Class::Stream(_) | Class::Dashes | Class::Prompt => None,
            _ => pending,
        };
        next[i] = pending;
    }
    next
}

/// The longest prefix of `text` no longer than `max` bytes that ends on a char boundary.
pub(super) fn head(text: &str, max: usize) -> &str {
    &text[..text.floor_char_boundary(max)]
}

pub(super) fn is_script_path(name: &str) -> bool {
    let b = name.as_bytes();
    let drive = b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/');
    (drive || name.starts_with("\\\\") || name.starts_with(".\\")) && !name.contains('"')
}

/// `Import-Module : message` or `C:\x.ps1 : message`: how Windows PowerShell starts an error
/// record that names its command. The command must look like one, so `Name : Value` output
/// and wrapped message lines that happen to contain ` : ` are not taken for it.
pub(super) fn command_prefix(text: &str) -> Option<(&str, &str)> {
    let idx = memchr::memmem::find(head(text, PREFIX_WINDOW).as_bytes(), b" : ")?;
    let name = &text[..idx];
    (is_verb_noun(name) || is_script_path(name)).then(|| (name, &text[idx + 3..]))
}

/// The PowerShell 7 ConciseView prefix `Import-Module: message` (no space before the colon).
pub(super) fn concise_prefix(text: &str) -> Option<(&str, &str)> {
    let window = head(text, PREFIX_WINDOW);
    let idx = window.find(':')?;
    let name = &text[..idx];
    let rest = &text[idx + 1..];
    let well_formed =
        !name.is_empty() && !name.contains(char::is_whitespace) && (rest.is_empty() || rest.starts_with(' '));
    well_formed.then(|| (name, rest.trim()))
}

/// A `Format-List` line: `Name<padding> : value`. Returns the name, the char column of the
/// colon (every property of one object shares it) and the value.
pub(super) fn list_property(text: &str) -> Option<(&str, usize, &str)> {
    if text.starts_with(char::is_whitespace) || text.starts_with(['+', '[', '-', '*']) {
        return None;
    }
    let window = head(text, PREFIX_WINDOW);
    let (idx, value) = match memchr::memmem::find(window.as_bytes(), b" : ") {
        Some(idx) => (idx, &text[idx + 3..]),
        None if text.ends_with(" :") && text.len() <= PREFIX_WINDOW => (text.len() - 2, ""),
        None => return None,
    };
    let name = text[..idx].trim_end();
    // Property names are identifiers, occasionally a few words (calculated properties); a
    // sentence containing ` : ` is output, not a property.
    if name.is_empty() || name.len() > 60 || name.split_whitespace().count() > 3 {
        return None;
    }
    Some((name, text[..=idx].chars().count(), value.trim()))
}

/// A position line of an error record in any UI language: it ends in a number and carries a
/// `:<digits>` (or `: <digits>`) marker — `At line:1 char:1`, `In Zeile:1 Zeichen:1`,
/// `Au caractère C:\x.ps1:12 : 5`, `発生場所 行:1 文字:1`, `En línea: 1 Carácter: 1`.
pub(super) fn is_position(text: &str) -> bool {
    let t = text.trim();
    if t.starts_with('+') || !t.ends_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let b = t.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b':'
            && (b.get(i + 1).is_some_and(u8::is_ascii_digit)
                || (b.get(i + 1) == Some(&b' ') && b.get(i + 2).is_some_and(u8::is_ascii_digit)))
    })
}
