//! Human durations (`"90s"`, `"15m"`, `"2h"`, `"1d"`, `"1h30m"`): parsing for config values,
//! formatting for headlines, reasons, emails and logs.
//!
//! A leaf: it imports nothing from the crate, so `config`, `detect`, `alert` and `notify` can
//! all use it without importing each other (`config::duration` re-exports it). Parsing happens
//! inside serde so that a bad duration is reported by the TOML parser with the line and column
//! of the value itself. Invariant: `format(parse(s))` gives back `s` for the canonical forms.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A positive duration written the way people write them in config files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub const fn secs(s: u64) -> Self {
        HumanDuration(Duration::from_secs(s))
    }
    pub fn as_secs(&self) -> u64 {
        self.0.as_secs()
    }
    pub fn duration(&self) -> Duration {
        self.0
    }
    pub fn chrono(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.0).unwrap_or(chrono::Duration::MAX)
    }
}

/// Parses `"15m"`-style strings; units ms, s, m, h, d, w, combinable (`"1h30m"`).
pub fn parse(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration; write e.g. \"90s\", \"15m\", \"2h\"".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "invalid duration {s:?}: expected a number before the unit, e.g. \"15m\""
            ));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("invalid duration {s:?}: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = rest[..unit_len].trim();
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" | "sec" => Duration::from_secs(n),
            "m" | "min" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "d" => Duration::from_secs(n.saturating_mul(86_400)),
            "w" => Duration::from_secs(n.saturating_mul(7 * 86_400)),
            "" => {
                return Err(format!(
                    "invalid duration {s:?}: missing unit (ms, s, m, h, d or w), e.g. \"{n}s\""
                ))
            }
            other => {
                return Err(format!(
                    "invalid duration {s:?}: unknown unit {other:?} (use ms, s, m, h, d or w)"
                ))
            }
        };
        total = total.saturating_add(part);
    }
    if total.is_zero() {
        return Err(format!("invalid duration {s:?}: must be greater than zero"));
    }
    Ok(total)
}

/// Formats a duration the short way it would be written in the config (`900s` → `15m`).
pub fn format(d: Duration) -> String {
    let s = d.as_secs();
    if s == 0 {
        return format!("{}ms", d.as_millis());
    }
    for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if s % len == 0 {
            return format!("{}{unit}", s / len);
        }
    }
    format!("{s}s")
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format(self.0))
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s)
            .map(HumanDuration)
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse("1d").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
    }

    #[test]
    fn rejects_bad_durations_with_a_hint() {
        assert!(parse("15").unwrap_err().contains("missing unit"));
        assert!(parse("m").unwrap_err().contains("number"));
        assert!(parse("3y").unwrap_err().contains("unknown unit"));
        assert!(parse("0s").unwrap_err().contains("greater than zero"));
        assert!(parse("").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for s in ["15m", "2h", "90s", "1d"] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
    }
}
