//! The daemon: the one place that spawns tasks, wires channels, reloads and shuts down.
//!
//! Tasks: the HTTP server, the detector's ticker (which also feeds the systemd watchdog), the
//! outbox worker, the sources and their forwarder into the core, the daily digest
//! ([`crate::digest::run`]), and hourly maintenance. The
//! CPU and SQLite work runs on the core thread ([`crate::worker`]).
//!
//! [`run`] is a function of its inputs, as mini-redis' `server::run`: the caller binds the
//! listener and supplies the shutdown future (and, with [`run_with_reload`], the reload
//! requests), so a test runs the daemon in-process on `127.0.0.1:0`; `main` binds the
//! configured address and turns SIGTERM/SIGINT/SIGHUP into those inputs with
//! [`unix_signals`]. Shutdown stops everything in order — sources first, the core last, after
//! saving its state — under one deadline ([`STOP_DEADLINE`]) shared by all tasks. A reload
//! keeps the old config if the new one is invalid.

mod service;
pub mod source_watch;

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinHandle;

use crate::config::{self, Config};
use crate::engine::Engine;
use crate::http::{self, AppState, IngestSettings};
use crate::metrics::Metrics;
use crate::sentiment::Analyzer;
use crate::shutdown::{self, Shutdown, ShutdownTrigger};
use crate::sources::{self, Batch, SourceContext, SourceHealth};
use crate::store::Store;

use crate::worker::{self, CoreHandle};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot open the state database in {dir}: {source}")]
    Store {
        dir: PathBuf,
        source: crate::store::StoreError,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot install signal handler: {0}")]
    Signals(std::io::Error),
    #[error("{0}")]
    Startup(String),
}

/// How long shutdown waits, in all, for the tasks (sources and the rest) before it abandons
/// the ones still running. One deadline for all of them, not one per task in turn: the unit's
/// `TimeoutStopSec` is 30 s, and the core's last save comes after the tasks, so 20 s leaves it
/// room. A reload's old sources get the same allowance of their own.
pub const STOP_DEADLINE: Duration = Duration::from_secs(20);

/// The running sources of one config generation, stopped together on reload.
struct SourceSet {
    trigger: ShutdownTrigger,
    tasks: Vec<JoinHandle<()>>,
}

struct Daemon {
    config: Arc<Config>,
    core: CoreHandle,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    ingest: Arc<RwLock<IngestSettings>>,
    /// The address the listener is bound to (the access rules depend on it).
    listen: std::net::SocketAddr,
    notify_tx: watch::Sender<Arc<crate::config::notify::NotifyConfig>>,
    config_tx: watch::Sender<Arc<Config>>,
    batch_tx: mpsc::Sender<Batch>,
    http: reqwest::Client,
    sources: SourceSet,
    source_health: Arc<SourceHealth>,
}

fn start_sources(
    config: &Config,
    store: &Arc<Store>,
    sink: &mpsc::Sender<Batch>,
    metrics: &Arc<Metrics>,
    http: &reqwest::Client,
    health: &Arc<SourceHealth>,
) -> SourceSet {
    let (trigger, shutdown) = shutdown::channel();
    let ctx = SourceContext {
        store: store.clone(),
        sink: sink.clone(),
        metrics: metrics.clone(),
        shutdown,
        http: http.clone(),
        brands: Arc::new(config.brands.clone()),
        health: health.clone(),
    };
    SourceSet {
        trigger,
        tasks: sources::spawn_all(&config.sources, &ctx),
    }
}

async fn stop_sources(set: SourceSet, deadline: tokio::time::Instant) {
    set.trigger.trigger();
    for t in set.tasks {
        if tokio::time::timeout_at(deadline, t).await.is_err() {
            tracing::warn!("A source did not stop in time; abandoning it.");
        }
    }
}

/// Binds the configured listen address; what `main` does before [`run`].
pub async fn bind(config: &Config) -> Result<TcpListener, DaemonError> {
    TcpListener::bind(config.server.listen)
        .await
        .map_err(|source| DaemonError::Listen {
            addr: config.server.listen,
            source,
        })
}

/// SIGTERM or SIGINT as the shutdown future, SIGHUP as reload requests: the inputs `main`
/// gives [`run_with_reload`]. Must be called inside the runtime.
pub fn unix_signals() -> Result<(impl Future<Output = ()> + Send, mpsc::Receiver<()>), DaemonError>
{
    let mut term = signal(SignalKind::terminate()).map_err(DaemonError::Signals)?;
    let mut int = signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?;
    let mut hup = signal(SignalKind::hangup()).map_err(DaemonError::Signals)?;
    let (reload_tx, reload_rx) = mpsc::channel(1);
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            // A reload already pending covers this one too.
            if let Err(mpsc::error::TrySendError::Closed(())) = reload_tx.try_send(()) {
                return;
            }
        }
    });
    let shutdown = async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    };
    Ok((shutdown, reload_rx))
}

/// Runs the daemon on `listener` until `shutdown` completes; returns after a clean stop.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    let (_no_reloads, reloads) = mpsc::channel(1);
    run_with_reload(config, listener, shutdown, reloads).await
}

/// [`run`], reloading the config file each time `reload` yields.
pub async fn run_with_reload(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    mut reload: mpsc::Receiver<()>,
) -> Result<(), DaemonError> {
    let started = Instant::now();
    let config = Arc::new(config);
    let state_dir = config.storage.state_dir.clone();
    let brands = config.brands.clone();
    // The learned models were read and checked with the config, before the runtime started.
    let checked = config.clone();
    // Opening the database, loading lexicons and restoring state all block: off the runtime.
    let (store, engine) = tokio::task::spawn_blocking(move || {
        let store = Store::open(&state_dir).map_err(|source| match source {
            // Already says what and where; printed once, without a chain repeating it.
            e @ crate::store::StoreError::ReadOnly { .. } => DaemonError::Startup(e.to_string()),
            source => DaemonError::Store {
                dir: state_dir.clone(),
                source,
            },
        })?;
        let analyzer = Arc::new(checked.sentiment.analyzer());
        let mut engine = Engine::new(&brands, analyzer, Utc::now())
            .map_err(|e| DaemonError::Startup(e.to_string()))?;
        worker::restore(&mut engine, &store)
            .map_err(|e| DaemonError::Startup(format!("cannot restore brand state: {e}")))?;
        Ok::<_, DaemonError>((Arc::new(store), engine))
    })
    .await
    .map_err(|e| DaemonError::Startup(e.to_string()))??;

    let metrics = Arc::new(Metrics::new());
    let outbox_wake = Arc::new(Notify::new());
    let (core, core_thread) = worker::spawn(
        engine,
        config.clone(),
        store.clone(),
        metrics.clone(),
        outbox_wake.clone(),
    )
    .map_err(|e| DaemonError::Startup(format!("cannot start the core thread: {e}")))?;

    let listen = listener.local_addr().unwrap_or(config.server.listen);
    let (trigger, stop) = shutdown::channel();
    let http_client = crate::http_client::fetch()
        .map_err(|e| DaemonError::Startup(format!("cannot build the HTTP client: {e}")))?;
    let delivery_client = crate::notify::webhook::client()
        .map_err(|e| DaemonError::Startup(format!("cannot build the HTTP client: {e}")))?;
    let ingest = Arc::new(RwLock::new(IngestSettings::new(&config.server, listen)));
    let (notify_tx, notify_rx) = watch::channel(Arc::new(config.notify.clone()));
    let (config_tx, config_rx) = watch::channel(config.clone());
    let (batch_tx, batch_rx) = mpsc::channel::<Batch>(64);

    let mut tasks: Vec<JoinHandle<()>> = Vec::new();
    // In a named cluster, the outbox sends only while this node holds the delivering lease.
    let cluster = config.cluster.clone();
    let gate = cluster
        .as_ref()
        .filter(|c| c.name.is_some())
        .map(|c| Arc::new(crate::cluster::gate::DeliveryGate::new(&c.node)));
    if let (Some(c), Some(g)) = (&cluster, &gate) {
        tasks.push(tokio::spawn(crate::cluster::join::run(
            c.clone(),
            g.clone(),
            metrics.clone(),
            stop.clone(),
        )));
    }
    let cluster_view = gate.clone();
    let source_health = Arc::new(SourceHealth::new(metrics.clone()));
    let health_view = source_health.clone();
    let app = http::router(AppState {
        core: core.clone(),
        store: store.clone(),
        metrics: metrics.clone(),
        ingest: ingest.clone(),
        started,
        sources: Arc::new(move || {
            serde_json::to_value(health_view.snapshot(chrono::Utc::now())).unwrap_or_default()
        }),
        cluster: Arc::new(move || {
            cluster
                .as_ref()
                .map(|c| crate::cluster::join::health(c, cluster_view.as_deref()))
        }),
    });
    let http_shutdown = stop.clone();
    let limits = http::serve::Limits {
        max_connections: config.server.max_connections,
        header_timeout: config.server.header_timeout,
    };
    tasks.push(tokio::spawn(async move {
        http::serve::serve(listener, app, limits, http_shutdown).await;
    }));
    tasks.push(tokio::spawn(ticker(
        core.clone(),
        config.server.tick,
        stop.clone(),
    )));
    tasks.push(tokio::spawn(source_watch::run(
        source_health.clone(),
        store.clone(),
        notify_rx.clone(),
        outbox_wake.clone(),
        config.server.tick,
        stop.clone(),
    )));
    tasks.push(tokio::spawn(crate::notify::outbox::run_gated(
        store.clone(),
        notify_rx,
        outbox_wake.clone(),
        metrics.clone(),
        delivery_client,
        gate,
        stop.clone(),
    )));
    tasks.push(tokio::spawn(forward_batches(
        core.clone(),
        batch_rx,
        stop.clone(),
    )));
    tasks.push(tokio::spawn(crate::digest::run(
        store.clone(),
        config_rx.clone(),
        outbox_wake.clone(),
        Arc::new(Utc::now),
        stop.clone(),
    )));
    tasks.push(tokio::spawn(maintenance(
        store.clone(),
        config_rx,
        stop.clone(),
    )));
    let sources = start_sources(
        &config,
        &store,
        &batch_tx,
        &metrics,
        &http_client,
        &source_health,
    );

    let mut daemon = Daemon {
        config,
        core: core.clone(),
        store,
        metrics,
        ingest,
        listen,
        notify_tx,
        config_tx,
        batch_tx,
        http: http_client,
        sources,
        source_health,
    };

    tracing::info!(
        %listen,
        brands = daemon.config.brands.len(),
        sentiment = %daemon.config.sentiment.summary(),
        state = %daemon.store.path().display(),
        "sturmglas is watching."
    );
    for warning in &daemon.config.warnings {
        tracing::warn!("{warning}");
    }
    service::ready();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(()) = reload.recv() => daemon.reload().await,
        }
    }

    service::stopping();
    tracing::info!("Stopping.");
    let deadline = tokio::time::Instant::now() + STOP_DEADLINE;
    stop_sources(daemon.sources, deadline).await;
    trigger.trigger();
    for t in tasks {
        if tokio::time::timeout_at(deadline, t).await.is_err() {
            tracing::warn!("A task did not stop in time; abandoning it.");
        }
    }
    core.stop().await;
    let _ = tokio::task::spawn_blocking(move || core_thread.join()).await;
    tracing::info!("Stopped cleanly.");
    Ok(())
}

impl Daemon {
    /// Loads the config file again; an invalid file leaves the running config in force.
    /// The sentiment models are read again too (a retrained model at the same path is picked
    /// up), and a fresh analyzer with them replaces the engine's.
    async fn reload(&mut self) {
        service::reloading();
        let path = self.config.path.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            config::load(&path).map(|c| {
                let analyzer = Arc::new(c.sentiment.analyzer());
                (c, analyzer)
            })
        })
        .await;
        match loaded {
            Ok(Ok((new, analyzer))) => self.apply(Arc::new(new), analyzer).await,
            Ok(Err(errors)) => {
                for e in &errors.0 {
                    tracing::error!("{e}");
                }
                tracing::error!(
                    errors = errors.0.len(),
                    "Reload failed: the new config is invalid; the previous config stays in force."
                );
            }
            Err(error) => tracing::error!(%error, "Reload failed."),
        }
        service::ready();
    }

    async fn apply(&mut self, new: Arc<Config>, analyzer: Arc<Analyzer>) {
        if new.server.listen != self.config.server.listen {
            tracing::warn!(
                old = %self.config.server.listen,
                new = %new.server.listen,
                "A new listen address takes effect only after a restart."
            );
        }
        if new.storage.state_dir != self.config.storage.state_dir {
            tracing::warn!("A new state_dir takes effect only after a restart.");
        }
        if let Err(error) = self.core.reload(new.clone(), analyzer).await {
            tracing::error!(%error, "Reload failed; the previous config stays in force.");
            return;
        }
        if let Ok(mut g) = self.ingest.write() {
            *g = IngestSettings::new(&new.server, self.listen);
        }
        self.notify_tx.send_replace(Arc::new(new.notify.clone()));
        self.config_tx.send_replace(new.clone());
        let fresh = start_sources(
            &new,
            &self.store,
            &self.batch_tx,
            &self.metrics,
            &self.http,
            &self.source_health,
        );
        let old = std::mem::replace(&mut self.sources, fresh);
        stop_sources(old, tokio::time::Instant::now() + STOP_DEADLINE).await;
        self.config = new;
        tracing::info!(
            brands = self.config.brands.len(),
            sentiment = %self.config.sentiment.summary(),
            "Config reloaded."
        );
    }
}

/// The detector's clock: one tick per interval, on the wall clock's grid (see
/// [`until_next_tick`]); a tick that went through also pets the watchdog.
async fn ticker(core: CoreHandle, every: Duration, mut shutdown: Shutdown) {
    loop {
        let wait = until_next_tick(Utc::now().timestamp_millis(), every);
        tokio::select! {
            _ = shutdown.recv() => return,
            _ = tokio::time::sleep(wait) => {
                match core.tick(Utc::now()).await {
                    Ok(_) => service::watchdog(),
                    Err(worker::CoreError::Gone) => return,
                    Err(error) => tracing::error!(%error, "Tick failed."),
                }
            }
        }
    }
}

/// How long from `now_ms` (unix milliseconds) to the next tick. Ticks fall half a period past
/// each multiple of `every` on the wall clock, so the daemons of a cluster (clocks kept by
/// NTP) judge the same mentions at the same moments and place an episode's start in the same
/// minute, which its notice id names (`cluster::notice`); and, `every` dividing a minute, no
/// tick falls on a minute's edge, where clocks a few milliseconds apart would disagree. A
/// tick that overran its period skips to the next slot.
fn until_next_tick(now_ms: i64, every: Duration) -> Duration {
    let period = (every.as_millis() as i64).max(1);
    let phase = period / 2;
    let wait = (phase - now_ms).rem_euclid(period);
    Duration::from_millis(if wait == 0 { period } else { wait } as u64)
}

/// Moves source batches into the core. A batch still queued at shutdown is dropped on
/// purpose: its cursor was not stored, so the source fetches it again after the restart.
async fn forward_batches(core: CoreHandle, mut rx: mpsc::Receiver<Batch>, mut shutdown: Shutdown) {
    loop {
        let batch = tokio::select! {
            _ = shutdown.recv() => return,
            b = rx.recv() => match b { Some(b) => b, None => return },
        };
        let source = batch.source.clone();
        let committed = batch.committed;
        let r = core
            .ingest(batch.mentions, batch.source, batch.cursor)
            .await;
        if let Some(c) = committed {
            c.answer(r.is_ok());
        }
        match r {
            Ok(s) => {
                tracing::debug!(%source, accepted = s.accepted, matched = s.matched, "Batch recorded.")
            }
            Err(worker::CoreError::Gone) => return,
            Err(error) => tracing::error!(%source, %error, "Recording a batch failed."),
        }
    }
}

/// Hourly: drop dedup keys, alerts and archived mentions past their retention, and archived
/// mentions beyond the cap per brand.
async fn maintenance(
    store: Arc<Store>,
    config: watch::Receiver<Arc<Config>>,
    mut shutdown: Shutdown,
) {
    let mut interval = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = shutdown.recv() => return,
            _ = interval.tick() => {
                let store = store.clone();
                let (d, a, m) = {
                    let c = config.borrow();
                    let s = &c.storage;
                    (s.dedup_retention, s.alert_retention, s.mention_retention)
                };
                let prune = move || -> crate::store::Result<usize> {
                    let now = Utc::now();
                    let n = store.prune(now, d, a)?;
                    let cap = crate::store::DEFAULT_MAX_PER_BRAND;
                    Ok(n + store.prune_archive(now, m, cap)?)
                };
                match tokio::task::spawn_blocking(prune).await {
                    Ok(Ok(n)) if n > 0 => tracing::info!(rows = n, "Pruned old state."),
                    Ok(Err(error)) => tracing::error!(%error, "Pruning failed."),
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::until_next_tick;
    use std::time::Duration;

    #[test]
    fn ticks_fall_half_a_period_past_the_wall_clock_grid_and_never_on_a_minute() {
        let five = Duration::from_secs(5);
        // 10:00:00.000 → 10:00:02.500; 10:00:02.400 → 100 ms; 10:00:02.600 → 10:00:07.500.
        let t0 = 1_800_000_000_000_i64 - 1_800_000_000_000_i64.rem_euclid(60_000);
        assert_eq!(until_next_tick(t0, five), Duration::from_millis(2500));
        assert_eq!(until_next_tick(t0 + 2400, five), Duration::from_millis(100));
        assert_eq!(
            until_next_tick(t0 + 2600, five),
            Duration::from_millis(4900)
        );
        // Two daemons started at different moments tick at the same instants.
        for start in [t0 + 17, t0 + 3_333, t0 + 59_999] {
            let at = start + until_next_tick(start, five).as_millis() as i64;
            assert_eq!(at.rem_euclid(5000), 2500, "{start}");
            assert_ne!(at.rem_euclid(60_000), 0);
        }
        assert_eq!(
            until_next_tick(t0 + 50, Duration::from_millis(200)),
            Duration::from_millis(50)
        );
    }
}
