//! The count model of one brand: what is usual per minute, at this hour of a weekday or of a
//! weekend day, how much the counts scatter around it, and the usual share of negative posts.
//!
//! Invariant: constant memory (48 seasonal slots and a handful of numbers), fed once per
//! completed minute. Every estimate starts from a prior and moves towards the data at a rate
//! that is fast while little is known and slow (days to weeks) once warm; during an alert the
//! caller passes a small weight so that a storm does not become the new normal.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Mentions per minute assumed for a brand nothing is known about yet: three in 15 minutes.
pub const PRIOR_RATE: f64 = 0.2;
/// Usual negative share assumed before the brand's own is known.
pub const PRIOR_NEGATIVE_SHARE: f64 = 0.15;
/// How many scored mentions the prior share is worth.
const PRIOR_SHARE_WEIGHT: f64 = 20.0;
/// How many minutes the prior rate is worth.
const PRIOR_RATE_MINUTES: f64 = 30.0;
/// Memory of the overall level: about a day of minutes.
const LEVEL_MEMORY: f64 = 1440.0;
/// Memory of one hour-of-day slot, in minutes of that slot (a weekday hour sees 300 a week).
const SLOT_MEMORY: f64 = 300.0;
/// How many minutes a slot needs before it is trusted as much as the overall level.
const SLOT_TRUST: f64 = 120.0;
/// Memory of the negative share, in minutes: about a week.
const SHARE_MEMORY: f64 = 7.0 * 1440.0;
/// Memory of the dispersion estimate, in minutes: about three days.
const DISPERSION_MEMORY: f64 = 3.0 * 1440.0;
/// Dispersion assumed before any is measured: mild overdispersion.
const PRIOR_DISPERSION: f64 = 0.05;
/// Largest believable dispersion; keeps one freak window from blinding the detector.
const MAX_DISPERSION: f64 = 2.0;
/// Bins of the surprise histogram: one per unit of -log10 p.
const TAIL_BINS: usize = 48;
/// Memory of the surprise histogram, in minutes: two weeks.
const TAIL_MEMORY: f64 = 14.0 * 1440.0;
/// How often a brand's own bursts may cross the bar for buzz: about once a week.
const BURSTS_PER_WEEK: f64 = 2.0;
/// Minutes of history before the histogram is trusted.
const TAIL_TRUST: f64 = 1440.0;

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Slot {
    /// Expected mentions per minute in this slot.
    rate: f64,
    /// Minutes of data seen (capped), i.e. how far to trust `rate`.
    seen: f64,
}

/// The seasonal baseline: 24 hours × (weekday, weekend), an overall level, the scatter of
/// window counts and the usual negative share.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    /// Weekday hours, then weekend hours; inline (not behind a pointer), so that a tick over
    /// thousands of brands walks memory in order.
    slots: [[Slot; 24]; 2],
    level: f64,
    level_seen: f64,
    /// Overdispersion φ of window counts: variance = mean + φ·mean².
    dispersion: f64,
    dispersion_seen: f64,
    /// Decayed sums of negative and scored mentions.
    negative_sum: f64,
    scored_sum: f64,
    /// Minutes of data seen in total (for warm-up).
    minutes_seen: f64,
    /// Decayed count of bursts per surprise level: `crossings[b]` counts how often the window's
    /// surprise rose to `b` or beyond from below it. How bursty this brand usually is, beyond
    /// what the count model says.
    #[serde(default)]
    crossings: Vec<f32>,
    /// Decayed count of minutes behind `crossings`.
    #[serde(default)]
    tail_minutes: f64,
    /// The surprise level (whole -log10 p) of the previous minute's window.
    #[serde(default)]
    last_level: u8,
    /// Weight learned since the histogram last decayed.
    #[serde(default)]
    decay_pending: f64,
    /// The bar needs recomputing (the histogram changed).
    #[serde(default)]
    bar_stale: bool,
    /// The bar a surge that is not negative must clear, from `crossings`.
    #[serde(default)]
    burst_bar: f64,
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline {
            slots: [[Slot::default(); 24]; 2],
            level: PRIOR_RATE,
            level_seen: 0.0,
            dispersion: PRIOR_DISPERSION,
            dispersion_seen: 0.0,
            negative_sum: 0.0,
            scored_sum: 0.0,
            minutes_seen: 0.0,
            crossings: vec![0.0; TAIL_BINS],
            tail_minutes: 0.0,
            last_level: 0,
            burst_bar: 0.0,
            decay_pending: 0.0,
            bar_stale: true,
        }
    }
}

/// The slot of a unix time: integer arithmetic only, as this runs for every brand on every
/// tick (1970-01-01 was a Thursday, so day 2 and 3 of each week are Saturday and Sunday).
fn slot_of_secs(secs: i64) -> usize {
    let hour = secs.div_euclid(3600).rem_euclid(24) as usize;
    let weekday = secs.div_euclid(86_400).rem_euclid(7);
    let weekend = weekday == 2 || weekday == 3;
    hour + if weekend { 24 } else { 0 }
}

fn slot_of(at: DateTime<Utc>) -> usize {
    slot_of_secs(at.timestamp())
}

impl Baseline {
    /// Expected mentions per minute at `at`: the hour's slot, blended with the overall level
    /// while the slot has little data.
    pub fn rate(&self, at: DateTime<Utc>) -> f64 {
        self.rate_at_slot(slot_of(at))
    }

    fn rate_at_slot(&self, slot: usize) -> f64 {
        let s = self.slots[(slot / 24).min(1)][slot % 24];
        let trust = s.seen / (s.seen + SLOT_TRUST);
        (trust * s.rate + (1.0 - trust) * self.level).max(1e-4)
    }

    /// Expected mentions in the `minutes` minutes ending at `end`: the current hour's part,
    /// then whole hours backwards (walked with counters: this runs for every brand on every
    /// tick, and integer divisions are what it would spend its time on).
    pub fn expected(&self, end: DateTime<Utc>, minutes: i64) -> f64 {
        let minute = end.timestamp().div_euclid(60);
        let hour_abs = minute.div_euclid(60);
        let mut hour = hour_abs.rem_euclid(24) as usize;
        let mut day = hour_abs.div_euclid(24).rem_euclid(7) as usize;
        let slot = |hour: usize, day: usize| hour + if day == 2 || day == 3 { 24 } else { 0 };
        let first = (minute.rem_euclid(60) + 1).min(minutes);
        let mut total = self.rate_at_slot(slot(hour, day)) * first as f64;
        let mut left = minutes - first;
        while left > 0 {
            if hour == 0 {
                hour = 23;
                day = (day + 6) % 7;
            } else {
                hour -= 1;
            }
            let n = left.min(60);
            total += self.rate_at_slot(slot(hour, day)) * n as f64;
            left -= n;
        }
        total
    }

    /// Bytes of the buffers behind this baseline.
    pub fn heap_bytes(&self) -> usize {
        self.crossings.len() * 4
    }

    pub fn dispersion(&self) -> f64 {
        self.dispersion
    }

    /// The usual share of negative posts among scored ones.
    pub fn negative_share(&self) -> f64 {
        (self.negative_sum + PRIOR_NEGATIVE_SHARE * PRIOR_SHARE_WEIGHT)
            / (self.scored_sum + PRIOR_SHARE_WEIGHT)
    }

    pub fn minutes_seen(&self) -> f64 {
        self.minutes_seen
    }

    /// Learns from one completed minute at `at` with `mentions`, `negative` of `scored`.
    /// `weight` is 1 normally and small during an alert.
    /// `share_weight` does the same for the negative share alone (a slow burn is not yet an
    /// alert, but must not teach the baseline that negativity is usual).
    pub fn learn_minute(
        &mut self,
        at: DateTime<Utc>,
        mentions: f64,
        negative: f64,
        scored: f64,
        weight: f64,
        share_weight: f64,
    ) {
        self.minutes_seen += 1.0;
        let a =
            weight * (1.0 / (self.level_seen + 1.0 + PRIOR_RATE_MINUTES)).max(1.0 / LEVEL_MEMORY);
        self.level += a * (mentions - self.level);
        self.level_seen += weight;
        let slot = slot_of(at);
        {
            let s = &mut self.slots[(slot / 24).min(1)][slot % 24];
            let a = weight * (1.0 / (s.seen + 1.0)).max(1.0 / SLOT_MEMORY);
            s.rate += a * (mentions - s.rate);
            s.seen = (s.seen + weight).min(10.0 * SLOT_MEMORY);
        }
        let keep = 1.0 - share_weight / SHARE_MEMORY;
        self.negative_sum = self.negative_sum * keep + share_weight * negative;
        self.scored_sum = self.scored_sum * keep + share_weight * scored;
    }

    /// Learns how surprising the window that ended with a completed minute was; `surprise` is 0
    /// for windows that could not have alerted anyway. `update_bar` false keeps the bar as it
    /// is (while a surge is on, so that it cannot rise over its own surge).
    pub fn learn_surprise(&mut self, surprise: f64, weight: f64, update_bar: bool) {
        if self.crossings.len() != TAIL_BINS {
            self.crossings = vec![0.0; TAIL_BINS];
        }
        self.tail_minutes = self.tail_minutes * (1.0 - weight / TAIL_MEMORY) + weight;
        // The histogram decays in steps of 16 minutes: the same memory, and a brand's buffer is
        // touched once a quarter hour instead of every minute.
        self.decay_pending += weight;
        if self.decay_pending >= 16.0 {
            let keep = (-self.decay_pending / TAIL_MEMORY).exp() as f32;
            for h in &mut self.crossings {
                *h *= keep;
            }
            self.decay_pending = 0.0;
            self.bar_stale = true;
        }
        let level = (surprise.max(0.0) as usize).min(TAIL_BINS - 1);
        let last = self.last_level as usize;
        if level > last {
            for c in &mut self.crossings[last + 1..=level] {
                *c += weight as f32;
            }
            self.bar_stale = true;
        }
        self.last_level = level as u8;
        if !update_bar {
            return;
        }
        // The bar: the lowest level this brand's bursts reached no more than
        // `BURSTS_PER_WEEK` times a week.
        if self.tail_minutes < TAIL_TRUST {
            self.burst_bar = 0.0;
            self.bar_stale = true;
            return;
        }
        if !self.bar_stale {
            return;
        }
        let allowed = (self.tail_minutes * BURSTS_PER_WEEK / (7.0 * 1440.0)) as f32;
        let bar = (1..TAIL_BINS)
            .find(|&b| self.crossings[b] <= allowed)
            .unwrap_or(TAIL_BINS);
        self.burst_bar = bar as f64;
        self.bar_stale = false;
    }

    /// The surprise a surge that is not negative must reach for this brand: at least `base`,
    /// more for a brand whose usual bursts go beyond it.
    pub fn burst_bar(&self, base: f64) -> f64 {
        base.max(self.burst_bar)
    }

    /// Learns the scatter of window counts from one window that held `observed` where
    /// `expected` were expected.
    pub fn learn_window(&mut self, observed: f64, expected: f64, weight: f64) {
        if expected < 1.0 {
            return; // counts this small say nothing about overdispersion
        }
        let excess = ((observed - expected).powi(2) - observed) / (expected * expected);
        // Unclamped below: clamping the small-count negatives to 0 would bias φ upwards.
        let obs = excess.clamp(-MAX_DISPERSION, MAX_DISPERSION);
        let a = weight * (1.0 / (self.dispersion_seen + 30.0)).max(1.0 / DISPERSION_MEMORY);
        self.dispersion =
            (self.dispersion + a * (obs - self.dispersion)).clamp(0.0, MAX_DISPERSION);
        self.dispersion_seen += weight;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monday(hour: u32) -> DateTime<Utc> {
        format!("2026-03-02T{hour:02}:00:00Z").parse().unwrap()
    }

    #[test]
    fn slots_follow_the_calendar() {
        use chrono::{Datelike, Timelike, Weekday};
        let mut t: DateTime<Utc> = "2026-03-01T00:30:00Z".parse().unwrap();
        for _ in 0..24 * 8 {
            let weekend = matches!(t.weekday(), Weekday::Sat | Weekday::Sun);
            assert_eq!(
                slot_of(t),
                t.hour() as usize + if weekend { 24 } else { 0 },
                "{t}"
            );
            t += chrono::Duration::hours(1);
        }
    }

    #[test]
    fn expected_walks_the_hours_and_days() {
        let mut b = Baseline::default();
        // A distinct rate for every slot: 1 + slot index.
        for (i, s) in b.slots.iter_mut().flatten().enumerate() {
            *s = Slot {
                rate: 1.0 + i as f64,
                seen: 1e9,
            };
        }
        // Monday 00:09 back over 10 + 60 + 60 minutes: Monday 0h, Sunday 23h, Sunday 22h.
        let end: DateTime<Utc> = "2026-03-02T00:09:00Z".parse().unwrap();
        let want = 10.0 * b.rate(end)
            + 60.0 * b.rate(end - chrono::Duration::hours(1))
            + 60.0 * b.rate(end - chrono::Duration::hours(2));
        assert!((b.expected(end, 130) - want).abs() < 1e-6 * want);
        assert!((b.rate(end - chrono::Duration::hours(1)) - 48.0).abs() < 1e-3);
    }

    #[test]
    fn starts_from_the_prior() {
        let b = Baseline::default();
        assert!((b.expected(monday(10), 15) - 15.0 * PRIOR_RATE).abs() < 1e-9);
        assert!((b.negative_share() - PRIOR_NEGATIVE_SHARE).abs() < 1e-9);
    }

    #[test]
    fn learns_the_daily_rhythm() {
        let mut b = Baseline::default();
        for day in 0..5 {
            for minute in 0..1440 {
                let at = monday(0) + chrono::Duration::minutes(day * 1440 + minute);
                let busy = (9..18).contains(&chrono::Timelike::hour(&at));
                b.learn_minute(at, if busy { 4.0 } else { 0.5 }, 0.0, 0.0, 1.0, 1.0);
            }
        }
        let day = b.rate(monday(11) + chrono::Duration::days(7));
        let night = b.rate(monday(3) + chrono::Duration::days(7));
        assert!(day > 3.0 && night < 1.2, "day {day}, night {night}");
    }

    #[test]
    fn a_small_weight_keeps_a_storm_from_becoming_normal() {
        let mut b = Baseline::default();
        for m in 0..600 {
            b.learn_minute(
                monday(8) + chrono::Duration::minutes(m),
                1.0,
                0.1,
                1.0,
                1.0,
                1.0,
            );
        }
        let before = b.rate(monday(18));
        for m in 600..660 {
            b.learn_minute(
                monday(8) + chrono::Duration::minutes(m),
                50.0,
                45.0,
                50.0,
                0.02,
                0.02,
            );
        }
        assert!(
            b.rate(monday(18)) < before * 1.5,
            "{} vs {before}",
            b.rate(monday(18))
        );
        assert!(b.negative_share() < 0.3);
    }

    #[test]
    fn measures_overdispersion() {
        let mut b = Baseline::default();
        for i in 0..3000 {
            // Alternating 50 and 150 around a mean of 100: φ ≈ (2500 - 100) / 10⁴ ≈ 0.24.
            let x = if i % 2 == 0 { 50.0 } else { 150.0 };
            b.learn_window(x, 100.0, 1.0);
        }
        assert!((b.dispersion() - 0.24).abs() < 0.03, "{}", b.dispersion());
    }
}
