//! The sentiment scorer on arbitrary text, in both languages and detected.
#![no_main]
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sturmglas::sentiment::{Analyzer, Lang};

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::new);

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for lang in [None, Some(Lang::De), Some(Lang::En)] {
            let s = ANALYZER.analyze(text, lang);
            assert!(s.score.is_finite());
        }
    }
});
