//! Chat formats for webhooks, each in its service's documented incoming-webhook shape:
//! Slack (Block Kit with a `text` fallback), Microsoft Teams (an Adaptive Card in a `message`
//! envelope, as Workflows webhooks take it), Discord (`content` plus one embed) and
//! Mattermost (Markdown `text`). Each shows the brief: what the storm is about (drivers),
//! where (sources), distinct sample posts with their copies, and the chart where
//! `server.public_url` is set — in the channel's language and time zone.
//!
//! Invariant: text from outside is escaped for the service's markup and cannot ping anyone
//! (no `<!channel>` in Slack, `@channel` defused in Mattermost, `allowed_mentions` empty in
//! Discord), and every field stays under the service's length limit.

use serde_json::{json, Value};

use super::{i18n, render};
use crate::alert::{AlertEvent, Level, Status};
use crate::config::notify::Locale;

/// Sample posts shown in chat messages; the email has room for all of them.
const CHAT_SAMPLES: usize = 3;

use crate::ellipsis::clip;

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

fn header_line(event: &AlertEvent, loc: &Locale) -> String {
    let t = render::title(event, loc);
    if event.test {
        format!("TEST: {t}")
    } else {
        t
    }
}

fn samples(event: &AlertEvent) -> impl Iterator<Item = &crate::alert::SampleMention> {
    event.sample.iter().take(CHAT_SAMPLES)
}

/// The chart's URL for this channel: the event's link, drawn in the channel's language and
/// zone.
pub fn chart_url(event: &AlertEvent, loc: &Locale) -> Option<String> {
    let base = event
        .brief
        .links
        .as_ref()?
        .chart
        .as_deref()
        .and_then(render::safe_url)?;
    let tz: String = url::form_urlencoded::byte_serialize(loc.timezone.name().as_bytes()).collect();
    Some(format!(
        "{base}?lang={}&tz={tz}",
        i18n::pick(loc, "en", "de")
    ))
}

/// Lines of the brief a chat card lists under the summary: the reasons, then one line each
/// for the drivers and sources when the reasons do not already name them.
fn brief_lines(event: &AlertEvent, loc: &Locale) -> Vec<String> {
    let mut lines = render::reasons(event, loc);
    let drivers = render::driver_lines(event, loc);
    if !drivers.is_empty() && event.status == Status::Firing {
        lines.push(format!(
            "{} {}",
            i18n::pick(loc, "Drivers:", "Treiber:"),
            drivers.join("; ")
        ));
    }
    lines
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

pub fn mattermost(event: &AlertEvent, loc: &Locale) -> Value {
    let mut t = String::new();
    if event.test {
        t.push_str(&format!("**{}**\n\n", md_escape(i18n::test_notice(loc))));
    }
    t.push_str(&format!("#### {}\n", md_escape(&header_line(event, loc))));
    t.push_str(&md_escape(&render::summary(event, loc)));
    t.push('\n');
    for r in brief_lines(event, loc) {
        t.push_str(&format!("- {}\n", md_escape(&r)));
    }
    t.push_str("\n| | |\n|:--|:--|\n");
    for (k, v) in render::facts(event, loc) {
        t.push_str(&format!("| **{}** | {} |\n", md_escape(&k), md_escape(&v)));
    }
    if let Some(url) = chart_url(event, loc) {
        if !url.contains([')', ' ']) {
            t.push_str(&format!(
                "\n![{}]({url})\n",
                i18n::pick(loc, "chart", "Verlauf")
            ));
        }
    }
    for s in samples(event) {
        t.push_str(&format!(
            "\n> {}\n\n{}",
            md_escape(&render::sample_text(s)),
            md_escape(&render::sample_byline(s, loc))
        ));
        if let Some(url) = s.url.as_deref().and_then(render::safe_url) {
            if !url.contains([')', ' ']) {
                t.push_str(&format!(
                    " · [{}]({url})",
                    i18n::pick(loc, "open post", "Beitrag öffnen")
                ));
            }
        }
        t.push('\n');
    }
    json!({"username": "sturmglas", "text": clip(&t, 16_000)})
}

pub fn discord(event: &AlertEvent, loc: &Locale) -> Value {
    let mut description = String::new();
    if event.test {
        description.push_str(&format!("**{}**\n", md_escape(i18n::test_notice(loc))));
    }
    description.push_str(&md_escape(&render::summary(event, loc)));
    for r in brief_lines(event, loc) {
        description.push_str(&format!("\n• {}", md_escape(&r)));
    }
    let brand = i18n::pick(loc, "Brand", "Marke");
    let mut fields: Vec<Value> = render::facts(event, loc)
        .into_iter()
        .filter(|(k, _)| k != brand)
        .map(|(k, v)| json!({"name": k, "value": clip(&v, 1024), "inline": true}))
        .collect();
    for (i, s) in samples(event).enumerate() {
        let mut v = format!(
            "{}\n*{}*",
            md_escape(&render::sample_text(s)),
            md_escape(&render::sample_byline(s, loc))
        );
        if let Some(url) = s.url.as_deref().and_then(render::safe_url) {
            if !url.contains([')', ' ']) {
                v.push_str(&format!(
                    " · [{}]({url})",
                    i18n::pick(loc, "open post", "Beitrag öffnen")
                ));
            }
        }
        fields.push(
            json!({"name": format!("{} {}", i18n::pick(loc, "Post", "Beitrag"), i + 1), "value": clip(&v, 1024), "inline": false}),
        );
    }
    fields.truncate(25);
    let mut embed = json!({
        "title": clip(&header_line(event, loc), 256),
        "description": clip(&description, 4096),
        "color": colour(event),
        "timestamp": event.observed_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "fields": fields,
        "footer": {"text": clip(&format!("sturmglas · {} {}", i18n::pick(loc, "alert", "Alarm"), event.id), 2048)},
    });
    if let Some(url) = chart_url(event, loc) {
        embed["image"] = json!({"url": url});
    }
    json!({
        "username": "sturmglas",
        "content": clip(&i18n::subject(event, loc), 2000),
        "allowed_mentions": {"parse": []},
        "embeds": [embed],
    })
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
    use crate::alert::SampleMention;

    const L: Locale = Locale {
        language: crate::config::notify::Language::En,
        timezone: chrono_tz::UTC,
    };

    fn event() -> AlertEvent {
        let mut e = super::super::test_event("Acme & <Co>");
        e.test = false;
        e.sample.push(SampleMention {
            text: "@channel <!channel> look *here*".into(),
            url: Some("https://x.example/p?a=1|2".into()),
            author: Some("eve".into()),
            reach: None,
            score: -0.4,
            copies: 1,
            at: None,
            words: Vec::new(),
        });
        e
    }

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

    #[test]
    fn discord_never_pings_and_respects_limits() {
        let v = discord(&event(), &L);
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
        let v = mattermost(&event(), &L);
        let t = v["text"].as_str().unwrap();
        assert!(!t.contains("@channel"), "{t}");
        assert!(t.contains("@\u{200B}channel"));
        assert!(t.contains("\\*here\\*"));
    }

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

    #[test]
    fn test_alerts_say_so_in_every_format() {
        let e = super::super::test_event("Acme");
        for v in [
            slack(&e, &L),
            mattermost(&e, &L),
            discord(&e, &L),
            teams(&e, &L),
        ] {
            assert!(v.to_string().contains("TEST"), "{v}");
        }
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("äöü", 3), "äöü");
        assert_eq!(clip("äöüß", 3), "äö…");
    }
}
