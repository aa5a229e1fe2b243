//! Dates as Windows and PowerShell print them: read into seconds since the Unix epoch for
//! comparisons, or rewritten as ISO 8601 for fields that rules and readers compare as text. One
//! module for every form (transcript stamps, `/Date(...)/` JSON, culture-formatted local
//! times), so a date is read the same whichever input it came in.
//!
//! Times without a zone are compared as if they were UTC: hosts print local time without saying
//! which, and a certificate expiry or a collection time is only ever compared in days, where the
//! offset does not matter. They are never shown as UTC, though: [`Zone`] says whether a time's
//! text stated its zone, and [`format_in`] writes a local one without a `Z`.

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
        return Local::read(text)?.at(DayMonth::MonthFirst);
    }
    parse_iso(text)
}

/// Which of day and month a culture writes first in a numeric date: en-US `2/20/2027`, en-GB
/// `20/02/2027`. Dates with dots (`20.02.2027`) are always day first and dates that start with
/// the year always year, month, day, so only dates with `/` need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayMonth {
    MonthFirst,
    DayFirst,
}

impl DayMonth {
    /// The order of a culture named as Windows names it: `en-US` (Get-Culture),
    /// `en-gb;English (United Kingdom)` (systeminfo's System Locale), `de;Deutsch (Deutschland)`.
    /// The cultures that write the month first are few (the United States and the
    /// Philippines); the others write the day first or start with the year.
    pub fn of_culture(name: &str) -> Option<DayMonth> {
        let tag = name.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let language = tag.split('-').next().unwrap_or_default();
        if !(2..=3).contains(&language.len()) || !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return None;
        }
        Some(match tag.as_str() {
            "en-us" | "es-us" | "en-ph" | "fil-ph" => DayMonth::MonthFirst,
            _ => DayMonth::DayFirst,
        })
    }
}

/// A date as its text allows it to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// One instant.
    At(Timestamp),
    /// A date with `/` whose day and month are both 12 or less, in a culture nobody stated:
    /// read month first and day first.
    Either { month_first: Timestamp, day_first: Timestamp },
}

/// Reads a date as [`parse`] does, and the local forms Windows writes in each culture:
/// `12.01.2027 09:24:06` (de-DE), `2027/01/30 9:00:01` (ja-JP), `05/02/2027 10:11:12`
/// (en-GB), `2/20/2027 11:02 AM` (en-US, as `certutil` writes it). A date with `/` is read in
/// `order` when the culture is known; otherwise a part above 12 or en-US's own shape decides
/// (see [`order_shown`]), and when nothing does, both readings are returned.
pub fn read(text: &str, order: Option<DayMonth>) -> Option<Reading> {
    let text = text.trim();
    if !text.contains(['/', '.']) || text.contains('T') {
        return parse(text).map(Reading::At);
    }
    let local = Local::read(text)?;
    match order.or_else(|| local.order_shown()) {
        Some(order) => local.at(order).map(Reading::At),
        None => match (local.at(DayMonth::MonthFirst), local.at(DayMonth::DayFirst)) {
            (Some(month_first), Some(day_first)) if month_first != day_first => {
                Some(Reading::Either { month_first, day_first })
            }
            (Some(at), _) | (None, Some(at)) => Some(Reading::At(at)),
            (None, None) => None,
        },
    }
}

/// The order of day and month a date with `/` shows by itself: a part above 12
/// (`23/09/2026`), or en-US's shape, which no day-first culture writes: no leading zeros and
/// a 12-hour clock (`2/1/2027 12:59:59 AM`; en-AU, which also writes AM and PM, pads the
/// month: `2/01/2027`).
pub fn order_shown(text: &str) -> Option<DayMonth> {
    Local::read(text.trim())?.order_shown()
}

/// A local date and time as written, before the order of day and month is known.
struct Local {
    date: LocalDate,
    clock: Option<Clock>,
}

enum LocalDate {
    /// `2027/01/30`, `2027-01-30`.
    YearFirst { year: i64, month: i64, day: i64 },
    /// `12.01.2027`.
    DayFirst { year: i64, month: i64, day: i64 },
    /// `05/02/2027`: `first` and `second` are day and month in an order the text does not say.
    Slash { year: i64, first: i64, second: i64, padded: bool },
}

struct Clock {
    hour: i64,
    minute: i64,
    second: i64,
    fraction: String,
    /// `Some(true)` for PM, `Some(false)` for AM, `None` on a 24-hour clock.
    pm: Option<bool>,
}

impl Local {
    /// A date with `/`, `.` or `-`, year first or last, optionally followed by a time with
    /// optional seconds, fraction and AM/PM.
    fn read(text: &str) -> Option<Local> {
        let (date, time) = match text.split_once(char::is_whitespace) {
            Some((date, time)) => (date, Some(time.trim())),
            None => (text, None),
        };
        let date = LocalDate::read(date)?;
        let clock = match time {
            Some(time) => Some(Clock::read(time)?),
            None => None,
        };
        Some(Local { date, clock })
    }

    fn order_shown(&self) -> Option<DayMonth> {
        let LocalDate::Slash { first, second, padded, .. } = self.date else { return None };
        match (first > 12, second > 12) {
            (true, false) => Some(DayMonth::DayFirst),
            (false, true) => Some(DayMonth::MonthFirst),
            _ if !padded && self.clock.as_ref().is_some_and(|c| c.pm.is_some()) => Some(DayMonth::MonthFirst),
            _ => None,
        }
    }

    /// The civil date and time in `order`, or `None` when that reading is no date.
    fn civil(&self, order: DayMonth) -> Option<Civil> {
        let (year, month, day) = match self.date {
            LocalDate::YearFirst { year, month, day } | LocalDate::DayFirst { year, month, day } => (year, month, day),
            LocalDate::Slash { year, first, second, .. } => match order {
                DayMonth::MonthFirst => (year, first, second),
                DayMonth::DayFirst => (year, second, first),
            },
        };
        let (hour, minute, second, fraction) = match &self.clock {
            None => (0, 0, 0, String::new()),
            Some(Clock { hour, minute, second, fraction, pm }) => {
                let hour = match pm {
                    None if *hour <= 23 => *hour,
                    Some(pm) if (1..=12).contains(hour) => hour % 12 + if *pm { 12 } else { 0 },
                    _ => return None,
                };
                (hour, *minute, *second, fraction.clone())
            }
        };
        civil(year, month, day, hour, minute, second)?;
        Some(Civil { year, month, day, hour, minute, second, fraction })
    }

    /// The date and time in `order`, or in the other order when `order` reads no date (a
    /// culture stated elsewhere than where the date was written, or a month above 12).
    fn civil_in(&self, order: DayMonth) -> Option<Civil> {
        let other = match order {
            DayMonth::MonthFirst => DayMonth::DayFirst,
            DayMonth::DayFirst => DayMonth::MonthFirst,
        };
        self.civil(order).or_else(|| self.civil(other))
    }

    fn at(&self, order: DayMonth) -> Option<Timestamp> {
        let Civil { year, month, day, hour, minute, second, .. } = self.civil_in(order)?;
        civil(year, month, day, hour, minute, second)
    }
}

impl LocalDate {
    /// Year, month and day written with `/`, `.` or `-`, year first or last. Two-digit years
    /// (`12/5/26`) are not what Windows writes in full dates; guessing the century is worse
    /// than not reading them.
    fn read(date: &str) -> Option<LocalDate> {
        let separator = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
        let parts: Vec<&str> = date.trim_end_matches('.').split(separator).collect();
        let [a, b, c] = parts.as_slice() else {
            return None;
        };
        if a.len() == 4 {
            return Some(LocalDate::YearFirst { year: number(a, 4)?, month: number(b, 2)?, day: number(c, 2)? });
        }
        if c.len() != 4 {
            return None;
        }
        let (first, second, year) = (number(a, 2)?, number(b, 2)?, number(c, 4)?);
        Some(match separator {
            '/' => LocalDate::Slash { year, first, second, padded: a.starts_with('0') || b.starts_with('0') },
            _ => LocalDate::DayFirst { year, month: second, day: first },
        })
    }
}

impl Clock {
    /// `10:14:22`, `9:00:01`, `10:14:22.123`, `11:02 AM`, `1:03:00 p.m.`.
    fn read(time: &str) -> Option<Clock> {
        let (time, pm) = match time.rsplit_once(char::is_whitespace) {
            Some((time, marker)) => (time.trim(), Some(meridiem(marker)?)),
            None => (time, None),
        };
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
        Some(Clock { hour, minute, second, fraction: fraction.to_owned(), pm })
    }
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

/// Whether a time's text says which instant it is. Windows writes most times in the host's
/// local time without saying its offset (transcript stamps, `Get-ChildItem Cert:` and
/// `certutil` dates, exports' culture-formatted times); a `Z`, an offset or `/Date(...)/` (UTC
/// milliseconds) say it. A local time read as if it were UTC is shown without a `Z`, never
/// labelled with a zone no input stated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Zone {
    /// UTC, or an offset the text stated (the instant was turned into UTC).
    Utc,
    /// The host's local time as written; its offset is unknown.
    #[default]
    HostLocal,
}

impl Zone {
    /// The zone of a time as its text is written.
    pub fn of(text: &str) -> Zone {
        let text = text.trim();
        if text.starts_with("/Date(") || text.ends_with(['Z', 'z']) {
            return Zone::Utc;
        }
        // An offset after the clock: `10:14:22+01:00`, `10:14:22.123-0500`.
        let clock = text.find(['T', ' ']).map_or("", |at| &text[at..]);
        match clock.rfind(['+', '-']) {
            Some(sign)
                if clock[..sign].contains(':')
                    && clock[sign + 1..].bytes().all(|b| b.is_ascii_digit() || b == b':') =>
            {
                Zone::Utc
            }
            _ => Zone::HostLocal,
        }
    }

    /// As the JSON contract names it: `utc` or `host_local`.
    pub fn name(self) -> &'static str {
        match self {
            Zone::Utc => "utc",
            Zone::HostLocal => "host_local",
        }
    }
}

/// `2026-12-05T10:14:22Z` in UTC, `2026-12-05T10:14:22` (ISO 8601 local time) in the host's.
pub fn format_in(ts: Timestamp, zone: Zone) -> String {
    match zone {
        Zone::Utc => format(ts),
        Zone::HostLocal => Civil::at(ts).iso(),
    }
}

/// [`format_in`] for a reader: a local time says it is one.
pub fn shown_in(ts: Timestamp, zone: Zone) -> String {
    match zone {
        Zone::Utc => format(ts),
        Zone::HostLocal => format!("{} local time of the host", Civil::at(ts).iso()),
    }
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
/// of these (ISO already, a date without a time, or a form this does not know), so the value
/// stays as written.
pub fn iso_from_local(text: &str) -> Option<String> {
    let local = Local::read(text.trim())?;
    let order = match local.clock.as_ref()?.pm {
        Some(_) => DayMonth::MonthFirst,
        None => DayMonth::DayFirst,
    };
    Some(local.civil_in(order)?.iso())
}

/// `AM`/`PM` (any case, with or without dots): whether it is PM.
fn meridiem(marker: &str) -> Option<bool> {
    match marker.replace('.', "").to_ascii_uppercase().as_str() {
        "AM" => Some(false),
        "PM" => Some(true),
        _ => None,
    }
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
    fn a_time_is_utc_only_where_its_text_says_so() {
        for utc in [
            "2026-11-18T09:12:44.1181230Z",
            "2026-12-05T10:14:22+01:00",
            "2026-12-05 10:14:22-0500",
            "/Date(1733390062000)/",
        ] {
            assert_eq!(Zone::of(utc), Zone::Utc, "{utc}");
        }
        for local in
            ["2026-11-18T09:30:12", "20261118093012", "2/20/2027 11:02:00 AM", "20.02.2027 11:02:00", "2026-12-05"]
        {
            assert_eq!(Zone::of(local), Zone::HostLocal, "{local}");
        }
        let at = parse("2026-11-18T09:30:12").unwrap();
        assert_eq!(format_in(at, Zone::HostLocal), "2026-11-18T09:30:12");
        assert_eq!(shown_in(at, Zone::HostLocal), "2026-11-18T09:30:12 local time of the host");
        assert_eq!(shown_in(at, Zone::Utc), "2026-11-18T09:30:12Z");
    }

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
    fn dates_in_the_culture_of_the_host() {
        let at = |iso: &str| Some(Reading::At(parse(iso).unwrap()));
        assert_eq!(read("12.01.2027 09:24:06", None), at("2027-01-12T09:24:06"));
        assert_eq!(read("2027/01/30 10:00:00", None), at("2027-01-30T10:00:00"));
        assert_eq!(read("1995/01/01 9:00:01", None), at("1995-01-01T09:00:01"));
        assert_eq!(read("2/20/2027 11:02 AM", None), at("2027-02-20T11:02:00"));
        assert_eq!(read("23/09/2026 01:00:00", None), at("2026-09-23T01:00:00"));
        assert_eq!(read("2027-01-12T09:24:06Z", None), at("2027-01-12T09:24:06"));
        // en-US writes no leading zeros and AM/PM; no day-first culture writes that shape.
        assert_eq!(read("2/1/2027 12:59:59 AM", None), at("2027-02-01T00:59:59"));
        assert_eq!(read("05/02/2027 10:11:12", Some(DayMonth::DayFirst)), at("2027-02-05T10:11:12"));
        assert_eq!(read("05/02/2027 10:11:12", Some(DayMonth::MonthFirst)), at("2027-05-02T10:11:12"));
        assert_eq!(
            read("05/02/2027 10:11:12", None),
            Some(Reading::Either {
                month_first: parse("2027-05-02T10:11:12").unwrap(),
                day_first: parse("2027-02-05T10:11:12").unwrap(),
            })
        );
        // en-AU pads the month and also writes AM/PM: the shape does not decide.
        assert!(matches!(read("2/01/2027 10:00:00 AM", None), Some(Reading::Either { .. })));
        assert_eq!(read("07/07/2027 10:00:00", None), at("2027-07-07T10:00:00"));
        // A culture stated elsewhere cannot make a date impossible: the text decides.
        assert_eq!(read("2/20/2027 11:02 AM", Some(DayMonth::DayFirst)), at("2027-02-20T11:02:00"));
        for text in ["31.02.2027 10:00:00", "1.4.2", "12/31/99999 11:59:59 PM", "05/02/27 10:00", "Running"] {
            assert_eq!(read(text, None), None, "{text}");
        }
    }

    #[test]
    fn the_order_a_date_or_a_culture_shows() {
        assert_eq!(order_shown("23/09/2026 01:00:00"), Some(DayMonth::DayFirst));
        assert_eq!(order_shown("9/23/2026 1:00:00 AM"), Some(DayMonth::MonthFirst));
        assert_eq!(order_shown("1/3/2027 10:12:40 AM"), Some(DayMonth::MonthFirst));
        assert_eq!(order_shown("05/02/2027 10:11:12"), None);
        assert_eq!(order_shown("03.02.2027 14:22:10"), None);
        assert_eq!(DayMonth::of_culture("en-US"), Some(DayMonth::MonthFirst));
        assert_eq!(DayMonth::of_culture("en-gb;English (United Kingdom)"), Some(DayMonth::DayFirst));
        assert_eq!(DayMonth::of_culture("de;Deutsch (Deutschland)"), Some(DayMonth::DayFirst));
        assert_eq!(DayMonth::of_culture("English (United States)"), None);
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
