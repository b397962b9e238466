//! The task-stopped handler against the in-memory fakes.

use std::time::Duration;

use super::event::{ContainerOverride, ContainerState, EnvironmentOverride, TaskOverrides};
use super::*;

use crate::jenkins::QueueItemState;
use crate::jenkins::fake::Call;
use crate::launch::QueuedBuild;
use crate::ports::Fakes;

const CONFIG: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
";
const SECRET: &str = "5f2b9d0c3e7a41f68b2c9d0e1f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c";

type Handler = TaskStopped<Fakes>;

fn handler() -> Handler {
    let launcher = Launcher::with_fakes(CONFIG);
    let fast = RelaunchOptions {
        backoff: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        ..RelaunchOptions::default()
    };
    TaskStopped::new(launcher, fast)
}

async fn launched(handler: &Handler, item: u64) -> AgentName {
    let build = QueuedBuild {
        queue_item: item,
        label: Some("linux".into()),
        job_name: None,
        in_queue_since: 1000,
        age: Some(Duration::ZERO),
        verified_queued: false,
    };
    handler.launcher().launch(&build).await.unwrap();
    AgentName::new(format!("ecs-linux-{item}"))
}

fn at(seconds: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(1_764_270_000 + seconds, 0)
}

fn stopped(node: &AgentName, version: u64) -> EcsTaskStateChange {
    EcsTaskStateChange {
        task_arn: Some(format!(
            "arn:aws:ecs:us-east-1:123456789012:task/agents/{node}"
        )),
        cluster_arn: Some("arn:aws:ecs:us-east-1:123456789012:cluster/agents".into()),
        last_status: Some("STOPPED".into()),
        desired_status: Some("STOPPED".into()),
        version: Some(version),
        started_by: Some("ecs-agents-ecs".into()),
        group: Some(format!("jenkins-agent:{node}")),
        stop_code: Some("EssentialContainerExited".into()),
        stopped_reason: Some("Essential container in task exited".into()),
        created_at: at(0),
        started_at: at(30),
        stopped_at: at(330),
        containers: vec![ContainerState {
            name: Some("jenkins-agent".into()),
            exit_code: Some(0),
            ..Default::default()
        }],
        overrides: Some(TaskOverrides {
            container_overrides: vec![ContainerOverride {
                name: Some("jenkins-agent".into()),
                environment: vec![
                    EnvironmentOverride {
                        name: "JENKINS_AGENT_NAME".into(),
                        value: serde_json::from_str(&format!("\"{node}\"")).unwrap(),
                    },
                    EnvironmentOverride {
                        name: "JENKINS_SECRET".into(),
                        value: serde_json::from_str(&format!("\"{SECRET}\"")).unwrap(),
                    },
                ],
            }],
        }),
        ..Default::default()
    }
}

fn failed_to_start(node: &AgentName, reason: &str) -> EcsTaskStateChange {
    EcsTaskStateChange {
        stop_code: Some("TaskFailedToStart".into()),
        stopped_reason: Some(reason.into()),
        started_at: None,
        containers: vec![ContainerState {
            name: Some("jenkins-agent".into()),
            reason: Some(reason.into()),
            ..Default::default()
        }],
        ..stopped(node, 4)
    }
}

#[tokio::test]
async fn tasks_of_other_deployments_are_ignored_without_any_call() {
    let handler = handler();
    let node = AgentName::new("ecs-linux-1");
    let mut foreign = stopped(&node, 5);
    foreign.started_by = Some("ecs-svc/123".into());
    assert_eq!(
        handler.handle(&foreign).await.unwrap(),
        TaskChangeOutcome::NotOurs
    );
    let mut other_cluster = stopped(&node, 5);
    other_cluster.cluster_arn = Some("arn:aws:ecs:us-east-1:123456789012:cluster/prod".into());
    assert_eq!(
        handler.handle(&other_cluster).await.unwrap(),
        TaskChangeOutcome::NotOurs
    );
    assert_eq!(
        handler.launcher().deployment().jenkins.calls(Call::Delete),
        0
    );
}

#[tokio::test]
async fn a_stopped_task_deletes_its_node_and_reports_why_and_how_long() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    let outcome = handler.handle(&stopped(&node, 6)).await.unwrap();
    let TaskChangeOutcome::Stopped {
        node_deleted,
        summary,
        relaunched,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(node_deleted);
    assert_eq!(
        summary,
        "Essential container in task exited (EssentialContainerExited); jenkins-agent exited 0"
    );
    assert_eq!(relaunched, None);
    assert!(
        handler
            .launcher()
            .deployment()
            .jenkins
            .node_names()
            .is_empty()
    );
    let stop = handler
        .launcher()
        .deployment()
        .events
        .first(AgentEventKind::AgentStopped)
        .expect("AgentStopped");
    let report = stop.stop.as_ref().unwrap();
    assert_eq!(
        (report.start_ms, report.run_ms, report.event_version),
        (Some(30_000), Some(300_000), Some(6))
    );
    assert_eq!(
        (stop.template.as_str(), stop.queue_item),
        ("linux", Some(7))
    );
}

#[tokio::test]
async fn a_duplicate_stopped_event_is_reported_once_and_changes_nothing() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    handler.handle(&stopped(&node, 6)).await.unwrap();
    let again = handler.handle(&stopped(&node, 6)).await.unwrap();
    assert!(
        matches!(
            again,
            TaskChangeOutcome::Stopped {
                node_deleted: false,
                ..
            }
        ),
        "{again:?}"
    );
    let stops = handler
        .launcher()
        .deployment()
        .events
        .published()
        .into_iter()
        .filter(|e| e.kind == AgentEventKind::AgentStopped)
        .count();
    assert_eq!(stops, 1);
}

#[tokio::test]
async fn a_running_event_after_stopped_resurrects_nothing() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    handler.handle(&stopped(&node, 6)).await.unwrap();
    let mut late = stopped(&node, 3);
    late.last_status = Some("RUNNING".into());
    late.desired_status = Some("RUNNING".into());
    late.stop_code = None;
    assert!(matches!(
        handler.handle(&late).await.unwrap(),
        TaskChangeOutcome::Ignored { .. }
    ));
    assert!(
        handler
            .launcher()
            .deployment()
            .jenkins
            .node_names()
            .is_empty()
    );
    assert_eq!(handler.launcher().deployment().ecs.tasks().len(), 1);
}

#[tokio::test]
async fn a_spot_warning_takes_the_node_offline_and_the_final_stop_deletes_it() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    let mut warning = stopped(&node, 4);
    warning.last_status = Some("RUNNING".into());
    warning.stop_code = Some("SpotInterruption".into());
    assert_eq!(
        handler.handle(&warning).await.unwrap(),
        TaskChangeOutcome::MarkedOffline { node: node.clone() }
    );
    // Once, on that node (the launch's note went to the placeholder).
    let marked = handler.launcher().deployment().jenkins.offline_messages();
    assert_eq!(
        marked.iter().filter(|(on, _)| *on == node).count(),
        1,
        "{marked:?}"
    );
    assert_eq!(
        handler.launcher().deployment().jenkins.node_names(),
        std::slice::from_ref(&node),
        "kept until STOPPED"
    );
    handler.handle(&stopped(&node, 6)).await.unwrap();
    assert!(
        handler
            .launcher()
            .deployment()
            .jenkins
            .node_names()
            .is_empty()
    );
}

mod log_capture;
mod notes;
mod phases;
mod relaunch;
mod spot;
mod versions;

#[tokio::test]
async fn a_stopped_task_takes_its_environment_file_with_it_even_when_delivered_twice() {
    let handler = handler();
    let node = launched(&handler, 8).await;
    let files = &handler.deployment().files;
    assert_eq!(files.agents(), std::slice::from_ref(&node));
    handler.handle(&stopped(&node, 6)).await.unwrap();
    assert!(files.agents().is_empty());
    handler.handle(&stopped(&node, 6)).await.unwrap();
    assert!(files.agents().is_empty());
}

#[tokio::test]
async fn a_file_that_cannot_be_deleted_does_not_fail_the_event() {
    let handler = handler();
    let node = launched(&handler, 8).await;
    handler
        .deployment()
        .files
        .fail_next(crate::envfiles::EnvFileError::Unavailable("503".into()));
    let outcome = handler.handle(&stopped(&node, 6)).await.unwrap();
    assert!(
        matches!(outcome, TaskChangeOutcome::Stopped { .. }),
        "{outcome:?}"
    );
}
