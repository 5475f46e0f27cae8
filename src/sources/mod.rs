//! Sources: tasks that turn outside feeds into mentions.
//!
//! Each source runs as its own task and sends [`Batch`]es into one bounded channel; the core
//! records a batch's mentions and then its cursor in the store, so a restart resumes after the
//! last batch that was counted — nothing missed, nothing counted twice. A source never writes
//! its cursor itself, never blocks the runtime, and stops at its next await on shutdown.
//!
//! A kind of source is one file here: its `[[sources.KIND]]` block, validation and tasks
//! behind [`SourceKind`] ([`kind`]), named once in the list below ([`registry`] says what
//! the list generates).

pub mod health;
pub mod http;
pub mod kind;
pub mod poll;
pub mod registry;
pub mod sse;
pub mod text;

// The one list of source kinds, in the order they are validated and shown by `check`:
// `[[sources.KEY]] => file::ValidatedConfig`. A new kind is its file plus one line here.
registry::source_kinds! {
    rss => rss::RssSource,
    mastodon => mastodon::MastodonSource,
    bluesky => bluesky::BlueskySource,
    reddit => reddit::RedditSource,
    hackernews => hackernews::HackernewsSource,
    x => x::XSource,
    nats => nats::NatsSource,
}

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::Brand;
use crate::mention::Mention;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::store::Store;

pub use health::{HealthChange, SourceHealth, SourceProblem, SourceStatus};
pub use kind::{Common, SourceKind};

/// Mentions read in one fetch, and where the source resumes once they are counted.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Stable name of the source instance, e.g. `rss:https://…`; the cursor's key.
    pub source: String,
    pub mentions: Vec<Mention>,
    /// The cursor to store after these mentions are recorded.
    pub cursor: Option<String>,
    /// Told whether the batch was committed to the store: a source that must confirm
    /// delivery upstream (NATS acks) waits for it. `None` for the others.
    pub committed: Option<Committed>,
}

/// The one-shot answer to "is this batch stored?": `true` once its ingest transaction
/// committed, `false` (or dropped unanswered) when it was not.
#[derive(Debug, Clone)]
pub struct Committed(Arc<std::sync::Mutex<Option<tokio::sync::oneshot::Sender<bool>>>>);

impl Committed {
    pub fn new() -> (Committed, tokio::sync::oneshot::Receiver<bool>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (Committed(Arc::new(std::sync::Mutex::new(Some(tx)))), rx)
    }

    /// Answers once; later calls do nothing.
    pub fn answer(&self, stored: bool) {
        if let Some(tx) = crate::lock::lock(&self.0).take() {
            let _ = tx.send(stored);
        }
    }
}

/// What every source task gets.
#[derive(Clone)]
pub struct SourceContext {
    pub store: Arc<Store>,
    pub sink: mpsc::Sender<Batch>,
    pub metrics: Arc<Metrics>,
    pub shutdown: Shutdown,
    pub http: reqwest::Client,
    pub brands: Arc<Vec<Brand>>,
    pub health: Arc<SourceHealth>,
}

/// Starts every configured source's tasks (Mastodon: one per hashtag, plus one for search),
/// registers each with the health registry and forgets sources no longer configured.
pub fn spawn_all(cfg: &SourcesConfig, ctx: &SourceContext) -> Vec<JoinHandle<()>> {
    let (names, handles): (Vec<String>, Vec<JoinHandle<()>>) = cfg.spawn(ctx).into_iter().unzip();
    ctx.health.retain(&names);
    handles
}

/// Reads a source's resume cursor off the runtime; a store error starts from the top (logged),
/// which at worst re-reads posts that de-duplication then drops.
pub async fn load_cursor(ctx: &SourceContext, source: &str) -> Option<String> {
    let store = ctx.store.clone();
    let key = source.to_string();
    match tokio::task::spawn_blocking(move || store.cursor(&key)).await {
        Ok(Ok(c)) => c,
        Ok(Err(error)) => {
            tracing::warn!(source, %error, "Cannot read the source cursor, starting fresh.");
            None
        }
        Err(error) => {
            tracing::warn!(source, %error, "Cursor read task failed, starting fresh.");
            None
        }
    }
}

/// Hands a batch to the core, waiting while the channel is full (backpressure). `false` when
/// the task should stop: shutdown, or the core is gone.
pub async fn send_batch(ctx: &SourceContext, shutdown: &mut Shutdown, batch: Batch) -> bool {
    tokio::select! {
        r = ctx.sink.send(batch) => r.is_ok(),
        _ = shutdown.recv() => false,
    }
}

/// Sleeps unless shutdown comes first; `false` on shutdown.
pub async fn sleep_or_stop(shutdown: &mut Shutdown, d: Duration) -> bool {
    if shutdown.is_shutdown() {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = shutdown.recv() => false,
    }
}

/// After a stream connection ended with `error`: records the failure in the source's health,
/// waits the back-off (never less than the wait the server asked for in the error), and says
/// whether to reconnect — false once shutdown began. `what` names the connection in the log
/// ("Mastodon stream").
pub async fn reconnect_after(
    ctx: &SourceContext,
    name: &str,
    what: &str,
    error: &http::SourceError,
    backoff: &mut http::Backoff,
    shutdown: &mut Shutdown,
) -> bool {
    ctx.health
        .failure(name, error.kind(), &error.to_string(), chrono::Utc::now());
    let wait = backoff.next(error.retry_after());
    tracing::warn!(source = %name, %error, retry_in_ms = wait.as_millis() as u64,
        "{what} dropped, reconnecting.");
    sleep_or_stop(shutdown, wait).await
}

/// The keyword queries a search source runs when none is configured: one per brand, its
/// keywords (or its query's names, [`Brand::name_terms`]) joined with `joiner` (e.g.
/// `" OR "`) and quoted when they contain spaces. The engine then applies the full query.
pub fn brand_queries(brands: &[Brand], joiner: &str) -> Vec<String> {
    brands
        .iter()
        .map(Brand::name_terms)
        .filter(|names| !names.is_empty())
        .map(|names| {
            names
                .iter()
                .map(|k| {
                    if k.contains(' ') {
                        format!("\"{k}\"")
                    } else {
                        k.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(joiner)
        })
        .collect()
}

/// Logs and counts one malformed item that is skipped.
pub fn skip_item(ctx: &SourceContext, source: &str, error: &dyn std::fmt::Display) {
    tracing::warn!(source, %error, "Skipping a malformed item.");
    ctx.health.skipped(source);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Thresholds;

    #[test]
    fn brand_queries_quote_phrases() {
        let b = Brand {
            name: "N".into(),
            keywords: vec!["Nordwind".into(), "Nordwind Bank".into()],
            exclude: vec![],
            query: None,
            filters: Default::default(),
            thresholds: Thresholds::default(),
        };
        assert_eq!(
            brand_queries(&[b], " OR "),
            ["Nordwind OR \"Nordwind Bank\""]
        );
    }
}
