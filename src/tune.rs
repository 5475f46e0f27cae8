//! `sturmglas tune`: replays a brand's own history over a grid of thresholds and says, per
//! setting, what would have fired, how soon each known incident was caught and how many false
//! alerts a month it would have cost; then recommends the setting that catches most within the
//! false-alert budget, as config lines.
//!
//! Invariant: every setting is judged by the very replay `backtest` runs (the same engine and
//! simulated clock), so what `tune` recommends is what the daemon will do on that history. An
//! alert is one thread of notices (its `started_at`); it is true when it is first announced
//! within an incident of its brand, false otherwise (without an incidents file every alert
//! counts as false, and the recommendation is the most sensitive setting within the budget).

use std::fmt::Write as _;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};

use crate::alert::{AlertEvent, Status};
use crate::backtest::{self, Format};
use crate::config::{self, Brand, Thresholds};
use crate::engine::Engine;
use crate::mention::{parse_ndjson_line, Mention};
use crate::replay::Replay;
use crate::sentiment::Analyzer;

/// What `tune` replays, against which incidents and within which false-alert budget; the
/// binary's `cli.rs` fills it from the flags.
#[derive(Debug, Clone)]
pub struct TuneArgs {
    /// Config file [default: $STURMGLAS_CONFIG, else /etc/sturmglas/sturmglas.toml; optional
    /// with counts-csv]
    pub config: Option<PathBuf>,
    /// The history to replay.
    pub input: PathBuf,
    pub format: Format,
    /// Known incidents, `brand,start,end` rows with RFC 3339 times.
    pub incidents: Option<PathBuf>,
    /// The recommendation may cost at most this many false alerts a month.
    pub max_false_per_month: f64,
}

/// One point of the grid: the keys `tune` varies, over the brand's own other thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    pub velocity_factor: f64,
    pub min_mentions: u64,
    pub window: std::time::Duration,
}

impl Setting {
    pub fn apply(&self, base: &Thresholds) -> Thresholds {
        let mut t = base.clone();
        t.velocity_factor = self.velocity_factor;
        t.min_mentions = self.min_mentions;
        t.window = self.window;
        if t.long_window <= t.window {
            t.long_window = t.window * 4;
        }
        t
    }

    /// The setting as it is written in `[defaults.thresholds]` or `[brands.thresholds]`.
    pub fn config_lines(&self) -> String {
        format!(
            "velocity_factor = {:.1}\nmin_mentions = {}\nwindow = \"{}\"\n",
            self.velocity_factor,
            self.min_mentions,
            config::duration::format(self.window)
        )
    }

    fn label(&self) -> String {
        format!(
            "velocity_factor {:.1}, min_mentions {}, window {}",
            self.velocity_factor,
            self.min_mentions,
            config::duration::format(self.window)
        )
    }
}

/// The grid, most sensitive first within each window: factors from 2 to 6, floors from 10 to
/// 40 mentions, windows of 15 minutes to an hour.
pub fn grid() -> Vec<Setting> {
    let mut g = Vec::new();
    for window in [15, 30, 60] {
        for min_mentions in [10, 20, 40] {
            for velocity_factor in [2.0, 3.0, 4.0, 6.0] {
                g.push(Setting {
                    velocity_factor,
                    min_mentions,
                    window: std::time::Duration::from_secs(window * 60),
                });
            }
        }
    }
    g
}

/// A known incident of one brand.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub brand: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Reads `brand,start,end` rows (RFC 3339); blank lines, `#` comments and a `brand,…` header
/// are skipped. An unreadable row is an error naming its line.
pub fn parse_incidents(text: &str, path: &Path) -> anyhow::Result<Vec<Incident>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.rsplitn(3, ',').collect();
        let row = match parts.as_slice() {
            [end, start, brand] => {
                let t = |s: &str| DateTime::parse_from_rfc3339(s.trim()).ok();
                match (t(start), t(end)) {
                    (Some(s), Some(e)) if e >= s => Ok(Incident {
                        brand: brand.trim().trim_matches('"').to_string(),
                        start: s.with_timezone(&Utc),
                        end: e.with_timezone(&Utc),
                    }),
                    (Some(_), Some(_)) => Err("the end is before the start".to_string()),
                    _ => Err(format!(
                        "start and end must be RFC 3339 times, not {:?} and {:?}",
                        start.trim(),
                        end.trim()
                    )),
                }
            }
            _ => Err("expected `brand,start,end`".to_string()),
        };
        match row {
            Ok(r) => out.push(r),
            Err(_) if out.is_empty() && line.to_lowercase().starts_with("brand,") => continue,
            Err(e) => anyhow::bail!("{}:{}: {e}", path.display(), i + 1),
        }
    }
    Ok(out)
}

/// What one setting would have done on the history.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub setting: Setting,
    /// Alerts (threads of notices) started.
    pub alerts: usize,
    /// Per incident, how long after its start the first alert of its brand came, if one came
    /// before its end.
    pub delays: Vec<Option<Duration>>,
    pub false_alerts: usize,
    pub false_per_month: f64,
}

impl Outcome {
    pub fn caught(&self) -> usize {
        self.delays.iter().flatten().count()
    }

    fn total_delay(&self) -> Duration {
        self.delays.iter().flatten().copied().sum()
    }
}

const MONTH_SECS: f64 = 30.44 * 86_400.0;

/// Judges the alert events of one replay against the incidents over a history of `span`.
pub fn evaluate(
    setting: Setting,
    events: &[AlertEvent],
    incidents: &[Incident],
    span: Duration,
) -> Outcome {
    // The first announcement of each thread.
    let mut firsts: Vec<&AlertEvent> = Vec::new();
    for e in events.iter().filter(|e| e.status == Status::Firing) {
        if !firsts
            .iter()
            .any(|f| f.brand == e.brand && f.started_at == e.started_at)
        {
            firsts.push(e);
        }
    }
    let within = |e: &AlertEvent, i: &Incident| {
        e.brand == i.brand && e.observed_at >= i.start && e.observed_at <= i.end
    };
    let delays = incidents
        .iter()
        .map(|i| {
            firsts
                .iter()
                .filter(|e| within(e, i))
                .map(|e| e.observed_at - i.start)
                .min()
        })
        .collect();
    let false_alerts = firsts
        .iter()
        .filter(|e| !incidents.iter().any(|i| within(e, i)))
        .count();
    let months = (span.num_seconds() as f64 / MONTH_SECS).max(1.0 / 30.44);
    Outcome {
        setting,
        alerts: firsts.len(),
        delays,
        false_alerts,
        false_per_month: false_alerts as f64 / months,
    }
}

/// The recommendation: within `max_false_per_month`, the setting that catches the most
/// incidents, then sooner, then with fewer false alerts; without incidents, the one with the
/// most alerts (the most sensitive the budget allows). Earlier settings win ties.
pub fn best(outcomes: &[Outcome], max_false_per_month: f64) -> Option<&Outcome> {
    let key = |o: &Outcome| {
        if o.delays.is_empty() {
            (o.alerts as i64, 0, 0)
        } else {
            (
                o.caught() as i64,
                -o.total_delay().num_seconds(),
                -(o.false_alerts as i64),
            )
        }
    };
    let mut best: Option<&Outcome> = None;
    for o in outcomes
        .iter()
        .filter(|o| o.false_per_month <= max_false_per_month + 1e-9)
    {
        if best.is_none_or(|b| key(o) > key(b)) {
            best = Some(o);
        }
    }
    best
}

fn format_delay(d: Duration) -> String {
    let m = d.num_minutes();
    if m >= 120 {
        format!("{}h{:02}m", m / 60, m % 60)
    } else {
        format!("{m}m{:02}s", d.num_seconds() % 60)
    }
}

/// The report: one block per setting, then the recommendation.
pub fn report(
    outcomes: &[Outcome],
    incidents: &[Incident],
    max_false_per_month: f64,
    span: Duration,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} settings over {:.1} days of history, {} known incident(s)",
        outcomes.len(),
        span.num_seconds() as f64 / 86_400.0,
        incidents.len()
    );
    for o in outcomes {
        let _ = write!(
            s,
            "{}: {} alert(s), {} false, {:.1} false/month",
            o.setting.label(),
            o.alerts,
            o.false_alerts,
            o.false_per_month
        );
        if !incidents.is_empty() {
            let _ = write!(s, ", caught {}/{}", o.caught(), incidents.len());
        }
        s.push('\n');
        for (i, d) in incidents.iter().zip(&o.delays) {
            let when = i.start.format("%Y-%m-%dT%H:%M:%SZ");
            match d {
                Some(d) => {
                    let _ = writeln!(s, "    {} {when}: after {}", i.brand, format_delay(*d));
                }
                None => {
                    let _ = writeln!(s, "    {} {when}: missed", i.brand);
                }
            }
        }
    }
    match best(outcomes, max_false_per_month) {
        Some(b) => {
            let _ = writeln!(
                s,
                "\nBest within {max_false_per_month} false alert(s) a month: {}",
                b.setting.label()
            );
            let _ = writeln!(
                s,
                "({} of {} incidents caught, {:.1} false alerts a month). Config lines:\n",
                b.caught(),
                incidents.len(),
                b.false_per_month
            );
            let _ = writeln!(s, "[defaults.thresholds]");
            s.push_str(&b.setting.config_lines());
        }
        None => {
            let _ = writeln!(
                s,
                "\nNo setting stays within {max_false_per_month} false alert(s) a month."
            );
        }
    }
    s
}

/// The history, replayable once per setting.
enum History {
    Counts {
        name: String,
        rows: Vec<(DateTime<Utc>, u64)>,
        base: Thresholds,
    },
    Mentions {
        brands: Vec<Brand>,
        tick: std::time::Duration,
        analyzer: Arc<Analyzer>,
        mentions: Vec<Mention>,
    },
}

impl History {
    fn span(&self) -> Duration {
        let times: Vec<DateTime<Utc>> = match self {
            History::Counts { rows, .. } => rows.iter().map(|r| r.0).collect(),
            History::Mentions { mentions, .. } => {
                mentions.iter().filter_map(|m| m.created_at).collect()
            }
        };
        match (times.iter().min(), times.iter().max()) {
            (Some(a), Some(b)) => *b - *a,
            _ => Duration::zero(),
        }
    }

    fn replay(&self, s: Setting, analyzer: &Arc<Analyzer>) -> anyhow::Result<Vec<AlertEvent>> {
        match self {
            History::Counts { name, rows, base } => {
                backtest::replay_count_rows(rows, name, s.apply(base), analyzer)
            }
            History::Mentions {
                brands,
                tick,
                analyzer,
                mentions,
            } => {
                let brands: Vec<Brand> = brands
                    .iter()
                    .map(|b| Brand {
                        thresholds: s.apply(&b.thresholds),
                        ..b.clone()
                    })
                    .collect();
                let Some(start) = mentions.iter().find_map(|m| m.created_at) else {
                    return Ok(Vec::new());
                };
                let mut r = Replay::new(Engine::new(&brands, analyzer.clone(), start)?, *tick);
                for m in mentions {
                    r.feed(m);
                }
                Ok(r.finish(Duration::hours(1)))
            }
        }
    }
}

fn load_history(args: &TuneArgs) -> anyhow::Result<History> {
    let explicit = args.config.is_some() || std::env::var_os("STURMGLAS_CONFIG").is_some();
    let path = config::resolve_config_path(args.config.as_deref());
    let config = if explicit || args.format == Format::Jsonl || path.exists() {
        Some(config::load(&path).map_err(|e| anyhow::anyhow!("{e}"))?)
    } else {
        None
    };
    match args.format {
        Format::CountsCsv => {
            let name = args
                .input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "series".into());
            let base = match &config {
                Some(c) => match c.brands.iter().find(|b| b.name == name) {
                    Some(b) => b.thresholds.clone(),
                    None => backtest::default_thresholds(&c.path),
                },
                None => Thresholds::default(),
            };
            Ok(History::Counts {
                rows: backtest::read_count_rows(&args.input)?,
                name,
                base,
            })
        }
        Format::Jsonl => {
            let config = config.context("a config with brands is needed for jsonl")?;
            let f = std::fs::File::open(&args.input)
                .with_context(|| format!("cannot read {}", args.input.display()))?;
            let mut mentions = Vec::new();
            for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
                let line = line.with_context(|| format!("cannot read {}", args.input.display()))?;
                match parse_ndjson_line(&line) {
                    Ok(Some(m)) => mentions.push(m),
                    Ok(None) => {}
                    Err(e) => eprintln!("{}:{}: skipped: {e}", args.input.display(), i + 1),
                }
            }
            Ok(History::Mentions {
                analyzer: Arc::new(config.sentiment.analyzer()),
                brands: config.brands,
                tick: config.server.tick,
                mentions,
            })
        }
    }
}

/// Runs the command; the error is for the edge (unreadable input, config or incidents).
pub fn run(args: &TuneArgs) -> anyhow::Result<()> {
    if !(args.max_false_per_month.is_finite() && args.max_false_per_month >= 0.0) {
        anyhow::bail!("--max-false-per-month must be a number of at least 0");
    }
    let history = load_history(args)?;
    let incidents = match &args.incidents {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            parse_incidents(&text, p)?
        }
        None => Vec::new(),
    };
    let known: Vec<&str> = match &history {
        History::Counts { name, .. } => vec![name.as_str()],
        History::Mentions { brands, .. } => brands.iter().map(|b| b.name.as_str()).collect(),
    };
    for i in &incidents {
        if !known.contains(&i.brand.as_str()) {
            eprintln!(
                "tune: incident of unknown brand {:?} (brands: {})",
                i.brand,
                known.join(", ")
            );
        }
    }
    let analyzer = Arc::new(Analyzer::new());
    let span = history.span();
    let mut outcomes = Vec::new();
    for s in grid() {
        let events = history.replay(s, &analyzer)?;
        outcomes.push(evaluate(s, &events, &incidents, span));
    }
    let text = report(&outcomes, &incidents, args.max_false_per_month, span);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{Kind, Level};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn firing(brand: &str, started: &str, observed: &str) -> AlertEvent {
        AlertEvent::new(
            "",
            brand,
            Status::Firing,
            Level::Warning,
            Kind::Volume,
            t(observed),
        )
        .with_started_at(t(started))
        .with_window_seconds(900)
    }

    #[test]
    fn reads_incidents_and_names_the_bad_line() {
        let p = Path::new("i.csv");
        let i = parse_incidents(
            "brand,start,end\n# a comment\nAcme,2026-03-06T09:30:00Z,2026-03-06T12:00:00+01:00\n",
            p,
        )
        .unwrap();
        assert_eq!(i.len(), 1);
        assert_eq!(i[0].end, t("2026-03-06T11:00:00Z"));
        let e = parse_incidents("Acme,2026-03-06T09:30:00Z,2026-03-06T09:00:00Z\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("i.csv:1: the end is before"), "{e}");
        let e = parse_incidents(
            "Acme,2026-03-06T09:30:00Z,2026-03-07T00:00:00Z\nAcme,yesterday,today\n",
            p,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("i.csv:2: start and end must be RFC 3339"),
            "{e}"
        );
    }

    #[test]
    fn alerts_are_threads_true_within_an_incident_false_elsewhere() {
        let s = grid()[0];
        let incidents = vec![Incident {
            brand: "A".into(),
            start: t("2026-03-06T09:00:00Z"),
            end: t("2026-03-06T12:00:00Z"),
        }];
        let events = vec![
            firing("A", "2026-03-06T09:05:00Z", "2026-03-06T09:10:00Z"),
            // An escalation of the same thread is not another alert.
            firing("A", "2026-03-06T09:05:00Z", "2026-03-06T09:30:00Z"),
            firing("A", "2026-03-20T09:05:00Z", "2026-03-20T09:10:00Z"),
            // Another brand's alert in the incident's time is false.
            firing("B", "2026-03-06T09:05:00Z", "2026-03-06T09:10:00Z"),
        ];
        let o = evaluate(s, &events, &incidents, Duration::days(61));
        assert_eq!((o.alerts, o.false_alerts, o.caught()), (3, 2, 1));
        assert_eq!(o.delays[0], Some(Duration::minutes(10)));
        assert!((o.false_per_month - 2.0 / (61.0 / 30.44)).abs() < 1e-9);
    }

    #[test]
    fn the_best_setting_respects_the_false_alert_budget() {
        let g = grid();
        let o = |i: usize, caught: bool, false_per_month: f64| Outcome {
            setting: g[i],
            alerts: 1 + usize::from(caught),
            delays: vec![caught.then(|| Duration::minutes(5))],
            false_alerts: false_per_month as usize,
            false_per_month,
        };
        let outcomes = vec![o(0, true, 9.0), o(1, true, 1.0), o(2, false, 0.0)];
        assert_eq!(best(&outcomes, 2.0).unwrap().setting, g[1]);
        assert_eq!(best(&outcomes, 0.5).unwrap().setting, g[2]);
        // Both catch it as soon: the one with fewer false alerts.
        assert_eq!(best(&outcomes, 10.0).unwrap().setting, g[1]);
        let text = report(&outcomes, &[], 2.0, Duration::days(30));
        assert!(
            text.contains("[defaults.thresholds]\nvelocity_factor = 3.0\n"),
            "{text}"
        );
    }
}
