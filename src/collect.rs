//! `sturmglas collect`: runs the configured sources as `run` does (their cursors in the state
//! directory, their rate limits and back-off, their health) but, instead of counting, publishes
//! each mention record as JSON to JetStream, subject `sturmglas.mentions.<source kind>`, with
//! the header `Nats-Msg-Id` set to the mention's id (its dedup key). A daemon reads them with
//! `[[sources.nats]]`.
//!
//! Invariant: a source's cursor is stored only after JetStream acknowledged every message of
//! the batch that carried it; a publish that fails is retried (the batch channel fills and the
//! sources wait), so nothing is skipped. A batch published twice (a kill before its cursor
//! was stored) is dropped by the stream's duplicate window or, later, by the daemon's dedup.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage};
use chrono::Utc;
use tokio::sync::mpsc;

use crate::config::cluster::{ClusterConfig, MENTION_SUBJECTS};
use crate::config::Config;
use crate::metrics::Metrics;
use crate::shutdown::{self, Shutdown};
use crate::sources::http::Backoff;
use crate::sources::{self, Batch, SourceContext, SourceHealth};
use crate::store::Store;

/// Publishes awaited before more are sent.
const ACKS_IN_FLIGHT: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("collect publishes to NATS: set `[cluster] nats_url` in {0}")]
    NoNats(String),
    #[error("collect has nothing to run: the config has no sources besides [[sources.nats]]")]
    NoSources,
    #[error("cannot open the state database in {0}: {1}")]
    Store(String, String),
    #[error("{0}")]
    Nats(String),
}

/// The subject a batch from `source` (a source's name, `kind:detail`) goes to.
pub fn subject(source: &str) -> String {
    let kind: String = source
        .split(':')
        .next()
        .unwrap_or(source)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("sturmglas.mentions.{kind}")
}

/// Runs until `shutdown` completes.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> Result<(), CollectError> {
    let cluster: ClusterConfig = config
        .cluster
        .clone()
        .ok_or_else(|| CollectError::NoNats(config.path.display().to_string()))?;
    let mut srcs = config.sources.clone();
    if !srcs.nats.is_empty() {
        tracing::warn!("collect does not read [[sources.nats]] (it would publish to itself).");
        srcs.nats.clear();
    }
    if srcs.is_empty() {
        return Err(CollectError::NoSources);
    }
    let dir = config.storage.state_dir.clone();
    let store = tokio::task::spawn_blocking(move || Store::open(&dir))
        .await
        .map_err(|e| CollectError::Store(String::new(), e.to_string()))?
        .map_err(|e| {
            CollectError::Store(
                config.storage.state_dir.display().to_string(),
                e.to_string(),
            )
        })?;
    let store = Arc::new(store);
    let client = sources::nats::connect(&cluster.nats_url, &cluster.auth, "sturmglas-collect")
        .await
        .map_err(|e| CollectError::Nats(e.to_string()))?;
    let js = jetstream::new(client);
    sources::nats::mention_stream(&js, &cluster.stream, &[MENTION_SUBJECTS.to_string()])
        .await
        .map_err(|e| CollectError::Nats(e.to_string()))?;

    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(SourceHealth::new(metrics.clone()));
    let (trigger, stop) = shutdown::channel();
    let (tx, rx) = mpsc::channel::<Batch>(16);
    let http = crate::http_client::fetch().map_err(|e| CollectError::Nats(e.to_string()))?;
    let ctx = SourceContext {
        store: store.clone(),
        sink: tx,
        metrics: metrics.clone(),
        shutdown: stop.clone(),
        http,
        brands: Arc::new(config.brands.clone()),
        health: health.clone(),
    };
    let tasks = sources::spawn_all(&srcs, &ctx);
    drop(ctx);
    let publisher = tokio::spawn(publish_batches(js, store, rx, stop.clone()));
    let watch = tokio::spawn(watch_health(health, stop));
    tracing::info!(sources = %srcs.summary(), nats = %cluster.nats_url, stream = %cluster.stream,
        "sturmglas collect is running.");
    shutdown.await;
    tracing::info!("Stopping.");
    trigger.trigger();
    let deadline = tokio::time::Instant::now() + crate::daemon::STOP_DEADLINE;
    for t in tasks.into_iter().chain([publisher, watch]) {
        if tokio::time::timeout_at(deadline, t).await.is_err() {
            tracing::warn!("A task did not stop in time; abandoning it.");
        }
    }
    Ok(())
}

/// Publishes each batch, waits for every ack, then stores the batch's cursor.
async fn publish_batches(
    js: jetstream::Context,
    store: Arc<Store>,
    mut rx: mpsc::Receiver<Batch>,
    mut shutdown: Shutdown,
) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(30));
    loop {
        let batch = tokio::select! {
            _ = shutdown.recv() => return,
            b = rx.recv() => match b { Some(b) => b, None => return },
        };
        loop {
            match publish(&js, &batch).await {
                Ok(()) => break,
                Err(error) => {
                    let wait = backoff.next(None);
                    tracing::warn!(source = %batch.source, %error,
                        retry_in_ms = wait.as_millis() as u64, "Publishing failed; retrying.");
                    if !sources::sleep_or_stop(&mut shutdown, wait).await {
                        // The cursor was not stored: the source reads these again next time.
                        return;
                    }
                }
            }
        }
        backoff.reset();
        if let Some(c) = batch.cursor.clone() {
            let store = store.clone();
            let source = batch.source.clone();
            let r = tokio::task::spawn_blocking(move || store.set_cursor(&source, &c, Utc::now()))
                .await;
            if !matches!(r, Ok(Ok(()))) {
                tracing::error!(source = %batch.source, "Storing the cursor failed; the batch may be read again.");
            }
        }
        if let Some(c) = &batch.committed {
            c.answer(true);
        }
        tracing::debug!(source = %batch.source, mentions = batch.mentions.len(), "Batch published.");
    }
}

/// Sends every mention of `batch`, then waits for all the acks.
async fn publish(js: &jetstream::Context, batch: &Batch) -> Result<(), String> {
    let subject = subject(&batch.source);
    let mut acks = Vec::with_capacity(batch.mentions.len());
    for m in &batch.mentions {
        let mut m = m.clone();
        if m.source.is_none() {
            m.source = Some(batch.source.clone());
        }
        let id = m.dedup_key();
        let body = serde_json::to_vec(&m).map_err(|e| e.to_string())?;
        let msg = PublishMessage::build().payload(body.into()).message_id(id);
        let ack = js
            .send_publish(subject.clone(), msg)
            .await
            .map_err(|e| e.to_string())?;
        acks.push(ack);
        // The client holds at most 5,000 acks in flight; a bigger batch would wait forever.
        if acks.len() == ACKS_IN_FLIGHT {
            for ack in acks.drain(..) {
                ack.await.map_err(|e| e.to_string())?;
            }
        }
    }
    for ack in acks {
        ack.await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Logs each source that became a problem or recovered (collect has no channels to notify).
async fn watch_health(health: Arc<SourceHealth>, mut shutdown: Shutdown) {
    loop {
        if !sources::sleep_or_stop(&mut shutdown, Duration::from_secs(30)).await {
            return;
        }
        for change in health.changes(Utc::now()) {
            match change {
                sources::HealthChange::Problem(p) => tracing::error!("{}", p.describe()),
                sources::HealthChange::Recovered { name, kind } => {
                    tracing::info!("Source {name} ({kind}) is delivering again.")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_per_source_kind() {
        assert_eq!(
            subject("rss:https://a.example/feed"),
            "sturmglas.mentions.rss"
        );
        assert_eq!(subject("hackernews"), "sturmglas.mentions.hackernews");
        assert_eq!(subject("my.src:x"), "sturmglas.mentions.my_src");
    }
}
