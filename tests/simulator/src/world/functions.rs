//! The functions EventBridge invokes: task-stopped for every task event,
//! and the reconciler on its schedule.
//!
//! - **Task events** (docs/aws.md §1, §15): EventBridge delivers each one
//!   to task-stopped asynchronously, so it may be lost, delivered twice, or
//!   late and out of order (faults of the plan). A failed invocation is
//!   retried twice, about one and two minutes later, then dropped.
//! - **The reconciler** runs once a minute on one instance (reserved
//!   concurrency 1) under its 60 s timeout; its last summary says which
//!   items it holds back and why.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ecs_agents::reconcile::{ReconcileOptions, Reconciler};
use ecs_agents::stopped::{EcsTaskStateChange, RelaunchOptions, TaskStopped};
use serde_json::json;
use tokio::time::{sleep, timeout};

use super::{SimPorts, World};
use crate::ecs::{SimTask, TaskStatus};

/// EventBridge's delivery time to a target.
const DELIVERY: Duration = Duration::from_millis(500);

/// The functions' timeout (infra/template.yaml).
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(30);

/// The reconciler's timeout (infra/template.yaml).
const RECONCILE_TIMEOUT: Duration = Duration::from_secs(60);

impl World {
    /// EventBridge takes the event of `task`'s latest change.
    pub(super) fn task_event(self: &Arc<Self>, task: &SimTask) {
        let change = self.event_of(task);
        let faults = &self.scenario.faults;
        let copies = if self.faulty() && self.rng().chance(faults.event_lost) {
            self.stats().task_events_lost += 1;
            0
        } else if self.faulty() && self.rng().chance(faults.event_duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let delay = if self.faulty() {
                DELIVERY + self.rng().between(Duration::ZERO, faults.event_delay)
            } else {
                DELIVERY
            };
            tokio::spawn(Arc::clone(self).deliver(change.clone(), delay));
        }
    }

    async fn deliver(self: Arc<Self>, change: EcsTaskStateChange, delay: Duration) {
        sleep(delay).await;
        for retry in 0..3u32 {
            if retry > 0 {
                sleep(Duration::from_secs(60) * retry).await;
            }
            let function = self.task_stopped_instance();
            if let Ok(Ok(_)) = timeout(FUNCTION_TIMEOUT, function.handle(&change)).await {
                self.warm_task_stopped
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(function);
                return;
            }
        }
        self.stats().task_events_lost += 1;
    }

    fn task_stopped_instance(&self) -> Arc<TaskStopped<SimPorts>> {
        let warm = self
            .warm_task_stopped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        warm.unwrap_or_else(|| {
            Arc::new(TaskStopped::new(
                self.launcher(),
                RelaunchOptions::default(),
            ))
        })
    }

    /// The "ECS Task State Change" detail of `task` as it is now.
    fn event_of(&self, task: &SimTask) -> EcsTaskStateChange {
        let time = |ms: Option<u64>| {
            ms.and_then(|ms| DateTime::<Utc>::from_timestamp_millis(ms as i64))
                .map(|t| t.to_rfc3339())
        };
        let stopped = task.status == TaskStatus::Stopped;
        let exit_code = (stopped && task.started_ms.is_some()).then_some(1);
        let detail = json!({
            "taskArn": task.arn,
            "clusterArn": self.ecs.lock().arn,
            "taskDefinitionArn": task.task_definition,
            "lastStatus": task.status.as_str(),
            "desiredStatus": if task.desired_running { "RUNNING" } else { "STOPPED" },
            "version": task.version,
            "startedBy": task.started_by,
            "group": task.agent.to_group(),
            "launchType": "FARGATE",
            "stopCode": task.stop_code,
            "stoppedReason": if stopped || task.stop_code.as_deref() == Some("SpotInterruption") { task.stopped_reason.clone() } else { None },
            "createdAt": time(Some(task.created_ms)),
            "startedAt": time(task.started_ms),
            "stoppedAt": time(task.stopped_ms),
            "containers": [{"name": "agent", "lastStatus": task.status.as_str(), "exitCode": exit_code}],
            "overrides": {"containerOverrides": [{"name": "agent", "environment": [
                {"name": "JENKINS_AGENT_NAME", "value": task.agent.as_str()},
                {"name": "JENKINS_SECRET", "value": task.secret},
            ]}]},
        });
        serde_json::from_value(detail).unwrap_or_else(|e| panic!("a task event: {e}"))
    }

    /// The reconciler's schedule.
    pub(super) async fn reconcile_schedule(self: Arc<Self>, every: Duration) {
        let reconciler = Reconciler::new(self.launcher(), ReconcileOptions::default());
        loop {
            sleep(every).await;
            let now = ecs_agents::clock::now_ms();
            match timeout(RECONCILE_TIMEOUT, reconciler.run(now)).await {
                Ok(Ok(summary)) => {
                    *self
                        .last_reconcile
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = Some(summary);
                }
                _ => self.stats().reconcile_failures += 1,
            }
        }
    }
}
