//! `ipconfig /all` and `systeminfo` as Windows prints them in English, German and Japanese: the
//! host name, domain, system locale, adapters, IPv4 addresses and DNS servers. The README
//! collects both with one `Invoke-Command { systeminfo; ipconfig /all }`, so they arrive
//! inside console captures and transcripts, mixed with other output, as text records; this
//! reads those lines one at a time, in order, keeping only what a further DNS server line
//! needs to know.
//!
//! ```text
//! Host Name:                 MS1                              systeminfo: unindented
//! Systemgebietsschema:       de;Deutsch (Deutschland)
//! Ethernet-Adapter vEthernet (SfB CCE Corpnet Switch):        ipconfig: adapter headers,
//!    IPv4-Adresse  . . . . . . . . . . : 10.40.13.10(Bevorzugt)   indented labels with dot leaders,
//!    DNS Servers . . . . . . . . . . . : fec0:0:0:ffff::1%1
//!                                        192.168.50.30            and further values alone
//! ```

use std::net::IpAddr;

/// What a labelled line states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    /// `Host Name` (both tools).
    HostName,
    /// `Domain` (systeminfo): the domain, or the workgroup of a computer outside any domain.
    Domain,
    /// `System Locale` (systeminfo): `en-gb;English (United Kingdom)`.
    SystemLocale,
    /// `IPv4 Address`, `Autoconfiguration IPv4 Address` (ipconfig): `10.40.13.10(Preferred)`.
    Ipv4Address,
    /// `DNS Servers` (ipconfig): the first server; each further one is a line of its own.
    DnsServers,
}

/// The labels, as each language writes them, and the culture that language implies (`None`
/// for English, written by cultures that order dates either way).
const LABELS: &[(&str, Label, Option<&str>)] = &[
    ("Host Name", Label::HostName, None),
    ("Hostname", Label::HostName, Some("de")),
    ("ホスト名", Label::HostName, Some("ja")),
    ("Domain", Label::Domain, None),
    ("Domäne", Label::Domain, Some("de")),
    ("ドメイン", Label::Domain, Some("ja")),
    ("System Locale", Label::SystemLocale, None),
    ("Systemgebietsschema", Label::SystemLocale, Some("de")),
    ("システム ロケール", Label::SystemLocale, Some("ja")),
    ("IPv4 Address", Label::Ipv4Address, None),
    ("Autoconfiguration IPv4 Address", Label::Ipv4Address, None),
    ("IPv4-Adresse", Label::Ipv4Address, Some("de")),
    ("Autokonfigurations-IPv4-Adresse", Label::Ipv4Address, Some("de")),
    ("IPv4 アドレス", Label::Ipv4Address, Some("ja")),
    ("自動構成 IPv4 アドレス", Label::Ipv4Address, Some("ja")),
    ("DNS Servers", Label::DnsServers, None),
    ("DNS-Server", Label::DnsServers, Some("de")),
    ("DNS サーバー", Label::DnsServers, Some("ja")),
];

/// The word before an adapter's name in ipconfig's headers: `Ethernet adapter`,
/// `Ethernet-Adapter`, `Tunneladapter`, `イーサネット アダプター`.
const ADAPTER_WORDS: [&str; 2] = ["adapter ", "アダプター "];

/// A value under a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Labelled<'a> {
    pub label: Label,
    pub value: &'a str,
    /// The culture the label's language implies, when it is not English.
    pub culture: Option<&'static str>,
}

/// What one line states, read alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// `Ethernet adapter NAME:`: the adapter the lines after it describe.
    Adapter(&'a str),
    /// A value under a label this module reads.
    Value(Labelled<'a>),
    /// An ipconfig label this module does not read; it ends the list of the label before.
    Other,
    /// An address alone on a line, deep in the value column: a further value of the label
    /// before.
    More(&'a str),
}

/// What `text` states, read alone; `None` when it is no line of these tools.
pub fn line(text: &str) -> Option<Line<'_>> {
    let indent = text.len() - text.trim_start_matches(' ').len();
    let text = text.trim_end();
    if indent >= 8 {
        let value = text.trim_start();
        return address(value).is_some().then_some(Line::More(value));
    }
    if indent == 0
        && let Some(header) = text.strip_suffix(':')
        && let Some(name) = ADAPTER_WORDS.iter().find_map(|word| after_word(header, word))
    {
        return Some(Line::Adapter(name.trim()));
    }
    let (written, value) = text.split_once(':')?;
    let dotted = written.ends_with('.') || written.ends_with(". ");
    // systeminfo writes its labels at the margin with the colon right after them (Format-List
    // puts a space before it); ipconfig indents its labels and leads them to the colon with dots.
    let layout_fits = |label: Label| match label {
        Label::Domain | Label::SystemLocale => indent == 0 && !written.ends_with(' '),
        Label::HostName => indent == 0 && !written.ends_with(' ') || indent > 0 && dotted,
        Label::Ipv4Address | Label::DnsServers => indent > 0 && dotted,
    };
    let trimmed = written.trim_matches([' ', '.']);
    match LABELS.iter().find(|(label, _, _)| label.eq_ignore_ascii_case(trimmed)) {
        Some(&(_, label, culture)) if layout_fits(label) => {
            Some(Line::Value(Labelled { label, value: value.trim(), culture }))
        }
        _ if indent > 0 && dotted => Some(Line::Other),
        _ => None,
    }
}

/// What follows the first `word` (ASCII letters in any case) in `text`.
fn after_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let at = text
        .char_indices()
        .map(|(i, _)| i)
        .find(|&i| text.as_bytes().get(i..i + word.len()).is_some_and(|b| b.eq_ignore_ascii_case(word.as_bytes())))?;
    text.get(at + word.len()..)
}

/// Reads the lines of one input in order: a further DNS server line becomes a value of
/// [`Label::DnsServers`], and every other line reads as [`line`] reads it.
#[derive(Default)]
pub struct Reader {
    last: Option<Labelled<'static>>,
}

impl Reader {
    pub fn read<'a>(&mut self, text: &'a str) -> Option<Line<'a>> {
        let line = line(text)?;
        match line {
            Line::More(value) => {
                let last = self.last.filter(|l| l.label == Label::DnsServers)?;
                Some(Line::Value(Labelled { value, ..last }))
            }
            Line::Value(labelled) => {
                self.last = Some(Labelled { value: "", ..labelled });
                Some(line)
            }
            Line::Adapter(_) | Line::Other => {
                self.last = None;
                Some(line)
            }
        }
    }
}

/// The address a value names: `10.40.13.10(Preferred)`, `fe80::8c3e:19a2:6f4d:2b71%14`,
/// `fec0:0:0:ffff::1%1`.
pub fn address(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    let value = value.split_once('(').map_or(value, |(address, _)| address.trim_end());
    let value = value.split_once('%').map_or(value, |(address, _)| address);
    value.parse().ok()
}

/// Whether `address` is one of the three DNS servers Windows lists for IPv6 when none is
/// configured (`fec0:0:0:ffff::1` to `::3`): a default, not a choice.
pub fn is_default_ipv6_dns(address: IpAddr) -> bool {
    match address {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            s[..7] == [0xfec0, 0, 0, 0xffff, 0, 0, 0] && (1..=3).contains(&s[7])
        }
        IpAddr::V4(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Option<(Label, &str, Option<&str>)> {
        match line(text)? {
            Line::Value(l) => Some((l.label, l.value, l.culture)),
            _ => None,
        }
    }

    #[test]
    fn labels_in_every_language() {
        for (text, label, shown, culture) in [
            ("Host Name:                 AVCMS1", Label::HostName, "AVCMS1", None),
            ("   Host Name . . . . . . . . . . . . : AVCMS1", Label::HostName, "AVCMS1", None),
            ("   Hostname  . . . . . . . . . . . . : KFCCEHOST01", Label::HostName, "KFCCEHOST01", Some("de")),
            ("   ホスト名. . . . . . . . . . . . . . . .: HNCCEHV01", Label::HostName, "HNCCEHV01", Some("ja")),
            ("Domain:                    WORKGROUP", Label::Domain, "WORKGROUP", None),
            ("Domäne:                    WORKGROUP", Label::Domain, "WORKGROUP", Some("de")),
            (
                "System Locale:             en-gb;English (United Kingdom)",
                Label::SystemLocale,
                "en-gb;English (United Kingdom)",
                None,
            ),
            (
                "Systemgebietsschema:       de;Deutsch (Deutschland)",
                Label::SystemLocale,
                "de;Deutsch (Deutschland)",
                Some("de"),
            ),
            (
                "   IPv4 Address. . . . . . . . . . . : 172.18.40.21(Preferred) ",
                Label::Ipv4Address,
                "172.18.40.21(Preferred)",
                None,
            ),
            (
                "   IPv4-Adresse  . . . . . . . . . . : 10.40.13.10(Bevorzugt) ",
                Label::Ipv4Address,
                "10.40.13.10(Bevorzugt)",
                Some("de"),
            ),
            (
                "   IPv4 アドレス . . . . . . . . . . . . .: 192.168.60.77(優先)",
                Label::Ipv4Address,
                "192.168.60.77(優先)",
                Some("ja"),
            ),
            (
                "   Autoconfiguration IPv4 Address. . : 169.254.33.12(Preferred)",
                Label::Ipv4Address,
                "169.254.33.12(Preferred)",
                None,
            ),
            ("   DNS-Server  . . . . . . . . . . . : 10.40.1.10", Label::DnsServers, "10.40.1.10", Some("de")),
            ("   DNS サーバー. . . . . . . . . . . . . .: 192.168.1.10", Label::DnsServers, "192.168.1.10", Some("ja")),
        ] {
            assert_eq!(value(text), Some((label, shown, culture)), "{text}");
        }
    }

    #[test]
    fn adapters_other_labels_and_what_is_none_of_them() {
        assert_eq!(line("Ethernet adapter vEthernet (RG Corpnet):"), Some(Line::Adapter("vEthernet (RG Corpnet)")));
        assert_eq!(
            line("Ethernet-Adapter vEthernet (SfB CCE Corpnet Switch):"),
            Some(Line::Adapter("vEthernet (SfB CCE Corpnet Switch)"))
        );
        assert_eq!(line("イーサネット アダプター 管理:"), Some(Line::Adapter("管理")));
        assert_eq!(line("Tunneladapter isatap.{0C4B7E21}:"), Some(Line::Adapter("isatap.{0C4B7E21}")));
        assert_eq!(line("   NetBIOS über TCP/IP . . . . . . . : Aktiviert"), Some(Line::Other));
        // A Format-List property or a log line is neither tool's.
        assert_eq!(line("Domain         : WORKGROUP"), None);
        assert_eq!(line("    Domain: WORKGROUP"), None);
        assert_eq!(line("Windows IP Configuration"), None);
        assert_eq!(line("                           [01]: KB2919355"), None);
    }

    #[test]
    fn further_dns_servers_belong_to_the_label_before() {
        let text = "   DNS Servers . . . . . . . . . . . : fec0:0:0:ffff::1%1\n\
                    \x20                                      fec0:0:0:ffff::2%1\n\
                    \x20                                      192.168.50.30\n\
                    \x20  NetBIOS over Tcpip. . . . . . . . : Enabled\n\
                    \x20                                      10.9.9.9";
        let mut reader = Reader::default();
        let servers: Vec<&str> = text
            .lines()
            .filter_map(|l| match reader.read(l) {
                Some(Line::Value(Labelled { label: Label::DnsServers, value, .. })) => Some(value),
                _ => None,
            })
            .collect();
        assert_eq!(servers, ["fec0:0:0:ffff::1%1", "fec0:0:0:ffff::2%1", "192.168.50.30"]);
        let defaults: Vec<bool> = servers.iter().map(|s| is_default_ipv6_dns(address(s).unwrap())).collect();
        assert_eq!(defaults, [true, true, false]);
        assert_eq!(address("10.40.13.10(Bevorzugt)"), "10.40.13.10".parse().ok());
        assert_eq!(address("fe80::8c3e:19a2:6f4d:2b71%14(Bevorzugt)"), "fe80::8c3e:19a2:6f4d:2b71".parse().ok());
    }
}
