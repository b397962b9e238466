//! One agent's launch once its name is known: create the node, read its
//! secret, run its task; on failure, delete the node again and report.
//!
//! Remote calls per launch in steady state: create node, read secret,
//! RunTask, plus the event publish and the note for the waiting build. Task definitions and agent counts are
//! cached per function instance.

use tokio::time::{Instant, timeout_at};
use tracing::{info, warn};

use super::request;
use super::{BuildNote, CLEANUP_GRACE, LaunchError, LaunchOutcome, Launcher, QueuedBuild};
use crate::clock::now_ms;
use crate::config::{AgentTemplate, Cloud, SecretDelivery, VersionedConfig};
use crate::ecs::{AgentEnvironment, AgentTasks, EcsError, RunOutcome, SECRET_VARIABLE};
use crate::envfiles::{self, EnvFiles};
use crate::events::{AgentEvent, AgentEventKind, EventPublisher};
use crate::jenkins::{Created, JenkinsNodes};
use crate::metrics::Record;
use crate::naming::AgentName;
use crate::ports::Ports;
use crate::secret::Secret;

impl<P: Ports> Launcher<P> {
    /// Launches agent `name` of `template` (of `config`), within the launch
    /// deadline from now.
    pub(crate) async fn launch_agent(
        &self,
        config: &VersionedConfig,
        build: &QueuedBuild,
        template: &AgentTemplate,
        name: AgentName,
    ) -> Result<LaunchOutcome, LaunchError> {
        self.launch_agent_until(config, build, template, name, self.deadline())
            .await
    }

    /// Launches agent `name`, giving up at `deadline` (see `deadline`).
    pub(crate) async fn launch_agent_until(
        &self,
        config: &VersionedConfig,
        build: &QueuedBuild,
        template: &AgentTemplate,
        name: AgentName,
        deadline: Instant,
    ) -> Result<LaunchOutcome, LaunchError> {
        let deployment = &self.deployment;
        let node = request::agent_node(&config.cloud, template, &name, build, now_ms());
        // A creation still waiting at the deadline is not deleted: whether it
        // was this launch's or a concurrent delivery's cannot be told, and an
        // agentless node is the reconciler's ghost to delete.
        let create = deployment.jenkins.create_agent(&node);
        let created = self
            .in_time(deadline, &name, "creating its node", create)
            .await
            .and_then(|created| created.map_err(|e| LaunchError::jenkins(&name, e)));
        let created = match created {
            Ok(created) => created,
            // Nothing to delete yet, but reported like any failed launch: a
            // refusal such as a missing Agent/Create is news to whoever
            // watches AgentLaunchFailed and the log, not only to the caller.
            Err(error) => {
                return Err(self
                    .report_failure(config, error, build, template, &name)
                    .await);
            }
        };
        let start = self.start_task(&config.cloud, build, template, &name);
        let started = self
            .in_time(deadline, &name, "starting its task", start)
            .await
            .unwrap_or_else(|late| Err(TaskStart::Failed(late)));
        match started {
            Ok(task_arn) if created == Created::New => {
                self.usage.record(template);
                let waited = now_ms().saturating_sub(build.in_queue_since) as f64;
                Record::new([("Template", template.name.clone())])
                    .metric("Launches", "Count", 1.0)
                    .metric("QueueToLaunchMs", "Milliseconds", waited)
                    .emit();
                info!(node = %name, template = %template.name, task_arn = %task_arn, config_version = %config.version(), "agent launched");
                self.publish(AgentEvent {
                    task_arn: Some(task_arn.clone()),
                    ..event(
                        config,
                        AgentEventKind::AgentLaunched,
                        &name,
                        template,
                        build,
                    )
                })
                .await;
                let note =
                    BuildNote::task_started(build.queue_item, &name, &template.name, &task_arn);
                self.post_placeholder_note(&config.cloud, &note).await;
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
            Err(failure) => {
                let error = self
                    .clean_up(&config.cloud, failure, created, &name, deadline)
                    .await;
                Err(self
                    .report_failure(config, error, build, template, &name)
                    .await)
            }
        }
    }

    /// Reads the secret and runs the task; the node exists.
    async fn start_task(
        &self,
        cloud: &Cloud,
        build: &QueuedBuild,
        template: &AgentTemplate,
        name: &AgentName,
    ) -> Result<String, TaskStart> {
        let deployment = &self.deployment;
        let secret = deployment
            .jenkins
            .agent_secret(name)
            .await
            .map_err(|e| TaskStart::Failed(LaunchError::jenkins(name, e)))?;
        let definition = deployment
            .ecs
            .task_definition(template)
            .await
            .map_err(|e| TaskStart::ecs(e, name))?;
        let environment = self
            .agent_environment(cloud, template, name, secret)
            .await?;
        let launch = request::task_launch(
            template,
            definition,
            name,
            environment,
            build,
            deployment.started_by(),
        );
        match deployment.ecs.run(&launch).await {
            Ok(RunOutcome::Started { task_arn }) => Ok(task_arn),
            Ok(RunOutcome::Failed(failure)) => {
                Err(TaskStart::Failed(LaunchError::not_run(name, &failure)))
            }
            Err(error) => Err(TaskStart::ecs(error, name)),
        }
    }

    /// The agent's variables and secret, in its task's overrides or written
    /// to its environment file, as the cloud delivers secrets.
    async fn agent_environment(
        &self,
        cloud: &Cloud,
        template: &AgentTemplate,
        name: &AgentName,
        secret: Secret,
    ) -> Result<AgentEnvironment, TaskStart> {
        let variables = request::environment(cloud, template, name);
        match cloud.secret_delivery {
            SecretDelivery::TaskOverride => Ok(AgentEnvironment::Overrides { variables, secret }),
            SecretDelivery::EnvironmentFile => {
                let contents = envfiles::contents(&variables, SECRET_VARIABLE, &secret);
                let arn = self
                    .deployment
                    .files
                    .put(name, &contents)
                    .await
                    .map_err(|e| TaskStart::Failed(LaunchError::env_file(name, e)))?;
                Ok(AgentEnvironment::File { arn })
            }
        }
    }

    /// Deletes the node this launch created (by `deadline` plus
    /// [`CLEANUP_GRACE`]) and its environment file; the launch's error.
    async fn clean_up(
        &self,
        cloud: &Cloud,
        failure: TaskStart,
        created: Created,
        name: &AgentName,
        deadline: Instant,
    ) -> LaunchError {
        let error = match failure {
            TaskStart::Failed(error) => error,
            // Token used before with other parameters: an earlier launch for
            // this queue entry happened and its node is gone, so this one is late.
            TaskStart::Conflict => LaunchError::AlreadyServed { node: name.clone() },
        };
        let delete = self.deployment.jenkins.delete_agent(name);
        if created == Created::New {
            match timeout_at(deadline + CLEANUP_GRACE, delete).await {
                Ok(Ok(_)) => {}
                Ok(Err(delete_error)) => {
                    warn!(node = %name, error = %delete_error, "could not delete the node of a failed launch; the reconciler will");
                }
                Err(_) => {
                    warn!(node = %name, "no time left to delete the node of a failed launch; the reconciler will");
                }
            }
        }
        // The file (if this launch wrote one) holds the secret of a node
        // that is gone; a duplicate's launch leaves the first one's alone.
        if created == Created::New && cloud.secret_delivery == SecretDelivery::EnvironmentFile {
            let delete = self.deployment.files.delete(name);
            if !matches!(
                timeout_at(deadline + CLEANUP_GRACE, delete).await,
                Ok(Ok(()))
            ) {
                warn!(node = %name, "could not delete the environment file of a failed launch; the reconciler will");
            }
        }
        error
    }

    /// Logs, counts and (if permanent) publishes a failed launch, and passes
    /// the error on.
    pub(super) async fn report_failure(
        &self,
        config: &VersionedConfig,
        error: LaunchError,
        build: &QueuedBuild,
        template: &AgentTemplate,
        name: &AgentName,
    ) -> LaunchError {
        let retryable = error.is_retryable();
        warn!(node = %name, reason = %error, retryable, config_version = %config.version(), "agent launch failed");
        // The dashboard's and alarms' dimension values: kept as first published.
        let class = if retryable { "transient" } else { "permanent" };
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
        if let LaunchError::Permanent(_) = &error {
            let note = BuildNote::launch_refused(build.queue_item, name, &error.to_string());
            self.post_placeholder_note(&config.cloud, &note).await;
            let kind = AgentEventKind::AgentLaunchFailed;
            self.publish(AgentEvent {
                reason: Some(error.to_string()),
                ..event(config, kind, name, template, build)
            })
            .await;
        }
        error
    }

    async fn publish(&self, event: AgentEvent) {
        if let Err(error) = self.deployment.events.publish(&event).await {
            warn!(%error, kind = event.kind.detail_type(), "agent event not published");
        }
    }
}

/// The event of `kind` about agent `name` launched for `build` from `template`
/// of `config`, without task or reason yet.
fn event(
    config: &VersionedConfig,
    kind: AgentEventKind,
    name: &AgentName,
    template: &AgentTemplate,
    build: &QueuedBuild,
) -> AgentEvent {
    AgentEvent {
        kind,
        node: name.to_string(),
        template: template.name.clone(),
        config_version: config.version().to_string(),
        queue_item: Some(build.queue_item),
        task_arn: None,
        reason: None,
        stop: None,
    }
}

/// Why a task did not start.
enum TaskStart {
    Failed(LaunchError),
    Conflict,
}

impl TaskStart {
    fn ecs(error: EcsError, name: &AgentName) -> Self {
        match error {
            EcsError::TokenConflict(_) => Self::Conflict,
            other => Self::Failed(LaunchError::ecs(Some(name), other)),
        }
    }
}
