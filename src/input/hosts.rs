//! Which hosts a scan diagnoses: one per path argument, one per child folder or zip of a folder
//! named with `--hosts`, and one per child of a path argument that is plainly a folder of
//! bundles (see [`is_folder_of_bundles`]). Each host is diagnosed with its own facts: two
//! appliances' bundles must not mix (a finding on one alone would vanish in the other's
//! facts).

use std::path::Path;

use super::SourceFile;

/// The name of the config file, which a folder of bundles may hold beside its bundles.
const CONFIG_FILE: &str = "ccdiag.toml";

/// The file and folder names the collection script gives a bundle: `ccdiag-bundle-<host>-<time>`.
const BUNDLE_PREFIX: &str = "ccdiag-bundle-";

/// One host to diagnose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRoot {
    /// The path as given (a child of `--hosts DIR` as `DIR/child`), without a trailing `/`:
    /// what the host's paths are shown from when a scan has several hosts.
    pub name: String,
    /// What discovery walks: the same path (or `-` for stdin).
    pub path: String,
}

/// The hosts of a scan of `paths` and `--hosts` folders, each named once, in the order given
/// (a folder's children by name). Returns warnings for children of a `--hosts` folder that
/// are not host bundles.
pub fn hosts(paths: &[String], host_folders: &[String]) -> Result<(Vec<HostRoot>, Vec<String>), String> {
    let mut roots = Vec::new();
    let mut warnings = Vec::new();
    for path in paths {
        let dir = Path::new(path);
        if path != "-" && dir.is_dir() && is_folder_of_bundles(dir) {
            roots.extend(children(path, &mut warnings)?);
        } else {
            roots.push(root(path.trim_end_matches(['/', '\\']).to_owned()));
        }
    }
    for folder in host_folders {
        if !Path::new(folder).is_dir() {
            return Err(format!("--hosts {folder}: not a folder"));
        }
        let found = children(folder, &mut warnings)?;
        if found.is_empty() {
            return Err(format!("--hosts {folder}: holds no folder or zip, so no host"));
        }
        roots.extend(found);
    }
    let mut seen = std::collections::HashSet::new();
    roots.retain(|r| seen.insert(r.name.clone()));
    Ok((roots, warnings))
}

fn root(name: String) -> HostRoot {
    // `/` alone stays itself rather than becoming an empty name.
    let name = if name.is_empty() { "/".to_owned() } else { name };
    HostRoot { path: name.clone(), name }
}

/// The child folders and zips of `folder`, by name, each a host; anything else is named in
/// a warning, the config file aside.
fn children(folder: &str, warnings: &mut Vec<String>) -> Result<Vec<HostRoot>, String> {
    let base = folder.trim_end_matches(['/', '\\']);
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(folder)
        .map_err(|e| format!("cannot read {folder}: {e}"))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot read {folder}: {e}"))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    let mut out = Vec::new();
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() || (path.is_file() && is_zip_name(&name)) {
            out.push(root(format!("{base}/{name}")));
        } else if name != CONFIG_FILE {
            warnings.push(format!("{base}/{name}: neither a folder nor a .zip, so not a host: not read"));
        }
    }
    Ok(out)
}

/// Whether a folder named as one path holds several host bundles rather than one bundle's
/// parts. A bundle's own folder often holds only subfolders too (`Appliance/`, `ManagementService/`),
/// so the rule is conservative: the folder holds no file of its own (its config file aside),
/// at least two children, and every child is a whole bundle by its own look: named as the
/// collection script names bundles (`ccdiag-bundle-*`), or a folder holding a
/// `CloudConnector.ini` and at least one other file. A bundle's parts each hold one kind of
/// file, so they never all pass. Anything else is one host; `--hosts` says otherwise.
pub fn is_folder_of_bundles(folder: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(folder) else { return false };
    let mut bundles = 0;
    for entry in entries {
        let Ok(entry) = entry else { return false };
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let named_as_bundle = name.to_ascii_lowercase().starts_with(BUNDLE_PREFIX);
        let bundle = if path.is_dir() {
            named_as_bundle || holds_a_whole_bundle(&path)
        } else if name == CONFIG_FILE {
            continue;
        } else {
            named_as_bundle && is_zip_name(&name)
        };
        if !bundle {
            return false;
        }
        bundles += 1;
    }
    bundles >= 2
}

/// A `CloudConnector.ini` and another file, at most four folders down.
fn holds_a_whole_bundle(folder: &Path) -> bool {
    let (mut ini, mut other) = (false, false);
    for entry in walkdir::WalkDir::new(folder).max_depth(4).into_iter().flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        if entry.file_name().eq_ignore_ascii_case("CloudConnector.ini") && !ini {
            ini = true;
        } else {
            other = true;
        }
        if ini && other {
            return true;
        }
    }
    false
}

fn is_zip_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".zip")
}

/// Shows every path of a host's sources from the host's root (`bundleA/host/Get-VM.txt`), so
/// that two hosts' files never share a name. A file named as a host already reads so
/// (`bundle.zip/inner/path`), and stdin stays `-`.
pub fn show_from_root(sources: &mut [SourceFile], host: &HostRoot) {
    if !Path::new(&host.path).is_dir() {
        return;
    }
    for source in sources {
        source.path = if source.path == "." || source.path == host.path {
            host.name.clone()
        } else {
            format!("{}/{}", host.name, source.path)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_bundle_of_subfolders_is_one_host() {
        let bundle = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cce-host-bundle"));
        assert!(!is_folder_of_bundles(bundle), "Appliance/ alone holds the ini, the others no ini");
    }

    #[test]
    fn whole_bundles_side_by_side_are_a_fleet() {
        let dir = tempfile::tempdir().unwrap();
        for host in ["cce1", "cce2"] {
            write(&dir.path().join(host).join("Appliance/CloudConnector.ini"), "[Common]\n");
            write(&dir.path().join(host).join("host/Get-VM.txt"), "Name\n");
        }
        write(&dir.path().join(CONFIG_FILE), "");
        assert!(is_folder_of_bundles(dir.path()));
        write(&dir.path().join("notes.txt"), "a file of its own: a bundle, not a fleet");
        assert!(!is_folder_of_bundles(dir.path()));
    }

    #[test]
    fn zips_count_only_when_named_as_the_script_names_bundles() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("logs.zip"), "");
        write(&dir.path().join("captures.zip"), "");
        assert!(!is_folder_of_bundles(dir.path()), "two zips of one host's parts");
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("ccdiag-bundle-CCE1-20261205.zip"), "");
        write(&dir.path().join("ccdiag-bundle-CCE2-20261205.zip"), "");
        assert!(is_folder_of_bundles(dir.path()));
    }

    #[test]
    fn a_hosts_folder_gives_its_folders_and_zips() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("b/x.txt"), "");
        write(&dir.path().join("a.zip"), "");
        write(&dir.path().join("readme.txt"), "");
        let folder = format!("{}/", dir.path().display());
        let (roots, warnings) = hosts(&[], std::slice::from_ref(&folder)).unwrap();
        let base = dir.path().display();
        let names: Vec<String> = roots.iter().map(|r| r.name.clone()).collect();
        assert_eq!(names, [format!("{base}/a.zip"), format!("{base}/b")]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("readme.txt"));
    }
}
