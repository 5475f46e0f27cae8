//! Reddit search over OAuth (application-only client credentials), newest first.
//! The whole kind lives here: the `[[sources.reddit]]` block, its checks and its tasks
//! ([`SourceKind`]), listed once in [`super::registry`].
//!
//! Invariant: per query the cursor is the fullname of the newest post counted; the next poll
//! asks `before=` it, which lists only newer posts. Requests stay under Reddit's 100 per
//! minute per client id (governor), and a used-up `X-Ratelimit-Remaining` waits for the reset.
//! When the cursor post vanishes (deleted, removed as spam) an empty page is checked against
//! the newest page, so the query does not go blind.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::DateTime;
use governor::DefaultDirectRateLimiter;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use toml::Spanned;

use super::http::{check, endpoint, rate_limit_wait, SourceError};
use super::kind::{base_url, common_raw, dur, secs, Common, Names, SourceKind};
use super::poll::{self, Fetched, Poller};
use super::text::plain;
use super::SourceContext;
use crate::config::Secret;
use crate::config::{Ctx, HumanDuration};
use crate::mention::Mention;

#[derive(Debug, Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct Post {
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    selftext: String,
    author: Option<String>,
    created_utc: f64,
    permalink: Option<String>,
    score: Option<i64>,
}

common_raw! {
    /// `[[sources.reddit]]` as written.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct RedditRaw {
        pub client_id: Spanned<String>,
        pub client_secret: Option<Spanned<String>>,
        pub client_secret_file: Option<Spanned<String>>,
        pub user_agent: Spanned<String>,
        pub query: Option<String>,
        pub interval: Option<HumanDuration>,
        pub auth_base: Option<Spanned<String>>,
        pub api_base: Option<Spanned<String>>,
    }
}

/// A validated `[[sources.reddit]]` block: one OAuth app and its searches.
#[derive(Debug, Clone)]
pub struct RedditSource {
    pub client_id: String,
    pub client_secret: Secret,
    pub user_agent: String,
    /// `None`: one query per brand from its keywords.
    pub query: Option<String>,
    pub interval: Duration,
    pub auth_base: url::Url,
    pub api_base: url::Url,
    pub common: Common,
}

/// Reddit asks for `<platform>:<app ID>:<version> (by /u/<username>)` and throttles others.
fn valid_user_agent(ua: &str) -> bool {
    let Some((head, tail)) = ua.split_once(" (by ") else {
        return false;
    };
    head.split(':').filter(|p| !p.trim().is_empty()).count() >= 3
        && (tail.starts_with("/u/") || tail.starts_with("u/"))
        && tail.ends_with(')')
}

impl SourceKind for RedditSource {
    type Raw = RedditRaw;
    const EXAMPLE: &'static str = r#"client_id = "id"
client_secret = "s"
user_agent = "linux:sturmglas:1.0 (by /u/someone)""#;

    fn validate(r: &RedditRaw, ctx: &mut Ctx<'_>, names: &mut Names) -> Option<Self> {
        let interval = dur(r.interval, secs(60));
        let secret = ctx.secret(
            "client_secret",
            r.client_secret.as_ref(),
            r.client_secret_file.as_ref(),
        );
        if secret.is_none() && r.client_secret.is_none() && r.client_secret_file.is_none() {
            ctx.error(r.client_id.span(), "reddit needs `client_secret_file`");
        }
        if !valid_user_agent(r.user_agent.get_ref()) {
            ctx.error(
                r.user_agent.span(),
                "Reddit requires user_agent in the form \
                 \"<platform>:<app ID>:<version> (by /u/<username>)\"",
            );
        }
        if r.client_id.get_ref().trim().is_empty() {
            ctx.error(r.client_id.span(), "`client_id` is empty");
        }
        let default_name = match &r.query {
            Some(q) => format!("reddit:{q}"),
            None => "reddit".to_string(),
        };
        let common = names.common(
            ctx,
            r.client_id.span(),
            default_name,
            r.common_keys(),
            interval,
        );
        let auth_base = base_url(ctx, &r.auth_base, "https://www.reddit.com");
        let api_base = base_url(ctx, &r.api_base, "https://oauth.reddit.com");
        Some(RedditSource {
            client_id: r.client_id.get_ref().trim().to_string(),
            client_secret: secret?,
            user_agent: r.user_agent.get_ref().clone(),
            query: r.query.clone(),
            interval,
            auth_base: auth_base?,
            api_base: api_base?,
            common,
        })
    }

    fn spawn(&self, ctx: &SourceContext) -> Vec<(String, JoinHandle<()>)> {
        vec![(self.common.name.clone(), spawn(self.clone(), ctx.clone()))]
    }
}

pub fn spawn(cfg: RedditSource, ctx: SourceContext) -> JoinHandle<()> {
    let queries = match &cfg.query {
        Some(q) => vec![q.clone()],
        None => super::brand_queries(&ctx.brands, " OR "),
    };
    if queries.is_empty() {
        tracing::warn!(
            source = %cfg.common.name,
            "No query and no brand keywords: this source will find nothing."
        );
    }
    let poller = RedditPoller {
        cfg: cfg.clone(),
        queries,
        token: None,
        // Documented: 100 queries per minute per OAuth client id.
        limiter: poll::limiter(100, Duration::from_secs(60), 5),
        ctx: ctx.clone(),
    };
    tokio::spawn(poll::run(poller, "reddit", cfg.common, cfg.interval, ctx))
}

struct RedditPoller {
    cfg: RedditSource,
    queries: Vec<String>,
    token: Option<(Secret, Instant)>,
    limiter: Arc<DefaultDirectRateLimiter>,
    ctx: SourceContext,
}

/// Where one query resumes: the newest post counted and its time.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Anchor {
    before: String,
    t: f64,
}

impl Poller for RedditPoller {
    async fn poll(&mut self, cursor: Option<String>) -> Result<Fetched, SourceError> {
        let mut cursors: BTreeMap<String, Anchor> = cursor
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let mut mentions = Vec::new();
        let mut wait = None;
        for q in self.queries.clone() {
            let anchor = cursors.get(&q).cloned();
            let (mut posts, w) = self
                .search(&q, anchor.as_ref().map(|a| a.before.as_str()))
                .await?;
            wait = wait.max(w);
            if let (true, Some(a)) = (posts.is_empty(), &anchor) {
                // An empty page may mean a quiet query, or that the anchor post was deleted
                // or removed (Reddit then lists nothing "before" it, ever). The newest page
                // tells the two apart; keep only what is newer than the anchor.
                let (newest, w) = self.search(&q, None).await?;
                wait = wait.max(w);
                posts = newest.into_iter().filter(|p| p.created_utc > a.t).collect();
                if !posts.is_empty() {
                    tracing::info!(source = %self.cfg.common.name, query = %q,
                        "Reddit cursor post is gone; resuming from its time.");
                }
            }
            if let Some(p) = posts.first() {
                cursors.insert(
                    q.clone(),
                    Anchor {
                        before: p.name.clone(),
                        t: p.created_utc,
                    },
                );
            }
            for post in posts {
                match post_mention(post, &self.cfg.common.name) {
                    Ok(m) => mentions.push(m),
                    Err(e) => super::skip_item(&self.ctx, &self.cfg.common.name, &e),
                }
            }
        }
        Ok(Fetched {
            mentions,
            cursor: serde_json::to_string(&cursors).ok(),
            wait,
        })
    }
}

impl RedditPoller {
    /// One `/search` page, newest first, malformed children skipped; and the wait the
    /// rate-limit headers ask for.
    async fn search(
        &mut self,
        q: &str,
        before: Option<&str>,
    ) -> Result<(Vec<Post>, Option<Duration>), SourceError> {
        let token = self.token().await?;
        self.limiter.until_ready().await;
        let mut url = endpoint(&self.cfg.api_base, "/search");
        url.query_pairs_mut()
            .append_pair("q", q)
            .append_pair("sort", "new")
            .append_pair("limit", "100")
            .append_pair("type", "link")
            .append_pair("raw_json", "1");
        if let Some(b) = before {
            url.query_pairs_mut().append_pair("before", b);
        }
        let resp = self
            .ctx
            .http
            .get(url)
            .header(USER_AGENT, &self.cfg.user_agent)
            .header(AUTHORIZATION, format!("bearer {}", token.expose()))
            .send()
            .await?;
        if resp.status() == reqwest::StatusCode::UNAUTHORIZED {
            self.token = None;
        }
        let resp = check(resp)?;
        let wait = rate_limit_wait(resp.headers(), chrono::Utc::now());
        let body: serde_json::Value = resp.json().await?;
        let children = body
            .pointer("/data/children")
            .and_then(|c| c.as_array())
            .ok_or_else(|| SourceError::Parse("no `data.children` in listing".into()))?;
        let mut posts = Vec::with_capacity(children.len());
        for child in children {
            match child
                .get("data")
                .cloned()
                .ok_or_else(|| "child without `data`".to_string())
                .and_then(|d| serde_json::from_value::<Post>(d).map_err(|e| e.to_string()))
            {
                Ok(p) => posts.push(p),
                Err(e) => super::skip_item(&self.ctx, &self.cfg.common.name, &e),
            }
        }
        Ok((posts, wait))
    }

    /// The cached app-only token, or a fresh one a minute before it expires.
    async fn token(&mut self) -> Result<Secret, SourceError> {
        if let Some((t, until)) = &self.token {
            if Instant::now() < *until {
                return Ok(t.clone());
            }
        }
        self.limiter.until_ready().await;
        let resp = self
            .ctx
            .http
            .post(endpoint(&self.cfg.auth_base, "/api/v1/access_token"))
            .basic_auth(&self.cfg.client_id, Some(self.cfg.client_secret.expose()))
            .header(USER_AGENT, &self.cfg.user_agent)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await?;
        let tok: TokenResponse = check(resp)?
            .json()
            .await
            .map_err(|e| SourceError::Parse(format!("token response: {e}")))?;
        let life = Duration::from_secs(tok.expires_in.unwrap_or(3600).saturating_sub(60).max(60));
        let secret = Secret::new(tok.access_token);
        self.token = Some((secret.clone(), Instant::now() + life));
        Ok(secret)
    }
}

fn post_mention(p: Post, source: &str) -> Result<Mention, String> {
    let title = plain(&p.title);
    let body = plain(&p.selftext);
    let text = match (title.is_empty(), body.is_empty()) {
        (true, true) => return Err(format!("post {} has no text", p.name)),
        (false, true) => title,
        (true, false) => body,
        (false, false) => format!("{title}\n{body}"),
    };
    let mut m = Mention::new(text);
    m.id = Some(format!("reddit:{}", p.name));
    m.source = Some(source.to_string());
    m.created_at = DateTime::from_timestamp(p.created_utc as i64, 0);
    m.author = p.author.filter(|a| a != "[deleted]");
    m.url = p.permalink.map(|l| format!("https://www.reddit.com{l}"));
    m.reach = p.score.and_then(|s| u64::try_from(s).ok());
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_form() {
        assert!(valid_user_agent("linux:sturmglas:1.0 (by /u/x)"));
        assert!(!valid_user_agent("sturmglas/1.0"));
        assert!(!valid_user_agent("linux:sturmglas (by /u/x)"));
    }
}
