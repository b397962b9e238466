//! Caps on running agents: cloud-wide count, CPU and memory, and per
//! template, counted from this deployment's ECS tasks.
//!
//! Counting costs two ECS calls (ListTasks, DescribeTasks), so a warm
//! function reuses its last count for a short time and adds its own launches
//! to it; steady-state launches then make no counting calls at all. Several
//! warm function instances each count on their own, so the caps can be
//! overshot by at most the launches they make within that time: the SAM
//! template bounds the webhook's concurrency for that reason.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

// tokio's clock: std's in production, virtual in a simulation (tests/simulator),
// where the TTL must pass in the time the launches happen in.
use tokio::time::Instant;

use crate::config::{AgentTemplate, AgentsConfig, ConfigVersion, VersionedConfig};
use crate::ecs::{AgentTask, AgentTasks, EcsError};

/// What this deployment's agents hold now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    agents: u32,
    by_template: HashMap<String, u32>,
    cpu: u64,
    memory: u64,
}

impl Usage {
    fn from_tasks(config: &AgentsConfig, tasks: &[AgentTask]) -> Self {
        let mut usage = Usage::default();
        for task in tasks {
            let template = task
                .agent
                .as_ref()
                .and_then(|a| config.template_of(a.as_str()));
            let resources = template.and_then(|t| t.resources).unwrap_or_default();
            usage.agents += 1;
            usage.cpu += u64::from(task.cpu.unwrap_or(resources.cpu));
            usage.memory += u64::from(task.memory.unwrap_or(resources.memory));
            if let Some(template) = template {
                *usage.by_template.entry(template.name.clone()).or_default() += 1;
            }
        }
        usage
    }

    fn add(&mut self, template: &AgentTemplate) {
        let resources = template.resources.unwrap_or_default();
        self.agents += 1;
        self.cpu += u64::from(resources.cpu);
        self.memory += u64::from(resources.memory);
        *self.by_template.entry(template.name.clone()).or_default() += 1;
    }

    /// Why one more agent of `template` would break a cap, if it would.
    pub(crate) fn refusal(
        &self,
        config: &AgentsConfig,
        template: &AgentTemplate,
    ) -> Option<String> {
        let cloud = &config.cloud;
        let resources = template.resources.unwrap_or_default();
        let of_template = self.by_template.get(&template.name).copied().unwrap_or(0);
        if self.agents >= cloud.max_agents {
            return Some(format!(
                "{} of {} agents running (cloud maxAgents)",
                self.agents, cloud.max_agents
            ));
        }
        if let Some(max) = template.max_agents.filter(|max| of_template >= *max) {
            return Some(format!(
                "{of_template} of {max} `{}` agents running (template maxAgents)",
                template.name
            ));
        }
        if let Some(max) = cloud
            .max_cpu
            .filter(|max| self.cpu + u64::from(resources.cpu) > u64::from(*max))
        {
            return Some(format!(
                "{} + {} CPU units would exceed maxCpu {max}",
                self.cpu, resources.cpu
            ));
        }
        if let Some(max) = cloud
            .max_memory
            .filter(|max| self.memory + u64::from(resources.memory) > u64::from(*max))
        {
            return Some(format!(
                "{} + {} MiB would exceed maxMemory {max}",
                self.memory, resources.memory
            ));
        }
        None
    }
}

/// A per-instance count of this deployment's agents, refreshed when older
/// than `ttl` or counted under another version of the agents file (which
/// template an agent counts for, and what it holds, come from the file).
#[derive(Debug)]
pub(crate) struct UsageCache {
    ttl: Duration,
    cached: Mutex<Option<Counted>>,
}

/// A count: when, under which version of the agents file, and what.
#[derive(Debug)]
struct Counted {
    at: Instant,
    version: ConfigVersion,
    usage: Usage,
}

impl UsageCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            cached: Mutex::new(None),
        }
    }

    /// The current usage, counted again from ECS when the cache is stale.
    pub(crate) async fn current(
        &self,
        config: &VersionedConfig,
        ecs: &impl AgentTasks,
    ) -> Result<Usage, EcsError> {
        if let Some(counted) = self.lock().as_ref()
            && counted.at.elapsed() < self.ttl
            && counted.version == *config.version()
        {
            return Ok(counted.usage.clone());
        }
        let usage = Usage::from_tasks(config, &ecs.active_tasks().await?);
        *self.lock() = Some(Counted {
            at: Instant::now(),
            version: config.version().clone(),
            usage: usage.clone(),
        });
        Ok(usage)
    }

    /// Counts a launch this instance just made.
    pub(crate) fn record(&self, template: &AgentTemplate) {
        if let Some(counted) = self.lock().as_mut() {
            counted.usage.add(template);
        }
    }

    /// Forgets the count, so the next launch counts again.
    pub(crate) fn invalidate(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Counted>> {
        self.cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
