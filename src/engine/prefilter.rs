//! Whether a stretch of text can hold evidence at all, decided before parsing it.
//!
//! Most of a big log is routine: no rule could fire on any of its entries. Parsing those
//! entries into records only to find that no literal occurs in any field is the bulk of the
//! work, so a log is first searched as text: folded the way the matcher folds fields, and
//! scanned for every literal that gates a rule reading its record kinds. That is exact, not a
//! heuristic: each field of a log entry or a text line is a stretch of the text, so a literal
//! folded into a field is also in the folded text.

use std::collections::HashSet;

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
    /// The prefilter of the rules that run (`runs[i]`, by rule index) reading `kinds`.
    pub(super) fn new(rules: &[CompiledRule], runs: &[bool], kinds: &[RecordKind]) -> TextPrefilter {
        let mut literals: Vec<&str> = Vec::new();
        let running = rules.iter().zip(runs).filter(|(_, runs)| **runs).map(|(rule, _)| rule);
        for (_, triggers) in running.flat_map(|r| &r.triggers).filter(|(kind, _)| kinds.contains(kind)) {
            match triggers {
                None => return TextPrefilter::Always,
                Some(list) => literals.extend(list.iter().map(String::as_str)),
            }
        }
        if literals.is_empty() {
            return TextPrefilter::Never;
        }
        let literals = condense(&literals);
        let longest = literals.iter().map(|l| l.len()).max().unwrap_or(0);
        match AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .build(&literals)
        {
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
        // Room for a folded piece, what the previous one left and folding's slack: the buffer
        // is never grown, so never copied.
        let mut folded = Vec::with_capacity(2 * PIECE + longest);
        let mut rest = text;
        while !rest.is_empty() {
            let cut = rest.ceil_char_boundary(PIECE.min(rest.len()));
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

/// Fewer literals that still find every text the given ones find, for a prefilter that only
/// asks whether any occurs. Where two literals share a run of at least [`MERGE_LEN`] bytes
/// (the quote variants of one message, "shells for this user" and "... tenant") both give way
/// to that run, and a literal holding another one is dropped. Every result is a substring of a
/// given literal, so a text holding one of those holds one of these: the search stays exact
/// and only says "maybe" a little more often. It matters because the vectorised search
/// (Teddy) handles up to 32 literals twice as fast as up to 64, and the pack has a few more
/// than 32 for logs.
pub(super) fn condense<S: AsRef<[u8]>>(literals: &[S]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = literals.iter().map(|l| l.as_ref().to_vec()).collect();
    out.sort_unstable();
    out.dedup();
    // Condensing is quadratic, and only pays while it can bring a set under Teddy's limit;
    // a user's pack with thousands of literals is searched as it is.
    if out.len() > CONDENSE_AT_MOST {
        return out;
    }
    // Only pairs sharing a run of MERGE_LEN bytes need the quadratic search for the longest
    // one: found through a set of each literal's MERGE_LEN-byte windows, since this runs at
    // every start-up.
    let windows = |l: &[u8]| l.windows(MERGE_LEN).map(<[u8]>::to_vec).collect::<HashSet<Vec<u8>>>();
    let mut sets: Vec<HashSet<Vec<u8>>> = out.iter().map(|l| windows(l)).collect();
    for i in 0..out.len() {
        for j in i + 1..out.len() {
            if sets[i].is_disjoint(&sets[j]) {
                continue;
            }
            if let Some(run) = longest_common_run(&out[i], &out[j]) {
                let run = run.to_vec();
                sets[i] = windows(&run);
                sets[j] = sets[i].clone();
                out[j].clone_from(&run);
                out[i] = run;
            }
        }
    }
    out.sort_unstable_by_key(Vec::len);
    out.dedup();
    let mut kept: Vec<Vec<u8>> = Vec::with_capacity(out.len());
    for literal in out {
        // Shorter ones come first: any literal this one holds is already kept.
        if !kept.iter().any(|k| memchr::memmem::find(&literal, k).is_some()) {
            kept.push(literal);
        }
    }
    kept
}

/// Most literals worth condensing: Teddy takes at most 64.
const CONDENSE_AT_MOST: usize = 128;

/// The shortest shared run that merges two literals: long enough to stay rare in real text.
const MERGE_LEN: usize = 16;

/// The longest run of bytes found in both `a` and `b` (the first such run of `a`).
fn longest_common_run<'a>(a: &'a [u8], b: &[u8]) -> Option<&'a [u8]> {
    // Dynamic programming over one row: run[j] is the length of the common run ending at the
    // current byte of `a` and byte j of `b`.
    let mut run = vec![0usize; b.len() + 1];
    let (mut best_len, mut best_end) = (0, 0);
    for (i, &x) in a.iter().enumerate() {
        for j in (0..b.len()).rev() {
            run[j + 1] = if b[j] == x { run[j] + 1 } else { 0 };
            if run[j + 1] > best_len {
                (best_len, best_end) = (run[j + 1], i + 1);
            }
        }
    }
    (best_len > 0).then(|| &a[best_end - best_len..best_end])
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
    fn condensed_literals_find_what_the_literals_find() {
        let literals = [
            "module'cloudconnector'wasnotloadedbecausenovalidmodulefilewasfound",
            "module\"cloudconnector\"wasnotloadedbecausenovalidmodulefilewasfound",
            "concurrentshellsforthisuserhasbeenexceeded",
            "concurrentshellsforthistenanthasbeenexceeded",
            "recoverresult:cannotrecover",
            "cannotrecover",
            "psversion",
        ];
        let condensed = condense(&literals);
        let text = |l: &[u8]| String::from_utf8(l.to_vec()).unwrap();
        let mut shown: Vec<String> = condensed.iter().map(|l| text(l)).collect();
        shown.sort();
        assert_eq!(
            shown,
            ["cannotrecover", "concurrentshellsforthis", "psversion", "wasnotloadedbecausenovalidmodulefilewasfound"]
        );
        for literal in literals {
            assert!(condensed.iter().any(|c| literal.contains(&text(c))), "{literal}");
        }
    }

    #[test]
    fn pieces_end_on_character_boundaries() {
        let filter = prefilter(&["\u{e4}nderung"]);
        let mut text = "x".to_owned() + &"\u{e4}".repeat(PIECE);
        text.push_str("NDERUNG");
        assert!(filter.may_match(&text));
    }
}
