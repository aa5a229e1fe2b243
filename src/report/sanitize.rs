//! Text from inputs is hostile until proven otherwise: a log line can carry ANSI escapes that
//! rewrite the terminal, bidi overrides that reorder what the reader sees, or Markdown that
//! turns an excerpt into a link or a page into a script. Every format passes input text
//! through here.

/// For terminals and plain text: control characters (except tab) and bidi controls become
/// visible `\u{..}` escapes; newlines are kept only when `keep_newlines`.
pub fn terminal(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\t' => out.push('\t'),
            c if is_dangerous(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Pretty JSON whose text is as inert as the other formats' when printed to a terminal.
/// serde_json escapes C0 controls but writes DEL, C1 controls (U+009B is a one-character CSI
/// to some terminals) and bidi controls raw; they are escaped here as `\uXXXX`, which is the
/// same string to any JSON reader. Outside strings the output holds only ASCII structure, so
/// every such character is inside a string.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    escape_json(&serde_json::to_string_pretty(value).unwrap_or_default())
}

/// serde_json's output with DEL, C1 and bidi controls escaped (see [`json_pretty`]).
fn escape_json(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c != '\n' && is_dangerous(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// [`json_pretty`] on one line, for JSON lines output.
pub fn json_line<T: serde::Serialize + ?Sized>(value: &T) -> String {
    escape_json(&serde_json::to_string(value).unwrap_or_default())
}

/// Markdown inline text: escapes every character Markdown (and GitHub's HTML subset) gives a
/// meaning to, after the terminal pass.
pub fn markdown_inline(text: &str) -> String {
    let safe = terminal(text, false);
    let mut out = String::with_capacity(safe.len());
    for c in safe.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '!' | '|' | '<' | '>' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A fenced code block that no backtick run inside the text can close early.
pub fn markdown_code_block(text: &str, language: &str) -> String {
    let safe = terminal(text, true);
    let longest = safe.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{language}\n{safe}\n{fence}\n")
}

/// HTML text and attribute values: the terminal pass first (so an ANSI escape or a bidi override
/// shows as `\u{..}` instead of acting), then the five characters that can open a tag, an
/// entity or close a quoted attribute. Safe in element content and in quoted attributes.
pub fn html(text: &str, keep_newlines: bool) -> String {
    let safe = terminal(text, keep_newlines);
    let mut out = String::with_capacity(safe.len() + safe.len() / 8);
    for c in safe.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_never_reach_the_terminal() {
        assert_eq!(terminal("a\u{1b}[31mred\u{7}", false), "a\\u{1b}[31mred\\u{7}");
        assert_eq!(terminal("x\u{202E}y\nz", true), "x\\u{202e}y\nz");
        assert_eq!(terminal("x\ny", false), "x\\u{a}y");
    }

    #[test]
    fn markdown_cannot_be_injected() {
        assert_eq!(markdown_inline("[x](http://e) <script>"), "\\[x\\]\\(http://e\\) \\<script\\>");
        let block = markdown_code_block("a ``` b", "");
        assert!(block.starts_with("````\n"));
        assert!(block.ends_with("\n````\n"));
    }

    #[test]
    fn json_escapes_what_serde_json_leaves_raw() {
        let value = serde_json::json!({"path": "a\u{1b}[31m\u{7f}\u{9b}2J\u{202e}b\nc"});
        let text = json_pretty(&value);
        assert_eq!(text, "{\n  \"path\": \"a\\u001b[31m\\u007f\\u009b2J\\u202eb\\nc\"\n}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
    }

    #[test]
    fn html_cannot_open_a_tag() {
        assert_eq!(html("<script>alert(1)</script>", false), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(html("</pre><img src=x onerror=alert(1)>", true), "&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(html("AT&T &amp;", false), "AT&amp;T &amp;amp;");
    }

    #[test]
    fn html_cannot_break_out_of_an_attribute() {
        assert_eq!(html("\" onmouseover=\"alert(1)", false), "&quot; onmouseover=&quot;alert(1)");
        assert_eq!(html("' autofocus onfocus='x", false), "&#39; autofocus onfocus=&#39;x");
    }

    #[test]
    fn html_shows_control_characters_instead_of_obeying_them() {
        // ANSI colour, a bell, a bidi override that would reverse "exe.txt" into "txt.exe".
        assert_eq!(html("\u{1b}[31mred\u{7}", false), "\\u{1b}[31mred\\u{7}");
        assert_eq!(html("evil\u{202E}txt.exe", false), "evil\\u{202e}txt.exe");
        assert_eq!(html("a\u{2066}b\u{2069}c", false), "a\\u{2066}b\\u{2069}c");
        // Newlines survive only where the caller keeps them (inside <pre>); a NUL never does.
        assert_eq!(html("a\nb\u{0}", true), "a\nb\\u{0}");
        assert_eq!(html("a\nb", false), "a\\u{a}b");
    }
}
