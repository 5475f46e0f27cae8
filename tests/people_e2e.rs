//! End-to-end, people in the loop: the real daemon on loopback with a real SMTP receiver.
//! A silence holds a storm's email back and its end releases exactly one email; silences
//! survive a restart; bad silences get 400 with the reason; the CLI talks to the daemon.

mod harness;
mod support;

use std::time::Duration;

use harness::{config, config_with_own_public_url, free_port, ndjson, Daemon, InProcess, TOKEN};
use serde_json::{json, Value};
use support::smtp::SmtpServer;

const ANGRY: &str = "Nordwind ist eine Abzocke, Skandal! Nie wieder!";

fn brands_and_mail(smtp_port: u16, thresholds: &str) -> String {
    let mail = harness::email_channel(smtp_port);
    format!(
        r##"
[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]
{thresholds}

{mail}
[notify.retry]
initial_backoff = "200ms"
max_backoff = "1s"
"##
    )
}

async fn post(d: &Daemon, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(d.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn delete(d: &Daemon, path: &str) -> u16 {
    reqwest::Client::new()
        .delete(d.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn cli(d: &Daemon, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sturmglas"))
        .args(args)
        .arg("-c")
        .arg(&d.config_path)
        .env("USER", "anna")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_silence_holds_a_storm_back_and_its_end_releases_one_email() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = brands_and_mail(smtp.port(), "");
    let mut d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;

    let (status, silence) = post(
        &d,
        "/api/v1/silences",
        json!({"brand": "Nordwind Energie", "duration": "2h",
               "comment": "Preiskampagne", "created_by": "anna"}),
    )
    .await;
    assert_eq!(status, 201, "{silence}");
    let id = silence["id"].as_str().unwrap().to_string();
    let starts =
        chrono::DateTime::parse_from_rfc3339(silence["starts_at"].as_str().unwrap()).unwrap();
    let ends = chrono::DateTime::parse_from_rfc3339(silence["ends_at"].as_str().unwrap()).unwrap();
    assert_eq!(ends - starts, chrono::Duration::hours(2));
    assert_eq!(silence["comment"], "Preiskampagne");
    assert_eq!(silence["created_by"], "anna");
    assert_eq!(silence["state"], "active");

    d.post_mentions(ndjson("n", 120, ANGRY), Some(TOKEN)).await;
    let alerts = d
        .wait_alerts(10, |a| a.iter().any(|e| e["status"] == "firing"))
        .await;
    assert_eq!(alerts[0]["silenced_by"], id.as_str(), "{}", alerts[0]);
    // Recorded, not sent: no mail, nothing queued.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(smtp.messages().is_empty(), "a silenced notice was sent");
    assert!(
        d.metrics().await.contains("sturmglas_outbox_pending 0"),
        "a silenced notice was queued"
    );

    // The silence survives a restart, still holding.
    assert!(d.stop().await.success());
    let mut d = Daemon::start_existing(dir.path(), port).await;
    let list = d.get_json("/api/v1/silences").await;
    assert_eq!(list[0]["id"], id.as_str(), "{list}");
    assert_eq!(list[0]["state"], "active");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(smtp.messages().is_empty(), "sent after the restart");

    // Ending it while the storm goes on sends the current notice, once.
    assert_eq!(delete(&d, &format!("/api/v1/silences/{id}")).await, 204);
    let mails = smtp.wait_for(1, Duration::from_secs(10)).await;
    let subject = mails[0].header("Subject").unwrap();
    assert!(subject.contains("Nordwind Energie"), "{subject}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 1, "released more than once");
    let list = d.get_json("/api/v1/silences").await;
    assert_eq!(list[0]["state"], "ended", "{list}");
    assert_eq!(delete(&d, &format!("/api/v1/silences/{id}")).await, 204);
    assert_eq!(delete(&d, "/api/v1/silences/nope").await, 404);

    // A restart after the release sends nothing again.
    assert!(d.stop().await.success());
    let d = Daemon::start_existing(dir.path(), port).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 1, "released again after a restart");
    drop(d);
}

#[tokio::test]
async fn a_silence_that_expires_releases_the_storm_and_a_buzz_silence_does_not_hold_it() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = brands_and_mail(smtp.port(), "");
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;
    let (status, buzz) = post(
        &d,
        "/api/v1/silences",
        json!({"brand": "*", "kinds": ["buzz"], "duration": "2h", "comment": "Gewinnspiel"}),
    )
    .await;
    assert_eq!(status, 201, "{buzz}");
    let (status, short) = post(
        &d,
        "/api/v1/silences",
        json!({"brand": "Nordwind Energie", "duration": "5s", "comment": "Wartung"}),
    )
    .await;
    assert_eq!(status, 201, "{short}");
    d.post_mentions(ndjson("n", 120, ANGRY), Some(TOKEN)).await;
    let alerts = d.wait_alerts(10, |a| !a.is_empty()).await;
    assert_eq!(alerts[0]["kind"], "storm");
    assert_eq!(alerts[0]["silenced_by"], short["id"], "{}", alerts[0]);
    assert!(smtp.messages().is_empty(), "sent while silenced");
    // It expires by itself; the storm still fires, so its notice goes out then, once.
    let mails = smtp.wait_for(1, Duration::from_secs(15)).await;
    assert!(mails[0]
        .header("Subject")
        .unwrap()
        .contains("Nordwind Energie"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 1);
    let list = d.get_json("/api/v1/silences").await;
    let states: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["comment"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    assert!(states.contains(&("Wartung", "ended")), "{list}");
    assert!(states.contains(&("Gewinnspiel", "active")), "{list}");
}

#[tokio::test]
async fn bad_silences_get_400_with_the_reason_and_the_cli_manages_silences() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = brands_and_mail(smtp.port(), "");
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;

    for (body, reason) in [
        (
            json!({"brand": "Südwind", "duration": "2h", "comment": "x"}),
            "brand",
        ),
        (
            json!({"brand": "*", "ends_at": "2020-01-01T00:00:00Z", "comment": "x"}),
            "is not after starts_at",
        ),
        (
            json!({"brand": "*", "duration": "zwei Stunden", "comment": "x"}),
            "duration",
        ),
        (
            json!({"brand": "*", "duration": "2h", "kinds": ["rain"], "comment": "x"}),
            "kinds",
        ),
        (json!({"brand": "*", "duration": "2h"}), "comment"),
        (json!({"duration": "2h", "comment": "x"}), "brand"),
    ] {
        let (status, answer) = post(&d, "/api/v1/silences", body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(reason), "{body} → {error}");
    }
    assert_eq!(d.get_json("/api/v1/silences").await, json!([]));

    let out = cli(
        &d,
        &[
            "silence",
            "add",
            "--brand",
            "*",
            "--for",
            "90m",
            "--comment",
            "Wartung",
            "--kind",
            "buzz",
        ],
    );
    let text = harness::stdout_ok(&out);
    assert!(text.starts_with("Silence "), "{text}");
    let list = d.get_json("/api/v1/silences").await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(list[0]["kinds"], json!(["buzz"]));
    assert_eq!(list[0]["created_by"], "anna");

    let text = harness::stdout_ok(&cli(&d, &["silence", "list"]));
    assert!(
        text.contains(&id) && text.contains("Wartung") && text.contains("active"),
        "{text}"
    );
    let out = cli(
        &d,
        &[
            "silence",
            "add",
            "--brand",
            "Nope",
            "--for",
            "1h",
            "--comment",
            "x",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("400") && err.contains("not a configured brand"),
        "{err}"
    );

    harness::stdout_ok(&cli(&d, &["silence", "expire", &id]));
    let list = d.get_json("/api/v1/silences").await;
    assert_eq!(list[0]["state"], "ended", "{list}");
}

/// The email's plain-text part.
fn text_of(mail: &support::smtp::ReceivedMail) -> String {
    mail.part("text/plain").unwrap_or_default()
}

/// The daemon in-process (`daemon::run`), so the test can set what the config file may not:
/// a reminder every second (`repeat_interval` accepts 5m and more).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ack_link_shows_a_page_on_get_acks_on_post_and_stops_the_reminders() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let daemon = InProcess::start(
        dir.path(),
        |port| config_with_own_public_url(port, dir.path(), &brands_and_mail(smtp.port(), "")),
        |cfg| {
            cfg.brands[0].thresholds.repeat_interval = Duration::from_secs(1);
        },
    )
    .await;
    let d = &daemon.d;
    let base = d.url("");
    d.post_mentions(ndjson("n", 120, ANGRY), Some(TOKEN)).await;

    let first = smtp.wait_for(1, Duration::from_secs(10)).await;
    let alerts = d.wait_alerts(10, |a| !a.is_empty()).await;
    let ack = alerts[0]["links"]["ack"]
        .as_str()
        .unwrap_or_else(|| panic!("no ack link: {}", alerts[0]))
        .to_string();
    assert!(ack.starts_with(&format!("{base}/ack/")), "{ack}");
    assert!(
        text_of(&first[0]).contains("Acknowledge"),
        "{}",
        text_of(&first[0])
    );
    // Reminders flow while nobody has acknowledged.
    smtp.wait_for(2, Duration::from_secs(10)).await;

    // GET (a mail scanner, a preview) shows the page and changes nothing.
    let http = reqwest::Client::new();
    for _ in 0..2 {
        let r = http.get(&ack).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(page.contains("<form method=\"post\">"), "{page}");
        assert!(page.contains("Nordwind Energie"), "{page}");
    }
    let r = http.get(format!("{ack}?lang=de")).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("Quittieren"));
    assert!(d
        .alerts()
        .await
        .iter()
        .all(|a| a.get("acknowledged_by").is_none()));
    // A forged or altered link is refused.
    let forged = format!("{}0", &ack[..ack.len() - 1]);
    let forged = if forged == ack {
        format!("{ack}1")
    } else {
        forged
    };
    assert_eq!(http.get(&forged).send().await.unwrap().status(), 403);
    assert_eq!(
        http.post(&forged)
            .form(&[("by", "mallory")])
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // POST from the page's form acknowledges the thread.
    let r = http
        .post(&ack)
        .form(&[
            ("by", "Anna Peters"),
            ("comment", "Statement kommt um 15 Uhr"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Anna Peters"));
    let acked = d.alerts().await;
    assert!(
        acked
            .iter()
            .all(|a| a["acknowledged_by"] == "Anna Peters" && a["acknowledged_at"].is_string()),
        "{acked:#?}"
    );

    // No more reminders: notices are still recorded, but no more mail goes out.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let sent = smtp.messages().len();
    let recorded = d.alerts().await.len();
    tokio::time::sleep(Duration::from_millis(4000)).await;
    assert!(
        d.alerts().await.len() > recorded,
        "the reminders should still be recorded"
    );
    assert_eq!(
        smtp.messages().len(),
        sent,
        "a reminder was sent after the ack"
    );

    // The API and the CLI: the first acknowledgement is kept; an unknown alert is 404.
    let id = acked[0]["id"].as_str().unwrap();
    let (status, body) = post(
        d,
        &format!("/api/v1/alerts/{id}/ack"),
        json!({"by": "ben", "comment": "x"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["acknowledged_by"], "Anna Peters");
    let (status, _) = post(d, "/api/v1/alerts/nope/ack", json!({"by": "ben"})).await;
    assert_eq!(status, 404);
    let out = cli(d, &["ack", id, "--by", "ben"]);
    let printed = harness::stdout_ok(&out);
    assert!(printed.contains("Anna Peters"), "{printed}");
    let out = cli(d, &["ack", "nope"]);
    assert!(!out.status.success());

    daemon.stop().await;
}
