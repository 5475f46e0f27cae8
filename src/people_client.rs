//! The client side of `sturmglas silence …` and `sturmglas ack …`: calls the running daemon's
//! API at `server.listen` (an unspecified address such as 0.0.0.0 is reached on loopback),
//! with `server.api_token` as the bearer token where the config has one.
//!
//! Invariant: the daemon's answer is shown as it is — a 4xx/5xx becomes an error carrying the
//! daemon's own `error` text, so the user sees the same reason the API gives.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde_json::{json, Value};

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the daemon at {url}: {source} (is `sturmglas run` running?)")]
    Unreachable { url: String, source: reqwest::Error },
    #[error("the daemon answered {status}: {message}")]
    Refused { status: u16, message: String },
}

/// A client for one daemon.
pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

/// Where a daemon listening on `listen` is reached from this machine.
fn reachable(listen: SocketAddr) -> SocketAddr {
    match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), listen.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), listen.port())
        }
        _ => listen,
    }
}

impl Client {
    /// `token`: the API token (`server.api_token`), if the daemon wants one.
    pub fn new(config: &Config, token: Option<String>) -> Client {
        Client {
            base: format!("http://{}", reachable(config.server.listen)),
            token,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(15))
                .build()
                .unwrap_or_default(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ClientError> {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method, &url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req
            .send()
            .await
            .map_err(|source| ClientError::Unreachable {
                url: url.clone(),
                source,
            })?;
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status >= 400 {
            let message = value["error"].as_str().map(str::to_string).unwrap_or(text);
            return Err(ClientError::Refused { status, message });
        }
        Ok(value)
    }

    /// `POST /api/v1/silences`; the silence as stored.
    pub async fn add_silence(
        &self,
        brand: &str,
        duration: &str,
        kinds: &[String],
        comment: &str,
        created_by: &str,
    ) -> Result<Value, ClientError> {
        let body = json!({"brand": brand, "duration": duration, "kinds": kinds,
                          "comment": comment, "created_by": created_by});
        self.call(reqwest::Method::POST, "/api/v1/silences", Some(body))
            .await
    }

    /// `GET /api/v1/silences`.
    pub async fn silences(&self) -> Result<Value, ClientError> {
        self.call(reqwest::Method::GET, "/api/v1/silences", None)
            .await
    }

    /// `DELETE /api/v1/silences/{id}`.
    pub async fn expire_silence(&self, id: &str) -> Result<(), ClientError> {
        let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        self.call(
            reqwest::Method::DELETE,
            &format!("/api/v1/silences/{id}"),
            None,
        )
        .await
        .map(|_| ())
    }

    /// `POST /api/v1/alerts/{id}/ack`.
    pub async fn ack(&self, id: &str, by: &str, comment: &str) -> Result<Value, ClientError> {
        let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        self.call(
            reqwest::Method::POST,
            &format!("/api/v1/alerts/{id}/ack"),
            Some(json!({"by": by, "comment": comment})),
        )
        .await
    }
}

/// One line per silence, for `silence list`.
pub fn silence_lines(list: &Value) -> Vec<String> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    let kinds = x["kinds"]
                        .as_array()
                        .map(|k| k.iter().map(s).collect::<Vec<_>>().join(","))
                        .filter(|k| !k.is_empty())
                        .unwrap_or_else(|| "all kinds".into());
                    format!(
                        "{}  {:7}  {}  [{}]  {} → {}  by {}: {}",
                        s(&x["id"]),
                        s(&x["state"]),
                        s(&x["brand"]),
                        kinds,
                        s(&x["starts_at"]),
                        s(&x["ends_at"]),
                        s(&x["created_by"]),
                        s(&x["comment"])
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_listen_is_reached_on_loopback() {
        let a: SocketAddr = "0.0.0.0:9797".parse().unwrap();
        assert_eq!(reachable(a).to_string(), "127.0.0.1:9797");
        let a: SocketAddr = "[::]:9797".parse().unwrap();
        assert_eq!(reachable(a).to_string(), "[::1]:9797");
        let a: SocketAddr = "10.0.0.5:80".parse().unwrap();
        assert_eq!(reachable(a), a);
    }

    #[test]
    fn lists_one_line_per_silence() {
        let v = json!([{"id": "ab", "state": "active", "brand": "B", "starts_at": "s",
                        "ends_at": "e", "created_by": "anna", "comment": "Kampagne"}]);
        let lines = silence_lines(&v);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains("all kinds") && lines[0].contains("Kampagne"));
    }
}
