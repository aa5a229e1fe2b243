//! Dates as Windows and PowerShell print them, read into seconds since the Unix epoch.
//!
//! Times without a zone are taken as UTC: hosts print local time without saying which, and a
//! certificate expiry or a collection time is only ever compared in days, where the offset
//! does not matter.

/// Seconds since 1970-01-01T00:00:00Z.
pub type Timestamp = i64;

const DAY: i64 = 86_400;

/// Reads `2026-12-05T10:14:22Z`, `2026-12-05T10:14:22.1234567+01:00`, `2026-12-05 10:14:22`,
/// `12/5/2026 10:14:22 AM` (en-US, the PowerShell default), `20261205101422` (transcripts) and
/// a bare `2026-12-05`.
pub fn parse(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.len() == 14 && text.bytes().all(|b| b.is_ascii_digit()) {
        let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().ok();
        return civil(n(0..4)?, n(4..6)?, n(6..8)?, n(8..10)?, n(10..12)?, n(12..14)?);
    }
    if text.contains('/') {
        return parse_us(text);
    }
    parse_iso(text)
}

fn parse_iso(text: &str) -> Option<Timestamp> {
    let (date, rest) = text.split_at(text.find(['T', ' ']).unwrap_or(text.len()));
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    let rest = rest.trim_start_matches(['T', ' ']);
    if rest.is_empty() {
        return civil(y, m, d, 0, 0, 0);
    }
    let clock_end = rest.find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.')).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(clock_end);
    let (h, min, s) = clock_parts(clock)?;
    let offset = match zone.trim() {
        "" | "Z" | "z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits: String = z.chars().filter(char::is_ascii_digit).collect();
            let (hours, minutes) = (digits.get(0..2)?.parse::<i64>().ok()?, digits.get(2..4)?.parse::<i64>().ok()?);
            // Zones run from -12:00 to +14:00; anything else is not a time a host wrote.
            if digits.len() != 4 || hours > 14 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    Some(civil(y, m, d, h, min, s)? - offset)
}

fn parse_us(text: &str) -> Option<Timestamp> {
    let mut words = text.split_whitespace();
    let mut date = words.next()?.split('/');
    let (m, d, y) = (date.next()?.parse().ok()?, date.next()?.parse().ok()?, date.next()?.parse().ok()?);
    let Some(clock) = words.next() else { return civil(y, m, d, 0, 0, 0) };
    let (mut h, min, s) = clock_parts(clock)?;
    match words.next().map(str::to_ascii_uppercase).as_deref() {
        Some("PM") if h < 12 => h += 12,
        Some("AM") if h == 12 => h = 0,
        _ => {}
    }
    civil(y, m, d, h, min, s)
}

fn clock_parts(clock: &str) -> Option<(i64, i64, i64)> {
    let mut parts = clock.split(':');
    let h = parts.next()?.parse().ok()?;
    let min = parts.next()?.parse().ok()?;
    let s = parts.next().map_or(Some(0.0), |s| s.parse::<f64>().ok())? as i64;
    Some((h, min, s))
}

/// Days from the civil date (proleptic Gregorian), after Howard Hinnant's algorithm. Only the
/// years .NET's DateTime can hold (1 to 9999) and days the month has: a date outside them was
/// not written by Windows, and reading it anyway would make a certificate look a thousand years
/// expired.
fn civil(y: i64, m: i64, d: i64, h: i64, min: i64, s: i64) -> Option<Timestamp> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=month_days).contains(&d)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&min)
        || !(0..=60).contains(&s)
    {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * DAY + h * 3600 + min * 60 + s)
}

/// `2026-12-05T10:14:22Z`.
pub fn format(ts: Timestamp) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(DAY));
    let secs = ts.rem_euclid(DAY);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Timestamp, to: Timestamp) -> i64 {
    (to - from).div_euclid(DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printed_form_reads_the_same_instant() {
        let expected = parse("2026-12-05T22:14:22Z").unwrap();
        assert_eq!(parse("12/5/2026 10:14:22 PM"), Some(expected));
        assert_eq!(parse("2026-12-05 22:14:22"), Some(expected));
        assert_eq!(parse("20261205221422"), Some(expected));
        assert_eq!(parse("2026-12-05T23:14:22.1234567+01:00"), Some(expected));
        assert_eq!(format(expected), "2026-12-05T22:14:22Z");
        assert_eq!(parse("12/5/2026 12:00:00 AM"), parse("2026-12-05"));
        assert!(parse("2028-02-29").is_some() && parse("9999-12-31T23:59:59-12:00").is_some());
    }

    #[test]
    fn nonsense_is_not_a_date() {
        for text in [
            "",
            "Running",
            "13/45/2026",
            "2026-02-30T25:00:00",
            "1.4.2",
            "2026-02-30",
            "2027-02-29",
            "99999-01-01T00:00:00Z",
            "0-01-01",
            "2027-01-12T09:24:06+99:00",
            "2027-01-12T09:24:06+01:75",
            "2027-01-12T09:24:06+0100000",
            "1/12/99999 9:24:06 AM",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn days() {
        let a = parse("2026-11-22").unwrap();
        assert_eq!(days_between(a, parse("2027-01-21").unwrap()), 60);
        assert_eq!(days_between(a, parse("2026-11-21").unwrap()), -1);
    }
}
