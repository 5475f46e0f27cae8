//! What the outbox asks before it sends a notice in a cluster, and tells after: the
//! [`DeliveryGate`]. Daemons of one cluster and shard each raise the same storm's notices (they
//! count the same mentions) with event ids of their own, but with the same notice id
//! ([`super::notice`]): the gate keys what the cluster delivered by the notice's delivery id
//! (notice id and channel) in a JetStream KV bucket, and writes that record with the delivery
//! id as its `Nats-Msg-Id`, so a record retried after a lost acknowledgement is stored once.
//! Beside it, per episode and channel, the gate keeps how far the episode's delivered notices
//! climbed and whether its all-clear went out.
//!
//! Invariant: only the lease holder ([`super::lease`]) sends; a notice is skipped as already
//! sent when its delivery id is recorded (whichever node sent it), or when its episode's
//! all-clear or a higher notice of the episode (critical over warning, storm over buzz) was
//! delivered on that channel (it was superseded while this node was not delivering). A node
//! that does not deliver marks the rows the cluster has sent as delivered and keeps the rest.
//! A kill between a channel accepting a notice and the record being written is, as on one
//! machine, the one way a notice goes out twice.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_nats::jetstream::{self, kv};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::lease::Lease;
use super::notice::{self, Place};
use crate::alert::AlertEvent;

/// The gate's answer for one notice on one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// This node delivers and the cluster has not sent it: send it, then [`DeliveryGate::record`].
    Send,
    /// The cluster already delivered it (or a later notice of its episode): mark it
    /// delivered, do not send.
    Sent,
    /// Another node delivers now (or the cluster cannot be asked): keep the row, ask later.
    NotDelivering,
}

/// The record of one delivery: what was sent, by whom, when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Delivered {
    notice: String,
    channel: String,
    /// The event id on the node that sent it.
    id: String,
    node: String,
    at: DateTime<Utc>,
}

/// An episode on one channel as the cluster delivered it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct Episode {
    /// The highest rank of a firing notice delivered.
    top: Option<u8>,
    /// Its all-clear went out.
    resolved: bool,
}

impl Episode {
    /// Whether a notice at `place` adds nothing to what the episode already said.
    fn supersedes(&self, place: &Place) -> bool {
        match place.rank {
            // The all-clear is one per episode; its own delivery id says whether it went out.
            None => false,
            Some(rank) => self.resolved || self.top.is_some_and(|top| rank < top),
        }
    }

    fn with(mut self, place: &Place) -> Episode {
        match place.rank {
            None => self.resolved = true,
            Some(rank) => self.top = Some(self.top.map_or(rank, |t| t.max(rank))),
        }
        self
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
    js: jetstream::Context,
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

/// What the gate is asked about: a notice id, and the alert (for its episode) unless it is a
/// digest.
pub struct Asked<'a> {
    pub notice: &'a str,
    pub alert: Option<&'a AlertEvent>,
}

impl DeliveryGate {
    pub fn new(node: &str) -> DeliveryGate {
        DeliveryGate {
            node: node.to_string(),
            ready: OnceLock::new(),
        }
    }

    /// Connected: the lease, the delivered-notice bucket, and the JetStream context the
    /// records are published through.
    pub fn set(&self, lease: Arc<Lease>, delivered: kv::Store, js: jetstream::Context) {
        let _ = self.ready.set(Ready {
            lease,
            kv: delivered,
            js,
        });
    }

    /// Whether this node sends the cluster's notices now.
    pub fn delivering(&self) -> bool {
        self.ready.get().is_some_and(|r| r.lease.delivering())
    }

    fn delivery_key(channel: &str, notice_id: &str) -> String {
        format!("n{}", notice::delivery_id(notice_id, channel))
    }

    fn episode_key(place: &Place) -> String {
        format!("e{}", place.episode)
    }

    /// Asks before sending `asked` on `channel`. A NATS error answers `NotDelivering`: the row
    /// waits rather than risk a second copy. A node that does not deliver learns here which
    /// of its rows the cluster has sent (`Sent`).
    pub async fn check(&self, channel: &str, asked: &Asked<'_>) -> Verdict {
        let Some(ready) = self.ready.get() else {
            return Verdict::NotDelivering;
        };
        let fail = |error: kv::EntryError| {
            tracing::warn!(%error, "Cannot read the cluster's delivered notices; holding.");
            Verdict::NotDelivering
        };
        match ready
            .kv
            .get(Self::delivery_key(channel, asked.notice))
            .await
        {
            Ok(Some(_)) => return Verdict::Sent,
            Ok(None) => {}
            Err(error) => return fail(error),
        }
        if let Some(place) = asked.alert.and_then(|e| notice::place(e, channel)) {
            match ready.kv.get(Self::episode_key(&place)).await {
                Ok(Some(v)) => {
                    let episode: Episode = serde_json::from_slice(&v).unwrap_or_default();
                    if episode.supersedes(&place) {
                        tracing::info!(
                            channel,
                            notice = asked.notice,
                            "Superseded by a later notice the cluster delivered."
                        );
                        return Verdict::Sent;
                    }
                }
                Ok(None) => {}
                Err(error) => return fail(error),
            }
        }
        if ready.lease.delivering() {
            Verdict::Send
        } else {
            Verdict::NotDelivering
        }
    }

    /// Records that the notice `asked` (the event `id` here) went out on `channel`.
    pub async fn record(&self, channel: &str, asked: &Asked<'_>, id: &str) {
        let Some(ready) = self.ready.get() else {
            return;
        };
        let record = Delivered {
            notice: asked.notice.to_string(),
            channel: channel.to_string(),
            id: id.to_string(),
            node: self.node.clone(),
            at: Utc::now(),
        };
        let Ok(body) = serde_json::to_vec(&record) else {
            return;
        };
        let delivery = notice::delivery_id(asked.notice, channel);
        let mut recorded = false;
        for _ in 0..3 {
            match publish(
                ready,
                &Self::delivery_key(channel, asked.notice),
                &delivery,
                &body,
            )
            .await
            {
                Ok(()) => {
                    recorded = true;
                    break;
                }
                Err(error) => {
                    tracing::warn!(%error, channel, notice = asked.notice, "Cannot record a delivery in the cluster; retrying.");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        if !recorded {
            tracing::error!(
                channel,
                notice = asked.notice,
                alert = id,
                "The cluster does not know this notice was sent; another node may send it again."
            );
            return;
        }
        if let Some(place) = asked.alert.and_then(|e| notice::place(e, channel)) {
            // Only the lease holder writes here, one notice at a time per channel.
            let key = Self::episode_key(&place);
            let before = match ready.kv.get(&key).await {
                Ok(v) => v
                    .and_then(|v| serde_json::from_slice::<Episode>(&v).ok())
                    .unwrap_or_default(),
                Err(_) => Episode::default(),
            };
            let after = before.clone().with(&place);
            if after != before {
                if let Ok(body) = serde_json::to_vec(&after) {
                    if let Err(error) = ready.kv.put(&key, body.into()).await {
                        tracing::warn!(%error, channel, "Cannot record how far the episode went; an older notice of it may still be sent.");
                    }
                }
            }
        }
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

/// Puts `body` under `key` with `Nats-Msg-Id: msg_id`: the server stores a retried record
/// once (within the stream's duplicate window).
async fn publish(ready: &Ready, key: &str, msg_id: &str, body: &[u8]) -> Result<(), String> {
    let kv = &ready.kv;
    let subject = format!("{}{key}", kv.put_prefix.as_ref().unwrap_or(&kv.prefix));
    let msg = jetstream::message::PublishMessage::build()
        .payload(body.to_vec().into())
        .message_id(msg_id);
    ready
        .js
        .send_publish(subject, msg)
        .await
        .map_err(|e| e.to_string())?
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(rank: Option<u8>) -> Place {
        Place {
            episode: "e".into(),
            rank,
        }
    }

    #[test]
    fn a_lower_notice_or_one_after_the_all_clear_is_superseded() {
        let warning = place(Some(3));
        let critical = place(Some(5));
        let clear = place(None);
        let after_critical = Episode::default().with(&critical);
        assert!(after_critical.supersedes(&warning));
        // A reminder of the same rank is its own notice.
        assert!(!after_critical.supersedes(&critical));
        assert!(!after_critical.supersedes(&clear));
        let over = after_critical.with(&clear);
        assert!(over.supersedes(&critical));
        assert!(!over.supersedes(&clear), "its own delivery id decides");
        // Climbing only: a warning recorded later does not lower the top.
        assert_eq!(over.clone().with(&warning), over);
        assert!(!Episode::default().supersedes(&warning));
    }
}
