//! Mastodon source against a loopback server: hashtag timeline parsing with a malformed
//! status, `min_id` paging and resume after a restart, search with a token, and the SSE
//! stream that back-fills over REST after it drops.

mod sources_support;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use futures_util::StreamExt;
use serde_json::{json, Value};
use sources_support::*;
use sturmglas::config::Secret;
use sturmglas::sources::mastodon::MastodonSource;
use sturmglas::sources::spawn_all;
use sturmglas::sources::SourcesConfig;
use sturmglas::store::Store;

fn cfg(addr: std::net::SocketAddr, token: bool, search: Option<Vec<String>>) -> SourcesConfig {
    SourcesConfig {
        mastodon: vec![MastodonSource {
            instance: url::Url::parse(&format!("http://{addr}")).unwrap(),
            hashtags: vec!["acmefail".into()],
            token: token.then(|| Secret::new("tok")),
            interval: Duration::from_millis(100),
            streaming: token,
            streaming_url: None,
            search,
            common: common("mastodon:test"),
        }],
        ..Default::default()
    }
}

/// The fixture's first status with another id.
fn status(id: u64) -> Value {
    let all: Value =
        serde_json::from_str(&fixture("mastodon_timelines_tag_response.json")).unwrap();
    let mut s = all[0].clone();
    s["id"] = json!(id.to_string());
    s["uri"] = json!(format!("https://social.example/users/alice/statuses/{id}"));
    s
}

#[tokio::test]
async fn timeline_is_parsed_paged_forward_and_resumed() {
    let log = Log::default();
    let l = log.clone();
    let app = Router::new().route(
        "/api/v1/timelines/tag/acmefail",
        get(move |uri: Uri, headers: HeaderMap| {
            let l = l.clone();
            async move {
                l.push(&uri, &headers);
                let body: Value = match param(&uri.to_string(), "min_id").as_deref() {
                    None => {
                        let mut v: Value =
                            serde_json::from_str(&fixture("mastodon_timelines_tag_response.json"))
                                .unwrap();
                        // A status with a numeric id is malformed; it must not cost the page.
                        v.as_array_mut()
                            .unwrap()
                            .insert(1, json!({"id": 7, "content": "x"}));
                        v
                    }
                    Some("115000000000000001") => json!([status(115000000000000005)]),
                    Some(_) => json!([]),
                };
                Json(body)
            }
        }),
    );
    let addr = serve(app).await;
    let store = Arc::new(Store::in_memory().unwrap());
    let mut run = Run::new(store, vec![]);
    let tasks = spawn_all(&cfg(addr, false, None), &run.ctx);
    let b = run.mentions().await;
    assert_eq!(b.source, "mastodon:test#acmefail");
    assert_eq!(b.mentions.len(), 2);
    let m = &b.mentions[0];
    assert_eq!(m.text, "Acme just leaked my data. #acmefail");
    assert_eq!(m.author.as_deref(), Some("alice"));
    assert_eq!(m.reach, Some(812));
    assert_eq!(m.lang.as_deref(), Some("en"));
    assert_eq!(
        m.id.as_deref(),
        Some("mastodon:https://social.example/users/alice/statuses/115000000000000001")
    );
    assert_eq!(
        m.url.as_deref(),
        Some("https://social.example/@alice/115000000000000001")
    );
    assert_eq!(b.cursor.as_deref(), Some("115000000000000001"));
    assert_eq!(run.health.snapshot(chrono::Utc::now())[0].skipped, 1);
    let b = run.mentions().await;
    assert_eq!(
        b.mentions[0].id.as_deref(),
        Some("mastodon:https://social.example/users/alice/statuses/115000000000000005")
    );
    assert_eq!(b.cursor.as_deref(), Some("115000000000000005"));
    let store = run.stop(tasks).await;

    // A new process asks from the stored cursor, not from the top.
    let before = log.len();
    let mut run = Run::new(store, vec![]);
    let tasks = spawn_all(&cfg(addr, false, None), &run.ctx);
    run.no_mentions_for(Duration::from_millis(300)).await;
    let first = &log.all()[before];
    assert_eq!(
        param(&first.uri, "min_id").as_deref(),
        Some("115000000000000005")
    );
    run.stop(tasks).await;
}

#[tokio::test]
async fn search_with_a_token_reads_statuses() {
    let log = Log::default();
    let l = log.clone();
    let app = Router::new()
        .route(
            "/api/v1/timelines/tag/acmefail",
            get(|| async { Json(json!([])) }),
        )
        .route("/api/v1/streaming/hashtag", get(|| async { ":)\n" }))
        .route(
            "/api/v2/search",
            get(move |uri: Uri, headers: HeaderMap| {
                let l = l.clone();
                async move {
                    l.push(&uri, &headers);
                    if param(&uri.to_string(), "min_id").is_some() {
                        return Json(json!({"accounts": [], "statuses": [], "hashtags": []}));
                    }
                    let v: Value =
                        serde_json::from_str(&fixture("mastodon_search_v2_response.json")).unwrap();
                    Json(v)
                }
            }),
        );
    let addr = serve(app).await;
    let mut run = Run::new(
        Arc::new(Store::in_memory().unwrap()),
        vec![brand("Acme", &["Acme"])],
    );
    let tasks = spawn_all(&cfg(addr, true, None), &run.ctx);
    let b = loop {
        let b = run.mentions().await;
        if b.source == "mastodon:test?Acme" {
            break b;
        }
    };
    assert_eq!(b.mentions[0].text, "Acme just leaked my data. #acmefail");
    let seen = log.all();
    assert_eq!(param(&seen[0].uri, "q").as_deref(), Some("Acme"));
    assert_eq!(param(&seen[0].uri, "type").as_deref(), Some("statuses"));
    assert_eq!(seen[0].headers["authorization"], "Bearer tok");
    run.stop(tasks).await;
}

fn sse(chunks: Vec<String>, end: bool) -> Body {
    let s = futures_util::stream::iter(
        chunks
            .into_iter()
            .map(|c| Ok::<_, Infallible>(axum::body::Bytes::from(c))),
    );
    if end {
        Body::from_stream(s)
    } else {
        Body::from_stream(s.chain(futures_util::stream::pending()))
    }
}

#[tokio::test]
async fn a_dropped_stream_reconnects_and_back_fills() {
    let log = Log::default();
    let connects = Arc::new(AtomicUsize::new(0));
    let (l, l2, c) = (log.clone(), log.clone(), connects.clone());
    let app = Router::new()
        .route(
            "/api/v1/timelines/tag/acmefail",
            get(move |uri: Uri, headers: HeaderMap| {
                let l = l.clone();
                async move {
                    l.push(&uri, &headers);
                    let body = match param(&uri.to_string(), "min_id").as_deref() {
                        None => json!([status(100)]),
                        // Posted while the stream was down.
                        Some("200") => json!([status(250)]),
                        Some(_) => json!([]),
                    };
                    Json(body)
                }
            }),
        )
        .route(
            "/api/v1/streaming/hashtag",
            get(move |uri: Uri, headers: HeaderMap| {
                let (l, c) = (l2.clone(), c.clone());
                async move {
                    l.push(&uri, &headers);
                    if c.fetch_add(1, Ordering::SeqCst) == 0 {
                        // The recorded stream, with status 200, then the connection drops.
                        let text = fixture("mastodon_streaming_hashtag.sse")
                            .replace("\"id\":\"115000000000000001\"", "\"id\":\"200\"");
                        let text = text.replace("statuses/115000000000000001\"", "statuses/200\"");
                        let chunks = text
                            .as_bytes()
                            .chunks(500)
                            .map(|c| String::from_utf8_lossy(c).into_owned())
                            .collect();
                        sse(chunks, true).into_response()
                    } else {
                        sse(vec![":thump\n\n".into()], false).into_response()
                    }
                }
            }),
        );
    let addr = serve(app).await;
    let mut run = Run::new(Arc::new(Store::in_memory().unwrap()), vec![]);
    let tasks = spawn_all(&cfg(addr, true, Some(vec![])), &run.ctx);
    let ids = |b: &sturmglas::sources::Batch| -> Vec<String> {
        b.mentions
            .iter()
            .map(|m| {
                m.id.clone()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let b = run.mentions().await;
    assert_eq!(ids(&b), ["100"], "back-fill before the first connect");
    let b = run.mentions().await;
    assert_eq!(
        ids(&b),
        ["200"],
        "the stream's update; edit and delete ignored"
    );
    assert_eq!(b.cursor.as_deref(), Some("200"));
    let b = run.mentions().await;
    assert_eq!(ids(&b), ["250"], "back-fill after the drop");
    assert_eq!(b.cursor.as_deref(), Some("250"));
    // After the back-fill the stream is opened again.
    let count_streams = || {
        log.all()
            .iter()
            .filter(|s| s.uri.contains("streaming"))
            .count()
    };
    for _ in 0..100 {
        if count_streams() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(count_streams() >= 2, "reconnected");
    let seen = log.all();
    let streams: Vec<_> = seen
        .iter()
        .filter(|s| s.uri.contains("streaming"))
        .collect();
    assert_eq!(param(&streams[0].uri, "tag").as_deref(), Some("acmefail"));
    assert_eq!(streams[0].headers["authorization"], "Bearer tok");
    assert!(seen
        .iter()
        .any(|s| param(&s.uri, "min_id").as_deref() == Some("200")));
    run.stop(tasks).await;
}
