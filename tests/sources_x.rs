//! X source against a loopback server: recent search with expansions and `since_id`, and the
//! filtered stream (CRLF lines, keep-alives) that syncs its rules, drops, and back-fills over
//! recent search before reconnecting.

mod sources_support;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use futures_util::StreamExt;
use serde_json::{json, Value};
use sources_support::*;
use sturmglas::config::Secret;
use sturmglas::sources::spawn_all;
use sturmglas::sources::x::XSource;
use sturmglas::sources::SourcesConfig;
use sturmglas::store::Store;

const QUERY: &str = "acme -is:retweet";

fn cfg(addr: std::net::SocketAddr, stream: bool) -> SourcesConfig {
    SourcesConfig {
        x: vec![XSource {
            bearer_token: Secret::new("xtok"),
            query: Some(QUERY.into()),
            interval: Duration::from_millis(100),
            stream,
            idle_timeout: Duration::from_secs(5),
            api_base: url::Url::parse(&format!("http://{addr}")).unwrap(),
            common: common("x:test"),
        }],
        ..Default::default()
    }
}

fn tweet(id: &str, text: &str) -> Value {
    json!({"id": id, "text": text, "created_at": "2026-01-01T00:00:09.000Z", "lang": "de"})
}

#[tokio::test]
async fn recent_search_with_since_id() {
    let log = Log::default();
    let l = log.clone();
    let app = Router::new().route(
        "/2/tweets/search/recent",
        get(move |uri: Uri, headers: HeaderMap| {
            let l = l.clone();
            async move {
                l.push(&uri, &headers);
                match param(&uri.to_string(), "since_id").as_deref() {
                    None => {
                        let mut v: Value =
                            serde_json::from_str(&fixture("x_recent_search_response.json"))
                                .unwrap();
                        v["data"].as_array_mut().unwrap().push(json!({"id": 5}));
                        Json(v)
                    }
                    Some("1874000000000000001") => Json(json!({
                        "data": [tweet("1874000000000000007", "Acme, wirklich?")],
                        "meta": {"newest_id": "1874000000000000007", "result_count": 1}
                    })),
                    Some(_) => Json(json!({"meta": {"result_count": 0}})),
                }
            }
        }),
    );
    let addr = serve(app).await;
    let mut run = Run::new(Arc::new(Store::in_memory().unwrap()), vec![]);
    let tasks = spawn_all(&cfg(addr, false), &run.ctx);
    let b = run.mentions().await;
    assert_eq!(b.mentions.len(), 1, "the malformed tweet is skipped");
    let m = &b.mentions[0];
    assert_eq!(m.text, "@AcmeSupport three weeks and no refund. #acmefail");
    assert_eq!(m.id.as_deref(), Some("x:1874000000000000001"));
    assert_eq!(m.author.as_deref(), Some("exampleuser"));
    assert_eq!(
        m.url.as_deref(),
        Some("https://x.com/exampleuser/status/1874000000000000001")
    );
    assert_eq!(m.lang.as_deref(), Some("en"));
    assert_eq!(
        m.reach,
        Some(88),
        "likes when the author's followers are unknown"
    );
    let b = run.mentions().await;
    assert_eq!(b.mentions[0].id.as_deref(), Some("x:1874000000000000007"));
    assert_eq!(b.mentions[0].author, None);
    let seen = log.all();
    assert_eq!(param(&seen[0].uri, "query").as_deref(), Some(QUERY));
    assert_eq!(seen[0].headers["authorization"], "Bearer xtok");
    assert_eq!(
        param(&seen[1].uri, "since_id").as_deref(),
        Some("1874000000000000001")
    );
    assert_eq!(run.health.snapshot(chrono::Utc::now())[0].skipped, 1);
    run.stop(tasks).await;
}

#[tokio::test]
async fn stream_syncs_rules_drops_and_back_fills() {
    let log = Log::default();
    let rule_posts: Arc<Mutex<Vec<Value>>> = Arc::default();
    let connects = Arc::new(AtomicUsize::new(0));
    let (l, rp, c) = (log.clone(), rule_posts.clone(), connects.clone());
    let app = Router::new()
        .route(
            "/2/tweets/search/recent",
            get(move |uri: Uri, headers: HeaderMap| {
                let l = l.clone();
                async move {
                    l.push(&uri, &headers);
                    match param(&uri.to_string(), "since_id").as_deref() {
                        Some("1874000000000000003") => Json(json!({
                            "data": [tweet("1874000000000000009", "Acme while the stream was down")],
                            "meta": {"newest_id": "1874000000000000009", "result_count": 1}
                        })),
                        _ => Json(json!({"meta": {"result_count": 0}})),
                    }
                }
            }),
        )
        .route(
            "/2/tweets/search/stream/rules",
            get(|| async {
                Json(json!({"data": [
                    {"id": "9", "value": "old", "tag": "sturmglas:old"},
                    {"id": "8", "value": "theirs", "tag": "someone else's"}
                ]}))
            })
            .post(move |Json(body): Json<Value>| {
                let rp = rp.clone();
                async move {
                    rp.lock().unwrap().push(body);
                    Json(json!({"meta": {"summary": {}}}))
                }
            }),
        )
        .route(
            "/2/tweets/search/stream",
            get(move || {
                let c = c.clone();
                async move {
                    let first = c.fetch_add(1, Ordering::SeqCst) == 0;
                    let text = fixture("x_filtered_stream.ndjson")
                        .replace("brand:acme", &format!("sturmglas:{QUERY}"));
                    let chunks: Vec<Result<Bytes, Infallible>> = if first {
                        text.as_bytes()
                            .chunks(64)
                            .map(|c| Ok(Bytes::copy_from_slice(c)))
                            .collect()
                    } else {
                        vec![Ok(Bytes::from_static(b"\r\n"))]
                    };
                    let s = futures_util::stream::iter(chunks);
                    if first {
                        Body::from_stream(s).into_response()
                    } else {
                        Body::from_stream(s.chain(futures_util::stream::pending()))
                            .into_response()
                    }
                }
            }),
        );
    let addr = serve(app).await;
    let mut run = Run::new(Arc::new(Store::in_memory().unwrap()), vec![]);
    let tasks = spawn_all(&cfg(addr, true), &run.ctx);
    let mut ids = Vec::new();
    while ids.len() < 3 {
        let b = run.mentions().await;
        ids.extend(b.mentions.iter().map(|m| m.id.clone().unwrap()));
    }
    assert_eq!(
        ids,
        [
            "x:1874000000000000002",
            "x:1874000000000000003",
            "x:1874000000000000009"
        ]
    );
    let cursor = run.store.cursor("x:test").unwrap().unwrap();
    let cursor: Value = serde_json::from_str(&cursor).unwrap();
    assert_eq!(cursor[QUERY], "1874000000000000009");
    let posts = rule_posts.lock().unwrap().clone();
    assert!(
        posts.contains(&json!({"delete": {"ids": ["9"]}})),
        "{posts:?}"
    );
    assert!(
        posts.contains(&json!({"add": [{"value": QUERY, "tag": format!("sturmglas:{QUERY}")}]})),
        "{posts:?}"
    );
    run.stop(tasks).await;
}
