//! The one replay driver: mentions fed through an [`Engine`] on a simulated clock, for
//! `backtest`, `tune`, `demo` and the scenario tests.
//!
//! Why one: every replay must tick, de-duplicate and run out the same way, or a backtest and a
//! demo of the same history would disagree. Invariant: a mention is processed after every tick
//! due before its time and before any tick after it, and a duplicate is processed once.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use crate::alert::AlertEvent;
use crate::engine::Engine;
use crate::mention::Mention;

/// The one replay driver (`backtest`, `tune`, `demo` and the scenario tests): mentions go
/// through an engine with a simulated clock. [`Replay::new`] ticks as the daemon would look:
/// every `step` while mentions arrive and at every minute boundary while none do;
/// [`Replay::every`] ticks on a fixed clock, as `demo` tells its story. Duplicates (by
/// de-duplication key) count once.
pub struct Replay {
    engine: Engine,
    step: Duration,
    /// Tick every `step` whether or not mentions arrive.
    fixed: bool,
    next: Option<DateTime<Utc>>,
    last_activity: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    seen: HashSet<String>,
    matched: usize,
    events: Vec<AlertEvent>,
}

impl Replay {
    pub fn new(engine: Engine, step: std::time::Duration) -> Self {
        Replay {
            engine,
            step: Duration::from_std(step)
                .ok()
                .filter(|d| *d > Duration::zero())
                .unwrap_or(Duration::seconds(5)),
            fixed: false,
            next: None,
            last_activity: None,
            last: None,
            seen: HashSet::new(),
            matched: 0,
            events: Vec::new(),
        }
    }

    /// A replay whose clock ticks at `first_tick` and every `step` after it, busy or idle.
    pub fn every(engine: Engine, step: std::time::Duration, first_tick: DateTime<Utc>) -> Self {
        let mut r = Replay::new(engine, step);
        r.fixed = true;
        r.next = Some(first_tick);
        r
    }

    /// How many distinct mentions counted for at least one brand.
    pub fn matched(&self) -> usize {
        self.matched
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The alert events so far.
    pub fn events(&self) -> &[AlertEvent] {
        &self.events
    }

    /// Runs every tick due up to and including `to`.
    pub fn advance(&mut self, to: DateTime<Utc>) {
        let mut next = *self.next.get_or_insert(to);
        while next <= to {
            self.events.extend(self.engine.tick(next));
            let busy = self
                .last_activity
                .is_some_and(|a| next - a < Duration::seconds(60));
            let after = next + self.step;
            next = if busy || self.fixed {
                after
            } else {
                // Idle: the next minute boundary, or the next mention if it comes sooner.
                let m = next.timestamp().div_euclid(60) + 1;
                let boundary = DateTime::from_timestamp(m * 60, 0).unwrap_or(after);
                boundary.max(after).min(to.max(after))
            };
        }
        self.next = Some(next);
    }

    /// Feeds one mention, placed at its `created_at` (or the latest time seen); returns false
    /// when it has no time to be placed at.
    pub fn feed(&mut self, m: &Mention) -> bool {
        let Some(at) = m.created_at.or(self.last) else {
            return false;
        };
        if !self.seen.insert(m.dedup_key()) {
            return true;
        }
        self.advance(at);
        if !self.engine.process(m, at).brands.is_empty() {
            self.matched += 1;
        }
        self.last_activity = Some(at);
        self.last = Some(self.last.map_or(at, |l| l.max(at)));
        true
    }

    /// Ticks on for `run_out` after the last mention, so that alerts at the end resolve, and
    /// returns every event.
    pub fn finish(mut self, run_out: Duration) -> Vec<AlertEvent> {
        if let Some(l) = self.last {
            self.advance(l + run_out);
        }
        self.events
    }
}
