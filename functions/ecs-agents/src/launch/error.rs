//! Why a launch or a retirement failed, keeping the Jenkins or ECS error
//! that caused it. Messages are whole sentences ("agent ecs-linux-4: jenkins
//! is unavailable: …"): the webhook answers with them and `AgentLaunchFailed`
//! carries them, so they include the cause's text as well as keeping it.

use crate::ecs::{EcsError, LaunchFailure};
use crate::envfiles::EnvFileError;
use crate::jenkins::JenkinsError;
use crate::naming::AgentName;

/// A launch that failed and left nothing behind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    /// The same launch may succeed later (capacity, throttling, Jenkins
    /// down): the caller should retry later.
    #[error(transparent)]
    Retryable(CallError),
    /// It cannot succeed as things stand (image, permissions, parameters):
    /// reported as `AgentLaunchFailed`, never retried.
    #[error(transparent)]
    Permanent(CallError),
    /// This queue entry was served by an earlier launch (a late redelivery).
    #[error("agent {node} was launched before for this queue entry")]
    AlreadyServed {
        /// The agent of the earlier launch.
        node: AgentName,
    },
}

impl LaunchError {
    /// Whether the same launch may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable(_))
    }

    pub(crate) fn jenkins(node: &AgentName, source: JenkinsError) -> Self {
        let retryable = source.is_retryable();
        Self::classed(
            retryable,
            CallError::Jenkins {
                node: node.clone(),
                source,
            },
        )
    }

    pub(crate) fn ecs(node: Option<&AgentName>, source: EcsError) -> Self {
        let retryable = source.is_retryable();
        Self::classed(
            retryable,
            CallError::Ecs {
                node: node.cloned(),
                source,
            },
        )
    }

    pub(crate) fn env_file(node: &AgentName, source: EnvFileError) -> Self {
        let retryable = source.is_retryable();
        Self::classed(
            retryable,
            CallError::EnvFile {
                node: node.clone(),
                source,
            },
        )
    }

    pub(crate) fn not_run(node: &AgentName, failure: &LaunchFailure) -> Self {
        Self::classed(
            failure.retryable,
            CallError::NotRun {
                node: node.clone(),
                reason: failure.reason.clone(),
            },
        )
    }

    fn classed(retryable: bool, error: CallError) -> Self {
        match retryable {
            true => Self::Retryable(error),
            false => Self::Permanent(error),
        }
    }
}

/// A Jenkins or ECS call about one agent that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// Jenkins failed or refused.
    #[error("agent {node}: {source}")]
    Jenkins {
        /// The agent the call was about.
        node: AgentName,
        /// What Jenkins said.
        source: JenkinsError,
    },
    /// ECS failed or refused (`node` is `None` for calls about no one agent,
    /// such as counting this deployment's tasks).
    #[error("{}{source}", about(node.as_ref()))]
    Ecs {
        /// The agent the call was about, if one.
        node: Option<AgentName>,
        /// What ECS said.
        source: EcsError,
    },
    /// The agent's environment file could not be written.
    #[error("agent {node}: {source}")]
    EnvFile {
        /// The agent the file is for.
        node: AgentName,
        /// What the store said.
        source: EnvFileError,
    },
    /// ECS answered RunTask with a failure (`failures[]`) and no task.
    #[error("agent {node}: ecs could not run the task: {reason}")]
    NotRun {
        /// The agent whose task did not run.
        node: AgentName,
        /// ECS's reason and detail.
        reason: String,
    },
    /// The launch's deadline passed before a call answered (transient).
    #[error("agent {node}: the launch deadline of {} s passed while {during}", deadline.as_secs())]
    PastDeadline {
        /// The agent being launched.
        node: AgentName,
        /// The deadline, from the start of the launch.
        deadline: std::time::Duration,
        /// Which step was still waiting.
        during: &'static str,
    },
}

/// Retiring an agent failed; the next event or reconcile run tries again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetireError {
    /// Jenkins failed or refused.
    #[error("agent {node}: {source}")]
    Jenkins {
        /// The agent being retired.
        node: AgentName,
        /// What Jenkins said.
        source: JenkinsError,
    },
    /// ECS failed or refused.
    #[error("{}{source}", about(node.as_ref()))]
    Ecs {
        /// The agent being retired, if one.
        node: Option<AgentName>,
        /// What ECS said.
        source: EcsError,
    },
}

impl RetireError {
    /// Whether the same retirement may succeed later.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Jenkins { source, .. } => source.is_retryable(),
            Self::Ecs { source, .. } => source.is_retryable(),
        }
    }
}

/// `agent <name>: ` when the call was about one agent.
fn about(node: Option<&AgentName>) -> String {
    node.map(|n| format!("agent {n}: ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_launch_error_keeps_its_cause_and_says_it_in_its_message() {
        let node = AgentName::new("ecs-linux-4");
        let error = LaunchError::jenkins(&node, JenkinsError::Unavailable("timed out".into()));
        assert!(error.is_retryable());
        assert_eq!(
            error.to_string(),
            "agent ecs-linux-4: jenkins is unavailable: timed out"
        );
        let cause =
            std::error::Error::source(&error).and_then(|e| e.downcast_ref::<JenkinsError>());
        assert_eq!(cause, Some(&JenkinsError::Unavailable("timed out".into())));
    }

    #[test]
    fn an_ecs_refusal_is_permanent_and_a_throttle_is_retryable() {
        let refused = LaunchError::ecs(None, EcsError::Rejected("AccessDenied".into()));
        assert!(!refused.is_retryable());
        assert_eq!(
            refused.to_string(),
            "ecs rejected the request: AccessDenied"
        );
        let node = AgentName::new("ecs-linux-4");
        let throttled = LaunchError::ecs(Some(&node), EcsError::Throttled("Rate exceeded".into()));
        assert!(throttled.is_retryable());
        assert!(throttled.to_string().starts_with("agent ecs-linux-4: "));
    }
}
