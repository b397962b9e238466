//! A token bucket, the way ECS limits its API (docs/aws.md §3): the bucket
//! holds at most `burst` tokens, refills at `refill_per_s`, and a call that
//! finds it empty is refused (`ThrottlingException`, "Rate exceeded").
//! Buckets are per account and Region, so every caller shares them.

use tokio::time::Instant;

/// One bucket, in tokio time.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    burst: f64,
    refill_per_s: f64,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens refilling at `refill_per_s`.
    pub fn new(burst: u32, refill_per_s: u32) -> Self {
        Self {
            burst: f64::from(burst),
            refill_per_s: f64::from(refill_per_s),
            tokens: f64::from(burst),
            at: Instant::now(),
        }
    }

    /// Whether a token is there now (without taking it).
    pub fn has_token(&mut self) -> bool {
        self.refill();
        self.tokens >= 1.0
    }

    /// Takes a token if there is one.
    pub fn take(&mut self) -> bool {
        let has = self.has_token();
        if has {
            self.tokens -= 1.0;
        }
        has
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.refill_per_s).min(self.burst);
        self.at = now;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_bucket_allows_its_burst_then_its_rate() {
        let mut bucket = TokenBucket::new(100, 40);
        assert_eq!((0..150).filter(|_| bucket.take()).count(), 100);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!((0..150).filter(|_| bucket.take()).count(), 40);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(
            (0..150).filter(|_| bucket.take()).count(),
            100,
            "never above its burst"
        );
    }
}
