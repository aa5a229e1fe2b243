//! Log text must never attack the person reading the report: a bundle whose lines, file names
//! and zip entry names carry terminal escapes, bidi overrides, HTML and Markdown is scanned in
//! every format, and each output is checked for what could act on a terminal, a page or a
//! Markdown viewer.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Everything a line of a log could carry to act on its reader: ANSI colour and screen
/// clearing, an OSC 8 hyperlink, a bell, a carriage return that rewrites the line, bidi
/// overrides and isolates, HTML (a script, an image with a handler, a quote that would end an
/// attribute), and Markdown (a link, fences, code spans, a table cell, an emphasis, a raw
/// <details>).
const HOSTILE: &str = "\u{1b}[31mRED\u{1b}[0m\u{1b}[2J \u{1b}]8;;https://evil.example/\u{7}click\u{1b}]8;;\u{7} \
bell\u{7} over\rwrite \u{202E}txt.exe\u{202C} \u{2066}iso\u{2069} \u{9b}31m <script>alert(1)</script> \
<img src=x onerror=alert(1)> \" onmouseover=\"alert(1) [click](javascript:alert(1)) ```fence``` `code` \
| cell | **bold** <details><summary>open</summary>";

/// Control characters (tab and line feed aside) and bidi controls: none may reach an output.
fn is_active(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn ccdiag(dir: &Path, format: &str, extra: &[&str]) -> String {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_ccdiag"))
        .args(["scan", dir.to_str().unwrap(), "--format", format, "--fail-on", "never"])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("reports are UTF-8")
}

fn hostile_bundle(dir: &Path) {
    let error = format!(
        "ConvertTo-SecureString : Key not valid for use in specified state. {HOSTILE}\r\n\
         At C:\\Scripts\\deploy.ps1:12 char:5\r\n\
         + $p = ConvertTo-SecureString $blob\r\n\
         +      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n    \
         + CategoryInfo          : InvalidArgument: (:) [ConvertTo-SecureString], CryptographicException\r\n    \
         + FullyQualifiedErrorId : ImportSecureString_InvalidArgument_CryptographicError,{HOSTILE}\r\n"
    );
    std::fs::write(dir.join("Get-CcCredential.txt"), &error).unwrap();
    // An error whose text holds a run of backticks longer than the renderer's default fence.
    let fenced = error.replacen("specified state.", "specified state. `````", 1);
    // File names may hold anything but '/' and NUL.
    let name = "\u{1b}]8;;x\u{7}name|`<b>`\u{202E}.txt";
    std::fs::write(dir.join(name), fenced).unwrap();
    let transcript = format!(
        "**********************\r\nWindows PowerShell transcript start\r\nStart time: 20261119080211\r\n\
         Username: CONTOSO\\adm{HOSTILE}\r\nRunAs User: CONTOSO\\adm\r\n\
         Machine: EVIL\u{1b}[2J<script>x</script> (Microsoft Windows NT 10.0.14393.0)\r\n\
         PSVersion: 5.1.14393.4583\r\n**********************\r\n\
         PS C:\\> Import-Module CloudConnector\r\n{error}"
    );
    std::fs::write(dir.join("PowerShell_transcript.EVIL.txt"), transcript).unwrap();

    let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.join("bundle.zip")).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file(format!("logs/\u{1b}[31m{HOSTILE}.txt"), options).unwrap();
    zip.write_all(error.as_bytes()).unwrap();
    // The version's source path is quoted in the reasons of rules outside its range.
    zip.start_file(format!("ProgramData{HOSTILE}/module.ini"), options).unwrap();
    zip.write_all(b"[RunningVersion]\r\nVersion=2.1.0.0\r\n").unwrap();
    // Cut by the zip's budget: the problem message quotes the entry name.
    zip.start_file(format!("padded {HOSTILE}.log"), options).unwrap();
    zip.write_all(&vec![0u8; 1 << 20]).unwrap();
    zip.finish().unwrap();
}

/// Checks that no character of `output` could act on whoever displays it.
#[track_caller]
fn assert_inert(format: &str, output: &str) {
    if let Some((at, c)) = output.char_indices().find(|(_, c)| is_active(*c)) {
        let start = (0..=at.saturating_sub(80)).rev().find(|&i| output.is_char_boundary(i)).unwrap_or(0);
        panic!("{format}: raw U+{:04X} after {:?}", c as u32, &output[start..at]);
    }
}

#[test]
fn input_text_reaches_no_format_raw() {
    let dir = tempfile::tempdir().unwrap();
    hostile_bundle(dir.path());

    let text = ccdiag(dir.path(), "text", &[]);
    assert_inert("text", &text);
    assert!(text.contains("\\u{1b}[31mRED"), "escapes are shown, not obeyed");
    assert!(text.contains("CCE213"));
    assert!(text.contains("outside the affected versions"), "a reason quotes the version's path");
    let concise = ccdiag(dir.path(), "concise", &[]);
    assert_inert("concise", &concise);
    assert!(concise.contains("CCE213"));

    // With colour, the only escape sequences are the report's own SGR colours.
    let coloured = ccdiag(dir.path(), "text", &["--color", "always"]);
    let mut rest = coloured.as_str();
    while let Some(at) = rest.find('\u{1b}') {
        let sequence = &rest[at + 1..];
        let end = sequence.find('m').expect("an SGR sequence ends with m");
        assert!(
            sequence.starts_with('[') && sequence[1..end].bytes().all(|b| b.is_ascii_digit() || b == b';'),
            "not one of the report's colours: {:?}",
            &sequence[..end.min(20)]
        );
        rest = &sequence[end..];
    }
    assert_inert("coloured text", &coloured.replace('\u{1b}', ""));

    for format in ["json", "sarif"] {
        let output = ccdiag(dir.path(), format, &[]);
        assert_inert(format, &output);
        assert!(output.contains("\\u001b[31mRED"), "{format} escapes controls as \\u001b");
        let parsed: Value = serde_json::from_str(&output).unwrap();
        // JSON is for machines: the data stays exact, only its encoding is escaped.
        assert!(parsed.to_string().contains("\\u001b]8;;https://evil.example/"));
    }

    let markdown = ccdiag(dir.path(), "markdown", &[]);
    assert_inert("markdown", &markdown);
    check_markdown(&markdown);

    let html = ccdiag(dir.path(), "html", &[]);
    assert_inert("html", &html);
    check_html(&html, &[]);
}

/// The same bundle with its findings suppressed: the suppressed section shows the same input
/// text, and the user's reason, through the same escapes.
#[test]
fn suppressed_input_text_and_reasons_reach_no_format_raw() {
    let dir = tempfile::tempdir().unwrap();
    hostile_bundle(dir.path());
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        "[[suppress]]\nrule = \"CCE213\"\nreason = \"<script>alert(1)</script> [click](javascript:alert(1)) \
         **bold** | cell | `code` <details><summary>open</summary>\"\n",
    )
    .unwrap();
    let extra = ["--config", config.path().to_str().unwrap()];
    let text = ccdiag(dir.path(), "text", &extra);
    assert_inert("text", &text);
    assert!(text.contains("Suppressed ") && text.contains("\\u{1b}[31mRED"), "{text}");
    for format in ["json", "sarif"] {
        let output = ccdiag(dir.path(), format, &extra);
        assert_inert(format, &output);
        assert!(output.contains("\\u001b[31mRED"), "{format}");
    }
    let json: Value = serde_json::from_str(&ccdiag(dir.path(), "json", &extra)).unwrap();
    assert!(json["findings"].as_array().unwrap().iter().all(|f| f["rule_id"] != "CCE213"));
    assert_eq!(json["suppressed"][0]["rule_id"], "CCE213");
    let markdown = ccdiag(dir.path(), "markdown", &extra);
    assert_inert("markdown", &markdown);
    assert!(markdown.contains("## Suppressed"));
    check_markdown(&markdown);
    let html = ccdiag(dir.path(), "html", &extra);
    assert_inert("html", &html);
    assert!(html.contains("<h2 id=\"suppressed\">"));
    check_html(&html, &extra);
}

/// Outside code blocks, every character Markdown or GitHub's HTML gives a meaning to is
/// escaped; code blocks are fenced so that nothing inside can close them.
fn check_markdown(markdown: &str) {
    let mut fence: Option<usize> = None;
    let mut fenced_lines = 0;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        let ticks = trimmed.len() - trimmed.trim_start_matches('`').len();
        match fence {
            Some(open) => {
                if ticks >= open && trimmed[ticks..].trim().is_empty() {
                    fence = None;
                } else {
                    // A line inside a fence is code, whatever it holds.
                    assert!(ticks < open, "a fence of {open} closed early by {line:?}");
                    fenced_lines += 1;
                }
            }
            None if ticks >= 3 => fence = Some(ticks),
            None => {
                // The report's own folding of further excerpts is the only raw HTML.
                let own = trimmed.starts_with("<details><summary>") && trimmed.ends_with("excerpts</summary>")
                    || trimmed.starts_with("<details><summary>") && trimmed.ends_with("excerpt</summary>")
                    || trimmed == "</details>";
                if own {
                    continue;
                }
                // The payload's markup shows only escaped; the report's own markup is elsewhere.
                for raw in ["<script", "<img", "<details><summary>open", "[click](", "**bold**", "| cell |", "`code`"] {
                    let unescaped = line.match_indices(raw).any(|(at, _)| !line[..at].ends_with('\\'));
                    assert!(!unescaped, "raw {raw:?} in {line:?}");
                }
                if line.starts_with("| ") && !line.starts_with("| path") {
                    // An input row: five cells, whatever the path or problem holds.
                    let unescaped = line.char_indices().filter(|(at, c)| *c == '|' && !line[..*at].ends_with('\\'));
                    assert_eq!(unescaped.count(), 6, "{line}");
                }
            }
        }
    }
    assert_eq!(fence, None, "every fence is closed");
    assert!(fenced_lines > 0);
    for escaped in
        ["\\<script\\>alert\\(1\\)\\</script\\>", "\\[click\\]\\(javascript:", "\\*\\*bold\\*\\*", "\\| cell \\|"]
    {
        assert!(markdown.contains(escaped), "{escaped} in the Markdown");
    }
    assert!(
        markdown.contains("  ``````text\n  ConvertTo-SecureString : Key not valid for use in specified state. `````"),
        "the fence is longer than the excerpt's run of five"
    );
}

/// The page defines no script and fetches nothing; input text opens no tag and leaves no
/// attribute.
fn check_html(html: &str, extra: &[&str]) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "no script");
    assert!(!lower.contains("<img"), "no image from input");
    assert!(!lower.contains("<summary>open"), "no raw <details> from input");
    assert!(!lower.contains("\" onmouseover=\""), "no attribute from input");
    for tag in lower.split('<').skip(1).map(|t| t.split('>').next().unwrap()) {
        assert!(!tag.contains("javascript:") && !tag.contains(" src="), "no script link, nothing fetched: <{tag}>");
        let handler = tag.split_whitespace().skip(1).any(|attribute| attribute.starts_with("on"));
        assert!(!handler, "no event handler: <{tag}>");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot; onmouseover=&quot;alert(1)"));
    // Every tag is one the report itself writes: those of a report of harmless input with as
    // many matches (so that its further excerpts fold the same way) and a version.
    let clean = {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..5 {
            let line = "ConvertTo-SecureString : Key not valid for use in specified state.\r\n";
            std::fs::write(dir.path().join(format!("Get-CcCredential{i}.txt")), line).unwrap();
        }
        std::fs::write(dir.path().join("module.ini"), "[RunningVersion]\r\nVersion=2.1.0.0\r\n").unwrap();
        ccdiag(dir.path(), "html", extra)
    };
    let tags = |page: &str| -> std::collections::BTreeSet<String> {
        page.split('<')
            .skip(1)
            .map(|t| {
                t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '!'))
                    .next()
                    .unwrap()
                    .to_ascii_lowercase()
            })
            .collect()
    };
    let extra: Vec<String> = tags(html).difference(&tags(&clean)).cloned().collect();
    assert!(extra.is_empty(), "tags from input: {extra:?}");
}
