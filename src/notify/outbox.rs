//! The outbox worker: delivers due rows, rate-limited per channel, retried with backoff.
//!
//! A row is an alert or a channel's daily digest ([`Payload`]); both take the same path.
//!
//! Invariant: a row is sent at most once by this process — it is marked delivered right after
//! the channel accepted it, and should that write fail the row is remembered in memory and
//! never sent again — and it is never dropped silently: it ends delivered, or failed with the
//! error logged at error level (permanent failure, retries exhausted, or channel removed from
//! the config). Each channel is served by a task of its own, so a slow, hanging or
//! rate-limited channel does not hold back the others. All database calls run on the blocking pool.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::retry::{self, Next};
use super::DeliveryError;
use crate::cluster::gate::{Asked, DeliveryGate, Verdict};
use crate::config::notify::NotifyConfig;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::store::{OutboxEntry, Payload, Store, StoreError};

/// Rows taken per channel and pass; more are taken in the next pass right away.
const BATCH: usize = 20;
/// How long a stopping worker may go on delivering what is already due.
const DRAIN: Duration = Duration::from_secs(5);
/// The pause after a failed database call.
const DB_PAUSE: Duration = Duration::from_secs(1);
/// How long a channel waits before asking the cluster's gate again when another node delivers.
const GATE_PAUSE: Duration = Duration::from_secs(1);
/// The longest sleep: a safety net should a wake-up be missed.
const MAX_IDLE: Duration = Duration::from_secs(30);

/// Runs until shutdown. `wake` is notified when the core queued new rows; use
/// `notify_one`, which keeps the wake-up for a worker that is busy at that moment.
///
/// Each channel is served by its own task: while one hangs on a slow receiver (up to its
/// timeout), the others pick up new rows as they come.
pub async fn run(
    store: Arc<Store>,
    config: watch::Receiver<Arc<NotifyConfig>>,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    http: reqwest::Client,
    shutdown: Shutdown,
) {
    run_gated(store, config, wake, metrics, http, None, shutdown).await
}

/// [`run`] in a cluster: each row is sent only if `gate` says this node delivers and the
/// cluster has not sent it yet, by the row's notice id (see [`crate::cluster::gate`]).
pub async fn run_gated(
    store: Arc<Store>,
    mut config: watch::Receiver<Arc<NotifyConfig>>,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    http: reqwest::Client,
    gate: Option<Arc<DeliveryGate>>,
    mut shutdown: Shutdown,
) {
    let worker = Arc::new(Worker {
        store,
        metrics,
        http,
        limiters: Mutex::new(HashMap::new()),
        unrecorded: Arc::new(Mutex::new(HashSet::new())),
        gate,
    });
    let mut config_open = true;
    let mut running: JoinSet<(String, PassOutcome)> = JoinSet::new();
    let mut busy: HashSet<String> = HashSet::new();
    let mut held: HashMap<String, Instant> = HashMap::new();
    // Channels with a reason to look at the outbox: at start, after a wake-up, a timer or a
    // config change, all; after a run that delivered something, that one (more may be due).
    let mut want: HashSet<String> = config.borrow().channel_names().into_iter().collect();
    let mut db_trouble = false;
    tracing::debug!("Outbox worker started.");
    loop {
        let cfg = config.borrow_and_update().clone();
        if db_trouble {
            db_trouble = false;
            tokio::select! {
                _ = tokio::time::sleep(DB_PAUSE) => {}
                _ = shutdown.recv() => break,
            }
        }
        worker.housekeeping(&cfg).await;
        let now = Instant::now();
        held.retain(|_, t| *t > now);
        for name in cfg.channel_names() {
            if busy.contains(&name) || held.contains_key(&name) || !want.remove(&name) {
                continue;
            }
            busy.insert(name.clone());
            let (w, c) = (worker.clone(), cfg.clone());
            running.spawn(async move {
                let o = w.serve_channel(&c, name.clone()).await;
                (name, o)
            });
        }
        let next_due = db(&worker.store, |s| s.outbox_next_due_after(Utc::now()))
            .await
            .unwrap_or_else(|error| {
                tracing::error!(%error, "Cannot read the outbox.");
                None
            })
            .map(instant_of);
        let mut until = Instant::now() + MAX_IDLE;
        for t in next_due.into_iter().chain(held.values().copied()) {
            until = until.min(t);
        }
        tokio::select! {
            Some(done) = running.join_next(), if !running.is_empty() => {
                match done {
                    Ok((name, o)) => {
                        busy.remove(&name);
                        db_trouble |= o.db_trouble;
                        if o.db_trouble || o.attempted > 0 {
                            want.insert(name.clone());
                        }
                        if let Some(t) = o.held_until {
                            held.insert(name, t);
                        }
                    }
                    Err(error) => {
                        // A panicked channel task: its row stays due and is tried again.
                        tracing::error!(%error, "A delivery task failed.");
                        busy.clear();
                        running.abort_all();
                        want.extend(cfg.channel_names());
                    }
                }
            }
            _ = wake.notified() => want.extend(cfg.channel_names()),
            changed = config.changed(), if config_open => {
                if changed.is_err() {
                    config_open = false;
                }
                want.extend(config.borrow().channel_names());
            }
            _ = tokio::time::sleep_until(until) => want.extend(cfg.channel_names()),
            _ = shutdown.recv() => break,
        }
    }
    // The drain: what is under way finishes, then one last pass for what is due now, all
    // within one time limit (rate limits still apply).
    let deadline = Instant::now() + DRAIN;
    let cfg = config.borrow().clone();
    let drained = tokio::time::timeout_at(deadline, async {
        while running.join_next().await.is_some() {}
        worker.housekeeping(&cfg).await;
        let runs = cfg
            .channel_names()
            .into_iter()
            .map(|name| worker.serve_channel(&cfg, name));
        futures_util::future::join_all(runs).await;
    })
    .await;
    if drained.is_err() {
        tracing::warn!("Outbox drain timed out; the rest is delivered after the restart.");
    }
    tracing::debug!("Outbox worker stopped.");
}

type Limiter = Arc<(u32, DefaultDirectRateLimiter)>;

struct Worker {
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    http: reqwest::Client,
    /// Per channel: the rate it was built for, and the limiter.
    limiters: Mutex<HashMap<String, Limiter>>,
    /// Rows delivered whose "delivered" mark could not be written: never sent again.
    unrecorded: Arc<Mutex<HashSet<i64>>>,
    /// In a cluster: who delivers, and what the cluster already sent.
    gate: Option<Arc<DeliveryGate>>,
}

#[derive(Debug, Default)]
struct PassOutcome {
    attempted: usize,
    /// When a channel held back by its rate limit may send again.
    held_until: Option<Instant>,
    /// A database call failed: pause before the next pass instead of spinning on it.
    db_trouble: bool,
}

impl Worker {
    /// Between deliveries: give up rows of removed channels, follow rate changes, retry the
    /// "delivered" marks that could not be written, update the pending gauge.
    async fn housekeeping(&self, cfg: &NotifyConfig) {
        self.fail_removed_channels(cfg).await;
        self.sync_limiters(cfg);
        self.retry_unrecorded().await;
        match db(&self.store, |s| s.outbox_stats()).await {
            Ok(stats) => self.metrics.set_outbox_pending(stats.pending),
            Err(error) => tracing::error!(%error, "Cannot read the outbox."),
        }
    }

    async fn fail_removed_channels(&self, cfg: &NotifyConfig) {
        let pending = match db(&self.store, |s| s.outbox_pending_channels()).await {
            Ok(p) => p,
            Err(error) => {
                tracing::error!(%error, "Cannot read the outbox.");
                return;
            }
        };
        let known = cfg.channel_names();
        for channel in pending.into_iter().filter(|c| !known.contains(c)) {
            let error = format!("channel {channel:?} is no longer configured");
            let ch = channel.clone();
            let e2 = error.clone();
            match db(&self.store, move |s| {
                s.outbox_fail_channel(&ch, &e2, Utc::now())
            })
            .await
            {
                Ok(n) => {
                    tracing::error!(channel = %channel, dropped = n, "Channel removed from the config; its pending deliveries are marked failed.");
                    self.metrics.add(
                        "sturmglas_deliveries_total",
                        &[("channel", &channel), ("result", "failed")],
                        n as f64,
                    );
                }
                Err(error) => {
                    tracing::error!(channel = %channel, %error, "Cannot update the outbox.")
                }
            }
        }
    }

    fn sync_limiters(&self, cfg: &NotifyConfig) {
        let names = cfg.channel_names();
        let mut limiters = lock(&self.limiters);
        limiters.retain(|name, _| names.contains(name));
        for name in names {
            let Some(filter) = super::filter_of(cfg, &name) else {
                continue;
            };
            let rate = filter.rate_per_minute.max(1);
            if limiters.get(&name).is_some_and(|l| l.0 == rate) {
                continue;
            }
            let per_minute = NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN);
            limiters.insert(
                name,
                Arc::new((rate, RateLimiter::direct(Quota::per_minute(per_minute)))),
            );
        }
    }

    async fn retry_unrecorded(&self) {
        let seqs: Vec<i64> = lock(&self.unrecorded).iter().copied().collect();
        for seq in seqs {
            if db(&self.store, move |s| s.outbox_delivered(seq, Utc::now()))
                .await
                .is_ok()
            {
                lock(&self.unrecorded).remove(&seq);
            }
        }
    }

    /// Delivers one channel's due rows in order until its rate limit says wait.
    async fn serve_channel(&self, cfg: &NotifyConfig, name: String) -> PassOutcome {
        let mut outcome = PassOutcome::default();
        let Some(limiter) = lock(&self.limiters).get(&name).cloned() else {
            return outcome;
        };
        let limiter = &limiter.1;
        let ch = name.clone();
        let rows = match db(&self.store, move |s| {
            s.outbox_due_for(&ch, Utc::now(), BATCH)
        })
        .await
        {
            Ok(rows) => rows,
            Err(error) => {
                tracing::error!(channel = %name, %error, "Cannot read the outbox.");
                outcome.db_trouble = true;
                return outcome;
            }
        };
        for row in rows {
            if lock(&self.unrecorded).contains(&row.seq) {
                continue;
            }
            if let Err(not_until) = limiter.check() {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                tracing::debug!(channel = %name, wait_ms = wait.as_millis() as u64, "Rate limit reached; holding deliveries back.");
                outcome.held_until = Some(Instant::now() + wait);
                break;
            }
            let asked = Asked {
                notice: &row.notice,
                alert: row.payload.alert(),
            };
            if let Some(gate) = &self.gate {
                // Alerts and digests alike: each node queues its own; the cluster's record,
                // by notice id, says whether another node sent it.
                match gate.check(&name, &asked).await {
                    Verdict::Send => {}
                    Verdict::NotDelivering => {
                        outcome.held_until = Some(Instant::now() + GATE_PAUSE);
                        break;
                    }
                    Verdict::Sent => {
                        tracing::info!(channel = %name, id = %row.payload.id(), notice = %row.notice, "Already delivered by the cluster.");
                        let (seq, now) = (row.seq, Utc::now());
                        if db(&self.store, move |s| s.outbox_delivered(seq, now))
                            .await
                            .is_err()
                        {
                            lock(&self.unrecorded).insert(seq);
                        }
                        continue;
                    }
                }
            }
            outcome.attempted += 1;
            let result = match &row.payload {
                Payload::Alert(event) => super::deliver(cfg, &name, event, &self.http).await,
                Payload::Digest(digest) => {
                    super::deliver_digest(cfg, &name, digest, &self.http).await
                }
            };
            if let (Some(gate), Ok(())) = (&self.gate, &result) {
                gate.record(&name, &asked, &row.payload.id()).await;
            }
            if !self.record(cfg, &row, result).await {
                outcome.db_trouble = true;
                break;
            }
        }
        outcome
    }

    /// Marks the row after an attempt; false if the database refused the write.
    async fn record(
        &self,
        cfg: &NotifyConfig,
        row: &OutboxEntry,
        result: Result<(), DeliveryError>,
    ) -> bool {
        let channel = row.channel.as_str();
        let id = row.payload.id();
        let alert = id.as_str();
        let attempt = row.attempts + 1;
        let seq = row.seq;
        let now = Utc::now();
        let (label, store_result) = match result {
            Ok(()) => {
                match row.payload.alert() {
                    Some(event) => {
                        tracing::info!(channel, alert, attempt, brand = %event.brand, "Alert delivered.")
                    }
                    None => tracing::info!(channel, digest = alert, attempt, "Digest delivered."),
                }
                let r = db(&self.store, move |s| s.outbox_delivered(seq, now)).await;
                if r.is_err() {
                    lock(&self.unrecorded).insert(seq);
                }
                ("delivered", r)
            }
            Err(error) => {
                let (next, message) = match &error {
                    DeliveryError::Transient {
                        message,
                        retry_after,
                    } => (
                        retry::next(
                            &cfg.retry,
                            attempt,
                            row.created_at,
                            now,
                            *retry_after,
                            retry::random_jitter(),
                        ),
                        message.clone(),
                    ),
                    other => (Next::GiveUp, other.to_string()),
                };
                match next {
                    Next::RetryAt(at) => {
                        let retry_in =
                            crate::duration::format((at - now).to_std().unwrap_or_default());
                        tracing::warn!(channel, alert, attempt, error = %message, %retry_in, "Delivery failed, retrying.");
                        let r = db(&self.store, move |s| {
                            s.outbox_failed(seq, &message, Some(at), now)
                        })
                        .await;
                        ("retry", r)
                    }
                    Next::GiveUp => {
                        tracing::error!(channel, alert, attempt, error = %message, "Delivery failed, giving up.");
                        let r = db(&self.store, move |s| {
                            s.outbox_failed(seq, &message, None, now)
                        })
                        .await;
                        ("failed", r)
                    }
                }
            }
        };
        self.metrics.inc(
            "sturmglas_deliveries_total",
            &[("channel", channel), ("result", label)],
        );
        if let Err(error) = &store_result {
            tracing::error!(channel, alert, %error, "Cannot record the delivery in the outbox.");
        }
        store_result.is_ok()
    }
}

use crate::lock::lock;

/// Runs a store call on the blocking pool.
async fn db<T, F>(store: &Arc<Store>, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .unwrap_or_else(|e| Err(StoreError::Corrupt(format!("store task failed: {e}"))))
}

/// The tokio instant of a wall-clock time (now, if it is already past).
fn instant_of(t: DateTime<Utc>) -> Instant {
    let wait = (t - Utc::now()).to_std().unwrap_or_default();
    Instant::now() + wait
}
