//! Hacker News through the Algolia `search_by_date` API: stories and comments, no key.
//! The whole kind lives here: the `[[sources.hackernews]]` block, its checks and its tasks
//! ([`SourceKind`]), listed once in [`super::registry`].
//!
//! Invariant: per query the cursor is the newest `created_at_i` seen plus the ids seen at that
//! second; the next poll asks `created_at_i>=` that second and drops those ids, so posts that
//! share the boundary second are neither lost nor counted twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::DefaultDirectRateLimiter;
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use toml::Spanned;

use super::http::{check, endpoint, SourceError};
use super::kind::{base_url, common_raw, dur, secs, Common, Names, SourceKind};
use super::poll::{self, Fetched, Poller};
use super::text::html_to_text;
use super::SourceContext;
use crate::config::{Ctx, HumanDuration};
use crate::mention::Mention;

const HITS_PER_PAGE: usize = 100;
const MAX_PAGES: u32 = 10;
/// How far back the very first poll (no cursor) looks.
const FIRST_LOOKBACK: i64 = 3600;

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
struct QueryCursor {
    t: i64,
    #[serde(default)]
    ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Hit {
    #[serde(rename = "objectID")]
    object_id: String,
    created_at_i: i64,
    author: Option<String>,
    title: Option<String>,
    story_text: Option<String>,
    comment_text: Option<String>,
    url: Option<String>,
    points: Option<i64>,
    #[serde(default, rename = "_tags")]
    tags: Vec<String>,
}

common_raw! {
    /// `[[sources.hackernews]]` as written.
    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct HackernewsRaw {
        pub query: Option<String>,
        pub interval: Option<HumanDuration>,
        pub api_base: Option<Spanned<String>>,
    }
}

/// A validated `[[sources.hackernews]]` block: Algolia's HN search.
#[derive(Debug, Clone)]
pub struct HackernewsSource {
    pub query: Option<String>,
    pub interval: Duration,
    pub api_base: url::Url,
    pub common: Common,
}

impl SourceKind for HackernewsSource {
    type Raw = HackernewsRaw;
    const EXAMPLE: &'static str = "";

    fn validate(r: &HackernewsRaw, ctx: &mut Ctx<'_>, names: &mut Names) -> Option<Self> {
        let interval = dur(r.interval, secs(120));
        let default_name = match &r.query {
            Some(q) => format!("hackernews:{q}"),
            None => "hackernews".to_string(),
        };
        let anchor = r.api_base.as_ref().map(|e| e.span()).unwrap_or(0..0);
        let common = names.common(ctx, anchor, default_name, r.common_keys(), interval);
        let api_base = base_url(ctx, &r.api_base, "https://hn.algolia.com")?;
        Some(HackernewsSource {
            query: r.query.clone(),
            interval,
            api_base,
            common,
        })
    }

    fn spawn(&self, ctx: &SourceContext) -> Vec<(String, JoinHandle<()>)> {
        vec![(self.common.name.clone(), spawn(self.clone(), ctx.clone()))]
    }
}

pub fn spawn(cfg: HackernewsSource, ctx: SourceContext) -> JoinHandle<()> {
    let queries = match &cfg.query {
        Some(q) => vec![q.clone()],
        None => ctx
            .brands
            .iter()
            .flat_map(|b| b.keywords.iter().cloned())
            .collect(),
    };
    if queries.is_empty() {
        tracing::warn!(
            source = %cfg.common.name,
            "No query and no brand keywords: this source will find nothing."
        );
    }
    let poller = HnPoller {
        base: cfg.api_base.clone(),
        name: cfg.common.name.clone(),
        queries,
        // Documented: 10,000 requests per hour per IP.
        limiter: poll::limiter(10_000, Duration::from_secs(3600), 10),
        ctx: ctx.clone(),
    };
    tokio::spawn(poll::run(
        poller,
        "hackernews",
        cfg.common,
        cfg.interval,
        ctx,
    ))
}

struct HnPoller {
    base: url::Url,
    name: String,
    queries: Vec<String>,
    limiter: Arc<DefaultDirectRateLimiter>,
    ctx: SourceContext,
}

impl Poller for HnPoller {
    async fn poll(&mut self, cursor: Option<String>) -> Result<Fetched, SourceError> {
        let mut cursors: BTreeMap<String, QueryCursor> = cursor
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let mut mentions = Vec::new();
        for q in &self.queries {
            let cur = cursors.get(q).cloned().unwrap_or_else(|| QueryCursor {
                t: Utc::now().timestamp() - FIRST_LOOKBACK,
                ids: Vec::new(),
            });
            let (found, next) = self.query(q, &cur).await?;
            mentions.extend(found);
            cursors.insert(q.clone(), next);
        }
        Ok(Fetched {
            mentions,
            cursor: serde_json::to_string(&cursors).ok(),
            wait: None,
        })
    }
}

impl HnPoller {
    async fn query(
        &self,
        q: &str,
        cur: &QueryCursor,
    ) -> Result<(Vec<Mention>, QueryCursor), SourceError> {
        let url = endpoint(&self.base, "/api/v1/search_by_date");
        let mut out = Vec::new();
        let mut next = cur.clone();
        for page in 0..MAX_PAGES {
            self.limiter.until_ready().await;
            let mut u = url.clone();
            u.query_pairs_mut()
                .append_pair("query", q)
                .append_pair("tags", "(story,comment)")
                .append_pair("numericFilters", &format!("created_at_i>={}", cur.t))
                .append_pair("hitsPerPage", &HITS_PER_PAGE.to_string())
                .append_pair("page", &page.to_string());
            let resp = check(self.ctx.http.get(u).send().await?)?;
            let body: serde_json::Value = resp.json().await?;
            let hits = body
                .get("hits")
                .and_then(|h| h.as_array())
                .ok_or_else(|| SourceError::Parse("no `hits` array".into()))?;
            let n = hits.len();
            for v in hits {
                let hit: Hit = match serde_json::from_value(v.clone()) {
                    Ok(h) => h,
                    Err(e) => {
                        super::skip_item(&self.ctx, &self.name, &e);
                        continue;
                    }
                };
                if hit.created_at_i == cur.t && cur.ids.contains(&hit.object_id) {
                    continue;
                }
                if hit.created_at_i > next.t {
                    next.t = hit.created_at_i;
                    next.ids.clear();
                }
                if hit.created_at_i == next.t && !next.ids.contains(&hit.object_id) {
                    next.ids.push(hit.object_id.clone());
                }
                match hit_mention(hit, &self.name) {
                    Ok(m) => out.push(m),
                    Err(e) => super::skip_item(&self.ctx, &self.name, &e),
                }
            }
            let pages = body.get("nbPages").and_then(|p| p.as_u64()).unwrap_or(1);
            if n < HITS_PER_PAGE || u64::from(page) + 1 >= pages {
                break;
            }
        }
        Ok((out, next))
    }
}

fn hit_mention(hit: Hit, source: &str) -> Result<Mention, String> {
    let is_comment = hit.tags.iter().any(|t| t == "comment") || hit.comment_text.is_some();
    let text = if is_comment {
        hit.comment_text.as_deref().map(html_to_text)
    } else {
        let title = hit.title.clone().unwrap_or_default();
        match hit.story_text.as_deref().map(html_to_text) {
            Some(body) if !body.is_empty() => Some(format!("{title}\n{body}")),
            _ => Some(title),
        }
    }
    .filter(|t| !t.trim().is_empty())
    .ok_or_else(|| format!("item {} has no text", hit.object_id))?;
    let mut m = Mention::new(text);
    m.id = Some(format!("hackernews:{}", hit.object_id));
    m.source = Some(source.to_string());
    m.created_at = DateTime::from_timestamp(hit.created_at_i, 0);
    m.author = hit.author;
    m.url = Some(match (is_comment, hit.url) {
        (false, Some(u)) if !u.is_empty() => u,
        _ => format!("https://news.ycombinator.com/item?id={}", hit.object_id),
    });
    m.reach = hit.points.and_then(|p| u64::try_from(p).ok());
    Ok(m)
}
