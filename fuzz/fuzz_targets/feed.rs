//! Feed and stream input: RSS/Atom/JSON Feed bodies, SSE bytes, HTML to text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = feed_rs::parser::parse(data);
    let mut sse = sturmglas::sources::sse::SseDecoder::new();
    let _ = sse.push(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sturmglas::sources::text::html_to_text(text);
    }
});
