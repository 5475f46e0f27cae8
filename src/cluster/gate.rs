//! What the outbox asks before it sends a notice in a cluster, and tells after: the
//! [`DeliveryGate`]. Daemons of one cluster and shard each raise the same storm's notices (they
//! count the same mentions), but with ids of their own, so the gate compares what a notice
//! *says* with what the cluster last delivered for that brand on that channel: a JetStream KV
//! key per (channel, brand, kind) holding the last delivered notice's status, level, start and
//! time.
//!
//! Invariant: only the lease holder ([`super::lease`]) sends; a notice is skipped as already
//! sent when the cluster's last delivery for its (channel, brand, kind) has the same status
//! and level, an episode start and a time within [`SAME_EPISODE`] of the notice's (so a later
//! reminder is not a copy), or is newer than it (the notice was
//! superseded while this node was not delivering). A kill between a channel accepting a
//! notice and the record being written is, as on one machine, the one way a notice goes out
//! twice.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_nats::jetstream::kv;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::lease::Lease;
use crate::alert::AlertEvent;

/// Two daemons see a storm begin at slightly different ticks; starts this close are one
/// episode.
pub const SAME_EPISODE: Duration = Duration::from_secs(600);

/// The gate's answer for one notice on one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// This node delivers and the cluster has not sent it: send it, then [`DeliveryGate::record`].
    Send,
    /// The cluster already delivered it (or a later notice): mark it delivered, do not send.
    Sent,
    /// Another node delivers now: keep the row and ask again later.
    NotDelivering,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Delivered {
    status: String,
    level: String,
    started_at: DateTime<Utc>,
    observed_at: DateTime<Utc>,
    id: String,
    node: String,
}

impl Delivered {
    fn of(e: &AlertEvent, node: &str) -> Delivered {
        Delivered {
            status: format!("{:?}", e.status).to_lowercase(),
            level: e.level.as_str().to_string(),
            started_at: e.started_at,
            observed_at: e.observed_at,
            id: e.id.clone(),
            node: node.to_string(),
        }
    }

    /// Whether `self` (the cluster's last delivery) already covers `next`.
    fn covers(&self, next: &Delivered) -> bool {
        let same_episode = (self.started_at - next.started_at)
            .abs()
            .to_std()
            .is_ok_and(|d| d <= SAME_EPISODE);
        // A reminder (`repeat_interval`) says the same again much later: not a copy.
        let same_time = (self.observed_at - next.observed_at)
            .abs()
            .to_std()
            .is_ok_and(|d| d <= SAME_EPISODE);
        let same =
            self.status == next.status && self.level == next.level && same_episode && same_time;
        // Older than what the cluster last said about this brand: superseded.
        let stale = next.observed_at + chrono::Duration::seconds(30) < self.observed_at;
        same || stale
    }
}

/// The cluster's delivery gate: the lease and the delivered-notice bucket, once NATS is
/// reached (until then this node does not deliver).
pub struct DeliveryGate {
    node: String,
    ready: OnceLock<Ready>,
}

struct Ready {
    lease: Arc<Lease>,
    kv: kv::Store,
}

/// Opens (or creates) a KV bucket whose entries expire after `max_age`.
pub async fn bucket(
    js: &async_nats::jetstream::Context,
    name: &str,
    max_age: Duration,
) -> Result<kv::Store, String> {
    if let Ok(kv) = js.get_key_value(name).await {
        return Ok(kv);
    }
    // The bucket's stream as the KV layout has it, created directly: the client's
    // `create_key_value` first reads the account info, which nats-server 2.9's reply does
    // not satisfy.
    use async_nats::jetstream::stream;
    js.get_or_create_stream(stream::Config {
        name: format!("KV_{name}"),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: 1,
        max_age,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        num_replicas: 1,
        ..Default::default()
    })
    .await
    .map_err(|e| format!("KV bucket {name}: {e}"))?;
    js.get_key_value(name)
        .await
        .map_err(|e| format!("KV bucket {name}: {e}"))
}

impl DeliveryGate {
    pub fn new(node: &str) -> DeliveryGate {
        DeliveryGate {
            node: node.to_string(),
            ready: OnceLock::new(),
        }
    }

    /// Connected: the lease and the delivered-notice bucket.
    pub fn set(&self, lease: Arc<Lease>, delivered: kv::Store) {
        let _ = self.ready.set(Ready {
            lease,
            kv: delivered,
        });
    }

    /// Whether this node sends the cluster's notices now.
    pub fn delivering(&self) -> bool {
        self.ready.get().is_some_and(|r| r.lease.delivering())
    }

    fn key(channel: &str, e: &AlertEvent) -> String {
        let h = super::shard::hash(&format!("{channel}\0{}\0{}", e.brand, e.kind.as_str()));
        format!("n{h:016x}")
    }

    /// Asks before sending `e` on `channel`. A NATS error answers `NotDelivering`: the row
    /// waits rather than risk a second copy.
    pub async fn check(&self, channel: &str, e: &AlertEvent) -> Verdict {
        let Some(ready) = self.ready.get().filter(|r| r.lease.delivering()) else {
            return Verdict::NotDelivering;
        };
        match ready.kv.get(Self::key(channel, e)).await {
            Ok(Some(v)) => match serde_json::from_slice::<Delivered>(&v) {
                Ok(last) if last.covers(&Delivered::of(e, &self.node)) => Verdict::Sent,
                _ => Verdict::Send,
            },
            Ok(None) => Verdict::Send,
            Err(error) => {
                tracing::warn!(%error, "Cannot read the cluster's delivered notices; holding.");
                Verdict::NotDelivering
            }
        }
    }

    /// Records that `e` went out on `channel`.
    pub async fn record(&self, channel: &str, e: &AlertEvent) {
        let body = match serde_json::to_vec(&Delivered::of(e, &self.node)) {
            Ok(b) => b,
            Err(_) => return,
        };
        let Some(ready) = self.ready.get() else {
            return;
        };
        for _ in 0..3 {
            match ready
                .kv
                .put(Self::key(channel, e), body.clone().into())
                .await
            {
                Ok(_) => return,
                Err(error) => {
                    tracing::warn!(%error, channel, alert = %e.id, "Cannot record a delivery in the cluster; retrying.");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        tracing::error!(channel, alert = %e.id, "The cluster does not know this notice was sent; another node may send it again.");
    }

    /// This node's name in the cluster.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The lease, once connected.
    pub fn lease(&self) -> Option<&Arc<Lease>> {
        self.ready.get().map(|r| &r.lease)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(status: &str, level: &str, start: i64, at: i64) -> Delivered {
        Delivered {
            status: status.into(),
            level: level.into(),
            started_at: DateTime::from_timestamp(start, 0).unwrap(),
            observed_at: DateTime::from_timestamp(at, 0).unwrap(),
            id: "x".into(),
            node: "a".into(),
        }
    }

    #[test]
    fn the_same_notice_from_another_node_is_covered() {
        let sent = d("firing", "critical", 1000, 1100);
        assert!(sent.covers(&d("firing", "critical", 1005, 1104)));
        assert!(!sent.covers(&d("resolved", "critical", 1000, 1900)));
        assert!(!sent.covers(&d("firing", "critical", 1000 + 3600, 1000 + 3700)));
        // A reminder of the same episode an hour later is sent.
        assert!(!sent.covers(&d("firing", "critical", 1000, 1100 + 3600)));
    }

    #[test]
    fn an_older_notice_is_superseded() {
        let resolved = d("resolved", "critical", 1000, 2000);
        assert!(resolved.covers(&d("firing", "critical", 1000, 1100)));
        assert!(resolved.covers(&d("resolved", "critical", 1003, 2004)));
    }
}
