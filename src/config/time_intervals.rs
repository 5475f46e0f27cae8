//! `[[time_intervals]]` and the routing keys of every channel that use them: `kinds`,
//! `mute_time_intervals`, `active_time_intervals` and `escalate_after`.
//!
//! Invariant: an interval is matched on the wall clock of its own IANA time zone, computed
//! afresh from each UTC instant, so a DST change moves it with the local clock (a 22:00–07:00
//! night ends at 07:00 local time on the day clocks jump, however long that night is). A range
//! whose end is not after its start runs overnight and belongs to the weekday it starts on.
//! Every error is located (PATH:LINE:COL): a bad time, weekday or zone, a duplicate name, and
//! a channel naming an interval that does not exist.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, HumanDuration};
use crate::alert::Kind;
use crate::level::Level;

/// One `[[time_intervals]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeIntervalRaw {
    pub name: Spanned<String>,
    /// IANA name; default UTC.
    pub timezone: Option<Spanned<String>>,
    /// Times of day; default the whole day.
    pub times: Option<Vec<TimeRangeRaw>>,
    /// `"monday"`, or ranges `"monday:friday"`; default every day.
    pub weekdays: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeRangeRaw {
    pub start: Spanned<String>,
    pub end: Spanned<String>,
}

/// A part of the day in seconds after local midnight: `start` inclusive, `end` exclusive
/// (up to 86 400 for "24:00"). `end <= start` runs over midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: u32,
    pub end: u32,
}

impl TimeRange {
    /// From `"HH:MM"` times (the config file's precision).
    pub fn hm(start: (u32, u32), end: (u32, u32)) -> Self {
        TimeRange {
            start: start.0 * 3600 + start.1 * 60,
            end: end.0 * 3600 + end.1 * 60,
        }
    }

    fn overnight(&self) -> bool {
        self.end <= self.start
    }
}

/// A validated, named time interval.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeInterval {
    pub name: String,
    pub timezone: chrono_tz::Tz,
    /// Empty: the whole day.
    pub times: Vec<TimeRange>,
    /// Monday first; all `true` when `weekdays` is not set.
    pub weekdays: [bool; 7],
}

impl TimeInterval {
    /// Whether the instant `at` falls inside this interval on its zone's wall clock.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.timezone);
        let secs = local.num_seconds_from_midnight();
        let today = local.weekday().num_days_from_monday() as usize;
        let yesterday = (today + 6) % 7;
        if self.times.is_empty() {
            return self.weekdays[today];
        }
        self.times.iter().any(|r| {
            if r.overnight() {
                (secs >= r.start && self.weekdays[today])
                    || (secs < r.end && self.weekdays[yesterday])
            } else {
                secs >= r.start && secs < r.end && self.weekdays[today]
            }
        })
    }
}

/// What a channel does with a notice beyond its brand and level filter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Routing {
    /// `None`: every kind.
    pub kinds: Option<Vec<Kind>>,
    pub mute: Vec<TimeInterval>,
    /// Empty: always active.
    pub active: Vec<TimeInterval>,
    /// The channel gets a firing critical alert only when its thread is still
    /// unacknowledged this long after it first fired.
    pub escalate_after: Option<Duration>,
}

impl Routing {
    pub fn wants_kind(&self, kind: Kind) -> bool {
        self.kinds.as_ref().is_none_or(|ks| ks.contains(&kind))
    }

    /// Whether a notice at `level` must wait at `at`: inside a mute interval or outside every
    /// active one. Critical always goes.
    pub fn holds(&self, level: Level, at: DateTime<Utc>) -> bool {
        level < Level::Critical
            && (self.mute.iter().any(|i| i.contains(at))
                || (!self.active.is_empty() && !self.active.iter().any(|i| i.contains(at))))
    }
}

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// `"HH:MM"` → seconds after midnight; `"24:00"` only where `end` is allowed.
fn parse_time(s: &str, end: bool) -> Result<u32, String> {
    let bad = || format!("invalid time {s:?}: write HH:MM, 00:00 to 23:59 (or 24:00 as an end)");
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if m > 59 || h > 24 || (h == 24 && (m != 0 || !end)) {
        return Err(bad());
    }
    Ok(h * 3600 + m * 60)
}

fn weekday(s: &str) -> Option<usize> {
    WEEKDAYS.iter().position(|d| *d == s.trim().to_lowercase())
}

/// `"monday"` or `"friday:monday"` (a range may wrap over the week's end).
fn parse_weekdays(s: &str, days: &mut [bool; 7]) -> Result<(), String> {
    let bad = |d: &str| {
        format!(
            "unknown weekday {d:?} (one of {}, or a range such as \"monday:friday\")",
            WEEKDAYS.join(", ")
        )
    };
    let (from, to) = s.split_once(':').unwrap_or((s, s));
    let a = weekday(from).ok_or_else(|| bad(from))?;
    let b = weekday(to).ok_or_else(|| bad(to))?;
    let mut d = a;
    loop {
        days[d] = true;
        if d == b {
            return Ok(());
        }
        d = (d + 1) % 7;
    }
}

/// Validates every `[[time_intervals]]` table; an invalid one is reported and left out.
pub fn validate(raw: &[TimeIntervalRaw], ctx: &mut Ctx<'_>) -> Vec<TimeInterval> {
    let mut out: Vec<TimeInterval> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for t in raw {
        let name = t.name.get_ref().trim().to_string();
        let mut ok = true;
        if name.is_empty() {
            ctx.error(t.name.span(), "time interval `name` is empty");
            ok = false;
        } else if seen.contains(&name) {
            ctx.error(
                t.name.span(),
                format!("duplicate time interval name {name:?}"),
            );
            ok = false;
        }
        seen.push(name.clone());
        let timezone = match &t.timezone {
            None => chrono_tz::UTC,
            Some(z) => match z.get_ref().trim().parse::<chrono_tz::Tz>() {
                Ok(z) => z,
                Err(_) => {
                    ctx.error(
                        z.span(),
                        format!(
                            "unknown time zone {:?} (an IANA name such as \"Europe/Berlin\" or \"UTC\")",
                            z.get_ref()
                        ),
                    );
                    ok = false;
                    chrono_tz::UTC
                }
            },
        };
        let mut times = Vec::new();
        for r in t.times.iter().flatten() {
            let start = parse_time(r.start.get_ref().trim(), false);
            let end = parse_time(r.end.get_ref().trim(), true);
            match (start, end) {
                (Ok(start), Ok(end)) if start == end => {
                    ctx.error(
                        r.end.span(),
                        "a time range needs an end different from its start (for the whole day, leave out `times`)",
                    );
                    ok = false;
                }
                (Ok(start), Ok(end)) => times.push(TimeRange { start, end }),
                (start, end) => {
                    if let Err(e) = start {
                        ctx.error(r.start.span(), e);
                    }
                    if let Err(e) = end {
                        ctx.error(r.end.span(), e);
                    }
                    ok = false;
                }
            }
        }
        let weekdays = match &t.weekdays {
            None => [true; 7],
            Some(list) => {
                let mut days = [false; 7];
                for d in list {
                    if let Err(e) = parse_weekdays(d.get_ref(), &mut days) {
                        ctx.error(d.span(), e);
                        ok = false;
                    }
                }
                if list.is_empty() {
                    ctx.error(
                        t.name.span(),
                        "`weekdays` is empty (leave it out for every day)",
                    );
                    ok = false;
                }
                days
            }
        };
        if ok {
            out.push(TimeInterval {
                name,
                timezone,
                times,
                weekdays,
            });
        }
    }
    out
}

/// A channel's routing keys as written.
pub struct RoutingKeys<'a> {
    pub kinds: Option<&'a [Spanned<String>]>,
    pub mute: Option<&'a [Spanned<String>]>,
    pub active: Option<&'a [Spanned<String>]>,
    pub escalate_after: Option<&'a Spanned<HumanDuration>>,
}

/// Resolves a channel's routing keys against the validated intervals. `known` holds every
/// interval name that was written (valid or not), so an invalid interval is reported once,
/// not again as unknown wherever a channel names it.
pub fn routing(
    keys: RoutingKeys<'_>,
    intervals: &[TimeInterval],
    known: &HashMap<String, ()>,
    ctx: &mut Ctx<'_>,
) -> Routing {
    let kinds = keys.kinds.map(|list| {
        let mut kinds = Vec::new();
        for k in list {
            match Kind::from_name(k.get_ref().trim()) {
                Some(kind) => kinds.push(kind),
                None => ctx.error(
                    k.span(),
                    format!(
                        "unknown alert kind {:?} (one of {})",
                        k.get_ref(),
                        Kind::ALL.map(|k| k.as_str()).join(", ")
                    ),
                ),
            }
        }
        kinds
    });
    let resolve = |names: Option<&[Spanned<String>]>, ctx: &mut Ctx<'_>| {
        let mut out = Vec::new();
        for n in names.into_iter().flatten() {
            let name = n.get_ref().trim();
            match intervals.iter().find(|i| i.name == name) {
                Some(i) => out.push(i.clone()),
                None if known.contains_key(name) => {}
                None => ctx.error(
                    n.span(),
                    format!("unknown time interval {name:?} (no [[time_intervals]] has that name)"),
                ),
            }
        }
        out
    };
    let mute = resolve(keys.mute, ctx);
    let active = resolve(keys.active, ctx);
    let escalate_after = keys.escalate_after.and_then(|d| {
        if d.get_ref().0.is_zero() {
            ctx.error(d.span(), "escalate_after must be longer than 0s");
            None
        } else {
            Some(d.get_ref().0)
        }
    });
    Routing {
        kinds,
        mute,
        active,
        escalate_after,
    }
}

/// Validates `[[time_intervals]]` and sets every channel's [`Routing`] from its keys.
pub fn apply(
    raw: &[TimeIntervalRaw],
    notify_raw: &super::notify::NotifyRaw,
    notify: &mut super::notify::NotifyConfig,
    ctx: &mut Ctx<'_>,
) {
    let intervals = validate(raw, ctx);
    let known: HashMap<String, ()> = raw
        .iter()
        .map(|t| (t.name.get_ref().trim().to_string(), ()))
        .collect();
    for e in &notify_raw.email {
        let r = routing(e.routing_keys(), &intervals, &known, ctx);
        let name = e.name.get_ref().trim();
        if let Some(c) = notify.email.iter_mut().find(|c| c.name == name) {
            c.filter.routing = r;
        }
    }
    for w in &notify_raw.webhook {
        let r = routing(w.routing_keys(), &intervals, &known, ctx);
        let name = w.name.get_ref().trim();
        if let Some(c) = notify.webhook.iter_mut().find(|c| c.name == name) {
            c.filter.routing = r;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn berlin(times: Vec<TimeRange>, weekdays: [bool; 7]) -> TimeInterval {
        TimeInterval {
            name: "nachts".into(),
            timezone: chrono_tz::Europe::Berlin,
            times,
            weekdays,
        }
    }

    #[test]
    fn an_overnight_range_follows_the_local_clock_across_spring_forward() {
        // 2026-03-29: Berlin jumps from 02:00 CET to 03:00 CEST.
        let night = berlin(vec![TimeRange::hm((22, 0), (7, 0))], [true; 7]);
        assert!(night.contains(utc("2026-03-28T21:00:00Z")), "22:00 CET");
        assert!(!night.contains(utc("2026-03-28T20:59:59Z")), "21:59 CET");
        assert!(night.contains(utc("2026-03-29T01:30:00Z")), "03:30 CEST");
        assert!(night.contains(utc("2026-03-29T04:59:59Z")), "06:59 CEST");
        // 05:30 UTC is 07:30 CEST: over, although it would be 06:30 on the winter clock.
        assert!(!night.contains(utc("2026-03-29T05:00:00Z")), "07:00 CEST");
        assert!(!night.contains(utc("2026-03-29T05:30:00Z")));
        // The hour that does not exist covers no instant.
        let gap = berlin(vec![TimeRange::hm((2, 0), (3, 0))], [true; 7]);
        let mut t = utc("2026-03-28T23:00:00Z");
        while t < utc("2026-03-29T03:00:00Z") {
            assert!(!gap.contains(t), "{t}");
            t += chrono::Duration::minutes(5);
        }
        assert!(
            gap.contains(utc("2026-03-30T00:30:00Z")),
            "02:30 CEST the day after"
        );
    }

    #[test]
    fn an_overnight_range_follows_the_local_clock_across_fall_back() {
        // 2026-10-25: Berlin goes back from 03:00 CEST to 02:00 CET.
        let night = berlin(vec![TimeRange::hm((22, 0), (7, 0))], [true; 7]);
        assert!(night.contains(utc("2026-10-24T20:00:00Z")), "22:00 CEST");
        assert!(!night.contains(utc("2026-10-24T19:59:00Z")));
        assert!(night.contains(utc("2026-10-25T05:59:59Z")), "06:59 CET");
        assert!(!night.contains(utc("2026-10-25T06:00:00Z")), "07:00 CET");
        // The hour that happens twice is inside both times: two hours of UTC.
        let twice = berlin(vec![TimeRange::hm((2, 0), (3, 0))], [true; 7]);
        assert!(!twice.contains(utc("2026-10-24T23:59:00Z")), "01:59 CEST");
        assert!(twice.contains(utc("2026-10-25T00:00:00Z")), "02:00 CEST");
        assert!(twice.contains(utc("2026-10-25T01:30:00Z")), "02:30 CET");
        assert!(!twice.contains(utc("2026-10-25T02:00:00Z")), "03:00 CET");
    }

    #[test]
    fn weekday_ranges_and_a_night_belongs_to_the_day_it_starts() {
        let mut days = [false; 7];
        parse_weekdays("monday:friday", &mut days).unwrap();
        assert_eq!(days, [true, true, true, true, true, false, false]);
        let mut wrap = [false; 7];
        parse_weekdays("friday:monday", &mut wrap).unwrap();
        assert_eq!(wrap, [true, false, false, false, true, true, true]);
        assert!(parse_weekdays("moonday", &mut wrap).is_err());
        // Weeknights: Monday to Friday evenings, till the next morning.
        let nights = berlin(vec![TimeRange::hm((22, 0), (7, 0))], days);
        // 2026-12-04 is a Friday: Friday night into Saturday morning is inside.
        assert!(nights.contains(utc("2026-12-04T22:30:00Z")), "Fri 23:30");
        assert!(nights.contains(utc("2026-12-05T05:00:00Z")), "Sat 06:00");
        // Saturday night and Sunday night's start are not; Sunday 23:00 is not, Monday 06:00 is
        // not (Sunday was not listed), Monday 23:00 is.
        assert!(!nights.contains(utc("2026-12-05T22:30:00Z")), "Sat 23:30");
        assert!(!nights.contains(utc("2026-12-07T05:00:00Z")), "Mon 06:00");
        assert!(nights.contains(utc("2026-12-07T22:00:00Z")), "Mon 23:00");
        // Office hours: weekdays 09:00-17:00 local.
        let office = berlin(vec![TimeRange::hm((9, 0), (17, 0))], days);
        assert!(
            office.contains(utc("2026-12-07T08:00:00Z")),
            "Mon 09:00 CET"
        );
        assert!(
            !office.contains(utc("2026-12-07T16:00:00Z")),
            "Mon 17:00 CET"
        );
        assert!(!office.contains(utc("2026-12-06T10:00:00Z")), "Sunday");
        // Weekdays without times: the whole day.
        let sunday = berlin(vec![], [false, false, false, false, false, false, true]);
        assert!(
            sunday.contains(utc("2026-12-05T23:30:00Z")),
            "Sun 00:30 CET"
        );
        assert!(
            !sunday.contains(utc("2026-12-06T23:30:00Z")),
            "Mon 00:30 CET"
        );
    }

    #[test]
    fn routing_holds_below_critical_in_mute_and_outside_active() {
        let night = berlin(vec![TimeRange::hm((22, 0), (7, 0))], [true; 7]);
        let office = berlin(vec![TimeRange::hm((9, 0), (17, 0))], [true; 7]);
        let at_night = utc("2026-12-07T23:00:00Z");
        let at_noon = utc("2026-12-07T11:00:00Z");
        let at_evening = utc("2026-12-07T18:00:00Z");
        let mute = Routing {
            mute: vec![night],
            ..Default::default()
        };
        assert!(mute.holds(Level::Warning, at_night));
        assert!(!mute.holds(Level::Critical, at_night));
        assert!(!mute.holds(Level::Warning, at_noon));
        let active = Routing {
            active: vec![office],
            ..Default::default()
        };
        assert!(!active.holds(Level::Warning, at_noon));
        assert!(active.holds(Level::Warning, at_evening));
        assert!(!active.holds(Level::Critical, at_evening));
        assert!(!Routing::default().holds(Level::Warning, at_night));
    }

    const BRANDS: &str = "[[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n";

    fn parse(extra: &str) -> Result<crate::config::Config, crate::config::ConfigErrors> {
        crate::config::parse(&format!("{BRANDS}{extra}"), Path::new("t.toml"))
    }

    const HOOK: &str = "[[notify.webhook]]\nname = \"h\"\nurl = \"http://127.0.0.1:1/x\"\n";

    #[test]
    fn channels_name_intervals_kinds_and_an_escalation() {
        let c = parse(&format!(
            "[[time_intervals]]\nname = \"nachts\"\ntimezone = \"Europe/Berlin\"\n\
             times = [{{ start = \"22:00\", end = \"07:00\" }}]\n\
             weekdays = [\"monday:friday\", \"sunday\"]\n\
             {HOOK}kinds = [\"storm\", \"source\"]\nmute_time_intervals = [\"nachts\"]\n\
             escalate_after = \"15m\"\n\
             [[notify.webhook]]\nname = \"all\"\nurl = \"http://127.0.0.1:1/y\"\n"
        ))
        .unwrap();
        let r = &c.notify.webhook[0].filter.routing;
        assert_eq!(r.kinds, Some(vec![Kind::Storm, Kind::Source]));
        assert!(!r.wants_kind(Kind::Buzz));
        assert_eq!(r.mute.len(), 1);
        assert_eq!(r.mute[0].times, vec![TimeRange::hm((22, 0), (7, 0))]);
        assert_eq!(
            r.mute[0].weekdays,
            [true, true, true, true, true, false, true]
        );
        assert_eq!(r.escalate_after, Some(Duration::from_secs(900)));
        assert_eq!(c.notify.webhook[1].filter.routing, Routing::default());
    }

    fn located(extra: &str) -> Vec<(usize, usize, String)> {
        let err = parse(extra).unwrap_err();
        err.0
            .iter()
            .map(|e| (e.line, e.col, e.message.clone()))
            .collect()
    }

    #[test]
    fn bad_intervals_and_references_are_located() {
        // Line 4 is the first line after BRANDS (3 lines).
        let errs = located(
            "[[time_intervals]]\nname = \"n\"\ntimezone = \"Mars/Base\"\n\
             times = [{ start = \"25:00\", end = \"7:00\" }]\nweekdays = [\"moonday\"]\n\
             [[time_intervals]]\nname = \"n\"\n",
        );
        let at: Vec<(usize, usize)> = errs.iter().map(|e| (e.0, e.1)).collect();
        assert_eq!(
            at,
            vec![(6, 12), (7, 20), (7, 35), (8, 13), (10, 8)],
            "{errs:?}"
        );
        assert!(errs[1].2.contains("invalid time \"25:00\""), "{errs:?}");
        assert!(errs[3].2.contains("moonday"), "{errs:?}");
        assert!(errs[4].2.contains("duplicate"), "{errs:?}");

        let errs = located(&format!(
            "{HOOK}kinds = [\"storm\", \"rain\"]\nmute_time_intervals = [\"nachts\"]\n"
        ));
        let at: Vec<(usize, usize)> = errs.iter().map(|e| (e.0, e.1)).collect();
        assert_eq!(at, vec![(7, 19), (8, 24)], "{errs:?}");
        assert!(
            errs[0].2.contains("unknown alert kind \"rain\""),
            "{errs:?}"
        );
        assert!(errs[1].2.contains("unknown time interval"), "{errs:?}");
        let errs = located(&format!("{HOOK}escalate_after = \"0s\"\n"));
        assert_eq!((errs[0].0, errs[0].1), (7, 18), "{errs:?}");

        // An unknown key inside a time range, and an empty range.
        let errs = located(
            "[[time_intervals]]\nname = \"n\"\ntimes = [{ start = \"22:00\", stop = \"07:00\" }]\n",
        );
        assert_eq!(errs[0].0, 6, "{errs:?}");
        let errs = located(
            "[[time_intervals]]\nname = \"n\"\ntimes = [{ start = \"22:00\", end = \"22:00\" }]\n",
        );
        assert_eq!((errs[0].0, errs[0].1), (6, 35), "{errs:?}");
        // An invalid interval is reported once, not again where a channel names it.
        let errs = located(&format!(
            "[[time_intervals]]\nname = \"n\"\nweekdays = [\"x\"]\n{HOOK}mute_time_intervals = [\"n\"]\n"
        ));
        assert_eq!(errs.len(), 1, "{errs:?}");
        // "24:00" ends a range but does not start one.
        assert!(parse(
            "[[time_intervals]]\nname = \"n\"\ntimes = [{ start = \"18:00\", end = \"24:00\" }]\n"
        )
        .is_ok());
        assert!(parse(
            "[[time_intervals]]\nname = \"n\"\ntimes = [{ start = \"24:00\", end = \"06:00\" }]\n"
        )
        .is_err());
    }
}
