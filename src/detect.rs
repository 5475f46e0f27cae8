//! Detection per brand: the observed count in the window against the count expected from the
//! baseline, and the negative share against its usual level.
//!
//! FIRST VERSION: an exponentially weighted per-minute baseline with a fixed prior, a
//! velocity-factor test and a negative-share test, and a simple lifecycle. The detection issue
//! replaces this with a seasonal count model and tail probabilities; keep the public interface
//! ([`BrandMonitor`], [`Notice`], [`BrandStatus`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alert::{Kind, Level, Status};
use crate::config::Thresholds;
use crate::window::MinuteRing;

/// What a tick decided should be announced: the start of an alert, an escalation, or its end.
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

/// A brand's current numbers, for the API and the dashboard.
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

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Active {
    level: Level,
    kind: Kind,
    started_at: DateTime<Utc>,
    quiet_ticks: u32,
}

/// The detector and alert lifecycle of one brand. Serializable, so a restart resumes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BrandMonitor {
    #[serde(skip, default)]
    thresholds: Option<Thresholds>,
    ring: MinuteRing,
    /// Expected mentions per minute.
    rate: f64,
    /// Usual share of negative mentions among scored ones.
    neg_share: f64,
    last_baseline_minute: i64,
    active: Option<Active>,
}

const PRIOR_RATE_PER_MINUTE: f64 = 0.2;
const PRIOR_NEG_SHARE: f64 = 0.15;

impl BrandMonitor {
    pub fn new(thresholds: &Thresholds, now: DateTime<Utc>) -> Self {
        BrandMonitor {
            thresholds: Some(thresholds.clone()),
            ring: MinuteRing::new(24 * 60, now),
            rate: PRIOR_RATE_PER_MINUTE,
            neg_share: PRIOR_NEG_SHARE,
            last_baseline_minute: now.timestamp().div_euclid(60),
            active: None,
        }
    }

    /// Applies new thresholds (after a reload) without losing history.
    pub fn set_thresholds(&mut self, t: &Thresholds) {
        self.thresholds = Some(t.clone());
    }

    fn t(&self) -> Thresholds {
        self.thresholds.clone().unwrap_or_default()
    }

    /// Counts one mention; `negative` is `None` when its sentiment is unknown.
    pub fn record(&mut self, at: DateTime<Utc>, negative: Option<bool>) {
        self.ring.record(at, negative);
    }

    fn window_minutes(&self) -> usize {
        (self.t().window.as_secs() / 60).max(1) as usize
    }

    fn update_baseline(&mut self, now: DateTime<Utc>) {
        let minute = now.timestamp().div_euclid(60);
        while self.last_baseline_minute < minute {
            self.last_baseline_minute += 1;
            if self.active.is_some() {
                continue; // a storm must not become the new normal
            }
            let at = DateTime::from_timestamp(self.last_baseline_minute * 60, 0).unwrap_or(now);
            let b = self.ring.sum(at, 1);
            let alpha = 1.0 / (6.0 * 60.0);
            self.rate += alpha * (b.mentions as f64 - self.rate);
            if b.scored > 0 {
                let share = b.negative as f64 / b.scored as f64;
                self.neg_share += alpha * (share - self.neg_share);
            }
        }
    }

    /// Evaluates the window at `now`; returns what to announce, if anything.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Option<Notice> {
        let t = self.t();
        let st = self.status(now);
        let surge = st.mentions >= t.min_mentions && st.velocity_ratio >= t.velocity_factor;
        let negative = st.negative_share >= t.negative_share
            && st.negative_share >= st.usual_negative_share * 1.5;
        let scored = st.kind != Some(Kind::Volume);
        let kind = if !scored {
            Kind::Volume
        } else if negative {
            Kind::Storm
        } else {
            Kind::Buzz
        };
        let level =
            if st.velocity_ratio >= 2.0 * t.velocity_factor && st.mentions >= 2 * t.min_mentions {
                Level::Critical
            } else {
                Level::Warning
            };
        let notice = |status, level, kind, started_at, reasons| Notice {
            status,
            level,
            kind,
            started_at,
            window_seconds: st.window_seconds,
            mentions: st.mentions,
            negative: st.negative,
            negative_share: st.negative_share,
            expected: st.expected,
            velocity_ratio: st.velocity_ratio,
            reasons,
        };
        let out = match self.active.as_mut() {
            None if surge => {
                self.active = Some(Active {
                    level,
                    kind,
                    started_at: now,
                    quiet_ticks: 0,
                });
                Some(notice(Status::Firing, level, kind, now, reasons(&st, &t)))
            }
            None => None,
            Some(a) if surge => {
                a.quiet_ticks = 0;
                let escalate = level > a.level || (kind == Kind::Storm && a.kind == Kind::Buzz);
                if escalate {
                    a.level = a.level.max(level);
                    a.kind = kind;
                    let (l, k, s) = (a.level, a.kind, a.started_at);
                    Some(notice(Status::Firing, l, k, s, reasons(&st, &t)))
                } else {
                    None
                }
            }
            Some(a) => {
                a.quiet_ticks += 1;
                if st.mentions < t.min_mentions / 2 + 1 || st.velocity_ratio < 1.5 {
                    let (l, k, s) = (a.level, a.kind, a.started_at);
                    self.active = None;
                    Some(notice(
                        Status::Resolved,
                        l,
                        k,
                        s,
                        vec!["mentions are back to the usual level".into()],
                    ))
                } else {
                    None
                }
            }
        };
        self.update_baseline(now);
        out
    }

    /// The brand's current numbers at `now`.
    pub fn status(&mut self, now: DateTime<Utc>) -> BrandStatus {
        let minutes = self.window_minutes();
        let sum = self.ring.sum(now, minutes);
        let expected = (self.rate * minutes as f64).max(0.1);
        let share = if sum.scored > 0 {
            sum.negative as f64 / sum.scored as f64
        } else {
            0.0
        };
        BrandStatus {
            level: self.active.as_ref().map(|a| a.level).unwrap_or(Level::Ok),
            kind: if sum.mentions > 0 && sum.scored == 0 {
                Some(Kind::Volume)
            } else {
                self.active.as_ref().map(|a| a.kind)
            },
            window_seconds: minutes as u64 * 60,
            mentions: sum.mentions as u64,
            negative: sum.negative as u64,
            negative_share: share,
            usual_negative_share: self.neg_share,
            expected,
            velocity_ratio: sum.mentions as f64 / expected,
            since: self.active.as_ref().map(|a| a.started_at),
        }
    }
}

fn reasons(st: &BrandStatus, _t: &Thresholds) -> Vec<String> {
    let window = crate::config::duration::format(std::time::Duration::from_secs(st.window_seconds));
    let mut r = vec![format!(
        "{} mentions in {window}, {:.1}x the expected {:.1}",
        st.mentions, st.velocity_ratio, st.expected
    )];
    if st.kind != Some(Kind::Volume) {
        r.push(format!(
            "{:.0}% negative (usual: {:.0}%)",
            st.negative_share * 100.0,
            st.usual_negative_share * 100.0
        ));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_negative_burst_on_a_fresh_monitor_fires_a_storm_once() {
        let t0 = at("2026-03-07T13:00:00Z");
        let mut m = BrandMonitor::new(&Thresholds::default(), t0);
        for _ in 0..120 {
            m.record(t0, Some(true));
        }
        let n = m.tick(t0).expect("storm");
        assert_eq!((n.status, n.kind), (Status::Firing, Kind::Storm));
        assert!(m.tick(t0 + chrono::Duration::seconds(5)).is_none());
    }

    #[test]
    fn a_few_calm_posts_do_not_fire() {
        let t0 = at("2026-03-07T13:00:00Z");
        let mut m = BrandMonitor::new(&Thresholds::default(), t0);
        for _ in 0..5 {
            m.record(t0, Some(false));
        }
        assert!(m.tick(t0).is_none());
    }
}
