//! From NATS to counted: mention records already in a JetStream stream, read by
//! `[[sources.nats]]` of an in-process daemon pinned to one core (the runtime and the core
//! thread share CPU 0), each batch acknowledged after its ingest transaction committed.
//!
//! Run: `cargo bench --bench nats` (needs `nats-server` on the PATH or in /usr/bin). Prints
//! mentions per second from the daemon's start until the brand counts reach the total, for
//! 10 brands and 50,000 records in batches of 500.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const N: usize = 50_000;
const TEXTS: &[&str] = &[
    "Nordwind Energie hat schon wieder die Preise erhöht, eine Frechheit!",
    "Just switched to brand7, the app is great and support answered in minutes",
    "Heute im Radio: brand4 eröffnet ein neues Werk in Leipzig.",
    "Wer kennt einen guten Stromanbieter? Bitte Tipps!",
    "@brand3 my order never arrived and nobody answers. Worst service ever.",
    "brand9 und brand5 im Vergleich: beide teuer, aber ok",
];

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn pin_to_one_core() {
    // SAFETY: a zeroed cpu_set_t is valid; CPU_SET writes within it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(0, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bin = if std::path::Path::new("/usr/bin/nats-server").is_file() {
        "/usr/bin/nats-server"
    } else {
        "nats-server"
    };
    let mut server = Command::new(bin)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir.path().join("nats"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server (apt-get install nats-server)");
    let url = format!("nats://127.0.0.1:{port}");
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let js = async_nats::jetstream::new(async_nats::connect(&url).await.unwrap());
        js.get_or_create_stream(async_nats::jetstream::stream::Config {
            name: "STURMGLAS_MENTIONS".into(),
            subjects: vec!["sturmglas.mentions.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
        let mut acks = Vec::new();
        for i in 0..N {
            let body = serde_json::json!({"id": format!("b{i}"), "text": TEXTS[i % TEXTS.len()], "author": format!("u{i}")});
            let msg = async_nats::jetstream::message::PublishMessage::build()
                .payload(serde_json::to_vec(&body).unwrap().into())
                .message_id(format!("b{i}"));
            acks.push(js.send_publish("sturmglas.mentions.bench", msg).await.unwrap());
            if acks.len() == 1000 {
                for a in acks.drain(..) {
                    a.await.unwrap();
                }
            }
        }
        for a in acks {
            a.await.unwrap();
        }
    });
    drop(rt);

    let mut text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\ntick = \"1s\"\n[storage]\nstate_dir = \"{}\"\n[[sources.nats]]\nurl = \"{url}\"\nbatch = 500\n",
        dir.path().join("state").display()
    );
    text.push_str("[[brands]]\nname = \"Nordwind Energie\"\nkeywords = [\"Nordwind\"]\n");
    for b in 1..10 {
        text.push_str(&format!(
            "[[brands]]\nname = \"brand{b}\"\nkeywords = [\"brand{b}\"]\n"
        ));
    }
    let cfg_path = dir.path().join("bench.toml");
    std::fs::write(&cfg_path, &text).unwrap();
    let cfg = sturmglas::config::load(&cfg_path).unwrap();

    pin_to_one_core();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let per_sec = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let started = Instant::now();
        let running = tokio::spawn(sturmglas::daemon::run(cfg, listener, async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::new();
        // Every record names at most one brand; those naming none still count as ingested.
        let elapsed = loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let Ok(r) = http.get(format!("{base}/metrics")).send().await else {
                continue;
            };
            let body = r.text().await.unwrap_or_default();
            let n = body
                .lines()
                .find(|l| {
                    l.starts_with("sturmglas_ingested_total{")
                        && l.contains("source=\"nats\"")
                        && l.contains("result=\"accepted\"")
                })
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0);
            if n as usize >= N {
                break started.elapsed();
            }
            assert!(started.elapsed() < Duration::from_secs(600), "stuck at {n}");
        };
        let _ = stop.send(());
        let _ = running.await;
        N as f64 / elapsed.as_secs_f64()
    });
    println!("nats → counted, one core: {N} mentions, {per_sec:.0} mentions/s");
    let _ = server.kill();
    let _ = server.wait();
}
