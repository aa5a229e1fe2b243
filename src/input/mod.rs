//! Inputs: finding files (folders, zips, stdin), telling their kind, decoding their bytes.

pub mod chunks;
pub mod classify;
pub mod decode;
pub mod discover;

use std::path::PathBuf;

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
    pub fn read(&self, max_size: u64) -> Result<std::borrow::Cow<'_, [u8]>, String> {
        match &self.content {
            Content::Disk(path) => {
                let len = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?.len();
                if len > max_size {
                    return Err(format!("skipped: {len} bytes is over the size limit of {max_size} bytes"));
                }
                std::fs::read(path).map(std::borrow::Cow::Owned).map_err(|e| format!("cannot read: {e}"))
            }
            Content::Memory(Ok(bytes)) => Ok(std::borrow::Cow::Borrowed(bytes)),
            Content::Memory(Err(e)) => Err(e.clone()),
        }
    }
}
