//! Mattermost: one Markdown `text`, markup escaped and `@` mentions defused.
//!
//! Invariant: as for every chat format ([`crate::notify::chat`]), text from outside is escaped
//! for the service's markup, cannot ping anyone, and stays under the service's length limits.

use serde_json::{json, Value};

use super::super::chat::{brief_lines, chart_url, clip, header_line, md_escape, samples};
use super::super::{i18n, render, DeliveryError};
use super::{json_bytes, Format, Target};
use crate::alert::AlertEvent;
use crate::config::notify::Locale;

/// Mattermost's incoming webhooks: Markdown `text`.
pub struct Mattermost;

impl Format for Mattermost {
    fn body(event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        json_bytes(&mattermost(event, to.loc))
    }

    fn digest_body(
        digest: &crate::notify::digest::Digest,
        loc: &Locale,
    ) -> Option<Result<Vec<u8>, DeliveryError>> {
        let text = crate::notify::digest_render::markdown(digest, loc, md_escape);
        Some(json_bytes(
            &json!({"username": "sturmglas", "text": clip(&text, 16_000)}),
        ))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::chat::fixtures::{event, L};

    #[test]
    fn mattermost_defuses_mentions() {
        let v = mattermost(&event(), &L);
        let t = v["text"].as_str().unwrap();
        assert!(!t.contains("@channel"), "{t}");
        assert!(t.contains("@\u{200B}channel"));
        assert!(t.contains("\\*here\\*"));
    }
}
