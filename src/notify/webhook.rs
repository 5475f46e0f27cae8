//! Webhooks: the contract's JSON body, or chat formats (Slack, Teams, Discord, Mattermost),
//! signed with HMAC-SHA256 when a secret is set.

use super::DeliveryError;
use crate::alert::AlertEvent;
use crate::config::notify::WebhookChannel;

pub async fn send(
    channel: &WebhookChannel,
    event: &AlertEvent,
    http: &reqwest::Client,
) -> Result<(), DeliveryError> {
    let _ = (channel, event, http);
    Err(DeliveryError::Permanent(
        "webhook delivery not implemented yet".into(),
    ))
}
