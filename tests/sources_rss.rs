//! RSS/Atom source against a loopback server: Google Alerts clean-up, conditional GET (304),
//! a malformed entry among good ones, resume after a restart, and 429 with Retry-After.

mod sources_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use sources_support::*;
use sturmglas::sources::rss::RssSource;
use sturmglas::sources::spawn_all;
use sturmglas::sources::SourcesConfig;
use sturmglas::store::Store;

fn rss_cfg(url: String) -> SourcesConfig {
    SourcesConfig {
        rss: vec![RssSource {
            url: url::Url::parse(&url).unwrap(),
            interval: Duration::from_millis(100),
            common: common("rss:test"),
        }],
        ..Default::default()
    }
}

fn atom(entries: &[(&str, &str)]) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:feed</id><title>T</title>
<updated>2026-01-01T00:10:00Z</updated>"#,
    );
    for (id, title) in entries {
        s.push_str(&format!(
            "<entry><id>{id}</id><title type=\"html\">{title}</title>\
             <link href=\"https://news.example.com/{id}\"/>\
             <updated>2026-01-01T00:05:00Z</updated></entry>"
        ));
    }
    s.push_str("</feed>");
    s
}

#[tokio::test]
async fn google_alerts_entries_are_cleaned_up() {
    let app = Router::new().route(
        "/feed",
        get(|| async {
            (
                [(header::CONTENT_TYPE, "application/atom+xml")],
                fixture("google_alerts_feed.atom.xml"),
            )
        }),
    );
    let addr = serve(app).await;
    let mut run = Run::new(Arc::new(Store::in_memory().unwrap()), vec![]);
    let tasks = spawn_all(&rss_cfg(format!("http://{addr}/feed")), &run.ctx);
    let b = run.mentions().await;
    assert_eq!(b.source, "rss:test");
    assert_eq!(b.mentions.len(), 1);
    let m = &b.mentions[0];
    assert_eq!(
        m.text,
        "Acme faces backlash over data leak\nCustomers of Acme took to social media after ..."
    );
    assert_eq!(
        m.url.as_deref(),
        Some("https://news.example.com/acme-backlash")
    );
    assert_eq!(
        m.id.as_deref(),
        Some("rss:tag:google.com,2013:googlealerts/feed:22222222222222222222")
    );
    assert_eq!(
        m.created_at.unwrap().to_rfc3339(),
        "2026-01-01T00:05:00+00:00"
    );
    assert_eq!(m.author, None, "Google Alerts' empty author is no author");
    let status = &run.health.snapshot(chrono::Utc::now())[0];
    assert_eq!((status.state, status.items), ("ok", 1));
    run.stop(tasks).await;
}

/// A feed server that honours If-None-Match and whose content the test can change.
fn conditional_server(
    feed: Arc<std::sync::Mutex<(u32, String)>>,
    log: Log,
    honour: bool,
) -> Router {
    Router::new().route(
        "/feed",
        get(move |uri: Uri, headers: HeaderMap| {
            let feed = feed.clone();
            let log = log.clone();
            async move {
                log.push(&uri, &headers);
                let (version, body) = feed.lock().unwrap().clone();
                let etag = format!("\"v{version}\"");
                if honour
                    && headers
                        .get(header::IF_NONE_MATCH)
                        .is_some_and(|v| v.to_str().unwrap() == etag)
                {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                (
                    [
                        (header::ETAG, etag),
                        (
                            header::LAST_MODIFIED,
                            "Thu, 01 Jan 2026 00:10:00 GMT".to_string(),
                        ),
                    ],
                    body,
                )
                    .into_response()
            }
        }),
    )
}

#[tokio::test]
async fn not_modified_costs_nothing_and_new_entries_come_alone() {
    let feed = Arc::new(std::sync::Mutex::new((
        1,
        atom(&[("a", "Acme one"), ("b", "Acme two")]),
    )));
    let log = Log::default();
    let addr = serve(conditional_server(feed.clone(), log.clone(), true)).await;
    let mut run = Run::new(Arc::new(Store::in_memory().unwrap()), vec![]);
    let tasks = spawn_all(&rss_cfg(format!("http://{addr}/feed")), &run.ctx);
    let b = run.mentions().await;
    assert_eq!(b.mentions.len(), 2);
    // Several conditional polls answered 304, none producing mentions.
    run.no_mentions_for(Duration::from_millis(400)).await;
    let seen = log.all();
    assert!(seen.len() >= 3, "{} requests", seen.len());
    assert!(seen[0].headers.get(header::IF_NONE_MATCH).is_none());
    for s in &seen[1..] {
        assert_eq!(s.headers[header::IF_NONE_MATCH], "\"v1\"");
        assert_eq!(
            s.headers[header::IF_MODIFIED_SINCE],
            "Thu, 01 Jan 2026 00:10:00 GMT"
        );
    }
    *feed.lock().unwrap() = (2, atom(&[("c", "Acme three"), ("a", "Acme one")]));
    let b = run.mentions().await;
    let ids: Vec<_> = b.mentions.iter().map(|m| m.id.clone().unwrap()).collect();
    assert_eq!(ids, ["rss:c"]);
    run.stop(tasks).await;
}

#[tokio::test]
async fn a_restart_resumes_from_the_stored_cursor() {
    let feed = Arc::new(std::sync::Mutex::new((1, atom(&[("a", "Acme one")]))));
    let log = Log::default();
    // This server ignores validators, so only the stored seen-ids prevent a re-count.
    let addr = serve(conditional_server(feed.clone(), log.clone(), false)).await;
    let store = Arc::new(Store::in_memory().unwrap());
    let cfg = rss_cfg(format!("http://{addr}/feed"));

    let mut run = Run::new(store.clone(), vec![]);
    let tasks = spawn_all(&cfg, &run.ctx);
    assert_eq!(run.mentions().await.mentions.len(), 1);
    let store = run.stop(tasks).await;
    let before = log.len();

    *feed.lock().unwrap() = (2, atom(&[("b", "Acme two"), ("a", "Acme one")]));
    let mut run = Run::new(store, vec![]);
    let tasks = spawn_all(&cfg, &run.ctx);
    let b = run.mentions().await;
    let ids: Vec<_> = b.mentions.iter().map(|m| m.id.clone().unwrap()).collect();
    assert_eq!(ids, ["rss:b"], "entry a was counted before the restart");
    let first_after = &log.all()[before];
    assert_eq!(first_after.headers[header::IF_NONE_MATCH], "\"v1\"");
    run.stop(tasks).await;
}

#[tokio::test]
async fn a_malformed_entry_is_skipped_not_the_feed() {
    let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<language>de</language>
<item><guid>1</guid><title>Acme eins</title><link>https://e/1</link></item>
<item><guid>2</guid><link>https://e/2</link></item>
<item><guid>3</guid><description>&lt;p&gt;Acme &lt;b&gt;drei&lt;/b&gt;&lt;/p&gt;</description></item>
</channel></rss>"#;
    let app = Router::new().route("/feed", get(move || async move { rss }));
    let addr = serve(app).await;
    let mut run = Run::new(Arc::new(Store::in_memory().unwrap()), vec![]);
    let tasks = spawn_all(&rss_cfg(format!("http://{addr}/feed")), &run.ctx);
    let b = run.mentions().await;
    let texts: Vec<_> = b.mentions.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["Acme eins", "Acme drei"]);
    assert_eq!(b.mentions[0].lang.as_deref(), Some("de"));
    assert_eq!(run.health.snapshot(chrono::Utc::now())[0].skipped, 1);
    run.stop(tasks).await;
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let hits = Arc::new(AtomicUsize::new(0));
    let log = Log::default();
    let (h, l) = (hits.clone(), log.clone());
    let app = Router::new().route(
        "/feed",
        get(move |uri: Uri, headers: HeaderMap| {
            let (h, l) = (h.clone(), l.clone());
            async move {
                l.push(&uri, &headers);
                if h.fetch_add(1, Ordering::SeqCst) == 0 {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [(header::RETRY_AFTER, "1")],
                        "",
                    )
                        .into_response()
                } else {
                    atom(&[("a", "Acme")]).into_response()
                }
            }
        }),
    );
    let addr = serve(app).await;
    let mut run = Run::new(Arc::new(Store::in_memory().unwrap()), vec![]);
    let tasks = spawn_all(&rss_cfg(format!("http://{addr}/feed")), &run.ctx);
    assert_eq!(run.mentions().await.mentions.len(), 1);
    let seen = log.all();
    let gap = seen[1].at - seen[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "retried after {gap:?}, before Retry-After"
    );
    let m = &run.metrics;
    let get = |result| {
        m.get(
            "sturmglas_source_fetches_total",
            &[("source", "rss:test"), ("result", result)],
        )
    };
    assert_eq!(get("rate_limited"), 1.0);
    assert!(get("ok") >= 1.0);
    run.stop(tasks).await;
}
