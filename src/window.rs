//! Per-brand bucketed counts of mentions and negative mentions: rings of fixed-width buckets
//! (one-minute buckets for the short horizon, one-hour buckets for the long one).
//!
//! Invariant: memory per ring is constant; a bucket is overwritten when its slot comes round
//! again, never grown. Reads name the bucket by its absolute index (unix seconds / width), so
//! a bucket that has left the ring or not yet entered it reads as empty instead of as a stale
//! neighbour.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Counts in one bucket. `scored` counts mentions whose sentiment is known; `negative` is a
/// subset of `scored`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "[u32; 3]", into = "[u32; 3]")]
pub struct Bucket {
    pub mentions: u32,
    pub negative: u32,
    pub scored: u32,
}

impl From<[u32; 3]> for Bucket {
    fn from(a: [u32; 3]) -> Self {
        Bucket {
            mentions: a[0],
            negative: a[1].min(a[2]),
            scored: a[2].min(a[0]),
        }
    }
}

impl From<Bucket> for [u32; 3] {
    fn from(b: Bucket) -> Self {
        [b.mentions, b.negative, b.scored]
    }
}

impl Bucket {
    pub fn add(&mut self, o: Bucket) {
        self.mentions = self.mentions.saturating_add(o.mentions);
        self.negative = self.negative.saturating_add(o.negative);
        self.scored = self.scored.saturating_add(o.scored);
    }

    /// Share of negative mentions among the scored ones; `None` when nothing was scored.
    pub fn negative_share(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.negative as f64 / self.scored as f64)
    }
}

/// A ring of buckets `width` seconds wide, ending at the newest bucket seen.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ring {
    width: i64,
    buckets: Vec<Bucket>,
    /// Absolute index (unix seconds / width) of the newest bucket.
    head: i64,
}

impl Ring {
    pub fn new(width_secs: i64, len: usize, now: DateTime<Utc>) -> Self {
        let width = width_secs.max(1);
        Ring {
            width,
            buckets: vec![Bucket::default(); len.max(1)],
            head: now.timestamp().div_euclid(width),
        }
    }

    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// The absolute index of the bucket holding `at`.
    pub fn index(&self, at: DateTime<Utc>) -> i64 {
        at.timestamp().div_euclid(self.width)
    }

    fn advance(&mut self, idx: i64) {
        if idx <= self.head {
            return;
        }
        let n = self.buckets.len() as i64;
        let steps = (idx - self.head).min(n);
        for i in 1..=steps {
            let slot = (idx - steps + i).rem_euclid(n) as usize;
            self.buckets[slot] = Bucket::default();
        }
        self.head = idx;
    }

    /// Adds counts at `at`; counts older than the ring are dropped.
    pub fn add(&mut self, at: DateTime<Utc>, counts: Bucket) {
        let idx = self.index(at);
        self.advance(idx);
        let n = self.buckets.len() as i64;
        if idx <= self.head - n {
            return;
        }
        self.buckets[idx.rem_euclid(n) as usize].add(counts);
    }

    /// The bucket with absolute index `idx`, empty if it is outside the ring.
    pub fn get(&self, idx: i64) -> Bucket {
        let n = self.buckets.len() as i64;
        if idx > self.head || idx <= self.head - n {
            return Bucket::default();
        }
        self.buckets[idx.rem_euclid(n) as usize]
    }

    /// The buckets with absolute indices `last - count + 1 ..= last` that are in the ring,
    /// oldest first. One division for the start, then a wrapping cursor: this runs for every
    /// brand on every tick.
    fn range(&self, last: i64, count: usize) -> impl Iterator<Item = Bucket> + '_ {
        let n = self.buckets.len() as i64;
        let first = (last - count as i64 + 1).max(self.head - n + 1);
        let len = (last.min(self.head) - first + 1).max(0) as usize;
        let start = first.rem_euclid(n) as usize;
        let (tail, head) = self.buckets.split_at(start);
        head.iter().chain(tail.iter()).take(len).copied()
    }

    /// Sums the `count` buckets ending with (and including) absolute index `last`.
    pub fn sum(&self, last: i64, count: usize) -> Bucket {
        let mut total = Bucket::default();
        for b in self.range(last, count) {
            total.add(b);
        }
        total
    }
}

impl Ring {
    /// Asks the CPU to start loading the `count` newest buckets (a tick over thousands of
    /// brands asks for the next brands' windows while it judges this one's: each ring is
    /// a cache miss of its own otherwise).
    pub fn prefetch_newest(&self, count: usize) {
        let n = self.buckets.len();
        let count = count.clamp(1, n);
        let head = self.head.rem_euclid(n as i64) as usize;
        let first = (head + n + 1 - count) % n;
        let span = |from: usize, to: usize| {
            // One hint per cache line of the span (a line holds five buckets and a bit).
            let mut i = from;
            while i < to {
                prefetch(std::ptr::from_ref(&self.buckets[i]));
                i += 5;
            }
            prefetch(std::ptr::from_ref(&self.buckets[to]));
        };
        if first <= head {
            span(first, head);
        } else {
            span(first, n - 1);
            span(0, head);
        }
    }

    /// In one pass: the sum of the `count` buckets ending with `last`, the fullest of them,
    /// and how many of them hold anything.
    pub fn scan(&self, last: i64, count: usize) -> (Bucket, Bucket, u32) {
        let mut total = Bucket::default();
        let mut best = Bucket::default();
        let mut filled = 0;
        for b in self.range(last, count) {
            if b.mentions > 0 {
                total.add(b);
                filled += 1;
                if b.mentions > best.mentions {
                    best = b;
                }
            }
        }
        (total, best, filled)
    }
}

/// Asks the CPU to start loading the cache line at `p`: only a hint, it changes nothing the
/// program can see.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` never faults, whatever the address, and changes no memory the
    // program can see. SSE, which it needs, is part of x86-64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_000_000 / 60 * 60 + min * 60, 0).unwrap()
    }

    fn one(neg: bool) -> Bucket {
        Bucket {
            mentions: 1,
            negative: neg as u32,
            scored: 1,
        }
    }

    #[test]
    fn sums_the_last_buckets_and_forgets_old_ones() {
        let mut r = Ring::new(60, 10, at(0));
        r.add(at(0), one(true));
        r.add(at(3), one(false));
        r.add(at(5), one(true));
        let i5 = r.index(at(5));
        assert_eq!(r.sum(i5, 2).mentions, 1);
        assert_eq!(r.sum(i5, 6).mentions, 3);
        assert_eq!(r.sum(i5, 6).negative, 2);
        r.add(at(13), one(false));
        // Minute 0 and 3 left the ring of ten; minute 5 is still in it.
        assert_eq!(r.sum(r.index(at(13)), 10).mentions, 2);
        assert_eq!(r.get(r.index(at(0))), Bucket::default());
    }

    #[test]
    fn scan_agrees_with_sum() {
        let mut r = Ring::new(60, 10, at(0));
        for (m, k) in [(1, 3), (4, 1), (6, 5), (9, 2)] {
            for _ in 0..k {
                r.add(at(m), one(m == 6));
            }
        }
        let last = r.index(at(9));
        let (total, best, filled) = r.scan(last, 6);
        assert_eq!(total, r.sum(last, 6));
        assert_eq!((best.mentions, best.negative, filled), (5, 5, 3));
    }

    #[test]
    fn a_jump_longer_than_the_ring_clears_it() {
        let mut r = Ring::new(60, 4, at(0));
        r.add(at(0), one(true));
        r.add(at(100), one(true));
        assert_eq!(r.sum(r.index(at(100)), 4).mentions, 1);
        // Late counts older than the ring are dropped, recent late ones are kept.
        r.add(at(50), one(true));
        r.add(at(98), one(true));
        assert_eq!(r.sum(r.index(at(100)), 4).mentions, 2);
    }

    #[test]
    fn serialises_buckets_compactly() {
        let mut r = Ring::new(60, 2, at(0));
        r.add(at(0), one(true));
        let j = serde_json::to_string(&r).unwrap();
        assert!(j.contains("[1,1,1]"), "{j}");
        let back: Ring = serde_json::from_str(&j).unwrap();
        assert_eq!(back.sum(back.index(at(0)), 2).negative, 1);
    }
}
