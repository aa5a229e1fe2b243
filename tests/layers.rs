//! The pipeline runs one way: a module imports only from the layers before it. This test reads
//! the sources and fails on an import that runs back up, so the layering the README draws
//! cannot drift.

use std::path::Path;

/// Top-level modules from the bottom up; a module may use its own layer and those below.
const LAYERS: &[&[&str]] = &[
    &["record", "time", "version"],
    &["input", "rules"],
    &["parse"],
    &["facts"],
    &["engine"],
    &["scan"],
    &["report"],
    &["export"],
    &["ruletest"],
    &["config"],
    &["cli"],
];

fn layer(module: &str) -> usize {
    LAYERS.iter().position(|layer| layer.contains(&module)).unwrap_or_else(|| panic!("module `{module}` has no layer"))
}

/// The top-level module a source file belongs to (`src/engine/index.rs` -> `engine`).
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_against_the_pipeline() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut back_up = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let own = module_of(relative);
        if own == "lib" || own == "main" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            // Doc comments may name any module.
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (at, _) in line.match_indices("crate::") {
                let used: String = line[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if layer(&used) > layer(&own) {
                    back_up.push(format!("{}:{}: {own} uses {used}", relative.display(), number + 1));
                }
            }
        }
    }
    assert!(back_up.is_empty(), "imports against the pipeline:\n{}", back_up.join("\n"));
}
