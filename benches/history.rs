//! History benchmark: `cargo bench --bench history`.
//!
//! The series endpoint's work for 30 days in 5-minute steps (8,640 points), target under
//! 50 ms: the archive's indexed range scan and bucketing (`Store::archive_series`), the
//! baseline's expectation per bucket (`Engine::expected`, which the endpoint asks the core for)
//! and the JSON of the points. The brand's archive is at its cap (250,000 rows on disk, the
//! most a brand can hold), beside two other brands' rows, so the index has to find it.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use sturmglas::config::{Brand, Thresholds};
use sturmglas::engine::{Buckets, Engine};
use sturmglas::http_history::{buckets, points};
use sturmglas::mention::Mention;
use sturmglas::scenario::Rng;
use sturmglas::sentiment::{Analyzer, Label};
use sturmglas::store::{Store, DEFAULT_MAX_PER_BRAND};

fn now() -> DateTime<Utc> {
    "2026-03-31T00:00:00Z".parse().unwrap()
}

fn brand(name: &str) -> Brand {
    Brand {
        name: name.into(),
        keywords: vec![name.to_lowercase()],
        exclude: vec![],
        query: None,
        filters: Default::default(),
        thresholds: Thresholds::default(),
    }
}

/// Fills the archive: `per_brand` rows for each of `brands` over the 30 days before `now`.
fn fill(store: &Store, brands: &[&str], per_brand: u64) {
    let mut rng = Rng::new(7);
    let start = (now() - Duration::days(30)).timestamp();
    let span: usize = 30 * 86_400;
    let mut m = Mention::new("Nordwind hat schon wieder meine Abrechnung verbockt, Skandal!");
    m.source = Some("mastodon".into());
    m.author = Some("user42".into());
    m.url = Some("https://example.org/@user42/1".into());
    m.reach = Some(1200);
    let mut seq = 0u64;
    for chunk in 0..(per_brand / 10_000).max(1) {
        let mut tx = store.begin_ingest(now()).unwrap();
        for _ in 0..10_000.min(per_brand) {
            for b in brands {
                seq += 1;
                let key = format!("k{seq}");
                let at = start + rng.below(span) as i64;
                let label = if rng.below(4) == 0 {
                    Label::Negative
                } else {
                    Label::Neutral
                };
                tx.archive(b, &key, &m, at, "de", -0.4, label).unwrap();
            }
        }
        tx.commit().unwrap();
        let _ = chunk;
    }
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let t = Instant::now();
    fill(&store, &["Nordwind", "Otto", "Bahn"], DEFAULT_MAX_PER_BRAND);
    eprintln!(
        "archive: {} rows per brand, 3 brands, filled in {:.1} s",
        DEFAULT_MAX_PER_BRAND,
        t.elapsed().as_secs_f64()
    );
    let engine = Engine::new(&[brand("Nordwind")], Arc::new(Analyzer::new()), now()).unwrap();
    let from = (now() - Duration::days(30)).timestamp();
    let to = now().timestamp();

    let (mut times, mut store_ms, mut expected_ms) = (Vec::new(), Vec::new(), Vec::new());
    let mut total = 0;
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    for _ in 0..20 {
        let t = Instant::now();
        let b: Buckets = buckets(from, to, Some("5m"), now()).unwrap();
        let counts = store
            .archive_series("Nordwind", b.first, b.step_seconds, b.count)
            .unwrap();
        store_ms.push(ms(t));
        let te = Instant::now();
        let expected = engine.expected("Nordwind", &b).unwrap();
        expected_ms.push(ms(te));
        let json = serde_json::to_vec(&points(&b, &counts, &expected)).unwrap();
        times.push(ms(t));
        assert_eq!(b.count, 8_640);
        total = counts.iter().map(|c| c.mentions).sum::<u64>();
        std::hint::black_box(json);
    }
    assert_eq!(
        total, DEFAULT_MAX_PER_BRAND,
        "every row of the brand in a bucket"
    );
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let max = times.iter().copied().fold(0.0, f64::max);
    let (store_ms, expected_ms, median) = (median(store_ms), median(expected_ms), median(times));
    println!(
        "series, 30 days at 5m (8640 points, {total} mentions): median {median:.1} ms \
         (store {store_ms:.1} ms, baseline {expected_ms:.1} ms), max {max:.1} ms (target < 50 ms)"
    );
    assert!(median < 50.0, "series took {median:.1} ms");
}
