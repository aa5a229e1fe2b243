//! The placeholder grammar of remediation steps: `{name}`, `{fact.ini.Common.IP}`, and
//! `{name|list}` for a value that holds several items.
//!
//! One scanner serves both the loader, which checks where a rule puts placeholders in a
//! command, and the report, which fills them; so what is checked is what is filled.

use std::ops::Range;

/// How a placeholder's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One value.
    One,
    /// Items separated by line breaks in the captured value: prose joins them with ", ", a
    /// command writes each as its own literal, separated by ", " (a PowerShell array).
    List,
}

/// One placeholder of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder<'a> {
    /// The bytes of `{...}` in the template.
    pub span: Range<usize>,
    /// What it names: a capture, `path`, `line`, or `fact.<name>`.
    pub name: &'a str,
    pub shape: Shape,
}

/// A piece of a template: text as written, or a placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Placeholder(Placeholder<'a>),
}

/// Splits a template into text and placeholders. A brace that does not open a plausible name
/// (`{ $_.State }`, a PowerShell script block) is text, and the scan goes on inside it, since a
/// script block may hold placeholders.
pub fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut cursor = 0;
    while let Some(open) = template[cursor..].find('{').map(|i| cursor + i) {
        let Some(close) = template[open..].find('}').map(|i| open + i) else { break };
        let inner = &template[open + 1..close];
        let (name, shape) = match inner.split_once('|') {
            Some((name, "list")) => (name, Shape::List),
            Some(_) => ("", Shape::One),
            None => (inner, Shape::One),
        };
        let plausible =
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !plausible {
            cursor = open + 1;
            continue;
        }
        if text_start < open {
            out.push(Piece::Text(&template[text_start..open]));
        }
        out.push(Piece::Placeholder(Placeholder { span: open..close + 1, name, shape }));
        text_start = close + 1;
        cursor = close + 1;
    }
    if text_start < template.len() {
        out.push(Piece::Text(&template[text_start..]));
    }
    out
}

/// Fills prose: each placeholder with what `value` gives for its name (a list's items joined
/// by ", "), or `<name>` when it gives nothing, so the reader sees what belongs there.
pub fn fill_from(template: &str, value: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Placeholder(p) => match (value(p.name), p.shape) {
                (Some(value), Shape::One) => out.push_str(&value),
                (Some(value), Shape::List) => out.push_str(&list_items(&value).collect::<Vec<_>>().join(", ")),
                (None, _) => out.push_str(&unfilled(&p)),
            },
        }
    }
    out
}

/// What stands for a placeholder without a value.
pub fn unfilled(placeholder: &Placeholder<'_>) -> String {
    format!("<{}>", placeholder.name.strip_prefix("fact.").unwrap_or(placeholder.name))
}

/// The items of a list value (see [`Shape::List`]).
pub fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value.lines().map(str::trim).filter(|item| !item.is_empty())
}

/// Why a placeholder cannot stand where a command puts it, or `None` when it can.
///
/// A command's placeholder is always filled with a PowerShell single-quoted literal, so it must
/// be a whole argument: after the start, a space, `(` or `,`, and before the end, a space, `)`,
/// `,`, `;` or `|`. Inside quotes (`'{Name}'`) the literal would close the rule's own quote;
/// inside a word (`*{vm}*`) it would not be one argument.
pub fn misplaced_in_command(command: &str, placeholder: &Placeholder<'_>) -> Option<&'static str> {
    let before = command[..placeholder.span.start].chars().next_back();
    let after = command[placeholder.span.end..].chars().next();
    let opens = before.is_none_or(|c| c.is_whitespace() || matches!(c, '(' | ','));
    let closes = after.is_none_or(|c| c.is_whitespace() || matches!(c, ')' | ',' | ';' | '|'));
    match (before, after) {
        (Some('\'' | '"' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}'), _)
        | (_, Some('\'' | '"' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}')) => {
            Some("ccdiag writes every value in a command as a quoted PowerShell literal; remove the quotes around it")
        }
        _ if !opens || !closes => Some(
            "a placeholder in a command must be a whole argument (after a space, `(` or `,`; before a space, `)`, `,`, `;` or `|`)",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(template: &str) -> Vec<(&str, Shape)> {
        pieces(template)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Placeholder(p) => Some((p.name, p.shape)),
                Piece::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn placeholders_script_blocks_and_lists() {
        assert_eq!(
            names("Invoke-Command -ComputerName {PSComputerName} -ScriptBlock { Start-Service {Name} }"),
            [("PSComputerName", Shape::One), ("Name", Shape::One)]
        );
        assert_eq!(names("Add-MpPreference -ExclusionPath {paths|list}"), [("paths", Shape::List)]);
        assert_eq!(names("{fact.ini.Common.IP} { $_.State } {a|bogus}"), [("fact.ini.Common.IP", Shape::One)]);
        let text: String = pieces("a {x} b")
            .iter()
            .map(|p| match p {
                Piece::Text(t) => (*t).to_owned(),
                Piece::Placeholder(p) => format!("<{}>", p.name),
            })
            .collect();
        assert_eq!(text, "a <x> b");
    }

    #[test]
    fn commands_take_placeholders_as_whole_arguments_only() {
        let check = |command: &str| {
            pieces(command)
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Placeholder(p) => Some(p),
                    Piece::Text(_) => None,
                })
                .map(|p| misplaced_in_command(command, &p))
                .collect::<Vec<_>>()
        };
        assert_eq!(check("Start-VM -Name {Name}"), [None]);
        assert_eq!(check("Set-X ({a}, {b}); Get-Y {c}|Out-Null"), [None, None, None]);
        assert!(check("Start-VM -Name '{Name}'")[0].unwrap().contains("remove the quotes"));
        assert!(check("Get-VM | Where-Object Name -like '*{vm}*'")[0].is_some());
        assert!(check("New-NetIPAddress -IPAddress <free address in {subnet}>")[0].unwrap().contains("whole argument"));
    }
}
