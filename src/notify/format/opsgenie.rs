//! Opsgenie Alert API: a firing notice creates an alert (`POST <url>` where `url` is the
//! API's `…/v2/alerts`), aliased by the storm thread, so that Opsgenie folds a storm's
//! reminders into one alert; its all-clear closes that alert
//! (`POST <url>/<alias>/close?identifierType=alias`). Both carry `Authorization: GenieKey …`.
//!
//! Invariant: every field stays within Opsgenie's limits (`message` 130 characters, `alias`
//! 512, `description` 15 000, `tags` 50 each, `details` 8 000 in all, `entity` 512, `source`
//! 100, `note` 25 000); what a person reads is in the channel's language and time zone.

use serde_json::{json, Map, Value};

use super::super::chat::{clip, thread_key};
use super::super::{i18n, render, DeliveryError};
use super::{json_bytes, Format, KeyUse, ReceiverKey, Request, Target};
use crate::alert::{AlertEvent, Level, Status};
use crate::config::notify::Locale;

const MAX_MESSAGE: usize = 130;
const MAX_DESCRIPTION: usize = 15_000;
const MAX_DETAILS: usize = 8_000;

/// Opsgenie's Alert API (`https://api.opsgenie.com/v2/alerts`, EU: `api.eu.opsgenie.com`).
pub struct Opsgenie;

impl Format for Opsgenie {
    const KEYS: &'static [KeyUse] = &[KeyUse {
        key: ReceiverKey::ApiKey,
        required: true,
    }];

    fn body(event: &AlertEvent, to: &Target<'_>) -> Result<Vec<u8>, DeliveryError> {
        json_bytes(&match event.status {
            Status::Firing => create(event, to.loc),
            Status::Resolved => close(event, to.loc),
        })
    }

    fn request(event: &AlertEvent, to: &Target<'_>) -> Result<Request, DeliveryError> {
        let key = to
            .keys
            .api_key
            .as_ref()
            .ok_or_else(|| DeliveryError::Permanent("opsgenie needs an api_key".into()))?;
        let url = match event.status {
            Status::Firing => to.url.clone(),
            Status::Resolved => close_url(to.url, &thread_key(event))?,
        };
        Ok(Request {
            url,
            headers: vec![("Authorization", format!("GenieKey {}", key.expose()))],
            body: Self::body(event, to)?,
        })
    }

    fn check_url(url: &url::Url) -> Result<(), String> {
        if url.path().trim_end_matches('/').ends_with("/v2/alerts") {
            Ok(())
        } else {
            Err("an opsgenie url is the Alert API's endpoint, \
                 https://api.opsgenie.com/v2/alerts (EU: https://api.eu.opsgenie.com/v2/alerts)"
                .into())
        }
    }
}

/// `<alerts url>/<alias>/close?identifierType=alias`, the alias percent-encoded as one path
/// segment.
pub fn close_url(alerts: &url::Url, alias: &str) -> Result<url::Url, DeliveryError> {
    let mut u = alerts.clone();
    u.path_segments_mut()
        .map_err(|_| DeliveryError::Permanent("the opsgenie url cannot take a path".into()))?
        .pop_if_empty()
        .push(alias)
        .push("close");
    u.set_query(Some("identifierType=alias"));
    Ok(u)
}

/// P1 for critical, P3 for a warning, P5 for a test.
pub fn priority(event: &AlertEvent) -> &'static str {
    match event.level {
        _ if event.test => "P5",
        Level::Critical => "P1",
        _ => "P3",
    }
}

/// The create-alert body.
pub fn create(event: &AlertEvent, loc: &Locale) -> Value {
    let mut tags = vec![
        "sturmglas".to_string(),
        event.kind.as_str().to_string(),
        event.level.as_str().to_string(),
    ];
    if event.test {
        tags.push("test".into());
    }
    let tags: Vec<String> = tags.into_iter().map(|t| clip(&t, 50)).collect();
    json!({
        "message": clip(&i18n::subject(event, loc), MAX_MESSAGE),
        "alias": clip(&thread_key(event), 512),
        "description": clip(&render::text(event, loc), MAX_DESCRIPTION),
        "priority": priority(event),
        "tags": tags,
        "details": details(event, loc),
        "entity": clip(&event.brand, 512),
        "source": "sturmglas",
    })
}

/// The close body: a note in the channel's language saying the storm is over.
pub fn close(event: &AlertEvent, loc: &Locale) -> Value {
    let note = format!(
        "{} {}",
        i18n::subject(event, loc),
        render::summary(event, loc)
    );
    json!({
        "source": "sturmglas",
        "note": clip(&note, 25_000),
    })
}

/// The facts, the drivers, the sources and the links as Opsgenie's string map, cut so the
/// whole stays under its 8 000 characters.
fn details(event: &AlertEvent, loc: &Locale) -> Value {
    let mut rows: Vec<(String, String)> = render::facts(event, loc);
    if let Some(d) = render::drivers_short(event, loc) {
        rows.push((i18n::pick(loc, "Drivers", "Treiber").into(), d));
    }
    if let Some(s) = render::sources_line(event, loc) {
        rows.push((i18n::pick(loc, "Sources", "Quellen").into(), s));
    }
    if let Some(l) = &event.brief.links {
        if let Some(d) = l.dashboard.as_deref().and_then(render::safe_url) {
            rows.push((i18n::pick(loc, "Dashboard", "Übersicht").into(), d.into()));
        }
    }
    if let Some(a) = render::ack_url(event, loc) {
        rows.push((i18n::pick(loc, "Acknowledge", "Quittieren").into(), a));
    }
    rows.push(("sturmglas_alert_id".into(), event.id.clone()));
    let mut map = Map::new();
    let mut used = 0;
    for (k, v) in rows {
        let k = clip(&k, 100);
        let v = clip(&v, 1000);
        used += k.chars().count() + v.chars().count();
        if used > MAX_DETAILS {
            break;
        }
        map.insert(k, json!(v));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::notify::{Language, ReceiverKeys};
    use crate::config::Secret;
    use crate::notify::chat::fixtures::{event, L};

    fn target<'a>(loc: &'a Locale, url: &'a url::Url, keys: &'a ReceiverKeys) -> Target<'a> {
        Target { loc, url, keys }
    }

    #[test]
    fn a_firing_notice_creates_an_alert_aliased_by_the_thread() {
        let url: url::Url = "https://api.eu.opsgenie.com/v2/alerts".parse().unwrap();
        let keys = ReceiverKeys {
            api_key: Some(Secret::new("g-key")),
            ..Default::default()
        };
        let mut e = event();
        e.brand = "Nordwind Energie ".repeat(20);
        let r = Opsgenie::request(&e, &target(&L, &url, &keys)).unwrap();
        assert_eq!(r.url, url);
        assert_eq!(
            r.headers,
            vec![("Authorization", "GenieKey g-key".to_string())]
        );
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert!(v["message"].as_str().unwrap().chars().count() <= MAX_MESSAGE);
        assert!(v["message"].as_str().unwrap().starts_with("[sturmglas] CRITICAL"));
        assert_eq!(v["alias"], thread_key(&e));
        assert_eq!(v["priority"], "P1");
        assert_eq!(v["source"], "sturmglas");
        assert!(v["tags"].as_array().unwrap().contains(&json!("storm")));
        assert!(v["details"].as_object().unwrap().values().all(|x| x.is_string()));
        assert!(v["description"].as_str().unwrap().contains("look *here*"));
    }

    #[test]
    fn the_all_clear_closes_by_alias_in_german() {
        let url: url::Url = "https://api.opsgenie.com/v2/alerts".parse().unwrap();
        let keys = ReceiverKeys {
            api_key: Some(Secret::new("g")),
            ..Default::default()
        };
        let de = Locale {
            language: Language::De,
            ..L
        };
        let mut e = event();
        let alias = thread_key(&e);
        e.status = Status::Resolved;
        let r = Opsgenie::request(&e, &target(&de, &url, &keys)).unwrap();
        assert_eq!(r.url.query(), Some("identifierType=alias"));
        let segs: Vec<String> = r
            .url
            .path_segments()
            .unwrap()
            .map(percent_decode)
            .collect();
        assert_eq!(segs, vec!["v2", "alerts", alias.as_str(), "close"]);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert!(v["note"].as_str().unwrap().contains("ENTWARNUNG"), "{v}");
        assert!(Opsgenie::check_url(&"https://api.opsgenie.com/v1/x".parse().unwrap()).is_err());
        assert!(Opsgenie::check_url(&url).is_ok());
    }

    fn percent_decode(s: &str) -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }
}
