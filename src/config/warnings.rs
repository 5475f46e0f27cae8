//! Warnings about a config that works but exposes a secret: a config file other users can read
//! that holds a secret inline, a secret file anyone can read, an SMTP login sent without TLS to
//! another host, an HMAC-signed webhook sent in clear text to another host.
//!
//! Invariant: a warning never stops the daemon or fails `check`; each is located like an error
//! (PATH:LINE:COL) and says how to fix it.

use std::path::Path;

use super::notify::{EmailRaw, TlsMode, WebhookRaw};
use super::Ctx;

/// Whether others (not owner, not group) may read the file. Group access is how a packaged
/// config is shared with the service's group, so only "others" counts.
pub fn world_readable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o004 != 0)
        .unwrap_or(false)
}

/// Whether a host name is this machine: `localhost` or a loopback address.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// SMTP logins over `tls = "none"` to a host that is not loopback.
pub fn email(raw: &EmailRaw, ctx: &mut Ctx<'_>) {
    let login = raw.username.is_some() || raw.password.is_some() || raw.password_file.is_some();
    if login && raw.tls == Some(TlsMode::None) && !is_loopback_host(raw.smtp_host.get_ref()) {
        ctx.warn(
            raw.smtp_host.span(),
            format!(
                "email channel {:?} logs in to {} with tls = \"none\": the password crosses the \
                 network in clear text; use tls = \"starttls\" or \"tls\"",
                raw.name.get_ref(),
                raw.smtp_host.get_ref()
            ),
        );
    }
}

/// `http://` webhooks with a signing secret to a host that is not loopback.
pub fn webhook(raw: &WebhookRaw, ctx: &mut Ctx<'_>) {
    if raw.secret.is_none() && raw.secret_file.is_none() {
        return;
    }
    let Ok(url) = url::Url::parse(raw.url.get_ref()) else {
        return;
    };
    if url.scheme() == "http" && !url.host_str().is_some_and(is_loopback_host) {
        ctx.warn(
            raw.url.span(),
            format!(
                "webhook {:?} is signed but sent over http:// to {}: the alert and its \
                 signature can be read and replayed on the way; use https://",
                raw.name.get_ref(),
                url.host_str().unwrap_or("?")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.8.0.1",
            "::1",
            "[::1]",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "mail.example.org",
            "10.0.0.1",
            "localhost.example.org",
            "0.0.0.0",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }
}
