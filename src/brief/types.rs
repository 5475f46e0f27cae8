//! The storm brief's part of the alert event, and the sample post it shows: plain data with
//! its JSON form.
//!
//! Invariant: a leaf. It imports nothing of the crate but the driver vocabulary, so the alert
//! event can embed it without a cycle. Every field is optional in JSON, so events stored by an
//! older version still read.

use chrono::{DateTime, Utc};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::drivers::Driver;

/// A post shown with an alert: a sample post (chosen for its reach) or one of the first posts
/// of the surge (with `at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleMention {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<u64>,
    pub score: f64,
    /// How many near-identical posts (reposts, copy-paste, the same headline) this one stands
    /// for; 1 when it is unique.
    #[serde(default = "one")]
    pub copies: u32,
    /// When it was posted (set on `first_posts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// The words that moved the post's score most, strongest first: what
    /// `sturmglas sentiment --explain` shows, so a reader sees at a glance why the post
    /// counted as negative.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<SampleWord>,
}

fn one() -> u32 {
    1
}

/// One word of a sample post and what it added to the post's sentiment sum (VADER's scale,
/// negative words below zero), after negation, intensifiers and contrast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleWord {
    pub word: String,
    pub valence: f64,
}

/// The new fields of the alert event (flattened into it): all optional, so events stored by
/// older versions still read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StormBrief {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drivers: Vec<Driver>,
    #[serde(default, skip_serializing_if = "SourceCounts::is_empty")]
    pub sources: SourceCounts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_author_share: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_posts: Vec<crate::alert::SampleMention>,
    /// In resolved events: the largest window count of the storm, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak: Option<Peak>,
    /// In resolved events: all mentions of the storm, from its start to its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totals: Option<Totals>,
    /// The brand's usual share of negative posts, as the detector knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usual_negative_share: Option<f64>,
    /// How unlikely this window is on a usual day, as −log10 of the chance (one decimal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surprise: Option<f64>,
    /// The brand's last 24 hours, from which the chart is drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<Series>,
    /// Only when `server.public_url` is set; every link absolute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Links>,
    /// The silence that kept this notice from being sent (it is recorded all the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silenced_by: Option<String>,
    /// Who acknowledged the storm thread and when; filled in when alerts are listed, from the
    /// store's acknowledgements (an ack covers every notice of the thread, also earlier ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Peak {
    pub mentions: u64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub mentions: u64,
    pub negative: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Links {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack: Option<String>,
}

impl Links {
    /// The links of an event under `base` (`server.public_url`, without a trailing slash).
    pub fn new(base: &str, event_id: &str, brand: &str) -> Links {
        let base = base.trim_end_matches('/');
        let brand: String = url::form_urlencoded::byte_serialize(brand.as_bytes()).collect();
        Links {
            dashboard: Some(format!("{base}/brands/{}", brand.replace('+', "%20"))),
            chart: Some(format!("{base}/charts/{event_id}.png")),
            ack: None,
        }
    }
}

/// Counts per bucket of the brand's last 24 hours, oldest first, and what the baseline
/// expected in each; `dispersion` is the count model's overdispersion (variance = e + φe²),
/// from which the chart draws the usual band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub start: DateTime<Utc>,
    pub step_seconds: u64,
    pub mentions: Vec<u32>,
    pub negative: Vec<u32>,
    pub expected: Vec<f32>,
    pub dispersion: f64,
}

/// Mentions per source, largest first; a JSON object in that order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceCounts(pub Vec<(String, u64)>);

impl SourceCounts {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn total(&self) -> u64 {
        self.0.iter().map(|(_, n)| n).sum()
    }

    /// Sorted largest first, then by name.
    pub fn sorted(mut v: Vec<(String, u64)>) -> SourceCounts {
        v.retain(|(_, n)| *n > 0);
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        SourceCounts(v)
    }
}

impl Serialize for SourceCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for SourceCounts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SourceCounts;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of counts per source")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<SourceCounts, A::Error> {
                let mut v = Vec::new();
                while let Some((k, n)) = a.next_entry::<String, u64>()? {
                    v.push((k, n));
                }
                Ok(SourceCounts(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_keep_their_order_in_json() {
        let s = SourceCounts::sorted(vec![
            ("bluesky".into(), 17),
            ("reddit".into(), 21),
            ("x".into(), 0),
        ]);
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(j, r#"{"reddit":21,"bluesky":17}"#);
        let back: SourceCounts = serde_json::from_str(&j).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn links_are_absolute_and_encoded() {
        let l = Links::new("https://s.example/", "abc", "Nordwind Energie & Co");
        assert_eq!(l.chart.as_deref(), Some("https://s.example/charts/abc.png"));
        assert_eq!(
            l.dashboard.as_deref(),
            Some("https://s.example/brands/Nordwind%20Energie%20%26%20Co")
        );
    }
}
