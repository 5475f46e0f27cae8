//! Source health notices: a source that failed or stayed silent past its `silence_alert_after`
//! is announced to the channels like an alert (kind `source`), and its recovery as resolved.
//!
//! Why: a dead feed looks exactly like a calm brand on the dashboard; only a notice tells the
//! team that they are flying blind. Notices go through the same outbox, so they are retried and
//! never lost; `notify::targets` lets them past brand filters (a source serves every brand), and
//! `people::route` applies silences, time intervals and `kinds` as to any notice.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use tokio::sync::{watch, Notify};

use crate::alert::{AlertEvent, Kind, Level, Status};
use crate::config::notify::NotifyConfig;
use crate::shutdown::Shutdown;
use crate::sources::health::{HealthChange, SourceHealth};
use crate::store::Store;

/// The notice for one health change.
pub fn notice(change: &HealthChange, now: DateTime<Utc>) -> AlertEvent {
    let now = now.trunc_subsecs(0);
    let (name, status, started_at, reasons) = match change {
        HealthChange::Problem(p) => (
            p.name.clone(),
            Status::Firing,
            p.silent_since.trunc_subsecs(0),
            vec![
                p.describe(),
                "Brands fed only by this source may look calm while they are not.".into(),
            ],
        ),
        HealthChange::Recovered { name, kind } => (
            name.clone(),
            Status::Resolved,
            now,
            vec![format!("Source {name} ({kind}) is delivering again.")],
        ),
    };
    let status_tag = match status {
        Status::Firing => "down",
        Status::Resolved => "up",
    };
    let id = format!(
        "source-{}-{}-{status_tag}",
        sanitize(&name),
        now.timestamp()
    );
    AlertEvent::new(id, name, status, Level::Warning, Kind::Source, now)
        .with_started_at(started_at)
        .with_reasons(reasons)
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

pub async fn run(
    health: Arc<SourceHealth>,
    store: Arc<Store>,
    notify: watch::Receiver<Arc<NotifyConfig>>,
    wake: Arc<Notify>,
    every: Duration,
    mut shutdown: Shutdown,
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.recv() => return,
            _ = interval.tick() => {}
        }
        let now = Utc::now();
        let changes = health.changes(now);
        if changes.is_empty() {
            continue;
        }
        let cfg = notify.borrow().clone();
        let mut events: Vec<AlertEvent> = changes.iter().map(|c| notice(c, now)).collect();
        for e in &events {
            tracing::warn!(source = %e.brand, status = ?e.status, "{}", e.reasons[0]);
        }
        let store = store.clone();
        // Routing reads the store (silences, holds), so it runs off the runtime too.
        let record = move || {
            let routed = crate::people::route(&store, &cfg, &mut events, now);
            store.record_routed(&routed, &[], now)
        };
        match tokio::task::spawn_blocking(record).await {
            Ok(Ok(())) => wake.notify_one(),
            Ok(Err(error)) => tracing::error!(%error, "Recording a source notice failed."),
            Err(error) => tracing::error!(%error, "Recording a source notice failed."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::health::SourceProblem;

    #[test]
    fn a_problem_and_its_recovery_make_a_firing_and_a_resolved_notice() {
        let now: DateTime<Utc> = "2026-03-07T13:00:00Z".parse().unwrap();
        let p = HealthChange::Problem(SourceProblem {
            name: "rss:alerts".into(),
            kind: "rss".into(),
            silent_since: "2026-03-07T07:00:00Z".parse().unwrap(),
            consecutive_failures: 12,
            last_error: Some("HTTP status 503".into()),
        });
        let e = notice(&p, now);
        assert_eq!(
            (e.kind, e.status, e.level),
            (Kind::Source, Status::Firing, Level::Warning)
        );
        assert!(e.reasons[0].contains("503"), "{:?}", e.reasons);
        assert_eq!(
            e.headline(),
            "[sturmglas] WARNING source down: rss:alerts — no data"
        );
        let r = notice(
            &HealthChange::Recovered {
                name: "rss:alerts".into(),
                kind: "rss".into(),
            },
            now,
        );
        assert_eq!(r.status, Status::Resolved);
        assert_ne!(r.id, e.id);
    }
}
