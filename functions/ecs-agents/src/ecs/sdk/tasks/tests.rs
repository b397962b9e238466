//! Tests of `tasks`.

use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
use aws_sdk_ecs::operation::stop_task::StopTaskOutput;
use aws_smithy_mocks::{Rule, mock};

use super::super::testing::*;
use super::*;
use crate::ecs::AgentTasks;
use crate::naming::GROUP_PREFIX;

fn arn(n: usize) -> String {
    format!("arn:aws:ecs:eu-west-1:123456789012:task/agents/{n:032x}")
}

/// ListTasks over `count` tasks, 100 per page, for this deployment's
/// `startedBy` alone (docs/aws.md §8: it must be the only filter).
fn listing(count: usize) -> Rule {
    mock!(Client::list_tasks)
        .match_requests(|req| {
            req.cluster() == Some(CLUSTER)
                && req.started_by() == Some(STARTED_BY)
                && req.desired_status().is_none()
                && req.family().is_none()
                && req.service_name().is_none()
                && req.container_instance().is_none()
                && req.launch_type().is_none()
        })
        .then_compute_output(move |req| {
            let start: usize = req.next_token().map_or(0, |t| t.parse().unwrap());
            let end = (start + 100).min(count);
            ListTasksOutput::builder()
                .set_task_arns(Some((start..end).map(arn).collect()))
                .set_next_token((end < count).then(|| end.to_string()))
                .build()
        })
}

/// DescribeTasks answering each ARN with a running agent task.
fn describing() -> Rule {
    mock!(Client::describe_tasks)
        .match_requests(|req| req.cluster() == Some(CLUSTER) && req.tasks().len() <= 100)
        .then_compute_output(|req| {
            let tasks = req.tasks().iter().enumerate().map(|(i, arn)| {
                Task::builder()
                    .task_arn(arn)
                    .group(format!("{GROUP_PREFIX}ecs-linux-{i}"))
                    .last_status("RUNNING")
                    .desired_status("RUNNING")
                    .cpu("512")
                    .memory("1024")
                    .build()
            });
            DescribeTasksOutput::builder()
                .set_tasks(Some(tasks.collect()))
                .build()
        })
}

#[tokio::test]
async fn active_tasks_pages_through_the_listing_and_describes_100_at_a_time() {
    // GIVEN 150 tasks started by this deployment
    let (list, describe) = (listing(150), describing());
    let (ecs, wire) = adapter(&[&list, &describe]);
    // WHEN they are listed
    let tasks = ecs.active_tasks().await.unwrap();
    // THEN two pages were read and two DescribeTasks calls made
    assert_eq!(tasks.len(), 150);
    assert_eq!((list.num_calls(), describe.num_calls()), (2, 2));
    let sizes: Vec<usize> = wire
        .bodies("DescribeTasks")
        .iter()
        .map(|b| b["tasks"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 50]);
    assert_eq!(tasks[101].task_arn, arn(101));
}

#[tokio::test]
async fn this_deployments_tasks_are_listed_by_started_by_alone() {
    let (list, describe) = (listing(150), describing());
    let (ecs, wire) = adapter(&[&list, &describe]);
    ecs.active_tasks().await.unwrap();
    let pages = wire.bodies("ListTasks");
    assert_eq!(
        pages[0],
        serde_json::json!({"cluster": CLUSTER, "startedBy": STARTED_BY, "maxResults": 100})
    );
    assert_eq!(
        pages[1],
        serde_json::json!({"cluster": CLUSTER, "startedBy": STARTED_BY, "maxResults": 100, "nextToken": "100"})
    );
}

#[tokio::test]
async fn an_agent_task_carries_the_agent_name_from_its_group_and_its_size() {
    let (list, describe) = (listing(1), describing());
    let (ecs, _) = adapter(&[&list, &describe]);
    let tasks = ecs.active_tasks().await.unwrap();
    let expected = AgentTask {
        task_arn: arn(0),
        agent: Some(AgentName::new("ecs-linux-0")),
        last_status: "RUNNING".into(),
        desired_status: "RUNNING".into(),
        cpu: Some(512),
        memory: Some(1024),
    };
    assert_eq!(tasks, [expected]);
}

#[tokio::test]
async fn no_tasks_means_no_describe_call() {
    let (list, describe) = (listing(0), describing());
    let (ecs, _) = adapter(&[&list, &describe]);
    assert_eq!(ecs.active_tasks().await.unwrap(), []);
    assert_eq!(describe.num_calls(), 0);
}

#[test]
fn tasks_of_other_groups_have_no_agent_and_stopping_ones_are_left_out() {
    let task = |group: &str, desired: &str| {
        Task::builder()
            .task_arn(arn(1))
            .group(group)
            .desired_status(desired)
            .build()
    };
    let foreign = agent_task(&task("family:ecs-linux", "RUNNING")).unwrap();
    assert_eq!(foreign.agent, None);
    assert_eq!(
        agent_task(&task(&format!("{GROUP_PREFIX}a"), "STOPPED")),
        None
    );
}

#[tokio::test]
async fn stopping_sends_cluster_task_and_a_reason_cut_to_255_characters() {
    let stop = mock!(Client::stop_task)
        .match_requests(|req| {
            req.cluster() == Some(CLUSTER)
                && req.task() == Some("arn:task")
                && req.reason().map(|r| r.chars().count()) == Some(MAX_STOP_REASON)
        })
        .then_output(|| StopTaskOutput::builder().build());
    let (ecs, _) = adapter(&[&stop]);
    ecs.stop("arn:task", &"é".repeat(300)).await.unwrap();
    assert_eq!(stop.num_calls(), 1);
}

#[tokio::test]
async fn stopping_a_task_ecs_no_longer_knows_is_ok() {
    let stop = mock!(Client::stop_task)
        .sequence()
        .http_status(
            400,
            error_body(
                "InvalidParameterException",
                "The referenced task was not found.",
            ),
        )
        .build();
    let (ecs, _) = adapter(&[&stop]);
    assert_eq!(ecs.stop("arn:task", "idle").await, Ok(()));
}

#[tokio::test]
async fn a_stop_ecs_refuses_for_another_reason_is_an_error() {
    let stop = mock!(Client::stop_task)
        .sequence()
        .http_status(
            400,
            error_body(
                "AccessDeniedException",
                "not authorized to perform: ecs:StopTask",
            ),
        )
        .build();
    let (ecs, _) = adapter(&[&stop]);
    let error = ecs.stop("arn:task", "idle").await.unwrap_err();
    assert!(
        matches!(&error, EcsError::Rejected(m) if m.contains("ecs:StopTask")),
        "{error}"
    );
}
