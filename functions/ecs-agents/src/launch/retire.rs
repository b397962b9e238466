//! Retiring agents on Jenkins' word: `agent.released` (the agent ran its one
//! build) and `queue.left` with `cancelled` (nobody needs the agent any more).
//! Both are idempotent: a missing node or task counts as already done.

use serde::Serialize;
use tracing::info;

use super::{Launcher, RetireError};
use crate::ecs::{AgentTask, AgentTasks};
use crate::jenkins::JenkinsNodes;
use crate::naming::AgentName;
use crate::ports::Ports;

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

impl<P: Ports> Launcher<P> {
    /// The agent finished its single build: delete its node, stop its task.
    #[tracing::instrument(skip_all, fields(node = %node))]
    pub async fn release(&self, node: &AgentName) -> Result<RetireOutcome, RetireError> {
        let deployment = &self.deployment;
        let config = deployment.config_for_invocation().await;
        if config.template_of(node.as_str()).is_none() {
            return Ok(RetireOutcome::Ignored {
                reason: format!("{node} is not an agent of this deployment"),
            });
        }
        // Node first: a build can never land on a node whose task is going
        // away. The task is stopped here, not left to exit by itself.
        deployment
            .jenkins
            .delete_agent(node)
            .await
            .map_err(|source| jenkins_error(node, source))?;
        let tasks = deployment
            .ecs
            .active_tasks()
            .await
            .map_err(|source| RetireError::Ecs {
                node: Some(node.clone()),
                source,
            })?;
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
    pub async fn cancel(&self, queue_item: u64) -> Result<RetireOutcome, RetireError> {
        let deployment = &self.deployment;
        let config = deployment.config_for_invocation().await;
        let tasks = deployment
            .ecs
            .active_tasks()
            .await
            .map_err(|source| RetireError::Ecs { node: None, source })?;
        let mut retired = Vec::new();
        for task in tasks {
            let Some(node) = task.agent.clone() else {
                continue;
            };
            let parts = config.agent_parts(&node);
            if parts.map(|p| p.queue_item) != Some(queue_item) {
                continue;
            }
            let status = deployment
                .jenkins
                .agent_status(&node)
                .await
                .map_err(|source| jenkins_error(&node, source))?;
            // A connected agent may already run another build (reuse); leave it.
            if status.is_some_and(|s| !s.offline) {
                continue;
            }
            self.stop(&task, "Jenkins queue item was cancelled").await?;
            deployment
                .jenkins
                .delete_agent(&node)
                .await
                .map_err(|source| jenkins_error(&node, source))?;
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

    async fn stop(&self, task: &AgentTask, reason: &str) -> Result<(), RetireError> {
        self.deployment
            .ecs
            .stop(&task.task_arn, reason)
            .await
            .map_err(|source| RetireError::Ecs {
                node: task.agent.clone(),
                source,
            })
    }
}

fn jenkins_error(node: &AgentName, source: crate::jenkins::JenkinsError) -> RetireError {
    RetireError::Jenkins {
        node: node.clone(),
        source,
    }
}
