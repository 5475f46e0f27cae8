//! Matching throughput and memory with 1,000 brands, and the whole core (match + score +
//! count) on the same brands: the figures issue 22 asks for.
//!
//! Run: `cargo bench --bench matching`. Prints posts/s on one thread for 1,000 keyword brands
//! and for 1,000 brands with Boolean queries (OR, AND, NOT, phrases, prefixes, NEAR), the
//! compiled automaton's memory, and `Engine::process` on the Boolean brands.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, Utc};
use sturmglas::config::{Brand, Thresholds};
use sturmglas::engine::Engine;
use sturmglas::matching::{BrandMatcher, BrandSpec, Query};
use sturmglas::mention::Mention;
use sturmglas::sentiment::Analyzer;

#[path = "support/texts.rs"]
mod texts;

/// The benches' posts and two that Boolean queries are written for (a delivery complaint, a
/// hyphenated spelling with a prefix term).
fn texts() -> Vec<&'static str> {
    let mut v = texts::TEXTS.to_vec();
    v.push("Die Lieferung von brand12 ist wieder verspätet, der Kundenservice antwortet nicht");
    v.push("brand77-Gruppe: Abzocke bei den Gebühren, ich kündige");
    v
}

const ROUNDS: usize = 3;

/// `MATCHING_BENCH_SCALE=0.01` runs a hundredth of the posts: for counting instructions under
/// `valgrind --tool=cachegrind`, which compares two builds on a busy machine where timings
/// cannot.
fn scaled(n: usize) -> usize {
    let scale = std::env::var("MATCHING_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0 && *s <= 1.0)
        .unwrap_or(1.0);
    ((n as f64 * scale) as usize).max(1)
}

/// Brand `i`'s query: its name in three spellings, a topic clause with a prefix and a NEAR,
/// and an exclusion, as a listening tool's user would write it.
fn query(i: usize) -> String {
    format!(
        "(brand{i} OR \"brand{i} gruppe\" OR @brand{i} OR #brand{i}) AND (preis* OR lieferung NEAR/3 verspätet OR kundenservice OR abzock* OR order OR app OR support) AND NOT \"brand{i} museum\""
    )
}

fn keyword_lists() -> Vec<Vec<String>> {
    (0..1000)
        .map(|i| vec![format!("brand{i}"), format!("@brand{i}")])
        .collect()
}

fn queries() -> Vec<Query> {
    (0..1000)
        .map(|i| Query::parse(&query(i)).expect("bench query parses"))
        .collect()
}

fn run(label: &str, m: &BrandMatcher, posts: &[&str]) {
    let mut best = 0f64;
    let mut hits = 0;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        hits = 0;
        for p in posts {
            hits += m.matches(p).len();
        }
        best = best.max(posts.len() as f64 / t.elapsed().as_secs_f64());
    }
    let (terms, patterns) = m.sizes();
    println!(
        "{label}: {best:>10.0} posts/s ({hits} brand matches; {terms} terms, {patterns} patterns, {:.1} MiB)",
        m.memory() as f64 / (1024.0 * 1024.0)
    );
}

fn main() {
    let texts = texts();
    let posts: Vec<&str> = (0..scaled(400_000))
        .map(|i| texts[i % texts.len()])
        .collect();

    let kws = keyword_lists();
    let specs: Vec<BrandSpec> = kws.iter().map(|k| BrandSpec::keywords(k, &[])).collect();
    run(
        "matcher, 1000 keyword brands",
        &BrandMatcher::new(&specs).expect("matcher"),
        &posts,
    );

    let qs = queries();
    let specs: Vec<BrandSpec> = qs
        .iter()
        .map(|q| BrandSpec {
            keywords: &[],
            exclude: &[],
            query: Some(q),
        })
        .collect();
    run(
        "matcher, 1000 Boolean brands",
        &BrandMatcher::new(&specs).expect("matcher"),
        &posts,
    );

    let brands: Vec<Brand> = qs
        .into_iter()
        .enumerate()
        .map(|(i, q)| Brand {
            name: format!("Brand {i}"),
            keywords: vec![],
            exclude: vec![],
            query: Some(q),
            filters: Default::default(),
            thresholds: Thresholds::default(),
        })
        .collect();
    let now = Utc::now();
    let mentions: Vec<Mention> = (0..scaled(200_000))
        .map(|i| {
            let mut m = Mention::new(texts[i % texts.len()]);
            m.created_at = Some(now + Duration::milliseconds(i as i64 * 5));
            m
        })
        .collect();
    let analyzer = Arc::new(Analyzer::new());
    let mut best = 0f64;
    for _ in 0..ROUNDS {
        let mut engine = Engine::new(&brands, analyzer.clone(), now).expect("engine");
        let t = Instant::now();
        let mut matched = 0usize;
        for m in &mentions {
            matched += engine.process(m, now).brands.len();
        }
        best = best.max(mentions.len() as f64 / t.elapsed().as_secs_f64());
        std::hint::black_box(matched);
    }
    println!("whole core (match + score + count), 1000 Boolean brands: {best:>10.0} mentions/s");
}
