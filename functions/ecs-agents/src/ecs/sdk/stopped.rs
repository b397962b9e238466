//! What became of this deployment's earlier tasks: ECS lists a stopped task
//! (`desiredStatus=STOPPED`) for at least an hour after it stopped.
//!
//! `startedBy` cannot narrow that listing: it must be the only filter of a
//! ListTasks call, and without `desiredStatus` ECS lists only tasks meant to
//! run (docs/aws.md §8). So the cluster's stopped tasks are listed by status
//! alone and this deployment's are picked by the `startedBy` DescribeTasks
//! returns. In a cluster other workloads share, that describes their
//! stopped tasks too: one DescribeTasks per 100, only when a reconcile run
//! has demand to launch for.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::Task;

use super::tasks::{Listing, describe, list};
use crate::ecs::{EcsError, StoppedAgentTask};
use crate::naming::AgentName;

/// This deployment's stopped tasks that ECS still lists.
pub(super) async fn recently_stopped(
    client: &Client,
    cluster: &str,
    started_by: &str,
) -> Result<Vec<StoppedAgentTask>, EcsError> {
    let arns = list(client, cluster, Listing::Stopped).await?;
    let tasks = describe(client, cluster, &arns).await?;
    let ours = tasks.iter().filter(|t| t.started_by() == Some(started_by));
    Ok(ours.filter_map(stopped_task).collect())
}

fn stopped_task(task: &Task) -> Option<StoppedAgentTask> {
    let reason = task
        .stopped_reason()
        .or_else(|| task.containers().iter().find_map(|c| c.reason()))
        .map(str::to_owned);
    Some(StoppedAgentTask {
        task_arn: task.task_arn()?.to_owned(),
        agent: task.group().and_then(AgentName::from_group),
        stop_code: task.stop_code().map(|c| c.as_str().to_owned()),
        started: task.started_at().is_some(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
    use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
    use aws_sdk_ecs::primitives::DateTime;
    use aws_sdk_ecs::types::{Container, TaskStopCode};
    use aws_smithy_mocks::mock;

    use super::super::testing::*;
    use super::*;
    use crate::ecs::AgentTasks;
    use crate::naming::GROUP_PREFIX;

    #[tokio::test]
    async fn stopped_tasks_are_listed_by_status_alone_picked_by_deployment_and_read_for_their_cause()
     {
        let list = mock!(Client::list_tasks).then_output(|| {
            ListTasksOutput::builder()
                .task_arns("arn:failed")
                .task_arns("arn:done")
                .task_arns("arn:other-deployment")
                .build()
        });
        let describe = mock!(Client::describe_tasks)
            .match_requests(|req| req.tasks() == ["arn:failed", "arn:done", "arn:other-deployment"])
            .then_output(|| {
                let other = Task::builder()
                    .task_arn("arn:other-deployment")
                    .started_by("ecs-agents-other")
                    .group(format!("{GROUP_PREFIX}ecs-linux-4"))
                    .stop_code(TaskStopCode::TaskFailedToStart)
                    .build();
                let failed = Task::builder()
                    .task_arn("arn:failed")
                    .started_by(STARTED_BY)
                    .group(format!("{GROUP_PREFIX}ecs-linux-4"))
                    .stop_code(TaskStopCode::TaskFailedToStart)
                    .containers(
                        Container::builder()
                            .reason("CannotPullContainerError: not found")
                            .build(),
                    )
                    .build();
                let done = Task::builder()
                    .task_arn("arn:done")
                    .started_by(STARTED_BY)
                    .group(format!("{GROUP_PREFIX}ecs-linux-5"))
                    .stop_code(TaskStopCode::UserInitiated)
                    .stopped_reason("Jenkins agent finished its build")
                    .started_at(DateTime::from_secs(1_700_000_000))
                    .build();
                DescribeTasksOutput::builder()
                    .tasks(failed)
                    .tasks(done)
                    .tasks(other)
                    .build()
            });
        let (ecs, wire) = adapter(&[&list, &describe]);
        let stopped = ecs.recently_stopped().await.unwrap();
        // `startedBy` must be the only filter of a listing (docs/aws.md §8):
        // stopped tasks are asked for by status alone.
        assert_eq!(
            wire.body("ListTasks"),
            serde_json::json!({"cluster": CLUSTER, "desiredStatus": "STOPPED", "maxResults": 100})
        );
        assert_eq!(
            stopped,
            [
                StoppedAgentTask {
                    task_arn: "arn:failed".into(),
                    agent: Some(AgentName::new("ecs-linux-4")),
                    stop_code: Some("TaskFailedToStart".into()),
                    started: false,
                    reason: Some("CannotPullContainerError: not found".into()),
                },
                StoppedAgentTask {
                    task_arn: "arn:done".into(),
                    agent: Some(AgentName::new("ecs-linux-5")),
                    stop_code: Some("UserInitiated".into()),
                    started: true,
                    reason: Some("Jenkins agent finished its build".into()),
                },
            ]
        );
        let failures: Vec<bool> = stopped
            .iter()
            .map(|t| crate::launch::StartFailure::of_stopped_task(t).is_some())
            .collect();
        assert_eq!(failures, [true, false], "read as a failed start, and not");
    }

    #[tokio::test]
    async fn no_stopped_tasks_means_no_describe_call() {
        let list = mock!(Client::list_tasks).then_output(|| ListTasksOutput::builder().build());
        let describe =
            mock!(Client::describe_tasks).then_output(|| DescribeTasksOutput::builder().build());
        let (ecs, _) = adapter(&[&list, &describe]);
        assert_eq!(ecs.recently_stopped().await.unwrap(), []);
        assert_eq!(describe.num_calls(), 0);
    }
}
