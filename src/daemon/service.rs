//! systemd integration: readiness, reload and stop notifications and the watchdog.
//!
//! All calls are no-ops outside systemd (no `$NOTIFY_SOCKET`), so the daemon runs the same in
//! a terminal, in tests and as a service.

use sd_notify::NotifyState;

fn send(states: &[NotifyState<'_>]) {
    if let Err(error) = sd_notify::notify(false, states) {
        tracing::debug!(%error, "Notifying systemd failed.");
    }
}

pub fn ready() {
    send(&[NotifyState::Ready, NotifyState::Status("watching")]);
}

pub fn reloading() {
    send(&[
        NotifyState::Reloading,
        NotifyState::Status("reloading config"),
    ]);
}

pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

/// Sent from the pipeline's heartbeat: only a tick that went through the core counts, so a
/// stuck core makes systemd restart the service.
pub fn watchdog() {
    send(&[NotifyState::Watchdog]);
}
