//! The reconciler and earlier launches that failed: what it launches for an
//! item whose agent stopped, and what it holds back.

use super::*;
use crate::clock::now_ms;

const NO_NODES: &str = "There are no nodes with the label \u{2018}linux\u{2019}";

/// Launches an agent for item 41, then makes its start fail for `reason`
/// and deletes its node, as task-stopped does.
async fn failed_start(r: &TestReconciler, reason: &str) -> AgentName {
    let node = launched(r, 41, "linux").await;
    let task = ecs(r).running()[0].arn.clone();
    ecs(r).fail_start(&task, reason);
    r.deployment().jenkins.delete_agent(&node).await.unwrap();
    jenkins(r).enqueue(waiting(41, NO_NODES));
    node
}

#[tokio::test]
async fn an_item_whose_agent_could_not_pull_its_image_is_held_back_not_relaunched() {
    let r = reconciler(ReconcileOptions::default());
    failed_start(
        &r,
        "CannotPullContainerError: docker.io/acme/agent:nope: not found",
    )
    .await;
    for _ in 0..3 {
        let summary = r.run(now_ms()).await.unwrap();
        assert!(summary.launched.is_empty(), "{summary:?}");
        assert_eq!(summary.held_back.len(), 1, "{summary:?}");
        assert!(
            summary.held_back[0]
                .starts_with("queue item 41: ecs-linux-41 failed to start: CannotPull")
        );
    }
    assert_eq!(ecs(&r).run_calls(), 1, "only the first launch reached ECS");
    assert!(
        jenkins(&r)
            .node_names()
            .iter()
            .all(|n| n.as_str() != "ecs-linux-41")
    );
}

#[tokio::test]
async fn an_item_whose_agent_found_no_capacity_gets_the_next_attempt_under_a_new_name() {
    let r = reconciler(ReconcileOptions::default());
    failed_start(&r, "RESOURCE:MEMORY").await;
    let summary = r.run(now_ms()).await.unwrap();
    assert_eq!(names(&summary.launched), ["ecs-linux-41-1"]);
    let tokens: Vec<String> = ecs(&r)
        .tasks()
        .iter()
        .map(|t| t.launch.client_token.clone())
        .collect();
    assert_eq!(tokens.len(), 2);
    assert_ne!(
        tokens[0], tokens[1],
        "a repeated client token would return the failed task"
    );
}

#[tokio::test]
async fn when_ecs_cannot_list_stopped_tasks_the_first_attempt_is_launched_and_the_error_reported() {
    let r = reconciler(ReconcileOptions::default());
    jenkins(&r).enqueue(waiting(41, NO_NODES));
    ecs(&r).fail_stopped_listing(crate::ecs::EcsError::Throttled("Rate exceeded".into()));
    let summary = r.run(now_ms()).await.unwrap();
    assert_eq!(names(&summary.launched), ["ecs-linux-41"]);
    assert_eq!(
        summary.errors,
        ["listing stopped tasks: ecs throttled the request: Rate exceeded"]
    );
}
