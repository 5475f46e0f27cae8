//! Source blocks: `[[sources.rss]]`, `[[sources.mastodon]]`, `[[sources.bluesky]]`,
//! `[[sources.reddit]]`, `[[sources.hackernews]]`, `[[sources.x]]`.

use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, HumanDuration};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesRaw {
    #[serde(default)]
    pub rss: Vec<RssRaw>,
    #[serde(default)]
    pub mastodon: Vec<MastodonRaw>,
    #[serde(default)]
    pub bluesky: Vec<BlueskyRaw>,
    #[serde(default)]
    pub reddit: Vec<RedditRaw>,
    #[serde(default)]
    pub hackernews: Vec<HackernewsRaw>,
    #[serde(default)]
    pub x: Vec<XRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RssRaw {
    pub url: Spanned<String>,
    pub interval: Option<HumanDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MastodonRaw {
    pub instance: Spanned<String>,
    #[serde(default)]
    pub hashtags: Vec<String>,
    pub token_file: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlueskyRaw {
    pub endpoint: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedditRaw {
    pub client_id: String,
    pub client_secret_file: Spanned<String>,
    pub user_agent: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HackernewsRaw {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XRaw {
    pub bearer_token_file: Spanned<String>,
}

#[derive(Debug, Clone)]
pub struct RssSource {
    pub url: url::Url,
    pub interval: std::time::Duration,
}

/// The validated sources. Kinds not listed here yet are accepted by the parser and reported
/// by `check` as not yet supported.
#[derive(Debug, Clone, Default)]
pub struct SourcesConfig {
    pub rss: Vec<RssSource>,
}

impl SourcesConfig {
    pub fn validate(raw: &SourcesRaw, ctx: &mut Ctx<'_>) -> SourcesConfig {
        let mut out = SourcesConfig::default();
        for r in &raw.rss {
            if let Some(url) = ctx.http_url(&r.url) {
                out.rss.push(RssSource {
                    url,
                    interval: r
                        .interval
                        .map(|d| d.0)
                        .unwrap_or(std::time::Duration::from_secs(300)),
                });
            }
        }
        out
    }

    pub fn summary(&self) -> String {
        if self.rss.is_empty() {
            "none (mentions arrive through POST /api/v1/mentions)".into()
        } else {
            format!("{} rss", self.rss.len())
        }
    }
}
