//! Detector traces with a driven clock: the monitor as the engine uses it.

use super::*;
use crate::scenario::Rng;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn t0() -> DateTime<Utc> {
    at("2026-03-02T00:00:00Z") // a Monday
}

/// Feeds `days` of calm Poisson traffic (`per_hour` mentions at noon, fewer at night, 15 %
/// negative), ticking every minute; returns the notices.
fn calm(
    m: &mut BrandMonitor,
    rng: &mut Rng,
    from: DateTime<Utc>,
    days: i64,
    per_hour: f64,
) -> Vec<Notice> {
    let mut out = Vec::new();
    for minute in 0..days * 1440 {
        let t = from + Duration::minutes(minute);
        let hour = t.hour() as f64;
        let rhythm = 0.3 + 0.7 * (-(hour - 13.0).powi(2) / 18.0).exp();
        let n = rng.poisson(per_hour / 60.0 * rhythm);
        for _ in 0..n {
            m.record(t + Duration::seconds(30), Some(rng.chance(0.15)));
        }
        out.extend(m.tick(t + Duration::seconds(59)));
    }
    out
}

#[test]
fn a_negative_burst_on_a_fresh_monitor_fires_a_storm_once() {
    let mut m = BrandMonitor::new(&Thresholds::default(), t0());
    for _ in 0..120 {
        m.record(t0(), Some(true));
    }
    let n = m.tick(t0() + Duration::seconds(5)).expect("storm");
    assert_eq!(
        (n.status, n.kind, n.level),
        (Status::Firing, Kind::Storm, Level::Critical)
    );
    assert_eq!((n.mentions, n.negative), (120, 120));
    assert!(m.tick(t0() + Duration::seconds(10)).is_none());
}

#[test]
fn a_few_calm_posts_do_not_fire() {
    let mut m = BrandMonitor::new(&Thresholds::default(), t0());
    for _ in 0..5 {
        m.record(t0(), Some(true));
    }
    assert!(m.tick(t0()).is_none());
    assert!(m.tick(t0() + Duration::minutes(3)).is_none());
}

#[test]
fn calm_weeks_stay_quiet_and_a_storm_on_top_is_caught_fast_and_resolved() {
    let mut rng = Rng::new(7);
    let mut m = BrandMonitor::new(&Thresholds::default(), t0());
    let quiet = calm(&mut m, &mut rng, t0(), 14, 30.0);
    assert!(quiet.is_empty(), "{quiet:?}");
    // A storm at 14:00 on day 15: 8 negative posts a minute on top of ~0.5.
    let onset = t0() + Duration::days(14) + Duration::hours(14);
    let mut fired = None;
    for minute in 0..60 {
        let t = onset + Duration::minutes(minute);
        for _ in 0..8 {
            m.record(t, Some(rng.chance(0.9)));
        }
        if let Some(n) = m.tick(t + Duration::seconds(59)) {
            fired.get_or_insert((minute, n));
        }
    }
    let (delay, n) = fired.expect("storm caught");
    assert!(delay <= 10, "caught after {delay} minutes");
    assert_eq!((n.kind, n.status), (Kind::Storm, Status::Firing));
    // Afterwards calm again: exactly one resolved notice.
    let after = calm(&mut m, &mut rng, onset + Duration::hours(1), 1, 30.0);
    let resolved: Vec<_> = after
        .iter()
        .filter(|n| n.status == Status::Resolved)
        .collect();
    assert_eq!(resolved.len(), 1, "{after:?}");
    assert!(after
        .iter()
        .all(|n| n.status == Status::Resolved || n.kind == Kind::Storm));
}

#[test]
fn a_slow_burn_is_caught_by_the_long_horizon() {
    let mut rng = Rng::new(11);
    let mut m = BrandMonitor::new(&Thresholds::default(), t0());
    assert!(calm(&mut m, &mut rng, t0(), 7, 6.0).is_empty());
    // Over a day, negative posts creep up from nothing to 12 an hour: never a fast surge.
    let onset = t0() + Duration::days(7);
    let mut caught = None;
    for minute in 0..1440 {
        let t = onset + Duration::minutes(minute);
        let extra = 12.0 / 60.0 * minute as f64 / 1440.0 * 2.0;
        for _ in 0..rng.poisson(extra.min(0.2)) {
            m.record(t, Some(true));
        }
        for _ in 0..rng.poisson(0.1) {
            m.record(t, Some(rng.chance(0.15)));
        }
        if let Some(n) = m.tick(t + Duration::seconds(59)) {
            caught.get_or_insert((minute, n));
        }
    }
    let (minute, n) = caught.expect("slow burn caught within a day");
    assert_eq!(n.kind, Kind::Storm);
    assert_eq!(n.window_seconds, 6 * 3600, "{n:?}");
    assert!(minute > 60, "not a fast storm: {minute}");
}

#[test]
fn a_restart_neither_forgets_nor_repeats() {
    let mut m = BrandMonitor::new(&Thresholds::default(), t0());
    for _ in 0..120 {
        m.record(t0(), Some(true));
    }
    assert!(m.tick(t0()).is_some());
    let json = serde_json::to_string(&m).unwrap();
    assert!(json.len() < 64 * 1024, "{} bytes", json.len());
    let mut back: BrandMonitor = serde_json::from_str(&json).unwrap();
    back.set_thresholds(&Thresholds::default());
    assert!(back.tick(t0() + Duration::seconds(5)).is_none());
    assert_eq!(back.status(t0()).level, Level::Critical);
    assert_eq!(back.status(t0()).mentions, 120);
}

#[test]
fn a_post_dated_in_the_far_future_does_not_wipe_the_counts() {
    let mut m = BrandMonitor::new(&Thresholds::default(), t0());
    for _ in 0..10 {
        m.record(t0(), Some(false));
    }
    m.record(at("2099-01-01T00:00:00Z"), Some(false));
    assert_eq!(m.status(t0()).mentions, 10);
}

#[test]
fn volume_only_counts_alert_as_volume() {
    let mut m = BrandMonitor::new(&Thresholds::default(), t0());
    let mut rng = Rng::new(3);
    for minute in 0..3 * 1440 {
        let t = t0() + Duration::minutes(minute);
        m.record_n(t, rng.poisson(2.0), None);
        assert!(m.tick(t).is_none(), "minute {minute}");
    }
    // One bucket alone, however full, is not a surge that is not negative…
    let t = t0() + Duration::days(3);
    m.record_n(t, 400, None);
    assert!(m.tick(t).is_none());
    // …a second one makes it one at once (critical: no `min_duration` wait).
    let t = t + Duration::minutes(1);
    m.record_n(t, 400, None);
    let n = m.tick(t).expect("surge");
    assert_eq!((n.kind, n.level), (Kind::Volume, Level::Critical));
    assert_eq!(n.reasons.len(), 2, "{:?}", n.reasons);
}
