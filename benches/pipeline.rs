//! Throughput of the core pipeline on one thread: de-duplication in SQLite, brand matching,
//! sentiment and window counting — what the core thread does for every mention.
//!
//! Run: `cargo bench --bench pipeline`. Prints mentions per second for 10 and 1,000 brands.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, Utc};
use sturmglas::config::{Brand, Thresholds};
use sturmglas::engine::Engine;
use sturmglas::mention::Mention;
use sturmglas::sentiment::Analyzer;
use sturmglas::store::Store;

#[path = "support/texts.rs"]
mod texts;
use texts::TEXTS;

fn brands(n: usize) -> Vec<Brand> {
    let mut v: Vec<Brand> = (0..n)
        .map(|i| Brand {
            name: format!("Brand {i}"),
            keywords: vec![format!("brand{i}"), format!("@brand{i}")],
            exclude: vec![],
            query: None,
            filters: Default::default(),
            thresholds: Thresholds::default(),
        })
        .collect();
    v.push(Brand {
        name: "Nordwind Energie".into(),
        keywords: vec!["Nordwind Energie".into(), "#nordwind".into()],
        exclude: vec![],
        query: None,
        filters: Default::default(),
        thresholds: Thresholds::default(),
    });
    v
}

fn main() {
    let analyzer = Arc::new(Analyzer::new());
    let now = Utc::now();
    let posts: Vec<Mention> = (0..200_000)
        .map(|i| {
            let mut m = Mention::new(TEXTS[i % TEXTS.len()]);
            m.id = Some(format!("bench:{i}"));
            m.created_at = Some(now + Duration::milliseconds(i as i64 * 5));
            m
        })
        .collect();
    for n in [10, 1000] {
        let mut engine = Engine::new(&brands(n), analyzer.clone(), now).expect("engine");
        let t = Instant::now();
        let mut matched = 0usize;
        for m in &posts {
            matched += engine.process(m, now).brands.len();
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "engine.process, {n:>4} brands: {:>9.0} mentions/s ({matched} brand matches)",
            posts.len() as f64 / secs
        );
    }
    let store = Store::in_memory().expect("store");
    let keys: Vec<String> = posts.iter().map(|m| m.dedup_key()).collect();
    let t = Instant::now();
    for chunk in keys.chunks(500) {
        store.mark_seen(chunk, now).expect("dedup");
    }
    println!(
        "store.mark_seen (batches of 500): {:>9.0} keys/s",
        keys.len() as f64 / t.elapsed().as_secs_f64()
    );
}
