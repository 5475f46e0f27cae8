//! Whether the store can write: the outcome of the last write and a count of failed ones.
//!
//! Invariant: `last_error` is set by a failed write and cleared by the next write that
//! succeeds, so health recovers by itself once space (or permission) returns.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct StoreHealth {
    errors: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl StoreHealth {
    pub(super) fn write_ok(&self) {
        let mut g = crate::lock::lock(&self.last_error);
        if g.is_some() {
            tracing::info!("The store accepts writes again.");
            *g = None;
        }
    }

    pub(super) fn write_failed(&self, e: &super::StoreError) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut g = crate::lock::lock(&self.last_error);
        *g = Some(e.to_string());
    }

    /// How many writes have failed since start.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Why the last write failed, if it did.
    pub fn last_error(&self) -> Option<String> {
        crate::lock::lock(&self.last_error).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_clears_the_error_but_not_the_count() {
        let h = StoreHealth::default();
        h.write_failed(&super::super::StoreError::Corrupt("disk full".into()));
        assert_eq!(
            h.last_error().as_deref(),
            Some("stored data is corrupt: disk full")
        );
        h.write_ok();
        assert_eq!((h.last_error(), h.errors()), (None, 1));
    }
}
