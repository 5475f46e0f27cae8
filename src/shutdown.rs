//! Graceful shutdown: one trigger, any number of listeners.
//!
//! Every task holds a [`Shutdown`] and selects on [`Shutdown::recv`] beside its work, so
//! SIGTERM stops them all at their next await point without losing what they hold.

use tokio::sync::watch;

/// Fires shutdown for every [`Shutdown`] cloned from its pair.
#[derive(Debug)]
pub struct ShutdownTrigger(watch::Sender<bool>);

/// A task's view of shutdown.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

pub fn channel() -> (ShutdownTrigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (ShutdownTrigger(tx), Shutdown(rx))
}

impl ShutdownTrigger {
    pub fn trigger(&self) {
        self.0.send_replace(true);
    }
    pub fn subscribe(&self) -> Shutdown {
        Shutdown(self.0.subscribe())
    }
}

impl Shutdown {
    pub fn is_shutdown(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until shutdown is triggered (or the trigger is gone, which means the same).
    pub async fn recv(&mut self) {
        let _ = self.0.wait_for(|v| *v).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_listener_hears_the_trigger() {
        let (t, s) = channel();
        let mut a = s.clone();
        let mut b = t.subscribe();
        assert!(!a.is_shutdown());
        t.trigger();
        a.recv().await;
        b.recv().await;
        assert!(s.is_shutdown());
    }
}
