//! The delivery outbox: one row per (alert, channel), retried until delivered.
//!
//! A row carries an alert event or, where its `alert_id` starts with `digest:`, a channel's
//! daily digest ([`Payload`]); both go through the same retries and rate limits.
//!
//! Invariant: a row is delivered at most once — it is marked delivered in the same moment the
//! channel accepted it — and never dropped silently: after the last retry it is marked failed
//! with the error, and stays visible in the API.
//!
//! `next_attempt` holds unix seconds and may be fractional (SQLite keeps a non-integral value
//! in an INTEGER column as REAL), so short test backoffs need not round up to whole seconds.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::{Result, Store, StoreError};
use crate::alert::AlertEvent;
use crate::cluster::notice;
use crate::notify::digest::Digest;

/// What an outbox row delivers.
#[derive(Debug, Clone)]
pub enum Payload {
    Alert(Box<AlertEvent>),
    Digest(Box<Digest>),
}

impl Payload {
    /// The id logs and receivers see: the alert's id, or `digest:<date>`.
    pub fn id(&self) -> String {
        match self {
            Payload::Alert(e) => e.id.clone(),
            Payload::Digest(d) => d.id(),
        }
    }

    /// The alert event, unless this is a digest.
    pub fn alert(&self) -> Option<&AlertEvent> {
        match self {
            Payload::Alert(e) => Some(e),
            Payload::Digest(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub seq: i64,
    pub channel: String,
    pub payload: Payload,
    pub attempts: u32,
    /// When the alert was queued; retries give up a fixed time after it.
    pub created_at: DateTime<Utc>,
    /// The notice id the cluster knows this notice by (`cluster::notice`): the one recorded
    /// with the alert, or a digest's by its date. An alert recorded before notice ids were
    /// kept gets the id of the first of its kind.
    pub notice: String,
}

/// One outbox row as it stands, for the API, logs and tests.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutboxRow {
    pub seq: i64,
    pub alert_id: String,
    pub channel: String,
    pub attempts: u32,
    pub next_attempt: f64,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

/// Unix seconds with milliseconds, as stored in `next_attempt`.
fn secs(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

fn from_secs(t: f64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis((t * 1000.0).round() as i64)
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct OutboxStats {
    pub pending: u64,
    pub delivered: u64,
    pub failed: u64,
}

impl Store {
    /// Entries due for an attempt at `now`, oldest first.
    pub fn outbox_due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<OutboxEntry>> {
        self.due_rows(None, now, limit)
    }

    /// One channel's entries due at `now`, oldest first: the worker takes channels one by one
    /// so that a rate-limited channel cannot hold back the others.
    pub fn outbox_due_for(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>> {
        self.due_rows(Some(channel), now, limit)
    }

    fn due_rows(
        &self,
        channel: Option<&str>,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT o.seq, o.channel, o.event, o.attempts, o.created_at, o.alert_id, n.notice
             FROM outbox o LEFT JOIN notice_ids n ON n.alert_id = o.alert_id
             WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_attempt <= ?1
               AND (?3 IS NULL OR o.channel = ?3)
             ORDER BY o.seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![secs(now), limit as i64, channel], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, channel, json, attempts, created_at, id, notice) = row?;
            let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
            let (payload, notice) = if id.starts_with(Digest::ID_PREFIX) {
                let d: Digest = serde_json::from_str(&json).map_err(corrupt)?;
                (Payload::Digest(Box::new(d)), notice::digest_id(&id))
            } else {
                let e: AlertEvent = serde_json::from_str(&json).map_err(corrupt)?;
                let notice = notice.unwrap_or_else(|| notice::id(&notice::base(&e), 0));
                (Payload::Alert(Box::new(e)), notice)
            };
            out.push(OutboxEntry {
                seq,
                channel,
                payload,
                attempts,
                created_at: DateTime::from_timestamp(created_at, 0).unwrap_or_default(),
                notice,
            });
        }
        Ok(out)
    }

    /// When the earliest entry that is not yet due at `now` becomes due.
    pub fn outbox_next_due_after(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let conn = self.conn();
        let t: Option<f64> = conn.query_row(
            "SELECT MIN(next_attempt) FROM outbox
             WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt > ?1",
            [secs(now)],
            |r| r.get(0),
        )?;
        Ok(t.and_then(from_secs))
    }

    /// The channels that have entries still pending (due or not).
    pub fn outbox_pending_channels(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT channel FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Gives up every pending entry of a channel (it was removed from the config).
    pub fn outbox_fail_channel(
        &self,
        channel: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        Ok(self.conn().execute(
            "UPDATE outbox SET failed_at = ?3, last_error = ?2
             WHERE channel = ?1 AND delivered_at IS NULL AND failed_at IS NULL",
            params![channel, error, now.timestamp()],
        )?)
    }

    /// The newest `limit` rows, newest first.
    pub fn outbox_rows(&self, limit: usize) -> Result<Vec<OutboxRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, alert_id, channel, attempts, next_attempt, delivered_at, failed_at,
                    last_error
             FROM outbox ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(OutboxRow {
                seq: r.get(0)?,
                alert_id: r.get(1)?,
                channel: r.get(2)?,
                attempts: r.get(3)?,
                next_attempt: r.get(4)?,
                delivered_at: r.get(5)?,
                failed_at: r.get(6)?,
                last_error: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the next entry becomes due, if any is pending.
    pub fn outbox_next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let conn = self.conn();
        let t: Option<f64> = conn.query_row(
            "SELECT MIN(next_attempt) FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(t.and_then(from_secs))
    }

    pub fn outbox_delivered(&self, seq: i64, now: DateTime<Utc>) -> Result<()> {
        let r = self.conn().execute(
            "UPDATE outbox SET delivered_at = ?2, attempts = attempts + 1, last_error = NULL WHERE seq = ?1",
            params![seq, now.timestamp()],
        );
        self.track(r.map(|_| ()).map_err(Into::into))
    }

    /// Records a failed attempt; `retry_at = None` gives up on the entry for good.
    pub fn outbox_failed(
        &self,
        seq: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let conn = self.conn();
        let r = match retry_at {
            Some(t) => conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3 WHERE seq = ?1",
                params![seq, error, secs(t)],
            ),
            None => conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, failed_at = ?3 WHERE seq = ?1",
                params![seq, error, now.timestamp()],
            ),
        };
        drop(conn);
        self.track(r.map(|_| ()).map_err(Into::into))
    }

    pub fn outbox_stats(&self) -> Result<OutboxStats> {
        let conn = self.conn();
        Ok(conn.query_row(
            "SELECT
               COALESCE(SUM(delivered_at IS NULL AND failed_at IS NULL), 0),
               COALESCE(SUM(delivered_at IS NOT NULL), 0),
               COALESCE(SUM(failed_at IS NOT NULL), 0)
             FROM outbox",
            [],
            |r| {
                Ok(OutboxStats {
                    pending: r.get::<_, i64>(0)? as u64,
                    delivered: r.get::<_, i64>(1)? as u64,
                    failed: r.get::<_, i64>(2)? as u64,
                })
            },
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::alert::test_event as event;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap()
    }

    #[test]
    fn sub_second_retries_and_per_channel_selection() {
        let s = Store::in_memory().unwrap();
        let chans = vec!["mail".to_string(), "hook".to_string()];
        s.record_alert(&event("1"), &chans, at(0)).unwrap();
        let due = s.outbox_due_for("hook", at(0), 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].channel, "hook");
        assert_eq!(due[0].created_at, at(0));
        s.outbox_failed(due[0].seq, "HTTP 500", Some(at(250)), at(0))
            .unwrap();
        assert!(s.outbox_due_for("hook", at(100), 10).unwrap().is_empty());
        assert_eq!(s.outbox_next_due_after(at(100)).unwrap(), Some(at(250)));
        let again = s.outbox_due_for("hook", at(250), 10).unwrap();
        assert_eq!(again[0].attempts, 1);
        s.outbox_delivered(again[0].seq, at(300)).unwrap();
        assert_eq!(s.outbox_next_due_after(at(300)).unwrap(), None);
        assert_eq!(
            s.outbox_stats().unwrap(),
            OutboxStats {
                pending: 1,
                delivered: 1,
                failed: 0
            }
        );
        assert_eq!(s.outbox_pending_channels().unwrap(), vec!["mail"]);
    }

    #[test]
    fn failing_a_channel_gives_up_its_pending_rows_only() {
        let s = Store::in_memory().unwrap();
        let chans = vec!["old".to_string(), "new".to_string()];
        s.record_alert(&event("1"), &chans, at(0)).unwrap();
        s.record_alert(&event("2"), &chans, at(0)).unwrap();
        assert_eq!(
            s.outbox_fail_channel("old", "channel removed", at(10))
                .unwrap(),
            2
        );
        let rows = s.outbox_rows(10).unwrap();
        let old: Vec<_> = rows.iter().filter(|r| r.channel == "old").collect();
        assert!(old.iter().all(|r| r.failed_at.is_some()));
        assert_eq!(old[0].last_error.as_deref(), Some("channel removed"));
        assert_eq!(s.outbox_stats().unwrap().pending, 2);
    }
}
