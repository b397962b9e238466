//! The whole system in one place: the models, the function instances
//! running the library's real code, and the processes between them (the
//! emitter, the webhook, the queue's event source, EventBridge, the
//! reconciler's schedule, tasks and their agents, builds).
//!
//! Everything runs on one thread on tokio's paused clock: time moves only
//! when every process waits, straight to the next timer. With every chance
//! drawn from the seed, a run is a function of its scenario and seed.

mod functions;
mod intake;
mod scenario;
mod tasks;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ecs_agents::config::AgentsConfig;
use ecs_agents::envfiles::fake::FakeEnvFiles;
use ecs_agents::events::fake::FakePublisher;
use ecs_agents::events::{AgentEvent, ConfigRejected, EventPublisher, PublishError};
use ecs_agents::launch::{Launcher, LauncherOptions};
use ecs_agents::ports::{Deployment, Ports};
use ecs_agents::reconcile::RunSummary;
use tokio::sync::Notify;
use tokio::sync::mpsc::unbounded_channel;
use tokio::time::Instant;

pub use scenario::{AGENTS_FILE, Arrival, Sabotage, Scenario, TaskTimes};

use crate::ecs::{Cluster, EcsNews, SharedCluster, SimEcs};
use crate::jenkins::{Controller, JenkinsClient, JenkinsNews, SimJenkins};
use crate::rng::Rng;
use crate::sqs::Queue;

/// The port types of a simulated deployment.
#[derive(Debug, Clone, Copy)]
pub struct SimPorts;

impl Ports for SimPorts {
    type Jenkins = JenkinsClient;
    type Ecs = SimEcs;
    type Events = SimEvents;
    type Files = FakeEnvFiles;
}

/// EventBridge's bus for agent events: every instance publishes to the
/// same list.
#[derive(Debug, Clone, Default)]
pub struct SimEvents(pub Arc<Mutex<Vec<AgentEvent>>>);

impl EventPublisher for SimEvents {
    async fn publish(&self, event: &AgentEvent) -> Result<(), PublishError> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event.clone());
        Ok(())
    }

    async fn publish_rejected_config(&self, event: &ConfigRejected) -> Result<(), PublishError> {
        FakePublisher::new().publish_rejected_config(event).await
    }
}

/// What happened, for the report and the checks.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// When each queue item first had a task (RunTask created it), since the start.
    pub first_task: BTreeMap<u64, Duration>,
    /// When each task was created, since the start, in order.
    pub tasks_created: Vec<Duration>,
    /// When each build started on an agent, since the start.
    pub build_started: BTreeMap<u64, Duration>,
    /// Events the emitter dropped or gave up on.
    pub emitter_lost: u64,
    /// Task events that task-stopped never handled (lost, or failed 3 times).
    pub task_events_lost: u64,
    /// Worker invocations, and those that timed out.
    pub invocations: u64,
    /// Worker invocations cut off by the function's timeout.
    pub timeouts: u64,
    /// Reconcile runs that failed to read.
    pub reconcile_failures: u64,
}

/// The world of one run.
pub struct World {
    /// What is simulated.
    pub scenario: Scenario,
    /// The agents file every instance acts on.
    pub config: Arc<AgentsConfig>,
    /// The controller.
    pub jenkins: Arc<SimJenkins>,
    /// The cluster.
    pub ecs: Arc<SharedCluster>,
    /// The work queue.
    pub queue: Mutex<Queue>,
    queue_changed: Notify,
    /// Agent events published.
    pub events: SimEvents,
    /// What happened.
    pub stats: Mutex<Stats>,
    /// The last reconcile run's summary (its held-back items).
    pub last_reconcile: Mutex<Option<RunSummary>>,
    /// Queue items the webhook found no template for.
    pub no_template: Mutex<BTreeSet<u64>>,
    /// Worker instances not running an invocation.
    warm_workers: Mutex<Vec<Arc<crate::worker::Worker<SimPorts>>>>,
    /// Task-stopped instances not running an invocation.
    warm_task_stopped: Mutex<Vec<Arc<ecs_agents::stopped::TaskStopped<SimPorts>>>>,
    /// Agents' drop signals, by task.
    drops: Mutex<HashMap<String, Arc<Notify>>>,
    rng: Mutex<Rng>,
    seed: u64,
    instances: AtomicU64,
    start: Instant,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl World {
    /// A world for `scenario` and `seed`, with the models' news loops
    /// running. Call inside the paused runtime.
    pub fn new(scenario: Scenario, seed: u64) -> Arc<Self> {
        let config = Arc::new(
            AgentsConfig::from_yaml(&scenario.agents_file)
                .unwrap_or_else(|errors| panic!("simulated agents file: {errors}")),
        );
        let (ecs_news, mut ecs_inbox) = unbounded_channel();
        let (jenkins_news, mut jenkins_inbox) = unbounded_channel();
        let mut cluster = Cluster::new(
            &config.cloud.cluster,
            scenario.ecs_limits,
            scenario.faults.ecs,
            Rng::stream(seed, "ecs"),
        );
        cluster.ignore_tokens = scenario.sabotage == Sabotage::IgnoreClientTokens;
        cluster.ignore_stops = scenario.sabotage == Sabotage::IgnoreStops;
        let controller = Controller::new(
            scenario.faults.jenkins_unavailable,
            Rng::stream(seed, "jenkins"),
        );
        let mut controller = controller;
        controller.log_secrets = scenario.sabotage == Sabotage::LogSecrets;
        let world = Arc::new(Self {
            jenkins: Arc::new(SimJenkins::new(
                controller,
                scenario.jenkins_latency,
                jenkins_news,
            )),
            ecs: Arc::new(SharedCluster::new(cluster, scenario.ecs_latency, ecs_news)),
            config,
            scenario,
            queue: Mutex::default(),
            queue_changed: Notify::new(),
            events: SimEvents::default(),
            stats: Mutex::default(),
            last_reconcile: Mutex::default(),
            no_template: Mutex::default(),
            warm_workers: Mutex::default(),
            warm_task_stopped: Mutex::default(),
            drops: Mutex::default(),
            rng: Mutex::new(Rng::stream(seed, "world")),
            seed,
            instances: AtomicU64::new(0),
            start: Instant::now(),
        });
        let on_ecs = Arc::clone(&world);
        tokio::spawn(async move {
            while let Some(news) = ecs_inbox.recv().await {
                match news {
                    EcsNews::Created(arn) => on_ecs.task_created(arn),
                    EcsNews::StopRequested(arn) => on_ecs.stop_requested(arn),
                }
            }
        });
        let on_jenkins = Arc::clone(&world);
        tokio::spawn(async move {
            while let Some(JenkinsNews::NodeDeleted(_, task)) = jenkins_inbox.recv().await {
                if let Some(task) = task {
                    on_jenkins.dropped(&task);
                }
            }
        });
        world
    }

    /// Runs the scenario to its horizon (or until every build has started
    /// on an agent, if the scenario says so).
    pub async fn run(self: &Arc<Self>) {
        self.start_processes();
        let horizon = self.start + self.scenario.horizon;
        if !self.scenario.stop_when_started {
            tokio::time::sleep_until(horizon).await;
            return;
        }
        while Instant::now() < horizon && !self.all_started() {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Virtual time since the start.
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(self.start)
    }

    /// Whether faults are still being injected.
    pub fn faulty(&self) -> bool {
        self.elapsed() < self.scenario.faults.until
    }

    /// A draw from the world's own stream.
    pub fn rng(&self) -> MutexGuard<'_, Rng> {
        self.rng.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The seed of the run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn all_started(&self) -> bool {
        let started = self.stats().build_started.len();
        started >= self.scenario.arrivals.len()
    }

    /// A new function instance's launcher: its own deployment, caches and
    /// SDK client over the shared models (a cold start).
    pub fn launcher(&self) -> Launcher<SimPorts> {
        let n = self.instances.fetch_add(1, Ordering::Relaxed);
        let started_by = self.config.cloud.started_by();
        let ecs = SimEcs::new(
            Arc::clone(&self.ecs),
            &started_by,
            Rng::stream(self.seed, &format!("sdk-{n}")),
        );
        let deployment = Deployment::<SimPorts>::new(
            Arc::clone(&self.config),
            JenkinsClient(Arc::clone(&self.jenkins)),
            ecs,
            self.events.clone(),
            FakeEnvFiles::new(),
        );
        Launcher::new(Arc::new(deployment), LauncherOptions::default())
    }

    fn start_processes(self: &Arc<Self>) {
        tokio::spawn(Arc::clone(self).event_source());
        if let Some(every) = self.scenario.reconcile_every {
            tokio::spawn(Arc::clone(self).reconcile_schedule(every));
        }
        for arrival in self.scenario.arrivals.clone() {
            tokio::spawn(Arc::clone(self).arrive(arrival));
        }
        if let Some((at, down_for)) = self.scenario.faults.restart {
            tokio::spawn(Arc::clone(self).restart(at, down_for));
        }
        let until = self.scenario.faults.until;
        let world = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(until).await;
            world.ecs.lock().faults = Default::default();
            world.jenkins.lock().unavailable = 0.0;
        });
    }

    /// The controller restarts at `at` for `down_for`.
    async fn restart(self: Arc<Self>, at: Duration, down_for: Duration) {
        tokio::time::sleep(at).await;
        let dropped = self.jenkins.lock().restart(down_for);
        for task in dropped {
            self.dropped(&task);
        }
        tokio::time::sleep(down_for).await;
        self.maintain();
    }

    /// The agent of `task` lost its connection.
    fn dropped(&self, task: &str) {
        let signal = self
            .drops
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(task)
            .cloned();
        if let Some(signal) = signal {
            signal.notify_one();
        }
    }

    fn drop_signal(&self, task: &str) -> Arc<Notify> {
        let mut drops = self.drops.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(drops.entry(task.to_owned()).or_default())
    }

    fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }
}
