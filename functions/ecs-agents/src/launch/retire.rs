//! Retiring agents on Jenkins' word: `agent.released` (the agent ran its one
//! build) and `queue.left` with `cancelled` (nobody needs the agent any more).
//! Both are idempotent: a missing node or task counts as already done.

use serde::Serialize;
use tracing::info;

use super::{LaunchError, Launcher, template_of};
use crate::config::AgentsConfig;
use crate::ecs::{AgentTask, AgentTasks};
use crate::events::EventPublisher;
use crate::jenkins::JenkinsNodes;
use crate::naming::AgentName;

/// What retiring did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum RetireOutcome {
    /// The agent's node is gone and its task stopped (or already was).
    Released {
        /// Node name.
        node: AgentName,
        /// The task stopped now, if one was still running.
        #[serde(rename = "task", skip_serializing_if = "Option::is_none")]
        task_arn: Option<String>,
    },
    /// Agents launched for a cancelled item that had not connected were retired.
    Cancelled {
        /// Their node names.
        nodes: Vec<AgentName>,
    },
    /// Nothing of ours to do.
    Ignored {
        /// Why.
        reason: String,
    },
}

impl<J: JenkinsNodes, E: AgentTasks, P: EventPublisher> Launcher<J, E, P> {
    /// The agent finished its single build: delete its node, stop its task.
    #[tracing::instrument(skip_all, fields(node = %node))]
    pub async fn release(&self, node: &AgentName) -> Result<RetireOutcome, LaunchError> {
        if template_of(&self.config, node.as_str()).is_none() {
            return Ok(RetireOutcome::Ignored {
                reason: format!("{node} is not an agent of this deployment"),
            });
        }
        // Node first: with -noReconnect the agent then exits by itself, and
        // a build can never land on a node whose task is going away.
        self.jenkins
            .delete_agent(node)
            .await
            .map_err(|e| LaunchError::from_jenkins(&e, node))?;
        let tasks = self
            .ecs
            .active_tasks()
            .await
            .map_err(|e| LaunchError::from_ecs(&e, Some(node)))?;
        let task = tasks.into_iter().find(|t| t.agent.as_ref() == Some(node));
        if let Some(task) = &task {
            self.stop(task, "Jenkins agent finished its build").await?;
        }
        self.usage.invalidate();
        info!(
            task_arn = task.as_ref().map(|t| t.task_arn.as_str()),
            "agent released"
        );
        Ok(RetireOutcome::Released {
            node: node.clone(),
            task_arn: task.map(|t| t.task_arn),
        })
    }

    /// A queue item was cancelled: retire its agents that have not connected.
    #[tracing::instrument(skip_all, fields(queue_item))]
    pub async fn cancel(&self, queue_item: u64) -> Result<RetireOutcome, LaunchError> {
        let tasks = self
            .ecs
            .active_tasks()
            .await
            .map_err(|e| LaunchError::from_ecs(&e, None))?;
        let mut retired = Vec::new();
        for task in tasks {
            let Some(node) = task.agent.clone() else {
                continue;
            };
            if queue_item_of(&self.config, &node) != Some(queue_item) {
                continue;
            }
            let status = self
                .jenkins
                .agent_status(&node)
                .await
                .map_err(|e| LaunchError::from_jenkins(&e, &node))?;
            // A connected agent may already run another build (reuse); leave it.
            if status.is_some_and(|s| !s.offline) {
                continue;
            }
            self.stop(&task, "Jenkins queue item was cancelled").await?;
            self.jenkins
                .delete_agent(&node)
                .await
                .map_err(|e| LaunchError::from_jenkins(&e, &node))?;
            retired.push(node);
        }
        self.usage.invalidate();
        if retired.is_empty() {
            return Ok(RetireOutcome::Ignored {
                reason: format!("no unconnected agent for queue item {queue_item}"),
            });
        }
        info!(nodes = ?retired, "agents of a cancelled item retired");
        Ok(RetireOutcome::Cancelled { nodes: retired })
    }

    async fn stop(&self, task: &AgentTask, reason: &str) -> Result<(), LaunchError> {
        let name = task.agent.as_ref();
        self.ecs
            .stop(&task.task_arn, reason)
            .await
            .map_err(|e| LaunchError::from_ecs(&e, name))
    }
}

/// Which launch for its queue item an agent is: 0 for the first
/// (`<cloud>-<template>-<item>`), n for `<cloud>-<template>-<item>-<n>`.
pub fn attempt_of(config: &AgentsConfig, node: &AgentName) -> Option<u32> {
    let template = template_of(config, node.as_str())?;
    let rest = node
        .as_str()
        .strip_prefix(&format!("{}-{}-", config.cloud.name, template.name))?;
    let mut parts = rest.split('-');
    parts.next()?.parse::<u64>().ok()?;
    Some(parts.next().and_then(|n| n.parse().ok()).unwrap_or(0))
}

/// The queue item an agent was launched for: `<cloud>-<template>-<item>[-<attempt>]`.
pub fn queue_item_of(config: &AgentsConfig, node: &AgentName) -> Option<u64> {
    let template = template_of(config, node.as_str())?;
    let prefix = format!("{}-{}-", config.cloud.name, template.name);
    let rest = node.as_str().strip_prefix(&prefix)?;
    rest.split('-').next()?.parse().ok()
}
