//! A Jenkins user without a permission the functions need (docs/jenkins-api.md
//! §13): what each missing one does, end to end against the stand-in's 403s.

use blackbox_tests::events::{failed_start_event, spot_warning_event};
use blackbox_tests::{World, buildable};
use jenkins_stand_in::Enqueue;
use serde_json::json;

/// The `changeOfflineCause` requests Jenkins answered, by status.
/// The answers to marking `node` offline (the launch's note for the waiting
/// build goes to the placeholder node, not to it).
fn offline_calls(world: &World, node: &str) -> Vec<u16> {
    let requests = world.jenkins.requests();
    let path = format!("/computer/{node}/changeOfflineCause");
    let marks = requests.iter().filter(|r| r.path == path);
    marks.map(|r| r.status).collect()
}

#[tokio::test]
async fn a_spot_warning_without_agent_disconnect_succeeds_once_and_the_stop_still_deletes_the_node()
{
    // Arrange: an agent running, and a user who may not disconnect agents.
    let world = World::start().await.unwrap();
    let item = world.enqueue("linux");
    let answer = world.post(&buildable(item, "linux")).await;
    let task_arn = answer.body["task"].as_str().unwrap().to_owned();
    let node = format!("bb-linux-{item}");
    world.jenkins.deny("Agent/Disconnect").unwrap();
    let warning = spot_warning_event(&world.describe(&task_arn).await.unwrap());
    // Act: the Spot warning, then the task's STOPPED event.
    let warned = world.deliver(&warning).await;
    let stop = world
        .stop_task(&task_arn, "Spot interruption")
        .await
        .unwrap();
    let stopped = world.deliver(&stop).await.unwrap();
    // Assert: the warning is done (no error, so Lambda retries nothing) after
    // one refused call, and the node is gone after the stop.
    let warned = warned.expect("the handler succeeds");
    assert_eq!(warned["outcome"], "not-marked-offline", "{warned}");
    assert!(
        warned["reason"]
            .as_str()
            .unwrap()
            .contains("Agent/Disconnect"),
        "{warned}"
    );
    assert_eq!(offline_calls(&world, &node), [403]);
    assert_eq!(stopped["node_deleted"], true, "{stopped}");
    assert!(world.jenkins.node(&node).is_none());
}

#[tokio::test]
async fn a_launch_without_agent_create_is_422_naming_it_and_leaves_nothing() {
    // Arrange
    let world = World::start().await.unwrap();
    world.jenkins.deny("Agent/Create").unwrap();
    let item = world.enqueue("linux");
    // Act
    let answer = world.post(&buildable(item, "linux")).await;
    // Assert
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    let reason = answer.body["reason"].as_str().unwrap();
    assert_eq!(
        reason,
        format!(
            "agent bb-linux-{item}: jenkins refused: admin is missing the Agent/Create permission"
        )
    );
    assert!(world.agent_names().is_empty());
    assert_eq!(world.ecs.calls("RunTask"), 0);
    let published = world.published().await.unwrap();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(
        (published[0].0.as_str(), published[0].1["reason"].as_str()),
        ("AgentLaunchFailed", Some(reason))
    );
}

/// A build of job `team/app`, in a folder whose Job/Read the user lacks
/// (it may still discover it): Jenkins answers its queue item with a 403.
fn unreadable_build(world: &World) -> u64 {
    let item = world.jenkins.enqueue(Enqueue {
        label: Some("linux".into()),
        job: Some("team/app".into()),
        ..Enqueue::default()
    });
    world.jenkins.deny_on_job("team", "Job/Read").unwrap();
    item
}

#[tokio::test]
async fn a_late_event_for_an_item_the_user_cannot_read_is_not_taken_for_one_that_left() {
    let world = World::start().await.unwrap();
    let item = unreadable_build(&world);
    let mut late = buildable(item, "linux");
    late["eventTime"] = json!(late["eventTime"].as_u64().unwrap() - 120_000);

    let answer = world.post(&late).await;

    assert_eq!(
        (answer.status, answer.body["outcome"].as_str()),
        (200, Some("launched")),
        "{:?}",
        answer.body
    );
    assert_eq!(world.agent_names(), [format!("bb-linux-{item}")]);
}

#[tokio::test]
async fn a_failed_start_for_an_item_the_user_cannot_read_is_relaunched() {
    // Arrange: an agent whose task failed to start for want of capacity.
    let world = World::start().await.unwrap();
    let item = unreadable_build(&world);
    let answer = world.post(&buildable(item, "linux")).await;
    let task_arn = answer.body["task"].as_str().unwrap().to_owned();
    let task = world.describe(&task_arn).await.unwrap();
    let failed = failed_start_event(&task, "Capacity is unavailable at this time");
    // Act
    let outcome = world.deliver(&failed).await.unwrap();
    // Assert: the queue item's 403 did not read as "gone".
    assert_eq!(
        outcome["relaunched"],
        format!("bb-linux-{item}-1"),
        "{outcome}"
    );
    assert_eq!(world.agent_names(), [format!("bb-linux-{item}-1")]);
}
