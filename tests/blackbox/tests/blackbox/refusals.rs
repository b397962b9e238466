//! What ECS really says when it refuses a launch (docs/aws.md §9), played by
//! the client-token proxy in front of moto, which accepts everything: a
//! refusal that passes by itself answers 503 and reports nothing; one that
//! will not pass is reported once, and the reconciler holds the build back
//! instead of trying it again every minute.

use blackbox_tests::{World, buildable};
use serde_json::{Value, json};

/// ECS's words when EC2 throttles the network lookup of a RunTask.
const EC2_THROTTLING: &str = "Error retrieving security group information for \
    [sg-05937427457b61ff5]: Request limit exceeded. (ErrorCode: RequestLimitExceeded)";

fn kinds(published: &[(String, Value)]) -> Vec<&str> {
    published.iter().map(|(kind, _)| kind.as_str()).collect()
}

#[tokio::test]
async fn ec2_throttling_wrapped_in_an_invalid_parameter_error_is_503_and_reports_nothing() {
    // GIVEN ECS refuses the next RunTask with EC2's request limit
    let world = World::start().await.unwrap();
    let refusal = json!({"__type": "InvalidParameterException", "message": EC2_THROTTLING});
    world.ecs.answer_next("RunTask", 1, 400, refusal);
    // WHEN a build is announced
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    // THEN the work is put back for 2 s (its first backoff), and nothing is left or reported
    assert_eq!(
        (answer.status, answer.retry_after.as_deref()),
        (503, Some("2")),
        "{:?}",
        answer.body
    );
    let reason = answer.body["reason"].as_str().unwrap();
    assert!(reason.contains("Request limit exceeded"), "{reason}");
    assert!(world.agent_names().is_empty(), "the node is deleted");
    assert!(kinds(&world.published().await.unwrap()).is_empty());
}

#[tokio::test]
async fn the_fargate_vcpu_quota_in_failures_is_503_and_reports_nothing() {
    let world = World::start().await.unwrap();
    let quota = json!({"tasks": [], "failures": [{
        "arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/bb-linux:1",
        "reason": "You've reached the limit on the number of vCPUs you can run concurrently",
    }]});
    world.ecs.answer_next("RunTask", 1, 200, quota);
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert!(world.agent_names().is_empty());
    assert!(kinds(&world.published().await.unwrap()).is_empty());
}

#[tokio::test]
async fn a_run_task_ecs_refuses_outright_is_reported_once_then_held_back_by_the_reconciler() {
    // GIVEN a build waiting without a webhook, and an IAM policy that does
    // not let the functions pass the task role (ECS creates no task)
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    world.reconcile().await; // the placeholders, so Jenkins names the label
    let denied = json!({"__type": "AccessDeniedException", "message": "User: \
        arn:aws:sts::123456789012:assumed-role/reconcile/fn is not authorized to perform: \
        iam:PassRole on resource: arn:aws:iam::123456789012:role/agent"});
    world.ecs.answer_next("RunTask", 1, 400, denied);
    // WHEN the reconciler runs three times
    let first = world.reconcile().await;
    let later = [world.reconcile().await, world.reconcile().await];
    // THEN one RunTask, one AgentLaunchFailed, and the build held back since
    assert!(
        first["errors"].to_string().contains("iam:PassRole"),
        "{first}"
    );
    for summary in &later {
        assert_eq!(summary["launched"], json!([]), "{summary}");
        let held = summary["heldBack"].as_array().unwrap();
        assert_eq!(held.len(), 1, "{summary}");
        let why = held[0].as_str().unwrap();
        assert!(
            why.starts_with(&format!("queue item {item}: launch refused")),
            "{why}"
        );
    }
    assert_eq!(world.ecs.calls("RunTask"), 1);
    let published = world.published().await.unwrap();
    assert_eq!(kinds(&published), ["AgentLaunchFailed"]);
    let mut agents = world.agent_names();
    agents.retain(|n| n.starts_with("bb-linux"));
    assert!(agents.is_empty(), "the node was deleted: {agents:?}");
}
