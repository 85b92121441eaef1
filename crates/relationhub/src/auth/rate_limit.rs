//! Sliding-window rate limits kept in memory per key (sign-in attempts and sign-ups per client
//! address, generations and sends per user).
//!
//! Memory is bounded whatever clients send: keys are capped in length by the callers, a check
//! never stores anything, and the table holds at most `capacity` keys — when full, expired keys
//! go first, then the key whose latest event is oldest. Evicting a key can only ever allow a
//! little more, never block a legitimate user. Limits that must hold across server processes
//! (per-account sign-in attempts) are counted in the database instead.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept by default (each costs a few dozen bytes plus its events).
pub const DEFAULT_CAPACITY: usize = 10_000;

/// A limit of `max` events per `window` for each key.
#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    capacity: usize,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// A limiter allowing `max` events per `window` per key, keeping at most
    /// [`DEFAULT_CAPACITY`] keys.
    pub fn new(max: usize, window: Duration) -> Self {
        Self::with_capacity(max, window, DEFAULT_CAPACITY)
    }

    /// Like [`RateLimiter::new`] with an explicit key capacity (at least 1).
    pub fn with_capacity(max: usize, window: Duration, capacity: usize) -> Self {
        Self { max, window, capacity: capacity.max(1), events: Mutex::new(HashMap::new()) }
    }

    fn wait_for(&self, list: &VecDeque<Instant>, now: Instant) -> Duration {
        let oldest = list.front().copied().unwrap_or(now);
        self.window.saturating_sub(now.duration_since(oldest))
    }

    /// `Err(wait)` when `key` is over the limit, else `Ok`. Records nothing and stores nothing.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let map = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let Some(list) = map.get(key) else { return Ok(()) };
        let live: VecDeque<Instant> =
            list.iter().copied().filter(|t| now.duration_since(*t) < self.window).collect();
        if live.len() >= self.max { Err(self.wait_for(&live, now)) } else { Ok(()) }
    }

    /// Takes one slot for `key` atomically: `Ok` when it was under the limit (the event is now
    /// recorded), `Err(wait)` otherwise (nothing recorded). N parallel calls take N slots.
    pub fn hit(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.events.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(list) = map.get_mut(key) {
            while list.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                list.pop_front();
            }
            if list.len() >= self.max {
                return Err(self.wait_for(list, now));
            }
            list.push_back(now);
            return Ok(());
        }
        if self.max == 0 {
            return Err(self.window);
        }
        if map.len() >= self.capacity {
            self.evict(&mut map, now);
        }
        map.insert(key.to_owned(), VecDeque::from([now]));
        Ok(())
    }

    /// Gives back the most recent slot of `key` (an attempt that turned out not to count, e.g.
    /// a successful sign-in against a limit on failures).
    pub fn refund(&self, key: &str) {
        let mut map = self.events.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(list) = map.get_mut(key) {
            list.pop_back();
            if list.is_empty() {
                map.remove(key);
            }
        }
    }

    /// Forgets `key`.
    pub fn clear(&self, key: &str) {
        self.events.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// How many keys are held (tests and metrics).
    pub fn len(&self) -> usize {
        self.events.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room for one key: drop every expired key, and if none was, the key whose latest
    /// event is oldest (O(n) over at most `capacity` keys, only when full).
    fn evict(&self, map: &mut HashMap<String, VecDeque<Instant>>, now: Instant) {
        map.retain(|_, list| list.back().is_some_and(|t| now.duration_since(*t) < self.window));
        if map.len() < self.capacity {
            return;
        }
        let victim = map.iter().min_by_key(|(_, list)| list.back().copied()).map(|(k, _)| k.clone());
        if let Some(k) = victim {
            map.remove(&k);
        }
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
        assert!(rl.check("a").is_err());
        assert!(rl.hit("b").is_ok());
        rl.clear("a");
        assert!(rl.hit("a").is_ok());
    }

    #[test]
    fn checking_stores_nothing() {
        let rl = RateLimiter::new(2, Duration::from_secs(60));
        for i in 0..1000 {
            assert!(rl.check(&format!("key-{i}")).is_ok());
        }
        assert!(rl.is_empty());
    }

    #[test]
    fn the_table_never_grows_past_its_capacity() {
        let rl = RateLimiter::with_capacity(5, Duration::from_secs(60), 100);
        for i in 0..10_000 {
            assert!(rl.hit(&format!("key-{i}")).is_ok());
        }
        assert_eq!(rl.len(), 100);
        // The newest keys survive eviction.
        assert!(rl.check("key-9999").is_ok());
    }

    #[test]
    fn parallel_hits_take_one_slot_each() {
        let rl = std::sync::Arc::new(RateLimiter::new(5, Duration::from_secs(60)));
        let handles: Vec<_> = (0..20)
            .map(|_| {
                let rl = rl.clone();
                std::thread::spawn(move || rl.hit("same").is_ok())
            })
            .collect();
        let granted = handles.into_iter().map(|h| h.join()).filter(|r| matches!(r, Ok(true))).count();
        assert_eq!(granted, 5);
    }

    #[test]
    fn a_refund_gives_the_slot_back() {
        let rl = RateLimiter::new(1, Duration::from_secs(60));
        assert!(rl.hit("a").is_ok());
        assert!(rl.hit("a").is_err());
        rl.refund("a");
        assert!(rl.hit("a").is_ok());
    }
}
