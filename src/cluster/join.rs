//! Joining a cluster: connect to NATS (retrying until it answers), open the lease and the
//! delivered-notice buckets of this cluster and shard, and hold or watch the lease until
//! shutdown. The daemon spawns [`run`]; the outbox asks the [`DeliveryGate`] it fills.
//!
//! Invariant: until NATS is reached the gate says "not delivering", so a daemon cut off from
//! its cluster never sends a notice another node may be sending.

use std::sync::Arc;
use std::time::Duration;

use super::gate::{bucket, DeliveryGate};
use super::lease::Lease;
use crate::config::cluster::ClusterConfig;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;

/// The buckets of cluster `name`, shard `shard`: `(lease, delivered)`.
pub fn bucket_names(name: &str, shard: u32) -> (String, String) {
    (
        format!("sturmglas_{name}_s{shard}_lease"),
        format!("sturmglas_{name}_s{shard}_delivered"),
    )
}

/// This node's part in `/healthz`.
pub fn health(cfg: &ClusterConfig, gate: Option<&DeliveryGate>) -> serde_json::Value {
    serde_json::json!({
        "name": cfg.name,
        "node": cfg.node,
        "shard": cfg.shard,
        // A lone daemon (no cluster name) delivers its own notices.
        "delivering": gate.is_none_or(|g| g.delivering()),
    })
}

/// Connects, opens the buckets, then holds or watches the lease until shutdown.
pub async fn run(
    cfg: ClusterConfig,
    gate: Arc<DeliveryGate>,
    metrics: Arc<Metrics>,
    mut shutdown: Shutdown,
) {
    let Some(name) = cfg.name.clone() else {
        return;
    };
    let shard = cfg.shard.to_string();
    let set_gauge = |on: bool| {
        metrics.set(
            "sturmglas_cluster_delivering",
            &[("cluster", &name), ("node", &cfg.node), ("shard", &shard)],
            f64::from(u8::from(on)),
        );
    };
    set_gauge(false);
    let mut wait = Duration::from_secs(1);
    let lease = loop {
        match open(&cfg, &name, &gate).await {
            Ok(lease) => break lease,
            Err(error) => {
                tracing::warn!(%error, retry_in_s = wait.as_secs(), "Cannot join the cluster; this node does not deliver notices meanwhile.");
                if !crate::sources::sleep_or_stop(&mut shutdown, wait).await {
                    return;
                }
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        }
    };
    tracing::info!(cluster = %name, node = %cfg.node, shard = cfg.shard, "Joined the cluster.");
    lease.run(shutdown, set_gauge).await;
}

async fn open(cfg: &ClusterConfig, name: &str, gate: &DeliveryGate) -> Result<Arc<Lease>, String> {
    let client =
        crate::sources::nats::connect(&cfg.nats_url, &cfg.auth, &format!("sturmglas-{}", cfg.node))
            .await
            .map_err(|e| e.to_string())?;
    let js = async_nats::jetstream::new(client);
    let (lease_bucket, delivered_bucket) = bucket_names(name, cfg.shard);
    let lease = Arc::new(Lease::open(&js, &lease_bucket, &cfg.node).await?);
    let delivered = bucket(&js, &delivered_bucket, Duration::from_secs(7 * 86_400)).await?;
    gate.set(lease.clone(), delivered, js);
    Ok(lease)
}
