//! The work queue port: where the webhook records what Jenkins asked for,
//! and from where the launch worker takes it, at the pace ECS allows.
//!
//! Recording is all the webhook does before it answers, so a burst of
//! hundreds of queued builds is accepted at once and never refused for
//! throughput; launching happens behind the queue (docs/how-it-works.md,
//! "Intake and pacing"). The real queue is SQS (docs/aws.md §27): durable,
//! at-least-once, free while idle, with a dead-letter queue for work that
//! keeps failing. Delivering a piece of work twice is harmless: a launch is
//! idempotent by the agent's name and RunTask client token.

#[cfg(any(test, feature = "test-util"))]
pub mod fake;
#[cfg(feature = "adapters")]
pub mod sqs;

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One piece of work the webhook accepted: the verified event, as the emitter
/// sent it, and when it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Work {
    /// When the webhook received the event, epoch milliseconds.
    pub received_ms: u64,
    /// The event (`queue.buildable`, `queue.left`, `agent.released`),
    /// signature already checked; it carries no secret.
    pub event: Value,
}

impl Work {
    /// The message body the queue carries.
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a message body back; `Err` names what is wrong.
    pub fn from_body(body: &str) -> Result<Self, String> {
        serde_json::from_str(body).map_err(|e| format!("work message is not a recorded event: {e}"))
    }
}

/// The queue could not take or put back the work.
#[derive(Debug, thiserror::Error)]
#[error("work queue: {0}")]
pub struct QueueError(pub String);

/// A durable queue of work.
pub trait WorkQueue: Send + Sync + 'static {
    /// Records `work` durably; `Ok` only once the queue holds it.
    fn record(&self, work: &Work) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Hides the delivered message `receipt` for `delay` before it is
    /// delivered again (work to retry later, after a backoff).
    fn postpone(
        &self,
        receipt: &str,
        delay: Duration,
    ) -> impl Future<Output = Result<(), QueueError>> + Send;
}

/// How long to wait before the `receive_count`-th delivery is retried:
/// 2 s, doubling with each delivery, at most 60 s, plus up to a quarter more
/// chosen by `jitter_seed` (say, from the message id), so that work throttled
/// together does not come back together. Whole seconds: SQS takes a
/// visibility timeout in seconds.
pub fn backoff(receive_count: u32, jitter_seed: u64) -> Duration {
    const FIRST: u64 = 2;
    const CAP: u64 = 60;
    let doublings = receive_count.saturating_sub(1).min(6);
    let base = (FIRST << doublings).min(CAP);
    let jitter = mix(jitter_seed) % (base / 4 + 1);
    Duration::from_secs(base + jitter)
}

/// A seed from text (a message id): FNV-1a, stable across runs.
pub fn seed_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Spreads nearby seeds apart (splitmix64's finaliser).
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_first_retry_waits_two_seconds_and_each_next_one_twice_as_long() {
        let waits: Vec<u64> = (1..=5).map(|n| backoff(n, 0).as_secs()).collect();
        // Seed 0 mixes to 0: no jitter.
        assert_eq!(waits, [2, 4, 8, 16, 32]);
    }

    #[test]
    fn a_retry_never_waits_more_than_a_minute_and_a_quarter() {
        for count in 1..100 {
            for seed in 0..50 {
                let wait = backoff(count, seed);
                assert!(wait <= Duration::from_secs(75), "{count} {seed}: {wait:?}");
                let base = backoff(count, 0);
                assert!(wait >= base && wait <= base + base / 4, "{count} {seed}");
            }
        }
    }

    #[test]
    fn jitter_spreads_work_throttled_together() {
        let waits: std::collections::BTreeSet<u64> = (0..40)
            .map(|i| backoff(6, seed_of(&format!("message-{i}"))).as_secs())
            .collect();
        assert!(waits.len() > 5, "{waits:?}");
    }

    #[test]
    fn work_survives_the_queue_as_it_was_recorded() {
        let work = Work {
            received_ms: 1_764_270_000_000,
            event: json!({"type": "queue.buildable", "item": {"id": 4}}),
        };
        assert_eq!(Work::from_body(&work.to_body()).unwrap(), work);
    }

    #[test]
    fn a_body_that_is_not_recorded_work_says_so() {
        let error = Work::from_body("{\"event\": 1}").unwrap_err();
        assert!(error.contains("receivedMs"), "{error}");
    }
}
