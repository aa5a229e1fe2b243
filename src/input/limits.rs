//! The bounds of one scan. Bundles come from customers' machines and may be damaged, huge or
//! hostile; each bound turns what would exhaust memory or time into a problem listed under the
//! input it concerns, and `ccdiag scan` has a flag for each (README, "Reliability").

use std::time::{Duration, Instant};

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
