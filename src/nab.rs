//! Scoring alerts the way the Numenta Anomaly Benchmark (NAB v1.1) does, so that the detector's
//! figures on real mention series can be recomputed by the repository's own tests and by
//! `sturmglas tune`, without any outside tool.
//!
//! The published recipe: each labelled anomaly window rewards its earliest detection by a
//! scaled sigmoid of how early in the window it came (1 at the window's start, near 0 at its
//! end); a window without a detection costs `a_fn`; a detection outside every window costs
//! `a_fp`, weighted by a sigmoid of its distance after the previous window (a detection just
//! after a window costs almost nothing, one far from any window the full `a_fp`, one before
//! the first window always the full `a_fp`). Nothing in the probationary period (the first
//! 15 % of the rows, at most 750) counts. The normalised score is
//! `100 · (S − S_null) / (S_perfect − S_null)`, where the null detector never fires and the
//! perfect one hits every window at its first row.
//!
//! Invariant: pure functions of the rows' times, the windows and the detection times.

use chrono::{DateTime, NaiveDateTime, Utc};

/// The weights of one NAB profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    pub name: &'static str,
    pub a_tp: f64,
    pub a_fp: f64,
    pub a_fn: f64,
}

pub const STANDARD: Profile = Profile {
    name: "standard",
    a_tp: 1.0,
    a_fp: 0.11,
    a_fn: 1.0,
};
pub const LOW_FP: Profile = Profile {
    name: "reward_low_FP_rate",
    a_tp: 1.0,
    a_fp: 0.22,
    a_fn: 1.0,
};
pub const LOW_FN: Profile = Profile {
    name: "reward_low_FN_rate",
    a_tp: 1.0,
    a_fp: 0.11,
    a_fn: 2.0,
};
pub const PROFILES: [Profile; 3] = [STANDARD, LOW_FP, LOW_FN];

/// NAB's scaled sigmoid: 1 far before 0, 0 at 0, −1 from 3 on.
fn scaled_sigmoid(y: f64) -> f64 {
    if y > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * y).exp()) - 1.0
    }
}

/// One labelled series: the times of its rows and its anomaly windows as row ranges.
#[derive(Debug, Clone)]
pub struct Series {
    pub times: Vec<NaiveDateTime>,
    /// Inclusive row ranges, in order.
    pub windows: Vec<(usize, usize)>,
}

/// A series' score under one profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub raw: f64,
    /// Windows that end after the probationary period (those that count).
    pub windows: usize,
    /// Of those, windows with a detection.
    pub hits: usize,
    /// Detections outside every window (after the probationary period).
    pub false_positives: usize,
}

impl Score {
    /// The normalised score of this series alone.
    pub fn normalised(&self, p: &Profile) -> f64 {
        normalised(self.raw, self.windows, p)
    }
}

/// `100 · (raw − null) / (perfect − null)` over `windows` windows.
pub fn normalised(raw: f64, windows: usize, p: &Profile) -> f64 {
    let null = -p.a_fn * windows as f64;
    let perfect = p.a_tp * windows as f64;
    if perfect <= null {
        return 0.0;
    }
    100.0 * (raw - null) / (perfect - null)
}

/// Reads NAB's time format (`2015-03-03 04:37:53.000000`, also with a `T`).
pub fn parse_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim().trim_matches('"');
    let s = s.get(..19).unwrap_or(s);
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
}

impl Series {
    /// Builds a series from its row times and windows given as (start, end) times; a window
    /// bound is the first row at or after its start and the last row at or before its end.
    pub fn new(times: Vec<NaiveDateTime>, windows: &[(NaiveDateTime, NaiveDateTime)]) -> Self {
        let windows = windows
            .iter()
            .filter_map(|&(a, b)| {
                let l = times.partition_point(|t| *t < a);
                let r = times.partition_point(|t| *t <= b).checked_sub(1)?;
                (l <= r).then_some((l, r))
            })
            .collect();
        Series { times, windows }
    }

    fn probation(&self) -> usize {
        ((0.15 * self.times.len() as f64).floor() as usize).min(750)
    }

    /// The row a detection at `at` falls on: the last row at or before it.
    pub fn row_of(&self, at: DateTime<Utc>) -> Option<usize> {
        self.times
            .partition_point(|t| *t <= at.naive_utc())
            .checked_sub(1)
    }

    /// Scores detections made at the given times.
    pub fn score(&self, detections: &[DateTime<Utc>], p: &Profile) -> Score {
        let rows: Vec<usize> = detections.iter().filter_map(|&t| self.row_of(t)).collect();
        self.score_rows(&rows, p)
    }

    /// Scores detections given as row indices.
    pub fn score_rows(&self, rows: &[usize], p: &Profile) -> Score {
        let probation = self.probation();
        let mut rows: Vec<usize> = rows.iter().copied().filter(|&i| i >= probation).collect();
        rows.sort_unstable();
        rows.dedup();
        let top = scaled_sigmoid(-1.0);
        let mut best: Vec<Option<f64>> = vec![None; self.windows.len()];
        let mut raw = 0.0;
        let mut false_positives = 0;
        for i in rows {
            // The window this row is in, else the last window before it.
            let after = self.windows.partition_point(|&(l, _)| l <= i);
            let inside = after.checked_sub(1).filter(|&w| i <= self.windows[w].1);
            match inside {
                Some(w) => {
                    let (l, r) = self.windows[w];
                    let y = -((r - i + 1) as f64) / ((r - l + 1) as f64);
                    let weight = scaled_sigmoid(y) * p.a_tp / top;
                    best[w] = Some(best[w].map_or(weight, |b| b.max(weight)));
                }
                None => {
                    false_positives += 1;
                    raw += p.a_fp
                        * match after.checked_sub(1) {
                            None => -1.0,
                            Some(w) => {
                                let (l, r) = self.windows[w];
                                let len = (r - l + 1) as f64;
                                scaled_sigmoid((i - r) as f64 / (len - 1.0).max(1.0))
                            }
                        };
                }
            }
        }
        let mut windows = 0;
        let mut hits = 0;
        for (w, &(_, r)) in self.windows.iter().enumerate() {
            if r < probation {
                continue;
            }
            windows += 1;
            match best[w] {
                Some(b) => {
                    raw += b;
                    hits += 1;
                }
                None => raw -= p.a_fn,
            }
        }
        Score {
            raw,
            windows,
            hits,
            false_positives,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize, windows: &[(usize, usize)]) -> Series {
        let t0 = parse_time("2015-03-01 00:00:00").unwrap();
        let times = (0..n)
            .map(|i| t0 + chrono::Duration::minutes(5 * i as i64))
            .collect();
        Series {
            times,
            windows: windows.to_vec(),
        }
    }

    #[test]
    fn the_null_and_the_perfect_detector_bound_the_scale() {
        let s = series(2000, &[(1000, 1099), (1500, 1599)]);
        let none = s.score_rows(&[], &STANDARD);
        assert_eq!((none.raw, none.windows), (-2.0, 2));
        assert_eq!(none.normalised(&STANDARD), 0.0);
        let perfect = s.score_rows(&[1000, 1500], &STANDARD);
        assert!((perfect.normalised(&STANDARD) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn earlier_is_better_and_only_the_earliest_counts() {
        let s = series(2000, &[(1000, 1099)]);
        let early = s.score_rows(&[1010], &STANDARD).raw;
        let late = s.score_rows(&[1090], &STANDARD).raw;
        assert!(early > late && late > 0.0, "{early} {late}");
        assert_eq!(s.score_rows(&[1010, 1090], &STANDARD).raw, early);
        // The window's last row: sigmoid(-1/len) scaled, just above 0.
        let last = s.score_rows(&[1099], &STANDARD).raw;
        let want = (2.0 / (1.0 + (-5.0f64 / 100.0).exp()) - 1.0) / scaled_sigmoid(-1.0);
        assert!((last - want).abs() < 1e-12);
    }

    #[test]
    fn false_positives_cost_by_distance_and_probation_is_free() {
        let s = series(3000, &[(1000, 1099)]);
        // Before the first window: the full a_fp, on top of the missed window.
        assert!((s.score_rows(&[800], &STANDARD).raw - (-1.0 - 0.11)).abs() < 1e-12);
        // Right after the window: almost free; far after: the full a_fp.
        let near = s.score_rows(&[1100], &STANDARD).raw + 1.0;
        let far = s.score_rows(&[2900], &STANDARD).raw + 1.0;
        assert!(near > -0.01 && near < 0.0, "{near}");
        assert!((far + 0.11).abs() < 1e-9, "{far}");
        // The first 15 % of 3000 rows (450) are probation.
        assert_eq!(s.score_rows(&[100, 449], &STANDARD).false_positives, 0);
        assert_eq!(s.score_rows(&[450], &STANDARD).false_positives, 1);
        assert!((s.score_rows(&[800], &LOW_FP).raw - (-1.22)).abs() < 1e-12);
    }

    #[test]
    fn windows_map_to_rows_and_detections_to_the_row_before() {
        let t = |s: &str| parse_time(s).unwrap();
        let times: Vec<_> = (0..10)
            .map(|i| t("2015-03-01 00:00:53") + chrono::Duration::minutes(5 * i))
            .collect();
        let s = Series::new(
            times,
            &[(t("2015-03-01 00:05:53"), t("2015-03-01 00:20:00"))],
        );
        assert_eq!(s.windows, vec![(1, 3)]);
        let at: DateTime<Utc> = "2015-03-01T00:14:00Z".parse().unwrap();
        assert_eq!(s.row_of(at), Some(2));
        assert_eq!(
            parse_time("2015-03-03 04:37:53.000000"),
            Some(t("2015-03-03 04:37:53"))
        );
    }
}
