//! The count model of one brand: what is usual per minute, at this hour of a weekday or of a
//! weekend day, how much the counts scatter around it, and the usual share of negative posts.
//!
//! Invariant: constant memory (7 × 24 weekday-hour slots, 24 hour-of-day slots and a handful
//! of numbers), fed once per
//! completed minute. Every estimate starts from a prior and moves towards the data at a rate
//! that is fast while little is known and slow (days to weeks) once warm; during an alert the
//! caller passes a small weight so that a storm does not become the new normal.

use std::cell::Cell;

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::tail::Tail;

/// Mentions per minute assumed for a brand nothing is known about yet: three in 15 minutes.
pub const PRIOR_RATE: f64 = 0.2;
/// Usual negative share assumed before the brand's own is known.
pub const PRIOR_NEGATIVE_SHARE: f64 = 0.15;
/// How many scored mentions the prior share is worth.
const PRIOR_SHARE_WEIGHT: f64 = 20.0;
/// How many minutes the prior rate is worth.
const PRIOR_RATE_MINUTES: f64 = 30.0;
/// During an alert a seasonal slot learns at most this many times its expectation…
const ALERT_CLIP: f64 = 4.0;
/// …plus this many mentions a minute, the room Poisson noise needs at low rates.
const ALERT_CLIP_FLOOR: f64 = 2.0;
/// Memory of the overall level: about a day of minutes.
const LEVEL_MEMORY: f64 = 1440.0;
/// Memory of one weekday-hour slot, in minutes of that slot (it sees 60 a week): about five
/// weeks.
const SLOT_MEMORY: f64 = 300.0;
/// How many minutes a weekday-hour slot needs before it is trusted as much as the hour of day
/// over all days: two weeks.
const SLOT_TRUST: f64 = 120.0;
/// Memory of one hour-of-day slot over all days (it sees 420 minutes a week): about a week.
const HOUR_MEMORY: f64 = 420.0;
/// How many minutes an hour-of-day slot needs before it is trusted as much as the level.
const HOUR_TRUST: f64 = 120.0;
/// Memory of the negative share, in minutes: about a week.
const SHARE_MEMORY: f64 = 7.0 * 1440.0;
/// Memory of the dispersion estimate, in minutes: about three days.
const DISPERSION_MEMORY: f64 = 3.0 * 1440.0;
/// Dispersion assumed before any is measured: mild overdispersion.
const PRIOR_DISPERSION: f64 = 0.05;
/// A window's squared standardised residual counts at most this much for the dispersion: two
/// standard deviations, beyond which a residual is the tail's business, not the core's.
const WINSOR: f64 = 4.0;
/// The mean of `min(z², 4)` for a standard normal z: what the clipped residuals average when
/// φ is right.
const WINSOR_MEAN: f64 = 0.920_5;
/// Largest believable dispersion; keeps one freak window from blinding the detector.
const MAX_DISPERSION: f64 = 2.0;
/// Memory of the surprise histograms, in minutes: two weeks.
const TAIL_MEMORY: f64 = 14.0 * 1440.0;
/// How often a brand's own bursts (windows above the floor and the ratio that rest on more
/// than one bucket) may cross the bar for a surge that is not negative: twice a week. Fewer
/// become alerts: an alert must also hold for `min_duration`, and one surge is one alert.
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

/// The calendar the seasonal slots follow: UTC, or an IANA zone whose offset (daylight saving
/// time included) places each instant in its local hour and weekday.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    tz: Option<Tz>,
    /// The last two offsets looked up, by quarter hour (unix seconds / 900): a brand asks for
    /// the same few quarters on every tick, and a zone lookup is a search through its table.
    cache: Cell<[(i64, i32); 2]>,
}

impl Calendar {
    pub fn new(tz: Tz) -> Self {
        Calendar {
            tz: (tz != Tz::UTC).then_some(tz),
            cache: Cell::new([(i64::MIN, 0); 2]),
        }
    }

    /// The offset at `secs` if it is cached, else 0: enough for a prefetch hint, which
    /// needs no exactness and must not search the zone's table.
    fn cached_offset(&self, secs: i64) -> i64 {
        if self.tz.is_none() {
            return 0;
        }
        let q = secs.div_euclid(900);
        let c = self.cache.get();
        c.iter().find(|e| e.0 == q).map_or(0, |e| e.1 as i64)
    }

    /// Seconds local time is ahead of UTC at the unix time `secs`.
    pub fn offset(&self, secs: i64) -> i64 {
        let Some(tz) = self.tz else { return 0 };
        let q = secs.div_euclid(900);
        let mut c = self.cache.get();
        if let Some(&(_, off)) = c.iter().find(|e| e.0 == q) {
            return off as i64;
        }
        let off = DateTime::from_timestamp(secs, 0)
            .map(|t| {
                tz.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc()
            })
            .unwrap_or(0);
        c = [c[1], (q, off)];
        self.cache.set(c);
        off as i64
    }
}

/// The seasonal baseline: 24 hours × 7 weekdays of the brand's calendar, shrunk towards the
/// hour of day over all days and that towards an overall level; the scatter of window counts
/// and the usual negative share.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    /// Per weekday (0 = Thursday, the weekday of day 0 of unix time) its 24 local hours; behind
    /// a pointer, so that the monitor itself stays small: a tick over thousands of brands walks
    /// their monitors in order and asks for these slots ahead ([`Baseline::prefetch`]).
    #[serde(default)]
    days: Box<[[Slot; 24]; 7]>,
    /// The 24 local hours over all days: what a weekday hour falls back on while it has
    /// seen little.
    #[serde(default)]
    hours: [Slot; 24],
    /// The weekday and weekend hours of state saved before 0.2; moved into `days` and `hours`
    /// by [`Baseline::migrate`].
    #[serde(default, skip_serializing)]
    slots: Option<Box<[[Slot; 24]; 2]>>,
    #[serde(skip)]
    calendar: Calendar,
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
    /// How far this brand's windows usually reach beyond what the count model says (those
    /// that could alert: above the floor and the ratio, and resting on more than one bucket);
    /// the bar for buzz and volume surges.
    #[serde(default)]
    bursts: Tail,
    /// Decayed count of minutes behind the histograms.
    #[serde(default)]
    tail_minutes: f64,
    /// Weight learned since the histograms last decayed.
    #[serde(default)]
    decay_pending: f64,
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline {
            days: Box::new([[Slot::default(); 24]; 7]),
            hours: [Slot::default(); 24],
            slots: None,
            calendar: Calendar::default(),
            level: PRIOR_RATE,
            level_seen: 0.0,
            dispersion: PRIOR_DISPERSION,
            dispersion_seen: 0.0,
            negative_sum: 0.0,
            scored_sum: 0.0,
            minutes_seen: 0.0,
            bursts: Tail::default(),
            tail_minutes: 0.0,
            decay_pending: 0.0,
        }
    }
}

/// The (weekday, hour) of a local unix time: integer arithmetic only, as this runs for every
/// brand on every tick.
fn slot_of_local(secs: i64) -> (usize, usize) {
    let hour = secs.div_euclid(3600);
    (
        hour.div_euclid(24).rem_euclid(7) as usize,
        hour.rem_euclid(24) as usize,
    )
}

impl Baseline {
    /// Follows `calendar` from now on (after a restore or a reload), and moves state saved
    /// before weekday profiles existed into them: the weekday hours for Monday to Friday, the
    /// weekend hours for Saturday and Sunday.
    pub fn set_calendar(&mut self, tz: Tz) {
        if self.calendar.tz.unwrap_or(Tz::UTC) != tz {
            self.calendar = Calendar::new(tz);
        }
        if let Some(old) = self.slots.take() {
            for (d, day) in self.days.iter_mut().enumerate() {
                *day = old[usize::from(d == 2 || d == 3)];
            }
            for (h, s) in self.hours.iter_mut().enumerate() {
                let (wd, we) = (old[0][h], old[1][h]);
                let seen = wd.seen + we.seen;
                *s = Slot {
                    rate: if seen > 0.0 {
                        (wd.rate * wd.seen + we.rate * we.seen) / seen
                    } else {
                        0.0
                    },
                    seen: seen.min(10.0 * HOUR_MEMORY),
                };
            }
        }
    }

    fn slot_of(&self, at: DateTime<Utc>) -> (usize, usize) {
        let secs = at.timestamp();
        slot_of_local(secs + self.calendar.offset(secs))
    }

    /// Expected mentions per minute at `at`: the weekday hour's slot, blended with the hour of
    /// day over all days and the overall level while it has little data.
    pub fn rate(&self, at: DateTime<Utc>) -> f64 {
        let (d, h) = self.slot_of(at);
        self.rate_at_slot(d, h)
    }

    fn rate_at_slot(&self, day: usize, hour: usize) -> f64 {
        let hs = self.hours[hour];
        let trust = hs.seen / (hs.seen + HOUR_TRUST);
        let by_hour = trust * hs.rate + (1.0 - trust) * self.level;
        let s = self.days[day][hour];
        let trust = s.seen / (s.seen + SLOT_TRUST);
        (trust * s.rate + (1.0 - trust) * by_hour).max(1e-4)
    }

    /// Expected mentions in the `minutes` minutes ending at `end`: the current hour's part,
    /// then whole hours backwards (walked with counters: this runs for every brand on every
    /// tick, and integer divisions are what it would spend its time on). In local time; when
    /// the zone's offset changes within the window (a daylight-saving change), hour by hour in
    /// UTC, each hour placed by its own offset.
    pub fn expected(&self, end: DateTime<Utc>, minutes: i64) -> f64 {
        let secs = end.timestamp();
        let off = self.calendar.offset(secs);
        if self.calendar.offset(secs - (minutes - 1).max(0) * 60) != off {
            return self.expected_across_change(secs, minutes);
        }
        let minute = (secs + off).div_euclid(60);
        let hour_abs = minute.div_euclid(60);
        let mut hour = hour_abs.rem_euclid(24) as usize;
        let mut day = hour_abs.div_euclid(24).rem_euclid(7) as usize;
        let first = (minute.rem_euclid(60) + 1).min(minutes);
        let mut total = self.rate_at_slot(day, hour) * first as f64;
        let mut left = minutes - first;
        while left > 0 {
            if hour == 0 {
                hour = 23;
                day = (day + 6) % 7;
            } else {
                hour -= 1;
            }
            let n = left.min(60);
            total += self.rate_at_slot(day, hour) * n as f64;
            left -= n;
        }
        total
    }

    fn expected_across_change(&self, end_secs: i64, minutes: i64) -> f64 {
        let mut minute = end_secs.div_euclid(60);
        let mut left = minutes;
        let mut total = 0.0;
        while left > 0 {
            let n = (minute.rem_euclid(60) + 1).min(left);
            let secs = minute * 60;
            let (d, h) = slot_of_local(secs + self.calendar.offset(secs));
            total += self.rate_at_slot(d, h) * n as f64;
            minute -= n;
            left -= n;
        }
        total
    }

    /// Bytes of the buffers behind this baseline.
    pub fn heap_bytes(&self) -> usize {
        self.bursts.heap_bytes()
            + std::mem::size_of::<[[Slot; 24]; 7]>()
            + self
                .slots
                .as_ref()
                .map_or(0, |_| std::mem::size_of::<[[Slot; 24]; 2]>())
    }

    /// Asks the CPU to start loading the weekday-hour slots a tick at `at` reads (the hours of
    /// that local day up to `at`).
    pub fn prefetch(&self, at: i64) {
        let (day, hour) = slot_of_local(at + self.calendar.cached_offset(at));
        let row = &self.days[day];
        crate::window::prefetch(std::ptr::from_ref(&row[hour]));
        crate::window::prefetch(std::ptr::from_ref(&row[hour.saturating_sub(4)]));
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
        let (day, hour) = self.slot_of(at);
        // While an alert is on (a weight below one), what the seasonal slots learn is clipped
        // to what they expected, a few times over: a storm at an hour that never had one would
        // otherwise teach that fresh hour that storms are usual there (its small weight moves
        // a slot with no other data all the same).
        let learned = if weight < 1.0 {
            mentions.min(ALERT_CLIP * self.rate_at_slot(day, hour) + ALERT_CLIP_FLOOR)
        } else {
            mentions
        };
        for (s, memory) in [
            (&mut self.days[day][hour], SLOT_MEMORY),
            (&mut self.hours[hour], HOUR_MEMORY),
        ] {
            let a = weight * (1.0 / (s.seen + 1.0)).max(1.0 / memory);
            s.rate += a * (learned - s.rate);
            s.seen = (s.seen + weight).min(10.0 * memory);
        }
        let keep = 1.0 - share_weight / SHARE_MEMORY;
        self.negative_sum = self.negative_sum * keep + share_weight * negative;
        self.scored_sum = self.scored_sum * keep + share_weight * scored;
    }

    /// Learns how surprising the window that ended with a completed minute was; `surprise` is 0
    /// for windows that could not have alerted anyway. `update_bar` false keeps the bar as it
    /// is (while a surge is on, so that it cannot rise over its own surge).
    pub fn learn_surprise(&mut self, surprise: f64, weight: f64, update_bar: bool) {
        self.tail_minutes = self.tail_minutes * (1.0 - weight / TAIL_MEMORY) + weight;
        // The histogram decays in steps of 16 minutes: the same memory, and a brand's buffer is
        // touched once a quarter hour instead of every minute.
        self.decay_pending += weight;
        if self.decay_pending >= 16.0 {
            self.bursts
                .decay((-self.decay_pending / TAIL_MEMORY).exp() as f32);
            self.decay_pending = 0.0;
        }
        self.bursts.observe(surprise, weight);
        if !update_bar {
            return;
        }
        if self.tail_minutes < TAIL_TRUST {
            self.bursts.clear_bar();
            return;
        }
        // The bar: the lowest level this brand's bursts reached no more than
        // `BURSTS_PER_WEEK` times a week.
        let allowed = (self.tail_minutes * BURSTS_PER_WEEK / (7.0 * 1440.0)) as f32;
        self.bursts.update_bar(allowed);
    }

    /// The surprise a surge that is not negative must reach for this brand: at least `base`,
    /// more for a brand whose usual bursts go beyond it.
    pub fn burst_bar(&self, base: f64) -> f64 {
        base.max(self.bursts.bar())
    }

    /// Learns the scatter of window counts from one window that held `observed` where
    /// `expected` were expected.
    ///
    /// Robustly: each window's squared standardised residual counts at most [`WINSOR`] (two
    /// standard deviations), and φ settles where the mean of those clipped residuals is what a
    /// bell-shaped count with that variance gives ([`WINSOR_MEAN`]). A heavy-tailed brand's
    /// rare huge windows thus cannot inflate φ (and blind the detector for days after each),
    /// nor make it swing with every outlier; how far its tail reaches beyond this core is
    /// what the burst histogram measures.
    pub fn learn_window(&mut self, observed: f64, expected: f64, weight: f64) {
        if expected < 1.0 {
            return; // counts this small say nothing about overdispersion
        }
        let v = expected + self.dispersion * expected * expected;
        let clipped = ((observed - expected).powi(2) / v).min(WINSOR);
        // The variance this window implies once clipped, as an overdispersion.
        let implied = (clipped / WINSOR_MEAN * v - expected) / (expected * expected);
        // Unclamped below: clamping the small-count negatives to 0 would bias φ upwards.
        let obs = implied.clamp(-MAX_DISPERSION, MAX_DISPERSION);
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

    /// A baseline whose every weekday-hour slot has a distinct, fully trusted rate: 1 + 24 ×
    /// weekday (Monday 0 … Sunday 6) + local hour.
    fn distinct(tz: Tz) -> Baseline {
        let mut b = Baseline::default();
        b.set_calendar(tz);
        for (d, day) in b.days.iter_mut().enumerate() {
            // Index 0 is Thursday (weekday 3 counted from Monday).
            let weekday = (d + 3) % 7;
            for (h, s) in day.iter_mut().enumerate() {
                *s = Slot {
                    rate: 1.0 + (24 * weekday + h) as f64,
                    seen: 1e12,
                };
            }
        }
        b
    }

    fn local_slot_rate<T: TimeZone>(t: DateTime<T>) -> f64 {
        use chrono::{Datelike, Timelike};
        1.0 + (24 * t.weekday().num_days_from_monday() + t.hour()) as f64
    }

    #[test]
    fn seven_weekday_profiles_follow_the_local_calendar_across_dst() {
        // Berlin: CET → CEST on 2026-03-29 at 01:00 UTC, back on 2026-10-25 at 01:00 UTC;
        // New York: EST → EDT on 2026-03-08 at 07:00 UTC.
        for tz in [Tz::UTC, Tz::Europe__Berlin, Tz::America__New_York] {
            let b = distinct(tz);
            for start in [
                "2026-03-01T00:30:00Z",
                "2026-03-27T00:30:00Z",
                "2026-10-23T00:30:00Z",
            ] {
                let mut t: DateTime<Utc> = start.parse().unwrap();
                for _ in 0..24 * 9 {
                    let want = local_slot_rate(t.with_timezone(&tz));
                    assert!((b.rate(t) - want).abs() < 1e-6, "{tz} {t}: {}", b.rate(t));
                    t += chrono::Duration::hours(1);
                }
            }
        }
    }

    #[test]
    fn expected_sums_local_hours_across_a_dst_change() {
        for tz in [Tz::UTC, Tz::Europe__Berlin] {
            let b = distinct(tz);
            // Windows that end on either side of the spring and autumn changes, some across.
            for end in [
                "2026-03-02T00:09:00Z",
                "2026-03-29T00:59:00Z",
                "2026-03-29T01:00:00Z",
                "2026-03-29T03:17:00Z",
                "2026-10-25T00:30:00Z",
                "2026-10-25T01:30:00Z",
                "2026-10-25T05:00:00Z",
            ] {
                let end: DateTime<Utc> = end.parse().unwrap();
                for minutes in [1, 15, 130, 360, 7 * 1440] {
                    // Minute by minute, each minute in its own local hour.
                    let want: f64 = (0..minutes)
                        .map(|m| {
                            local_slot_rate((end - chrono::Duration::minutes(m)).with_timezone(&tz))
                        })
                        .sum();
                    let got = b.expected(end, minutes);
                    assert!(
                        (got - want).abs() < 1e-6 * want,
                        "{tz} {end} {minutes}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn state_saved_with_weekday_and_weekend_hours_is_migrated() {
        let mut old = serde_json::to_value(Baseline::default()).unwrap();
        let obj = old.as_object_mut().unwrap();
        obj.remove("days");
        obj.remove("hours");
        let slot = |rate: f64| serde_json::json!({"rate": rate, "seen": 3000.0});
        let weekday: Vec<_> = (0..24).map(|_| slot(2.0)).collect();
        let weekend: Vec<_> = (0..24).map(|_| slot(0.5)).collect();
        obj.insert("slots".into(), serde_json::json!([weekday, weekend]));
        let mut b: Baseline = serde_json::from_value(old).unwrap();
        b.set_calendar(Tz::UTC);
        // Each weekday hour is shrunk a little towards the hour over all days (1.25 here).
        assert!(
            (b.rate(monday(10)) - 2.0).abs() < 0.05,
            "{}",
            b.rate(monday(10))
        );
        let saturday = monday(10) + chrono::Duration::days(5);
        assert!(
            (b.rate(saturday) - 0.5).abs() < 0.05,
            "{}",
            b.rate(saturday)
        );
        // Saved again, it is in the new form only.
        let j = serde_json::to_string(&b).unwrap();
        assert!(!j.contains("\"slots\"") && j.contains("\"days\""));
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
    fn rare_huge_windows_do_not_inflate_the_dispersion() {
        // Poisson-like scatter around 100, and one window in fifty twenty times the usual: the
        // plain moment estimate would make φ about 7 (clamped at 2) and blind the detector.
        let mut b = Baseline::default();
        for i in 0..5000 {
            let x = match i % 50 {
                0 => 2000.0,
                k if k % 2 == 0 => 90.0,
                _ => 110.0,
            };
            b.learn_window(x, 100.0, 1.0);
        }
        assert!(b.dispersion() < 0.05, "{}", b.dispersion());
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
