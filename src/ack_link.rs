//! Ack links: `<public_url>/ack/<alert id>.<expiry>.<signature>`, a reference to a notice
//! (and so to its storm thread) that anyone holding the link may acknowledge without a token.
//!
//! Invariant: a link is honoured only with a valid HMAC-SHA256 (the per-installation secret
//! kept in the store) over the alert id and the expiry, compared in constant time, and only
//! before it expires. The token is one path segment of URL-safe characters, so no mail or chat
//! markup escaping can break it.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long an ack link in a notice works.
pub const VALID_FOR: chrono::Duration = chrono::Duration::days(7);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this acknowledgement link is malformed")]
    Malformed,
    #[error("this acknowledgement link is not valid here (its signature does not match)")]
    BadSignature,
    #[error("this acknowledgement link has expired")]
    Expired,
}

fn mac(secret: &[u8], alert_id: &str, expires: i64) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts any key");
    m.update(b"sturmglas-ack\0");
    m.update(alert_id.as_bytes());
    m.update(b"\0");
    m.update(expires.to_string().as_bytes());
    m
}

/// The token for `alert_id`, valid until `expires`.
pub fn token(secret: &[u8], alert_id: &str, expires: DateTime<Utc>) -> String {
    let exp = expires.timestamp();
    let sig = hex::encode(mac(secret, alert_id, exp).finalize().into_bytes());
    let id: String = url::form_urlencoded::byte_serialize(alert_id.as_bytes()).collect();
    format!("{id}.{exp}.{sig}")
}

/// The absolute ack link under `base` (`server.public_url`), valid for [`VALID_FOR`].
pub fn url(base: &str, secret: &[u8], alert_id: &str, now: DateTime<Utc>) -> String {
    format!(
        "{}/ack/{}",
        base.trim_end_matches('/'),
        token(secret, alert_id, now + VALID_FOR)
    )
}

/// The alert id a token names, if it is genuine and not expired at `now`.
pub fn verify(secret: &[u8], token: &str, now: DateTime<Utc>) -> Result<String, LinkError> {
    let mut parts = token.rsplitn(3, '.');
    let (Some(sig), Some(exp), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(LinkError::Malformed);
    };
    let exp: i64 = exp.parse().map_err(|_| LinkError::Malformed)?;
    let sig = hex::decode(sig).map_err(|_| LinkError::Malformed)?;
    let id: String = url::form_urlencoded::parse(format!("i={id}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .ok_or(LinkError::Malformed)?;
    mac(secret, &id, exp)
        .verify_slice(&sig)
        .map_err(|_| LinkError::BadSignature)?;
    if now.timestamp() >= exp {
        return Err(LinkError::Expired);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn a_link_verifies_until_it_expires_and_not_when_altered() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let link = url("https://s.example/", secret, "ab12.x y", now());
        let t = link.strip_prefix("https://s.example/ack/").unwrap();
        assert!(!t.contains(['/', '&', '?', ' ']), "{t}");
        assert_eq!(verify(secret, t, now()).unwrap(), "ab12.x y");
        assert_eq!(
            verify(secret, t, now() + VALID_FOR),
            Err(LinkError::Expired)
        );
        assert_eq!(
            verify(b"another secret", t, now()),
            Err(LinkError::BadSignature)
        );
        // Another id or a later expiry with the same signature.
        let forged = t.replacen("ab12", "ab13", 1);
        assert_eq!(verify(secret, &forged, now()), Err(LinkError::BadSignature));
        let (rest, sig) = t.rsplit_once('.').unwrap();
        let (id, exp) = rest.rsplit_once('.').unwrap();
        let later = format!("{id}.{}.{sig}", exp.parse::<i64>().unwrap() + 1);
        assert_eq!(verify(secret, &later, now()), Err(LinkError::BadSignature));
        assert_eq!(verify(secret, "nonsense", now()), Err(LinkError::Malformed));
        assert_eq!(verify(secret, "a.b.c", now()), Err(LinkError::Malformed));
    }
}
