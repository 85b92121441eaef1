//! Injected time. The use-case layer and the background workers ask a [`Clock`] for "now"
//! instead of the system, so tests move time forward (days, for cadences) instead of sleeping.

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, at millisecond precision (what the database stores).
    fn now(&self) -> DateTime<Utc>;
}

/// A clock shared by every part of one server.
pub type SharedClock = Arc<dyn Clock>;

/// The system clock (production).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        crate::id::now_ms()
    }
}

/// A clock tests set and move; it starts at the system time and only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock {
    at: Arc<Mutex<DateTime<Utc>>>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// A clock stopped at the current system time.
    pub fn new() -> Self {
        Self { at: Arc::new(Mutex::new(crate::id::now_ms())) }
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        // A poisoned lock only means another test thread panicked; the value is still a time.
        let mut guard = self.at.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = crate::id::truncate_ms(at);
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut guard = self.at.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.at.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
