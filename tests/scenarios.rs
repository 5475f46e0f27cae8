//! Storm evidence on synthetic streams: the whole core (matching, sentiment, detection,
//! lifecycle) over scenarios from `sturmglas::scenario`, with a simulated clock.
//!
//! Each scenario has a week of calm history for three brands of very different volume
//! (3, 24 and 150 posts in the busiest hour), German and English posts, then an event. Run with
//! `cargo test --test scenarios -- --nocapture` to see the detection delays.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sturmglas::alert::{AlertEvent, Kind, Status};
use sturmglas::backtest::Replay;
use sturmglas::config::{Brand, Thresholds};
use sturmglas::engine::Engine;
use sturmglas::scenario::{standard_brands, Event, EventKind, Scenario};
use sturmglas::sentiment::Analyzer;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

const START: &str = "2026-03-02T00:00:00Z"; // a Monday

fn run(seed: u64, days: i64, events: Vec<Event>) -> Vec<AlertEvent> {
    let s = Scenario {
        seed,
        start: at(START),
        days,
        brands: standard_brands(),
        events,
    };
    let brands: Vec<Brand> = s
        .brands
        .iter()
        .map(|b| Brand {
            name: b.name.clone(),
            keywords: b.handles.clone(),
            exclude: vec![],
            query: None,
            filters: Default::default(),
            thresholds: Thresholds::default(),
        })
        .collect();
    let engine = Engine::new(&brands, Arc::new(Analyzer::new()), s.start).unwrap();
    let mut replay = Replay::new(engine, std::time::Duration::from_secs(5));
    for m in s.generate() {
        assert!(replay.feed(&m));
    }
    replay.finish(Duration::hours(1))
}

fn event(brand: usize, kind: EventKind, onset: &str, german: f64) -> Event {
    Event {
        brand,
        kind,
        onset: at(onset),
        german,
    }
}

fn storms<'a>(events: &'a [AlertEvent], brand: &'a str) -> impl Iterator<Item = &'a AlertEvent> {
    events
        .iter()
        .filter(move |e| e.brand == brand && e.status == Status::Firing && e.kind == Kind::Storm)
}

fn names() -> Vec<String> {
    standard_brands().into_iter().map(|b| b.name).collect()
}

#[test]
fn fast_storms_are_caught_within_20_minutes_for_every_brand_size() {
    let onsets = [
        "2026-03-10T14:00:00Z",
        "2026-03-11T10:00:00Z",
        "2026-03-12T19:00:00Z",
    ];
    let events = run(
        1,
        13,
        (0..3)
            .map(|b| event(b, EventKind::FastStorm, onsets[b], 0.8))
            .collect(),
    );
    for (b, name) in names().iter().enumerate() {
        let onset = at(onsets[b]);
        let first = storms(&events, name).next().expect("storm alerted");
        let delay = (first.observed_at - onset).num_seconds();
        println!(
            "fast storm, {name}: alerted after {}m{:02}s ({}, {} mentions in the window)",
            delay / 60,
            delay % 60,
            first.level.as_str(),
            first.mentions
        );
        assert!((0..=20 * 60).contains(&delay), "{name}: {delay}s");
        // Nothing before the storm, one thread for it.
        for e in events.iter().filter(|e| e.brand == *name) {
            assert!(e.observed_at >= onset, "early alert: {e:?}");
        }
        let threads: std::collections::HashSet<_> =
            storms(&events, name).map(|e| e.started_at).collect();
        assert_eq!(threads.len(), 1, "{name}: {threads:?}");
        let resolved = events
            .iter()
            .filter(|e| e.brand == *name && e.status == Status::Resolved)
            .count();
        assert_eq!(resolved, 1, "{name}");
    }
}

#[test]
fn slow_burns_are_caught_within_a_day() {
    let onset = "2026-03-10T06:00:00Z";
    let events = run(
        2,
        10,
        vec![
            event(0, EventKind::SlowBurn, onset, 0.9),
            event(1, EventKind::SlowBurn, onset, 1.0),
        ],
    );
    for name in &names()[..2] {
        let first = storms(&events, name).next().expect("slow burn alerted");
        let delay = first.observed_at - at(onset);
        println!(
            "slow burn, {name}: alerted after {}h{:02}m ({} window, {} negative of {})",
            delay.num_hours(),
            delay.num_minutes() % 60,
            first.window_seconds / 3600,
            first.negative,
            first.mentions
        );
        assert!(
            delay > Duration::zero() && delay <= Duration::hours(24),
            "{name}: {delay}"
        );
    }
    assert_eq!(storms(&events, "Lumora").count(), 0);
}

#[test]
fn a_calm_fortnight_raises_no_alert() {
    let events = run(3, 15, vec![]);
    let storms = events.iter().filter(|e| e.kind == Kind::Storm).count();
    println!(
        "calm fortnight: {storms} storm alerts, {} notices in all",
        events.len()
    );
    assert!(events.is_empty(), "{events:#?}");
}

#[test]
fn a_positive_viral_spike_is_buzz_never_a_storm() {
    let onset = "2026-03-10T16:00:00Z";
    let events = run(
        4,
        10,
        vec![
            event(0, EventKind::Viral, onset, 0.9),
            event(2, EventKind::Viral, onset, 0.5),
        ],
    );
    assert_eq!(
        events.iter().filter(|e| e.kind == Kind::Storm).count(),
        0,
        "{events:#?}"
    );
    for name in ["Nordwind Energie", "Lumora"] {
        let buzz = events
            .iter()
            .find(|e| e.brand == name && e.kind == Kind::Buzz)
            .expect("buzz noticed");
        let delay = (buzz.observed_at - at(onset)).num_minutes();
        println!("viral spike, {name}: buzz after {delay}m, no storm");
    }
}

#[test]
fn a_neutral_news_spike_is_never_a_storm() {
    let onset = "2026-03-10T09:00:00Z";
    let events = run(
        5,
        10,
        vec![
            event(0, EventKind::News, onset, 0.9),
            event(2, EventKind::News, onset, 0.4),
        ],
    );
    assert_eq!(
        events.iter().filter(|e| e.kind == Kind::Storm).count(),
        0,
        "{events:#?}"
    );
    println!(
        "news spike: no storm, {} buzz notices",
        events.iter().filter(|e| e.kind == Kind::Buzz).count()
    );
}

#[test]
fn the_demo_recording_tells_one_story() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = sturmglas::config::load(&root.join("data/demo/brands.toml")).unwrap();
    let text = std::fs::read_to_string(root.join("data/demo/recording.jsonl")).unwrap();
    let mentions = sturmglas::mention::parse_ndjson(&text).unwrap();
    let start = mentions[0].created_at.unwrap();
    let engine = Engine::new(&config.brands, Arc::new(Analyzer::new()), start).unwrap();
    let mut replay = Replay::new(engine, config.server.tick);
    for m in &mentions {
        assert!(replay.feed(m));
    }
    let events = replay.finish(Duration::hours(1));
    let onset = at("2026-03-06T09:30:00Z");
    assert!(
        events.iter().all(|e| e.brand == "Nordwind Energie"),
        "{events:#?}"
    );
    let first = storms(&events, "Nordwind Energie")
        .next()
        .expect("the storm");
    let delay = (first.observed_at - onset).num_seconds();
    println!(
        "demo: storm alerted {}m{:02}s after its onset",
        delay / 60,
        delay % 60
    );
    assert!((0..=20 * 60).contains(&delay));
    assert!(first.sample.iter().all(|s| s.score < 0.0));
}
