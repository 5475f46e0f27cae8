//! The one embedded SQLite database (WAL) under the state directory.
//!
//! Invariant: everything that must survive a restart lives here — dedup keys, brand monitors,
//! alert events, the delivery outbox, source cursors, the mention archive, silences,
//! acknowledgements, notices held for a channel (`held`), the daily digests queued, and the secret that signs ack links — and each write that belongs together
//! (an alert and its outbox rows; a batch's dedup keys, its counts, its archived mentions and
//! its cursor; a digest's record and its outbox row) is one transaction. All calls block: async callers go through `spawn_blocking`
//! or the core thread.
//! Every write's outcome is tracked in [`StoreHealth`], which `/healthz` and `/metrics` show:
//! the last write failed → unhealthy, until a write succeeds again.

mod acks;
mod alerts;
mod archive;
mod cursors;
mod dedup;
mod digest;
mod health;
mod held;
mod journal;
mod outbox;
mod silences;
mod state;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

pub use acks::Ack;
pub use archive::{ArchivedMention, Bucket, MentionFilter, DEFAULT_MAX_PER_BRAND};
pub use health::StoreHealth;
pub use held::{stream_of, HeldNotice, Hold, HoldReason, Routed};
pub use journal::{CountIncrement, IngestTx};
pub use outbox::{OutboxEntry, OutboxRow, OutboxStats, Payload};
pub use silences::Silence;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create state directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("the state directory {path} is not writable: {reason}")]
    ReadOnly { path: PathBuf, reason: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The database file inside the state directory.
pub const DB_FILE: &str = "sturmglas.db";

pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
    health: StoreHealth,
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS dedup (
    key     TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedup_seen ON dedup(seen_at);

CREATE TABLE IF NOT EXISTS brand_state (
    brand      TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS alerts (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    brand       TEXT NOT NULL,
    observed_at INTEGER NOT NULL,
    event       TEXT NOT NULL
);

-- A recorded alert's notice id (cluster/notice.rs), written with the alert: `base` is the
-- identity without the sequence, `seq` how many alerts with that base came before it.
CREATE TABLE IF NOT EXISTS notice_ids (
    alert_id    TEXT PRIMARY KEY,
    base        TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    notice      TEXT NOT NULL,
    observed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notice_ids_base ON notice_ids(base);

CREATE TABLE IF NOT EXISTS outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id     TEXT NOT NULL,
    channel      TEXT NOT NULL,
    event        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER,
    failed_at    INTEGER,
    last_error   TEXT,
    UNIQUE(alert_id, channel)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(delivered_at, failed_at, next_attempt);

CREATE TABLE IF NOT EXISTS count_journal (
    seq      INTEGER PRIMARY KEY,
    brand    TEXT NOT NULL,
    at       INTEGER NOT NULL,
    mentions INTEGER NOT NULL,
    negative INTEGER NOT NULL
);

-- The mention archive (archive.rs): one row per matched mention and brand.
CREATE TABLE IF NOT EXISTS mentions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    brand      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    key        TEXT NOT NULL,
    id         TEXT,
    source     TEXT,
    text       TEXT NOT NULL,
    author     TEXT,
    url        TEXT,
    lang       TEXT,
    reach      INTEGER,
    score      REAL NOT NULL,
    label      TEXT NOT NULL
);
-- (brand, created_at) for every history query; with the label, filtering by it needs no
-- table reads.
CREATE INDEX IF NOT EXISTS mentions_brand_time ON mentions(brand, created_at, label);
CREATE INDEX IF NOT EXISTS mentions_time ON mentions(created_at);
-- The archive's counts per brand and minute, for series whatever the mention volume.
CREATE TABLE IF NOT EXISTS mention_minutes (
    brand    TEXT NOT NULL,
    minute   INTEGER NOT NULL,
    mentions INTEGER NOT NULL,
    negative INTEGER NOT NULL,
    PRIMARY KEY (brand, minute)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS cursors (
    source     TEXT PRIMARY KEY,
    cursor     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS silences (
    id          TEXT PRIMARY KEY,
    brand       TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    comment     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    released_at INTEGER
);

CREATE TABLE IF NOT EXISTS acks (
    brand      TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    alert_id   TEXT NOT NULL,
    by         TEXT NOT NULL,
    comment    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    level      INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    PRIMARY KEY (brand, started_at)
);

-- The daily digests queued (digest.rs): one per channel and local date, written in the
-- transaction that queues its outbox row.
CREATE TABLE IF NOT EXISTS digests (
    channel   TEXT NOT NULL,
    date      TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    PRIMARY KEY (channel, date)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

impl Store {
    /// Opens (creating if needed) the database in `state_dir`.
    pub fn open(state_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(state_dir).map_err(|source| StoreError::CreateDir {
            path: state_dir.to_path_buf(),
            source,
        })?;
        let path = state_dir.join(DB_FILE);
        let read_only = |reason: String| StoreError::ReadOnly {
            path: state_dir.to_path_buf(),
            reason,
        };
        // SQLite opens a read-only file or directory without complaint and fails on the first
        // write with a message that names neither; say it once, plainly, at start.
        probe_writable(state_dir).map_err(|e| read_only(e.to_string()))?;
        let conn = Connection::open(&path)?;
        Self::init(conn, path).map_err(|e| match e {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::ReadOnly
                    || f.code == rusqlite::ErrorCode::CannotOpen =>
            {
                read_only(e.to_string())
            }
            e => e,
        })
    }

    /// A private in-memory database, for tests and `backtest`.
    pub fn in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?, PathBuf::from(":memory:"))
    }

    fn init(conn: Connection, path: PathBuf) -> Result<Store> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(held::SCHEMA)?;
        Ok(Store {
            conn: Mutex::new(conn),
            path,
            health: StoreHealth::default(),
        })
    }

    /// Whether the last write went through, and how many failed.
    pub fn health(&self) -> &StoreHealth {
        &self.health
    }

    /// Notes a write's outcome in [`Store::health`] and passes it on.
    pub(crate) fn track<T>(&self, r: Result<T>) -> Result<T> {
        match &r {
            Ok(_) => self.health.write_ok(),
            Err(e) => self.health.write_failed(e),
        }
        r
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection. A panic while it was held cannot leave SQLite in a half-written state
    /// (transactions roll back), so a poisoned lock is safe to take over.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        crate::lock::lock(&self.conn)
    }

    /// Deletes what has outlived its retention: old dedup keys, old alerts, finished deliveries.
    pub fn prune(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        dedup_retention: std::time::Duration,
        alert_retention: std::time::Duration,
    ) -> Result<usize> {
        let conn = self.conn();
        let now = now.timestamp();
        let dedup_cut = now - dedup_retention.as_secs() as i64;
        let alert_cut = now - alert_retention.as_secs() as i64;
        let mut n = conn.execute("DELETE FROM dedup WHERE seen_at < ?1", [dedup_cut])?;
        n += conn.execute("DELETE FROM alerts WHERE observed_at < ?1", [alert_cut])?;
        n += conn.execute("DELETE FROM notice_ids WHERE observed_at < ?1", [alert_cut])?;
        n += conn.execute("DELETE FROM digests WHERE queued_at < ?1", [alert_cut])?;
        n += conn.execute(
            "DELETE FROM outbox WHERE (delivered_at IS NOT NULL OR failed_at IS NOT NULL) AND created_at < ?1",
            [alert_cut],
        )?;
        Ok(n)
    }
}

/// Creates and removes a file in `dir`, to learn whether writes can succeed at all.
fn probe_writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(".sturmglas-write-probe");
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_on_disk_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("state")).unwrap();
        let mode: String = s
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(s);
        Store::open(&dir.path().join("state")).unwrap();
    }
}
