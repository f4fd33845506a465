//! Login rate limiting: at most [`LoginLimiter::max_failures`] failed
//! logins per key (a client address, an account name) in a sliding window;
//! beyond it, logins for that key are refused until the oldest failure
//! leaves the window (the `Retry-After` of the 429).
//!
//! Held in memory (a restart forgets it). The table is bounded: keys whose
//! failures have all left the window are dropped, and beyond
//! [`MAX_KEYS`] the key with the oldest latest failure goes first.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys (addresses and names) remembered at most.
pub const MAX_KEYS: usize = 100_000;

/// Failed logins per key in a sliding window.
pub struct LoginLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// `max_failures` failures per `window` per key.
    pub fn new(max_failures: usize, window: Duration) -> LoginLimiter {
        LoginLimiter { max_failures: max_failures.max(1), window, failures: Mutex::new(HashMap::new()) }
    }

    /// Failures allowed per window.
    pub fn max_failures(&self) -> usize {
        self.max_failures
    }

    /// When any of `keys` has used up its failures at `now`: how long until
    /// it may try again (rounded up to whole seconds, at least 1).
    pub fn blocked(&self, keys: &[&str], now: Instant) -> Option<Duration> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter()
            .filter_map(|k| map.get(*k))
            .filter_map(|times| {
                let recent: Vec<&Instant> = times.iter().filter(|t| now.duration_since(**t) < self.window).collect();
                (recent.len() >= self.max_failures).then(|| {
                    let oldest = *recent[recent.len() - self.max_failures];
                    let left = self.window.saturating_sub(now.duration_since(oldest));
                    Duration::from_secs(left.as_secs_f64().ceil().max(1.0) as u64)
                })
            })
            .max()
    }

    /// Count a failure for every key at `now`.
    pub fn failed(&self, keys: &[&str], now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
            while map.len() >= MAX_KEYS {
                let Some(oldest) = map.iter().min_by_key(|(_, t)| t.back().copied()).map(|(k, _)| k.clone()) else { break };
                map.remove(&oldest);
            }
        }
        for k in keys {
            let times = map.entry((*k).to_string()).or_default();
            while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                times.pop_front();
            }
            times.push_back(now);
            while times.len() > self.max_failures {
                times.pop_front();
            }
        }
    }

    /// Forget the failures of `key` (an account after a good login).
    pub fn forget(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// Keys remembered now.
    pub fn keys(&self) -> usize {
        self.failures.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_a_minute_then_wait() {
        let l = LoginLimiter::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(l.blocked(&["ip:1", "user:a"], t0 + Duration::from_secs(i)), None, "failure {i}");
            l.failed(&["ip:1", "user:a"], t0 + Duration::from_secs(i));
        }
        // The oldest failure (t0) leaves the window at t0 + 60 s.
        assert_eq!(l.blocked(&["ip:1"], t0 + Duration::from_secs(10)), Some(Duration::from_secs(50)));
        assert_eq!(l.blocked(&["user:a"], t0 + Duration::from_millis(59_500)), Some(Duration::from_secs(1)));
        assert_eq!(l.blocked(&["ip:2", "user:b"], t0 + Duration::from_secs(10)), None, "other keys are free");
        assert_eq!(l.blocked(&["ip:1"], t0 + Duration::from_secs(60)), None, "window passed");
        l.forget("user:a");
        assert_eq!(l.blocked(&["user:a"], t0 + Duration::from_secs(10)), None);
        assert_eq!(l.keys(), 1);
    }
}
