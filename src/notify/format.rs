//! The one list of webhook formats: the `format` value of a `[[notify.webhook]]` block and
//! what the channel's body looks like in it. `webhook_formats!` turns the list into
//! [`WebhookFormat`] (the config's value: parsed by name, unknown names rejected with the
//! list of known ones) and dispatches [`WebhookFormat::request`], [`WebhookFormat::body`],
//! [`WebhookFormat::content_type`], [`WebhookFormat::keys`] and [`WebhookFormat::check_url`]
//! to each format's [`Format`] impl. A format sees its channel as a [`Target`]: the reader's
//! locale, the channel's `url` and the receiver keys (`chat_id`, `routing_key`, `api_key`)
//! that some services need; the config accepts a receiver key only on a format that lists it
//! in [`Format::KEYS`], and insists on the ones it requires.
//!
//! Invariant: a format is named here and nowhere else. Adding one is a file under
//! `src/notify/format/` with a unit struct and its `impl Format`, plus one line below; the config, the
//! delivery and `check` take it from this list. Every alert the outbox sends — storms,
//! resolved notices, source notices, test alerts — goes through [`WebhookFormat::request`]; the
//! daily digest goes through [`WebhookFormat::digest_body`], which a format without a place for
//! a report (a pager's event API) leaves at its default, no digest, so the config rejects
//! `digest_at` on its channels.

use serde::Deserialize;

use super::digest::Digest;
use super::DeliveryError;
use crate::alert::AlertEvent;
use crate::config::notify::{Locale, ReceiverKeys, WebhookChannel};

/// A `[[notify.webhook]]` key that only some formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiverKey {
    /// Telegram's `chat_id`.
    ChatId,
    /// PagerDuty's integration key (`routing_key` or `routing_key_file`).
    RoutingKey,
    /// Opsgenie's API key, an ntfy access token (`api_key` or `api_key_file`).
    ApiKey,
}

impl ReceiverKey {
    pub const ALL: [ReceiverKey; 3] = [
        ReceiverKey::ChatId,
        ReceiverKey::RoutingKey,
        ReceiverKey::ApiKey,
    ];

    /// The key as written in the config.
    pub fn name(self) -> &'static str {
        match self {
            ReceiverKey::ChatId => "chat_id",
            ReceiverKey::RoutingKey => "routing_key",
            ReceiverKey::ApiKey => "api_key",
        }
    }
}

/// Whether a format must have a receiver key or merely may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUse {
    pub key: ReceiverKey,
    pub required: bool,
}

/// What a format knows of its channel: the reader's language and time zone, the channel's
/// `url` (which may hold a token: a format never puts it in a body) and its receiver keys.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub loc: &'a Locale,
    pub url: &'a url::Url,
    pub keys: &'a ReceiverKeys,
}

impl<'a> Target<'a> {
    pub fn of(channel: &'a WebhookChannel) -> Target<'a> {
        Target {
            loc: &channel.locale,
            url: &channel.url,
            keys: &channel.receiver,
        }
    }
}

/// One HTTP POST a format asks for: where, with which extra headers (an `Authorization`),
/// and the body. `Content-Type`, `User-Agent`, the event id and the signatures are added by
/// the delivery.
pub struct Request {
    pub url: url::Url,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// A POST of `body` to the channel's own `url`, without extra headers.
    pub fn to_channel(to: &Target<'_>, body: Vec<u8>) -> Request {
        Request {
            url: to.url.clone(),
            headers: Vec::new(),
            body,
        }
    }
}

/// One webhook format: how an alert event becomes the request to the receiver.
pub trait Format {
    /// The `Content-Type` of the body.
    const CONTENT_TYPE: &'static str = "application/json";

    /// The receiver keys this format reads; any other is a config error.
    const KEYS: &'static [KeyUse] = &[];

    /// The body for `event`, in the channel's language and time zone. Must mark a test
    /// alert (`event.test`) as a test.
    fn body(event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError>;

    /// The request for `event`: by default a POST of [`Format::body`] to the channel's `url`.
    /// A receiver with more than one endpoint (Opsgenie closes an alert elsewhere) or with
    /// its own authentication overrides this.
    fn request(event: &AlertEvent, to: &Target<'_>) -> Result<Request, DeliveryError> {
        Ok(Request::to_channel(to, Self::body(event, to)?))
    }

    /// Why `url` cannot be this receiver's endpoint, if it cannot (checked with the config,
    /// so a wrong url is a located error at load, not a failed delivery at 3 a.m.). The
    /// message must not quote the url: it may hold a token.
    fn check_url(_url: &url::Url) -> Result<(), String> {
        Ok(())
    }

    /// Whether the url itself holds a token (so that no message quotes it).
    const SECRET_URL: bool = false;

    /// The body of the daily digest, or `None` if the format carries none (a pager's event
    /// API has no place for a report; the config then rejects `digest_at` on the channel).
    fn digest_body(_digest: &Digest, _loc: &Locale) -> Option<Result<Vec<u8>, DeliveryError>> {
        None
    }

    /// The daily digest's request: by default a POST of [`Format::digest_body`] to the
    /// channel's `url`. A receiver whose body needs its url or keys (ntfy's topic, Telegram's
    /// chat) overrides this instead.
    fn digest_request(digest: &Digest, to: &Target<'_>) -> Option<Result<Request, DeliveryError>> {
        Self::digest_body(digest, to.loc).map(|b| b.map(|body| Request::to_channel(to, body)))
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

            /// The receiver keys this format reads, and whether it needs them.
            pub fn keys(self) -> &'static [KeyUse] {
                match self {
                    $(WebhookFormat::$variant => <$module::$imp as Format>::KEYS,)*
                }
            }

            /// Why `url` cannot be this format's endpoint, if it cannot.
            pub fn check_url(self, url: &url::Url) -> Result<(), String> {
                match self {
                    $(WebhookFormat::$variant => <$module::$imp as Format>::check_url(url),)*
                }
            }

            /// Whether the format's url holds a token.
            pub fn secret_url(self) -> bool {
                match self {
                    $(WebhookFormat::$variant => <$module::$imp as Format>::SECRET_URL,)*
                }
            }

            /// Whether `digest_at` may be set on a channel of this format.
            pub fn carries_digest(self) -> bool {
                let Ok(url) = url::Url::parse("http://127.0.0.1/probe/sendMessage") else {
                    return false;
                };
                let (loc, keys) = (Locale::default(), ReceiverKeys::default());
                let to = Target { loc: &loc, url: &url, keys: &keys };
                self.digest_request(&Digest::probe(), &to).is_some()
            }

            /// The daily digest's request in this format; `None` if it carries none.
            pub fn digest_request(
                self,
                digest: &Digest,
                to: &Target<'_>,
            ) -> Option<Result<Request, DeliveryError>> {
                match self {
                    $(WebhookFormat::$variant => <$module::$imp as Format>::digest_request(digest, to),)*
                }
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
            pub fn body(self, event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
                match self {
                    $(WebhookFormat::$variant => <$module::$imp as Format>::body(event, to),)*
                }
            }

            /// The whole request for `event`: url, extra headers and body.
            pub fn request(self, event: &AlertEvent, to: &Target<'_>) -> Result<Request, DeliveryError> {
                match self {
                    $(WebhookFormat::$variant => <$module::$imp as Format>::request(event, to),)*
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
    /// PagerDuty Events API v2: trigger, and resolve by the same `dedup_key`.
    PagerDuty = "pagerduty" => pagerduty::PagerDuty,
    /// Opsgenie Alert API: create, and close by alias.
    Opsgenie = "opsgenie" => opsgenie::Opsgenie,
    /// ntfy: a JSON publish to the server's root.
    Ntfy = "ntfy" => ntfy::Ntfy,
    /// Telegram Bot API `sendMessage`.
    Telegram = "telegram" => telegram::Telegram,
    /// Google Chat incoming webhooks: a card, threaded per storm.
    GoogleChat = "googlechat" => googlechat::GoogleChat,
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
                 [[notify.webhook]]\nname = \"h\"\nurl = \"{}\"\nformat = \"{}\"\n{}",
                tests::url_for(f),
                f.name(),
                tests::required_keys(f)
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
            let hook = &c.notify.webhook[0];
            for language in [Language::En, Language::De] {
                let loc = Locale::new(language, chrono_tz::Europe::Berlin);
                let to = Target {
                    loc: &loc,
                    ..Target::of(hook)
                };
                let body = f.body(&e, &to).unwrap();
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

    /// A url of the shape the format's receiver has.
    pub(crate) fn url_for(f: WebhookFormat) -> &'static str {
        match f {
            WebhookFormat::Telegram => "http://127.0.0.1:1/bot123:abc/sendMessage",
            WebhookFormat::Opsgenie => "http://127.0.0.1:1/v2/alerts",
            WebhookFormat::Ntfy => "http://127.0.0.1:1/alerts",
            _ => "http://127.0.0.1:1/x",
        }
    }

    /// The config lines of the receiver keys the format requires.
    pub(crate) fn required_keys(f: WebhookFormat) -> String {
        f.keys()
            .iter()
            .filter(|k| k.required)
            .map(|k| match k.key {
                ReceiverKey::ChatId => "chat_id = -100123\n".to_string(),
                k => format!("{} = \"k-123\"\n", k.name()),
            })
            .collect()
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
                let url: url::Url = url_for(f).parse().unwrap();
                let keys = ReceiverKeys {
                    chat_id: Some(crate::config::notify::ChatId::Id(-100123)),
                    ..Default::default()
                };
                let to = Target {
                    loc: &loc,
                    url: &url,
                    keys: &keys,
                };
                let body = f.digest_request(&d, &to).unwrap().unwrap().body;
                let v: serde_json::Value = serde_json::from_slice(&body)
                    .unwrap_or_else(|err| panic!("{}: {err}", f.name()));
                let text = v.to_string();
                assert!(text.contains("Nordwind Energie"), "{}: {text}", f.name());
                if f == WebhookFormat::Json {
                    assert_eq!(v["type"], "digest");
                    assert_eq!(v["brands"][0]["mentions"], 1234);
                } else {
                    assert!(text.contains(figures), "{}: {text}", f.name());
                    // ntfy shows plain text and Telegram escaped HTML: neither pings anyone.
                    let pings = !matches!(f, WebhookFormat::Ntfy | WebhookFormat::Telegram);
                    if pings {
                        assert!(!text.contains("<!channel>"), "{}: {text}", f.name());
                    }
                    if f == WebhookFormat::Telegram {
                        assert!(text.contains("&lt;!channel&gt;"), "{text}");
                    }
                    if pings && !matches!(f, WebhookFormat::Slack | WebhookFormat::GoogleChat) {
                        // Slack pings only with `<!here>` and Google Chat with
                        // `<users/all>`, defused above; the Markdown formats defuse `@`
                        // with a zero-width space.
                        assert!(!text.contains(" @here"), "{}: {text}", f.name());
                    }
                }
            }
        }
        for f in [
            WebhookFormat::Json,
            WebhookFormat::Slack,
            WebhookFormat::Ntfy,
            WebhookFormat::Telegram,
            WebhookFormat::GoogleChat,
        ] {
            assert!(f.carries_digest(), "{}", f.name());
        }
        // A pager's event API has no place for a report.
        assert!(!WebhookFormat::PagerDuty.carries_digest());
        assert!(!WebhookFormat::Opsgenie.carries_digest());
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
