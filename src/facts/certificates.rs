//! CCE211: certificates that expire within the warning window of the reference time.

use super::check::{Check, Derivation, fact};
use super::{Facts, InputRecords};
use crate::record::RecordKind;
use crate::time;

/// Certificates expiring within this many days of the reference time are reported.
pub const CERTIFICATE_WARNING_DAYS: i64 = 60;

pub const CERTIFICATES_EXPIRING: Check = Check {
    facts: &["certificate_expiring"],
    needs: "a certificate listing (Get-ChildItem Cert:\\...)",
    reads: |record| record.kind == RecordKind::PsObject && record.get("NotAfter").is_some(),
    run: certificates_expiring,
};

/// CCE211: certificates that expire within the warning window of the reference time.
fn certificates_expiring(inputs: &[InputRecords<'_>], facts: &Facts, out: &mut Derivation) {
    let Some((now, now_source)) = &facts.reference_time else { return };
    for input in inputs {
        for record in input.records.iter().filter(|r| r.kind == RecordKind::PsObject) {
            let (Some(not_after), Some(id)) =
                (record.get("NotAfter"), record.get("Thumbprint").or(record.get("Subject")))
            else {
                continue;
            };
            let Some(expiry) = time::parse(not_after) else {
                out.problem(
                    input.path,
                    record.span.first_line,
                    format!(
                        "NotAfter `{}` is not a date Windows writes: certificate {id} not checked",
                        not_after.trim()
                    ),
                );
                continue;
            };
            out.check("certificate_expiring");
            let days_left = time::days_between(*now, expiry);
            if days_left > CERTIFICATE_WARNING_DAYS {
                continue;
            }
            let state = if days_left < 0 {
                format!("expired {} day(s) before {}", -days_left, time::format(*now))
            } else {
                format!("expires in {days_left} day(s) after {}", time::format(*now))
            };
            let record = fact("certificate_expiring", &record.span)
                .with("subject", record.get("Subject").unwrap_or_default())
                .with("issuer", record.get("Issuer").unwrap_or_default())
                .with("thumbprint", record.get("Thumbprint").unwrap_or(id))
                .with("not_after", time::format(expiry))
                .with("days_left", days_left.to_string())
                .with("state", state)
                .with("reference", now_source.clone());
            out.found(input.path.to_owned(), record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::check::testing::{input, object, run, values};
    use crate::parse::FileKind;

    fn certificate(not_after: &str) -> crate::record::Record {
        object(
            "Get-ChildItem",
            &[("Subject", "CN=CCE-CMS.cce.contoso.local"), ("Thumbprint", "0C2F1A9B"), ("NotAfter", not_after)],
        )
    }

    #[test]
    fn inside_the_window_or_past_is_expiring_beyond_it_is_not() {
        let listing =
            [certificate("2027-01-12 09:24:06"), certificate("2026-11-02 00:00:00"), certificate("2029-01-01")];
        let out =
            run(&CERTIFICATES_EXPIRING, &[input("certs.txt", FileKind::Console, &listing)], "2026-12-01T00:00:00Z");
        assert_eq!(values(&out, "days_left"), ["42", "-29"]);
        assert!(values(&out, "state")[1].starts_with("expired 29 day(s) before"));
    }

    #[test]
    fn a_date_windows_never_writes_is_a_problem() {
        let listing = [certificate("12/31/99999 11:59:59 PM")];
        let out =
            run(&CERTIFICATES_EXPIRING, &[input("certs.txt", FileKind::Console, &listing)], "2026-12-01T00:00:00Z");
        assert!(out.derived.is_empty());
        assert!(out.problems[0].1.message.contains("not a date Windows writes"));
    }
}
