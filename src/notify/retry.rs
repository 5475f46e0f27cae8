//! When to try a failed delivery again, and when to give up.
//!
//! Invariant: waits grow ×3 per failure from `initial_backoff` (5s, 15s, 45s, 2m15s, …) up to
//! `max_backoff`, each with ±20% jitter so that channels recovering together are not hit by a
//! thundering herd; a receiver's `Retry-After` is honoured instead when it is given. A
//! delivery is given up once `max_attempts` attempts failed or `give_up_after` has passed
//! since the alert was queued — never silently: the caller marks it failed and logs it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::config::notify::RetryPolicy;

/// What to do after a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    RetryAt(DateTime<Utc>),
    GiveUp,
}

/// The wait before attempt `failures + 1`, without jitter.
pub fn backoff(policy: &RetryPolicy, failures: u32) -> Duration {
    let exp = failures.saturating_sub(1).min(30);
    let factor = 3u64.saturating_pow(exp);
    let nanos = (policy.initial_backoff.as_nanos() as u64).saturating_mul(factor);
    Duration::from_nanos(nanos).min(policy.max_backoff)
}

/// Decides after the `failures`-th failed attempt of a delivery queued at `queued_at`.
/// `jitter` is a factor in [0.8, 1.2] ([`random_jitter`]), given so tests can fix it.
pub fn next(
    policy: &RetryPolicy,
    failures: u32,
    queued_at: DateTime<Utc>,
    now: DateTime<Utc>,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Next {
    if failures >= policy.max_attempts {
        return Next::GiveUp;
    }
    let wait = match retry_after {
        Some(w) => w,
        None => backoff(policy, failures).mul_f64(jitter.clamp(0.5, 1.5)),
    };
    let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX / 2);
    let deadline = queued_at
        + chrono::Duration::from_std(policy.give_up_after).unwrap_or(chrono::Duration::MAX / 2);
    if at > deadline {
        Next::GiveUp
    } else {
        Next::RetryAt(at)
    }
}

pub fn random_jitter() -> f64 {
    rand::thread_rng().gen_range(0.8..=1.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn backoff_triples_up_to_the_cap() {
        let p = RetryPolicy::default();
        let secs: Vec<u64> = (1..=8).map(|n| backoff(&p, n).as_secs()).collect();
        assert_eq!(secs, vec![5, 15, 45, 135, 405, 1215, 1800, 1800]);
        assert_eq!(backoff(&p, 1000), p.max_backoff);
    }

    #[test]
    fn jitter_stays_near_the_backoff() {
        let p = RetryPolicy::default();
        let now = t("2026-03-07T12:00:00Z");
        for _ in 0..100 {
            let Next::RetryAt(at) = next(&p, 2, now, now, None, random_jitter()) else {
                panic!("gave up too early");
            };
            let wait = (at - now).num_milliseconds();
            assert!((12_000..=18_000).contains(&wait), "{wait}");
        }
    }

    #[test]
    fn gives_up_after_max_attempts_or_the_deadline() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let q = t("2026-03-07T12:00:00Z");
        assert!(matches!(next(&p, 2, q, q, None, 1.0), Next::RetryAt(_)));
        assert_eq!(next(&p, 3, q, q, None, 1.0), Next::GiveUp);
        let p = RetryPolicy::default();
        let late = t("2026-03-08T11:50:00Z");
        assert_eq!(next(&p, 40, q, late, None, 1.0), Next::GiveUp);
        assert!(matches!(
            next(&p, 40, q, t("2026-03-08T11:00:00Z"), None, 1.0),
            Next::RetryAt(_)
        ));
    }

    #[test]
    fn retry_after_wins_over_backoff() {
        let p = RetryPolicy::default();
        let q = t("2026-03-07T12:00:00Z");
        assert_eq!(
            next(&p, 1, q, q, Some(Duration::from_secs(120)), 1.0),
            Next::RetryAt(t("2026-03-07T12:02:00Z"))
        );
    }
}
