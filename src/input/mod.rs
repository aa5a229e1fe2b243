//! Inputs: finding files (folders, zips, stdin), telling their kind, decoding their bytes.

pub mod budget;
pub mod chunks;
pub mod decode;
pub mod discover;
pub mod hosts;
pub mod limits;
pub mod pipe;
mod zip_directory;
pub mod zip_entry;

use std::io::Read;
use std::path::PathBuf;

use crate::record::{Problem, ProblemKind};

/// One file to diagnose, as found; nothing is decoded yet.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the scanned root; inside a zip, `bundle.zip/inner/path`.
    pub path: String,
    pub content: Content,
}

#[derive(Debug)]
pub enum Content {
    /// Read when the file's turn comes, so that a folder of big logs is never all in memory.
    Disk(DiskFile),
    /// An entry of a zip, inflated as a stream when its turn comes.
    Zip(zip_entry::ZipEntry),
    /// Stdin, streamed when its turn comes.
    Stdin(pipe::Stdin),
    /// Already read (by a library caller), or why it could not be.
    Memory(Result<Vec<u8>, Problem>),
}

/// A file on disk, and which file it was when it was found.
#[derive(Clone, Debug)]
pub struct DiskFile {
    pub path: PathBuf,
    /// The file the walk found at `path`. Between the walk and the read, the file can be
    /// replaced by a link to a place outside the scanned folder, which opening `path` would
    /// follow; the opened file must be the walked one. `None` for a path named on the command
    /// line, which is read whatever it is.
    pub found: Option<FileIdentity>,
    /// The walk reached it through a link it was allowed to follow (`--follow-links`).
    pub via_link: bool,
}

/// Which file a path led to: device and inode where the platform says (Unix). Elsewhere the
/// walk's file is opened without following a link at all (see [`DiskFile::open`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    #[cfg(unix)]
    device: u64,
    #[cfg(unix)]
    inode: u64,
}

impl FileIdentity {
    pub fn of(metadata: &std::fs::Metadata) -> FileIdentity {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileIdentity { device: metadata.dev(), inode: metadata.ino() }
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            FileIdentity {}
        }
    }
}

impl DiskFile {
    /// Opens the file, refusing one that is no longer the file the walk found.
    pub fn open(&self) -> Result<std::fs::File, Problem> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(windows)]
        if self.found.is_some() && !self.via_link {
            // FILE_FLAG_OPEN_REPARSE_POINT: open a link itself, never where it points.
            use std::os::windows::fs::OpenOptionsExt;
            options.custom_flags(0x0020_0000);
        }
        let file = options.open(&self.path).map_err(cannot_read)?;
        if let Some(found) = self.found {
            let metadata = file.metadata().map_err(cannot_read)?;
            if FileIdentity::of(&metadata) != found || !metadata.is_file() {
                return Err(DiskFile::replaced());
            }
        }
        Ok(file)
    }

    /// The problem of a file that is no longer the one the walk found.
    pub fn replaced() -> Problem {
        Problem::file(ProblemKind::Unreadable, "not read: replaced (by another file or a link) after it was found")
    }
}

/// Why an I/O operation on an input failed, as its problem.
pub fn cannot_read(e: std::io::Error) -> Problem {
    Problem::file(ProblemKind::Unreadable, format!("cannot read: {e}"))
}

/// [`cannot_read`], except for a stream that was waited on until the deadline
/// ([`pipe::PipeReader`]): that one was not read for the time limit.
pub fn read_problem(e: std::io::Error) -> Problem {
    if e.kind() == std::io::ErrorKind::TimedOut {
        Problem::file(ProblemKind::TimeLimit, limits::TIME_LIMIT)
    } else {
        cannot_read(e)
    }
}

/// Reads a regular file of at most `max_size` bytes (checked again while reading, as a log can
/// grow between the two).
pub(crate) fn read_file(disk: &DiskFile, max_size: u64) -> Result<Vec<u8>, Problem> {
    let file = disk.open()?;
    let len = file.metadata().map_err(cannot_read)?.len();
    if len > max_size {
        return Err(over_size_limit(len, max_size));
    }
    read_limited(file, max_size, len)
}

/// Reads everything from `reader` unless it holds more than `max_size` bytes: never more than
/// one byte past the limit is read, whatever a file's size said or a stream turns out to hold.
/// `expected` (the size a file states, else 0) sizes the buffer once.
pub(crate) fn read_limited(reader: impl Read, max_size: u64, expected: u64) -> Result<Vec<u8>, Problem> {
    let mut bytes = Vec::with_capacity(usize::try_from(expected.min(max_size)).unwrap_or(0));
    reader.take(max_size.saturating_add(1)).read_to_end(&mut bytes).map_err(cannot_read)?;
    if bytes.len() as u64 > max_size {
        return Err(more_than_size_limit(max_size));
    }
    Ok(bytes)
}

/// A stream found to hold more than `max_size` bytes.
pub(crate) fn more_than_size_limit(max_size: u64) -> Problem {
    Problem::file(
        ProblemKind::SizeLimit,
        format!("skipped: more than the size limit of {max_size} bytes (--max-file-size)"),
    )
}

pub(crate) fn over_size_limit(len: u64, max_size: u64) -> Problem {
    Problem::file(
        ProblemKind::SizeLimit,
        format!("skipped: {len} bytes is over the size limit of {max_size} bytes (--max-file-size)"),
    )
}
