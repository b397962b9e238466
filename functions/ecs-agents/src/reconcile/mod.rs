//! The reconciler: on a schedule, make Jenkins, ECS and the queue agree,
//! whatever events were lost. The rules and their reasons, for users:
//! docs/how-it-works.md.
//!
//! One run reads the queue, the nodes and this deployment's tasks, then:
//! - keeps a label-less, never-connecting placeholder node, so that Jenkins
//!   names the wanted label in `why` even when no agent exists (with no agent
//!   nodes at all it only says "Waiting for next available executor");
//! - **ghost nodes**: our offline node with no task, older than the grace
//!   period → deleted;
//! - **orphan tasks**: our task whose node is gone, and still gone when
//!   asked again (see [`orphans`]) → stopped;
//! - **never connected**: our node still offline after the agent launch
//!   timeout → task stopped, node deleted, `AgentLaunchFailed` reported;
//! - **disconnected**: our agent was connected, then offline for longer than
//!   the reconnect window (a controller restart or a dropped connection it
//!   did not come back from) → task stopped, node deleted (see [`presence`]);
//! - **idle agents**: idle longer than the template's retention (reuse), or
//!   than a short grace after their one build (single use) → retired; idle
//!   time is measured from Jenkins' `idleStartMilliseconds` where a version
//!   exports it, else across runs (Jenkins' API has no idle-since field);
//! - **missed demand**: a buildable item waiting for a label a template
//!   serves, with no agent of ours for it → launched through the webhook's
//!   own path (same idempotency, same caps), as the attempt that follows its
//!   earlier launches; held back while an earlier agent's start failed for
//!   good (see [`attempts`]) or an earlier launch was refused outright (see
//!   [`refusals`]);
//! - **stray environment files**: an agent's file with no live task of that
//!   agent, older than the ghost grace → deleted (it holds a secret);
//! - **stale task definitions**: revisions we registered for a content hash
//!   no template has any more → deregistered, a few per run.
//!
//! Reading fails → nothing is done (never act on half a picture). Work is
//! bounded by a time budget; `dry_run` reports without acting; one summary
//! line per run.

mod attempts;
mod orphans;
mod presence;
mod refusals;
mod rules;
#[cfg(test)]
mod tests;
pub mod why;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
// tokio's clock: std's in production, virtual in a simulation, where the
// budget must be spent in the time the run's calls take.
use tokio::time::Instant;
use tracing::info;

use crate::config::VersionedConfig;
use crate::ecs::{AgentTask, AgentTasks, EcsError, StoppedAgentTask};
use crate::jenkins::{JenkinsError, JenkinsNodes, NodeInfo, QueueEntry};
use crate::launch::{Launcher, MAX_START_ATTEMPTS};
use crate::naming::AgentName;
use crate::ports::{Deployment, Ports};

/// Tunables of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileOptions {
    /// Report what would be done, do nothing.
    pub dry_run: bool,
    /// Stop starting new actions after this long (well under the function timeout).
    pub budget: Duration,
    /// A node may exist this long without a task (a launch in flight).
    pub ghost_grace: Duration,
    /// A single-use agent idle this long has run its build (or never will).
    pub single_use_idle: Duration,
    /// Launches per run, at most.
    pub max_launches: usize,
    /// Failed starts per queue item and hour before it is held back.
    pub max_attempts: u32,
    /// Stale task-definition revisions deregistered per run, at most
    /// (ECS refills that bucket at one call per second).
    pub max_deregistrations: usize,
}

impl Default for ReconcileOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            budget: Duration::from_secs(40),
            ghost_grace: Duration::from_secs(120),
            single_use_idle: Duration::from_secs(120),
            max_launches: 20,
            max_attempts: MAX_START_ATTEMPTS,
            max_deregistrations: 5,
        }
    }
}

/// What one run saw and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// The version of the agents file the run acted on.
    pub config_version: String,
    /// Items in the queue.
    pub queued: usize,
    /// Our agent nodes.
    pub nodes: usize,
    /// Our running tasks.
    pub tasks: usize,
    /// Agents launched for missed demand.
    pub launched: Vec<AgentName>,
    /// Waiting items not launched for, and why (an earlier agent's start failed).
    pub held_back: Vec<String>,
    /// Buildable items whose `why` is not one of Jenkins' English texts (a
    /// controller forced into another language: nothing can be read).
    pub unreadable_reasons: usize,
    /// Launches deferred at a cap.
    pub deferred: usize,
    /// Ghost nodes deleted.
    pub ghost_nodes: Vec<AgentName>,
    /// Orphan tasks stopped.
    pub orphan_tasks: Vec<String>,
    /// Agents that never connected, retired.
    pub never_connected: Vec<AgentName>,
    /// Agents that disconnected and did not come back in time, retired.
    pub disconnected: Vec<AgentName>,
    /// Idle agents retired.
    pub idle_retired: Vec<AgentName>,
    /// Environment files of agents without a live task, deleted.
    pub stray_env_files: Vec<AgentName>,
    /// Task-definition revisions no template renders any more, deregistered.
    pub deregistered: Vec<String>,
    /// The placeholder node was (re)created.
    pub placeholder_created: bool,
    /// Actions that failed (the next run tries again).
    pub errors: Vec<String>,
    /// Nothing was done; the lists say what would have been.
    pub dry_run: bool,
    /// The time budget ran out before every action was taken.
    pub out_of_time: bool,
}

/// Reading Jenkins or ECS failed: nothing was done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReconcileError {
    /// Jenkins could not be read.
    #[error("reconcile did nothing: {0}")]
    Jenkins(#[from] JenkinsError),
    /// ECS could not be read.
    #[error("reconcile did nothing: {0}")]
    Ecs(#[from] EcsError),
}

impl ReconcileError {
    /// Whether the next run may succeed (an outage, not a refusal).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Jenkins(error) => error.is_retryable(),
            Self::Ecs(error) => error.is_retryable(),
        }
    }
}

/// The reconciler of one deployment.
#[derive(Debug)]
pub struct Reconciler<P: Ports> {
    deployment: Arc<Deployment<P>>,
    /// Launches for missed demand, through the webhook's own path.
    launcher: Launcher<P>,
    options: ReconcileOptions,
    /// When each idle agent was first seen idle (epoch ms). Jenkins exports
    /// no idle-since time, so the reconciler measures idleness across its
    /// runs; a cold start restarts the measure (agents kept longer, never
    /// retired early).
    idle_seen: std::sync::Mutex<HashMap<AgentName, u64>>,
    /// Which agents were seen online, and since when offline, across runs.
    presence: std::sync::Mutex<presence::Presence>,
    /// Whether this instance has said that Jenkins' queue reasons are not in English.
    warned_language: std::sync::atomic::AtomicBool,
    /// Launches refused outright, per queue item (see [`refusals`]).
    refusals: refusals::Refusals,
}

/// One run's picture of the world.
pub(crate) struct World {
    pub queue: Vec<QueueEntry>,
    pub nodes: Vec<NodeInfo>,
    /// In name order, so a run acts in the same order every time (the
    /// simulator, tests/simulator, replays runs from their seed).
    pub tasks: BTreeMap<AgentName, AgentTask>,
    pub unnamed_tasks: Vec<AgentTask>,
    pub now_ms: u64,
}

impl<P: Ports> Reconciler<P> {
    /// A reconciler for the deployment `launcher` acts for, launching
    /// through it.
    pub fn new(launcher: Launcher<P>, options: ReconcileOptions) -> Self {
        Self {
            deployment: Arc::clone(launcher.deployment()),
            launcher,
            options,
            idle_seen: std::sync::Mutex::default(),
            presence: std::sync::Mutex::default(),
            warned_language: std::sync::atomic::AtomicBool::new(false),
            refusals: refusals::Refusals::default(),
        }
    }

    /// The deployment: configuration and ports.
    pub fn deployment(&self) -> &Deployment<P> {
        &self.deployment
    }

    /// The launcher for missed demand.
    pub fn launcher(&self) -> &Launcher<P> {
        &self.launcher
    }

    /// One reconcile run at `now_ms`.
    #[tracing::instrument(skip_all, fields(dry_run = self.options.dry_run))]
    pub async fn run(&self, now_ms: u64) -> Result<RunSummary, ReconcileError> {
        let started = Instant::now();
        let config = self.deployment.config_for_invocation().await;
        let world = self.read(now_ms).await?;
        self.refusals.forget_gone(&world);
        let mut run = Run {
            reconciler: self,
            summary: RunSummary {
                config_version: config.version().to_string(),
                dry_run: self.options.dry_run,
                ..Default::default()
            },
            config,
            started,
            stopped: None,
        };
        run.summary.queued = world.queue.len();
        run.summary.tasks = world.tasks.len() + world.unnamed_tasks.len();
        run.apply(&world).await;
        self.launcher.forget_usage();
        let s = &run.summary;
        info!(
            queued = s.queued,
            nodes = s.nodes,
            tasks = s.tasks,
            launched = s.launched.len(),
            deferred = s.deferred,
            held_back = s.held_back.len(),
            unreadable_reasons = s.unreadable_reasons,
            ghost_nodes = s.ghost_nodes.len(),
            orphan_tasks = s.orphan_tasks.len(),
            never_connected = s.never_connected.len(),
            disconnected = s.disconnected.len(),
            idle_retired = s.idle_retired.len(),
            stray_env_files = s.stray_env_files.len(),
            placeholder_created = s.placeholder_created,
            errors = s.errors.len(),
            dry_run = s.dry_run,
            out_of_time = s.out_of_time,
            config_version = %s.config_version,
            "reconcile run"
        );
        Ok(run.summary)
    }

    async fn read(&self, now_ms: u64) -> Result<World, ReconcileError> {
        let jenkins = &self.deployment.jenkins;
        let queue = jenkins.list_queue().await?;
        let nodes = jenkins.list_nodes().await?;
        let tasks = self.deployment.ecs.active_tasks().await?;
        let (named, unnamed): (Vec<_>, Vec<_>) = tasks.into_iter().partition(|t| t.agent.is_some());
        let tasks = named
            .into_iter()
            .filter_map(|t| Some((t.agent.clone()?, t)))
            .collect();
        Ok(World {
            queue,
            nodes,
            tasks,
            unnamed_tasks: unnamed,
            now_ms,
        })
    }
}

/// One run in progress.
pub(crate) struct Run<'a, P: Ports> {
    reconciler: &'a Reconciler<P>,
    /// The agents file version the whole run acts on.
    config: Arc<VersionedConfig>,
    started: Instant,
    /// This deployment's stopped tasks, read once a run needs them.
    stopped: Option<Vec<StoppedAgentTask>>,
    summary: RunSummary,
}

impl<P: Ports> Run<'_, P> {
    /// Whether there is time for another action.
    fn in_time(&mut self) -> bool {
        let in_time = self.started.elapsed() < self.reconciler.options.budget;
        self.summary.out_of_time |= !in_time;
        in_time
    }

    fn failed(&mut self, what: String, error: &dyn std::fmt::Display) {
        self.summary.errors.push(format!("{what}: {error}"));
    }
}
