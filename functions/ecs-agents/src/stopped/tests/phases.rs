//! The parts of a task's start ECS spent, from its STOPPED event.

use serde_json::json;

use super::*;
use crate::timing::EcsPhases;

fn phases(outcome: &TaskChangeOutcome) -> EcsPhases {
    let TaskChangeOutcome::Stopped { ecs, .. } = outcome else {
        panic!("{outcome:?}")
    };
    *ecs
}

#[tokio::test]
async fn a_stopped_task_reports_provisioning_image_pull_and_start() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    let change = EcsTaskStateChange {
        pull_started_at: at(18),
        pull_stopped_at: at(26),
        started_at: at(27),
        ..stopped(&node, 6)
    };

    let outcome = handler.handle(&change).await.unwrap();

    assert_eq!(
        phases(&outcome),
        EcsPhases {
            provisioning_ms: Some(18_000),
            image_pull_ms: Some(8_000),
            start_ms: Some(1_000),
        }
    );
    assert_eq!(
        serde_json::to_value(&outcome).unwrap()["ecs"],
        json!({"provisioningMs": 18_000, "imagePullMs": 8_000, "startMs": 1_000})
    );
}

#[tokio::test]
async fn a_failed_pull_reports_only_its_provisioning() {
    let handler = handler();
    let node = launched(&handler, 7).await;
    let change = EcsTaskStateChange {
        pull_started_at: at(18),
        ..failed_to_start(&node, "CannotPullContainerError: not found")
    };

    let outcome = handler.handle(&change).await.unwrap();

    assert_eq!(
        phases(&outcome),
        EcsPhases {
            provisioning_ms: Some(18_000),
            ..EcsPhases::default()
        }
    );
}

#[tokio::test]
async fn a_task_without_pull_times_reports_no_parts() {
    let handler = handler();
    let node = launched(&handler, 7).await;

    let outcome = handler.handle(&stopped(&node, 6)).await.unwrap();

    assert!(phases(&outcome).is_empty());
    assert!(serde_json::to_value(&outcome).unwrap().get("ecs").is_none());
}

#[test]
fn the_failed_pull_sample_has_a_pull_start_and_no_pull_end() {
    let sample: serde_json::Value = serde_json::from_str(include_str!(
        "../../../../../events/ecs/task-failed-to-start-image-pull.json"
    ))
    .unwrap();
    let change: EcsTaskStateChange = serde_json::from_value(sample["detail"].clone()).unwrap();

    // createdAt 12:20:05.736, pullStartedAt 12:20:24.158.
    assert_eq!(
        EcsPhases::of(&change.times()),
        EcsPhases {
            provisioning_ms: Some(18_422),
            ..EcsPhases::default()
        }
    );
}

#[test]
fn a_timestamp_that_is_not_a_time_counts_as_absent_and_the_event_still_reads() {
    let detail = json!({
        "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/agents/abc",
        "lastStatus": "STOPPED",
        "createdAt": "2026-11-27T12:20:05.736Z",
        "pullStartedAt": "soon",
        "pullStoppedAt": 1_764_246_000,
        "startedAt": null,
        "stoppedAt": "2026-11-27T12:21:26.239Z",
    });

    let change: EcsTaskStateChange = serde_json::from_value(detail).unwrap();

    assert_eq!(
        (
            change.pull_started_at,
            change.pull_stopped_at,
            change.started_at
        ),
        (None, None, None)
    );
    assert!(change.created_at.is_some() && change.stopped_at.is_some());
    assert!(change.is_stopped());
}
