//! Slack: Block Kit with a `text` fallback, mrkdwn escaped (which also defuses
//! `<!channel>`), links only where the URL cannot break out of `<url|label>`.
//!
//! Invariant: as for every chat format ([`crate::notify::chat`]), text from outside is escaped
//! for the service's markup, cannot ping anyone, and stays under the service's length limits.

use serde_json::{json, Value};

use super::super::chat::{brief_lines, chart_url, clip, header_line, samples, slack_escape};
use super::super::{i18n, render, DeliveryError};
use super::{json_bytes, Format, Target};
use crate::alert::AlertEvent;
use crate::config::notify::Locale;

/// Slack's incoming webhooks: Block Kit with a `text` fallback.
pub struct Slack;

impl Format for Slack {
    fn body(event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        json_bytes(&slack(event, to.loc))
    }

    fn digest_body(
        digest: &crate::notify::digest::Digest,
        loc: &Locale,
    ) -> Option<Result<Vec<u8>, DeliveryError>> {
        let text = clip(&crate::notify::digest_render::slack(digest, loc), 3900);
        Some(json_bytes(&json!({"text": text})))
    }
}

pub fn slack(event: &AlertEvent, loc: &Locale) -> Value {
    let mut intro = String::new();
    if event.test {
        intro.push_str(&format!("*{}*\n", slack_escape(i18n::test_notice(loc))));
    }
    intro.push_str(&slack_escape(&render::summary(event, loc)));
    for r in brief_lines(event, loc) {
        intro.push_str(&format!("\n• {}", slack_escape(&r)));
    }
    let fields: Vec<Value> = render::facts(event, loc)
        .into_iter()
        .take(10)
        .map(|(k, v)| json!({"type": "mrkdwn", "text": format!("*{}*\n{}", slack_escape(&k), slack_escape(&v))}))
        .collect();
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": clip(&header_line(event, loc), 150), "emoji": true}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": clip(&intro, 3000)}}),
        json!({"type": "section", "fields": fields}),
    ];
    if let Some(url) = chart_url(event, loc) {
        blocks.push(json!({"type": "image", "image_url": url, "alt_text": i18n::pick(loc, "Mentions in the last 24 hours", "Erwähnungen der letzten 24 Stunden")}));
    }
    for s in samples(event) {
        let mut t = format!(
            "> {}\n{}",
            slack_escape(&render::sample_text(s)),
            slack_escape(&render::sample_byline(s, loc))
        );
        if let Some(url) = s.url.as_deref().and_then(render::safe_url) {
            if !url.contains(['|', '>', '<']) {
                t.push_str(&format!(
                    " · <{url}|{}>",
                    i18n::pick(loc, "open post", "Beitrag öffnen")
                ));
            }
        }
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": clip(&t, 3000)}}));
    }
    blocks.push(json!({"type": "context", "elements": [
        {"type": "mrkdwn", "text": format!("sturmglas · {} {}", i18n::pick(loc, "alert", "Alarm"), slack_escape(&event.id))}
    ]}));
    json!({"text": i18n::subject(event, loc), "blocks": blocks})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::chat::fixtures::{event, L};

    #[test]
    fn slack_has_fallback_text_and_escaped_blocks() {
        let v = slack(&event(), &L);
        assert_eq!(v["text"], event().headline());
        let blocks = v["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["type"], "header");
        assert_eq!(blocks[0]["text"]["text"], "CRITICAL storm: Acme & <Co>");
        let all = v.to_string();
        assert!(!all.contains("<!channel>"), "{all}");
        assert!(all.contains("&lt;!channel&gt;"));
        assert!(all.contains("<https://example.org/sturmglas/test-alert|open post>"));
        assert!(
            !all.contains("<https://x.example/p?a=1|2"),
            "a link with | is not linked"
        );
        assert!(blocks[2]["fields"].as_array().unwrap().len() <= 10);
    }
}
