//! A zip's central directory as written, every entry of it, and the entries the zip reader
//! does not give.
//!
//! The `zip` crate keys entries by name, so when a name stands twice only the last copy can be
//! read through it, and the others vanish without a word. No tool that makes bundles writes a
//! name twice; a zip that does was damaged or made to hide something, and both copies are
//! evidence. This module lists the directory as it is and reads the copies the crate drops,
//! straight from their local headers, with the sizes, method and checksum the directory states.

use std::io::{Read, Seek, SeekFrom};

const CENTRAL_HEADER: u32 = 0x0201_4b50;
const LOCAL_HEADER: u32 = 0x0403_4b50;
/// Fixed part of a central directory header, after its signature.
const CENTRAL_FIXED: usize = 42;
const LOCAL_FIXED: usize = 26;

/// One entry of the central directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// The name as written, `\` turned into `/`.
    pub name: String,
    method: u16,
    flags: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    local_header: u64,
}

/// The entries of the central directory that starts at `start` in `zip`, in the order written;
/// stops at the first bytes that are not a central header.
pub fn entries(zip: &[u8], start: u64) -> Vec<DirectoryEntry> {
    let mut out = Vec::new();
    let Ok(mut at) = usize::try_from(start) else { return out };
    while let Some(fixed) = at.checked_add(4 + CENTRAL_FIXED).and_then(|end| zip.get(at + 4..end)) {
        if u32_at(zip, at) != Some(CENTRAL_HEADER) {
            break;
        }
        let u16_of = |i: usize| u16::from_le_bytes([fixed[i], fixed[i + 1]]);
        let u32_of = |i: usize| u32::from_le_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
        let (name_len, extra_len, comment_len) =
            (usize::from(u16_of(24)), usize::from(u16_of(26)), usize::from(u16_of(28)));
        let name_at = at + 4 + CENTRAL_FIXED;
        let Some(name) = zip.get(name_at..name_at + name_len) else { break };
        out.push(DirectoryEntry {
            name: String::from_utf8_lossy(name).replace('\\', "/"),
            flags: u16_of(4),
            method: u16_of(6),
            crc: u32_of(12),
            compressed: u64::from(u32_of(16)),
            size: u64::from(u32_of(20)),
            local_header: u64::from(u32_of(38)),
        });
        at = name_at + name_len + extra_len + comment_len;
    }
    out
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at.checked_add(4)?).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The inflated bytes of `entry`, read from `zip`, or why they cannot be read. A copy read to
/// its end must match its checksum, else the last read fails; one read only in part (cut by a
/// budget) cannot be checked.
pub fn open<R: Read + Seek + Send + 'static>(
    mut zip: R,
    entry: &DirectoryEntry,
) -> Result<Box<dyn Read + Send>, String> {
    const ZIP64: u32 = u32::MAX;
    if entry.flags & 1 != 0 {
        return Err("encrypted: not read".to_owned());
    }
    if [entry.compressed, entry.size, entry.local_header].contains(&u64::from(ZIP64)) {
        return Err("a zip64 copy of a name that stands twice: not read".to_owned());
    }
    let zip_len = zip.seek(SeekFrom::End(0)).map_err(|e| format!("cannot read: {e}"))?;
    let mut fixed = [0u8; 4 + LOCAL_FIXED];
    zip.seek(SeekFrom::Start(entry.local_header))
        .and_then(|_| zip.read_exact(&mut fixed))
        .ok()
        .filter(|()| u32_at(&fixed, 0) == Some(LOCAL_HEADER))
        .ok_or("its local header is missing or damaged")?;
    let name_len = u64::from(u16::from_le_bytes([fixed[26], fixed[27]]));
    let extra_len = u64::from(u16::from_le_bytes([fixed[28], fixed[29]]));
    let data_at = entry.local_header + (4 + LOCAL_FIXED) as u64 + name_len + extra_len;
    if data_at.checked_add(entry.compressed).is_none_or(|end| end > zip_len) {
        return Err("its data runs past the end of the zip".to_owned());
    }
    zip.seek(SeekFrom::Start(data_at)).map_err(|e| format!("cannot read: {e}"))?;
    let data = zip.take(entry.compressed);
    let inflated: Box<dyn Read + Send> = match entry.method {
        0 => Box::new(data),
        8 => Box::new(flate2::read::DeflateDecoder::new(data)),
        other => return Err(format!("compression method {other} is not supported")),
    };
    Ok(Box::new(Checked { inflated, crc: crc32fast::Hasher::new(), expected: entry.crc }))
}

/// An inflating reader whose end is checked against the checksum the directory states.
struct Checked {
    inflated: Box<dyn Read + Send>,
    crc: crc32fast::Hasher,
    expected: u32,
}

impl Read for Checked {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inflated.read(buf).map_err(|e| std::io::Error::other(format!("cannot inflate: {e}")))?;
        self.crc.update(&buf[..n]);
        if n == 0 && !buf.is_empty() && self.crc.clone().finalize() != self.expected {
            return Err(std::io::Error::other("its checksum does not match: damaged"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    /// A zip whose directory names `Get-Service.txt` twice, as Python's zipfile writes one
    /// (with a warning) and the `zip` crate refuses to.
    fn zip_with_a_name_twice(method: zip::CompressionMethod) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, text) in [("Get-Service.txt", "first copy\n"), ("Get-Sarvice.txt", "second copy\n")] {
            w.start_file(name, options).unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap();
        // Same length, so every offset stays right.
        let mut bytes = buf.into_inner();
        let wrong = b"Get-Sarvice.txt";
        let mut i = 0;
        while let Some(at) = bytes[i..].windows(wrong.len()).position(|w| w == wrong) {
            bytes[i + at..i + at + wrong.len()].copy_from_slice(b"Get-Service.txt");
            i += at + 1;
        }
        bytes
    }

    /// At most `cap` bytes of a copy, or why it cannot be read.
    fn read(zip: &[u8], entry: &DirectoryEntry, cap: u64) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        open(Cursor::new(zip.to_vec()), entry)?.take(cap).read_to_end(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn every_copy_of_a_name_is_listed_and_read() {
        for method in [zip::CompressionMethod::Stored, zip::CompressionMethod::Deflated] {
            let bytes = zip_with_a_name_twice(method);
            let archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
            assert_eq!(archive.len(), 1, "the crate keeps one copy");
            let listed = entries(&bytes, archive.central_directory_start());
            assert_eq!(listed.len(), 2);
            assert!(listed.iter().all(|e| e.name == "Get-Service.txt"));
            assert_eq!(read(&bytes, &listed[0], 1 << 20).unwrap(), b"first copy\n");
            assert_eq!(read(&bytes, &listed[1], 1 << 20).unwrap(), b"second copy\n");
            assert_eq!(read(&bytes, &listed[1], 6).unwrap(), b"second", "cut at the budget: not checked");
        }
    }

    #[test]
    fn damage_is_a_reason_not_a_panic() {
        let bytes = zip_with_a_name_twice(zip::CompressionMethod::Stored);
        let archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let mut listed = entries(&bytes, archive.central_directory_start());
        listed[0].crc ^= 1;
        assert!(read(&bytes, &listed[0], 1 << 20).unwrap_err().contains("checksum"));
        listed[0].local_header = 5;
        assert!(read(&bytes, &listed[0], 1 << 20).is_err());
        assert!(entries(&bytes, u64::MAX).is_empty());
        assert!(entries(&bytes[..bytes.len() - 30], archive.central_directory_start()).len() <= 2);
    }
}
