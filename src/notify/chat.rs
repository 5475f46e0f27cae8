//! Chat formats for webhooks, each in its service's documented incoming-webhook shape:
//! Slack (Block Kit with a `text` fallback), Microsoft Teams (an Adaptive Card in a `message`
//! envelope, as Workflows webhooks take it), Discord (`content` plus one embed) and
//! Mattermost (Markdown `text`).
//!
//! Invariant: text from outside is escaped for the service's markup and cannot ping anyone
//! (no `<!channel>` in Slack, `@channel` defused in Mattermost, `allowed_mentions` empty in
//! Discord), and every field stays under the service's length limit.

use serde_json::{json, Value};

use super::render;
use crate::alert::{AlertEvent, Level, Status};

/// Sample posts shown in chat messages; the email has room for all of them.
const CHAT_SAMPLES: usize = 3;

fn clip(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Slack's mrkdwn needs only `&`, `<` and `>` escaped; that also defuses `<!channel>`.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Markdown for Mattermost, Discord and Teams (whose TextBlocks render a Markdown subset, so
/// `[x](https://phish)` in a post would become a live link): markup characters escaped, `@` mentions defused with
/// a zero-width space.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '[' | ']' | '<' | '>' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200B}"),
            c => out.push(c),
        }
    }
    out
}

/// Colour of the level, as Discord's integer and as hex.
fn colour(event: &AlertEvent) -> u32 {
    match (event.status, event.level) {
        (Status::Resolved, _) => 0x2e7d32,
        (_, Level::Critical) => 0xb3261e,
        _ => 0xb26a00,
    }
}

fn header_line(event: &AlertEvent) -> String {
    let t = render::title(event);
    if event.test {
        format!("TEST: {t}")
    } else {
        t
    }
}

fn samples(event: &AlertEvent) -> impl Iterator<Item = &crate::alert::SampleMention> {
    event.sample.iter().take(CHAT_SAMPLES)
}

pub fn slack(event: &AlertEvent) -> Value {
    let mut intro = String::new();
    if event.test {
        intro.push_str(&format!("*{}*\n", slack_escape(render::TEST_NOTICE)));
    }
    intro.push_str(&slack_escape(&render::summary(event)));
    for r in &event.reasons {
        intro.push_str(&format!("\n• {}", slack_escape(r)));
    }
    let fields: Vec<Value> = render::facts(event)
        .into_iter()
        .take(10)
        .map(|(k, v)| json!({"type": "mrkdwn", "text": format!("*{k}*\n{}", slack_escape(&v))}))
        .collect();
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": clip(&header_line(event), 150), "emoji": true}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": clip(&intro, 3000)}}),
        json!({"type": "section", "fields": fields}),
    ];
    for s in samples(event) {
        let mut t = format!(
            "> {}\n{}",
            slack_escape(&render::sample_text(s)),
            slack_escape(&render::sample_byline(s))
        );
        if let Some(url) = s.url.as_deref().and_then(render::safe_url) {
            if !url.contains(['|', '>', '<']) {
                t.push_str(&format!(" · <{url}|open post>"));
            }
        }
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": clip(&t, 3000)}}));
    }
    blocks.push(json!({"type": "context", "elements": [
        {"type": "mrkdwn", "text": format!("sturmglas · alert {}", slack_escape(&event.id))}
    ]}));
    json!({"text": event.headline(), "blocks": blocks})
}

pub fn mattermost(event: &AlertEvent) -> Value {
    let mut t = String::new();
    if event.test {
        t.push_str(&format!("**{}**\n\n", md_escape(render::TEST_NOTICE)));
    }
    t.push_str(&format!("#### {}\n", md_escape(&header_line(event))));
    t.push_str(&md_escape(&render::summary(event)));
    t.push('\n');
    for r in &event.reasons {
        t.push_str(&format!("- {}\n", md_escape(r)));
    }
    t.push_str("\n| | |\n|:--|:--|\n");
    for (k, v) in render::facts(event) {
        t.push_str(&format!("| **{k}** | {} |\n", md_escape(&v)));
    }
    for s in samples(event) {
        t.push_str(&format!(
            "\n> {}\n\n{}",
            md_escape(&render::sample_text(s)),
            md_escape(&render::sample_byline(s))
        ));
        if let Some(url) = s.url.as_deref().and_then(render::safe_url) {
            if !url.contains([')', ' ']) {
                t.push_str(&format!(" · [open post]({url})"));
            }
        }
        t.push('\n');
    }
    json!({"username": "sturmglas", "text": clip(&t, 16_000)})
}

pub fn discord(event: &AlertEvent) -> Value {
    let mut description = String::new();
    if event.test {
        description.push_str(&format!("**{}**\n", md_escape(render::TEST_NOTICE)));
    }
    description.push_str(&md_escape(&render::summary(event)));
    for r in &event.reasons {
        description.push_str(&format!("\n• {}", md_escape(r)));
    }
    let mut fields: Vec<Value> = render::facts(event)
        .into_iter()
        .filter(|(k, _)| *k != "Brand")
        .map(|(k, v)| json!({"name": k, "value": clip(&v, 1024), "inline": true}))
        .collect();
    for (i, s) in samples(event).enumerate() {
        let mut v = format!(
            "{}\n*{}*",
            md_escape(&render::sample_text(s)),
            md_escape(&render::sample_byline(s))
        );
        if let Some(url) = s.url.as_deref().and_then(render::safe_url) {
            if !url.contains([')', ' ']) {
                v.push_str(&format!(" · [open post]({url})"));
            }
        }
        fields.push(
            json!({"name": format!("Post {}", i + 1), "value": clip(&v, 1024), "inline": false}),
        );
    }
    fields.truncate(25);
    json!({
        "username": "sturmglas",
        "content": clip(&event.headline(), 2000),
        "allowed_mentions": {"parse": []},
        "embeds": [{
            "title": clip(&header_line(event), 256),
            "description": clip(&description, 4096),
            "color": colour(event),
            "timestamp": event.observed_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "fields": fields,
            "footer": {"text": clip(&format!("sturmglas · alert {}", event.id), 2048)},
        }],
    })
}

pub fn teams(event: &AlertEvent) -> Value {
    let colour = match (event.status, event.level) {
        (Status::Resolved, _) => "Good",
        (_, Level::Critical) => "Attention",
        _ => "Warning",
    };
    let mut body = Vec::new();
    if event.test {
        body.push(json!({"type": "TextBlock", "text": render::TEST_NOTICE, "weight": "Bolder", "color": "Warning", "wrap": true}));
    }
    body.push(json!({"type": "TextBlock", "text": md_escape(&header_line(event)), "weight": "Bolder", "size": "Large", "color": colour, "wrap": true}));
    body.push(
        json!({"type": "TextBlock", "text": md_escape(&render::summary(event)), "wrap": true}),
    );
    if !event.reasons.is_empty() {
        let list: Vec<String> = event
            .reasons
            .iter()
            .map(|r| format!("- {}", md_escape(r)))
            .collect();
        body.push(json!({"type": "TextBlock", "text": list.join("\n"), "wrap": true}));
    }
    let facts: Vec<Value> = render::facts(event)
        .into_iter()
        .map(|(k, v)| json!({"title": k, "value": md_escape(&v)}))
        .collect();
    body.push(json!({"type": "FactSet", "facts": facts}));
    let mut actions = Vec::new();
    for (i, s) in samples(event).enumerate() {
        body.push(json!({"type": "TextBlock", "text": format!("\u{201c}{}\u{201d}", md_escape(&render::sample_text(s))), "wrap": true, "separator": true}));
        body.push(json!({"type": "TextBlock", "text": md_escape(&render::sample_byline(s)), "isSubtle": true, "spacing": "None", "wrap": true}));
        if let Some(url) = s.url.as_deref().and_then(render::safe_url) {
            actions.push(json!({"type": "Action.OpenUrl", "title": format!("Open post {}", i + 1), "url": url}));
        }
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
    use crate::alert::SampleMention;

    fn event() -> AlertEvent {
        let mut e = super::super::test_event("Acme & <Co>");
        e.test = false;
        e.sample.push(SampleMention {
            text: "@channel <!channel> look *here*".into(),
            url: Some("https://x.example/p?a=1|2".into()),
            author: Some("eve".into()),
            reach: None,
            score: -0.4,
            words: Vec::new(),
        });
        e
    }

    #[test]
    fn slack_has_fallback_text_and_escaped_blocks() {
        let v = slack(&event());
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

    #[test]
    fn discord_never_pings_and_respects_limits() {
        let v = discord(&event());
        assert_eq!(v["allowed_mentions"]["parse"], json!([]));
        let embed = &v["embeds"][0];
        assert_eq!(embed["color"], 0xb3261e);
        assert!(embed["fields"].as_array().unwrap().len() <= 25);
        for f in embed["fields"].as_array().unwrap() {
            assert!(f["value"].as_str().unwrap().chars().count() <= 1024);
        }
        let all = embed["fields"].to_string();
        assert!(all.contains("@\u{200B}channel \\\\<!channel\\\\>"), "{all}");
    }

    #[test]
    fn mattermost_defuses_mentions() {
        let v = mattermost(&event());
        let t = v["text"].as_str().unwrap();
        assert!(!t.contains("@channel"), "{t}");
        assert!(t.contains("@\u{200B}channel"));
        assert!(t.contains("\\*here\\*"));
    }

    #[test]
    fn teams_is_an_adaptive_card_message() {
        let v = teams(&event());
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
        let v = teams(&e);
        let all = v["attachments"][0]["content"]["body"].to_string();
        assert!(!all.contains("[here](https://phish.example)"), "{all}");
        assert!(all.contains(r"\\[here\\](https://phish.example)"), "{all}");
        assert!(all.contains(r"\\*\\*now\\*\\*"), "{all}");
    }

    #[test]
    fn test_alerts_say_so_in_every_format() {
        let e = super::super::test_event("Acme");
        for v in [slack(&e), mattermost(&e), discord(&e), teams(&e)] {
            assert!(v.to_string().contains("TEST"), "{v}");
        }
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("äöü", 3), "äöü");
        assert_eq!(clip("äöüß", 3), "äö…");
    }
}
