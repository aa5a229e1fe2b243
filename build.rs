//! Embeds `rules/*.yaml` into the binary so that it needs no files beside it on a host.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("rules/ directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let mut out = String::from("&[\n");
    for name in &names {
        println!("cargo:rerun-if-changed=rules/{name}");
        writeln!(out, "    ({name:?}, include_str!({:?})),", format!("{manifest}/rules/{name}")).unwrap();
    }
    out.push(']');
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("builtin_rules.rs"), out).expect("write builtin_rules.rs");
}
