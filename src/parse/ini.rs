//! Ini files: `CloudConnector.ini`, `module.ini` and any other `.ini`.
//!
//! Administrators edit `CloudConnector.ini` by hand, so it carries stray spaces around `=`
//! (`InternalMachineName= cc-edge1` in Microsoft's own sample), quoted values, comments and
//! sometimes a key pasted twice. The deployment scripts read the first occurrence of a key and
//! compare names case-insensitively, like `GetPrivateProfileString`; this parser keeps the first
//! value and reports the rest. Values are not cut at `;` or `#`: passwords and paths may hold
//! them, and comments only ever fill whole lines.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::parse::lines::{Line, lines};
use crate::record::{Parsed, Problem, ProblemKind, Record, RecordKind, Span};

pub fn parse(text: &str) -> Parsed {
    let mut parser = Parser::default();
    for line in lines(text) {
        parser.line(line);
    }
    parser.finish()
}

#[derive(Default)]
struct Parser {
    parsed: Parsed,
    current: Option<Section>,
    /// ASCII-lower-cased section name → line of its first header.
    headers: HashMap<String, u32>,
}

/// A section being filled.
struct Section {
    record: Record,
    /// ASCII-lower-cased key (as [`Record::get`] compares) → line of its first occurrence.
    keys: HashMap<String, u32>,
}

impl Parser {
    fn line(&mut self, line: Line<'_>) {
        let text = line.text.trim();
        if text.is_empty() || text.starts_with(';') || text.starts_with('#') {
            return;
        }
        if let Some(header) = text.strip_prefix('[') {
            let name = self.header_name(header, line.number);
            self.start_section(name, line);
        } else if let Some((key, value)) = text.split_once('=') {
            self.key(key.trim_end(), unquote(value.trim_start()), line);
        } else {
            self.parsed.problems.push(Problem::at(ProblemKind::Syntax, line.number, "not a key=value line; skipped"));
        }
    }

    /// The name inside `[...]`. A header without its `]` still starts a section, so the keys
    /// under it are not mistaken for keys of the section before.
    fn header_name<'a>(&mut self, header: &'a str, number: u32) -> &'a str {
        let Some((name, after)) = header.split_once(']') else {
            self.parsed.problems.push(Problem::at(ProblemKind::Syntax, number, "section header without a closing ']'"));
            return header.trim();
        };
        let after = after.trim_start();
        if !(after.is_empty() || after.starts_with(';') || after.starts_with('#')) {
            self.parsed.problems.push(Problem::at(
                ProblemKind::Syntax,
                number,
                format!("text after the section header ignored: {after}"),
            ));
        }
        name.trim()
    }

    fn start_section(&mut self, name: &str, line: Line<'_>) {
        self.close_section();
        match self.headers.entry(name.to_ascii_lowercase()) {
            Entry::Occupied(first) => self.parsed.problems.push(Problem::at(
                ProblemKind::Duplicate,
                line.number,
                format!("section [{name}] appears again (first at line {}); both are kept", first.get()),
            )),
            Entry::Vacant(slot) => {
                slot.insert(line.number);
            }
        }
        self.current = Some(Section::new(name, line));
    }

    fn key(&mut self, key: &str, value: &str, line: Line<'_>) {
        if key.is_empty() {
            self.parsed.problems.push(Problem::at(
                ProblemKind::Syntax,
                line.number,
                "key=value line without a key; skipped",
            ));
            return;
        }
        // Keys before any header form a section with an empty name.
        let section = self.current.get_or_insert_with(|| Section::new("", line));
        let span = &mut section.record.span;
        span.bytes.end = line.end;
        span.last_line = line.number;
        match section.keys.entry(key.to_ascii_lowercase()) {
            Entry::Occupied(first) => {
                let name = section.record.get("section").unwrap_or_default();
                self.parsed.problems.push(Problem::at(
                    ProblemKind::Syntax,
                    line.number,
                    format!(
                        "duplicate key {key} in section [{name}] (lines {} and {}); the first value is used",
                        first.get(),
                        line.number
                    ),
                ));
            }
            Entry::Vacant(slot) => {
                slot.insert(line.number);
                section.record.push(key.to_owned(), value);
            }
        }
    }

    fn close_section(&mut self) {
        if let Some(section) = self.current.take() {
            self.parsed.records.push(section.record);
        }
    }

    fn finish(mut self) -> Parsed {
        self.close_section();
        self.parsed
    }
}

impl Section {
    /// Starts at `line`: the header, or the first key of a header-less section, so findings
    /// about a missing key point at the section's first line.
    fn new(name: &str, line: Line<'_>) -> Section {
        let span = Span { bytes: line.start..line.end, first_line: line.number, last_line: line.number };
        Section { record: Record::new(RecordKind::IniSection, span).with("section", name), keys: HashMap::new() }
    }
}

/// Strips one pair of surrounding double quotes, which some templates put around paths.
fn unquote(value: &str) -> &str {
    value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PSTN site 1 sample of "Deploy multiple sites in Cloud Connector", with CRLF as on a
    /// host and a few lines a real file has around it.
    const CLOUD_CONNECTOR_INI: &str = "; Skype for Business Cloud Connector Edition configuration\r\n\
        [Common]\r\n\
        SiteName=Site1\r\n\
        VirtualMachineDomain = cce.contoso.local\r\n\
        SIPDomains=contoso.com\r\n\
        \r\n\
        [EdgeServer]\r\n\
        InternalMachineName= cc-edge1\r\n\
        InternalPoolName=cc-edgepool\r\n\
        InternalMachineIPs=192.168.0.241\r\n\
        \r\n\
        ExternalSIPPoolName=access1\r\n\
        ExternalSIPIPs=192.168.1.4\r\n\
        \r\n\
        ExternalMRFQDNPoolName=mr1\r\n\
        ExternalMRIPs=192.168.1.4\r\n\
        ExternalMRPublicIPs=23.99.115.35\r\n\
        # trailing comment\r\n";

    fn fields(record: &Record) -> Vec<(&str, &str)> {
        record.fields.iter().map(|(n, v)| (n.as_ref(), v.as_str())).collect()
    }

    #[test]
    fn cloud_connector_ini() {
        let parsed = parse(CLOUD_CONNECTOR_INI);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.records.len(), 2);
        let common = &parsed.records[0];
        assert_eq!(common.kind, RecordKind::IniSection);
        assert_eq!(
            fields(common),
            [
                ("section", "Common"),
                ("SiteName", "Site1"),
                ("VirtualMachineDomain", "cce.contoso.local"),
                ("SIPDomains", "contoso.com"),
            ]
        );
        assert_eq!((common.span.first_line, common.span.last_line), (2, 5));
        let edge = &parsed.records[1];
        assert_eq!(edge.get("section"), Some("EdgeServer"));
        assert_eq!(edge.get("internalmachinename"), Some("cc-edge1"));
        assert_eq!(edge.get("ExternalMRPublicIPs"), Some("23.99.115.35"));
        assert_eq!((edge.span.first_line, edge.span.last_line), (7, 17));
        let span_text = &CLOUD_CONNECTOR_INI[edge.span.bytes.clone()];
        assert!(span_text.starts_with("[EdgeServer]") && span_text.ends_with("ExternalMRPublicIPs=23.99.115.35"));
    }

    #[test]
    fn module_ini() {
        let text = "[RunningVersion]\r\nVersion=2.1.0.0\r\n[BackupVersion]\r\nVersion=2.0.1.0\r\n";
        let parsed = parse(text);
        assert!(parsed.problems.is_empty());
        let versions: Vec<_> = parsed.records.iter().map(|r| (r.get("section"), r.get("version"))).collect();
        assert_eq!(versions, [(Some("RunningVersion"), Some("2.1.0.0")), (Some("BackupVersion"), Some("2.0.1.0"))]);
    }

    #[test]
    fn comments_quotes_and_keys_before_any_section() {
        let text = "  ; comment\nOwner = ops\n\n[Paths]\n# another\nSiteRoot = \"\\\\fs01\\CCE Share\"\nPassword=a;b#c\nEmpty=\n";
        let parsed = parse(text);
        assert!(parsed.problems.is_empty());
        assert_eq!(fields(&parsed.records[0]), [("section", ""), ("Owner", "ops")]);
        assert_eq!(parsed.records[0].span.first_line, 2);
        assert_eq!(
            fields(&parsed.records[1]),
            [("section", "Paths"), ("SiteRoot", "\\\\fs01\\CCE Share"), ("Password", "a;b#c"), ("Empty", "")]
        );
    }

    #[test]
    fn duplicates_are_reported_and_the_first_value_wins() {
        let text = "[Common]\nSiteName=Site1\nsitename=Site2\n[Gateway]\nFQDN=gw1\n[common]\nSiteName=Site3\n";
        let parsed = parse(text);
        assert_eq!(parsed.records.len(), 3);
        assert_eq!(fields(&parsed.records[0]), [("section", "Common"), ("SiteName", "Site1")]);
        assert_eq!(parsed.records[0].span.last_line, 3);
        assert_eq!(parsed.records[2].get("sitename"), Some("Site3"));
        let problems: Vec<_> = parsed.problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            problems,
            [
                (Some(3), "duplicate key sitename in section [Common] (lines 2 and 3); the first value is used"),
                (Some(6), "section [common] appears again (first at line 1); both are kept"),
            ]
        );
    }

    #[test]
    fn malformed_lines() {
        let text = "[Common\nSiteName=Site1\njust text\n=orphan\n[Edge] trailing\n[]\n";
        let parsed = parse(text);
        let sections: Vec<_> = parsed.records.iter().map(|r| r.get("section")).collect();
        assert_eq!(sections, [Some("Common"), Some("Edge"), Some("")]);
        assert_eq!(parsed.records[0].get("SiteName"), Some("Site1"));
        let lines: Vec<_> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(1), Some(3), Some(4), Some(5)]);
    }

    #[test]
    fn a_lone_bracket_and_empty_input() {
        let parsed = parse("[");
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].get("section"), Some(""));
        assert_eq!(parsed.problems.len(), 1);
        let parsed = parse("");
        assert!(parsed.records.is_empty() && parsed.problems.is_empty());
    }
}
