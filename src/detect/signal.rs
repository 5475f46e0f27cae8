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
}

impl Judgement {
    pub const CALM: Judgement = Judgement {
        level: Level::Ok,
        kind: Kind::Volume,
        holding: false,
        obvious: false,
        surprise: 0.0,
        by_negatives: false,
    };
}

struct Channel {
    surge: bool,
    critical: bool,
    holding: bool,
    surprise: f64,
}

fn channel(count: u64, expected: f64, dispersion: f64, t: &Thresholds) -> Channel {
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
    Channel {
        surge: s >= SURPRISE_WARNING,
        critical: s >= SURPRISE_CRITICAL && x >= 2.0 * floor && ratio >= 2.0 * t.velocity_factor,
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
    let volume = if negatives_only {
        None
    } else {
        Some(channel(c.mentions as u64, r.expected, r.dispersion, t))
    };
    let negative = scored && unusually_negative(r, t);
    let neg = if scored {
        Some(channel(
            c.negative as u64,
            r.expected_negative(),
            r.dispersion,
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
    j
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
