//! Reddit source against a loopback server: the client-credentials token, the documented
//! User-Agent, Listing parsing with a malformed child, `before` as the cursor, and waiting for
//! `X-Ratelimit-Reset` when `X-Ratelimit-Remaining` is used up.

mod sources_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sources_support::*;
use sturmglas::config::Secret;
use sturmglas::sources::reddit::RedditSource;
use sturmglas::sources::spawn_all;
use sturmglas::sources::SourcesConfig;
use sturmglas::store::Store;

const UA: &str = "linux:sturmglas-test:1.0 (by /u/sturmglas)";

#[tokio::test]
async fn token_listing_before_cursor_and_rate_limit() {
    let tokens = Arc::new(AtomicUsize::new(0));
    let log = Log::default();
    let (t, l) = (tokens.clone(), log.clone());
    let app = Router::new()
        .route(
            "/api/v1/access_token",
            post(move |headers: HeaderMap, body: String| {
                let t = t.clone();
                async move {
                    t.fetch_add(1, Ordering::SeqCst);
                    // "id:secret" in Basic auth, the documented grant, our User-Agent.
                    assert_eq!(headers["authorization"], "Basic aWQ6c2VjcmV0");
                    assert_eq!(headers["user-agent"], UA);
                    assert_eq!(body, "grant_type=client_credentials");
                    Json(json!({"access_token": "T", "token_type": "bearer", "expires_in": 86400}))
                }
            }),
        )
        .route(
            "/search",
            get(move |uri: Uri, headers: HeaderMap| {
                let l = l.clone();
                async move {
                    let n = l.push(&uri, &headers);
                    match param(&uri.to_string(), "before").as_deref() {
                        None => {
                            let mut v: Value =
                                serde_json::from_str(&fixture("reddit_search_listing.json"))
                                    .unwrap();
                            let children = v["data"]["children"].as_array_mut().unwrap();
                            children.push(json!({"kind": "t3", "data": {"title": "no name"}}));
                            (
                                [("x-ratelimit-remaining", "0.0"), ("x-ratelimit-reset", "1")],
                                Json(v),
                            )
                                .into_response()
                        }
                        Some("t3_1abc2de") if n == 2 => {
                            let mut post: Value =
                                serde_json::from_str(&fixture("reddit_search_listing.json"))
                                    .unwrap();
                            let p = &mut post["data"]["children"][0]["data"];
                            p["name"] = json!("t3_newer");
                            p["title"] = json!("Acme again");
                            p["selftext"] = json!("");
                            Json(post).into_response()
                        }
                        _ => Json(json!({"kind": "Listing", "data": {"children": [], "after": null, "before": null}}))
                            .into_response(),
                    }
                }
            }),
        );
    let addr = serve(app).await;
    let base = url::Url::parse(&format!("http://{addr}")).unwrap();
    let cfg = SourcesConfig {
        reddit: vec![RedditSource {
            client_id: "id".into(),
            client_secret: Secret::new("secret"),
            user_agent: UA.into(),
            query: None,
            interval: Duration::from_millis(100),
            auth_base: base.clone(),
            api_base: base,
            common: common("reddit:test"),
        }],
        ..Default::default()
    };
    let mut run = Run::new(
        Arc::new(Store::in_memory().unwrap()),
        vec![brand("Acme", &["Acme", "Acme Corp"])],
    );
    let tasks = spawn_all(&cfg, &run.ctx);
    let b = run.mentions().await;
    assert_eq!(b.mentions.len(), 1, "the malformed child is skipped");
    let m = &b.mentions[0];
    assert_eq!(
        m.text,
        "Acme is ignoring refund requests\nOrdered from Acme 3 weeks ago, still nothing, support closed my ticket."
    );
    assert_eq!(m.id.as_deref(), Some("reddit:t3_1abc2de"));
    assert_eq!(m.author.as_deref(), Some("example_user"));
    assert_eq!(m.reach, Some(412));
    assert_eq!(m.created_at.unwrap().timestamp(), 1_767_225_605);
    assert_eq!(
        m.url.as_deref(),
        Some("https://www.reddit.com/r/CustomerService/comments/1abc2de/acme_is_ignoring_refund_requests/")
    );
    assert_eq!(run.health.snapshot(chrono::Utc::now())[0].skipped, 1);

    let b = run.mentions().await;
    assert_eq!(b.mentions[0].id.as_deref(), Some("reddit:t3_newer"));
    assert_eq!(b.mentions[0].text, "Acme again");
    let seen = log.all();
    assert_eq!(
        param(&seen[0].uri, "q").as_deref(),
        Some("Acme OR \"Acme Corp\"")
    );
    assert_eq!(param(&seen[0].uri, "sort").as_deref(), Some("new"));
    assert_eq!(seen[0].headers["authorization"], "bearer T");
    assert_eq!(seen[0].headers["user-agent"], UA);
    let gap = seen[1].at - seen[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "asked again after {gap:?} with no quota left"
    );
    assert_eq!(tokens.load(Ordering::SeqCst), 1, "the token is reused");
    run.stop(tasks).await;
}

#[tokio::test]
async fn a_vanished_cursor_post_does_not_blind_the_query() {
    let app = Router::new()
        .route(
            "/api/v1/access_token",
            post(|| async { Json(json!({"access_token": "T", "expires_in": 86400})) }),
        )
        .route(
            "/search",
            get(|uri: Uri| async move {
                match param(&uri.to_string(), "before") {
                    // Reddit lists nothing before a deleted post.
                    Some(_) => Json(json!({"kind": "Listing", "data": {"children": []}})),
                    None => Json(
                        serde_json::from_str::<Value>(&fixture("reddit_search_listing.json"))
                            .unwrap(),
                    ),
                }
            }),
        );
    let addr = serve(app).await;
    let base = url::Url::parse(&format!("http://{addr}")).unwrap();
    let cfg = SourcesConfig {
        reddit: vec![RedditSource {
            client_id: "id".into(),
            client_secret: Secret::new("secret"),
            user_agent: UA.into(),
            query: Some("acme".into()),
            interval: Duration::from_millis(100),
            auth_base: base.clone(),
            api_base: base,
            common: common("reddit:acme"),
        }],
        ..Default::default()
    };
    let store = Arc::new(Store::in_memory().unwrap());
    store
        .set_cursor(
            "reddit:acme",
            r#"{"acme":{"before":"t3_gone","t":1767225000.0}}"#,
            chrono::Utc::now(),
        )
        .unwrap();
    let mut run = Run::new(store, vec![]);
    let tasks = spawn_all(&cfg, &run.ctx);
    let b = run.mentions().await;
    assert_eq!(b.mentions[0].id.as_deref(), Some("reddit:t3_1abc2de"));
    let cursor: Value = serde_json::from_str(b.cursor.as_deref().unwrap()).unwrap();
    assert_eq!(cursor["acme"]["before"], "t3_1abc2de");
    // Re-anchored: the same post is not counted again.
    run.no_mentions_for(Duration::from_millis(400)).await;
    run.stop(tasks).await;
}
