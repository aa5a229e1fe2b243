//! "Did you mean": the known name nearest to a mistyped one.

/// The candidate nearest to `word` (ignoring ASCII case) when it is near enough to be the
/// intended one: at most a third of the word's characters away, and never more than three.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let allowed = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (distance(&word, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters (one row of the table at a time).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(x != y));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_are_suggested_and_far_ones_not() {
        let names = ["version_mismatch", "stale_module", "certificate_expiring"];
        assert_eq!(closest("version_missmatch", names), Some("version_mismatch"));
        assert_eq!(closest("STALE_MODULE", names), Some("stale_module"));
        assert_eq!(closest("certificate", names), None);
        assert_eq!(closest("xyz", names), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
