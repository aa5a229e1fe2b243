//! Inputs: finding files (folders, zips, stdin), telling their kind, decoding their bytes.

pub mod chunks;
pub mod classify;
pub mod decode;
pub mod discover;
pub mod limits;

use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};

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
    Disk(PathBuf),
    /// Already read (a zip entry or stdin), or why it could not be.
    Memory(Result<Vec<u8>, String>),
}

impl SourceFile {
    /// The bytes of the file, or why they cannot be had: it vanished or became unreadable since
    /// it was found, or it is larger than `max_size` (checked again while reading, as a log can
    /// grow between the two).
    pub fn read(&self, max_size: u64) -> Result<Cow<'_, [u8]>, String> {
        match &self.content {
            Content::Disk(path) => read_file(path, max_size).map(Cow::Owned),
            Content::Memory(Ok(bytes)) => Ok(Cow::Borrowed(bytes)),
            Content::Memory(Err(e)) => Err(e.clone()),
        }
    }
}

/// Reads a file of at most `max_size` bytes.
pub(crate) fn read_file(path: &Path, max_size: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let len = file.metadata().map_err(|e| format!("cannot read: {e}"))?.len();
    if len > max_size {
        return Err(over_size_limit(len, max_size));
    }
    read_limited(file, max_size, len)
}

/// Reads everything from `reader` unless it holds more than `max_size` bytes: never more than
/// one byte past the limit is read, whatever a file's size said or a stream turns out to hold.
/// `expected` (the size a file states, else 0) sizes the buffer once.
pub(crate) fn read_limited(reader: impl Read, max_size: u64, expected: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::with_capacity(usize::try_from(expected.min(max_size)).unwrap_or(0));
    reader.take(max_size.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max_size {
        return Err(format!("skipped: more than the size limit of {max_size} bytes (--max-file-size)"));
    }
    Ok(bytes)
}

pub(crate) fn over_size_limit(len: u64, max_size: u64) -> String {
    format!("skipped: {len} bytes is over the size limit of {max_size} bytes (--max-file-size)")
}
