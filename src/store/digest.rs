//! The daily digests: which channel got which day's digest, and the reads a digest is made
//! of (a brand's counts over a period from the archive's minute counts, the notices recorded
//! in a period).
//!
//! Invariant: a digest is recorded (`digests`) and queued (its outbox row) in one
//! transaction, keyed by channel and local date, so each channel gets at most one digest per
//! day however often the daemon restarts or is killed: a digest either is recorded and will
//! be delivered, or neither happened and the next pass queues it.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;

use super::{Result, Store, StoreError};
use crate::alert::AlertEvent;
use crate::notify::digest::Digest;

impl Store {
    /// Records `digest` for its channel and date and queues it for delivery, in one
    /// transaction. `false` if that channel's digest of that date was queued before (then
    /// nothing changes).
    pub fn queue_digest(&self, digest: &Digest, now: DateTime<Utc>) -> Result<bool> {
        self.track(self.queue_digest_inner(digest, now))
    }

    fn queue_digest_inner(&self, digest: &Digest, now: DateTime<Utc>) -> Result<bool> {
        let json = serde_json::to_string(digest).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let fresh = tx.execute(
            "INSERT OR IGNORE INTO digests(channel, date, queued_at) VALUES (?1, ?2, ?3)",
            params![digest.channel, digest.date.to_string(), now.timestamp()],
        )? == 1;
        if fresh {
            tx.execute(
                "INSERT OR IGNORE INTO outbox(alert_id, channel, event, next_attempt, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![
                    Digest::outbox_id(digest.date),
                    digest.channel,
                    json,
                    now.timestamp()
                ],
            )?;
        }
        tx.commit()?;
        Ok(fresh)
    }

    /// Whether `channel`'s digest of `date` was queued.
    pub fn digest_queued(&self, channel: &str, date: NaiveDate) -> Result<bool> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT 1 FROM digests WHERE channel = ?1 AND date = ?2")?;
        Ok(stmt.exists(params![channel, date.to_string()])?)
    }

    /// A brand's mentions and negative mentions in `[from, to)`, from the archive's minute
    /// counts (a minute counts where it starts).
    pub fn archive_totals(
        &self,
        brand: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(u64, u64)> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT COALESCE(SUM(mentions), 0), COALESCE(SUM(negative), 0) FROM mention_minutes
             WHERE brand = ?1 AND minute >= ?2 AND minute < ?3",
        )?;
        let minute = |t: DateTime<Utc>| t.timestamp().div_euclid(60);
        let (m, n): (i64, i64) = stmt.query_row(params![brand, minute(from), minute(to)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok((m.max(0) as u64, n.max(0) as u64))
    }

    /// The notices recorded (sent or held back) with `observed_at` in `[from, to)`, oldest
    /// first.
    pub fn alerts_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AlertEvent>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT event FROM alerts WHERE observed_at >= ?1 AND observed_at < ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![from.timestamp(), to.timestamp()], |r| {
            r.get::<_, String>(0)
        })?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::digest::fixtures::digest;
    use crate::store::Payload;

    #[test]
    fn a_digest_is_queued_once_per_channel_and_date() {
        let s = Store::in_memory().unwrap();
        let now = "2026-12-02T07:00:05Z".parse().unwrap();
        let d = digest();
        assert!(!s.digest_queued("pr-team", d.date).unwrap());
        assert!(s.queue_digest(&d, now).unwrap());
        assert!(!s.queue_digest(&d, now).unwrap(), "the same day again");
        assert!(s.digest_queued("pr-team", d.date).unwrap());
        let mut other = d.clone();
        other.channel = "hook".into();
        assert!(s.queue_digest(&other, now).unwrap(), "another channel");
        let due = s.outbox_due(now, 10).unwrap();
        assert_eq!(due.len(), 2);
        match &due[0].payload {
            Payload::Digest(back) => assert_eq!(**back, d),
            other => panic!("{other:?}"),
        }
        assert_eq!(due[0].payload.id(), "digest:2026-12-02");
        assert_eq!(s.outbox_rows(10).unwrap()[0].alert_id, "digest:2026-12-02");
    }

    #[test]
    fn a_digest_survives_reopening_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let now = "2026-12-02T07:00:05Z".parse().unwrap();
        let d = digest();
        Store::open(dir.path())
            .unwrap()
            .queue_digest(&d, now)
            .unwrap();
        let s = Store::open(dir.path()).unwrap();
        assert!(s.digest_queued("pr-team", d.date).unwrap());
        assert!(!s.queue_digest(&d, now).unwrap());
    }
}
