//! What the one list of source kinds (the `source_kinds!` call at the top of
//! [`crate::sources`]) becomes: the kinds' modules, the `[sources]` table
//! ([`super::SourcesRaw`], one `[[sources.KIND]]` array per kind, unknown kinds rejected),
//! the validated [`SourcesConfig`], the validation in list order, the `check` summary and
//! the spawning of every block's tasks.
//!
//! Invariant: a kind is named in that list and nowhere else. Adding one is its file under
//! `src/sources/` (raw block, validated config, `impl SourceKind`) plus one line in the list;
//! the config loader, `sturmglas check` and the daemon pick it up from there. Errors come
//! out in list order, then block order, as `PATH:LINE:COL` through [`crate::config::Ctx`].

use super::SourcesConfig;

/// Declares the kinds: `key => module::Type,` per kind, where `key` is the `[[sources.key]]`
/// table, `module` the kind's file under `src/sources/` (declared by this macro) and `Type`
/// its validated config, which implements [`super::SourceKind`].
macro_rules! source_kinds {
    ($($(#[$doc:meta])* $key:ident => $module:ident :: $kind:ident,)*) => {
        $(pub mod $module;)*

        /// The `[sources]` table as written: one array of blocks per kind.
        #[derive(Debug, Default, ::serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct SourcesRaw {
            $(
                $(#[$doc])*
                #[serde(default)]
                pub $key: Vec<<$module::$kind as $crate::sources::kind::SourceKind>::Raw>,
            )*
        }

        /// The validated sources, one list per kind.
        #[derive(Debug, Clone, Default)]
        pub struct SourcesConfig {
            $(pub $key: Vec<$module::$kind>,)*
        }

        /// The kinds' keys (`[[sources.KIND]]`), in list order.
        pub const KINDS: &[&str] = &[$(stringify!($key)),*];

        /// Each kind's key and [`SourceKind::EXAMPLE`], in list order.
        pub const EXAMPLES: &[(&str, &str)] = &[$((
            stringify!($key),
            <$module::$kind as $crate::sources::kind::SourceKind>::EXAMPLE,
        )),*];

        impl SourcesConfig {
            /// Checks every block, kind by kind in list order; names are unique across kinds.
            pub fn validate(
                raw: &SourcesRaw,
                ctx: &mut $crate::config::Ctx<'_>,
            ) -> SourcesConfig {
                let mut names = $crate::sources::kind::Names::default();
                // Struct fields are evaluated in the order written: the list's order.
                SourcesConfig {
                    $($key: raw
                        .$key
                        .iter()
                        .filter_map(|r| {
                            <$module::$kind as $crate::sources::kind::SourceKind>::validate(
                                r, ctx, &mut names,
                            )
                        })
                        .collect(),)*
                }
            }

            /// How many blocks of each kind, in list order.
            pub fn counts(&self) -> Vec<(&'static str, usize)> {
                vec![$((stringify!($key), self.$key.len()),)*]
            }

            /// Starts every block's tasks, each with its source name.
            pub fn spawn(
                &self,
                ctx: &$crate::sources::SourceContext,
            ) -> Vec<(String, ::tokio::task::JoinHandle<()>)> {
                let mut out = Vec::new();
                $(for s in &self.$key {
                    out.extend($crate::sources::kind::SourceKind::spawn(s, ctx));
                })*
                out
            }
        }
    };
}
pub(crate) use source_kinds;

impl SourcesConfig {
    pub fn is_empty(&self) -> bool {
        self.counts().iter().all(|(_, n)| *n == 0)
    }

    /// The `sources:` line of `sturmglas check`.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "none (mentions arrive through POST /api/v1/mentions)".into();
        }
        self.counts()
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SourcesRaw, EXAMPLES, KINDS};
    use super::*;
    use crate::config::Ctx;
    use crate::sources::bluesky::DEFAULT_JETSTREAM;
    use crate::sources::kind::secs;
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

    /// The list is the single place a kind is named: every kind in it parses its table from
    /// its example, validates, is counted under its own key and shows in `check`; the whole
    /// config file (as `sturmglas check` reads it) accepts it; and the example config
    /// documents it.
    #[test]
    fn every_registered_kind_parses_validates_and_shows_in_check() {
        assert_eq!(KINDS.len(), EXAMPLES.len());
        let documented = include_str!("../../config/sturmglas.toml");
        let mut all = String::new();
        for (kind, example) in EXAMPLES {
            let block = format!("[[sources.{kind}]]\n{example}\n");
            let cfg = parse(&block).unwrap_or_else(|e| panic!("{kind}: {e:?}"));
            let counts = cfg.counts();
            assert_eq!(counts.iter().map(|(k, _)| *k).collect::<Vec<_>>(), KINDS);
            for (k, n) in counts {
                assert_eq!(n, usize::from(k == *kind), "{kind}: {k} counted {n}");
            }
            assert_eq!(cfg.summary(), format!("1 {kind}"));
            assert!(
                documented.contains(&format!("[[sources.{kind}]]")),
                "config/sturmglas.toml does not document [[sources.{kind}]]"
            );
            all.push_str(&block);
        }
        let whole = format!("[[brands]]\nname = \"Nordwind\"\nkeywords = [\"nordwind\"]\n{all}");
        let c = crate::config::parse(&whole, Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"));
        let expected = KINDS
            .iter()
            .map(|k| format!("1 {k}"))
            .collect::<Vec<_>>()
            .join(", ");
        assert!(
            c.summary().contains(&format!("sources: {expected}\n")),
            "{}",
            c.summary()
        );
    }

    #[test]
    fn an_unknown_kind_is_rejected() {
        let errs = parse("[[sources.gopher]]\nurl = \"gopher://x\"\n").unwrap_err();
        assert!(errs[0].contains("unknown field `gopher`"), "{errs:?}");
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
}
