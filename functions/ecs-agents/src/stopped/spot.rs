//! A Fargate Spot warning: the task stops in about two minutes, so its node
//! should take no new build meanwhile.

use std::sync::atomic::Ordering;

use tracing::{debug, warn};

use super::{StopError, TaskChangeOutcome, TaskStopped};
use crate::jenkins::{JenkinsError, JenkinsNodes};
use crate::naming::AgentName;
use crate::ports::Ports;

/// The offline cause Jenkins shows on the node.
const REASON: &str = "Fargate Spot interruption: this agent's task stops in about two minutes";

impl<P: Ports> TaskStopped<P> {
    /// Marks the node temporarily offline. Without Agent/Disconnect
    /// (docs/jenkins-api.md §13) no retry can do it, and the STOPPED event that
    /// follows deletes the node regardless: the warning is done, with the
    /// refusal said once per instance instead of failing every warning into
    /// the dead-letter queue.
    pub(super) async fn spot_warning(
        &self,
        node: AgentName,
    ) -> Result<TaskChangeOutcome, StopError> {
        let marked = match self.deployment.jenkins.mark_offline(&node, REASON).await {
            Ok(marked) => marked,
            Err(error) if error.missing_permission().is_some() => {
                return Ok(self.not_marked(node, &error));
            }
            Err(source) => return Err(StopError { node, source }),
        };
        if !marked {
            return Ok(TaskChangeOutcome::Ignored {
                reason: format!("{node} is already gone"),
            });
        }
        warn!(node = %node, "agent {node} marked offline: {REASON}");
        Ok(TaskChangeOutcome::MarkedOffline { node })
    }

    fn not_marked(&self, node: AgentName, error: &JenkinsError) -> TaskChangeOutcome {
        let first = !self.offline_refusal_said.swap(true, Ordering::Relaxed);
        if first {
            warn!(node = %node, %error, "Spot warnings cannot take agents offline until the Jenkins user is granted the permission; their nodes are still deleted when their tasks stop");
        } else {
            debug!(node = %node, %error, "Spot warning: agent not marked offline");
        }
        TaskChangeOutcome::NotMarkedOffline {
            node,
            reason: error.to_string(),
        }
    }
}
