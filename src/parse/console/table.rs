//! `Format-Table` rows: columns from the dashes line, right-aligned numbers, cells that
//! overflow their column.

use super::Parser;
use super::line::Class;
use crate::record::{FieldName, Record, RecordKind};

/// How far a misaligned table cell may overflow its column before we stop looking for the
/// whitespace that really separates it from the next one.
pub(super) const MAX_CELL_SHIFT: usize = 40;

/// A dashes line with more runs than this is a ruler or art, not a table header.
pub(super) const MAX_COLUMNS: usize = 128;

impl Parser<'_, '_> {
    /// A `Format-Table`: header, dashes underline, rows up to a blank line. One object per row.
    pub(super) fn table(&mut self, header: usize) -> Option<usize> {
        let ls = self.ls;
        let runs = dash_runs(&ls[header + 1].text);
        if runs.len() > MAX_COLUMNS {
            return None;
        }
        let header_text = CharCols::new(&ls[header].text, runs.last().map_or(1, |r| r.1 + 1));
        let names: Vec<&str> = runs.iter().map(|&(s, e)| header_text.slice(s, e).trim()).collect();
        // Every underline sits under header text; anything else is a ruler under a title.
        if names.is_empty() || names.iter().any(|n| n.is_empty()) {
            return None;
        }
        // Shared by every row: a row names its fields without copying the header.
        let names: Vec<FieldName> = names.into_iter().map(|n| FieldName::Shared(n.into())).collect();
        let mut rows = Vec::new();
        let mut last = header + 1;
        while let Some(next) = ls.get(last + 1) {
            if next.class == Class::Blank {
                break;
            }
            last += 1;
            rows.push(last);
        }
        let limit = runs.last().map_or(0, |r| r.1) + 4 * MAX_CELL_SHIFT;
        let right_aligned = right_aligned_columns(&runs, rows.iter().map(|&r| CharCols::new(&ls[r].text, limit)));
        let mut objects = 0;
        for &row in &rows {
            if let Class::Stream(stream) = ls[row].class {
                // Warnings printed while the pipeline runs land between rows.
                self.stream(row, stream);
                continue;
            }
            let cells = cut_row(&CharCols::new(&ls[row].text, limit), &runs, &right_aligned);
            let mut record = Record::new(RecordKind::PsObject, self.span(row, row));
            record.fields.reserve_exact(names.len() + 1);
            for (name, cell) in names.iter().zip(cells) {
                record.push(name.clone(), cell);
            }
            self.emit(record);
            objects += 1;
        }
        if objects == 0 {
            // Header without rows (empty result): keep both lines visible as text.
            self.text(header, None);
            self.text(header + 1, None);
        }
        Some(last + 1)
    }
}

/// Column positions (char start, char end) from the dashes line.
pub(super) fn dash_runs(text: &str) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, c) in text.chars().chain(std::iter::once(' ')).enumerate() {
        match (c == '-', start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i));
                start = None;
                if runs.len() > MAX_COLUMNS {
                    break;
                }
            }
            _ => {}
        }
    }
    runs
}

/// Char-indexed access to the first `limit` chars of a line: table columns count characters,
/// and a huge row must not be expanded whole.
pub(super) struct CharCols<'t> {
    pub(super) text: &'t str,
    /// Byte offset and character per column; `None` when the columns read are all ASCII
    /// (nearly every table), where a column is a byte.
    pub(super) chars: Option<Vec<(usize, char)>>,
    /// Columns read: at most the limit.
    pub(super) len: usize,
    pub(super) complete: bool,
}

impl<'t> CharCols<'t> {
    pub(super) fn new(text: &'t str, limit: usize) -> CharCols<'t> {
        let ascii = text.len().min(limit);
        if text.as_bytes()[..ascii].is_ascii() {
            let complete = text.len() < limit || (limit > 0 && text.len() == limit);
            return CharCols { text, chars: None, len: ascii, complete };
        }
        CharCols::by_chars(text, limit)
    }

    pub(super) fn by_chars(text: &'t str, limit: usize) -> CharCols<'t> {
        let chars: Vec<(usize, char)> = text.char_indices().take(limit).collect();
        let complete = chars.len() < limit || chars.last().is_some_and(|&(b, c)| b + c.len_utf8() == text.len());
        CharCols { text, len: chars.len(), chars: Some(chars), complete }
    }

    pub(super) fn byte(&self, pos: usize) -> usize {
        match &self.chars {
            None if pos < self.len => pos,
            None => self.text.len(),
            Some(chars) => chars.get(pos).map_or(self.text.len(), |&(b, _)| b),
        }
    }

    pub(super) fn is_space(&self, pos: usize) -> bool {
        match &self.chars {
            None => self.text.as_bytes().get(pos).is_none_or(|&b| pos >= self.len || char::from(b).is_whitespace()),
            Some(chars) => chars.get(pos).is_none_or(|&(_, c)| c.is_whitespace()),
        }
    }

    pub(super) fn is_beyond(&self, pos: usize) -> bool {
        pos >= self.len && self.complete
    }

    pub(super) fn slice(&self, start: usize, end: usize) -> &'t str {
        let (s, e) = (self.byte(start), self.byte(end));
        self.text.get(s..e.max(s)).unwrap_or("")
    }
}

/// Which columns are right-aligned (numbers): their values end under the end of the dashes
/// and may start left of them, so the cell boundary is found from the right.
pub(super) fn right_aligned_columns<'t>(
    runs: &[(usize, usize)],
    rows: impl Iterator<Item = CharCols<'t>>,
) -> Vec<bool> {
    let mut votes = vec![(0usize, 0usize); runs.len()];
    for row in rows {
        for (k, &(s, e)) in runs.iter().enumerate() {
            if !row.is_space(s) {
                votes[k].0 += 1;
            } else if !row.is_space(e.saturating_sub(1)) {
                votes[k].1 += 1;
            }
        }
    }
    votes.into_iter().map(|(left, right)| right > left).collect()
}

/// Cuts a row into cells at the column boundaries. A cell that overflows its column (PS
/// normally truncates with `...`, but not always) pushes the boundary to the nearest
/// whitespace, and the overflow carries over to the following boundaries.
pub(super) fn cut_row(row: &CharCols<'_>, runs: &[(usize, usize)], right_aligned: &[bool]) -> Vec<String> {
    let mut cells = Vec::with_capacity(runs.len());
    let mut cur = 0usize;
    let mut shift = 0isize;
    for k in 1..runs.len() {
        let shifted = |p: usize| p.saturating_add_signed(shift);
        let gap = shifted(runs[k].0.saturating_sub(1));
        let from_right = right_aligned[k].then(|| shifted(runs[k].1.saturating_sub(1))).and_then(|end| {
            if row.is_space(end) {
                return None;
            }
            (cur..end).rev().find(|&p| row.is_space(p))
        });
        let split = match from_right {
            Some(split) => split,
            None => {
                let split = nearest_space(row, gap, cur);
                shift += split as isize - gap as isize;
                split
            }
        }
        .max(cur);
        cells.push(row.slice(cur, split).trim().to_string());
        cur = split + 1;
    }
    cells.push(row.text.get(row.byte(cur)..).unwrap_or("").trim().to_string());
    cells
}

pub(super) fn nearest_space(row: &CharCols<'_>, gap: usize, floor: usize) -> usize {
    if row.is_space(gap) || row.is_beyond(gap) {
        return gap;
    }
    for d in 1..=MAX_CELL_SHIFT {
        if row.is_space(gap + d) {
            return gap + d;
        }
        if gap > floor + d && row.is_space(gap - d) {
            return gap - d;
        }
    }
    gap
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The ASCII shortcut of `CharCols` reads columns exactly as the per-character path.
        #[test]
        fn ascii_columns_read_as_characters(text in "[ -~\t\x0B\x0C]{0,40}", limit in 0usize..50) {
            let fast = CharCols::new(&text, limit);
            let slow = CharCols::by_chars(&text, limit);
            proptest::prop_assert!(fast.chars.is_none());
            proptest::prop_assert_eq!(fast.complete, slow.complete);
            for pos in 0..limit + 2 {
                proptest::prop_assert_eq!(fast.byte(pos), slow.byte(pos));
                proptest::prop_assert_eq!(fast.is_space(pos), slow.is_space(pos));
                proptest::prop_assert_eq!(fast.is_beyond(pos), slow.is_beyond(pos));
                proptest::prop_assert_eq!(fast.slice(pos / 2, pos), slow.slice(pos / 2, pos));
            }
        }
    }
}
