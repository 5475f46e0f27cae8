//! The detector judged on held-out real data: the five NAB realTweets series in
//! `tests/fixtures/nab` (MIT), scored with NAB's recipe as `sturmglas::nab` implements it.
//!
//! - In-sample: the defaults on all five series (no choice made).
//! - Leave-one-series-out: for each series, the `tune` grid setting that scores best on the
//!   other four is chosen and scored on the one left out; the figure is the mean of the five
//!   held-out normalised scores. This is what a team gets that tunes on other brands' history
//!   and meets a new one, and the figure design changes are judged by.
//!
//! Run with `cargo test --release --test nab_loo -- --nocapture` to see every figure.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sturmglas::alert::Status;
use sturmglas::backtest::{read_count_rows, replay_count_rows};
use sturmglas::config::Thresholds;
use sturmglas::nab::{self, Series, PROFILES, STANDARD};
use sturmglas::sentiment::Analyzer;
use sturmglas::tune::grid;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/nab")
        .join(name)
}

struct Data {
    name: String,
    rows: Vec<(chrono::DateTime<chrono::Utc>, u64)>,
    series: Series,
}

fn load() -> Vec<Data> {
    let windows: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("windows.json")).unwrap()).unwrap();
    windows
        .iter()
        .map(|(file, wins)| {
            let rows = read_count_rows(&fixture(file)).unwrap();
            let times = rows.iter().map(|r| r.0.naive_utc()).collect();
            let wins: Vec<_> = wins
                .as_array()
                .unwrap()
                .iter()
                .map(|w| {
                    let t = |i: usize| nab::parse_time(w[i].as_str().unwrap()).unwrap();
                    (t(0), t(1))
                })
                .collect();
            let series = Series::new(times, &wins);
            assert_eq!(series.windows.len(), wins.len(), "{file}");
            Data {
                name: file.trim_end_matches(".csv").to_string(),
                rows,
                series,
            }
        })
        .collect()
}

fn detections(
    d: &Data,
    t: &Thresholds,
    analyzer: &Arc<Analyzer>,
) -> Vec<chrono::DateTime<chrono::Utc>> {
    replay_count_rows(&d.rows, &d.name, t.clone(), analyzer)
        .unwrap()
        .into_iter()
        .filter(|e| e.status == Status::Firing)
        .map(|e| e.observed_at)
        .collect()
}

#[test]
fn nab_in_sample_and_leave_one_series_out() {
    let data = load();
    let analyzer = Arc::new(Analyzer::new());
    // In-sample: the defaults.
    let defaults = Thresholds::default();
    let mut total = [(0.0, 0usize); 3];
    for d in &data {
        let det = detections(d, &defaults, &analyzer);
        let s = d.series.score(&det, &STANDARD);
        println!(
            "defaults, {}: {} alerts, {}/{} windows, {} false, standard raw {:+.2}",
            d.name,
            det.len(),
            s.hits,
            s.windows,
            s.false_positives,
            s.raw
        );
        for (p, tot) in PROFILES.iter().zip(total.iter_mut()) {
            let s = d.series.score(&det, p);
            tot.0 += s.raw;
            tot.1 += s.windows;
        }
    }
    let in_sample: Vec<f64> = PROFILES
        .iter()
        .zip(total)
        .map(|(p, (raw, n))| nab::normalised(raw, n, p))
        .collect();
    println!(
        "in-sample (defaults): standard {:.1}, low-FP {:.1}, low-FN {:.1}",
        in_sample[0], in_sample[1], in_sample[2]
    );
    // Leave one series out over the tune grid.
    let g = grid();
    // Every grid setting on every series, spread over the cores (this binary's one test is all
    // that runs while it runs); the order of `scores` is the grid's.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = g.len().div_ceil(cores).max(1);
    let scores: Vec<Vec<nab::Score>> = std::thread::scope(|scope| {
        let workers: Vec<_> = g
            .chunks(chunk)
            .map(|settings| {
                let (data, defaults, analyzer) = (&data, &defaults, &analyzer);
                scope.spawn(move || {
                    settings
                        .iter()
                        .map(|s| {
                            let t = s.apply(defaults);
                            data.iter()
                                .map(|d| d.series.score(&detections(d, &t, analyzer), &STANDARD))
                                .collect::<Vec<_>>()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a grid worker panicked"))
            .collect()
    });
    let mut held_out = Vec::new();
    for (k, d) in data.iter().enumerate() {
        let train = |i: usize| -> f64 {
            scores[i]
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != k)
                .map(|(_, s)| s.raw)
                .sum()
        };
        let chosen = (0..g.len())
            .max_by(|&a, &b| train(a).total_cmp(&train(b)).then(b.cmp(&a)))
            .unwrap();
        let s = scores[chosen][k];
        println!(
            "held out {}: chose {:?} on the other four, scored {:.1} ({}/{} windows, {} false)",
            d.name,
            g[chosen],
            s.normalised(&STANDARD),
            s.hits,
            s.windows,
            s.false_positives
        );
        held_out.push(s.normalised(&STANDARD));
    }
    let loo = held_out.iter().sum::<f64>() / held_out.len() as f64;
    println!("leave-one-series-out, standard, mean of five held-out scores: {loo:.1}");
    // Issue 23's target for the held-out figure; the in-sample one only guards against a
    // collapse (it is never what a change is judged by).
    assert!(loo >= 72.0, "leave-one-out {loo:.1}");
    assert!(in_sample[0] >= 72.0, "in-sample {:.1}", in_sample[0]);
}
