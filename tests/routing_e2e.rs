//! End-to-end, routing per channel: the real daemon on loopback with real webhook receivers.
//! A mute interval holds a warning, passes a critical and releases the warning when it ends;
//! `kinds` keeps a reach alert away from a storms-only channel; an unacknowledged critical storm
//! escalates after `escalate_after` (across a restart), an acknowledged one does not; an
//! invalid time interval is reported by `check` with line and column.

mod harness;
mod support;

use std::time::Duration;

use chrono::Timelike;
use harness::{config, free_port, ndjson, Daemon, InProcess, TOKEN};
use serde_json::{json, Value};
use support::webhook::WebhookReceiver;

const ANGRY: &str = "Nordwind ist eine Abzocke, Skandal! Nie wieder!";

fn hook(name: &str, url: &str, keys: &str) -> String {
    format!("[[notify.webhook]]\nname = \"{name}\"\nurl = \"{url}\"\n{keys}\n")
}

const RETRY: &str = "[notify.retry]\ninitial_backoff = \"200ms\"\nmax_backoff = \"1s\"\n";

/// Polls `/metrics` until it holds `line`.
async fn wait_metric(d: &Daemon, line: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !d.metrics().await.contains(line) {
        assert!(
            std::time::Instant::now() < deadline,
            "no {line:?} in /metrics:\n{}",
            d.metrics().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn bodies(r: &WebhookReceiver) -> Vec<Value> {
    r.requests().iter().map(|q| q.json()).collect()
}

/// The daemon in-process (`daemon::run`), so that the test can place the mute interval around
/// the current second (the config file's times are whole minutes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mute_interval_holds_a_warning_passes_a_critical_and_releases_the_warning_at_its_end() {
    let chat = WebhookReceiver::start().await;
    let pager = WebhookReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let extra = format!(
        "[[brands]]\nname = \"Nordwind Energie\"\nkeywords = [\"Nordwind\"]\n\
         [brands.thresholds]\nreach_alert = 100000\n\n\
         [[time_intervals]]\nname = \"nachts\"\ntimezone = \"Europe/Berlin\"\n\
         times = [{{ start = \"22:00\", end = \"07:00\" }}]\n\n\
         {}{}{RETRY}",
        hook(
            "chat",
            &chat.url("/chat"),
            "mute_time_intervals = [\"nachts\"]"
        ),
        hook("pager", &pager.url("/pager"), ""),
    );
    // Whole seconds: the interval may end up to a second before `now + 12`.
    let ends = std::time::Instant::now() + Duration::from_secs(11);
    let daemon = InProcess::start(
        dir.path(),
        |port| config(port, dir.path(), &extra),
        |cfg| {
            // "Night" is now: from a minute ago until 12 seconds from now (UTC).
            let now = chrono::Utc::now().num_seconds_from_midnight();
            let night = &mut cfg.notify.webhook[0].filter.routing.mute[0];
            night.timezone = chrono_tz::UTC;
            night.times[0].start = (now + 86_400 - 60) % 86_400;
            night.times[0].end = (now + 12) % 86_400;
        },
    )
    .await;
    let d = &daemon.d;

    // A warning (one angry post with a large reach): to the pager now, held for the chat.
    let loud = json!({"id": "loud", "text": ANGRY, "author": "bigvoice", "reach": 250_000});
    d.post_mentions(loud.to_string(), Some(TOKEN)).await;
    let paged = pager.wait_for(1, Duration::from_secs(10)).await;
    let warning = paged[0].json();
    assert_eq!(
        (warning["kind"].as_str(), warning["level"].as_str()),
        (Some("reach"), Some("warning")),
        "{warning}"
    );
    wait_metric(d, "sturmglas_notices_held{reason=\"interval\"} 1\n").await;
    assert!(
        chat.requests().is_empty(),
        "a warning was sent in the mute interval"
    );

    // A critical storm goes through the mute interval at once.
    d.post_mentions(ndjson("n", 120, ANGRY), Some(TOKEN)).await;
    let got = chat.wait_for(1, Duration::from_secs(10)).await;
    let critical = got[0].json();
    assert_eq!(critical["level"], "critical", "{critical}");
    assert_eq!(critical["kind"], "storm", "{critical}");
    assert!(
        std::time::Instant::now() < ends,
        "the storm came after the interval ended; the test proves nothing"
    );

    // The interval ends: the held warning (its post still counts) goes out once.
    let got = chat.wait_for(2, Duration::from_secs(25)).await;
    let released = got[1].json();
    assert!(std::time::Instant::now() >= ends);
    assert_eq!(released["id"], warning["id"], "{released}");
    assert!(released.get("silenced_by").is_none(), "{released}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let kinds: Vec<_> = bodies(&chat)
        .iter()
        .map(|b| b["kind"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "reach").count(),
        1,
        "released more than once: {kinds:?}"
    );
    assert!(d
        .metrics()
        .await
        .contains("sturmglas_notices_held{reason=\"interval\"} 0\n"));

    daemon.stop().await;
}

/// `kinds` is checked with a reach alert beside the storm: both fire within a tick, where buzz
/// would need two real minutes of warmup and surge (the buzz kind's routing is unit-tested in
/// `notify::tests::targets_follow_kinds`).
#[tokio::test]
async fn kinds_keep_a_reach_alert_away_from_a_storms_only_channel() {
    let storms = WebhookReceiver::start().await;
    let all = WebhookReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = format!(
        "[[brands]]\nname = \"Sonnenschein\"\nkeywords = [\"Sonnenschein\"]\n\
         [brands.thresholds]\nreach_alert = 100000\n\n\
         [[brands]]\nname = \"Nordwind Energie\"\nkeywords = [\"Nordwind\"]\n\n{}{}{RETRY}",
        hook("storms", &storms.url("/storms"), "kinds = [\"storm\"]"),
        hook("all", &all.url("/all"), ""),
    );
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;
    // A storm reaches both channels: the storms channel works.
    d.post_mentions(ndjson("n", 120, ANGRY), Some(TOKEN)).await;
    let got = storms.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(got[0].json()["kind"], "storm");
    all.wait_for(1, Duration::from_secs(15)).await;

    // One angry post with a large reach about the other brand: a reach alert, for "all" only.
    let loud = json!({
        "id": "loud",
        "text": "Sonnenschein ist eine Abzocke, Skandal! Nie wieder!",
        "author": "bigvoice",
        "reach": 250_000
    });
    d.post_mentions(loud.to_string(), Some(TOKEN)).await;
    let got = all.wait_for(2, Duration::from_secs(15)).await;
    let reach = got[1].json();
    assert_eq!(reach["kind"], "reach", "{reach}");
    assert_eq!(reach["brand"], "Sonnenschein");
    // The storms channel is kept from it, not merely late.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let to_storms: Vec<_> = bodies(&storms)
        .iter()
        .map(|b| b["kind"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(to_storms, vec!["storm"]);
}

fn escalation_config(team: &WebhookReceiver, boss: &WebhookReceiver, after: &str) -> String {
    format!(
        "[[brands]]\nname = \"Nordwind Energie\"\nkeywords = [\"Nordwind\"]\n\n{}{}{RETRY}",
        hook("team", &team.url("/team"), ""),
        hook(
            "boss",
            &boss.url("/boss"),
            &format!("escalate_after = \"{after}\"")
        ),
    )
}

#[tokio::test]
async fn an_unacknowledged_critical_storm_escalates_after_escalate_after_across_a_restart() {
    let team = WebhookReceiver::start().await;
    let boss = WebhookReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let text = config(port, dir.path(), &escalation_config(&team, &boss, "6s"));
    let mut d = Daemon::start(dir.path(), port, &text).await;
    d.post_mentions(ndjson("n", 120, ANGRY), Some(TOKEN)).await;
    let got = team.wait_for(1, Duration::from_secs(10)).await;
    let fired = std::time::Instant::now();
    let first = got[0].json();
    assert_eq!(first["level"], "critical", "{first}");
    wait_metric(&d, "sturmglas_notices_held{reason=\"escalation\"} 1\n").await;
    // The hold survives a restart in the middle of the wait.
    assert!(d.stop().await.success());
    assert!(
        boss.requests().is_empty(),
        "escalated before escalate_after"
    );
    let mut d = Daemon::start_existing(dir.path(), port).await;
    let got = boss.wait_for(1, Duration::from_secs(20)).await;
    assert!(
        fired.elapsed() >= Duration::from_secs(5),
        "escalated after {:?}",
        fired.elapsed()
    );
    let escalated = got[0].json();
    assert_eq!(escalated["brand"], "Nordwind Energie");
    assert_eq!(escalated["level"], "critical");
    assert_eq!(escalated["status"], "firing");
    // Exactly once, also after a kill -9 and a restart.
    d.signal("KILL");
    let _ = d.child.take().map(|mut c| c.wait());
    let d = Daemon::start_existing(dir.path(), port).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(boss.requests().len(), 1, "escalated more than once");
    drop(d);
}

#[tokio::test]
async fn an_acknowledged_storm_does_not_escalate() {
    let team = WebhookReceiver::start().await;
    let boss = WebhookReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let text = config(port, dir.path(), &escalation_config(&team, &boss, "4s"));
    let d = Daemon::start(dir.path(), port, &text).await;
    d.post_mentions(ndjson("n", 120, ANGRY), Some(TOKEN)).await;
    let got = team.wait_for(1, Duration::from_secs(10)).await;
    let id = got[0].json()["id"].as_str().unwrap().to_string();
    let r = reqwest::Client::new()
        .post(d.url(&format!("/api/v1/alerts/{id}/ack")))
        .json(&json!({"by": "anna", "comment": "Statement kommt"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Well past escalate_after: the hold ended without a notice.
    wait_metric(&d, "sturmglas_notices_held{reason=\"escalation\"} 0\n").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        boss.requests().is_empty(),
        "an acknowledged storm escalated: {:?}",
        bodies(&boss)
    );
    assert!(!team.requests().is_empty());
}

#[test]
fn check_reports_an_invalid_time_interval_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sturmglas.toml");
    std::fs::write(
        &path,
        "[[brands]]\nname = \"Nordwind\"\nkeywords = [\"nordwind\"]\n\n\
         [[time_intervals]]\nname = \"nachts\"\ntimezone = \"Europe/Berlin\"\n\
         times = [{ start = \"22:00\", end = \"7 Uhr\" }]\nweekdays = [\"montag:freitag\"]\n\n\
         [[notify.webhook]]\nname = \"chat\"\nurl = \"http://127.0.0.1:9/x\"\n\
         mute_time_intervals = [\"nachtz\"]\nkinds = [\"sturm\"]\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sturmglas"))
        .args(["check", "-c"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let p = path.display();
    for expected in [
        format!("{p}:8:35: invalid time \"7 Uhr\""),
        format!("{p}:9:13: unknown weekday \"montag\""),
        format!("{p}:14:24: unknown time interval \"nachtz\""),
        format!("{p}:15:10: unknown alert kind \"sturm\""),
    ] {
        assert!(err.contains(&expected), "missing {expected:?} in:\n{err}");
    }
}
