//! `sturmglas export`: the mention archive as JSONL mention records, for `backtest --format
//! jsonl`, `tune`, or another daemon's ingest.
//!
//! Invariant: reads only. The config's state database is opened read-only, so export runs
//! beside a live daemon (WAL) and can neither change nor lock its state. Records come oldest
//! first, each with `score` and `label` besides the mention fields (readers of mention records
//! ignore them); a mention about several brands is written once when no brand is chosen.

use std::io::Write;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::store::{MentionFilter, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot read the archive: {0}")]
    Store(#[from] StoreError),
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
}

/// What to export: a brand (all when `None`) and an RFC 3339 range (all time when open).
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    pub brand: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

fn time(name: &str, v: Option<&str>) -> Result<Option<i64>, ExportError> {
    v.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc).timestamp())
            .map_err(|e| {
                ExportError::Usage(format!("--{name}: {s:?} is not an RFC 3339 time ({e})"))
            })
    })
    .transpose()
}

/// Writes the archived mentions `req` selects from the state of `config` to `out`, one JSON
/// record per line; returns how many.
pub fn export(
    config: &Config,
    req: &ExportRequest,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    if let Some(b) = req.brand.as_deref() {
        if !config.brands.iter().any(|c| c.name == b) {
            return Err(ExportError::Usage(format!(
                "--brand: no brand named {b:?} in {}",
                config.path.display()
            )));
        }
    }
    let from = time("from", req.from.as_deref())?.unwrap_or(i64::MIN);
    let to = time("to", req.to.as_deref())?.unwrap_or(i64::MAX);
    if from >= to {
        return Err(ExportError::Usage("--from must be before --to".into()));
    }
    let store = Store::open_read_only(&config.storage.state_dir)?;
    let mut n = 0;
    let filter = MentionFilter {
        brand: req.brand.as_deref(),
        from,
        to,
        ..Default::default()
    };
    store.each_archived(&filter, |m| -> Result<(), ExportError> {
        serde_json::to_writer(&mut *out, &m).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        n += 1;
        Ok(())
    })?;
    out.flush()?;
    Ok(n)
}
