//! Regression tests of issue 19's HTTP defects (9, 10) against the real binary: the `Host`
//! check on a loopback listener, the security headers, `api_token`, and ingest edge cases.

mod harness;

use harness::{config_with_server, free_port, Daemon, TOKEN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const API_TOKEN: &str = "api-token-9876543210";

/// One raw HTTP/1.1 request (so the `Host` header is exactly what the test says); returns the
/// status, the header block (lower-cased) and the body.
async fn raw(port: u16, request: &str) -> (u16, String, String) {
    let mut sock = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    sock.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    sock.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_string())
}

fn get(path: &str, host: &str, auth: Option<&str>) -> String {
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n")
}

async fn start(extra_server: &str) -> (tempfile::TempDir, Daemon) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let text = config_with_server(
        port,
        dir.path(),
        extra_server,
        "[[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n",
    );
    let d = Daemon::start(dir.path(), port, &text).await;
    (dir, d)
}

#[tokio::test]
async fn loopback_listener_refuses_foreign_hosts() {
    let (_dir, d) = start("public_url = \"https://sturmglas.example.org\"\n").await;
    let p = d.port;
    for host in [
        "evil.example",
        &format!("evil.example:{p}"),
        "127.0.0.1.nip.io",
    ] {
        let (status, _, body) = raw(p, &get("/api/v1/alerts", host, None)).await;
        assert_eq!(status, 421, "{host}: {body}");
        assert!(body.contains("localhost") && body.contains(host), "{body}");
    }
    for host in [
        format!("127.0.0.1:{p}"),
        format!("localhost:{p}"),
        format!("[::1]:{p}"),
        "sturmglas.example.org".to_string(),
    ] {
        let (status, _, body) = raw(p, &get("/api/v1/alerts", &host, None)).await;
        assert_eq!(status, 200, "{host}: {body}");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let (_dir, d) = start("").await;
    let p = d.port;
    let host = format!("127.0.0.1:{p}");
    for (path, host, want) in [
        ("/", host.as_str(), 200),
        ("/healthz", host.as_str(), 200),
        ("/api/v1/brands", host.as_str(), 200),
        ("/nope", host.as_str(), 404),
        ("/", "evil.example", 421),
    ] {
        let (status, head, _) = raw(p, &get(path, host, None)).await;
        assert_eq!(status, want, "{path}");
        assert!(
            head.contains("x-content-type-options: nosniff"),
            "{path}: {head}"
        );
        assert!(
            head.contains("referrer-policy: no-referrer"),
            "{path}: {head}"
        );
        assert!(
            head.contains("content-security-policy: default-src 'none'; script-src 'self';"),
            "{path}: {head}"
        );
    }
}

#[tokio::test]
async fn api_token_protects_the_api_but_not_health_metrics_or_ingest() {
    let (_dir, d) = start(&format!("api_token = \"{API_TOKEN}\"\n")).await;
    let p = d.port;
    let host = format!("127.0.0.1:{p}");
    for path in ["/api/v1/brands", "/api/v1/alerts", "/api/v1/sources"] {
        let (status, head, body) = raw(p, &get(path, &host, None)).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert!(head.contains("www-authenticate: bearer"), "{head}");
        let (status, ..) = raw(p, &get(path, &host, Some("Bearer wrong-token"))).await;
        assert_eq!(status, 401, "{path}");
        let (status, ..) = raw(p, &get(path, &host, Some(&format!("Bearer {TOKEN}")))).await;
        assert_eq!(status, 401, "{path}: the ingest token is not the API token");
        for scheme in ["Bearer", "bearer", "BEARER"] {
            let auth = format!("{scheme} {API_TOKEN}");
            let (status, _, body) = raw(p, &get(path, &host, Some(&auth))).await;
            assert_eq!(status, 200, "{path} {scheme}: {body}");
        }
    }
    for path in ["/healthz", "/metrics", "/"] {
        let (status, ..) = raw(p, &get(path, &host, None)).await;
        assert_eq!(status, 200, "{path}");
    }
    let (status, body) = d.post_mentions(r#"{"text":"acme"}"#, Some(TOKEN)).await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test]
async fn ingest_edge_cases() {
    let (_dir, d) = start("").await;
    let p = d.port;
    // A BOM before the body, and an upper-case scheme.
    let body = "\u{feff}{\"text\":\"acme ok\",\"id\":\"bom-1\"}";
    let req = format!(
        "POST /api/v1/mentions HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nAuthorization: BEARER {TOKEN}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, _, reply) = raw(p, &req).await;
    assert_eq!(status, 202, "{reply}");
    for stamp in ["1970-01-01T00:00:00Z", "2100-01-01T00:00:00Z"] {
        let (status, body) = d
            .post_mentions(
                format!(r#"{{"text":"acme","created_at":"{stamp}"}}"#),
                Some(TOKEN),
            )
            .await;
        assert_eq!(status, 400, "{stamp}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("created_at"),
            "{body}"
        );
    }
    // Two people's identical post minutes apart, without ids: both count.
    let now = chrono::Utc::now();
    let two = format!(
        "{}\n{}",
        serde_json::json!({"text": "acme again", "author": "anna", "created_at": now - chrono::Duration::minutes(3)}),
        serde_json::json!({"text": "acme again", "author": "ben", "created_at": now}),
    );
    let (status, body) = d.post_mentions(two, Some(TOKEN)).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["accepted"], 2, "{body}");
    assert_eq!(body["duplicates"], 0, "{body}");
}
