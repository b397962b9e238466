//! The cluster's state: its API buckets, its tasks and the client tokens it
//! remembers. Everything here happens at one instant, under one lock; the
//! latency and the SDK's retries are the port's (`super`).

use std::collections::{BTreeMap, HashMap};

use ecs_agents::naming::AgentName;
use tokio::time::Instant;

use super::ops::Op;
use crate::bucket::TokenBucket;
use crate::rng::Rng;

/// ECS's API limits, per account and Region (docs/aws.md §3, §10).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EcsLimits {
    /// RunTask, StopTask: burst, refill per second.
    pub cluster_modify: (u32, u32),
    /// RunTask of a Fargate task: calls per second, burst and sustained.
    pub fargate_run_task: (u32, u32),
    /// ListTasks, DescribeTasks.
    pub cluster_read: (u32, u32),
    /// RegisterTaskDefinition, DeregisterTaskDefinition.
    pub task_definition_modify: (u32, u32),
    /// DescribeTaskDefinition, ListTaskDefinitions.
    pub task_definition_read: (u32, u32),
}

impl Default for EcsLimits {
    fn default() -> Self {
        Self {
            cluster_modify: (100, 40),
            // Fargate's launch bucket (100 tasks, 20 per s) never binds
            // before this one with one task per call (docs/aws.md §10).
            fargate_run_task: (20, 20),
            cluster_read: (100, 20),
            task_definition_modify: (20, 1),
            task_definition_read: (50, 20),
        }
    }
}

/// Faults ECS answers with, as probabilities per call or per task.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EcsFaults {
    /// A call fails with `ServerException` (HTTP 500).
    pub server_error: f64,
    /// RunTask lists `failures[]`: Fargate has no capacity now.
    pub no_capacity: f64,
    /// A task stops before it starts, for a cause that passes.
    pub failed_start: f64,
    /// A task stops before it starts, for its configuration (an image that
    /// cannot be pulled): never worth another launch.
    pub broken_image: f64,
    /// A running task is reclaimed by Fargate Spot.
    pub spot_interruption: f64,
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskStatus {
    /// Waiting for capacity and its network interface.
    Provisioning,
    /// Pulling its image.
    Pending,
    /// Its containers run.
    Running,
    /// Gone for good.
    Stopped,
}

impl TaskStatus {
    /// ECS's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provisioning => "PROVISIONING",
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Stopped => "STOPPED",
        }
    }
}

/// One task of the cluster.
#[derive(Debug, Clone)]
pub struct SimTask {
    /// Its ARN.
    pub arn: String,
    /// The agent its `group` names.
    pub agent: AgentName,
    /// Its `startedBy`.
    pub started_by: String,
    /// Its task definition.
    pub task_definition: String,
    /// The agent's secret, as the overrides carry it into every task event.
    pub secret: String,
    /// `lastStatus`.
    pub status: TaskStatus,
    /// `desiredStatus` is RUNNING.
    pub desired_running: bool,
    /// Grows with every change (the events' `version`).
    pub version: u64,
    /// When RunTask created it (epoch ms).
    pub created_ms: u64,
    /// When its containers started, if they did.
    pub started_ms: Option<u64>,
    /// When it stopped.
    pub stopped_ms: Option<u64>,
    /// `stopCode`.
    pub stop_code: Option<String>,
    /// `stoppedReason`.
    pub stopped_reason: Option<String>,
}

/// What RunTask found for a client token.
#[derive(Debug, Clone)]
pub struct TokenUse {
    /// The request's parameters, as a digest.
    pub digest: String,
    /// The task the first call started.
    pub task_arn: String,
    /// When (tokio time): tokens are remembered for 24 hours (docs/aws.md §11).
    pub at: Instant,
}

/// Counters the benchmark and the invariants read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EcsCounts {
    /// Calls that reached ECS, per operation (every attempt counts).
    pub calls: BTreeMap<&'static str, u64>,
    /// Calls refused by a bucket, per operation.
    pub throttled: BTreeMap<&'static str, u64>,
    /// Tasks created.
    pub tasks_created: u64,
    /// RunTask calls answered with an earlier task for a repeated token.
    pub token_repeats: u64,
    /// Tasks created for an agent name that already had a task: what
    /// client tokens exist to prevent.
    pub duplicate_agents: Vec<AgentName>,
}

/// The cluster.
#[derive(Debug)]
pub struct Cluster {
    /// The cluster's ARN.
    pub arn: String,
    modify: TokenBucket,
    fargate_run: TokenBucket,
    read: TokenBucket,
    definitions_modify: TokenBucket,
    definitions_read: TokenBucket,
    /// Every task, by ARN, stopped ones included (ECS lists those for an hour).
    pub tasks: BTreeMap<String, SimTask>,
    /// RunTask client tokens.
    pub tokens: HashMap<String, TokenUse>,
    /// Content hashes of registered task definitions.
    pub registered: BTreeMap<String, String>,
    /// Counters.
    pub counts: EcsCounts,
    /// Faults to inject.
    pub faults: EcsFaults,
    /// The cluster's own chance.
    pub rng: Rng,
    /// Broken on purpose (`Sabotage`): client tokens are not remembered.
    pub ignore_tokens: bool,
    /// Broken on purpose (`Sabotage`): StopTask changes nothing.
    pub ignore_stops: bool,
    next_task: u64,
}

impl Cluster {
    /// An empty cluster named `name` with `limits`.
    pub fn new(name: &str, limits: EcsLimits, faults: EcsFaults, rng: Rng) -> Self {
        let bucket = |(burst, rate): (u32, u32)| TokenBucket::new(burst, rate);
        Self {
            arn: format!("arn:aws:ecs:us-east-1:123456789012:cluster/{name}"),
            modify: bucket(limits.cluster_modify),
            fargate_run: bucket(limits.fargate_run_task),
            read: bucket(limits.cluster_read),
            definitions_modify: bucket(limits.task_definition_modify),
            definitions_read: bucket(limits.task_definition_read),
            tasks: BTreeMap::new(),
            tokens: HashMap::new(),
            registered: BTreeMap::new(),
            counts: EcsCounts::default(),
            faults,
            rng,
            ignore_tokens: false,
            ignore_stops: false,
            next_task: 0,
        }
    }

    /// Admits one call of `op`: false when a bucket it draws from is empty
    /// (the call is refused and takes nothing).
    pub fn admit(&mut self, op: Op) -> bool {
        *self.counts.calls.entry(op.name()).or_default() += 1;
        let admitted = match op {
            // A Fargate RunTask needs a token from both buckets.
            Op::RunTask => {
                self.modify.has_token() && self.fargate_run.has_token() && {
                    self.modify.take();
                    self.fargate_run.take()
                }
            }
            Op::StopTask => self.modify.take(),
            Op::ListTasks | Op::DescribeTasks => self.read.take(),
            Op::RegisterTaskDefinition => self.definitions_modify.take(),
            Op::DescribeTaskDefinition => self.definitions_read.take(),
        };
        if !admitted {
            *self.counts.throttled.entry(op.name()).or_default() += 1;
        }
        admitted
    }

    /// A new task's ARN.
    pub fn next_arn(&mut self) -> String {
        self.next_task += 1;
        format!(
            "arn:aws:ecs:us-east-1:123456789012:task/agents/{:032x}",
            self.next_task
        )
    }

    /// Tasks whose desired status is RUNNING, started by `started_by`.
    pub fn live(&self, started_by: &str) -> impl Iterator<Item = &SimTask> {
        self.tasks
            .values()
            .filter(move |t| t.desired_running && t.started_by == started_by)
    }
}
