//! Notification delivery: email and webhooks, through the persistent outbox.
//!
//! The core records an alert and its outbox rows in one transaction ([`targets`] picks the
//! channels); the outbox worker ([`outbox::run`]) delivers them with per-channel rate limits
//! and retries with backoff, so an alert survives a mail server outage and a restart.

pub mod email;
pub mod outbox;
pub mod webhook;

use crate::alert::{AlertEvent, Status};
use crate::config::notify::NotifyConfig;

/// Why a delivery failed. Transient failures are retried; permanent ones are not.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("temporary failure: {0}")]
    Transient(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
    #[error("no channel named {0:?}")]
    UnknownChannel(String),
}

/// The names of the channels that want this event, by their brand and level filters.
pub fn targets(cfg: &NotifyConfig, event: &AlertEvent) -> Vec<String> {
    let wants = |f: &crate::config::notify::ChannelFilter| {
        f.wants(&event.brand, event.level) && (event.status == Status::Firing || f.send_resolved)
    };
    cfg.email
        .iter()
        .filter(|e| wants(&e.filter))
        .map(|e| e.name.clone())
        .chain(
            cfg.webhook
                .iter()
                .filter(|w| wants(&w.filter))
                .map(|w| w.name.clone()),
        )
        .collect()
}

/// Delivers one event to one named channel, now, without the outbox.
pub async fn deliver(
    cfg: &NotifyConfig,
    channel: &str,
    event: &AlertEvent,
    http: &reqwest::Client,
) -> Result<(), DeliveryError> {
    if let Some(e) = cfg.email.iter().find(|e| e.name == channel) {
        return email::send(e, event).await;
    }
    if let Some(w) = cfg.webhook.iter().find(|w| w.name == channel) {
        return webhook::send(w, event, http).await;
    }
    Err(DeliveryError::UnknownChannel(channel.to_string()))
}

/// Sends a clearly marked test alert to every channel, or only to `only`.
pub async fn test_alert(
    cfg: &NotifyConfig,
    only: Option<&str>,
    http: &reqwest::Client,
) -> Vec<(String, Result<(), DeliveryError>)> {
    let now = chrono::Utc::now();
    let event = AlertEvent {
        version: 1,
        id: format!("test-{}", now.timestamp()),
        brand: "sturmglas test".into(),
        status: Status::Firing,
        level: crate::alert::Level::Critical,
        kind: crate::alert::Kind::Storm,
        observed_at: now,
        started_at: now,
        window_seconds: 900,
        mentions: 0,
        negative: 0,
        negative_share: 0.0,
        expected: 0.0,
        velocity_ratio: 0.0,
        reasons: vec!["This is a test alert sent by `sturmglas test-alert`.".into()],
        sample: vec![],
        test: true,
    };
    let mut out = Vec::new();
    for name in cfg.channel_names() {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let r = deliver(cfg, &name, &event, http).await;
        out.push((name, r));
    }
    out
}
