//! Silences: a brand (or `*`) and optionally some kinds whose notices are recorded but not
//! sent until a given time; and their release when they end.
//!
//! Invariant: a silenced notice has no outbox rows while its silence lasts; when the silence
//! ends (it expires or is deleted) it is released exactly once (`released_at`), and the release
//! queues the brand's current notice, if that is the silenced one and still firing, in the same
//! transaction that marks the silence released — nothing held is lost, nothing sent twice
//! (the outbox's `UNIQUE(alert_id, channel)` backs this up).

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::{Result, Store, StoreError};
use crate::alert::AlertEvent;

/// One silence, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Silence {
    pub id: String,
    /// A brand's name, or `*` for all.
    pub brand: String,
    /// Alert kinds (`storm`, `buzz`, …) it holds back; empty: all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub comment: String,
    pub created_by: String,
}

impl Silence {
    /// A fresh silence id: 16 random hex digits.
    pub fn new_id() -> String {
        format!("{:016x}", rand::random::<u64>())
    }

    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && now < self.ends_at
    }

    /// Whether this silence holds back `event` (brand and kind; the time is the caller's).
    pub fn matches(&self, event: &AlertEvent) -> bool {
        (self.brand == "*" || self.brand == event.brand)
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == event.kind.as_str()))
    }
}

const COLUMNS: &str = "id, brand, kinds, starts_at, ends_at, comment, created_by";

/// The `seq` of each stream's latest notice (as [`super::stream_of`] groups them).
pub(super) const CURRENT_PER_STREAM: &str = "SELECT MAX(seq) FROM alerts GROUP BY brand,
    CASE json_extract(event, '$.kind') WHEN 'source' THEN 'source' WHEN 'reach' THEN id
    ELSE 'brand' END";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Silence> {
    let kinds: String = r.get(2)?;
    let at = |i: usize| -> rusqlite::Result<DateTime<Utc>> {
        let t: i64 = r.get(i)?;
        Ok(DateTime::from_timestamp(t, 0).unwrap_or_default())
    };
    Ok(Silence {
        id: r.get(0)?,
        brand: r.get(1)?,
        kinds: kinds
            .split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect(),
        starts_at: at(3)?,
        ends_at: at(4)?,
        comment: r.get(5)?,
        created_by: r.get(6)?,
    })
}

impl Store {
    pub fn add_silence(&self, s: &Silence) -> Result<()> {
        let r = self.conn().execute(
            "INSERT INTO silences(id, brand, kinds, starts_at, ends_at, comment, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                s.id,
                s.brand,
                s.kinds.join(","),
                s.starts_at.timestamp(),
                s.ends_at.timestamp(),
                s.comment,
                s.created_by
            ],
        );
        self.track(r.map(|_| ()).map_err(Into::into))
    }

    /// The silences that end at `since` or later: active, still to start, or ended since then;
    /// newest first.
    pub fn silences_since(&self, since: DateTime<Utc>) -> Result<Vec<Silence>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM silences WHERE ends_at >= ?1 ORDER BY starts_at DESC, id"
        ))?;
        let rows = stmt.query_map([since.timestamp()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The silences in force at `now`.
    pub fn active_silences(&self, now: DateTime<Utc>) -> Result<Vec<Silence>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM silences WHERE starts_at <= ?1 AND ends_at > ?1"
        ))?;
        let rows = stmt.query_map([now.timestamp()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Ends a silence now (if it has not ended already); `None` when there is no such silence.
    pub fn expire_silence(&self, id: &str, now: DateTime<Utc>) -> Result<Option<Silence>> {
        let conn = self.conn();
        let r = conn.execute(
            "UPDATE silences SET ends_at = ?2 WHERE id = ?1 AND ends_at > ?2",
            params![id, now.timestamp()],
        );
        if let Err(e) = r {
            drop(conn);
            return self.track(Err(e.into()));
        }
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {COLUMNS} FROM silences WHERE id = ?1"))?;
        let mut rows = stmt.query_map([id], from_row)?;
        Ok(rows.next().transpose()?)
    }

    /// Silences that have ended by `now` and were not yet released.
    pub fn silences_to_release(&self, now: DateTime<Utc>) -> Result<Vec<Silence>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM silences WHERE ends_at <= ?1 AND released_at IS NULL"
        ))?;
        let rows = stmt.query_map([now.timestamp()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Per brand and stream (its surges, a source, each reach alert: [`super::stream_of`]),
    /// the latest notice, where that one was held back by the silence `id`: the candidates
    /// for release (the caller checks that each alert still fires).
    pub fn held_current_notices(&self, id: &str) -> Result<Vec<AlertEvent>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT event FROM alerts
             WHERE seq IN ({CURRENT_PER_STREAM})
               AND json_extract(event, '$.silenced_by') = ?1
             ORDER BY seq"
        ))?;
        let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        Ok(out)
    }

    /// Hands a held notice over to another silence that also holds it and lasts longer.
    pub fn retag_silenced(&self, alert_id: &str, silence: &str) -> Result<()> {
        let r = self.conn().execute(
            "UPDATE alerts SET event = json_set(event, '$.silenced_by', ?2) WHERE id = ?1",
            params![alert_id, silence],
        );
        self.track(r.map(|_| ()).map_err(Into::into))
    }

    /// Marks the silence released and, in the same transaction, queues each of `notices` for
    /// its channels and writes its holds (the copy that is sent no longer names the silence).
    pub fn release_silence(
        &self,
        id: &str,
        notices: &[super::Routed],
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.track(self.release_inner(id, notices, now))
    }

    fn release_inner(&self, id: &str, notices: &[super::Routed], now: DateTime<Utc>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let first = tx.execute(
            "UPDATE silences SET released_at = ?2 WHERE id = ?1 AND released_at IS NULL",
            params![id, now.timestamp()],
        )? == 1;
        if first {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO outbox(alert_id, channel, event, next_attempt, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
            )?;
            for r in notices {
                let mut sent = r.event.clone();
                sent.brief.silenced_by = None;
                let json =
                    serde_json::to_string(&sent).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                for c in &r.channels {
                    stmt.execute(params![r.event.id, c, json, now.timestamp()])?;
                }
            }
            drop(stmt);
            for r in notices {
                super::held::apply_holds(&tx, r, now)?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::test_event;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn silence(id: &str, brand: &str, kinds: &[&str], from: i64, to: i64) -> Silence {
        Silence {
            id: id.into(),
            brand: brand.into(),
            kinds: kinds.iter().map(|k| k.to_string()).collect(),
            starts_at: at(from),
            ends_at: at(to),
            comment: "campaign".into(),
            created_by: "anna".into(),
        }
    }

    #[test]
    fn matches_brand_star_and_kinds() {
        let e = test_event("1"); // brand "B", kind storm
        assert!(silence("a", "B", &[], 0, 1).matches(&e));
        assert!(silence("a", "*", &["storm"], 0, 1).matches(&e));
        assert!(!silence("a", "B", &["buzz"], 0, 1).matches(&e));
        assert!(!silence("a", "C", &[], 0, 1).matches(&e));
    }

    #[test]
    fn lists_expires_and_releases_once() {
        let s = Store::in_memory().unwrap();
        s.add_silence(&silence("a", "B", &["storm", "buzz"], 0, 7200))
            .unwrap();
        s.add_silence(&silence("old", "*", &[], -100_000, -90_000))
            .unwrap();
        s.add_silence(&silence("later", "B", &[], 5000, 9000))
            .unwrap();
        let active = s.active_silences(at(10)).unwrap();
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].kinds, vec!["storm", "buzz"]);
        assert_eq!(s.silences_since(at(10 - 86_400)).unwrap().len(), 2);
        assert_eq!(s.silences_since(at(-95_000)).unwrap().len(), 3);

        let mut held = test_event("n1");
        held.brief.silenced_by = Some("a".into());
        s.record_alert(&held, &[], at(20)).unwrap();
        assert_eq!(s.outbox_stats().unwrap().pending, 0);

        let ended = s.expire_silence("a", at(30)).unwrap().unwrap();
        assert_eq!(ended.ends_at, at(30));
        assert!(s.expire_silence("nope", at(30)).unwrap().is_none());
        assert!(s.active_silences(at(31)).unwrap().is_empty());
        let due: Vec<_> = s
            .silences_to_release(at(31))
            .unwrap()
            .into_iter()
            .map(|x| x.id)
            .collect();
        assert_eq!(due, vec!["a", "old"]);
        let current = s.held_current_notices("a").unwrap();
        assert_eq!(current.len(), 1);
        let notices = vec![crate::store::Routed::new(
            current[0].clone(),
            vec!["mail".to_string()],
        )];
        s.release_silence("a", &notices, at(31)).unwrap();
        s.release_silence("a", &notices, at(32)).unwrap();
        let out = s.outbox_due(at(40), 10).unwrap();
        assert_eq!(out.len(), 1, "released exactly once");
        assert_eq!(out[0].payload.alert().unwrap().brief.silenced_by, None);
        // The stored alert still says it was silenced.
        assert_eq!(
            s.alert("n1").unwrap().unwrap().brief.silenced_by.as_deref(),
            Some("a")
        );
        let due: Vec<_> = s
            .silences_to_release(at(33))
            .unwrap()
            .into_iter()
            .map(|x| x.id)
            .collect();
        assert_eq!(due, vec!["old"]);
    }

    #[test]
    fn a_later_notice_supersedes_the_held_one() {
        let s = Store::in_memory().unwrap();
        let mut held = test_event("n1");
        held.brief.silenced_by = Some("a".into());
        s.record_alert(&held, &[], at(0)).unwrap();
        s.record_alert(&test_event("n2"), &[], at(1)).unwrap();
        assert!(s.held_current_notices("a").unwrap().is_empty());
    }
}
