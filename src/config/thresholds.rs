//! Detection thresholds: built-in defaults, overlaid by `[defaults.thresholds]`, overlaid by each
//! brand's `[brands.thresholds]`.
//!
//! Every key is optional at every level, so a config that names only brands runs on defaults
//! that catch a real storm and stay quiet on calm days. Every value is range-checked here, with
//! the line and column of the offending value, so the detector can rely on sane numbers.

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, HumanDuration};

/// The longest short window: the detector keeps six hours of minute buckets.
pub const MAX_WINDOW: Duration = Duration::from_secs(6 * 3600);
/// The longest long window: the detector keeps a week of hour buckets.
pub const MAX_LONG_WINDOW: Duration = Duration::from_secs(7 * 86_400);

/// Thresholds as written in one table; unset keys inherit from the level above.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsRaw {
    /// The short window in which a surge is counted (fast storms).
    pub window: Option<Spanned<HumanDuration>>,
    /// The floor: fewer mentions than this in the window never alert.
    pub min_mentions: Option<Spanned<u64>>,
    /// How many times the expected count the window must hold.
    pub velocity_factor: Option<Spanned<f64>>,
    /// The share of negative mentions below which a surge is never a storm.
    pub negative_share: Option<Spanned<f64>>,
    /// The long window in which slow burns (negativity building over hours) are counted.
    pub long_window: Option<Spanned<HumanDuration>>,
    /// How long a fresh brand learns before surges that are not negative are reported.
    pub warmup: Option<Spanned<HumanDuration>>,
    /// An alert holds while the numbers stay above this fraction of the firing thresholds.
    pub hysteresis: Option<Spanned<f64>>,
    /// How long a surge must last before it alerts (overwhelming surges alert at once).
    pub min_duration: Option<Spanned<HumanDuration>>,
    /// After an alert resolves, how long a new surge that is no worse is not announced.
    pub cooldown: Option<Spanned<HumanDuration>>,
    /// How often an ongoing alert is announced again.
    pub repeat_interval: Option<Spanned<HumanDuration>>,
    /// The IANA time zone whose hours and weekdays the seasonal baseline follows.
    pub timezone: Option<Spanned<String>>,
    /// A single negative post from an author with at least this reach raises a `reach` alert.
    pub reach_alert: Option<Spanned<u64>>,
}

/// The resolved thresholds of one brand.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub window: Duration,
    pub min_mentions: u64,
    pub velocity_factor: f64,
    pub negative_share: f64,
    pub long_window: Duration,
    pub warmup: Duration,
    pub hysteresis: f64,
    pub min_duration: Duration,
    pub cooldown: Duration,
    pub repeat_interval: Duration,
    pub timezone: chrono_tz::Tz,
    /// `None`: reach alerts are off.
    pub reach_alert: Option<u64>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            window: Duration::from_secs(15 * 60),
            min_mentions: 20,
            velocity_factor: 3.0,
            negative_share: 0.4,
            long_window: Duration::from_secs(6 * 3600),
            warmup: Duration::from_secs(3600),
            hysteresis: 0.5,
            min_duration: Duration::from_secs(600),
            cooldown: Duration::from_secs(6 * 3600),
            repeat_interval: Duration::from_secs(4 * 3600),
            timezone: chrono_tz::Tz::UTC,
            reach_alert: None,
        }
    }
}

fn duration(
    ctx: &mut Ctx<'_>,
    v: &Option<Spanned<HumanDuration>>,
    key: &str,
    min: Duration,
    max: Duration,
    into: &mut Duration,
) {
    if let Some(v) = v {
        let d = v.get_ref().0;
        if d < min || d > max {
            ctx.error(
                v.span(),
                format!(
                    "{key} must be between {} and {}",
                    crate::duration::format(min),
                    crate::duration::format(max)
                ),
            );
        } else {
            *into = d;
        }
    }
}

fn fraction(ctx: &mut Ctx<'_>, v: &Option<Spanned<f64>>, key: &str, into: &mut f64) {
    if let Some(v) = v {
        let f = *v.get_ref();
        if !(f.is_finite() && (0.0..=1.0).contains(&f)) {
            ctx.error(v.span(), format!("{key} must be between 0.0 and 1.0"));
        } else {
            *into = f;
        }
    }
}

impl Thresholds {
    /// These thresholds with the keys set in `raw` replaced, range-checked.
    pub fn overlay(&self, raw: &ThresholdsRaw, ctx: &mut Ctx<'_>) -> Thresholds {
        let mut t = self.clone();
        let minute = Duration::from_secs(60);
        duration(
            ctx,
            &raw.window,
            "window",
            minute,
            MAX_WINDOW,
            &mut t.window,
        );
        if let Some(v) = &raw.min_mentions {
            if *v.get_ref() == 0 {
                ctx.error(v.span(), "min_mentions must be at least 1");
            } else {
                t.min_mentions = *v.get_ref();
            }
        }
        if let Some(v) = &raw.velocity_factor {
            let f = *v.get_ref();
            if !(f.is_finite() && (1.0..=1000.0).contains(&f)) {
                ctx.error(
                    v.span(),
                    "velocity_factor must be a number from 1.0 to 1000",
                );
            } else {
                t.velocity_factor = f;
            }
        }
        fraction(
            ctx,
            &raw.negative_share,
            "negative_share",
            &mut t.negative_share,
        );
        let hour = Duration::from_secs(3600);
        duration(
            ctx,
            &raw.long_window,
            "long_window",
            hour,
            MAX_LONG_WINDOW,
            &mut t.long_window,
        );
        if t.long_window <= t.window {
            if let Some(v) = raw.long_window.as_ref() {
                ctx.error(v.span(), "long_window must be longer than window");
            } else if let Some(v) = raw.window.as_ref() {
                ctx.error(v.span(), "window must be shorter than long_window");
            }
        }
        let week = Duration::from_secs(7 * 86_400);
        duration(
            ctx,
            &raw.warmup,
            "warmup",
            Duration::ZERO,
            week,
            &mut t.warmup,
        );
        if let Some(v) = &raw.hysteresis {
            let f = *v.get_ref();
            if !(f.is_finite() && f > 0.0 && f <= 1.0) {
                ctx.error(v.span(), "hysteresis must be above 0.0 and at most 1.0");
            } else {
                t.hysteresis = f;
            }
        }
        let day = Duration::from_secs(86_400);
        duration(
            ctx,
            &raw.min_duration,
            "min_duration",
            Duration::ZERO,
            day,
            &mut t.min_duration,
        );
        duration(
            ctx,
            &raw.cooldown,
            "cooldown",
            Duration::ZERO,
            week,
            &mut t.cooldown,
        );
        duration(
            ctx,
            &raw.repeat_interval,
            "repeat_interval",
            Duration::from_secs(300),
            Duration::from_secs(365 * 86_400),
            &mut t.repeat_interval,
        );
        if let Some(v) = &raw.timezone {
            match v.get_ref().parse::<chrono_tz::Tz>() {
                Ok(tz) => t.timezone = tz,
                Err(_) => ctx.error(
                    v.span(),
                    format!(
                        "timezone must be an IANA time zone such as \"Europe/Berlin\", not {:?}",
                        v.get_ref()
                    ),
                ),
            }
        }
        if let Some(v) = &raw.reach_alert {
            if *v.get_ref() == 0 {
                ctx.error(
                    v.span(),
                    "reach_alert must be at least 1 (leave it out for off)",
                );
            } else {
                t.reach_alert = Some(*v.get_ref());
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        thresholds: ThresholdsRaw,
    }

    fn overlay(src: &str) -> Result<Thresholds, Vec<String>> {
        let doc: Doc = toml::from_str(src).map_err(|e| vec![e.to_string()])?;
        let mut ctx = Ctx::new(src, Path::new("t.toml"));
        let t = Thresholds::default().overlay(&doc.thresholds, &mut ctx);
        let errors = ctx.finish();
        if errors.is_empty() {
            Ok(t)
        } else {
            Err(errors.iter().map(|e| e.to_string()).collect())
        }
    }

    #[test]
    fn new_keys_override_the_defaults() {
        let t = overlay(
            "[thresholds]\nwindow = \"5m\"\nlong_window = \"1d\"\nwarmup = \"1s\"\nhysteresis = 0.7\n\
             min_duration = \"1s\"\ncooldown = \"1h\"\nrepeat_interval = \"2h\"\n",
        )
        .unwrap();
        assert_eq!(t.window, Duration::from_secs(300));
        assert_eq!(t.long_window, Duration::from_secs(86_400));
        assert_eq!(t.warmup, Duration::from_secs(1));
        assert_eq!(t.hysteresis, 0.7);
        assert_eq!(t.min_duration, Duration::from_secs(1));
        assert_eq!(t.cooldown, Duration::from_secs(3600));
        assert_eq!(t.repeat_interval, Duration::from_secs(7200));
        assert_eq!(t.min_mentions, 20);
        assert_eq!((t.timezone, t.reach_alert), (chrono_tz::Tz::UTC, None));
    }

    #[test]
    fn timezone_and_reach_alert() {
        let t =
            overlay("[thresholds]\ntimezone = \"Europe/Berlin\"\nreach_alert = 100000\n").unwrap();
        assert_eq!(t.timezone, chrono_tz::Tz::Europe__Berlin);
        assert_eq!(t.reach_alert, Some(100_000));
        let e = overlay("[thresholds]\ntimezone = \"Europe/Bonn\"\nreach_alert = 0\n").unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with("t.toml:2:12: timezone must be an IANA"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("t.toml:3:15: reach_alert must be at least 1"),
            "{e:?}"
        );
    }

    #[test]
    fn bad_values_are_reported_with_line_and_column() {
        let e = overlay("[thresholds]\nwindow = \"7h\"\nhysteresis = 0.0\nnegative_share = 2.0\n")
            .unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with("t.toml:2:10: window must be between"),
            "{e:?}"
        );
        assert!(
            e.iter().any(|m| m.starts_with("t.toml:3:14: hysteresis")),
            "{e:?}"
        );
        let e = overlay("[thresholds]\nwindow = \"2h\"\nlong_window = \"1h\"\n").unwrap_err();
        assert!(
            e[0].starts_with("t.toml:3:15: long_window must be longer"),
            "{e:?}"
        );
    }
}
