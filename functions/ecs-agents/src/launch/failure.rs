//! Tasks that never started, and whether another launch may help: one rule
//! for task-stopped (reading the task event) and the reconciler (reading
//! ECS's list of stopped tasks).
//!
//! A transient cause (capacity, Spot, a network hiccup while pulling) is
//! worth another attempt, up to [`MAX_START_ATTEMPTS`] per queue item and
//! hour; a permanent one (image not found, access denied, bad configuration)
//! is reported and never retried: no endless relaunch loop (the Kubernetes
//! plugin's ImagePullBackOff lesson, docs/peers.md).

use crate::ecs::StoppedAgentTask;

/// Launches per queue item within an hour, the first included.
pub const MAX_START_ATTEMPTS: u32 = 3;

/// Why a task never started, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartFailure {
    /// ECS's reason.
    pub reason: String,
    /// Whether another launch may succeed.
    pub retryable: bool,
}

/// Words in ECS reasons that no retry can fix.
const PERMANENT: [&str; 10] = [
    "not found",
    "manifest unknown",
    "does not exist",
    "accessdenied",
    "access denied",
    "not authorized",
    "unauthorized",
    "invalid",
    "no such",
    "denied",
];

/// Whether ECS's reason for a failed start names a cause no retry can fix.
/// A reason that says it clears by itself (an ENI provisioning timeout,
/// throttling, a quota: docs/aws.md §9) never does, whatever other words it
/// quotes (`InvalidParameterException: … Request limit exceeded`).
fn is_permanent(reason: &str) -> bool {
    if crate::ecs::transient::clears_by_itself(reason) {
        return false;
    }
    let lower = reason.to_lowercase();
    PERMANENT.iter().any(|word| lower.contains(word))
}

impl StartFailure {
    /// The failure of a task that stopped with `stop_code`, having `started`
    /// or not, for the reason `reason` gives (read only for a failure);
    /// `None` if it did start and was not `TaskFailedToStart`.
    pub fn classify(
        stop_code: Option<&str>,
        started: bool,
        reason: impl FnOnce() -> Option<String>,
    ) -> Option<Self> {
        if stop_code != Some("TaskFailedToStart") && started {
            return None;
        }
        let reason = reason().unwrap_or_else(|| "task stopped before it started".to_owned());
        let retryable = !is_permanent(&reason);
        Some(Self { reason, retryable })
    }

    /// The failure of a listed stopped task, if it never started.
    pub fn of_stopped_task(task: &StoppedAgentTask) -> Option<Self> {
        Self::classify(task.stop_code.as_deref(), task.started, || {
            task.reason.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed_start(reason: &str) -> StartFailure {
        let reason = reason.to_owned();
        StartFailure::classify(Some("TaskFailedToStart"), false, || Some(reason))
            .expect("a task that never started failed to start")
    }

    #[test]
    fn a_start_that_failed_for_a_passing_condition_is_retried() {
        for text in crate::ecs::transient::REAL_TEXTS {
            assert!(failed_start(text).retryable, "{text}");
        }
    }

    #[test]
    fn a_passing_condition_wins_over_the_exception_name_it_quotes() {
        let quoted = "InvalidParameterException: Error retrieving security group information for \
            [sg-05937427457b61ff5]: Request limit exceeded. (ErrorCode: RequestLimitExceeded)";
        assert!(failed_start(quoted).retryable);
    }

    #[test]
    fn a_start_that_failed_for_its_configuration_is_not_retried() {
        for text in [
            "CannotPullContainerError: docker.io/acme/agent:nope: not found",
            "ResourceInitializationError: unable to pull secrets or registry auth: \
             AccessDeniedException",
        ] {
            assert!(!failed_start(text).retryable, "{text}");
        }
    }
}
