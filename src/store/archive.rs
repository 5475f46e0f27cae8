//! The mention archive: every matched mention, per brand, with its sentiment, for the history
//! endpoints (`/api/v1/brands/{name}/series`, `…/mentions`) and `sturmglas export`.
//!
//! Invariant: an archived mention was written in the same transaction as its dedup key and its
//! count increments ([`IngestTx::archive`]), so the archive holds exactly the mentions the
//! counts hold — never one the counts lack, never one twice. Beside the rows, the same
//! transaction adds each to its brand's count of that minute (`mention_minutes`), which the
//! series reads: a month of 5-minute points is at most 43,200 small rows, whatever the volume.
//!
//! Bounded: [`Store::prune_archive`] drops rows and minute counts older than
//! `mention_retention` and, per brand, all but the newest [`DEFAULT_MAX_PER_BRAND`] mention
//! rows (the minute counts stay: the series keeps the whole volume within the retention, the
//! mention list the newest posts). A mention about two brands is one row per brand.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags};
use serde::Serialize;
use std::path::Path;

use super::{IngestTx, Result, Store, StoreError};
use crate::mention::Mention;
use crate::sentiment::Label;

/// Rows kept per brand at most, whatever the retention: at a few hundred bytes a row, about
/// 100 MB per brand; a storm of a few thousand posts an hour fits weeks of it.
pub const DEFAULT_MAX_PER_BRAND: u64 = 250_000;

/// One archived mention: the mention record (its `created_at` always set) with the score and
/// label it was counted with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchivedMention {
    #[serde(flatten)]
    pub mention: Mention,
    pub score: f64,
    pub label: Label,
}

/// Counts of one series bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    pub mentions: u64,
    pub negative: u64,
}

/// What [`Store::archived_mentions`] selects.
#[derive(Debug, Clone, Default)]
pub struct MentionFilter<'a> {
    /// Only this brand; every brand when `None` (a mention about several appears once).
    pub brand: Option<&'a str>,
    /// Unix seconds, inclusive.
    pub from: i64,
    /// Unix seconds, exclusive.
    pub to: i64,
    pub label: Option<Label>,
    /// A source's name or kind (`mastodon` matches `mastodon` and `mastodon:…`).
    pub source: Option<&'a str>,
    /// At most this many, newest first; `None`: all, oldest first (for `export`).
    pub limit: Option<usize>,
}

fn parse_label(s: &str) -> Label {
    match s {
        "negative" => Label::Negative,
        "positive" => Label::Positive,
        _ => Label::Neutral,
    }
}

/// One row of the archive queries' columns, as a mention record.
fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ArchivedMention> {
    let at: i64 = r.get(0)?;
    let key: String = r.get(1)?;
    let id: Option<String> = r.get(2)?;
    let label: String = r.get(10)?;
    Ok(ArchivedMention {
        mention: Mention {
            // Without an id of its own, its dedup key: an exported mention ingested again is
            // then a duplicate, not a second count.
            id: Some(id.unwrap_or(key)),
            source: r.get(3)?,
            text: r.get(4)?,
            created_at: DateTime::from_timestamp(at, 0),
            author: r.get(5)?,
            url: r.get(6)?,
            lang: r.get(7)?,
            reach: r.get::<_, Option<i64>>(8)?.map(|n| n.max(0) as u64),
        },
        score: r.get(9)?,
        label: parse_label(&label),
    })
}

impl IngestTx<'_> {
    /// Archives a mention counted for `brand` at `at` (unix seconds, as its count increment),
    /// in `lang` (declared or detected), under its dedup `key`.
    #[allow(clippy::too_many_arguments)]
    pub fn archive(
        &mut self,
        brand: &str,
        key: &str,
        m: &Mention,
        at: i64,
        lang: &str,
        score: f64,
        label: Label,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO mentions(brand, created_at, key, id, source, text, author, url, lang, \
             reach, score, label) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        stmt.execute(params![
            brand,
            at,
            key,
            m.id,
            m.source,
            m.text,
            m.author,
            m.url,
            lang,
            m.reach.map(|r| r.min(i64::MAX as u64) as i64),
            score,
            label.as_str(),
        ])?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO mention_minutes(brand, minute, mentions, negative) VALUES (?1, ?2, 1, ?3) \
             ON CONFLICT(brand, minute) DO UPDATE SET mentions = mentions + 1, \
             negative = negative + excluded.negative",
        )?;
        stmt.execute(params![
            brand,
            at.div_euclid(60),
            i64::from(label == Label::Negative)
        ])?;
        Ok(())
    }
}

impl Store {
    /// Opens the database in `state_dir` for reading only, next to a running daemon (WAL lets
    /// readers in while it writes). Creates nothing; a missing database is an error.
    pub fn open_read_only(state_dir: &Path) -> Result<Store> {
        let path = state_dir.join(super::DB_FILE);
        if !path.is_file() {
            return Err(StoreError::Corrupt(format!(
                "no state database at {}",
                path.display()
            )));
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Store {
            conn: std::sync::Mutex::new(conn),
            path,
            health: super::StoreHealth::default(),
        })
    }

    /// Mentions and negatives of `brand` per `step` seconds (a whole number of minutes), for
    /// the buckets `first..first+n` (bucket `i` covers `[(first+i)·step, (first+i+1)·step)`).
    /// Read from the per-minute counts: at most one row per minute of the range, however
    /// many mentions it held.
    pub fn archive_series(
        &self,
        brand: &str,
        first: i64,
        step: i64,
        n: usize,
    ) -> Result<Vec<Bucket>> {
        let mut out = vec![Bucket::default(); n];
        if n == 0 || step <= 0 {
            return Ok(out);
        }
        let from = first.saturating_mul(step);
        let to = from.saturating_add(step.saturating_mul(n as i64));
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT minute, mentions, negative FROM mention_minutes \
             WHERE brand = ?1 AND minute >= ?2 AND minute < ?3",
        )?;
        let mut rows = stmt.query(params![brand, from.div_euclid(60), to.div_euclid(60)])?;
        while let Some(r) = rows.next()? {
            let minute: i64 = r.get(0)?;
            let idx = (minute * 60).div_euclid(step) - first;
            let Some(b) = usize::try_from(idx).ok().and_then(|i| out.get_mut(i)) else {
                continue;
            };
            b.mentions += r.get::<_, i64>(1)?.max(0) as u64;
            b.negative += r.get::<_, i64>(2)?.max(0) as u64;
        }
        Ok(out)
    }

    /// Archived mentions by `filter`: newest first with a limit, else oldest first.
    pub fn archived_mentions(&self, f: &MentionFilter<'_>) -> Result<Vec<ArchivedMention>> {
        let mut out = Vec::new();
        self.each_archived(f, |m| {
            out.push(m);
            Ok::<_, StoreError>(())
        })?;
        Ok(out)
    }

    /// Hands each archived mention by `filter` to `each`, in the order of
    /// [`Store::archived_mentions`], without holding them all: `export` streams the whole
    /// archive this way. An error from `each` stops the walk and is returned.
    pub fn each_archived<E: From<StoreError>>(
        &self,
        f: &MentionFilter<'_>,
        mut each: impl FnMut(ArchivedMention) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let db = |e: rusqlite::Error| E::from(StoreError::from(e));
        let conn = self.conn();
        let mut sql = String::from(
            "SELECT created_at, key, id, source, text, author, url, lang, reach, score, label \
             FROM mentions WHERE created_at >= ?1 AND created_at < ?2",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![f.from.into(), f.to.into()];
        if let Some(b) = f.brand {
            args.push(b.to_string().into());
            sql += &format!(" AND brand = ?{}", args.len());
        }
        if let Some(l) = f.label {
            args.push(l.as_str().to_string().into());
            sql += &format!(" AND label = ?{}", args.len());
        }
        if let Some(s) = f.source {
            args.push(s.to_string().into());
            let a = args.len();
            args.push(format!("{s}:%").into());
            sql += &format!(" AND (source = ?{a} OR source LIKE ?{})", args.len());
        }
        if f.brand.is_none() {
            // A mention about several brands has a row per brand; export it once.
            sql += " GROUP BY key";
        }
        match f.limit {
            Some(n) => sql += &format!(" ORDER BY created_at DESC, seq DESC LIMIT {n}"),
            None => sql += " ORDER BY created_at, seq",
        }
        let mut stmt = conn.prepare(&sql).map_err(db)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args)).map_err(db)?;
        while let Some(r) = rows.next().map_err(db)? {
            each(read_row(r).map_err(db)?)?;
        }
        Ok(())
    }

    /// Drops archived mentions older than `retention`, then all but the newest `max_per_brand`
    /// of each brand. Returns the rows deleted.
    pub fn prune_archive(
        &self,
        now: DateTime<Utc>,
        retention: std::time::Duration,
        max_per_brand: u64,
    ) -> Result<usize> {
        let conn = self.conn();
        let cut = now.timestamp() - retention.as_secs().min(i64::MAX as u64 / 2) as i64;
        let mut n = conn.execute("DELETE FROM mentions WHERE created_at < ?1", [cut])?;
        n += conn.execute(
            "DELETE FROM mention_minutes WHERE minute < ?1",
            [cut.div_euclid(60)],
        )?;
        let brands: Vec<String> = {
            let mut stmt =
                conn.prepare("SELECT brand FROM mentions GROUP BY brand HAVING COUNT(*) > ?1")?;
            let rows = stmt.query_map([max_per_brand.min(i64::MAX as u64) as i64], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for b in brands {
            n += conn.execute(
                "DELETE FROM mentions WHERE seq IN (SELECT seq FROM mentions WHERE brand = ?1 \
                 ORDER BY created_at DESC, seq DESC LIMIT -1 OFFSET ?2)",
                params![b, max_per_brand.min(i64::MAX as u64) as i64],
            )?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(id: &str, text: &str, source: &str) -> Mention {
        let mut m = Mention::new(text);
        m.id = Some(id.into());
        m.source = Some(source.into());
        m.author = Some("user42".into());
        m.url = Some(format!("https://example.org/{id}"));
        m.lang = Some("de".into());
        m.reach = Some(1200);
        m
    }

    /// Archives `(id, brand, at, label)` rows in one committed ingest transaction.
    fn put(s: &Store, rows: &[(&str, &str, i64, Label)]) {
        let mut tx = s.begin_ingest(Utc::now()).unwrap();
        for &(id, brand, at, label) in rows {
            tx.mark_seen(id).unwrap();
            let m = mention(id, &format!("post {id}"), "mastodon:social");
            tx.archive(brand, id, &m, at, "de", -0.5, label).unwrap();
        }
        tx.commit().unwrap();
    }

    fn all(s: &Store, brand: Option<&str>) -> Vec<ArchivedMention> {
        s.archived_mentions(&MentionFilter {
            brand,
            from: 0,
            to: i64::MAX,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn archived_with_the_batch_and_rolled_back_with_it() {
        let s = Store::in_memory().unwrap();
        {
            let mut tx = s.begin_ingest(Utc::now()).unwrap();
            tx.mark_seen("a").unwrap();
            let m = mention("a", "dropped", "rss");
            tx.archive("A", "a", &m, 100, "de", -0.9, Label::Negative)
                .unwrap();
        }
        assert!(all(&s, None).is_empty(), "a dropped batch archives nothing");
        put(&s, &[("a", "A", 100, Label::Negative)]);
        let got = all(&s, Some("A"));
        assert_eq!(got.len(), 1);
        let g = &got[0];
        assert_eq!(g.mention.id.as_deref(), Some("a"));
        assert_eq!(g.mention.text, "post a");
        assert_eq!(g.mention.author.as_deref(), Some("user42"));
        assert_eq!(g.mention.url.as_deref(), Some("https://example.org/a"));
        assert_eq!(g.mention.lang.as_deref(), Some("de"));
        assert_eq!(g.mention.reach, Some(1200));
        assert_eq!(g.mention.source.as_deref(), Some("mastodon:social"));
        assert_eq!(g.mention.created_at.map(|t| t.timestamp()), Some(100));
        assert_eq!((g.score, g.label), (-0.5, Label::Negative));
    }

    #[test]
    fn prunes_by_age_then_caps_each_brand() {
        let s = Store::in_memory().unwrap();
        let now = DateTime::from_timestamp(10 * 86_400, 0).unwrap();
        let mut rows = Vec::new();
        let ids: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            // m0..m4 are 9 days old, m5..m9 a day old; all about A, m9 also about B.
            let at = if i < 5 { 86_400 } else { 9 * 86_400 + i as i64 };
            rows.push((id.as_str(), "A", at, Label::Neutral));
        }
        rows.push(("m9", "B", 9 * 86_400 + 9, Label::Neutral));
        put(&s, &rows);
        let week = std::time::Duration::from_secs(7 * 86_400);
        // Five old rows and their one minute count.
        assert_eq!(s.prune_archive(now, week, 1000).unwrap(), 6);
        assert_eq!(all(&s, Some("A")).len(), 5);
        let day = |s: &Store| s.archive_series("A", 0, 86_400, 10).unwrap();
        assert_eq!(day(&s)[1].mentions, 0);
        assert_eq!(day(&s)[9].mentions, 5);
        // The cap keeps the newest three of A; B's one row stays.
        assert_eq!(s.prune_archive(now, week, 3).unwrap(), 2);
        let a: Vec<_> = all(&s, Some("A"))
            .into_iter()
            .map(|m| m.mention.id.unwrap())
            .collect();
        assert_eq!(a, ["m7", "m8", "m9"]);
        assert_eq!(all(&s, Some("B")).len(), 1);
        assert_eq!(
            day(&s)[9].mentions,
            5,
            "the series keeps the capped rows' counts"
        );
        assert_eq!(s.prune_archive(now, week, 3).unwrap(), 0);
    }

    #[test]
    fn series_counts_mentions_and_negatives_per_bucket() {
        let s = Store::in_memory().unwrap();
        put(
            &s,
            &[
                ("a", "A", 600, Label::Negative),
                ("b", "A", 899, Label::Neutral),
                ("c", "A", 900, Label::Negative),
                ("d", "A", 1500, Label::Positive),
                ("e", "B", 600, Label::Negative),
                ("f", "A", 1800, Label::Negative), // past the range
            ],
        );
        // Buckets of 300 s from 600: [600,900) [900,1200) [1200,1500) [1500,1800).
        let got = s.archive_series("A", 2, 300, 4).unwrap();
        let pairs: Vec<_> = got.iter().map(|b| (b.mentions, b.negative)).collect();
        assert_eq!(pairs, [(2, 1), (1, 1), (0, 0), (1, 0)]);
        assert!(s
            .archive_series("nobody", 2, 300, 4)
            .unwrap()
            .iter()
            .all(|b| b.mentions == 0));
    }

    #[test]
    fn mentions_filter_by_time_label_source_and_limit() {
        let s = Store::in_memory().unwrap();
        put(
            &s,
            &[
                ("a", "A", 100, Label::Negative),
                ("b", "A", 200, Label::Neutral),
                ("c", "A", 300, Label::Negative),
                ("d", "A", 400, Label::Negative),
                ("e", "B", 300, Label::Negative),
            ],
        );
        {
            // A second source, to filter by.
            let mut tx = s.begin_ingest(Utc::now()).unwrap();
            let m = mention("r", "from rss", "rss:feed");
            tx.archive("A", "r", &m, 350, "de", -0.2, Label::Negative)
                .unwrap();
            tx.archive("B", "r", &m, 350, "de", -0.2, Label::Negative)
                .unwrap();
            tx.commit().unwrap();
        }
        let ids = |f: MentionFilter<'_>| -> Vec<String> {
            s.archived_mentions(&f)
                .unwrap()
                .into_iter()
                .map(|m| m.mention.id.unwrap())
                .collect()
        };
        let base = MentionFilter {
            brand: Some("A"),
            from: 150,
            to: 400,
            label: Some(Label::Negative),
            limit: Some(100),
            ..Default::default()
        };
        assert_eq!(ids(base.clone()), ["r", "c"], "newest first, to exclusive");
        assert_eq!(
            ids(MentionFilter {
                limit: Some(1),
                ..base.clone()
            }),
            ["r"]
        );
        assert_eq!(
            ids(MentionFilter {
                source: Some("mastodon"),
                ..base.clone()
            }),
            ["c"]
        );
        assert_eq!(
            ids(MentionFilter {
                source: Some("rss:feed"),
                ..base.clone()
            }),
            ["r"]
        );
        assert_eq!(
            ids(MentionFilter {
                label: None,
                from: 0,
                ..base.clone()
            }),
            ["r", "c", "b", "a"]
        );
        // Every brand, for export: oldest first, a mention about two brands once.
        assert_eq!(
            ids(MentionFilter {
                brand: None,
                from: 0,
                to: 1000,
                ..Default::default()
            }),
            ["a", "b", "c", "e", "r", "d"]
        );
    }

    #[test]
    fn read_only_store_reads_beside_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let w = Store::open(dir.path()).unwrap();
        put(&w, &[("a", "A", 100, Label::Negative)]);
        let r = Store::open_read_only(dir.path()).unwrap();
        assert_eq!(all(&r, Some("A")).len(), 1);
        put(&w, &[("b", "A", 200, Label::Negative)]);
        assert_eq!(all(&r, Some("A")).len(), 2);
        assert!(
            r.conn().execute("DELETE FROM mentions", []).is_err(),
            "a read-only store refuses writes"
        );
        assert!(Store::open_read_only(&dir.path().join("nope")).is_err());
    }
}
