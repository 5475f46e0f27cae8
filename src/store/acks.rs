//! Acknowledgements of storm threads, and the installation's secret that signs ack links.
//!
//! A thread is a brand and the `started_at` of its episode, as mail threading
//! (`notify::email::thread_id`) has it: acknowledging any notice acknowledges them all.
//! Invariant: the first acknowledgement of a thread is the one kept (a second click changes
//! nothing); it records the highest level and the kind the thread had reached, so that later
//! notices at or below it are reminders, and a worse one is news.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{Result, Store, StoreError};
use crate::alert::{AlertEvent, Level};

/// One thread's acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ack {
    pub alert_id: String,
    pub brand: String,
    pub started_at: DateTime<Utc>,
    pub acknowledged_by: String,
    pub acknowledged_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// The highest level the thread had when it was acknowledged.
    #[serde(skip)]
    pub level: Level,
    /// The kind of the thread's latest notice when it was acknowledged.
    #[serde(skip)]
    pub kind: String,
}

fn level_of(n: i64) -> Level {
    match n {
        2 => Level::Critical,
        1 => Level::Warning,
        _ => Level::Ok,
    }
}

fn at(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

fn thread_ack(conn: &Connection, brand: &str, started_at: i64) -> Result<Option<Ack>> {
    Ok(conn
        .prepare_cached(
            "SELECT alert_id, by, at, comment, level, kind FROM acks
             WHERE brand = ?1 AND started_at = ?2",
        )?
        .query_row(params![brand, started_at], |r| {
            Ok(Ack {
                alert_id: r.get(0)?,
                brand: brand.to_string(),
                started_at: at(started_at),
                acknowledged_by: r.get(1)?,
                acknowledged_at: at(r.get(2)?),
                comment: r.get(3)?,
                level: level_of(r.get(4)?),
                kind: r.get(5)?,
            })
        })
        .optional()?)
}

/// Fills in `acknowledged_by` and `acknowledged_at` of each event from its thread's ack.
pub(super) fn annotate(conn: &Connection, events: &mut [AlertEvent]) -> Result<()> {
    for e in events {
        if let Some(a) = thread_ack(conn, &e.brand, e.started_at.timestamp())? {
            e.brief.acknowledged_by = Some(a.acknowledged_by);
            e.brief.acknowledged_at = Some(a.acknowledged_at);
        }
    }
    Ok(())
}

impl Store {
    /// Acknowledges the thread of alert `alert_id`; `None` when there is no such alert. An
    /// already acknowledged thread keeps its first acknowledgement, which is returned.
    pub fn ack_thread(
        &self,
        alert_id: &str,
        by: &str,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Ack>> {
        self.track(self.ack_inner(alert_id, by, comment, now))
    }

    fn ack_inner(
        &self,
        alert_id: &str,
        by: &str,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Ack>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let Some(json) = tx
            .query_row("SELECT event FROM alerts WHERE id = ?1", [alert_id], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
        else {
            return Ok(None);
        };
        let event: AlertEvent =
            serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let started = event.started_at.timestamp();
        // The thread's notices so far: its highest level, and the kind of the latest.
        let mut level = event.level;
        let mut kind = event.kind.as_str().to_string();
        {
            let mut stmt =
                tx.prepare_cached("SELECT event FROM alerts WHERE brand = ?1 ORDER BY seq")?;
            let rows = stmt.query_map([&event.brand], |r| r.get::<_, String>(0))?;
            for row in rows {
                let Ok(e) = serde_json::from_str::<AlertEvent>(&row?) else {
                    continue;
                };
                if e.started_at.timestamp() == started {
                    level = level.max(e.level);
                    kind = e.kind.as_str().to_string();
                }
            }
        }
        tx.execute(
            "INSERT OR IGNORE INTO acks(brand, started_at, alert_id, by, comment, at, level, kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                event.brand,
                started,
                alert_id,
                by,
                comment,
                now.timestamp(),
                level as u8 as i64,
                kind
            ],
        )?;
        let ack = thread_ack(&tx, &event.brand, started)?;
        tx.commit()?;
        Ok(ack)
    }

    /// The acknowledgement of the thread `brand` + `started_at`, if any.
    pub fn thread_ack(&self, brand: &str, started_at: DateTime<Utc>) -> Result<Option<Ack>> {
        thread_ack(&self.conn(), brand, started_at.timestamp())
    }

    /// The per-installation secret that signs ack links: made once, at random, and kept.
    pub fn ack_secret(&self) -> Result<Vec<u8>> {
        let conn = self.conn();
        let fresh: [u8; 32] = rand::random();
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('ack_secret', ?1)",
            [hex::encode(fresh)],
        )?;
        let stored: String =
            conn.query_row("SELECT value FROM meta WHERE key = 'ack_secret'", [], |r| {
                r.get(0)
            })?;
        hex::decode(stored).map_err(|e| StoreError::Corrupt(format!("ack secret: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{test_event, Status};

    #[test]
    fn an_ack_covers_the_thread_and_the_first_one_is_kept() {
        let s = Store::in_memory().unwrap();
        let mut first = test_event("a1");
        first.level = Level::Critical;
        let mut second = test_event("a2");
        second.started_at = first.started_at;
        let mut other = test_event("b1");
        other.started_at = first.started_at - chrono::Duration::hours(5);
        for e in [&first, &second, &other] {
            s.record_alert(e, &[], Utc::now()).unwrap();
        }
        assert!(s.ack_thread("nope", "x", "", Utc::now()).unwrap().is_none());
        let ack = s
            .ack_thread("a2", "anna", "on it", Utc::now())
            .unwrap()
            .unwrap();
        assert_eq!(ack.level, Level::Critical, "the thread's highest level");
        assert_eq!(ack.acknowledged_by, "anna");
        let again = s.ack_thread("a1", "ben", "", Utc::now()).unwrap().unwrap();
        assert_eq!(again.acknowledged_by, "anna");

        let listed = s.recent_alerts(10).unwrap();
        let by: Vec<_> = listed
            .iter()
            .map(|e| e.brief.acknowledged_by.as_deref())
            .collect();
        assert_eq!(by, vec![None, Some("anna"), Some("anna")]);
        let mut resolved = test_event("a3");
        resolved.status = Status::Resolved;
        resolved.started_at = first.started_at;
        assert!(s
            .thread_ack(&resolved.brand, resolved.started_at)
            .unwrap()
            .is_some());
    }

    #[test]
    fn the_secret_is_made_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(dir.path()).unwrap().ack_secret().unwrap();
        let b = Store::open(dir.path()).unwrap().ack_secret().unwrap();
        assert_eq!(a.len(), 32);
        assert_eq!(a, b);
    }
}
