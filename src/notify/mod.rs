//! Notification delivery: email and webhooks, through the persistent outbox.
//!
//! The core records an alert and its outbox rows in one transaction ([`targets`] picks the
//! channels); the outbox worker ([`outbox::run`]) delivers them with per-channel rate limits
//! and retries with backoff, so an alert survives a mail server outage and a restart.
//! Every channel reports a failure as [`DeliveryError`], and the split between transient and
//! permanent is what decides whether the outbox tries again.

pub mod chart;
pub mod chat;
pub mod digest;
pub mod digest_render;
pub mod email;
pub mod format;
pub mod i18n;
pub mod outbox;
pub mod render;
pub mod retry;
pub mod webhook;

use std::time::Duration;

use chrono::Utc;

use crate::alert::{AlertEvent, Kind, Level, SampleMention, Status};
use crate::config::notify::{ChannelFilter, NotifyConfig};

/// Why a delivery failed. Transient failures are retried; permanent ones are not.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth another try later; `retry_after` is the receiver's own wish (`Retry-After`).
    #[error("temporary failure: {message}")]
    Transient {
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("permanent failure: {0}")]
    Permanent(String),
    #[error("no channel named {0:?}")]
    UnknownChannel(String),
}

impl DeliveryError {
    pub fn transient(message: impl Into<String>) -> Self {
        DeliveryError::Transient {
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, DeliveryError::Transient { .. })
    }
}

/// The names of the channels that want this event, by their brand, level and `kinds`
/// filters. Source notices serve every brand, so only the level filter applies to them.
/// Time intervals and escalation are the caller's ([`crate::people`]): they depend on the
/// clock and the store. Test alerts are not filtered here: they go through [`test_alert`],
/// never the outbox.
pub fn targets(cfg: &NotifyConfig, event: &AlertEvent) -> Vec<String> {
    let wants = |f: &ChannelFilter| {
        let admitted = if event.kind == crate::alert::Kind::Source {
            event.level >= f.min_level
        } else {
            f.wants(&event.brand, event.level)
        };
        admitted
            && f.routing.wants_kind(event.kind)
            && (event.status == Status::Firing || f.send_resolved)
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

/// The filter (brands, level, rate) of the named channel.
pub fn filter_of<'a>(cfg: &'a NotifyConfig, channel: &str) -> Option<&'a ChannelFilter> {
    cfg.email
        .iter()
        .find(|e| e.name == channel)
        .map(|e| &e.filter)
        .or_else(|| {
            cfg.webhook
                .iter()
                .find(|w| w.name == channel)
                .map(|w| &w.filter)
        })
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

/// Delivers one channel's daily digest, now, without the outbox. A webhook whose format
/// carries no digest is a permanent failure (the config keeps `digest_at` off such channels).
pub async fn deliver_digest(
    cfg: &NotifyConfig,
    channel: &str,
    digest: &digest::Digest,
    http: &reqwest::Client,
) -> Result<(), DeliveryError> {
    if let Some(e) = cfg.email.iter().find(|e| e.name == channel) {
        return email::send_digest(e, digest).await;
    }
    if let Some(w) = cfg.webhook.iter().find(|w| w.name == channel) {
        return webhook::send_digest(w, digest, http).await;
    }
    Err(DeliveryError::UnknownChannel(channel.to_string()))
}

/// Sends a clearly marked test alert (`test: true`) to every channel, or to the named one,
/// directly and once, whatever the channels' filters. One result per channel, in config order.
pub async fn test_alert(
    cfg: &NotifyConfig,
    channel: Option<&str>,
    http: &reqwest::Client,
) -> Vec<(String, Result<(), DeliveryError>)> {
    let names: Vec<String> = match channel {
        Some(name) => vec![name.to_string()],
        None => cfg.channel_names(),
    };
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let brand = filter_of(cfg, &name)
            .and_then(|f| f.brands.as_ref().and_then(|b| b.first().cloned()))
            .unwrap_or_else(|| "Example Brand".to_string());
        let event = test_event(&brand);
        let result = deliver(cfg, &name, &event, http).await;
        match &result {
            Ok(()) => tracing::info!(channel = %name, "Test alert delivered."),
            Err(error) => tracing::warn!(channel = %name, %error, "Test alert not delivered."),
        }
        out.push((name, result));
    }
    out
}

/// A plausible storm notice, marked as a test everywhere it shows.
pub fn test_event(brand: &str) -> AlertEvent {
    let now = Utc::now();
    AlertEvent::new(
        format!("test-{}", now.timestamp_millis()),
        brand,
        Status::Firing,
        Level::Critical,
        Kind::Storm,
        now,
    )
    .with_started_at(now - chrono::Duration::minutes(6))
    .with_window_seconds(900)
    .with_counts(61, 50, 0.82)
    .with_velocity(4.1, 14.9)
    .with_reasons(vec![
        "This is a test alert sent by `sturmglas test-alert`; nothing is happening.".into(),
        "61 mentions in 15m, 14.9x the expected 4.1".into(),
        "82% negative (usual: 12%)".into(),
    ])
    .with_sample(vec![SampleMention {
        text: format!("Test post about {brand}: if you can read this, alerts reach you."),
        url: Some("https://example.org/sturmglas/test-alert".into()),
        author: Some("sturmglas".into()),
        reach: Some(1200),
        score: -0.8,
        copies: 1,
        at: None,
        words: Vec::new(),
    }])
    .as_test()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::notify::{WebhookChannel, WebhookFormat};

    fn hook(
        name: &str,
        brands: Option<Vec<&str>>,
        min_level: Level,
        resolved: bool,
    ) -> WebhookChannel {
        WebhookChannel {
            name: name.into(),
            url: "http://127.0.0.1:9/hook".parse().unwrap(),
            format: WebhookFormat::Json,
            secret: None,
            filter: ChannelFilter {
                brands: brands.map(|b| b.into_iter().map(String::from).collect()),
                min_level,
                rate_per_minute: 10,
                send_resolved: resolved,
                routing: Default::default(),
            },
            timeout: Duration::from_secs(1),
            locale: Default::default(),
            receiver: Default::default(),
            digest_at: None,
        }
    }

    #[test]
    fn targets_follow_brand_level_and_resolved_filters() {
        let cfg = NotifyConfig {
            webhook: vec![
                hook("all", None, Level::Warning, true),
                hook("crit", None, Level::Critical, true),
                hook("other", Some(vec!["Other"]), Level::Warning, true),
                hook("quiet", None, Level::Warning, false),
            ],
            ..Default::default()
        };
        let mut e = test_event("Acme");
        e.level = Level::Warning;
        assert_eq!(targets(&cfg, &e), vec!["all", "quiet"]);
        e.level = Level::Critical;
        assert_eq!(targets(&cfg, &e), vec!["all", "crit", "quiet"]);
        e.status = Status::Resolved;
        assert_eq!(targets(&cfg, &e), vec!["all", "crit"]);
    }

    #[test]
    fn targets_follow_kinds() {
        let mut storms = hook("storms", None, Level::Warning, true);
        storms.filter.routing.kinds = Some(vec![Kind::Storm, Kind::Source]);
        let cfg = NotifyConfig {
            webhook: vec![storms, hook("all", None, Level::Warning, true)],
            ..Default::default()
        };
        let mut e = test_event("Acme");
        assert_eq!(targets(&cfg, &e), vec!["storms", "all"]);
        e.kind = Kind::Buzz;
        assert_eq!(targets(&cfg, &e), vec!["all"]);
        e.kind = Kind::Source;
        assert_eq!(targets(&cfg, &e), vec!["storms", "all"]);
    }

    #[test]
    fn test_event_is_marked() {
        let e = test_event("Acme");
        assert!(e.test);
        assert!(e.headline().contains("TEST"), "{}", e.headline());
    }

    #[tokio::test]
    async fn test_alert_reports_an_unknown_channel() {
        let cfg = NotifyConfig::default();
        let r = test_alert(&cfg, Some("nope"), &reqwest::Client::new()).await;
        assert_eq!(r.len(), 1);
        assert!(matches!(r[0].1, Err(DeliveryError::UnknownChannel(_))));
    }
}
