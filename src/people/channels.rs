//! Per channel: whether a notice goes now, waits, or is not for this channel at all — by the
//! channel's time intervals, its `escalate_after`, and what the channel was told before.
//!
//! Invariant: a channel gets a resolved notice only if it was given a firing notice of that
//! episode (held, escalated-not-yet or filtered notices are never "resolved" to a channel
//! that did not hear of them); critical notices are never held by an interval; an escalation
//! channel gets only critical notices, and none of an acknowledged thread. A store error
//! fails open (the notice goes now): a lost storm warning is worse than an untimely one.

use chrono::{DateTime, Utc};

use crate::alert::{AlertEvent, Level, Status};
use crate::config::notify::NotifyConfig;
use crate::store::{Hold, HoldReason, Routed, Store};

/// What one channel does with one notice.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Send,
    Hold(HoldReason, Option<DateTime<Utc>>),
    /// Not for this channel (below an escalation channel's bar, acknowledged, or a resolved
    /// notice of an episode the channel never heard of).
    Skip,
}

/// The notice's channels by their static filters ([`crate::notify::targets`]), each decided by
/// [`decide`].
pub fn route(store: &Store, notify: &NotifyConfig, e: &AlertEvent, now: DateTime<Utc>) -> Routed {
    let mut r = Routed::new(e.clone(), Vec::new());
    for name in crate::notify::targets(notify, e) {
        match decide(store, notify, &name, e, now) {
            Decision::Send => r.channels.push(name),
            Decision::Hold(reason, due_at) => {
                tracing::info!(
                    brand = %e.brand, channel = %name, reason = reason.as_str(),
                    "Notice held for the channel; sent when the hold ends."
                );
                r.holds.push(Hold {
                    channel: name,
                    reason,
                    due_at,
                })
            }
            Decision::Skip => {}
        }
    }
    r
}

/// What `channel` does with `e` at `now`.
pub fn decide(
    store: &Store,
    notify: &NotifyConfig,
    channel: &str,
    e: &AlertEvent,
    now: DateTime<Utc>,
) -> Decision {
    let Some(filter) = crate::notify::filter_of(notify, channel) else {
        return Decision::Skip;
    };
    if e.test {
        return Decision::Send;
    }
    let routing = &filter.routing;
    if e.status == Status::Resolved {
        let told = store.episode_sent_on(e, channel).unwrap_or_else(|error| {
            tracing::error!(%error, "Reading earlier deliveries failed; sending the resolved notice.");
            true
        });
        if !told {
            return Decision::Skip;
        }
        if routing.holds(e.level, now) {
            return Decision::Hold(HoldReason::Interval, None);
        }
        return Decision::Send;
    }
    if let Some(after) = routing.escalate_after {
        if e.level < Level::Critical || acknowledged(store, e) {
            return Decision::Skip;
        }
        let first = store
            .thread_first_fired(&e.brand, e.started_at)
            .unwrap_or_else(|error| {
                tracing::error!(%error, "Reading the thread failed; escalating from this notice.");
                None
            })
            .map_or(e.observed_at, |t| t.min(e.observed_at));
        let due = first + chrono::Duration::from_std(after).unwrap_or(chrono::Duration::MAX);
        return if now >= due {
            Decision::Send
        } else {
            Decision::Hold(HoldReason::Escalation, Some(due))
        };
    }
    if routing.holds(e.level, now) {
        return Decision::Hold(HoldReason::Interval, None);
    }
    Decision::Send
}

/// Whether `e`'s thread has been acknowledged (a store error reads as "no").
pub fn acknowledged(store: &Store, e: &AlertEvent) -> bool {
    store
        .thread_ack(&e.brand, e.started_at)
        .unwrap_or_else(|error| {
            tracing::error!(%error, "Reading acknowledgements failed.");
            None
        })
        .is_some()
}
