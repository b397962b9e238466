//! The launch worker, as the lead's design describes it (issue 13 §1),
//! until `ecs_agents::worker` lands: one recorded piece of work, run
//! through the real [`Launcher`]; a retryable failure puts the message
//! back for later, anything else is done.

use std::time::Duration;

use ecs_agents::launch::{Launcher, QueuedBuild};
use ecs_agents::naming::AgentName;
use ecs_agents::ports::Ports;

use crate::rng::Rng;

/// What the webhook records on the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// `queue.buildable` for a label a template serves.
    Launch {
        /// Queue item id.
        queue_item: u64,
        /// Its label.
        label: String,
        /// The job's name.
        job: String,
        /// `inQueueSince`, epoch ms.
        in_queue_since: u64,
        /// When the emitter saw it (`eventTime`), epoch ms.
        event_time: u64,
    },
    /// `queue.left` with `cancelled`.
    Cancel {
        /// Queue item id.
        queue_item: u64,
    },
    /// `agent.released`.
    Release {
        /// The agent that ran its build.
        node: AgentName,
    },
}

/// What became of one piece of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Delete the message.
    Done,
    /// Put it back (`ChangeMessageVisibility`) for [`backoff`].
    RetryLater,
}

/// The worker of one function instance.
#[derive(Debug)]
pub struct Worker<P: Ports> {
    launcher: Launcher<P>,
}

impl<P: Ports> Worker<P> {
    /// A worker launching through `launcher`.
    pub fn new(launcher: Launcher<P>) -> Self {
        Self { launcher }
    }

    /// Runs `work` at `now_ms`.
    pub async fn handle(&self, work: &Work, now_ms: u64) -> Handled {
        let retryable = match work {
            Work::Launch {
                queue_item,
                label,
                job,
                in_queue_since,
                event_time,
            } => {
                let build = QueuedBuild {
                    queue_item: *queue_item,
                    label: Some(label.clone()),
                    job_name: Some(job.clone()),
                    in_queue_since: *in_queue_since,
                    age: Some(Duration::from_millis(now_ms.saturating_sub(*event_time))),
                    verified_queued: false,
                };
                self.launcher
                    .launch(&build)
                    .await
                    .err()
                    .is_some_and(|e| e.is_retryable())
            }
            Work::Cancel { queue_item } => self
                .launcher
                .cancel(*queue_item)
                .await
                .err()
                .is_some_and(|e| e.is_retryable()),
            Work::Release { node } => self
                .launcher
                .release(node)
                .await
                .err()
                .is_some_and(|e| e.is_retryable()),
        };
        if retryable {
            Handled::RetryLater
        } else {
            Handled::Done
        }
    }
}

/// How long a message put back after its `receive_count`-th receive stays
/// hidden: 2 s doubling to 60 s, plus up to 25 % jitter so retries of one
/// burst spread out.
pub fn backoff(receive_count: u32, rng: &mut Rng) -> Duration {
    let doublings = receive_count.saturating_sub(1).min(6);
    let base = Duration::from_secs(2 << doublings).min(Duration::from_secs(60));
    base + base.mul_f64(0.25 * rng.unit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_two_seconds_to_a_minute_with_a_quarter_of_jitter() {
        let mut rng = Rng::new(3);
        for (count, base) in [(1, 2), (2, 4), (3, 8), (5, 32), (6, 60), (20, 60)] {
            let wait = backoff(count, &mut rng);
            let base = Duration::from_secs(base);
            assert!(
                wait >= base && wait <= base.mul_f64(1.25),
                "{count}: {wait:?}"
            );
        }
    }
}
