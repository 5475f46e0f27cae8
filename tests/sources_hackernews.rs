//! Hacker News (Algolia) source against a loopback server: stories and comments, a malformed
//! hit, resume from the stored `created_at_i>=` cursor with boundary ids, and back-off after a 503.

mod sources_support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use sources_support::*;
use sturmglas::sources::hackernews::HackernewsSource;
use sturmglas::sources::spawn_all;
use sturmglas::sources::SourcesConfig;
use sturmglas::store::Store;

#[tokio::test]
async fn stories_comments_cursor_and_503() {
    let log = Log::default();
    let l = log.clone();
    let app = Router::new().route(
        "/api/v1/search_by_date",
        get(move |uri: Uri, headers: HeaderMap| {
            let l = l.clone();
            async move {
                let n = l.push(&uri, &headers);
                if n == 1 {
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
                let filter = param(&uri.to_string(), "numericFilters").unwrap();
                let mut v: Value =
                    serde_json::from_str(&fixture("hn_algolia_search_by_date.json")).unwrap();
                let hits = v["hits"].as_array_mut().unwrap();
                if filter == "created_at_i>=1767225607" {
                    // The boundary comment again (already counted) and a new one that
                    // shares its second.
                    let mut newer = hits[0].clone();
                    newer["objectID"] = json!("46000200");
                    newer["comment_text"] = json!("<p>Acme &amp; friends</p>");
                    hits.insert(0, newer);
                    hits.truncate(2);
                } else if filter == "created_at_i>=1767225600" {
                    hits.push(json!({"objectID": "1", "created_at_i": "yesterday"}));
                } else {
                    hits.clear();
                }
                Json(v).into_response()
            }
        }),
    );
    let addr = serve(app).await;
    let cfg = SourcesConfig {
        hackernews: vec![HackernewsSource {
            query: None,
            interval: Duration::from_millis(100),
            api_base: url::Url::parse(&format!("http://{addr}")).unwrap(),
            common: common("hackernews:test"),
        }],
        ..Default::default()
    };
    // Resume from a stored cursor: a minute before the fixture's posts.
    let store = Arc::new(Store::in_memory().unwrap());
    store
        .set_cursor(
            "hackernews:test",
            r#"{"Acme":{"t":1767225600,"ids":[]}}"#,
            chrono::Utc::now(),
        )
        .unwrap();
    let mut run = Run::new(store, vec![brand("Acme", &["Acme"])]);
    let tasks = spawn_all(&cfg, &run.ctx);
    let b = run.mentions().await;
    assert_eq!(b.mentions.len(), 2, "{:?}", b.mentions);
    let (comment, story) = (&b.mentions[0], &b.mentions[1]);
    assert_eq!(
        comment.text,
        "Acme rotated their API keys without notice, broke prod for us too."
    );
    assert_eq!(comment.id.as_deref(), Some("hackernews:46000123"));
    assert_eq!(
        comment.url.as_deref(),
        Some("https://news.ycombinator.com/item?id=46000123")
    );
    assert_eq!(comment.author.as_deref(), Some("pgexample"));
    assert_eq!(story.text, "Acme outage postmortem");
    assert_eq!(
        story.url.as_deref(),
        Some("https://status.acme.example/postmortem")
    );
    assert_eq!(story.reach, Some(57));
    assert_eq!(run.health.snapshot(chrono::Utc::now())[0].skipped, 1);

    let b = run.mentions().await;
    let ids: Vec<_> = b.mentions.iter().map(|m| m.id.clone().unwrap()).collect();
    assert_eq!(
        ids,
        ["hackernews:46000200"],
        "the boundary comment is not re-counted"
    );
    assert_eq!(b.mentions[0].text, "Acme & friends");

    let seen = log.all();
    assert_eq!(param(&seen[1].uri, "query").as_deref(), Some("Acme"));
    assert_eq!(
        param(&seen[1].uri, "tags").as_deref(),
        Some("(story,comment)")
    );
    let m = &run.metrics;
    assert_eq!(
        m.get(
            "sturmglas_source_fetches_total",
            &[("source", "hackernews:test"), ("result", "server_error")]
        ),
        1.0
    );
    run.stop(tasks).await;
}
