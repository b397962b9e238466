//! What became of this deployment's earlier tasks: ECS lists a stopped task
//! (`desiredStatus=STOPPED`) for at least an hour after it stopped.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{DesiredStatus, Task};

use super::tasks::{describe, list};
use crate::ecs::{EcsError, StoppedAgentTask};
use crate::naming::AgentName;

/// This deployment's stopped tasks that ECS still lists.
pub(super) async fn recently_stopped(
    client: &Client,
    cluster: &str,
    started_by: &str,
) -> Result<Vec<StoppedAgentTask>, EcsError> {
    let arns = list(client, cluster, started_by, DesiredStatus::Stopped).await?;
    let tasks = describe(client, cluster, &arns).await?;
    Ok(tasks.iter().filter_map(stopped_task).collect())
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
    async fn stopped_tasks_are_listed_by_deployment_and_status_and_read_for_their_cause() {
        let list = mock!(Client::list_tasks)
            .match_requests(|req| {
                req.cluster() == Some(CLUSTER)
                    && req.started_by() == Some(STARTED_BY)
                    && req.desired_status() == Some(&DesiredStatus::Stopped)
            })
            .then_output(|| {
                ListTasksOutput::builder()
                    .task_arns("arn:failed")
                    .task_arns("arn:done")
                    .build()
            });
        let describe = mock!(Client::describe_tasks)
            .match_requests(|req| req.tasks() == ["arn:failed", "arn:done"])
            .then_output(|| {
                let failed = Task::builder()
                    .task_arn("arn:failed")
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
                    .group(format!("{GROUP_PREFIX}ecs-linux-5"))
                    .stop_code(TaskStopCode::UserInitiated)
                    .stopped_reason("Jenkins agent finished its build")
                    .started_at(DateTime::from_secs(1_700_000_000))
                    .build();
                DescribeTasksOutput::builder()
                    .tasks(failed)
                    .tasks(done)
                    .build()
            });
        let (ecs, _) = adapter(&[&list, &describe]);
        let stopped = ecs.recently_stopped().await.unwrap();
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
