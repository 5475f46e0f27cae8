//! What an alert says, in words: the plain-text and HTML bodies of the email, and the small
//! phrases the chat formats share.
//!
//! Invariant: every piece of text that came from outside (brand names, reasons, posts,
//! authors, links) passes through [`escape_html`] before it reaches HTML, and only `http(s)`
//! links become clickable, so a hostile post cannot inject markup or a `javascript:` link.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::alert::{AlertEvent, Kind, Level, SampleMention, Status};
use crate::config::duration;

/// The line shown on top of test alerts, in every format.
pub const TEST_NOTICE: &str =
    "TEST ALERT: sent by `sturmglas test-alert` to check this channel. Nothing is happening.";

/// Longest sample text shown; longer posts are cut with an ellipsis.
const MAX_SAMPLE_CHARS: usize = 400;

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The URL if it is one a reader may safely click: `http` or `https` only.
pub fn safe_url(url: &str) -> Option<&str> {
    let u = url::Url::parse(url.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then_some(url.trim())
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn window(event: &AlertEvent) -> String {
    duration::format(std::time::Duration::from_secs(event.window_seconds))
}

pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// What the kind means, for readers who do not know the vocabulary.
pub fn kind_meaning(kind: Kind) -> &'static str {
    match kind {
        Kind::Storm => "a surge of mentions that is unusually negative",
        Kind::Buzz => "a surge of mentions that is not negative",
        Kind::Volume => "a surge of mentions; sentiment unknown",
        Kind::Source => "a source of mentions has failed or gone silent",
        Kind::Reach => "one negative post from an author with a large reach",
    }
}

/// A sample post's text on one line, cut to a readable length.
pub fn sample_text(s: &SampleMention) -> String {
    let one_line = s.text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_SAMPLE_CHARS {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(MAX_SAMPLE_CHARS).collect();
    cut.push('…');
    cut
}

/// `user42, reach 1,200, sentiment -0.80 (Skandal -3.0, abgebucht -1.9)`: who wrote a sample
/// post, how far it went, and the words that made it negative or positive.
pub fn sample_byline(s: &SampleMention) -> String {
    let mut parts = Vec::new();
    parts.push(s.author.clone().unwrap_or_else(|| "unknown author".into()));
    if let Some(r) = s.reach {
        parts.push(format!("reach {}", thousands(r)));
    }
    let mut sentiment = format!("sentiment {:+.2}", s.score);
    if !s.words.is_empty() {
        let words: Vec<String> = s
            .words
            .iter()
            .map(|w| format!("{} {:+.1}", w.word, w.valence))
            .collect();
        sentiment.push_str(&format!(" ({})", words.join(", ")));
    }
    parts.push(sentiment);
    parts.join(", ")
}

/// One sentence with the numbers that matter: the counts against what is usual.
pub fn summary(event: &AlertEvent) -> String {
    if event.kind == Kind::Source {
        return match event.status {
            Status::Firing => event.reasons.join(" "),
            Status::Resolved => format!("Source {} is delivering again.", event.brand),
        };
    }
    let w = window(event);
    match event.status {
        Status::Firing => {
            let mut s = format!(
                "{} mentions in {w}, {:.1}x the expected {:.1}",
                thousands(event.mentions),
                event.velocity_ratio,
                event.expected
            );
            if event.kind != Kind::Volume {
                let _ = write!(
                    s,
                    "; {} negative ({})",
                    thousands(event.negative),
                    percent(event.negative_share)
                );
            }
            s.push('.');
            s
        }
        Status::Resolved => format!(
            "{} is back to normal: {} mentions in the last {w} (expected {:.1}).",
            event.brand,
            thousands(event.mentions),
            event.expected
        ),
    }
}

/// The facts as label/value rows, shared by the text and HTML bodies and the chat cards.
pub fn facts(event: &AlertEvent) -> Vec<(&'static str, String)> {
    if event.kind == Kind::Source {
        // A source notice has no counts: which source, and since when.
        return vec![
            ("Source", event.brand.clone()),
            (
                "Status",
                match event.status {
                    Status::Firing => "FAILING or SILENT".to_string(),
                    Status::Resolved => "RECOVERED".to_string(),
                },
            ),
            (
                "Since",
                event.started_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            ),
        ];
    }
    let w = window(event);
    let mut rows = vec![("Brand", event.brand.clone())];
    match event.status {
        Status::Firing => rows.push(("Level", event.level.as_str().to_uppercase())),
        Status::Resolved => rows.push(("Status", "RESOLVED (all clear)".into())),
    }
    rows.push((
        "Kind",
        format!("{} ({})", event.kind.as_str(), kind_meaning(event.kind)),
    ));
    rows.push((
        "Mentions",
        format!("{} in the last {w}", thousands(event.mentions)),
    ));
    if event.kind != Kind::Volume {
        rows.push((
            "Negative",
            format!(
                "{} ({} of mentions)",
                thousands(event.negative),
                percent(event.negative_share)
            ),
        ));
    }
    rows.push(("Expected", format!("{:.1} mentions in {w}", event.expected)));
    rows.push((
        "Velocity",
        format!("{:.1}x the expected count", event.velocity_ratio),
    ));
    rows.push(("Window", w));
    rows.push(("Started", time(event.started_at)));
    let observed = match event.status {
        Status::Firing => "Observed",
        Status::Resolved => "Resolved",
    };
    rows.push((observed, time(event.observed_at)));
    if event.status == Status::Resolved {
        let lasted = (event.observed_at - event.started_at)
            .to_std()
            .unwrap_or_default();
        rows.push(("Lasted", duration::format(round_minutes(lasted))));
    }
    rows
}

fn round_minutes(d: std::time::Duration) -> std::time::Duration {
    let m = (d.as_secs() + 30) / 60;
    std::time::Duration::from_secs(m.max(1) * 60)
}

/// The title line above the facts.
pub fn title(event: &AlertEvent) -> String {
    match event.status {
        Status::Firing => format!(
            "{} {}: {}",
            event.level.as_str().to_uppercase(),
            event.kind.as_str(),
            event.brand
        ),
        Status::Resolved => format!("All clear: {}", event.brand),
    }
}

/// The plain-text body.
pub fn text(event: &AlertEvent) -> String {
    let mut out = String::new();
    if event.test {
        let _ = writeln!(out, "*** {TEST_NOTICE} ***\n");
    }
    let _ = writeln!(out, "{}\n", title(event));
    let _ = writeln!(out, "{}\n", summary(event));
    if !event.reasons.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            if event.status == Status::Firing {
                "Why:"
            } else {
                "Notes:"
            }
        );
        for r in &event.reasons {
            let _ = writeln!(out, "  - {r}");
        }
        out.push('\n');
    }
    for (label, value) in facts(event) {
        let _ = writeln!(out, "{:<10} {value}", format!("{label}:"));
    }
    if !event.sample.is_empty() {
        let _ = writeln!(out, "\nPosts with the widest reach:");
        for (i, s) in event.sample.iter().enumerate() {
            let _ = writeln!(out, "\n{:>3}. {}", i + 1, sample_byline(s));
            let _ = writeln!(out, "     \"{}\"", sample_text(s));
            if let Some(url) = &s.url {
                let _ = writeln!(out, "     {url}");
            }
        }
    }
    let _ = write!(out, "\n-- \nsturmglas, alert {}\n", event.id);
    out
}

fn accent(event: &AlertEvent) -> &'static str {
    match (event.status, event.level) {
        (Status::Resolved, _) => "#2e7d32",
        (_, Level::Critical) => "#b3261e",
        _ => "#b26a00",
    }
}

/// The HTML body: one column, inline styles (mail clients drop stylesheets), escaped text.
pub fn html(event: &AlertEvent) -> String {
    let e = escape_html;
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">");
    let _ = writeln!(out, "<title>{}</title></head>", e(&event.headline()));
    out.push_str(
        "<body style=\"font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;\
         color:#1f1f1f;max-width:680px;margin:0 auto;padding:16px\">\n",
    );
    if event.test {
        let _ = writeln!(
            out,
            "<p style=\"background:#fff3cd;border:2px dashed #b26a00;padding:8px;\
             font-weight:bold\">{}</p>",
            e(TEST_NOTICE)
        );
    }
    let _ = writeln!(
        out,
        "<h1 style=\"color:{};font-size:22px;margin:0 0 8px\">{}</h1>",
        accent(event),
        e(&title(event))
    );
    let _ = writeln!(
        out,
        "<p style=\"font-size:16px;margin:0 0 16px\">{}</p>",
        e(&summary(event))
    );
    if !event.reasons.is_empty() {
        let head = if event.status == Status::Firing {
            "Why"
        } else {
            "Notes"
        };
        let _ = writeln!(out, "<h2 style=\"font-size:16px\">{head}</h2>\n<ul>");
        for r in &event.reasons {
            let _ = writeln!(out, "<li>{}</li>", e(r));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<table style=\"border-collapse:collapse;margin:8px 0 16px\">\n");
    for (label, value) in facts(event) {
        let _ = writeln!(
            out,
            "<tr><th style=\"text-align:left;padding:2px 12px 2px 0;color:#555\">{}</th>\
             <td style=\"padding:2px 0\">{}</td></tr>",
            e(label),
            e(&value)
        );
    }
    out.push_str("</table>\n");
    if !event.sample.is_empty() {
        out.push_str("<h2 style=\"font-size:16px\">Posts with the widest reach</h2>\n");
        for s in &event.sample {
            out.push_str(
                "<blockquote style=\"margin:0 0 12px;padding:4px 12px;\
                 border-left:4px solid #ccc\">\n",
            );
            let _ = writeln!(out, "<p style=\"margin:4px 0\">{}</p>", e(&sample_text(s)));
            let _ = write!(
                out,
                "<p style=\"margin:4px 0;color:#555;font-size:13px\">{}",
                e(&sample_byline(s))
            );
            if let Some(url) = s.url.as_deref().and_then(safe_url) {
                let _ = write!(out, " · <a href=\"{}\">open post</a>", e(url));
            } else if let Some(url) = &s.url {
                let _ = write!(out, " · {}", e(url));
            }
            out.push_str("</p>\n</blockquote>\n");
        }
    }
    let _ = writeln!(
        out,
        "<p style=\"color:#777;font-size:12px;border-top:1px solid #ddd;padding-top:8px\">\
         sturmglas, alert {}</p>\n</body></html>",
        e(&event.id)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn event() -> AlertEvent {
        AlertEvent {
            version: 1,
            id: "nw-1".into(),
            brand: "Nordwind <Energie> & Co".into(),
            status: Status::Firing,
            level: Level::Critical,
            kind: Kind::Storm,
            observed_at: "2026-03-07T13:58:00Z".parse().unwrap(),
            started_at: "2026-03-07T13:52:00Z".parse().unwrap(),
            window_seconds: 900,
            mentions: 61,
            negative: 50,
            negative_share: 0.82,
            expected: 4.1,
            velocity_ratio: 14.9,
            reasons: vec!["82% negative (usual: 12%)".into()],
            sample: vec![
                SampleMention {
                    text: "Stromausfall <script>alert(1)</script>\nschon wieder!".into(),
                    url: Some("https://social.example/@user42/1".into()),
                    author: Some("user42".into()),
                    reach: Some(12_000),
                    score: -0.8,
                    words: vec![
                        crate::alert::SampleWord {
                            word: "Stromausfall".into(),
                            valence: -1.6,
                        },
                        crate::alert::SampleWord {
                            word: "<script>".into(),
                            valence: -0.04,
                        },
                    ],
                },
                SampleMention {
                    text: "bad link".into(),
                    url: Some("javascript:alert(1)".into()),
                    author: None,
                    reach: None,
                    score: -0.5,
                    words: Vec::new(),
                },
            ],
            test: false,
        }
    }

    #[test]
    fn text_states_the_numbers_and_the_samples() {
        let t = text(&event());
        for want in [
            "CRITICAL storm: Nordwind <Energie> & Co",
            "61 mentions in 15m, 14.9x the expected 4.1; 50 negative (82%).",
            "  - 82% negative (usual: 12%)",
            "Expected:  4.1 mentions in 15m",
            "Velocity:  14.9x the expected count",
            "Started:   2026-03-07 13:52 UTC",
            "user42, reach 12,000, sentiment -0.80 (Stromausfall -1.6, <script> -0.0)",
            "\"Stromausfall <script>alert(1)</script> schon wieder!\"",
            "https://social.example/@user42/1",
        ] {
            assert!(t.contains(want), "missing {want:?} in\n{t}");
        }
        assert!(!t.contains("TEST"));
    }

    #[test]
    fn html_escapes_everything_from_outside() {
        let h = html(&event());
        assert!(!h.contains("<script>"), "{h}");
        assert!(
            h.contains("sentiment -0.80 (Stromausfall -1.6, &lt;script&gt; -0.0)"),
            "{h}"
        );
        assert!(h.contains("Stromausfall &lt;script&gt;alert(1)&lt;/script&gt; schon wieder!"));
        assert!(h.contains("Nordwind &lt;Energie&gt; &amp; Co"));
        assert!(h.contains("<a href=\"https://social.example/@user42/1\">open post</a>"));
        assert!(!h.contains("href=\"javascript"), "{h}");
        assert!(
            h.contains("javascript:alert(1)"),
            "the bad link is shown as text"
        );
    }

    #[test]
    fn resolved_says_all_clear() {
        let mut ev = event();
        ev.status = Status::Resolved;
        ev.observed_at = "2026-03-07T15:02:00Z".parse().unwrap();
        let t = text(&ev);
        assert!(t.starts_with("All clear: Nordwind"), "{t}");
        assert!(t.contains("is back to normal"), "{t}");
        assert!(t.contains("Lasted:    70m"), "{t}");
        assert!(html(&ev).contains("All clear"));
    }

    #[test]
    fn test_alerts_are_marked_on_top() {
        let mut ev = event();
        ev.test = true;
        assert!(text(&ev).starts_with("*** TEST ALERT"));
        assert!(html(&ev).contains(TEST_NOTICE));
    }

    #[test]
    fn volume_alerts_do_not_talk_about_sentiment() {
        let mut ev = event();
        ev.kind = Kind::Volume;
        let t = text(&ev);
        assert!(!t.contains("Negative:"), "{t}");
        assert!(!summary(&ev).contains("negative"));
    }

    #[test]
    fn helpers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(
            safe_url(" https://a.example/x "),
            Some("https://a.example/x")
        );
        assert_eq!(safe_url("ftp://a"), None);
        assert_eq!(escape_html("a\"'b"), "a&quot;&#39;b");
        let long = SampleMention {
            text: "x".repeat(1000),
            url: None,
            author: None,
            reach: None,
            score: 0.0,
            words: Vec::new(),
        };
        assert_eq!(sample_text(&long).chars().count(), MAX_SAMPLE_CHARS + 1);
    }
}
