//! NATS JetStream end to end, against a real `nats-server -js` started by each test on
//! loopback (Debian's `nats-server` package; `.ci/run` installs it): `collect` publishes an
//! Atom feed's posts to the stream and a daemon reading it with `[[sources.nats]]` sends the
//! storm email over real SMTP; a consuming daemon killed with SIGKILL mid-storm counts every
//! mention exactly once after its restart; two shards split the brands.
//!
//! A machine without `nats-server` fails these tests with a message saying so: they never
//! skip.

mod harness;
mod sources_support;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::header;
use axum::routing::get;
use axum::Router;
use harness::{config, free_port, Daemon};
use support::smtp::SmtpServer;

const BRANDS: &str = r##"
[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]
"##;

const ANGRY: &str = "Nordwind ist eine Abzocke, Skandal! Nie wieder!";

/// A `nats-server -js` on a free loopback port with its store in a temporary directory;
/// killed on drop.
struct NatsServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl NatsServer {
    fn start() -> NatsServer {
        let bin = ["/usr/bin/nats-server", "/usr/local/bin/nats-server"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("nats-server"));
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new(&bin)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}): these tests need NATS's server; install it with \
                     `apt-get install nats-server` (the tests never skip)",
                    bin.display()
                )
            });
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        NatsServer {
            child,
            port,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    async fn jetstream(&self) -> async_nats::jetstream::Context {
        // The server may still be starting (a reset on the first connect under load).
        let mut tries = 0;
        let c = loop {
            match async_nats::connect(self.url()).await {
                Ok(c) => break c,
                Err(e) if tries < 50 => {
                    tries += 1;
                    eprintln!("nats connect: {e}; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot connect to nats-server: {e}"),
            }
        };
        async_nats::jetstream::new(c)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An Atom feed of `n` fresh entries that all mention the brand angrily.
fn angry_feed(n: usize) -> String {
    let now = chrono::Utc::now();
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:alerts</id><title>Alerts</title>"#,
    );
    s.push_str(&format!("<updated>{}</updated>", now.to_rfc3339()));
    for i in 0..n {
        let t = (now - chrono::Duration::seconds(i as i64)).to_rfc3339();
        s.push_str(&format!(
            "<entry><id>urn:entry:{i}</id><title>Nordwind ist eine Abzocke, Skandal! Nie wieder! ({i})</title>\
             <link href=\"https://news.example.com/{i}\"/><published>{t}</published><updated>{t}</updated>\
             <content type=\"html\">Kunden von Nordwind sind wütend.</content></entry>"
        ));
    }
    s.push_str("</feed>");
    s
}

fn email(smtp: &SmtpServer) -> String {
    format!(
        "[[notify.email]]\nname = \"pr\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\nfrom = \"sturmglas@example.org\"\nto = [\"pr@example.org\"]\n",
        smtp.port()
    )
}

/// `sturmglas collect` on the config in `dir`, its log in `dir/collect.log`; killed on drop.
struct Collector(Child);

impl Collector {
    fn start(dir: &Path, config_text: &str) -> Collector {
        let path = dir.join("collect.toml");
        std::fs::write(&path, config_text).unwrap();
        let log = std::fs::File::create(dir.join("collect.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_sturmglas"))
            .args(["collect", "-c"])
            .arg(&path)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Collector(child)
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn stream_messages(js: &async_nats::jetstream::Context) -> u64 {
    match js.get_stream("STURMGLAS_MENTIONS").await {
        Ok(mut s) => s.info().await.map(|i| i.state.messages).unwrap_or(0),
        Err(_) => 0,
    }
}

#[tokio::test]
async fn collect_publishes_a_feed_that_a_daemon_turns_into_a_storm_email() {
    let nats = NatsServer::start();
    let feed = angry_feed(120);
    let app = Router::new().route(
        "/alerts.atom",
        get(move || {
            let feed = feed.clone();
            async move { ([(header::CONTENT_TYPE, "application/atom+xml")], feed) }
        }),
    );
    let addr = sources_support::serve(app).await;

    // The collector: the feed in, the stream out; its own state dir for the cursor.
    let cdir = tempfile::tempdir().unwrap();
    let collect_cfg = format!(
        "[storage]\nstate_dir = \"{}\"\n{BRANDS}\n[[sources.rss]]\nname = \"alerts\"\nurl = \"http://{addr}/alerts.atom\"\ninterval = \"200ms\"\n\n[cluster]\nnats_url = \"{}\"\n",
        cdir.path().join("state").display(),
        nats.url()
    );
    let _collector = Collector::start(cdir.path(), &collect_cfg);
    let js = nats.jetstream().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while stream_messages(&js).await < 120 {
        assert!(
            Instant::now() < deadline,
            "collect did not publish; log:\n{}",
            std::fs::read_to_string(cdir.path().join("collect.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Polled again and again, the feed is published once (cursor and Nats-Msg-Id).
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(stream_messages(&js).await, 120);

    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = format!(
        "{BRANDS}\n[[sources.nats]]\nurl = \"{}\"\nbatch = 50\n\n{}",
        nats.url(),
        email(&smtp)
    );
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;
    let alerts = d
        .wait_alerts(30, |a| a.iter().any(|x| x["kind"] == "storm"))
        .await;
    let storm = alerts.iter().find(|x| x["kind"] == "storm").unwrap();
    assert_eq!(storm["brand"], "Nordwind Energie");
    let deadline = Instant::now() + Duration::from_secs(20);
    while d.brand("Nordwind Energie").await["mentions"] != 120 {
        assert!(
            Instant::now() < deadline,
            "not all 120 counted; log:\n{}",
            d.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mails = smtp.wait_for(1, Duration::from_secs(15)).await;
    let subject = mails[0].header("Subject").unwrap();
    assert!(subject.contains("storm: Nordwind Energie"), "{subject}");
    let sources = d.get_json("/api/v1/sources").await;
    let nats_src = sources
        .as_array()
        .and_then(|a| a.iter().find(|s| s["kind"] == "nats"))
        .cloned()
        .unwrap_or_else(|| panic!("no nats source in {sources}"));
    assert_eq!(nats_src["state"], "ok", "{nats_src}");
    assert_eq!(nats_src["items"], 120, "{nats_src}");
    // The lag gauge reads 0 once a pull finds the stream drained (at most one pull later).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let metrics = d.metrics().await;
        if metrics.contains(
            "sturmglas_nats_consumer_pending{source=\"nats:STURMGLAS_MENTIONS/sturmglas\"} 0",
        ) {
            break;
        }
        assert!(Instant::now() < deadline, "{metrics}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The angry mention record number `i` with id `{prefix}{i}`.
fn angry(prefix: &str, i: usize) -> serde_json::Value {
    serde_json::json!({"id": format!("{prefix}{i}"), "text": ANGRY, "author": format!("u{i}")})
}

/// Publishes each record to the stream with its `id` as `Nats-Msg-Id` and waits until the
/// server acknowledged all of them; returns how many that was.
async fn publish_records(
    js: &async_nats::jetstream::Context,
    records: impl IntoIterator<Item = serde_json::Value>,
) -> usize {
    let mut acks = Vec::new();
    let mut sent = 0;
    for body in records {
        let id = body["id"]
            .as_str()
            .expect("a record with an id")
            .to_string();
        let msg = async_nats::jetstream::message::PublishMessage::build()
            .payload(serde_json::to_vec(&body).unwrap().into())
            .message_id(&id);
        acks.push(
            js.send_publish("sturmglas.mentions.test", msg)
                .await
                .unwrap(),
        );
        sent += 1;
        // The client bounds the acks in flight: collect them as they come.
        if acks.len() == 500 {
            for a in acks.drain(..) {
                a.await.unwrap();
            }
        }
    }
    for a in acks {
        a.await.unwrap();
    }
    sent
}

/// Publishes `n` angry mention records (ids `{prefix}{i}`) straight into the stream.
async fn publish(js: &async_nats::jetstream::Context, prefix: &str, n: usize) {
    js.get_or_create_stream(async_nats::jetstream::stream::Config {
        name: "STURMGLAS_MENTIONS".into(),
        subjects: vec!["sturmglas.mentions.>".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    publish_records(js, (0..n).map(|i| angry(prefix, i))).await;
}

/// The durable consumer `durable` of the mention stream, as the server sees it.
async fn consumer_info(
    js: &async_nats::jetstream::Context,
    durable: &str,
) -> Option<async_nats::jetstream::consumer::Info> {
    let stream = js.get_stream("STURMGLAS_MENTIONS").await.ok()?;
    let mut c = stream
        .get_consumer::<async_nats::jetstream::consumer::pull::Config>(durable)
        .await
        .ok()?;
    c.info().await.ok().cloned()
}

/// Publishes `n` angry records (ids `{prefix}{i}`) in chunks of 100 with a pause between
/// chunks, so that publishing lasts a few seconds; a malformed record goes in after the first
/// half. `published` counts what the server acknowledged.
async fn publish_slowly(
    js: async_nats::jetstream::Context,
    prefix: &'static str,
    n: usize,
    published: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::Ordering;
    for chunk in 0..n.div_ceil(100) {
        let range = chunk * 100..((chunk + 1) * 100).min(n);
        let sent = publish_records(&js, range.map(|i| angry(prefix, i))).await;
        published.fetch_add(sent, Ordering::SeqCst);
        if chunk == n / 200 {
            // A malformed record in the middle: reported and terminated, the rest still counts.
            js.publish("sturmglas.mentions.test", "{not json".into())
                .await
                .unwrap()
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(80)).await;
    }
}

/// SIGKILL lands while the publisher is still publishing and while the consumer holds
/// messages it has not acknowledged (the server's view after the kill: delivered beyond the
/// ack floor); after the restart every mention counts exactly once.
#[tokio::test]
async fn a_consumer_killed_mid_storm_counts_every_mention_once_after_restart() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let nats = NatsServer::start();
    let js = nats.jetstream().await;
    publish(&js, "warm", 0).await;
    const N: usize = 6000;

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // Small batches, so a kill lands between committed batches and in-flight ones.
    let extra = format!(
        "{BRANDS}\n[[sources.nats]]\nurl = \"{}\"\nbatch = 10\nmax_ack_pending = 20\nack_wait = \"2s\"\n",
        nats.url()
    );
    let mut d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;
    let published = std::sync::Arc::new(AtomicUsize::new(0));
    let publisher = tokio::spawn(publish_slowly(
        nats.jetstream().await,
        "storm",
        N,
        published.clone(),
    ));

    // Kill while mentions are in flight: as soon as the server has delivered messages the
    // daemon has not acknowledged yet. A kill that happens to land between two batches (all
    // acknowledged) proves nothing: the daemon is restarted and killed again.
    let mut logs = Vec::new();
    let mut proven = None;
    for attempt in 0..5 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let info = consumer_info(&js, "sturmglas").await;
            // Mid-storm: a quarter of it counted and acknowledged, the rest still coming.
            let counted = |i: &async_nats::jetstream::consumer::Info| {
                i.ack_floor.stream_sequence >= (N / 4) as u64
            };
            if info.is_some_and(|i| counted(&i) && i.num_ack_pending > 0) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "nothing in flight; log:\n{}",
                d.log()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        d.signal("KILL");
        let at_kill = published.load(Ordering::SeqCst);
        // What the dead daemon still had in the socket has reached the server by now.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let info = consumer_info(&js, "sturmglas").await.unwrap();
        let unacked = info.delivered.stream_sequence - info.ack_floor.stream_sequence;
        logs.push(d.log());
        drop(d);
        d = Daemon::start_existing(dir.path(), port).await;
        if unacked > 0 && at_kill < N {
            proven = Some((attempt, at_kill, unacked));
            break;
        }
    }
    let (attempt, at_kill, unacked) = proven.expect("no kill landed mid-batch while publishing");
    eprintln!("killed on attempt {attempt}: {at_kill} of {N} published, {unacked} unacknowledged");

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = d.brand("Nordwind Energie").await["mentions"]
            .as_u64()
            .unwrap_or(0);
        assert!(
            n <= N as u64,
            "counted {n} of {N}: a redelivery counted twice"
        );
        if n == N as u64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "counted {n} of {N}; logs before the kill:\n{}\nafter:\n{}",
            logs.join("\n---\n"),
            d.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    publisher.await.unwrap();
    // Every message acknowledged (none can come back), and the count still exact.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stream_last = js
            .get_stream("STURMGLAS_MENTIONS")
            .await
            .unwrap()
            .info()
            .await
            .unwrap()
            .state
            .last_sequence;
        let i = consumer_info(&js, "sturmglas").await.unwrap();
        if i.ack_floor.stream_sequence == stream_last && i.num_ack_pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "not all acknowledged: {i:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(d.brand("Nordwind Energie").await["mentions"], N as u64);
    let sources = d.get_json("/api/v1/sources").await;
    let s = &sources[0];
    assert_eq!(s["kind"], "nats", "{sources}");
    assert_eq!(s["state"], "ok", "{sources}");
    let skipped = s["skipped"].as_u64().unwrap_or(0)
        + logs
            .iter()
            .map(|l| l.matches("Skipping a malformed item").count() as u64)
            .sum::<u64>();
    assert_eq!(
        skipped, 1,
        "the malformed record is reported once: {sources}"
    );
}

/// Ten brands, each with its own keyword.
fn ten_brands() -> String {
    (0..10)
        .map(|i| format!("[[brands]]\nname = \"Marke {i}\"\nkeywords = [\"marke{i}\"]\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn two_shards_split_the_brands_and_each_counts_only_its_own() {
    let nats = NatsServer::start();
    let js = nats.jetstream().await;
    publish(&js, "warm", 0).await;
    // Three posts per brand.
    let records = (0..10).flat_map(|b| {
        (0..3).map(move |k| {
            serde_json::json!({"id": format!("m{b}-{k}"), "text": format!("marke{b} hat heute geöffnet")})
        })
    });
    publish_records(&js, records).await;
    let mut daemons = Vec::new();
    let mut dirs = Vec::new();
    let mut listed: Vec<Vec<String>> = Vec::new();
    for shard in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let extra = format!(
            "{}\n[[sources.nats]]\nurl = \"{}\"\ndurable = \"shard{shard}\"\n\n[cluster]\nnats_url = \"{}\"\nshards = 2\nshard = {shard}\n",
            ten_brands(),
            nats.url(),
            nats.url()
        );
        let text = config(port, dir.path(), &extra);
        // `check` names the shard's brands.
        let p = dir.path().join("check.toml");
        std::fs::write(&p, &text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_sturmglas"))
            .args(["check", "-c"])
            .arg(&p)
            .output()
            .unwrap();
        let summary = harness::stdout_ok(&out);
        assert!(
            summary.contains(&format!("shard {shard} of 2")),
            "{summary}"
        );
        let names: Vec<String> = (0..10)
            .map(|i| format!("Marke {i}"))
            .filter(|n| summary.contains(&format!("    - {n} (")))
            .collect();
        listed.push(names);
        daemons.push(Daemon::start(dir.path(), port, &text).await);
        dirs.push(dir);
    }
    let (a, b) = (&listed[0], &listed[1]);
    assert_eq!(a.len() + b.len(), 10, "{a:?} {b:?}");
    assert!(a.iter().all(|n| !b.contains(n)), "{a:?} {b:?}");
    assert!(!a.is_empty() && !b.is_empty(), "{a:?} {b:?}");
    // Each daemon counts its shard's brands, three posts each, and knows no other brand.
    for (d, names) in daemons.iter().zip(&listed) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let brands = d.get_json("/api/v1/brands").await;
            let got: Vec<(String, u64)> = brands
                .as_array()
                .unwrap()
                .iter()
                .map(|b| {
                    (
                        b["name"].as_str().unwrap().to_string(),
                        b["mentions"].as_u64().unwrap_or(0),
                    )
                })
                .collect();
            let want: Vec<(String, u64)> = names.iter().map(|n| (n.clone(), 3)).collect();
            let mut sorted = got.clone();
            sorted.sort();
            if sorted == want {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{got:?} want {want:?}\n{}",
                d.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let h = d.get_json("/healthz").await;
        assert_eq!(h["cluster"]["shard"], names_shard(&listed, names), "{h}");
    }
}

fn names_shard(listed: &[Vec<String>], names: &[String]) -> u64 {
    listed.iter().position(|l| l == names).unwrap() as u64
}

fn is_all_clear(subject: &str) -> bool {
    let s = subject.to_uppercase();
    s.contains("ENTWARNUNG") || s.contains("RESOLVED")
}

async fn delivering(d: &Daemon) -> bool {
    d.get_json("/healthz").await["cluster"]["delivering"] == true
}

/// Two daemons of one cluster count the same storm; only the lease holder sends, and the other
/// recognises each of its own copies by the notice id. Killed with SIGKILL after the storm's
/// notice went out, the holder is replaced within 30 s by the other, which sends the
/// all-clear once and does not repeat the storm notice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_sends_each_notice_once_and_survives_the_delivering_node_s_kill() {
    let nats = NatsServer::start();
    let js = nats.jetstream().await;
    let smtp = SmtpServer::start();
    let mut nodes = Vec::new();
    let mut dirs = Vec::new();
    for node in ["a", "b"] {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let extra = format!(
            "[defaults.thresholds]\nwindow = \"1m\"\n{BRANDS}\n[[sources.nats]]\nurl = \"{url}\"\ndurable = \"node-{node}\"\n\n\
             [cluster]\nnats_url = \"{url}\"\nname = \"test\"\nnode = \"{node}\"\n\n{}send_resolved = true\nrate_per_minute = 1000\n",
            email(&smtp),
            url = nats.url(),
        );
        let d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;
        if node == "a" {
            // a takes the lease before b starts, so the kill below hits the delivering node.
            let deadline = Instant::now() + Duration::from_secs(20);
            while !delivering(&d).await {
                assert!(Instant::now() < deadline, "a never delivered:\n{}", d.log());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        nodes.push(d);
        dirs.push((dir, port));
    }
    assert!(!delivering(&nodes[1]).await, "two nodes deliver at once");
    let t0 = Instant::now();
    publish(&js, "storm", 150).await;
    let mails = smtp.wait_for(1, Duration::from_secs(30)).await;
    assert!(!is_all_clear(&mails[0].header("Subject").unwrap()));
    // Both counted the storm and raised its notices; only a's went out.
    for d in &nodes {
        d.wait_alerts(20, |a| a.iter().any(|x| x["kind"] == "storm"))
            .await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let firing = nodes[0]
        .alerts()
        .await
        .iter()
        .filter(|x| x["kind"] == "storm" && x["status"] == "firing")
        .count();
    assert_eq!(smtp.messages().len(), firing, "one email per notice");
    // b raised the same notices with event ids of its own; by their notice ids it learns from
    // the cluster's record that a sent them, and marks its copies delivered without sending.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !nodes[1]
        .metrics()
        .await
        .contains("sturmglas_outbox_pending 0")
    {
        assert!(
            Instant::now() < deadline,
            "b still holds notices a sent:\n{}",
            nodes[1].log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(nodes[1].log().contains("Already delivered by the cluster"));

    eprintln!("storm notices sent and known to b after {:?}", t0.elapsed());
    // Mid-storm: the delivering node dies.
    nodes[0].signal("KILL");
    let killed = Instant::now();
    let b = &nodes[1];
    while !delivering(b).await {
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "b did not take over within 30 s:\n{}",
            b.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // a comes back (now a follower) with the notices it recorded before the kill: it names
    // them by the same notice ids as before, so it neither sends them again nor the all-clear
    // it raises itself, which b sends.
    eprintln!("b took over {:?} after the kill", killed.elapsed());
    let (dir_a, port_a) = &dirs[0];
    nodes[0] = Daemon::start_existing(dir_a.path(), *port_a).await;
    assert!(!delivering(&nodes[0]).await, "a took the lease back from b");
    let b = &nodes[1];
    // The all-clear, once, from b; the storm notice is not repeated.
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let msgs = smtp.messages();
        let clear = msgs
            .iter()
            .filter(|m| is_all_clear(&m.header("Subject").unwrap_or_default()))
            .count();
        if clear > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no all-clear:\n{}", b.log());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("the all-clear after {:?}", t0.elapsed());
    // The restarted a raised the all-clear too and marked it delivered, and b has nothing left
    // to send: no more email can come.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let a = &nodes[0];
        let raised = a.alerts().await.iter().any(|x| x["status"] == "resolved");
        let empty = |m: String| m.contains("sturmglas_outbox_pending 0");
        let known = a.log().contains("Already delivered by the cluster");
        if raised && known && empty(a.metrics().await) && empty(nodes[1].metrics().await) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the restarted a holds notices the cluster sent (or raised no all-clear):\n{}",
            a.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let msgs = smtp.messages();
    let subjects: Vec<String> = msgs
        .iter()
        .map(|m| m.header("Subject").unwrap_or_default())
        .collect();
    let clear = subjects.iter().filter(|s| is_all_clear(s)).count();
    assert_eq!(clear, 1, "{subjects:#?}");
    assert_eq!(
        subjects.len() - clear,
        firing,
        "a notice repeated: {subjects:#?}"
    );
}

fn is_digest(subject: &str) -> bool {
    subject.contains("Daily digest") || subject.contains("Tagesbericht")
}

/// Each node of a cluster queues its own digest of the day; the cluster knows it by
/// (channel, date). The holder sends it and is killed; a node started after the kill queues
/// the same day's digest, learns from the cluster's record that it went out, takes over the
/// lease and does not send it again.
#[tokio::test]
async fn a_cluster_sends_the_days_digest_once_across_a_failover() {
    use chrono::Timelike;
    let nats = NatsServer::start();
    let smtp = SmtpServer::start();
    // A minute ago: the day's digest is due as soon as a daemon starts.
    let t = chrono::Utc::now() - chrono::Duration::minutes(1);
    let at = format!("{:02}:{:02}", t.hour(), t.minute());
    let node_config = |node: &str, dir: &Path, port: u16| {
        let extra = format!(
            "{BRANDS}\n[cluster]\nnats_url = \"{}\"\nname = \"digest\"\nnode = \"{node}\"\n\n{}timezone = \"UTC\"\ndigest_at = \"{at}\"\n",
            nats.url(),
            email(&smtp),
        );
        config(port, dir, &extra)
    };
    let digests = || {
        smtp.messages()
            .iter()
            .filter(|m| is_digest(&m.header("Subject").unwrap_or_default()))
            .count()
    };
    let (dir_a, port_a) = (tempfile::tempdir().unwrap(), free_port());
    let a = Daemon::start(
        dir_a.path(),
        port_a,
        &node_config("a", dir_a.path(), port_a),
    )
    .await;
    smtp.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(digests(), 1, "{:?}", smtp.messages().len());
    assert!(delivering(&a).await);
    // Killed once the delivery is recorded (a kill between the receiver taking it and the
    // record is, as on one machine, the one way a notice goes out twice).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !a.metrics().await.contains("sturmglas_outbox_pending 0") {
        assert!(Instant::now() < deadline, "{}", a.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a.signal("KILL");
    drop(a);

    let (dir_b, port_b) = (tempfile::tempdir().unwrap(), free_port());
    let b = Daemon::start(
        dir_b.path(),
        port_b,
        &node_config("b", dir_b.path(), port_b),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let known = b.log().contains("Already delivered by the cluster");
        let empty = b.metrics().await.contains("sturmglas_outbox_pending 0");
        if known && empty && delivering(&b).await {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "b did not take over, or holds the digest a sent:\n{}",
            b.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(digests(), 1, "the day's digest went out twice");
    assert_eq!(smtp.messages().len(), 1);
}
