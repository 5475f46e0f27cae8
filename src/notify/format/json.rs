//! The contract's alert event as the body, unchanged: the format for programs (the default).
//!
//! Invariant: the body is exactly the `AlertEvent` JSON of the contract, so a receiver can
//! parse it with the same schema as `/api/v1/alerts` and `backtest --json`.

use super::super::DeliveryError;
use super::{Format, Target};
use crate::config::notify::Locale;
use crate::alert::AlertEvent;

/// The alert event of the contract, unchanged.
pub struct Json;

impl Format for Json {
    fn body(event: &AlertEvent, _to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        serde_json::to_vec(event)
            .map_err(|e| DeliveryError::Permanent(format!("cannot encode event: {e}")))
    }

    /// The digest's own JSON (`"type": "digest"`), see [`crate::notify::digest`].
    fn digest_body(
        digest: &crate::notify::digest::Digest,
        _loc: &Locale,
    ) -> Option<Result<Vec<u8>, DeliveryError>> {
        Some(
            serde_json::to_vec(digest)
                .map_err(|e| DeliveryError::Permanent(format!("cannot encode digest: {e}"))),
        )
    }
}
