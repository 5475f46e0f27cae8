//! `sturmglas demo`: the offline first experience.
//!
//! Replays a bundled recording (calm days of German and English posts about a few brands, then
//! a German storm about one of them) through the same engine the daemon runs, on a simulated
//! clock, and writes each alert email as an `.eml` file a mail client can open. Nothing leaves
//! the machine. The recording is made by `examples/gen_demo_recording.rs`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::alert::{AlertEvent, Status};
use crate::config::notify::{Language, Locale};
use crate::config::{self, Config};
use crate::engine::Engine;
use crate::mention::{self, Mention};
use crate::replay::Replay;
use crate::sentiment::Analyzer;

/// The bundled recording, one mention record (JSON) per line.
pub const RECORDING: &str = include_str!("../data/demo/recording.jsonl");
/// The config the demo runs with: the brands of the recording and one email channel.
pub const CONFIG: &str = concat!(
    include_str!("../data/demo/brands.toml"),
    include_str!("../data/demo/sturmglas-demo.toml")
);

/// How often the simulated daemon ticks. The real one ticks every few seconds; a minute is
/// plenty to show when an alert fires.
const TICK: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("bundled demo config is invalid: {0}")]
    Config(String),
    #[error("bundled recording, line {line}: {message}")]
    Recording { line: usize, message: String },
    #[error("cannot write to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot render an email: {0}")]
    Render(String),
}

/// What the demo did, for the account printed at the end and for tests.
#[derive(Debug, Default)]
pub struct DemoReport {
    pub mentions: usize,
    pub matched: usize,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    pub alerts: Vec<AlertEvent>,
    pub files: Vec<PathBuf>,
}

pub fn demo_config() -> Result<Config, DemoError> {
    config::parse(CONFIG, Path::new("sturmglas-demo.toml"))
        .map_err(|e| DemoError::Config(e.to_string()))
}

/// Writes the demo's emails in `language` instead of the bundled channel's German.
pub fn set_language(config: &mut Config, language: Language) {
    for e in &mut config.notify.email {
        e.locale.language = language;
    }
}

/// `sturmglas demo`: the bundled recording replayed with the bundled config (its emails in
/// English when `english`), the emails written into `out_dir`; returns the account to print.
pub fn run_bundled(out_dir: &Path, english: bool) -> Result<String, DemoError> {
    let mut config = demo_config()?;
    if english {
        set_language(&mut config, Language::En);
    }
    let recording = parse_recording(RECORDING)?;
    let report = run(&config, &recording, out_dir)?;
    Ok(account(&config, &report, out_dir))
}

/// Reads a recording: every line must be a valid mention with a `created_at`.
pub fn parse_recording(text: &str) -> Result<Vec<Mention>, DemoError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let parsed = mention::parse_ndjson_line(line).map_err(|message| DemoError::Recording {
            line: i + 1,
            message,
        })?;
        if let Some(m) = parsed {
            if m.created_at.is_none() {
                return Err(DemoError::Recording {
                    line: i + 1,
                    message: "missing created_at".into(),
                });
            }
            out.push(m);
        }
    }
    out.sort_by_key(|m| m.created_at);
    Ok(out)
}

/// Replays `recording` with `config` and writes the alert emails into `out_dir`.
pub fn run(
    config: &Config,
    recording: &[Mention],
    out_dir: &Path,
) -> Result<DemoReport, DemoError> {
    let mut report = DemoReport {
        mentions: recording.len(),
        first: recording.first().and_then(|m| m.created_at),
        last: recording.last().and_then(|m| m.created_at),
        ..DemoReport::default()
    };
    let Some(start) = report.first else {
        return Ok(report);
    };
    std::fs::create_dir_all(out_dir).map_err(|source| DemoError::Write {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let engine = Engine::new(&config.brands, Arc::new(Analyzer::new()), start)
        .map_err(|e| DemoError::Config(e.to_string()))?;
    let tick = std::time::Duration::from_secs(TICK as u64);
    let mut replay = Replay::every(engine, tick, start + Duration::seconds(TICK));
    for m in recording {
        replay.feed(m);
    }
    report.matched = replay.matched();
    // Let the last storm run its course so the "all clear" is part of the story.
    replay.advance(report.last.unwrap_or(start) + Duration::hours(3));
    report.alerts = replay.finish(Duration::zero());
    write_emails(config, &mut report, out_dir)?;
    Ok(report)
}

fn write_emails(config: &Config, report: &mut DemoReport, out_dir: &Path) -> Result<(), DemoError> {
    let (from, to, locale) = match config.notify.email.first() {
        Some(e) => (e.from.clone(), e.to.clone(), e.locale),
        None => (
            "sturmglas@example.org".to_string(),
            vec!["pr@example.org".to_string()],
            Locale::default(),
        ),
    };
    for (i, e) in report.alerts.iter().enumerate() {
        let bytes =
            crate::notify::email::render_eml(e, &from, &to, &locale).map_err(DemoError::Render)?;
        let slug: String = e
            .brand
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let status = match e.status {
            Status::Firing => e.level.as_str(),
            Status::Resolved => "resolved",
        };
        let path = out_dir.join(format!(
            "{:02}-{slug}-{}-{status}.eml",
            i + 1,
            e.kind.as_str()
        ));
        std::fs::write(&path, bytes).map_err(|source| DemoError::Write {
            path: path.clone(),
            source,
        })?;
        report.files.push(path);
    }
    Ok(())
}

/// The readable account printed by `sturmglas demo`.
pub fn account(config: &Config, report: &DemoReport, out_dir: &Path) -> String {
    let mut s = String::new();
    let fmt = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.format("%a %Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    let _ = writeln!(
        s,
        "sturmglas demo: replaying {} recorded posts ({} about the watched brands) from {} to {}",
        report.mentions,
        report.matched,
        fmt(report.first),
        fmt(report.last)
    );
    let names: Vec<&str> = config.brands.iter().map(|b| b.name.as_str()).collect();
    let _ = writeln!(
        s,
        "through the real pipeline, watching: {}.\n",
        names.join(", ")
    );
    if report.alerts.is_empty() {
        let _ = writeln!(s, "No alerts fired.");
    }
    let locale = config
        .notify
        .email
        .first()
        .map(|e| e.locale)
        .unwrap_or_default();
    for (e, file) in report.alerts.iter().zip(&report.files) {
        let _ = writeln!(
            s,
            "{}  {}",
            e.observed_at
                .with_timezone(&locale.timezone)
                .format("%a %H:%M"),
            crate::notify::i18n::subject(e, &locale).trim_start_matches("[sturmglas] ")
        );
        if e.status == Status::Firing {
            let lag = (e.observed_at - e.started_at).num_minutes();
            if lag > 0 {
                let _ = writeln!(s, "           (surge began {lag} min earlier)");
            }
            for r in &e.reasons {
                let _ = writeln!(s, "           why: {r}");
            }
            if !e.brief.drivers.is_empty() {
                let terms: Vec<String> = e
                    .brief
                    .drivers
                    .iter()
                    .map(|d| format!("{} ({})", d.term, d.count))
                    .collect();
                let _ = writeln!(s, "           drivers: {}", terms.join(", "));
            }
            if let Some(p) = e.sample.first() {
                let _ = writeln!(
                    s,
                    "           loudest post: \"{}\"{}",
                    p.text,
                    p.reach.map(|r| format!(" (reach {r})")).unwrap_or_default()
                );
            }
        }
        let _ = writeln!(s, "           email: {}", file.display());
    }
    let _ = writeln!(
        s,
        "\n{} alert email(s) written to {}/ — open them with any mail client.",
        report.files.len(),
        out_dir.display()
    );
    let _ = writeln!(
        s,
        "Calm days stayed quiet; run it for real with `sturmglas run -c config/sturmglas.toml`."
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_config_and_recording_are_valid() {
        let cfg = demo_config().unwrap();
        assert!(cfg.brands.len() >= 2);
        assert!(!cfg.notify.email.is_empty());
        let rec = parse_recording(RECORDING).unwrap();
        assert!(rec.len() > 1000, "a realistic recording has many posts");
    }

    #[test]
    fn a_bad_recording_line_is_named() {
        let err =
            parse_recording("{\"text\":\"a\",\"created_at\":\"2026-01-01T00:00:00Z\"}\n{oops\n")
                .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(parse_recording("{\"text\":\"no time\"}").is_err());
    }
}
