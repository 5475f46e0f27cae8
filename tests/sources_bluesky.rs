//! Bluesky Jetstream source against an in-process WebSocket server: local matching of the
//! documented frames, a malformed frame among good ones, a dropped connection that resumes a
//! few seconds back, and the same after a restart.

// tungstenite's handshake callback returns its large error type by value.
#![allow(clippy::result_large_err)]

mod sources_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sources_support::*;
use sturmglas::sources::bluesky::BlueskySource;
use sturmglas::sources::spawn_all;
use sturmglas::sources::SourcesConfig;
use sturmglas::store::Store;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

const LATER_POST: &str = r#"{"did":"did:plc:eeeeeeeeeeeeeeeeeeeeeeee","time_us":1767225700000000,"kind":"commit","commit":{"rev":"3mz","operation":"create","collection":"app.bsky.feed.post","rkey":"3mlater","record":{"$type":"app.bsky.feed.post","createdAt":"2026-01-01T00:01:40.000Z","text":"acme still down?"},"cid":"bafy"}}"#;

/// A Jetstream stand-in: the first connection gets the fixture frames (plus an unrelated post
/// and a malformed frame) and is then dropped; later ones get one more post and stay open.
async fn jetstream() -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let uris = Arc::new(Mutex::new(Vec::new()));
    let u = uris.clone();
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((tcp, _)) = listener.accept().await {
            n += 1;
            let u = u.clone();
            tokio::spawn(async move {
                let cb = |req: &Request, resp: Response| {
                    u.lock().unwrap().push(req.uri().to_string());
                    Ok(resp)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, cb).await else {
                    return;
                };
                if n == 1 {
                    let mut frames: Vec<String> = fixture("bluesky_jetstream_v1_events.jsonl")
                        .lines()
                        .map(str::to_string)
                        .collect();
                    frames.insert(2, "{\"did\":\"did:plc:x\",\"time_us\":".into());
                    frames.insert(
                        3,
                        LATER_POST
                            .replace("acme still down?", "nothing to see")
                            .replace("1767225700000000", "1767225600500000"),
                    );
                    for f in frames {
                        ws.send(Message::text(f)).await.unwrap();
                    }
                    // Give the client time to flush, then drop the connection.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    drop(ws);
                } else {
                    ws.send(Message::text(LATER_POST)).await.unwrap();
                    while ws.next().await.is_some() {}
                }
            });
        }
    });
    (addr, uris)
}

fn cfg(addr: std::net::SocketAddr) -> SourcesConfig {
    SourcesConfig {
        bluesky: vec![BlueskySource {
            endpoint: url::Url::parse(&format!("ws://{addr}/subscribe")).unwrap(),
            rewind: Duration::from_secs(5),
            flush_interval: Duration::from_millis(50),
            idle_timeout: Duration::from_secs(5),
            common: common("bluesky:test"),
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn matches_locally_and_resumes_a_few_seconds_back() {
    let (addr, uris) = jetstream().await;
    let mut run = Run::new(
        Arc::new(Store::in_memory().unwrap()),
        vec![brand("Acme", &["Acme"])],
    );
    let tasks = spawn_all(&cfg(addr), &run.ctx);
    let mut got = Vec::new();
    while got.len() < 3 {
        got.extend(run.mentions().await.mentions);
    }
    let texts: Vec<_> = got.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Third day without a refund from Acme. Never again.",
            "Antwort auf den Acme-Thread",
            "acme still down?"
        ]
    );
    let m = &got[0];
    assert_eq!(
        m.id.as_deref(),
        Some("bluesky:at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3mabcdefgxy2a")
    );
    assert_eq!(
        m.url.as_deref(),
        Some("https://bsky.app/profile/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/post/3mabcdefgxy2a")
    );
    assert_eq!(m.lang.as_deref(), Some("en"));
    assert_eq!(got[1].lang.as_deref(), Some("de"));
    assert_eq!(
        m.created_at
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "2026-01-01T00:00:00.100Z"
    );

    let seen = uris.lock().unwrap().clone();
    assert_eq!(seen[0], "/subscribe?wantedCollections=app.bsky.feed.post");
    // The last frame of the first connection (an account event) was at …601200000.
    assert_eq!(
        seen[1],
        "/subscribe?wantedCollections=app.bsky.feed.post&cursor=1767225596200000"
    );
    assert_eq!(run.health.snapshot(chrono::Utc::now())[0].skipped, 1);

    // The batch that brought the last post carried its time_us, and the core stored it.
    assert_eq!(
        run.store.cursor("bluesky:test").unwrap().as_deref(),
        Some("1767225700000000")
    );
    let store = run.stop(tasks).await;
    let mut run = Run::new(store, vec![brand("Acme", &["Acme"])]);
    let tasks = spawn_all(&cfg(addr), &run.ctx);
    let b = run.mentions().await;
    assert_eq!(b.mentions[0].text, "acme still down?", "replayed, same id");
    let seen = uris.lock().unwrap().clone();
    assert_eq!(
        seen.last().unwrap(),
        "/subscribe?wantedCollections=app.bsky.feed.post&cursor=1767225695000000"
    );
    run.stop(tasks).await;
}
