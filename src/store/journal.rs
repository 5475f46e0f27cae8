//! The count journal and the ingest transaction.
//!
//! Brand monitors are saved as a whole only now and then (they are kilobytes each); what was
//! counted since lives here, one row per brand and second per batch. A batch's dedup keys, its
//! count increments and its source cursor are committed in one transaction
//! ([`IngestTx`]) before the caller counts anything in memory or answers 202; saving the
//! monitors clears the journal in the same transaction as the save.
//!
//! Invariant: saved monitors + journal = every count the store ever acknowledged, each once.
//! Restoring loads the monitors and replays the journal on top of them.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use std::sync::MutexGuard;

use super::{Result, Store};

/// Counts to add to one brand's window at one second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountIncrement {
    pub brand: String,
    /// Unix seconds of the mentions' time (`created_at`, else arrival).
    pub at: i64,
    pub mentions: u64,
    pub negative: u64,
}

/// One open ingest transaction. Dropped without [`IngestTx::commit`], it rolls back.
pub struct IngestTx<'a> {
    store: &'a Store,
    pub(super) conn: MutexGuard<'a, Connection>,
    open: bool,
    now: i64,
}

impl IngestTx<'_> {
    /// Records a dedup key; true if it was new.
    pub fn mark_seen(&mut self, key: &str) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO dedup(key, seen_at) VALUES (?1, ?2)")?;
        Ok(stmt.execute(params![key, self.now])? == 1)
    }

    /// Journals count increments.
    pub fn add_counts(&mut self, counts: &[CountIncrement]) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO count_journal(brand, at, mentions, negative) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for c in counts {
            stmt.execute(params![c.brand, c.at, c.mentions as i64, c.negative as i64])?;
        }
        Ok(())
    }

    /// Moves a source's cursor, with the mentions it covers.
    pub fn set_cursor(&mut self, source: &str, cursor: &str) -> Result<()> {
        super::cursors::upsert_cursor(&self.conn, source, cursor, self.now)
    }

    /// Makes everything of this transaction durable.
    pub fn commit(mut self) -> Result<()> {
        let r = self.conn.execute_batch("COMMIT");
        if r.is_ok() {
            self.open = false;
        }
        self.store.track(r.map_err(Into::into))
    }
}

impl Drop for IngestTx<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

pub(super) fn clear_journal(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM count_journal", [])?;
    Ok(())
}

impl Store {
    /// Opens the transaction of one ingest batch (dedup keys, counts, cursor).
    pub fn begin_ingest(&self, now: DateTime<Utc>) -> Result<IngestTx<'_>> {
        let conn = self.conn();
        self.track(conn.execute_batch("BEGIN IMMEDIATE").map_err(Into::into))?;
        Ok(IngestTx {
            store: self,
            conn,
            open: true,
            now: now.timestamp(),
        })
    }

    /// The counts journaled since the brand states were last saved, oldest first.
    pub fn count_journal(&self) -> Result<Vec<CountIncrement>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT brand, at, mentions, negative FROM count_journal ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok(CountIncrement {
                brand: r.get(0)?,
                at: r.get(1)?,
                mentions: r.get::<_, i64>(2)?.max(0) as u64,
                negative: r.get::<_, i64>(3)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inc(brand: &str, at: i64, n: u64) -> CountIncrement {
        CountIncrement {
            brand: brand.into(),
            at,
            mentions: n,
            negative: n / 2,
        }
    }

    #[test]
    fn a_committed_batch_keeps_keys_counts_and_cursor_together() {
        let s = Store::in_memory().unwrap();
        let now = Utc::now();
        let mut tx = s.begin_ingest(now).unwrap();
        assert!(tx.mark_seen("a").unwrap());
        assert!(!tx.mark_seen("a").unwrap());
        tx.add_counts(&[inc("A", 60, 4)]).unwrap();
        tx.set_cursor("rss:x", "7").unwrap();
        tx.commit().unwrap();
        assert_eq!(s.count_journal().unwrap(), vec![inc("A", 60, 4)]);
        assert_eq!(s.cursor("rss:x").unwrap().as_deref(), Some("7"));
        // Saving the states absorbs the journal.
        s.save_brand_states(&[("A".into(), "{}".into())], now)
            .unwrap();
        assert!(s.count_journal().unwrap().is_empty());
    }

    #[test]
    fn a_dropped_batch_leaves_nothing() {
        let s = Store::in_memory().unwrap();
        let now = Utc::now();
        {
            let mut tx = s.begin_ingest(now).unwrap();
            assert!(tx.mark_seen("a").unwrap());
            tx.add_counts(&[inc("A", 60, 4)]).unwrap();
            tx.set_cursor("rss:x", "7").unwrap();
        }
        assert!(s.count_journal().unwrap().is_empty());
        assert_eq!(s.cursor("rss:x").unwrap(), None);
        let mut tx = s.begin_ingest(now).unwrap();
        assert!(tx.mark_seen("a").unwrap(), "the key was rolled back too");
    }
}
