//! `sturmglas backtest`: replays history through the same core with a simulated clock.
//!
//! Invariant: the engine sees exactly what the daemon would — the same matching, sentiment,
//! monitors and lifecycle — only the clock is the history's. Ticks come every `server.tick`
//! while mentions arrive and every minute in between (the detector's buckets are minutes, so a
//! quiet minute needs only one look). A malformed line is reported on stderr with its line
//! number and skipped; it never stops the replay. With `--json`, stdout holds alert events
//! and nothing else.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use crate::alert::{AlertEvent, Status};
use crate::config::{self, Brand, Ctx, Thresholds};
use crate::engine::Engine;
use crate::mention::parse_ndjson_line;
use crate::sentiment::Analyzer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Mention records, one JSON object per line (the contract's mention record).
    Jsonl,
    /// `timestamp,value` rows: one volume-only series named after the file.
    CountsCsv,
}

/// What `backtest` replays and how it prints; the binary's `cli.rs` fills it from the flags.
#[derive(Debug, Clone)]
pub struct BacktestArgs {
    /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml; optional
    /// with counts-csv]
    pub config: Option<PathBuf>,
    /// The history to replay.
    pub input: PathBuf,
    pub format: Format,
    /// Print one alert event per line as JSON, and nothing else on stdout.
    pub json: bool,
}

// The one replay driver, here before it had a module of its own.
pub use crate::replay::Replay;

/// How long the replay goes on after the last record, so that alerts at the end resolve.
const RUN_OUT: i64 = 3600;

/// Runs the command; the error is for the edge (unreadable input or config).
pub fn run(args: &BacktestArgs) -> anyhow::Result<()> {
    let (events, brands) = match args.format {
        Format::Jsonl => replay_jsonl(args)?,
        Format::CountsCsv => replay_counts(args)?,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        for e in &events {
            serde_json::to_writer(&mut out, e)?;
            out.write_all(b"\n")?;
        }
    } else {
        out.write_all(summary(&events, &brands).as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

fn load_config(args: &BacktestArgs, required: bool) -> anyhow::Result<Option<config::Config>> {
    let explicit = args.config.is_some() || std::env::var_os("STURMGLAS_CONFIG").is_some();
    let path = config::resolve_config_path(args.config.as_deref());
    if !explicit && !required && !path.exists() {
        return Ok(None);
    }
    match config::load(&path) {
        Ok(c) => Ok(Some(c)),
        Err(e) => anyhow::bail!("{e}"),
    }
}

/// The `[defaults.thresholds]` of a valid config (the typed config keeps only the per-brand
/// result of overlaying them).
pub(crate) fn default_thresholds(path: &Path) -> Thresholds {
    let Ok(src) = std::fs::read_to_string(path) else {
        return Thresholds::default();
    };
    match toml::from_str::<config::RawConfig>(&src) {
        Ok(raw) => {
            Thresholds::default().overlay(&raw.defaults.thresholds, &mut Ctx::new(&src, path))
        }
        Err(_) => Thresholds::default(),
    }
}

fn reader(path: &Path) -> anyhow::Result<BufReader<std::fs::File>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(BufReader::new(f))
}

/// The events, and the names of the brands replayed.
fn replay_jsonl(args: &BacktestArgs) -> anyhow::Result<(Vec<AlertEvent>, Vec<String>)> {
    let config = load_config(args, true)?.context("a config with brands is needed for jsonl")?;
    // The config's learned models too, so a backtest scores as the daemon would.
    let analyzer = Arc::new(config.sentiment.analyzer());
    let path = &args.input;
    let mut replay: Option<Replay> = None;
    for (i, line) in reader(path)?.lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        let m = match parse_ndjson_line(&line) {
            Ok(Some(m)) => m,
            Ok(None) => continue,
            Err(e) => {
                eprintln!("{}:{}: skipped: {e}", path.display(), i + 1);
                continue;
            }
        };
        let r = match replay.as_mut() {
            Some(r) => r,
            None => {
                let Some(at) = m.created_at else {
                    eprintln!(
                        "{}:{}: skipped: no created_at to place it in time",
                        path.display(),
                        i + 1
                    );
                    continue;
                };
                let engine = Engine::new(&config.brands, analyzer.clone(), at)?;
                replay.insert(Replay::new(engine, config.server.tick))
            }
        };
        r.feed(&m);
    }
    let events = replay
        .map(|r| r.finish(Duration::seconds(RUN_OUT)))
        .unwrap_or_default();
    Ok((
        events,
        config.brands.iter().map(|b| b.name.clone()).collect(),
    ))
}

/// Reads a timestamp as RFC 3339, `YYYY-MM-DD HH:MM:SS[.fff]` in UTC, or unix seconds.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim().trim_matches('"');
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    let secs: f64 = s.parse().ok()?;
    if !secs.is_finite() {
        return None;
    }
    DateTime::from_timestamp(secs.floor() as i64, 0)
}

/// Reads one `timestamp,value` row.
pub fn parse_row(line: &str) -> Result<(DateTime<Utc>, u64), String> {
    let mut parts = line.split(',');
    let (Some(ts), Some(v)) = (parts.next(), parts.next()) else {
        return Err("expected `timestamp,value`".into());
    };
    let at = parse_timestamp(ts).ok_or_else(|| format!("unreadable timestamp {:?}", ts.trim()))?;
    let value: f64 = v
        .trim()
        .trim_matches('"')
        .parse()
        .map_err(|_| format!("unreadable value {:?}", v.trim()))?;
    if !(value.is_finite() && value >= 0.0) {
        return Err(format!("value must be a count of at least 0, not {value}"));
    }
    Ok((at, value.round() as u64))
}

fn replay_counts(args: &BacktestArgs) -> anyhow::Result<(Vec<AlertEvent>, Vec<String>)> {
    let path = &args.input;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "series".into());
    let config = load_config(args, false)?;
    let thresholds = match &config {
        Some(c) => match c.brands.iter().find(|b| b.name == name) {
            Some(b) => b.thresholds.clone(),
            None => default_thresholds(&c.path),
        },
        None => Thresholds::default(),
    };
    Ok((replay_counts_file(path, &name, thresholds)?, vec![name]))
}

/// Replays one `timestamp,value` file as the series `name` with `thresholds`; malformed lines
/// are reported on stderr and skipped.
pub fn replay_counts_file(
    path: &Path,
    name: &str,
    thresholds: Thresholds,
) -> anyhow::Result<Vec<AlertEvent>> {
    let analyzer = Arc::new(Analyzer::new());
    replay_count_rows(&read_count_rows(path)?, name, thresholds, &analyzer)
}

/// Reads a `timestamp,value` file; malformed lines are reported on stderr and skipped, a
/// first line that is not a row is taken as a header.
pub fn read_count_rows(path: &Path) -> anyhow::Result<Vec<(DateTime<Utc>, u64)>> {
    let mut rows = Vec::new();
    for (i, line) in reader(path)?.lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match parse_row(&line) {
            Ok(r) => rows.push(r),
            Err(_) if i == 0 => continue, // a header
            Err(e) => eprintln!("{}:{}: skipped: {e}", path.display(), i + 1),
        }
    }
    Ok(rows)
}

/// Replays `timestamp,value` rows as the series `name` with `thresholds`, as a daemon fed by
/// this series would see them (`backtest` and `tune` both). The analyzer scores nothing here
/// (the counts have no texts); it is passed in so that a grid of replays loads it once.
pub fn replay_count_rows(
    rows: &[(DateTime<Utc>, u64)],
    name: &str,
    thresholds: Thresholds,
    analyzer: &Arc<Analyzer>,
) -> anyhow::Result<Vec<AlertEvent>> {
    let brand = Brand {
        name: name.to_string(),
        keywords: vec![name.to_string()],
        exclude: vec![],
        query: None,
        filters: Default::default(),
        thresholds,
    };
    let mut engine: Option<Engine> = None;
    let mut events = Vec::new();
    let mut last: Option<DateTime<Utc>> = None;
    for &(at, value) in rows {
        let e = match engine.as_mut() {
            Some(e) => e,
            None => engine.insert(Engine::new(
                std::slice::from_ref(&brand),
                analyzer.clone(),
                at,
            )?),
        };
        e.record_volume(0, at, value);
        // The row's counts are complete when it is read: look at once, as a daemon fed by
        // this series would.
        if last.is_none_or(|l| at > l) {
            events.extend(e.tick(at));
            last = Some(at);
        }
    }
    if let (Some(e), Some(l)) = (engine.as_mut(), last) {
        let mut t = l;
        while t < l + Duration::seconds(RUN_OUT) {
            t += Duration::seconds(60);
            events.extend(e.tick(t));
        }
    }
    Ok(events)
}

/// The human-readable account: per brand (those of `names` first, in order, then any other
/// brand that has events), each notice with when and why.
pub fn summary(events: &[AlertEvent], names: &[String]) -> String {
    if events.is_empty() {
        return "No alerts: nothing in this history would have fired.\n".into();
    }
    let mut brands: Vec<&str> = names.iter().map(String::as_str).collect();
    for e in events {
        if !brands.contains(&e.brand.as_str()) {
            brands.push(&e.brand);
        }
    }
    let mut s = String::new();
    for b in brands {
        let mine: Vec<&AlertEvent> = events.iter().filter(|e| e.brand == b).collect();
        if mine.is_empty() {
            s.push_str(&format!("{b}: no alerts\n"));
            continue;
        }
        let started = mine
            .iter()
            .filter(|e| e.status == Status::Firing && e.started_at <= e.observed_at)
            .map(|e| e.started_at)
            .collect::<HashSet<_>>()
            .len();
        s.push_str(&format!(
            "{b}: {started} alert(s), {} notice(s)\n",
            mine.len()
        ));
        for e in mine {
            let when = e.observed_at.format("%Y-%m-%d %H:%M:%S UTC");
            match e.status {
                Status::Firing => {
                    let delay = (e.observed_at - e.started_at).num_seconds();
                    s.push_str(&format!(
                        "  {when}  FIRING {} {} (surge since {}, {}s)\n",
                        e.level.as_str(),
                        e.kind.as_str(),
                        e.started_at.format("%H:%M:%S"),
                        delay
                    ));
                    for r in &e.reasons {
                        s.push_str(&format!("      {r}\n"));
                    }
                }
                Status::Resolved => s.push_str(&format!(
                    "  {when}  RESOLVED {} (began {})\n",
                    e.kind.as_str(),
                    e.started_at.format("%Y-%m-%d %H:%M")
                )),
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_timestamp_forms() {
        let want: DateTime<Utc> = "2015-02-26T21:42:53Z".parse().unwrap();
        assert_eq!(parse_timestamp("2015-02-26T21:42:53Z"), Some(want));
        assert_eq!(parse_timestamp("2015-02-26T22:42:53+01:00"), Some(want));
        assert_eq!(parse_timestamp("2015-02-26 21:42:53"), Some(want));
        assert_eq!(parse_timestamp("2015-02-26 21:42:53.000000"), Some(want));
        assert_eq!(parse_timestamp(&want.timestamp().to_string()), Some(want));
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn reads_rows_and_rejects_bad_ones() {
        assert_eq!(parse_row("1424986973,104").unwrap().1, 104);
        assert!(parse_row("timestamp,value").is_err());
        assert!(parse_row("2015-02-26 21:42:53").is_err());
        assert!(parse_row("2015-02-26 21:42:53,-3").is_err());
        assert!(parse_row("2015-02-26 21:42:53,many").is_err());
    }
}
