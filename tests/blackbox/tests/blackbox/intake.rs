//! The intake path against moto's SQS: the webhook records a whole burst at once, the launch
//! worker launches from the queue (as Lambda's event source delivers it, one message per
//! invocation), work put back for later comes back, and duplicates stay harmless.

use blackbox_tests::{World, buildable, now_millis};
use serde_json::json;

#[tokio::test]
async fn a_burst_is_recorded_whole_before_any_launch_and_launched_up_to_the_cap_once() {
    // GIVEN 40 builds queued at once, four times the deployment's maxAgents of 10
    let world = World::start().await.unwrap();
    let items: Vec<u64> = (0..40).map(|_| world.enqueue("linux")).collect();
    // WHEN the emitter announces them all
    for &item in &items {
        let answer = world.post_intake(&buildable(item, "linux")).await;
        assert_eq!(
            (answer.status, answer.body["outcome"].as_str()),
            (202, Some("accepted")),
            "{:?}",
            answer.body
        );
    }
    // THEN every one is recorded and nothing is launched yet: the webhook calls neither
    // Jenkins nor ECS
    assert_eq!(world.work.depth().await.unwrap(), 40);
    assert!(world.agent_names().is_empty());
    assert_eq!(world.ecs.calls("RunTask"), 0);
    // WHEN the launch worker drains the queue
    let drained = world.drain().await;
    // THEN each piece of work was done once: agents up to the cap, the rest deferred to the
    // reconciler, and nothing is left in the queue
    assert_eq!(drained.len(), 40);
    assert!(drained.iter().all(|d| !d.failed), "{drained:?}");
    assert_eq!(world.work.depth().await.unwrap(), 0);
    assert_eq!(world.running_tasks().await.unwrap().len(), 10);
    assert_eq!(world.agent_names().len(), 10);
    // WHEN the emitter's events arrive again (at-least-once) and are drained
    let run_tasks = world.ecs.calls("RunTask");
    for &item in &items {
        world.post_intake(&buildable(item, "linux")).await;
    }
    world.drain().await;
    // THEN no agent and no RunTask more
    assert_eq!(world.ecs.calls("RunTask"), run_tasks);
    assert_eq!(world.running_tasks().await.unwrap().len(), 10);
    assert_eq!(world.agent_names().len(), 10);
}

#[tokio::test]
async fn releases_and_cancellations_in_a_burst_retire_every_agent_they_name() {
    // GIVEN five agents launched
    let world = World::start().await.unwrap();
    let items: Vec<u64> = (0..5).map(|_| world.enqueue("linux")).collect();
    for &item in &items {
        world.post_intake(&buildable(item, "linux")).await;
    }
    world.drain().await;
    let nodes = world.agent_names();
    assert_eq!(nodes.len(), 5);
    // WHEN three are released and two builds cancelled, all recorded before any is acted on
    for node in &nodes[..3] {
        let released = json!({"type": "agent.released", "eventTime": now_millis(), "node": node});
        assert_eq!(world.post_intake(&released).await.status, 202);
    }
    for &item in &items[3..] {
        world.jenkins.cancel_item(item);
        let cancelled = json!({"type": "queue.left", "eventTime": now_millis(), "item": {"id": item, "cancelled": true}});
        assert_eq!(world.post_intake(&cancelled).await.status, 202);
    }
    let drained = world.drain().await;
    // THEN every node is gone and every task stopped
    assert_eq!(drained.len(), 5);
    assert!(drained.iter().all(|d| !d.failed), "{drained:?}");
    assert!(world.agent_names().is_empty(), "{:?}", world.agent_names());
    assert!(world.running_tasks().await.unwrap().is_empty());
}

#[tokio::test]
async fn throttled_work_is_put_back_and_launched_when_its_backoff_has_passed() {
    // GIVEN ECS throttles RunTask past the SDK's retries
    let world = World::start().await.unwrap();
    let throttled = json!({"__type": "ThrottlingException", "message": "Rate exceeded"});
    world.ecs.answer_next("RunTask", 5, 400, throttled);
    let item = world.enqueue("linux");
    world.post_intake(&buildable(item, "linux")).await;
    // WHEN the launch worker takes the work
    let drained = world.drain().await;
    // THEN it is put back, not lost and not launched, and nothing is left behind
    assert_eq!(drained.len(), 1);
    assert!(drained[0].failed, "reported in batchItemFailures");
    assert_eq!(world.work.depth().await.unwrap(), 1);
    assert!(world.agent_names().is_empty(), "no node without a task");
    // WHEN its backoff has passed
    assert_eq!(world.work_due_now(&drained).await, 1);
    let again = world.drain().await;
    // THEN the second delivery launches the agent and the work is done
    assert_eq!(again.len(), 1);
    assert!(!again[0].failed, "{again:?}");
    assert_eq!(world.running_tasks().await.unwrap().len(), 1);
    assert_eq!(world.work.depth().await.unwrap(), 0);
}
