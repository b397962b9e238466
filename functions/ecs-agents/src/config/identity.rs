//! Which Jenkins nodes and ECS tasks belong to this deployment, and what an
//! agent's name says about it. Every rule that reads or writes an agent's
//! identity is here; [`crate::naming`] only keeps names valid as text.
//!
//! - An agent is named `<cloud>-<template>-<queue item>[-<attempt>]`
//!   ([`Cloud::agent_name`]): deterministic, so a redelivered launch derives
//!   the same name (and RunTask client token) as the first one, and the name
//!   alone tells task-stopped and the reconciler which template and queue
//!   item an agent serves, and which launch for that item it is
//!   ([`AgentsConfig::agent_parts`]). No database is needed.
//! - A task is ours when ECS says it was started by this deployment
//!   ([`Cloud::started_by`]) in this cluster ([`Cloud::owns_task`]); its
//!   `group` carries the agent name ([`AgentName::to_group`]).
//! - The placeholder nodes ([`Cloud::placeholder_nodes`]) are ours but no
//!   agents: `_` cannot follow the cloud name in an agent name.
//! - Our nodes' descriptions end with their creation time
//!   ([`created_ms`]): Jenkins exports none, and grace periods need it.

use super::{AgentTemplate, AgentsConfig, Cloud};
use crate::naming::AgentName;

/// What this deployment's `startedBy` starts with; the cloud name follows.
const STARTED_BY_PREFIX: &str = "ecs-agents-";

/// Marks the creation time (epoch ms) at the end of our nodes' descriptions.
pub const CREATED_MARK: &str = "created ";

/// When one of our nodes was created, from its description.
pub fn created_ms(description: &str) -> Option<u64> {
    description.rsplit_once(CREATED_MARK)?.1.trim().parse().ok()
}

impl Cloud {
    /// The ECS `startedBy` of this deployment's tasks (≤ 36 characters: the
    /// cloud name is at most 24).
    pub fn started_by(&self) -> String {
        format!("{STARTED_BY_PREFIX}{}", self.name)
    }

    /// The name of the agent that is launch `attempt` (0 for the first) for
    /// `queue_item` with `template`.
    pub fn agent_name(&self, template: &str, queue_item: u64, attempt: u32) -> AgentName {
        AgentName::for_queue_item(&self.name, template, queue_item, attempt)
    }

    /// The label-less nodes the reconciler keeps so that Jenkins names wanted
    /// labels in its queue reasons while no agent exists.
    ///
    /// Two, not one: a negated expression (`!built-in`, `a || !b`) matches a
    /// label-less node, and when exactly one node matches Jenkins names that
    /// node instead of the label (docs/jenkins-api.md §16). With two, no
    /// expression is ever matched by a placeholder alone.
    pub fn placeholder_nodes(&self) -> [AgentName; 2] {
        // `_` cannot follow the cloud name in agent names (`<cloud>-…`).
        [
            AgentName::new(format!("{}_placeholder", self.name)),
            AgentName::new(format!("{}_placeholder_2", self.name)),
        ]
    }

    /// Whether a task that ECS reports as started by `started_by` in
    /// `cluster_arn` is this deployment's (the cluster may be configured by
    /// name or by ARN).
    pub fn owns_task(&self, started_by: Option<&str>, cluster_arn: Option<&str>) -> bool {
        // Compared piecewise: this runs for every task event on the account.
        if started_by.and_then(|s| s.strip_prefix(STARTED_BY_PREFIX)) != Some(self.name.as_str()) {
            return false;
        }
        let cluster_arn = cluster_arn.unwrap_or_default();
        cluster_arn == self.cluster
            || cluster_arn
                .strip_suffix(self.cluster.as_str())
                .is_some_and(|head| head.ends_with(":cluster/"))
    }
}

/// What an agent's name says: `<cloud>-<template>-<queue item>[-<attempt>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentParts<'a> {
    /// The template it was launched from.
    pub template: &'a AgentTemplate,
    /// The Jenkins queue item it was launched for.
    pub queue_item: u64,
    /// Which launch for that item (0 for the first).
    pub attempt: u32,
}

impl AgentsConfig {
    /// The template an agent name belongs to: `<cloud>-<template>-…`, the
    /// longest template name that fits (template names may contain `-`).
    /// Every node this returns a template for is one of our agents.
    pub fn template_of(&self, agent: &str) -> Option<&AgentTemplate> {
        let rest = agent.strip_prefix(&self.cloud.name)?.strip_prefix('-')?;
        self.templates
            .iter()
            .filter(|t| {
                rest.strip_prefix(t.name.as_str())
                    .is_some_and(|tail| tail.starts_with('-'))
            })
            .max_by_key(|t| t.name.len())
    }

    /// Template, queue item and attempt of one of our agents; `None` for any
    /// other name (or one of ours without a queue item).
    pub fn agent_parts(&self, agent: &AgentName) -> Option<AgentParts<'_>> {
        let template = self.template_of(agent.as_str())?;
        // `template_of` matched `<cloud>-<template>-`; what follows is ours.
        let rest = agent
            .as_str()
            .get(self.cloud.name.len() + template.name.len() + 2..)?;
        let mut parts = rest.split('-');
        let queue_item = parts.next()?.parse().ok()?;
        let attempt = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        Some(AgentParts {
            template,
            queue_item,
            attempt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AgentsConfig {
        AgentsConfig::from_yaml(
            "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
  - {name: linux-big, labels: big, cpu: 4096, memory: 8192, subnets: [s-1]}
",
        )
        .unwrap()
    }

    #[test]
    fn an_agent_name_gives_back_its_template_queue_item_and_attempt() {
        let config = config();
        let name = config.cloud.agent_name("linux-big", 42, 2);
        assert_eq!(name.as_str(), "ecs-linux-big-42-2");
        let parts = config.agent_parts(&name).unwrap();
        assert_eq!(
            (
                parts.template.name.as_str(),
                parts.queue_item,
                parts.attempt
            ),
            ("linux-big", 42, 2)
        );
        let first = config.agent_parts(&AgentName::new("ecs-linux-7")).unwrap();
        assert_eq!((first.template.name.as_str(), first.attempt), ("linux", 0));
    }

    #[test]
    fn names_of_other_clouds_and_the_placeholder_are_not_agents() {
        let config = config();
        assert_eq!(config.template_of("other-linux-7"), None);
        assert_eq!(config.agent_parts(&AgentName::new("ecs-linux-x")), None);
        let placeholders = config.cloud.placeholder_nodes();
        assert_eq!(
            placeholders.each_ref().map(AgentName::as_str),
            ["ecs_placeholder", "ecs_placeholder_2"]
        );
        for placeholder in &placeholders {
            assert_eq!(config.template_of(placeholder.as_str()), None);
        }
    }

    #[test]
    fn a_task_is_ours_when_started_by_this_deployment_in_its_cluster() {
        let cloud = config().cloud;
        assert_eq!(cloud.started_by(), "ecs-agents-ecs");
        let arn = "arn:aws:ecs:us-east-1:123456789012:cluster/agents";
        assert!(cloud.owns_task(Some("ecs-agents-ecs"), Some(arn)));
        assert!(cloud.owns_task(Some("ecs-agents-ecs"), Some("agents")));
        assert!(!cloud.owns_task(Some("ecs-agents-other"), Some(arn)));
        assert!(!cloud.owns_task(None, Some(arn)));
        let elsewhere = "arn:aws:ecs:us-east-1:123456789012:cluster/web";
        assert!(!cloud.owns_task(Some("ecs-agents-ecs"), Some(elsewhere)));
    }

    #[test]
    fn a_node_description_carries_its_creation_time() {
        let description = format!("ECS agent for app, queue item 7; {CREATED_MARK}1764270000000");
        assert_eq!(created_ms(&description), Some(1_764_270_000_000));
        assert_eq!(created_ms("a node someone made by hand"), None);
    }
}
