//! PagerDuty Events API v2: a firing notice is a `trigger`, its all-clear a `resolve`, both
//! with the storm thread as `dedup_key`, so one storm is one incident however many notices
//! (reminders, warning → critical) it sends, and its all-clear resolves exactly that incident.
//!
//! Invariant: every trigger carries the fields PagerDuty requires (`routing_key`,
//! `event_action`, `payload.summary` ≤ 1024 characters, `payload.source`, `payload.severity`
//! one of its four words); what a person reads (`summary`, `custom_details`, link texts) is in
//! the channel's language and time zone.

use serde_json::{json, Map, Value};

use super::super::chat::{chart_url, clip, header_line, samples, thread_key};
use super::super::{i18n, render, DeliveryError};
use super::{json_bytes, Format, KeyUse, ReceiverKey, Target};
use crate::alert::{AlertEvent, Level, Status};
use crate::config::notify::Locale;

/// PagerDuty's longest `payload.summary`.
const MAX_SUMMARY: usize = 1024;

/// PagerDuty Events API v2 (`https://events.pagerduty.com/v2/enqueue`).
pub struct PagerDuty;

impl Format for PagerDuty {
    const KEYS: &'static [KeyUse] = &[KeyUse {
        key: ReceiverKey::RoutingKey,
        required: true,
    }];

    fn body(event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        let key = to
            .keys
            .routing_key
            .as_ref()
            .ok_or_else(|| DeliveryError::Permanent("pagerduty needs a routing_key".into()))?;
        json_bytes(&pagerduty(event, to.loc, key.expose()))
    }
}

/// PagerDuty's severity for the level: `critical` or `warning`; a test alert is `info`.
pub fn severity(event: &AlertEvent) -> &'static str {
    match event.level {
        _ if event.test => "info",
        Level::Critical => "critical",
        _ => "warning",
    }
}

pub fn pagerduty(event: &AlertEvent, loc: &Locale, routing_key: &str) -> Value {
    let dedup_key = thread_key(event);
    if event.status == Status::Resolved {
        return json!({
            "routing_key": routing_key,
            "event_action": "resolve",
            "dedup_key": dedup_key,
        });
    }
    // The subject line names the level, the brand and the numbers (and says TEST on a test).
    let summary = i18n::subject(event, loc);
    let mut payload = json!({
        "summary": clip(&summary, MAX_SUMMARY),
        "source": "sturmglas",
        "severity": severity(event),
        "timestamp": event.observed_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "component": event.brand,
        "class": i18n::kind_word(event.kind, loc),
        "custom_details": details(event, loc),
    });
    if let Some(sources) = render::sources_line(event, loc) {
        payload["group"] = json!(sources);
    }
    let mut body = json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": payload,
        "client": "sturmglas",
        "links": links(event, loc),
    });
    let dashboard = event
        .brief
        .links
        .as_ref()
        .and_then(|l| l.dashboard.as_deref())
        .and_then(render::safe_url);
    if let Some(d) = dashboard {
        body["client_url"] = json!(d);
    }
    if let Some(chart) = chart_url(event, loc) {
        body["images"] = json!([{
            "src": chart,
            "alt": i18n::pick(loc, "Mentions in the last 24 hours", "Erwähnungen der letzten 24 Stunden"),
        }]);
    }
    body
}

/// The brief as PagerDuty's key/value table: the title, the summary, the facts, the reasons,
/// the drivers, the sources and the sample posts, under labels in the channel's language.
fn details(event: &AlertEvent, loc: &Locale) -> Value {
    let mut d = Map::new();
    let mut put = |k: &str, v: Value| {
        d.insert(k.to_string(), v);
    };
    if event.test {
        put(i18n::pick(loc, "Test", "Test"), json!(i18n::test_notice(loc)));
    }
    put(
        i18n::pick(loc, "Alert", "Alarm"),
        json!(header_line(event, loc)),
    );
    put(
        i18n::pick(loc, "Summary", "Zusammenfassung"),
        json!(render::summary(event, loc)),
    );
    for (k, v) in render::facts(event, loc) {
        put(&k, json!(v));
    }
    let reasons = render::reasons(event, loc);
    if !reasons.is_empty() {
        put(i18n::pick(loc, "Reasons", "Gründe"), json!(reasons));
    }
    let drivers = render::driver_lines(event, loc);
    if !drivers.is_empty() {
        put(i18n::pick(loc, "Drivers", "Treiber"), json!(drivers));
    }
    if let Some(s) = render::sources_line(event, loc) {
        put(i18n::pick(loc, "Sources", "Quellen"), json!(s));
    }
    let posts: Vec<String> = samples(event)
        .map(|s| {
            let mut t = format!(
                "\u{201c}{}\u{201d} — {}",
                render::sample_text(s),
                render::sample_byline(s, loc)
            );
            if let Some(u) = s.url.as_deref().and_then(render::safe_url) {
                t.push_str(&format!(" — {u}"));
            }
            t
        })
        .collect();
    if !posts.is_empty() {
        put(i18n::pick(loc, "Posts", "Beiträge"), json!(posts));
    }
    if let Some(a) = render::ack_url(event, loc) {
        put(i18n::ack_label(loc), json!(a));
    }
    put("sturmglas_alert_id", json!(event.id));
    Value::Object(d)
}

/// The dashboard, the ack link and the sample posts, as PagerDuty's `links`.
fn links(event: &AlertEvent, loc: &Locale) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(d) = event
        .brief
        .links
        .as_ref()
        .and_then(|l| l.dashboard.as_deref())
        .and_then(render::safe_url)
    {
        out.push(json!({"href": d, "text": i18n::pick(loc, "Dashboard", "Übersicht")}));
    }
    if let Some(a) = render::ack_url(event, loc) {
        out.push(json!({"href": a, "text": i18n::pick(loc, "Acknowledge", "Quittieren")}));
    }
    for (i, s) in samples(event).enumerate() {
        if let Some(u) = s.url.as_deref().and_then(render::safe_url) {
            out.push(json!({"href": u, "text": format!("{} {}", i18n::pick(loc, "Post", "Beitrag"), i + 1)}));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::notify::Language;
    use crate::notify::chat::fixtures::{event, L};

    #[test]
    fn a_firing_notice_triggers_with_the_required_fields() {
        let mut e = event();
        e.brief.links = Some(crate::brief::Links::new(
            "https://s.example",
            &e.id,
            &e.brand,
        ));
        let v = pagerduty(&e, &L, "R0UT1NG");
        assert_eq!(v["routing_key"], "R0UT1NG");
        assert_eq!(v["event_action"], "trigger");
        assert_eq!(v["dedup_key"], thread_key(&e));
        let p = &v["payload"];
        assert!(p["summary"].as_str().unwrap().contains("CRITICAL"), "{p}");
        assert!(p["summary"].as_str().unwrap().chars().count() <= MAX_SUMMARY);
        assert_eq!(p["source"], "sturmglas");
        assert_eq!(p["severity"], "critical");
        assert_eq!(p["component"], "Acme & <Co>");
        assert!(chrono::DateTime::parse_from_rfc3339(p["timestamp"].as_str().unwrap()).is_ok());
        assert!(p["custom_details"]["Posts"].as_array().unwrap().len() >= 2);
        assert_eq!(v["client_url"], "https://s.example/brands/Acme%20%26%20%3CCo%3E");
        assert!(v["links"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["href"].is_string() && l["text"].is_string()));
        assert!(v["images"][0]["src"]
            .as_str()
            .unwrap()
            .starts_with("https://s.example/charts/"));
    }

    #[test]
    fn the_all_clear_resolves_the_same_dedup_key() {
        let mut e = event();
        let firing = pagerduty(&e, &L, "k");
        e.status = Status::Resolved;
        e.observed_at += chrono::Duration::minutes(40);
        e.id = "other-notice".into();
        let resolved = pagerduty(&e, &L, "k");
        assert_eq!(resolved["event_action"], "resolve");
        assert_eq!(resolved["dedup_key"], firing["dedup_key"]);
        assert!(resolved.get("payload").is_none());
    }

    #[test]
    fn german_text_and_severity_from_the_level() {
        let mut e = event();
        e.level = Level::Warning;
        let de = Locale {
            language: Language::De,
            ..L
        };
        let v = pagerduty(&e, &de, "k");
        let p = &v["payload"];
        assert_eq!(p["severity"], "warning");
        assert!(p["summary"].as_str().unwrap().contains("WARNUNG"), "{p}");
        assert_eq!(p["class"], "Shitstorm");
        assert!(p["custom_details"].get("Zusammenfassung").is_some(), "{p}");
        assert!(p["custom_details"].get("Beiträge").is_some(), "{p}");
        let t = crate::notify::test_event("Acme");
        assert_eq!(pagerduty(&t, &de, "k")["payload"]["severity"], "info");
        assert!(pagerduty(&t, &de, "k")["dedup_key"]
            .as_str()
            .unwrap()
            .starts_with("sturmglas.test."));
    }
}
