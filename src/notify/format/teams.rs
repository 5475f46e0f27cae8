//! Microsoft Teams: an Adaptive Card in a `message` envelope, as Workflows webhooks take it;
//! post text Markdown-escaped so that it cannot become a live link.
//!
//! Invariant: as for every chat format ([`crate::notify::chat`]), text from outside is escaped
//! for the service's markup, cannot ping anyone, and stays under the service's length limits.

use serde_json::{json, Value};

use super::super::chat::{brief_lines, chart_url, header_line, md_escape, samples};
use super::super::{i18n, render, DeliveryError};
use super::{json_bytes, Format, Target};
use crate::alert::{AlertEvent, Level, Status};
use crate::config::notify::Locale;

/// Microsoft Teams (Workflows): an Adaptive Card in a `message` envelope.
pub struct Teams;

impl Format for Teams {
    fn body(event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        json_bytes(&teams(event, to.loc))
    }

    fn digest_body(
        digest: &crate::notify::digest::Digest,
        loc: &Locale,
    ) -> Option<Result<Vec<u8>, DeliveryError>> {
        let text = crate::notify::digest_render::markdown(digest, loc, md_escape);
        Some(json_bytes(&json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [{"type": "TextBlock", "text": text, "wrap": true}],
                },
            }],
        })))
    }
}

pub fn teams(event: &AlertEvent, loc: &Locale) -> Value {
    let colour = match (event.status, event.level) {
        (Status::Resolved, _) => "Good",
        (_, Level::Critical) => "Attention",
        _ => "Warning",
    };
    let mut body = Vec::new();
    if event.test {
        body.push(json!({"type": "TextBlock", "text": i18n::test_notice(loc), "weight": "Bolder", "color": "Warning", "wrap": true}));
    }
    body.push(json!({"type": "TextBlock", "text": md_escape(&header_line(event, loc)), "weight": "Bolder", "size": "Large", "color": colour, "wrap": true}));
    body.push(
        json!({"type": "TextBlock", "text": md_escape(&render::summary(event, loc)), "wrap": true}),
    );
    let lines = brief_lines(event, loc);
    if !lines.is_empty() {
        let list: Vec<String> = lines
            .iter()
            .map(|r| format!("- {}", md_escape(r)))
            .collect();
        body.push(json!({"type": "TextBlock", "text": list.join("\n"), "wrap": true}));
    }
    let facts: Vec<Value> = render::facts(event, loc)
        .into_iter()
        .map(|(k, v)| json!({"title": k, "value": md_escape(&v)}))
        .collect();
    body.push(json!({"type": "FactSet", "facts": facts}));
    if let Some(url) = chart_url(event, loc) {
        body.push(json!({"type": "Image", "url": url, "size": "Stretch", "altText": i18n::pick(loc, "Mentions in the last 24 hours", "Erwähnungen der letzten 24 Stunden")}));
    }
    let mut actions = Vec::new();
    for (i, s) in samples(event).enumerate() {
        body.push(json!({"type": "TextBlock", "text": format!("\u{201c}{}\u{201d}", md_escape(&render::sample_text(s))), "wrap": true, "separator": true}));
        body.push(json!({"type": "TextBlock", "text": md_escape(&render::sample_byline(s, loc)), "isSubtle": true, "spacing": "None", "wrap": true}));
        if let Some(url) = s.url.as_deref().and_then(render::safe_url) {
            actions.push(json!({"type": "Action.OpenUrl", "title": format!("{} {}", i18n::pick(loc, "Open post", "Beitrag öffnen"), i + 1), "url": url}));
        }
    }
    if let Some(d) = event
        .brief
        .links
        .as_ref()
        .and_then(|l| l.dashboard.as_deref())
        .and_then(render::safe_url)
    {
        actions.push(json!({"type": "Action.OpenUrl", "title": i18n::pick(loc, "Dashboard", "Übersicht"), "url": d}));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": {"width": "Full"},
                "body": body,
                "actions": actions,
            },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::chat::fixtures::{event, L};

    #[test]
    fn teams_is_an_adaptive_card_message() {
        let v = teams(&event(), &L);
        assert_eq!(v["type"], "message");
        let a = &v["attachments"][0];
        assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
        assert_eq!(a["content"]["type"], "AdaptiveCard");
        assert_eq!(a["content"]["body"][0]["color"], "Attention");
        assert_eq!(a["content"]["actions"][0]["type"], "Action.OpenUrl");
    }

    #[test]
    fn teams_escapes_post_markdown() {
        let mut e = event();
        e.sample[0].text = "click [here](https://phish.example) **now**".into();
        let v = teams(&e, &L);
        let all = v["attachments"][0]["content"]["body"].to_string();
        assert!(!all.contains("[here](https://phish.example)"), "{all}");
        assert!(all.contains(r"\\[here\\](https://phish.example)"), "{all}");
        assert!(all.contains(r"\\*\\*now\\*\\*"), "{all}");
    }
}
