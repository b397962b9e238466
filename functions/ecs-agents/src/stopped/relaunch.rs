//! Tasks that never started: a retryable cause gets a replacement for the
//! same queue item, with exponential backoff and a hard limit on attempts; a
//! permanent cause is reported and never retried (which is which:
//! [`StartFailure`]).
//!
//! The attempt number travels in the agent name (`<cloud>-<template>-<item>-<n>`),
//! so attempts are counted across invocations without a database, and a
//! duplicate event derives the same replacement name (and client token).

use std::time::Duration;

use tracing::{info, warn};

use super::TaskStopped;
use super::event::EcsTaskStateChange;
use crate::config::VersionedConfig;
use crate::events::{AgentEvent, AgentEventKind, EventPublisher};
use crate::jenkins::{JenkinsNodes, QueueItemState};
use crate::launch::{MAX_START_ATTEMPTS, QueuedBuild, StartFailure};
use crate::naming::AgentName;
use crate::ports::Ports;

/// Limits on replacing agents whose task failed to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelaunchOptions {
    /// Launches per queue item, the first included.
    pub max_attempts: u32,
    /// Wait before the first relaunch; doubled for each further one.
    pub backoff: Duration,
    /// Longest wait (the function's timeout must exceed it).
    pub backoff_cap: Duration,
}

impl Default for RelaunchOptions {
    fn default() -> Self {
        Self {
            max_attempts: MAX_START_ATTEMPTS,
            backoff: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(20),
        }
    }
}

/// What follows a failed start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    /// A replacement, if the build still waits; `in_window` launches of the
    /// hour's window have failed so far.
    Relaunch {
        /// Failed launches in this hour's window.
        in_window: u32,
    },
    /// No replacement: reported as `AgentLaunchFailed` with this reason.
    GiveUp {
        /// Why, for the event.
        reason: String,
    },
}

/// The failure, if the task never started (no `startedAt`, or TaskFailedToStart).
pub(crate) fn start_failure(change: &EcsTaskStateChange) -> Option<StartFailure> {
    let reason = || {
        change
            .stopped_reason
            .clone()
            .or_else(|| change.containers.iter().find_map(|c| c.reason.clone()))
    };
    StartFailure::classify(
        change.stop_code.as_deref(),
        change.started_at.is_some(),
        reason,
    )
}

/// When the failed task was created, standing in for its queue item's
/// `inQueueSince` when Jenkins will not tell: every delivery of the event
/// carries the same, so the replacement's client token (docs/aws.md §2) still
/// makes duplicates converge. The replacement's queue-to-launch time then
/// counts from the failed attempt, not from the item's entry.
fn stand_in_queue_time(change: &EcsTaskStateChange) -> u64 {
    change
        .created_at
        .and_then(|t| u64::try_from(t.timestamp_millis()).ok())
        .unwrap_or(0)
}

impl<P: Ports> TaskStopped<P> {
    /// Relaunches or reports the failed start `change` tells of; the name of
    /// a replacement, if any.
    pub(crate) async fn after_failed_start(
        &self,
        config: &VersionedConfig,
        node: &AgentName,
        failure: &StartFailure,
        change: &EcsTaskStateChange,
    ) -> Option<AgentName> {
        let parts = config.agent_parts(node)?;
        let (template, item, attempt) = (parts.template, parts.queue_item, parts.attempt);
        let next = attempt + 1;
        let in_window = match self.verdict(attempt, failure) {
            Verdict::Relaunch { in_window } => in_window,
            Verdict::GiveUp { reason } => {
                self.report_launch_failure(config, node, &template.name, item, reason)
                    .await;
                return None;
            }
        };
        let in_queue_since = match self.deployment.jenkins.queue_item(item).await {
            Ok(QueueItemState::Queued { in_queue_since }) => in_queue_since,
            Ok(_) => return None,
            // The user may discover the build but not read it (Job/Read,
            // docs/jenkins-api.md §13): it has not left, and the reconciler,
            // which sees only readable items, never will relaunch it. So
            // relaunch, failing open as the launcher does.
            Err(error) if error.missing_permission().is_some() => {
                warn!(%error, "cannot read queue item {item}; relaunching as if it still waits");
                stand_in_queue_time(change)
            }
            Err(error) => {
                warn!(%error, "cannot tell whether the build still waits; the reconciler will relaunch if it does");
                return None;
            }
        };
        tokio::time::sleep(self.backoff(in_window - 1)).await;
        let name = config.cloud.agent_name(&template.name, item, next);
        let build = QueuedBuild {
            queue_item: item,
            label: None,
            job_name: None,
            in_queue_since,
            age: None,
            verified_queued: true,
        };
        match self
            .launcher
            .launch_agent(config, &build, template, name.clone())
            .await
        {
            Ok(_) => {
                info!(node = %name, attempt = next, "replacement agent launched after: {}", failure.reason);
                Some(name)
            }
            Err(error) => {
                warn!(node = %name, %error, "replacement launch failed; the reconciler will retry");
                None
            }
        }
    }

    /// Whether the failed start of launch `attempt` gets a replacement.
    /// Attempts are counted within their hour's window: the reconciler
    /// numbers a later hour's launches from `hours × max_attempts`.
    pub(super) fn verdict(&self, attempt: u32, failure: &StartFailure) -> Verdict {
        let max = self.relaunch.max_attempts;
        let in_window = attempt % max.max(1) + 1;
        if failure.retryable && in_window < max {
            return Verdict::Relaunch { in_window };
        }
        let reason = match failure.retryable {
            true => format!("gave up after {in_window} attempts: {}", failure.reason),
            false => failure.reason.clone(),
        };
        Verdict::GiveUp { reason }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt);
        self.relaunch
            .backoff
            .saturating_mul(factor)
            .min(self.relaunch.backoff_cap)
    }

    async fn report_launch_failure(
        &self,
        config: &VersionedConfig,
        node: &AgentName,
        template: &str,
        item: u64,
        reason: String,
    ) {
        warn!(node = %node, %reason, "agent never started; not relaunched");
        let event = AgentEvent {
            kind: AgentEventKind::AgentLaunchFailed,
            node: node.to_string(),
            template: template.to_owned(),
            config_version: config.version().to_string(),
            queue_item: Some(item),
            task_arn: None,
            reason: Some(reason),
            stop: None,
        };
        if let Err(error) = self.deployment.events.publish(&event).await {
            warn!(%error, "AgentLaunchFailed not published");
        }
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::stopped::event::ContainerState;

    fn failed(reason: &str) -> EcsTaskStateChange {
        EcsTaskStateChange {
            last_status: Some("STOPPED".into()),
            stop_code: Some("TaskFailedToStart".into()),
            stopped_reason: Some(reason.into()),
            containers: vec![ContainerState {
                reason: Some(reason.into()),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn missing_images_and_denied_access_are_permanent() {
        for reason in [
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): docker.io/jenkins/inbound-agent:nope: not found",
            "ResourceInitializationError: unable to pull secrets or registry auth: AccessDeniedException: User is not authorized",
            "CannotPullContainerError: repository does not exist or may require 'docker login'",
        ] {
            assert!(
                !start_failure(&failed(reason)).unwrap().retryable,
                "{reason}"
            );
        }
    }

    #[test]
    fn capacity_and_network_trouble_is_transient() {
        for reason in [
            "Capacity is unavailable at this time. Please try again later or in a different availability zone",
            "ResourceInitializationError: failed to configure ENI: timeout",
            "CannotPullContainerError: failed to do request: dial tcp 1.2.3.4:443: i/o timeout",
        ] {
            assert!(
                start_failure(&failed(reason)).unwrap().retryable,
                "{reason}"
            );
        }
    }

    #[test]
    fn a_task_that_started_did_not_fail_to_start() {
        let mut change = failed("Essential container in task exited");
        change.stop_code = Some("EssentialContainerExited".into());
        change.started_at = Some(chrono::Utc::now());
        assert_eq!(start_failure(&change), None);
    }
}
