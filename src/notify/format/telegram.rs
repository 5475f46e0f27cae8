//! Telegram Bot API `sendMessage`: `chat_id` (the channel's key), `text` in Telegram's HTML
//! (`parse_mode = "HTML"`), link previews off. The `url` is
//! `https://api.telegram.org/bot<token>/sendMessage`: it holds the bot's token, so it is a
//! secret — no message, log line or body quotes it.
//!
//! Invariant: text from outside is escaped for Telegram's HTML (`&`, `<`, `>`, `"`), so a post
//! cannot open a tag or a link; the text stays under Telegram's 4 096 characters; it is in
//! the channel's language and time zone.

use serde_json::{json, Value};

use super::super::chat::{brief_lines, clip, header_line, samples};
use super::super::{i18n, render, DeliveryError};
use super::{json_bytes, Format, KeyUse, ReceiverKey, Request, Target};
use crate::alert::AlertEvent;
use crate::config::notify::{ChatId, Locale};

/// Telegram's limit for a message's text, counted after the markup is parsed; the budget
/// below keeps the markup's own characters in it too, to be safe.
const MAX_TEXT: usize = 4096;

/// Telegram bots: `sendMessage` with HTML text.
pub struct Telegram;

impl Format for Telegram {
    const KEYS: &'static [KeyUse] = &[KeyUse {
        key: ReceiverKey::ChatId,
        required: true,
    }];
    const SECRET_URL: bool = true;

    fn body(event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        let chat = to
            .keys
            .chat_id
            .as_ref()
            .ok_or_else(|| DeliveryError::Permanent("telegram needs a chat_id".into()))?;
        json_bytes(&telegram(event, to.loc, chat))
    }

    /// The digest as one message to the channel's chat, its text escaped for Telegram's HTML.
    fn digest_request(
        digest: &crate::notify::digest::Digest,
        to: &Target<'_>,
    ) -> Option<Result<Request, DeliveryError>> {
        let chat = match to.keys.chat_id.as_ref() {
            Some(chat) => chat,
            None => return Some(Err(DeliveryError::Permanent("telegram needs a chat_id".into()))),
        };
        let chat_id = match chat {
            ChatId::Id(n) => json!(n),
            ChatId::Name(s) => json!(s),
        };
        let subject = crate::notify::digest_render::subject(digest, to.loc);
        let text = crate::notify::digest_render::text(digest, to.loc);
        // Clipped before escaping, so that no tag or entity is cut open.
        let message = format!(
            "<b>{}</b>\n\n{}",
            tg_escape(&clip(&subject, 200)),
            tg_escape(&clip(&text, MAX_TEXT / 2))
        );
        Some(
            json_bytes(&json!({
                "chat_id": chat_id,
                "text": message,
                "parse_mode": "HTML",
                "disable_web_page_preview": true,
            }))
            .map(|body| Request::to_channel(to, body)),
        )
    }

    fn check_url(url: &url::Url) -> Result<(), String> {
        let segs: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
        let ok = matches!(
            segs.as_slice(),
            [.., bot, "sendMessage"] if bot.len() > 3 && bot.starts_with("bot")
        );
        if ok {
            Ok(())
        } else {
            Err("a telegram url is the bot's sendMessage method, \
                 https://api.telegram.org/bot<token>/sendMessage"
                .into())
        }
    }
}

/// Telegram's HTML needs `&`, `<`, `>` (and `"` inside attributes) escaped.
pub fn tg_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn telegram(event: &AlertEvent, loc: &Locale, chat: &ChatId) -> Value {
    let chat_id = match chat {
        ChatId::Id(n) => json!(n),
        ChatId::Name(s) => json!(s),
    };
    json!({
        "chat_id": chat_id,
        "text": text(event, loc),
        "parse_mode": "HTML",
        "disable_web_page_preview": true,
    })
}

/// The message: a bold header, the summary, the brief, up to three posts with their links,
/// then the dashboard. Parts are added whole while they fit, so no tag is ever cut open.
fn text(event: &AlertEvent, loc: &Locale) -> String {
    let mut parts: Vec<String> = Vec::new();
    if event.test {
        parts.push(format!("<b>{}</b>", tg_escape(i18n::test_notice(loc))));
    }
    parts.push(format!(
        "<b>{}</b>",
        tg_escape(&clip(&header_line(event, loc), 300))
    ));
    parts.push(tg_escape(&clip(&render::summary(event, loc), 1000)));
    let brief: Vec<String> = brief_lines(event, loc)
        .iter()
        .map(|l| format!("• {}", tg_escape(&clip(l, 400))))
        .collect();
    if !brief.is_empty() {
        parts.push(brief.join("\n"));
    }
    if let Some(s) = render::sources_line(event, loc) {
        parts.push(format!(
            "{} {}",
            tg_escape(i18n::pick(loc, "Sources:", "Quellen:")),
            tg_escape(&s)
        ));
    }
    for s in samples(event) {
        let mut p = format!(
            "<i>\u{201c}{}\u{201d}</i>\n{}",
            tg_escape(&clip(&render::sample_text(s), 400)),
            tg_escape(&render::sample_byline(s, loc))
        );
        if let Some(u) = s.url.as_deref().and_then(render::safe_url) {
            p.push_str(&format!(
                " · <a href=\"{}\">{}</a>",
                tg_escape(u),
                tg_escape(i18n::pick(loc, "open post", "Beitrag öffnen"))
            ));
        }
        parts.push(p);
    }
    if let Some(d) = event
        .brief
        .links
        .as_ref()
        .and_then(|l| l.dashboard.as_deref())
        .and_then(render::safe_url)
    {
        parts.push(format!(
            "<a href=\"{}\">{}</a>",
            tg_escape(d),
            tg_escape(i18n::pick(loc, "Dashboard", "Übersicht"))
        ));
    }
    let mut out = String::new();
    for p in parts {
        let len = out.chars().count() + p.chars().count() + 2;
        if len > MAX_TEXT {
            break;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Status;
    use crate::config::notify::Language;
    use crate::notify::chat::fixtures::{event, L};

    #[test]
    fn send_message_with_escaped_html() {
        let v = telegram(&event(), &L, &ChatId::Id(-1001234567890));
        assert_eq!(v["chat_id"], -1001234567890i64);
        assert_eq!(v["parse_mode"], "HTML");
        assert_eq!(v["disable_web_page_preview"], true);
        let t = v["text"].as_str().unwrap();
        assert!(t.starts_with("<b>CRITICAL storm: Acme &amp; &lt;Co&gt;</b>"), "{t}");
        assert!(t.contains("&lt;!channel&gt;"), "{t}");
        assert!(!t.contains("<!channel>"), "{t}");
        assert!(t.contains("<a href=\"https://x.example/p?a=1|2\">open post</a>"), "{t}");
        let named = telegram(&event(), &L, &ChatId::Name("@pr_alerts".into()));
        assert_eq!(named["chat_id"], "@pr_alerts");
    }

    #[test]
    fn german_all_clear_and_the_length_limit() {
        let mut e = event();
        e.status = Status::Resolved;
        let de = Locale {
            language: Language::De,
            ..L
        };
        let t = telegram(&e, &de, &ChatId::Id(1))["text"].as_str().unwrap().to_string();
        assert!(t.starts_with("<b>Entwarnung: Acme"), "{t}");
        let mut e = event();
        e.reasons = vec!["x".repeat(3000); 5];
        for s in &mut e.sample {
            s.text = "<b>".repeat(500);
        }
        let t = telegram(&e, &L, &ChatId::Id(1))["text"].as_str().unwrap().to_string();
        assert!(t.chars().count() <= MAX_TEXT, "{}", t.chars().count());
        assert_eq!(t.matches("<b>").count(), t.matches("</b>").count());
    }

    #[test]
    fn the_url_must_be_send_message() {
        let ok: url::Url = "https://api.telegram.org/bot123:AAE/sendMessage".parse().unwrap();
        assert!(Telegram::check_url(&ok).is_ok());
        let bad: url::Url = "https://api.telegram.org/bot123:AAE/getMe".parse().unwrap();
        let why = Telegram::check_url(&bad).unwrap_err();
        assert!(!why.contains("123:AAE"), "the token stays out: {why}");
    }
}
