//! How far one brand's own windows reach into the tail of its count model: a decayed
//! histogram of upward crossings of surprise levels, and the lowest level its windows crossed
//! no more often than a given rate (the bar a surge must clear).
//!
//! Invariant: constant memory ([`LEVELS`] counters). Levels are logarithmic in the surprise
//! (`8 · ln(1 + s)`), so they cover every surprise up to [`MAX_SURPRISE`] at a resolution of
//! about an eighth, whatever the brand's volume: at 5,000 mentions per 5 minutes a noisy window
//! reaches a surprise of hundreds, at 2 per 5 minutes one of a few, and both are measured.
//! The bar is a quantile of the brand's own windows, not a fitted constant: a heavy-tailed brand
//! gets a higher bar because its windows reach higher.

use serde::{Deserialize, Serialize};

use super::stats::MAX_SURPRISE;

/// Levels of the histogram: `8 · ln(1 + 300)` is below 46.
pub const LEVELS: usize = 48;
/// Levels per unit of `ln(1 + surprise)`.
const PER_LN: f64 = 8.0;

/// The level of a surprise.
pub fn level(surprise: f64) -> usize {
    let s = surprise.clamp(0.0, MAX_SURPRISE);
    ((PER_LN * s.ln_1p()) as usize).min(LEVELS - 1)
}

/// The surprise at the bottom of a level; beyond the last level, more than any surprise.
pub fn surprise_of(level: usize) -> f64 {
    if level >= LEVELS {
        return 2.0 * MAX_SURPRISE;
    }
    (level as f64 / PER_LN).exp_m1()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tail {
    /// `crossings[b]`: decayed count of windows whose surprise rose to level `b` or beyond
    /// from below it.
    crossings: Vec<f32>,
    /// The level of the previous window.
    last: u8,
    /// The bar, from `crossings` (0 while unknown).
    bar: f64,
    /// `crossings` changed (or decayed) since the bar was computed; `allowed` changes slowly,
    /// and is taken up at the next decay.
    stale: bool,
}

impl Default for Tail {
    fn default() -> Self {
        Tail {
            crossings: vec![0.0; LEVELS],
            last: 0,
            bar: 0.0,
            stale: true,
        }
    }
}

impl Tail {
    /// Bytes of the histogram's buffer.
    pub fn heap_bytes(&self) -> usize {
        self.crossings.len() * 4
    }

    /// Counts the window's surprise (0 for a window that could not have alerted), with
    /// `weight`.
    pub fn observe(&mut self, surprise: f64, weight: f64) {
        if self.crossings.len() != LEVELS {
            self.crossings = vec![0.0; LEVELS];
        }
        let level = level(surprise);
        let last = self.last as usize;
        if level > last {
            for c in &mut self.crossings[last + 1..=level] {
                *c += weight as f32;
            }
            self.stale = true;
        }
        self.last = level as u8;
    }

    /// Multiplies every count by `keep` (the histogram's memory).
    pub fn decay(&mut self, keep: f32) {
        for c in &mut self.crossings {
            *c *= keep;
        }
        self.stale = true;
    }

    /// Recomputes the bar: the lowest level crossed at most `allowed` times (decayed).
    pub fn update_bar(&mut self, allowed: f32) {
        if !self.stale {
            return;
        }
        let bar = (1..LEVELS)
            .find(|&b| self.crossings.get(b).copied().unwrap_or(0.0) <= allowed)
            .unwrap_or(LEVELS);
        self.bar = surprise_of(bar);
        self.stale = false;
    }

    /// Forgets the bar (too little history to trust it).
    pub fn clear_bar(&mut self) {
        self.bar = 0.0;
        self.stale = true;
    }

    pub fn bar(&self) -> f64 {
        self.bar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_cover_every_surprise_and_invert() {
        assert_eq!(level(0.0), 0);
        assert!(level(MAX_SURPRISE) < LEVELS - 1);
        for s in [0.5, 3.0, 5.0, 12.0, 40.0, 150.0] {
            let b = level(s);
            assert!(surprise_of(b) <= s && s < surprise_of(b + 1), "{s}");
            // An eighth of ln(1 + s) apart: about 13 % of 1 + s.
            assert!(surprise_of(b + 1) / surprise_of(b) < 1.5, "{s}");
        }
    }

    #[test]
    fn the_bar_is_the_level_crossed_no_more_often_than_allowed() {
        let mut t = Tail::default();
        // Ten bursts to a surprise of 8, two to 30.
        for s in [8.0; 10].into_iter().chain([30.0; 2]) {
            t.observe(s, 1.0);
            t.observe(0.0, 1.0);
        }
        t.update_bar(2.0);
        assert!(t.bar() > 8.0 && t.bar() <= 30.0, "{}", t.bar());
        t.decay(1.0);
        t.update_bar(0.5);
        assert!(t.bar() > 30.0 && t.bar() < 35.0, "{}", t.bar());
        // Staying high is one crossing, not one per window.
        let mut u = Tail::default();
        for _ in 0..100 {
            u.observe(20.0, 1.0);
        }
        u.update_bar(0.5);
        assert!(u.bar() > 20.0, "{}", u.bar());
    }
}
