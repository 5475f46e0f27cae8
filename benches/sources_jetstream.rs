//! Throughput of Bluesky Jetstream frame handling (JSON decode + local brand matching), the
//! per-post cost of following the whole network's firehose on one task.
//!
//! Run: `cargo bench --bench sources_jetstream`. Prints frames per second on one core.

use std::time::Instant;

use sturmglas::matching::{BrandMatcher, BrandSpec};
use sturmglas::sources::bluesky::handle_frame;

fn main() {
    let keywords: Vec<Vec<String>> = (0..20)
        .map(|b| {
            vec![
                format!("Marke{b}"),
                format!("#marke{b}"),
                format!("Brand {b} AG"),
            ]
        })
        .collect();
    let brands: Vec<BrandSpec<'_>> = keywords
        .iter()
        .map(|k| BrandSpec::keywords(k, &[]))
        .collect();
    let matcher = BrandMatcher::new(&brands).expect("matcher");
    let texts = [
        "Just had the best coffee of my life this morning, the barista was amazing",
        "Third day without a refund from Marke7. Never again.",
        "Wer hat heute Abend Lust auf ein Konzert? Ich hätte noch zwei Karten übrig",
        "thread 🧵 on why distributed systems are hard (1/12)",
    ];
    let frames: Vec<String> = (0..10_000)
        .map(|i| {
            let text = texts[i % texts.len()];
            format!(
                r#"{{"did":"did:plc:{i:024}","time_us":{},"kind":"commit","commit":{{"rev":"3mabc","operation":"create","collection":"app.bsky.feed.post","rkey":"3m{i}","record":{{"$type":"app.bsky.feed.post","createdAt":"2026-01-01T00:00:00.100Z","langs":["en"],"text":"{text}"}},"cid":"bafyreiexample"}}}}"#,
                1_767_225_600_000_000i64 + i as i64
            )
        })
        .collect();
    // Warm up, then measure several rounds and report the best.
    let mut best = f64::MAX;
    let mut matched = 0;
    for _ in 0..5 {
        let start = Instant::now();
        matched = 0;
        for f in &frames {
            if let Ok((_, Some(_))) = handle_frame(f, "bluesky:bench", &matcher) {
                matched += 1;
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "jetstream frames: {} in {:.1} ms, {:.0} frames/s on one core ({} matched)",
        frames.len(),
        best * 1e3,
        frames.len() as f64 / best,
        matched
    );
}
