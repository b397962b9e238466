//! What a launch did, or why it failed, in the words the webhook answers with.

use serde::Serialize;

use crate::ecs::{EcsError, LaunchFailure};
use crate::jenkins::JenkinsError;
use crate::naming::AgentName;

/// What a launch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum LaunchOutcome {
    /// A node was created and its task started.
    Launched {
        /// Node name.
        node: AgentName,
        /// Template that serves the build.
        template: String,
        /// The task.
        #[serde(rename = "task")]
        task_arn: String,
    },
    /// Another delivery of the same event is launching (or launched) this agent.
    AlreadyLaunching {
        /// Node name.
        node: AgentName,
        /// The task, when ECS returned it for the shared client token.
        #[serde(rename = "task", skip_serializing_if = "Option::is_none")]
        task_arn: Option<String>,
    },
    /// At a cap: not launched now; the reconciler launches when room frees up.
    Deferred {
        /// Template that serves the build.
        template: String,
        /// Which cap.
        reason: String,
    },
    /// Not ours, or nothing to do.
    Ignored {
        /// Why.
        reason: String,
    },
}

impl LaunchOutcome {
    pub(crate) fn ignored(reason: impl Into<String>) -> Self {
        Self::Ignored {
            reason: reason.into(),
        }
    }
}

/// A launch that failed and left nothing behind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct LaunchError {
    /// Whether the same launch may succeed later (capacity, throttling, Jenkins down).
    pub transient: bool,
    /// What went wrong, for the response and the `AgentLaunchFailed` event.
    pub reason: String,
    /// The launch was for a queue entry already served (a late redelivery).
    pub late: bool,
}

impl LaunchError {
    fn new(transient: bool, reason: String) -> Self {
        Self {
            transient,
            reason,
            late: false,
        }
    }

    pub(crate) fn from_jenkins(error: &JenkinsError, name: &AgentName) -> Self {
        Self::new(error.is_retryable(), format!("agent {name}: {error}"))
    }

    pub(crate) fn from_ecs(error: &EcsError, name: Option<&AgentName>) -> Self {
        let reason = match name {
            Some(name) => format!("agent {name}: {error}"),
            None => error.to_string(),
        };
        Self::new(error.is_retryable(), reason)
    }

    pub(crate) fn from_failure(failure: &LaunchFailure, name: &AgentName) -> Self {
        Self::new(
            failure.transient,
            format!(
                "agent {name}: ecs could not run the task: {}",
                failure.reason
            ),
        )
    }

    pub(crate) fn late(name: &AgentName) -> Self {
        Self {
            transient: false,
            reason: format!("agent {name} was launched before for this queue entry"),
            late: true,
        }
    }
}
