//! Tasks after RunTask, their agents, and the builds they run.
//!
//! - **A task's life**: PROVISIONING, PENDING, then RUNNING after the
//!   provisioning time; or STOPPED with `TaskFailedToStart` before it ran
//!   (a cause that passes, such as an ENI timeout, or a broken image:
//!   docs/aws.md §9, §20). Each change is a task event on EventBridge
//!   (docs/aws.md §1), carrying the agent's secret in its overrides as the real
//!   ones do. Fargate Spot may reclaim a running task: a warning (RUNNING,
//!   desired STOPPED, `SpotInterruption`), two minutes, then STOPPED
//!   (docs/aws.md §19). StopTask stops it after a while.
//! - **Its agent** connects a few seconds after RUNNING if its node exists
//!   and the controller answers; it reconnects after a drop (a restart, its
//!   node deleted) and gives up after the cloud's reconnect window, which
//!   ends its container and so its task (docs/jenkins-api.md §12).
//! - **Builds** are handed out by the controller (`Controller::maintain`)
//!   whenever an agent connects, a build enters the queue or ends; a build
//!   that ends makes the emitter post `agent.released`.

use std::sync::Arc;
use std::time::Duration;

use ecs_agents::naming::AgentName;
use tokio::time::sleep;
use tracing::info;

use super::World;
use super::intake::Posted;
use crate::ecs::TaskStatus;
use crate::jenkins::Connect;

/// Why Fargate ends a task whose start failed for a passing cause, and for
/// a broken image (docs/aws.md §9, §20).
const PASSING_FAILURE: &str = "Timeout waiting for network interface provisioning to complete.";
const BROKEN_IMAGE: &str = "CannotPullContainerError: pull image manifest has been retried 5 time(s): docker.io/acme/agent:nope: not found";

impl World {
    /// RunTask created `arn`: it lives.
    pub(super) fn task_created(self: &Arc<Self>, arn: String) {
        let agent = self.ecs.lock().tasks.get(&arn).map(|t| t.agent.clone());
        if let Some(item) = agent
            .as_ref()
            .and_then(|a| self.config.agent_parts(a).map(|p| p.queue_item))
        {
            let elapsed = self.elapsed();
            self.stats().first_task.entry(item).or_insert(elapsed);
        }
        let elapsed = self.elapsed();
        self.stats().tasks_created.push(elapsed);
        tokio::spawn(Arc::clone(self).task_life(arn));
    }

    /// StopTask asked `arn` to stop.
    pub(super) fn stop_requested(self: &Arc<Self>, arn: String) {
        let world = Arc::clone(self);
        tokio::spawn(async move {
            let (low, high) = world.scenario.times.stop;
            let wait = world.rng().between(low, high);
            sleep(wait).await;
            world.task_stopped(&arn, None);
        });
    }

    async fn task_life(self: Arc<Self>, arn: String) {
        let (low, high) = self.scenario.times.provisioning;
        let provisioning = self.rng().between(low, high);
        sleep(provisioning / 3).await;
        if !self.advance(&arn, TaskStatus::Pending) {
            return;
        }
        sleep(provisioning - provisioning / 3).await;
        let failure = {
            let mut cluster = self.ecs.lock();
            let faults = cluster.faults;
            if cluster.rng.chance(faults.broken_image) {
                Some(BROKEN_IMAGE)
            } else if cluster.rng.chance(faults.failed_start) {
                Some(PASSING_FAILURE)
            } else {
                None
            }
        };
        if let Some(reason) = failure {
            self.stop_before_start(&arn, reason);
            return;
        }
        if !self.advance(&arn, TaskStatus::Running) {
            return;
        }
        let spot = {
            let mut cluster = self.ecs.lock();
            let p = cluster.faults.spot_interruption;
            cluster.rng.chance(p)
        };
        if spot {
            let after = self.rng().between(Duration::ZERO, Duration::from_secs(300));
            tokio::spawn(Arc::clone(&self).spot_interruption(arn.clone(), after));
        }
        self.agent_session(arn).await;
    }

    /// Moves a live task to `status`; false if it is no longer wanted.
    fn advance(self: &Arc<Self>, arn: &str, status: TaskStatus) -> bool {
        let event = {
            let mut cluster = self.ecs.lock();
            let Some(task) = cluster.tasks.get_mut(arn) else {
                return false;
            };
            if !task.desired_running || task.status == TaskStatus::Stopped {
                return false;
            }
            task.status = status;
            task.version += 1;
            if status == TaskStatus::Running {
                task.started_ms = Some(ecs_agents::clock::now_ms());
            }
            task.clone()
        };
        self.task_event(&event);
        true
    }

    fn stop_before_start(self: &Arc<Self>, arn: &str, reason: &str) {
        {
            let mut cluster = self.ecs.lock();
            let Some(task) = cluster.tasks.get_mut(arn) else {
                return;
            };
            if !task.desired_running {
                return;
            }
            task.desired_running = false;
            task.stop_code = Some("TaskFailedToStart".into());
            task.stopped_reason = Some(reason.to_owned());
        }
        self.task_stopped(arn, None);
    }

    /// The task reaches STOPPED (now, if it has not yet): its agent drops.
    /// `exited` marks a container that ended by itself.
    pub(super) fn task_stopped(self: &Arc<Self>, arn: &str, exited: Option<&str>) {
        let event = {
            let mut cluster = self.ecs.lock();
            let Some(task) = cluster.tasks.get_mut(arn) else {
                return;
            };
            if task.status == TaskStatus::Stopped {
                return;
            }
            if let Some(reason) = exited {
                task.desired_running = false;
                task.stop_code = Some("EssentialContainerExited".into());
                task.stopped_reason = Some(reason.to_owned());
            }
            task.status = TaskStatus::Stopped;
            task.version += 1;
            task.stopped_ms = Some(ecs_agents::clock::now_ms());
            task.clone()
        };
        let now = ecs_agents::clock::now_ms();
        self.jenkins.lock().disconnect(&event.agent, arn, now);
        self.dropped(arn);
        self.task_event(&event);
    }

    async fn spot_interruption(self: Arc<Self>, arn: String, after: Duration) {
        sleep(after).await;
        let warning = {
            let mut cluster = self.ecs.lock();
            let Some(task) = cluster.tasks.get_mut(&arn) else {
                return;
            };
            if !task.desired_running {
                return;
            }
            task.desired_running = false;
            task.version += 1;
            task.stop_code = Some("SpotInterruption".into());
            task.stopped_reason = Some("Your Spot Task was interrupted.".into());
            task.clone()
        };
        self.task_event(&warning);
        sleep(Duration::from_secs(120)).await;
        self.task_stopped(&arn, None);
    }

    /// The agent in task `arn`: connects, reconnects after drops, and
    /// gives up after the reconnect window.
    async fn agent_session(self: Arc<Self>, arn: String) {
        let Some(agent) = self.ecs.lock().tasks.get(&arn).map(|t| t.agent.clone()) else {
            return;
        };
        let (low, high) = self.scenario.times.connect;
        let wait = self.rng().between(low, high);
        sleep(wait).await;
        let window = self.config.cloud.agent_reconnect_window;
        let signal = self.drop_signal(&arn);
        let mut lost_since = self.elapsed();
        loop {
            if !self.task_running(&arn) {
                return;
            }
            let connected = self.jenkins.lock().connect(&agent, &arn);
            match connected {
                Connect::Connected => {
                    self.maintain();
                    signal.notified().await;
                    lost_since = self.elapsed();
                }
                Connect::NoNode | Connect::Down => {
                    if self.elapsed().saturating_sub(lost_since) >= window {
                        info!(agent = %agent, "agent gave up reconnecting; its container exits");
                        self.task_stopped(&arn, Some("Essential container in task exited"));
                        return;
                    }
                    sleep(Duration::from_secs(5)).await;
                }
            }
        }
    }

    fn task_running(&self, arn: &str) -> bool {
        self.ecs
            .lock()
            .tasks
            .get(arn)
            .is_some_and(|t| t.status == TaskStatus::Running)
    }

    /// Lets the controller hand out builds; runs the ones it started.
    pub(super) fn maintain(self: &Arc<Self>) {
        let now = ecs_agents::clock::now_ms();
        let started = self.jenkins.lock().maintain(now);
        for (id, node) in started {
            let elapsed = self.elapsed();
            self.stats().build_started.entry(id).or_insert(elapsed);
            tokio::spawn(Arc::clone(self).run_build(id, node));
        }
    }

    async fn run_build(self: Arc<Self>, id: u64, _node: AgentName) {
        let (low, high) = self.scenario.times.build;
        let wait = self.rng().between(low, high);
        sleep(wait).await;
        let now = ecs_agents::clock::now_ms();
        let node = self.jenkins.lock().finish(id, now);
        self.maintain();
        if let Some(node) = node {
            self.emit(Posted::Released { node }).await;
        }
    }
}
