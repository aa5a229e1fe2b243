//! `reg query` output: a key's path at column 0, then its values, one a line, as
//! `    Name    REG_TYPE    data`. Each key with values becomes one object whose fields are the
//! value names, with DWORD and QWORD data in decimal (reg prints them in hex, `0x5cbf5`), so a
//! rule compares `Release` with a number however the value was read.

use super::Parser;
use crate::record::{Record, RecordKind};

/// The separator reg puts around a value's type.
const GAP: &str = "    ";

impl Parser<'_, '_> {
    /// The key at line `i` and its values, if it has any.
    pub(super) fn reg_query(&mut self, i: usize) -> Option<usize> {
        let ls = self.ls;
        let key = ls[i].text.trim_end();
        if !key.starts_with("HKEY_") {
            return None;
        }
        let values: Vec<(&str, String)> = ls[i + 1..].iter().map_while(|l| reg_value(&l.text)).collect();
        if values.is_empty() {
            return None;
        }
        let last = i + values.len();
        let mut record = Record::new(RecordKind::PsObject, self.span(i, last)).with("Key", key);
        for (name, data) in values {
            record.push(name.to_string(), data);
        }
        self.emit(record.with("producer", "reg"));
        Some(last + 1)
    }
}

/// `    Release    REG_DWORD    0x5cbf5` as its name and its data, numbers in decimal.
fn reg_value(text: &str) -> Option<(&str, String)> {
    let line = text.strip_prefix(GAP)?.trim_end();
    let (name, typed) = line.split_once(&format!("{GAP}REG_"))?;
    let (kind, data) = typed.split_once(GAP).unwrap_or((typed, ""));
    if name.trim().is_empty() || !kind.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
        return None;
    }
    let number = |digits: &str| u64::from_str_radix(digits.strip_prefix("0x")?, 16).ok();
    let data = match kind {
        "DWORD" | "QWORD" => number(data).map_or_else(|| data.to_string(), |n| n.to_string()),
        _ => data.to_string(),
    };
    Some((name, data))
}
