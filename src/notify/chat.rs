//! What the chat formats share (Slack, Microsoft Teams, Discord, Mattermost: one file each
//! under [`super::format`]): the escapes for their markups, clipping to their limits, the
//! header line, the samples shown, the chart's URL and the lines of the brief. Each format
//! shows the brief — what the storm is about (drivers), where (sources), distinct sample posts
//! with their copies, and the chart where `server.public_url` is set — in the channel's
//! language and time zone.
//!
//! Invariant: text from outside is escaped for the service's markup and cannot ping anyone
//! (no `<!channel>` in Slack, `@channel` defused in Mattermost, `allowed_mentions` empty in
//! Discord), and every field stays under the service's length limit.

use super::{i18n, render};
use crate::alert::{AlertEvent, Level, Status};
use crate::config::notify::Locale;

/// Sample posts shown in chat messages; the email has room for all of them.
const CHAT_SAMPLES: usize = 3;

pub(crate) use crate::ellipsis::clip;

/// Slack's mrkdwn needs only `&`, `<` and `>` escaped; that also defuses `<!channel>`.
pub(crate) fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Markdown for Mattermost, Discord and Teams (whose TextBlocks render a Markdown subset, so
/// `[x](https://phish)` in a post would become a live link): markup characters escaped, `@` mentions defused with
/// a zero-width space.
pub(crate) fn md_escape(s: &str) -> String {
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
pub(crate) fn colour(event: &AlertEvent) -> u32 {
    match (event.status, event.level) {
        (Status::Resolved, _) => 0x2e7d32,
        (_, Level::Critical) => 0xb3261e,
        _ => 0xb26a00,
    }
}

pub(crate) fn header_line(event: &AlertEvent, loc: &Locale) -> String {
    let t = render::title(event, loc);
    if event.test {
        format!("TEST: {t}")
    } else {
        t
    }
}

pub(crate) fn samples(event: &AlertEvent) -> impl Iterator<Item = &crate::alert::SampleMention> {
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
pub(crate) fn brief_lines(event: &AlertEvent, loc: &Locale) -> Vec<String> {
    let mut lines = render::reasons(event, loc);
    let drivers = render::driver_lines(event, loc);
    if !drivers.is_empty() && event.status == Status::Firing {
        lines.push(format!(
            "{} {}",
            i18n::pick(loc, "Drivers:", "Treiber:"),
            drivers.join("; ")
        ));
    }
    if let Some(a) = render::ack_url(event, loc) {
        lines.push(format!("{}: {a}", i18n::ack_label(loc)));
    }
    lines
}

/// The storm thread as a receiver's key (PagerDuty's `dedup_key`, Opsgenie's `alias`, Google
/// Chat's `threadKey`): the same for every notice of one storm — the thread the mail
/// threading has (brand and start) — so a resolved notice closes what its firing notice
/// opened. A reach alert has no thread (it fires once) and a test alert must not join a real
/// one, so both are keyed by their own id.
pub(crate) fn thread_key(event: &AlertEvent) -> String {
    if event.test {
        return format!("sturmglas.test.{}", event.id);
    }
    if event.kind == crate::alert::Kind::Reach {
        return format!("sturmglas.reach.{}", event.id);
    }
    let id = super::email::thread_id(event);
    id.trim_start_matches('<').trim_end_matches('>').to_string()
}

/// What the chat formats' tests share: a locale and an event full of markup.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::alert::{AlertEvent, SampleMention};
    use crate::config::notify::Locale;

    pub const L: Locale = Locale {
        language: crate::config::notify::Language::En,
        timezone: chrono_tz::UTC,
    };

    pub fn event() -> AlertEvent {
        let mut e = crate::notify::test_event("Acme & <Co>");
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
}

#[cfg(test)]
mod tests {
    use super::fixtures::L;
    use super::*;
    use crate::notify::format::{
        discord::discord, mattermost::mattermost, slack::slack, teams::teams,
    };

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
    fn every_chat_format_shows_the_ack_link_of_a_firing_notice() {
        let mut e = super::fixtures::event();
        let link = "https://s.example/ack/abc123.1800000000.00ff";
        e.brief.links = Some(crate::brief::Links {
            ack: Some(link.into()),
            ..Default::default()
        });
        let de = Locale {
            language: crate::config::notify::Language::De,
            ..L
        };
        for (loc, want) in [(&L, link.to_string()), (&de, format!("{link}?lang=de"))] {
            for v in [
                slack(&e, loc),
                mattermost(&e, loc),
                discord(&e, loc),
                teams(&e, loc),
            ] {
                assert!(v.to_string().contains(&want), "{want} not in {v}");
            }
        }
        e.status = Status::Resolved;
        assert!(!slack(&e, &L).to_string().contains(link));
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("äöü", 3), "äöü");
        assert_eq!(clip("äöüß", 3), "äö…");
    }
}
