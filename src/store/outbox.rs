//! The delivery outbox: one row per (alert, channel), retried until delivered.
//!
//! Invariant: a row is delivered at most once — it is marked delivered in the same moment the
//! channel accepted it — and never dropped silently: after the last retry it is marked failed
//! with the error, and stays visible in the API.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::{Result, Store, StoreError};
use crate::alert::AlertEvent;

#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub seq: i64,
    pub channel: String,
    pub event: AlertEvent,
    pub attempts: u32,
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
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, channel, event, attempts FROM outbox
             WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt <= ?1
             ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now.timestamp(), limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, channel, json, attempts) = row?;
            let event =
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            out.push(OutboxEntry {
                seq,
                channel,
                event,
                attempts,
            });
        }
        Ok(out)
    }

    /// When the next entry becomes due, if any is pending.
    pub fn outbox_next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let conn = self.conn();
        let t: Option<i64> = conn.query_row(
            "SELECT MIN(next_attempt) FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(t.and_then(|t| DateTime::from_timestamp(t, 0)))
    }

    pub fn outbox_delivered(&self, seq: i64, now: DateTime<Utc>) -> Result<()> {
        self.conn().execute(
            "UPDATE outbox SET delivered_at = ?2, attempts = attempts + 1, last_error = NULL WHERE seq = ?1",
            params![seq, now.timestamp()],
        )?;
        Ok(())
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
        match retry_at {
            Some(t) => conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3 WHERE seq = ?1",
                params![seq, error, t.timestamp()],
            )?,
            None => conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, failed_at = ?3 WHERE seq = ?1",
                params![seq, error, now.timestamp()],
            )?,
        };
        Ok(())
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
