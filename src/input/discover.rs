//! Walks what the user named (folders, files, zip bundles, stdin) into [`SourceFile`]s.
//!
//! Zips are read in process and nothing is written to disk, so an entry named `../../x` or
//! `C:\x` is only a name here. Links are not followed: a bundle is what it holds, and a link
//! loop cannot make the walk endless.

use std::io::{Cursor, Read};
use std::path::Path;

use walkdir::WalkDir;

use super::{Content, SourceFile};

/// Bounds that keep one hostile bundle from exhausting the machine.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest file read, on disk or in a zip (bytes).
    pub max_file_size: u64,
    /// Most entries read from one zip.
    pub max_zip_entries: usize,
    /// Largest total of uncompressed bytes read from one zip.
    pub max_zip_total: u64,
    /// Zips inside zips, at most this deep.
    pub max_zip_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_file_size: 1 << 30, max_zip_entries: 100_000, max_zip_total: 4 << 30, max_zip_depth: 3 }
    }
}

/// Everything under the given roots, sorted by reported path so reports are deterministic.
/// `stdin` supplies the bytes for a root named `-`.
pub fn discover(roots: &[String], limits: &Limits, stdin: &mut dyn Read) -> Vec<SourceFile> {
    let mut out = Vec::new();
    for root in roots {
        if root == "-" {
            let mut bytes = Vec::new();
            let read = stdin.take(limits.max_file_size).read_to_end(&mut bytes).map(|_| bytes);
            out.push(SourceFile {
                path: "-".into(),
                content: Content::Memory(read.map_err(|e| format!("cannot read stdin: {e}"))),
            });
            continue;
        }
        let path = Path::new(root);
        if path.is_dir() {
            walk_dir(path, limits, &mut out);
        } else {
            add_file(path, root.clone(), limits, &mut out);
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn walk_dir(root: &Path, limits: &Limits, out: &mut Vec<SourceFile>) {
    for entry in WalkDir::new(root).follow_links(false).sort_by_file_name() {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
                add_file(entry.path(), relative.to_string_lossy().replace('\\', "/"), limits, out);
            }
            Ok(_) => {}
            Err(e) => {
                let shown = e.path().and_then(|p| p.strip_prefix(root).ok()).map(|p| p.display().to_string());
                out.push(SourceFile {
                    path: shown.unwrap_or_else(|| root.display().to_string()),
                    content: Content::Memory(Err(format!("cannot walk: {e}"))),
                });
            }
        }
    }
}

fn add_file(path: &Path, shown: String, limits: &Limits, out: &mut Vec<SourceFile>) {
    if is_zip_name(&shown) {
        match std::fs::read(path) {
            Ok(bytes) => read_zip(&bytes, &shown, limits, 1, out),
            Err(e) => out.push(SourceFile { path: shown, content: Content::Memory(Err(format!("cannot read: {e}"))) }),
        }
    } else {
        out.push(SourceFile { path: shown, content: Content::Disk(path.to_owned()) });
    }
}

fn is_zip_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".zip")
}

/// Reads a zip held in memory; each entry becomes a source named `<zip path>/<entry name>`.
fn read_zip(bytes: &[u8], zip_path: &str, limits: &Limits, depth: usize, out: &mut Vec<SourceFile>) {
    let fail = |out: &mut Vec<SourceFile>, message: String| {
        out.push(SourceFile { path: zip_path.to_owned(), content: Content::Memory(Err(message)) });
    };
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => return fail(out, format!("not a readable zip: {e}")),
    };
    if archive.len() > limits.max_zip_entries {
        fail(out, format!("zip has {} entries; only the first {} are read", archive.len(), limits.max_zip_entries));
    }
    let mut total: u64 = 0;
    for index in 0..archive.len().min(limits.max_zip_entries) {
        let mut entry = match archive.by_index(index) {
            Ok(e) => e,
            Err(e) => {
                fail(out, format!("zip entry {index} unreadable: {e}"));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().replace('\\', "/");
        let shown = format!("{zip_path}/{}", name.trim_start_matches('/'));
        let declared = entry.size();
        if declared > limits.max_file_size {
            out.push(SourceFile {
                path: shown,
                content: Content::Memory(Err(format!(
                    "skipped: {declared} bytes is over the size limit of {} bytes",
                    limits.max_file_size
                ))),
            });
            continue;
        }
        if total.saturating_add(declared) > limits.max_zip_total {
            fail(out, format!("zip expands past {} bytes; the remaining entries are not read", limits.max_zip_total));
            break;
        }
        // The declared size can lie (zip bombs): never read more than the limit allows.
        let mut data = Vec::new();
        let read = (&mut entry).take(limits.max_file_size + 1).read_to_end(&mut data);
        total = total.saturating_add(data.len() as u64);
        let content = match read {
            Err(e) => Err(format!("cannot inflate: {e}")),
            Ok(_) if data.len() as u64 > limits.max_file_size => {
                Err(format!("skipped: expands past the size limit of {} bytes", limits.max_file_size))
            }
            Ok(_) => Ok(data),
        };
        match content {
            Ok(data) if is_zip_name(&name) => {
                if depth < limits.max_zip_depth {
                    read_zip(&data, &shown, limits, depth + 1, out);
                } else {
                    out.push(SourceFile {
                        path: shown,
                        content: Content::Memory(Err(format!(
                            "zip nested deeper than {} levels is not read",
                            limits.max_zip_depth
                        ))),
                    });
                }
            }
            content => out.push(SourceFile { path: shown, content: Content::Memory(content) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

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
        let mut out = Vec::new();
        read_zip(&outer, "bundle.zip", &Limits::default(), 1, &mut out);
        let paths: Vec<&str> = out.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            paths,
            ["bundle.zip/logs/CceManagementService.log", "bundle.zip/inner.zip/deep/a.txt", "bundle.zip/../evil.txt"]
        );
    }

    #[test]
    fn a_corrupt_zip_is_a_problem_not_a_failure() {
        let mut out = Vec::new();
        read_zip(b"PK\x03\x04garbage", "bad.zip", &Limits::default(), 1, &mut out);
        assert_eq!(out.len(), 1);
        assert!(matches!(&out[0].content, Content::Memory(Err(m)) if m.contains("not a readable zip")));
    }

    #[test]
    fn entries_past_the_size_limit_are_skipped() {
        let big = vec![b'a'; 4096];
        let z = zip_of(&[("big.txt", &big)]);
        let limits = Limits { max_file_size: 1024, ..Limits::default() };
        let mut out = Vec::new();
        read_zip(&z, "b.zip", &limits, 1, &mut out);
        assert!(matches!(&out[0].content, Content::Memory(Err(m)) if m.contains("size limit")));
    }
}
