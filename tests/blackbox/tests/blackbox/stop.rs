//! The stop path end to end: an agent launched through the webhook, its task
//! stopped in moto, the real ECS event shape delivered (twice) to the real
//! task-stopped handler.

use blackbox_tests::{World, buildable};

#[tokio::test]
async fn a_stopped_task_removes_its_node_and_is_reported_once_per_distinct_event() {
    // Arrange: an agent running for a queued build.
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let task_arn = answer.body["task"].as_str().unwrap().to_owned();
    let node = format!("bb-linux-{item}");
    // Act: the task stops; ECS delivers the event twice.
    let event = world
        .stop_task(&task_arn, "Stopped by an operator")
        .await
        .unwrap();
    let first = world.deliver(&event).await.unwrap();
    let second = world.deliver(&event).await.unwrap();
    // Assert
    assert_eq!(
        (first["outcome"].as_str(), first["node_deleted"].as_bool()),
        (Some("stopped"), Some(true)),
        "{first}"
    );
    assert_eq!(
        (second["outcome"].as_str(), second["node_deleted"].as_bool()),
        (Some("stopped"), Some(false)),
        "{second}"
    );
    assert!(
        world.jenkins.node(&node).is_none(),
        "the node is gone from Jenkins"
    );
    let published = world.published().await.unwrap();
    let stops: Vec<_> = published
        .iter()
        .filter(|(kind, _)| kind == "AgentStopped")
        .collect();
    assert_eq!(stops.len(), 1, "{published:?}");
    let detail = &stops[0].1;
    assert_eq!(
        (detail["node"].as_str(), detail["taskArn"].as_str()),
        (Some(node.as_str()), Some(task_arn.as_str()))
    );
    assert_eq!(detail["stopCode"], "UserInitiated");
}

#[tokio::test]
async fn an_event_for_a_task_of_another_deployment_touches_nothing() {
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    let task_arn = answer.body["task"].as_str().unwrap().to_owned();
    let mut event = world.stop_task(&task_arn, "test").await.unwrap();
    event["detail"]["startedBy"] = "ecs-svc/1234567890".into();
    world.jenkins.clear_requests();
    let outcome = world.deliver(&event).await.unwrap();
    assert_eq!(outcome["outcome"], "not-ours");
    assert!(world.jenkins.requests().is_empty());
    assert!(world.jenkins.node(&format!("bb-linux-{item}")).is_some());
}

#[tokio::test]
async fn jenkins_down_fails_the_event_so_it_is_retried_and_the_retry_deletes_the_node() {
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    let task_arn = answer.body["task"].as_str().unwrap().to_owned();
    let event = world.stop_task(&task_arn, "test").await.unwrap();
    world
        .jenkins
        .inject_fault(jenkins_stand_in::Fault::status("/computer/", 503));
    let error = world.deliver(&event).await.unwrap_err();
    assert!(error.contains("jenkins is unavailable"), "{error}");
    assert!(
        world
            .published()
            .await
            .unwrap()
            .iter()
            .all(|(kind, _)| kind != "AgentStopped")
    );
    world.deliver(&event).await.unwrap();
    assert!(world.jenkins.node(&format!("bb-linux-{item}")).is_none());
}

#[tokio::test]
async fn an_event_redriven_from_the_failed_events_queue_as_lambdas_record_deletes_the_node() {
    // GIVEN an agent whose task stopped while Jenkins was down: every attempt
    // of task-stopped failed, and Lambda's on-failure destination kept a
    // record of the event (docs/aws.md §16)
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    let task_arn = answer.body["task"].as_str().unwrap().to_owned();
    let node = format!("bb-linux-{item}");
    let event = world
        .stop_task(&task_arn, "Stopped by an operator")
        .await
        .unwrap();
    world
        .jenkins
        .inject_fault(jenkins_stand_in::Fault::status("/computer/bb-linux-", 502).method("POST"));
    let failed = world.deliver(&event).await;
    assert!(failed.is_err(), "{failed:?}");
    let record = serde_json::json!({
        "version": "1.0",
        "timestamp": "2026-11-27T10:30:41.207Z",
        "requestContext": {
            "requestId": "8f2c6d1e-4b7a-4c9e-a3d5-0e1f2a3b4c5d",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:bb-task-stopped:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": "Retryable", "errorMessage": failed.unwrap_err()},
    });
    // WHEN Jenkins is back and the queue's message is sent to the function as it is
    world.jenkins.clear_faults();
    let outcome = world.deliver(&record).await.unwrap();
    // THEN the event inside is handled: the node is deleted
    assert_eq!(
        (
            outcome["outcome"].as_str(),
            outcome["node_deleted"].as_bool()
        ),
        (Some("stopped"), Some(true)),
        "{outcome}"
    );
    assert!(world.jenkins.node(&node).is_none());
}
