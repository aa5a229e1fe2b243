//! The bounds of one scan. Bundles come from customers' machines and may be damaged, huge or
//! hostile; each bound turns what would exhaust memory or time into a problem listed under the
//! input it concerns, and `ccdiag scan` has a flag for each (README, "Reliability").

use std::time::{Duration, Instant};

use super::budget::{DEFAULT_MAX_MEMORY, MemoryBudget};

/// `--timeout` when not given: long enough for bundles of many gigabytes, short enough that a
/// scan left running in a ticket pipeline ends with a report.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest file read, on disk, from stdin or in a zip (bytes); larger ones are skipped.
    /// `--max-file-size`.
    pub max_file_size: u64,
    /// Longest field of a record (a log entry's message, a line, a property value), in bytes;
    /// a longer one is cut there, said so, and the kept part is still matched.
    /// `--max-record-bytes`.
    pub max_record_bytes: usize,
    /// Most entries read from one zip, the entries of zips inside it included.
    /// `--max-zip-entries`.
    pub max_zip_entries: usize,
    /// Most uncompressed bytes read from one zip, zips inside it included. `--max-zip-bytes`.
    pub max_zip_bytes: u64,
    /// Most uncompressed bytes read from one zip per byte of the zip: a zip bomb expands
    /// thousands of times, logs rarely a hundred. `--max-zip-ratio`.
    pub max_zip_ratio: u64,
    /// Folders and zips nested at most this deep below a scanned path (a file directly in it is
    /// at depth 0). `--max-depth`.
    pub max_depth: usize,
    /// When reading stops; what is not read by then is reported "not read: time limit".
    /// Set from `--timeout` when the scan starts.
    pub deadline: Option<Instant>,
    /// Follow symbolic links, as long as they lead to a place inside the scanned folder.
    /// `--follow-links`.
    pub follow_links: bool,
    /// The input bytes held in flight at once, across the whole scan. `--max-memory`. Clones of
    /// these limits share it.
    pub memory: MemoryBudget,
}

impl Default for Limits {
    /// No deadline: a library caller decides whether a scan may be cut short.
    fn default() -> Limits {
        Limits {
            max_file_size: 1 << 30,
            max_record_bytes: 1 << 20,
            max_zip_entries: 100_000,
            max_zip_bytes: 4 << 30,
            max_zip_ratio: 200,
            max_depth: 32,
            deadline: None,
            follow_links: false,
            memory: MemoryBudget::new(DEFAULT_MAX_MEMORY),
        }
    }
}

impl Limits {
    /// True once the deadline has passed.
    pub fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// The message of an input left unread because the deadline passed.
pub const TIME_LIMIT: &str = "not read: time limit (--timeout)";

/// A byte count as the size flags take it: a whole number of bytes (`1048576`), or a number
/// with a binary unit, `K`, `M`, `G` or `T` (also written `KiB`, `MiB`, `GiB`, `TiB`, any case),
/// each 1024 times the one before, with at most three decimals (`1.5G`: rounded down to whole
/// bytes). `KB`, `MB`, `GB` and `TB` are refused: some read them as powers of 1000, others as
/// powers of 1024, and a limit must mean one thing.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let not_a_size = || {
        format!(
            "`{text}` is not a size: write bytes (1048576) or a number with K, M, G or T (64K, 512M, 1.5G; powers of 1024)"
        )
    };
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        "t" | "tib" => 40,
        "kb" | "mb" | "gb" | "tb" => {
            return Err(format!(
                "`{text}` is ambiguous (1000 or 1024?): write {number}{} for powers of 1024, or the number of bytes",
                &unit[..1].to_ascii_uppercase()
            ));
        }
        _ => return Err(not_a_size()),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) || number.ends_with('.') {
        return Err(not_a_size());
    }
    if fraction.len() > 3 || (shift == 0 && !fraction.is_empty()) {
        return Err(format!("`{text}`: bytes are whole, and a unit takes at most three decimals (1.5G)"));
    }
    let too_big = || format!("`{text}` is more than {} bytes", u64::MAX);
    let whole: u128 = whole.parse().map_err(|_| too_big())?;
    let scale = 10u128.pow(u32::try_from(fraction.len()).unwrap_or(0));
    let fraction: u128 = if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| too_big())? };
    let bytes = ((whole * scale + fraction) << shift) / scale;
    u64::try_from(bytes).map_err(|_| too_big())
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_bytes_and_binary_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert_eq!(parse_size("0.001K"), Ok(1));
        assert_eq!(parse_size("1T"), Ok(1 << 40));
        assert_eq!(parse_size("0"), Ok(0));
    }

    #[test]
    fn garbage_and_ambiguous_units_are_refused() {
        for bad in ["", "G", "2X", "2 G", "-1", "1.5", "1.", ".5G", "1.2345G", "2GB", "1e9", "2G2", "99999999999T"] {
            assert!(parse_size(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(parse_size("2GB").unwrap_err().contains("write 2G"));
    }
}
