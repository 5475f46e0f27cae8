//! Detection per brand: bucketed counts, a seasonal count model, two horizons judged against
//! it, and the alert lifecycle, behind one [`BrandMonitor`].
//!
//! - [`baseline`]: what is usual (hour × weekday in the brand's `timezone`, drift, scatter,
//!   usual share).
//! - [`stats`]: Poisson, negative-binomial and binomial tail probabilities.
//! - [`tail`]: how far the brand's own bursts reach beyond the count model (the bar a surge
//!   that is not negative must clear).
//! - [`signal`]: one window judged on the volume and the negativity channel.
//! - [`lifecycle`]: ok → warning → critical → resolved, with hysteresis and timers.
//!
//! Invariant: a monitor is a pure function of the counts recorded and the times it is ticked
//! at; it has no clock of its own and its whole state (about 10 KiB) serialises, so the daemon,
//! `backtest` and a restarted daemon all behave the same. The short horizon (`window`, minute
//! buckets) catches fast storms within minutes; the long horizon (`long_window`, hour buckets)
//! catches slow burns, where the count of negative posts builds over hours.

pub mod baseline;
pub mod lifecycle;
pub mod series;
pub mod signal;
pub mod stats;
pub mod tail;

use chrono::{DateTime, Duration, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::alert::{Kind, Level, Status};
use crate::config::Thresholds;
use crate::window::{Bucket, Ring};

use baseline::Baseline;
use lifecycle::Lifecycle;
use signal::{judge, Judgement, Reading};

/// Minutes of minute buckets kept: the longest short window.
const MINUTES_KEPT: usize = 6 * 60;
/// Hours of hour buckets kept: a week, the longest long window.
const HOURS_KEPT: usize = 7 * 24 + 1;
/// How far ahead of the monitor's clock a record may be dated (a wrong clock on a post must
/// not push the buckets into the future). Also the coarsest series `backtest` replays.
const MAX_AHEAD_SECS: i64 = 3600;
/// How much the baseline learns from a minute while a surge is watched or alerted.
const BUSY_WEIGHT: f64 = 0.02;
/// How much it learns from a minute whose window is unusual but not (yet) a surge: slowly, so
/// a lasting change of level is still learned within days.
const UNUSUAL_WEIGHT: f64 = 0.1;
/// Surprise from which a window counts as unusual for learning.
const UNUSUAL_SURPRISE: f64 = 2.0;

/// What a tick decided should be announced: the start of an alert, an escalation or reminder,
/// or its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub status: Status,
    pub level: Level,
    pub kind: Kind,
    pub started_at: DateTime<Utc>,
    pub window_seconds: u64,
    pub mentions: u64,
    pub negative: u64,
    pub negative_share: f64,
    pub expected: f64,
    pub velocity_ratio: f64,
    pub reasons: Vec<String>,
}

/// A brand's current numbers, for the API and the dashboard (the short window).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrandStatus {
    pub level: Level,
    pub kind: Option<Kind>,
    pub window_seconds: u64,
    pub mentions: u64,
    pub negative: u64,
    pub negative_share: f64,
    pub usual_negative_share: f64,
    pub expected: f64,
    pub velocity_ratio: f64,
    pub since: Option<DateTime<Utc>>,
}

/// The detector and alert lifecycle of one brand. Serializable, so a restart resumes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BrandMonitor {
    #[serde(skip, default)]
    thresholds: Thresholds,
    minutes: Ring,
    hours: Ring,
    baseline: Baseline,
    /// The last minute (unix minutes) the baseline has learned.
    learned_until: i64,
    /// The latest time the monitor was ticked at.
    clock: DateTime<Utc>,
    lifecycle: Lifecycle,
    /// Mentions were recorded since the last judgement.
    #[serde(skip)]
    dirty: bool,
    /// The minute (unix minutes) of the last judgement.
    #[serde(skip)]
    judged_minute: i64,
    /// At the last judgement, every window was below the floors that any surge, hold or
    /// unusual-window test needs.
    #[serde(skip)]
    below_floors: bool,
}

fn minute_start(idx: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(idx.saturating_mul(60), 0).unwrap_or_default()
}

impl BrandMonitor {
    pub fn new(thresholds: &Thresholds, now: DateTime<Utc>) -> Self {
        let mut baseline = Baseline::default();
        baseline.set_calendar(thresholds.timezone);
        BrandMonitor {
            thresholds: thresholds.clone(),
            minutes: Ring::new(60, MINUTES_KEPT, now),
            hours: Ring::new(3600, HOURS_KEPT, now),
            baseline,
            learned_until: now.timestamp().div_euclid(60) - 1,
            clock: now,
            lifecycle: Lifecycle::default(),
            dirty: false,
            judged_minute: i64::MIN,
            below_floors: false,
        }
    }

    /// Applies new thresholds (after a reload or a restore) without losing history.
    /// State saved before weekday profiles is migrated here, as every restore passes through.
    pub fn set_thresholds(&mut self, t: &Thresholds) {
        self.baseline.set_calendar(t.timezone);
        self.thresholds = t.clone();
        self.dirty = true;
    }

    /// Counts one mention; `negative` is `None` when its sentiment is unknown.
    pub fn record(&mut self, at: DateTime<Utc>, negative: Option<bool>) {
        self.record_n(at, 1, negative.map(u64::from));
    }

    /// Counts `count` mentions at `at`, of which `negative` are negative (`None`: sentiment
    /// unknown, as in a volume-only series).
    pub fn record_n(&mut self, at: DateTime<Utc>, count: u64, negative: Option<u64>) {
        let at = at.min(self.clock + Duration::seconds(MAX_AHEAD_SECS));
        let mentions = u32::try_from(count).unwrap_or(u32::MAX);
        let (negative, scored) = match negative {
            Some(n) => (u32::try_from(n.min(count)).unwrap_or(u32::MAX), mentions),
            None => (0, 0),
        };
        let b = Bucket {
            mentions,
            negative,
            scored,
        };
        self.minutes.add(at, b);
        self.hours.add(at, b);
        self.dirty = true;
    }

    fn window_minutes(&self) -> i64 {
        (self.thresholds.window.as_secs() / 60).clamp(1, MINUTES_KEPT as u64) as i64
    }

    fn long_hours(&self) -> i64 {
        self.thresholds
            .long_window
            .as_secs()
            .div_ceil(3600)
            .clamp(1, HOURS_KEPT as u64 - 1) as i64
    }

    /// Teaches the baseline every completed minute up to `now`, with the weights the current
    /// windows call for.
    fn learn(&mut self, now: DateTime<Utc>, weight: f64, share_weight: f64) {
        let now_min = now.timestamp().div_euclid(60);
        let first = (self.learned_until + 1).max(now_min - MINUTES_KEPT as i64);
        let w = self.window_minutes();
        for idx in first..now_min {
            let at = minute_start(idx);
            // The scatter is learned out of sample, before the minute moves the baseline.
            let x = self.minutes.sum(idx, w as usize).mentions as f64;
            let e = self.baseline.expected(at, w);
            // Bursts are this brand's normal scatter, unless they are storms: learn them, but
            // keep the bar where it was while a surge is on, so it cannot rise over its own
            // surge.
            let storm = self.lifecycle.active.is_some_and(|a| a.kind == Kind::Storm);
            let scatter_weight = if storm { BUSY_WEIGHT } else { 1.0 };
            let busy = self.lifecycle.busy();
            self.baseline.learn_window(x, e, scatter_weight);
            let t = &self.thresholds;
            let could_alert = x >= t.min_mentions as f64 && x >= t.velocity_factor * e;
            // The window's surprise, if it could alert: resting on more than one bucket, as a
            // surge that is not negative must.
            let s = if could_alert {
                let phi = self.baseline.dispersion();
                let (c, largest, filled) = self.minutes.scan(idx, w as usize);
                let spread = signal::rests_on_more_than_one_bucket(
                    c.mentions,
                    largest.mentions,
                    filled,
                    e,
                    phi,
                    t,
                );
                if spread {
                    stats::count_surprise(x, e, phi)
                } else {
                    0.0
                }
            } else {
                0.0
            };
            self.baseline.learn_surprise(s, scatter_weight, !busy);
            let b = self.minutes.get(idx);
            self.baseline.learn_minute(
                at,
                b.mentions as f64,
                b.negative as f64,
                b.scored as f64,
                weight,
                share_weight,
            );
        }
        self.learned_until = self.learned_until.max(now_min - 1);
    }

    fn short_reading(&self, now: DateTime<Utc>) -> Reading {
        let w = self.window_minutes();
        let last = now.timestamp().div_euclid(60);
        let (counts, largest, filled) = self.minutes.scan(last, w as usize);
        Reading {
            window_seconds: w as u64 * 60,
            largest,
            filled,
            counts,
            expected: self.baseline.expected(now, w),
            dispersion: self.baseline.dispersion(),
            usual_share: self.baseline.negative_share(),
            burst_bar: self.baseline.burst_bar(signal::SURPRISE_WARNING),
        }
    }

    fn long_reading(&self, now: DateTime<Utc>) -> Reading {
        let h = self.long_hours();
        let minutes = (h - 1) * 60 + now.minute() as i64 + 1;
        let (counts, largest, filled) = self.hours.scan(self.hours.index(now), h as usize);
        Reading {
            window_seconds: h as u64 * 3600,
            largest,
            filled,
            counts,
            expected: self.baseline.expected(now, minutes),
            dispersion: self.baseline.dispersion(),
            usual_share: self.baseline.negative_share(),
            burst_bar: self.baseline.burst_bar(signal::SURPRISE_WARNING),
        }
    }

    /// Evaluates both horizons at `now`; returns what to announce, if anything.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Option<Notice> {
        let now = now.max(self.clock);
        self.clock = now;
        let minute = now.timestamp().div_euclid(60);
        let learn_due = minute - 1 > self.learned_until;
        if !self.dirty && !self.lifecycle.busy() {
            // A calm brand with no new mentions since it was judged this minute would be
            // judged the same again (most brands, on most of the daemon's 5-second ticks).
            if minute == self.judged_minute && !learn_due {
                return None;
            }
            // Without new mentions, counts only fall as buckets leave the windows: a brand
            // that was below every floor stays below it, and its minutes are plain calm ones.
            if self.below_floors {
                if learn_due {
                    self.learn(now, 1.0, 1.0);
                }
                return None;
            }
        }
        self.dirty = false;
        self.judged_minute = minute;
        let short = self.short_reading(now);
        let long = self.long_reading(now);
        let floor = self.thresholds.min_mentions as f64 * self.thresholds.hysteresis;
        self.below_floors = (short.counts.mentions as f64) < floor
            && short.counts.negative < 3
            && long.counts.negative < 3
            && (long.counts.negative as f64) < floor;
        let out = self.evaluate(now, &short, &long);
        // Learning happens once per completed minute; ticks within a minute only look.
        if learn_due {
            let (weight, share_weight) = self.learning_weights(&short, &long);
            self.learn(now, weight, share_weight);
        }
        out
    }

    /// How much the minutes completed by `now` may teach the baseline: little during an alert,
    /// less while a window is unusual (on volume, or on negativity for the share).
    fn learning_weights(&self, short: &Reading, long: &Reading) -> (f64, f64) {
        if self.lifecycle.busy() {
            return (BUSY_WEIGHT, BUSY_WEIGHT);
        }
        // Cheap tests first: the tails are only worth computing for windows that could matter.
        let floor = self.thresholds.min_mentions as f64 * self.thresholds.hysteresis;
        let unusual_volume = short.ratio() >= 1.5
            && short.counts.mentions as f64 >= floor
            && stats::count_surprise(
                short.counts.mentions as f64,
                short.expected,
                short.dispersion,
            ) >= UNUSUAL_SURPRISE;
        let negative = |r: &Reading| {
            r.counts.negative >= 3
                && r.share() > r.usual_share
                && stats::binomial_surprise(
                    r.counts.negative as u64,
                    r.counts.scored as u64,
                    r.usual_share,
                ) >= UNUSUAL_SURPRISE
        };
        let unusual_share = negative(short) || negative(long);
        (
            if unusual_volume { UNUSUAL_WEIGHT } else { 1.0 },
            if unusual_share { UNUSUAL_WEIGHT } else { 1.0 },
        )
    }

    fn evaluate(&mut self, now: DateTime<Utc>, short: &Reading, long: &Reading) -> Option<Notice> {
        let (short, long) = (*short, *long);
        let t = &self.thresholds;
        let js = judge(&short, t, false);
        // The long horizon starts (and then carries) slow burns; an alert the short horizon
        // started is judged by the short horizon alone, so that it resolves when the fast
        // storm is over instead of when it has left the long window.
        let short_alert = self.lifecycle.active.is_some_and(|a| !a.long);
        let jl = if long.counts.scored > 0 && !short_alert {
            judge(&long, t, true)
        } else {
            Judgement::CALM
        };
        let holding = js.holding || jl.holding;
        let (reading, j, from_long) = if jl.level > js.level {
            (long, Judgement { holding, ..jl }, true)
        } else {
            (short, Judgement { holding, ..js }, false)
        };
        let warm = self.baseline.minutes_seen() * 60.0 >= t.warmup.as_secs() as f64;
        let a = self.lifecycle.step(now, &j, t, warm, from_long)?;
        let reasons = match a.status {
            Status::Firing => {
                let mut r = reasons(&reading, &j);
                if let Some(peak) = a.flared {
                    r.insert(
                        0,
                        format!(
                            "flared up again within the cooldown: {:.1}x the expected count, \
                             more than the {peak:.1}x at the height of the last alert",
                            reading.ratio()
                        ),
                    );
                }
                r
            }
            Status::Resolved => vec![format!(
                "back to the usual level: {} mentions in {}, {:.1} expected",
                short.counts.mentions,
                format_window(short.window_seconds),
                short.expected
            )],
        };
        let r = if a.status == Status::Resolved {
            short
        } else {
            reading
        };
        Some(Notice {
            status: a.status,
            level: a.level,
            kind: a.kind,
            started_at: a.started_at,
            window_seconds: r.window_seconds,
            mentions: r.counts.mentions as u64,
            negative: r.counts.negative as u64,
            negative_share: r.share(),
            expected: r.expected,
            velocity_ratio: r.ratio(),
            reasons,
        })
    }

    /// Asks the CPU to start loading this monitor's own fields. A tick over thousands of
    /// brands calls this a few brands ahead, then [`BrandMonitor::prefetch_buffers`] a little
    /// later, so that each brand's state is in cache when it is judged: a hint only, it
    /// changes nothing.
    pub fn prefetch_state(&self) {
        let base = (self as *const Self).cast::<u8>();
        let mut off = 0;
        while off < std::mem::size_of::<Self>() {
            // `wrapping_add` stays an address computation; the hint never reads.
            crate::window::prefetch(base.wrapping_add(off));
            off += 64;
        }
    }

    /// Asks the CPU to start loading the buffers a tick reads: the newest buckets of both
    /// rings and the seasonal slots of the current hours.
    pub fn prefetch_buffers(&self) {
        self.minutes
            .prefetch_newest(self.window_minutes() as usize + 1);
        self.hours.prefetch_newest(self.long_hours() as usize);
        self.baseline.prefetch(self.clock.timestamp());
    }

    /// Bytes this monitor occupies in memory (its struct and its buffers).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + (self.minutes.len() + self.hours.len()) * std::mem::size_of::<Bucket>()
            + self.baseline.heap_bytes()
    }

    /// The brand's current numbers at `now` (the short window).
    pub fn status(&self, now: DateTime<Utc>) -> BrandStatus {
        let r = self.short_reading(now.max(self.clock));
        let c = r.counts;
        BrandStatus {
            level: self.lifecycle.level(),
            kind: match self.lifecycle.active {
                Some(a) => Some(a.kind),
                None if c.mentions > 0 && c.scored == 0 => Some(Kind::Volume),
                None => None,
            },
            window_seconds: r.window_seconds,
            mentions: c.mentions as u64,
            negative: c.negative as u64,
            negative_share: r.share(),
            usual_negative_share: r.usual_share,
            expected: r.expected,
            velocity_ratio: r.ratio(),
            since: self.lifecycle.active.map(|a| a.started_at),
        }
    }
}

fn format_window(secs: u64) -> String {
    crate::duration::format(std::time::Duration::from_secs(secs))
}

fn reasons(r: &Reading, j: &Judgement) -> Vec<String> {
    let window = format_window(r.window_seconds);
    let c = r.counts;
    let mut out = vec![format!(
        "{} mentions in {window}, {:.1}x the expected {:.1}",
        c.mentions,
        r.ratio(),
        r.expected
    )];
    if c.scored > 0 {
        out.push(format!(
            "{:.0}% negative (usual: {:.0}%)",
            r.share() * 100.0,
            r.usual_share * 100.0
        ));
        if j.by_negatives {
            out.push(format!(
                "{} negative mentions in {window}, {:.1}x the expected {:.1}",
                c.negative,
                r.negative_ratio(),
                r.expected_negative()
            ));
        }
    }
    out.push(format!(
        "chance of this on a usual day: about 1 in 10^{:.0}",
        j.surprise.floor()
    ));
    out
}

#[cfg(test)]
mod tests;
