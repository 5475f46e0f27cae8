//! What an alert says, in words: the plain-text and HTML bodies of the email, and the pieces
//! the chat formats share (summary, reasons, facts, drivers, sources, posts), in the channel's
//! language and time zone ([`super::i18n`]).
//!
//! Invariant: every piece of text that came from outside (brand names, reasons, posts,
//! authors, links, drivers) passes through [`escape_html`] before it reaches HTML, and only
//! `http(s)` links become clickable, so a hostile post cannot inject markup or a `javascript:`
//! link. Every figure is formatted from the event's one rounded value.

use std::fmt::Write;

use super::i18n::{self, dec1, int, is_de, percent, pick};
use crate::alert::{AlertEvent, Kind, Level, SampleMention, Status};
use crate::brief::TermType;
use crate::config::notify::Locale;

/// The line shown on top of test alerts, in English (every format shows it in the channel's
/// language through [`i18n::test_notice`]).
pub const TEST_NOTICE: &str =
    "TEST ALERT: sent by `sturmglas test-alert` to check this channel. Nothing is happening.";

/// Longest sample text shown; longer posts are cut with an ellipsis.
const MAX_SAMPLE_CHARS: usize = 400;
/// Drivers named in the summary line of chat cards and the recap.
pub const TOP_DRIVERS: usize = 5;

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
/// The ack link of a firing notice, opening its page in the channel's language.
pub fn ack_url(event: &AlertEvent, loc: &Locale) -> Option<String> {
    if event.status != Status::Firing {
        return None;
    }
    let link = event
        .brief
        .links
        .as_ref()?
        .ack
        .as_deref()
        .and_then(safe_url)?;
    Some(if is_de(loc) {
        format!("{link}?lang=de")
    } else {
        link.to_string()
    })
}

pub fn safe_url(url: &str) -> Option<&str> {
    let u = url::Url::parse(url.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then_some(url.trim())
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    int(n, &Locale::default())
}

/// A sample post's text on one line, cut to a readable length.
pub fn sample_text(s: &SampleMention) -> String {
    let one_line = s.text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::ellipsis::truncate(&one_line, MAX_SAMPLE_CHARS)
}

/// `user42, reach 1,200, sentiment -0.80 (Skandal -3.0, abgebucht -1.9), and 16 near-identical
/// posts`: who wrote a post, how far it went, the words that made it negative or positive,
/// and how many copies it stands for.
pub fn sample_byline(s: &SampleMention, loc: &Locale) -> String {
    let mut parts = Vec::new();
    parts.push(
        s.author
            .clone()
            .unwrap_or_else(|| pick(loc, "unknown author", "unbekannt").into()),
    );
    if let Some(at) = s.at {
        parts.push(i18n::time(at, loc));
    }
    if let Some(r) = s.reach {
        parts.push(format!(
            "{} {}",
            pick(loc, "reach", "Reichweite"),
            int(r, loc)
        ));
    }
    let score = format!("{:+.2}", s.score);
    let score = if is_de(loc) {
        score.replace('.', ",")
    } else {
        score
    };
    let mut sentiment = format!("{} {score}", pick(loc, "sentiment", "Stimmung"));
    if !s.words.is_empty() {
        let words: Vec<String> = s
            .words
            .iter()
            .map(|w| format!("{} {}", w.word, signed1(w.valence, loc)))
            .collect();
        sentiment.push_str(&format!(" ({})", words.join(", ")));
    }
    parts.push(sentiment);
    if s.copies > 1 {
        let more = s.copies - 1;
        parts.push(match (is_de(loc), more) {
            (false, 1) => "and 1 near-identical post".into(),
            (false, n) => format!("and {n} near-identical posts"),
            (true, 1) => "und 1 fast gleicher Beitrag".into(),
            (true, n) => format!("und {n} fast gleiche Beiträge"),
        });
    }
    parts.join(", ")
}

fn signed1(x: f64, loc: &Locale) -> String {
    let s = format!("{x:+.1}");
    if is_de(loc) {
        s.replace('.', ",")
    } else {
        s
    }
}

/// A driver as a reader sees it: phrases and words in quotes, hashtags, handles and domains
/// as they are.
pub fn driver_term(term: &str, kind: TermType, loc: &Locale) -> String {
    match kind {
        TermType::Word | TermType::Phrase => {
            if is_de(loc) {
                format!("„{term}“")
            } else {
                format!("“{term}”")
            }
        }
        _ => term.to_string(),
    }
}

/// One line per driver: `“doppelt abgebucht”: 23 posts (usually 0.4)`.
pub fn driver_lines(event: &AlertEvent, loc: &Locale) -> Vec<String> {
    event
        .brief
        .drivers
        .iter()
        .map(|d| {
            let posts = match (is_de(loc), d.count) {
                (false, 1) => "1 post".to_string(),
                (false, n) => format!("{n} posts"),
                (true, 1) => "1 Beitrag".to_string(),
                (true, n) => format!("{n} Beiträge"),
            };
            format!(
                "{}: {posts} ({} {})",
                driver_term(&d.term, d.kind, loc),
                pick(loc, "usually", "üblich:"),
                dec1(d.expected, loc)
            )
        })
        .collect()
}

/// The strongest drivers in one line: `“doppelt abgebucht”, “hotline ist tot”, #nordwindgate`.
pub fn drivers_short(event: &AlertEvent, loc: &Locale) -> Option<String> {
    let d = &event.brief.drivers;
    (!d.is_empty()).then(|| {
        d.iter()
            .take(TOP_DRIVERS)
            .map(|d| driver_term(&d.term, d.kind, loc))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// `reddit 21, bluesky 17, mastodon 8`.
pub fn sources_line(event: &AlertEvent, loc: &Locale) -> Option<String> {
    let s = &event.brief.sources;
    (!s.is_empty()).then(|| {
        s.0.iter()
            .map(|(k, n)| format!("{k} {}", int(*n, loc)))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn mentions_word(n: u64, loc: &Locale) -> &'static str {
    match (is_de(loc), n) {
        (false, 1) => "mention",
        (false, _) => "mentions",
        (true, 1) => "Erwähnung",
        (true, _) => "Erwähnungen",
    }
}

/// One or two sentences with the numbers that matter: the counts against what is usual; for
/// an all-clear, how long it lasted and how high it went.
pub fn summary(event: &AlertEvent, loc: &Locale) -> String {
    if event.kind == Kind::Source {
        return match event.status {
            Status::Firing if is_de(loc) => format!(
                "Die Quelle {} liefert seit {} keine Daten mehr.",
                event.brand,
                i18n::time(event.started_at, loc)
            ),
            Status::Firing => event.reasons.join(" "),
            Status::Resolved => format!(
                "{} {}",
                pick(loc, "Source", "Die Quelle"),
                match loc.language {
                    crate::config::notify::Language::En =>
                        format!("{} is delivering again.", event.brand),
                    crate::config::notify::Language::De =>
                        format!("{} liefert wieder.", event.brand),
                }
            ),
        };
    }
    let w = i18n::window(event, loc);
    let n = int(event.mentions, loc);
    let mw = mentions_word(event.mentions, loc);
    match event.status {
        Status::Firing => {
            let mut s = if is_de(loc) {
                format!(
                    "{n} {mw} in {w} – {}-mal so viele wie üblich ({}).",
                    dec1(event.velocity_ratio, loc),
                    dec1(event.expected, loc)
                )
            } else {
                format!(
                    "{n} {mw} in {w}, {} times the usual {}.",
                    dec1(event.velocity_ratio, loc),
                    dec1(event.expected, loc)
                )
            };
            if event.kind != Kind::Volume {
                let neg = int(event.negative, loc);
                let p = percent(event.negative_share, loc);
                let _ = if is_de(loc) {
                    write!(s, " {neg} davon negativ ({p}).")
                } else {
                    write!(s, " {neg} of them negative ({p}).")
                };
            }
            if let Some(d) = drivers_short(event, loc) {
                let _ = write!(s, " {} {d}.", pick(loc, "It is about", "Es geht um"));
            }
            s
        }
        Status::Resolved => {
            let lasted = i18n::duration(
                (event.observed_at - event.started_at).num_seconds().max(0) as u64,
                loc,
            );
            let mut s = if is_de(loc) {
                format!(
                    "{} ist wieder im üblichen Bereich: {n} {mw} in den letzten {w} (üblich: {}). Der {} dauerte {lasted}.",
                    event.brand,
                    dec1(event.expected, loc),
                    i18n::kind_word(event.kind, loc)
                )
            } else {
                format!(
                    "{} is back to normal: {n} {mw} in the last {w} (usually {}). The {} lasted {lasted}.",
                    event.brand,
                    dec1(event.expected, loc),
                    i18n::kind_word(event.kind, loc)
                )
            };
            if let Some(p) = event.brief.peak {
                let _ = if is_de(loc) {
                    write!(
                        s,
                        " Höhepunkt: {} {} in {w} um {}.",
                        int(p.mentions, loc),
                        mentions_word(p.mentions, loc),
                        i18n::clock(p.at, loc)
                    )
                } else {
                    write!(
                        s,
                        " It peaked at {} {} in {w} at {}.",
                        int(p.mentions, loc),
                        mentions_word(p.mentions, loc),
                        i18n::clock(p.at, loc)
                    )
                };
            }
            s
        }
    }
}

/// Why it fired, in full sentences, from the event's own figures: the negative share against
/// the usual one, how often this would come by chance, and who is posting.
pub fn reasons(event: &AlertEvent, loc: &Locale) -> Vec<String> {
    if event.kind == Kind::Source {
        return if is_de(loc) {
            Vec::new()
        } else {
            event.reasons.clone()
        };
    }
    let b = &event.brief;
    let mut out = Vec::new();
    if event.status == Status::Resolved {
        if let Some(t) = b.totals {
            out.push(if is_de(loc) {
                format!(
                    "Insgesamt {} {}, davon {} negativ.",
                    int(t.mentions, loc),
                    mentions_word(t.mentions, loc),
                    int(t.negative, loc)
                )
            } else {
                format!(
                    "{} {} in all, {} of them negative.",
                    int(t.mentions, loc),
                    mentions_word(t.mentions, loc),
                    int(t.negative, loc)
                )
            });
        }
        if let Some(s) = sources_line(event, loc) {
            out.push(format!("{}: {s}.", pick(loc, "Where", "Wo")));
        }
        if let Some(d) = drivers_short(event, loc) {
            out.push(format!("{} {d}.", pick(loc, "It was about", "Es ging um")));
        }
        return out;
    }
    if event.kind != Kind::Volume {
        let p = percent(event.negative_share, loc);
        out.push(match (b.usual_negative_share, is_de(loc)) {
            (Some(u), false) => format!(
                "{p} of the posts are negative; usually {}.",
                percent(u, loc)
            ),
            (Some(u), true) => format!(
                "{p} der Beiträge sind negativ, üblich sind {}.",
                percent(u, loc)
            ),
            (None, false) => format!("{p} of the posts are negative."),
            (None, true) => format!("{p} der Beiträge sind negativ."),
        });
    }
    if let Some(s) = b.surprise {
        out.push(i18n::chance_phrase(s, event.window_seconds, loc));
    }
    if let Some(n) = b.new_author_share {
        // Said the way round that needs no double negative; "0 % are new" reads as a riddle.
        out.push(if n <= 0.0 {
            pick(
                loc,
                "Every account has posted about the brand before.",
                "Alle Accounts haben schon früher über die Marke geschrieben.",
            )
            .to_string()
        } else if is_de(loc) {
            format!(
                "{} der Accounts schreiben zum ersten Mal über die Marke.",
                percent(n, loc)
            )
        } else {
            format!(
                "{} of the accounts post about the brand for the first time.",
                percent(n, loc)
            )
        });
    }
    if let Some(s) = sources_line(event, loc) {
        out.push(format!("{}: {s}.", pick(loc, "Where", "Wo")));
    }
    if out.is_empty() {
        out = event.reasons.clone();
    }
    out
}

/// The facts as label/value rows, shared by the text and HTML bodies and the chat cards.
pub fn facts(event: &AlertEvent, loc: &Locale) -> Vec<(String, String)> {
    let l = |en: &str, de: &str| pick(loc, en, de).to_string();
    if event.kind == Kind::Source {
        return vec![
            (l("Source", "Quelle"), event.brand.clone()),
            (
                l("Status", "Status"),
                match event.status {
                    Status::Firing => l("FAILING or SILENT", "AUSGEFALLEN oder STUMM"),
                    Status::Resolved => l("RECOVERED", "WIEDER DA"),
                },
            ),
            (l("Since", "Seit"), i18n::time(event.started_at, loc)),
        ];
    }
    let w = i18n::window(event, loc);
    let mut rows = vec![(l("Brand", "Marke"), event.brand.clone())];
    match event.status {
        Status::Firing => rows.push((
            l("Level", "Stufe"),
            i18n::level_word(event.level, loc).into(),
        )),
        Status::Resolved => rows.push((
            l("Status", "Status"),
            l("RESOLVED (all clear)", "ENTWARNUNG"),
        )),
    }
    rows.push((
        l("Kind", "Art"),
        format!(
            "{} ({})",
            i18n::kind_word(event.kind, loc),
            i18n::kind_meaning(event.kind, loc)
        ),
    ));
    rows.push((
        l("Mentions", "Erwähnungen"),
        format!(
            "{} {} {w}",
            int(event.mentions, loc),
            l("in the last", "in den letzten")
        ),
    ));
    if event.kind != Kind::Volume {
        rows.push((
            l("Negative", "Negativ"),
            format!(
                "{} ({})",
                int(event.negative, loc),
                percent(event.negative_share, loc)
            ),
        ));
    }
    rows.push((
        l("Usual", "Üblich"),
        format!(
            "{} {} {w}",
            dec1(event.expected, loc),
            l("mentions in", "Erwähnungen in")
        ),
    ));
    if event.status == Status::Firing {
        rows.push((
            l("Velocity", "Tempo"),
            format!(
                "{} {}",
                dec1(event.velocity_ratio, loc),
                l("times the usual count", "-mal so viele wie üblich")
            )
            .replace(" -mal", "-mal"),
        ));
        if let Some(s) = event.brief.surprise {
            rows.push((l("Chance", "Zufall"), i18n::chance_number(s, loc)));
        }
    }
    rows.push((l("Started", "Beginn"), i18n::time(event.started_at, loc)));
    let observed = match event.status {
        Status::Firing => l("Observed", "Erkannt"),
        Status::Resolved => l("Resolved", "Beendet"),
    };
    rows.push((observed, i18n::time(event.observed_at, loc)));
    if event.status == Status::Resolved {
        let lasted = (event.observed_at - event.started_at).num_seconds().max(0) as u64;
        rows.push((l("Lasted", "Dauer"), i18n::duration(lasted, loc)));
        if let Some(p) = event.brief.peak {
            rows.push((
                l("Peak", "Höhepunkt"),
                format!(
                    "{} {} {w}, {}",
                    int(p.mentions, loc),
                    l("in", "in"),
                    i18n::time(p.at, loc)
                ),
            ));
        }
        if let Some(t) = event.brief.totals {
            rows.push((
                l("Total", "Insgesamt"),
                format!(
                    "{} {}, {} {}",
                    int(t.mentions, loc),
                    mentions_word(t.mentions, loc),
                    int(t.negative, loc),
                    l("negative", "negativ")
                ),
            ));
        }
    }
    rows
}

/// The title line above the facts.
pub fn title(event: &AlertEvent, loc: &Locale) -> String {
    i18n::title(event, loc)
}

fn footer(event: &AlertEvent, loc: &Locale) -> String {
    format!(
        "sturmglas, {} {} · {} {}",
        pick(loc, "alert", "Alarm"),
        event.id,
        pick(loc, "times in", "Zeiten in"),
        loc.timezone.name()
    )
}

/// The plain-text body.
pub fn text(event: &AlertEvent, loc: &Locale) -> String {
    let mut out = String::new();
    if event.test {
        let _ = writeln!(out, "*** {} ***\n", i18n::test_notice(loc));
    }
    let _ = writeln!(out, "{}\n", title(event, loc));
    let _ = writeln!(out, "{}\n", summary(event, loc));
    let reasons = reasons(event, loc);
    if !reasons.is_empty() {
        let head = match event.status {
            Status::Firing => pick(loc, "Why:", "Warum:"),
            Status::Resolved => pick(loc, "Recap:", "Rückblick:"),
        };
        let _ = writeln!(out, "{head}");
        for r in &reasons {
            let _ = writeln!(out, "  - {r}");
        }
        out.push('\n');
    }
    let drivers = driver_lines(event, loc);
    if !drivers.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            pick(
                loc,
                "What it is about (posts in the window):",
                "Worum es geht (Beiträge im Zeitfenster):"
            )
        );
        for d in &drivers {
            let _ = writeln!(out, "  - {d}");
        }
        out.push('\n');
    }
    let rows = facts(event, loc);
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    for (label, value) in rows {
        let label = format!("{label}:");
        let _ = writeln!(out, "{label:<width$} {value}");
    }
    if let Some(links) = &event.brief.links {
        if let Some(d) = &links.dashboard {
            let _ = writeln!(out, "\n{}: {d}", pick(loc, "Dashboard", "Übersicht"));
        }
    }
    if let Some(a) = ack_url(event, loc) {
        let _ = writeln!(out, "\n{}:\n{a}", i18n::ack_label(loc));
    }
    for (head, posts) in [
        (
            pick(loc, "How it started:", "Wie es anfing:"),
            &event.brief.first_posts,
        ),
        (
            pick(
                loc,
                "Posts with the widest reach:",
                "Beiträge mit der größten Reichweite:",
            ),
            &event.sample,
        ),
    ] {
        if posts.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{head}");
        for (i, s) in posts.iter().enumerate() {
            let _ = writeln!(out, "\n{:>3}. {}", i + 1, sample_byline(s, loc));
            let _ = writeln!(out, "     \"{}\"", sample_text(s));
            if let Some(url) = &s.url {
                let _ = writeln!(out, "     {url}");
            }
        }
    }
    let _ = write!(out, "\n-- \n{}\n", footer(event, loc));
    out
}

fn accent(event: &AlertEvent) -> &'static str {
    match (event.status, event.level) {
        (Status::Resolved, _) => "#2e7d32",
        (_, Level::Critical) => "#b3261e",
        _ => "#b26a00",
    }
}

fn html_posts(out: &mut String, head: &str, posts: &[SampleMention], loc: &Locale) {
    let e = escape_html;
    if posts.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h2 style=\"font-size:16px\">{}</h2>", e(head));
    for s in posts {
        out.push_str(
            "<blockquote style=\"margin:0 0 12px;padding:4px 12px;\
             border-left:4px solid #ccc\">\n",
        );
        let _ = writeln!(out, "<p style=\"margin:4px 0\">{}</p>", e(&sample_text(s)));
        let _ = write!(
            out,
            "<p style=\"margin:4px 0;color:#555;font-size:13px\">{}",
            e(&sample_byline(s, loc))
        );
        if let Some(url) = s.url.as_deref().and_then(safe_url) {
            let _ = write!(
                out,
                " · <a href=\"{}\">{}</a>",
                e(url),
                pick(loc, "open post", "Beitrag öffnen")
            );
        } else if let Some(url) = &s.url {
            let _ = write!(out, " · {}", e(url));
        }
        out.push_str("</p>\n</blockquote>\n");
    }
}

/// The HTML body: one column, inline styles (mail clients drop stylesheets), escaped text;
/// `chart_cid` names the inline chart image of a `multipart/related` message.
pub fn html(event: &AlertEvent, loc: &Locale, chart_cid: Option<&str>) -> String {
    let e = escape_html;
    let mut out = String::new();
    let lang = pick(loc, "en", "de");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    let _ = writeln!(
        out,
        "<title>{}</title></head>",
        e(&i18n::subject(event, loc))
    );
    out.push_str(
        "<body style=\"font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;\
         color:#1f1f1f;max-width:680px;margin:0 auto;padding:16px\">\n",
    );
    if event.test {
        let _ = writeln!(
            out,
            "<p style=\"background:#fff3cd;border:2px dashed #b26a00;padding:8px;\
             font-weight:bold\">{}</p>",
            e(i18n::test_notice(loc))
        );
    }
    let _ = writeln!(
        out,
        "<h1 style=\"color:{};font-size:22px;margin:0 0 8px\">{}</h1>",
        accent(event),
        e(&title(event, loc))
    );
    let _ = writeln!(
        out,
        "<p style=\"font-size:16px;margin:0 0 16px\">{}</p>",
        e(&summary(event, loc))
    );
    if let Some(cid) = chart_cid {
        let _ = writeln!(
            out,
            "<p style=\"margin:0 0 16px\"><img src=\"cid:{}\" alt=\"{}\" width=\"640\" \
             style=\"width:100%;max-width:640px;height:auto;border:0\"></p>",
            e(cid),
            e(pick(
                loc,
                "Mentions in the last 24 hours",
                "Erwähnungen der letzten 24 Stunden"
            ))
        );
    }
    let reasons = reasons(event, loc);
    if !reasons.is_empty() {
        let head = match event.status {
            Status::Firing => pick(loc, "Why", "Warum"),
            Status::Resolved => pick(loc, "Recap", "Rückblick"),
        };
        let _ = writeln!(out, "<h2 style=\"font-size:16px\">{head}</h2>\n<ul>");
        for r in &reasons {
            let _ = writeln!(out, "<li>{}</li>", e(r));
        }
        out.push_str("</ul>\n");
    }
    let drivers = driver_lines(event, loc);
    if !drivers.is_empty() {
        let _ = writeln!(
            out,
            "<h2 style=\"font-size:16px\">{}</h2>\n<ul>",
            pick(loc, "What it is about", "Worum es geht")
        );
        for d in &drivers {
            let _ = writeln!(out, "<li>{}</li>", e(d));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<table style=\"border-collapse:collapse;margin:8px 0 16px\">\n");
    for (label, value) in facts(event, loc) {
        let _ = writeln!(
            out,
            "<tr><th style=\"text-align:left;padding:2px 12px 2px 0;color:#555\">{}</th>\
             <td style=\"padding:2px 0\">{}</td></tr>",
            e(&label),
            e(&value)
        );
    }
    out.push_str("</table>\n");
    if let Some(d) = event
        .brief
        .links
        .as_ref()
        .and_then(|l| l.dashboard.as_deref())
        .and_then(safe_url)
    {
        let _ = writeln!(
            out,
            "<p><a href=\"{}\">{}</a></p>",
            e(d),
            pick(loc, "Open the dashboard", "Zur Übersicht")
        );
    }
    if let Some(a) = ack_url(event, loc) {
        let _ = writeln!(
            out,
            "<p><a href=\"{}\">{}</a></p>",
            e(&a),
            e(i18n::ack_label(loc))
        );
    }
    html_posts(
        &mut out,
        pick(loc, "How it started", "Wie es anfing"),
        &event.brief.first_posts,
        loc,
    );
    html_posts(
        &mut out,
        pick(
            loc,
            "Posts with the widest reach",
            "Beiträge mit der größten Reichweite",
        ),
        &event.sample,
        loc,
    );
    let _ = writeln!(
        out,
        "<p style=\"color:#777;font-size:12px;border-top:1px solid #ddd;padding-top:8px\">\
         {}</p>\n</body></html>",
        e(&footer(event, loc))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Locale = Locale {
        language: crate::config::notify::Language::En,
        timezone: chrono_tz::UTC,
    };

    #[test]
    fn a_firing_notice_carries_its_ack_link_in_the_channels_language() {
        let mut ev = event();
        let link = "https://s.example/ack/nw-1.1800000000.abcdef";
        ev.brief.links = Some(crate::brief::Links {
            ack: Some(link.into()),
            ..Default::default()
        });
        let text = text(&ev, &L);
        assert!(
            text.contains("Acknowledge (stops the reminders):\n"),
            "{text}"
        );
        assert!(text.contains(link), "{text}");
        assert!(html(&ev, &L, None).contains(&format!("<a href=\"{link}\">")));
        let de = Locale {
            language: crate::config::notify::Language::De,
            ..L
        };
        assert!(text_de_has(&ev, &de, &format!("{link}?lang=de")));
        assert!(text_de_has(&ev, &de, "Quittieren"));
        ev.status = Status::Resolved;
        assert!(
            !super::text(&ev, &L).contains(link),
            "no ack on the all-clear"
        );
    }

    fn text_de_has(ev: &AlertEvent, loc: &Locale, needle: &str) -> bool {
        text(ev, loc).contains(needle) && html(ev, loc, None).contains(needle)
    }

    pub(crate) fn event() -> AlertEvent {
        crate::alert::storm_fixture("nw-1", "Nordwind <Energie> & Co")
            .with_reasons(vec!["82% negative (usual: 12%)".into()])
            .with_sample(vec![
                SampleMention {
                    text: "Stromausfall <script>alert(1)</script>\nschon wieder!".into(),
                    url: Some("https://social.example/@user42/1".into()),
                    author: Some("user42".into()),
                    reach: Some(12_000),
                    score: -0.8,
                    copies: 1,
                    at: None,
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
                    copies: 1,
                    at: None,
                    words: Vec::new(),
                },
            ])
    }

    #[test]
    fn text_states_the_numbers_and_the_samples() {
        let t = text(&event(), &L);
        for want in [
            "CRITICAL storm: Nordwind <Energie> & Co",
            "61 mentions in 15 min, 14.9 times the usual 4.1. 50 of them negative (82%).",
            "  - 82% of the posts are negative.",
            "Usual:    4.1 mentions in 15 min",
            "Velocity: 14.9 times the usual count",
            "Started:  2026-03-07 13:52 UTC",
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
        let h = html(&event(), &L, None);
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
        let t = text(&ev, &L);
        assert!(t.starts_with("All clear: Nordwind"), "{t}");
        assert!(t.contains("is back to normal"), "{t}");
        assert!(t.contains("Lasted:   1 h 10 min"), "{t}");
        assert!(html(&ev, &L, None).contains("All clear"));
    }

    #[test]
    fn test_alerts_are_marked_on_top() {
        let mut ev = event();
        ev.test = true;
        assert!(text(&ev, &L).starts_with("*** TEST ALERT"));
        assert!(html(&ev, &L, None).contains(TEST_NOTICE));
    }

    #[test]
    fn volume_alerts_do_not_talk_about_sentiment() {
        let mut ev = event();
        ev.kind = Kind::Volume;
        let t = text(&ev, &L);
        assert!(!t.contains("Negative:"), "{t}");
        assert!(!summary(&ev, &L).contains("negative"));
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
            copies: 1,
            at: None,
            words: Vec::new(),
        };
        assert_eq!(sample_text(&long).chars().count(), MAX_SAMPLE_CHARS + 1);
    }
}
