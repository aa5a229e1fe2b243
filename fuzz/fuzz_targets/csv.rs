#![no_main]

#[path = "common.rs"]
mod common;

use ccdiag::parse::FileKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::parse_and_check(FileKind::CsvExport, data));
