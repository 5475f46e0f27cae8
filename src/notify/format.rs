//! The one list of webhook formats: the `format` value of a `[[notify.webhook]]` block and
//! what the channel's body looks like in it. `webhook_formats!` turns the list into
//! [`WebhookFormat`] (the config's value: parsed by name, unknown names rejected with the
//! list of known ones) and dispatches [`WebhookFormat::body`] and
//! [`WebhookFormat::content_type`] to each format's [`Format`] impl.
//!
//! Invariant: a format is named here and nowhere else. Adding one is a file under
//! `src/notify/format/` with a unit struct and its `impl Format`, plus one line below; the config, the
//! delivery and `check` take it from this list. Every alert the outbox sends — storms,
//! resolved notices, source notices, test alerts — goes through [`WebhookFormat::body`]; the
//! daily digest goes through [`WebhookFormat::digest_body`], which a format without a place for
//! a report (a pager's event API) leaves at its default, no digest, so the config rejects
//! `digest_at` on its channels.

use serde::Deserialize;

use super::digest::Digest;
use super::DeliveryError;
use crate::alert::AlertEvent;
use crate::config::notify::Locale;

/// One webhook format: how an alert event becomes the body of the POST.
pub trait Format {
    /// The `Content-Type` of the body.
    const CONTENT_TYPE: &'static str = "application/json";

    /// The body for `event`, in the channel's language and time zone. Must mark a test
    /// alert (`event.test`) as a test.
    fn body(event: &AlertEvent, loc: &Locale) -> Result<Vec<u8>, DeliveryError>;

    /// The body of the daily digest, or `None` if the format carries none (a pager's event
    /// API has no place for a report; the config then rejects `digest_at` on the channel).
    fn digest_body(_digest: &Digest, _loc: &Locale) -> Option<Result<Vec<u8>, DeliveryError>> {
        None
    }
}

/// A chat payload as JSON bytes.
pub fn json_bytes(value: &serde_json::Value) -> Result<Vec<u8>, DeliveryError> {
    serde_json::to_vec(value)
        .map_err(|e| DeliveryError::Permanent(format!("cannot encode message: {e}")))
}

macro_rules! webhook_formats {
    ($($(#[$doc:meta])* $variant:ident = $name:literal => $module:ident :: $imp:ident,)*) => {
        $(pub mod $module;)*

        /// A `[[notify.webhook]]` block's `format`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
        pub enum WebhookFormat {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)*
        }

        impl WebhookFormat {
            /// Every format, in list order.
            pub const ALL: &'static [WebhookFormat] = &[$(WebhookFormat::$variant),*];

            /// The name written in the config.
            pub fn name(self) -> &'static str {
                match self {
                    $(WebhookFormat::$variant => $name,)*
                }
            }

            pub fn content_type(self) -> &'static str {
                match self {
                    $(WebhookFormat::$variant => <$module::$imp as Format>::CONTENT_TYPE,)*
                }
            }

            /// Whether `digest_at` may be set on a channel of this format.
            pub fn carries_digest(self) -> bool {
                self.digest_body(&Digest::probe(), &Locale::default()).is_some()
            }

            /// The daily digest's body in this format; `None` if it carries none.
            pub fn digest_body(
                self,
                digest: &Digest,
                loc: &Locale,
            ) -> Option<Result<Vec<u8>, DeliveryError>> {
                match self {
                    $(WebhookFormat::$variant => <$module::$imp as Format>::digest_body(digest, loc),)*
                }
            }

            /// The request body for `event` in this format.
            pub fn body(self, event: &AlertEvent, loc: &Locale) -> Result<Vec<u8>, DeliveryError> {
                match self {
                    $(WebhookFormat::$variant => <$module::$imp as Format>::body(event, loc),)*
                }
            }
        }
    };
}

// The one list of webhook formats, in the order the config's error message names them:
// `Variant = "config name" => file::Type`, the file under `src/notify/format/` (declared
// here). A new format is its file plus one line here.
webhook_formats! {
    /// The contract's alert event, as is (the default).
    Json = "json" => json::Json,
    Slack = "slack" => slack::Slack,
    Teams = "teams" => teams::Teams,
    Discord = "discord" => discord::Discord,
    Mattermost = "mattermost" => mattermost::Mattermost,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::notify::Language;

    /// The list is the single place a format is named: every format in it is read from its
    /// name in a config file, shows in `check` under its own name, is documented in the
    /// example config, and renders a test alert, in both languages, as a body of its
    /// content type that says it is a test.
    #[test]
    fn every_registered_format_parses_and_renders_a_test_alert() {
        let documented = include_str!("../../config/sturmglas.toml");
        let mut seen = std::collections::BTreeSet::new();
        for &f in WebhookFormat::ALL {
            assert!(seen.insert(f.name()), "{} listed twice", f.name());
            let src = format!(
                "[[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n\
                 [[notify.webhook]]\nname = \"h\"\nurl = \"http://127.0.0.1:1/x\"\nformat = \"{}\"\n",
                f.name()
            );
            let c = crate::config::parse(&src, std::path::Path::new("t.toml"))
                .unwrap_or_else(|e| panic!("{}: {e}", f.name()));
            assert_eq!(c.notify.webhook[0].format, f);
            assert!(
                c.summary().contains(&format!("webhook \"h\" ({f:?})")),
                "{}",
                c.summary()
            );
            assert!(
                documented.contains(&format!("| {} ", f.name()))
                    || documented.contains(&format!("| {}\n", f.name()))
                    || documented.contains(&format!("# {} (", f.name())),
                "config/sturmglas.toml does not list format {}",
                f.name()
            );
            let e = super::super::test_event("Acme");
            for language in [Language::En, Language::De] {
                let loc = Locale::new(language, chrono_tz::Europe::Berlin);
                let body = f.body(&e, &loc).unwrap();
                assert!(!body.is_empty(), "{}", f.name());
                if f.content_type() == "application/json" {
                    let v: serde_json::Value = serde_json::from_slice(&body)
                        .unwrap_or_else(|err| panic!("{}: {err}", f.name()));
                    let text = v.to_string();
                    assert!(
                        text.contains("TEST") || v["test"] == true,
                        "{} does not mark the test: {text}",
                        f.name()
                    );
                }
            }
        }
    }

    /// Every format that carries the daily digest renders it as a body of its content type
    /// that names the brand and its figures, in both languages; chat formats escape it.
    #[test]
    fn every_digest_format_renders_the_digest() {
        let mut d = crate::notify::digest::fixtures::digest();
        d.brands[1].brand = "Süd <!channel> @here".into();
        for &f in WebhookFormat::ALL.iter().filter(|f| f.carries_digest()) {
            for (language, figures) in [
                (Language::En, "1,234 mentions, 50% negative"),
                (Language::De, "1.234 Erwähnungen, davon 50 % negativ"),
            ] {
                let loc = Locale::new(language, chrono_tz::Europe::Berlin);
                let body = f.digest_body(&d, &loc).unwrap().unwrap();
                let v: serde_json::Value = serde_json::from_slice(&body)
                    .unwrap_or_else(|err| panic!("{}: {err}", f.name()));
                let text = v.to_string();
                assert!(text.contains("Nordwind Energie"), "{}: {text}", f.name());
                if f == WebhookFormat::Json {
                    assert_eq!(v["type"], "digest");
                    assert_eq!(v["brands"][0]["mentions"], 1234);
                } else {
                    assert!(text.contains(figures), "{}: {text}", f.name());
                    assert!(!text.contains("<!channel>"), "{}: {text}", f.name());
                    if f != WebhookFormat::Slack {
                        // Slack pings only with `<!here>`, defused above; the Markdown
                        // formats defuse `@` with a zero-width space.
                        assert!(!text.contains(" @here"), "{}: {text}", f.name());
                    }
                }
            }
        }
        assert!(WebhookFormat::Json.carries_digest() && WebhookFormat::Slack.carries_digest());
    }

    #[test]
    fn an_unknown_format_names_the_known_ones() {
        let src = "[[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n\
                   [[notify.webhook]]\nname = \"h\"\nurl = \"http://127.0.0.1:1/x\"\nformat = \"irc\"\n";
        let err = crate::config::parse(src, std::path::Path::new("t.toml"))
            .unwrap_err()
            .to_string();
        let names: Vec<String> = WebhookFormat::ALL
            .iter()
            .map(|f| format!("`{}`", f.name()))
            .collect();
        assert!(err.contains(&names.join(", ")), "{err}");
    }
}
