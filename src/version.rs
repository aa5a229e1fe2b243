//! Dotted version numbers (`1.4.2`, `2.1.0.0`) and their ordering.

use std::cmp::Ordering;
use std::fmt;

/// A version of numeric components; missing trailing components count as zero, so `2.0` and
/// `2.0.0.0` are equal, as Cloud Connector writes both.
#[derive(Clone, Debug, Eq)]
pub struct Version(Vec<u64>);

impl Version {
    /// Reads `1.4.2`, `v2.1.0.0`, `2.1.0.0-default` (an instance folder name); `None` if the text
    /// does not start with a dotted number of at least two components.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim().trim_start_matches(['v', 'V']);
        let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
        let parts: Vec<u64> =
            text[..end].trim_end_matches('.').split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        (parts.len() >= 2).then_some(Version(parts))
    }

    /// The version with four parts, as Cloud Connector names its deployments (`2.1.0.0-CMS`).
    pub fn four_parts(&self) -> String {
        (0..4.max(self.0.len())).map(|i| self.component(i).to_string()).collect::<Vec<_>>().join(".")
    }

    fn component(&self, i: usize) -> u64 {
        self.0.get(i).copied().unwrap_or(0)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        let n = self.0.len().max(other.0.len());
        (0..n).map(|i| self.component(i).cmp(&other.component(i))).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// Compares two field values: as versions or numbers when both read as such, else `None`.
pub fn compare_values(a: &str, b: &str) -> Option<Ordering> {
    if let (Ok(x), Ok(y)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        return x.partial_cmp(&y);
    }
    Some(Version::parse(a)?.cmp(&Version::parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_zeros_do_not_matter() {
        assert_eq!(Version::parse("2.0"), Version::parse("2.0.0.0"));
        assert!(Version::parse("1.4.2").unwrap() < Version::parse("2.0").unwrap());
        assert!(Version::parse("2.1.0.0-default").unwrap() > Version::parse("2.0.1").unwrap());
    }

    #[test]
    fn not_versions() {
        assert_eq!(Version::parse("Running"), None);
        assert_eq!(Version::parse("7"), None);
    }

    #[test]
    fn numbers_compare_as_numbers() {
        assert_eq!(compare_values("394254", "461808"), Some(Ordering::Less));
        assert_eq!(compare_values("1.10", "1.9"), Some(Ordering::Less));
        assert_eq!(compare_values("abc", "1.0"), None);
    }
}
