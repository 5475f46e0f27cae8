//! The crash proof of issue 19, against the real binary: 24 kill -9s at random moments during
//! sustained ingest and a storm, with real SMTP and HTTP receivers on loopback. At the end the
//! brand's count equals the mentions that got a 202, exactly, and every recorded alert reached
//! each channel at least once and at most once — a second copy is allowed only when a kill
//! fell between the receiver taking the first and the next start (the reply came back but the
//! outbox could not mark it sent). Those are counted and printed.

mod harness;
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use harness::{config, free_port, Daemon, TOKEN};
use rand::Rng;
use support::smtp::SmtpServer;
use support::webhook::WebhookReceiver;

const KILLS: usize = 24;
const ANGRY: &str = "Nordwind ist eine Abzocke, Skandal! Nie wieder Nordwind!";
const CALM: &str = "Nordwind hat heute neue Tarife vorgestellt";

/// A batch of `n` mentions with ids from `next`; angry ones once the storm has begun.
fn batch(next: &mut usize, n: usize, storm: bool) -> String {
    let mut out = String::new();
    for _ in 0..n {
        let i = *next;
        *next += 1;
        let text = if storm && i % 5 != 0 { ANGRY } else { CALM };
        out.push_str(
            &serde_json::json!({"id": format!("m{i}"), "text": text, "author": format!("u{i}")})
                .to_string(),
        );
        out.push('\n');
    }
    out
}

/// Posts a batch; `Some(acknowledged)` on a 202: the mentions the daemon now holds for this
/// batch, new ones and those it already had (a batch re-sent after a kill took its reply may
/// have been committed before the kill: its mentions come back as duplicates, counted once).
async fn post(client: &reqwest::Client, port: u16, body: &str) -> Option<u64> {
    let r = client
        .post(format!("http://127.0.0.1:{port}/api/v1/mentions"))
        .bearer_auth(TOKEN)
        .body(body.to_string())
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    if r.status() != 202 {
        return None;
    }
    let j: serde_json::Value = r.json().await.ok()?;
    Some(j["accepted"].as_u64()? + j["duplicates"].as_u64()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_ingest_and_a_storm_loses_nothing_and_sends_nothing_twice() {
    let smtp = SmtpServer::start();
    let hook = WebhookReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = format!(
        "[[brands]]\nname = \"Nordwind Energie\"\nkeywords = [\"Nordwind\"]\n\n\
         [notify.retry]\ninitial_backoff = \"200ms\"\nmax_backoff = \"1s\"\n\n\
         [[notify.email]]\nname = \"mail\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\n\
         tls = \"none\"\nfrom = \"sturmglas@example.org\"\nto = [\"pr@example.org\"]\n\
         min_level = \"warning\"\nsend_resolved = true\nrate_per_minute = 1000\n\n\
         [[notify.webhook]]\nname = \"hook\"\nurl = \"{}\"\nformat = \"json\"\n\
         min_level = \"warning\"\nsend_resolved = true\nrate_per_minute = 1000\n",
        smtp.port(),
        hook.url("/hook")
    );
    let started = Instant::now();
    let mut d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;
    let client = reqwest::Client::new();
    let mut rng = rand::thread_rng();
    let mut next = 0usize;
    let mut accepted = 0u64;
    // A batch whose reply the kill took: sent again after the restart, where the dedup keys
    // decide whether it had been committed.
    let mut unknown: Option<String> = None;
    let mut kills: Vec<Instant> = Vec::new();
    for round in 0..KILLS {
        // Calm first, so the detector has a baseline, then the storm.
        let storm = round >= 4;
        if let Some(body) = unknown.take() {
            match post(&client, port, &body).await {
                Some(n) => accepted += n,
                None => unknown = Some(body),
            }
        }
        let kill_at = Instant::now() + Duration::from_millis(rng.gen_range(150..1200));
        let port_copy = port;
        let mut in_flight: Vec<(String, tokio::task::JoinHandle<Option<u64>>)> = Vec::new();
        while Instant::now() < kill_at {
            let n = if storm { 40 } else { 5 };
            let body = batch(&mut next, n, storm);
            let c = client.clone();
            let b = body.clone();
            in_flight.push((
                body,
                tokio::spawn(async move { post(&c, port_copy, &b).await }),
            ));
            tokio::time::sleep(Duration::from_millis(rng.gen_range(5..40))).await;
        }
        d.signal("KILL");
        kills.push(Instant::now());
        for (body, h) in in_flight {
            match h.await.unwrap() {
                Some(n) => accepted += n,
                None => {
                    // At most one batch is carried; the others are merged into it (ids decide).
                    let merged = unknown.take().unwrap_or_default() + &body;
                    unknown = Some(merged);
                }
            }
        }
        drop(d);
        d = Daemon::start_existing(dir.path(), port).await;
    }
    while let Some(body) = unknown.take() {
        match post(&client, port, &body).await {
            Some(n) => accepted += n,
            None => unknown = Some(body),
        }
    }
    let count = d.brand("Nordwind Energie").await["mentions"]
        .as_u64()
        .unwrap();
    // Every mention sent was acknowledged in the end (re-sent until a 202 came), and the
    // count is exactly the acknowledged mentions: none lost, none counted twice.
    assert_eq!(
        accepted, next as u64,
        "acknowledged {accepted} of {next} sent"
    );
    assert_eq!(
        count, accepted,
        "counted {count}, acknowledged {accepted} of {next} sent"
    );

    // Every alert recorded, delivered to both channels; wait until the outbox is empty.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let m = d.metrics().await;
        let pending = m
            .lines()
            .find(|l| l.starts_with("sturmglas_outbox_pending"))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(1.0);
        if pending == 0.0 {
            break;
        }
        assert!(Instant::now() < deadline, "outbox not drained:\n{m}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let alerts = d.get_json("/api/v1/alerts?limit=1000").await;
    let alerts = alerts.as_array().unwrap();
    assert!(
        alerts.iter().any(|a| a["kind"] == "storm"),
        "no storm alert in {alerts:#?}\n{}",
        d.log()
    );

    let mut by_hook: HashMap<String, Vec<Instant>> = HashMap::new();
    for r in hook.requests() {
        by_hook
            .entry(r.json()["id"].as_str().unwrap_or("").to_string())
            .or_default()
            .push(r.at);
    }
    let mut by_mail: HashMap<String, Vec<Instant>> = HashMap::new();
    for m in smtp.messages() {
        by_mail
            .entry(m.header("Message-ID").unwrap_or_default())
            .or_default()
            .push(m.at);
    }
    assert_eq!(by_hook.len(), alerts.len(), "webhook: one per alert");
    assert_eq!(by_mail.len(), alerts.len(), "email: one per alert");
    for a in alerts {
        let id = a["id"].as_str().unwrap();
        assert!(
            by_hook.contains_key(id),
            "alert {id} never reached the webhook"
        );
    }
    // A copy beyond the first is allowed only if a kill lies between the two receipts.
    let mut duplicates = 0;
    for (channel, map) in [("webhook", &by_hook), ("email", &by_mail)] {
        for (id, times) in map {
            for pair in times.windows(2) {
                let explained = kills.iter().any(|k| pair[0] <= *k && *k <= pair[1]);
                assert!(
                    explained,
                    "{channel} got {id} twice with no kill in between"
                );
                duplicates += 1;
            }
        }
    }
    println!(
        "crash test: {KILLS} kill -9s in {:.1?}; {next} mentions sent, {accepted} acknowledged, \
         {count} counted; {} alerts recorded, delivered to webhook and email; {duplicates} \
         duplicate deliveries, each with a kill between receiver reply and outbox update",
        started.elapsed(),
        alerts.len()
    );
}
