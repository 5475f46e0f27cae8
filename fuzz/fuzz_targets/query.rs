//! Queries and matching: the first line is a query, the rest a post to match against it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (query, post) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(q) = sturmglas::matching::Query::parse(query) {
        if let Ok(m) = q.matcher() {
            let _ = m.matches(post);
        }
    }
    let _ = sturmglas::matching::fold(post);
});
