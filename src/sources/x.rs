//! X (Twitter) API v2: recent search with `since_id`, and the filtered stream when enabled.
//! The whole kind lives here: the `[[sources.x]]` block, its checks and its tasks
//! ([`SourceKind`]), listed once in [`super::registry`].
//!
//! Invariant: per query the cursor is the newest tweet id counted. Polling asks `since_id=` it
//! (paging with `next_token` until caught up); in stream mode every (re)connect first
//! back-fills the gap over recent search from the same cursor, so a dropped stream loses
//! nothing, and tweets the back-fill and the stream both deliver share one id for
//! de-duplication. Requests stay under 450 per 15 minutes (governor) and wait for the reset
//! when `x-rate-limit-remaining` is used up.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::DefaultDirectRateLimiter;
use reqwest::header::AUTHORIZATION;
use serde::Deserialize;
use tokio::task::JoinHandle;
use toml::Spanned;

use super::http::{check, endpoint, open_stream, rate_limit_wait, Backoff, SourceError};
use super::kind::{base_url, common_raw, dur, secs, Common, Names, SourceKind};
use super::poll::{self, Fetched, Poller};
use super::text::plain;
use super::{load_cursor, reconnect_after, send_batch, Batch, SourceContext};
use crate::config::{Ctx, HumanDuration, Secret};
use crate::mention::Mention;

const MAX_PAGES: usize = 10;
const RULE_TAG_PREFIX: &str = "sturmglas:";

#[derive(Debug, Deserialize)]
struct Tweet {
    id: String,
    text: String,
    author_id: Option<String>,
    created_at: Option<DateTime<Utc>>,
    lang: Option<String>,
    public_metrics: Option<TweetMetrics>,
}

#[derive(Debug, Deserialize)]
struct TweetMetrics {
    #[serde(default)]
    like_count: u64,
}

#[derive(Debug, Deserialize)]
struct User {
    id: String,
    username: String,
    public_metrics: Option<UserMetrics>,
}

#[derive(Debug, Deserialize)]
struct UserMetrics {
    #[serde(default)]
    followers_count: u64,
}

type Cursors = BTreeMap<String, String>;

common_raw! {
    /// `[[sources.x]]` as written.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct XRaw {
        pub bearer_token: Option<Spanned<String>>,
        pub bearer_token_file: Option<Spanned<String>>,
        pub query: Option<String>,
        pub interval: Option<HumanDuration>,
        /// Use the filtered stream (with recent search to back-fill after reconnects).
        pub stream: Option<bool>,
        pub idle_timeout: Option<HumanDuration>,
        pub api_base: Option<Spanned<String>>,
    }
}

/// A validated `[[sources.x]]` block: recent search, or the filtered stream.
#[derive(Debug, Clone)]
pub struct XSource {
    pub bearer_token: Secret,
    pub query: Option<String>,
    pub interval: Duration,
    pub stream: bool,
    pub idle_timeout: Duration,
    pub api_base: url::Url,
    pub common: Common,
}

impl SourceKind for XSource {
    type Raw = XRaw;
    const EXAMPLE: &'static str = r#"bearer_token = "t""#;

    fn validate(r: &XRaw, ctx: &mut Ctx<'_>, names: &mut Names) -> Option<Self> {
        let interval = dur(r.interval, secs(300));
        let token = ctx.secret(
            "bearer_token",
            r.bearer_token.as_ref(),
            r.bearer_token_file.as_ref(),
        );
        let anchor = r
            .bearer_token_file
            .as_ref()
            .or(r.bearer_token.as_ref())
            .map(|e| e.span())
            .unwrap_or(0..0);
        if r.bearer_token.is_none() && r.bearer_token_file.is_none() {
            ctx.error(anchor.clone(), "x needs `bearer_token_file`");
        }
        let default_name = match &r.query {
            Some(q) => format!("x:{q}"),
            None => "x".to_string(),
        };
        let common = names.common(ctx, anchor, default_name, r.common_keys(), interval);
        let api_base = base_url(ctx, &r.api_base, "https://api.x.com");
        Some(XSource {
            bearer_token: token?,
            query: r.query.clone(),
            interval,
            stream: r.stream.unwrap_or(false),
            idle_timeout: dur(r.idle_timeout, secs(60)),
            api_base: api_base?,
            common,
        })
    }

    fn spawn(&self, ctx: &SourceContext) -> Vec<(String, JoinHandle<()>)> {
        vec![(self.common.name.clone(), spawn(self.clone(), ctx.clone()))]
    }
}

pub fn spawn(cfg: XSource, ctx: SourceContext) -> JoinHandle<()> {
    let queries = match &cfg.query {
        Some(q) => vec![q.clone()],
        None => super::brand_queries(&ctx.brands, " OR ")
            .into_iter()
            .map(|q| format!("({q}) -is:retweet"))
            .collect(),
    };
    if queries.is_empty() {
        tracing::warn!(
            source = %cfg.common.name,
            "No query and no brand keywords: this source will find nothing."
        );
    }
    let client = XClient {
        cfg: cfg.clone(),
        queries,
        // Documented: 450 recent-search requests per 15 minutes per app.
        limiter: poll::limiter(450, Duration::from_secs(900), 5),
        ctx: ctx.clone(),
    };
    if cfg.stream {
        tokio::spawn(run_stream(client))
    } else {
        tokio::spawn(poll::run(client, "x", cfg.common, cfg.interval, ctx))
    }
}

struct XClient {
    cfg: XSource,
    queries: Vec<String>,
    limiter: Arc<DefaultDirectRateLimiter>,
    ctx: SourceContext,
}

impl Poller for XClient {
    async fn poll(&mut self, cursor: Option<String>) -> Result<Fetched, SourceError> {
        let mut cursors: Cursors = parse_cursor(cursor.as_deref());
        let mut mentions = Vec::new();
        let mut wait = None;
        for q in &self.queries {
            let (found, newest, w) = self.search(q, cursors.get(q).map(String::as_str)).await?;
            mentions.extend(found);
            wait = wait.max(w);
            if let Some(n) = newest {
                cursors.insert(q.clone(), n);
            }
        }
        Ok(Fetched {
            mentions,
            cursor: serde_json::to_string(&cursors).ok(),
            wait,
        })
    }
}

fn parse_cursor(c: Option<&str>) -> Cursors {
    c.and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default()
}

/// Tweet ids are 64-bit snowflakes: compare numerically, not as strings.
fn newer(a: &str, than: Option<&str>) -> bool {
    match (a.parse::<u64>(), than.map(str::parse::<u64>)) {
        (Ok(a), Some(Ok(b))) => a > b,
        _ => true,
    }
}

impl XClient {
    fn auth(&self) -> String {
        format!("Bearer {}", self.cfg.bearer_token.expose())
    }

    /// Recent search for `q` newer than `since_id`; returns the mentions, the newest id and
    /// the wait the rate-limit headers ask for.
    async fn search(
        &self,
        q: &str,
        since_id: Option<&str>,
    ) -> Result<(Vec<Mention>, Option<String>, Option<Duration>), SourceError> {
        let mut out = Vec::new();
        let mut newest: Option<String> = None;
        let mut wait = None;
        let mut next_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            self.limiter.until_ready().await;
            let mut url = endpoint(&self.cfg.api_base, "/2/tweets/search/recent");
            url.query_pairs_mut()
                .append_pair("query", q)
                .append_pair("max_results", "100")
                .append_pair("tweet.fields", "created_at,author_id,lang,public_metrics")
                .append_pair("expansions", "author_id")
                .append_pair("user.fields", "username,public_metrics");
            if let Some(s) = since_id {
                url.query_pairs_mut().append_pair("since_id", s);
            }
            if let Some(t) = &next_token {
                url.query_pairs_mut().append_pair("next_token", t);
            }
            let resp = check(
                self.ctx
                    .http
                    .get(url)
                    .header(AUTHORIZATION, self.auth())
                    .send()
                    .await?,
            )?;
            wait = wait.max(rate_limit_wait(resp.headers(), Utc::now()));
            let body: serde_json::Value = resp.json().await?;
            for m in self.mentions(&body) {
                let id = m.id.as_deref().unwrap_or("").trim_start_matches("x:");
                if newer(id, newest.as_deref()) {
                    newest = Some(id.to_string());
                }
                out.push(m);
            }
            next_token = body
                .pointer("/meta/next_token")
                .and_then(|t| t.as_str())
                .map(str::to_string);
            // Without a since_id the first page (newest 100) is the starting point.
            if next_token.is_none() || since_id.is_none() {
                break;
            }
        }
        Ok((out, newest, wait))
    }

    /// The tweets of a search page or stream line (`data` an array or one object).
    fn mentions(&self, body: &serde_json::Value) -> Vec<Mention> {
        let users: HashMap<String, User> = body
            .pointer("/includes/users")
            .and_then(|u| u.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|u| serde_json::from_value::<User>(u.clone()).ok())
                    .map(|u| (u.id.clone(), u))
                    .collect()
            })
            .unwrap_or_default();
        let items: Vec<&serde_json::Value> = match body.get("data") {
            Some(serde_json::Value::Array(a)) => a.iter().collect(),
            Some(v @ serde_json::Value::Object(_)) => vec![v],
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for v in items {
            match serde_json::from_value::<Tweet>(v.clone()) {
                Ok(t) if !t.text.trim().is_empty() => {
                    out.push(tweet_mention(t, &users, &self.cfg.common.name))
                }
                Ok(t) => super::skip_item(
                    &self.ctx,
                    &self.cfg.common.name,
                    &format!("tweet {} has no text", t.id),
                ),
                Err(e) => super::skip_item(&self.ctx, &self.cfg.common.name, &e),
            }
        }
        out
    }

    /// Makes the stream's rules match our queries: adds missing ones, deletes our stale ones.
    async fn sync_rules(&self) -> Result<(), SourceError> {
        let url = endpoint(&self.cfg.api_base, "/2/tweets/search/stream/rules");
        self.limiter.until_ready().await;
        let resp = check(
            self.ctx
                .http
                .get(url.clone())
                .header(AUTHORIZATION, self.auth())
                .send()
                .await?,
        )?;
        let body: serde_json::Value = resp.json().await?;
        let mut have: Vec<(String, String)> = Vec::new();
        for r in body
            .get("data")
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
        {
            if let (Some(id), Some(tag)) = (
                r.get("id").and_then(|v| v.as_str()),
                r.get("tag").and_then(|v| v.as_str()),
            ) {
                have.push((id.to_string(), tag.to_string()));
            }
        }
        let want: Vec<String> = self
            .queries
            .iter()
            .map(|q| format!("{RULE_TAG_PREFIX}{q}"))
            .collect();
        let stale: Vec<&str> = have
            .iter()
            .filter(|(_, t)| t.starts_with(RULE_TAG_PREFIX) && !want.contains(t))
            .map(|(id, _)| id.as_str())
            .collect();
        let add: Vec<serde_json::Value> = self
            .queries
            .iter()
            .zip(&want)
            .filter(|(_, tag)| !have.iter().any(|(_, t)| t == *tag))
            .map(|(q, tag)| serde_json::json!({"value": q, "tag": tag}))
            .collect();
        if !stale.is_empty() {
            self.limiter.until_ready().await;
            let body = serde_json::json!({"delete": {"ids": stale}});
            check(
                self.ctx
                    .http
                    .post(url.clone())
                    .header(AUTHORIZATION, self.auth())
                    .json(&body)
                    .send()
                    .await?,
            )?;
        }
        if !add.is_empty() {
            self.limiter.until_ready().await;
            let body = serde_json::json!({ "add": add });
            check(
                self.ctx
                    .http
                    .post(url)
                    .header(AUTHORIZATION, self.auth())
                    .json(&body)
                    .send()
                    .await?,
            )?;
        }
        Ok(())
    }
}

fn tweet_mention(t: Tweet, users: &HashMap<String, User>, source: &str) -> Mention {
    let user = t.author_id.as_ref().and_then(|a| users.get(a));
    let mut m = Mention::new(plain(&t.text));
    m.url = Some(match user {
        Some(u) => format!("https://x.com/{}/status/{}", u.username, t.id),
        None => format!("https://x.com/i/web/status/{}", t.id),
    });
    m.id = Some(format!("x:{}", t.id));
    m.source = Some(source.to_string());
    m.created_at = t.created_at;
    m.author = user.map(|u| u.username.clone()).or(t.author_id);
    m.lang = t.lang.filter(|l| l != "und" && l != "zxx");
    m.reach = user
        .and_then(|u| u.public_metrics.as_ref().map(|p| p.followers_count))
        .or(t.public_metrics.map(|p| p.like_count));
    m
}

/// Stream mode: back-fill, sync rules, read the stream until it drops, back off, repeat.
async fn run_stream(client: XClient) {
    let ctx = client.ctx.clone();
    let common = client.cfg.common.clone();
    let name = common.name.as_str();
    let mut shutdown = ctx.shutdown.clone();
    // The connection's own handle, so the loop can select on shutdown beside it.
    let mut inner = ctx.shutdown.clone();
    ctx.health
        .register(name, "x", common.silence_alert_after, Utc::now());
    let mut cursors = parse_cursor(load_cursor(&ctx, name).await.as_deref());
    let mut backoff = Backoff::new(common.backoff_initial, common.backoff_max);
    loop {
        let result = tokio::select! {
            r = stream_once(&client, &mut cursors, &mut inner, &mut backoff) => r,
            _ = shutdown.recv() => return,
        };
        // Ok: shutdown, or the core is gone.
        let Err(error) = result else { return };
        if !reconnect_after(&ctx, name, "X stream", &error, &mut backoff, &mut shutdown).await {
            return;
        }
    }
}

/// One connection's life. `Ok` means stop; `Err` means reconnect.
async fn stream_once(
    client: &XClient,
    cursors: &mut Cursors,
    shutdown: &mut crate::shutdown::Shutdown,
    backoff: &mut Backoff,
) -> Result<(), SourceError> {
    let ctx = &client.ctx;
    let name = client.cfg.common.name.as_str();
    // Back-fill what the stream missed while down.
    let mut backfill = Vec::new();
    let mut next = cursors.clone();
    for q in &client.queries {
        let (found, newest, _) = client.search(q, cursors.get(q).map(String::as_str)).await?;
        backfill.extend(found);
        if let Some(n) = newest {
            next.insert(q.clone(), n);
        }
    }
    ctx.health.success(name, backfill.len(), Utc::now());
    if !backfill.is_empty() || next != *cursors {
        let batch = Batch {
            source: name.to_string(),
            mentions: backfill,
            cursor: serde_json::to_string(&next).ok(),
            committed: None,
        };
        if !send_batch(ctx, shutdown, batch).await {
            return Ok(());
        }
        *cursors = next;
    }
    client.sync_rules().await?;
    let mut url = endpoint(&client.cfg.api_base, "/2/tweets/search/stream");
    url.query_pairs_mut()
        .append_pair("tweet.fields", "created_at,author_id,lang,public_metrics")
        .append_pair("expansions", "author_id")
        .append_pair("user.fields", "username,public_metrics");
    let mut resp = open_stream(ctx.http.get(url).header(AUTHORIZATION, client.auth())).await?;
    backoff.reset();
    tracing::info!(source = name, "X filtered stream connected.");
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let chunk = tokio::time::timeout(client.cfg.idle_timeout, resp.chunk())
            .await
            .map_err(|_| SourceError::Stream("no data or keep-alive within idle_timeout".into()))??
            .ok_or_else(|| SourceError::Stream("server closed the stream".into()))?;
        buf.extend_from_slice(&chunk);
        while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim();
            ctx.health.alive(name, Utc::now());
            if line.is_empty() {
                continue; // keep-alive
            }
            let v: serde_json::Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    super::skip_item(ctx, name, &e);
                    continue;
                }
            };
            let mentions = client.mentions(&v);
            if mentions.is_empty() {
                if let Some(errors) = v.get("errors") {
                    tracing::warn!(source = name, %errors, "X stream reported an error.");
                }
                continue;
            }
            let tags: Vec<String> = v
                .get("matching_rules")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("tag").and_then(|t| t.as_str()))
                .filter_map(|t| t.strip_prefix(RULE_TAG_PREFIX))
                .map(str::to_string)
                .collect();
            let mut next = cursors.clone();
            for m in &mentions {
                let id = m.id.as_deref().unwrap_or("").trim_start_matches("x:");
                for q in &tags {
                    if newer(id, next.get(q).map(String::as_str)) {
                        next.insert(q.clone(), id.to_string());
                    }
                }
            }
            ctx.health.success(name, mentions.len(), Utc::now());
            let batch = Batch {
                source: name.to_string(),
                mentions,
                cursor: serde_json::to_string(&next).ok(),
                committed: None,
            };
            if !send_batch(ctx, shutdown, batch).await {
                return Ok(());
            }
            *cursors = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_as_numbers() {
        assert!(newer("1874000000000000010", Some("999")));
        assert!(!newer("999", Some("1874000000000000010")));
        assert!(newer("5", None));
    }
}
