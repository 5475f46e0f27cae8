//! Judging one window: is the count a surge (volume channel), is its negative share unusual
//! (negativity channel), is the count of negative posts a surge of its own, and how bad is it.
//!
//! Invariant: pure functions of the window's counts, the baseline's expectations and the
//! thresholds. A surge needs all three of: the absolute floor (`min_mentions`), the ratio
//! (`velocity_factor`) and a tail probability under the count model; `storm` additionally
//! needs a negative share that is both above the `negative_share` floor and significantly
//! above the brand's usual share (binomial test). Everything else that surges is `buzz`, or
//! `volume` when no sentiment is known.

use crate::alert::{Kind, Level};
use crate::config::Thresholds;
use crate::window::Bucket;

use super::stats::{binomial_surprise, count_surprise};

/// Surprise (-log10 p) a count must reach to be a surge.
pub const SURPRISE_WARNING: f64 = 5.0;
/// Surprise for the critical level (together with twice the ratio and twice the floor).
pub const SURPRISE_CRITICAL: f64 = 10.0;
/// How many times the bar's surprise (the cube of its probability) is beyond doubt.
pub const EXTREME_FACTOR: f64 = 3.0;
/// Surprise the negative share must reach against the usual share.
pub const SURPRISE_NEGATIVE: f64 = 3.0;

/// One window's numbers and what the baseline expected of them.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    pub window_seconds: u64,
    pub counts: Bucket,
    pub expected: f64,
    pub dispersion: f64,
    pub usual_share: f64,
    /// The surprise a surge that is not negative must reach (the brand's own burstiness).
    pub burst_bar: f64,
    /// The window's fullest bucket, and how many of its buckets hold anything.
    pub largest: Bucket,
    pub filled: u32,
}

impl Reading {
    pub fn ratio(&self) -> f64 {
        self.counts.mentions as f64 / self.expected.max(1e-9)
    }
    pub fn share(&self) -> f64 {
        self.counts.negative_share().unwrap_or(0.0)
    }
    /// Negative posts expected in the window at the usual share.
    pub fn expected_negative(&self) -> f64 {
        let scored = if self.counts.mentions > 0 {
            self.counts.scored as f64 / self.counts.mentions as f64
        } else {
            1.0
        };
        (self.expected * self.usual_share * scored).max(1e-9)
    }
    pub fn negative_ratio(&self) -> f64 {
        self.counts.negative as f64 / self.expected_negative()
    }
}

/// What a window says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    /// `Ok` when nothing surges.
    pub level: Level,
    pub kind: Kind,
    /// Still above the hysteresis line: an ongoing alert holds.
    pub holding: bool,
    /// Beyond doubt: alert at once, without waiting for `min_duration`.
    pub obvious: bool,
    /// The surprise of the channel that decided.
    pub surprise: f64,
    /// Whether the negative-count channel (rather than the volume channel) decided.
    pub by_negatives: bool,
    /// How large the surge is: the window's ratio to its expected count, which compares the
    /// short and the long horizon alike (what "larger than the last one" means for the
    /// cooldown).
    pub size: f64,
}

impl Judgement {
    pub const CALM: Judgement = Judgement {
        level: Level::Ok,
        kind: Kind::Volume,
        holding: false,
        obvious: false,
        surprise: 0.0,
        by_negatives: false,
        size: 0.0,
    };
}

struct Channel {
    surge: bool,
    critical: bool,
    holding: bool,
    surprise: f64,
}

/// One channel (all mentions, or negative ones) against its expectation; `bar` is the
/// surprise it must reach.
fn channel(count: u64, expected: f64, dispersion: f64, bar: f64, t: &Thresholds) -> Channel {
    let x = count as f64;
    let ratio = x / expected.max(1e-9);
    let floor = t.min_mentions as f64;
    let holding = x >= floor * t.hysteresis && ratio >= (t.velocity_factor * t.hysteresis).max(1.0);
    if x < floor || ratio < t.velocity_factor {
        return Channel {
            surge: false,
            critical: false,
            holding,
            surprise: 0.0,
        };
    }
    let s = count_surprise(x, expected, dispersion);
    let critical_bar = SURPRISE_CRITICAL.max(bar + SURPRISE_CRITICAL - SURPRISE_WARNING);
    Channel {
        surge: s >= bar,
        critical: s >= critical_bar && x >= 2.0 * floor && ratio >= 2.0 * t.velocity_factor,
        holding,
        surprise: s,
    }
}

/// Whether the window's negative share is unusual: above the floor and significantly above
/// the brand's usual share.
pub fn unusually_negative(r: &Reading, t: &Thresholds) -> bool {
    let c = r.counts;
    c.scored > 0
        && r.share() >= t.negative_share
        && binomial_surprise(c.negative as u64, c.scored as u64, r.usual_share) >= SURPRISE_NEGATIVE
}

/// Judges a window on both channels. `negatives_only` restricts it to the negative-count
/// channel (the long horizon, which exists to catch slow burns, never reports buzz).
pub fn judge(r: &Reading, t: &Thresholds, negatives_only: bool) -> Judgement {
    let c = r.counts;
    let scored = c.scored > 0;
    let negative = scored && unusually_negative(r, t);
    // A negative surge is judged against the count model alone; a surge that is not negative
    // must also beat the brand's own usual bursts.
    let bar = if negative {
        SURPRISE_WARNING
    } else {
        r.burst_bar.max(SURPRISE_WARNING)
    };
    let volume = if negatives_only {
        None
    } else {
        Some(channel(c.mentions as u64, r.expected, r.dispersion, bar, t))
    };
    let neg = if scored {
        let e = r.expected_negative();
        Some(channel(
            c.negative as u64,
            e,
            r.dispersion,
            SURPRISE_WARNING,
            t,
        ))
    } else {
        None
    };
    let holding = volume.as_ref().is_some_and(|v| v.holding)
        || neg
            .as_ref()
            .is_some_and(|n| n.holding && (negative || negatives_only));
    let mut j = Judgement {
        holding,
        size: r.ratio(),
        ..Judgement::CALM
    };
    let neg_surge = neg.as_ref().filter(|n| n.surge && negative);
    let vol_surge = volume.as_ref().filter(|v| v.surge);
    let level = |ch: &Channel| {
        if ch.critical {
            Level::Critical
        } else {
            Level::Warning
        }
    };
    match (vol_surge, neg_surge) {
        (Some(v), n) if negative => {
            // A surge that is also unusually negative: a storm, as bad as its worse channel.
            j.kind = Kind::Storm;
            j.level = level(v).max(n.map(level).unwrap_or(Level::Warning));
            j.surprise = v.surprise.max(n.map(|n| n.surprise).unwrap_or(0.0));
        }
        (_, Some(n)) => {
            j.kind = Kind::Storm;
            j.level = level(n);
            j.surprise = n.surprise;
            j.by_negatives = true;
        }
        (Some(v), None) => {
            j.kind = if scored { Kind::Buzz } else { Kind::Volume };
            j.level = level(v);
            j.surprise = v.surprise;
        }
        (None, None) => return j,
    }
    j.obvious = j.level == Level::Critical;
    // Beyond doubt even as a single bucket: a storm that is critical or far beyond the count
    // model. A surge that is not negative never rests on one bucket: a brand's heaviest single
    // buckets set no record that a bar measured on its past could bound.
    let urgent = j.kind == Kind::Storm && (j.obvious || j.surprise >= EXTREME_FACTOR * bar);
    if !negatives_only && !urgent && !beyond_one_bucket(r, t, j.by_negatives) {
        return Judgement {
            holding,
            ..Judgement::CALM
        };
    }
    j
}

/// Smoothing: a surge must not rest on one bucket. Without its fullest bucket (and that
/// bucket's share of the expectation) the window must still be well above the usual.
fn beyond_one_bucket(r: &Reading, t: &Thresholds, by_negatives: bool) -> bool {
    let (x, largest, e) = if by_negatives {
        (r.counts.negative, r.largest.negative, r.expected_negative())
    } else {
        (r.counts.mentions, r.largest.mentions, r.expected)
    };
    rests_on_more_than_one_bucket(x, largest, r.filled, e, r.dispersion, t)
}

/// Whether a window of `count` (its fullest bucket `largest`, `filled` buckets holding
/// anything) where `expected` were expected is still a surge without its fullest bucket.
/// The baseline sorts the brand's own windows by this when it measures its tails.
pub fn rests_on_more_than_one_bucket(
    count: u32,
    largest: u32,
    filled: u32,
    expected: f64,
    dispersion: f64,
    t: &Thresholds,
) -> bool {
    if filled < 2 {
        return false;
    }
    let x = count.saturating_sub(largest) as f64;
    let e = expected * (1.0 - 1.0 / filled as f64);
    x >= t.velocity_factor * e && count_surprise(x, e, dispersion) >= SURPRISE_NEGATIVE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(mentions: u32, negative: u32, scored: u32, expected: f64) -> Reading {
        Reading {
            window_seconds: 900,
            counts: Bucket {
                mentions,
                negative,
                scored,
            },
            expected,
            dispersion: 0.05,
            usual_share: 0.15,
            burst_bar: 0.0,
            largest: Bucket {
                mentions: mentions / 5,
                negative: negative / 5,
                scored: scored / 5,
            },
            filled: 5,
        }
    }

    fn j(r: Reading) -> Judgement {
        judge(&r, &Thresholds::default(), false)
    }

    #[test]
    fn a_negative_surge_is_a_critical_storm_beyond_doubt() {
        let v = j(reading(120, 110, 120, 3.0));
        assert_eq!(
            (v.level, v.kind, v.obvious),
            (Level::Critical, Kind::Storm, true)
        );
    }

    #[test]
    fn a_positive_surge_is_buzz_and_unscored_is_volume() {
        let v = j(reading(120, 10, 120, 3.0));
        assert_eq!((v.level, v.kind), (Level::Critical, Kind::Buzz));
        let v = j(reading(120, 0, 0, 3.0));
        assert_eq!((v.level, v.kind), (Level::Critical, Kind::Volume));
    }

    #[test]
    fn the_floor_the_ratio_and_the_tail_all_have_to_agree() {
        // A handful: below the floor whatever the ratio.
        assert_eq!(j(reading(8, 8, 8, 0.1)).level, Level::Ok);
        // Plenty, but only twice the usual.
        assert_eq!(j(reading(200, 20, 200, 100.0)).level, Level::Ok);
        // Three times the usual, but the brand scatters wildly: not surprising enough.
        let mut r = reading(30, 3, 30, 10.0);
        r.dispersion = 2.0;
        assert_eq!(j(r).level, Level::Ok);
        r.dispersion = 0.0;
        assert_eq!(j(r).level, Level::Warning);
    }

    #[test]
    fn a_bursty_brand_needs_a_bigger_burst_for_buzz_but_not_for_a_storm() {
        let mut r = reading(60, 6, 60, 10.0);
        assert_eq!(j(r).kind, Kind::Buzz);
        r.burst_bar = 40.0;
        assert_eq!(j(r).level, Level::Ok);
        r.counts.negative = 45;
        assert_eq!(j(r).kind, Kind::Storm);
    }

    #[test]
    fn one_noisy_bucket_cannot_fire_but_an_obvious_storm_can() {
        let mut r = reading(60, 6, 60, 10.0);
        r.largest = Bucket {
            mentions: 50,
            negative: 5,
            scored: 50,
        };
        assert_eq!(j(r).level, Level::Ok);
        r.filled = 1;
        r.largest = r.counts;
        assert_eq!(j(r).level, Level::Ok);
        let mut r = reading(120, 120, 120, 3.0);
        r.filled = 1;
        r.largest = r.counts;
        assert_eq!((j(r).level, j(r).kind), (Level::Critical, Kind::Storm));
    }

    #[test]
    fn a_surge_that_is_not_negative_never_rests_on_one_bucket() {
        // However far beyond the count model: a heavy-tailed brand's single buckets set records
        // that no bar measured on its past could bound.
        for (m, n, s) in [(5000, 50, 5000), (5000, 0, 0)] {
            let mut r = reading(m, n, s, 3.0);
            r.largest = Bucket {
                mentions: m - 2,
                negative: n,
                scored: s.saturating_sub(2),
            };
            assert_eq!(j(r).level, Level::Ok);
            r.filled = 1;
            r.largest = r.counts;
            assert_eq!(j(r).level, Level::Ok);
        }
    }

    #[test]
    fn negatives_alone_can_make_a_storm() {
        // Total only 1.6x the usual, but negatives are 6x their usual number.
        let v = j(reading(160, 80, 160, 100.0));
        assert_eq!((v.kind, v.by_negatives), (Kind::Storm, true));
        assert!(v.level >= Level::Warning);
    }

    #[test]
    fn a_usually_negative_brand_needs_more_than_its_usual_share() {
        let mut r = reading(100, 50, 100, 10.0);
        r.usual_share = 0.5;
        assert_eq!(j(r).kind, Kind::Buzz);
        r.counts.negative = 80;
        assert_eq!(j(r).kind, Kind::Storm);
    }

    #[test]
    fn holding_needs_only_the_hysteresis_fraction() {
        let v = j(reading(16, 2, 16, 10.0));
        assert_eq!(v.level, Level::Ok);
        assert!(v.holding);
        assert!(!j(reading(9, 2, 9, 10.0)).holding);
    }
}
