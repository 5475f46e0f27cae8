//! Regression tests of issue 19's delivery defects: redirects are failed deliveries that name
//! the `Location` (4), and a hanging webhook does not hold back another channel's email (6).

mod harness;
mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::{config, free_port, ndjson, Daemon, TOKEN};
use support::smtp::SmtpServer;
use support::webhook::WebhookReceiver;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server that answers every request with `status` and `Location: location`, counting them.
async fn redirector(status: u16, location: String) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            let location = location.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = sock.read(&mut buf).await;
                let reply = format!(
                    "HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    (url, hits)
}

#[tokio::test]
async fn redirects_are_not_followed_and_name_their_location() {
    let target = WebhookReceiver::start().await;
    for status in [301u16, 302, 303, 307, 308] {
        let (url, hits) = redirector(status, target.url("/elsewhere")).await;
        let src = format!(
            "[[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n\
             [[notify.webhook]]\nname = \"ops\"\nurl = \"{url}\"\nsecret = \"s3cret-s3cret\"\n"
        );
        let cfg = sturmglas::config::parse(&src, Path::new("t.toml")).unwrap();
        let http = sturmglas::notify::webhook::client().unwrap();
        let results = sturmglas::notify::test_alert(&cfg.notify, None, &http).await;
        let err = results[0]
            .1
            .as_ref()
            .expect_err("a redirect is not a delivery");
        let msg = err.to_string();
        assert!(msg.contains(&target.url("/elsewhere")), "{status}: {msg}");
        assert!(msg.contains(&status.to_string()), "{msg}");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }
    assert!(
        target.requests().is_empty(),
        "nothing reached the Location: {:?}",
        target.requests()
    );
}

/// A webhook that accepts connections and never answers.
async fn black_hole() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    url
}

#[tokio::test]
async fn a_hanging_webhook_does_not_hold_back_a_new_storms_email() {
    let smtp = SmtpServer::start();
    let hook = black_hole().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = format!(
        r#"
[[brands]]
name = "Nordwind"
keywords = ["Nordwind"]

[[brands]]
name = "Acme"
keywords = ["Acme"]

[[notify.email]]
name = "pr"
smtp_host = "127.0.0.1"
smtp_port = {}
tls = "none"
from = "sturmglas@example.org"
to = ["pr@example.org"]

[[notify.webhook]]
name = "slow"
url = "{hook}"
timeout = "20s"
"#,
        smtp.port()
    );
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;
    let angry = |b: &str| format!("{b} ist eine Abzocke, Skandal! Nie wieder!");
    d.post_mentions(ndjson("n", 120, &angry("Nordwind")), Some(TOKEN))
        .await;
    smtp.wait_for(1, Duration::from_secs(10)).await;
    // The webhook now hangs on the first storm; a second storm's email must not wait for it.
    d.post_mentions(ndjson("a", 120, &angry("Acme")), Some(TOKEN))
        .await;
    let t = Instant::now();
    let mails = smtp.wait_for(2, Duration::from_secs(10)).await;
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "the second email took {:?}",
        t.elapsed()
    );
    assert!(mails
        .iter()
        .any(|m| m.header("Subject").is_some_and(|s| s.contains("Acme"))));
}
