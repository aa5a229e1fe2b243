#![no_main]

#[path = "common.rs"]
mod common;

use ccdiag::parse::FileKind;
use ccdiag::input::decode;
use ccdiag::parse::cce_log;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::parse_and_check(FileKind::CceLog, data);
    // Stretches of a log without a literal are only counted: the count must be what parsing
    // would have made, or the report's record counts drift.
    let text = decode::decode(data).text;
    assert_eq!(cce_log::count_records(&text), cce_log::parse(&text).records.len());
});
