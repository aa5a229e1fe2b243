#![no_main]

use ccdiag::input::discover;
use ccdiag::input::limits::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let sources = discover::zip_entries(data, "f.zip", &limits);
    let mut inflated = 0u64;
    for source in &sources {
        assert!(source.path.starts_with("f.zip"), "{} is outside the zip", source.path);
        if let Ok(bytes) = source.read(limits.max_file_size) {
            inflated += bytes.len() as u64;
        }
    }
    // However the entries lie about their sizes, the zip yields no more than its budget.
    assert!(inflated <= limits.max_zip_ratio * data.len() as u64, "{inflated} bytes from {} bytes", data.len());
});
