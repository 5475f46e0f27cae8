//! What every HTTP source shares: the error type, reading `Retry-After` and the services'
//! rate-limit headers, and exponential back-off with jitter.
//!
//! Invariant: a source never asks again sooner than the service said it may — the wait after a
//! failure is the larger of the jittered back-off and the server's `Retry-After` / reset time.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use reqwest::header::HeaderMap;

/// Longest wait a server's header can impose; a bogus reset a year ahead must not park a
/// source forever.
const MAX_SERVER_WAIT: Duration = Duration::from_secs(3600);

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("HTTP status {status}")]
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("request failed: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("unreadable response: {0}")]
    Parse(String),
    #[error("stream error: {0}")]
    Stream(String),
    #[error("{0}")]
    Other(String),
}

impl SourceError {
    /// The server's own word on when to come back, if it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SourceError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Short label for the `result` metric label.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceError::Status { status: 429, .. } => "rate_limited",
            SourceError::Status { status, .. } if *status >= 500 => "server_error",
            SourceError::Status { .. } => "http_error",
            SourceError::Transport(_) => "transport_error",
            SourceError::Parse(_) => "parse_error",
            SourceError::Stream(_) => "stream_error",
            SourceError::Other(_) => "error",
        }
    }
}

/// `path` under a configured base URL, keeping any path prefix the base has (a proxy, a
/// mirror, a test server).
pub fn endpoint(base: &url::Url, path: &str) -> url::Url {
    let mut u = base.clone();
    let p = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    u.set_path(&p);
    u.set_query(None);
    u
}

/// Longest wait for a stream's response headers; the body then has its own idle timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends a streaming request, giving up if the headers do not come within
/// [`CONNECT_TIMEOUT`] (a whole-request timeout would cut the stream itself).
pub async fn open_stream(req: reqwest::RequestBuilder) -> Result<reqwest::Response, SourceError> {
    let resp = tokio::time::timeout(CONNECT_TIMEOUT, req.send())
        .await
        .map_err(|_| SourceError::Stream("no response headers within 30 s".into()))??;
    check(resp)
}

/// Turns a non-success status into an error carrying the server's wait hint.
pub fn check(resp: reqwest::Response) -> Result<reqwest::Response, SourceError> {
    let status = resp.status();
    if status.is_success() || status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(resp);
    }
    let headers = resp.headers();
    let retry_after =
        retry_after(headers, Utc::now()).or_else(|| rate_limit_wait(headers, Utc::now()));
    Err(SourceError::Status {
        status: status.as_u16(),
        retry_after,
    })
}

/// `Retry-After` as seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s).min(MAX_SERVER_WAIT));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some(until(at, now))
}

fn until(at: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    (at - now)
        .to_std()
        .unwrap_or(Duration::ZERO)
        .min(MAX_SERVER_WAIT)
}

/// When the service says the quota is used up, how long until it resets.
///
/// Reads the families in use: Mastodon `X-RateLimit-Remaining/Reset` (reset an ISO 8601 time),
/// Reddit `X-Ratelimit-Remaining/Reset` (remaining a float, reset seconds from now), X
/// `x-rate-limit-remaining/reset` and Bluesky `ratelimit-remaining/reset` (reset in Unix
/// seconds). `None` while requests remain.
pub fn rate_limit_wait(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let get = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.get(*n))
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string())
    };
    let remaining: f64 = get(&[
        "x-ratelimit-remaining",
        "x-rate-limit-remaining",
        "ratelimit-remaining",
    ])?
    .parse()
    .ok()?;
    if remaining >= 1.0 {
        return None;
    }
    let reset = get(&["x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"])?;
    parse_reset(&reset, now)
}

/// A reset value: an RFC 3339 time, Unix seconds, or seconds from now.
fn parse_reset(v: &str, now: DateTime<Utc>) -> Option<Duration> {
    if let Ok(at) = DateTime::parse_from_rfc3339(v) {
        return Some(until(at.with_timezone(&Utc), now));
    }
    let n: f64 = v.parse().ok()?;
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    if n > 1_000_000_000.0 {
        let at = DateTime::from_timestamp(n as i64, 0)?;
        Some(until(at, now))
    } else {
        Some(Duration::from_secs_f64(n).min(MAX_SERVER_WAIT))
    }
}

/// Exponential back-off with "equal jitter": the n-th wait is uniform in
/// `[d/2, d]` with `d = min(max, initial · 2ⁿ)`, so that many daemons that failed together do
/// not retry together, yet each waits at least half the nominal time.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max: max.max(initial),
            attempt: 0,
        }
    }

    /// The wait before the next try; `server` is the service's own hint, never undercut.
    pub fn next(&mut self, server: Option<Duration>) -> Duration {
        let factor = 2u32.saturating_pow(self.attempt.min(20));
        let nominal = self.initial.saturating_mul(factor).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = nominal / 2;
        let jitter = if half.is_zero() {
            Duration::ZERO
        } else {
            rand::thread_rng().gen_range(Duration::ZERO..=half)
        };
        (half + jitter).max(server.unwrap_or(Duration::ZERO))
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn failures(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn retry_after_seconds_and_date() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), now()),
            Some(Duration::from_secs(7))
        );
        let h = headers(&[("retry-after", "Thu, 01 Jan 2026 00:00:30 GMT")]);
        assert_eq!(retry_after(&h, now()), Some(Duration::from_secs(30)));
    }

    #[test]
    fn reads_each_rate_limit_family() {
        // Mastodon: ISO time.
        let h = headers(&[
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", "2026-01-01T00:05:00.000000Z"),
        ]);
        assert_eq!(rate_limit_wait(&h, now()), Some(Duration::from_secs(300)));
        // Reddit: float remaining, seconds from now.
        let h = headers(&[
            ("X-Ratelimit-Remaining", "0.0"),
            ("X-Ratelimit-Reset", "341"),
        ]);
        assert_eq!(rate_limit_wait(&h, now()), Some(Duration::from_secs(341)));
        // X: Unix seconds.
        let h = headers(&[
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", &(now().timestamp() + 60).to_string()),
        ]);
        assert_eq!(rate_limit_wait(&h, now()), Some(Duration::from_secs(60)));
        // Requests left: no wait.
        let h = headers(&[
            ("X-Ratelimit-Remaining", "88.0"),
            ("X-Ratelimit-Reset", "341"),
        ]);
        assert_eq!(rate_limit_wait(&h, now()), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_honours_the_server() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(8));
        let waits: Vec<Duration> = (0..6).map(|_| b.next(None)).collect();
        for (i, w) in waits.iter().enumerate() {
            let nominal = Duration::from_secs(1 << i.min(3));
            assert!(*w >= nominal / 2 && *w <= nominal, "{i}: {w:?}");
        }
        assert!(b.next(Some(Duration::from_secs(100))) >= Duration::from_secs(100));
        b.reset();
        assert!(b.next(None) <= Duration::from_secs(1));
    }
}
