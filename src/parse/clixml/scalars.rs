//! Typed scalars as Export-Clixml writes them: the serializer's `_xHHHH_` escapes and
//! `<TS>` durations (`PT1H2M3.5S`) read the way PowerShell prints them (`01:02:03.5000000`).

use std::borrow::Cow;

/// Undoes the serializer's `_xHHHH_` escapes (control characters such as `_x000D__x000A_`,
/// characters XML cannot hold, and `_` itself as `_x005F_` where it would be misread).
/// Surrogate pairs come as two escapes; a lone surrogate becomes U+FFFD.
pub(super) fn decode_escapes(text: &str) -> Cow<'_, str> {
    if memchr::memmem::find(text.as_bytes(), b"_x").is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = memchr::memmem::find(rest.as_bytes(), b"_x") {
        let Some(unit) = escape_unit(&rest[at..]) else {
            out.push_str(&rest[..at + 2]);
            rest = &rest[at + 2..];
            continue;
        };
        out.push_str(&rest[..at]);
        rest = &rest[at + 7..];
        let c = match unit {
            0xD800..=0xDBFF => match escape_unit(rest) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    rest = &rest[7..];
                    char::from_u32(0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00))
                }
                _ => None,
            },
            _ => char::from_u32(u32::from(unit)),
        };
        out.push(c.unwrap_or('\u{FFFD}'));
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The UTF-16 unit of an `_xHHHH_` escape at the start of `text`.
pub(super) fn escape_unit(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    if b.len() < 7 || &b[..2] != b"_x" || b[6] != b'_' || !b[2..6].iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u16::from_str_radix(&text[2..6], 16).ok()
}

/// An `xs:duration` as `XmlConvert` writes a TimeSpan (`P12DT3H44M10.123S`), in .NET's
/// `[-][d.]hh:mm:ss[.fffffff]` form, which is what Format-List and Format-Table print.
pub(super) fn timespan(text: &str) -> Option<String> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut rest = rest.strip_prefix('P')?;
    let mut ticks: u128 = 0;
    let mut in_time = false;
    let mut seen_any = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('T') {
            if in_time {
                return None;
            }
            in_time = true;
            rest = after;
            continue;
        }
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let unit = after.chars().next()?;
        rest = &after[unit.len_utf8()..];
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let whole: u128 = whole.parse().ok()?;
        let per_unit: u128 = match (in_time, unit) {
            (false, 'D') => 864_000_000_000,
            (true, 'H') => 36_000_000_000,
            (true, 'M') => 600_000_000,
            (true, 'S') => 10_000_000,
            _ => return None,
        };
        if (!fraction.is_empty() && unit != 'S') || fraction.len() > 7 || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let fraction_ticks: u128 = if fraction.is_empty() { 0 } else { format!("{fraction:0<7}").parse().ok()? };
        ticks = ticks.checked_add(whole.checked_mul(per_unit)?)?.checked_add(fraction_ticks)?;
        seen_any = true;
    }
    if !seen_any {
        return None;
    }
    let (days, rem) = (ticks / 864_000_000_000, ticks % 864_000_000_000);
    let (hours, rem) = (rem / 36_000_000_000, rem % 36_000_000_000);
    let (minutes, rem) = (rem / 600_000_000, rem % 600_000_000);
    let (seconds, fraction) = (rem / 10_000_000, rem % 10_000_000);
    let mut out = String::new();
    if negative && ticks > 0 {
        out.push('-');
    }
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{hours:02}:{minutes:02}:{seconds:02}"));
    if fraction > 0 {
        out.push_str(&format!(".{fraction:07}"));
    }
    Some(out)
}
