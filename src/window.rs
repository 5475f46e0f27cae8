//! Per-brand bucketed counts of mentions and negative mentions: a ring of one-minute buckets.
//!
//! Invariant: memory per brand is constant; old buckets are overwritten, never grown.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Counts in one bucket. `scored` counts mentions whose sentiment is known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub mentions: u32,
    pub negative: u32,
    pub scored: u32,
}

/// A ring of minute buckets ending at the newest minute seen.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MinuteRing {
    buckets: Vec<Bucket>,
    /// The minute (unix minutes) of the newest bucket.
    head: i64,
}

impl MinuteRing {
    pub fn new(minutes: usize, now: DateTime<Utc>) -> Self {
        MinuteRing {
            buckets: vec![Bucket::default(); minutes.max(1)],
            head: now.timestamp().div_euclid(60),
        }
    }

    fn advance(&mut self, minute: i64) {
        if minute <= self.head {
            return;
        }
        let n = self.buckets.len() as i64;
        let steps = (minute - self.head).min(n);
        for i in 1..=steps {
            let idx = (self.head + i).rem_euclid(n) as usize;
            self.buckets[idx] = Bucket::default();
        }
        self.head = minute;
    }

    /// Adds a mention at `at`; mentions older than the ring are dropped.
    pub fn record(&mut self, at: DateTime<Utc>, negative: Option<bool>) {
        let minute = at.timestamp().div_euclid(60);
        self.advance(minute);
        let n = self.buckets.len() as i64;
        if minute <= self.head - n {
            return;
        }
        let b = &mut self.buckets[minute.rem_euclid(n) as usize];
        b.mentions += 1;
        if let Some(neg) = negative {
            b.scored += 1;
            if neg {
                b.negative += 1;
            }
        }
    }

    /// Sums the last `minutes` buckets up to and including `now`'s minute.
    pub fn sum(&mut self, now: DateTime<Utc>, minutes: usize) -> Bucket {
        self.advance(now.timestamp().div_euclid(60));
        let n = self.buckets.len() as i64;
        let mut total = Bucket::default();
        for i in 0..(minutes as i64).min(n) {
            let b = self.buckets[(self.head - i).rem_euclid(n) as usize];
            total.mentions += b.mentions;
            total.negative += b.negative;
            total.scored += b.scored;
        }
        total
    }
}
