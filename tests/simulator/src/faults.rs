//! The faults a run injects, drawn from its seed: which ones, how often,
//! and until when. After [`Faults::until`] nothing more goes wrong, so the
//! system can settle and the invariants be checked at quiescence.

use std::time::Duration;

use crate::ecs::EcsFaults;
use crate::rng::Rng;

/// Faults of one run. Probabilities are per call, per event or per task.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// ECS: 500s, no capacity, failed starts, broken images, Spot.
    pub ecs: EcsFaults,
    /// A Jenkins call answers 503.
    pub jenkins_unavailable: f64,
    /// The controller restarts at this time, for this long.
    pub restart: Option<(Duration, Duration)>,
    /// SQS delivers a message twice at once.
    pub sqs_duplicate: f64,
    /// A worker invocation dies before it deletes its message (out of
    /// memory, a crash): the message comes back after its visibility timeout.
    pub worker_crash: f64,
    /// The webhook answers 503 (throttled, the queue unreachable).
    pub webhook_unavailable: f64,
    /// The emitter drops an event before sending it (a full backlog, a
    /// re-run of its script): releases excepted, which its sweep resends.
    pub emitter_drop: f64,
    /// EventBridge loses a task event (its retries and dead-letter queue
    /// exhausted).
    pub event_lost: f64,
    /// EventBridge delivers a task event twice.
    pub event_duplicate: f64,
    /// Task events are delayed by up to this much, so they arrive out of order.
    pub event_delay: Duration,
    /// Nothing goes wrong after this time.
    pub until: Duration,
}

impl Faults {
    /// A run where nothing goes wrong.
    pub fn none() -> Self {
        Self {
            ecs: EcsFaults::default(),
            jenkins_unavailable: 0.0,
            restart: None,
            sqs_duplicate: 0.0,
            worker_crash: 0.0,
            webhook_unavailable: 0.0,
            emitter_drop: 0.0,
            event_lost: 0.0,
            event_duplicate: 0.0,
            event_delay: Duration::ZERO,
            until: Duration::ZERO,
        }
    }

    /// Faults drawn from `seed`: each kind is on in about half the runs,
    /// at a rate up to its cap, for the first `until`.
    pub fn random(seed: u64, until: Duration) -> Self {
        let mut rng = Rng::stream(seed, "faults");
        let mut maybe = |cap: f64| {
            if rng.chance(0.5) {
                cap * rng.unit()
            } else {
                0.0
            }
        };
        let ecs = EcsFaults {
            server_error: maybe(0.05),
            no_capacity: maybe(0.2),
            failed_start: maybe(0.2),
            broken_image: maybe(0.03),
            spot_interruption: maybe(0.2),
        };
        let jenkins_unavailable = maybe(0.1);
        let sqs_duplicate = maybe(0.3);
        let worker_crash = maybe(0.1);
        let webhook_unavailable = maybe(0.3);
        let emitter_drop = maybe(0.2);
        let event_lost = maybe(0.2);
        let event_duplicate = maybe(0.3);
        let restart = (rng.chance(0.3)).then(|| {
            let at = rng.between(Duration::ZERO, until);
            let down = rng.between(Duration::from_secs(20), Duration::from_secs(120));
            (at, down)
        });
        let event_delay = if rng.chance(0.5) {
            rng.between(Duration::ZERO, Duration::from_secs(60))
        } else {
            Duration::ZERO
        };
        Self {
            ecs,
            jenkins_unavailable,
            restart,
            sqs_duplicate,
            worker_crash,
            webhook_unavailable,
            emitter_drop,
            event_lost,
            event_duplicate,
            event_delay,
            until,
        }
    }
}
