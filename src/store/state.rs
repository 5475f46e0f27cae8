//! Brand monitors, persisted as JSON so that a restart keeps counts, baselines and alert state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Result, Store};

pub(super) fn upsert_states(
    tx: &rusqlite::Transaction<'_>,
    states: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO brand_state(brand, state, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(brand) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
    )?;
    for (brand, state) in states {
        stmt.execute(params![brand, state, now.timestamp()])?;
    }
    Ok(())
}

impl Store {
    /// Saves every brand's monitor and clears the count journal, which they now include.
    pub fn save_brand_states(&self, states: &[(String, String)], now: DateTime<Utc>) -> Result<()> {
        self.track(self.save_states_inner(states, now))
    }

    fn save_states_inner(&self, states: &[(String, String)], now: DateTime<Utc>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        upsert_states(&tx, states, now)?;
        // The saved monitors hold every journaled count from here on.
        super::journal::clear_journal(&tx)?;
        tx.commit()?;
        Ok(())
    }

    pub fn load_brand_states(&self) -> Result<HashMap<String, String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT brand, state FROM brand_state")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut out = HashMap::new();
        for row in rows {
            let (k, v): (String, String) = row?;
            out.insert(k, v);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_overwrites() {
        let s = Store::in_memory().unwrap();
        let now = Utc::now();
        s.save_brand_states(&[("A".into(), "1".into())], now)
            .unwrap();
        s.save_brand_states(&[("A".into(), "2".into())], now)
            .unwrap();
        assert_eq!(s.load_brand_states().unwrap()["A"], "2");
    }
}
