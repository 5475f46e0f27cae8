//! Detection thresholds: built-in defaults, overlaid by `[defaults.thresholds]`, overlaid by each
//! brand's `[brands.thresholds]`.
//!
//! Every key is optional at every level, so a config that names only brands runs on defaults
//! that catch a real storm and stay quiet on calm days.

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, HumanDuration};

/// Thresholds as written in one table; unset keys inherit from the level above.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsRaw {
    /// The short window in which a surge is counted.
    pub window: Option<HumanDuration>,
    /// The floor: fewer mentions than this in the window never alert.
    pub min_mentions: Option<Spanned<u64>>,
    /// How many times the expected count the window must hold.
    pub velocity_factor: Option<Spanned<f64>>,
    /// The share of negative mentions above which a surge is a storm.
    pub negative_share: Option<Spanned<f64>>,
}

/// The resolved thresholds of one brand.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub window: Duration,
    pub min_mentions: u64,
    pub velocity_factor: f64,
    pub negative_share: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            window: Duration::from_secs(15 * 60),
            min_mentions: 20,
            velocity_factor: 3.0,
            negative_share: 0.4,
        }
    }
}

impl Thresholds {
    /// These thresholds with the keys set in `raw` replaced, range-checked.
    pub fn overlay(&self, raw: &ThresholdsRaw, ctx: &mut Ctx<'_>) -> Thresholds {
        let mut t = self.clone();
        if let Some(w) = raw.window {
            t.window = w.0;
        }
        if let Some(v) = &raw.min_mentions {
            if *v.get_ref() == 0 {
                ctx.error(v.span(), "min_mentions must be at least 1");
            } else {
                t.min_mentions = *v.get_ref();
            }
        }
        if let Some(v) = &raw.velocity_factor {
            let f = *v.get_ref();
            if !(f.is_finite() && f >= 1.0) {
                ctx.error(v.span(), "velocity_factor must be a number of at least 1.0");
            } else {
                t.velocity_factor = f;
            }
        }
        if let Some(v) = &raw.negative_share {
            let f = *v.get_ref();
            if !(f.is_finite() && (0.0..=1.0).contains(&f)) {
                ctx.error(v.span(), "negative_share must be between 0.0 and 1.0");
            } else {
                t.negative_share = f;
            }
        }
        t
    }
}
