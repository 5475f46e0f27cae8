//! The delivering role of a cluster: one JetStream KV key whose entries expire after the
//! lease's TTL. A daemon that creates the key holds the role; it renews it with a
//! compare-and-set on the key's revision every third of the TTL; a holder that dies stops
//! renewing, the entry expires, and the first other daemon to create the key takes over.
//!
//! Invariant: a node believes it delivers only until `TTL - RENEW` after its last successful
//! renewal, which is before the entry can expire and another node can create it; a failed
//! compare-and-set (someone else holds the key) drops the role at once. The server's KV,
//! not a protocol of ours, decides who wins.

use std::sync::Mutex;
use std::time::Duration;

use async_nats::jetstream::kv;
use tokio::time::Instant;

use crate::lock::lock;
use crate::shutdown::Shutdown;

/// How long a lease lasts without renewal: a dead holder is replaced within about this long
/// (plus one renewal period).
pub const TTL: Duration = Duration::from_secs(10);
/// How often the holder renews and the others try to take it.
pub const RENEW: Duration = Duration::from_secs(3);

const KEY: &str = "delivering";

#[derive(Debug, Default)]
struct Held {
    revision: Option<u64>,
    until: Option<Instant>,
}

/// This node's view of the lease.
pub struct Lease {
    kv: kv::Store,
    node: String,
    held: Mutex<Held>,
}

impl Lease {
    /// Opens (or creates) the lease bucket `bucket`, its entries expiring after [`TTL`].
    pub async fn open(
        js: &async_nats::jetstream::Context,
        bucket: &str,
        node: &str,
    ) -> Result<Lease, String> {
        Ok(Lease {
            kv: super::gate::bucket(js, bucket, TTL).await?,
            node: node.to_string(),
            held: Mutex::new(Held::default()),
        })
    }

    /// Whether this node holds the delivering role right now.
    pub fn delivering(&self) -> bool {
        lock(&self.held).until.is_some_and(|u| Instant::now() < u)
    }

    /// One round: renew the lease if held, else try to take it. Returns whether it is held.
    pub async fn round(&self) -> bool {
        let revision = lock(&self.held).revision;
        let started = Instant::now();
        let value = self.node.clone().into_bytes().into();
        let result = match revision {
            Some(rev) => self
                .kv
                .update(KEY, value, rev)
                .await
                .map_err(|e| e.to_string()),
            None => self.kv.create(KEY, value).await.map_err(|e| e.to_string()),
        };
        let mut held = lock(&self.held);
        match result {
            Ok(rev) => {
                if held.revision.is_none() {
                    tracing::info!(node = %self.node, "This node now delivers the cluster's notices.");
                }
                held.revision = Some(rev);
                // Counted from before the request: the entry's age starts at the server's
                // receipt, which is later.
                held.until = Some(started + TTL - RENEW);
                true
            }
            Err(error) => {
                if held.revision.is_some() {
                    tracing::warn!(node = %self.node, %error, "Lost the delivering role.");
                }
                held.revision = None;
                held.until = None;
                false
            }
        }
    }

    /// Renews or tries to take the lease every [`RENEW`] until shutdown; `after` sees each
    /// round's result.
    pub async fn run(&self, mut shutdown: Shutdown, after: impl Fn(bool)) {
        loop {
            after(self.round().await);
            tokio::select! {
                _ = tokio::time::sleep(RENEW) => {}
                _ = shutdown.recv() => return,
            }
        }
    }
}
