//! The reconcile rules, applied to one run's picture of the world.

use std::sync::Arc;
use std::time::Duration;

use tracing::info;

use super::attempts::{Next, next_launch};
use super::presence::{Presence, Verdict};
use super::why::{Wanted, understood, waiting_for};
use super::{Run, World};
use crate::config::identity::created_ms;
use crate::config::{AgentTemplate, Retention, SecretDelivery, VersionedConfig};
use crate::ecs::{AgentTask, AgentTasks, StoppedAgentTask};
use crate::envfiles::EnvFiles;
use crate::events::{AgentEvent, AgentEventKind, EventPublisher};
use crate::jenkins::{AgentNode, JenkinsNodes, NodeInfo, QueueEntry};
use crate::launch::{LaunchOutcome, QueuedBuild};
use crate::naming::AgentName;
use crate::ports::{Deployment, Ports};

impl<P: Ports> Run<'_, P> {
    fn deployment(&self) -> &Deployment<P> {
        &self.reconciler.deployment
    }

    /// The agents file version this run acts on throughout.
    fn config(&self) -> Arc<VersionedConfig> {
        Arc::clone(&self.config)
    }

    pub(crate) async fn apply(&mut self, world: &World) {
        let config = self.config();
        let ours: Vec<&NodeInfo> = world
            .nodes
            .iter()
            .filter(|n| config.template_of(n.name.as_str()).is_some())
            .collect();
        self.summary.nodes = ours.len();
        self.presence().observe(&ours, world.now_ms);
        self.placeholders(world).await;
        for node in &ours {
            if !self.in_time() {
                return;
            }
            self.node_rules(node, world).await;
        }
        self.orphans(world).await;
        self.stray_env_files(world).await;
        self.missed_demand(world, &ours).await;
        self.stale_task_definitions(world.now_ms).await;
    }

    /// Deregisters revisions of hashes no template has any more. Skipped in
    /// a dry run: finding them takes the same calls as removing them. Skipped
    /// too until the version in use has been published long enough for every
    /// warm instance to have read it: one still on the version before may
    /// launch from a revision this would deregister.
    async fn stale_task_definitions(&mut self, now_ms: u64) {
        let options = self.reconciler.options;
        if options.dry_run || options.max_deregistrations == 0 || !self.in_time() {
            return;
        }
        let config = self.config();
        if !self.deployment().agents_file().settled(&config, now_ms) {
            return;
        }
        let keep: Vec<String> = config
            .templates
            .iter()
            .filter_map(|t| match &t.task {
                crate::config::TaskSource::Register { hash, .. } => Some(hash.clone()),
                crate::config::TaskSource::Existing { .. } => None,
            })
            .collect();
        let ecs = &self.reconciler.deployment.ecs;
        match ecs
            .deregister_stale(&config.cloud.name, &keep, options.max_deregistrations)
            .await
        {
            Ok(arns) => self.summary.deregistered = arns,
            Err(error) => self
                .summary
                .errors
                .push(format!("deregistering stale task definitions: {error}")),
        }
    }

    async fn placeholders(&mut self, world: &World) {
        for name in self.config().cloud.placeholder_nodes() {
            if !world.nodes.iter().any(|n| n.name == name) {
                self.placeholder(name).await;
            }
        }
    }

    async fn placeholder(&mut self, name: AgentName) {
        self.summary.placeholder_created = true;
        if self.reconciler.options.dry_run {
            return;
        }
        let node = AgentNode {
            name: name.clone(),
            description: "Placeholder managed by ecs-agents: never connects, carries no label, keeps Jenkins \
                          naming wanted labels in queue reasons while no agent exists"
                .into(),
            num_executors: 1,
            remote_fs: "/home/jenkins/placeholder".into(),
            label_string: String::new(),
            web_socket: true,
        };
        if let Err(error) = self.deployment().jenkins.create_agent(&node).await {
            self.summary
                .errors
                .push(format!("placeholder {name}: {error}"));
        }
    }

    async fn node_rules(&mut self, node: &NodeInfo, world: &World) {
        let options = self.reconciler.options;
        let config = self.config();
        let age = created_ms(&node.description).map_or(Duration::MAX, |created| {
            ms(world.now_ms.saturating_sub(created))
        });
        let task = world.tasks.get(&node.name);
        if node.offline && task.is_none() && age > options.ghost_grace {
            self.summary.ghost_nodes.push(node.name.clone());
            self.retire(&node.name, None, "ghost node").await;
        } else if node.offline && !node.temporarily_offline && task.is_some() {
            let verdict = self
                .presence()
                .judge(node, age, &config.cloud, world.now_ms);
            self.offline_agent(node, task, verdict).await;
        } else if self.idle_too_long(node, world.now_ms) {
            self.summary.idle_retired.push(node.name.clone());
            self.retire(&node.name, task, "idle agent retired").await;
        }
    }

    /// Retires an offline agent whose task runs, once it is not coming.
    async fn offline_agent(&mut self, node: &NodeInfo, task: Option<&AgentTask>, verdict: Verdict) {
        let config = self.config();
        match verdict {
            Verdict::Wait => {}
            Verdict::NeverConnected => {
                self.summary.never_connected.push(node.name.clone());
                self.retire(&node.name, task, "agent did not connect").await;
                let timeout = config.cloud.agent_launch_timeout.as_secs();
                let reason = format!("agent did not connect within {timeout} s");
                self.report_failure(&node.name, reason).await;
            }
            Verdict::Disconnected => {
                let window = config.cloud.agent_reconnect_window.as_secs() / 60;
                info!(node = %node.name, "agent disconnected and did not come back within {window} min");
                self.summary.disconnected.push(node.name.clone());
                self.retire(&node.name, task, "agent did not reconnect")
                    .await;
            }
        }
    }

    fn presence(&self) -> std::sync::MutexGuard<'_, Presence> {
        self.reconciler
            .presence
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn idle_too_long(&self, node: &NodeInfo, now_ms: u64) -> bool {
        let mut seen = self
            .reconciler
            .idle_seen
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if node.offline || !node.idle {
            seen.remove(&node.name);
            return false;
        }
        let since = node
            .idle_since
            .unwrap_or_else(|| *seen.entry(node.name.clone()).or_insert(now_ms));
        drop(seen);
        let config = self.config();
        let Some(template) = config.template_of(node.name.as_str()) else {
            return false;
        };
        let idle = ms(now_ms.saturating_sub(since));
        match template.retention {
            Retention::Idle { minutes } => idle > Duration::from_secs(u64::from(minutes) * 60),
            Retention::SingleUse => idle > self.reconciler.options.single_use_idle,
        }
    }

    async fn orphans(&mut self, world: &World) {
        for (name, task) in &world.tasks {
            if world.nodes.iter().any(|n| &n.name == name) || !self.in_time() {
                continue;
            }
            // A launch may have created the node after the list was read.
            if !self.node_still_gone(name).await {
                continue;
            }
            self.summary.orphan_tasks.push(task.task_arn.clone());
            if !self.reconciler.options.dry_run
                && let Err(error) = self
                    .deployment()
                    .ecs
                    .stop(&task.task_arn, "orphan: its Jenkins node is gone")
                    .await
            {
                self.summary
                    .errors
                    .push(format!("stop {}: {error}", task.task_arn));
            }
        }
    }

    /// Deletes environment files whose agent has no live task: a task-stopped
    /// that failed to delete one, or a launch cut short. A file younger than
    /// the ghost grace may belong to a launch between writing it and RunTask.
    async fn stray_env_files(&mut self, world: &World) {
        let deployment = &self.reconciler.deployment;
        if self.config.cloud.secret_delivery != SecretDelivery::EnvironmentFile || !self.in_time() {
            return;
        }
        let files = match deployment.files.list().await {
            Ok(files) => files,
            Err(error) => {
                let message = format!("listing environment files: {error}");
                self.summary.errors.push(message);
                return;
            }
        };
        let grace = self.reconciler.options.ghost_grace;
        let strays = files.into_iter().filter(|f| {
            !world.tasks.contains_key(&f.agent)
                && ms(world.now_ms.saturating_sub(f.written_ms)) > grace
        });
        for file in strays.take(MAX_FILE_DELETIONS) {
            self.summary.stray_env_files.push(file.agent.clone());
            if !self.reconciler.options.dry_run
                && let Err(error) = self.deployment().files.delete(&file.agent).await
            {
                let message = format!("delete environment file of {}: {error}", file.agent);
                self.summary.errors.push(message);
            }
        }
    }

    async fn missed_demand(&mut self, world: &World, ours: &[&NodeInfo]) {
        self.check_language(world);
        let names: Vec<&str> = world.nodes.iter().map(|n| n.name.as_str()).collect();
        for entry in world.queue.iter().filter(|e| e.buildable) {
            if self.summary.launched.len() >= self.reconciler.options.max_launches
                || !self.in_time()
            {
                return;
            }
            let config = self.config();
            let template = match entry
                .why
                .as_deref()
                .and_then(|why| waiting_for(why, &names))
            {
                Some(Wanted::Label(expr)) => config.select(&expr),
                // Jenkins names the node when exactly one has the label: if
                // it is one of our agents (launching for another item, or
                // single use), the item needs another agent of its template.
                // Unless that agent was connected and is now away: after a
                // controller restart a Pipeline waits for its own agent by
                // name, and the agent is reconnecting (see `presence`).
                Some(Wanted::Node(node)) if self.reconnecting(&node, world) => continue,
                Some(Wanted::Node(node)) => config.template_of(&node),
                None => None,
            };
            let Some(template) = template else { continue };
            let served = ours
                .iter()
                .any(|n| config.agent_parts(&n.name).map(|p| p.queue_item) == Some(entry.id))
                || ours.iter().any(|n| {
                    !n.offline
                        && n.idle
                        && config
                            .template_of(n.name.as_str())
                            .is_some_and(|t| t.name == template.name)
                });
            if served {
                continue;
            }
            let waited = world.now_ms.saturating_sub(entry.in_queue_since);
            let max_attempts = self.reconciler.options.max_attempts;
            let next = match self.refused(entry, waited) {
                Some(why) => Next::HoldBack(why),
                None => {
                    let stopped = self.stopped_tasks().await;
                    next_launch(&config, entry.id, waited, stopped, max_attempts)
                }
            };
            match next {
                Next::Launch(attempt) => self.launch(entry, template, attempt).await,
                Next::HoldBack(why) => {
                    info!(queue_item = entry.id, %why, "held back");
                    self.summary
                        .held_back
                        .push(format!("queue item {}: {why}", entry.id));
                }
            }
        }
    }

    /// Counts the buildable items whose `why` is no English text Jenkins
    /// gives, and says once per instance what that means: a controller
    /// forced into another language, whose queue names no label we can read.
    fn check_language(&mut self, world: &World) {
        let foreign: Vec<&str> = world
            .queue
            .iter()
            .filter(|e| e.buildable)
            .filter_map(|e| e.why.as_deref())
            .filter(|why| !why.trim().is_empty() && !understood(why))
            .collect();
        self.summary.unreadable_reasons = foreign.len();
        let Some(example) = foreign.first() else {
            return;
        };
        let warned = &self.reconciler.warned_language;
        if !warned.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::warn!(
                example,
                "jenkins answers its queue reasons in another language, so reconcile cannot read \
                 which label a build waits for and launches nothing for missed demand; let \
                 requests choose English (Locale plugin: do not ignore the browser preference)"
            );
        }
    }

    /// Whether `name` is an agent of ours that was connected, is offline now,
    /// and whose task still runs.
    fn reconnecting(&self, name: &str, world: &World) -> bool {
        let Some(node) = world.nodes.iter().find(|n| n.name.as_str() == name) else {
            return false;
        };
        node.offline
            && !node.temporarily_offline
            && world.tasks.contains_key(&node.name)
            && self.presence().was_connected(node)
    }

    /// This deployment's stopped tasks, listed once per run. If ECS cannot
    /// list them, launches go ahead as first attempts (the error is reported).
    async fn stopped_tasks(&mut self) -> &[StoppedAgentTask] {
        if self.stopped.is_none() {
            let listed = self.deployment().ecs.recently_stopped().await;
            let listed = listed.unwrap_or_else(|error| {
                self.summary
                    .errors
                    .push(format!("listing stopped tasks: {error}"));
                Vec::new()
            });
            self.stopped = Some(listed);
        }
        self.stopped.as_deref().unwrap_or_default()
    }

    async fn launch(&mut self, entry: &QueueEntry, template: &AgentTemplate, attempt: u32) {
        let config = self.config();
        if self.reconciler.options.dry_run {
            let name = config.cloud.agent_name(&template.name, entry.id, attempt);
            self.summary.launched.push(name);
            return;
        }
        let build = QueuedBuild {
            queue_item: entry.id,
            label: None,
            job_name: entry.task_name.clone(),
            in_queue_since: entry.in_queue_since,
            age: None,
            verified_queued: true,
        };
        match self
            .reconciler
            .launcher
            .launch_for(&config, &build, template, attempt)
            .await
        {
            Ok(LaunchOutcome::Launched { node, .. }) => self.summary.launched.push(node),
            Ok(LaunchOutcome::Deferred { .. }) => self.summary.deferred += 1,
            Ok(_) => {}
            Err(error) => {
                self.remember_refusal(entry, attempt, &error);
                self.failed(format!("launch for queue item {}", entry.id), &error);
            }
        }
    }

    /// Deletes the node, then stops its task (so no build lands on a dying agent).
    async fn retire(&mut self, name: &AgentName, task: Option<&AgentTask>, why: &str) {
        if self.reconciler.options.dry_run {
            return;
        }
        if let Err(error) = self.deployment().jenkins.delete_agent(name).await {
            self.failed(format!("delete {name}: agent {name}"), &error);
            return;
        }
        if let Some(task) = task
            && let Err(error) = self.deployment().ecs.stop(&task.task_arn, why).await
        {
            self.summary
                .errors
                .push(format!("stop {}: {error}", task.task_arn));
        }
    }

    async fn report_failure(&mut self, name: &AgentName, reason: String) {
        let config = self.config();
        let event = AgentEvent {
            kind: AgentEventKind::AgentLaunchFailed,
            node: name.to_string(),
            template: config
                .template_of(name.as_str())
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            config_version: config.version().to_string(),
            queue_item: config.agent_parts(name).map(|p| p.queue_item),
            task_arn: None,
            reason: Some(reason),
            stop: None,
        };
        if !self.reconciler.options.dry_run
            && let Err(error) = self.deployment().events.publish(&event).await
        {
            tracing::warn!(%error, "AgentLaunchFailed not published");
        }
    }
}

/// Environment files deleted per run, at most: the rest waits for the next.
const MAX_FILE_DELETIONS: usize = 100;

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}
