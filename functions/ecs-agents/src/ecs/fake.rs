//! An in-memory ECS for domain tests. Like real ECS (and unlike moto) it
//! honours `clientToken`: a repeated token returns the original task.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use super::*;
use crate::config::TaskSource;

/// In-memory [`AgentTasks`].
#[derive(Debug, Default)]
pub struct FakeEcs {
    state: Mutex<State>,
}

/// A task the fake started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeTask {
    /// Its ARN.
    pub arn: String,
    /// The launch that started it.
    pub launch: TaskLaunch,
    /// RUNNING until stopped.
    pub desired_status: String,
    /// Reason given to `stop`.
    pub stopped_reason: Option<String>,
    /// Set by [`FakeEcs::fail_start`]: it stopped before it started.
    pub failed_to_start: bool,
}

#[derive(Debug, Default)]
struct State {
    tasks: Vec<FakeTask>,
    runs: usize,
    lists: usize,
    registered: Vec<(String, String, bool)>,
    canned: VecDeque<Result<RunOutcome, EcsError>>,
    run_delays: VecDeque<Duration>,
    list_failure: Option<EcsError>,
    stopped_list_failure: Option<EcsError>,
    retained: Vec<Vec<String>>,
}

impl FakeEcs {
    /// An empty cluster.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next `run` answers `outcome` instead of starting a task.
    pub fn answer_next_run(&self, outcome: Result<RunOutcome, EcsError>) {
        self.lock().canned.push_back(outcome);
    }

    /// The next `run` takes `duration` before ECS sees it (tokio time: a
    /// test on a paused clock does not wait). A caller that gives up first
    /// has started nothing.
    pub fn delay_next_run(&self, duration: Duration) {
        self.lock().run_delays.push_back(duration);
    }

    /// The task `task_arn` stops before it starts, for `reason` (an image
    /// that cannot be pulled, no capacity…), as ECS reports it.
    pub fn fail_start(&self, task_arn: &str, reason: &str) {
        if let Some(task) = self.lock().tasks.iter_mut().find(|t| t.arn == task_arn) {
            task.desired_status = "STOPPED".into();
            task.stopped_reason = Some(reason.to_owned());
            task.failed_to_start = true;
        }
    }

    /// Every `recently_stopped` call fails with `error`.
    pub fn fail_stopped_listing(&self, error: EcsError) {
        self.lock().stopped_list_failure = Some(error);
    }

    /// Every `active_tasks` call fails with `error`.
    pub fn fail_listing(&self, error: EcsError) {
        self.lock().list_failure = Some(error);
    }

    /// Registers a revision of ours as if an older configuration had: (arn, hash).
    pub fn add_registered(&self, arn: &str, hash: &str) {
        self.lock()
            .registered
            .push((arn.to_owned(), hash.to_owned(), true));
    }

    /// ARNs of our revisions still ACTIVE.
    pub fn active_definitions(&self) -> Vec<String> {
        self.lock()
            .registered
            .iter()
            .filter(|(_, _, active)| *active)
            .map(|(arn, ..)| arn.clone())
            .collect()
    }

    /// Every task ever started, stopped ones included.
    pub fn tasks(&self) -> Vec<FakeTask> {
        self.lock().tasks.clone()
    }

    /// Tasks not stopped.
    pub fn running(&self) -> Vec<FakeTask> {
        self.tasks()
            .into_iter()
            .filter(|t| t.desired_status == "RUNNING")
            .collect()
    }

    /// How many RunTask calls were made.
    pub fn run_calls(&self) -> usize {
        self.lock().runs
    }

    /// The templates each `retain_task_definitions` call kept, in order.
    pub fn retained(&self) -> Vec<Vec<String>> {
        self.lock().retained.clone()
    }

    /// How many `active_tasks` calls were made.
    pub fn list_calls(&self) -> usize {
        self.lock().lists
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl AgentTasks for FakeEcs {
    fn retain_task_definitions(&self, config: &AgentsConfig) {
        let names = config.templates.iter().map(|t| t.name.clone()).collect();
        self.lock().retained.push(names);
    }

    async fn task_definition(
        &self,
        template: &AgentTemplate,
    ) -> Result<TaskDefinitionRef, EcsError> {
        Ok(match &template.task {
            TaskSource::Register { definition, hash } => TaskDefinitionRef {
                arn: format!(
                    "arn:aws:ecs:us-east-1:123456789012:task-definition/{}:{}",
                    definition.family,
                    &hash[..8]
                ),
                container: definition.container_definitions[0].name.clone(),
            },
            TaskSource::Existing {
                reference,
                container,
            } => TaskDefinitionRef {
                arn: reference.clone(),
                container: container.clone().unwrap_or_else(|| "agent".into()),
            },
        })
    }

    async fn run(&self, launch: &TaskLaunch) -> Result<RunOutcome, EcsError> {
        let delay = {
            let mut state = self.lock();
            state.runs += 1;
            state.run_delays.pop_front()
        };
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let mut state = self.lock();
        if let Some(canned) = state.canned.pop_front() {
            return canned;
        }
        if let Some(task) = state
            .tasks
            .iter()
            .find(|t| t.launch.client_token == launch.client_token)
        {
            return Ok(RunOutcome::Started {
                task_arn: task.arn.clone(),
            });
        }
        let arn = format!(
            "arn:aws:ecs:us-east-1:123456789012:task/agents/{:032x}",
            state.tasks.len() + 1
        );
        state.tasks.push(FakeTask {
            arn: arn.clone(),
            launch: launch.clone(),
            desired_status: "RUNNING".into(),
            stopped_reason: None,
            failed_to_start: false,
        });
        Ok(RunOutcome::Started { task_arn: arn })
    }

    async fn active_tasks(&self) -> Result<Vec<AgentTask>, EcsError> {
        let mut state = self.lock();
        state.lists += 1;
        if let Some(error) = state.list_failure.clone() {
            return Err(error);
        }
        let running = state.tasks.iter().filter(|t| t.desired_status == "RUNNING");
        Ok(running
            .map(|t| AgentTask {
                task_arn: t.arn.clone(),
                agent: agent_of(&t.launch),
                last_status: "RUNNING".into(),
                desired_status: t.desired_status.clone(),
                cpu: None,
                memory: None,
            })
            .collect())
    }

    async fn recently_stopped(&self) -> Result<Vec<StoppedAgentTask>, EcsError> {
        let state = self.lock();
        if let Some(error) = state.stopped_list_failure.clone() {
            return Err(error);
        }
        let stopped = state.tasks.iter().filter(|t| t.desired_status == "STOPPED");
        Ok(stopped
            .map(|t| StoppedAgentTask {
                task_arn: t.arn.clone(),
                agent: agent_of(&t.launch),
                stop_code: Some(
                    if t.failed_to_start {
                        "TaskFailedToStart"
                    } else {
                        "UserInitiated"
                    }
                    .into(),
                ),
                started: !t.failed_to_start,
                reason: t.stopped_reason.clone(),
            })
            .collect())
    }

    async fn deregister_stale(
        &self,
        _cloud: &str,
        keep: &[String],
        max: usize,
    ) -> Result<Vec<String>, EcsError> {
        let mut state = self.lock();
        let stale = state
            .registered
            .iter_mut()
            .filter(|(_, hash, active)| *active && !keep.contains(hash));
        let mut done = Vec::new();
        for (arn, _, active) in stale.take(max) {
            *active = false;
            done.push(arn.clone());
        }
        Ok(done)
    }

    async fn stop(&self, task_arn: &str, reason: &str) -> Result<(), EcsError> {
        let mut state = self.lock();
        if let Some(task) = state.tasks.iter_mut().find(|t| t.arn == task_arn) {
            task.desired_status = "STOPPED".into();
            task.stopped_reason = Some(reason.to_owned());
        }
        Ok(())
    }
}

/// The agent a launch is for, from its `group`.
fn agent_of(launch: &TaskLaunch) -> Option<AgentName> {
    AgentName::from_group(&launch.group)
}
