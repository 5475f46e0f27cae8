//! The alert lifecycle of one brand: ok → (pending) → warning → critical → resolved.
//!
//! A surge is announced when it has held for `min_duration` (a storm: for a minute), or at
//! once when it is critical.
//! Invariant: one surge gives one thread of notices — a firing notice when it starts, another
//! only when it gets worse (warning → critical, buzz → storm) or when `repeat_interval` has
//! passed, and one resolved notice when the numbers have stayed below the hysteresis line for a
//! whole `window`. After that, for `cooldown`, a new surge that is no worse than the last one
//! (same kind, same or lower level) is not announced again: a brand that flares up twice in an
//! afternoon is one story — unless it is larger than the last one at its height: then it is
//! announced as having flared up again. Worse news is never held back. The state is serialisable, so a
//! restart neither forgets nor repeats an alert.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alert::{Kind, Level, Status};
use crate::config::Thresholds;

use super::signal::Judgement;

/// An alert that has been announced and not yet resolved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Active {
    pub level: Level,
    pub kind: Kind,
    pub started_at: DateTime<Utc>,
    pub last_sent: DateTime<Utc>,
    /// Since when the numbers are below the hysteresis line.
    pub calm_since: Option<DateTime<Utc>>,
    /// Started by the long horizon (a slow burn).
    #[serde(default)]
    pub long: bool,
    /// The largest surge while it lasted (the window's ratio to the expected count).
    #[serde(default)]
    pub peak: f64,
}

/// A peak no surge exceeds, for alerts saved before peaks were kept (finite, so that it
/// serialises).
fn unknown_peak() -> f64 {
    f64::MAX
}

/// The last alert that resolved, for the cooldown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    pub level: Level,
    pub kind: Kind,
    pub at: DateTime<Utc>,
    /// The alert's largest surge (ratio to the expected count).
    #[serde(default = "unknown_peak")]
    pub peak: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// Since when a surge is seen that has not been announced yet.
    pub pending_since: Option<DateTime<Utc>>,
    pub active: Option<Active>,
    #[serde(default)]
    pub last_resolved: Option<Resolved>,
}

/// What the lifecycle decided to announce.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Announce {
    pub status: Status,
    pub level: Level,
    pub kind: Kind,
    pub started_at: DateTime<Utc>,
    /// Why a firing notice is sent: new, worse, or a reminder.
    pub repeat: bool,
    /// Within the cooldown of the last alert, larger than it was at its height (its peak).
    pub flared: Option<f64>,
}

/// How long a storm that is not yet critical must hold before it is announced.
const STORM_CONFIRM: chrono::Duration = chrono::Duration::seconds(60);

fn dur(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl Lifecycle {
    /// Whether a surge is being watched or announced (the baseline learns little meanwhile).
    pub fn busy(&self) -> bool {
        self.pending_since.is_some() || self.active.is_some()
    }

    pub fn level(&self) -> Level {
        self.active.map(|a| a.level).unwrap_or(Level::Ok)
    }

    /// Advances the lifecycle with the judgement at `now`. `warm` is false during warm-up,
    /// when only storms may start an alert; `long` says the judgement is the long horizon's.
    pub fn step(
        &mut self,
        now: DateTime<Utc>,
        j: &Judgement,
        t: &Thresholds,
        warm: bool,
        long: bool,
    ) -> Option<Announce> {
        let surging = j.level > Level::Ok && (warm || j.kind == Kind::Storm);
        let Some(a) = self.active.as_mut() else {
            let recent = self.last_resolved.filter(|r| now - r.at < dur(t.cooldown));
            let no_worse = recent
                .is_some_and(|r| j.level <= r.level && (j.kind == r.kind || j.kind != Kind::Storm));
            let flared = recent.filter(|r| j.size > r.peak).map(|r| r.peak);
            let cooling = no_worse && flared.is_none();
            if !surging || cooling {
                self.pending_since = None;
                return None;
            }
            let since = *self.pending_since.get_or_insert(now);
            // A storm already rests on two independent signals (volume and negativity), so it
            // waits only to be confirmed a minute later; other surges wait `min_duration`.
            let wait = if j.kind == Kind::Storm {
                dur(t.min_duration).min(STORM_CONFIRM)
            } else {
                dur(t.min_duration)
            };
            if !(j.obvious || now - since >= wait) {
                return None;
            }
            self.pending_since = None;
            self.active = Some(Active {
                level: j.level,
                kind: j.kind,
                started_at: since,
                last_sent: now,
                calm_since: None,
                long,
                peak: j.size,
            });
            return Some(Announce {
                status: Status::Firing,
                level: j.level,
                kind: j.kind,
                started_at: since,
                repeat: false,
                flared,
            });
        };
        if surging || j.holding {
            a.calm_since = None;
            a.peak = a.peak.max(j.size);
            let worse =
                surging && (j.level > a.level || (j.kind == Kind::Storm && a.kind != Kind::Storm));
            // Reminders only while it still surges, not while it merely lingers.
            let due = surging && now - a.last_sent >= dur(t.repeat_interval);
            if worse || due {
                if worse {
                    a.level = a.level.max(j.level);
                    if j.kind == Kind::Storm {
                        a.kind = Kind::Storm;
                    }
                }
                a.last_sent = now;
                return Some(Announce {
                    status: Status::Firing,
                    level: a.level,
                    kind: a.kind,
                    started_at: a.started_at,
                    repeat: !worse,
                    flared: None,
                });
            }
            return None;
        }
        let calm = *a.calm_since.get_or_insert(now);
        if now - calm < dur(t.window) {
            return None;
        }
        let done = *a;
        self.active = None;
        self.last_resolved = Some(Resolved {
            level: done.level,
            kind: done.kind,
            at: now,
            peak: done.peak,
        });
        Some(Announce {
            status: Status::Resolved,
            level: done.level,
            kind: done.kind,
            started_at: done.started_at,
            repeat: false,
            flared: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Defaults, with a two-minute `min_duration` to keep the traces short.
    fn th() -> Thresholds {
        Thresholds {
            min_duration: std::time::Duration::from_secs(120),
            ..Thresholds::default()
        }
    }

    fn t0() -> DateTime<Utc> {
        "2026-03-07T13:00:00Z".parse().unwrap()
    }
    fn min(m: i64) -> DateTime<Utc> {
        t0() + chrono::Duration::minutes(m)
    }
    fn surge(level: Level, kind: Kind) -> Judgement {
        Judgement {
            level,
            kind,
            holding: true,
            obvious: level == Level::Critical,
            surprise: 8.0,
            by_negatives: false,
            size: 40.0,
        }
    }
    const HOLD: Judgement = Judgement {
        holding: true,
        ..Judgement::CALM
    };

    #[test]
    fn a_warning_waits_for_min_duration_and_a_critical_does_not() {
        let t = th();
        let mut l = Lifecycle::default();
        let w = surge(Level::Warning, Kind::Buzz);
        assert_eq!(l.step(min(0), &w, &t, true, false), None);
        assert_eq!(l.step(min(1), &w, &t, true, false), None);
        let a = l.step(min(2), &w, &t, true, false).unwrap();
        assert_eq!(
            (a.status, a.level, a.started_at),
            (Status::Firing, Level::Warning, min(0))
        );
        let mut l = Lifecycle::default();
        let a = l.step(
            min(0),
            &surge(Level::Critical, Kind::Storm),
            &t,
            true,
            false,
        );
        assert_eq!(a.map(|a| a.level), Some(Level::Critical));
    }

    #[test]
    fn a_storm_needs_only_a_minute_of_confirmation_buzz_the_whole_min_duration() {
        let t = Thresholds::default();
        let mut l = Lifecycle::default();
        let storm = surge(Level::Warning, Kind::Storm);
        assert_eq!(l.step(min(0), &storm, &t, true, false), None);
        assert!(l.step(min(1), &storm, &t, true, false).is_some());
        let mut l = Lifecycle::default();
        let buzz = surge(Level::Warning, Kind::Buzz);
        for m in 0..10 {
            assert_eq!(l.step(min(m), &buzz, &t, true, false), None);
        }
        assert!(l.step(min(10), &buzz, &t, true, false).is_some());
    }

    #[test]
    fn a_blip_shorter_than_min_duration_is_forgotten() {
        let t = th();
        let mut l = Lifecycle::default();
        let w = surge(Level::Warning, Kind::Buzz);
        assert_eq!(l.step(min(0), &w, &t, true, false), None);
        assert_eq!(l.step(min(1), &Judgement::CALM, &t, true, false), None);
        assert_eq!(l.step(min(2), &w, &t, true, false), None);
        assert!(l.active.is_none());
    }

    #[test]
    fn one_thread_per_surge_escalation_repeat_and_resolution() {
        let t = th();
        let mut l = Lifecycle::default();
        let w = surge(Level::Warning, Kind::Buzz);
        l.step(min(0), &w, &t, true, false);
        assert!(l.step(min(2), &w, &t, true, false).is_some());
        // Same level again: silence.
        assert_eq!(l.step(min(3), &w, &t, true, false), None);
        // It turns negative: one notice, a storm now.
        let a = l
            .step(min(4), &surge(Level::Warning, Kind::Storm), &t, true, false)
            .unwrap();
        assert_eq!((a.kind, a.repeat), (Kind::Storm, false));
        // Worse: one notice.
        let a = l
            .step(
                min(5),
                &surge(Level::Critical, Kind::Storm),
                &t,
                true,
                false,
            )
            .unwrap();
        assert_eq!(a.level, Level::Critical);
        // Back to warning numbers: no notice, the level stays critical.
        assert_eq!(l.step(min(6), &w, &t, true, false), None);
        // Lingering above the hysteresis line for hours: no reminder, no resolution.
        for m in 7..(7 + 5 * 60) {
            assert_eq!(l.step(min(m), &HOLD, &t, true, false), None);
        }
        // Surging for hours: one reminder per repeat interval.
        let mut reminders = 0;
        for m in (7 + 5 * 60)..(7 + 10 * 60) {
            if let Some(a) = l.step(min(m), &w, &t, true, false) {
                assert!(a.repeat);
                reminders += 1;
            }
        }
        assert_eq!(reminders, 2);
        // Calm: resolves after a whole window, once.
        let calm_from = 7 + 10 * 60;
        let mut resolved = Vec::new();
        for m in calm_from..calm_from + 60 {
            if let Some(a) = l.step(min(m), &Judgement::CALM, &t, true, false) {
                resolved.push((m - calm_from, a));
            }
        }
        assert_eq!(resolved.len(), 1);
        assert_eq!(resolved[0].0, 15);
        assert_eq!(resolved[0].1.status, Status::Resolved);
        assert_eq!(resolved[0].1.started_at, min(0));
    }

    #[test]
    fn a_calm_spell_shorter_than_the_window_keeps_the_alert() {
        let t = th();
        let mut l = Lifecycle::default();
        l.step(
            min(0),
            &surge(Level::Critical, Kind::Storm),
            &t,
            true,
            false,
        );
        for m in 1..15 {
            assert_eq!(l.step(min(m), &Judgement::CALM, &t, true, false), None);
        }
        assert_eq!(
            l.step(
                min(20),
                &surge(Level::Critical, Kind::Storm),
                &t,
                true,
                false
            ),
            None
        );
        assert!(l.active.is_some());
    }

    #[test]
    fn after_resolving_only_worse_news_is_announced_within_the_cooldown() {
        let t = th();
        let mut l = Lifecycle::default();
        let buzz = surge(Level::Warning, Kind::Buzz);
        l.step(min(0), &buzz, &t, true, false);
        assert!(l.step(min(2), &buzz, &t, true, false).is_some());
        let mut resolved_at = None;
        for m in 3..40 {
            if l.step(min(m), &Judgement::CALM, &t, true, false).is_some() {
                resolved_at = Some(m);
            }
        }
        assert_eq!(resolved_at, Some(18));
        // The same buzz again an hour later: held back.
        for m in 80..90 {
            assert_eq!(l.step(min(m), &buzz, &t, true, false), None);
        }
        // A storm is worse news: announced.
        let storm = surge(Level::Warning, Kind::Storm);
        l.step(min(90), &storm, &t, true, false);
        assert_eq!(
            l.step(min(92), &storm, &t, true, false).map(|a| a.kind),
            Some(Kind::Storm)
        );
    }

    #[test]
    fn a_larger_surge_within_the_cooldown_is_announced_as_flared_up_again() {
        let t = th();
        let mut l = Lifecycle::default();
        let buzz = surge(Level::Warning, Kind::Buzz);
        l.step(min(0), &buzz, &t, true, false);
        assert_eq!(l.step(min(2), &buzz, &t, true, false).unwrap().flared, None);
        for m in 3..40 {
            l.step(min(m), &Judgement::CALM, &t, true, false);
        }
        assert!(l.active.is_none());
        // As large again: held back.
        for m in 60..70 {
            assert_eq!(l.step(min(m), &buzz, &t, true, false), None);
        }
        // Larger than the last one at its height: announced, saying so.
        let bigger = Judgement { size: 90.0, ..buzz };
        assert_eq!(l.step(min(80), &bigger, &t, true, false), None);
        let a = l.step(min(82), &bigger, &t, true, false).unwrap();
        assert_eq!((a.status, a.flared), (Status::Firing, Some(40.0)));
        // A resolved alert saved before peaks were kept never counts as exceeded.
        let r: Resolved = serde_json::from_str(
            r#"{"level":"warning","kind":"buzz","at":"2026-03-07T13:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(r.peak, f64::MAX);
        assert!(serde_json::to_string(&r).unwrap().contains("peak"));
    }

    #[test]
    fn during_warmup_only_storms_start_alerts() {
        let t = th();
        let mut l = Lifecycle::default();
        assert_eq!(
            l.step(
                min(0),
                &surge(Level::Critical, Kind::Buzz),
                &t,
                false,
                false
            ),
            None
        );
        assert!(l
            .step(
                min(1),
                &surge(Level::Critical, Kind::Storm),
                &t,
                false,
                false
            )
            .is_some());
    }

    #[test]
    fn survives_serialisation() {
        let t = th();
        let mut l = Lifecycle::default();
        l.step(
            min(0),
            &surge(Level::Critical, Kind::Storm),
            &t,
            true,
            false,
        );
        let mut back: Lifecycle =
            serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        assert_eq!(back, l);
        assert_eq!(
            back.step(
                min(1),
                &surge(Level::Critical, Kind::Storm),
                &t,
                true,
                false
            ),
            None
        );
    }
}
