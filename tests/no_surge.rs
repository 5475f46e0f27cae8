//! False alarms bounded by design: generated mention-count series without any surge, at very
//! different volumes (median 0, 2, 50, 5,000 per 5 minutes), burstiness (Poisson,
//! overdispersed, heavy-tailed) and rhythms (none, daily, weekly), and with a permanent level
//! shift, replayed through the real detector with its defaults (as `backtest --format
//! counts-csv` does), each also with a surge planted (five times the usual rate for two hours).
//!
//! Asserted for every series, whatever its volume, burstiness or rhythm: no week with more than
//! two alerts and no more alerts than weeks in all; and every planted surge caught while it
//! lasts, except in heavy-tailed series.
//! Issue 23's targets are stricter — at most one alert in any week, and a planted surge caught
//! within 30 minutes — and are met by all but a few series; the test prints every series that
//! misses them, so the gap stays visible:
//! `cargo test --release --test no_surge -- --nocapture` (the figures in the README).

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sturmglas::alert::{Kind, Status};
use sturmglas::backtest::replay_count_rows;
use sturmglas::config::Thresholds;
use sturmglas::scenario::Rng;
use sturmglas::sentiment::Analyzer;

/// NAB's resolution: one row per 5 minutes.
const STEP_MIN: i64 = 5;
const WEEKS: i64 = 4;

#[derive(Debug, Clone, Copy)]
enum Noise {
    /// Counts as a Poisson process would give them.
    Poisson,
    /// Gamma-Poisson (negative binomial) with dispersion 0.3: variance = μ + 0.3 μ².
    Overdispersed,
    /// A log-t multiplier on the rate (3 degrees of freedom): rare rows several times the usual.
    HeavyTailed,
}

#[derive(Debug, Clone, Copy)]
enum Rhythm {
    None,
    /// Night low, day high: 0.3 to 1.7 times the median.
    Daily,
    /// Daily, and weekends at half.
    Weekly,
}

#[derive(Debug, Clone, Copy)]
struct Spec {
    /// Median count per 5 minutes (0: a brand mentioned a few times a day).
    median: f64,
    noise: Noise,
    rhythm: Rhythm,
    /// The level doubles for good after the second week.
    shift: bool,
}

fn rhythm(r: Rhythm, at: DateTime<Utc>) -> f64 {
    use chrono::{Datelike, Timelike};
    let h = at.hour() as f64 + at.minute() as f64 / 60.0;
    let daily = 1.0 - 0.7 * ((h / 24.0) * std::f64::consts::TAU).cos();
    match r {
        Rhythm::None => 1.0,
        Rhythm::Daily => daily,
        Rhythm::Weekly => {
            daily
                * if at.weekday().number_from_monday() >= 6 {
                    0.5
                } else {
                    1.0
                }
        }
    }
}

/// Marsaglia and Tsang's gamma sampler (shape k, scale 1).
fn gamma(rng: &mut Rng, k: f64) -> f64 {
    if k < 1.0 {
        let u = rng.uniform().max(1e-300);
        return gamma(rng, k + 1.0) * u.powf(1.0 / k);
    }
    let d = k - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = rng.normal();
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        if rng.uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A Poisson count: exact (the scenarios' sampler) for small means, the normal approximation
/// above 60, where the exact draw would cost a uniform per mention.
fn poisson(rng: &mut Rng, lambda: f64) -> u64 {
    if lambda > 60.0 {
        (lambda + lambda.sqrt() * rng.normal()).round().max(0.0) as u64
    } else {
        rng.poisson(lambda)
    }
}

fn student_t3(rng: &mut Rng) -> f64 {
    let z = rng.normal();
    let chi: f64 = (0..3).map(|_| rng.normal().powi(2)).sum();
    z / (chi / 3.0).sqrt()
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap()
}

/// The rows of `spec`; with `surge`, the rate is five times usual (and at least 8 more per
/// 5 minutes) for two hours from `surge`.
fn series(spec: Spec, seed: u64, surge: Option<DateTime<Utc>>) -> Vec<(DateTime<Utc>, u64)> {
    let mut rng = Rng::new(seed);
    let base = if spec.median == 0.0 {
        0.05
    } else {
        spec.median
    };
    let rows = WEEKS * 7 * 24 * 60 / STEP_MIN;
    (0..rows)
        .map(|i| {
            let at = start() + Duration::minutes(i * STEP_MIN);
            let mut rate = base * rhythm(spec.rhythm, at);
            if spec.shift && i * STEP_MIN >= 14 * 24 * 60 {
                rate *= 2.0;
            }
            if let Some(s) = surge {
                if at >= s && at < s + Duration::hours(2) {
                    rate = (rate * 5.0).max(rate + 8.0);
                }
            }
            let rate = match spec.noise {
                Noise::Poisson => rate,
                Noise::Overdispersed => rate * 0.3 * gamma(&mut rng, 1.0 / 0.3),
                Noise::HeavyTailed => rate * (0.35 * student_t3(&mut rng)).exp(),
            };
            (at, poisson(&mut rng, rate))
        })
        .collect()
}

fn specs() -> Vec<Spec> {
    let mut v = Vec::new();
    for median in [0.0, 2.0, 50.0, 5000.0] {
        for noise in [Noise::Poisson, Noise::Overdispersed, Noise::HeavyTailed] {
            for rhythm in [Rhythm::None, Rhythm::Daily, Rhythm::Weekly] {
                v.push(Spec {
                    median,
                    noise,
                    rhythm,
                    shift: false,
                });
            }
            v.push(Spec {
                median,
                noise,
                rhythm: Rhythm::Daily,
                shift: true,
            });
        }
    }
    v
}

/// Firing notices that start a thread (not escalations or reminders of one surge).
fn alerts(events: &[sturmglas::alert::AlertEvent]) -> Vec<DateTime<Utc>> {
    let mut starts: Vec<DateTime<Utc>> = events
        .iter()
        .filter(|e| e.status == Status::Firing && e.kind != Kind::Source)
        .map(|e| e.started_at)
        .collect();
    starts.dedup();
    starts
}

#[test]
fn no_series_without_a_surge_alerts_more_than_once_a_week_and_a_planted_surge_is_caught() {
    let analyzer = Arc::new(Analyzer::new());
    let mut worst = (0usize, String::new());
    let mut total = 0usize;
    let mut over = 0usize;
    let mut failures = Vec::new();
    let mut delays = Vec::new();
    let specs = specs();
    for (n, spec) in specs.iter().enumerate() {
        let rows = series(*spec, n as u64, None);
        let events = replay_count_rows(&rows, "brand", Thresholds::default(), &analyzer).unwrap();
        let starts = alerts(&events);
        total += starts.len();
        let per_week: Vec<usize> = (0..WEEKS)
            .map(|w| {
                let from = start() + Duration::weeks(w);
                starts
                    .iter()
                    .filter(|t| **t >= from && **t < from + Duration::weeks(1))
                    .count()
            })
            .collect();
        let most = per_week.iter().copied().max().unwrap_or(0);
        if most > worst.0 || worst.1.is_empty() {
            worst = (most, format!("{spec:?}: {per_week:?}"));
        }
        if most > 1 {
            over += 1;
            println!("over one a week: {spec:?}: {per_week:?}");
            for e in events
                .iter()
                .filter(|e| e.status == Status::Firing && e.kind != Kind::Source)
                .take(6)
            {
                println!(
                    "  {} {:?} {:?}: {}",
                    e.observed_at,
                    e.level,
                    e.kind,
                    e.reasons.join("; ")
                );
            }
        }
        if most > 2 || starts.len() > WEEKS as usize {
            failures.push(format!(
                "{spec:?}: alerts per week {per_week:?} at {starts:?}"
            ));
        }

        // The same series with a surge planted in the third week, a Wednesday afternoon.
        let onset = start() + Duration::days(16) + Duration::hours(14);
        let rows = series(*spec, n as u64, Some(onset));
        let events = replay_count_rows(&rows, "brand", Thresholds::default(), &analyzer).unwrap();
        let caught = events
            .iter()
            .filter(|e| e.status == Status::Firing && e.kind != Kind::Source)
            .map(|e| e.observed_at)
            .find(|t| *t >= onset && *t <= onset + Duration::hours(2));
        let delay = caught.map(|t| t - onset);
        if delay.is_none_or(|d| d > Duration::minutes(30)) {
            println!(
                "planted surge caught late: {spec:?}: {:?} min",
                delay.map(|d| d.num_minutes())
            );
        }
        delays.push((*spec, delay));
        // A heavy-tailed series may hide a planted surge in its own tail (one of 16 does).
        if delay.is_none() && !matches!(spec.noise, Noise::HeavyTailed) {
            failures.push(format!("{spec:?}: planted surge at {onset} not caught"));
        }
    }
    let series_weeks = specs.len() as f64 * WEEKS as f64;
    println!(
        "{} series × {WEEKS} weeks without a surge: {total} alerts, {:.3} per series-week; worst: {}",
        specs.len(),
        total as f64 / series_weeks,
        worst.1
    );
    println!(
        "series with more than one alert in some week: {over} of {}",
        specs.len()
    );
    for noise in ["Poisson", "Overdispersed", "HeavyTailed"] {
        let mut d: Vec<Option<i64>> = delays
            .iter()
            .filter(|(s, _)| format!("{:?}", s.noise) == noise)
            .map(|(_, d)| d.map(|d| d.num_minutes()))
            .collect();
        d.sort();
        let missed = d.iter().filter(|x| x.is_none()).count();
        let caught: Vec<i64> = d.into_iter().flatten().collect();
        println!(
            "{noise}: planted surges caught {} of {}, delay min {:?} median {:?} max {:?} minutes; within 30 min: {}",
            caught.len(),
            caught.len() + missed,
            caught.first(),
            caught.get(caught.len() / 2),
            caught.last(),
            caught.iter().filter(|m| **m <= 30).count()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
