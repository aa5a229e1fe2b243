#![no_main]

use ccdiag::input::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode::looks_binary(data);
    let decoded = decode::decode(data);
    assert!(!decoded.text.contains('\0'), "decoded text holds a NUL");
    // Decoding never invents text: one character per byte at most (a Windows-1252 or U+FFFD
    // character per byte at worst, one per two bytes for UTF-16).
    assert!(decoded.text.chars().count() <= data.len(), "more characters than bytes");
});
