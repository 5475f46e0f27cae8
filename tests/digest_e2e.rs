//! End-to-end, the daily digest: the real daemon with a real SMTP server and a real HTTP
//! receiver on loopback. Mentions are recorded by a first run; the next run has `digest_at`
//! set a minute before now (in the channel's time zone), so the day's digest is due at start
//! — the way a digest missed during downtime is sent — and arrives once: a German email with
//! the brand's figures and a JSON webhook body with the digest's fields. A restart after a
//! kill -9 does not send the day's digest again.

mod harness;
mod support;

use std::time::Duration;

use chrono::{Timelike, Utc};
use harness::{config, free_port, Daemon, TOKEN};
use serde_json::{json, Value};
use support::smtp::{ReceivedMail, SmtpServer};
use support::webhook::{ReceivedRequest, WebhookReceiver};

const ANGRY: &str = "Nordwind ist eine Abzocke, Skandal! Nie wieder!";
const CALM: &str = "Nordwind Energie hat heute den Quartalsbericht veröffentlicht.";
const OTHER: &str = "Die Stadtwerke Süd erweitern das Fernwärmenetz im Westen.";

/// The brand, a German email channel in Berlin and a JSON webhook in UTC, each with
/// `digest_at` if given.
fn channels(smtp_port: u16, hook: &str, digest: Option<(&str, &str)>) -> String {
    let (mail_at, hook_at) = match digest {
        Some((m, h)) => (
            format!("digest_at = \"{m}\"\n"),
            format!("digest_at = \"{h}\"\n"),
        ),
        None => (String::new(), String::new()),
    };
    let mail = harness::email_channel(smtp_port);
    format!(
        r##"
[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]

[[brands]]
name = "Stadtwerke Süd"
keywords = ["Stadtwerke Süd"]

{mail}language = "de"
timezone = "Europe/Berlin"
{mail_at}
[[notify.webhook]]
name = "hook"
url = "{hook}"
format = "json"
{hook_at}
[notify.retry]
initial_backoff = "200ms"
max_backoff = "1s"
"##
    )
}

/// A minute ago on the wall clock of `tz`, as `"HH:MM"`: the digest time that is already due.
fn a_minute_ago(tz: chrono_tz::Tz) -> String {
    let t = (Utc::now() - chrono::Duration::minutes(1)).with_timezone(&tz);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn digest_mails(smtp: &SmtpServer) -> Vec<ReceivedMail> {
    smtp.messages()
        .into_iter()
        .filter(|m| {
            m.header("Subject")
                .is_some_and(|s| s.starts_with("[sturmglas] Tagesbericht"))
        })
        .collect()
}

fn digest_posts(hook: &WebhookReceiver) -> Vec<ReceivedRequest> {
    hook.requests()
        .into_iter()
        .filter(|r| {
            r.header("X-Sturmglas-Event")
                .is_some_and(|e| e.starts_with("digest:"))
        })
        .collect()
}

#[tokio::test]
async fn the_days_digest_arrives_once_by_email_and_webhook_even_across_a_kill() {
    let smtp = SmtpServer::start();
    let hook = WebhookReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let hook_url = hook.url("/digest");

    // First run, no digest: record the day's mentions (posted twenty minutes ago).
    let mut d = Daemon::start(
        dir.path(),
        port,
        &config(port, dir.path(), &channels(smtp.port(), &hook_url, None)),
    )
    .await;
    let at = (Utc::now() - chrono::Duration::minutes(20)).to_rfc3339();
    let mut lines = Vec::new();
    for (i, text) in std::iter::repeat_n(ANGRY, 10)
        .chain(std::iter::repeat_n(CALM, 5))
        .chain(std::iter::repeat_n(OTHER, 3))
        .enumerate()
    {
        lines.push(json!({"id": format!("m{i}"), "text": text, "created_at": at}).to_string());
    }
    let (status, summary) = d.post_mentions(lines.join("\n"), Some(TOKEN)).await;
    assert_eq!(status, 202, "{summary}");
    assert_eq!(summary["matched"], 18, "{summary}");
    d.stop().await;
    assert!(digest_mails(&smtp).is_empty() && digest_posts(&hook).is_empty());

    // Second run: the digest time passed a minute ago, so the day's digest is due now.
    let mail_at = a_minute_ago(chrono_tz::Europe::Berlin);
    let hook_at = a_minute_ago(chrono_tz::UTC);
    std::fs::write(
        dir.path().join("sturmglas.toml"),
        config(
            port,
            dir.path(),
            &channels(smtp.port(), &hook_url, Some((&mail_at, &hook_at))),
        ),
    )
    .unwrap();
    let mut d = Daemon::start_existing(dir.path(), port).await;
    let mails = support::eventually("the digest email", Duration::from_secs(20), || {
        let m = digest_mails(&smtp);
        (!m.is_empty()).then_some(m)
    })
    .await;
    let posts = support::eventually("the digest webhook", Duration::from_secs(20), || {
        let p = digest_posts(&hook);
        (!p.is_empty()).then_some(p)
    })
    .await;

    // The webhook: the digest's JSON.
    let body: Value = posts[0].json();
    assert_eq!(body["type"], "digest", "{body}");
    assert_eq!(body["channel"], "hook");
    assert_eq!(body["at"], hook_at.as_str());
    assert_eq!(body["timezone"], "UTC");
    let date = body["date"].as_str().unwrap().to_string();
    assert_eq!(
        posts[0].header("X-Sturmglas-Event"),
        Some(format!("digest:{date}").as_str())
    );
    let brand = &body["brands"][0];
    assert_eq!(brand["brand"], "Nordwind Energie", "{body}");
    assert_eq!(brand["mentions"], 15, "{body}");
    let negative = brand["negative"].as_u64().unwrap();
    assert!(negative >= 10, "the angry posts count as negative: {body}");
    let share = brand["negative_share"].as_f64().unwrap();
    assert!((share - negative as f64 / 15.0).abs() < 1e-9, "{body}");
    for list in ["alerts", "held", "buzz"] {
        assert!(brand[list].is_array(), "{list}: {body}");
    }
    assert_eq!(body["brands"][1]["brand"], "Stadtwerke Süd", "{body}");
    assert_eq!(body["brands"][1]["mentions"], 3, "{body}");

    // The email: German, text and HTML, the same figures.
    let mail = &mails[0];
    let subject = mail.header("Subject").unwrap();
    assert!(
        subject.starts_with("[sturmglas] Tagesbericht "),
        "{subject}"
    );
    let text = mail
        .part("text/plain")
        .expect("a text part")
        .replace("\r\n", "\n");
    let html = mail.part("text/html").expect("an HTML part");
    let percent = format!("{:.0} %", (negative as f64 / 15.0 * 100.0).round());
    let figures = format!("15 Erwähnungen, davon {percent} negativ");
    assert!(text.starts_with("Tagesbericht: "), "{text}");
    assert!(text.contains("Nordwind Energie"), "{text}");
    assert!(text.contains(&figures), "{figures} in {text}");
    assert!(
        text.contains(&format!("{mail_at} MEZ")) || text.contains(&format!("{mail_at} MESZ")),
        "{text}"
    );
    assert!(html.contains(&figures), "{html}");
    assert!(
        text.contains("Stadtwerke Süd\n  3 Erwähnungen, davon "),
        "{text}"
    );
    assert!(html.contains("lang=\"de\""), "{html}");

    // Both marked delivered (a kill before that mark is the one way any notice goes out
    // twice, see ARCHITECTURE.md), then killed without a chance to save anything and started
    // again: nothing new is queued or sent.
    let state = dir.path().join("state");
    support::eventually(
        "both digests marked delivered",
        Duration::from_secs(10),
        || {
            let store = sturmglas::store::Store::open_read_only(&state).ok()?;
            let rows = store.outbox_rows(100).ok()?;
            let delivered = rows
                .iter()
                .filter(|r| r.alert_id.starts_with("digest:") && r.delivered_at.is_some())
                .count();
            (delivered == 2).then_some(())
        },
    )
    .await;
    d.signal("KILL");
    let mut child = d.child.take().unwrap();
    child.wait().unwrap();
    let mut d = Daemon::start_existing(dir.path(), port).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    d.stop().await;
    assert_eq!(digest_mails(&smtp).len(), 1, "one digest email per day");
    assert_eq!(digest_posts(&hook).len(), 1, "one digest post per day");
    assert!(!d.log().contains("Daily digest queued."), "{}", d.log());
}

#[tokio::test]
async fn digest_at_must_be_a_time_of_day() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let path = dir.path().join("sturmglas.toml");
    let text = config(
        port,
        dir.path(),
        &channels(25, "http://127.0.0.1:9/x", Some(("8 Uhr", "07:30"))),
    );
    std::fs::write(&path, &text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sturmglas"))
        .arg("check")
        .arg("-c")
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .position(|l| l.contains("8 Uhr"))
        .map(|i| i + 1)
        .unwrap();
    assert!(
        stderr.contains(&format!("sturmglas.toml:{line}:13:")),
        "{stderr}"
    );
    assert!(stderr.contains("HH:MM"), "{stderr}");
}
