//! Discord: `content` plus one embed, `allowed_mentions` empty so that nobody is pinged,
//! every field within Discord's limits.
//!
//! Invariant: as for every chat format ([`crate::notify::chat`]), text from outside is escaped
//! for the service's markup, cannot ping anyone, and stays under the service's length limits.

use serde_json::{json, Value};

use super::super::chat::{brief_lines, chart_url, clip, colour, header_line, md_escape, samples};
use super::super::{i18n, render, DeliveryError};
use super::{json_bytes, Format, Target};
use crate::alert::AlertEvent;
use crate::config::notify::Locale;

/// Discord's webhooks: `content` plus one embed, pinging nobody.
pub struct Discord;

impl Format for Discord {
    fn body(event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        json_bytes(&discord(event, to.loc))
    }

    fn digest_body(
        digest: &crate::notify::digest::Digest,
        loc: &Locale,
    ) -> Option<Result<Vec<u8>, DeliveryError>> {
        let text = crate::notify::digest_render::markdown(digest, loc, md_escape);
        Some(json_bytes(&json!({
            "username": "sturmglas",
            "content": clip(&crate::notify::digest_render::subject(digest, loc), 2000),
            "embeds": [{"description": clip(&text, 4096)}],
            "allowed_mentions": {"parse": []},
        })))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::chat::fixtures::{event, L};

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
}
