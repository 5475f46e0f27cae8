//! Source health: per-source status for `/api/v1/sources` and the dashboard, the Prometheus
//! series, and the problems the daemon turns into notices.
//!
//! Invariant: a source that has not succeeded for its `silence_alert_after` is reported as a
//! problem, whether it is failing loudly or has gone quiet — a dead feed must not look like a
//! calm brand. Silence is measured from the last success, or from registration if there was
//! none, so a source that never worked is reported too.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::metrics::Metrics;

/// One source as shown by `GET /api/v1/sources`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStatus {
    pub name: String,
    pub kind: String,
    /// `ok`, `failing` (last try failed), `silent` (no success for `silence_alert_after`),
    /// or `starting` (no result yet).
    pub state: &'static str,
    pub since: DateTime<Utc>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    /// Items read since the daemon started.
    pub items: u64,
    /// Malformed items logged and skipped.
    pub skipped: u64,
    pub silence_alert_after_secs: u64,
}

/// A source that needs a human: failing or silent for longer than allowed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceProblem {
    pub name: String,
    pub kind: String,
    /// Since when nothing has worked (last success, or registration).
    pub silent_since: DateTime<Utc>,
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
}

impl SourceProblem {
    /// One line for a notice, e.g. "Source mastodon:social.example has had no successful
    /// fetch since 2026-01-01 00:00 UTC (3 failures; last error: HTTP status 503)".
    pub fn describe(&self) -> String {
        let mut s = format!(
            "Source {} ({}) has had no successful fetch since {}",
            self.name,
            self.kind,
            self.silent_since.format("%Y-%m-%d %H:%M UTC")
        );
        if self.consecutive_failures > 0 {
            s.push_str(&format!(" ({} failures", self.consecutive_failures));
            if let Some(e) = &self.last_error {
                s.push_str(&format!("; last error: {e}"));
            }
            s.push(')');
        }
        s
    }
}

/// A change worth one notice: a source became a problem, or recovered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum HealthChange {
    Problem(SourceProblem),
    Recovered { name: String, kind: String },
}

#[derive(Debug, Clone)]
struct Entry {
    kind: String,
    registered: DateTime<Utc>,
    silence: Duration,
    last_success: Option<DateTime<Utc>>,
    last_error: Option<(DateTime<Utc>, String)>,
    failures: u32,
    items: u64,
    skipped: u64,
    /// Whether a `Problem` change was handed out and no `Recovered` since.
    reported: bool,
}

/// The registry. Cheap to share: one `Arc` in every source's context and in the HTTP state.
pub struct SourceHealth {
    metrics: Arc<Metrics>,
    entries: Mutex<BTreeMap<String, Entry>>,
}

impl SourceHealth {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        SourceHealth {
            metrics,
            entries: Mutex::new(BTreeMap::new()),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        crate::lock::lock(&self.entries)
    }

    /// Adds a source (or updates its settings after a reload, keeping its history).
    pub fn register(&self, name: &str, kind: &str, silence: Duration, now: DateTime<Utc>) {
        let mut map = self.map();
        let e = map.entry(name.to_string()).or_insert_with(|| Entry {
            kind: kind.to_string(),
            registered: now,
            silence,
            last_success: None,
            last_error: None,
            failures: 0,
            items: 0,
            skipped: 0,
            reported: false,
        });
        e.kind = kind.to_string();
        e.silence = silence;
    }

    /// Drops sources no longer configured (after a reload).
    pub fn retain(&self, names: &[String]) {
        self.map().retain(|k, _| names.iter().any(|n| n == k));
    }

    /// A fetch (or a stream's flush) worked and brought `items` items.
    pub fn success(&self, name: &str, items: usize, now: DateTime<Utc>) {
        if let Some(e) = self.map().get_mut(name) {
            e.last_success = Some(now);
            e.failures = 0;
            e.items += items as u64;
        }
        self.metrics.inc(
            "sturmglas_source_fetches_total",
            &[("source", name), ("result", "ok")],
        );
        self.metrics.add(
            "sturmglas_source_items_total",
            &[("source", name)],
            items as f64,
        );
        self.metrics.set(
            "sturmglas_source_last_success_timestamp_seconds",
            &[("source", name)],
            now.timestamp() as f64,
        );
    }

    /// A stream is alive (a heartbeat, a frame) without a fetch to count.
    pub fn alive(&self, name: &str, now: DateTime<Utc>) {
        if let Some(e) = self.map().get_mut(name) {
            e.last_success = Some(now);
            e.failures = 0;
        }
        self.metrics.set(
            "sturmglas_source_last_success_timestamp_seconds",
            &[("source", name)],
            now.timestamp() as f64,
        );
    }

    /// A fetch failed; `result` is the metric label (`rate_limited`, `server_error`, …).
    pub fn failure(&self, name: &str, result: &str, error: &str, now: DateTime<Utc>) {
        if let Some(e) = self.map().get_mut(name) {
            e.failures = e.failures.saturating_add(1);
            e.last_error = Some((now, error.to_string()));
        }
        self.metrics.inc(
            "sturmglas_source_fetches_total",
            &[("source", name), ("result", result)],
        );
    }

    /// A malformed item was logged and skipped.
    pub fn skipped(&self, name: &str) {
        if let Some(e) = self.map().get_mut(name) {
            e.skipped += 1;
        }
    }

    /// Every source, by name, for the API and the dashboard.
    pub fn snapshot(&self, now: DateTime<Utc>) -> Vec<SourceStatus> {
        self.map()
            .iter()
            .map(|(name, e)| {
                let silent_since = e.last_success.unwrap_or(e.registered);
                let state = if is_overdue(e, now) {
                    "silent"
                } else if e.failures > 0 {
                    "failing"
                } else if e.last_success.is_none() {
                    "starting"
                } else {
                    "ok"
                };
                SourceStatus {
                    name: name.clone(),
                    kind: e.kind.clone(),
                    state,
                    since: silent_since,
                    last_success: e.last_success,
                    last_error: e.last_error.as_ref().map(|(_, m)| m.clone()),
                    last_error_at: e.last_error.as_ref().map(|(t, _)| *t),
                    consecutive_failures: e.failures,
                    items: e.items,
                    skipped: e.skipped,
                    silence_alert_after_secs: e.silence.as_secs(),
                }
            })
            .collect()
    }

    /// Sources that have had no success for longer than their `silence_alert_after`.
    pub fn overdue(&self, now: DateTime<Utc>) -> Vec<SourceProblem> {
        self.map()
            .iter()
            .filter(|(_, e)| is_overdue(e, now))
            .map(|(name, e)| problem(name, e))
            .collect()
    }

    /// Edge-triggered [`overdue`](Self::overdue): each source is reported once when it becomes
    /// a problem and once when it recovers, so polling this every tick sends no repeats.
    pub fn changes(&self, now: DateTime<Utc>) -> Vec<HealthChange> {
        let mut out = Vec::new();
        for (name, e) in self.map().iter_mut() {
            let bad = is_overdue(e, now);
            if bad && !e.reported {
                e.reported = true;
                out.push(HealthChange::Problem(problem(name, e)));
            } else if !bad && e.reported && e.last_success.is_some() && e.failures == 0 {
                e.reported = false;
                out.push(HealthChange::Recovered {
                    name: name.clone(),
                    kind: e.kind.clone(),
                });
            }
        }
        out
    }
}

fn is_overdue(e: &Entry, now: DateTime<Utc>) -> bool {
    let since = e.last_success.unwrap_or(e.registered);
    (now - since).to_std().unwrap_or(Duration::ZERO) > e.silence
}

fn problem(name: &str, e: &Entry) -> SourceProblem {
    SourceProblem {
        name: name.to_string(),
        kind: e.kind.clone(),
        silent_since: e.last_success.unwrap_or(e.registered),
        consecutive_failures: e.failures,
        last_error: e.last_error.as_ref().map(|(_, m)| m.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + s, 0).unwrap()
    }

    #[test]
    fn silent_and_failing_sources_are_problems_once() {
        let m = Arc::new(Metrics::new());
        let h = SourceHealth::new(m.clone());
        h.register("rss:a", "rss", Duration::from_secs(60), t(0));
        h.register("hn", "hackernews", Duration::from_secs(60), t(0));
        h.success("rss:a", 3, t(10));
        h.success("hn", 0, t(10));
        assert!(h.overdue(t(60)).is_empty());
        assert_eq!(h.snapshot(t(60))[1].state, "ok");
        h.failure("rss:a", "server_error", "HTTP status 503", t(20));
        assert_eq!(h.snapshot(t(30))[1].state, "failing");
        h.success("hn", 1, t(65));
        let probs = h.overdue(t(75));
        assert_eq!(probs.len(), 1);
        assert_eq!(probs[0].name, "rss:a");
        assert_eq!(probs[0].last_error.as_deref(), Some("HTTP status 503"));
        assert!(probs[0]
            .describe()
            .contains("1 failures; last error: HTTP status 503"));
        assert_eq!(h.changes(t(75)).len(), 1);
        assert!(h.changes(t(80)).is_empty(), "no repeat");
        h.success("rss:a", 1, t(90));
        assert!(matches!(
            h.changes(t(91)).as_slice(),
            [HealthChange::Recovered { name, .. }] if name == "rss:a"
        ));
        assert_eq!(
            m.get(
                "sturmglas_source_fetches_total",
                &[("source", "rss:a"), ("result", "server_error")]
            ),
            1.0
        );
        assert_eq!(
            m.get("sturmglas_source_items_total", &[("source", "rss:a")]),
            4.0
        );
        assert_eq!(
            m.get(
                "sturmglas_source_last_success_timestamp_seconds",
                &[("source", "rss:a")]
            ),
            t(90).timestamp() as f64
        );
    }

    #[test]
    fn a_source_that_never_worked_is_reported() {
        let h = SourceHealth::new(Arc::new(Metrics::new()));
        h.register("x", "x", Duration::from_secs(60), t(0));
        assert_eq!(h.snapshot(t(1))[0].state, "starting");
        assert_eq!(h.overdue(t(61))[0].silent_since, t(0));
        h.retain(&[]);
        assert!(h.snapshot(t(61)).is_empty());
    }
}
