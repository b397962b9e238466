//! The task-stopped handler: an agent's ECS task changed state. Why each
//! case is handled so: docs/how-it-works.md.
//!
//! - Not ours (another `startedBy` or cluster): ignored with no API call.
//! - Fargate Spot warning: the node is marked temporarily offline so no new
//!   build lands on it; the final STOPPED event deletes it. Without the
//!   permission to mark it (Agent/Disconnect) the warning is done anyway:
//!   said once per instance, never retried.
//! - STOPPED: the node is deleted (already gone is fine), `AgentStopped` is
//!   published with why and how long, and a task that failed to start is
//!   relaunched for the same queue item when the cause is transient and the
//!   build still waits, at most `max_attempts` launches per item (the attempt
//!   travels in the agent name, so no database counts it); a permanent cause
//!   is reported as `AgentLaunchFailed` instead.
//! - Anything else (RUNNING, PENDING…, also after STOPPED): nothing to do, so
//!   late or repeated events never resurrect an agent.
//!
//! Jenkins failing makes the handler fail, so Lambda's retries and the
//! dead-letter queue keep the event: a deletion is never reported done when
//! it was not. (A Spot warning's missing permission is not such a failure:
//! retries cannot grant it, and the deletion it would delay comes later.)

pub mod event;
mod note;
mod relaunch;
mod report;
mod spot;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tracing::{info, warn};

pub use event::EcsTaskStateChange;
pub use relaunch::RelaunchOptions;

use crate::config::{SecretDelivery, VersionedConfig};
use crate::envfiles::EnvFiles;
use crate::events::{AgentEvent, AgentEventKind, EventPublisher, StopReport};
use crate::jenkins::{Deleted, JenkinsError, JenkinsNodes};
use crate::launch::Launcher;
use crate::naming::AgentName;
use crate::ports::{Deployment, Ports};
use crate::timing::EcsPhases;

/// What handling one task event did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum TaskChangeOutcome {
    /// Not a task of this deployment.
    NotOurs,
    /// Ours, but nothing to do.
    Ignored {
        /// Why.
        reason: String,
    },
    /// Spot warning: the node no longer takes builds.
    MarkedOffline {
        /// Node name.
        node: AgentName,
    },
    /// Spot warning, but Jenkins refused to mark the node offline for a
    /// missing permission: it may take a build until its task stops.
    NotMarkedOffline {
        /// Node name.
        node: AgentName,
        /// Jenkins' refusal, naming the permission.
        reason: String,
    },
    /// The task stopped and its node is gone.
    Stopped {
        /// Node name.
        node: AgentName,
        /// True if this event deleted the node (false: it was gone already).
        node_deleted: bool,
        /// Why, in words.
        summary: String,
        /// The replacement launched for a failed start.
        #[serde(skip_serializing_if = "Option::is_none")]
        relaunched: Option<AgentName>,
        /// The parts of the task's start ECS spent, as far as its event
        /// tells (`crate::timing`).
        #[serde(skip_serializing_if = "EcsPhases::is_empty")]
        ecs: EcsPhases,
    },
}

/// Jenkins could not be told; the event must be retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("agent {node}: {source}")]
pub struct StopError {
    /// Node name.
    pub node: AgentName,
    /// What Jenkins said.
    #[source]
    pub source: JenkinsError,
}

/// Handles ECS task state changes for one deployment.
#[derive(Debug)]
pub struct TaskStopped<P: Ports> {
    deployment: Arc<Deployment<P>>,
    /// Launches replacements for tasks that failed to start.
    launcher: Launcher<P>,
    relaunch: RelaunchOptions,
    /// (task, version) already reported by this instance: EventBridge may
    /// deliver an event twice.
    reported: Mutex<HashSet<(String, u64)>>,
    /// Whether this instance has said that Spot warnings cannot mark nodes
    /// offline: every warning would say the same until someone grants it.
    offline_refusal_said: AtomicBool,
}

/// Reported events remembered per function instance before forgetting all.
const MAX_REMEMBERED: usize = 10_000;

impl<P: Ports> TaskStopped<P> {
    /// A handler for the deployment `launcher` acts for, launching
    /// replacements through it.
    pub fn new(launcher: Launcher<P>, relaunch: RelaunchOptions) -> Self {
        Self {
            deployment: Arc::clone(launcher.deployment()),
            launcher,
            relaunch,
            reported: Mutex::default(),
            offline_refusal_said: AtomicBool::new(false),
        }
    }

    /// The deployment: configuration and ports.
    pub fn deployment(&self) -> &Deployment<P> {
        &self.deployment
    }

    /// The launcher of replacements.
    pub fn launcher(&self) -> &Launcher<P> {
        &self.launcher
    }

    /// Handles one event's detail.
    #[tracing::instrument(skip_all, fields(task_arn = change.task_arn.as_deref(), last_status = change.last_status.as_deref(), version = change.version))]
    pub async fn handle(
        &self,
        change: &EcsTaskStateChange,
    ) -> Result<TaskChangeOutcome, StopError> {
        let Some(node) = self.our_agent(change) else {
            return Ok(TaskChangeOutcome::NotOurs);
        };
        // Only now, for tasks of ours: other deployments' events cost nothing.
        let config = self.deployment.config_for_invocation().await;
        if change.is_spot_warning() {
            return self.spot_warning(node).await;
        }
        if !change.is_stopped() {
            let status = change.last_status.as_deref().unwrap_or("unknown");
            return Ok(TaskChangeOutcome::Ignored {
                reason: format!("task is {status}; only STOPPED and Spot warnings need action"),
            });
        }
        let report = StopReport::from_event(change);
        let failure = relaunch::start_failure(change);
        if let Some(failure) = &failure {
            self.note_failed_start(&config, &node, failure, change)
                .await;
        }
        let deleted = self
            .deployment
            .jenkins
            .delete_agent(&node)
            .await
            .map_err(|source| StopError {
                node: node.clone(),
                source,
            })?;
        self.forget_env_file(&config, &node).await;
        let summary = report.summary();
        info!(node = %node, node_deleted = deleted == Deleted::Deleted, config_version = %config.version(), "agent {node} stopped: {summary}");
        let relaunched = match failure {
            Some(failure) => {
                self.after_failed_start(&config, &node, &failure, change)
                    .await
            }
            None => None,
        };
        self.report_stop(&config, change, &node, report).await;
        Ok(TaskChangeOutcome::Stopped {
            node,
            node_deleted: deleted == Deleted::Deleted,
            summary,
            relaunched,
            ecs: EcsPhases::of(&change.times()),
        })
    }

    /// Deletes the stopped agent's environment file: it holds a secret that
    /// no task needs any more. Best effort: the reconciler and the bucket's
    /// lifecycle rule delete what this misses, so a failure is only logged.
    async fn forget_env_file(&self, config: &VersionedConfig, node: &AgentName) {
        if config.cloud.secret_delivery != SecretDelivery::EnvironmentFile {
            return;
        }
        if let Err(error) = self.deployment.files.delete(node).await {
            warn!(node = %node, %error, "environment file not deleted; the reconciler will");
        }
    }

    /// Our agent's name, if the task is this deployment's. Which tasks are
    /// ours no version of the agents file changes (`config::Pinned`), so the
    /// version in use answers without reading the published file.
    fn our_agent(&self, change: &EcsTaskStateChange) -> Option<AgentName> {
        let config = self.deployment.config();
        let cloud = &config.cloud;
        if !cloud.owns_task(change.started_by.as_deref(), change.cluster_arn.as_deref()) {
            return None;
        }
        change
            .group
            .as_deref()
            .and_then(AgentName::from_group)
            .or_else(|| change.environment("JENKINS_AGENT_NAME").map(AgentName::new))
    }

    async fn report_stop(
        &self,
        config: &VersionedConfig,
        change: &EcsTaskStateChange,
        node: &AgentName,
        report: StopReport,
    ) {
        let key = (
            change.task_arn.clone().unwrap_or_default(),
            change.version.unwrap_or_default(),
        );
        {
            let mut reported = self.reported.lock().unwrap_or_else(|p| p.into_inner());
            if reported.len() >= MAX_REMEMBERED {
                reported.clear();
            }
            if !reported.insert(key) {
                return;
            }
        }
        let stop_code = report.stop_code.clone().unwrap_or_else(|| "Unknown".into());
        crate::metrics::Record::new([("StopCode", stop_code)])
            .metric("AgentsStopped", "Count", 1.0)
            .emit();
        let template = config
            .template_of(node.as_str())
            .map(|t| t.name.clone())
            .unwrap_or_default();
        // Per template: a node no template names (one removed since) is not measured.
        if let Some(record) = EcsPhases::of(&change.times())
            .record(&template)
            .filter(|_| !template.is_empty())
        {
            record.emit();
        }
        let event = AgentEvent {
            kind: AgentEventKind::AgentStopped,
            node: node.to_string(),
            template,
            config_version: config.version().to_string(),
            queue_item: config.agent_parts(node).map(|p| p.queue_item),
            task_arn: change.task_arn.clone(),
            reason: Some(report.summary()),
            stop: Some(report),
        };
        if let Err(error) = self.deployment.events.publish(&event).await {
            warn!(%error, "AgentStopped not published");
        }
    }
}
