//! End-to-end: a storm posted to a running daemon is archived; the series and mentions
//! endpoints answer from the archive over real HTTP (and refuse bad requests with 400, unknown
//! brands with 404); `sturmglas export`, run beside the live daemon, writes the archive as
//! mention records from which `backtest --format jsonl` raises the same alerts as from the
//! original posts.

mod harness;

use std::process::Command;

use chrono::{Duration, SecondsFormat, Utc};
use harness::{config, free_port, stdout_ok, Daemon, TOKEN};
use serde_json::{json, Value};

const BRANDS: &str = r##"
[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]
"##;

const BRAND_PATH: &str = "Nordwind%20Energie";

fn rfc(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// 120 angry posts over the last four minutes, 5 calm ones before them, 3 about something
/// else: one NDJSON body.
fn posts(now: chrono::DateTime<Utc>) -> String {
    let mut lines = Vec::new();
    for i in 0..5 {
        let at = now - Duration::seconds(300 - i);
        lines.push(json!({"id": format!("calm{i}"), "source": "rss", "text": "Nordwind eröffnet heute ein neues Büro in Kiel.", "created_at": rfc(at), "author": format!("calm{i}")}));
    }
    for i in 0..120 {
        let at = now - Duration::seconds(240 - 2 * i);
        lines.push(json!({"id": format!("n{i}"), "source": "mastodon", "text": "Nordwind ist eine Abzocke, Skandal! Nie wieder!", "created_at": rfc(at), "author": format!("user{i}"), "reach": i * 10, "url": format!("https://example.org/n{i}")}));
    }
    for i in 0..3 {
        let at = now - Duration::seconds(100 + i);
        lines.push(json!({"id": format!("other{i}"), "text": "Das Wetter ist schrecklich.", "created_at": rfc(at)}));
    }
    lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

async fn get(d: &Daemon, path: &str) -> (u16, Value) {
    let r = reqwest::get(d.url(path)).await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l.contains("Nordwind Energie"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} not in metrics:\n{text}"))
}

#[tokio::test]
async fn the_archive_answers_series_mentions_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), BRANDS)).await;
    let now = Utc::now();
    let body = posts(now);
    let (status, summary) = d.post_mentions(body.clone(), Some(TOKEN)).await;
    assert_eq!(status, 202, "{summary}");
    assert_eq!(summary["matched"], 125, "{summary}");

    // The series: every matched post in its 5-minute bucket, as many as the daemon counted.
    let from = rfc(now - Duration::hours(1));
    let to = rfc(now + Duration::minutes(5));
    let (status, s) = get(
        &d,
        &format!("/api/v1/brands/{BRAND_PATH}/series?from={from}&to={to}&step=5m"),
    )
    .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["brand"], "Nordwind Energie");
    assert_eq!(s["step_seconds"], 300);
    let points = s["points"].as_array().unwrap();
    let (f, t) = (
        (now - Duration::hours(1)).timestamp(),
        (now + Duration::minutes(5)).timestamp(),
    );
    assert_eq!(points.len() as i64, (t - 1) / 300 - f / 300 + 1);
    let sum = |k: &str| points.iter().map(|p| p[k].as_u64().unwrap()).sum::<u64>();
    let metrics = d.metrics().await;
    assert_eq!(sum("mentions"), 125);
    assert_eq!(
        sum("mentions") as f64,
        metric(&metrics, "sturmglas_mentions_total{")
    );
    assert_eq!(
        sum("negative") as f64,
        metric(&metrics, "sturmglas_negative_mentions_total{")
    );
    assert!(sum("negative") >= 120, "{s}");
    for p in points {
        assert!(p["expected"].as_f64().unwrap() >= 0.0, "{p}");
        assert!(p["t"].as_str().unwrap().ends_with(":00Z"), "{p}");
    }
    // The defaults: the last 24 hours in 5-minute steps.
    let (status, s) = get(&d, &format!("/api/v1/brands/{BRAND_PATH}/series")).await;
    assert_eq!(status, 200, "{s}");
    assert!(
        matches!(s["points"].as_array().unwrap().len(), 288 | 289),
        "{s}"
    );

    // The mentions: newest first, with score and label, filtered by label and limited.
    let (status, m) = get(
        &d,
        &format!("/api/v1/brands/{BRAND_PATH}/mentions?label=negative&limit=10"),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    let m = m.as_array().unwrap();
    assert_eq!(m.len(), 10);
    assert_eq!(m[0]["id"], "n119");
    assert_eq!(
        m[0]["text"],
        "Nordwind ist eine Abzocke, Skandal! Nie wieder!"
    );
    assert_eq!(m[0]["author"], "user119");
    assert_eq!(m[0]["url"], "https://example.org/n119");
    assert_eq!(m[0]["reach"], 1190);
    assert_eq!(m[0]["source"], "mastodon");
    assert_eq!(m[0]["label"], "negative");
    assert!(m[0]["score"].as_f64().unwrap() < 0.0);
    let times: Vec<&str> = m
        .iter()
        .map(|x| x["created_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    let (_, all) = get(
        &d,
        &format!("/api/v1/brands/{BRAND_PATH}/mentions?limit=1000"),
    )
    .await;
    assert_eq!(
        all.as_array().unwrap().len(),
        125,
        "unmatched posts are not archived"
    );
    let (_, rss) = get(
        &d,
        &format!("/api/v1/brands/{BRAND_PATH}/mentions?source=rss"),
    )
    .await;
    assert_eq!(rss.as_array().unwrap().len(), 5);
    let (_, none) = get(
        &d,
        &format!(
            "/api/v1/brands/{BRAND_PATH}/mentions?to={}",
            rfc(now - Duration::minutes(10))
        ),
    )
    .await;
    assert_eq!(none.as_array().unwrap().len(), 0);

    // Bad requests name what is wrong; unknown brands are 404.
    let day_ago = rfc(now - Duration::days(1));
    let month_ago = rfc(now - Duration::days(30));
    for (query, says) in [
        ("series?from=yesterday", "from"),
        (&format!("series?from={to}&to={from}") as &str, "before"),
        ("series?step=soon", "step"),
        ("series?step=10s", "at least"),
        (&format!("series?from={month_ago}&step=1m"), "at most"),
        ("mentions?label=angry", "label"),
        ("mentions?limit=0", "limit"),
        (&format!("mentions?to={day_ago}&from={day_ago}"), "before"),
    ] {
        let (status, e) = get(&d, &format!("/api/v1/brands/{BRAND_PATH}/{query}")).await;
        assert_eq!(status, 400, "{query}: {e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{query}: {e}");
    }
    for route in ["series", "mentions"] {
        let (status, e) = get(&d, &format!("/api/v1/brands/Nobody/{route}")).await;
        assert_eq!(status, 404, "{route}: {e}");
    }

    // Export beside the running daemon, then backtest it and the original posts.
    let cfg = dir.path().join("sturmglas.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_sturmglas"))
        .args(["export", "-c"])
        .arg(&cfg)
        .args(["--brand", "Nordwind Energie", "--from", &from, "--to", &to])
        .output()
        .unwrap();
    let exported = stdout_ok(&out);
    assert_eq!(exported.lines().count(), 125, "{exported}");
    let original = dir.path().join("original.jsonl");
    let archive = dir.path().join("history.jsonl");
    std::fs::write(&original, &body).unwrap();
    std::fs::write(&archive, &exported).unwrap();
    let backtest = |input: &std::path::Path| -> Vec<Value> {
        let out = Command::new(env!("CARGO_BIN_EXE_sturmglas"))
            .args(["backtest", "--format", "jsonl", "--json", "-c"])
            .arg(&cfg)
            .arg("--input")
            .arg(input)
            .output()
            .unwrap();
        stdout_ok(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let key = |alerts: &[Value]| -> Vec<String> {
        alerts
            .iter()
            .map(|a| {
                format!(
                    "{} {} {} {} {} {}",
                    a["status"],
                    a["level"],
                    a["kind"],
                    a["mentions"],
                    a["negative_share"],
                    a["observed_at"]
                )
            })
            .collect()
    };
    let from_original = backtest(&original);
    let from_archive = backtest(&archive);
    assert!(!from_original.is_empty(), "the storm raises an alert");
    assert_eq!(key(&from_archive), key(&from_original));
    // An export of every brand, and a refused one.
    let out = Command::new(env!("CARGO_BIN_EXE_sturmglas"))
        .args(["export", "-c"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(stdout_ok(&out).lines().count(), 125);
    let out = Command::new(env!("CARGO_BIN_EXE_sturmglas"))
        .args(["export", "-c"])
        .arg(&cfg)
        .args(["--brand", "Nobody"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nobody"));
}
