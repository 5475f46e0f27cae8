//! The source blocks as written in the config file: every key optional where it has a
//! default, unknown keys rejected, spans kept for line:col errors.

use serde::Deserialize;
use toml::Spanned;

use crate::config::HumanDuration;

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

/// Keys every source block accepts (repeated in each raw struct: serde's `flatten` does not
/// work with `deny_unknown_fields`).
macro_rules! common_raw {
    ($(#[$m:meta])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[$m])*
        pub struct $name {
            /// Overrides the source's name (its cursor key and metrics label).
            pub name: Option<Spanned<String>>,
            /// Notice when the source has had no successful fetch for this long.
            pub silence_alert_after: Option<HumanDuration>,
            /// First wait after a failure; doubles (with jitter) up to `backoff_max`.
            pub backoff_initial: Option<HumanDuration>,
            pub backoff_max: Option<HumanDuration>,
            $($body)*
        }
    };
}

common_raw! {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct RssRaw {
        pub url: Spanned<String>,
        pub interval: Option<HumanDuration>,
    }
}

common_raw! {
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

common_raw! {
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

common_raw! {
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

common_raw! {
    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct HackernewsRaw {
        pub query: Option<String>,
        pub interval: Option<HumanDuration>,
        pub api_base: Option<Spanned<String>>,
    }
}

common_raw! {
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
