//! Alert events and, in the same transaction, one outbox row per channel that must deliver it
//! and the alert's notice id (`cluster::notice`): an alert that is recorded is also queued and
//! named, or none of it happened.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Result, Store, StoreError};
use crate::alert::AlertEvent;

pub(super) fn insert_alert(
    tx: &rusqlite::Transaction<'_>,
    event: &AlertEvent,
    channels: &[String],
    now: DateTime<Utc>,
) -> Result<bool> {
    let json = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO alerts(id, brand, observed_at, event) VALUES (?1, ?2, ?3, ?4)",
        params![event.id, event.brand, event.observed_at.timestamp(), json],
    )? == 1;
    if inserted {
        insert_notice_id(tx, event)?;
        let mut stmt = tx.prepare_cached(
            "INSERT OR IGNORE INTO outbox(alert_id, channel, event, next_attempt, created_at)
             VALUES (?1, ?2, ?3, ?4, ?4)",
        )?;
        for c in channels {
            stmt.execute(params![event.id, c, json, now.timestamp()])?;
        }
    }
    Ok(inserted)
}

/// Names the alert just recorded: its base and its sequence among the recorded alerts with
/// that base (the count of those before it), so the id stays the same after a restart.
fn insert_notice_id(tx: &rusqlite::Transaction<'_>, event: &AlertEvent) -> Result<()> {
    let base = crate::cluster::notice::base(event);
    let seq: u32 = tx
        .prepare_cached("SELECT COUNT(*) FROM notice_ids WHERE base = ?1")?
        .query_row([&base], |r| r.get(0))?;
    let notice = crate::cluster::notice::id(&base, seq);
    tx.prepare_cached(
        "INSERT OR IGNORE INTO notice_ids(alert_id, base, seq, notice, observed_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        event.id,
        base,
        seq,
        notice,
        event.observed_at.timestamp()
    ])?;
    Ok(())
}

impl Store {
    /// The notice id recorded with alert `id` (see `cluster::notice`), if it is still kept.
    pub fn notice_id(&self, id: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn()
            .prepare_cached("SELECT notice FROM notice_ids WHERE alert_id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// Records an event and queues it for `channels`. Recording the same event id twice is a
    /// no-op, so a replayed tick cannot send a notice twice.
    pub fn record_alert(
        &self,
        event: &AlertEvent,
        channels: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let inserted = insert_alert(&tx, event, channels, now)?;
        tx.commit()?;
        Ok(inserted)
    }

    /// Records a tick's notices with their deliveries, and the brand states after the tick
    /// (which absorb the count journal), in one transaction; see [`Store::record_routed`].
    pub fn record_tick(
        &self,
        events: &[(AlertEvent, Vec<String>)],
        states: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let routed: Vec<super::Routed> = events
            .iter()
            .map(|(e, c)| super::Routed::new(e.clone(), c.clone()))
            .collect();
        self.record_routed(&routed, states, now)
    }

    /// The alert event with `id`, if it is still kept.
    pub fn alert(&self, id: &str) -> Result<Option<AlertEvent>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT event FROM alerts WHERE id = ?1")?;
        let mut rows = stmt.query([id])?;
        match rows.next()? {
            Some(row) => {
                let json: String = row.get(0)?;
                serde_json::from_str(&json)
                    .map(Some)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            }
            None => Ok(None),
        }
    }

    /// The newest `limit` alert events, newest first.
    pub fn recent_alerts(&self, limit: usize) -> Result<Vec<AlertEvent>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT event FROM alerts ORDER BY seq DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            let json = row?;
            out.push(serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        drop(stmt);
        // Who acknowledged each notice's thread, and when (see `acks`).
        super::acks::annotate(&conn, &mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::alert::test_event as event;

    #[test]
    fn records_once_and_lists_newest_first() {
        let s = Store::in_memory().unwrap();
        let ch = vec!["mail".to_string()];
        assert!(s.record_alert(&event("1"), &ch, Utc::now()).unwrap());
        assert!(!s.record_alert(&event("1"), &ch, Utc::now()).unwrap());
        assert!(s.record_alert(&event("2"), &ch, Utc::now()).unwrap());
        let ids: Vec<_> = s
            .recent_alerts(10)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, vec!["2", "1"]);
        assert_eq!(s.alert("2").unwrap().map(|e| e.id).as_deref(), Some("2"));
        assert!(s.alert("3").unwrap().is_none());
        assert_eq!(s.outbox_due(Utc::now(), 10).unwrap().len(), 2);
    }

    #[test]
    fn a_notice_id_counts_the_notices_of_its_kind_before_it_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let ch = vec!["mail".to_string()];
        let start = Utc::now() - chrono::Duration::minutes(30);
        let e = |id: &str| event(id).with_started_at(start);
        let s = Store::open(dir.path()).unwrap();
        s.record_alert(&e("first"), &ch, Utc::now()).unwrap();
        // The same event again (a replayed tick) takes no new sequence.
        s.record_alert(&e("first"), &ch, Utc::now()).unwrap();
        s.record_alert(&e("reminder"), &ch, Utc::now()).unwrap();
        let first = s.notice_id("first").unwrap().unwrap();
        let reminder = s.notice_id("reminder").unwrap().unwrap();
        let base = crate::cluster::notice::base(&e("x"));
        assert_eq!(first, crate::cluster::notice::id(&base, 0));
        assert_eq!(reminder, crate::cluster::notice::id(&base, 1));
        drop(s);
        // After a restart: the same ids, and the next one goes on counting.
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.notice_id("first").unwrap().unwrap(), first);
        s.record_alert(&e("third"), &ch, Utc::now()).unwrap();
        assert_eq!(
            s.notice_id("third").unwrap().unwrap(),
            crate::cluster::notice::id(&base, 2)
        );
        // The outbox row carries its notice id.
        let due = s.outbox_due(Utc::now(), 10).unwrap();
        assert_eq!(due.len(), 3);
        assert_eq!(due[0].notice, first);
    }
}
