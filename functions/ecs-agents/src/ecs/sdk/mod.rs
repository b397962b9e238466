//! The real [`AgentTasks`]: Amazon ECS through `aws_sdk_ecs`.
//!
//! One [`EcsAgentTasks`] is built per Lambda cold start and shared by every
//! invocation; it caches resolved task definitions (`taskdefs`) so a warm
//! function calls only RunTask. Submodules: `register` maps rendered task
//! definitions to the SDK, `run` builds RunTask and reads its answer,
//! `tasks` lists and stops tasks, `cleanup` deregisters revisions no
//! template renders any more, `errors` classifies SDK errors.
//!
//! Throttling is retried by the SDK itself (standard retry mode, token
//! bucket, exponential backoff with jitter) before an error reaches us:
//! build the client from an `SdkConfig` loaded with [`retry_config`].

mod cleanup;
mod errors;
mod register;
mod run;
mod stopped;
mod taskdefs;
mod tasks;
#[cfg(test)]
mod testing;

use aws_config::retry::RetryConfig;
use aws_sdk_ecs::Client;

pub use cleanup::DESCRIBES_PER_DEREGISTRATION;
pub use errors::service_error;
pub use run::MAX_OVERRIDES_CHARS;
pub use run::listed_failure;
pub use tasks::{DESCRIBE_BATCH, MAX_STOP_REASON};

use super::{
    AgentTask, AgentTasks, EcsError, RunOutcome, StoppedAgentTask, TaskDefinitionRef, TaskLaunch,
};
use crate::config::{AgentTemplate, AgentsConfig};
use cleanup::{DescribedRevisions, Sweep};
use taskdefs::TaskDefinitionCache;

/// Attempts per AWS call, the first included.
///
/// RegisterTaskDefinition refills at one call per second (docs/aws.md §3), so a
/// burst of new templates needs a few seconds of backoff; five attempts
/// stay within a few seconds with the SDK's 20 s backoff cap rarely reached.
pub const MAX_ATTEMPTS: u32 = 5;

/// The retry policy for every AWS client of the functions: standard mode
/// (retries throttling, 5xx and transient network errors) with
/// [`MAX_ATTEMPTS`]. Set it once where the SDK config is loaded:
/// `aws_config::defaults(BehaviorVersion::latest()).retry_config(retry_config())`.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS)
}

/// Agent tasks in one ECS cluster, started by one deployment.
#[derive(Debug)]
pub struct EcsAgentTasks {
    client: Client,
    cluster: String,
    started_by: String,
    definitions: TaskDefinitionCache,
    described: DescribedRevisions,
}

impl EcsAgentTasks {
    /// An adapter for `cluster` (name or ARN) whose tasks carry `started_by`
    /// (≤ 36 characters of letters, digits, `-`, `/`, `_`: docs/aws.md §2).
    pub fn new(client: Client, cluster: impl Into<String>, started_by: impl Into<String>) -> Self {
        Self {
            client,
            cluster: cluster.into(),
            started_by: started_by.into(),
            definitions: TaskDefinitionCache::default(),
            described: DescribedRevisions::default(),
        }
    }

    /// The cluster this adapter runs tasks in.
    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// The `startedBy` value of this deployment's tasks.
    pub fn started_by(&self) -> &str {
        &self.started_by
    }
}

impl AgentTasks for EcsAgentTasks {
    async fn task_definition(
        &self,
        template: &AgentTemplate,
    ) -> Result<TaskDefinitionRef, EcsError> {
        self.definitions.resolve(&self.client, template).await
    }

    fn retain_task_definitions(&self, config: &AgentsConfig) {
        self.definitions.retain(config);
    }

    async fn run(&self, launch: &TaskLaunch) -> Result<RunOutcome, EcsError> {
        run::run(&self.client, &self.cluster, &self.started_by, launch).await
    }

    async fn active_tasks(&self) -> Result<Vec<AgentTask>, EcsError> {
        tasks::active(&self.client, &self.cluster, &self.started_by).await
    }

    async fn recently_stopped(&self) -> Result<Vec<StoppedAgentTask>, EcsError> {
        stopped::recently_stopped(&self.client, &self.cluster, &self.started_by).await
    }

    async fn deregister_stale(
        &self,
        cloud: &str,
        keep: &[String],
        max: usize,
    ) -> Result<Vec<String>, EcsError> {
        let sweep = Sweep {
            client: &self.client,
            in_use: &self.definitions,
            described: &self.described,
            cloud,
            keep,
            max,
        };
        sweep.run().await
    }

    async fn stop(&self, task_arn: &str, reason: &str) -> Result<(), EcsError> {
        tasks::stop(&self.client, &self.cluster, task_arn, reason).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_adapter_can_be_shared_between_invocations() {
        fn shared<T: Send + Sync + 'static>() {}
        shared::<EcsAgentTasks>();
    }

    #[test]
    fn the_retry_policy_is_standard_with_five_attempts() {
        let config = retry_config();
        assert_eq!(config.mode(), aws_config::retry::RetryMode::Standard);
        assert_eq!(config.max_attempts(), MAX_ATTEMPTS);
    }
}
