//! The launch's own deadline, a few seconds under the function's timeout.
//!
//! A launch makes up to six remote calls (queue check, agent count, node,
//! secret, task definition, RunTask), each bounded on its own (Jenkins 10 s,
//! the SDK's retries with backoff), so a slow controller or a throttled ECS
//! can make one last longer than the Lambda timeout (30 s in
//! `infra/template.yaml`). Killed midway, the function would answer nothing
//! and leave a node without a task behind. Instead, once the deadline passes
//! the launch stops where it is, deletes the node it created (given
//! [`CLEANUP_GRACE`] more), and answers as a transient failure: 503 with
//! `Retry-After`, so the emitter tries again and the retry converges on the
//! same name and client token.

use std::future::Future;
use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::{CallError, LaunchError, Launcher};
use crate::naming::AgentName;
use crate::ports::Ports;

/// How long after the deadline the launch may spend deleting the node it
/// created; the answer still comes before the function's timeout when the
/// deadline is that much (and a little more) under it. A node whose deletion
/// is cut short is offline with no task: the reconciler deletes it as a ghost.
pub const CLEANUP_GRACE: Duration = Duration::from_secs(3);

impl<P: Ports> Launcher<P> {
    /// When a launch starting now must be done.
    pub(crate) fn deadline(&self) -> Instant {
        Instant::now() + self.options.deadline
    }

    /// `step` of agent `name`'s launch, or the launch's error once
    /// `deadline` passes while it is still `during` it.
    pub(super) async fn in_time<T>(
        &self,
        deadline: Instant,
        name: &AgentName,
        during: &'static str,
        step: impl Future<Output = T>,
    ) -> Result<T, LaunchError> {
        timeout_at(deadline, step).await.map_err(|_| {
            LaunchError::Retryable(CallError::PastDeadline {
                node: name.clone(),
                deadline: self.options.deadline,
                during,
            })
        })
    }
}
