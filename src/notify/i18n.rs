//! The words of a notice in German and English, and the forms of numbers, times and durations
//! a reader of either language expects.
//!
//! Invariant: every number is formatted from the one rounded value the event carries (ratios
//! and expectations to one decimal, shares to whole percent), so a figure reads the same
//! wherever it appears; every time is shown in the channel's time zone. German is written as
//! a German PR team would write it, not translated word by word.

use chrono::{DateTime, Utc};

use crate::alert::{AlertEvent, Kind, Level, Status};
use crate::config::notify::{Language, Locale};

/// English or German, as `en(...)` / `de(...)` pairs read.
pub fn pick<'a>(loc: &Locale, en: &'a str, de: &'a str) -> &'a str {
    match loc.language {
        Language::En => en,
        Language::De => de,
    }
}

pub fn is_de(loc: &Locale) -> bool {
    loc.language == Language::De
}

/// `1234567` → `1,234,567` / `1.234.567`.
pub fn int(n: u64, loc: &Locale) -> String {
    let sep = if is_de(loc) { '.' } else { ',' };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// One decimal, with a decimal comma in German.
pub fn dec1(x: f64, loc: &Locale) -> String {
    let s = format!("{x:.1}");
    if is_de(loc) {
        s.replace('.', ",")
    } else {
        s
    }
}

/// `82%` / `82 %`.
pub fn percent(share: f64, loc: &Locale) -> String {
    let p = (share * 100.0).round();
    if is_de(loc) {
        format!("{p:.0} %")
    } else {
        format!("{p:.0}%")
    }
}

/// `4 h 2 min` / `4 Std. 2 Min.`, rounded to whole minutes (at least one).
pub fn duration(secs: u64, loc: &Locale) -> String {
    let minutes = ((secs + 30) / 60).max(1);
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let (ud, uh, um) = if is_de(loc) {
        ("T.", "Std.", "Min.")
    } else {
        ("d", "h", "min")
    };
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d} {ud}"));
    }
    if h > 0 {
        parts.push(format!("{h} {uh}"));
    }
    if m > 0 || parts.is_empty() {
        parts.push(format!("{m} {um}"));
    }
    parts.join(" ")
}

/// The window, as a duration.
pub fn window(event: &AlertEvent, loc: &Locale) -> String {
    duration(event.window_seconds, loc)
}

fn zone_name(t: DateTime<Utc>, loc: &Locale) -> String {
    let z = t.with_timezone(&loc.timezone).format("%Z").to_string();
    if is_de(loc) {
        match z.as_str() {
            "CET" => "MEZ".into(),
            "CEST" => "MESZ".into(),
            _ => z,
        }
    } else {
        z
    }
}

/// A date and time in the channel's zone: `2026-03-07 13:58 UTC` / `07.03.2026, 14:58 MEZ`.
pub fn time(t: DateTime<Utc>, loc: &Locale) -> String {
    let local = t.with_timezone(&loc.timezone);
    if is_de(loc) {
        format!(
            "{}, {} {}",
            local.format("%d.%m.%Y"),
            local.format("%H:%M"),
            zone_name(t, loc)
        )
    } else {
        format!("{} {}", local.format("%Y-%m-%d %H:%M"), zone_name(t, loc))
    }
}

/// The time of day alone: `14:05` / `14:05 Uhr`.
pub fn clock(t: DateTime<Utc>, loc: &Locale) -> String {
    let local = t.with_timezone(&loc.timezone);
    if is_de(loc) {
        format!("{} Uhr", local.format("%H:%M"))
    } else {
        local.format("%H:%M").to_string()
    }
}

pub fn level_word(level: Level, loc: &Locale) -> &'static str {
    match (level, loc.language) {
        (Level::Critical, Language::En) => "CRITICAL",
        (Level::Critical, Language::De) => "KRITISCH",
        (_, Language::En) => "WARNING",
        (_, Language::De) => "WARNUNG",
    }
}

pub fn kind_word(kind: Kind, loc: &Locale) -> &'static str {
    match (kind, loc.language) {
        (Kind::Storm, Language::En) => "storm",
        (Kind::Buzz, Language::En) => "buzz",
        (Kind::Volume, Language::En) => "volume",
        (Kind::Source, Language::En) => "source",
        (Kind::Reach, Language::En) => "reach",
        (Kind::Storm, Language::De) => "Shitstorm",
        (Kind::Buzz, Language::De) => "Welle",
        (Kind::Volume, Language::De) => "Anstieg",
        (Kind::Source, Language::De) => "Quelle",
        (Kind::Reach, Language::De) => "Reichweite",
    }
}

/// What the kind means, for readers who do not know the vocabulary.
pub fn kind_meaning(kind: Kind, loc: &Locale) -> &'static str {
    match kind {
        Kind::Storm => pick(
            loc,
            "a surge of mentions that is unusually negative",
            "ungewöhnlich viele und ungewöhnlich negative Erwähnungen",
        ),
        Kind::Buzz => pick(
            loc,
            "a surge of mentions that is not negative",
            "ungewöhnlich viele Erwähnungen, aber nicht negativ",
        ),
        Kind::Volume => pick(
            loc,
            "a surge of mentions; sentiment unknown",
            "ungewöhnlich viele Erwähnungen; Stimmung unbekannt",
        ),
        Kind::Source => pick(
            loc,
            "a source of mentions has failed or gone silent",
            "eine Quelle liefert nicht mehr",
        ),
        Kind::Reach => pick(
            loc,
            "one negative post from an author with a large reach",
            "ein negativer Beitrag eines Accounts mit großer Reichweite",
        ),
    }
}

/// The label of the ack link, and what acknowledging does.
pub fn ack_label(loc: &Locale) -> &'static str {
    pick(
        loc,
        "Handling it? Acknowledge (stops the reminders)",
        "Übernehmen Sie? Quittieren (keine Erinnerungen mehr)",
    )
}

pub fn test_notice(loc: &Locale) -> &'static str {
    pick(
        loc,
        "TEST ALERT: sent by `sturmglas test-alert` to check this channel. Nothing is happening.",
        "TESTALARM: von `sturmglas test-alert` geschickt, um diesen Kanal zu prüfen. Es ist nichts passiert.",
    )
}

/// The subject line. English is the contract's
/// `[sturmglas] CRITICAL storm: Nordwind Energie — 61 mentions in 15m, 82% negative`; German
/// `[sturmglas] KRITISCH Shitstorm: Nordwind Energie — 61 Erwähnungen in 15 Min., 82 % negativ`.
pub fn subject(event: &AlertEvent, loc: &Locale) -> String {
    if !is_de(loc) {
        return event.headline();
    }
    let test = if event.test { "TEST " } else { "" };
    match event.status {
        Status::Firing if event.kind == Kind::Source => format!(
            "[sturmglas] {test}{} Quelle ausgefallen: {} — keine Daten",
            level_word(event.level, loc),
            event.brand
        ),
        Status::Firing if event.kind == Kind::Reach => {
            let post = event.sample.first();
            format!(
                "[sturmglas] {test}{} Reichweite: {} — ein negativer Beitrag von {} mit {} Reichweite",
                level_word(event.level, loc),
                event.brand,
                post.and_then(|p| p.author.as_deref()).unwrap_or("einem Account"),
                int(post.and_then(|p| p.reach).unwrap_or(0), loc)
            )
        }
        Status::Firing => {
            let mut s = format!(
                "[sturmglas] {test}{} {}: {} — {} {} in {}",
                level_word(event.level, loc),
                kind_word(event.kind, loc),
                event.brand,
                int(event.mentions, loc),
                if event.mentions == 1 {
                    "Erwähnung"
                } else {
                    "Erwähnungen"
                },
                window(event, loc)
            );
            if event.kind != Kind::Volume {
                s.push_str(&format!(", {} negativ", percent(event.negative_share, loc)));
            }
            s
        }
        Status::Resolved => format!(
            "[sturmglas] {test}ENTWARNUNG {}: {} — wieder normal",
            kind_word(event.kind, loc),
            event.brand
        ),
    }
}

/// The title above the facts.
pub fn title(event: &AlertEvent, loc: &Locale) -> String {
    match event.status {
        Status::Firing => format!(
            "{} {}: {}",
            level_word(event.level, loc),
            kind_word(event.kind, loc),
            event.brand
        ),
        Status::Resolved => format!("{}: {}", pick(loc, "All clear", "Entwarnung"), event.brand),
    }
}

/// How often a window like this one comes by chance on an ordinary day, in words: the
/// surprise is −log10 of the chance per window, and a day has `86400 / window` windows.
pub fn chance_phrase(surprise: f64, window_seconds: u64, loc: &Locale) -> String {
    let per_day = 86_400.0 / window_seconds.max(60) as f64;
    let days = 10f64.powf(surprise) / per_day;
    let de = is_de(loc);
    let (n, unit_en, unit_de) = if days >= 36_500.0 {
        return pick(
            loc,
            "By chance, a surge like this would come less than once in a hundred years.",
            "Zufällig käme so ein Anstieg seltener als einmal in hundert Jahren vor.",
        )
        .to_string();
    } else if days >= 365.0 {
        (
            (days / 365.0).round(),
            ("year", "years"),
            ("Jahr", "Jahren"),
        )
    } else if days >= 60.0 {
        (
            (days / 30.0).round(),
            ("month", "months"),
            ("Monat", "Monaten"),
        )
    } else if days >= 14.0 {
        ((days / 7.0).round(), ("week", "weeks"), ("Woche", "Wochen"))
    } else if days >= 1.5 {
        (days.round(), ("day", "days"), ("Tag", "Tagen"))
    } else {
        return pick(
            loc,
            "On an ordinary day, this can happen by chance: no more unusual than once a day.",
            "So etwas kommt auch an gewöhnlichen Tagen zufällig vor: etwa einmal am Tag.",
        )
        .to_string();
    };
    if de {
        let unit = if n == 1.0 { unit_de.0 } else { unit_de.1 };
        let count = if n == 1.0 {
            "einem".to_string()
        } else {
            format!("{n:.0}")
        };
        format!("Zufällig käme so ein Anstieg etwa einmal in {count} {unit} vor.")
    } else {
        let unit = if n == 1.0 { unit_en.0 } else { unit_en.1 };
        let count = if n == 1.0 {
            "a".to_string()
        } else {
            format!("{n:.0}")
        };
        format!("By chance, a surge like this would come about once in {count} {unit}.")
    }
}

/// The chance per window as a number, for the details: `1 in 10^18`.
pub fn chance_number(surprise: f64, loc: &Locale) -> String {
    let e = surprise.floor().max(0.0);
    pick(
        loc,
        "about 1 in 10^{e} per window",
        "etwa 1 zu 10^{e} je Zeitfenster",
    )
    .replace("{e}", &format!("{e:.0}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de() -> Locale {
        Locale::new(Language::De, chrono_tz::Europe::Berlin)
    }

    fn en() -> Locale {
        Locale::default()
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(4 * 3600 + 2 * 60, &en()), "4 h 2 min");
        assert_eq!(duration(4 * 3600 + 2 * 60, &de()), "4 Std. 2 Min.");
        assert_eq!(duration(900, &de()), "15 Min.");
        assert_eq!(duration(10, &en()), "1 min");
        assert_eq!(duration(3600, &en()), "1 h");
    }

    #[test]
    fn times_follow_the_zone_across_a_dst_change() {
        // Europe/Berlin went from CET to CEST at 01:00 UTC on 29 March 2026.
        let before: DateTime<Utc> = "2026-03-29T00:30:00Z".parse().unwrap();
        let after: DateTime<Utc> = "2026-03-29T01:30:00Z".parse().unwrap();
        assert_eq!(time(before, &de()), "29.03.2026, 01:30 MEZ");
        assert_eq!(time(after, &de()), "29.03.2026, 03:30 MESZ");
        let ny = Locale::new(Language::En, chrono_tz::America::New_York);
        assert_eq!(time(after, &ny), "2026-03-28 21:30 EDT");
        assert_eq!(time(after, &en()), "2026-03-29 01:30 UTC");
        assert_eq!(clock(after, &de()), "03:30 Uhr");
    }

    #[test]
    fn numbers_in_both_languages() {
        assert_eq!(int(1_234_567, &de()), "1.234.567");
        assert_eq!(int(1_234_567, &en()), "1,234,567");
        assert_eq!(dec1(14.9, &de()), "14,9");
        assert_eq!(percent(0.82, &de()), "82 %");
        assert_eq!(percent(0.82, &en()), "82%");
    }

    #[test]
    fn the_chance_is_a_phrase() {
        assert!(chance_phrase(18.0, 900, &en()).contains("less than once in a hundred years"));
        assert_eq!(
            chance_phrase(4.0, 900, &de()),
            "Zufällig käme so ein Anstieg etwa einmal in 3 Monaten vor."
        );
        assert_eq!(
            chance_phrase(4.6, 900, &en()),
            "By chance, a surge like this would come about once in a year."
        );
        assert!(chance_phrase(1.0, 900, &en()).contains("once a day"));
    }
}
