//! A small in-process rate limit for mail a stranger can trigger (a link sent again). Per
//! process: on AWS each warm Lambda keeps its own, which still bounds what one can send.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most one event per key per interval.
pub struct Limiter {
    every: Duration,
    last: Mutex<HashMap<String, Instant>>,
}

impl Limiter {
    /// A limiter allowing one event per `every` for each key.
    pub fn new(every: Duration) -> Self {
        Self { every, last: Mutex::new(HashMap::new()) }
    }

    /// Whether `key` may act now (and records it if so).
    pub fn allow(&self, key: &str) -> bool {
        let Ok(mut last) = self.last.lock() else { return false };
        let now = Instant::now();
        if last.len() > 10_000 {
            last.retain(|_, at| now.duration_since(*at) < self.every);
        }
        match last.get(key) {
            Some(at) if now.duration_since(*at) < self.every => false,
            _ => {
                last.insert(key.to_owned(), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_interval_per_key() {
        let l = Limiter::new(Duration::from_secs(60));
        assert!(l.allow("a"));
        assert!(!l.allow("a"));
        assert!(l.allow("b"));
        let quick = Limiter::new(Duration::ZERO);
        assert!(quick.allow("a") && quick.allow("a"));
    }
}
