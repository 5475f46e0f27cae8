//! Mastodon: hashtag timelines over REST, the streaming API (SSE) with a token, and full-text
//! search (`/api/v2/search`) with a token.
//! The whole kind lives here: the `[[sources.mastodon]]` block, its checks and its tasks
//! ([`SourceKind`]), listed once in [`super::registry`].
//!
//! Invariant: per hashtag the cursor is the newest status id counted. Polling asks
//! `min_id=` it and pages forward until caught up; streaming back-fills the same way after
//! every (re)connect before it reads the stream, so a dropped stream loses nothing. All tasks
//! of one block share a limiter at Mastodon's 300 requests per 5 minutes and wait for
//! `X-RateLimit-Reset` when the remaining count is used up.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::DefaultDirectRateLimiter;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use serde::Deserialize;
use tokio::task::JoinHandle;
use toml::Spanned;

use super::http::{check, endpoint, open_stream, rate_limit_wait, Backoff, SourceError};
use super::kind::{common_raw, dur, secs, Common, Names, SourceKind};
use super::poll::{self, Fetched, Poller};
use super::sse::{SseDecoder, SseItem};
use super::text::html_to_text;
use super::{load_cursor, reconnect_after, send_batch, Batch, SourceContext};
use crate::config::{Ctx, HumanDuration, Secret};
use crate::mention::Mention;

/// Mastodon's page size maximum for timelines and search.
const PAGE: usize = 40;
const MAX_PAGES: usize = 10;

#[derive(Debug, Deserialize)]
struct Status {
    id: String,
    uri: Option<String>,
    url: Option<String>,
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    content: String,
    #[serde(default)]
    spoiler_text: String,
    language: Option<String>,
    account: Option<Account>,
    reblog: Option<Box<Status>>,
}

#[derive(Debug, Deserialize)]
struct Account {
    acct: String,
    #[serde(default)]
    followers_count: u64,
}

/// Shared by all tasks of one `[[sources.mastodon]]` block.
#[derive(Clone)]
struct Instance {
    base: url::Url,
    streaming: url::Url,
    token: Option<crate::config::Secret>,
    limiter: Arc<DefaultDirectRateLimiter>,
    ctx: SourceContext,
}

/// What to ask: a hashtag timeline or a search query.
#[derive(Clone)]
enum Query {
    Tag(String),
    Search(String),
}

common_raw! {
    /// `[[sources.mastodon]]` as written.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct MastodonRaw {
        pub instance: Spanned<String>,
        #[serde(default)]
        pub hashtags: Vec<Spanned<String>>,
        pub token: Option<Spanned<String>>,
        pub token_file: Option<Spanned<String>>,
        pub interval: Option<HumanDuration>,
        /// With a token: use the streaming API (default true).
        pub streaming: Option<bool>,
        /// Where the streaming API lives when not on the instance's host (see the instance's
        /// `/api/v2/instance` → `configuration.urls.streaming`).
        pub streaming_url: Option<Spanned<String>>,
        /// With a token: full-text search queries (default: the brands' keywords).
        pub search: Option<Vec<String>>,
    }
}

/// A validated `[[sources.mastodon]]` block: one instance, its hashtags and search.
#[derive(Debug, Clone)]
pub struct MastodonSource {
    pub instance: url::Url,
    pub hashtags: Vec<String>,
    pub token: Option<Secret>,
    pub interval: Duration,
    pub streaming: bool,
    /// The streaming API's base URL; `None`: the instance itself.
    pub streaming_url: Option<url::Url>,
    /// `None`: the brands' keywords (only with a token).
    pub search: Option<Vec<String>>,
    pub common: Common,
}

impl SourceKind for MastodonSource {
    type Raw = MastodonRaw;
    const EXAMPLE: &'static str = r#"instance = "https://mastodon.social"
hashtags = ["nordwind"]"#;

    fn validate(r: &MastodonRaw, ctx: &mut Ctx<'_>, names: &mut Names) -> Option<Self> {
        let interval = dur(r.interval, secs(60));
        let token = ctx.secret("token", r.token.as_ref(), r.token_file.as_ref());
        let mut hashtags = Vec::new();
        for h in &r.hashtags {
            let tag = h.get_ref().trim().trim_start_matches('#');
            if tag.is_empty() || tag.contains(|c: char| c.is_whitespace() || c == '/') {
                ctx.error(h.span(), format!("invalid hashtag {:?}", h.get_ref()));
            } else {
                hashtags.push(tag.to_string());
            }
        }
        if r.hashtags.is_empty() && r.token.is_none() && r.token_file.is_none() {
            ctx.error(
                r.instance.span(),
                "mastodon needs `hashtags` (or a `token_file` for search)",
            );
        }
        let host = url::Url::parse(r.instance.get_ref())
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| r.instance.get_ref().clone());
        let common = names.common(
            ctx,
            r.instance.span(),
            format!("mastodon:{host}"),
            r.common_keys(),
            interval,
        );
        let streaming_url = r.streaming_url.as_ref().and_then(|u| {
            let wss = u.get_ref().replacen("wss://", "https://", 1);
            let ws = wss.replacen("ws://", "http://", 1);
            ctx.http_url(&Spanned::new(u.span(), ws))
        });
        let instance = ctx.http_url(&r.instance)?;
        Some(MastodonSource {
            instance,
            hashtags,
            streaming_url,
            streaming: r.streaming.unwrap_or(true) && token.is_some(),
            token,
            interval,
            search: r.search.clone(),
            common,
        })
    }

    fn spawn(&self, ctx: &SourceContext) -> Vec<(String, JoinHandle<()>)> {
        spawn(self.clone(), ctx.clone())
    }
}

/// Starts the block's tasks: one per hashtag, and one for search when there is a token.
pub fn spawn(cfg: MastodonSource, ctx: SourceContext) -> Vec<(String, JoinHandle<()>)> {
    let inst = Instance {
        base: cfg.instance.clone(),
        streaming: cfg
            .streaming_url
            .clone()
            .unwrap_or_else(|| cfg.instance.clone()),
        token: cfg.token.clone(),
        // Documented: 300 requests per 5 minutes per account (or per IP without a token).
        limiter: poll::limiter(300, Duration::from_secs(300), 10),
        ctx: ctx.clone(),
    };
    let mut out = Vec::new();
    for tag in &cfg.hashtags {
        let common = Common {
            name: format!("{}#{tag}", cfg.common.name),
            ..cfg.common.clone()
        };
        let name = common.name.clone();
        let h = if cfg.streaming {
            tokio::spawn(run_stream(inst.clone(), tag.clone(), common))
        } else {
            let p = MastodonPoller {
                inst: inst.clone(),
                name: name.clone(),
                query: Query::Tag(tag.clone()),
            };
            tokio::spawn(poll::run(p, "mastodon", common, cfg.interval, ctx.clone()))
        };
        out.push((name, h));
    }
    if cfg.token.is_some() {
        let queries = cfg.search.clone().unwrap_or_else(|| {
            ctx.brands
                .iter()
                .flat_map(|b| b.keywords.iter().cloned())
                .collect()
        });
        for q in queries {
            let common = Common {
                name: format!("{}?{q}", cfg.common.name),
                ..cfg.common.clone()
            };
            let name = common.name.clone();
            let p = MastodonPoller {
                inst: inst.clone(),
                name: name.clone(),
                query: Query::Search(q),
            };
            let h = tokio::spawn(poll::run(p, "mastodon", common, cfg.interval, ctx.clone()));
            out.push((name, h));
        }
    }
    out
}

struct MastodonPoller {
    inst: Instance,
    name: String,
    query: Query,
}

impl Poller for MastodonPoller {
    async fn poll(&mut self, cursor: Option<String>) -> Result<Fetched, SourceError> {
        let (mentions, newest, wait) = self
            .inst
            .fetch(&self.query, cursor.as_deref(), &self.name)
            .await?;
        Ok(Fetched {
            mentions,
            cursor: newest,
            wait,
        })
    }
}

/// Mastodon ids are numeric strings of varying length: compare as numbers.
fn newer(a: &str, than: Option<&str>) -> bool {
    match (a.parse::<u128>(), than.map(str::parse::<u128>)) {
        (Ok(a), Some(Ok(b))) => a > b,
        (_, None) => true,
        _ => a.len() > than.map_or(0, str::len) || Some(a) > than,
    }
}

impl Instance {
    fn get(&self, url: url::Url) -> reqwest::RequestBuilder {
        let req = self.ctx.http.get(url);
        match &self.token {
            Some(t) => req.header(AUTHORIZATION, format!("Bearer {}", t.expose())),
            None => req,
        }
    }

    /// Statuses newer than `min_id` (all of them, paging forward), the newest id among them,
    /// and the wait the rate-limit headers ask for.
    async fn fetch(
        &self,
        query: &Query,
        min_id: Option<&str>,
        source: &str,
    ) -> Result<(Vec<Mention>, Option<String>, Option<Duration>), SourceError> {
        let mut out = Vec::new();
        let mut newest: Option<String> = None;
        let mut wait = None;
        let mut from = min_id.map(str::to_string);
        for _ in 0..MAX_PAGES {
            self.limiter.until_ready().await;
            let mut url = match query {
                Query::Tag(tag) => endpoint(&self.base, &format!("/api/v1/timelines/tag/{tag}")),
                Query::Search(q) => {
                    let mut u = endpoint(&self.base, "/api/v2/search");
                    u.query_pairs_mut()
                        .append_pair("q", q)
                        .append_pair("type", "statuses")
                        .append_pair("resolve", "false");
                    u
                }
            };
            url.query_pairs_mut()
                .append_pair("limit", &PAGE.to_string());
            if let Some(m) = &from {
                url.query_pairs_mut().append_pair("min_id", m);
            }
            let resp = check(self.get(url).send().await?)?;
            wait = wait.max(rate_limit_wait(resp.headers(), Utc::now()));
            let body: serde_json::Value = resp.json().await?;
            let items = match query {
                Query::Tag(_) => body.as_array(),
                Query::Search(_) => body.get("statuses").and_then(|s| s.as_array()),
            }
            .ok_or_else(|| SourceError::Parse("expected an array of statuses".into()))?;
            let mut page_newest: Option<String> = None;
            for v in items {
                match serde_json::from_value::<Status>(v.clone())
                    .map_err(|e| e.to_string())
                    .and_then(|s| {
                        let id = s.id.clone();
                        status_mention(s, source).map(|m| (id, m))
                    }) {
                    Ok((id, m)) => {
                        if newer(&id, page_newest.as_deref()) {
                            page_newest = Some(id);
                        }
                        out.push(m);
                    }
                    Err(e) => super::skip_item(&self.ctx, source, &e),
                }
            }
            if let Some(p) = page_newest {
                if newer(&p, newest.as_deref()) {
                    newest = Some(p.clone());
                }
                from = Some(p);
            }
            // Without a cursor the newest page is the starting point; with one, page forward.
            if items.len() < PAGE || min_id.is_none() {
                break;
            }
        }
        Ok((out, newest, wait))
    }
}

fn status_mention(s: Status, source: &str) -> Result<Mention, String> {
    let s = match s.reblog {
        Some(inner) => *inner,
        None => s,
    };
    let body = html_to_text(&s.content);
    let text = if s.spoiler_text.trim().is_empty() {
        body
    } else {
        format!("{}\n{body}", s.spoiler_text.trim())
    };
    if text.trim().is_empty() {
        return Err(format!("status {} has no text", s.id));
    }
    let mut m = Mention::new(text);
    m.id = Some(format!(
        "mastodon:{}",
        s.uri.clone().unwrap_or_else(|| s.id.clone())
    ));
    m.source = Some(source.to_string());
    m.created_at = s.created_at;
    m.url = s.url.or(s.uri);
    m.lang = s.language;
    if let Some(a) = s.account {
        m.author = Some(a.acct);
        m.reach = Some(a.followers_count);
    }
    Ok(m)
}

/// Streaming mode for one hashtag: back-fill over REST, then read the SSE stream until it
/// drops; back off and repeat.
async fn run_stream(inst: Instance, tag: String, common: Common) {
    let ctx = inst.ctx.clone();
    let name = common.name.as_str();
    let mut shutdown = ctx.shutdown.clone();
    // The connection's own handle, so the loop can select on shutdown beside it.
    let mut inner = ctx.shutdown.clone();
    ctx.health
        .register(name, "mastodon", common.silence_alert_after, Utc::now());
    let mut cursor = load_cursor(&ctx, name).await;
    let mut backoff = Backoff::new(common.backoff_initial, common.backoff_max);
    loop {
        let result = tokio::select! {
            r = stream_once(&inst, &tag, name, &mut cursor, &mut inner, &mut backoff) => r,
            _ = shutdown.recv() => return,
        };
        let Err(error) = result else { return };
        if !reconnect_after(
            &ctx,
            name,
            "Mastodon stream",
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

/// One connection's life. `Ok` means stop; `Err` means reconnect.
async fn stream_once(
    inst: &Instance,
    tag: &str,
    name: &str,
    cursor: &mut Option<String>,
    shutdown: &mut crate::shutdown::Shutdown,
    backoff: &mut Backoff,
) -> Result<(), SourceError> {
    let ctx = &inst.ctx;
    let query = Query::Tag(tag.to_string());
    let (mentions, newest, _) = inst.fetch(&query, cursor.as_deref(), name).await?;
    ctx.health.success(name, mentions.len(), Utc::now());
    let next = newest.or_else(|| cursor.clone());
    if !mentions.is_empty() || next != *cursor {
        let batch = Batch {
            source: name.to_string(),
            mentions,
            cursor: next.clone(),
            committed: None,
        };
        if !send_batch(ctx, shutdown, batch).await {
            return Ok(());
        }
        *cursor = next;
    }
    let mut url = endpoint(&inst.streaming, "/api/v1/streaming/hashtag");
    url.query_pairs_mut().append_pair("tag", tag);
    inst.limiter.until_ready().await;
    let mut resp = open_stream(inst.get(url).header(ACCEPT, "text/event-stream")).await?;
    backoff.reset();
    tracing::info!(source = name, "Mastodon stream connected.");
    let mut decoder = SseDecoder::new();
    // Mastodon sends a heartbeat comment every 15 s or so; four missed ones is a dead stream.
    let idle = Duration::from_secs(60);
    loop {
        let chunk = tokio::time::timeout(idle, resp.chunk())
            .await
            .map_err(|_| SourceError::Stream("no event or heartbeat for 60 s".into()))??
            .ok_or_else(|| SourceError::Stream("server closed the stream".into()))?;
        for item in decoder.push(&chunk) {
            ctx.health.alive(name, Utc::now());
            let SseItem::Event { event, data } = item else {
                continue;
            };
            // Edits (`status.update`) and deletions do not change what was counted.
            if event != "update" {
                continue;
            }
            let status = match serde_json::from_str::<Status>(&data) {
                Ok(s) => s,
                Err(e) => {
                    super::skip_item(ctx, name, &e);
                    continue;
                }
            };
            let id = status.id.clone();
            let m = match status_mention(status, name) {
                Ok(m) => m,
                Err(e) => {
                    super::skip_item(ctx, name, &e);
                    continue;
                }
            };
            let next = if newer(&id, cursor.as_deref()) {
                Some(id)
            } else {
                cursor.clone()
            };
            ctx.health.success(name, 1, Utc::now());
            let batch = Batch {
                source: name.to_string(),
                mentions: vec![m],
                cursor: next.clone(),
                committed: None,
            };
            if !send_batch(ctx, shutdown, batch).await {
                return Ok(());
            }
            *cursor = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_as_numbers() {
        assert!(newer("115000000000000010", Some("99")));
        assert!(!newer("99", Some("115000000000000010")));
        assert!(newer("1", None));
    }

    #[test]
    fn reblog_counts_as_the_original() {
        let v = serde_json::json!({
            "id": "2", "content": "", "reblog": {
                "id": "1", "uri": "https://a/s/1", "content": "<p>Acme &amp; Co</p>",
                "account": {"acct": "bob@b", "followers_count": 5}
            }
        });
        let m = status_mention(serde_json::from_value(v).unwrap(), "mastodon:a#x").unwrap();
        assert_eq!(m.text, "Acme & Co");
        assert_eq!(m.id.as_deref(), Some("mastodon:https://a/s/1"));
        assert_eq!(m.reach, Some(5));
    }
}
