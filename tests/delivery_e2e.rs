//! End-to-end delivery: the real daemon on loopback sends a storm by email over real SMTP and
//! by signed webhook over real HTTP; a calm brand gets nothing; an alert raised while the mail
//! server is down arrives once it is back, exactly once.

mod harness;
mod support;

use std::time::Duration;

use harness::{config, free_port, ndjson, Daemon, TOKEN};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use support::smtp::SmtpServer;
use support::webhook::WebhookReceiver;

const ANGRY: &str = "Nordwind ist eine Abzocke, Skandal! Nie wieder!";

fn brands_and_channels(smtp_port: u16, hook_url: &str) -> String {
    let mail = harness::email_channel(smtp_port);
    format!(
        r##"
[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]

[[brands]]
name = "Acme"
keywords = ["Acme"]

{mail}
[[notify.webhook]]
name = "ops"
url = "{hook_url}"
format = "json"
secret = "hook-secret"

[notify.retry]
initial_backoff = "200ms"
max_backoff = "1s"
"##
    )
}

#[tokio::test]
async fn a_storm_arrives_by_email_and_signed_webhook_and_a_calm_brand_gets_nothing() {
    let smtp = SmtpServer::start();
    let hook = WebhookReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = brands_and_channels(smtp.port(), &hook.url("/hook"));
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;

    d.post_mentions(ndjson("n", 120, ANGRY), Some(TOKEN)).await;
    d.post_mentions(
        ndjson("c", 4, "Acme eröffnet heute eine neue Filiale in Köln."),
        Some(TOKEN),
    )
    .await;

    let mails = smtp.wait_for(1, Duration::from_secs(15)).await;
    let subject = mails[0].header("Subject").unwrap();
    assert!(
        subject.starts_with("[sturmglas] CRITICAL storm: Nordwind Energie — 120 mentions in 15m"),
        "{subject}"
    );
    let text = mails[0].part("text/plain").unwrap();
    assert!(
        text.contains("https://example.org/n119"),
        "sample links: {text}"
    );
    assert!(mails[0].part("text/html").is_some());

    let hooks = hook.wait_for(1, Duration::from_secs(15)).await;
    let body = hooks[0].json();
    for k in [
        "version",
        "id",
        "brand",
        "status",
        "level",
        "kind",
        "observed_at",
        "started_at",
        "window_seconds",
        "mentions",
        "negative",
        "negative_share",
        "expected",
        "velocity_ratio",
        "reasons",
        "sample",
    ] {
        assert!(body.get(k).is_some(), "missing {k}: {body}");
    }
    assert_eq!(body["brand"], "Nordwind Energie");
    assert_eq!(body["kind"], "storm");
    // Sample posts carry the words that made them negative (an extension of the schema).
    let words = &body["sample"][0]["words"];
    assert!(
        words.as_array().is_some_and(|w| !w.is_empty()
            && w.iter()
                .all(|x| x["valence"].as_f64().is_some_and(|v| v < 0.0))),
        "{body}"
    );
    // The byline (not the quoted post below it) names them in the email too.
    assert!(
        text.lines()
            .any(|l| l.contains("sentiment -") && l.contains("Abzocke -")),
        "the email names the words: {text}"
    );
    let sig = hooks[0].header("x-sturmglas-signature").unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"hook-secret").unwrap();
    mac.update(&hooks[0].body);
    assert_eq!(
        sig,
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    );

    // Give the calm brand several ticks: still exactly one mail and one webhook, both storm.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(hook.requests().len(), 1);
}

#[tokio::test]
async fn an_alert_raised_while_the_mail_server_is_down_is_delivered_once_it_is_up() {
    let mut smtp = SmtpServer::start();
    smtp.stop();
    let hook = WebhookReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = brands_and_channels(smtp.port(), &hook.url("/hook"));
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;

    d.post_mentions(ndjson("n", 120, ANGRY), Some(TOKEN)).await;
    d.wait_alerts(10, |a| a.len() == 1).await;
    hook.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let metrics = d.metrics().await;
    assert!(metrics.contains("sturmglas_outbox_pending 1"), "{metrics}");

    smtp.restart();
    let mails = smtp.wait_for(1, Duration::from_secs(15)).await;
    assert!(mails[0]
        .header("Subject")
        .unwrap()
        .contains("Nordwind Energie"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 1, "delivered exactly once");
}

#[tokio::test]
async fn a_dead_source_is_announced_to_the_channels_so_it_does_not_look_calm() {
    let hook = WebhookReceiver::start().await;
    let dead = free_port(); // nothing listens here
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = format!(
        "{}\n[[sources.rss]]\nname = \"news\"\nurl = \"http://127.0.0.1:{dead}/feed.xml\"\ninterval = \"200ms\"\nsilence_alert_after = \"1s\"\n",
        brands_and_channels(free_port(), &hook.url("/hook"))
    );
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;
    let hooks = hook.wait_for(1, Duration::from_secs(15)).await;
    let body = hooks[0].json();
    assert_eq!(body["kind"], "source", "{body}");
    assert_eq!(body["brand"], "news");
    assert_eq!(body["status"], "firing");
    let sources = d.get_json("/api/v1/sources").await;
    assert_ne!(sources[0]["state"], "ok", "{sources}");
    // One notice per outage, not one per check.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(hook.requests().len(), 1);
}
