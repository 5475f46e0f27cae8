//! Google Chat incoming webhooks: a `text` line (what phones show in the notification) and
//! one `cardsV2` card with the brief, threaded per storm: `thread.threadKey` is the storm
//! thread and the request adds `messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD`, so
//! a storm's reminders and its all-clear land as replies under its first notice. The `url`
//! holds the space's `key` and `token`: it is a secret and is never quoted.
//!
//! Invariant: text from outside is HTML-escaped in the card (whose text widgets take a small
//! HTML subset) and the `text` line, where `<users/all>` would ping the whole space, holds no
//! `<` or `>`; text is in the channel's language and time zone.

use serde_json::{json, Value};

use super::super::chat::{brief_lines, chart_url, clip, header_line, samples, thread_key};
use super::super::{i18n, render, DeliveryError};
use super::{json_bytes, Format, Request, Target};
use crate::alert::{AlertEvent, Level, Status};
use crate::config::notify::Locale;

/// The query parameter that makes a message with a `threadKey` a reply in that thread.
const REPLY_OPTION: (&str, &str) = ("messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");

/// Google Chat spaces' incoming webhooks.
pub struct GoogleChat;

impl Format for GoogleChat {
    const SECRET_URL: bool = true;

    fn body(event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        json_bytes(&googlechat(event, to.loc))
    }

    /// The digest as one plain text message (its own thread: it belongs to no storm).
    fn digest_body(
        digest: &crate::notify::digest::Digest,
        loc: &Locale,
    ) -> Option<Result<Vec<u8>, DeliveryError>> {
        let subject = crate::notify::digest_render::subject(digest, loc);
        let text = crate::notify::digest_render::text(digest, loc);
        Some(json_bytes(&json!({
            "text": clip(&plain(&format!("*{subject}*\n\n{text}")), 4000),
        })))
    }

    fn request(event: &AlertEvent, to: &Target<'_>) -> Result<Request, DeliveryError> {
        let mut url = to.url.clone();
        if !url.query_pairs().any(|(k, _)| k == REPLY_OPTION.0) {
            url.query_pairs_mut()
                .append_pair(REPLY_OPTION.0, REPLY_OPTION.1);
        }
        Ok(Request {
            url,
            headers: Vec::new(),
            body: Self::body(event, to)?,
        })
    }
}

/// Card text: the HTML subset's specials escaped.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The plain `text` line cannot be escaped, so angle brackets (mentions, links) are replaced.
fn plain(s: &str) -> String {
    s.replace('<', "‹").replace('>', "›")
}

pub fn googlechat(event: &AlertEvent, loc: &Locale) -> Value {
    let colour = match (event.status, event.level) {
        (Status::Resolved, _) => "#2e7d32",
        (_, Level::Critical) => "#b3261e",
        _ => "#b26a00",
    };
    let mut intro = Vec::new();
    if event.test {
        intro.push(format!("<b>{}</b>", esc(i18n::test_notice(loc))));
    }
    intro.push(format!(
        "<font color=\"{colour}\"><b>{}</b></font>",
        esc(&header_line(event, loc))
    ));
    intro.push(esc(&render::summary(event, loc)));
    for l in brief_lines(event, loc) {
        intro.push(format!("• {}", esc(&l)));
    }
    let mut main = vec![json!({"textParagraph": {"text": clip(&intro.join("<br>"), 4000)}})];
    for (k, v) in render::facts(event, loc) {
        main.push(json!({"decoratedText": {"topLabel": clip(&k, 100), "text": esc(&clip(&v, 500))}}));
    }
    if let Some(s) = render::sources_line(event, loc) {
        main.push(json!({"decoratedText": {"topLabel": i18n::pick(loc, "Sources", "Quellen"), "text": esc(&s)}}));
    }
    let mut sections = vec![json!({"widgets": main})];
    if let Some(url) = chart_url(event, loc) {
        sections.push(json!({"widgets": [{"image": {"imageUrl": url, "altText": i18n::pick(loc, "Mentions in the last 24 hours", "Erwähnungen der letzten 24 Stunden")}}]}));
    }
    let posts: Vec<Value> = samples(event)
        .map(|s| {
            let mut t = format!(
                "<i>\u{201c}{}\u{201d}</i><br>{}",
                esc(&render::sample_text(s)),
                esc(&render::sample_byline(s, loc))
            );
            if let Some(u) = s.url.as_deref().and_then(render::safe_url) {
                t.push_str(&format!(
                    " · <a href=\"{}\">{}</a>",
                    esc(u).replace('"', "&quot;"),
                    esc(i18n::pick(loc, "open post", "Beitrag öffnen"))
                ));
            }
            json!({"textParagraph": {"text": clip(&t, 2000)}})
        })
        .collect();
    if !posts.is_empty() {
        sections.push(json!({"header": i18n::pick(loc, "Posts", "Beiträge"), "widgets": posts}));
    }
    let mut buttons = Vec::new();
    if let Some(a) = render::ack_url(event, loc) {
        buttons.push(json!({"text": i18n::pick(loc, "Acknowledge", "Quittieren"), "onClick": {"openLink": {"url": a}}}));
    }
    if let Some(d) = event
        .brief
        .links
        .as_ref()
        .and_then(|l| l.dashboard.as_deref())
        .and_then(render::safe_url)
    {
        buttons.push(json!({"text": i18n::pick(loc, "Dashboard", "Übersicht"), "onClick": {"openLink": {"url": d}}}));
    }
    if !buttons.is_empty() {
        sections.push(json!({"widgets": [{"buttonList": {"buttons": buttons}}]}));
    }
    json!({
        "text": plain(&i18n::subject(event, loc)),
        "cardsV2": [{
            "cardId": format!("sturmglas-{}", event.id),
            "card": {
                "header": {
                    "title": clip(&header_line(event, loc), 200),
                    "subtitle": clip(&format!("sturmglas · {}", i18n::time(event.observed_at, loc)), 200),
                },
                "sections": sections,
            },
        }],
        "thread": {"threadKey": thread_key(event)},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::notify::{Language, ReceiverKeys};
    use crate::notify::chat::fixtures::{event, L};

    #[test]
    fn a_card_threaded_by_the_storm() {
        let mut e = event();
        e.brand = "Acme <users/all>".into();
        let v = googlechat(&e, &L);
        assert!(!v["text"].as_str().unwrap().contains('<'), "{v}");
        let card = &v["cardsV2"][0]["card"];
        assert!(card["header"]["title"].as_str().unwrap().starts_with("CRITICAL"));
        let all = card.to_string();
        assert!(all.contains("&lt;!channel&gt;"), "{all}");
        assert!(!all.contains("<!channel>"), "{all}");
        assert_eq!(v["thread"]["threadKey"], thread_key(&e));
        let mut resolved = e.clone();
        resolved.status = Status::Resolved;
        assert_eq!(
            googlechat(&resolved, &L)["thread"]["threadKey"],
            v["thread"]["threadKey"]
        );
    }

    #[test]
    fn the_request_asks_for_a_reply_in_the_thread_and_keeps_the_key() {
        let url: url::Url =
            "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t".parse().unwrap();
        let keys = ReceiverKeys::default();
        let de = Locale {
            language: Language::De,
            ..L
        };
        let r = GoogleChat::request(
            &event(),
            &Target {
                loc: &de,
                url: &url,
                keys: &keys,
            },
        )
        .unwrap();
        assert_eq!(
            r.url.query(),
            Some("key=k&token=t&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
        );
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert!(v["text"].as_str().unwrap().contains("KRITISCH"), "{v}");
        assert!(v.to_string().contains("Beiträge"), "{v}");
    }
}
