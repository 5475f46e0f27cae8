//! Delivery end to end against real receivers on loopback: SMTP (mailin) and HTTP (axum).
//! What goes over the wire — subject, MIME parts, JSON body, signature, chat shapes — and how
//! failures are classified; the channel filters; `test_alert`.

mod support;

use std::path::Path;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sturmglas::alert::{AlertEvent, Kind, Level, SampleMention, Status};
use sturmglas::config::notify::NotifyConfig;
use sturmglas::notify::{self, DeliveryError};
use support::smtp::SmtpServer;
use support::webhook::{Reply, WebhookReceiver};

const WAIT: Duration = Duration::from_secs(10);

fn config(notify: &str) -> NotifyConfig {
    let src = format!(
        "[[brands]]\nname = \"Nordwind Energie\"\nkeywords = [\"nordwind\"]\n\
         [[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n{notify}"
    );
    match sturmglas::config::parse(&src, Path::new("test.toml")) {
        Ok(c) => c.notify,
        Err(e) => panic!("test config is invalid:\n{e}"),
    }
}

fn email_channel(name: &str, port: u16, extra: &str) -> String {
    format!(
        "[[notify.email]]\nname = \"{name}\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\n\
         tls = \"none\"\nfrom = \"sturmglas <alerts@example.org>\"\n\
         to = [\"pr@example.org\", \"ceo@example.org\"]\ntimeout = \"5s\"\n{extra}\n"
    )
}

fn webhook_channel(name: &str, url: &str, extra: &str) -> String {
    format!("[[notify.webhook]]\nname = \"{name}\"\nurl = \"{url}\"\ntimeout = \"5s\"\n{extra}\n")
}

fn storm() -> AlertEvent {
    AlertEvent::new(
        "nordwind-energie-1772891520-1",
        "Nordwind Energie",
        Status::Firing,
        Level::Critical,
        Kind::Storm,
        "2026-03-07T13:58:00Z".parse().unwrap(),
    )
    .with_started_at("2026-03-07T13:52:00Z".parse().unwrap())
    .with_window_seconds(900)
    .with_counts(61, 50, 0.82)
    .with_velocity(4.1, 14.9)
    .with_reasons(vec![
        "61 mentions in 15m, 14.9x the expected 4.1".into(),
        "82% negative (usual: 12%)".into(),
    ])
    .with_sample(vec![
        SampleMention {
            text: "Schon wieder Stromausfall & keiner geht ans Telefon <3 #nordwind".into(),
            url: Some("https://social.example/@hanna/109876".into()),
            author: Some("hanna".into()),
            reach: Some(12_400),
            score: -0.82,
            copies: 1,
            at: None,
            words: Vec::new(),
        },
        SampleMention {
            text: "Nordwind Energie raises prices again, switching today.".into(),
            url: Some("https://news.example/t/42".into()),
            author: Some("jo".into()),
            reach: Some(800),
            score: -0.6,
            copies: 1,
            at: None,
            words: Vec::new(),
        },
    ])
}

#[tokio::test]
async fn email_arrives_over_real_smtp_with_subject_parts_and_links() {
    let smtp = SmtpServer::start();
    let cfg = config(&email_channel("pr-team", smtp.port(), ""));
    let http = reqwest::Client::new();
    notify::deliver(&cfg, "pr-team", &storm(), &http)
        .await
        .unwrap();
    let mails = smtp.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.from, "alerts@example.org");
    assert_eq!(m.to, vec!["pr@example.org", "ceo@example.org"]);
    assert_eq!(
        m.header("Subject").unwrap(),
        "[sturmglas] CRITICAL storm: Nordwind Energie — 61 mentions in 15m, 82% negative"
    );
    assert_eq!(m.parsed().ctype.mimetype, "multipart/alternative");
    let text = m.part("text/plain").expect("a text part");
    let html = m.part("text/html").expect("an HTML part");
    for want in [
        "Nordwind Energie",
        "CRITICAL",
        "61 mentions in 15 min, 14.9 times the usual 4.1. 50 of them negative (82%).",
        "82% of the posts are negative.",
        "hanna, reach 12,400",
        "Schon wieder Stromausfall & keiner geht ans Telefon <3 #nordwind",
        "https://social.example/@hanna/109876",
        "https://news.example/t/42",
    ] {
        assert!(text.contains(want), "text part lacks {want:?}:\n{text}");
    }
    assert!(
        html.contains("Stromausfall &amp; keiner geht ans Telefon &lt;3"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://social.example/@hanna/109876\">"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://news.example/t/42\">"),
        "{html}"
    );
}

#[tokio::test]
async fn smtp_auth_is_used_and_a_wrong_password_is_permanent() {
    let smtp = SmtpServer::start_with_auth("sturmglas", "s3cret");
    let http = reqwest::Client::new();
    let good = config(&email_channel(
        "m",
        smtp.port(),
        "username = \"sturmglas\"\npassword = \"s3cret\"",
    ));
    notify::deliver(&good, "m", &storm(), &http).await.unwrap();
    assert_eq!(smtp.wait_for(1, WAIT).await.len(), 1);
    let bad = config(&email_channel(
        "m",
        smtp.port(),
        "username = \"sturmglas\"\npassword = \"wrong\"",
    ));
    let err = notify::deliver(&bad, "m", &storm(), &http)
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::Permanent(_)), "{err}");
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn smtp_reply_codes_are_classified() {
    let mut smtp = SmtpServer::start();
    let cfg = config(&email_channel("m", smtp.port(), ""));
    let http = reqwest::Client::new();
    smtp.reject_with(Some(451));
    let err = notify::deliver(&cfg, "m", &storm(), &http)
        .await
        .unwrap_err();
    assert!(err.is_transient(), "451 is transient: {err}");
    smtp.reject_with(Some(550));
    let err = notify::deliver(&cfg, "m", &storm(), &http)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeliveryError::Permanent(_)),
        "550 is permanent: {err}"
    );
    smtp.reject_with(None);
    smtp.stop();
    let err = notify::deliver(&cfg, "m", &storm(), &http)
        .await
        .unwrap_err();
    assert!(
        err.is_transient(),
        "a refused connection is transient: {err}"
    );
    smtp.restart();
    notify::deliver(&cfg, "m", &storm(), &http).await.unwrap();
    assert_eq!(smtp.wait_for(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn json_webhook_body_is_the_event_and_the_signature_verifies() {
    let hook = WebhookReceiver::start().await;
    let cfg = config(&webhook_channel(
        "ops",
        &hook.url("/hook"),
        "secret = \"hmac-key\"",
    ));
    let event = storm();
    notify::deliver(&cfg, "ops", &event, &reqwest::Client::new())
        .await
        .unwrap();
    let reqs = hook.wait_for(1, WAIT).await;
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/hook"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json(), serde_json::to_value(&event).unwrap());
    let back: AlertEvent = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(back, event);
    let sig = r.header("x-sturmglas-signature").expect("signature header");
    let hex_mac = sig.strip_prefix("sha256=").expect("sha256= prefix");
    let mut mac = Hmac::<Sha256>::new_from_slice(b"hmac-key").unwrap();
    mac.update(&r.body);
    mac.verify_slice(&hex::decode(hex_mac).unwrap())
        .expect("HMAC of the exact body verifies");
}

#[tokio::test]
async fn unsigned_webhook_has_no_signature_header() {
    let hook = WebhookReceiver::start().await;
    let cfg = config(&webhook_channel("ops", &hook.url("/h"), ""));
    notify::deliver(&cfg, "ops", &storm(), &reqwest::Client::new())
        .await
        .unwrap();
    assert!(hook.wait_for(1, WAIT).await[0]
        .header("x-sturmglas-signature")
        .is_none());
}

#[tokio::test]
async fn slack_webhook_has_the_incoming_webhook_shape() {
    let hook = WebhookReceiver::start().await;
    let cfg = config(&webhook_channel(
        "slack",
        &hook.url("/services/T0/B0/x"),
        "format = \"slack\"",
    ));
    notify::deliver(&cfg, "slack", &storm(), &reqwest::Client::new())
        .await
        .unwrap();
    let body = hook.wait_for(1, WAIT).await[0].json();
    assert_eq!(body["text"], storm().headline());
    let blocks = body["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    assert_eq!(
        blocks[0]["text"]["text"],
        "CRITICAL storm: Nordwind Energie"
    );
    let all = body.to_string();
    assert!(
        all.contains("<https://social.example/@hanna/109876|open post>"),
        "{all}"
    );
    assert!(all.contains("&amp; keiner geht ans Telefon &lt;3"), "{all}");
    assert!(body.get("id").is_none(), "not the raw event");
}

#[tokio::test]
async fn http_statuses_are_classified() {
    let hook = WebhookReceiver::start().await;
    let cfg = config(&webhook_channel("ops", &hook.url("/h"), ""));
    let http = reqwest::Client::new();
    hook.script([
        Reply::status(500),
        Reply::status(429).retry_after("7"),
        Reply::status(408),
        Reply::status(400),
        Reply::status(404),
        Reply::status(204),
    ]);
    let mut results = Vec::new();
    for _ in 0..6 {
        results.push(notify::deliver(&cfg, "ops", &storm(), &http).await);
    }
    assert!(results[0].as_ref().unwrap_err().is_transient());
    match &results[1] {
        Err(DeliveryError::Transient { retry_after, .. }) => {
            assert_eq!(*retry_after, Some(Duration::from_secs(7)))
        }
        other => panic!("429 should be transient with Retry-After: {other:?}"),
    }
    assert!(results[2].as_ref().unwrap_err().is_transient());
    assert!(matches!(results[3], Err(DeliveryError::Permanent(_))));
    assert!(matches!(results[4], Err(DeliveryError::Permanent(_))));
    assert!(results[5].is_ok());
}

#[test]
fn filters_pick_channels_by_brand_and_level() {
    let cfg = config(&format!(
        "{}{}{}",
        webhook_channel("all", "http://127.0.0.1:9/a", ""),
        webhook_channel(
            "critical-only",
            "http://127.0.0.1:9/b",
            "min_level = \"critical\""
        ),
        webhook_channel(
            "acme",
            "http://127.0.0.1:9/c",
            "brands = [\"Acme\"]\nsend_resolved = false"
        ),
    ));
    let mut e = storm();
    e.level = Level::Warning;
    assert_eq!(notify::targets(&cfg, &e), vec!["all"]);
    e.level = Level::Critical;
    assert_eq!(notify::targets(&cfg, &e), vec!["all", "critical-only"]);
    e.brand = "Acme".into();
    assert_eq!(
        notify::targets(&cfg, &e),
        vec!["all", "critical-only", "acme"]
    );
    e.status = Status::Resolved;
    assert_eq!(notify::targets(&cfg, &e), vec!["all", "critical-only"]);
}

#[tokio::test]
async fn test_alert_reaches_every_channel_marked_as_test() {
    let smtp = SmtpServer::start();
    let hook = WebhookReceiver::start().await;
    let cfg = config(&format!(
        "{}{}",
        email_channel(
            "mail",
            smtp.port(),
            "brands = [\"Acme\"]\nmin_level = \"critical\""
        ),
        webhook_channel("hook", &hook.url("/t"), "")
    ));
    let http = reqwest::Client::new();
    let results = notify::test_alert(&cfg, None, &http).await;
    let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["mail", "hook"]);
    assert!(results.iter().all(|(_, r)| r.is_ok()), "{results:?}");
    let mail = &smtp.wait_for(1, WAIT).await[0];
    let subject = mail.header("Subject").unwrap();
    assert!(
        subject.starts_with("[sturmglas] TEST CRITICAL storm: Acme"),
        "{subject}"
    );
    assert!(mail.part("text/plain").unwrap().contains("TEST ALERT"));
    let body = hook.wait_for(1, WAIT).await[0].json();
    assert_eq!(body["test"], true);

    let only = notify::test_alert(&cfg, Some("hook"), &http).await;
    assert_eq!(only.len(), 1);
    assert_eq!(hook.wait_for(2, WAIT).await.len(), 2);
    assert_eq!(smtp.messages().len(), 1);
    let unknown = notify::test_alert(&cfg, Some("nope"), &http).await;
    assert!(matches!(
        unknown[0].1,
        Err(DeliveryError::UnknownChannel(_))
    ));
}

#[tokio::test]
async fn starttls_never_falls_back_to_plaintext() {
    // The test server offers no STARTTLS: a channel that asks for it must not send in clear.
    let smtp = SmtpServer::start();
    let cfg = config(
        &email_channel("m", smtp.port(), "").replace("tls = \"none\"", "tls = \"starttls\""),
    );
    let err = notify::deliver(&cfg, "m", &storm(), &reqwest::Client::new())
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(smtp.messages().is_empty());
}
