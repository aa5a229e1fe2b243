//! Dates as Windows and PowerShell print them: read into seconds since the Unix epoch for
//! comparisons, or rewritten as ISO 8601 for fields that rules and readers compare as text. One
//! module for every form (transcript stamps, `/Date(...)/` JSON, culture-formatted local
//! times), so a date is read the same whichever input it came in.
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

/// A date and time of day as printed, without a zone: what ISO 8601 text is made from.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// Digits of the fraction of a second, as written (none when the time had none).
    fraction: String,
}

impl Civil {
    fn at(ts: Timestamp) -> Civil {
        let (year, month, day) = civil_from_days(ts.div_euclid(DAY));
        let secs = ts.rem_euclid(DAY);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs % 3600 / 60,
            second: secs % 60,
            fraction: String::new(),
        }
    }

    /// `2026-12-05T10:14:22`, with `.fraction` when there is one.
    fn iso(&self) -> String {
        let Civil { year, month, day, hour, minute, second, fraction } = self;
        let dot = if fraction.is_empty() { "" } else { "." };
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{dot}{fraction}")
    }
}

/// `2026-12-05T10:14:22Z`.
pub fn format(ts: Timestamp) -> String {
    Civil::at(ts).iso() + "Z"
}

/// `20261205101422` (yyyyMMddHHmmss, the only form transcripts use) as `2026-12-05T10:14:22`.
pub fn iso_from_transcript(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.len() != 14 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| raw[r].parse::<i64>().ok();
    let (year, month, day, hour, minute, second) = (n(0..4)?, n(4..6)?, n(6..8)?, n(8..10)?, n(10..12)?, n(12..14)?);
    civil(year, month, day, hour, minute, second)?;
    Some(Civil { year, month, day, hour, minute, second, fraction: String::new() }.iso())
}

/// `/Date(1733390062000)/` (ConvertTo-Json in Windows PowerShell), optionally with a `+0100`
/// offset that does not change the instant (the milliseconds are UTC), as
/// `2024-12-05T09:14:22Z`; milliseconds are kept when there are any.
pub fn iso_from_json_date(text: &str) -> Option<String> {
    let inner = text.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let digits_end = inner
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
        .map_or(inner.len(), |(i, _)| i);
    let (ms, offset) = inner.split_at(digits_end);
    let offset_ok = offset.is_empty()
        || (offset.len() == 5 && offset.starts_with(['+', '-']) && offset[1..].bytes().all(|b| b.is_ascii_digit()));
    if !offset_ok {
        return None;
    }
    let ms: i64 = ms.parse().ok()?;
    let mut civil = Civil::at(ms.div_euclid(1000));
    if !(0..=9999).contains(&civil.year) {
        return None;
    }
    let millis = ms.rem_euclid(1000);
    if millis != 0 {
        civil.fraction = format!("{millis:03}");
    }
    Some(civil.iso() + "Z")
}

/// A local time as exports print it, in ISO 8601 without an offset (event exports state local
/// time): `12/5/2026 10:14:22 AM` (en-US), `05/12/2026 10:14:22` (en-GB, fr-FR),
/// `05.12.2026 10:14:22` (de-DE), `2026-12-05 10:14:22` (sv-SE), `2026/12/05 10:14:22`
/// (ja-JP). A slash date is read month first when the time has AM/PM and day first otherwise,
/// as those cultures write them; a month above 12 flips the order. `None` when the text is none
/// of these (ISO already, or a form this does not know), so the value stays as written.
pub fn iso_from_local(text: &str) -> Option<String> {
    let text = text.trim();
    let (date, time) = text.split_once(char::is_whitespace)?;
    let (time, meridiem) = match time.trim().rsplit_once(char::is_whitespace) {
        Some((time, marker)) => (time.trim(), Some(meridiem(marker)?)),
        None => (time.trim(), None),
    };
    let (year, month, day) = date_parts(date, meridiem.is_some())?;
    let (clock, fraction) = time.split_once(['.', ',']).unwrap_or((time, ""));
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 7 {
        return None;
    }
    let mut parts = clock.split(':');
    let hour = number(parts.next()?, 2)?;
    let minute = number(parts.next()?, 2)?;
    let second = match parts.next() {
        Some(s) => number(s, 2)?,
        None => 0,
    };
    if parts.next().is_some() || minute > 59 || second > 59 {
        return None;
    }
    let hour = match meridiem {
        None if hour <= 23 => hour,
        Some(pm) if (1..=12).contains(&hour) => hour % 12 + if pm { 12 } else { 0 },
        _ => return None,
    };
    Some(Civil { year, month, day, hour, minute, second, fraction: fraction.to_owned() }.iso())
}

/// `AM`/`PM` (any case, with or without dots): whether it is PM.
fn meridiem(marker: &str) -> Option<bool> {
    match marker.replace('.', "").to_ascii_uppercase().as_str() {
        "AM" => Some(false),
        "PM" => Some(true),
        _ => None,
    }
}

/// Year, month and day of a date written with `/`, `.` or `-`, year first or last.
fn date_parts(date: &str, month_first: bool) -> Option<(i64, i64, i64)> {
    let separator = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = date.trim_end_matches('.').split(separator).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (year, month, day) = if a.len() == 4 {
        (number(a, 4)?, number(b, 2)?, number(c, 2)?)
    } else if c.len() == 4 {
        let (first, second, year) = (number(a, 2)?, number(b, 2)?, number(c, 4)?);
        let (month, day) = if month_first && separator == '/' { (first, second) } else { (second, first) };
        if month > 12 { (year, day, month) } else { (year, month, day) }
    } else {
        // Two-digit years (`12/5/26`) are not what exports write; guessing the century is
        // worse than leaving the text as it is.
        return None;
    };
    civil(year, month, day, 0, 0, 0).map(|_| (year, month, day))
}

/// A number of at most `max_digits` ASCII digits.
fn number(text: &str, max_digits: usize) -> Option<i64> {
    (!text.is_empty() && text.len() <= max_digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
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
    fn times_in_the_formats_hosts_write() {
        for (text, iso) in [
            ("12/5/2026 10:14:22 AM", "2026-12-05T10:14:22"),
            ("12/5/2026 12:03:00 AM", "2026-12-05T00:03:00"),
            ("12/5/2026 12:03:00 PM", "2026-12-05T12:03:00"),
            ("12/5/2026 1:03:00 pm", "2026-12-05T13:03:00"),
            ("05/12/2026 10:14:22", "2026-12-05T10:14:22"),
            ("13/12/2026 10:14", "2026-12-13T10:14:00"),
            ("12/13/2026 10:14:22", "2026-12-13T10:14:22"),
            ("05.12.2026 10:14:22", "2026-12-05T10:14:22"),
            ("2026-12-05 10:14:22", "2026-12-05T10:14:22"),
            ("2026/12/05 10:14:22.123", "2026-12-05T10:14:22.123"),
            ("29.02.2024 23:59:59", "2024-02-29T23:59:59"),
        ] {
            assert_eq!(iso_from_local(text).as_deref(), Some(iso), "{text}");
        }
        for text in [
            "2026-12-05T10:14:22.123+01:00",
            "12/5/2026",
            "29.02.2026 10:00:00",
            "12/5/2026 13:00:00 PM",
            "12/5/2026 0:00:00 AM",
            "12/5/2026 10:61:00",
            "5. Dezember 2026 10:14:22",
            "12/5/2026 10:14:22 vorm.",
            "１２/5/2026 10:14:22",
            "12/5/26 10:14:22 AM",
            "",
        ] {
            assert_eq!(iso_from_local(text), None, "{text}");
        }
    }

    #[test]
    fn json_dates() {
        assert_eq!(iso_from_json_date("/Date(0)/").as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(iso_from_json_date("/Date(1733390062000)/").as_deref(), Some("2024-12-05T09:14:22Z"));
        assert_eq!(iso_from_json_date("/Date(951782400123+0100)/").as_deref(), Some("2000-02-29T00:00:00.123Z"));
        assert_eq!(iso_from_json_date("/Date(-1)/").as_deref(), Some("1969-12-31T23:59:59.999Z"));
        assert_eq!(iso_from_json_date("/Date(-62135596800000)/").as_deref(), Some("0001-01-01T00:00:00Z"));
        assert_eq!(iso_from_json_date("/Date(9223372036854775807)/"), None);
        assert_eq!(iso_from_json_date("/Date(12x)/"), None);
        assert_eq!(iso_from_json_date("/Date()/"), None);
        assert_eq!(iso_from_json_date("Date(1)"), None);
    }

    #[test]
    fn transcript_stamps() {
        assert_eq!(iso_from_transcript("20261205101422").as_deref(), Some("2026-12-05T10:14:22"));
        assert_eq!(iso_from_transcript("20261305101422"), None);
        assert_eq!(iso_from_transcript("2026120510142"), None);
    }

    #[test]
    fn days() {
        let a = parse("2026-11-22").unwrap();
        assert_eq!(days_between(a, parse("2027-01-21").unwrap()), 60);
        assert_eq!(days_between(a, parse("2026-11-21").unwrap()), -1);
    }
}
