//! ECS as the functions see it through the real adapter: the [`AgentTasks`]
//! port over a shared [`Cluster`].
//!
//! - **Buckets** (docs/aws.md §3, §10): RunTask and StopTask share the
//!   cluster-modify bucket (100, 40 per s); a Fargate RunTask also needs a
//!   token of Fargate's RunTask bucket (20 per s); ListTasks and
//!   DescribeTasks share the read bucket (100, 20 per s); task-definition
//!   calls have theirs (20 / 1 per s to register, 50 / 20 to read). A call
//!   that finds a bucket empty is refused as ECS refuses it,
//!   `ThrottlingException` "Rate exceeded", and the refusal is turned into
//!   the port's error by the real adapter's classification
//!   (`ecs_agents::ecs::sdk::service_error`), as is every `failures[]` entry
//!   (`listed_failure`).
//! - **The SDK's retries** (what `EcsAgentTasks` gets from its client,
//!   built with `ecs::sdk::retry_config`): standard mode, up to
//!   `ecs::sdk::MAX_ATTEMPTS` attempts, each retry after a full-jitter
//!   exponential backoff (uniform in `[0, min(1 s × 2^(n−1), 20 s)]`), and
//!   a client-side retry quota of 500 that a retry costs 5 of and a success
//!   refills (1, or the retry's 5) — aws-smithy-runtime's standard retry
//!   strategy (docs/aws.md §28).
//! - **Client tokens** (docs/aws.md §11): a repeated token with the same
//!   parameters returns the first task for 24 hours; with other
//!   parameters, `ConflictException`.
//! - **Paging**: a listing is one ListTasks call per 100 tasks and one
//!   DescribeTasks per 100 described (`ecs::sdk::DESCRIBE_BATCH`).
//! - **Task definitions**: resolved once per function instance (the
//!   adapter's cache), registering a content hash ECS has not seen.
//!
//! What happens to a task after RunTask (provisioning, failing to start,
//! Spot, stopping) is the world's business (`crate::world::tasks`): the
//! cluster announces new tasks and stop requests on a channel.

mod cluster;
mod ops;
mod run;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ecs_agents::config::{AgentTemplate, AgentsConfig, TaskSource};
use ecs_agents::ecs::sdk::{MAX_ATTEMPTS, service_error};
use ecs_agents::ecs::{
    AgentTask, AgentTasks, EcsError, RunOutcome, StoppedAgentTask, TaskDefinitionRef, TaskLaunch,
};
use tokio::sync::OnceCell;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::sleep;

pub use cluster::{Cluster, EcsCounts, EcsFaults, EcsLimits, SimTask, TaskStatus, TokenUse};
pub use ops::{EcsLatency, Op};

use crate::rng::Rng;
use run::{digest, run_task};

/// How long ECS remembers a client token (docs/aws.md §11).
const TOKEN_MEMORY: Duration = Duration::from_secs(24 * 3600);

/// Tasks per ListTasks page and per DescribeTasks call.
const PAGE: usize = ecs_agents::ecs::sdk::DESCRIBE_BATCH;

/// What the cluster tells the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EcsNews {
    /// RunTask created this task.
    Created(String),
    /// StopTask asked this running task to stop.
    StopRequested(String),
}

/// The cluster shared by every function instance.
#[derive(Debug)]
pub struct SharedCluster {
    cluster: Mutex<Cluster>,
    latency: EcsLatency,
    news: UnboundedSender<EcsNews>,
}

impl SharedCluster {
    /// A cluster that tells `news` about new tasks and stop requests.
    pub fn new(cluster: Cluster, latency: EcsLatency, news: UnboundedSender<EcsNews>) -> Self {
        Self {
            cluster: Mutex::new(cluster),
            latency,
            news,
        }
    }

    /// The cluster's state, for the world and the checks.
    pub fn lock(&self) -> MutexGuard<'_, Cluster> {
        self.cluster.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One function instance's ECS client: the real adapter's behaviour (its
/// SDK retries and task-definition cache) over the shared cluster.
#[derive(Debug)]
pub struct SimEcs {
    shared: Arc<SharedCluster>,
    started_by: String,
    definitions: Mutex<HashMap<String, Arc<OnceCell<TaskDefinitionRef>>>>,
    retry: Mutex<RetryQuota>,
}

/// The SDK client's retry quota and its jitter.
#[derive(Debug)]
struct RetryQuota {
    tokens: u32,
    rng: Rng,
}

/// aws-smithy-runtime's standard retry quota: its size, what a retry costs,
/// what a first-attempt success gives back.
const QUOTA: u32 = 500;
const RETRY_COST: u32 = 5;
const SUCCESS_REFILL: u32 = 1;

impl SimEcs {
    /// A new instance's client of `shared`, for the deployment `started_by`,
    /// with its own jitter stream.
    pub fn new(shared: Arc<SharedCluster>, started_by: &str, rng: Rng) -> Self {
        Self {
            shared,
            started_by: started_by.to_owned(),
            definitions: Mutex::default(),
            retry: Mutex::new(RetryQuota { tokens: QUOTA, rng }),
        }
    }

    /// One API call with the SDK's retries: `act` runs on the cluster when
    /// a call is admitted.
    async fn call<T>(
        &self,
        op: Op,
        mut act: impl FnMut(&mut Cluster) -> Result<T, EcsError>,
    ) -> Result<T, EcsError> {
        let mut attempt = 1;
        loop {
            sleep(self.shared.latency.of(op)).await;
            let refused = {
                let mut cluster = self.shared.lock();
                let server_error = cluster.faults.server_error;
                if cluster.rng.chance(server_error) {
                    service_error(op.name(), "ServerException", "Service unavailable", 500)
                } else if cluster.admit(op) {
                    let answer = act(&mut cluster);
                    drop(cluster);
                    self.succeeded(attempt);
                    return answer;
                } else {
                    service_error(op.name(), "ThrottlingException", "Rate exceeded", 400)
                }
            };
            match self.backoff(attempt) {
                Some(wait) => sleep(wait).await,
                None => return Err(refused),
            }
            attempt += 1;
        }
    }

    /// The wait before retry `attempt` + 1, if the SDK retries.
    fn backoff(&self, attempt: u32) -> Option<Duration> {
        let mut quota = self.retry.lock().unwrap_or_else(|p| p.into_inner());
        if attempt >= MAX_ATTEMPTS || quota.tokens < RETRY_COST {
            return None;
        }
        quota.tokens -= RETRY_COST;
        let ceiling =
            Duration::from_secs(1u64 << (attempt - 1).min(5)).min(Duration::from_secs(20));
        Some(ceiling.mul_f64(quota.rng.unit()))
    }

    fn succeeded(&self, attempt: u32) {
        let mut quota = self.retry.lock().unwrap_or_else(|p| p.into_inner());
        let refill = if attempt == 1 {
            SUCCESS_REFILL
        } else {
            RETRY_COST
        };
        quota.tokens = (quota.tokens + refill).min(QUOTA);
    }

    /// One page-by-page listing of the tasks `wanted` picks: `ListTasks`
    /// pages, then `DescribeTasks` batches; the picture is the cluster's
    /// when the last call answers.
    async fn listing<T>(
        &self,
        wanted: impl Fn(&SimTask) -> bool,
        describe: impl Fn(&SimTask) -> T,
    ) -> Result<Vec<T>, EcsError> {
        let count =
            |cluster: &mut Cluster| Ok(cluster.tasks.values().filter(|t| wanted(t)).count());
        let mut pages = 1;
        let mut page = 0;
        let mut listed = 0;
        while page < pages {
            listed = self.call(Op::ListTasks, count).await?;
            pages = listed.div_ceil(PAGE).max(1);
            page += 1;
        }
        let batches = listed.div_ceil(PAGE);
        for _ in 1..batches {
            self.call(Op::DescribeTasks, |_| Ok(())).await?;
        }
        if batches == 0 {
            return Ok(Vec::new());
        }
        self.call(Op::DescribeTasks, |cluster| {
            Ok(cluster
                .tasks
                .values()
                .filter(|t| wanted(t))
                .map(&describe)
                .collect())
        })
        .await
    }

    async fn resolve(&self, template: &AgentTemplate) -> Result<TaskDefinitionRef, EcsError> {
        let TaskSource::Register { definition, hash } = &template.task else {
            return Err(EcsError::Rejected(
                "the simulator registers its task definitions".into(),
            ));
        };
        let arn = format!(
            "arn:aws:ecs:us-east-1:123456789012:task-definition/{}:{}",
            definition.family,
            &hash[..8]
        );
        let known = self
            .call(Op::DescribeTaskDefinition, |c| {
                Ok(c.registered.contains_key(hash))
            })
            .await?;
        if !known {
            self.call(Op::RegisterTaskDefinition, |c| {
                c.registered.insert(hash.clone(), arn.clone());
                Ok(())
            })
            .await?;
        }
        Ok(TaskDefinitionRef {
            arn,
            container: definition.container_definitions[0].name.clone(),
        })
    }
}

impl AgentTasks for SimEcs {
    async fn task_definition(
        &self,
        template: &AgentTemplate,
    ) -> Result<TaskDefinitionRef, EcsError> {
        let cell = {
            let mut cells = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(cells.entry(template.name.clone()).or_default())
        };
        cell.get_or_try_init(|| self.resolve(template))
            .await
            .cloned()
    }

    fn retain_task_definitions(&self, config: &AgentsConfig) {
        let mut cells = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
        cells.retain(|name, _| config.template(name).is_some());
    }

    async fn run(&self, launch: &TaskLaunch) -> Result<RunOutcome, EcsError> {
        let digest = digest(launch);
        let created = self
            .call(Op::RunTask, |cluster| {
                run_task(cluster, launch, &digest, &self.started_by)
            })
            .await?;
        if let (RunOutcome::Started { task_arn }, true) = &created {
            let _ = self.shared.news.send(EcsNews::Created(task_arn.clone()));
        }
        Ok(created.0)
    }

    async fn active_tasks(&self) -> Result<Vec<AgentTask>, EcsError> {
        self.listing(
            |t| t.desired_running && t.started_by == self.started_by,
            |t| AgentTask {
                task_arn: t.arn.clone(),
                agent: Some(t.agent.clone()),
                last_status: t.status.as_str().to_owned(),
                desired_status: "RUNNING".to_owned(),
                cpu: Some(512),
                memory: Some(1024),
            },
        )
        .await
    }

    async fn recently_stopped(&self) -> Result<Vec<StoppedAgentTask>, EcsError> {
        self.listing(
            |t| !t.desired_running && t.started_by == self.started_by,
            |t| StoppedAgentTask {
                task_arn: t.arn.clone(),
                agent: Some(t.agent.clone()),
                stop_code: t.stop_code.clone(),
                started: t.started_ms.is_some(),
                reason: t.stopped_reason.clone(),
            },
        )
        .await
    }

    async fn deregister_stale(
        &self,
        _cloud: &str,
        _keep: &[String],
        _max: usize,
    ) -> Result<Vec<String>, EcsError> {
        // The simulation never changes its agents file: nothing is stale.
        self.call(Op::DescribeTaskDefinition, |_| Ok(Vec::new()))
            .await
    }

    async fn stop(&self, task_arn: &str, reason: &str) -> Result<(), EcsError> {
        let asked = self
            .call(Op::StopTask, |cluster| {
                let ignore = cluster.ignore_stops;
                let Some(task) = cluster.tasks.get_mut(task_arn) else {
                    return Ok(false);
                };
                if !task.desired_running || ignore {
                    return Ok(false);
                }
                task.desired_running = false;
                task.version += 1;
                task.stop_code = Some("UserInitiated".into());
                task.stopped_reason = Some(reason.to_owned());
                Ok(true)
            })
            .await?;
        if asked {
            let _ = self
                .shared
                .news
                .send(EcsNews::StopRequested(task_arn.to_owned()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
