//! The core thread: owns the [`Engine`] and does the store writes that go with it.
//!
//! Matching, scoring and detection are CPU work and SQLite calls block, so neither may run on
//! the async runtime. They run here, on one OS thread fed by a bounded channel: the channel is
//! the backpressure for every source and for ingest, and one owner means no locks around the
//! engine. The async side (the HTTP routes, the daemon's forwarder and ticker) talks to it
//! through [`CoreHandle`]; this module knows nothing of HTTP or of the daemon's tasks.
//!
//! Writes, as this module makes them: an ingest batch's dedup keys, its count increments (the
//! count journal), its matched mentions (the archive) and its source's cursor are one
//! transaction ([`Store::begin_ingest`] … `commit`), committed before the engine counts the batch and before ingest answers 202, so a
//! kill -9 can lose no accepted mention. A tick's alerts, their outbox rows and the brand
//! states share one transaction ([`Store::record_tick`]); saving the brand states every minute
//! ([`Store::save_brand_states`]) absorbs the journal in the same transaction.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, Notify};

use crate::alert::AlertEvent;
use crate::config::Config;
use crate::engine::{BrandView, Engine, Processed};
use crate::mention::Mention;
use crate::metrics::Metrics;
use crate::sentiment::Analyzer;
use crate::store::{CountIncrement, Store};

/// What one ingest call did, as the API reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IngestSummary {
    pub accepted: usize,
    pub duplicates: usize,
    pub matched: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("the core has stopped")]
    Gone,
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Config(String),
}

enum Msg {
    Ingest {
        mentions: Vec<Mention>,
        source: String,
        cursor: Option<String>,
        reply: Option<oneshot::Sender<Result<IngestSummary, CoreError>>>,
    },
    Tick {
        now: DateTime<Utc>,
        reply: oneshot::Sender<Result<Vec<AlertEvent>, CoreError>>,
    },
    Views {
        now: DateTime<Utc>,
        reply: oneshot::Sender<Vec<BrandView>>,
    },
    Expected {
        brand: String,
        buckets: crate::engine::Buckets,
        reply: oneshot::Sender<Option<Vec<f64>>>,
    },
    Reload {
        config: Arc<Config>,
        analyzer: Arc<Analyzer>,
        reply: oneshot::Sender<Result<(), CoreError>>,
    },
    Stop {
        reply: oneshot::Sender<()>,
    },
}

/// The async side's handle to the core thread. Cheap to clone.
#[derive(Clone)]
pub struct CoreHandle {
    tx: mpsc::Sender<Msg>,
}

impl CoreHandle {
    async fn call<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Msg) -> Result<T, CoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| CoreError::Gone)?;
        rx.await.map_err(|_| CoreError::Gone)
    }

    /// Records mentions (de-duplicated), then the source's cursor.
    pub async fn ingest(
        &self,
        mentions: Vec<Mention>,
        source: String,
        cursor: Option<String>,
    ) -> Result<IngestSummary, CoreError> {
        self.call(|reply| Msg::Ingest {
            mentions,
            source,
            cursor,
            reply: Some(reply),
        })
        .await?
    }

    /// Runs detection at `now`; the notices are recorded and queued before this returns.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Vec<AlertEvent>, CoreError> {
        self.call(|reply| Msg::Tick { now, reply }).await?
    }

    pub async fn views(&self, now: DateTime<Utc>) -> Result<Vec<BrandView>, CoreError> {
        self.call(|reply| Msg::Views { now, reply }).await
    }

    /// What `brand`'s baseline expects in each of `buckets`; `None` when there is no such
    /// brand (so a call with no buckets asks only whether it exists).
    pub async fn expected(
        &self,
        brand: String,
        buckets: crate::engine::Buckets,
    ) -> Result<Option<Vec<f64>>, CoreError> {
        self.call(|reply| Msg::Expected {
            brand,
            buckets,
            reply,
        })
        .await
    }

    /// Applies a new config and the analyzer built for it (with its sentiment models).
    pub async fn reload(
        &self,
        config: Arc<Config>,
        analyzer: Arc<Analyzer>,
    ) -> Result<(), CoreError> {
        self.call(|reply| Msg::Reload {
            config,
            analyzer,
            reply,
        })
        .await?
    }

    /// Persists the brand states and ends the thread.
    pub async fn stop(&self) {
        let _ = self.call(|reply| Msg::Stop { reply }).await;
    }
}

struct Core {
    engine: Engine,
    config: Arc<Config>,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    outbox_wake: Arc<Notify>,
    last_persist: DateTime<Utc>,
    /// Notices raised by the detector that the store has not yet taken (disk full, read-only).
    unrecorded: Vec<crate::store::Routed>,
    /// The key of ack links (`ack_link`), once read from the store.
    ack_secret: Option<Vec<u8>>,
    /// When the `sturmglas_notices_held` gauge was last counted.
    held_gauge_at: DateTime<Utc>,
}

/// How often brand states are written when nothing happened; on every alert they are written
/// at once, in the same transaction as the alert.
const PERSIST_EVERY_SECS: i64 = 60;

/// How often the held-notices gauge is counted when nothing was recorded or released.
const HELD_GAUGE_EVERY_SECS: i64 = 30;

/// Starts the core thread. The engine's saved state is loaded from the store first.
pub fn spawn(
    engine: Engine,
    config: Arc<Config>,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    outbox_wake: Arc<Notify>,
) -> std::io::Result<(CoreHandle, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel(256);
    let core = Core {
        engine,
        config,
        store,
        metrics,
        outbox_wake,
        last_persist: Utc::now(),
        unrecorded: Vec::new(),
        ack_secret: None,
        held_gauge_at: DateTime::<Utc>::UNIX_EPOCH,
    };
    let join = std::thread::Builder::new()
        .name("sturmglas-core".into())
        .spawn(move || core.run(rx))?;
    Ok((CoreHandle { tx }, join))
}

/// Restores saved brand monitors into a fresh engine, logging (not failing on) unreadable
/// ones, then replays the counts journaled after they were saved.
pub fn restore(engine: &mut Engine, store: &Store) -> Result<(), CoreError> {
    let saved: HashMap<String, String> = store.load_brand_states()?;
    for brand in engine.import_states(&saved) {
        tracing::warn!(%brand, "Saved state of brand is unreadable; starting it fresh.");
    }
    let journal = store.count_journal()?;
    let replayed: u64 = journal.iter().map(|c| c.mentions).sum();
    for c in journal {
        let at = DateTime::from_timestamp(c.at, 0).unwrap_or_default();
        engine.replay_counts(&c.brand, at, c.mentions, c.negative);
    }
    if replayed > 0 {
        tracing::info!(
            mentions = replayed,
            "Replayed counts journaled since the last save."
        );
    }
    Ok(())
}

/// A batch's count increments, summed per brand and second so that a batch of a thousand
/// mentions about one brand journals a row or two, not a thousand.
#[derive(Default)]
struct CountBatch {
    sums: HashMap<(usize, i64), (u64, u64)>,
}

impl CountBatch {
    fn add(&mut self, brand: usize, at: i64, negative: bool) {
        let e = self.sums.entry((brand, at)).or_default();
        e.0 += 1;
        e.1 += u64::from(negative);
    }

    fn increments(&self, engine: &Engine) -> Vec<CountIncrement> {
        let mut out: Vec<CountIncrement> = self
            .sums
            .iter()
            .filter_map(|(&(b, at), &(mentions, negative))| {
                Some(CountIncrement {
                    brand: engine.brand_name(b)?.to_string(),
                    at,
                    mentions,
                    negative,
                })
            })
            .collect();
        out.sort_by(|a, b| (a.at, &a.brand).cmp(&(b.at, &b.brand)));
        out
    }
}

impl Core {
    /// Sets every brand's level gauge from its status: at start (restored alerts) and after a
    /// reload (new brands); between those, [`Core::tick`] follows the notices.
    fn refresh_level_gauges(&mut self) {
        for v in self.engine.views(Utc::now()) {
            self.metrics.set(
                "sturmglas_brand_level",
                &[("brand", &v.name)],
                v.status.level as u8 as f64,
            );
        }
    }

    fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        self.refresh_level_gauges();
        while let Some(msg) = rx.blocking_recv() {
            match msg {
                Msg::Ingest {
                    mentions,
                    source,
                    cursor,
                    reply,
                } => {
                    let r = self.ingest(mentions, &source, cursor.as_deref());
                    if let Err(error) = &r {
                        tracing::error!(%source, %error, "Recording mentions failed.");
                        self.metrics
                            .inc("sturmglas_errors_total", &[("component", "core")]);
                    }
                    if let Some(reply) = reply {
                        let _ = reply.send(r);
                    }
                }
                Msg::Tick { now, reply } => {
                    let r = self.tick(now);
                    if let Err(error) = &r {
                        tracing::error!(
                            %error,
                            pending = self.unrecorded.len(),
                            "Recording alerts failed; retrying on the next tick."
                        );
                        self.metrics
                            .inc("sturmglas_errors_total", &[("component", "core")]);
                    }
                    let _ = reply.send(r);
                }
                Msg::Views { now, reply } => {
                    let _ = reply.send(self.engine.views(now));
                }
                Msg::Expected {
                    brand,
                    buckets,
                    reply,
                } => {
                    let _ = reply.send(self.engine.expected(&brand, &buckets));
                }
                Msg::Reload {
                    config,
                    analyzer,
                    reply,
                } => {
                    let r = self
                        .engine
                        .reconfigure(&config.brands, Utc::now())
                        .map_err(|e| CoreError::Config(e.to_string()));
                    if r.is_ok() {
                        self.engine.set_analyzer(analyzer);
                        self.config = config;
                        self.refresh_level_gauges();
                    }
                    let _ = reply.send(r);
                }
                Msg::Stop { reply } => {
                    self.persist(Utc::now());
                    let _ = reply.send(());
                    return;
                }
            }
        }
        self.persist(Utc::now());
    }

    /// Classifies a batch, commits its dedup keys, counts and cursor in one transaction, and
    /// only then counts it in the engine: a mention that got its 202 (or whose cursor moved)
    /// is counted after any crash, and a batch the store refused is not counted at all.
    fn ingest(
        &mut self,
        mentions: Vec<Mention>,
        source: &str,
        cursor: Option<&str>,
    ) -> Result<IngestSummary, CoreError> {
        let now = Utc::now();
        let mut tx = self.store.begin_ingest(now)?;
        let mut processed: Vec<Option<Processed>> = Vec::with_capacity(mentions.len());
        let mut counts = CountBatch::default();
        for m in &mentions {
            if !tx.mark_seen(&m.dedup_key())? {
                processed.push(None);
                continue;
            }
            let p = self.engine.classify(m);
            if let Some(s) = &p.sentiment {
                let at = m.time_or(now).timestamp();
                let key = m.dedup_key();
                for &b in &p.brands {
                    counts.add(b, at, s.is_negative());
                    // Archived with its counts, in this transaction: the history never
                    // disagrees with what the detector counted.
                    if let Some(brand) = self.engine.brand_name(b) {
                        let lang = m.lang.as_deref().unwrap_or(s.lang.as_str());
                        tx.archive(brand, &key, m, at, lang, s.score, s.label)?;
                    }
                }
            }
            processed.push(Some(p));
        }
        tx.add_counts(&counts.increments(&self.engine))?;
        if let Some(c) = cursor {
            tx.set_cursor(source, c)?;
        }
        tx.commit()?;

        let mut summary = IngestSummary::default();
        for (m, p) in mentions.iter().zip(&processed) {
            let Some(p) = p else {
                summary.duplicates += 1;
                continue;
            };
            summary.accepted += 1;
            self.engine.count(m, p, now);
            if p.brands.is_empty() {
                continue;
            }
            summary.matched += 1;
            let negative = p.sentiment.as_ref().is_some_and(|s| s.is_negative());
            for &b in &p.brands {
                let Some(brand) = self.engine.brand_name(b) else {
                    continue;
                };
                self.metrics
                    .inc("sturmglas_mentions_total", &[("brand", brand)]);
                if negative {
                    self.metrics
                        .inc("sturmglas_negative_mentions_total", &[("brand", brand)]);
                }
            }
        }
        let src = source.split(':').next().unwrap_or(source);
        self.metrics.add(
            "sturmglas_ingested_total",
            &[("source", src), ("result", "accepted")],
            summary.accepted as f64,
        );
        self.metrics.add(
            "sturmglas_ingested_total",
            &[("source", src), ("result", "duplicate")],
            summary.duplicates as f64,
        );
        Ok(summary)
    }

    fn tick(&mut self, now: DateTime<Utc>) -> Result<Vec<AlertEvent>, CoreError> {
        self.metrics.inc("sturmglas_ticks_total", &[]);
        let mut events = self.engine.tick(now);
        // Links are the daemon's to give (the engine knows no URLs): with `server.public_url`,
        // every event names its chart and dashboard, in the stored event and every delivery.
        if let Some(base) = self.config.server.public_url.clone() {
            let secret = self.ack_secret();
            for e in &mut events {
                let mut links = crate::brief::Links::new(&base, &e.id, &e.brand);
                // The signed, expiring link that acknowledges the storm without a token.
                if let (Some(secret), false) = (&secret, e.test) {
                    links.ack = Some(crate::ack_link::url(&base, secret, &e.id, now));
                }
                e.brief.links = Some(links);
            }
        }
        // A brand's level changes only with a notice, so the gauge follows the notices instead
        // of recomputing every brand's status on every tick.
        for e in &events {
            let level = match e.status {
                crate::alert::Status::Firing => e.level as u8,
                crate::alert::Status::Resolved => 0,
            };
            self.metrics.set(
                "sturmglas_brand_level",
                &[("brand", &e.brand)],
                level as f64,
            );
        }
        // Notices a failed tick could not record come first: the detector has moved past them,
        // so they exist nowhere but here until the store takes them.
        let mut queued = std::mem::take(&mut self.unrecorded);
        // Silences, time intervals and escalation hold notices back (recorded, no outbox
        // rows); see `people`.
        queued.extend(crate::people::route(
            &self.store,
            &self.config.notify,
            &mut events,
            now,
        ));
        if queued.is_empty() {
            if (now - self.last_persist).num_seconds() >= PERSIST_EVERY_SECS {
                self.persist(now);
            }
            self.release_holds(now, false);
            return Ok(events);
        }
        // Alerts, their deliveries and the monitors that raised them in one transaction: a
        // crash can neither lose a notice nor, after restart, raise it a second time.
        if let Err(e) = self
            .store
            .record_routed(&queued, &self.engine.export_states(), now)
        {
            // Kept, and retried on every tick until recorded. The monitors are not saved
            // meanwhile (see `persist`), so a restart re-derives these notices from the
            // journaled counts instead of finding a brand critical with no alert.
            self.unrecorded = queued;
            return Err(e.into());
        }
        self.last_persist = now;
        for crate::store::Routed {
            event: e,
            channels,
            holds,
        } in &queued
        {
            self.metrics.inc(
                "sturmglas_alerts_total",
                &[("brand", &e.brand), ("level", e.level.as_str())],
            );
            tracing::warn!(
                brand = %e.brand,
                status = ?e.status,
                level = e.level.as_str(),
                kind = e.kind.as_str(),
                mentions = e.mentions,
                negative_share = e.negative_share,
                channels = channels.len(),
                held = holds.len(),
                "{}",
                e.headline()
            );
        }
        self.release_holds(now, true);
        self.outbox_wake.notify_one();
        Ok(events)
    }

    /// The secret that signs ack links, read from the store once (made there on first use).
    fn ack_secret(&mut self) -> Option<Vec<u8>> {
        if self.ack_secret.is_none() {
            match self.store.ack_secret() {
                Ok(s) => self.ack_secret = Some(s),
                Err(error) => {
                    tracing::error!(%error, "Reading the ack-link secret failed; notices go without an ack link.");
                }
            }
        }
        self.ack_secret.clone()
    }

    /// Releases the silences that have ended, then the holds of channels (time intervals,
    /// escalation) that can end, after this tick's notices are recorded, so a fresh notice
    /// supersedes a held one rather than both being sent; then sets the held-notices gauge.
    fn release_holds(&mut self, now: DateTime<Utc>, recorded: bool) {
        let engine = &mut self.engine;
        let mut views: Option<Vec<BrandView>> = None;
        let mut still_firing = |brand: &str| {
            let v = views.get_or_insert_with(|| engine.views(now));
            v.iter()
                .any(|v| v.name == brand && v.status.level != crate::level::Level::Ok)
        };
        let notify = &self.config.notify;
        let released = crate::people::release_ended(&self.store, notify, &mut still_firing, now)
            .and_then(|n| {
                crate::people::release_held(&self.store, notify, &mut still_firing, now)
                    .map(|r| (n, r))
            });
        let mut changed = recorded;
        match released {
            Ok((silenced, held)) => {
                if silenced + held.queued > 0 {
                    self.outbox_wake.notify_one();
                }
                changed |= silenced + held.ended > 0;
            }
            Err(error) => {
                tracing::error!(%error, "Releasing held notices failed; retrying on the next tick.");
                self.metrics
                    .inc("sturmglas_errors_total", &[("component", "store")]);
            }
        }
        // Counting what silences hold reads every stream's latest notice: on a change, else
        // twice a minute.
        if changed || (now - self.held_gauge_at).num_seconds() >= HELD_GAUGE_EVERY_SECS {
            self.held_gauge_at = now;
            match self.store.held_counts() {
                Ok(counts) => {
                    for (reason, n) in counts {
                        self.metrics
                            .set("sturmglas_notices_held", &[("reason", reason)], n as f64);
                    }
                }
                Err(error) => tracing::error!(%error, "Counting held notices failed."),
            }
        }
    }

    /// Saves the monitors (absorbing the count journal). Skipped while notices are waiting to
    /// be recorded: saved monitors that have moved past an unrecorded notice would lose it on
    /// a restart.
    fn persist(&mut self, now: DateTime<Utc>) {
        if !self.unrecorded.is_empty() {
            if let Err(error) =
                self.store
                    .record_routed(&self.unrecorded, &self.engine.export_states(), now)
            {
                tracing::error!(%error, "Recording alerts failed; they stay queued.");
                return;
            }
            self.unrecorded.clear();
            self.outbox_wake.notify_one();
            self.last_persist = now;
            return;
        }
        match self
            .store
            .save_brand_states(&self.engine.export_states(), now)
        {
            Ok(()) => self.last_persist = now,
            Err(error) => {
                tracing::error!(%error, "Saving brand states failed.");
                self.metrics
                    .inc("sturmglas_errors_total", &[("component", "store")]);
            }
        }
    }
}
