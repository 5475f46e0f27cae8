//! The words of the daily digest, German or English: its subject, the plain text and HTML of
//! the email, and the Markdown and Slack text of the chat formats.
//!
//! Invariant: every rendering is made from one outline ([`outline`]) of plain strings, so the
//! email, its HTML part and every chat message say the same thing in the same words; each
//! markup escapes those strings for itself. Figures use [`i18n`]'s forms (thousands, whole
//! percent) and every time is shown in the channel's time zone.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};

use super::digest::{BrandDigest, Digest, DigestNotice};
use super::i18n::{self, is_de, pick};
use super::render::escape_html;
use crate::alert::Kind;
use crate::config::notify::Locale;

/// The digest as headings and lines, before any markup.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// `Daily digest: Wednesday, 2 December 2026`.
    pub title: String,
    /// The period covered, in the channel's zone.
    pub period: String,
    pub brands: Vec<BrandOutline>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BrandOutline {
    pub brand: String,
    /// `1,234 mentions, 50% negative`.
    pub figures: String,
    /// (heading, items): alerts, held back, buzz; only the ones with items.
    pub groups: Vec<(String, Vec<String>)>,
    /// Said when no group has items.
    pub quiet: Option<String>,
}

/// The subject line: `[sturmglas] Daily digest 2026-12-02: 1 alert, 1 held back` /
/// `[sturmglas] Tagesbericht 02.12.2026: 1 Alarm, 1 zurückgehalten`.
pub fn subject(d: &Digest, loc: &Locale) -> String {
    let count = |f: fn(&BrandDigest) -> usize| d.brands.iter().map(f).sum::<usize>();
    let (alerts, held, buzz) = (
        count(|b| b.alerts.len()),
        count(|b| b.held.len()),
        count(|b| b.buzz.len()),
    );
    let mut parts = Vec::new();
    if alerts > 0 {
        parts.push(match (is_de(loc), alerts) {
            (false, 1) => "1 alert".to_string(),
            (false, n) => format!("{n} alerts"),
            (true, 1) => "1 Alarm".to_string(),
            (true, n) => format!("{n} Alarme"),
        });
    }
    if held > 0 {
        parts.push(format!(
            "{held} {}",
            pick(loc, "held back", "zurückgehalten")
        ));
    }
    if buzz > 0 {
        let word = match (is_de(loc), buzz) {
            (false, _) => "buzz",
            (true, 1) => "Welle",
            (true, _) => "Wellen",
        };
        parts.push(format!("{buzz} {word}"));
    }
    if parts.is_empty() {
        parts.push(pick(loc, "no alerts", "keine Alarme").to_string());
    }
    let date = if is_de(loc) {
        d.date.format("%d.%m.%Y").to_string()
    } else {
        d.date.format("%Y-%m-%d").to_string()
    };
    format!(
        "[sturmglas] {} {date}: {}",
        pick(loc, "Daily digest", "Tagesbericht"),
        parts.join(", ")
    )
}

/// The headings and lines every rendering is made from.
pub fn outline(d: &Digest, loc: &Locale) -> Outline {
    Outline {
        title: format!(
            "{}: {}",
            pick(loc, "Daily digest", "Tagesbericht"),
            long_date(d.date, loc)
        ),
        period: format!(
            "{} {} {} {}.",
            pick(loc, "From", "Von"),
            i18n::time(d.from, loc),
            pick(loc, "to", "bis"),
            i18n::time(d.to, loc)
        ),
        brands: d.brands.iter().map(|b| brand_outline(b, loc)).collect(),
    }
}

fn brand_outline(b: &BrandDigest, loc: &Locale) -> BrandOutline {
    let figures = match (b.mentions, is_de(loc)) {
        (0, false) => "no mentions".to_string(),
        (0, true) => "keine Erwähnungen".to_string(),
        (n, false) => format!(
            "{} {}, {} negative",
            i18n::int(n, loc),
            if n == 1 { "mention" } else { "mentions" },
            i18n::percent(b.negative_share, loc)
        ),
        (n, true) => format!(
            "{} {}, davon {} negativ",
            i18n::int(n, loc),
            if n == 1 { "Erwähnung" } else { "Erwähnungen" },
            i18n::percent(b.negative_share, loc)
        ),
    };
    let mut groups = Vec::new();
    let mut group = |heading: &str, list: &[DigestNotice], held: bool| {
        if !list.is_empty() {
            let items = list.iter().map(|n| notice_line(n, held, loc)).collect();
            groups.push((format!("{heading} ({})", list.len()), items));
        }
    };
    group(pick(loc, "Alerts", "Alarme"), &b.alerts, false);
    group(pick(loc, "Held back", "Zurückgehalten"), &b.held, true);
    group(
        pick(loc, "Buzz (not negative)", "Wellen ohne negative Stimmung"),
        &b.buzz,
        false,
    );
    let quiet = groups
        .is_empty()
        .then(|| pick(loc, "No alerts.", "Keine Alarme.").to_string());
    BrandOutline {
        brand: b.brand.clone(),
        figures,
        groups,
        quiet,
    }
}

/// `Tue 16:30: CRITICAL storm, 61 mentions in 15 min, 82% negative` /
/// `Di. 16:30 Uhr: KRITISCH Shitstorm, 61 Erwähnungen in 15 Min., 82 % negativ`.
fn notice_line(n: &DigestNotice, held: bool, loc: &Locale) -> String {
    let mut s = format!(
        "{}: {} {}",
        short_time(n.observed_at, loc),
        i18n::level_word(n.level, loc),
        i18n::kind_word(n.kind, loc)
    );
    if n.mentions > 0 && n.window_seconds > 0 {
        let _ = write!(
            s,
            ", {} {} {}",
            i18n::int(n.mentions, loc),
            match (is_de(loc), n.mentions) {
                (false, 1) => "mention in",
                (false, _) => "mentions in",
                (true, 1) => "Erwähnung in",
                (true, _) => "Erwähnungen in",
            },
            i18n::duration(n.window_seconds, loc)
        );
        if !matches!(n.kind, Kind::Volume) {
            let _ = write!(
                s,
                ", {} {}",
                i18n::percent(n.negative_share, loc),
                pick(loc, "negative", "negativ")
            );
        }
    }
    if held {
        if let Some(id) = &n.silenced_by {
            let _ = write!(s, " ({} {id})", pick(loc, "silence", "Stummschaltung"));
        }
    }
    s
}

const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const WEEKDAYS_DE: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

fn weekday(w: Weekday, loc: &Locale) -> &'static str {
    let i = w.num_days_from_monday() as usize;
    if is_de(loc) {
        WEEKDAYS_DE[i]
    } else {
        WEEKDAYS_EN[i]
    }
}

/// `Wednesday, 2 December 2026` / `Mittwoch, 2. Dezember 2026`.
pub fn long_date(d: NaiveDate, loc: &Locale) -> String {
    let month = d.month0() as usize;
    if is_de(loc) {
        format!(
            "{}, {}. {} {}",
            weekday(d.weekday(), loc),
            d.day(),
            MONTHS_DE[month],
            d.year()
        )
    } else {
        format!(
            "{}, {} {} {}",
            weekday(d.weekday(), loc),
            d.day(),
            MONTHS_EN[month],
            d.year()
        )
    }
}

/// `Tue 16:30` / `Di. 16:30 Uhr`: the period spans two days, so the weekday says which.
fn short_time(t: DateTime<Utc>, loc: &Locale) -> String {
    let local = t.with_timezone(&loc.timezone);
    let day = weekday(local.weekday(), loc);
    if is_de(loc) {
        format!("{}. {}", &day[..2], i18n::clock(t, loc))
    } else {
        format!("{} {}", &day[..3], i18n::clock(t, loc))
    }
}

/// The plain-text part of the email.
pub fn text(d: &Digest, loc: &Locale) -> String {
    let o = outline(d, loc);
    let mut out = format!("{}\n{}\n", o.title, o.period);
    for b in &o.brands {
        let _ = write!(out, "\n{}\n  {}\n", b.brand, b.figures);
        for (heading, items) in &b.groups {
            let _ = writeln!(out, "  {heading}:");
            for item in items {
                let _ = writeln!(out, "    - {item}");
            }
        }
        if let Some(q) = &b.quiet {
            let _ = writeln!(out, "  {q}");
        }
    }
    let _ = write!(
        out,
        "\n-- \n{}\n",
        if is_de(loc) {
            format!("sturmglas schickt diesen Bericht täglich um {} Uhr.", d.at)
        } else {
            format!("sturmglas sends this digest every day at {}.", d.at)
        }
    );
    out
}

/// The HTML part of the email: one column, inline styles, escaped text.
pub fn html(d: &Digest, loc: &Locale) -> String {
    let e = escape_html;
    let o = outline(d, loc);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title></head>",
        pick(loc, "en", "de"),
        e(&subject(d, loc))
    );
    out.push_str(
        "<body style=\"font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;\
         color:#1f1f1f;max-width:680px;margin:0 auto;padding:16px\">\n",
    );
    let _ = writeln!(
        out,
        "<h1 style=\"font-size:22px;margin:0 0 4px\">{}</h1>\n\
         <p style=\"color:#555;margin:0 0 16px\">{}</p>",
        e(&o.title),
        e(&o.period)
    );
    for b in &o.brands {
        let _ = writeln!(
            out,
            "<h2 style=\"font-size:18px;margin:16px 0 4px\">{}</h2>\n\
             <p style=\"margin:0 0 8px;font-size:16px\">{}</p>",
            e(&b.brand),
            e(&b.figures)
        );
        for (heading, items) in &b.groups {
            let _ = writeln!(
                out,
                "<h3 style=\"font-size:15px;margin:8px 0 4px\">{}</h3>\n<ul style=\"margin:0 0 8px\">",
                e(heading)
            );
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", e(item));
            }
            out.push_str("</ul>\n");
        }
        if let Some(q) = &b.quiet {
            let _ = writeln!(out, "<p style=\"color:#555;margin:0 0 8px\">{}</p>", e(q));
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// Markdown for Mattermost, Discord and Teams; `escape` is the chat's escape for text.
pub fn markdown(d: &Digest, loc: &Locale, escape: fn(&str) -> String) -> String {
    let o = outline(d, loc);
    let mut out = format!("**{}**\n{}\n", escape(&o.title), escape(&o.period));
    for b in &o.brands {
        let _ = write!(out, "\n**{}**: {}\n", escape(&b.brand), escape(&b.figures));
        for (heading, items) in &b.groups {
            let _ = writeln!(out, "{}:", escape(heading));
            for item in items {
                let _ = writeln!(out, "- {}", escape(item));
            }
        }
        if let Some(q) = &b.quiet {
            let _ = writeln!(out, "{}", escape(q));
        }
    }
    out
}

/// Slack's mrkdwn (bold is `*…*`).
pub fn slack(d: &Digest, loc: &Locale) -> String {
    let esc = super::chat::slack_escape;
    let o = outline(d, loc);
    let mut out = format!("*{}*\n{}\n", esc(&o.title), esc(&o.period));
    for b in &o.brands {
        let _ = write!(out, "\n*{}*: {}\n", esc(&b.brand), esc(&b.figures));
        for (heading, items) in &b.groups {
            let _ = writeln!(out, "{}:", esc(heading));
            for item in items {
                let _ = writeln!(out, "• {}", esc(item));
            }
        }
        if let Some(q) = &b.quiet {
            let _ = writeln!(out, "{}", esc(q));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::notify::Language;
    use crate::notify::digest::fixtures::digest;

    fn de() -> Locale {
        Locale::new(Language::De, chrono_tz::Europe::Berlin)
    }
    fn en() -> Locale {
        Locale::new(Language::En, chrono_tz::Europe::Berlin)
    }

    #[test]
    fn subjects_count_what_happened() {
        assert_eq!(
            subject(&digest(), &en()),
            "[sturmglas] Daily digest 2026-12-02: 1 alert, 1 held back, 1 buzz"
        );
        assert_eq!(
            subject(&digest(), &de()),
            "[sturmglas] Tagesbericht 02.12.2026: 1 Alarm, 1 zurückgehalten, 1 Welle"
        );
        let mut quiet = digest();
        quiet.brands.remove(0);
        assert_eq!(
            subject(&quiet, &de()),
            "[sturmglas] Tagesbericht 02.12.2026: keine Alarme"
        );
    }

    #[test]
    fn german_text_reads_as_german() {
        let t = text(&digest(), &de());
        assert!(
            t.starts_with("Tagesbericht: Mittwoch, 2. Dezember 2026\n"),
            "{t}"
        );
        assert!(
            t.contains("Von 01.12.2026, 08:00 MEZ bis 02.12.2026, 08:00 MEZ."),
            "{t}"
        );
        assert!(t.contains("1.234 Erwähnungen, davon 50 % negativ"), "{t}");
        assert!(
            t.contains(
                "- Di. 16:30 Uhr: KRITISCH Shitstorm, 61 Erwähnungen in 15 Min., 82 % negativ"
            ),
            "{t}"
        );
        assert!(
            t.contains("Zurückgehalten (1):\n    - Di. 23:10 Uhr: KRITISCH Shitstorm"),
            "{t}"
        );
        assert!(t.contains("82 % negativ (Stummschaltung s-1)"), "{t}");
        assert!(
            t.ends_with("sturmglas schickt diesen Bericht täglich um 08:00 Uhr.\n"),
            "{t}"
        );
        assert!(
            t.contains("Wellen ohne negative Stimmung (1):\n    - Mi. 07:00 Uhr: WARNUNG Welle"),
            "{t}"
        );
        assert!(
            t.contains("Stadtwerke Süd\n  keine Erwähnungen\n  Keine Alarme."),
            "{t}"
        );
    }

    #[test]
    fn english_text_and_html_say_the_same() {
        let t = text(&digest(), &en());
        assert!(
            t.starts_with("Daily digest: Wednesday, 2 December 2026\n"),
            "{t}"
        );
        assert!(t.contains("1,234 mentions, 50% negative"), "{t}");
        assert!(
            t.contains("- Tue 16:30: CRITICAL storm, 61 mentions in 15 min, 82% negative"),
            "{t}"
        );
        let h = html(&digest(), &en());
        assert!(
            h.contains("<h2 style=\"font-size:18px;margin:16px 0 4px\">Nordwind Energie</h2>"),
            "{h}"
        );
        assert!(
            h.contains("<li>Tue 16:30: CRITICAL storm, 61 mentions in 15 min, 82% negative</li>"),
            "{h}"
        );
        assert!(h.contains("lang=\"en\""));
    }

    #[test]
    fn markups_escape_brand_names() {
        let mut d = digest();
        d.brands[0].brand = "Acme <!channel> *Co*".into();
        let s = slack(&d, &en());
        assert!(s.contains("Acme &lt;!channel&gt; *Co*"), "{s}");
        let m = markdown(&d, &en(), crate::notify::chat::md_escape);
        assert!(m.contains("Acme \\<!channel\\> \\*Co\\*"), "{m}");
        let h = html(&d, &en());
        assert!(h.contains("Acme &lt;!channel&gt;"), "{h}");
    }
}
