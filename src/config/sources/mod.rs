//! Source blocks: `[[sources.rss]]`, `[[sources.mastodon]]`, `[[sources.bluesky]]`,
//! `[[sources.reddit]]`, `[[sources.hackernews]]`, `[[sources.x]]`.
//!
//! Invariant: every validated source has a unique name (its cursor key in the store and its
//! label in metrics), every endpoint is a parsed URL that can be pointed elsewhere (a mirror,
//! a test server), and every duration has a default, so a two-line block is a working source.

use std::collections::BTreeSet;
use std::time::Duration;

use toml::Spanned;

mod raw;

pub use raw::*;

use super::{Ctx, HumanDuration, Secret};

/// Settings every source has.
#[derive(Debug, Clone)]
pub struct Common {
    /// The cursor key and metrics label; unique across all sources.
    pub name: String,
    pub silence_alert_after: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
}

impl Common {
    /// Defaults for a source named `name` that is expected to be heard from every `interval`.
    pub fn new(name: impl Into<String>, interval: Duration) -> Self {
        Common {
            name: name.into(),
            silence_alert_after: (interval * 4).max(Duration::from_secs(30 * 60)),
            backoff_initial: Duration::from_secs(5),
            backoff_max: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RssSource {
    pub url: url::Url,
    pub interval: Duration,
    pub common: Common,
}

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

#[derive(Debug, Clone)]
pub struct BlueskySource {
    pub endpoint: url::Url,
    pub rewind: Duration,
    pub flush_interval: Duration,
    pub idle_timeout: Duration,
    pub common: Common,
}

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

#[derive(Debug, Clone)]
pub struct HackernewsSource {
    pub query: Option<String>,
    pub interval: Duration,
    pub api_base: url::Url,
    pub common: Common,
}

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

pub const DEFAULT_JETSTREAM: &str = "wss://jetstream2.us-east.bsky.network/subscribe";

/// The validated sources.
#[derive(Debug, Clone, Default)]
pub struct SourcesConfig {
    pub rss: Vec<RssSource>,
    pub mastodon: Vec<MastodonSource>,
    pub bluesky: Vec<BlueskySource>,
    pub reddit: Vec<RedditSource>,
    pub hackernews: Vec<HackernewsSource>,
    pub x: Vec<XSource>,
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn dur(d: Option<HumanDuration>, default: Duration) -> Duration {
    d.map(|d| d.0).unwrap_or(default)
}

/// Tracks source names so that two blocks never share a cursor.
struct Names(BTreeSet<String>);

impl Names {
    #[allow(clippy::too_many_arguments)]
    fn common(
        &mut self,
        ctx: &mut Ctx<'_>,
        anchor: std::ops::Range<usize>,
        default_name: String,
        name: &Option<Spanned<String>>,
        interval: Duration,
        silence: Option<HumanDuration>,
        b_init: Option<HumanDuration>,
        b_max: Option<HumanDuration>,
    ) -> Common {
        let (n, span) = match name {
            Some(n) if n.get_ref().trim().is_empty() => {
                ctx.error(n.span(), "source `name` is empty");
                (default_name, n.span())
            }
            Some(n) => (n.get_ref().trim().to_string(), n.span()),
            None => (default_name, anchor),
        };
        if !self.0.insert(n.clone()) {
            ctx.error(
                span,
                format!("duplicate source name {n:?}: set `name` to tell the blocks apart"),
            );
        }
        let mut c = Common::new(n, interval);
        c.silence_alert_after = dur(silence, c.silence_alert_after);
        c.backoff_initial = dur(b_init, c.backoff_initial);
        c.backoff_max = dur(b_max, c.backoff_max).max(c.backoff_initial);
        c
    }
}

fn base_url(ctx: &mut Ctx<'_>, v: &Option<Spanned<String>>, default: &str) -> Option<url::Url> {
    match v {
        Some(v) => ctx.http_url(v),
        None => url::Url::parse(default).ok(),
    }
}

fn ws_url(ctx: &mut Ctx<'_>, v: &Spanned<String>) -> Option<url::Url> {
    match url::Url::parse(v.get_ref()) {
        Ok(u) if matches!(u.scheme(), "ws" | "wss") => Some(u),
        Ok(u) => {
            ctx.error(
                v.span(),
                format!("endpoint scheme must be ws or wss, not {:?}", u.scheme()),
            );
            None
        }
        Err(e) => {
            ctx.error(v.span(), format!("invalid URL {:?}: {e}", v.get_ref()));
            None
        }
    }
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

impl SourcesConfig {
    pub fn validate(raw: &SourcesRaw, ctx: &mut Ctx<'_>) -> SourcesConfig {
        let mut out = SourcesConfig::default();
        let mut names = Names(BTreeSet::new());
        for r in &raw.rss {
            let interval = dur(r.interval, secs(300));
            let common = names.common(
                ctx,
                r.url.span(),
                format!("rss:{}", r.url.get_ref()),
                &r.name,
                interval,
                r.silence_alert_after,
                r.backoff_initial,
                r.backoff_max,
            );
            if let Some(url) = ctx.http_url(&r.url) {
                out.rss.push(RssSource {
                    url,
                    interval,
                    common,
                });
            }
        }
        for r in &raw.mastodon {
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
                &r.name,
                interval,
                r.silence_alert_after,
                r.backoff_initial,
                r.backoff_max,
            );
            let streaming_url = r.streaming_url.as_ref().and_then(|u| {
                let wss = u.get_ref().replacen("wss://", "https://", 1);
                let ws = wss.replacen("ws://", "http://", 1);
                ctx.http_url(&Spanned::new(u.span(), ws))
            });
            if let Some(instance) = ctx.http_url(&r.instance) {
                out.mastodon.push(MastodonSource {
                    instance,
                    hashtags,
                    streaming_url,
                    streaming: r.streaming.unwrap_or(true) && token.is_some(),
                    token,
                    interval,
                    search: r.search.clone(),
                    common,
                });
            }
        }
        for r in &raw.bluesky {
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
                &r.name,
                secs(60),
                r.silence_alert_after,
                r.backoff_initial,
                r.backoff_max,
            );
            if let Some(endpoint) = endpoint {
                out.bluesky.push(BlueskySource {
                    endpoint,
                    rewind: dur(r.rewind, secs(5)),
                    flush_interval: dur(r.flush_interval, secs(2)),
                    idle_timeout: dur(r.idle_timeout, secs(60)),
                    common,
                });
            }
        }
        for r in &raw.reddit {
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
                &r.name,
                interval,
                r.silence_alert_after,
                r.backoff_initial,
                r.backoff_max,
            );
            let auth_base = base_url(ctx, &r.auth_base, "https://www.reddit.com");
            let api_base = base_url(ctx, &r.api_base, "https://oauth.reddit.com");
            if let (Some(client_secret), Some(auth_base), Some(api_base)) =
                (secret, auth_base, api_base)
            {
                out.reddit.push(RedditSource {
                    client_id: r.client_id.get_ref().trim().to_string(),
                    client_secret,
                    user_agent: r.user_agent.get_ref().clone(),
                    query: r.query.clone(),
                    interval,
                    auth_base,
                    api_base,
                    common,
                });
            }
        }
        for r in &raw.hackernews {
            let interval = dur(r.interval, secs(120));
            let default_name = match &r.query {
                Some(q) => format!("hackernews:{q}"),
                None => "hackernews".to_string(),
            };
            let anchor = r.api_base.as_ref().map(|e| e.span()).unwrap_or(0..0);
            let common = names.common(
                ctx,
                anchor,
                default_name,
                &r.name,
                interval,
                r.silence_alert_after,
                r.backoff_initial,
                r.backoff_max,
            );
            if let Some(api_base) = base_url(ctx, &r.api_base, "https://hn.algolia.com") {
                out.hackernews.push(HackernewsSource {
                    query: r.query.clone(),
                    interval,
                    api_base,
                    common,
                });
            }
        }
        for r in &raw.x {
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
            let common = names.common(
                ctx,
                anchor,
                default_name,
                &r.name,
                interval,
                r.silence_alert_after,
                r.backoff_initial,
                r.backoff_max,
            );
            let api_base = base_url(ctx, &r.api_base, "https://api.x.com");
            if let (Some(bearer_token), Some(api_base)) = (token, api_base) {
                out.x.push(XSource {
                    bearer_token,
                    query: r.query.clone(),
                    interval,
                    stream: r.stream.unwrap_or(false),
                    idle_timeout: dur(r.idle_timeout, secs(60)),
                    api_base,
                    common,
                });
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.rss.is_empty()
            && self.mastodon.is_empty()
            && self.bluesky.is_empty()
            && self.reddit.is_empty()
            && self.hackernews.is_empty()
            && self.x.is_empty()
    }

    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "none (mentions arrive through POST /api/v1/mentions)".into();
        }
        let parts = [
            (self.rss.len(), "rss"),
            (self.mastodon.len(), "mastodon"),
            (self.bluesky.len(), "bluesky"),
            (self.reddit.len(), "reddit"),
            (self.hackernews.len(), "hackernews"),
            (self.x.len(), "x"),
        ];
        parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, k)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::path::Path;

    fn parse(src: &str) -> Result<SourcesConfig, Vec<String>> {
        #[derive(Deserialize)]
        struct Top {
            sources: SourcesRaw,
        }
        let top: Top = toml::from_str(src).map_err(|e| vec![e.to_string()])?;
        let mut ctx = Ctx::new(src, Path::new("t.toml"));
        let cfg = SourcesConfig::validate(&top.sources, &mut ctx);
        let errs = ctx.finish();
        if errs.is_empty() {
            Ok(cfg)
        } else {
            Err(errs.iter().map(|e| e.to_string()).collect())
        }
    }

    #[test]
    fn minimal_blocks_get_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("s");
        std::fs::write(&secret, "abc\n").unwrap();
        let p = secret.display();
        let cfg = parse(&format!(
            r##"
[[sources.rss]]
url = "https://example.com/feed"
[[sources.mastodon]]
instance = "https://mastodon.social"
hashtags = ["#nordwind", "nordwindfail"]
streaming_url = "wss://streaming.example"
[[sources.bluesky]]
[[sources.reddit]]
client_id = "id"
client_secret_file = "{p}"
user_agent = "linux:sturmglas:1.0 (by /u/someone)"
[[sources.hackernews]]
[[sources.x]]
bearer_token_file = "{p}"
"##
        ))
        .unwrap();
        assert_eq!(cfg.rss[0].interval, secs(300));
        assert_eq!(cfg.rss[0].common.name, "rss:https://example.com/feed");
        assert_eq!(cfg.mastodon[0].hashtags, ["nordwind", "nordwindfail"]);
        assert!(!cfg.mastodon[0].streaming, "streaming needs a token");
        assert_eq!(
            cfg.mastodon[0].streaming_url.as_ref().unwrap().as_str(),
            "https://streaming.example/"
        );
        assert_eq!(cfg.bluesky[0].endpoint.as_str(), DEFAULT_JETSTREAM);
        assert_eq!(cfg.reddit[0].client_secret.expose(), "abc");
        assert_eq!(
            cfg.hackernews[0].api_base.as_str(),
            "https://hn.algolia.com/"
        );
        assert_eq!(cfg.x[0].bearer_token.expose(), "abc");
        assert_eq!(
            cfg.summary(),
            "1 rss, 1 mastodon, 1 bluesky, 1 reddit, 1 hackernews, 1 x"
        );
    }

    #[test]
    fn errors_carry_line_and_column() {
        let errs = parse(
            r#"
[[sources.reddit]]
client_id = "id"
client_secret = "s"
user_agent = "curl/8"
[[sources.bluesky]]
endpoint = "https://not-a-socket"
[[sources.rss]]
url = "https://a/feed"
[[sources.rss]]
url = "https://a/feed"
"#,
        )
        .unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs[0].starts_with("t.toml:11:7: duplicate source name"),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("t.toml:7:12: endpoint scheme"),
            "{errs:?}"
        );
        assert!(
            errs[2].starts_with("t.toml:5:14: Reddit requires"),
            "{errs:?}"
        );
    }

    #[test]
    fn user_agent_form() {
        assert!(valid_user_agent("linux:sturmglas:1.0 (by /u/x)"));
        assert!(!valid_user_agent("sturmglas/1.0"));
        assert!(!valid_user_agent("linux:sturmglas (by /u/x)"));
    }
}
