//! The contract's alert event as the body, unchanged: the format for programs (the default).
//!
//! Invariant: the body is exactly the `AlertEvent` JSON of the contract, so a receiver can
//! parse it with the same schema as `/api/v1/alerts` and `backtest --json`.

use super::super::DeliveryError;
use super::{Format, Target};
use crate::alert::AlertEvent;

/// The alert event of the contract, unchanged.
pub struct Json;

impl Format for Json {
    fn body(event: &AlertEvent, _to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        serde_json::to_vec(event)
            .map_err(|e| DeliveryError::Permanent(format!("cannot encode event: {e}")))
    }
}
