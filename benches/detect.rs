//! Detector benchmarks: `cargo bench --bench detect`.
//!
//! 1. One engine tick over 10,000 brands (target: under 10 ms), both within a minute (the
//!    daemon ticks every 5 s) and at a minute boundary, where every baseline also learns.
//! 2. Memory per brand with a week of history (target: under 64 KiB), in memory and as the
//!    JSON the store persists; and the storm brief's state per brand (term and author
//!    baselines, the 24-hour timeline, recent posts) after a week of varied posts, and the
//!    two together.
//! 3. `backtest --format counts-csv` over a year of minute buckets for one brand (target: well
//!    under a second), parsing included.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use sturmglas::brief::{BrandBrief, Post};
use sturmglas::config::{Brand, Thresholds};
use sturmglas::detect::BrandMonitor;
use sturmglas::engine::Engine;
use sturmglas::mention::Mention;
use sturmglas::scenario::{rhythm, Rng};
use sturmglas::sentiment::Analyzer;

const BRANDS: usize = 10_000;

/// The system allocator, counting the bytes live on the heap and the allocations made: the
/// memory figures are checked against what was really allocated, not only against what the
/// structures say of themselves, and the tick's allocations are counted.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn t0() -> DateTime<Utc> {
    "2026-03-02T00:00:00Z".parse().unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn tick_10k_brands() {
    let brands: Vec<Brand> = (0..BRANDS)
        .map(|i| Brand {
            name: format!("brand{i}"),
            keywords: vec![format!("brand{i}")],
            exclude: vec![],
            query: None,
            filters: Default::default(),
            thresholds: Thresholds::default(),
        })
        .collect();
    let mut engine = Engine::new(&brands, Arc::new(Analyzer::new()), t0()).unwrap();
    let mut rng = Rng::new(1);
    // Two hours of history: a mention for a random brand every ~0.1 s on average, ticking
    // every minute.
    let mut now = t0();
    for minute in 0..120 {
        for _ in 0..600 {
            let b = rng.below(BRANDS);
            let mut m = Mention::new(format!("brand{b} ist super"));
            m.created_at = Some(now + Duration::seconds(rng.below(60) as i64));
            engine.process(&m, now);
        }
        now = t0() + Duration::minutes(minute + 1);
        engine.tick(now);
    }
    let mut within = Vec::new();
    let mut boundary = Vec::new();
    let mut busy = Vec::new();
    let mut busy_allocs = 0;
    for round in 0..20 {
        let base = now + Duration::minutes(round);
        for k in 0..12 {
            let at = base + Duration::seconds(5 * k);
            if k == 6 {
                // Worst case within a minute: every brand got a mention since the last tick.
                for b in 0..BRANDS {
                    let mut m = Mention::new(format!("brand{b} ist super"));
                    m.created_at = Some(at);
                    engine.process(&m, at);
                }
                let allocs = ALLOCS.load(Ordering::Relaxed);
                let start = Instant::now();
                std::hint::black_box(engine.tick(at));
                busy.push(start.elapsed().as_secs_f64() * 1e3);
                busy_allocs = ALLOCS.load(Ordering::Relaxed) - allocs;
                continue;
            }
            let start = Instant::now();
            std::hint::black_box(engine.tick(at));
            let ms = start.elapsed().as_secs_f64() * 1e3;
            if k == 0 {
                // Round 0's boundary was already ticked by the warm-up.
                if round > 0 {
                    boundary.push(ms);
                }
            } else {
                within.push(ms);
            }
        }
    }
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "tick over {BRANDS} brands (target < 10 ms), median (best) of 20: {:.2} ({:.2}) ms within \
         a minute, {:.2} ({:.2}) ms within a minute with a new mention for every brand, {:.2} \
         ({:.2}) ms at a minute boundary",
        median(within.clone()),
        best(&within),
        median(busy.clone()),
        best(&busy),
        median(boundary.clone()),
        best(&boundary)
    );
    println!("allocations in one tick with a new mention for every brand: {busy_allocs}");
}

fn memory_per_brand() {
    let mut m = BrandMonitor::new(&Thresholds::default(), t0());
    let mut rng = Rng::new(2);
    for minute in 0..7 * 1440 {
        let t = t0() + Duration::minutes(minute);
        for _ in 0..rng.poisson(0.5 * rhythm(t)) {
            m.record(t, Some(rng.chance(0.15)));
        }
        m.tick(t + Duration::seconds(59));
    }
    let json = serde_json::to_string(&m).unwrap();
    println!(
        "memory per brand with a week of history: {} bytes in memory, {} bytes as persisted JSON (target < 65536)",
        m.memory_bytes(),
        json.len()
    );
    for (what, long) in [("short posts", false), ("posts of 500 characters", true)] {
        let before = live();
        let b = brief_after_a_week(long);
        let allocated = live() - before + std::mem::size_of::<BrandBrief>();
        println!(
            "storm brief per brand after a week of {what}: {} bytes ({} in its bounded tables, the rest recent posts; {allocated} bytes by the allocator's count); detector and brief together {} bytes (target < 65536)",
            b.memory_bytes(),
            b.table_bytes(),
            b.memory_bytes() + m.memory_bytes()
        );
    }
}

/// A brief fed a week of posts at the same rate as the monitor above, each drawing a few
/// words from a vocabulary of 5,000, with authors from 2,000 and links from 50 domains: the
/// term and author tables see far more distinct keys than they have slots.
///
/// With `long`, every post is as long as the engine keeps (500 characters), with a long link:
/// the worst case of the recent posts.
fn brief_after_a_week(long: bool) -> BrandBrief {
    let keywords = vec!["Nordwind Energie".to_string()];
    let mut b = BrandBrief::new(&keywords, t0());
    let mut rng = Rng::new(4);
    for minute in 0..7 * 1440 {
        let t = t0() + Duration::minutes(minute);
        for _ in 0..rng.poisson(0.5 * rhythm(t)) {
            let words: Vec<String> = (0..12)
                .map(|_| format!("wort{}", rng.below(5000)))
                .collect();
            let mut text = format!(
                "Nordwind Energie {} #tag{} @konto{} https://site{}.example/x",
                words.join(" "),
                rng.below(300),
                rng.below(2000),
                rng.below(50)
            );
            let mut url = format!("https://social.example/{minute}");
            if long {
                while text.chars().count() < 500 {
                    text.push_str(" Verbraucherzentrale");
                }
                text = text.chars().take(500).collect();
                url.push_str(&"/x".repeat(60));
            }
            let post = Post {
                at: t,
                text,
                url: Some(url),
                author: Some(format!("@autor{}", rng.below(2000))),
                reach: Some(rng.below(10_000) as u64),
                score: -0.2,
                lang: sturmglas::sentiment::Lang::De,
                source: Some("mastodon".into()),
            };
            b.push(post, rng.chance(0.15), 900);
        }
    }
    b
}

fn backtest_a_year() {
    let dir = std::env::temp_dir().join(format!("sturmglas-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("year.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut rng = Rng::new(3);
    writeln!(f, "timestamp,value").unwrap();
    let minutes = 365 * 1440;
    for minute in 0..minutes {
        let t = t0() + Duration::minutes(minute);
        let burst = if minute % 50_000 == 25_000 { 400 } else { 0 };
        writeln!(
            f,
            "{},{}",
            t.format("%Y-%m-%d %H:%M:%S"),
            rng.poisson(3.0 * rhythm(t)) + burst
        )
        .unwrap();
    }
    drop(f);
    let mut runs = Vec::new();
    let mut alerts = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let events =
            sturmglas::backtest::replay_counts_file(&path, "year", Thresholds::default()).unwrap();
        runs.push(start.elapsed().as_secs_f64());
        alerts = events.len();
    }
    println!(
        "backtest of a year of minute buckets ({minutes} rows): median {:.3} s, {alerts} notices (target well under 1 s)",
        median(runs)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `cargo bench --bench detect -- memory` (or `tick`, `backtest`) runs only that part.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|a| a == part);
    if wanted("memory") {
        memory_per_brand();
    }
    if wanted("tick") {
        tick_10k_brands();
    }
    if wanted("backtest") {
        backtest_a_year();
    }
}
