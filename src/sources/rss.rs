//! RSS 2.0 and Atom feeds (feed-rs), including Google Alerts.
//! The whole kind lives here: the `[[sources.rss]]` block, its checks and its tasks
//! ([`SourceKind`]), listed once in [`super::registry`].
//!
//! Invariant: an entry is counted once. The cursor holds the entry ids already seen (the
//! current feed window plus recent history) and the validators for a conditional GET, so an
//! unchanged feed costs one `304 Not Modified` and a changed one yields only its new entries.
//! Google Alerts titles lose their `<b>` highlights and `google.com/url?…&url=` redirects are
//! unwrapped to the article's own address.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use toml::Spanned;

use super::http::{check, SourceError};
use super::kind::{common_raw, dur, secs, Common, Names, SourceKind};
use super::poll::{self, Fetched, Poller};
use super::text::html_to_text;
use super::SourceContext;
use crate::config::{Ctx, HumanDuration};
use crate::mention::Mention;

/// How many entry ids the cursor remembers beyond the current feed.
const SEEN_CAP: usize = 1000;

/// Largest feed body read; a feed is small, a runaway response is not a feed.
const MAX_FEED_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
struct Cursor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
    /// Entry ids seen, newest first.
    #[serde(default)]
    seen: Vec<String>,
}

common_raw! {
    /// `[[sources.rss]]` as written.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct RssRaw {
        pub url: Spanned<String>,
        pub interval: Option<HumanDuration>,
    }
}

/// A validated `[[sources.rss]]` block: one feed.
#[derive(Debug, Clone)]
pub struct RssSource {
    pub url: url::Url,
    pub interval: Duration,
    pub common: Common,
}

impl SourceKind for RssSource {
    type Raw = RssRaw;
    const EXAMPLE: &'static str = r#"url = "https://example.com/feed""#;

    fn validate(r: &RssRaw, ctx: &mut Ctx<'_>, names: &mut Names) -> Option<Self> {
        let interval = dur(r.interval, secs(300));
        let common = names.common(
            ctx,
            r.url.span(),
            format!("rss:{}", r.url.get_ref()),
            r.common_keys(),
            interval,
        );
        let url = ctx.http_url(&r.url)?;
        Some(RssSource {
            url,
            interval,
            common,
        })
    }

    fn spawn(&self, ctx: &SourceContext) -> Vec<(String, JoinHandle<()>)> {
        vec![(self.common.name.clone(), spawn(self.clone(), ctx.clone()))]
    }
}

pub fn spawn(cfg: RssSource, ctx: SourceContext) -> JoinHandle<()> {
    let poller = RssPoller {
        url: cfg.url.clone(),
        name: cfg.common.name.clone(),
        ctx: ctx.clone(),
    };
    tokio::spawn(poll::run(poller, "rss", cfg.common, cfg.interval, ctx))
}

struct RssPoller {
    url: url::Url,
    name: String,
    ctx: SourceContext,
}

impl Poller for RssPoller {
    async fn poll(&mut self, cursor: Option<String>) -> Result<Fetched, SourceError> {
        let cur: Cursor = cursor
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let mut req = self.ctx.http.get(self.url.clone());
        if let Some(e) = &cur.etag {
            req = req.header(IF_NONE_MATCH, e);
        }
        if let Some(m) = &cur.last_modified {
            req = req.header(IF_MODIFIED_SINCE, m);
        }
        let resp = check(req.send().await?)?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::default());
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header(ETAG);
        let last_modified = header(LAST_MODIFIED);
        let body = resp.bytes().await?;
        if body.len() > MAX_FEED_BYTES {
            return Err(SourceError::Parse(format!(
                "feed is {} bytes, more than {MAX_FEED_BYTES}",
                body.len()
            )));
        }
        // Parsing a large feed is CPU work: off the runtime.
        let (name, ctx, seen) = (self.name.clone(), self.ctx.clone(), cur.seen.clone());
        let (mentions, ids) =
            tokio::task::spawn_blocking(move || parse_feed(&body, &name, &ctx, &seen))
                .await
                .map_err(|e| SourceError::Other(format!("feed parser task failed: {e}")))??;
        let mut seen = ids;
        let current: HashSet<String> = seen.iter().cloned().collect();
        seen.extend(cur.seen.into_iter().filter(|id| !current.contains(id)));
        seen.truncate(SEEN_CAP.max(current.len()));
        let next = Cursor {
            etag,
            last_modified,
            seen,
        };
        Ok(Fetched {
            mentions,
            cursor: serde_json::to_string(&next).ok(),
            wait: None,
        })
    }
}

/// Parses a feed body into the mentions not yet seen and the ids of all its entries.
fn parse_feed(
    body: &[u8],
    source: &str,
    ctx: &SourceContext,
    seen: &[String],
) -> Result<(Vec<Mention>, Vec<String>), SourceError> {
    let feed =
        feed_rs::parser::parse(body).map_err(|e| SourceError::Parse(format!("feed: {e}")))?;
    let seen: HashSet<&str> = seen.iter().map(String::as_str).collect();
    let lang = feed.language.clone();
    let mut ids = Vec::with_capacity(feed.entries.len());
    let mut mentions = Vec::new();
    for entry in feed.entries {
        ids.push(entry.id.clone());
        if seen.contains(entry.id.as_str()) {
            continue;
        }
        match entry_mention(entry, source, lang.as_deref()) {
            Ok(m) => mentions.push(m),
            Err(e) => super::skip_item(ctx, source, &e),
        }
    }
    Ok((mentions, ids))
}

fn entry_mention(
    entry: feed_rs::model::Entry,
    source: &str,
    lang: Option<&str>,
) -> Result<Mention, String> {
    let title = entry
        .title
        .map(|t| html_to_text(&t.content))
        .unwrap_or_default();
    let body = entry
        .summary
        .map(|t| html_to_text(&t.content))
        .or_else(|| entry.content.and_then(|c| c.body).map(|b| html_to_text(&b)))
        .unwrap_or_default();
    let text = match (title.is_empty(), body.is_empty()) {
        (false, false) => format!("{title}\n{body}"),
        (false, true) => title,
        (true, false) => body,
        (true, true) => return Err(format!("entry {:?} has neither title nor text", entry.id)),
    };
    let link = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(entry.links.first())
        .map(|l| unwrap_redirect(&l.href));
    let mut m = Mention::new(text);
    m.id = Some(format!("rss:{}", entry.id));
    m.source = Some(source.to_string());
    m.created_at = entry.published.or(entry.updated);
    m.author = entry
        .authors
        .first()
        .map(|a| a.name.trim().to_string())
        // feed-rs names an empty `<author><name/>` (Google Alerts) "unknown".
        .filter(|n| !n.is_empty() && n != "unknown");
    m.url = link;
    m.lang = lang.map(str::to_string);
    Ok(m)
}

/// Google Alerts (and Google News) wrap links as `https://www.google.com/url?…&url=REAL`.
pub fn unwrap_redirect(href: &str) -> String {
    let Ok(u) = url::Url::parse(href) else {
        return href.to_string();
    };
    let google = u
        .host_str()
        .is_some_and(|h| h == "google.com" || h.ends_with(".google.com"));
    if google && u.path() == "/url" {
        if let Some((_, v)) = u.query_pairs().find(|(k, _)| k == "url" || k == "q") {
            if v.starts_with("http://") || v.starts_with("https://") {
                return v.into_owned();
            }
        }
    }
    href.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwraps_google_redirects_only() {
        assert_eq!(
            unwrap_redirect(
                "https://www.google.com/url?rct=j&sa=t&url=https://news.example.com/a%3Fb%3D1&ct=ga"
            ),
            "https://news.example.com/a?b=1"
        );
        assert_eq!(
            unwrap_redirect("https://example.com/url?url=https://x"),
            "https://example.com/url?url=https://x"
        );
        assert_eq!(unwrap_redirect("not a url"), "not a url");
    }

    #[test]
    fn cursor_round_trips() {
        let c = Cursor {
            etag: Some("\"v1\"".into()),
            last_modified: None,
            seen: vec!["a".into()],
        };
        let s = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Cursor>(&s).unwrap(), c);
    }
}
