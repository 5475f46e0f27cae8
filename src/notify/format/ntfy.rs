//! ntfy: the JSON publish. The channel's `url` is the topic's address as a subscriber writes
//! it (`https://ntfy.sh/pr-alerts`); the message is posted as JSON to the server's root
//! (`https://ntfy.sh/`) with `topic`, `title`, `message`, `priority`, `tags`, `click` and
//! `actions`, plain text (no Markdown), with an access token as `Authorization: Bearer` when
//! `api_key` is set.
//!
//! Invariant: the message stays under ntfy's 4 096 bytes (beyond them ntfy turns it into an
//! attachment); a critical storm rings at priority 5, a warning at 4, an all-clear at 3, a
//! test at 2; text is in the channel's language and time zone.

use serde_json::{json, Value};

use super::super::chat::{brief_lines, clip, header_line, samples};
use super::super::{i18n, render, DeliveryError};
use super::{json_bytes, Format, KeyUse, ReceiverKey, Request, Target};
use crate::alert::{AlertEvent, Level, Status};
use crate::config::notify::Locale;

/// ntfy's message limit, in bytes.
const MAX_MESSAGE_BYTES: usize = 4096;

/// ntfy (ntfy.sh or a server of your own): a JSON publish to the root.
pub struct Ntfy;

impl Format for Ntfy {
    const KEYS: &'static [KeyUse] = &[KeyUse {
        key: ReceiverKey::ApiKey,
        required: false,
    }];

    fn body(event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        let (_, topic) = split(to.url).map_err(DeliveryError::Permanent)?;
        json_bytes(&ntfy(event, to.loc, &topic))
    }

    fn request(event: &AlertEvent, to: &Target<'_>) -> Result<Request, DeliveryError> {
        let (root, _) = split(to.url).map_err(DeliveryError::Permanent)?;
        let mut headers = Vec::new();
        if let Some(token) = &to.keys.api_key {
            headers.push(("Authorization", format!("Bearer {}", token.expose())));
        }
        Ok(Request {
            url: root,
            headers,
            body: Self::body(event, to)?,
        })
    }

    fn check_url(url: &url::Url) -> Result<(), String> {
        split(url).map(|_| ())
    }

    /// The digest as a quiet (priority 2) plain-text message on the channel's topic.
    fn digest_request(
        digest: &crate::notify::digest::Digest,
        to: &Target<'_>,
    ) -> Option<Result<Request, DeliveryError>> {
        Some(split(to.url).map_err(DeliveryError::Permanent).and_then(|(root, topic)| {
            let body = json_bytes(&json!({
                "topic": topic,
                "title": clip(&crate::notify::digest_render::subject(digest, to.loc), 250),
                "message": fit_bytes(&crate::notify::digest_render::text(digest, to.loc), MAX_MESSAGE_BYTES - 96),
                "priority": 2,
                "tags": ["bar_chart"],
            }))?;
            let mut headers = Vec::new();
            if let Some(token) = &to.keys.api_key {
                headers.push(("Authorization", format!("Bearer {}", token.expose())));
            }
            Ok(Request { url: root, headers, body })
        }))
    }
}

/// The server's root and the topic of a topic url (`https://ntfy.sh/pr-alerts` →
/// `https://ntfy.sh/`, `pr-alerts`); a server under a path keeps it (`…/ntfy/pr-alerts` →
/// `…/ntfy/`).
pub fn split(url: &url::Url) -> Result<(url::Url, String), String> {
    let topic = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("")
        .to_string();
    let valid = !topic.is_empty()
        && topic.len() <= 64
        && topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid || url.query().is_some() {
        return Err(
            "an ntfy url is the topic's address, e.g. https://ntfy.sh/pr-alerts (a topic of \
             letters, digits, - and _, at most 64, and no query)"
                .into(),
        );
    }
    let mut root = url.clone();
    if let Ok(mut segs) = root.path_segments_mut() {
        segs.pop().push("");
    }
    Ok((root, topic))
}

/// ntfy's priority: 5 (max) critical, 4 (high) warning, 3 all-clear, 2 test.
pub fn priority(event: &AlertEvent) -> u8 {
    match (event.status, event.level) {
        _ if event.test => 2,
        (Status::Resolved, _) => 3,
        (_, Level::Critical) => 5,
        _ => 4,
    }
}

pub fn ntfy(event: &AlertEvent, loc: &Locale, topic: &str) -> Value {
    let mut lines = Vec::new();
    if event.test {
        lines.push(i18n::test_notice(loc).to_string());
    }
    lines.push(render::summary(event, loc));
    lines.extend(brief_lines(event, loc).into_iter().map(|l| format!("• {l}")));
    if let Some(s) = render::sources_line(event, loc) {
        lines.push(format!("{} {s}", i18n::pick(loc, "Sources:", "Quellen:")));
    }
    for s in samples(event) {
        lines.push(format!(
            "\u{201c}{}\u{201d} — {}",
            render::sample_text(s),
            render::sample_byline(s, loc)
        ));
    }
    let tags = match (event.status, event.level) {
        (Status::Resolved, _) => "white_check_mark",
        (_, Level::Critical) => "rotating_light",
        _ => "warning",
    };
    let mut v = json!({
        "topic": topic,
        "title": clip(&header_line(event, loc), 200),
        "message": fit_bytes(&lines.join("\n"), MAX_MESSAGE_BYTES - 96),
        "priority": priority(event),
        "tags": [tags, "sturmglas", event.kind.as_str()],
        "markdown": false,
    });
    let dashboard = event
        .brief
        .links
        .as_ref()
        .and_then(|l| l.dashboard.as_deref())
        .and_then(render::safe_url);
    if let Some(d) = dashboard {
        v["click"] = json!(d);
    }
    // ntfy shows at most three action buttons.
    let mut actions = Vec::new();
    if let Some(a) = render::ack_url(event, loc) {
        actions.push(json!({"action": "view", "label": i18n::pick(loc, "Acknowledge", "Quittieren"), "url": a, "clear": true}));
    }
    if let Some(d) = dashboard {
        actions.push(
            json!({"action": "view", "label": i18n::pick(loc, "Dashboard", "Übersicht"), "url": d}),
        );
    }
    if let Some(u) = samples(event).find_map(|s| s.url.as_deref().and_then(render::safe_url)) {
        actions.push(
            json!({"action": "view", "label": i18n::pick(loc, "Open post", "Beitrag öffnen"), "url": u}),
        );
    }
    if !actions.is_empty() {
        v["actions"] = json!(actions);
    }
    v
}

/// `s` cut at a character boundary to at most `max` bytes, with an ellipsis when cut.
fn fit_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::notify::Language;
    use crate::notify::chat::fixtures::{event, L};

    #[test]
    fn the_topic_url_is_split_into_root_and_topic() {
        let (root, topic) = split(&"https://ntfy.sh/pr-alerts".parse().unwrap()).unwrap();
        assert_eq!((root.as_str(), topic.as_str()), ("https://ntfy.sh/", "pr-alerts"));
        let (root, topic) =
            split(&"https://example.org/ntfy/pr_1".parse().unwrap()).unwrap();
        assert_eq!(
            (root.as_str(), topic.as_str()),
            ("https://example.org/ntfy/", "pr_1")
        );
        for bad in ["https://ntfy.sh/", "https://ntfy.sh/a b", "https://ntfy.sh/t?x=1"] {
            assert!(split(&bad.parse().unwrap()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_storm_rings_loud_and_the_all_clear_quietly() {
        let mut e = event();
        let v = ntfy(&e, &L, "pr");
        assert_eq!(v["topic"], "pr");
        assert_eq!(v["priority"], 5);
        assert_eq!(v["tags"][0], "rotating_light");
        assert!(v["title"].as_str().unwrap().starts_with("CRITICAL"));
        assert!(v["message"].as_str().unwrap().contains("look *here*"));
        assert_eq!(v["actions"][0]["action"], "view");
        e.status = Status::Resolved;
        let de = Locale {
            language: Language::De,
            ..L
        };
        let r = ntfy(&e, &de, "pr");
        assert_eq!(r["priority"], 3);
        assert_eq!(r["tags"][0], "white_check_mark");
        assert!(r["title"].as_str().unwrap().starts_with("Entwarnung"), "{r}");
    }

    #[test]
    fn long_messages_fit_ntfys_limit() {
        let mut e = event();
        for s in &mut e.sample {
            s.text = "Überweisung doppelt abgebucht ".repeat(200);
        }
        e.reasons = vec!["ä".repeat(5000)];
        let v = ntfy(&e, &L, "pr");
        assert!(v["message"].as_str().unwrap().len() <= MAX_MESSAGE_BYTES);
        assert_eq!(fit_bytes("ääää", 5), "ä…");
    }
}
