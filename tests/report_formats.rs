//! Every format renders the example bundle as snapshotted. The bundle's paths are relative to
//! its folder, so the snapshots do not depend on the checkout.

use std::path::Path;

use ccdiag::report::{Format, Report};
use ccdiag::ruletest;

mod common;
use common::engine;

fn example(format: Format) -> String {
    let engine = engine();
    let bundle = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cce-host-bundle"));
    Report::build(&engine, ruletest::scan_case(&engine, bundle)).render(format, false)
}

#[test]
fn text() {
    insta::assert_snapshot!("example.text", example(Format::Text));
}

#[test]
fn markdown() {
    insta::assert_snapshot!("example.md", example(Format::Markdown));
}

#[test]
fn json() {
    insta::assert_snapshot!("example.json", example(Format::Json));
}

#[test]
fn html() {
    insta::assert_snapshot!("example.html", example(Format::Html));
}

#[test]
fn sarif() {
    insta::assert_snapshot!("example.sarif", example(Format::Sarif));
}

#[test]
fn concise() {
    insta::assert_snapshot!("example.concise", example(Format::Concise));
}
