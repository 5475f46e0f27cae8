//! The ingest decoder on arbitrary bodies: an error or mentions, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sturmglas::mention::parse_body(data);
});
