//! Poison-tolerant locking for the shared maps the daemon's tasks keep in memory.
//!
//! Why: a task that panicked while holding one of these locks left plain data (counters,
//! health entries, a connection) that stays usable; failing every later caller would turn one
//! bug into a dead daemon. Invariant: locking never panics.

use std::sync::{Mutex, MutexGuard};

/// The guard, whether or not an earlier holder panicked.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lock_still_opens() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poison it");
        })
        .join();
        assert!(m.is_poisoned());
        *lock(&m) += 1;
        assert_eq!(*lock(&m), 2);
    }
}
