//! The ECS port: running, finding and stopping agent tasks, in domain words.
//! The real adapter wraps `aws_sdk_ecs::Client` ([`sdk`]); tests use the
//! in-memory fake ([`fake`]).
//!
//! The adapter is built for one cluster and one deployment id (`startedBy`),
//! so every call it makes is scoped to this deployment's tasks.

#[cfg(any(test, feature = "test-util"))]
pub mod fake;
#[cfg(feature = "adapters")]
pub mod sdk;
pub mod transient;

use std::future::Future;

use crate::config::spec::PlacementStrategySpec;
use crate::config::{AgentTemplate, AgentsConfig, AwsVpc, Capacity};
use crate::naming::AgentName;
use crate::secret::Secret;

/// A registered task definition and the container that runs the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDefinitionRef {
    /// Task definition ARN (with revision).
    pub arn: String,
    /// Container that receives the agent's overrides.
    pub container: String,
}

/// The variable that carries the agent's secret into its container.
pub const SECRET_VARIABLE: &str = "JENKINS_SECRET";

/// How the agent container gets its variables, the secret included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentEnvironment {
    /// In the container's environment overrides (`secretDelivery:
    /// taskOverride`): whoever can read the task can read the secret.
    Overrides {
        /// The variables, except the secret.
        variables: Vec<(String, String)>,
        /// The agent's secret, sent as [`SECRET_VARIABLE`].
        secret: Secret,
    },
    /// In an environment file ECS reads into the container; the overrides
    /// carry only its ARN (`environmentFiles`).
    File {
        /// The S3 object's ARN.
        arn: String,
    },
}

/// Everything one RunTask call needs: one task for one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLaunch {
    /// Task definition to run.
    pub task_definition: TaskDefinitionRef,
    /// Idempotency key: the same launch retried returns the same task (24 h).
    pub client_token: String,
    /// `group`: carries the agent name into every task event.
    pub group: String,
    /// The agent container's variables, the secret included.
    pub environment: AgentEnvironment,
    /// Launch type, capacity providers or cluster default.
    pub capacity: Capacity,
    /// awsvpc network configuration.
    pub network: Option<AwsVpc>,
    /// Fargate platform version.
    pub platform_version: Option<String>,
    /// Placement strategies.
    pub placement_strategies: Vec<PlacementStrategySpec>,
    /// ECS Exec.
    pub enable_execute_command: bool,
    /// Copy the task definition's tags to the task.
    pub propagate_task_definition_tags: bool,
    /// Task tags (cost attribution).
    pub tags: Vec<(String, String)>,
}

/// What RunTask answered with HTTP 200.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// A task was started (or, for a repeated client token, had been).
    Started {
        /// Task ARN.
        task_arn: String,
    },
    /// ECS listed the launch under `failures[]`.
    Failed(LaunchFailure),
}

/// A launch ECS could not carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchFailure {
    /// ECS's reason and detail, e.g. `RESOURCE:MEMORY: …`, `MISSING: …`.
    pub reason: String,
    /// Whether trying again later may succeed (capacity) or not (configuration).
    pub retryable: bool,
}

/// One of this deployment's tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTask {
    /// Task ARN.
    pub task_arn: String,
    /// The agent it runs, from its `group`.
    pub agent: Option<AgentName>,
    /// e.g. PROVISIONING, RUNNING, STOPPED.
    pub last_status: String,
    /// Desired status; RUNNING for every task `active_tasks` returns.
    pub desired_status: String,
    /// Task CPU units, if ECS reports them.
    pub cpu: Option<u32>,
    /// Task memory MiB, if ECS reports it.
    pub memory: Option<u32>,
}

/// One of this deployment's tasks that has stopped. ECS keeps listing a
/// stopped task for at least an hour: long enough to know what became of an
/// item's earlier launches without a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoppedAgentTask {
    /// Task ARN.
    pub task_arn: String,
    /// The agent it ran, from its `group`.
    pub agent: Option<AgentName>,
    /// ECS's stop code, e.g. `TaskFailedToStart`, `UserInitiated`.
    pub stop_code: Option<String>,
    /// Whether the task ever started (ECS set `startedAt`).
    pub started: bool,
    /// `stoppedReason`, else the first container's reason.
    pub reason: Option<String>,
}

/// Why an ECS call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EcsError {
    /// Throttled even after the SDK's retries.
    #[error("ecs throttled the request: {0}")]
    Throttled(String),
    /// ECS or the network failed; worth retrying later.
    #[error("ecs is unavailable: {0}")]
    Unavailable(String),
    /// ECS refused the request (bad parameters, access denied…); do not retry.
    #[error("ecs rejected the request: {0}")]
    Rejected(String),
    /// The client token was used before with other parameters.
    #[error("ecs client token conflict: {0}")]
    TokenConflict(String),
}

impl EcsError {
    /// Whether the same call may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Throttled(_) | Self::Unavailable(_))
    }
}

/// What the functions ask of ECS.
pub trait AgentTasks: Send + Sync {
    /// The task definition to run for a template: the revision registered for
    /// its content hash (registered now if the hash is new), or the template's
    /// existing task definition. Cached for the life of the adapter.
    fn task_definition(
        &self,
        template: &AgentTemplate,
    ) -> impl Future<Output = Result<TaskDefinitionRef, EcsError>> + Send;

    /// Forgets the task definitions resolved for templates `config` no longer
    /// renders, after the agents file changed under a warm instance: if one
    /// comes back (a rollback), its revision is looked up again rather than
    /// trusted, since the reconciler may have deregistered it meanwhile.
    fn retain_task_definitions(&self, config: &AgentsConfig);

    /// Starts one agent task. A response with a task *and* a failure counts
    /// as started: with one task per call, the task exists.
    fn run(&self, launch: &TaskLaunch)
    -> impl Future<Output = Result<RunOutcome, EcsError>> + Send;

    /// This deployment's tasks whose desired status is RUNNING (a task told
    /// to stop, e.g. on a Spot warning, is no longer counted).
    fn active_tasks(&self) -> impl Future<Output = Result<Vec<AgentTask>, EcsError>> + Send;

    /// This deployment's tasks whose desired status is STOPPED, as long as
    /// ECS still lists them (at least an hour after they stopped).
    fn recently_stopped(
        &self,
    ) -> impl Future<Output = Result<Vec<StoppedAgentTask>, EcsError>> + Send;

    /// Deregisters at most `max` ACTIVE task-definition revisions that this
    /// deployment registered (tag `ecs-agents:cloud` = `cloud`) whose
    /// `ecs-agents:hash` is not in `keep`: revisions no template renders any
    /// more. Returns the ARNs deregistered. Revisions without our tags are
    /// never touched.
    fn deregister_stale(
        &self,
        cloud: &str,
        keep: &[String],
        max: usize,
    ) -> impl Future<Output = Result<Vec<String>, EcsError>> + Send;

    /// Stops a task; stopping a stopped or unknown task is not an error.
    fn stop(
        &self,
        task_arn: &str,
        reason: &str,
    ) -> impl Future<Output = Result<(), EcsError>> + Send;
}
