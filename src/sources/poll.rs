//! The polling loop every request/response source runs: load the cursor, poll, hand the batch
//! and its cursor to the core, wait, and on failure back off.
//!
//! Invariant: the in-memory cursor only advances once the core has accepted the batch that
//! carries it, and a failed poll never advances it, so the next poll (or the next process)
//! asks again from the last counted position.

use std::future::Future;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::http::{Backoff, SourceError};
use super::kind::Common;
use super::{load_cursor, send_batch, sleep_or_stop, Batch, SourceContext};
use crate::mention::Mention;

/// Longest a poll (all its pages and queries) may take; a server that accepts the connection
/// and never answers must show up as a failure, not as a source that silently stopped.
const POLL_TIMEOUT: Duration = Duration::from_secs(300);

/// What one poll brought.
#[derive(Debug, Default)]
pub struct Fetched {
    pub mentions: Vec<Mention>,
    /// The cursor after these mentions; `None` keeps the previous one.
    pub cursor: Option<String>,
    /// Extra wait the service asked for (its quota is used up until then).
    pub wait: Option<Duration>,
}

/// A source that is asked at intervals.
pub trait Poller: Send {
    /// One poll from `cursor` (the stored one, or the last one the core accepted).
    fn poll(
        &mut self,
        cursor: Option<String>,
    ) -> impl Future<Output = Result<Fetched, SourceError>> + Send;
}

/// A limiter that keeps within a service's documented quota of `count` requests per `window`
/// while allowing short bursts of `burst`: with GCRA at most `burst + window / period` requests
/// fit in any window, so the period is `window / (count - burst)`.
pub fn limiter(count: u32, window: Duration, burst: u32) -> Arc<DefaultDirectRateLimiter> {
    let burst = burst.clamp(1, count.max(2) - 1);
    let per = window / (count.max(2) - burst);
    let quota = Quota::with_period(per.max(Duration::from_millis(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
    Arc::new(RateLimiter::direct(quota))
}

/// Runs `poller` until shutdown.
pub async fn run<P: Poller>(
    mut poller: P,
    kind: &'static str,
    common: Common,
    interval: Duration,
    ctx: SourceContext,
) {
    let name = common.name.as_str();
    let mut shutdown = ctx.shutdown.clone();
    ctx.health
        .register(name, kind, common.silence_alert_after, Utc::now());
    let mut cursor = load_cursor(&ctx, name).await;
    let mut backoff = Backoff::new(common.backoff_initial, common.backoff_max);
    tracing::info!(source = name, resume = cursor.is_some(), "Source started.");
    loop {
        let result = tokio::select! {
            r = tokio::time::timeout(POLL_TIMEOUT, poller.poll(cursor.clone())) => {
                r.unwrap_or_else(|_| Err(SourceError::Other("poll timed out".into())))
            }
            _ = shutdown.recv() => return,
        };
        let wait = match result {
            Ok(f) => {
                ctx.health.success(name, f.mentions.len(), Utc::now());
                backoff.reset();
                let next = f.cursor.or_else(|| cursor.clone());
                if !f.mentions.is_empty() || next != cursor {
                    let batch = Batch {
                        source: name.to_string(),
                        mentions: f.mentions,
                        cursor: next.clone(),
                        committed: None,
                    };
                    if !send_batch(&ctx, &mut shutdown, batch).await {
                        return;
                    }
                    cursor = next;
                }
                f.wait.map_or(interval, |w| w.max(interval))
            }
            Err(error) => {
                ctx.health
                    .failure(name, error.kind(), &error.to_string(), Utc::now());
                let wait = backoff.next(error.retry_after());
                tracing::warn!(
                    source = name,
                    %error,
                    failures = backoff.failures(),
                    retry_in_ms = wait.as_millis() as u64,
                    "Source fetch failed, backing off."
                );
                wait
            }
        };
        if !sleep_or_stop(&mut shutdown, wait).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_allows_the_burst_then_paces() {
        let l = limiter(300, Duration::from_secs(300), 10);
        let allowed = (0..50).filter(|_| l.check().is_ok()).count();
        assert_eq!(allowed, 10);
    }
}
