//! Sliding-window rate limits kept in memory per key (failed sign-ins per email and per client
//! address, generations per user).
//!
//! In-process state is acceptable here: a limit that resets when one instance restarts only
//! ever allows slightly more, never blocks a legitimate user.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A limit of `max` events per `window` for each key.
#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    events: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    /// A limiter allowing `max` events per `window` per key.
    pub fn new(max: usize, window: Duration) -> Self {
        Self { max, window, events: Mutex::new(HashMap::new()) }
    }

    /// `Err(wait)` when `key` is over the limit (without recording), else `Ok`.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.entry(key.to_owned()).or_default();
        list.retain(|t| now.duration_since(*t) < self.window);
        if list.len() >= self.max {
            let oldest = list.first().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        Ok(())
    }

    /// Records one event for `key`.
    pub fn record(&self, key: &str) {
        let now = Instant::now();
        let mut map = self.events.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            // Bound memory under a flood of distinct keys: forget expired entries.
            map.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        map.entry(key.to_owned()).or_default().push(now);
    }

    /// `check` then `record` in one step.
    pub fn hit(&self, key: &str) -> Result<(), Duration> {
        self.check(key)?;
        self.record(key);
        Ok(())
    }

    /// Forgets `key` (e.g. after a successful sign-in).
    pub fn clear(&self, key: &str) {
        self.events.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_key_and_reports_the_wait() {
        let rl = RateLimiter::new(2, Duration::from_secs(60));
        assert!(rl.hit("a").is_ok());
        assert!(rl.hit("a").is_ok());
        let wait = rl.hit("a").unwrap_err();
        assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(50));
        assert!(rl.hit("b").is_ok());
        rl.clear("a");
        assert!(rl.hit("a").is_ok());
    }
}
