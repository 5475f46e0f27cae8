//! What the storm brief reads from a monitor beyond its status: what the baseline expects for
//! any stretch of time (the chart's band), and the count model's overdispersion.
//!
//! Invariant: read-only; nothing here changes the monitor.

use chrono::{DateTime, Utc};

use super::BrandMonitor;

impl BrandMonitor {
    /// Mentions the baseline expects in the `minutes` minutes ending at `end`.
    pub fn expected_at(&self, end: DateTime<Utc>, minutes: i64) -> f64 {
        self.baseline.expected(end, minutes.max(1))
    }

    /// The overdispersion φ of window counts (variance = mean + φ·mean²).
    pub fn dispersion(&self) -> f64 {
        self.baseline.dispersion()
    }
}
