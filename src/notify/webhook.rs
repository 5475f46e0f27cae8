//! Webhooks: the POST of an alert in the channel's format (the list, the bodies and where each
//! receiver wants them are in [`super::format`]), signed with HMAC-SHA256 when a secret is
//! set: v1 over the body, v2 over `"<timestamp>.<body>"` with the timestamp in its own header,
//! so that a receiver can also refuse a replayed old request.
//!
//! Invariant: the signatures are computed over exactly the bytes sent, so a receiver can verify
//! them before parsing. Replies decide what the outbox does next: 2xx delivered; 408, 429, 5xx
//! and network failures are transient (with the receiver's `Retry-After`, if any); any other
//! status is permanent, because sending the same request again would get the same answer.
//! Redirects are never followed (a 301–303 would turn the alert into an empty GET, a 307/308
//! would post it and its signature to whatever host the `Location` names): a 3xx is a failed
//! attempt whose error names the `Location`, retried on the backoff schedule so that fixing
//! the `url` and reloading still delivers it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION, RETRY_AFTER, USER_AGENT};
use reqwest::StatusCode;
use sha2::Sha256;

use super::digest::Digest;
use super::format::{Request, Target};
use super::DeliveryError;
use crate::alert::AlertEvent;
use crate::config::notify::{WebhookChannel, WebhookFormat};

/// The header carrying `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Sturmglas-Signature";

/// The header carrying the unix seconds at which the request was signed (v2).
pub const TIMESTAMP_HEADER: &str = "X-Sturmglas-Timestamp";

/// The header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub const SIGNATURE_V2_HEADER: &str = "X-Sturmglas-Signature-V2";

/// Longest `Retry-After` honoured; a receiver asking for more is retried after this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The HTTP client for deliveries: no redirects followed, a bounded connect time.
pub fn client() -> reqwest::Result<reqwest::Client> {
    crate::http_client::delivery()
}

pub async fn send(
    channel: &WebhookChannel,
    event: &AlertEvent,
    http: &reqwest::Client,
) -> Result<(), DeliveryError> {
    let to = channel.format.request(event, &Target::of(channel))?;
    post(channel, &event.id, to, http).await
}

/// Sends the daily digest in the channel's format ([`WebhookFormat::digest_request`]), signed
/// and classified as an alert is; `X-Sturmglas-Event` is `digest:<date>`.
pub async fn send_digest(
    channel: &WebhookChannel,
    digest: &Digest,
    http: &reqwest::Client,
) -> Result<(), DeliveryError> {
    let to = channel
        .format
        .digest_request(digest, &Target::of(channel))
        .unwrap_or_else(|| {
            Err(DeliveryError::Permanent(format!(
                "format {:?} has no daily digest",
                channel.format.name()
            )))
        })?;
    post(channel, &digest.id(), to, http).await
}

/// Sends `to` (already in the channel's format) to the channel: the one request every
/// webhook delivery makes, with its headers and signature.
async fn post(
    channel: &WebhookChannel,
    id: &str,
    to: Request,
    http: &reqwest::Client,
) -> Result<(), DeliveryError> {
    let mut request = http
        .post(to.url)
        .timeout(channel.timeout)
        .header(CONTENT_TYPE, channel.format.content_type())
        .header(USER_AGENT, concat!("sturmglas/", env!("CARGO_PKG_VERSION")))
        .header("X-Sturmglas-Event", id);
    for (name, value) in to.headers {
        request = request.header(name, value);
    }
    if let Some(secret) = &channel.secret {
        let now = Utc::now().timestamp();
        request = request
            .header(SIGNATURE_HEADER, signature(secret.expose(), &to.body))
            .header(TIMESTAMP_HEADER, now.to_string())
            .header(
                SIGNATURE_V2_HEADER,
                signature_v2(secret.expose(), now, &to.body),
            );
    }
    let response = request.body(to.body).send().await.map_err(request_error)?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    if status.is_redirection() {
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(none)");
        let location: String = location.chars().take(300).collect();
        return Err(DeliveryError::Transient {
            message: format!(
                "HTTP {status}: redirect to {location} not followed; set the webhook url to the address that accepts the post"
            ),
            retry_after: None,
        });
    }
    let retry_after = retry_after(response.headers(), Utc::now());
    // A little of the reply helps whoever reads the log; chat services explain errors there.
    let detail = response.text().await.unwrap_or_default();
    let detail: String = detail.chars().take(200).collect();
    let message = if detail.trim().is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {}", detail.trim())
    };
    Err(classify_status(status, message, retry_after))
}

/// The request body in the channel's format ([`WebhookFormat::body`]).
pub fn body(
    format: WebhookFormat,
    event: &AlertEvent,
    to: &Target<'_>,
) -> Result<Vec<u8>, DeliveryError> {
    format.body(event, to)
}

/// `sha256=<hex>` of the HMAC-SHA256 of `body` keyed with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    hmac_hex(secret, &[body])
}

/// `sha256=<hex>` of the HMAC-SHA256 of `"<timestamp>.<body>"` keyed with `secret`: the
/// timestamp is signed with the body, so a receiver that refuses old timestamps refuses
/// replays too.
pub fn signature_v2(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hmac_hex(secret, &[timestamp.to_string().as_bytes(), b".", body])
}

fn hmac_hex(secret: &str, parts: &[&[u8]]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    for p in parts {
        mac.update(p);
    }
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub fn classify_status(
    status: StatusCode,
    message: String,
    retry_after: Option<Duration>,
) -> DeliveryError {
    let transient = status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error();
    if transient {
        DeliveryError::Transient {
            message,
            retry_after,
        }
    } else {
        DeliveryError::Permanent(message)
    }
}

fn request_error(e: reqwest::Error) -> DeliveryError {
    // Show the whole chain (e.g. "connection refused"), without the URL: it may hold a token.
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    if e.is_builder() {
        DeliveryError::Permanent(message)
    } else {
        DeliveryError::transient(message)
    }
}

/// `Retry-After` as seconds or an HTTP date, capped at an hour.
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
        (at - now).to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn signature_v2_covers_timestamp_dot_body() {
        let body = br#"{"a":1}"#;
        let v2 = signature_v2("s3cret", 1_772_891_880, body);
        assert_eq!(v2, signature("s3cret", br#"1772891880.{"a":1}"#));
        assert_ne!(v2, signature_v2("s3cret", 1_772_891_881, body));
        assert_ne!(v2, signature("s3cret", body));
        // As `printf '1772891880.{"a":1}' | openssl dgst -sha256 -hmac s3cret` has it.
        assert_eq!(
            v2,
            "sha256=ab839110162d3bd3f2a33c7ce89c4aba4a5b1b58f985e38352b16ac46eab733e"
        );
    }

    #[test]
    fn status_classes() {
        let c = |s: u16| classify_status(StatusCode::from_u16(s).unwrap(), String::new(), None);
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(c(s).is_transient(), "{s}");
        }
        for s in [400, 401, 403, 404, 410, 413, 422] {
            assert!(matches!(c(s), DeliveryError::Permanent(_)), "{s}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now: DateTime<Utc> = "2026-03-07T13:58:00Z".parse().unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(120)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sat, 07 Mar 2026 13:59:30 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(90)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("999999"));
        assert_eq!(retry_after(&h, now), Some(MAX_RETRY_AFTER));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn json_body_is_the_event() {
        let e = super::super::test_event("Acme");
        let loc = crate::config::notify::Locale::default();
        let url: url::Url = "http://127.0.0.1:1/x".parse().unwrap();
        let keys = Default::default();
        let to = Target {
            loc: &loc,
            url: &url,
            keys: &keys,
        };
        let b = body(WebhookFormat::Json, &e, &to).unwrap();
        let back: AlertEvent = serde_json::from_slice(&b).unwrap();
        assert_eq!(back, e);
    }
}
