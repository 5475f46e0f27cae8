//! The daily digest: once a day, at a channel's `digest_at` in its time zone, one message
//! with each brand's volume and negative share over the day, the alerts raised, and the
//! notices held back or that were buzz. This module decides when a digest is due and builds
//! it from the store; [`crate::notify::digest`] is the value, [`crate::notify::digest_render`]
//! its words, and the outbox delivers it like an alert (retries, rate limits).
//!
//! Invariant: exactly one digest per channel and local date. [`queue_due`] only ever
//! considers the latest digest time at or before now ([`schedule::latest`]), so after any
//! downtime at most one — the latest day's — digest is sent late, never a backlog; and a
//! digest is recorded in the same transaction that queues it ([`Store::queue_digest`]), so a
//! restart or a kill -9 can neither lose it once queued nor queue it twice. A channel that is
//! new (or was given `digest_at` just now) gets the latest day's digest right away.
//! The store work runs on the blocking pool; the task ends on shutdown.

pub mod schedule;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use tokio::sync::{watch, Notify};

use crate::config::notify::{ChannelFilter, Locale};
use crate::config::Config;
use crate::notify::digest::{BrandDigest, Digest, DigestType};
use crate::shutdown::Shutdown;
use crate::store::{Store, StoreError};

/// The longest sleep between two looks: the wall clock may jump (suspend, NTP) while the
/// runtime's monotonic timer does not, so the task looks again at least this often.
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// The pause after a failed database call.
const DB_PAUSE: Duration = Duration::from_secs(30);

/// The wall clock the task reads: `Utc::now` in the daemon; tests drive their own.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// One channel that wants a digest, as [`queue_due`] needs it.
#[derive(Debug, Clone)]
struct DigestChannel<'a> {
    name: &'a str,
    at: NaiveTime,
    locale: Locale,
    filter: &'a ChannelFilter,
}

fn channels(config: &Config) -> Vec<DigestChannel<'_>> {
    let email = config.notify.email.iter().filter_map(|e| {
        Some(DigestChannel {
            name: &e.name,
            at: e.digest_at?,
            locale: e.locale,
            filter: &e.filter,
        })
    });
    let webhook = config.notify.webhook.iter().filter_map(|w| {
        Some(DigestChannel {
            name: &w.name,
            at: w.digest_at?,
            locale: w.locale,
            filter: &w.filter,
        })
    });
    email.chain(webhook).collect()
}

/// Builds `channel`'s digest of `date` from the store: the channel's brands (its `brands`, or
/// every brand), in config order.
fn build(
    store: &Store,
    config: &Config,
    ch: &DigestChannel<'_>,
    date: NaiveDate,
) -> Result<Digest, StoreError> {
    let tz = ch.locale.timezone;
    let (from, to) = schedule::period(date, ch.at, tz);
    let notices = store.alerts_between(from, to)?;
    let mut brands = Vec::new();
    for b in &config.brands {
        if !ch
            .filter
            .brands
            .as_ref()
            .is_none_or(|l| l.contains(&b.name))
        {
            continue;
        }
        let (mentions, negative) = store.archive_totals(&b.name, from, to)?;
        brands.push(BrandDigest::new(&b.name, mentions, negative, &notices));
    }
    Ok(Digest {
        kind: DigestType::Digest,
        version: 1,
        channel: ch.name.to_string(),
        date,
        at: Digest::at_text(ch.at),
        timezone: tz.name().to_string(),
        from,
        to,
        brands,
    })
}

/// Queues every digest due at `now` that was not queued yet; returns the (channel, date) of
/// each one queued. Blocks: call it on the blocking pool.
pub fn queue_due(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Vec<(String, NaiveDate)>, StoreError> {
    let mut queued = Vec::new();
    for ch in channels(config) {
        let (date, _) = schedule::latest(now, ch.at, ch.locale.timezone);
        if store.digest_queued(ch.name, date)? {
            continue;
        }
        let digest = build(store, config, &ch, date)?;
        if store.queue_digest(&digest, now)? {
            queued.push((ch.name.to_string(), date));
        }
    }
    Ok(queued)
}

/// When the next digest of any channel is due after `now`.
pub fn next_due(config: &Config, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    channels(config)
        .iter()
        .map(|ch| schedule::next_after(now, ch.at, ch.locale.timezone))
        .min()
}

/// The digest task: queues each channel's digest when it is due and wakes the outbox; looks
/// again at the next digest time, after a config change, and at least every minute. Ends on
/// shutdown. `clock` is the wall clock (`Utc::now` in the daemon).
pub async fn run(
    store: Arc<Store>,
    mut config: watch::Receiver<Arc<Config>>,
    outbox_wake: Arc<Notify>,
    clock: Clock,
    mut shutdown: Shutdown,
) {
    let mut config_open = true;
    loop {
        let cfg = config.borrow_and_update().clone();
        let mut pause = MAX_SLEEP;
        if !channels(&cfg).is_empty() {
            let (s, c) = (store.clone(), cfg.clone());
            let now = clock();
            match tokio::task::spawn_blocking(move || queue_due(&s, &c, now)).await {
                Ok(Ok(queued)) => {
                    for (channel, date) in &queued {
                        tracing::info!(channel = %channel, %date, "Daily digest queued.");
                    }
                    if !queued.is_empty() {
                        outbox_wake.notify_one();
                    }
                }
                Ok(Err(error)) => {
                    tracing::error!(%error, "Cannot queue the daily digest; trying again.");
                    pause = DB_PAUSE;
                }
                Err(error) => {
                    tracing::error!(%error, "The daily digest task failed; trying again.");
                    pause = DB_PAUSE;
                }
            }
            let now = clock();
            if let Some(next) = next_due(&cfg, now) {
                let until = (next - now).to_std().unwrap_or_default();
                pause = pause.min(until);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            changed = config.changed(), if config_open => {
                if changed.is_err() {
                    config_open = false;
                }
            }
            _ = shutdown.recv() => break,
        }
    }
    tracing::debug!("Digest task stopped.");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::AlertEvent;
    use crate::alert::{Kind, Level, Status};
    use crate::mention::Mention;
    use crate::sentiment::Label;
    use crate::store::Payload;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn config() -> Config {
        let src = r#"
[[brands]]
name = "Nordwind Energie"
keywords = ["nordwind"]
[[brands]]
name = "Stadtwerke Süd"
keywords = ["stadtwerke"]
[[brands]]
name = "Other"
keywords = ["other"]

[[notify.email]]
name = "pr-team"
smtp_host = "127.0.0.1"
from = "a@example.org"
to = ["b@example.org"]
language = "de"
timezone = "Europe/Berlin"
digest_at = "08:00"
brands = ["Nordwind Energie", "Stadtwerke Süd"]

[[notify.webhook]]
name = "hook"
url = "http://127.0.0.1:1/x"
digest_at = "07:30"

[[notify.webhook]]
name = "no-digest"
url = "http://127.0.0.1:1/y"
"#;
        crate::config::parse(src, std::path::Path::new("t.toml")).unwrap()
    }

    /// Archives one mention per `(brand, at, label)`.
    fn archive(s: &Store, rows: &[(&str, &str, Label)]) {
        let mut tx = s.begin_ingest(Utc::now()).unwrap();
        for (i, &(brand, at, label)) in rows.iter().enumerate() {
            let key = format!("{brand}-{at}-{i}");
            tx.mark_seen(&key).unwrap();
            let mut m = Mention::new(format!("post {i}"));
            m.id = Some(key.clone());
            m.created_at = Some(t(at));
            tx.archive(brand, &key, &m, t(at).timestamp(), "de", -0.5, label)
                .unwrap();
        }
        tx.commit().unwrap();
    }

    fn notice(id: &str, brand: &str, kind: Kind, at: &str) -> AlertEvent {
        AlertEvent::new(id, brand, Status::Firing, Level::Critical, kind, t(at))
            .with_counts(61, 50, 0.82)
            .with_window_seconds(900)
    }

    fn digests(s: &Store) -> Vec<Digest> {
        s.outbox_due(t("2100-01-01T00:00:00Z"), 100)
            .unwrap()
            .into_iter()
            .filter_map(|r| match r.payload {
                Payload::Digest(d) => Some(*d),
                Payload::Alert(_) => None,
            })
            .collect()
    }

    #[test]
    fn the_digest_holds_each_brands_day_from_the_store() {
        let s = Store::in_memory().unwrap();
        let cfg = config();
        use Label::*;
        archive(
            &s,
            &[
                // Before the period (07:00 UTC on 1 December is 08:00 in Berlin).
                ("Nordwind Energie", "2026-12-01T06:59:00Z", Negative),
                ("Nordwind Energie", "2026-12-01T07:00:00Z", Negative),
                ("Nordwind Energie", "2026-12-01T15:00:00Z", Negative),
                ("Nordwind Energie", "2026-12-01T15:01:00Z", Neutral),
                ("Nordwind Energie", "2026-12-02T06:59:59Z", Positive),
                // After it.
                ("Nordwind Energie", "2026-12-02T07:00:00Z", Negative),
                ("Other", "2026-12-01T12:00:00Z", Negative),
            ],
        );
        let mut held = notice(
            "n2",
            "Nordwind Energie",
            Kind::Storm,
            "2026-12-01T20:00:00Z",
        );
        held.brief.silenced_by = Some("s-1".into());
        let buzz = notice("n3", "Nordwind Energie", Kind::Buzz, "2026-12-02T05:00:00Z");
        let storm = notice(
            "n1",
            "Nordwind Energie",
            Kind::Storm,
            "2026-12-01T15:05:00Z",
        );
        let old = notice(
            "n0",
            "Nordwind Energie",
            Kind::Storm,
            "2026-11-30T15:05:00Z",
        );
        for e in [&held, &buzz, &storm, &old] {
            s.record_alert(e, &[], e.observed_at).unwrap();
        }
        // 08:30 in Berlin on 2 December: pr-team's digest (08:00 Berlin) and hook's (07:30
        // UTC) are due.
        let queued = queue_due(&s, &cfg, t("2026-12-02T07:30:05Z")).unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(
            queued,
            vec![("pr-team".to_string(), date), ("hook".to_string(), date)]
        );
        let all = digests(&s);
        let d = all.iter().find(|d| d.channel == "pr-team").unwrap();
        assert_eq!(
            (d.from, d.to),
            (t("2026-12-01T07:00:00Z"), t("2026-12-02T07:00:00Z"))
        );
        assert_eq!(d.timezone, "Europe/Berlin");
        let names: Vec<&str> = d.brands.iter().map(|b| b.brand.as_str()).collect();
        assert_eq!(
            names,
            vec!["Nordwind Energie", "Stadtwerke Süd"],
            "the channel's brands"
        );
        let nw = &d.brands[0];
        assert_eq!((nw.mentions, nw.negative), (4, 2));
        assert_eq!(nw.negative_share, 0.5);
        let ids = |l: &[crate::notify::digest::DigestNotice]| {
            l.iter().map(|n| n.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ids(&nw.alerts), vec!["n1"]);
        assert_eq!(ids(&nw.held), vec!["n2"]);
        assert_eq!(ids(&nw.buzz), vec!["n3"]);
        assert_eq!((d.brands[1].mentions, d.brands[1].is_quiet()), (0, true));
        // The webhook without `brands` covers every brand; its day starts at 07:30 UTC.
        let h = all.iter().find(|d| d.channel == "hook").unwrap();
        assert_eq!(h.brands.len(), 3);
        assert_eq!(
            (h.from, h.to),
            (t("2026-12-01T07:30:00Z"), t("2026-12-02T07:30:00Z"))
        );
        assert_eq!(h.brands[2].mentions, 1);
    }

    #[test]
    fn one_digest_per_channel_and_day_as_time_goes_by() {
        let s = Store::in_memory().unwrap();
        let cfg = config();
        let count = |s: &Store| {
            let mut n: Vec<(String, NaiveDate)> = digests(s)
                .into_iter()
                .map(|d| (d.channel, d.date))
                .collect();
            n.sort();
            n
        };
        // A driven clock: every five minutes over three days, across the digest times.
        let mut now = t("2026-12-01T12:00:00Z");
        while now < t("2026-12-04T12:00:00Z") {
            queue_due(&s, &cfg, now).unwrap();
            now += chrono::Duration::minutes(5);
        }
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        let expected: Vec<(String, NaiveDate)> = [
            ("hook", 1),
            ("hook", 2),
            ("hook", 3),
            ("hook", 4),
            ("pr-team", 1),
            ("pr-team", 2),
            ("pr-team", 3),
            ("pr-team", 4),
        ]
        .iter()
        .map(|&(c, day)| (c.to_string(), d(day)))
        .collect();
        // The first look at 12:00 on 1 December queues that morning's (the channels are
        // new); then one per morning.
        assert_eq!(count(&s), expected);
        // Down from 4 December 12:00 until 9 December 10:00: only the latest day's is sent.
        queue_due(&s, &cfg, t("2026-12-09T10:00:00Z")).unwrap();
        queue_due(&s, &cfg, t("2026-12-09T10:05:00Z")).unwrap();
        let now = count(&s);
        assert_eq!(now.len(), expected.len() + 2, "{now:?}");
        assert!(now.contains(&("pr-team".to_string(), d(9))));
        assert!(now.contains(&("hook".to_string(), d(9))));
    }

    #[test]
    fn a_berlin_digest_comes_at_eight_on_both_dst_days() {
        let s = Store::in_memory().unwrap();
        let cfg = config();
        for (before, at, date) in [
            (
                "2026-03-29T05:59:00Z",
                "2026-03-29T06:00:00Z",
                (2026, 3, 29),
            ),
            (
                "2026-10-25T06:59:00Z",
                "2026-10-25T07:00:00Z",
                (2026, 10, 25),
            ),
        ] {
            let date = NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap();
            queue_due(&s, &cfg, t(before)).unwrap();
            assert!(
                !s.digest_queued("pr-team", date).unwrap(),
                "not before 08:00"
            );
            assert_eq!(next_due(&cfg, t(before)).map(|n| n <= t(at)), Some(true));
            queue_due(&s, &cfg, t(at)).unwrap();
            assert!(s.digest_queued("pr-team", date).unwrap(), "at 08:00 local");
        }
        let spring = digests(&s)
            .into_iter()
            .find(|d| d.channel == "pr-team" && d.date.to_string() == "2026-03-29")
            .unwrap();
        assert_eq!((spring.to - spring.from).num_hours(), 23);
    }

    #[tokio::test]
    async fn the_task_queues_wakes_the_outbox_and_stops_on_shutdown() {
        let store = Arc::new(Store::in_memory().unwrap());
        let (config_tx, config_rx) = watch::channel(Arc::new(config()));
        let wake = Arc::new(Notify::new());
        let (trigger, shutdown) = crate::shutdown::channel();
        let task = tokio::spawn(run(
            store.clone(),
            config_rx,
            wake.clone(),
            Arc::new(Utc::now),
            shutdown,
        ));
        tokio::time::timeout(Duration::from_secs(10), wake.notified())
            .await
            .expect("the outbox is woken for the new digests");
        let queued = |s: &Store| {
            digests(s)
                .into_iter()
                .map(|d| d.channel)
                .collect::<Vec<_>>()
        };
        assert_eq!(queued(&store), vec!["pr-team", "hook"]);
        // A reload makes it look again; the day's digests are not queued twice.
        config_tx.send_replace(Arc::new(config()));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(queued(&store), vec!["pr-team", "hook"]);
        trigger.trigger();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the task ends on shutdown")
            .expect("without a panic");
    }

    /// The running task on a driven clock (tokio's paused time as the wall clock): the
    /// Berlin channel's digest is queued at 08:00 local on the day summer time starts, not
    /// before, and then nothing until the next morning.
    #[tokio::test(start_paused = true)]
    async fn the_task_queues_at_the_digest_time_on_a_driven_clock() {
        let store = Arc::new(Store::in_memory().unwrap());
        let (_config_tx, config_rx) = watch::channel(Arc::new(config()));
        let (trigger, shutdown) = crate::shutdown::channel();
        let base = t("2026-03-29T05:58:00Z"); // 07:58 CEST, hours after the clocks jumped
        let start = tokio::time::Instant::now();
        let clock: Clock = Arc::new(move || {
            base + chrono::Duration::from_std(start.elapsed()).unwrap_or_default()
        });
        let task = tokio::spawn(run(
            store.clone(),
            config_rx,
            Arc::new(Notify::new()),
            clock,
            shutdown,
        ));
        let queued = |s: &Store| {
            let mut v: Vec<(String, String, f64)> = s
                .outbox_rows(100)
                .unwrap()
                .into_iter()
                .map(|r| (r.channel, r.alert_id, r.next_attempt))
                .collect();
            v.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
            v
        };
        // Let the first pass run (the channels are new: the latest day's digests go now).
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if queued(&store).len() == 2 {
                break;
            }
        }
        let first = queued(&store);
        assert_eq!(first.len(), 2, "{first:?}");
        assert!(
            first.iter().all(|r| r.1 == "digest:2026-03-28"),
            "{first:?}"
        );
        // 07:59:30: still nothing for today.
        tokio::time::sleep(Duration::from_secs(90)).await;
        assert_eq!(queued(&store).len(), 2);
        // 08:00 CEST is 06:00 UTC: due a minute later.
        tokio::time::sleep(Duration::from_secs(60)).await;
        let now = queued(&store);
        assert_eq!(now.len(), 3, "{now:?}");
        let today = &now[2];
        assert_eq!(
            (today.0.as_str(), today.1.as_str()),
            ("pr-team", "digest:2026-03-29")
        );
        let at = t("2026-03-29T06:00:00Z").timestamp() as f64;
        assert!((today.2 - at).abs() < 2.0, "queued at {} not {at}", today.2);
        // The hook's 07:30 UTC digest, then the rest of the day without another one.
        tokio::time::sleep(Duration::from_secs(2 * 60 * 60)).await;
        assert_eq!(queued(&store).len(), 4, "the hook's 07:30 UTC digest");
        tokio::time::sleep(Duration::from_secs(20 * 60 * 60)).await;
        assert_eq!(queued(&store).len(), 4);
        trigger.trigger();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the task ends on shutdown")
            .expect("without a panic");
    }
}
