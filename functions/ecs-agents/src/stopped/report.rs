//! What an agent's stopped task tells a user, read from the ECS event into
//! the [`StopReport`] the `AgentStopped` event and one log line carry.

use super::event::EcsTaskStateChange;
use crate::events::{ContainerEnd, StopReport};

impl StopReport {
    /// The report of a STOPPED event.
    pub fn from_event(change: &EcsTaskStateChange) -> Self {
        let between = |from: Option<chrono::DateTime<chrono::Utc>>,
                       to: Option<chrono::DateTime<chrono::Utc>>| {
            Some((to? - from?).num_milliseconds())
        };
        Self {
            stop_code: change.stop_code.clone(),
            stopped_reason: change.stopped_reason.clone(),
            containers: change
                .containers
                .iter()
                .map(|c| ContainerEnd {
                    name: c.name.clone().unwrap_or_default(),
                    exit_code: c.exit_code,
                    reason: c.reason.clone(),
                })
                .collect(),
            start_ms: between(change.created_at, change.started_at),
            run_ms: between(change.started_at, change.stopped_at),
            event_version: change.version,
        }
    }
}
