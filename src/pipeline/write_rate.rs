//! The per-token write rate limit: each writer's token may run
//! `writes_per_minute` mutations a minute in this process, in bursts of up
//! to that many (a token bucket refilled evenly). Kept in memory: with N
//! processes behind a balancer a token gets up to N times the rate, which
//! bounds a runaway script without a shared store on the write path.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The buckets of every token that wrote.
#[derive(Debug)]
pub struct WriteRate {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Writes left, fractional while refilling.
    left: f64,
    /// When `left` was last brought up to date.
    at: Instant,
}

impl WriteRate {
    /// A limit of `per_minute` writes per token; 0 allows any number.
    pub fn new(per_minute: u32) -> Self {
        WriteRate {
            per_minute,
            buckets: Mutex::default(),
        }
    }

    /// Takes `writes` from `token`'s bucket; when it holds too few, takes
    /// nothing and says how long until it does.
    pub fn take(&self, token: &str, writes: usize) -> Result<(), Duration> {
        self.take_at(token, writes, Instant::now())
    }

    /// Gives back `writes` taken for a request that then wrote nothing
    /// (refused before it ran).
    pub fn give_back(&self, token: &str, writes: usize) {
        let capacity = f64::from(self.per_minute);
        if let Ok(mut buckets) = self.buckets.lock()
            && let Some(bucket) = buckets.get_mut(token)
        {
            bucket.left = (bucket.left + writes as f64).min(capacity);
        }
    }

    fn take_at(&self, token: &str, writes: usize, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 || writes == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        // Fails closed: if the buckets cannot be read (a panic while one
        // held the lock), no write is allowed rather than any.
        let Ok(mut buckets) = self.buckets.lock() else {
            return Err(Duration::from_secs(1));
        };
        let bucket = buckets.entry(token.to_owned()).or_insert(Bucket {
            left: capacity,
            at: now,
        });
        let refilled = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.left = (bucket.left + refilled).min(capacity);
        bucket.at = now;
        let wanted = writes as f64;
        if bucket.left >= wanted {
            bucket.left -= wanted;
            return Ok(());
        }
        let missing = wanted.min(capacity) - bucket.left;
        Err(Duration::from_secs_f64(missing / per_second).max(Duration::from_secs(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_rate_refills() {
        let rate = WriteRate::new(60);
        let start = Instant::now();
        assert!(rate.take_at("sato", 60, start).is_ok());
        let wait = rate.take_at("sato", 1, start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        assert!(
            rate.take_at("wang", 1, start).is_ok(),
            "buckets are per token"
        );
        assert!(
            rate.take_at("sato", 2, start + Duration::from_secs(2))
                .is_ok()
        );
        assert!(WriteRate::new(0).take_at("any", 1_000, start).is_ok());
    }

    #[test]
    fn buckets_that_cannot_be_read_allow_no_write() {
        let rate = WriteRate::new(60);
        let poison = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _held = rate.buckets.lock().unwrap();
            panic!("a writer panicked while holding the buckets");
        }));
        assert!(poison.is_err());
        assert!(rate.take("sato", 1).is_err(), "fails closed");
    }
}
