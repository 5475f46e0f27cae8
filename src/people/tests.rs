//! Routing and release against a real (in-memory) store, with the clock as a parameter.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::*;
use crate::alert::{Level, Status};
use crate::config::notify::{ChannelFilter, WebhookChannel, WebhookFormat};
use crate::config::time_intervals::{Routing, TimeInterval, TimeRange};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn hook(name: &str, routing: Routing) -> WebhookChannel {
    WebhookChannel {
        name: name.into(),
        url: "http://127.0.0.1:9/hook".parse().unwrap(),
        format: WebhookFormat::Json,
        secret: None,
        filter: ChannelFilter {
            brands: None,
            min_level: Level::Warning,
            rate_per_minute: 10,
            send_resolved: true,
            routing,
        },
        timeout: Duration::from_secs(1),
        locale: Default::default(),
        receiver: Default::default(),
        digest_at: None,
    }
}

/// 22:00-07:00 in Berlin, every day.
fn nights() -> TimeInterval {
    TimeInterval {
        name: "nachts".into(),
        timezone: chrono_tz::Europe::Berlin,
        times: vec![TimeRange::hm((22, 0), (7, 0))],
        weekdays: [true; 7],
    }
}

/// One webhook "chat" muted by [`nights`].
fn chat_muted_at_night() -> NotifyConfig {
    NotifyConfig {
        webhook: vec![hook(
            "chat",
            Routing {
                mute: vec![nights()],
                ..Default::default()
            },
        )],
        ..Default::default()
    }
}

fn notice(id: &str, level: Level, status: Status, at: DateTime<Utc>) -> AlertEvent {
    let mut e = AlertEvent::new(id, "Nordwind", status, level, Kind::Storm, at);
    e.started_at = t("2026-12-07T22:30:00Z");
    e
}

fn queued(store: &Store, channel: &str) -> Vec<String> {
    store
        .outbox_due(t("2030-01-01T00:00:00Z"), 100)
        .unwrap()
        .into_iter()
        .filter(|o| o.channel == channel)
        .map(|o| o.payload.id())
        .collect()
}

fn record(store: &Store, notify: &NotifyConfig, e: AlertEvent, now: DateTime<Utc>) -> Routed {
    let r = route(store, notify, &mut [e], now).remove(0);
    store
        .record_routed(std::slice::from_ref(&r), &[], now)
        .unwrap();
    r
}

#[test]
fn a_mute_interval_holds_a_warning_passes_a_critical_and_releases_at_its_end() {
    let store = Store::in_memory().unwrap();
    let notify = NotifyConfig {
        webhook: vec![
            hook(
                "chat",
                Routing {
                    mute: vec![nights()],
                    ..Default::default()
                },
            ),
            hook("pager", Routing::default()),
        ],
        ..Default::default()
    };
    // 23:30 in Berlin: the warning waits for chat, goes to pager.
    let night = t("2026-12-07T22:30:00Z");
    let r = record(
        &store,
        &notify,
        notice("w1", Level::Warning, Status::Firing, night),
        night,
    );
    assert_eq!(r.channels, vec!["pager"]);
    assert_eq!(r.holds.len(), 1);
    assert_eq!(store.held_counts().unwrap()[0], ("interval", 1));
    // Still night: nothing released.
    let later = t("2026-12-08T05:59:00Z");
    assert_eq!(
        release_held(&store, &notify, |_| true, later)
            .unwrap()
            .queued,
        0
    );
    assert!(queued(&store, "chat").is_empty());
    // 07:00 Berlin: released once, if still firing.
    let morning = t("2026-12-08T06:00:00Z");
    assert_eq!(
        release_held(&store, &notify, |_| true, morning)
            .unwrap()
            .queued,
        1
    );
    assert_eq!(
        release_held(&store, &notify, |_| true, morning)
            .unwrap()
            .queued,
        0
    );
    assert_eq!(queued(&store, "chat"), vec!["w1"]);

    // A critical at night goes through at once.
    let night2 = t("2026-12-08T23:00:00Z");
    let mut c = notice("c1", Level::Critical, Status::Firing, night2);
    c.started_at = night2;
    let r = record(&store, &notify, c, night2);
    assert_eq!(r.channels, vec!["chat", "pager"]);
    assert!(r.holds.is_empty());
}

#[test]
fn a_held_warning_whose_alert_ended_is_not_released_nor_its_resolved_notice_sent() {
    let store = Store::in_memory().unwrap();
    let notify = chat_muted_at_night();
    let night = t("2026-12-07T22:30:00Z");
    record(
        &store,
        &notify,
        notice("w1", Level::Warning, Status::Firing, night),
        night,
    );
    // It resolves during the night: chat never heard of it, so gets no resolved notice.
    let r = record(
        &store,
        &notify,
        notice("r1", Level::Warning, Status::Resolved, night),
        night,
    );
    assert!(r.channels.is_empty() && r.holds.is_empty(), "{r:?}");
    let morning = t("2026-12-08T06:30:00Z");
    assert_eq!(
        release_held(&store, &notify, |_| false, morning)
            .unwrap()
            .queued,
        0
    );
    assert!(queued(&store, "chat").is_empty());
    assert!(store.held_notices().unwrap().is_empty());
}

#[test]
fn active_intervals_hold_outside_them() {
    let office = TimeInterval {
        name: "buero".into(),
        timezone: chrono_tz::Europe::Berlin,
        times: vec![TimeRange::hm((9, 0), (17, 0))],
        weekdays: [true, true, true, true, true, false, false],
    };
    let store = Store::in_memory().unwrap();
    let notify = NotifyConfig {
        webhook: vec![hook(
            "office",
            Routing {
                active: vec![office],
                ..Default::default()
            },
        )],
        ..Default::default()
    };
    // Saturday noon: held until Monday 09:00.
    let sat = t("2026-12-05T11:00:00Z");
    let r = record(
        &store,
        &notify,
        notice("w1", Level::Warning, Status::Firing, sat),
        sat,
    );
    assert!(r.channels.is_empty());
    assert_eq!(
        release_held(&store, &notify, |_| true, t("2026-12-07T07:59:00Z"))
            .unwrap()
            .queued,
        0
    );
    assert_eq!(
        release_held(&store, &notify, |_| true, t("2026-12-07T08:00:00Z"))
            .unwrap()
            .queued,
        1
    );
}

fn escalation_config() -> NotifyConfig {
    NotifyConfig {
        webhook: vec![
            hook("team", Routing::default()),
            hook(
                "boss",
                Routing {
                    escalate_after: Some(Duration::from_secs(900)),
                    ..Default::default()
                },
            ),
        ],
        ..Default::default()
    }
}

#[test]
fn an_unacknowledged_critical_escalates_and_then_gets_its_resolved_notice() {
    let store = Store::in_memory().unwrap();
    let notify = escalation_config();
    let t0 = t("2026-12-07T10:00:00Z");
    let mut w = notice("w1", Level::Warning, Status::Firing, t0);
    w.started_at = t0;
    let r = record(&store, &notify, w, t0);
    assert_eq!(r.channels, vec!["team"], "a warning never escalates");
    assert!(r.holds.is_empty());
    let t1 = t0 + chrono::Duration::minutes(5);
    let mut c = notice("c1", Level::Critical, Status::Firing, t1);
    c.started_at = t0;
    let r = record(&store, &notify, c, t1);
    assert_eq!(r.channels, vec!["team"]);
    // Due 15 minutes after the thread first fired (t0), not after the critical notice.
    assert_eq!(r.holds[0].due_at, Some(t0 + chrono::Duration::minutes(15)));
    assert_eq!(
        release_held(
            &store,
            &notify,
            |_| true,
            t0 + chrono::Duration::minutes(14)
        )
        .unwrap()
        .queued,
        0
    );
    assert_eq!(
        release_held(
            &store,
            &notify,
            |_| true,
            t0 + chrono::Duration::minutes(15)
        )
        .unwrap()
        .queued,
        1
    );
    assert_eq!(queued(&store, "boss"), vec!["c1"]);
    // A later critical of the same thread goes straight to boss; so does the resolved notice.
    let t2 = t0 + chrono::Duration::minutes(30);
    let mut c2 = notice("c2", Level::Critical, Status::Firing, t2);
    c2.started_at = t0;
    assert_eq!(
        record(&store, &notify, c2, t2).channels,
        vec!["team", "boss"]
    );
    let mut res = notice("res", Level::Critical, Status::Resolved, t2);
    res.started_at = t0;
    assert_eq!(
        record(&store, &notify, res, t2).channels,
        vec!["team", "boss"]
    );
}

#[test]
fn an_acknowledged_thread_never_escalates_and_its_resolved_notice_skips_the_escalation() {
    let store = Store::in_memory().unwrap();
    let notify = escalation_config();
    let t0 = t("2026-12-07T10:00:00Z");
    let mut c = notice("c1", Level::Critical, Status::Firing, t0);
    c.started_at = t0;
    record(&store, &notify, c, t0);
    store
        .ack_thread("c1", "anna", "", t0 + chrono::Duration::minutes(3))
        .unwrap();
    assert_eq!(
        release_held(
            &store,
            &notify,
            |_| true,
            t0 + chrono::Duration::minutes(20)
        )
        .unwrap()
        .queued,
        0
    );
    assert!(queued(&store, "boss").is_empty());
    assert!(
        store.held_notices().unwrap().is_empty(),
        "the hold ends, dropped"
    );
    let mut res = notice(
        "res",
        Level::Critical,
        Status::Resolved,
        t0 + chrono::Duration::hours(1),
    );
    res.started_at = t0;
    assert_eq!(
        record(&store, &notify, res, t0 + chrono::Duration::hours(1)).channels,
        vec!["team"]
    );
}

#[test]
fn a_silenced_reach_alert_and_source_notice_are_released_at_the_silence_end() {
    let store = Store::in_memory().unwrap();
    let notify = NotifyConfig {
        webhook: vec![hook("team", Routing::default())],
        ..Default::default()
    };
    let t0 = t("2026-12-07T10:00:00Z");
    store
        .add_silence(&Silence {
            id: "s1".into(),
            brand: "*".into(),
            kinds: vec![],
            starts_at: t0,
            ends_at: t0 + chrono::Duration::hours(1),
            comment: "Wartung".into(),
            created_by: "anna".into(),
        })
        .unwrap();
    let mut reach = notice("r1", Level::Warning, Status::Firing, t0);
    reach.kind = Kind::Reach;
    let mut src = AlertEvent::new(
        "src1",
        "rss:feed",
        Status::Firing,
        Level::Warning,
        Kind::Source,
        t0,
    );
    src.started_at = t0;
    let mut storm = notice("s1n", Level::Warning, Status::Firing, t0);
    storm.started_at = t0;
    let routed = route(&store, &notify, &mut [storm, reach, src], t0);
    assert!(routed.iter().all(|r| r.channels.is_empty()));
    store.record_routed(&routed, &[], t0).unwrap();
    assert_eq!(store.held_counts().unwrap()[2], ("silence", 3));
    // The storm has calmed meanwhile (the detector says so); the reach alert and the source
    // notice have no detector state and are still current.
    let end = t0 + chrono::Duration::hours(1);
    assert_eq!(release_ended(&store, &notify, |_| false, end).unwrap(), 2);
    let mut ids = queued(&store, "team");
    ids.sort();
    assert_eq!(ids, vec!["r1", "src1"]);
    assert_eq!(store.held_counts().unwrap()[2], ("silence", 0));
}

#[test]
fn a_silence_release_skips_a_reminder_of_an_acknowledged_thread() {
    let store = Store::in_memory().unwrap();
    let notify = NotifyConfig {
        webhook: vec![hook("team", Routing::default())],
        ..Default::default()
    };
    let t0 = t("2026-12-07T10:00:00Z");
    let mut first = notice("a1", Level::Warning, Status::Firing, t0);
    first.started_at = t0;
    record(&store, &notify, first, t0);
    store.ack_thread("a1", "anna", "", t0).unwrap();
    store
        .add_silence(&Silence {
            id: "s1".into(),
            brand: "Nordwind".into(),
            kinds: vec![],
            starts_at: t0,
            ends_at: t0 + chrono::Duration::minutes(30),
            comment: "x".into(),
            created_by: "anna".into(),
        })
        .unwrap();
    let t1 = t0 + chrono::Duration::minutes(10);
    let mut reminder = notice("a2", Level::Warning, Status::Firing, t1);
    reminder.started_at = t0;
    record(&store, &notify, reminder, t1);
    let end = t0 + chrono::Duration::minutes(30);
    assert_eq!(release_ended(&store, &notify, |_| true, end).unwrap(), 0);
    assert_eq!(queued(&store, "team"), vec!["a1"]);
}

#[test]
fn a_held_warning_is_released_at_seven_local_time_on_the_fall_back_day() {
    // 2026-10-25: the night in Berlin is 25 hours long; it ends at 07:00 CET = 06:00 UTC,
    // an hour later in UTC than the night before.
    let store = Store::in_memory().unwrap();
    let notify = chat_muted_at_night();
    let night = t("2026-10-24T23:00:00Z");
    let mut w = notice("w1", Level::Warning, Status::Firing, night);
    w.started_at = night;
    let r = record(&store, &notify, w, night);
    assert!(r.channels.is_empty() && r.holds.len() == 1, "{r:?}");
    let release = |at: &str| {
        release_held(&store, &notify, |_| true, t(at))
            .unwrap()
            .queued
    };
    assert_eq!(release("2026-10-25T05:00:00Z"), 0, "06:00 CET: still night");
    assert_eq!(release("2026-10-25T05:59:59Z"), 0);
    assert_eq!(release("2026-10-25T06:00:00Z"), 1, "07:00 CET");
}
