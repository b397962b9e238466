//! Time to start, measured where users feel it: from a build entering the
//! Jenkins queue to its agent coming online (`QueueToOnlineMs`) and to the
//! agent accepting a build (`QueueToBuildStartMs`), per template, from what
//! the Jenkins-side emitter reports (`agent.online`, `build.started`,
//! docs/webhook-protocol.md); and the parts of a task's start ECS spends
//! ([`EcsPhases`]), from its STOPPED event.
//!
//! Both figures are differences of two Jenkins timestamps the event carries
//! (the item's `inQueueSince` and the moment the emitter saw the milestone),
//! so no state ties the event to its launch, and an event that arrives late
//! (the webhook was down, the emitter retried) counts with its own times.
//!
//! A repeated event (the emitter retried after a lost answer, or re-ran
//! after a controller restart) counts once per function instance: each
//! instance remembers the last [`REMEMBERED`] milestones it recorded. Two
//! instances, or one that was recycled, may each count the same milestone
//! once; the percentiles shift by one sample, which is why this memory is
//! not worth a table.

mod ecs;
#[cfg(test)]
mod tests;

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use serde::Serialize;

use crate::metrics::Record;

pub use ecs::{EcsPhases, TaskTimes};

/// Milestones remembered per function instance; the oldest is forgotten
/// first, and repeats arrive within minutes of the first.
pub const REMEMBERED: usize = 10_000;

/// A moment in an agent's start the emitter reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Milestone {
    /// The agent connected to Jenkins (`agent.online`).
    Online,
    /// The agent accepted a build (`build.started`).
    BuildStart,
}

impl Milestone {
    /// The metric that measures the time to it.
    pub fn metric(self) -> &'static str {
        match self {
            Self::Online => "QueueToOnlineMs",
            Self::BuildStart => "QueueToBuildStartMs",
        }
    }
}

/// One milestone of one agent, as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// Which milestone.
    pub milestone: Milestone,
    /// The agent's node name.
    pub node: String,
    /// The queue item: the one the agent was launched for (online), or the
    /// one whose build it accepted (build start).
    pub queue_item: u64,
    /// When that item entered the queue, epoch milliseconds.
    pub in_queue_since: u64,
    /// When the milestone was reached, epoch milliseconds.
    pub at: u64,
}

impl Reached {
    /// Milliseconds from the queue to the milestone; 0 when the clocks
    /// disagree (a milestone before its queue entry is clock skew, not a
    /// negative wait).
    pub fn waited_ms(&self) -> u64 {
        self.at.saturating_sub(self.in_queue_since)
    }
}

/// What recording a milestone did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Timed {
    /// Counted: the metric, its template and value.
    Recorded {
        /// `QueueToOnlineMs` or `QueueToBuildStartMs`.
        metric: &'static str,
        /// The agent's template.
        template: String,
        /// Milliseconds from the queue to the milestone.
        ms: u64,
    },
    /// This instance counted it already.
    Duplicate {
        /// The milestone.
        milestone: Milestone,
        /// The agent's node name.
        node: String,
    },
}

impl Timed {
    /// The EMF record to emit, if counted.
    pub fn record(&self) -> Option<Record> {
        match self {
            Self::Recorded {
                metric,
                template,
                ms,
            } => {
                let record = Record::new([("Template", template.clone())]).metric(
                    metric,
                    "Milliseconds",
                    *ms as f64,
                );
                // The alarm watches the time to build start of every template.
                Some(match *metric == Milestone::BuildStart.metric() {
                    true => record.with_rollup(),
                    false => record,
                })
            }
            Self::Duplicate { .. } => None,
        }
    }
}

/// The milestones one function instance recorded, so that each counts once.
#[derive(Debug, Default)]
pub struct Milestones {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    keys: HashSet<Key>,
    order: VecDeque<Key>,
}

/// An agent comes online once per launch; a build starts once per item.
type Key = (Milestone, String, u64);

impl Milestones {
    /// Counts `reached` for `template` unless this instance counted it
    /// already; the caller emits [`Timed::record`].
    pub fn record(&self, reached: &Reached, template: &str) -> Timed {
        let key = (reached.milestone, reached.node.clone(), reached.queue_item);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if !seen.keys.insert(key.clone()) {
            return Timed::Duplicate {
                milestone: reached.milestone,
                node: reached.node.clone(),
            };
        }
        seen.order.push_back(key);
        if seen.order.len() > REMEMBERED
            && let Some(oldest) = seen.order.pop_front()
        {
            seen.keys.remove(&oldest);
        }
        Timed::Recorded {
            metric: reached.milestone.metric(),
            template: template.to_owned(),
            ms: reached.waited_ms(),
        }
    }
}
