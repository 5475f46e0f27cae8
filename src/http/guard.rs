//! Who may talk to the HTTP server: the `Host` check for loopback listeners and the
//! `api_token` for the read and operator API.
//!
//! Invariant: on a loopback listener a request naming any other host is refused before a
//! handler runs (a DNS-rebinding page in a browser cannot read the API); with `api_token` set,
//! every `/api/v1/*` route except ingest (which has its own token) needs it, compared in
//! constant time. `/healthz`, `/metrics` and the dashboard page stay open.

use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::config::{Secret, ServerConfig};

/// The access rules in force, swapped as a whole on reload.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// `Authorization: Bearer` token for the API; `None` leaves it open (loopback only).
    pub api_token: Option<Secret>,
    /// Host names (lower case, no port) a loopback listener answers to; `None` on a listener
    /// that is not loopback, where the token protects the API instead.
    pub allowed_hosts: Option<Vec<String>>,
}

impl Access {
    /// The rules for a server bound to `listen` with this config.
    pub fn new(server: &ServerConfig, listen: SocketAddr) -> Self {
        let allowed_hosts = listen.ip().is_loopback().then(|| {
            let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
                .map(String::from)
                .to_vec();
            if let Some(host) = server
                .public_url
                .as_deref()
                .and_then(|u| url::Url::parse(u).ok())
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            {
                hosts.push(host);
            }
            hosts
        });
        Access {
            api_token: server.api_token.clone(),
            allowed_hosts,
        }
    }

    /// Whether a `Host` header value may be served. No header at all (HTTP/1.0 clients) is
    /// allowed: a browser always sends one, so its absence is no rebinding attack.
    pub fn host_ok(&self, host: Option<&str>) -> bool {
        let (Some(allowed), Some(host)) = (&self.allowed_hosts, host) else {
            return true;
        };
        let name = host_name(host).to_ascii_lowercase();
        allowed.contains(&name)
    }
}

/// The host part of a `Host` header: `[::1]:9797` → `[::1]`, `localhost:80` → `localhost`.
fn host_name(host: &str) -> &str {
    let host = host.trim();
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// Whether `Authorization` carries `Bearer <expected>`. The scheme is case-insensitive
/// (RFC 7235 section 2.1), the token is not; the comparison takes the same time however much
/// of a guess was right.
pub fn bearer_ok(headers: &HeaderMap, expected: &Secret) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, given)) = value.trim_start().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    given
        .trim()
        .as_bytes()
        .ct_eq(expected.expose().as_bytes())
        .into()
}

/// Whether a route needs `api_token`: the API except ingest, which checks `ingest_token`.
fn needs_api_token(method: &Method, path: &str) -> bool {
    let api = path == "/api/v1" || path.starts_with("/api/v1/");
    api && !(method == Method::POST && path == "/api/v1/mentions")
}

/// The middleware: the `Host` check, then the API token where a route needs it.
pub async fn guard(State(access): State<super::Settings>, req: Request, next: Next) -> Response {
    let access = super::read(&access).access;
    let host = req
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or("\u{fffd}"));
    if !access.host_ok(host) {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            Json(json!({"error": format!(
                "this server answers only to localhost, 127.0.0.1 and [::1] (and \
                 server.public_url's host), not to Host {:?}",
                host.unwrap_or_default()
            )})),
        )
            .into_response();
    }
    if let Some(token) = &access.api_token {
        if needs_api_token(req.method(), req.uri().path()) && !bearer_ok(req.headers(), token) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                Json(json!({"error": "missing or invalid bearer token (server.api_token)"})),
            )
                .into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(public_url: Option<&str>) -> ServerConfig {
        ServerConfig {
            listen: "127.0.0.1:9797".parse().unwrap(),
            ingest_token: None,
            api_token: None,
            max_body_bytes: 1024,
            max_connections: 8,
            header_timeout: std::time::Duration::from_secs(1),
            body_timeout: std::time::Duration::from_secs(1),
            tick: std::time::Duration::from_secs(5),
            public_url: public_url.map(String::from),
        }
    }

    #[test]
    fn loopback_listener_answers_only_to_local_names() {
        let a = Access::new(
            &server(Some("https://Sturmglas.example.org/x")),
            "127.0.0.1:9797".parse().unwrap(),
        );
        for ok in [
            "localhost",
            "localhost:9797",
            "127.0.0.1:1",
            "[::1]:9797",
            "[::1]",
            "LOCALHOST:80",
            "sturmglas.example.org",
        ] {
            assert!(a.host_ok(Some(ok)), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:9797",
            "127.0.0.1.evil",
            "localhost.",
            "",
        ] {
            assert!(!a.host_ok(Some(bad)), "{bad}");
        }
        assert!(a.host_ok(None));
        let open = Access::new(&server(None), "0.0.0.0:9797".parse().unwrap());
        assert!(open.host_ok(Some("evil.example")));
    }

    #[test]
    fn api_token_covers_the_api_but_not_ingest() {
        assert!(needs_api_token(&Method::GET, "/api/v1/alerts"));
        assert!(needs_api_token(&Method::POST, "/api/v1/silences"));
        assert!(needs_api_token(&Method::GET, "/api/v1/mentions"));
        assert!(!needs_api_token(&Method::POST, "/api/v1/mentions"));
        assert!(!needs_api_token(&Method::GET, "/healthz"));
        assert!(!needs_api_token(&Method::GET, "/metrics"));
        assert!(!needs_api_token(&Method::GET, "/"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_token_exact() {
        let secret = Secret::new("abc");
        let mut h = HeaderMap::new();
        assert!(!bearer_ok(&h, &secret));
        for scheme in ["Bearer", "BEARER", "bEaReR", "bearer"] {
            h.insert(
                header::AUTHORIZATION,
                format!("{scheme} abc").parse().unwrap(),
            );
            assert!(bearer_ok(&h, &secret), "{scheme}");
        }
        for bad in [
            "Bearer abcd",
            "Bearer ABC",
            "Basic abc",
            "Bearerabc",
            "Bearer",
        ] {
            h.insert(header::AUTHORIZATION, bad.parse().unwrap());
            assert!(!bearer_ok(&h, &secret), "{bad}");
        }
    }
}
