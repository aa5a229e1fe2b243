//! `--redact`: personal data becomes stable pseudonyms before any format sees the report.
//!
//! One pass over the built [`Report`], in two steps. First it collects the values it can be sure
//! are names or addresses from what they stand next to: the host facts (machines, the DNS
//! domains of CloudConnector.ini), transcript headers (`Username: CONTOSO\kim`), profile paths
//! (`C:\Users\kim`), `DOMAIN\user` with a domain already known, UPNs and e-mail addresses,
//! `*.onmicrosoft.com` tenants, FQDNs under a known domain, IPv4 and IPv6 addresses, and
//! captured fields whose name says what they hold (`machine`, `username`, ...). Then it replaces
//! each of them everywhere (paths, excerpts, captures, remediation, reasons, problems, rule
//! text), the same value by the same pseudonym, so the report still reads: `host-1` in the
//! path is `host-1` in the excerpt.
//!
//! What stays: product, cmdlet and service names, error text, file names, GUIDs, versions,
//! vendor endpoints (`admin0a.online.lync.com`), names of one or two characters (they would
//! replace ordinary words), and addresses that identify nothing (loopback, unspecified,
//! 169.254.0.0/16 link-local, broadcast and netmasks), which are often the diagnosis itself
//! ("the adapter has 169.254.12.7").

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use serde_json::json;

use super::Report;
use super::fleet::Fleet;

/// One replacement: `original` (as first seen) becomes `pseudonym` wherever it occurs, in any
/// letter case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub kind: Kind,
    pub original: String,
    pub pseudonym: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    User,
    Host,
    Domain,
    Tenant,
    Ipv4,
    Ipv6,
    /// A certification authority's name (`cce-CCEDC-CA`): Active Directory names an enterprise
    /// CA after the domain and the server it runs on.
    Ca,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Host => "host",
            Kind::Domain => "domain",
            Kind::Tenant => "tenant",
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Ca => "ca",
        }
    }
}

/// Replaces personal data in every text of the report and returns what became what.
pub fn redact(report: &mut Report) -> Vec<Mapping> {
    redact_all(&mut [report], &mut [])
}

/// [`redact`] over every host of a fleet with one mapping, so that a name shared by two hosts
/// (their domain, a user) has one pseudonym throughout; the hosts' roots are redacted too, as
/// their paths start with them.
pub fn redact_fleet(fleet: &mut Fleet) -> Vec<Mapping> {
    let (mut reports, mut roots): (Vec<&mut Report>, Vec<&mut String>) =
        fleet.hosts.iter_mut().map(|h| (&mut h.report, &mut h.root)).unzip();
    redact_all(&mut reports, &mut roots)
}

/// Collects from every report, then replaces in every report and in `names`.
fn redact_all(reports: &mut [&mut Report], names: &mut [&mut String]) -> Vec<Mapping> {
    let mut collector = Collector::default();
    for report in reports.iter_mut() {
        collector.collect(report);
    }
    let mappings = collector.finish();
    if let Some(replacer) = Replacer::new(&mappings) {
        for name in names.iter_mut() {
            replacer.apply(name);
        }
        for report in reports.iter_mut() {
            for_each_text(report, &mut |_, text| replacer.apply(text));
        }
    }
    for report in reports {
        report.redacted = true;
    }
    mappings
}

/// The mapping as `--redact-map` writes it: originals and pseudonyms, for whoever must read the
/// redacted report against the real host. It holds the personal data; keep it apart.
pub fn map_json(mappings: &[Mapping]) -> String {
    let rows: Vec<_> = mappings
        .iter()
        .map(|m| json!({"kind": m.kind.name(), "original": m.original, "pseudonym": m.pseudonym}))
        .collect();
    let mut text = super::sanitize::json_pretty(&json!({ "pseudonyms": rows }));
    text.push('\n');
    text
}

/// Built-in accounts and profile folders: the same on every Windows machine, and words the
/// report needs ("run as Administrator").
const WELL_KNOWN_ACCOUNTS: &[&str] = &[
    "administrator",
    "admin",
    "guest",
    "system",
    "local service",
    "network service",
    "localservice",
    "networkservice",
    "defaultaccount",
    "wdagutilityaccount",
    "public",
    "default",
    "default user",
    "all users",
];

/// Account domains that are not an organisation's.
const WELL_KNOWN_ACCOUNT_DOMAINS: &[&str] =
    &["nt authority", "builtin", "nt service", "window manager", "font driver host"];

/// The names Cloud Connector's sample CloudConnector.ini gives its VMs, which are also the
/// product's words for their roles ("the CMS VM"): they identify no one, and replacing them
/// would rewrite the report's own prose.
const SAMPLE_VM_NAMES: &[&str] = &["dc", "ad", "cms", "ms", "ms1", "edge", "edge1", "mediation"];

/// Vendors' domains: service endpoints and product names, not the customer's.
const VENDOR_DOMAINS: &[&str] = &[
    "microsoft.com",
    "microsoftonline.com",
    "lync.com",
    "skype.com",
    "office.com",
    "office365.com",
    "outlook.com",
    "windows.net",
    "live.com",
    "onmicrosoft.com",
];

static USERNAME_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^[ \t]*(?:Username|RunAs User|User ?Name)[ \t]*:[ \t]*(?:([^\\\s]+)\\)?(\S+)[ \t]*$")
        .expect("valid regex")
});
/// A profile folder: a name with spaces only when a separator closes it (`C:\Users\Kim Akers\`).
static PROFILE_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)[\\/]Users[\\/](?:([^\\/:*?"<>|\r\n\t]+?)[\\/>]|([^\\/:*?"<>|\s]+))"#).expect("valid regex")
});
// Values are found by their own shape, never by `\b`: in `ip10.20.30.48`, `10.20.30.54ms` or
// `Server_10.20.30.43_x` an address touches letters, and an ANSI colour (`\x1b[31m`, masked in
// the view, see `shown`) leaves `m` before a name. What may touch a value is decided per kind
// by the `*_glued` checks, after the match.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)([a-z0-9][a-z0-9._%+-]*)@((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})").expect("valid regex")
});
static TENANT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.onmicrosoft\.com")
        .expect("valid regex")
});
/// A domain as LDAP writes it in a distinguished name: `DC=cce, DC=fabrikam, DC=local`.
static LDAP_DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)DC=[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:[ \t]*,[ \t]*DC=[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")
        .expect("valid regex")
});
/// An enterprise CA's default name, `<domain>-<server>-CA`; the domain part is checked against
/// the domains known.
static CA_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)([a-z0-9]{1,15})-[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-CA").expect("valid regex"));
static FQDN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+").expect("valid regex")
});
/// `CONTOSO\kim`: a NetBIOS domain (15 characters at most) and a logon name (20 at most), one
/// or two backslashes between them (JSON doubles it).
static DOMAIN_USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)([a-z0-9][a-z0-9-]{0,14})\\{1,2}([a-z0-9][a-z0-9._$-]{0,19})").expect("valid regex")
});
static IPV4: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}").expect("valid regex"));
static IPV6: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}").expect("valid regex"));
/// `Version=2.1.0.0`, `SerializationVersion: 1.1.0.1`: dotted quads that are versions.
static VERSION_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)version\w*[ \t]*[:=][ \t]*$").expect("valid regex"));

#[derive(Default)]
struct Collector {
    /// Simple values by kind and lower-case original, in order of first sight.
    order: Vec<(Kind, String)>,
    seen: HashSet<(Kind, String)>,
    /// Compound values that read better kept whole: `ap.contoso.com` becomes `host-3.domain-1`,
    /// not `ap.domain-1` (the bare label `ap` is not replaced elsewhere).
    fqdns: Vec<(String, String, String)>,
    tenants: Vec<String>,
    /// Dotted quads known to be versions, never addresses.
    versions: HashSet<String>,
    /// NetBIOS names that may stand before `\user`.
    account_domains: HashSet<String>,
    /// Distinguished names' domains as written (`DC=cce, DC=fabrikam, DC=local`) with the DNS
    /// domain they spell: replaced whole, by `DC=` and that domain's pseudonym.
    ldap: Vec<(String, String)>,
}

impl Collector {
    fn add(&mut self, kind: Kind, value: &str) {
        let value = value.trim().trim_end_matches(['.', ',', ';']);
        if value.is_empty() {
            return;
        }
        let key = (kind, value.to_lowercase());
        // A name of one or two letters (`AD\kim`'s domain, a user `jd`) identifies no one and
        // would turn ordinary words of the report ("Active Directory (AD)") into pseudonyms.
        let too_short = matches!(kind, Kind::User | Kind::Host | Kind::Domain) && value.chars().count() < 3;
        let skip = too_short
            || match kind {
                Kind::User => WELL_KNOWN_ACCOUNTS.contains(&key.1.as_str()),
                Kind::Domain => {
                    WELL_KNOWN_ACCOUNT_DOMAINS.contains(&key.1.as_str())
                        || VENDOR_DOMAINS.iter().any(|v| is_under(&key.1, v))
                }
                // A remote session's computer is often the service's endpoint (`admin0a.online.lync.com`).
                Kind::Host => VENDOR_DOMAINS.iter().any(|v| is_under(&key.1, v)),
                _ => false,
            };
        if skip || self.seen.contains(&key) {
            return;
        }
        self.seen.insert(key);
        self.order.push((kind, value.to_owned()));
    }

    /// The DNS domains known so far (NetBIOS names aside).
    fn domains(&self) -> Vec<String> {
        self.order
            .iter()
            .filter(|(k, v)| *k == Kind::Domain && v.contains('.'))
            .map(|(_, v)| v.to_lowercase())
            .collect()
    }

    fn collect(&mut self, report: &mut Report) {
        for version in &report.host.versions {
            if let Some(v) = version.split_whitespace().next() {
                self.versions.insert(v.to_owned());
            }
        }
        for host in &report.host.hosts {
            self.add(Kind::Host, host);
        }
        for domain in &report.host.domains {
            self.add(Kind::Domain, domain);
        }
        for vm in &report.host.vms {
            if !SAMPLE_VM_NAMES.contains(&vm.to_lowercase().as_str()) {
                self.add(Kind::Host, vm);
            }
        }
        let suppressed = report.suppressed.iter().flat_map(|s| &s.evidence);
        for evidence in report.findings.iter().flat_map(|f| &f.evidence).chain(suppressed) {
            for (name, value) in &evidence.captures {
                self.capture(name, value);
            }
        }
        let mut texts = Vec::new();
        for_each_text(report, &mut |origin, text| {
            if origin == Origin::Input {
                texts.push(text.clone());
            }
        });
        self.texts(&texts);
    }

    /// Values found in texts: names first, as later patterns need the domains they reveal.
    fn texts(&mut self, texts: &[String]) {
        for text in texts {
            self.names(text);
        }
        for domain in self.domains() {
            if let Some(label) = domain.split('.').next() {
                self.account_domains.insert(label.to_owned());
            }
        }
        for text in texts {
            self.qualified(text);
            self.addresses(text);
            self.authorities(text);
        }
    }

    /// CA names made of a known domain's first label (or NetBIOS name): `cce-CCEDC-CA`.
    fn authorities(&mut self, text: &str) {
        let view = shown(text);
        let text = view.as_str();
        for caps in CA_NAME.captures_iter(text) {
            let whole = caps.get(0).expect("a match");
            if !name_glued(text, whole.start(), whole.end()) && self.account_domains.contains(&caps[1].to_lowercase()) {
                self.add(Kind::Ca, whole.as_str());
            }
        }
    }

    /// A captured field whose name says it holds a machine or an account.
    fn capture(&mut self, name: &str, value: &str) {
        let name = name.to_ascii_lowercase();
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        match name.as_str() {
            // An address in a machine field is found by the address patterns.
            "machine" | "session_machine" | "computer" | "computername" | "pscomputername" | "host" | "hostname"
                if value.parse::<Ipv4Addr>().is_err() && value.parse::<Ipv6Addr>().is_err() =>
            {
                self.add(Kind::Host, value)
            }
            "username" | "runas_user" | "session_user" | "user" | "upn" | "userprincipalname" => self.account(value),
            _ => {}
        }
    }

    /// `DOMAIN\user`, `user@domain` or a bare user name.
    fn account(&mut self, value: &str) {
        if let Some((domain, user)) = value.split_once('\\') {
            if !WELL_KNOWN_ACCOUNT_DOMAINS.contains(&domain.to_lowercase().as_str()) {
                self.account_domains.insert(domain.to_lowercase());
                self.add(Kind::Domain, domain);
                self.add(Kind::User, user);
            }
        } else if let Some(caps) = EMAIL.captures(value) {
            self.email(&caps[1], &caps[2]);
        } else {
            self.add(Kind::User, value);
        }
    }

    fn email(&mut self, user: &str, domain: &str) {
        self.add(Kind::User, user.trim_matches('.'));
        if domain.to_ascii_lowercase().ends_with(".onmicrosoft.com") {
            self.tenant(domain);
        } else {
            self.add(Kind::Domain, domain);
        }
    }

    fn tenant(&mut self, fqdn: &str) {
        let fqdn = fqdn.to_lowercase();
        if !self.tenants.contains(&fqdn) {
            self.tenants.push(fqdn);
        }
    }

    /// Accounts and tenants: transcript headers, profile paths, UPNs, `DOMAIN\user`.
    fn names(&mut self, text: &str) {
        let view = shown(text);
        let text = view.as_str();
        for caps in USERNAME_LINE.captures_iter(text) {
            match caps.get(1) {
                Some(domain) => self.account(&format!("{}\\{}", domain.as_str(), &caps[2])),
                None => self.account(&caps[2]),
            }
        }
        for caps in PROFILE_PATH.captures_iter(text) {
            if let Some(user) = caps.get(1).or(caps.get(2)) {
                self.add(Kind::User, user.as_str());
            }
        }
        for caps in EMAIL.captures_iter(text) {
            self.email(caps[1].trim_start_matches(['.', '-', '+', '%']), &caps[2]);
        }
        for caps in TENANT.captures_iter(text) {
            let whole = caps.get(0).expect("a match");
            if !name_glued(text, whole.start(), whole.end()) {
                self.tenant(&format!("{}.onmicrosoft.com", &caps[1]));
            }
        }
        for m in LDAP_DOMAIN.find_iter(text) {
            if text[..m.start()].ends_with(char::is_alphanumeric) {
                continue;
            }
            let labels: Vec<&str> = m.as_str().split(',').map(|part| part.trim()[3..].trim()).collect();
            let domain = labels.join(".").to_lowercase();
            if !VENDOR_DOMAINS.iter().any(|v| is_under(&domain, v)) {
                self.add(Kind::Domain, &domain);
                if !self.ldap.iter().any(|(written, _)| written.eq_ignore_ascii_case(m.as_str())) {
                    self.ldap.push((m.as_str().to_owned(), domain));
                }
            }
        }
        for caps in DOMAIN_USER.captures_iter(text) {
            let (whole, domain, user) = (caps.get(0).expect("a match"), &caps[1], caps[2].trim_end_matches('.'));
            if is_account(text, whole.start(), whole.start() + whole.as_str().trim_end_matches('.').len(), user) {
                self.account(&format!("{domain}\\{user}"));
            }
        }
    }

    /// Host names under a domain already known: `dc1.contoso.com`.
    fn qualified(&mut self, text: &str) {
        let view = shown(text);
        let text = view.as_str();
        let domains = self.domains();
        for m in FQDN.find_iter(text).filter(|m| !name_glued(text, m.start(), m.end())) {
            let token = m.as_str().to_lowercase();
            let Some(domain) =
                domains.iter().filter(|d| token.len() > d.len() + 1 && is_under(&token, d)).max_by_key(|d| d.len())
            else {
                continue;
            };
            let prefix = &m.as_str()[..token.len() - domain.len() - 1];
            if !self.fqdns.iter().any(|(t, _, _)| t == &token) {
                self.fqdns.push((token.clone(), prefix.to_lowercase(), domain.clone()));
            }
        }
    }

    fn addresses(&mut self, text: &str) {
        let view = shown(text);
        let text = view.as_str();
        for m in IPV4.find_iter(text) {
            let before = &text[..m.start()];
            let after = &text[m.end()..];
            // Part of a longer number or dotted number (a five-part version), or a version by
            // its key.
            if ipv4_glued(text, m.start(), m.end()) {
                continue;
            }
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            if VERSION_KEY.is_match(&before[line_start..]) {
                self.versions.insert(m.as_str().to_owned());
                continue;
            }
            // Hyper-V names Cloud Connector VMs `<version>-<role>` (`2.1.0.0-CMS`).
            if after.starts_with('-') && after[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
                self.versions.insert(m.as_str().to_owned());
                continue;
            }
            if let Ok(ip) = m.as_str().parse::<Ipv4Addr>()
                && !identifies_nothing(ip)
            {
                self.add(Kind::Ipv4, m.as_str());
            }
        }
        for m in IPV6.find_iter(text) {
            let candidate = m.as_str();
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            let glued = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || matches!(c, ':' | '.' | '_'));
            if glued(before) || glued(after) {
                continue;
            }
            let shaped = candidate.contains("::") || candidate.matches(':').count() == 7;
            if let Ok(ip) = candidate.parse::<Ipv6Addr>()
                && shaped
                && !ip.is_loopback()
                && !ip.is_unspecified()
            {
                self.add(Kind::Ipv6, candidate);
            }
        }
    }

    /// Pseudonyms, numbered per kind in order of first sight.
    fn finish(mut self) -> Vec<Mapping> {
        self.order.retain(|(kind, value)| *kind != Kind::Ipv4 || !self.versions.contains(value));
        let originals_v4: HashSet<String> =
            self.order.iter().filter(|(k, _)| *k == Kind::Ipv4).map(|(_, v)| v.clone()).collect();
        let mut counters: HashMap<Kind, usize> = HashMap::new();
        let mut v4 = 0usize;
        let mut next_v4 = || loop {
            v4 += 1;
            // 10.0.0.1 onwards; a pseudonym never equals an address of the inputs, so no
            // reader takes one for the other.
            let candidate = format!("10.0.{}.{}", (v4 - 1) / 254, (v4 - 1) % 254 + 1);
            if !originals_v4.contains(&candidate) {
                break candidate;
            }
        };
        let mut mappings: Vec<Mapping> = Vec::new();
        let mut by_key: HashMap<(Kind, String), String> = HashMap::new();
        let mut pseudonym = |kind: Kind, original: &str, mappings: &mut Vec<Mapping>| -> String {
            let key = (kind, original.to_lowercase());
            if let Some(p) = by_key.get(&key) {
                return p.clone();
            }
            let p = if kind == Kind::Ipv4 {
                next_v4()
            } else {
                let n = counters.entry(kind).or_insert(0);
                *n += 1;
                format!("{}-{n}", kind.name())
            };
            mappings.push(Mapping { kind, original: original.to_owned(), pseudonym: p.clone() });
            by_key.insert(key, p.clone());
            p
        };
        for (kind, original) in &self.order {
            pseudonym(*kind, original, &mut mappings);
        }
        // Tenants and FQDNs are replaced whole; their parts get numbers of their kind but no
        // mapping of their own, so a bare `ap` or tenant label elsewhere is left alone.
        for tenant in &self.tenants {
            let name = tenant.trim_end_matches(".onmicrosoft.com");
            let p = pseudonym(Kind::Tenant, name, &mut Vec::new());
            mappings.push(Mapping {
                kind: Kind::Tenant,
                original: tenant.clone(),
                pseudonym: format!("{p}.onmicrosoft.com"),
            });
        }
        for (written, domain) in &self.ldap {
            let domain = pseudonym(Kind::Domain, domain, &mut Vec::new());
            mappings.push(Mapping { kind: Kind::Domain, original: written.clone(), pseudonym: format!("DC={domain}") });
        }
        for (token, prefix, domain) in &self.fqdns {
            let host = pseudonym(Kind::Host, prefix, &mut Vec::new());
            let domain = pseudonym(Kind::Domain, domain, &mut Vec::new());
            mappings.push(Mapping { kind: Kind::Host, original: token.clone(), pseudonym: format!("{host}.{domain}") });
        }
        mappings
    }
}

/// The text as a reader will see it, for finding values in: every control character, and the
/// whole of an ANSI escape sequence (`ESC [ 3 1 m`, an OSC title or link up to its BEL or
/// `ESC \`), becomes spaces, byte for byte, so positions in it are positions in the text.
fn shown(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut masked_until = 0;
    for (i, c) in text.char_indices() {
        if i < masked_until {
            continue;
        }
        if c != '\u{1b}' {
            if c.is_control() && c != '\n' {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            } else {
                out.push(c);
            }
            continue;
        }
        // ESC and what it introduces.
        let mut end = i + 1;
        match bytes.get(end) {
            Some(b'[') => {
                end += 1;
                while bytes.get(end).is_some_and(|b| (0x20..=0x3f).contains(b)) {
                    end += 1;
                }
                if bytes.get(end).is_some_and(|b| (0x40..=0x7e).contains(b)) {
                    end += 1;
                }
            }
            Some(b']') => {
                // An operating system command runs to BEL or to ESC \ (or to the end).
                end = match (end..bytes.len()).find(|&j| bytes[j] == 0x07 || bytes[j..].starts_with(b"\x1b\\")) {
                    Some(j) if bytes[j] == 0x07 => j + 1,
                    Some(j) => j + 2,
                    None => bytes.len(),
                };
            }
            Some(b) if (0x40..=0x5f).contains(b) => end += 1,
            _ => {}
        }
        let end = text.ceil_char_boundary(end);
        out.extend(std::iter::repeat_n(' ', end - i));
        masked_until = end;
    }
    out
}

/// Whether a name found at `start..end` of `view` is part of a longer name: a letter, digit,
/// `-` or `.` touches it (a `_` or a masked escape does not).
fn name_glued(view: &str, start: usize, end: usize) -> bool {
    let before = view[..start].chars().next_back();
    let after = view[end..].chars().next();
    before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '.'))
        || after.is_some_and(|c| c.is_alphanumeric() || c == '-')
}

/// Whether dotted digits at `start..end` of `view` are part of a longer number or a dotted
/// number with more parts (`1.10.99.88.78`, `10.99.88.781`): letters may touch an address.
fn ipv4_glued(view: &str, start: usize, end: usize) -> bool {
    let before = &view[..start];
    let after = &view[end..];
    before.ends_with(|c: char| c.is_ascii_digit() || c == '.')
        || after.starts_with(|c: char| c.is_ascii_digit())
        || (after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Whether `DOMAIN\user` found at `start..end` of `view` is an account and not a piece of a
/// path (`C:\Windows\System32`, `HKLM\SOFTWARE\...`, `Microsoft.PowerShell.Core\FileSystem`,
/// `CloudConnector\module.ini`, `Instances\2.1.0.0-default`) or a built-in account domain
/// of two words (`NT AUTHORITY\SYSTEM`).
fn is_account(view: &str, start: usize, end: usize, user: &str) -> bool {
    const FILE_EXTENSIONS: [&str; 20] = [
        "ini", "log", "txt", "xml", "json", "csv", "ps1", "psm1", "psd1", "ps1xml", "exe", "dll", "zip", "evtx", "cab",
        "msi", "sys", "config", "vhdx", "wim",
    ];
    let before = view[..start].chars().next_back();
    let after = view[end..].chars().next();
    let in_path = before
        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '\\' | '/' | ':' | '.' | '%' | '$' | '-' | '_'))
        || after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '\\' | '/' | '$' | '-' | '_'));
    let file =
        user.rsplit_once('.').is_some_and(|(_, ext)| FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext)));
    let version =
        user.split(['.', '-']).take(2).all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    // The pattern took only the last word of `NT AUTHORITY`, `Font Driver Host`, ...
    let domain = view[start..end].split('\\').next().unwrap_or_default().to_ascii_lowercase();
    let before_domain = view[..start].to_ascii_lowercase();
    let built_in = WELL_KNOWN_ACCOUNT_DOMAINS.iter().any(|known| {
        known
            .rsplit_once(' ')
            .is_some_and(|(head, last)| last == domain && before_domain.ends_with(&format!("{head} ")))
    });
    !(in_path || file || version || built_in)
}

fn is_under(name: &str, domain: &str) -> bool {
    name == domain || name.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.'))
}

/// Addresses every machine shares or that are masks, not hosts.
fn identifies_nothing(ip: Ipv4Addr) -> bool {
    let [first, ..] = ip.octets();
    ip.is_loopback() || ip.is_unspecified() || ip.is_link_local() || ip.is_broadcast() || first == 255 || first == 0
}

/// Replaces every original, longest first, where it stands as a whole token (no letter or digit
/// glued to either side), ignoring ASCII case.
struct Replacer<'a> {
    automaton: AhoCorasick,
    mappings: &'a [Mapping],
}

impl<'a> Replacer<'a> {
    fn new(mappings: &'a [Mapping]) -> Option<Replacer<'a>> {
        if mappings.is_empty() {
            return None;
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(mappings.iter().map(|m| m.original.as_str()))
            .ok()?;
        Some(Replacer { automaton, mappings })
    }

    fn apply(&self, text: &mut String) {
        let view = shown(text);
        let mut found: Vec<(usize, usize, usize)> = self
            .automaton
            .find_overlapping_iter(view.as_str())
            .filter(|m| self.whole_token(&view, m.start(), m.end(), self.mappings[m.pattern().as_usize()].kind))
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        if found.is_empty() {
            return;
        }
        // Leftmost, then longest: `ap.contoso.com` wins over `contoso.com` inside it.
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out = String::with_capacity(text.len());
        let mut cursor = 0;
        for (start, end, pattern) in found {
            if start < cursor {
                continue;
            }
            out.push_str(&text[cursor..start]);
            out.push_str(&self.mappings[pattern].pseudonym);
            cursor = end;
        }
        out.push_str(&text[cursor..]);
        *text = out;
    }

    /// Whether `start..end` of `view` holds the value whole: an address may touch letters but
    /// not more digits, a name may touch no letter or digit (it may touch dots: a host name
    /// stands in `PowerShell_transcript.cce-host01.2026.txt`).
    fn whole_token(&self, view: &str, start: usize, end: usize, kind: Kind) -> bool {
        if kind == Kind::Ipv4 {
            return !ipv4_glued(view, start, end);
        }
        let before = view[..start].chars().next_back();
        let after = view[end..].chars().next();
        let glued = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        !(glued(before) || glued(after))
    }
}

/// Where a text of the report came from: personal data is looked for in what came from the
/// inputs (and replaced everywhere, the tool's own words and rule text included).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Input,
    Tool,
}

/// Every text a format may print, identifiers (rule ids and names, kinds, encodings) aside, in
/// the order a reader meets them: the order of first sight numbers the pseudonyms.
fn for_each_text(report: &mut Report, f: &mut dyn FnMut(Origin, &mut String)) {
    use Origin::{Input, Tool};
    for input in &mut report.inputs {
        f(Input, &mut input.path);
        for problem in &mut input.problems {
            f(Input, &mut problem.message);
        }
    }
    let host = &mut report.host;
    host.hosts.iter_mut().for_each(|h| f(Input, h));
    host.collection_time.iter_mut().for_each(|t| f(Tool, t));
    host.reference_time.iter_mut().for_each(|t| f(Tool, t));
    host.versions.iter_mut().for_each(|v| f(Tool, v));
    host.version_facts.iter_mut().for_each(|v| f(Input, &mut v.path));
    host.domains.iter_mut().for_each(|d| f(Input, d));
    for finding in &mut report.findings {
        f(Tool, &mut finding.title);
        for evidence in &mut finding.evidence {
            evidence_texts(evidence, f);
        }
        for step in &mut finding.remediation {
            f(Input, &mut step.text);
            step.command.iter_mut().for_each(|c| f(Input, c));
            step.label.iter_mut().for_each(|l| f(Tool, l));
            step.note.iter_mut().for_each(|n| f(Tool, n));
        }
        finding.references.iter_mut().for_each(|r| f(Tool, r));
    }
    // Suppressions: the evidence is the inputs'; the reason and the config path are the
    // user's own text, which may name a machine or a person as well.
    for suppressed in &mut report.suppressed {
        f(Tool, &mut suppressed.title);
        f(Input, &mut suppressed.reason);
        f(Input, &mut suppressed.source);
        for evidence in &mut suppressed.evidence {
            evidence_texts(evidence, f);
        }
    }
    if let Some(config) = &mut report.config {
        f(Input, &mut config.path);
    }
    for outcome in &mut report.outcomes {
        f(Input, &mut outcome.reason);
    }
    for rule in &mut report.rules {
        f(Tool, &mut rule.title);
        f(Tool, &mut rule.what);
        f(Tool, &mut rule.why);
        for step in &mut rule.remediation {
            f(Tool, &mut step.text);
            step.command.iter_mut().for_each(|c| f(Tool, c));
        }
        rule.references.iter_mut().for_each(|r| f(Tool, r));
    }
}

/// The texts of a piece of evidence: where it is, what it says, what was captured, and the
/// state of its entity (`RTCSRV on MS1 is Stopped`), made of captured values.
fn evidence_texts(evidence: &mut crate::engine::Evidence, f: &mut dyn FnMut(Origin, &mut String)) {
    f(Origin::Input, &mut evidence.path);
    f(Origin::Input, &mut evidence.excerpt);
    for (_, value) in &mut evidence.captures {
        f(Origin::Input, value);
    }
    evidence.note.iter_mut().for_each(|note| f(Origin::Input, note));
}

#[cfg(test)]
mod tests;
