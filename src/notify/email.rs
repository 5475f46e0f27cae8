//! Alert emails: multipart text + HTML over SMTP (lettre), and `.eml` files for the demo.

use super::DeliveryError;
use crate::alert::AlertEvent;
use crate::config::notify::EmailChannel;

pub async fn send(channel: &EmailChannel, event: &AlertEvent) -> Result<(), DeliveryError> {
    let _ = (channel, event);
    Err(DeliveryError::Permanent(
        "email delivery not implemented yet".into(),
    ))
}

/// The complete message as RFC 5322 bytes, as written to `.eml` files by `demo`.
pub fn render_eml(event: &AlertEvent, from: &str, to: &[String]) -> Result<Vec<u8>, String> {
    let _ = (event, from, to);
    Err("not implemented yet".into())
}
