//! Shared pieces of the source tests: a context wired to an in-process "core" that records
//! batches and stores cursors the way the daemon does, loopback HTTP servers, and fixtures.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sturmglas::config::{Brand, Thresholds};
use sturmglas::metrics::Metrics;
use sturmglas::shutdown::{self, ShutdownTrigger};
use sturmglas::sources::Common;
use sturmglas::sources::{Batch, SourceContext, SourceHealth};
use sturmglas::store::Store;
use tokio::sync::mpsc;

pub fn fixture(name: &str) -> String {
    let p = format!(
        "{}/tests/fixtures/sources/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub fn brand(name: &str, keywords: &[&str]) -> Brand {
    Brand {
        name: name.into(),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        exclude: vec![],
        query: None,
        filters: Default::default(),
        thresholds: Thresholds::default(),
    }
}

/// Fast settings for tests: short back-off, silence alert far away.
pub fn common(name: &str) -> Common {
    let mut c = Common::new(name, Duration::from_secs(60));
    c.backoff_initial = Duration::from_millis(50);
    c.backoff_max = Duration::from_millis(200);
    c
}

/// One run of the sources against a store: the context, the batches as the core saw them.
pub struct Run {
    pub ctx: SourceContext,
    pub trigger: ShutdownTrigger,
    pub rx: mpsc::Receiver<Batch>,
    pub store: Arc<Store>,
    pub health: Arc<SourceHealth>,
    pub metrics: Arc<Metrics>,
}

impl Run {
    pub fn new(store: Arc<Store>, brands: Vec<Brand>) -> Run {
        let (trigger, shutdown) = shutdown::channel();
        let (tx, rx) = mpsc::channel(16);
        let metrics = Arc::new(Metrics::new());
        let health = Arc::new(SourceHealth::new(metrics.clone()));
        let ctx = SourceContext {
            store: store.clone(),
            sink: tx,
            metrics: metrics.clone(),
            shutdown,
            http: reqwest::Client::new(),
            brands: Arc::new(brands),
            health: health.clone(),
        };
        Run {
            ctx,
            trigger,
            rx,
            store,
            health,
            metrics,
        }
    }

    /// The next batch, committed like the core does (its cursor stored). Panics after 10 s.
    pub async fn batch(&mut self) -> Batch {
        let b = tokio::time::timeout(Duration::from_secs(10), self.rx.recv())
            .await
            .expect("no batch within 10 s")
            .expect("sources hung up");
        if let Some(c) = &b.cursor {
            self.store
                .set_cursor(&b.source, c, chrono::Utc::now())
                .unwrap();
        }
        b
    }

    /// The next batch that carries mentions (empty cursor-only batches are committed too).
    pub async fn mentions(&mut self) -> Batch {
        loop {
            let b = self.batch().await;
            if !b.mentions.is_empty() {
                return b;
            }
        }
    }

    /// Asserts that no batch with mentions arrives within `d`.
    pub async fn no_mentions_for(&mut self, d: Duration) {
        let until = tokio::time::Instant::now() + d;
        while let Ok(Some(b)) = tokio::time::timeout_at(until, self.rx.recv()).await {
            assert!(
                b.mentions.is_empty(),
                "unexpected mentions: {:?}",
                b.mentions
            );
        }
    }

    /// Stops the tasks and waits for them (they must stop promptly).
    pub async fn stop(self, tasks: Vec<tokio::task::JoinHandle<()>>) -> Arc<Store> {
        self.trigger.trigger();
        for t in tasks {
            tokio::time::timeout(Duration::from_secs(5), t)
                .await
                .expect("source did not stop within 5 s")
                .unwrap();
        }
        self.store
    }
}

/// Serves `app` on a loopback port.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Requests a server saw: path with query, and selected headers.
#[derive(Clone, Default)]
pub struct Log(pub Arc<Mutex<Vec<Seen>>>);

#[derive(Clone, Debug)]
pub struct Seen {
    pub uri: String,
    pub headers: axum::http::HeaderMap,
    pub at: tokio::time::Instant,
}

impl Log {
    pub fn push(&self, uri: &axum::http::Uri, headers: &axum::http::HeaderMap) -> usize {
        let mut v = self.0.lock().unwrap();
        v.push(Seen {
            uri: uri.to_string(),
            headers: headers.clone(),
            at: tokio::time::Instant::now(),
        });
        v.len()
    }
    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A query parameter of a logged URI, decoded.
pub fn param(uri: &str, key: &str) -> Option<String> {
    let u = url::Url::parse(&format!("http://x{uri}")).unwrap();
    u.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
