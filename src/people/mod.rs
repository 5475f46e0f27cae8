//! People in the loop, as the core thread applies them to notices: silences hold notices
//! back, a silence that ends releases the current notice of an alert that still fires, an
//! acknowledged storm thread gets no reminders, and per channel ([`channels`]) time intervals
//! hold notices below critical and `escalate_after` holds critical ones until the thread has
//! gone unacknowledged long enough; [`release`] sends what was held when its hold ends.
//!
//! Invariant: every notice is recorded whatever holds it back; a held notice gets no outbox
//! rows, so it cannot be sent while held, and is queued at most once when released. A store
//! error while reading silences or acknowledgements fails open (the notice is sent): a lost
//! storm warning is worse than one that should have been quiet.

pub mod channels;
pub mod release;

use chrono::{DateTime, Utc};

use crate::alert::{AlertEvent, Kind, Status};
use crate::config::notify::NotifyConfig;
use crate::store::{Routed, Silence, Store};

pub use release::{release_held, Released};

/// Pairs each new notice with the channels that get it now and those it waits for: none when
/// a silence holds it (the notice then names the silence in `silenced_by`).
pub fn route(
    store: &Store,
    notify: &NotifyConfig,
    events: &mut [AlertEvent],
    now: DateTime<Utc>,
) -> Vec<Routed> {
    let silences = if events.is_empty() {
        Vec::new()
    } else {
        store.active_silences(now).unwrap_or_else(|error| {
            tracing::error!(%error, "Reading silences failed; sending notices unsilenced.");
            Vec::new()
        })
    };
    events
        .iter_mut()
        .map(|e| {
            if let Some(s) = holding(&silences, e) {
                tracing::info!(brand = %e.brand, silence = %s.id, "Notice silenced; recorded, not sent.");
                e.brief.silenced_by = Some(s.id.clone());
                return Routed::new(e.clone(), Vec::new());
            }
            if let Some(ack) = acknowledged_reminder(store, e) {
                tracing::info!(
                    brand = %e.brand, by = %ack.acknowledged_by,
                    "Reminder of an acknowledged storm; recorded, not sent."
                );
                e.brief.acknowledged_by = Some(ack.acknowledged_by);
                e.brief.acknowledged_at = Some(ack.acknowledged_at);
                return Routed::new(e.clone(), Vec::new());
            }
            channels::route(store, notify, e, now)
        })
        .collect()
}

fn holding<'a>(silences: &'a [Silence], e: &AlertEvent) -> Option<&'a Silence> {
    if e.test {
        return None;
    }
    silences.iter().find(|s| s.matches(e))
}

/// The thread's acknowledgement, when `e` is a firing notice of an acknowledged thread that
/// brings nothing new: no higher level than the thread had when acknowledged, the same kind.
/// A notice that is worse, and the resolved notice, still go out.
fn acknowledged_reminder(store: &Store, e: &AlertEvent) -> Option<crate::store::Ack> {
    if e.test || e.status != Status::Firing {
        return None;
    }
    let ack = store
        .thread_ack(&e.brand, e.started_at)
        .unwrap_or_else(|error| {
            tracing::error!(%error, "Reading acknowledgements failed; sending the notice.");
            None
        })?;
    (e.level <= ack.level && e.kind.as_str() == ack.kind).then_some(ack)
}

/// Whether the alert of a held notice still fires, by its kind: a brand's surge asks the
/// detector (`brand_fires`); a source notice and a reach alert fire until a newer notice of
/// their stream says otherwise, which the caller checks (they have no detector state).
fn still_fires(e: &AlertEvent, brand_fires: &mut impl FnMut(&str) -> bool) -> bool {
    e.status == Status::Firing
        && match e.kind {
            Kind::Source | Kind::Reach => true,
            Kind::Storm | Kind::Buzz | Kind::Volume => brand_fires(&e.brand),
        }
}

/// Releases every silence that has ended by `now`: per brand and stream, the notice it held,
/// if that is still the current one, its alert still fires (`brand_fires` for a brand's
/// surges) and it is not a reminder of an acknowledged thread, is routed to its channels
/// (which may hold it further, by their time intervals or escalation). Returns how many
/// notices were queued.
pub fn release_ended(
    store: &Store,
    notify: &NotifyConfig,
    mut brand_fires: impl FnMut(&str) -> bool,
    now: DateTime<Utc>,
) -> Result<usize, crate::store::StoreError> {
    let mut queued = 0;
    for silence in store.silences_to_release(now)? {
        let active = store.active_silences(now)?;
        let mut notices = Vec::new();
        for e in store.held_current_notices(&silence.id)? {
            if !still_fires(&e, &mut brand_fires) {
                continue;
            }
            // Another silence still in force keeps holding it; it is released at its end.
            if let Some(other) = holding(&active, &e) {
                store.retag_silenced(&e.id, &other.id)?;
                continue;
            }
            if acknowledged_reminder(store, &e).is_some() {
                tracing::info!(brand = %e.brand, "Held notice of an acknowledged thread; not sent.");
                continue;
            }
            let routed = channels::route(store, notify, &e, now);
            queued += usize::from(!routed.channels.is_empty());
            notices.push(routed);
        }
        store.release_silence(&silence.id, &notices, now)?;
        tracing::info!(
            silence = %silence.id,
            released = notices.len(),
            "Silence ended; held notices of alerts still firing are sent now."
        );
    }
    Ok(queued)
}

#[cfg(test)]
mod tests;
