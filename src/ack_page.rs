//! The small HTML pages behind an ack link: the confirmation page a GET shows (with the form
//! whose POST acknowledges), the page after acknowledging, and the page for a bad link.
//!
//! Invariant: every value from an event or a person passes through `escape_html`; the pages
//! load nothing from elsewhere (no scripts, styles inline), so they work under a strict CSP.

use chrono::{DateTime, Utc};

use crate::alert::AlertEvent;
use crate::config::notify::{Language, Locale};
use crate::notify::render::{escape_html as e, title};
use crate::store::Ack;

fn pick(de: bool, en: &'static str, german: &'static str) -> &'static str {
    if de {
        german
    } else {
        en
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The pages' one style sheet, inline as an element (the Content-Security-Policy names it by
/// its hash, see `http::headers`; style attributes would be blocked).
pub const STYLE: &str =
    "body{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em}h1{font-size:1.4em}";

fn page(de: bool, heading: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{} — sturmglas</title>\
         <style>{STYLE}</style></head>\
         <body><h1>{}</h1>\n{body}\n</body></html>\n",
        pick(de, "en", "de"),
        e(heading),
        e(heading)
    )
}

fn acked_line(de: bool, ack: &Ack) -> String {
    format!(
        "<p><strong>{} {} ({}).</strong></p>",
        pick(de, "Acknowledged by", "Quittiert von"),
        e(&ack.acknowledged_by),
        time(ack.acknowledged_at)
    ) + &if ack.comment.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>", e(&ack.comment))
    }
}

/// What a GET on a valid link shows; changes nothing. `ack` is the thread's acknowledgement
/// if it has one already.
pub fn confirm(event: &AlertEvent, ack: Option<&Ack>, de: bool) -> String {
    let loc = Locale {
        language: if de { Language::De } else { Language::En },
        ..Locale::default()
    };
    let mut body = format!(
        "<p>{}</p><p>{} {}.</p>",
        e(&title(event, &loc)),
        pick(de, "The storm began at", "Der Sturm begann am"),
        time(event.started_at)
    );
    match ack {
        Some(a) => body.push_str(&acked_line(de, a)),
        None => body.push_str(&format!(
            "<p>{}</p>\n<form method=\"post\">\
             <p><label>{}<br><input name=\"by\" required maxlength=\"100\" autocomplete=\"name\"></label></p>\
             <p><label>{}<br><input name=\"comment\" maxlength=\"1000\" size=\"40\"></label></p>\
             <p><button type=\"submit\">{}</button></p></form>",
            pick(
                de,
                "Acknowledging tells the others that you are handling this storm: its reminders stop. Nothing changes until you press the button.",
                "Wer quittiert, sagt den anderen: Ich kümmere mich um diesen Sturm. Die Erinnerungen hören dann auf. Nichts ändert sich, bevor Sie den Knopf drücken."
            ),
            pick(de, "Your name", "Ihr Name"),
            pick(de, "Note (optional)", "Notiz (optional)"),
            pick(de, "Acknowledge", "Quittieren"),
        )),
    }
    page(
        de,
        &format!(
            "{} {}",
            pick(de, "Acknowledge the storm:", "Sturm quittieren:"),
            event.brand
        ),
        &body,
    )
}

/// The page after a POST acknowledged the thread (or found it acknowledged already).
pub fn done(event: &AlertEvent, ack: &Ack, de: bool) -> String {
    let body = acked_line(de, ack)
        + pick(
            de,
            "<p>No more reminders are sent for this storm; its all-clear still is.</p>",
            "<p>Für diesen Sturm kommen keine Erinnerungen mehr; die Entwarnung kommt trotzdem.</p>",
        );
    page(
        de,
        &format!(
            "{} {}",
            pick(de, "Acknowledged:", "Quittiert:"),
            event.brand
        ),
        &body,
    )
}

/// A link that is malformed, forged, expired, or whose alert is no longer kept.
pub fn invalid(reason: &str, de: bool) -> String {
    page(
        de,
        pick(de, "Link not usable", "Link nicht gültig"),
        &format!("<p>{}</p>", e(reason)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_shows_the_form_only_until_acknowledged() {
        let mut ev = crate::alert::test_event("x");
        ev.brand = "<script>B</script>".into();
        let html = confirm(&ev, None, false);
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("<form method=\"post\">"));
        let ack = Ack {
            alert_id: "x".into(),
            brand: ev.brand.clone(),
            started_at: ev.started_at,
            acknowledged_by: "<b>anna</b>".into(),
            acknowledged_at: ev.started_at,
            comment: String::new(),
            level: crate::alert::Level::Warning,
            kind: "storm".into(),
        };
        let html = confirm(&ev, Some(&ack), true);
        assert!(!html.contains("<form"), "{html}");
        assert!(html.contains("Quittiert von &lt;b&gt;anna"), "{html}");
        assert!(done(&ev, &ack, false).contains("No more reminders"));
    }
}
