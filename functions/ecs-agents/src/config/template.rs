//! A validated agent template: what to launch and where.

use std::collections::BTreeMap;

use super::spec::{CapacityProviderItem, PlacementStrategySpec};
use crate::labels::{LabelExpr, LabelSet};
use crate::taskdef::TaskDefinition;

/// Name of the agent container in task definitions we register.
pub const AGENT_CONTAINER: &str = "jenkins-agent";
/// Agent filesystem root when a template names none (the image's `AGENT_WORKDIR`).
pub const DEFAULT_REMOTE_FS: &str = "/home/jenkins/agent";

/// One build per agent, or reuse until idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// The agent runs exactly one build, then goes away.
    SingleUse,
    /// The agent takes further builds and is retired after this many idle minutes.
    Idle {
        /// Idle minutes before retirement.
        minutes: u32,
    },
}

/// ECS launch types; also the compatibility a task definition requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchType {
    /// Container instances in the cluster.
    Ec2,
    /// Serverless.
    Fargate,
    /// ECS Anywhere.
    External,
}

impl LaunchType {
    /// The name ECS uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ec2 => "EC2",
            Self::Fargate => "FARGATE",
            Self::External => "EXTERNAL",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        [Self::Ec2, Self::Fargate, Self::External]
            .into_iter()
            .find(|t| t.as_str() == text)
    }
}

/// Where RunTask places the task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capacity {
    /// `launchType`.
    LaunchType(LaunchType),
    /// `capacityProviderStrategy` (the only way to reach FARGATE_SPOT).
    Providers(Vec<CapacityProviderItem>),
    /// Neither: the cluster's default strategy.
    ClusterDefault,
}

/// awsvpc network settings for RunTask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsVpc {
    /// Subnet ids (1–16).
    pub subnets: Vec<String>,
    /// Security group ids (0–5; none means the VPC default).
    pub security_groups: Vec<String>,
    /// Whether the task gets a public IP.
    pub assign_public_ip: bool,
}

/// Everything RunTask needs besides the task definition and the overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchSettings {
    /// Launch type, providers, or cluster default.
    pub capacity: Capacity,
    /// awsvpc settings, when the network mode is awsvpc.
    pub network: Option<AwsVpc>,
    /// Fargate platform version.
    pub platform_version: Option<String>,
    /// EC2 placement strategies.
    pub placement_strategies: Vec<PlacementStrategySpec>,
    /// ECS Exec.
    pub enable_execute_command: bool,
    /// Template tags; on tasks via the task definition, or RunTask for existing ones.
    pub tags: BTreeMap<String, String>,
}

/// Where the task definition comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskSource {
    /// We register this definition, once per distinct content hash.
    Register {
        /// The exact RegisterTaskDefinition input.
        definition: Box<TaskDefinition>,
        /// SHA-256 over everything in `definition` but the hash tag itself.
        hash: String,
    },
    /// A task definition the user manages.
    Existing {
        /// family, family:revision or ARN.
        reference: String,
        /// Container that runs the agent; `None` means the first one.
        container: Option<String>,
    },
}

/// CPU units and MiB one agent reserves, for the cloud-wide caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resources {
    /// CPU units.
    pub cpu: u32,
    /// MiB.
    pub memory: u32,
}

/// A validated template, inheritance applied and task definition rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTemplate {
    /// Unique template name.
    pub name: String,
    /// Labels every agent of this template carries.
    pub labels: LabelSet,
    /// Single use or idle reuse.
    pub retention: Retention,
    /// Most agents of this template at once.
    pub max_agents: Option<u32>,
    /// Agent filesystem root.
    pub remote_fs: String,
    /// Append the agent name to `remote_fs`.
    pub unique_remote_fs: bool,
    /// What one agent reserves (unknown for existing task definitions).
    pub resources: Option<Resources>,
    /// RunTask placement and network.
    pub launch: LaunchSettings,
    /// The task definition.
    pub task: TaskSource,
}

impl AgentTemplate {
    /// Whether an agent of this template satisfies `expr`.
    ///
    /// A node's own name is one of its labels in Jenkins, but agents of a
    /// template do not exist yet when it is chosen, so only the template's
    /// labels take part.
    pub fn serves(&self, expr: &LabelExpr) -> bool {
        expr.matches(&self.labels)
    }

    /// The container that receives the agent's overrides.
    pub fn agent_container(&self) -> Option<&str> {
        match &self.task {
            TaskSource::Register { .. } => Some(AGENT_CONTAINER),
            TaskSource::Existing { container, .. } => container.as_deref(),
        }
    }

    /// The agent's filesystem root, made unique per agent if configured.
    pub fn work_dir(&self, agent_name: &str) -> String {
        if self.unique_remote_fs {
            format!("{}/{agent_name}", self.remote_fs.trim_end_matches('/'))
        } else {
            self.remote_fs.clone()
        }
    }
}
