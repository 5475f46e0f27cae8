//! The alert event of the contract, and the per-brand alert lifecycle that produces it.
//!
//! The JSON form of [`AlertEvent`] is public: webhooks receive it, `backtest --json` prints it,
//! `/api/v1/alerts` lists it. Fields may be added, never renamed or removed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How bad it is; defined in the leaf [`crate::level`] so config can name it.
pub use crate::level::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Firing,
    Resolved,
}

/// What kind of surge: negative (`storm`), not negative (`buzz`), or sentiment unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Storm,
    Buzz,
    Volume,
    /// Not about a brand: a source failed or stayed silent too long (then `brand` names the
    /// source), so that a dead feed does not look like a calm brand.
    Source,
    /// Not a surge: one negative post from an author whose reach is at least the brand's
    /// `reach_alert`; the event's `sample` holds that post.
    Reach,
}

impl Kind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [Kind; 5] = [
        Kind::Storm,
        Kind::Buzz,
        Kind::Volume,
        Kind::Source,
        Kind::Reach,
    ];

    /// The kind named `name` (as [`Kind::as_str`] spells it).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Storm => "storm",
            Kind::Buzz => "buzz",
            Kind::Volume => "volume",
            Kind::Source => "source",
            Kind::Reach => "reach",
        }
    }
}

// The sample post lives with the rest of the storm brief, which the event embeds.
pub use crate::brief::{SampleMention, SampleWord};

/// One notice in a storm's thread: it started (`firing`), it got worse (`firing`, higher level),
/// or it is over (`resolved`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    pub version: u32,
    pub id: String,
    pub brand: String,
    pub status: Status,
    pub level: Level,
    pub kind: Kind,
    pub observed_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub window_seconds: u64,
    pub mentions: u64,
    pub negative: u64,
    pub negative_share: f64,
    pub expected: f64,
    pub velocity_ratio: f64,
    pub reasons: Vec<String>,
    pub sample: Vec<SampleMention>,
    /// Set only on `test-alert` notices, so receivers can tell them from real ones.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test: bool,
    /// What the storm is about, where and who, its course and recap (`drivers`, `sources`,
    /// `new_author_share`, `first_posts`, `peak`, `links`, …).
    #[serde(flatten)]
    pub brief: crate::brief::StormBrief,
}

impl AlertEvent {
    /// The one place an event is put together: everything that is not a figure of the storm
    /// (the contract `version`, an empty brief, no sample, not a test) is set here, so a new
    /// field is added once. Counts start at zero and `started_at` at `observed_at`; the
    /// `with_*` methods below set the rest.
    pub fn new(
        id: impl Into<String>,
        brand: impl Into<String>,
        status: Status,
        level: Level,
        kind: Kind,
        observed_at: DateTime<Utc>,
    ) -> Self {
        AlertEvent {
            version: 1,
            id: id.into(),
            brand: brand.into(),
            status,
            level,
            kind,
            observed_at,
            started_at: observed_at,
            window_seconds: 0,
            mentions: 0,
            negative: 0,
            negative_share: 0.0,
            expected: 0.0,
            velocity_ratio: 0.0,
            reasons: Vec::new(),
            sample: Vec::new(),
            test: false,
            brief: Default::default(),
        }
    }

    /// When the storm began.
    pub fn with_started_at(mut self, started_at: DateTime<Utc>) -> Self {
        self.started_at = started_at;
        self
    }

    /// The window the counts were taken over.
    pub fn with_window_seconds(mut self, window_seconds: u64) -> Self {
        self.window_seconds = window_seconds;
        self
    }

    /// How many mentions the window held, how many of them negative, and that share.
    pub fn with_counts(mut self, mentions: u64, negative: u64, negative_share: f64) -> Self {
        self.mentions = mentions;
        self.negative = negative;
        self.negative_share = negative_share;
        self
    }

    /// The baseline the count was measured against, and the ratio to it.
    pub fn with_velocity(mut self, expected: f64, velocity_ratio: f64) -> Self {
        self.expected = expected;
        self.velocity_ratio = velocity_ratio;
        self
    }

    pub fn with_reasons(mut self, reasons: Vec<String>) -> Self {
        self.reasons = reasons;
        self
    }

    pub fn with_sample(mut self, sample: Vec<SampleMention>) -> Self {
        self.sample = sample;
        self
    }

    pub fn with_brief(mut self, brief: crate::brief::StormBrief) -> Self {
        self.brief = brief;
        self
    }

    /// Marks a `test-alert` notice.
    pub fn as_test(mut self) -> Self {
        self.test = true;
        self
    }

    /// The one-line headline used as email subject and chat title.
    pub fn headline(&self) -> String {
        let window = crate::duration::format(std::time::Duration::from_secs(self.window_seconds));
        let test = if self.test { "TEST " } else { "" };
        match self.status {
            Status::Firing if self.kind == Kind::Source => format!(
                "[sturmglas] {test}{} source down: {} — no data",
                self.level.as_str().to_uppercase(),
                self.brand
            ),
            Status::Firing if self.kind == Kind::Reach => {
                let post = self.sample.first();
                format!(
                    "[sturmglas] {test}{} reach: {} — a negative post by {} with a reach of {}",
                    self.level.as_str().to_uppercase(),
                    self.brand,
                    post.and_then(|p| p.author.as_deref())
                        .unwrap_or("an author"),
                    post.and_then(|p| p.reach).unwrap_or(0)
                )
            }
            Status::Firing => {
                let mut s = format!(
                    "[sturmglas] {test}{} {}: {} — {} mentions in {window}",
                    self.level.as_str().to_uppercase(),
                    self.kind.as_str(),
                    self.brand,
                    self.mentions
                );
                if self.kind != Kind::Volume {
                    s.push_str(&format!(", {:.0}% negative", self.negative_share * 100.0));
                }
                s
            }
            Status::Resolved => format!(
                "[sturmglas] {test}RESOLVED {}: {} — back to normal",
                self.kind.as_str(),
                self.brand
            ),
        }
    }
}

/// The critical storm the rendering tests start from: 61 mentions in 15 minutes at 13:58 UTC
/// on 7 March 2026, 82 % negative, 14.9 times the expected 4.1; reasons and samples are each
/// test's own.
#[cfg(test)]
pub(crate) fn storm_fixture(id: &str, brand: &str) -> AlertEvent {
    AlertEvent::new(
        id,
        brand,
        Status::Firing,
        Level::Critical,
        Kind::Storm,
        "2026-03-07T13:58:00Z".parse().unwrap(),
    )
    .with_started_at("2026-03-07T13:52:00Z".parse().unwrap())
    .with_window_seconds(900)
    .with_counts(61, 50, 0.82)
    .with_velocity(4.1, 14.9)
}

/// A plain storm warning for brand "B", for tests across the crate.
#[cfg(test)]
pub(crate) fn test_event(id: &str) -> AlertEvent {
    AlertEvent::new(
        id,
        "B",
        Status::Firing,
        Level::Warning,
        Kind::Storm,
        chrono::Utc::now(),
    )
    .with_window_seconds(900)
    .with_counts(30, 20, 0.66)
    .with_velocity(3.0, 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_event() -> AlertEvent {
        storm_fixture("a1", "Nordwind Energie")
            .with_reasons(vec!["61 mentions in 15m, 14.9x the expected 4.1".into()])
    }

    #[test]
    fn headline_matches_the_contract() {
        assert_eq!(
            sample_event().headline(),
            "[sturmglas] CRITICAL storm: Nordwind Energie — 61 mentions in 15m, 82% negative"
        );
    }

    #[test]
    fn json_has_the_contract_fields() {
        let v = serde_json::to_value(sample_event()).unwrap();
        for k in [
            "version",
            "id",
            "brand",
            "status",
            "level",
            "kind",
            "observed_at",
            "started_at",
            "window_seconds",
            "mentions",
            "negative",
            "negative_share",
            "expected",
            "velocity_ratio",
            "reasons",
            "sample",
        ] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        assert_eq!(v["status"], "firing");
        assert_eq!(v["observed_at"], "2026-03-07T13:58:00Z");
        assert!(v.get("test").is_none());
    }

    #[test]
    fn levels_order_for_filters() {
        assert!(Level::Critical > Level::Warning && Level::Warning > Level::Ok);
    }
}
