//! A failed start, told to whoever looks at the waiting build in Jenkins:
//! written on the agent's node just before task-stopped deletes it, so
//! that the emitter reads it off Jenkins' `ComputerListener` callback and
//! writes it into the build's log (`launch::BuildNote`, docs/emitter.md).

use super::TaskStopped;
use super::event::EcsTaskStateChange;
use super::relaunch::Verdict;
use crate::config::VersionedConfig;
use crate::launch::{BuildNote, StartFailure};
use crate::naming::AgentName;
use crate::ports::Ports;

impl<P: Ports> TaskStopped<P> {
    /// Says why `node`'s task never started, what to fix, and whether another
    /// agent follows. Best effort, like every note.
    pub(super) async fn note_failed_start(
        &self,
        config: &VersionedConfig,
        node: &AgentName,
        failure: &StartFailure,
        change: &EcsTaskStateChange,
    ) {
        let Some(parts) = config.agent_parts(node) else {
            return;
        };
        let next = match self.verdict(parts.attempt, failure) {
            Verdict::Relaunch { in_window } => format!(
                "A new agent is launched if the build still waits (attempt {} of {})",
                in_window + 1,
                self.relaunch.max_attempts
            ),
            Verdict::GiveUp { .. } if failure.retryable => format!(
                "Gave up after {} attempts; while the build waits, one more launch is tried each hour",
                self.relaunch.max_attempts
            ),
            Verdict::GiveUp { .. } => {
                "Not retried; while the build waits, one more launch is tried each hour".to_owned()
            }
        };
        let note = BuildNote::start_failed(
            parts.queue_item,
            node,
            change.task_arn.as_deref(),
            &failure.reason,
            &next,
        );
        self.launcher.post_note(node, &note).await;
    }
}
