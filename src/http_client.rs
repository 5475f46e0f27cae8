//! The outgoing HTTP clients: one builder, so every request names sturmglas and its version and
//! no connect hangs for longer than [`CONNECT_TIMEOUT`].
//!
//! Invariant: the delivery client ([`delivery`]) follows no redirects, so a webhook receiver
//! cannot bounce a signed alert to another host; the fetch client follows reqwest's default.

use std::time::Duration;

/// Longest wait for a connection to a feed or a webhook receiver.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The common settings: user agent and connect timeout.
pub fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(concat!("sturmglas/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
}

/// The client for fetching sources.
pub fn fetch() -> reqwest::Result<reqwest::Client> {
    builder().build()
}

/// The client for deliveries: no redirects followed.
pub fn delivery() -> reqwest::Result<reqwest::Client> {
    builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
}
