//! The daily digest as data: what one channel's morning message says about each brand over
//! one local day — its volume and negative share, the alerts it raised, and the notices that
//! were held back (silenced) or were buzz. This is what the outbox stores for a digest row and,
//! unchanged, the body a `format = "json"` webhook receives (`"type": "digest"`).
//!
//! Invariant: a digest is complete when it is queued: the renderers
//! ([`super::digest_render`]) and the delivery read nothing but this value, so a digest sent
//! after a restart or a retry says exactly what it said when it was queued. Its JSON is public
//! (as the alert event's): add fields, never rename or remove.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alert::{AlertEvent, Kind, Level, Status};

/// The `type` of a digest body, so a receiver of both can tell it from an alert event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestType {
    #[default]
    Digest,
}

/// One channel's digest of one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    #[serde(rename = "type")]
    pub kind: DigestType,
    pub version: u32,
    /// The channel it was made for (its name in the config).
    pub channel: String,
    /// The local date of the digest (the day it is sent on, in `timezone`).
    pub date: NaiveDate,
    /// The channel's `digest_at`, as `"HH:MM"`.
    pub at: String,
    /// The channel's IANA time zone.
    pub timezone: String,
    /// The period covered: from the previous day's digest time to this one's (24 hours, or
    /// 23 or 25 on the days the clocks change).
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// One entry per brand the channel covers, in config order.
    pub brands: Vec<BrandDigest>,
}

/// One brand's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrandDigest {
    pub brand: String,
    /// Matched mentions in the period.
    pub mentions: u64,
    pub negative: u64,
    /// `negative / mentions`, 0 without mentions.
    pub negative_share: f64,
    /// Alerts raised (firing notices of storms, volume surges and far-reaching posts) that
    /// were not held back.
    pub alerts: Vec<DigestNotice>,
    /// Notices held back by a silence (whatever their kind).
    pub held: Vec<DigestNotice>,
    /// Buzz notices (a surge that is not negative) that were not held back.
    pub buzz: Vec<DigestNotice>,
}

/// One notice as the digest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestNotice {
    pub id: String,
    pub kind: Kind,
    pub level: Level,
    pub status: Status,
    pub observed_at: DateTime<Utc>,
    pub mentions: u64,
    pub negative_share: f64,
    pub window_seconds: u64,
    /// The silence that held it back, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silenced_by: Option<String>,
}

impl DigestNotice {
    pub fn of(event: &AlertEvent) -> Self {
        DigestNotice {
            id: event.id.clone(),
            kind: event.kind,
            level: event.level,
            status: event.status,
            observed_at: event.observed_at,
            mentions: event.mentions,
            negative_share: event.negative_share,
            window_seconds: event.window_seconds,
            silenced_by: event.brief.silenced_by.clone(),
        }
    }
}

impl BrandDigest {
    /// A brand's day from its counts and the notices recorded for it in the period (any
    /// order): firing notices only, sorted by time, each in exactly one of the three lists.
    pub fn new(brand: &str, mentions: u64, negative: u64, notices: &[AlertEvent]) -> Self {
        let mut d = BrandDigest {
            brand: brand.to_string(),
            mentions,
            negative,
            negative_share: if mentions == 0 {
                0.0
            } else {
                negative as f64 / mentions as f64
            },
            alerts: Vec::new(),
            held: Vec::new(),
            buzz: Vec::new(),
        };
        let mut firing: Vec<&AlertEvent> = notices
            .iter()
            .filter(|e| e.brand == brand && e.status == Status::Firing && !e.test)
            .collect();
        firing.sort_by_key(|e| e.observed_at);
        for e in firing {
            let n = DigestNotice::of(e);
            if n.silenced_by.is_some() {
                d.held.push(n);
            } else if e.kind == Kind::Buzz {
                d.buzz.push(n);
            } else {
                d.alerts.push(n);
            }
        }
        d
    }

    /// Nothing happened that needs a line of its own.
    pub fn is_quiet(&self) -> bool {
        self.alerts.is_empty() && self.held.is_empty() && self.buzz.is_empty()
    }
}

impl Digest {
    /// The outbox's key of a digest row (its `alert_id` column): one per channel and date,
    /// which the outbox's `UNIQUE(alert_id, channel)` also holds to.
    pub fn outbox_id(date: NaiveDate) -> String {
        format!("{}{date}", Self::ID_PREFIX)
    }

    /// What every digest row's `alert_id` starts with; alert ids never do.
    pub const ID_PREFIX: &'static str = "digest:";

    /// `digest_at` as written in the config.
    pub fn at_text(at: NaiveTime) -> String {
        at.format("%H:%M").to_string()
    }

    /// An empty digest, to ask a format whether it carries digests at all.
    pub fn probe() -> Digest {
        Digest {
            kind: DigestType::Digest,
            version: 1,
            channel: String::new(),
            date: NaiveDate::default(),
            at: "00:00".into(),
            timezone: "UTC".into(),
            from: DateTime::default(),
            to: DateTime::default(),
            brands: Vec::new(),
        }
    }

    /// The id a receiver sees (`X-Sturmglas-Event`) and logs name.
    pub fn id(&self) -> String {
        Self::outbox_id(self.date)
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// A Berlin digest of 2 December 2026 with a storm, a held and a buzz notice for
    /// "Nordwind Energie" and a quiet second brand.
    pub fn digest() -> Digest {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let storm = crate::alert::storm_fixture("nw/1", "Nordwind Energie");
        let mut held = storm.clone();
        held.id = "nw/2".into();
        held.observed_at = t("2026-12-01T22:10:00Z");
        held.brief.silenced_by = Some("s-1".into());
        let mut buzz = storm.clone();
        buzz.id = "nw/3".into();
        buzz.kind = Kind::Buzz;
        buzz.level = Level::Warning;
        buzz.negative_share = 0.05;
        buzz.observed_at = t("2026-12-02T06:00:00Z");
        let mut storm = storm;
        storm.observed_at = t("2026-12-01T15:30:00Z");
        let mut resolved = storm.clone();
        resolved.id = "nw/4".into();
        resolved.status = Status::Resolved;
        Digest {
            kind: DigestType::Digest,
            version: 1,
            channel: "pr-team".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            at: "08:00".into(),
            timezone: "Europe/Berlin".into(),
            from: t("2026-12-01T07:00:00Z"),
            to: t("2026-12-02T07:00:00Z"),
            brands: vec![
                BrandDigest::new(
                    "Nordwind Energie",
                    1234,
                    617,
                    &[buzz, resolved, held, storm],
                ),
                BrandDigest::new("Stadtwerke Süd", 0, 0, &[]),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_firing_notice_lands_in_one_list_in_time_order() {
        let d = fixtures::digest();
        let nw = &d.brands[0];
        let ids = |l: &[DigestNotice]| l.iter().map(|n| n.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&nw.alerts),
            vec!["nw/1"],
            "resolved notices are not listed"
        );
        assert_eq!(ids(&nw.held), vec!["nw/2"]);
        assert_eq!(ids(&nw.buzz), vec!["nw/3"]);
        assert!((nw.negative_share - 0.5).abs() < 0.001);
        assert!(d.brands[1].is_quiet());
        assert_eq!(d.brands[1].negative_share, 0.0);
    }

    #[test]
    fn json_names_the_type_and_round_trips() {
        let d = fixtures::digest();
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["type"], "digest");
        assert_eq!(v["date"], "2026-12-02");
        assert_eq!(v["channel"], "pr-team");
        assert_eq!(v["brands"][0]["brand"], "Nordwind Energie");
        assert_eq!(v["brands"][0]["mentions"], 1234);
        assert_eq!(v["brands"][0]["held"][0]["silenced_by"], "s-1");
        assert_eq!(v["brands"][0]["buzz"][0]["kind"], "buzz");
        let back: Digest = serde_json::from_value(v).unwrap();
        assert_eq!(back, d);
        assert_eq!(d.id(), "digest:2026-12-02");
    }
}
