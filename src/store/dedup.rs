//! De-duplication keys: a mention seen twice (by id) counts once, across restarts.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Result, Store};

impl Store {
    /// Records `keys` as seen at `now`; returns for each whether it was new. Duplicates within
    /// `keys` count as seen after their first occurrence.
    pub fn mark_seen(&self, keys: &[String], now: DateTime<Utc>) -> Result<Vec<bool>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut out = Vec::with_capacity(keys.len());
        {
            let mut stmt =
                tx.prepare_cached("INSERT OR IGNORE INTO dedup(key, seen_at) VALUES (?1, ?2)")?;
            for k in keys {
                out.push(stmt.execute(params![k, now.timestamp()])? == 1);
            }
        }
        tx.commit()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_sighting_is_a_duplicate() {
        let s = Store::in_memory().unwrap();
        let now = Utc::now();
        let keys = vec!["a".to_string(), "b".into(), "a".into()];
        assert_eq!(s.mark_seen(&keys, now).unwrap(), vec![true, true, false]);
        assert_eq!(s.mark_seen(&["b".into()], now).unwrap(), vec![false]);
    }
}
