//! Ingest throughput over HTTP: one client posting NDJSON batches of 1,000 mentions to the real
//! daemon (the release binary), each batch answered with its 202 only once its dedup keys,
//! counts and cursor are committed.
//!
//! Run: `cargo bench --bench ingest`. Prints mentions per second over 300 batches (after 20 of
//! warm-up), for a config of 10 brands.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token-0123456789";
const BATCH: usize = 1_000;
const WARMUP: usize = 20;
const BATCHES: usize = 300;

const TEXTS: &[&str] = &[
    "Nordwind Energie hat schon wieder die Preise erhöht, eine Frechheit!",
    "Just switched to brand7, the app is great and support answered in minutes",
    "Heute im Radio: brand4 eröffnet ein neues Werk in Leipzig.",
    "Wer kennt einen guten Stromanbieter? Bitte Tipps!",
    "@brand3 my order never arrived and nobody answers. Worst service ever.",
    "Was für ein schöner Tag am See, endlich Sonne.",
    "brand9 und brand5 im Vergleich: beide teuer, aber ok",
    "lol this meme is everything",
];

fn body(batch: usize) -> String {
    let now = chrono::Utc::now().to_rfc3339();
    let mut s = String::with_capacity(BATCH * 160);
    for i in 0..BATCH {
        let text = TEXTS[(batch * BATCH + i) % TEXTS.len()];
        s.push_str(&format!(
            "{{\"id\":\"bench:{batch}:{i}\",\"text\":\"{text}\",\"created_at\":\"{now}\",\"author\":\"u{i}\"}}\n"
        ));
    }
    s
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\ningest_token = \"{TOKEN}\"\nmax_body_bytes = 4194304\n\n[storage]\nstate_dir = \"{}\"\n\n",
        dir.path().join("state").display()
    );
    config
        .push_str("[[brands]]\nname = \"Nordwind Energie\"\nkeywords = [\"Nordwind Energie\"]\n\n");
    for i in 0..9 {
        config.push_str(&format!(
            "[[brands]]\nname = \"Brand {i}\"\nkeywords = [\"brand{i}\", \"@brand{i}\"]\n\n"
        ));
    }
    config.push_str("[[notify.webhook]]\nname = \"sink\"\nurl = \"http://127.0.0.1:9/hook\"\n");
    let path = dir.path().join("sturmglas.toml");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(config.as_bytes()))
        .expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sturmglas"))
        .arg("run")
        .arg("-c")
        .arg(&path)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sturmglas");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let url = format!("http://127.0.0.1:{port}/api/v1/mentions");
    let health = format!("http://127.0.0.1:{port}/healthz");
    let bodies: Vec<String> = (0..WARMUP + BATCHES).map(body).collect();
    let result = rt.block_on(async {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client
            .get(&health)
            .send()
            .await
            .map(|r| r.status() != 200)
            .unwrap_or(true)
        {
            assert!(Instant::now() < deadline, "daemon did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut started = Instant::now();
        let mut accepted = 0u64;
        for (n, b) in bodies.into_iter().enumerate() {
            if n == WARMUP {
                started = Instant::now();
                accepted = 0;
            }
            let r = client
                .post(&url)
                .bearer_auth(TOKEN)
                .body(b)
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), 202, "{}", r.text().await.unwrap_or_default());
            let v: serde_json::Value = r.json().await.expect("json");
            accepted += v["accepted"].as_u64().unwrap_or(0);
        }
        (accepted, started.elapsed())
    });
    let _ = child.kill();
    let _ = child.wait();
    let (accepted, took) = result;
    println!(
        "ingest over HTTP, NDJSON batches of {BATCH}, one client: {:>8.0} mentions/s ({accepted} accepted in {:.2} s)",
        accepted as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );
}
