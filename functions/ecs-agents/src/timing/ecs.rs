//! The parts of a task's start that ECS spends, from the timestamps of its
//! "ECS Task State Change" event (docs/aws.md §1, §29): provisioning
//! (`createdAt` → `pullStartedAt`: capacity, the network interface), the
//! image pull (`pullStartedAt` → `pullStoppedAt`) and the start of the
//! containers (`pullStoppedAt` → `startedAt`).
//!
//! A part is measured only when both its ends are known and in order: a
//! task that failed to start lacks `pullStoppedAt` or `startedAt`, and a
//! failed pull's time is not a pull time.

use serde::Serialize;

use crate::metrics::Record;

/// A task's lifecycle timestamps, epoch milliseconds; `None` when the event
/// lacks one (or holds something that is not a time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskTimes {
    /// `createdAt`: RunTask accepted the task.
    pub created_at: Option<u64>,
    /// `pullStartedAt`.
    pub pull_started_at: Option<u64>,
    /// `pullStoppedAt`.
    pub pull_stopped_at: Option<u64>,
    /// `startedAt`: the containers run.
    pub started_at: Option<u64>,
}

/// The parts ECS spent starting one task, milliseconds; `None` where not
/// measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EcsPhases {
    /// `createdAt` → `pullStartedAt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_ms: Option<u64>,
    /// `pullStartedAt` → `pullStoppedAt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_pull_ms: Option<u64>,
    /// `pullStoppedAt` → `startedAt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<u64>,
}

impl EcsPhases {
    /// The metric names, in the order of the fields.
    pub const METRICS: [&'static str; 3] = ["TaskProvisioningMs", "ImagePullMs", "TaskStartMs"];

    /// The parts `times` measure.
    pub fn of(times: &TaskTimes) -> Self {
        Self {
            provisioning_ms: between(times.created_at, times.pull_started_at),
            image_pull_ms: between(times.pull_started_at, times.pull_stopped_at),
            start_ms: between(times.pull_stopped_at, times.started_at),
        }
    }

    /// Whether no part was measured.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// One EMF record of the measured parts for `template`; `None` when
    /// nothing was measured.
    pub fn record(&self, template: &str) -> Option<Record> {
        if self.is_empty() {
            return None;
        }
        let parts = [self.provisioning_ms, self.image_pull_ms, self.start_ms];
        let record = Self::METRICS
            .into_iter()
            .zip(parts)
            .filter_map(|(name, ms)| Some((name, ms?)))
            .fold(
                Record::new([("Template", template.to_owned())]),
                |r, (name, ms)| r.metric(name, "Milliseconds", ms as f64),
            );
        Some(record)
    }
}

/// `to - from`, if both are known and in order.
fn between(from: Option<u64>, to: Option<u64>) -> Option<u64> {
    to?.checked_sub(from?)
}
