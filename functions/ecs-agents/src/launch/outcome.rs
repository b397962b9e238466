//! What a launch did, in the words the webhook answers with.

use serde::Serialize;

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
