//! Notification channels: `[[notify.email]]` and `[[notify.webhook]]`.
//!
//! Channel names are unique: the outbox records deliveries per channel name, so a renamed
//! channel is a new channel and a duplicate name would make two channels share one record.

use serde::Deserialize;
use toml::Spanned;

use super::{Brand, Ctx, Secret};
use crate::level::Level;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyRaw {
    #[serde(default)]
    pub email: Vec<EmailRaw>,
    #[serde(default)]
    pub webhook: Vec<WebhookRaw>,
    /// `[notify.retry]`: how the outbox retries failed deliveries, for every channel.
    #[serde(default)]
    pub retry: RetryRaw,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryRaw {
    /// Wait after the first failed attempt; each further failure triples it.
    pub initial_backoff: Option<Spanned<super::HumanDuration>>,
    /// The longest wait between two attempts.
    pub max_backoff: Option<Spanned<super::HumanDuration>>,
    /// A delivery still failing this long after the alert was queued is given up.
    pub give_up_after: Option<super::HumanDuration>,
    /// A delivery that failed this many times is given up.
    pub max_attempts: Option<Spanned<u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailRaw {
    pub name: Spanned<String>,
    pub smtp_host: Spanned<String>,
    pub smtp_port: Option<u16>,
    pub tls: Option<TlsMode>,
    pub from: Spanned<String>,
    pub to: Spanned<Vec<Spanned<String>>>,
    pub username: Option<String>,
    pub password: Option<Spanned<String>>,
    pub password_file: Option<Spanned<String>>,
    pub brands: Option<Vec<Spanned<String>>>,
    pub min_level: Option<Level>,
    /// Deliveries per minute at most, so a flapping brand cannot flood an inbox.
    pub rate_per_minute: Option<Spanned<u32>>,
    /// Send "all clear" notices when a storm is over.
    pub send_resolved: Option<bool>,
    /// Limit for one whole SMTP conversation step (connect, each command).
    pub timeout: Option<super::HumanDuration>,
    /// `de` or `en`: the language of everything a person reads.
    pub language: Option<Language>,
    /// IANA time zone of every time a person reads.
    pub timezone: Option<Spanned<String>>,
    /// Alert kinds this channel gets (`storm`, `buzz`, `volume`, `source`, `reach`); default all.
    pub kinds: Option<Vec<Spanned<String>>>,
    /// Names of `[[time_intervals]]` in which nothing below critical is sent.
    pub mute_time_intervals: Option<Vec<Spanned<String>>>,
    /// Names of `[[time_intervals]]` outside which nothing below critical is sent.
    pub active_time_intervals: Option<Vec<Spanned<String>>>,
    /// Gets a firing critical alert only when still unacknowledged this long after it fired.
    pub escalate_after: Option<Spanned<super::HumanDuration>>,
    /// `"HH:MM"` in the channel's `timezone`: a daily digest at that time.
    pub digest_at: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    None,
    Starttls,
    Tls,
}

/// The language a channel's notices are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    De,
}

/// How a channel's reader reads: language and time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale {
    pub language: Language,
    pub timezone: chrono_tz::Tz,
}

impl Default for Locale {
    fn default() -> Self {
        Locale {
            language: Language::En,
            timezone: chrono_tz::UTC,
        }
    }
}

impl Locale {
    pub fn new(language: Language, timezone: chrono_tz::Tz) -> Self {
        Locale { language, timezone }
    }
}

fn locale(language: Option<Language>, tz: Option<&Spanned<String>>, ctx: &mut Ctx<'_>) -> Locale {
    let timezone = match tz {
        None => chrono_tz::UTC,
        Some(t) => match t.get_ref().trim().parse::<chrono_tz::Tz>() {
            Ok(z) => z,
            Err(_) => {
                ctx.error(
                    t.span(),
                    format!(
                        "unknown time zone {:?} (an IANA name such as \"Europe/Berlin\" or \"UTC\")",
                        t.get_ref()
                    ),
                );
                chrono_tz::UTC
            }
        },
    };
    Locale::new(language.unwrap_or_default(), timezone)
}

/// The webhook formats are listed once, beside their renderers, in [`crate::notify::format`].
pub use crate::notify::format::WebhookFormat;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookRaw {
    pub name: Spanned<String>,
    pub url: Spanned<String>,
    pub format: Option<Spanned<WebhookFormat>>,
    pub secret: Option<Spanned<String>>,
    pub secret_file: Option<Spanned<String>>,
    pub brands: Option<Vec<Spanned<String>>>,
    pub min_level: Option<Level>,
    pub rate_per_minute: Option<Spanned<u32>>,
    pub send_resolved: Option<bool>,
    /// Per-request timeout.
    pub timeout: Option<super::HumanDuration>,
    pub language: Option<Language>,
    pub timezone: Option<Spanned<String>>,
    /// Telegram: the chat the bot writes to (a number, or `"@channelname"`).
    pub chat_id: Option<Spanned<ChatId>>,
    /// PagerDuty: the integration's routing key (a secret).
    pub routing_key: Option<Spanned<String>>,
    pub routing_key_file: Option<Spanned<String>>,
    /// Opsgenie: the API key; ntfy: an access token (a secret).
    pub api_key: Option<Spanned<String>>,
    pub api_key_file: Option<Spanned<String>>,
    /// Alert kinds this channel gets (`storm`, `buzz`, `volume`, `source`, `reach`); default all.
    pub kinds: Option<Vec<Spanned<String>>>,
    /// Names of `[[time_intervals]]` in which nothing below critical is sent.
    pub mute_time_intervals: Option<Vec<Spanned<String>>>,
    /// Names of `[[time_intervals]]` outside which nothing below critical is sent.
    pub active_time_intervals: Option<Vec<Spanned<String>>>,
    /// Gets a firing critical alert only when still unacknowledged this long after it fired.
    pub escalate_after: Option<Spanned<super::HumanDuration>>,
    /// `"HH:MM"` in the channel's `timezone`: a daily digest at that time.
    pub digest_at: Option<Spanned<String>>,
}

/// Telegram's `chat_id`: a chat's number, or a public channel's `@name`, sent as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ChatId {
    Id(i64),
    Name(String),
}

/// The keys of a webhook that only some receivers need (which, is each format's
/// [`crate::notify::format::Format::KEYS`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceiverKeys {
    pub chat_id: Option<ChatId>,
    pub routing_key: Option<Secret>,
    pub api_key: Option<Secret>,
}

/// What every channel has: which alerts it wants and how fast it may be sent to.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelFilter {
    /// `None`: every brand.
    pub brands: Option<Vec<String>>,
    pub min_level: Level,
    pub rate_per_minute: u32,
    pub send_resolved: bool,
    /// `kinds`, time intervals and `escalate_after` (set by [`super::time_intervals::apply`]).
    pub routing: super::time_intervals::Routing,
}

#[derive(Debug, Clone)]
pub struct EmailChannel {
    pub name: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub tls: TlsMode,
    pub from: String,
    pub to: Vec<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub filter: ChannelFilter,
    pub timeout: std::time::Duration,
    pub locale: Locale,
    /// The local time (in `locale.timezone`) of the daily digest, if the channel wants one.
    pub digest_at: Option<chrono::NaiveTime>,
}

#[derive(Debug, Clone)]
pub struct WebhookChannel {
    pub name: String,
    pub url: url::Url,
    pub format: WebhookFormat,
    pub secret: Option<Secret>,
    pub filter: ChannelFilter,
    pub timeout: std::time::Duration,
    pub locale: Locale,
    /// `chat_id`, `routing_key`, `api_key`: what the format's receiver needs besides the url.
    pub receiver: ReceiverKeys,
    /// The local time (in `locale.timezone`) of the daily digest, if the channel wants one.
    pub digest_at: Option<chrono::NaiveTime>,
}

/// How the outbox retries: exponential backoff (×3 per failure, with jitter) between
/// `initial_backoff` and `max_backoff`, until `give_up_after` or `max_attempts`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub initial_backoff: std::time::Duration,
    pub max_backoff: std::time::Duration,
    pub give_up_after: std::time::Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_backoff: std::time::Duration::from_secs(5),
            max_backoff: std::time::Duration::from_secs(30 * 60),
            give_up_after: std::time::Duration::from_secs(24 * 3600),
            max_attempts: 100,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    pub email: Vec<EmailChannel>,
    pub webhook: Vec<WebhookChannel>,
    pub retry: RetryPolicy,
}

impl NotifyConfig {
    pub fn validate(raw: &NotifyRaw, brands: &[Brand], ctx: &mut Ctx<'_>) -> NotifyConfig {
        let mut names: Vec<String> = Vec::new();
        let mut check_name = |n: &Spanned<String>, ctx: &mut Ctx<'_>| -> String {
            let name = n.get_ref().trim().to_string();
            if name.is_empty() {
                ctx.error(n.span(), "channel `name` is empty");
            } else if names.contains(&name) {
                ctx.error(n.span(), format!("duplicate channel name {name:?}"));
            }
            names.push(name.clone());
            name
        };
        let mut out = NotifyConfig::default();
        for e in &raw.email {
            let name = check_name(&e.name, ctx);
            if e.smtp_host.get_ref().trim().is_empty() {
                ctx.error(e.smtp_host.span(), "smtp_host is empty");
            }
            let from = e.from.get_ref().trim().to_string();
            if from.parse::<lettre::message::Mailbox>().is_err() {
                ctx.error(e.from.span(), format!("invalid `from` address {from:?}"));
            }
            let mut to = Vec::new();
            for t in e.to.get_ref() {
                if t.get_ref().parse::<lettre::message::Mailbox>().is_err() {
                    ctx.error(t.span(), format!("invalid recipient {:?}", t.get_ref()));
                } else {
                    to.push(t.get_ref().trim().to_string());
                }
            }
            if e.to.get_ref().is_empty() {
                ctx.error(e.to.span(), "`to` needs at least one recipient");
            }
            let tls = e.tls.unwrap_or(TlsMode::Starttls);
            let password = ctx.secret("password", e.password.as_ref(), e.password_file.as_ref());
            out.email.push(EmailChannel {
                name,
                smtp_host: e.smtp_host.get_ref().trim().to_string(),
                smtp_port: e.smtp_port.unwrap_or(match tls {
                    TlsMode::None => 25,
                    TlsMode::Starttls => 587,
                    TlsMode::Tls => 465,
                }),
                tls,
                from,
                to,
                username: e.username.clone(),
                password,
                filter: filter(
                    e.brands.as_deref(),
                    e.min_level,
                    e.rate_per_minute.as_ref(),
                    e.send_resolved,
                    brands,
                    ctx,
                ),
                timeout: e
                    .timeout
                    .map(|d| d.0)
                    .unwrap_or(std::time::Duration::from_secs(30)),
                locale: locale(e.language, e.timezone.as_ref(), ctx),
                digest_at: e.digest_at.as_ref().and_then(|t| digest_time(t, ctx)),
            });
        }
        for w in &raw.webhook {
            let name = check_name(&w.name, ctx);
            let format = w
                .format
                .as_ref()
                .map_or(WebhookFormat::Json, |f| *f.get_ref());
            let url = webhook_url(w, format, ctx);
            let secret = ctx.secret("secret", w.secret.as_ref(), w.secret_file.as_ref());
            let filter = filter(
                w.brands.as_deref(),
                w.min_level,
                w.rate_per_minute.as_ref(),
                w.send_resolved,
                brands,
                ctx,
            );
            let locale = locale(w.language, w.timezone.as_ref(), ctx);
            let receiver = receiver_keys(w, format, url.as_ref(), ctx);
            let digest_at = w.digest_at.as_ref().and_then(|t| {
                let at = digest_time(t, ctx)?;
                if !format.carries_digest() {
                    ctx.error(
                        t.span(),
                        format!(
                            "format {:?} has no daily digest; remove `digest_at`",
                            format.name()
                        ),
                    );
                }
                Some(at)
            });
            if let Some(url) = url {
                out.webhook.push(WebhookChannel {
                    name,
                    url,
                    format,
                    secret,
                    filter,
                    timeout: w
                        .timeout
                        .map(|d| d.0)
                        .unwrap_or(std::time::Duration::from_secs(10)),
                    locale,
                    receiver,
                    digest_at,
                });
            }
        }
        out.retry = retry_policy(&raw.retry, ctx);
        out
    }

    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = self
            .email
            .iter()
            .map(|e| {
                format!("email {:?} → {}", e.name, e.to.join(", "))
                    + &digest_summary(e.digest_at, &e.locale)
            })
            .collect();
        parts.extend(self.webhook.iter().map(|w| {
            format!("webhook {:?} ({:?})", w.name, w.format)
                + &digest_summary(w.digest_at, &w.locale)
        }));
        if parts.is_empty() {
            "none (alerts are only shown in the API and dashboard)".into()
        } else {
            parts.join("; ")
        }
    }

    /// Every channel's name, for `test-alert --channel`.
    pub fn channel_names(&self) -> Vec<String> {
        self.email
            .iter()
            .map(|e| e.name.clone())
            .chain(self.webhook.iter().map(|w| w.name.clone()))
            .collect()
    }
}

/// The webhook's url; for a format whose url holds a token (Telegram's bot token, Google
/// Chat's key), an error about it does not quote it.
fn webhook_url(w: &WebhookRaw, format: WebhookFormat, ctx: &mut Ctx<'_>) -> Option<url::Url> {
    if !format.secret_url() {
        return ctx.http_url(&w.url);
    }
    match url::Url::parse(w.url.get_ref()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Some(u),
        Ok(_) => {
            ctx.error(w.url.span(), "URL scheme must be http or https");
            None
        }
        Err(e) => {
            ctx.error(
                w.url.span(),
                format!("invalid URL (not shown: it holds a token): {e}"),
            );
            None
        }
    }
}

/// The receiver keys of a webhook, checked against its format: a key the format requires and
/// lacks, or one it does not read, is an error; so is a url the receiver cannot have.
fn receiver_keys(
    w: &WebhookRaw,
    format: WebhookFormat,
    url: Option<&url::Url>,
    ctx: &mut Ctx<'_>,
) -> ReceiverKeys {
    use crate::notify::format::ReceiverKey;
    let here = w
        .format
        .as_ref()
        .map_or_else(|| w.name.span(), |f| f.span());
    let users = |key: ReceiverKey| -> String {
        let names: Vec<String> = WebhookFormat::ALL
            .iter()
            .filter(|f| f.keys().iter().any(|k| k.key == key))
            .map(|f| format!("{:?}", f.name()))
            .collect();
        names.join(", ")
    };
    for key in ReceiverKey::ALL {
        let given: Vec<std::ops::Range<usize>> = match key {
            ReceiverKey::ChatId => w.chat_id.iter().map(|v| v.span()).collect(),
            ReceiverKey::RoutingKey => [&w.routing_key, &w.routing_key_file]
                .into_iter()
                .flatten()
                .map(|v| v.span())
                .collect(),
            ReceiverKey::ApiKey => [&w.api_key, &w.api_key_file]
                .into_iter()
                .flatten()
                .map(|v| v.span())
                .collect(),
        };
        match format.keys().iter().find(|k| k.key == key) {
            None => {
                if let Some(span) = given.first() {
                    ctx.error(
                        span.clone(),
                        format!(
                            "webhook {:?}: format {:?} does not use `{}` (only {} do)",
                            w.name.get_ref(),
                            format.name(),
                            key.name(),
                            users(key)
                        ),
                    );
                }
            }
            Some(k) if k.required && given.is_empty() => {
                let file = if key == ReceiverKey::ChatId {
                    String::new()
                } else {
                    format!(" (or `{}_file`)", key.name())
                };
                ctx.error(
                    here.clone(),
                    format!(
                        "webhook {:?}: format {:?} needs `{}`{file}",
                        w.name.get_ref(),
                        format.name(),
                        key.name()
                    ),
                );
            }
            Some(_) => {}
        }
    }
    if let Some(url) = url {
        if let Err(why) = format.check_url(url) {
            ctx.error(
                w.url.span(),
                format!("webhook {:?}: {why}", w.name.get_ref()),
            );
        }
    }
    let uses = |key| format.keys().iter().any(|k| k.key == key);
    ReceiverKeys {
        chat_id: w
            .chat_id
            .as_ref()
            .filter(|_| uses(ReceiverKey::ChatId))
            .map(|c| c.get_ref().clone()),
        routing_key: if uses(ReceiverKey::RoutingKey) {
            ctx.secret(
                "routing_key",
                w.routing_key.as_ref(),
                w.routing_key_file.as_ref(),
            )
        } else {
            None
        },
        api_key: if uses(ReceiverKey::ApiKey) {
            ctx.secret("api_key", w.api_key.as_ref(), w.api_key_file.as_ref())
        } else {
            None
        },
    }
}

/// `, daily digest at 08:00 Europe/Berlin` for `check`'s summary.
fn digest_summary(at: Option<chrono::NaiveTime>, loc: &Locale) -> String {
    at.map(|t| {
        format!(
            ", daily digest at {} {}",
            t.format("%H:%M"),
            loc.timezone.name()
        )
    })
    .unwrap_or_default()
}

/// `digest_at`: a time of day as `"HH:MM"` (24-hour clock, two digits each), so that
/// `"8:00"`, `"08:00:30"` or `"8am"` are errors rather than guesses.
fn digest_time(t: &Spanned<String>, ctx: &mut Ctx<'_>) -> Option<chrono::NaiveTime> {
    let s = t.get_ref().trim();
    let b = s.as_bytes();
    let parsed = (b.len() == 5 && b[2] == b':' && s.is_char_boundary(2))
        .then(|| {
            let h: u32 = s[..2].parse().ok()?;
            let m: u32 = s[3..].parse().ok()?;
            (s[..2].bytes().all(|c| c.is_ascii_digit())
                && s[3..].bytes().all(|c| c.is_ascii_digit()))
            .then(|| chrono::NaiveTime::from_hms_opt(h, m, 0))
            .flatten()
        })
        .flatten();
    if parsed.is_none() {
        ctx.error(
            t.span(),
            format!(
                "invalid `digest_at` {:?}: a time of day as \"HH:MM\", such as \"08:00\"",
                t.get_ref()
            ),
        );
    }
    parsed
}

fn retry_policy(raw: &RetryRaw, ctx: &mut Ctx<'_>) -> RetryPolicy {
    let mut p = RetryPolicy::default();
    if let Some(d) = &raw.initial_backoff {
        p.initial_backoff = d.get_ref().0;
    }
    if let Some(d) = &raw.max_backoff {
        p.max_backoff = d.get_ref().0;
        if p.max_backoff < p.initial_backoff {
            ctx.error(
                d.span(),
                format!(
                    "max_backoff ({}) is shorter than initial_backoff ({})",
                    d.get_ref(),
                    crate::duration::format(p.initial_backoff)
                ),
            );
        }
    } else if p.initial_backoff > p.max_backoff {
        p.max_backoff = p.initial_backoff;
    }
    if let Some(d) = raw.give_up_after {
        p.give_up_after = d.0;
    }
    match &raw.max_attempts {
        Some(n) if *n.get_ref() == 0 => ctx.error(n.span(), "max_attempts must be at least 1"),
        Some(n) => p.max_attempts = *n.get_ref(),
        None => {}
    }
    p
}

fn filter(
    names: Option<&[Spanned<String>]>,
    min_level: Option<Level>,
    rate: Option<&Spanned<u32>>,
    send_resolved: Option<bool>,
    brands: &[Brand],
    ctx: &mut Ctx<'_>,
) -> ChannelFilter {
    let brands = names.map(|names| {
        names
            .iter()
            .map(|n| {
                if !brands.iter().any(|b| &b.name == n.get_ref()) {
                    ctx.error(n.span(), format!("unknown brand {:?}", n.get_ref()));
                }
                n.get_ref().clone()
            })
            .collect()
    });
    let rate_per_minute = match rate {
        Some(r) if *r.get_ref() == 0 => {
            ctx.error(r.span(), "rate_per_minute must be at least 1");
            10
        }
        Some(r) => *r.get_ref(),
        None => 10,
    };
    ChannelFilter {
        brands,
        min_level: min_level.unwrap_or(Level::Warning),
        rate_per_minute,
        send_resolved: send_resolved.unwrap_or(true),
        routing: Default::default(),
    }
}

macro_rules! routing_keys {
    ($t:ty) => {
        impl $t {
            /// The keys [`super::time_intervals::routing`] resolves.
            pub fn routing_keys(&self) -> super::time_intervals::RoutingKeys<'_> {
                super::time_intervals::RoutingKeys {
                    kinds: self.kinds.as_deref(),
                    mute: self.mute_time_intervals.as_deref(),
                    active: self.active_time_intervals.as_deref(),
                    escalate_after: self.escalate_after.as_ref(),
                }
            }
        }
    };
}
routing_keys!(EmailRaw);
routing_keys!(WebhookRaw);

impl ChannelFilter {
    /// Whether an alert for `brand` at `level` goes to this channel.
    pub fn wants(&self, brand: &str, level: Level) -> bool {
        level >= self.min_level
            && self
                .brands
                .as_ref()
                .is_none_or(|bs| bs.iter().any(|b| b == brand))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::*;

    const BRANDS: &str = "[[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n";

    fn parse(extra: &str) -> Result<crate::config::Config, crate::config::ConfigErrors> {
        crate::config::parse(&format!("{BRANDS}{extra}"), Path::new("t.toml"))
    }

    #[test]
    fn channel_keys_and_defaults() {
        let c = parse(
            "[[notify.email]]\nname = \"m\"\nsmtp_host = \"127.0.0.1\"\ntls = \"none\"\n\
             from = \"a@example.org\"\nto = [\"b@example.org\"]\ntimeout = \"5s\"\n\
             rate_per_minute = 3\nsend_resolved = false\nmin_level = \"critical\"\n\
             [[notify.webhook]]\nname = \"h\"\nurl = \"http://127.0.0.1:1/x\"\nformat = \"slack\"\n",
        )
        .unwrap();
        let m = &c.notify.email[0];
        assert_eq!(
            (m.smtp_port, m.tls, m.timeout),
            (25, TlsMode::None, Duration::from_secs(5))
        );
        assert_eq!(m.filter.rate_per_minute, 3);
        assert!(!m.filter.send_resolved);
        assert_eq!(m.filter.min_level, Level::Critical);
        let h = &c.notify.webhook[0];
        assert_eq!(h.format, WebhookFormat::Slack);
        assert_eq!(h.timeout, Duration::from_secs(10));
        assert_eq!(h.filter.rate_per_minute, 10);
        assert_eq!(c.notify.retry, RetryPolicy::default());
    }

    #[test]
    fn retry_table_is_read_and_checked() {
        let c = parse(
            "[notify.retry]\ninitial_backoff = \"200ms\"\nmax_backoff = \"2s\"\n\
             give_up_after = \"1h\"\nmax_attempts = 7\n",
        )
        .unwrap();
        assert_eq!(
            c.notify.retry,
            RetryPolicy {
                initial_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(2),
                give_up_after: Duration::from_secs(3600),
                max_attempts: 7,
            }
        );
        let err = parse(
            "[notify.retry]\ninitial_backoff = \"1m\"\nmax_backoff = \"10s\"\nmax_attempts = 0\n",
        )
        .unwrap_err();
        let at: Vec<(usize, usize)> = err.0.iter().map(|e| (e.line, e.col)).collect();
        assert_eq!(at, vec![(6, 15), (7, 16)], "{err}");
        let err = parse("[notify.retry]\nbackoff = \"1m\"\n").unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].col), (5, 1), "{err}");
    }

    #[test]
    fn language_and_time_zone_per_channel() {
        let c = parse(
            "[[notify.email]]\nname = \"m\"\nsmtp_host = \"127.0.0.1\"\nfrom = \"a@example.org\"\n\
             to = [\"b@example.org\"]\nlanguage = \"de\"\ntimezone = \"Europe/Berlin\"\n\
             [[notify.webhook]]\nname = \"h\"\nurl = \"http://127.0.0.1:1/x\"\n",
        )
        .unwrap();
        assert_eq!(
            c.notify.email[0].locale,
            Locale::new(Language::De, chrono_tz::Europe::Berlin)
        );
        assert_eq!(c.notify.webhook[0].locale, Locale::default());
        let err = parse(
            "[[notify.webhook]]\nname = \"h\"\nurl = \"http://127.0.0.1:1/x\"\ntimezone = \"Mars/Base\"\n",
        )
        .unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].col), (7, 12), "{err}");
        assert!(parse(
            "[[notify.webhook]]\nname = \"h\"\nurl = \"http://127.0.0.1:1/x\"\nlanguage = \"fr\"\n"
        )
        .is_err());
    }

    #[test]
    fn receiver_keys_are_read_for_the_formats_that_use_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pd"), "pd-secret\n").unwrap();
        let path = dir.path().join("c.toml");
        let c = crate::config::parse(
            &format!(
                "{BRANDS}[[notify.webhook]]\nname = \"pd\"\nurl = \"https://events.pagerduty.com/v2/enqueue\"\n\
                 format = \"pagerduty\"\nrouting_key_file = \"pd\"\n\
                 [[notify.webhook]]\nname = \"tg\"\nurl = \"https://api.telegram.org/bot1:x/sendMessage\"\n\
                 format = \"telegram\"\nchat_id = \"@pr_alerts\"\n\
                 [[notify.webhook]]\nname = \"og\"\nurl = \"https://api.opsgenie.com/v2/alerts\"\n\
                 format = \"opsgenie\"\napi_key = \"g\"\n\
                 [[notify.webhook]]\nname = \"n\"\nurl = \"https://ntfy.sh/pr\"\nformat = \"ntfy\"\n"
            ),
            &path,
        )
        .unwrap();
        let w = &c.notify.webhook;
        assert_eq!(
            w[0].receiver.routing_key.as_ref().unwrap().expose(),
            "pd-secret"
        );
        assert_eq!(
            w[1].receiver.chat_id,
            Some(ChatId::Name("@pr_alerts".into()))
        );
        assert_eq!(w[2].receiver.api_key.as_ref().unwrap().expose(), "g");
        assert_eq!(
            w[3].receiver,
            ReceiverKeys::default(),
            "ntfy's token is optional"
        );
        let c = parse(
            "[[notify.webhook]]\nname = \"tg\"\nurl = \"https://api.telegram.org/bot1:x/sendMessage\"\n\
             format = \"telegram\"\nchat_id = -1001234\n",
        )
        .unwrap();
        assert_eq!(
            c.notify.webhook[0].receiver.chat_id,
            Some(ChatId::Id(-1001234))
        );
    }

    #[test]
    fn a_missing_or_unused_receiver_key_is_located() {
        // Missing: reported at the format.
        let err = parse(
            "[[notify.webhook]]\nname = \"pd\"\nurl = \"https://events.pagerduty.com/v2/enqueue\"\n\
             format = \"pagerduty\"\n",
        )
        .unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].col), (7, 10), "{err}");
        assert!(
            err.0[0]
                .message
                .contains("needs `routing_key` (or `routing_key_file`)"),
            "{err}"
        );
        // Given to a format that does not read it: reported at the key.
        let err = parse(
            "[[notify.webhook]]\nname = \"s\"\nurl = \"https://hooks.example/x\"\nformat = \"slack\"\n\
             chat_id = 5\napi_key_file = \"k\"\n",
        )
        .unwrap_err();
        let at: Vec<(usize, usize)> = err.0.iter().map(|e| (e.line, e.col)).collect();
        assert_eq!(at, vec![(8, 11), (9, 16)], "{err}");
        assert!(err.0[0].message.contains("only \"telegram\" do"), "{err}");
        assert!(err.0[1].message.contains("\"opsgenie\", \"ntfy\""), "{err}");
        // The default format (json) takes none.
        let err = parse(
            "[[notify.webhook]]\nname = \"j\"\nurl = \"https://hooks.example/x\"\nrouting_key = \"r\"\n",
        )
        .unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].col), (7, 15), "{err}");
        // A url the receiver cannot have, without quoting a token.
        let err = parse(
            "[[notify.webhook]]\nname = \"tg\"\nurl = \"https://api.telegram.org/bot9:SECRET/getMe\"\n\
             format = \"telegram\"\nchat_id = 1\n",
        )
        .unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].col), (6, 7), "{err}");
        assert!(!err.to_string().contains("SECRET"), "{err}");
        let err = parse(
            "[[notify.webhook]]\nname = \"tg\"\nurl = \"https://api.telegram.org:99999/bot9:SECRET/sendMessage\"\n\
             format = \"telegram\"\nchat_id = 1\n",
        )
        .unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].col), (6, 7), "{err}");
        assert!(!err.to_string().contains("SECRET"), "{err}");
        let err = parse(
            "[[notify.webhook]]\nname = \"og\"\nurl = \"https://api.opsgenie.com/\"\n\
             format = \"opsgenie\"\napi_key = \"g\"\n",
        )
        .unwrap_err();
        assert!(err.0[0].message.contains("/v2/alerts"), "{err}");
    }

    #[test]
    fn digest_at_is_a_time_of_day_and_located_when_not() {
        let c = parse(
            "[[notify.email]]\nname = \"m\"\nsmtp_host = \"127.0.0.1\"\nfrom = \"a@example.org\"\n\
             to = [\"b@example.org\"]\ndigest_at = \"08:00\"\n\
             [[notify.webhook]]\nname = \"h\"\nurl = \"http://127.0.0.1:1/x\"\ndigest_at = \"23:59\"\n",
        )
        .unwrap();
        assert_eq!(
            c.notify.email[0].digest_at,
            chrono::NaiveTime::from_hms_opt(8, 0, 0)
        );
        assert_eq!(
            c.notify.webhook[0].digest_at,
            chrono::NaiveTime::from_hms_opt(23, 59, 0)
        );
        assert!(
            c.summary()
                .contains("webhook \"h\" (Json), daily digest at 23:59 UTC"),
            "{}",
            c.summary()
        );
        for bad in [
            "8:00", "24:00", "08:60", "08:00:00", "8am", "", "０8:00", "+8:00",
        ] {
            let err = parse(&format!(
                "[[notify.webhook]]\nname = \"h\"\nurl = \"http://127.0.0.1:1/x\"\ndigest_at = \"{bad}\"\n"
            ))
            .unwrap_err();
            assert_eq!((err.0[0].line, err.0[0].col), (7, 13), "{bad}: {err}");
            assert!(err.to_string().contains("HH:MM"), "{err}");
        }
    }

    #[test]
    fn bad_channel_values_are_located() {
        let err = parse(
            "[[notify.webhook]]\nname = \"h\"\nurl = \"ftp://x\"\nrate_per_minute = 0\n\
             brands = [\"Nope\"]\n",
        )
        .unwrap_err();
        let mut lines: Vec<usize> = err.0.iter().map(|e| e.line).collect();
        lines.sort();
        assert_eq!(lines, vec![6, 7, 8], "{err}");
    }
}
