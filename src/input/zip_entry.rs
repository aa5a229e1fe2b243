//! Zip entries found at discovery and read when their turn comes in the scan, each as a stream
//! inflated from the zip: an entry is never held whole, and the zip's directory and file stay
//! open only while its entries are being read.
//!
//! A zip on disk is opened again for its entries (and must still be the file that was found).
//! A zip inside a zip must be read at random, so discovery inflates it once into an anonymous
//! temporary file, which the system deletes when the last entry of it has been read (or the
//! process ends); nothing else is written to disk, and entry names are never file names.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex, PoisonError};

use super::zip_directory::{self, DirectoryEntry};
use super::{DiskFile, cannot_read};
use crate::record::{Problem, ProblemKind};

/// An open file read at positions of its own, so that clones read it in parallel without
/// sharing a cursor. Small reads (a zip's headers, a small entry) are served from a buffer
/// filled by one system call, which each clone has for itself.
pub(super) struct SharedFile {
    file: Arc<File>,
    len: u64,
    at: u64,
    buffer: Vec<u8>,
    /// Where in the file `buffer` was read from.
    buffered_at: u64,
}

/// Reads smaller than this go through the buffer, of this size.
const BUFFER: usize = 8 << 10;

impl Clone for SharedFile {
    fn clone(&self) -> SharedFile {
        SharedFile { file: Arc::clone(&self.file), len: self.len, at: self.at, buffer: Vec::new(), buffered_at: 0 }
    }
}

impl SharedFile {
    pub(super) fn new(file: File) -> io::Result<SharedFile> {
        let len = file.metadata()?.len();
        Ok(SharedFile { file: Arc::new(file), len, at: 0, buffer: Vec::new(), buffered_at: 0 })
    }

    pub(super) fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, buf: &mut [u8], at: u64) -> io::Result<usize> {
        #[cfg(unix)]
        return std::os::unix::fs::FileExt::read_at(&*self.file, buf, at);
        #[cfg(windows)]
        return std::os::windows::fs::FileExt::seek_read(&*self.file, buf, at);
    }
}

impl Read for SharedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let in_buffer = self.at.checked_sub(self.buffered_at).and_then(|skip| usize::try_from(skip).ok());
        let n = match in_buffer {
            Some(skip) if skip < self.buffer.len() => {
                let n = buf.len().min(self.buffer.len() - skip);
                buf[..n].copy_from_slice(&self.buffer[skip..skip + n]);
                n
            }
            _ if buf.len() >= BUFFER => self.read_at(buf, self.at)?,
            _ => {
                let mut buffer = std::mem::take(&mut self.buffer);
                buffer.resize(BUFFER, 0);
                let filled = self.read_at(&mut buffer, self.at)?;
                buffer.truncate(filled);
                let n = buf.len().min(filled);
                buf[..n].copy_from_slice(&buffer[..n]);
                (self.buffer, self.buffered_at) = (buffer, self.at);
                n
            }
        };
        self.at += n as u64;
        Ok(n)
    }
}

impl Seek for SharedFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let at = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.at.checked_add_signed(delta),
        };
        self.at = at.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.at)
    }
}

/// Inflates at most `cap` bytes of `entry` into an anonymous temporary file: a zip inside a zip.
pub(super) fn spill(entry: &mut dyn Read, head: &[u8], cap: u64) -> io::Result<(SharedFile, u64)> {
    let mut file = tempfile::tempfile()?;
    io::Write::write_all(&mut file, head)?;
    let rest = io::copy(&mut entry.take(cap.saturating_sub(head.len() as u64)), &mut file)?;
    Ok((SharedFile::new(file)?, head.len() as u64 + rest))
}

/// A zip whose entries are sources of the scan.
pub struct ZipSource {
    state: Mutex<ZipState>,
}

struct ZipState {
    /// Where to open it; `None` once every entry has been read.
    location: Option<Location>,
    open: Option<SharedFile>,
    archive: Option<zip::ZipArchive<SharedFile>>,
    /// Entries not read yet: the last one closes the zip.
    entries_left: usize,
}

pub(super) enum Location {
    /// Opened again when its entries are read (see [`DiskFile::found`]).
    Disk(DiskFile),
    /// A zip inside a zip, or one from stdin, in a temporary file.
    Spilled(SharedFile),
}

impl ZipSource {
    pub(super) fn new(location: Location) -> Arc<ZipSource> {
        let state = ZipState { location: Some(location), open: None, archive: None, entries_left: 0 };
        Arc::new(ZipSource { state: Mutex::new(state) })
    }

    /// One of its entries, which the scan will read: `len` is the bytes to read, counted when
    /// discovery inflated it (an entry cut by the zip's budget is read up to its cut).
    pub(super) fn entry(self: &Arc<ZipSource>, which: Which, len: u64) -> ZipEntry {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).entries_left += 1;
        ZipEntry { zip: Arc::clone(self), which, len }
    }

    /// The zip's file, opened if needed.
    fn file(&self) -> Result<SharedFile, Problem> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        Self::open(&mut state)
    }

    /// The zip's directory as the `zip` crate reads it, read if needed.
    fn archive(&self) -> Result<zip::ZipArchive<SharedFile>, Problem> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(archive) = &state.archive {
            return Ok(archive.clone());
        }
        let archive = zip::ZipArchive::new(Self::open(&mut state)?)
            .map_err(|e| Problem::file(ProblemKind::Zip, format!("the zip changed since it was found: {e}")))?;
        state.archive = Some(archive.clone());
        Ok(archive)
    }

    fn open(state: &mut ZipState) -> Result<SharedFile, Problem> {
        let file = match (&state.open, &state.location) {
            (Some(file), _) => file.clone(),
            (None, Some(Location::Spilled(file))) => file.clone(),
            (None, Some(Location::Disk(disk))) => SharedFile::new(disk.open()?).map_err(cannot_read)?,
            (None, None) => return Err(Problem::file(ProblemKind::Zip, "read twice: its zip is closed")),
        };
        state.open = Some(file.clone());
        Ok(file)
    }

    /// One entry read: after the last, the zip is closed (a temporary one deleted).
    fn read_one(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.entries_left = state.entries_left.saturating_sub(1);
        if state.entries_left == 0 {
            (state.location, state.open, state.archive) = (None, None, None);
        }
    }
}

/// Which entry of a zip.
pub(super) enum Which {
    /// As the `zip` crate gives it, by index.
    Index(usize),
    /// A copy of a name that stands more than once, which the crate does not give
    /// (see [`zip_directory`]).
    Copy(DirectoryEntry),
}

/// An entry of a zip, read when its turn comes.
pub struct ZipEntry {
    zip: Arc<ZipSource>,
    which: Which,
    len: u64,
}

impl std::fmt::Debug for ZipEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ZipEntry({} bytes)", self.len)
    }
}

impl ZipEntry {
    /// The bytes the entry holds: inflated and counted at discovery.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Gives `read` the entry's inflating reader, which stops at [`ZipEntry::len`]. An entry is
    /// read once: after it, the zip is closed if no other entry of it is left.
    pub fn read<T>(&self, read: impl FnOnce(&mut (dyn Read + Send)) -> T) -> Result<T, Problem> {
        let outcome = self.read_through(read);
        self.zip.read_one();
        outcome
    }

    fn read_through<T>(&self, read: impl FnOnce(&mut (dyn Read + Send)) -> T) -> Result<T, Problem> {
        match &self.which {
            Which::Index(index) => {
                let mut archive = self.zip.archive()?;
                let entry = archive
                    .by_index(*index)
                    .map_err(|e| Problem::file(ProblemKind::Zip, format!("cannot read zip entry: {e}")))?;
                Ok(read(&mut entry.take(self.len)))
            }
            Which::Copy(entry) => {
                let copy =
                    zip_directory::open(self.zip.file()?, entry).map_err(|why| Problem::file(ProblemKind::Zip, why))?;
                Ok(read(&mut copy.take(self.len)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_shared_file_reads_what_is_at_each_position_whatever_the_read_sizes() {
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        let mut shared = SharedFile::new(file).unwrap();
        for (at, len) in [(0, 10), (5, 3), (8190, 10), (40_000, BUFFER + 5), (99_990, 100), (7, 1)] {
            shared.seek(SeekFrom::Start(at)).unwrap();
            let mut clone = shared.clone();
            let mut got = vec![0; len];
            let n = shared.read(&mut got).unwrap();
            let want = &bytes[at as usize..(at as usize + len).min(bytes.len())];
            assert_eq!(&got[..n], &want[..n], "at {at}, {len} bytes");
            let mut whole = Vec::new();
            (&mut clone).take(len as u64).read_to_end(&mut whole).unwrap();
            assert_eq!(whole, want, "a clone reads from its own position");
        }
        assert!(shared.seek(SeekFrom::Current(-1_000_000)).is_err());
    }
}
