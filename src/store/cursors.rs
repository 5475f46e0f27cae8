//! Source cursors: where each source resumes after a restart.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{Result, Store};

pub(super) fn upsert_cursor(
    conn: &rusqlite::Connection,
    source: &str,
    cursor: &str,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO cursors(source, cursor, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
    )?
    .execute(params![source, cursor, now])?;
    Ok(())
}

impl Store {
    pub fn cursor(&self, source: &str) -> Result<Option<String>> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                "SELECT cursor FROM cursors WHERE source = ?1",
                [source],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn set_cursor(&self, source: &str, cursor: &str, now: DateTime<Utc>) -> Result<()> {
        let r = upsert_cursor(&self.conn(), source, cursor, now.timestamp());
        self.track(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let s = Store::in_memory().unwrap();
        assert_eq!(s.cursor("rss:x").unwrap(), None);
        s.set_cursor("rss:x", "42", Utc::now()).unwrap();
        s.set_cursor("rss:x", "43", Utc::now()).unwrap();
        assert_eq!(s.cursor("rss:x").unwrap().as_deref(), Some("43"));
    }
}
