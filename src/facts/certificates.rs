//! CCE211: Cloud Connector certificates that expire within the warning window of the reference
//! time.
//!
//! Only the certificates the article's issue covers count: the Cloud Connector CA (an AD CA
//! of the ini's VirtualMachineDomain), the internal certificates it issued to the CMS,
//! Mediation and Edge servers, and the Edge's external certificate from a public CA (subject
//! the access Edge name of the ini). Every Windows host keeps expired roots of its own
//! (`Microsoft Root Authority`, old VeriSign and Thawte roots) and may hold certificates of
//! the company's CA: those are never findings.
//!
//! A NotAfter is printed in the culture of the host that formatted it. The order of day and
//! month is taken from the listing's own dates (a part above 12), else from a culture the input
//! states (systeminfo's System Locale, Get-Culture, the language of its labels), else from one
//! every input that states one agrees on; when nothing decides, both readings are checked.

use super::check::{Check, Derivation, fact, is_object_of};
use super::network::emitted;
use super::{Facts, InputRecords};
use crate::parse::{certutil, ipconfig};
use crate::record::{RecordKind, Span};
use crate::time::{self, DayMonth, Reading, Timestamp};

/// Certificates expiring within this many days of the reference time are reported, unless
/// `[settings.CCE211] warning_days` says otherwise (see [`super::Settings`]).
pub const CERTIFICATE_WARNING_DAYS: i64 = 60;

pub const CERTIFICATES_EXPIRING: Check = Check {
    facts: &["certificate_expiring"],
    needs: "a certificate listing (Get-ChildItem Cert:\\..., certutil -store)",
    reads: |record| match record.kind {
        RecordKind::PsObject => record.get("NotAfter").is_some() || is_object_of(record, "Get-Culture"),
        RecordKind::Text => record.get("line").is_some_and(|l| certutil::line(l).is_some() || states_culture(l)),
        _ => false,
    },
    run: certificates_expiring,
};

/// What a certificate is to Cloud Connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The CA of the Cloud Connector domain.
    CloudConnectorCa,
    /// Issued by that CA to a server of the appliance.
    Internal,
    /// The Edge's certificate from a public CA, named after the access Edge.
    EdgeExternal,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::CloudConnectorCa => "the Cloud Connector CA certificate",
            Role::Internal => "an internal server certificate",
            Role::EdgeExternal => "the Edge's external certificate",
        }
    }

    /// The fact field that lists the expiring certificates of this role: the steps that renew
    /// them are shown when it is there.
    fn list_field(self) -> &'static str {
        match self {
            Role::CloudConnectorCa => "ca_certificates",
            Role::Internal => "server_certificates",
            Role::EdgeExternal => "external_certificates",
        }
    }
}

/// The names CloudConnector.ini gives Cloud Connector's certificates.
struct CloudConnectorNames {
    /// `cce.contoso.local`, lower case.
    domain: String,
    /// `ap.contoso.com` and `*.contoso.com` for each SIP domain, lower case.
    external: Vec<String>,
}

impl CloudConnectorNames {
    fn of(facts: &Facts) -> Option<CloudConnectorNames> {
        let value = |key: &str| facts.ini.get(key).map(|v| v.trim().to_ascii_lowercase()).filter(|v| !v.is_empty());
        let domain = value("common.virtualmachinedomain")?;
        let pool = value("edgeserver.externalsippoolname");
        let external = value("common.sipdomains")
            .unwrap_or_default()
            .split([' ', ',', ';'])
            .filter(|d| !d.is_empty())
            .flat_map(|d| [pool.as_ref().map(|p| format!("{p}.{d}")), Some(format!("*.{d}"))])
            .flatten()
            .collect();
        Some(CloudConnectorNames { domain, external })
    }

    fn role(&self, certificate: &Certificate) -> Option<Role> {
        let subject_name = common_name(&certificate.subject).to_ascii_lowercase();
        if dc_domain(&certificate.subject).is_some_and(|d| d == self.domain) {
            Some(Role::CloudConnectorCa)
        } else if dc_domain(&certificate.issuer).is_some_and(|d| d == self.domain)
            || subject_name.strip_suffix(&self.domain).is_some_and(|host| host.ends_with('.'))
        {
            Some(Role::Internal)
        } else if self.external.contains(&subject_name) {
            Some(Role::EdgeExternal)
        } else {
            None
        }
    }
}

/// One certificate of a listing, wherever it was read.
#[derive(Default)]
struct Certificate {
    path: String,
    /// Which input it is in, for the culture of its dates.
    input: usize,
    subject: String,
    issuer: String,
    thumbprint: String,
    not_before: Option<String>,
    not_after: String,
    /// The machine `Invoke-Command` read it from (`PSComputerName`), when shown.
    machine: Option<String>,
    span: Span,
}

/// CCE211: certificates that expire within the warning window of the reference time.
fn certificates_expiring(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let Some(reference) = &facts.reference_time else { return };
    let now = &reference.at;
    let names = CloudConnectorNames::of(facts);
    let certificates = listed(inputs);
    let orders = DateOrders::of(inputs, &certificates);
    let window_days = facts.settings.certificate_warning_days;
    let window_end = now + window_days * 86_400;
    let within = |at: Timestamp| at <= window_end;
    let mut expiring: Vec<(&Certificate, Role, Reading)> = Vec::new();
    let mut lasting: Vec<(&Certificate, Role)> = Vec::new();
    for certificate in &certificates {
        let Some(reading) = time::read(&certificate.not_after, orders.of_input(certificate.input)) else {
            out.problem(
                &certificate.path,
                certificate.span.first_line,
                format!(
                    "NotAfter `{}` is not a date Windows writes: certificate {} not checked",
                    certificate.not_after.trim(),
                    certificate.thumbprint
                ),
            );
            continue;
        };
        out.check("certificate_expiring");
        let (soon, late) = match reading {
            Reading::At(at) => (within(at), !within(at)),
            Reading::Either { month_first, day_first } => {
                (within(month_first) || within(day_first), !within(month_first) || !within(day_first))
            }
        };
        let place = format!("{}:{}", certificate.path, certificate.span.first_line);
        let Some(names) = &names else {
            if soon && looks_like_an_ad_ca_certificate(certificate) {
                out.undecided(
                    "certificate_expiring",
                    format!(
                        "{} ends {} ({place}), and no CloudConnector.ini names the Cloud Connector domain that \
                         would tell whether it is one of its certificates",
                        certificate.subject, certificate.not_after
                    ),
                );
            }
            continue;
        };
        let Some(role) = names.role(certificate) else { continue };
        match reading {
            _ if !soon => lasting.push((certificate, role)),
            Reading::Either { month_first, day_first } if late => out.undecided(
                "certificate_expiring",
                format!(
                    "NotAfter `{}` of {} ({place}) reads as {} month first or {} day first, no input states the \
                     host's culture, and only one of them is within {window_days} days",
                    certificate.not_after,
                    certificate.subject,
                    time::format_in(month_first, time::Zone::of(&certificate.not_after)),
                    time::format_in(day_first, time::Zone::of(&certificate.not_after))
                ),
            ),
            _ => expiring.push((certificate, role, reading)),
        }
    }
    // A certificate listed beside a successor of the same subject on the same machine that
    // lasts beyond the window has been renewed (Update-CcServerCertificate leaves the old one
    // until Remove-CcLegacyServerCertificate).
    expiring.retain(|(certificate, role, _)| {
        !lasting.iter().any(|(other, other_role)| {
            other_role == role
                && other.subject.eq_ignore_ascii_case(&certificate.subject)
                && other.machine.as_deref().map(str::to_ascii_lowercase)
                    == certificate.machine.as_deref().map(str::to_ascii_lowercase)
        })
    });
    let mut lists: Vec<(&'static str, Vec<&str>)> = Vec::new();
    for (certificate, role, _) in &expiring {
        let name = common_name(&certificate.subject);
        match lists.iter_mut().find(|(field, _)| *field == role.list_field()) {
            Some((_, names)) if names.contains(&name) => {}
            Some((_, names)) => names.push(name),
            None => lists.push((role.list_field(), vec![name])),
        }
    }
    for (certificate, role, reading) in &expiring {
        let days = |at: Timestamp| time::days_between(*now, at);
        let state = |at: Timestamp| match days(at) {
            past if past < 0 => format!("expired {} day(s) before {}", -past, time::shown_in(*now, reference.zone)),
            left => format!("expires in {left} day(s) after {}", time::shown_in(*now, reference.zone)),
        };
        // NotAfter as the listing wrote it: local time, unless it said otherwise.
        let zone = time::Zone::of(&certificate.not_after);
        let (not_after, days_left, state) = match *reading {
            Reading::At(at) => (time::format_in(at, zone), days(at), state(at)),
            Reading::Either { month_first, day_first } => (
                format!("{} or {}", time::format_in(month_first, zone), time::format_in(day_first, zone)),
                days(month_first).max(days(day_first)),
                format!(
                    "{} read month first, {} read day first (no input states the host's culture; both are within \
                     the window)",
                    state(month_first),
                    state(day_first)
                ),
            ),
        };
        let mut record = fact("certificate_expiring", &certificate.span)
            .with("subject", certificate.subject.clone())
            .with("issuer", certificate.issuer.clone())
            .with("thumbprint", certificate.thumbprint.clone())
            .with("role", role.name())
            .with("not_after", not_after)
            .with("days_left", days_left.to_string())
            .with("state", state)
            .with("reference", reference.source.describe());
        if let Some(machine) = &certificate.machine {
            record.push("machine", machine.clone());
        }
        for (field, names) in &lists {
            record.push(*field, names.join(", "));
        }
        out.found(certificate.path.clone(), record);
    }
}

/// The order of day and month in each input's dates: the one its certificates' own dates show
/// (a part above 12), else the culture it states, else the one every input stating a culture
/// agrees on.
struct DateOrders {
    per_input: Vec<Option<DayMonth>>,
}

impl DateOrders {
    fn of(inputs: &[InputRecords<'_>], certificates: &[Certificate]) -> DateOrders {
        let stated: Vec<Option<DayMonth>> = inputs.iter().map(stated_order).collect();
        let everywhere = agreed(stated.iter().flatten().copied());
        let per_input = (0..inputs.len())
            .map(|input| {
                let shown = agreed(
                    certificates
                        .iter()
                        .filter(|c| c.input == input)
                        .flat_map(|c| c.not_before.iter().chain([&c.not_after]))
                        .filter_map(|date| time::order_shown(date)),
                );
                shown.or(stated[input]).or(everywhere)
            })
            .collect();
        DateOrders { per_input }
    }

    fn of_input(&self, input: usize) -> Option<DayMonth> {
        self.per_input.get(input).copied().flatten()
    }
}

/// The one order all of `orders` are, if they are one.
fn agreed(orders: impl Iterator<Item = DayMonth>) -> Option<DayMonth> {
    let mut orders = orders.peekable();
    let first = *orders.peek()?;
    orders.all(|o| o == first).then_some(first)
}

/// Every certificate the inputs list: objects with a NotAfter (Get-ChildItem Cert:\ as a list,
/// table, JSON, CLIXML or CSV) and `certutil -store` blocks.
fn listed(inputs: &[InputRecords<'_>]) -> Vec<Certificate> {
    let mut certificates = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let mut block: Option<Certificate> = None;
        for record in input.records.iter().filter(|r| emitted(r)) {
            match record.kind {
                RecordKind::PsObject => {
                    let Some(not_after) = record.get("NotAfter") else { continue };
                    let subject = record.get("Subject").unwrap_or_default();
                    let thumbprint = record.get("Thumbprint").unwrap_or(subject);
                    if thumbprint.is_empty() {
                        continue;
                    }
                    certificates.push(Certificate {
                        path: input.path.to_owned(),
                        input: index,
                        subject: subject.to_owned(),
                        issuer: record.get("Issuer").unwrap_or_default().to_owned(),
                        thumbprint: thumbprint.to_owned(),
                        not_before: record.get("NotBefore").map(str::to_owned),
                        not_after: not_after.to_owned(),
                        machine: record.get("PSComputerName").map(str::to_owned),
                        span: record.span.clone(),
                    });
                }
                RecordKind::Text => match record.get("line").and_then(certutil::line) {
                    Some(certutil::Line::Start) => {
                        certificates.extend(block.take().filter(is_complete));
                        let (path, span) = (input.path.to_owned(), record.span.clone());
                        block = Some(Certificate { path, input: index, span, ..Certificate::default() });
                    }
                    Some(line) => {
                        let Some(current) = &mut block else { continue };
                        match line {
                            certutil::Line::Subject(s) => current.subject = s.to_owned(),
                            certutil::Line::Issuer(s) => current.issuer = s.to_owned(),
                            certutil::Line::NotBefore(s) => current.not_before = Some(s.to_owned()),
                            certutil::Line::NotAfter(s) => {
                                current.not_after = s.to_owned();
                                // A finding points at the line that states the expiry.
                                current.span = record.span.clone();
                            }
                            certutil::Line::Thumbprint(s) => current.thumbprint = s,
                            certutil::Line::Start => {}
                        }
                    }
                    None => {}
                },
                _ => {}
            }
        }
        certificates.extend(block.filter(is_complete));
    }
    certificates
}

fn is_complete(certificate: &Certificate) -> bool {
    !certificate.not_after.is_empty() && !certificate.subject.is_empty() && !certificate.thumbprint.is_empty()
}

/// Whether a line states a culture: systeminfo's System Locale, or a label in a language
/// other than English.
fn states_culture(line: &str) -> bool {
    matches!(ipconfig::line(line),
        Some(ipconfig::Line::Value(v)) if v.label == ipconfig::Label::SystemLocale || v.culture.is_some())
}

/// The order of day and month of the culture an input states: systeminfo's System Locale,
/// Get-Culture's Name, or the language of ipconfig and systeminfo labels. `None` when it
/// states none, or cultures that disagree.
fn stated_order(input: &InputRecords<'_>) -> Option<DayMonth> {
    let cultures = input.records.iter().filter(|r| emitted(r)).filter_map(|record| match record.kind {
        RecordKind::PsObject if is_object_of(record, "Get-Culture") => record.get("Name"),
        RecordKind::Text => match record.get("line").and_then(ipconfig::line) {
            Some(ipconfig::Line::Value(v)) if v.label == ipconfig::Label::SystemLocale => Some(v.value),
            Some(ipconfig::Line::Value(v)) => v.culture,
            _ => None,
        },
        _ => None,
    });
    agreed(cultures.filter_map(DayMonth::of_culture))
}

/// Whether a certificate is an AD CA's or one an AD CA issued (its name has `DC=` parts), as
/// the Cloud Connector CA and its certificates are, and the company's own may be.
fn looks_like_an_ad_ca_certificate(certificate: &Certificate) -> bool {
    dc_domain(&certificate.subject).is_some() || dc_domain(&certificate.issuer).is_some()
}

/// The relative names of a distinguished name, `("CN", "x")`, split at commas outside quotes
/// (`O="VeriSign, Inc."`).
fn relative_names(dn: &str) -> Vec<(&str, &str)> {
    let mut names = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in dn.char_indices().chain([(dn.len(), ',')]) {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                if let Some((attribute, value)) = dn[start..i].split_once('=') {
                    names.push((attribute.trim(), value.trim()));
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    names
}

/// `CN=NWCMS01.cce.northwind.local` as `NWCMS01.cce.northwind.local`; the whole name when it
/// has no CN.
fn common_name(dn: &str) -> &str {
    relative_names(dn).into_iter().find(|(a, _)| a.eq_ignore_ascii_case("CN")).map_or(dn.trim(), |(_, v)| v)
}

/// The DNS domain of a name's `DC=` parts, lower case: `DC=cce, DC=contoso, DC=local` as
/// `cce.contoso.local`.
fn dc_domain(dn: &str) -> Option<String> {
    let labels: Vec<String> = relative_names(dn)
        .into_iter()
        .filter(|(a, _)| a.eq_ignore_ascii_case("DC"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .collect();
    (!labels.is_empty()).then(|| labels.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::check::testing::{input, line, object, run, run_with, section, values};
    use crate::parse::FileKind;
    use crate::record::Record;

    const NOW: &str = "2027-01-12T09:00:00Z";

    fn ini() -> Vec<Record> {
        vec![
            section(
                "Common",
                &[("SIPDomains", "northwindtraders.com"), ("VirtualMachineDomain", "cce.northwind.local")],
            ),
            section("EdgeServer", &[("ExternalSIPPoolName", "ap-ham")]),
        ]
    }

    fn certificate(subject: &str, issuer: &str, thumbprint: &str, not_after: &str) -> Record {
        object(
            "Get-ChildItem",
            &[("Subject", subject), ("Issuer", issuer), ("Thumbprint", thumbprint), ("NotAfter", not_after)],
        )
    }

    const CA: &str = "CN=cce-NWAD01-CA, DC=cce, DC=northwind, DC=local";

    fn check(listing: &[Record]) -> Derivation {
        let ini = ini();
        run(
            &CERTIFICATES_EXPIRING,
            &[
                input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
                input("certs.txt", FileKind::Console, listing),
            ],
            NOW,
        )
    }

    #[test]
    fn inside_the_window_or_past_is_expiring_beyond_it_is_not() {
        let listing = [
            certificate("CN=NWCMS01.cce.northwind.local", CA, "01", "2027-02-20 11:02:00"),
            certificate(CA, CA, "02", "2026-12-20 08:15:00"),
            certificate("CN=NWMS01.cce.northwind.local", CA, "03", "2029-01-01"),
        ];
        let out = check(&listing);
        assert_eq!(values(&out, "days_left"), ["39", "-24"]);
        assert!(values(&out, "state")[1].starts_with("expired 24 day(s) before"));
        assert_eq!(values(&out, "server_certificates"), ["NWCMS01.cce.northwind.local"; 2]);
        assert_eq!(values(&out, "ca_certificates"), ["cce-NWAD01-CA"; 2]);
    }

    #[test]
    fn the_warning_window_is_a_setting() {
        let listing = [
            certificate("CN=NWCMS01.cce.northwind.local", CA, "01", "2027-02-20 11:02:00"),
            certificate(CA, CA, "02", "2026-12-20 08:15:00"),
        ];
        let ini = ini();
        let inputs = [
            input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
            input("certs.txt", FileKind::Console, &listing),
        ];
        let narrow = crate::facts::Settings { certificate_warning_days: 30 };
        let out = run_with(&CERTIFICATES_EXPIRING, &inputs, NOW, narrow);
        assert_eq!(values(&out, "days_left"), ["-24"], "39 days left is outside a 30-day window");
        let wide = crate::facts::Settings { certificate_warning_days: 40 };
        assert_eq!(values(&run_with(&CERTIFICATES_EXPIRING, &inputs, NOW, wide), "days_left"), ["39", "-24"]);
    }

    #[test]
    fn only_cloud_connector_certificates_count() {
        let root = "CN=Microsoft Root Authority, OU=Microsoft Corporation, OU=Copyright (c) 1997 Microsoft Corp.";
        let company = "CN=Northwind Issuing CA 01, DC=northwind, DC=corp";
        let digicert = "CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US";
        let listing = [
            certificate(root, root, "A4", "12/31/2020 8:00:00 AM"),
            certificate(
                "OU=Class 3 Public Primary Certification Authority, O=\"VeriSign, Inc.\", C=US",
                "x",
                "74",
                "8/2/2028",
            ),
            certificate("CN=CCE-HAM-H02.northwind.corp", company, "34", "1/20/2027 9:12:40 AM"),
            certificate("CN=www.northwindtraders.com", digicert, "6F", "1/20/2027 9:12:40 AM"),
            certificate("CN=ap-ham.northwindtraders.com", digicert, "1C", "2/1/2027 12:59:59 AM"),
        ];
        let out = check(&listing);
        assert_eq!(values(&out, "thumbprint"), ["1C"]);
        assert_eq!(values(&out, "external_certificates"), ["ap-ham.northwindtraders.com"]);
        assert_eq!(values(&out, "issuer"), [digicert]);
        assert!(out.derived[0].record.get("server_certificates").is_none());
    }

    #[test]
    fn the_culture_of_the_listing_decides_day_and_month() {
        // en-GB: the CA's 17/03 shows day first, so 02/04 is 2 April (80 days), not 4 February.
        let listing = [
            certificate("CN=NWMS01.cce.northwind.local", CA, "07", "02/04/2027 08:30:00"),
            certificate(CA, CA, "F6", "17/03/2029 13:50:02"),
        ];
        assert!(check(&listing).derived.is_empty());
        // de-DE and ja-JP need no order; an undecidable date is said, not guessed.
        let listing = [
            certificate("CN=NWMS01.cce.northwind.local", CA, "C9", "03.02.2027 14:22:10"),
            certificate("CN=NWCMS01.cce.northwind.local", CA, "9D", "2027/01/30 11:02:41"),
            certificate("CN=NWEDGE01.cce.northwind.local", CA, "BE", "02/04/2027 10:11:12"),
        ];
        let out = check(&listing);
        assert_eq!(values(&out, "thumbprint"), ["C9", "9D"]);
        assert!(out.unknown[0].1.contains("reads as 2027-02-04T10:11:12 month first or 2027-04-02T10:11:12 day first"));
        // Both readings within the window: a finding that says so.
        let listing = [certificate("CN=NWEDGE01.cce.northwind.local", CA, "BE", "02/01/2027 10:11:12")];
        let out = check(&listing);
        // Listings write the host's local time: no zone is made up for it.
        assert_eq!(values(&out, "not_after"), ["2027-02-01T10:11:12 or 2027-01-02T10:11:12"]);
        assert!(values(&out, "state")[0].contains("both are within"));
    }

    #[test]
    fn a_stated_culture_decides_where_the_dates_do_not() {
        let ini = ini();
        let listing = [certificate("CN=NWEDGE01.cce.northwind.local", CA, "BE", "05/02/2027 10:11:12")];
        let systeminfo = [line(None, "System Locale:             en-gb;English (United Kingdom)")];
        let out = run(
            &CERTIFICATES_EXPIRING,
            &[
                input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
                input("certs.txt", FileKind::Console, &listing),
                input("EDGE/systeminfo.txt", FileKind::Console, &systeminfo),
            ],
            NOW,
        );
        assert_eq!(values(&out, "not_after"), ["2027-02-05T10:11:12"]);
        // Get-Culture says it as well, and so do labels in a language that writes the day first.
        for culture in
            [object("Get-Culture", &[("LCID", "2057"), ("Name", "en-GB")]), line(None, "Domäne:   WORKGROUP")]
        {
            let stated = [culture];
            let out = run(
                &CERTIFICATES_EXPIRING,
                &[
                    input("CloudConnector.ini", FileKind::CloudConnectorIni, &ini),
                    input("certs.txt", FileKind::Console, &listing),
                    input("culture.txt", FileKind::Console, &stated),
                ],
                NOW,
            );
            assert_eq!(values(&out, "not_after"), ["2027-02-05T10:11:12"]);
        }
    }

    #[test]
    fn a_renewed_certificate_is_no_longer_expiring() {
        let listing = [
            certificate("CN=NWMS01.cce.northwind.local", CA, "9D", "2027/01/30 11:02:41"),
            certificate("CN=NWMS01.cce.northwind.local", CA, "4D", "2029/01/12 9:48:05"),
        ];
        let out = check(&listing);
        assert!(out.derived.is_empty());
        assert!(out.checked.contains("certificate_expiring"));
    }

    #[test]
    fn certutil_blocks_are_certificates() {
        let listing: Vec<Record> = [
            "My \"Personal\"",
            "================ Certificate 0 ================",
            "Issuer: CN=cce-NWAD01-CA, DC=cce, DC=northwind, DC=local",
            " NotAfter: 2/20/2027 11:02 AM",
            "Subject: CN=NWCMS01.cce.northwind.local",
            "Cert Hash(sha1): 3c0704d5fc55f2f598aeb9a1595128cd436aab0f",
            "================ Certificate 1 ================",
            "Issuer: CN=Microsoft Root Authority",
            " NotAfter: 12/31/2020 8:00 AM",
            "Subject: CN=Microsoft Root Authority",
            "Cert Hash(sha1): a43489159a520f0d93d032ccaf37e7fe20a8b419",
        ]
        .into_iter()
        .map(|l| line(None, l))
        .collect();
        let out = check(&listing);
        assert_eq!(values(&out, "thumbprint"), ["3C0704D5FC55F2F598AEB9A1595128CD436AAB0F"]);
        assert_eq!(values(&out, "days_left"), ["39"]);
    }

    #[test]
    fn without_the_ini_an_ad_ca_certificate_cannot_be_judged() {
        let listing = [
            certificate("CN=MS1.cce.contoso.local", "CN=cce-CA, DC=cce, DC=contoso, DC=local", "3F", "2/1/2027"),
            certificate("CN=Microsoft Root Authority", "CN=Microsoft Root Authority", "A4", "12/31/2020 8:00:00 AM"),
        ];
        let out = run(&CERTIFICATES_EXPIRING, &[input("certs.txt", FileKind::Console, &listing)], NOW);
        assert!(out.derived.is_empty());
        assert_eq!(out.unknown.len(), 1);
        assert!(out.unknown[0].1.contains("no CloudConnector.ini"));
    }

    #[test]
    fn a_date_windows_never_writes_is_a_problem() {
        let listing = [certificate("CN=NWMS01.cce.northwind.local", CA, "01", "12/31/99999 11:59:59 PM")];
        let out = check(&listing);
        assert!(out.derived.is_empty());
        assert!(out.problems[0].1.message.contains("not a date Windows writes"));
    }
}
