//! The HTTP accept loop: HTTP/1 with header and body read timeouts and a cap on open
//! connections, so slow or idle clients cannot use up the process's file descriptors.
//!
//! Invariant: at most `max_connections` accepted sockets are open at once. When the cap is
//! reached, the oldest connection that has no request in flight (an idle keep-alive, or one
//! that has not finished sending its headers) is closed to make room for the new one; only
//! when every connection is busy with a request is the new one closed at once. Deliveries and
//! SQLite keep the file descriptors the cap leaves free.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};

use crate::shutdown::Shutdown;

/// The server's limits; fixed at start.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most (`server.max_connections`).
    pub max_connections: usize,
    /// A request's header must be complete this long after the connection (or the previous
    /// response) (`server.header_timeout`).
    pub header_timeout: Duration,
}

/// One open connection, as the accept loop sees it.
struct Entry {
    in_flight: Arc<AtomicUsize>,
    close: Arc<Notify>,
}

/// The open connections, oldest first (ids grow).
#[derive(Default)]
struct Registry {
    conns: Mutex<BTreeMap<u64, Entry>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Entry>> {
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tells the oldest connection without a request in flight to close; false if all are
    /// busy.
    fn evict_oldest_idle(&self) -> bool {
        let mut conns = self.lock();
        let Some(id) = conns
            .iter()
            .find(|(_, e)| e.in_flight.load(Ordering::Acquire) == 0)
            .map(|(id, _)| *id)
        else {
            return false;
        };
        if let Some(e) = conns.remove(&id) {
            e.close.notify_one();
        }
        true
    }
}

/// Decrements a connection's in-flight count when a request's handling ends, however it ends.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serves `app` on `listener` until `stop` fires; then stops accepting, lets requests in
/// flight finish (up to 10 s), and returns.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, mut stop: Shutdown) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let registry = Arc::new(Registry::default());
    let mut next_id: u64 = 0;
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.recv() => break,
        };
        let sock = match accepted {
            Ok((sock, _)) => sock,
            Err(error) => {
                // EMFILE and friends: back off instead of spinning; the cap should prevent it.
                tracing::warn!(%error, "Accepting an HTTP connection failed.");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let permit = match slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) if registry.evict_oldest_idle() => {
                match tokio::time::timeout(Duration::from_secs(1), slots.clone().acquire_owned())
                    .await
                {
                    Ok(Ok(p)) => p,
                    _ => continue,
                }
            }
            Err(_) => {
                tracing::debug!("Connection cap reached with every connection busy; closed one.");
                continue;
            }
        };
        while tasks.try_join_next().is_some() {}
        next_id += 1;
        let id = next_id;
        let in_flight = Arc::new(AtomicUsize::new(0));
        let close = Arc::new(Notify::new());
        registry.lock().insert(
            id,
            Entry {
                in_flight: in_flight.clone(),
                close: close.clone(),
            },
        );
        let app = app.clone();
        let registry = registry.clone();
        let mut conn_stop = stop.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                in_flight.fetch_add(1, Ordering::AcqRel);
                let guard = InFlight(in_flight.clone());
                let mut app = app.clone();
                async move {
                    let _guard = guard;
                    tower_service::Service::call(&mut app, req.map(axum::body::Body::new)).await
                }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let conn = builder.serve_connection(TokioIo::new(sock), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = close.notified() => {}
                _ = conn_stop.recv() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(10), conn.as_mut()).await;
                }
            }
            registry.lock().remove(&id);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(11), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
}
