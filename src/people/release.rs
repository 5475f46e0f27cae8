//! Ends the holds of [`super::channels`]: a notice held by a time interval is sent when the
//! channel opens again, an escalation when it falls due — each only if it is still its
//! stream's current notice, its alert still fires (a resolved notice is sent as it is), and
//! its thread is not acknowledged (for an interval: unless the notice is worse than what was
//! acknowledged; an escalation never goes to an acknowledged thread).
//!
//! Invariant: each hold ends once, sent or dropped, in one store transaction
//! ([`Store::release_held`]); a hold that cannot end yet (still muted, not yet due, or a
//! silence now holds its brand) stays as it is.

use chrono::{DateTime, Utc};

use crate::alert::{Level, Status};
use crate::config::notify::NotifyConfig;
use crate::store::{HeldNotice, HoldReason, Store, StoreError};

/// What to do with one hold now.
#[derive(Debug, PartialEq)]
enum Outcome {
    Wait,
    Send,
    Drop,
}

/// What one pass of [`release_held`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Released {
    /// Holds that ended, sent or dropped.
    pub ended: usize,
    /// Of those, the notices queued for their channel.
    pub queued: usize,
}

/// Ends the holds that can end at `now`.
pub fn release_held(
    store: &Store,
    notify: &NotifyConfig,
    mut brand_fires: impl FnMut(&str) -> bool,
    now: DateTime<Utc>,
) -> Result<Released, StoreError> {
    let held = store.held_notices()?;
    let mut done = Released::default();
    if held.is_empty() {
        return Ok(done);
    }
    let silences = store.active_silences(now)?;
    for h in held {
        let outcome = outcome(store, notify, &h, &silences, &mut brand_fires, now)?;
        if outcome == Outcome::Wait {
            continue;
        }
        let sent = store.release_held(&h, outcome == Outcome::Send, now)?;
        done.ended += 1;
        done.queued += usize::from(sent);
        tracing::info!(
            brand = %h.event.brand,
            channel = %h.channel,
            reason = h.reason.as_str(),
            sent,
            "Hold ended."
        );
    }
    Ok(done)
}

fn outcome(
    store: &Store,
    notify: &NotifyConfig,
    h: &HeldNotice,
    silences: &[crate::store::Silence],
    brand_fires: &mut impl FnMut(&str) -> bool,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let e = &h.event;
    // A channel that is gone (a reload removed it) has nobody to tell.
    let Some(filter) = crate::notify::filter_of(notify, &h.channel) else {
        return Ok(Outcome::Drop);
    };
    let open = match h.reason {
        HoldReason::Interval => !filter.routing.holds(e.level, now),
        HoldReason::Escalation => h.due_at.is_none_or(|due| due <= now),
    };
    if !open {
        return Ok(Outcome::Wait);
    }
    if silences.iter().any(|s| s.matches(e)) {
        return Ok(Outcome::Wait);
    }
    let current = store.current_of_stream(e)?;
    if current.as_ref().map(|c| &c.id) != Some(&e.id) {
        return Ok(Outcome::Drop);
    }
    if e.status == Status::Resolved {
        return Ok(Outcome::Send);
    }
    if !super::still_fires(e, brand_fires) {
        return Ok(Outcome::Drop);
    }
    let acked = match h.reason {
        HoldReason::Escalation => {
            e.level < Level::Critical || super::channels::acknowledged(store, e)
        }
        HoldReason::Interval => super::acknowledged_reminder(store, e).is_some(),
    };
    Ok(if acked { Outcome::Drop } else { Outcome::Send })
}
