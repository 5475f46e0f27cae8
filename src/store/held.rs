//! Notices held back for one channel: by a mute (or outside an active) time interval, or
//! waiting for a channel's `escalate_after`; and their release.
//!
//! Invariant: a held notice is a row here instead of an outbox row, written in the same
//! transaction as its alert. There is one row per channel and stream (a brand's storm thread,
//! a source, one reach alert): a newer notice of the stream replaces it, and a notice sent to
//! the channel deletes it. Releasing deletes the row and inserts its outbox row in one
//! transaction, so a held notice is sent at most once, even across a kill -9 (and the outbox's
//! `UNIQUE(alert_id, channel)` backs this up).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{Result, Store, StoreError};
use crate::alert::{AlertEvent, Kind, Status};

pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS held_notices (
    channel    TEXT NOT NULL,
    brand      TEXT NOT NULL,
    stream     TEXT NOT NULL,
    alert_id   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    due_at     INTEGER,
    held_at    INTEGER NOT NULL,
    PRIMARY KEY (channel, brand, stream)
);
"#;

/// Why a notice waits for a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldReason {
    /// A mute interval, or outside the channel's active intervals: sent when that ends.
    Interval,
    /// `escalate_after`: sent at `due_at` if the thread is still unacknowledged.
    Escalation,
}

impl HoldReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            HoldReason::Interval => "interval",
            HoldReason::Escalation => "escalation",
        }
    }

    fn parse(s: &str) -> HoldReason {
        if s == "escalation" {
            HoldReason::Escalation
        } else {
            HoldReason::Interval
        }
    }
}

/// One channel's hold on a notice.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    pub channel: String,
    pub reason: HoldReason,
    pub due_at: Option<DateTime<Utc>>,
}

/// A notice with what routing decided: the channels that get it now, and those it waits for.
#[derive(Debug, Clone, PartialEq)]
pub struct Routed {
    pub event: AlertEvent,
    pub channels: Vec<String>,
    pub holds: Vec<Hold>,
}

impl Routed {
    pub fn new(event: AlertEvent, channels: Vec<String>) -> Self {
        Routed {
            event,
            channels,
            holds: Vec::new(),
        }
    }
}

/// A held notice as stored, with its event.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldNotice {
    pub channel: String,
    pub reason: HoldReason,
    pub due_at: Option<DateTime<Utc>>,
    pub event: AlertEvent,
}

/// The stream a notice belongs to, for "the current notice" of it: a brand's surges (storm,
/// buzz, volume share one lifecycle), a source's health, or one reach alert (which never
/// resolves and is its own stream).
pub fn stream_of(e: &AlertEvent) -> String {
    match e.kind {
        Kind::Source => "source".into(),
        Kind::Reach => format!("reach:{}", e.id),
        Kind::Storm | Kind::Buzz | Kind::Volume => "brand".into(),
    }
}

fn at(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

fn parse(json: &str) -> Result<AlertEvent> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Writes a routed notice's holds, and drops the holds of the channels it is sent to.
pub(super) fn apply_holds(tx: &Transaction<'_>, r: &Routed, now: DateTime<Utc>) -> Result<()> {
    let e = &r.event;
    let stream = stream_of(e);
    let mut del = tx.prepare_cached(
        "DELETE FROM held_notices WHERE channel = ?1 AND brand = ?2 AND stream = ?3",
    )?;
    for c in &r.channels {
        del.execute(params![c, e.brand, stream])?;
    }
    let mut put = tx.prepare_cached(
        "INSERT INTO held_notices(channel, brand, stream, alert_id, reason, due_at, held_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(channel, brand, stream) DO UPDATE SET alert_id = excluded.alert_id,
           reason = excluded.reason, due_at = excluded.due_at, held_at = excluded.held_at",
    )?;
    for h in &r.holds {
        put.execute(params![
            h.channel,
            e.brand,
            stream,
            e.id,
            h.reason.as_str(),
            h.due_at.map(|d| d.timestamp()),
            now.timestamp()
        ])?;
    }
    Ok(())
}

fn stream_notices(conn: &Connection, brand: &str, stream: &str) -> Result<Vec<AlertEvent>> {
    let mut stmt = conn
        .prepare_cached("SELECT event FROM alerts WHERE brand = ?1 ORDER BY seq DESC LIMIT 500")?;
    let rows = stmt.query_map([brand], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        let e = parse(&row?)?;
        if stream_of(&e) == stream {
            out.push(e);
        }
    }
    Ok(out)
}

impl Store {
    /// Records notices with their deliveries and holds, and the brand states after the tick
    /// (which absorb the count journal; none given, the journal is left alone), in one
    /// transaction. A notice recorded before (a replayed tick) changes nothing.
    pub fn record_routed(
        &self,
        notices: &[Routed],
        states: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.track(self.record_routed_inner(notices, states, now))
    }

    fn record_routed_inner(
        &self,
        notices: &[Routed],
        states: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for r in notices {
            if super::alerts::insert_alert(&tx, &r.event, &r.channels, now)? {
                apply_holds(&tx, r, now)?;
            }
        }
        if !states.is_empty() {
            super::state::upsert_states(&tx, states, now)?;
            super::journal::clear_journal(&tx)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every held notice, oldest first. A hold whose alert is gone (pruned) is dropped.
    pub fn held_notices(&self) -> Result<Vec<HeldNotice>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT h.channel, h.reason, h.due_at, a.event FROM held_notices h
             JOIN alerts a ON a.id = h.alert_id ORDER BY h.held_at, h.channel",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (channel, reason, due, json) = row?;
            out.push(HeldNotice {
                channel,
                reason: HoldReason::parse(&reason),
                due_at: due.map(at),
                event: parse(&json)?,
            });
        }
        drop(stmt);
        let rows: i64 = conn.query_row("SELECT COUNT(*) FROM held_notices", [], |r| r.get(0))?;
        if rows as usize > out.len() {
            conn.execute(
                "DELETE FROM held_notices WHERE alert_id NOT IN (SELECT id FROM alerts)",
                [],
            )?;
        }
        Ok(out)
    }

    /// Ends a hold: deletes it and, if `send`, queues its notice for its channel, in one
    /// transaction. `false` when the hold was no longer there (released already, or replaced
    /// by a newer notice), and then nothing is queued.
    pub fn release_held(&self, h: &HeldNotice, send: bool, now: DateTime<Utc>) -> Result<bool> {
        self.track(self.release_held_inner(h, send, now))
    }

    fn release_held_inner(&self, h: &HeldNotice, send: bool, now: DateTime<Utc>) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let e = &h.event;
        let deleted = tx.execute(
            "DELETE FROM held_notices
             WHERE channel = ?1 AND brand = ?2 AND stream = ?3 AND alert_id = ?4",
            params![h.channel, e.brand, stream_of(e), e.id],
        )? == 1;
        if deleted && send {
            // The copy that is sent no longer names a silence that held it before.
            let mut sent = e.clone();
            sent.brief.silenced_by = None;
            let json =
                serde_json::to_string(&sent).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.execute(
                "INSERT OR IGNORE INTO outbox(alert_id, channel, event, next_attempt, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![e.id, h.channel, json, now.timestamp()],
            )?;
        }
        tx.commit()?;
        Ok(deleted && send)
    }

    /// The newest notice of `e`'s stream: whether `e` is still the current one.
    pub fn current_of_stream(&self, e: &AlertEvent) -> Result<Option<AlertEvent>> {
        Ok(stream_notices(&self.conn(), &e.brand, &stream_of(e))?
            .into_iter()
            .next())
    }

    /// Whether `channel` was given (queued) a firing notice of the episode that the resolved
    /// notice `e` ends: the stream's notices back to the previous resolved one.
    pub fn episode_sent_on(&self, e: &AlertEvent, channel: &str) -> Result<bool> {
        let conn = self.conn();
        for n in stream_notices(&conn, &e.brand, &stream_of(e))? {
            if n.id == e.id {
                continue;
            }
            if n.status == Status::Resolved {
                return Ok(false);
            }
            let queued = conn
                .prepare_cached("SELECT 1 FROM outbox WHERE alert_id = ?1 AND channel = ?2")?
                .query_row(params![n.id, channel], |_| Ok(()))
                .optional()?
                .is_some();
            if queued {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// When the thread `brand` + `started_at` first fired: its earliest recorded notice.
    pub fn thread_first_fired(
        &self,
        brand: &str,
        started_at: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT event FROM alerts WHERE brand = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([brand], |r| r.get::<_, String>(0))?;
        for row in rows {
            let Ok(e) = serde_json::from_str::<AlertEvent>(&row?) else {
                continue;
            };
            if e.started_at == started_at && e.status == Status::Firing {
                return Ok(Some(e.observed_at));
            }
        }
        Ok(None)
    }

    /// Held notices per reason, and the notices held by silences not yet released: the
    /// `sturmglas_notices_held` gauge.
    pub fn held_counts(&self) -> Result<Vec<(&'static str, u64)>> {
        let conn = self.conn();
        let count = |reason: &str| -> Result<u64> {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM held_notices WHERE reason = ?1",
                [reason],
                |r| r.get(0),
            )?;
            Ok(n as u64)
        };
        let interval = count("interval")?;
        let escalation = count("escalation")?;
        let silenced: i64 = conn.query_row(
            &format!(
                "SELECT COUNT(*) FROM alerts WHERE seq IN ({})
                   AND json_extract(event, '$.silenced_by') IN
                       (SELECT id FROM silences WHERE released_at IS NULL)",
                super::silences::CURRENT_PER_STREAM
            ),
            [],
            |r| r.get(0),
        )?;
        Ok(vec![
            ("interval", interval),
            ("escalation", escalation),
            ("silence", silenced as u64),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{test_event, Level};

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn held(e: &AlertEvent, channel: &str) -> Routed {
        Routed {
            event: e.clone(),
            channels: vec!["now".into()],
            holds: vec![Hold {
                channel: channel.into(),
                reason: HoldReason::Interval,
                due_at: None,
            }],
        }
    }

    #[test]
    fn a_hold_is_replaced_by_a_newer_notice_and_released_once() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let a = test_event("a");
        let mut b = test_event("b");
        b.level = Level::Critical;
        s.record_routed(&[held(&a, "night")], &[], t(0)).unwrap();
        s.record_routed(&[held(&b, "night")], &[], t(1)).unwrap();
        let h = s.held_notices().unwrap();
        assert_eq!(h.len(), 1, "one hold per channel and stream");
        assert_eq!(h[0].event.id, "b");
        assert_eq!(s.held_counts().unwrap()[0], ("interval", 1));
        // A reopened store (a restart) still has it; releasing twice queues once.
        drop(s);
        let s = Store::open(dir.path()).unwrap();
        let h = s.held_notices().unwrap();
        assert!(s.release_held(&h[0], true, t(2)).unwrap());
        assert!(!s.release_held(&h[0], true, t(3)).unwrap());
        let due = s.outbox_due(t(10), 10).unwrap();
        let night: Vec<_> = due.iter().filter(|o| o.channel == "night").collect();
        assert_eq!(night.len(), 1);
        assert!(s.held_notices().unwrap().is_empty());
    }

    #[test]
    fn a_notice_sent_to_the_channel_ends_its_hold() {
        let s = Store::in_memory().unwrap();
        s.record_routed(&[held(&test_event("a"), "night")], &[], t(0))
            .unwrap();
        let sent = Routed::new(test_event("b"), vec!["night".into()]);
        s.record_routed(&[sent], &[], t(1)).unwrap();
        assert!(s.held_notices().unwrap().is_empty());
    }

    #[test]
    fn streams_episodes_and_first_fired() {
        let s = Store::in_memory().unwrap();
        let mut first = test_event("f1");
        first.observed_at = t(0);
        let mut later = test_event("f2");
        later.observed_at = t(60);
        later.started_at = first.started_at;
        let mut reach = test_event("r1");
        reach.kind = Kind::Reach;
        s.record_routed(
            &[Routed::new(first.clone(), vec!["mail".into()])],
            &[],
            t(0),
        )
        .unwrap();
        s.record_routed(&[Routed::new(later.clone(), vec![])], &[], t(60))
            .unwrap();
        s.record_routed(&[Routed::new(reach.clone(), vec![])], &[], t(70))
            .unwrap();
        // The reach alert is its own stream: the storm's current notice is still f2.
        assert_eq!(s.current_of_stream(&first).unwrap().unwrap().id, "f2");
        assert_eq!(s.current_of_stream(&reach).unwrap().unwrap().id, "r1");
        assert_eq!(
            s.thread_first_fired(&first.brand, first.started_at)
                .unwrap(),
            Some(t(0))
        );
        let mut resolved = test_event("res");
        resolved.status = Status::Resolved;
        assert!(s.episode_sent_on(&resolved, "mail").unwrap());
        assert!(!s.episode_sent_on(&resolved, "chat").unwrap());
        s.record_routed(&[Routed::new(resolved.clone(), vec![])], &[], t(80))
            .unwrap();
        // A new episode after the resolved one: nothing of it was sent to mail.
        s.record_routed(&[Routed::new(test_event("g1"), vec![])], &[], t(90))
            .unwrap();
        let mut resolved2 = test_event("res2");
        resolved2.status = Status::Resolved;
        assert!(!s.episode_sent_on(&resolved2, "mail").unwrap());
    }
}
