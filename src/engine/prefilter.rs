//! Whether a stretch of text can hold evidence at all, decided before parsing it.
//!
//! Most of a big log is routine: no rule could fire on any of its entries. Parsing those
//! entries into records only to find that no literal occurs in any field is the bulk of the
//! work, so a log is first searched as text: folded the way the matcher folds fields, and
//! scanned for every literal that gates a rule reading its record kinds. That is exact, not a
//! heuristic: each field of a log entry or a text line is a stretch of the text, so a literal
//! folded into a field is also in the folded text.

use aho_corasick::{AhoCorasick, MatchKind};

use super::compile::CompiledRule;
use super::fold::fold_into;
use crate::record::RecordKind;

/// Bytes of text folded at a time: small enough for the folded copy to stay in cache while
/// the automaton reads it, and for memory not to grow with the size of a chunk.
const PIECE: usize = 64 << 10;

pub(super) enum TextPrefilter {
    /// A rule reading these kinds needs no literal (a state check): every stretch can match.
    Always,
    /// No rule reads these kinds.
    Never,
    Literals {
        /// Leftmost-first rather than overlapping: only whether one occurs matters, and it lets
        /// the automaton use its vectorised prefilter.
        automaton: AhoCorasick,
        /// Length of the longest folded literal, so a match can straddle two pieces.
        longest: usize,
    },
}

impl TextPrefilter {
    pub(super) fn new(rules: &[CompiledRule], kinds: &[RecordKind]) -> TextPrefilter {
        let mut literals: Vec<&str> = Vec::new();
        for (_, triggers) in rules.iter().flat_map(|r| &r.triggers).filter(|(kind, _)| kinds.contains(kind)) {
            match triggers {
                None => return TextPrefilter::Always,
                Some(list) => literals.extend(list.iter().map(String::as_str)),
            }
        }
        literals.sort_unstable();
        literals.dedup();
        if literals.is_empty() {
            return TextPrefilter::Never;
        }
        let longest = literals.iter().map(|l| l.len()).max().unwrap_or(0);
        match AhoCorasick::builder().match_kind(MatchKind::LeftmostFirst).build(&literals) {
            Ok(automaton) => TextPrefilter::Literals { automaton, longest },
            // Literals of bounded size always build; if not, parsing everything stays right.
            Err(_) => TextPrefilter::Always,
        }
    }

    /// Whether any literal occurs in `text`, folded.
    pub(super) fn may_match(&self, text: &str) -> bool {
        let (automaton, longest) = match self {
            TextPrefilter::Always => return true,
            TextPrefilter::Never => return false,
            TextPrefilter::Literals { automaton, longest } => (automaton, *longest),
        };
        let mut folded = Vec::with_capacity(PIECE + longest);
        let mut rest = text;
        while !rest.is_empty() {
            let mut cut = PIECE.min(rest.len());
            while !rest.is_char_boundary(cut) {
                cut += 1;
            }
            fold_into(&rest[..cut], &mut folded);
            if automaton.is_match(folded.as_slice()) {
                return true;
            }
            // Keep what a literal started in this piece could still need.
            let keep = longest.saturating_sub(1).min(folded.len());
            folded.drain(..folded.len() - keep);
            rest = &rest[cut..];
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefilter(literals: &[&str]) -> TextPrefilter {
        let automaton = AhoCorasick::builder().match_kind(MatchKind::LeftmostFirst).build(literals).unwrap();
        TextPrefilter::Literals { automaton, longest: literals.iter().map(|l| l.len()).max().unwrap() }
    }

    #[test]
    fn finds_literals_across_piece_edges_and_wrapping() {
        let filter = prefilter(&["unexpectedexceptionwhenreporting"]);
        for at in [0, PIECE - 20, PIECE - 1, PIECE, PIECE + 7, 3 * PIECE - 11] {
            let mut text = "x".repeat(at);
            text.push_str("Unexpected exception\r\n   when REPORTING");
            text.push_str(&"y".repeat(100));
            assert!(filter.may_match(&text), "literal at {at}");
        }
        let mut text = "Unexpected exception when report".repeat(PIECE / 10);
        text.push_str("ed");
        assert!(!filter.may_match(&text));
    }

    #[test]
    fn pieces_end_on_character_boundaries() {
        let filter = prefilter(&["\u{e4}nderung"]);
        let mut text = "x".to_owned() + &"\u{e4}".repeat(PIECE);
        text.push_str("NDERUNG");
        assert!(filter.may_match(&text));
    }
}
