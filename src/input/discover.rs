//! Walks what the user named (folders, files, zip bundles, stdin) into [`SourceFile`]s.
//!
//! Zips are read in process, so an entry named `../../x` or `C:\x` is only a name here: an entry
//! is inflated once here, to count its bytes against the zip's budgets and to see whether it is a
//! zip itself, and again as a stream when the scan reads it ([`super::zip_entry`]). Symbolic links are not followed unless asked
//! ([`Limits::follow_links`]), and then never to a place outside the scanned folder; a link loop
//! is detected and reported. Anything else that is not a regular file found in a folder (a FIFO,
//! a socket, a device) is reported and never opened: reading it could block forever.
//!
//! Every bound of [`Limits`] that stops a read becomes a problem of the input it concerns, so
//! the report says what was not read and why.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::{Arc, Mutex};

use walkdir::WalkDir;

use super::limits::{Limits, TIME_LIMIT};
use super::pipe::{PipeReader, Stdin};
use super::zip_entry::{Location, SharedFile, Which, ZipSource, spill};
use super::{Content, DiskFile, FileIdentity, SourceFile, cannot_read, read_problem, zip_directory};
use crate::record::{Problem, ProblemKind};

/// Everything under the given roots, sorted by reported path so reports are deterministic.
/// `stdin` supplies the bytes for a root named `-`: its first bytes are read here, until the
/// deadline at most, to tell whether it is a zip; the rest is read by the scan, as a stream.
pub fn discover(roots: &[String], limits: &Limits, stdin: impl Read + Send + 'static) -> Vec<SourceFile> {
    let mut stdin = Some(stdin);
    let mut out = Vec::new();
    for root in roots {
        if limits.out_of_time() {
            out.push(unread(root.clone(), Problem::file(ProblemKind::TimeLimit, TIME_LIMIT)));
        } else if root == "-" {
            match stdin.take() {
                Some(stdin) => add_stream(PipeReader::spawn(move || Ok(stdin)), "-".into(), 0, limits, &mut out),
                None => out.push(unread(
                    "-".into(),
                    Problem::file(ProblemKind::Unreadable, "stdin named twice: read once, as the first `-`"),
                )),
            }
        } else {
            let path = Path::new(root);
            if path.is_dir() {
                walk_dir(path, limits, &mut out);
            } else {
                let disk = DiskFile { path: path.to_owned(), found: None, via_link: false };
                add_file(disk, root.clone(), 0, limits, &mut out);
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// A stream that can block (stdin, a FIFO named on the command line): a zip when its first
/// bytes say so, then held in a temporary file to be read at random; else a source streamed by
/// the scan.
fn add_stream(pipe: PipeReader, shown: String, depth: usize, limits: &Limits, out: &mut Vec<SourceFile>) {
    let mut pipe = pipe.until(limits.deadline);
    let mut head = Vec::new();
    if let Err(e) = (&mut pipe).take(4).read_to_end(&mut head) {
        return out.push(unread(shown, read_problem(e)));
    }
    if !is_zip(&head) {
        let stdin = Stdin { head, rest: Mutex::new(Some(pipe)) };
        return out.push(SourceFile { path: shown, content: Content::Stdin(stdin) });
    }
    match spill_whole(&mut std::io::Cursor::new(head).chain(pipe), limits.max_file_size) {
        Ok(zip) => read_zip(zip.clone(), Location::Spilled(zip), &shown, depth, limits, out),
        Err(problem) => out.push(unread(shown, problem)),
    }
}

/// A whole stream in a temporary file, unless it holds more than `max_size` bytes.
fn spill_whole(stream: &mut dyn Read, max_size: u64) -> Result<SharedFile, Problem> {
    let (file, len) = spill(stream, &[], max_size.saturating_add(1)).map_err(read_problem)?;
    if len > max_size {
        return Err(super::more_than_size_limit(max_size));
    }
    Ok(file)
}

/// A source that was found but cannot be read, with the reason.
fn unread(path: String, problem: Problem) -> SourceFile {
    SourceFile { path, content: Content::Memory(Err(problem)) }
}

fn walk_dir(root: &Path, limits: &Limits, out: &mut Vec<SourceFile>) {
    let shown = |path: &Path| match path.strip_prefix(root) {
        Ok(relative) if relative.as_os_str().is_empty() => ".".to_owned(),
        Ok(relative) => relative.to_string_lossy().replace('\\', "/"),
        Err(_) => path.to_string_lossy().replace('\\', "/"),
    };
    // Links are judged by where they lead; a root that cannot be resolved leaves none followed.
    let real_root = limits.follow_links.then(|| std::fs::canonicalize(root).ok()).flatten();
    let mut walker = WalkDir::new(root).follow_links(limits.follow_links).sort_by_file_name().into_iter();
    while let Some(entry) = walker.next() {
        if limits.out_of_time() {
            let problem =
                Problem::file(ProblemKind::TimeLimit, format!("{TIME_LIMIT}: the walk of this folder stopped"));
            out.push(unread(root.display().to_string(), problem));
            return;
        }
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().map_or_else(|| root.display().to_string(), shown);
                let dangling = e.path().is_some_and(|p| p.is_symlink() && !p.exists());
                let (kind, message) = match (e.loop_ancestor(), e.io_error()) {
                    (Some(ancestor), _) => {
                        (ProblemKind::Link, format!("link loop back to `{}`: not followed", shown(ancestor)))
                    }
                    (None, _) if dangling => {
                        (ProblemKind::Link, "link to nothing (its target does not exist): not read".to_owned())
                    }
                    (None, Some(io)) => (ProblemKind::Unreadable, format!("cannot read: {io}")),
                    (None, None) => (ProblemKind::Unreadable, format!("cannot read: {e}")),
                };
                out.push(unread(path, Problem::file(kind, message)));
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let path = shown(entry.path());
        let is_dir = entry.file_type().is_dir();
        if entry.path_is_symlink() {
            let leaves_root = match (&real_root, std::fs::canonicalize(entry.path())) {
                (Some(real_root), Ok(target)) => (!target.starts_with(real_root)).then_some(target),
                // Not following links, or a dangling one (whose error comes from the walk).
                _ => None,
            };
            if !limits.follow_links {
                out.push(unread(
                    path,
                    Problem::file(
                        ProblemKind::Link,
                        "symbolic link, not followed (--follow-links follows links inside the scanned folder)",
                    ),
                ));
                continue;
            }
            if let Some(target) = leaves_root {
                out.push(unread(
                    path,
                    Problem::file(
                        ProblemKind::Link,
                        format!("link to `{}` leaves the scanned folder: not followed", target.display()),
                    ),
                ));
                if is_dir {
                    walker.skip_current_dir();
                }
                continue;
            }
        }
        if is_dir {
            // The files of a folder at walk depth d are d folders deep.
            if entry.depth() > limits.max_depth {
                out.push(unread(path, too_deep("folder", limits)));
                walker.skip_current_dir();
            }
        } else if entry.file_type().is_file() {
            match entry.metadata() {
                Ok(metadata) => {
                    let disk = DiskFile {
                        path: entry.path().to_owned(),
                        found: Some(FileIdentity::of(&metadata)),
                        via_link: entry.path_is_symlink(),
                    };
                    add_file(disk, path, entry.depth() - 1, limits, out);
                }
                Err(e) => out.push(unread(path, Problem::file(ProblemKind::Unreadable, format!("cannot read: {e}")))),
            }
        } else {
            let problem =
                Problem::file(ProblemKind::NotAFile, "not a regular file (a FIFO, socket or device): not read");
            out.push(unread(path, problem));
        }
    }
}

fn too_deep(what: &str, limits: &Limits) -> Problem {
    Problem::file(
        ProblemKind::DepthLimit,
        format!("{what} nested deeper than {} levels (--max-depth): not read", limits.max_depth),
    )
}

/// A file `depth` folders and zips below its scanned root; `found` is the file a walk found
/// there (see [`DiskFile::found`]).
fn add_file(disk: DiskFile, shown: String, depth: usize, limits: &Limits, out: &mut Vec<SourceFile>) {
    // A path named on the command line is looked at whatever its name (a zip attached to a
    // ticket and saved as `.bin`); in a folder, only names no text ccdiag reads would have.
    let looked_at = disk.found.is_none() || !named_as_text(&shown);
    if !(is_zip_name(&shown) || looked_at && starts_as_zip(&disk)) {
        out.push(SourceFile { path: shown, content: Content::Disk(disk) });
        return;
    }
    if disk.found.is_none() && std::fs::metadata(&disk.path).is_ok_and(|m| !m.is_file()) {
        let path = disk.path.clone();
        return add_stream(PipeReader::spawn(move || std::fs::File::open(path)), shown, depth, limits, out);
    }
    let opened = disk.open().and_then(|file| {
        let metadata = file.metadata().map_err(cannot_read)?;
        if metadata.len() > limits.max_file_size {
            return Err(super::over_size_limit(metadata.len(), limits.max_file_size));
        }
        // Opened again when its entries are read: it must still be this file then.
        let again = DiskFile {
            path: disk.path.clone(),
            found: Some(FileIdentity::of(&metadata)),
            via_link: disk.via_link || disk.found.is_none(),
        };
        Ok((SharedFile::new(file).map_err(cannot_read)?, again))
    });
    match opened {
        Ok((zip, again)) => read_zip(zip, Location::Disk(again), &shown, depth, limits, out),
        Err(problem) => out.push(unread(shown, problem)),
    }
}

fn is_zip_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".zip")
}

/// Whether `bytes` begin as a zip does: a local file header, or the end of the central
/// directory of an empty zip. A zip is a zip by its bytes, whatever it is named.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The extensions of the text files hosts write and ccdiag reads. A file so named in a folder
/// is not opened at discovery to see whether it is a zip: that would open each file twice.
const TEXT_EXTENSIONS: &[&str] =
    &["log", "txt", "ini", "csv", "json", "xml", "clixml", "md", "markdown", "ps1", "psm1", "psd1", "evtx"];

fn named_as_text(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| TEXT_EXTENSIONS.iter().any(|t| ext.eq_ignore_ascii_case(t)))
}

/// Whether the regular file `disk` begins as a zip. Anything else is not looked at, since what
/// is read from a FIFO is gone; a file that cannot be opened is not a zip here, and its read
/// says why.
fn starts_as_zip(disk: &DiskFile) -> bool {
    if !std::fs::metadata(&disk.path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut magic = [0u8; 4];
    disk.open().is_ok_and(|mut file| file.read_exact(&mut magic).is_ok()) && is_zip(&magic)
}

/// Reads a zip found `depth` folders and zips below its scanned root, with the budgets of
/// [`Limits`] shared by the zips inside it.
fn read_zip(
    zip: SharedFile,
    location: Location,
    zip_path: &str,
    depth: usize,
    limits: &Limits,
    out: &mut Vec<SourceFile>,
) {
    if depth >= limits.max_depth {
        out.push(unread(zip_path.to_owned(), too_deep("zip", limits)));
        return;
    }
    let by_ratio = limits.max_zip_ratio.saturating_mul(zip.len());
    let budget_rule = if by_ratio < limits.max_zip_bytes {
        format!("--max-zip-ratio: {} times its {} bytes", limits.max_zip_ratio, zip.len())
    } else {
        "--max-zip-bytes".to_owned()
    };
    let mut reader = ZipReader {
        limits,
        entries_left: limits.max_zip_entries,
        bytes_left: by_ratio.min(limits.max_zip_bytes),
        bytes_limit: by_ratio.min(limits.max_zip_bytes),
        budget_rule,
        out,
    };
    reader.read(zip, ZipSource::new(location), zip_path, depth + 1);
}

fn entries(n: usize) -> String {
    if n == 1 { "1 entry".to_owned() } else { format!("{n} entries") }
}

/// One outermost zip being read, with what is left of its budgets.
struct ZipReader<'a> {
    limits: &'a Limits,
    entries_left: usize,
    bytes_left: u64,
    bytes_limit: u64,
    /// Which limit set `bytes_limit`, for the message when it is reached.
    budget_rule: String,
    out: &'a mut Vec<SourceFile>,
}

impl ZipReader<'_> {
    /// Reads the zip at `zip_path`, whose entries are `depth` levels below the scanned root.
    /// What stops it is reported once, as the problem of the zip itself.
    fn read(&mut self, zip: SharedFile, source: Arc<ZipSource>, zip_path: &str, depth: usize) {
        let mut archive = match zip::ZipArchive::new(zip.clone()) {
            Ok(a) => a,
            Err(e) => {
                let mut magic = Vec::new();
                let _ = zip.clone().take(4).read_to_end(&mut magic);
                let problem = if is_zip(&magic) {
                    Problem::file(ProblemKind::Zip, format!("not a readable zip: {e}"))
                } else {
                    Problem::file(ProblemKind::Zip, format!("not a zip (its bytes do not begin as a zip's): {e}"))
                };
                return self.out.push(unread(zip_path.to_owned(), problem));
            }
        };
        // The directory as written: a name that stands more than once is read in every copy.
        let listed = zip_directory::entries(&directory(&zip, archive.central_directory_start()), 0);
        let mut copies: HashMap<&str, usize> = HashMap::new();
        for entry in &listed {
            *copies.entry(entry.name.as_str()).or_default() += 1;
        }
        let mut twice: Vec<(&str, usize)> = copies.iter().filter(|(_, n)| **n > 1).map(|(k, n)| (*k, *n)).collect();
        twice.sort_unstable();
        // The crate gives the last copy of each name; the earlier ones are read from the directory.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let earlier: Vec<(String, &zip_directory::DirectoryEntry)> = listed
            .iter()
            .filter(|e| copies[e.name.as_str()] > 1)
            .filter_map(|e| {
                let n = seen.entry(e.name.as_str()).or_default();
                *n += 1;
                (*n < copies[e.name.as_str()])
                    .then(|| (format!("{} (copy {n} of {})", e.name, copies[e.name.as_str()]), e))
            })
            .collect();
        let count = archive.len() + earlier.len();
        if count == 0 {
            return self
                .out
                .push(unread(zip_path.to_owned(), Problem::file(ProblemKind::Zip, "an empty zip: no file in it")));
        }
        let mut stopped = None;
        for index in 0..count {
            let left = count - index;
            if self.limits.out_of_time() {
                stopped =
                    Some(Problem::file(ProblemKind::TimeLimit, format!("{TIME_LIMIT}: {} not read", entries(left))));
                break;
            }
            if self.entries_left == 0 {
                stopped = Some(Problem::file(
                    ProblemKind::ZipLimit,
                    format!(
                        "{} not read: more than {} in this zip and the zips it holds (--max-zip-entries)",
                        entries(left),
                        entries(self.limits.max_zip_entries)
                    ),
                ));
                break;
            }
            self.entries_left -= 1;
            let outcome = if let Some((name, entry)) = index.checked_sub(archive.len()).map(|i| &earlier[i]) {
                let copy = zip_directory::open(zip.clone(), entry).map_err(|why| Problem::file(ProblemKind::Zip, why));
                let found = Found { name, which: Which::Copy((*entry).clone()) };
                match copy {
                    Ok(mut copy) => self.entry(&source, zip_path, found, depth, Ok(&mut copy)),
                    Err(problem) => self.entry(&source, zip_path, found, depth, Err(problem)),
                }
            } else {
                // Known before the entry is opened, so an entry that fails to open is still named.
                let name = archive.name_for_index(index).unwrap_or_default().replace('\\', "/");
                let mut entry = match archive.by_index(index) {
                    Ok(entry) if entry.is_dir() => continue,
                    Ok(entry) => entry,
                    Err(e) => {
                        let shown = shown_entry(zip_path, &name);
                        self.out.push(unread(
                            shown,
                            Problem::file(ProblemKind::Zip, format!("cannot read zip entry: {e}")),
                        ));
                        continue;
                    }
                };
                let declared = entry.size();
                let max_file_size = self.limits.max_file_size;
                let found = Found { name: &name, which: Which::Index(index) };
                if declared > max_file_size {
                    self.entry(&source, zip_path, found, depth, Err(super::over_size_limit(declared, max_file_size)))
                } else {
                    self.entry(&source, zip_path, found, depth, Ok(&mut Inflating(&mut entry)))
                }
            };
            if let Some(cut) = outcome {
                stopped = Some(Problem::file(
                    ProblemKind::ZipLimit,
                    format!(
                        "expands past {} bytes ({}): {cut}, {} after it not read",
                        self.bytes_limit,
                        self.budget_rule,
                        entries(left - 1)
                    ),
                ));
                break;
            }
        }
        if !twice.is_empty() {
            let names: Vec<String> = twice.iter().map(|(name, n)| format!("`{name}` {n} times")).collect();
            self.out.push(unread(
                zip_path.to_owned(),
                Problem::file(
                    ProblemKind::Duplicate,
                    format!(
                        "names stand more than once in this zip ({}): every copy is read, the earlier ones named \"(copy k of n)\"",
                        names.join(", ")
                    ),
                ),
            ));
        }
        if let Some(problem) = stopped {
            self.out.push(unread(zip_path.to_owned(), problem));
        }
    }

    /// One entry of the zip at `zip_path`, read from `entry` (or why it cannot be), inflated to
    /// count its bytes and see whether it is a zip. Returns what to say on the zip when the
    /// entry used up the byte budget, which stops the zip.
    fn entry(
        &mut self,
        source: &Arc<ZipSource>,
        zip_path: &str,
        found: Found<'_>,
        depth: usize,
        entry: Result<&mut dyn Read, Problem>,
    ) -> Option<String> {
        let Found { name, which } = found;
        let shown = shown_entry(zip_path, name);
        let max_file_size = self.limits.max_file_size;
        // The declared size can lie (zip bombs): never inflate more than the limits allow.
        let cap = max_file_size.min(self.bytes_left);
        let may_nest = depth < self.limits.max_depth;
        let inflated = match entry
            .and_then(|entry| inflate(entry, cap.saturating_add(1), is_zip_name(name), may_nest, self.limits))
        {
            Ok(inflated) => inflated,
            Err(problem) => {
                self.out.push(unread(shown, problem));
                return None;
            }
        };
        let len = inflated.len;
        if len > max_file_size && max_file_size <= self.bytes_left {
            self.bytes_left -= len.min(self.bytes_left);
            let problem = Problem::file(
                ProblemKind::SizeLimit,
                format!("skipped: expands past the size limit of {max_file_size} bytes"),
            );
            self.out.push(unread(shown, problem));
            return None;
        }
        if len > self.bytes_left {
            // Keep what fits: the start of a log is where its text is, before any padding.
            let kept = self.bytes_left;
            self.bytes_left = 0;
            return Some(if is_zip_name(name) || kept == 0 {
                self.out.push(unread(shown, Problem::file(ProblemKind::ZipLimit, "not read: the zip budget ran out")));
                format!("`{name}` not read")
            } else {
                self.out.push(SourceFile { path: shown, content: Content::Zip(source.entry(which, kept)) });
                format!("`{name}` cut at {kept} bytes")
            });
        }
        self.bytes_left -= len;
        match inflated.nested {
            Nested::No => self.out.push(SourceFile { path: shown, content: Content::Zip(source.entry(which, len)) }),
            Nested::TooDeep => self.out.push(unread(shown, too_deep("zip", self.limits))),
            Nested::Spilled(zip) => self.read(zip.clone(), ZipSource::new(Location::Spilled(zip)), &shown, depth + 1),
        }
        None
    }
}

/// An entry as listed: its name, and how to read it again.
struct Found<'a> {
    name: &'a str,
    which: Which,
}

/// A zip's central directory as written, from `start` to the end of the file.
fn directory(zip: &SharedFile, start: u64) -> Vec<u8> {
    let mut zip = zip.clone();
    let mut bytes = Vec::new();
    if zip.seek(SeekFrom::Start(start)).is_ok() {
        // A directory that cannot be read lists no earlier copies; the crate's reading of it stands.
        let _ = zip.read_to_end(&mut bytes);
    }
    bytes
}

/// An entry the `zip` crate inflates, its errors named as such.
struct Inflating<'a, R: Read>(&'a mut R);

impl<R: Read> Read for Inflating<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|e| std::io::Error::other(format!("cannot inflate: {e}")))
    }
}

/// What inflating an entry found: its bytes, up to the cap, and whether it is a zip.
struct Inflated {
    len: u64,
    nested: Nested,
}

enum Nested {
    No,
    /// A zip deeper than `--max-depth`: not opened.
    TooDeep,
    /// A zip, inflated into a temporary file to be read in turn.
    Spilled(SharedFile),
}

/// Inflates at most `cap` bytes of `entry` to count them. An entry named as a zip or beginning
/// as one is kept, in a temporary file, when zips may still nest here; any other is dropped as
/// it is counted, a block at a time.
fn inflate(
    entry: &mut dyn Read,
    cap: u64,
    named_zip: bool,
    may_nest: bool,
    limits: &Limits,
) -> Result<Inflated, Problem> {
    let failed = |e: std::io::Error| Problem::file(ProblemKind::Zip, e.to_string());
    let mut head = Vec::new();
    entry.take(4.min(cap)).read_to_end(&mut head).map_err(failed)?;
    if named_zip || is_zip(&head) {
        if !may_nest {
            return Ok(Inflated { len: count(entry, cap, head.len() as u64, limits)?, nested: Nested::TooDeep });
        }
        let (zip, len) = spill(entry, &head, cap).map_err(failed)?;
        return Ok(Inflated { len, nested: Nested::Spilled(zip) });
    }
    Ok(Inflated { len: count(entry, cap, head.len() as u64, limits)?, nested: Nested::No })
}

/// Reads the rest of `entry`, `read` bytes of it already read, up to `cap` bytes in all; stops at
/// the deadline, which is looked at after each MiB.
fn count(entry: &mut dyn Read, cap: u64, mut read: u64, limits: &Limits) -> Result<u64, Problem> {
    const STEP: u64 = 1 << 20;
    while read < cap {
        if limits.out_of_time() {
            return Err(Problem::file(ProblemKind::TimeLimit, TIME_LIMIT));
        }
        match std::io::copy(&mut entry.take(STEP.min(cap - read)), &mut std::io::sink()) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(Problem::file(ProblemKind::Zip, e.to_string())),
        }
    }
    Ok(read)
}

fn shown_entry(zip_path: &str, name: &str) -> String {
    format!("{zip_path}/{}", name.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    /// The entries of a zip, as if it had been found at `zip_path` in a scanned folder.
    fn zip_entries(bytes: &[u8], zip_path: &str, limits: &Limits) -> Vec<SourceFile> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        let zip = SharedFile::new(file).unwrap();
        let mut out = Vec::new();
        read_zip(zip.clone(), Location::Spilled(zip), zip_path, 0, limits, &mut out);
        out
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            for (name, data) in entries {
                w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        buf.into_inner()
    }

    #[test]
    fn zip_entries_keep_their_inner_paths_and_nested_zips_are_opened() {
        let inner = zip_of(&[("deep/a.txt", b"hello")]);
        let outer = zip_of(&[("logs/CceManagementService.log", b"x"), ("inner.zip", &inner), ("../evil.txt", b"y")]);
        let out = zip_entries(&outer, "bundle.zip", &Limits::default());
        let paths: Vec<&str> = out.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            paths,
            ["bundle.zip/logs/CceManagementService.log", "bundle.zip/inner.zip/deep/a.txt", "bundle.zip/../evil.txt"]
        );
    }

    #[test]
    fn a_corrupt_zip_is_a_problem_not_a_failure() {
        let out = zip_entries(b"PK\x03\x04garbage", "bad.zip", &Limits::default());
        assert_eq!(out.len(), 1);
        assert!(matches!(&out[0].content, Content::Memory(Err(p)) if p.kind == ProblemKind::Zip));
    }

    #[test]
    fn entries_past_the_size_limit_are_skipped() {
        let big = vec![b'a'; 4096];
        let z = zip_of(&[("big.txt", &big)]);
        let limits = Limits { max_file_size: 1024, ..Limits::default() };
        let out = zip_entries(&z, "b.zip", &limits);
        assert!(matches!(&out[0].content, Content::Memory(Err(p)) if p.kind == ProblemKind::SizeLimit));
    }

    fn problem_of<'a>(out: &'a [SourceFile], path: &str) -> &'a Problem {
        match out.iter().find(|s| s.path == path).map(|s| &s.content) {
            Some(Content::Memory(Err(p))) => p,
            other => panic!("{path} has no problem: {other:?}"),
        }
    }

    #[test]
    fn a_zip_that_expands_too_much_is_cut_and_the_start_kept() {
        let mut log = b"Import-Module : boom\r\n".to_vec();
        log.extend(std::iter::repeat_n(0u8, 1 << 20));
        let z = zip_of(&[("padded.log", &log), ("after.txt", b"x")]);
        let out = zip_entries(&z, "b.zip", &Limits::default());
        let kept = match &out[0].content {
            Content::Zip(entry) => entry
                .read(|r| {
                    let mut kept = Vec::new();
                    r.read_to_end(&mut kept).unwrap();
                    kept
                })
                .unwrap(),
            other => panic!("{other:?}"),
        };
        assert!(kept.starts_with(b"Import-Module : boom") && kept.len() < log.len());
        let problem = problem_of(&out, "b.zip");
        assert_eq!(problem.kind, ProblemKind::ZipLimit);
        let message = &problem.message;
        assert!(message.contains("--max-zip-ratio") && message.contains("`padded.log` cut at"), "{message}");
        assert!(message.contains("1 entry after it not read"), "{message}");
    }

    #[test]
    fn nested_zips_share_the_entry_budget_and_the_depth_limit() {
        let inner = zip_of(&[("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c")]);
        let outer = zip_of(&[("inner.zip", &inner), ("d.txt", b"d")]);
        let limits = Limits { max_zip_entries: 3, ..Limits::default() };
        let out = zip_entries(&outer, "o.zip", &limits);
        let paths: Vec<&str> = out.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["o.zip/inner.zip/a.txt", "o.zip/inner.zip/b.txt", "o.zip/inner.zip", "o.zip"]);
        assert_eq!(problem_of(&out, "o.zip/inner.zip").kind, ProblemKind::ZipLimit);
        assert!(problem_of(&out, "o.zip/inner.zip").message.starts_with("1 entry not read: more than 3 entries"));
        assert!(problem_of(&out, "o.zip").message.starts_with("1 entry not read"));

        let out = zip_entries(&outer, "o.zip", &Limits { max_depth: 1, ..Limits::default() });
        assert_eq!(problem_of(&out, "o.zip/inner.zip").kind, ProblemKind::DepthLimit);
        assert!(out.iter().any(|s| s.path == "o.zip/d.txt"));
    }

    #[test]
    fn zips_are_told_by_their_bytes_whatever_their_name() {
        let inner = zip_of(&[("Get-VM.txt", b"x")]);
        let outer = zip_of(&[("attachment.bin", &inner), ("notes.txt", b"PK is not enough")]);
        let paths: Vec<String> = zip_entries(&outer, "b.zip", &Limits::default()).into_iter().map(|s| s.path).collect();
        assert_eq!(paths, ["b.zip/attachment.bin/Get-VM.txt", "b.zip/notes.txt"]);

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("saved.bin"), &inner).unwrap();
        std::fs::write(dir.path().join("mislabelled.zip"), b"not a zip at all").unwrap();
        let named = dir.path().join("saved.bin").display().to_string();
        let out = discover(std::slice::from_ref(&named), &Limits::default(), std::io::empty());
        assert_eq!(out.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(), [format!("{named}/Get-VM.txt")]);
        let out = discover(&[dir.path().display().to_string()], &Limits::default(), std::io::empty());
        assert_eq!(
            out.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(),
            ["mislabelled.zip", "saved.bin/Get-VM.txt"]
        );
        assert!(problem_of(&out, "mislabelled.zip").message.starts_with("not a zip (its bytes"));

        let out = discover(&["-".to_owned()], &Limits::default(), Cursor::new(inner));
        assert_eq!(out.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(), ["-/Get-VM.txt"]);
    }

    #[test]
    fn an_empty_zip_says_so() {
        let out = zip_entries(&zip_of(&[]), "empty.zip", &Limits::default());
        assert_eq!(problem_of(&out, "empty.zip").message, "an empty zip: no file in it");
    }
}
