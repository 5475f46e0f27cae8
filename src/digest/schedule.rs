//! When a daily digest is due: a channel's `digest_at` on a local date, in its time zone, as
//! an instant — correct on the days the clocks change.
//!
//! Invariant: each local date has exactly one digest instant, and the instants of
//! consecutive dates are strictly increasing, so the period of one date's digest (from the
//! previous date's instant to its own) neither overlaps nor leaves a gap with the next. A
//! time that does not exist on a date (inside a spring-forward gap) is moved to the end of the
//! gap; a time that exists twice (autumn) is taken the first time.

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant of `at` on the local `date` in `tz`.
pub fn slot(date: NaiveDate, at: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let local = date.and_time(at);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // Inside a gap: the first minute after it. Gaps last an hour or two, never a day.
            let mut l = local;
            for _ in 0..(24 * 60) {
                l += chrono::Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&l).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
            Utc.from_utc_datetime(&local)
        }
    }
}

/// The latest digest instant at or before `now`, and its local date.
pub fn latest(now: DateTime<Utc>, at: NaiveTime, tz: Tz) -> (NaiveDate, DateTime<Utc>) {
    let today = now.with_timezone(&tz).date_naive();
    let s = slot(today, at, tz);
    if s <= now {
        return (today, s);
    }
    let yesterday = today - Days::new(1);
    (yesterday, slot(yesterday, at, tz))
}

/// The first digest instant after `now`.
pub fn next_after(now: DateTime<Utc>, at: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let s = slot(today, at, tz);
    if s > now {
        s
    } else {
        slot(today + Days::new(1), at, tz)
    }
}

/// The period a date's digest covers: from the previous date's digest instant to its own
/// (24 hours; 23 or 25 when the clocks change in between).
pub fn period(date: NaiveDate, at: NaiveTime, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    (slot(date - Days::new(1), at, tz), slot(date, at, tz))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn eight_oclock_in_berlin_across_both_transitions() {
        // 2026: summer time starts on 29 March (02:00 → 03:00), ends on 25 October
        // (03:00 → 02:00).
        assert_eq!(
            slot(d(2026, 3, 28), hm(8, 0), Berlin),
            t("2026-03-28T07:00:00Z")
        );
        assert_eq!(
            slot(d(2026, 3, 29), hm(8, 0), Berlin),
            t("2026-03-29T06:00:00Z")
        );
        assert_eq!(
            slot(d(2026, 10, 24), hm(8, 0), Berlin),
            t("2026-10-24T06:00:00Z")
        );
        assert_eq!(
            slot(d(2026, 10, 25), hm(8, 0), Berlin),
            t("2026-10-25T07:00:00Z")
        );
        // The day of the change is 23 hours long in spring and 25 in autumn.
        let (from, to) = period(d(2026, 3, 29), hm(8, 0), Berlin);
        assert_eq!((to - from).num_hours(), 23);
        let (from, to) = period(d(2026, 10, 25), hm(8, 0), Berlin);
        assert_eq!((to - from).num_hours(), 25);
        let (from, to) = period(d(2026, 10, 26), hm(8, 0), Berlin);
        assert_eq!((to - from).num_hours(), 24);
    }

    #[test]
    fn a_time_in_the_gap_moves_to_its_end_and_a_doubled_time_is_taken_first() {
        // 02:30 does not exist on 29 March 2026 in Berlin: 03:00 CEST is 01:00 UTC.
        assert_eq!(
            slot(d(2026, 3, 29), hm(2, 30), Berlin),
            t("2026-03-29T01:00:00Z")
        );
        // 02:30 exists twice on 25 October 2026: first in summer time (00:30 UTC).
        assert_eq!(
            slot(d(2026, 10, 25), hm(2, 30), Berlin),
            t("2026-10-25T00:30:00Z")
        );
        // Consecutive days stay in order around both.
        for (a, b) in [(28, 29), (29, 30)] {
            assert!(
                slot(d(2026, 3, a), hm(2, 30), Berlin) < slot(d(2026, 3, b), hm(2, 30), Berlin)
            );
        }
        for (a, b) in [(24, 25), (25, 26)] {
            assert!(
                slot(d(2026, 10, a), hm(2, 30), Berlin) < slot(d(2026, 10, b), hm(2, 30), Berlin)
            );
        }
    }

    #[test]
    fn latest_and_next_around_the_digest_time() {
        let at = hm(8, 0);
        // 07:59 Berlin on the spring day: the latest is the day before's.
        assert_eq!(
            latest(t("2026-03-29T05:59:00Z"), at, Berlin),
            (d(2026, 3, 28), t("2026-03-28T07:00:00Z"))
        );
        assert_eq!(
            latest(t("2026-03-29T06:00:00Z"), at, Berlin),
            (d(2026, 3, 29), t("2026-03-29T06:00:00Z"))
        );
        assert_eq!(
            next_after(t("2026-03-29T05:59:00Z"), at, Berlin),
            t("2026-03-29T06:00:00Z")
        );
        assert_eq!(
            next_after(t("2026-03-29T06:00:00Z"), at, Berlin),
            t("2026-03-30T06:00:00Z")
        );
        // Autumn: 07:30 UTC is 08:30 CET, after the digest at 07:00 UTC.
        assert_eq!(
            latest(t("2026-10-25T07:30:00Z"), at, Berlin),
            (d(2026, 10, 25), t("2026-10-25T07:00:00Z"))
        );
        // Just after local midnight, a late digest time belongs to the day before.
        assert_eq!(
            latest(t("2026-12-01T23:30:00Z"), hm(23, 59), Berlin),
            (d(2026, 12, 1), t("2026-12-01T22:59:00Z"))
        );
    }
}
