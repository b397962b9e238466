//! Whether a task whose node was missing from this run's node list is an
//! orphan. The node list is read before the task list, so a launch that
//! happens in between (the webhook creates the node after the list was
//! read, and its RunTask returns before the tasks are listed) shows a task
//! without a node. Asking Jenkins about that one node again, after the task
//! list, settles it: a launch that put its task in the list created its node
//! before, so the node shows now. One call per suspected orphan, which is
//! rare; no clock or task age is involved.

use super::Run;
use crate::jenkins::JenkinsNodes;
use crate::naming::AgentName;
use crate::ports::Ports;

impl<P: Ports> Run<'_, P> {
    /// Whether agent `name`'s node is still gone. If Jenkins cannot say, the
    /// task is left for the next run (reported as an error).
    pub(super) async fn node_still_gone(&mut self, name: &AgentName) -> bool {
        let jenkins = &self.reconciler.deployment.jenkins;
        match jenkins.agent_status(name).await {
            Ok(None) => true,
            Ok(Some(_)) => {
                tracing::info!(node = %name, "task kept: its node was created while the node list was read");
                false
            }
            Err(error) => {
                self.failed(format!("check the node of {name}"), &error);
                false
            }
        }
    }
}
