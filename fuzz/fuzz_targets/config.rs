//! The config loader on arbitrary text: a config or located errors, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sturmglas::config::parse(text, std::path::Path::new("fuzz.toml"));
    }
});
