//! Shared helpers for the end-to-end tests: a real SMTP server (the `mailin` protocol state
//! machine behind a small threaded TCP loop) and a webhook receiver (axum), both on loopback.
//!
//! Use from a test file with `mod support;`. Not every test file uses every helper.
#![allow(dead_code)]

pub mod smtp;
pub mod webhook;

use std::time::Duration;

/// Polls `check` until it returns `Some`, or panics with `what` after `timeout`.
pub async fn eventually<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
