//! Bluesky through Jetstream: the whole network's posts over one WebSocket, matched locally.
//! The whole kind lives here: the `[[sources.bluesky]]` block, its checks and its tasks
//! ([`SourceKind`]), listed once in [`super::registry`].
//!
//! Invariant: the cursor is the `time_us` of the last event handed to the core; a (re)connect
//! asks for events from `rewind` before it, so nothing between the last flush and a drop or a
//! restart is lost, and the replayed posts carry the same ids (`bluesky:at://…`) for the
//! core's de-duplication. The cursor advances even when no post matches, so a restart does not
//! replay hours of unrelated traffic.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use toml::Spanned;

use super::http::{Backoff, SourceError};
use super::kind::{common_raw, dur, secs, ws_url, Common, Names, SourceKind};
use super::{load_cursor, reconnect_after, send_batch, Batch, SourceContext};
use crate::config::Brand;
use crate::config::{Ctx, HumanDuration};
use crate::matching::{BrandMatcher, BrandSpec};
use crate::mention::Mention;

const POST: &str = "app.bsky.feed.post";

#[derive(Debug, Deserialize)]
struct Event {
    did: String,
    time_us: i64,
    kind: String,
    commit: Option<Commit>,
}

#[derive(Debug, Deserialize)]
struct Commit {
    operation: String,
    collection: String,
    rkey: String,
    record: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct PostRecord {
    text: String,
    #[serde(rename = "createdAt")]
    created_at: Option<String>,
    #[serde(default)]
    langs: Vec<String>,
}

/// Bluesky's public Jetstream, used when `endpoint` is not set.
pub const DEFAULT_JETSTREAM: &str = "wss://jetstream2.us-east.bsky.network/subscribe";

common_raw! {
    /// `[[sources.bluesky]]` as written.
    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct BlueskyRaw {
        pub endpoint: Option<Spanned<String>>,
        /// How far back to resume before the stored `time_us` (default 5s).
        pub rewind: Option<HumanDuration>,
        /// How often matched posts and the cursor are handed to the core (default 2s).
        pub flush_interval: Option<HumanDuration>,
        /// A connection without any frame for this long is dead (default 60s).
        pub idle_timeout: Option<HumanDuration>,
    }
}

/// A validated `[[sources.bluesky]]` block: one Jetstream connection.
#[derive(Debug, Clone)]
pub struct BlueskySource {
    pub endpoint: url::Url,
    pub rewind: Duration,
    pub flush_interval: Duration,
    pub idle_timeout: Duration,
    pub common: Common,
}

impl SourceKind for BlueskySource {
    type Raw = BlueskyRaw;
    const EXAMPLE: &'static str = "";

    fn validate(r: &BlueskyRaw, ctx: &mut Ctx<'_>, names: &mut Names) -> Option<Self> {
        let endpoint = match &r.endpoint {
            Some(e) => ws_url(ctx, e),
            None => url::Url::parse(DEFAULT_JETSTREAM).ok(),
        };
        let anchor = r.endpoint.as_ref().map(|e| e.span()).unwrap_or(0..0);
        let host = endpoint
            .as_ref()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let common = names.common(
            ctx,
            anchor,
            format!("bluesky:{host}"),
            r.common_keys(),
            secs(60),
        );
        Some(BlueskySource {
            endpoint: endpoint?,
            rewind: dur(r.rewind, secs(5)),
            flush_interval: dur(r.flush_interval, secs(2)),
            idle_timeout: dur(r.idle_timeout, secs(60)),
            common,
        })
    }

    fn spawn(&self, ctx: &SourceContext) -> Vec<(String, JoinHandle<()>)> {
        vec![(self.common.name.clone(), spawn(self.clone(), ctx.clone()))]
    }
}

pub fn spawn(cfg: BlueskySource, ctx: SourceContext) -> JoinHandle<()> {
    tokio::spawn(run(cfg, ctx))
}

/// The brands' matcher; `None` (and a warning) when no brand is configured.
fn matcher(ctx: &SourceContext) -> Option<BrandMatcher> {
    let kws: Vec<BrandSpec<'_>> = ctx.brands.iter().map(Brand::spec).collect();
    match BrandMatcher::new(&kws) {
        Ok(m) => Some(m),
        Err(error) => {
            tracing::error!(%error, "Cannot build the Bluesky keyword matcher.");
            None
        }
    }
}

async fn run(cfg: BlueskySource, ctx: SourceContext) {
    let name = cfg.common.name.clone();
    let mut shutdown = ctx.shutdown.clone();
    // The connection's own handle, so the loop can select on shutdown beside it.
    let mut inner = ctx.shutdown.clone();
    ctx.health
        .register(&name, "bluesky", cfg.common.silence_alert_after, Utc::now());
    let Some(matcher) = matcher(&ctx) else {
        ctx.health
            .failure(&name, "error", "no keyword matcher", Utc::now());
        return;
    };
    let mut cursor: Option<i64> = load_cursor(&ctx, &name).await.and_then(|c| c.parse().ok());
    let mut backoff = Backoff::new(cfg.common.backoff_initial, cfg.common.backoff_max);
    loop {
        let result = tokio::select! {
            r = connection(&cfg, &ctx, &matcher, &mut cursor, &mut inner, &mut backoff) => r,
            _ = shutdown.recv() => return,
        };
        let Err(error) = result else { return };
        if !reconnect_after(
            &ctx,
            &name,
            "Jetstream connection",
            &error,
            &mut backoff,
            &mut shutdown,
        )
        .await
        {
            return;
        }
    }
}

/// The subscribe URL: posts only, from `cursor - rewind` when there is a cursor.
pub fn subscribe_url(cfg: &BlueskySource, cursor: Option<i64>) -> url::Url {
    let mut u = cfg.endpoint.clone();
    let keep: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k != "cursor" && k != "wantedCollections")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = u.query_pairs_mut();
        q.clear();
        for (k, v) in &keep {
            q.append_pair(k, v);
        }
        q.append_pair("wantedCollections", POST);
        if let Some(c) = cursor {
            let back = c - i64::try_from(cfg.rewind.as_micros()).unwrap_or(i64::MAX);
            q.append_pair("cursor", &back.max(0).to_string());
        }
    }
    u
}

/// One connection's life. `Ok` means stop; `Err` means reconnect.
async fn connection(
    cfg: &BlueskySource,
    ctx: &SourceContext,
    matcher: &BrandMatcher,
    cursor: &mut Option<i64>,
    shutdown: &mut crate::shutdown::Shutdown,
    backoff: &mut Backoff,
) -> Result<(), SourceError> {
    let name = cfg.common.name.as_str();
    let url = subscribe_url(cfg, *cursor);
    let (mut ws, _) = tokio::time::timeout(
        Duration::from_secs(30),
        tokio_tungstenite::connect_async(url.as_str()),
    )
    .await
    .map_err(|_| SourceError::Stream("connect timed out".into()))?
    .map_err(|e| SourceError::Stream(format!("connect: {e}")))?;
    backoff.reset();
    tracing::info!(
        source = name,
        resume = cursor.is_some(),
        "Jetstream connected."
    );
    let mut pending: Vec<Mention> = Vec::new();
    let mut last_seen: Option<i64> = None;
    let mut flush = tokio::time::interval(cfg.flush_interval);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    flush.tick().await;
    loop {
        tokio::select! {
            msg = tokio::time::timeout(cfg.idle_timeout, ws.next()) => {
                let msg = msg.map_err(|_| SourceError::Stream("no frame within idle_timeout".into()))?;
                let msg = match msg {
                    None => return Err(SourceError::Stream("server closed the connection".into())),
                    Some(Err(e)) => return Err(SourceError::Stream(e.to_string())),
                    Some(Ok(m)) => m,
                };
                let text = match msg {
                    Message::Text(t) => t.to_string(),
                    Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
                    Message::Ping(p) => {
                        let _ = ws.send(Message::Pong(p)).await;
                        continue;
                    }
                    Message::Close(_) => {
                        return Err(SourceError::Stream("server closed the connection".into()))
                    }
                    _ => continue,
                };
                match handle_frame(&text, name, matcher) {
                    Ok((time_us, m)) => {
                        last_seen = Some(time_us.max(last_seen.unwrap_or(0)));
                        pending.extend(m);
                    }
                    Err(e) => super::skip_item(ctx, name, &e),
                }
            }
            _ = flush.tick() => {
                if !flush_batch(ctx, name, &mut pending, &mut last_seen, cursor, shutdown).await {
                    return Ok(());
                }
            }
        }
    }
}

/// Hands the matched posts and the cursor to the core; `false` means stop.
async fn flush_batch(
    ctx: &SourceContext,
    name: &str,
    pending: &mut Vec<Mention>,
    last_seen: &mut Option<i64>,
    cursor: &mut Option<i64>,
    shutdown: &mut crate::shutdown::Shutdown,
) -> bool {
    let Some(t) = last_seen.take() else {
        return true; // no frame since the last flush: nothing to say
    };
    let mentions = std::mem::take(pending);
    ctx.health.success(name, mentions.len(), Utc::now());
    let batch = Batch {
        source: name.to_string(),
        mentions,
        cursor: Some(t.to_string()),
        committed: None,
    };
    if !send_batch(ctx, shutdown, batch).await {
        return false;
    }
    *cursor = Some(t);
    true
}

/// One Jetstream frame: its `time_us` and, if it is a new post that mentions a brand, the
/// mention. Other events (deletes, identity, account, likes) only move the cursor. Public for
/// the throughput benchmark (`cargo bench --bench sources_jetstream`): the firehose carries
/// every post on the network, so this runs hundreds of times a second.
pub fn handle_frame(
    text: &str,
    source: &str,
    matcher: &BrandMatcher,
) -> Result<(i64, Option<Mention>), String> {
    let ev: Event = serde_json::from_str(text).map_err(|e| format!("frame: {e}"))?;
    let Some(c) = ev
        .commit
        .filter(|c| ev.kind == "commit" && c.operation == "create" && c.collection == POST)
    else {
        return Ok((ev.time_us, None));
    };
    let record = c
        .record
        .ok_or_else(|| format!("post {} without record", c.rkey))?;
    let post: PostRecord =
        serde_json::from_value(record).map_err(|e| format!("post {}: {e}", c.rkey))?;
    if post.text.trim().is_empty() || matcher.matches(&post.text).is_empty() {
        return Ok((ev.time_us, None));
    }
    let mut m = Mention::new(post.text);
    m.id = Some(format!("bluesky:at://{}/{POST}/{}", ev.did, c.rkey));
    m.source = Some(source.to_string());
    m.created_at = post
        .created_at
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| DateTime::from_timestamp_micros(ev.time_us));
    m.author = Some(ev.did.clone());
    m.url = Some(format!(
        "https://bsky.app/profile/{}/post/{}",
        ev.did, c.rkey
    ));
    m.lang = post.langs.into_iter().next();
    Ok((ev.time_us, Some(m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_url_rewinds_and_keeps_other_params() {
        let cfg = BlueskySource {
            endpoint: url::Url::parse("wss://j.example/subscribe?maxMessageSizeBytes=0").unwrap(),
            rewind: Duration::from_secs(5),
            flush_interval: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(60),
            common: Common::new("bluesky", Duration::from_secs(60)),
        };
        assert_eq!(
            subscribe_url(&cfg, Some(1_767_225_600_000_000)).as_str(),
            "wss://j.example/subscribe?maxMessageSizeBytes=0\
             &wantedCollections=app.bsky.feed.post&cursor=1767225595000000"
        );
        assert!(!subscribe_url(&cfg, None).as_str().contains("cursor"));
    }

    #[test]
    fn only_matching_new_posts_become_mentions() {
        let kw = vec!["Acme".to_string()];
        let m = BrandMatcher::new(&[BrandSpec::keywords(&kw, &[])]).unwrap();
        let post = r#"{"did":"did:plc:a","time_us":5,"kind":"commit","commit":{"rev":"r","operation":"create","collection":"app.bsky.feed.post","rkey":"k","record":{"text":"Acme again","langs":["de"],"createdAt":"2026-01-01T00:00:00.100Z"}}}"#;
        let (t, mention) = handle_frame(post, "bluesky:x", &m).unwrap();
        let mention = mention.unwrap();
        assert_eq!(t, 5);
        assert_eq!(mention.lang.as_deref(), Some("de"));
        assert_eq!(
            mention.id.as_deref(),
            Some("bluesky:at://did:plc:a/app.bsky.feed.post/k")
        );
        let other = post.replace("Acme again", "nothing here");
        assert!(handle_frame(&other, "b", &m).unwrap().1.is_none());
        let ident = r#"{"did":"did:plc:c","time_us":9,"kind":"identity","identity":{}}"#;
        assert_eq!(handle_frame(ident, "b", &m).unwrap(), (9, None));
        assert!(handle_frame("{\"time_us\":", "b", &m).is_err());
    }
}
