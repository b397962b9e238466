//! Launching one agent for one queued build, exactly once.
//!
//! Everything a retry needs is derived from the build itself: the agent name
//! from the queue item, the RunTask `clientToken` from the name and the time
//! the item entered the queue, the secret from the name (Jenkins derives it
//! by HMAC). A redelivered or concurrent launch therefore converges on the
//! first one: Jenkins answers "already exists" for the node, and ECS returns
//! the original task for the token. On failure the node we created is
//! deleted again, so nothing is left half-done.
//!
//! Remote calls per launch in steady state: create node, read secret,
//! RunTask, plus the event publish. Task definitions and agent counts are
//! cached per function instance, and the "still queued?" check is made only
//! for events older than the freshness window (a fresh event's item cannot
//! have been served yet: no agent for it exists).

mod caps;
#[cfg(any(test, feature = "test-util"))]
mod fake;
mod outcome;
mod request;
mod retire;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

pub use caps::template_of;
#[cfg(any(test, feature = "test-util"))]
pub use fake::FakeLauncher;
pub use outcome::{LaunchError, LaunchOutcome};
pub use request::{client_token, created_ms};
pub use retire::{RetireOutcome, attempt_of, queue_item_of};

use crate::config::{AgentTemplate, AgentsConfig};
use crate::ecs::{AgentTasks, EcsError, RunOutcome};
use crate::events::{AgentEvent, AgentEventKind, EventPublisher};
use crate::jenkins::{Created, JenkinsNodes, QueueItemState};
use crate::labels::LabelExpr;
use crate::metrics::Record;
use crate::naming::AgentName;
use caps::UsageCache;

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Prefix of the RunTask `group` of every agent task; the agent name follows.
pub const GROUP_PREFIX: &str = "jenkins-agent:";

/// The ECS `startedBy` of this deployment's tasks (≤ 36 characters).
pub fn deployment_id(config: &AgentsConfig) -> String {
    format!("ecs-agents-{}", config.cloud.name)
}

/// A build waiting in the Jenkins queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedBuild {
    /// Jenkins queue item id.
    pub queue_item: u64,
    /// The item's label expression as Jenkins holds it; `None` = unrestricted.
    pub label: Option<String>,
    /// Display name of the task (job) waiting.
    pub job_name: Option<String>,
    /// When the item entered the queue, epoch milliseconds.
    pub in_queue_since: u64,
    /// How old the news is; `None` when unknown.
    pub age: Option<Duration>,
    /// The caller has just seen the item in the queue (the reconciler has).
    pub verified_queued: bool,
}

/// Tunables of the launcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LauncherOptions {
    /// Events younger than this skip the "still queued?" check.
    pub freshness: Duration,
    /// How long a counted agent total is reused for caps.
    pub usage_ttl: Duration,
}

impl Default for LauncherOptions {
    fn default() -> Self {
        Self {
            freshness: Duration::from_secs(30),
            usage_ttl: Duration::from_secs(10),
        }
    }
}

/// Launches and retires agents through the Jenkins, ECS and event ports.
#[derive(Debug)]
pub struct Launcher<J, E, P> {
    config: Arc<AgentsConfig>,
    jenkins: J,
    ecs: E,
    events: P,
    started_by: String,
    options: LauncherOptions,
    usage: UsageCache,
}

impl<J: JenkinsNodes, E: AgentTasks, P: EventPublisher> Launcher<J, E, P> {
    /// A launcher for one deployment.
    pub fn new(
        config: Arc<AgentsConfig>,
        jenkins: J,
        ecs: E,
        events: P,
        options: LauncherOptions,
    ) -> Self {
        let started_by = deployment_id(&config);
        let usage = UsageCache::new(options.usage_ttl);
        Self {
            config,
            jenkins,
            ecs,
            events,
            started_by,
            options,
            usage,
        }
    }

    /// The agents configuration.
    pub fn config(&self) -> &AgentsConfig {
        &self.config
    }

    pub(crate) fn jenkins(&self) -> &J {
        &self.jenkins
    }

    pub(crate) fn ecs(&self) -> &E {
        &self.ecs
    }

    pub(crate) fn forget_usage(&self) {
        self.usage.invalidate();
    }

    pub(crate) fn events(&self) -> &P {
        &self.events
    }

    /// The ECS `startedBy` of this deployment's tasks.
    pub fn started_by(&self) -> &str {
        &self.started_by
    }

    /// Launches one agent for `build`, or says why not.
    #[tracing::instrument(skip_all, fields(queue_item = build.queue_item, label = build.label.as_deref()))]
    pub async fn launch(&self, build: &QueuedBuild) -> Result<LaunchOutcome, LaunchError> {
        let Some(expr) = build.label.as_deref().and_then(LabelExpr::parse_lax) else {
            return Ok(LaunchOutcome::ignored(
                "unrestricted item: no label, so no template of ours serves it",
            ));
        };
        let Some(template) = self.config.select(&expr) else {
            return Ok(LaunchOutcome::ignored(format!(
                "no template serves {}",
                expr.expression()
            )));
        };
        self.launch_for(build, template, 0).await
    }

    /// [`Launcher::launch`] once the template is known (the reconciler may
    /// know it from the node a queue item waits for), as launch `attempt`
    /// for the item (0 for the first; the attempt names the agent, and so
    /// its client token).
    pub(crate) async fn launch_for(
        &self,
        build: &QueuedBuild,
        template: &AgentTemplate,
        attempt: u32,
    ) -> Result<LaunchOutcome, LaunchError> {
        if !self.still_queued(build).await {
            return Ok(LaunchOutcome::ignored(format!(
                "queue item {} has left the queue",
                build.queue_item
            )));
        }
        let usage = self
            .usage
            .current(&self.config, &self.ecs)
            .await
            .map_err(|e| LaunchError::from_ecs(&e, None))?;
        if let Some(reason) = usage.refusal(&self.config, template) {
            info!(template = %template.name, %reason, "launch deferred at cap");
            return Ok(LaunchOutcome::Deferred {
                template: template.name.clone(),
                reason,
            });
        }
        let name = AgentName::for_queue_item(
            &self.config.cloud.name,
            &template.name,
            build.queue_item,
            attempt,
        );
        self.launch_agent(build, template, name).await
    }

    /// Whether to go ahead: fresh news, or Jenkins says the item still waits.
    /// Fails open: if Jenkins cannot say, launching beats a stuck build.
    async fn still_queued(&self, build: &QueuedBuild) -> bool {
        let fresh = build.age.is_some_and(|age| age <= self.options.freshness);
        if build.verified_queued || fresh {
            return true;
        }
        match self.jenkins.queue_item(build.queue_item).await {
            Ok(QueueItemState::Queued { .. }) => true,
            Ok(QueueItemState::Left { .. } | QueueItemState::Gone) => false,
            Err(error) => {
                warn!(%error, "could not check the queue item; launching anyway");
                true
            }
        }
    }

    pub(crate) async fn launch_agent(
        &self,
        build: &QueuedBuild,
        template: &AgentTemplate,
        name: AgentName,
    ) -> Result<LaunchOutcome, LaunchError> {
        let node = request::agent_node(&self.config.cloud, template, &name, build, now_ms());
        let created = self
            .jenkins
            .create_agent(&node)
            .await
            .map_err(|e| LaunchError::from_jenkins(&e, &name))?;
        match self.start_task(build, template, &name).await {
            Ok(task_arn) if created == Created::New => {
                self.usage.record(template);
                let waited = now_ms().saturating_sub(build.in_queue_since) as f64;
                Record::new([("Template", template.name.clone())])
                    .metric("Launches", "Count", 1.0)
                    .metric("QueueToLaunchMs", "Milliseconds", waited)
                    .emit();
                info!(node = %name, template = %template.name, task_arn = %task_arn, "agent launched");
                self.publish(
                    AgentEventKind::AgentLaunched,
                    &name,
                    template,
                    build,
                    Some(task_arn.clone()),
                    None,
                )
                .await;
                Ok(LaunchOutcome::Launched {
                    node: name,
                    template: template.name.clone(),
                    task_arn,
                })
            }
            Ok(task_arn) => Ok(LaunchOutcome::AlreadyLaunching {
                node: name,
                task_arn: Some(task_arn),
            }),
            Err(TaskStart::Conflict) if created == Created::AlreadyExists => {
                Ok(LaunchOutcome::AlreadyLaunching {
                    node: name,
                    task_arn: None,
                })
            }
            Err(failure) => Err(self
                .clean_up(failure, created, build, template, &name)
                .await),
        }
    }

    /// Reads the secret and runs the task; the node exists.
    async fn start_task(
        &self,
        build: &QueuedBuild,
        template: &AgentTemplate,
        name: &AgentName,
    ) -> Result<String, TaskStart> {
        let secret = self
            .jenkins
            .agent_secret(name)
            .await
            .map_err(|e| TaskStart::Failed(LaunchError::from_jenkins(&e, name)))?;
        let definition = self
            .ecs
            .task_definition(template)
            .await
            .map_err(|e| TaskStart::ecs(&e, name))?;
        let launch = request::task_launch(
            &self.config.cloud,
            template,
            definition,
            name,
            secret,
            build,
            &self.started_by,
        );
        match self.ecs.run(&launch).await {
            Ok(RunOutcome::Started { task_arn }) => Ok(task_arn),
            Ok(RunOutcome::Failed(failure)) => {
                Err(TaskStart::Failed(LaunchError::from_failure(&failure, name)))
            }
            Err(error) => Err(TaskStart::ecs(&error, name)),
        }
    }

    /// Deletes the node this launch created, reports, and passes the error on.
    async fn clean_up(
        &self,
        failure: TaskStart,
        created: Created,
        build: &QueuedBuild,
        template: &AgentTemplate,
        name: &AgentName,
    ) -> LaunchError {
        let error = match failure {
            TaskStart::Failed(error) => error,
            // Token used before with other parameters: an earlier launch for
            // this queue entry happened and its node is gone, so this one is late.
            TaskStart::Conflict => LaunchError::late(name),
        };
        if created == Created::New
            && let Err(delete_error) = self.jenkins.delete_agent(name).await
        {
            warn!(node = %name, error = %delete_error, "could not delete the node of a failed launch; the reconciler will");
        }
        warn!(node = %name, reason = %error.reason, transient = error.transient, "agent launch failed");
        let class = if error.transient {
            "transient"
        } else {
            "permanent"
        };
        Record::new([
            ("Template", template.name.clone()),
            ("Class", class.to_owned()),
        ])
        .metric("LaunchFailures", "Count", 1.0)
        .emit();
        // Also without dimensions: the alarm watches the total.
        Record::new(std::iter::empty())
            .metric("LaunchFailures", "Count", 1.0)
            .emit();
        self.usage.invalidate();
        if !error.transient && !error.late {
            self.publish(
                AgentEventKind::AgentLaunchFailed,
                name,
                template,
                build,
                None,
                Some(error.reason.clone()),
            )
            .await;
        }
        error
    }

    async fn publish(
        &self,
        kind: AgentEventKind,
        name: &AgentName,
        template: &AgentTemplate,
        build: &QueuedBuild,
        task_arn: Option<String>,
        reason: Option<String>,
    ) {
        let event = AgentEvent {
            kind,
            node: name.to_string(),
            template: template.name.clone(),
            queue_item: Some(build.queue_item),
            task_arn,
            reason,
            stop: None,
        };
        if let Err(error) = self.events.publish(&event).await {
            warn!(%error, kind = kind.detail_type(), "agent event not published");
        }
    }
}

/// Why a task did not start.
enum TaskStart {
    Failed(LaunchError),
    Conflict,
}

impl TaskStart {
    fn ecs(error: &EcsError, name: &AgentName) -> Self {
        match error {
            EcsError::TokenConflict(_) => Self::Conflict,
            other => Self::Failed(LaunchError::from_ecs(other, Some(name))),
        }
    }
}
