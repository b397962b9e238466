//! Time to start: `agent.online` when one of our agents connects, `build.started` when it accepts
//! a build, each signed, with the queue item's id and `inQueueSince`, and sent once.

use std::time::Duration;

use ecs_agents::webhook::protocol::WebhookEvent;
use serde_json::{Value, json};

use crate::controller;

/// The driver's `inQueueSince` of item `id` (Driver.inQueueSince).
fn in_queue_since(id: u64) -> u64 {
    1_764_270_000_000 + id
}

/// The one request of this type, after a moment for any repeat to arrive.
fn only(
    webhook: &emitter_tests::Webhook,
    jenkins: &mut emitter_tests::Controller,
    kind: &str,
) -> Value {
    webhook.wait_until(kind, |r| r.iter().any(|r| r.kind() == kind));
    jenkins.sleep(Duration::from_millis(300));
    let events = webhook.events(kind);
    assert_eq!(events.len(), 1, "{events:?}");
    events[0].clone()
}

fn epoch_ms_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn an_agent_coming_online_posts_agent_online_with_the_item_it_was_launched_for() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 7 linux");
    jenkins.our_agent("ecs-linux-7");
    let before = epoch_ms_now();

    jenkins.online("ecs-linux-7");

    let online = only(&webhook, &mut jenkins, "agent.online");
    assert_eq!(
        (&online["node"], &online["item"]),
        (
            &json!("ecs-linux-7"),
            &json!({"id": 7, "inQueueSince": in_queue_since(7)})
        )
    );
    let seen = online["eventTime"].as_u64().unwrap();
    assert!((before..=epoch_ms_now()).contains(&seen), "{seen}");
    let request = webhook
        .received()
        .into_iter()
        .find(|r| r.kind() == "agent.online")
        .unwrap();
    assert!(request.signature.is_ok(), "{request:?}");
    assert!(
        matches!(request.event, Ok(WebhookEvent::AgentOnline(_))),
        "{request:?}"
    );
}

#[test]
fn an_agent_accepting_a_build_posts_build_started_for_that_item() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 7 linux ; take 7");
    jenkins.our_agent("ecs-linux-7");

    jenkins.accept_item("ecs-linux-7", 7);

    let started = only(&webhook, &mut jenkins, "build.started");
    assert_eq!(
        (&started["node"], &started["item"]),
        (
            &json!("ecs-linux-7"),
            &json!({"id": 7, "inQueueSince": in_queue_since(7)})
        )
    );
    assert!(started["eventTime"].as_u64().is_some());
    let request = webhook
        .received()
        .into_iter()
        .find(|r| r.kind() == "build.started")
        .unwrap();
    assert!(
        matches!(request.event, Ok(WebhookEvent::BuildStarted(_))),
        "{request:?}"
    );
    assert!(
        !jenkins.accepting("ecs-linux-7"),
        "still one build per agent"
    );
}

#[test]
fn an_agent_taking_another_waiting_item_reports_that_item() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 7 linux ; enter 8 linux ; take 8");
    jenkins.our_agent("ecs-linux-7");

    jenkins.accept_item("ecs-linux-7", 8);

    let started = only(&webhook, &mut jenkins, "build.started");
    assert_eq!(
        started["item"],
        json!({"id": 8, "inQueueSince": in_queue_since(8)})
    );
}

#[test]
fn an_agent_reconnecting_is_reported_online_once() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 7 linux");
    jenkins.our_agent("ecs-linux-7");

    jenkins.online("ecs-linux-7");
    jenkins.online("ecs-linux-7");

    only(&webhook, &mut jenkins, "agent.online");
}

#[test]
fn an_agent_whose_item_the_queue_no_longer_knows_is_not_reported_online() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    // Item 7 of the description was never in this controller's queue (as after a restart).
    jenkins.our_agent("ecs-linux-7");

    jenkins.online("ecs-linux-7");

    jenkins.wait_for_log("agent.online ecs-linux-7 not sent: the queue no longer knows item 7");
    assert!(webhook.events("agent.online").is_empty());
}

#[test]
fn a_pipeline_block_resumed_on_its_agent_is_not_a_build_start() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.our_agent("ecs-linux-7");
    // After a restart the block waits for its agent by name (docs/jenkins-api.md §19).
    jenkins.queue("enter 9 ecs-linux-7 ; take 9");

    jenkins.accept_item("ecs-linux-7", 9);
    jenkins.sleep(Duration::from_millis(300));

    assert!(webhook.events("build.started").is_empty());
}

#[test]
fn nodes_that_are_not_ours_report_nothing() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 7 linux ; take 7");
    jenkins.node(
        "ecs-linux-7",
        "a static agent that happens to have our prefix",
    );

    jenkins.online("ecs-linux-7");
    jenkins.accept_item("ecs-linux-7", 7);
    jenkins.sleep(Duration::from_millis(300));

    let kinds: Vec<String> = webhook
        .received()
        .iter()
        .map(|r| r.kind().to_owned())
        .collect();
    assert!(
        !kinds
            .iter()
            .any(|k| k == "agent.online" || k == "build.started"),
        "{kinds:?}"
    );
}

#[test]
fn a_re_run_leaves_one_computer_listener() {
    let (_webhook, mut jenkins) = controller();

    jenkins.install();
    jenkins.install();

    assert_eq!(jenkins.computer_listeners(), 1);
}

#[test]
fn a_failed_install_leaves_no_computer_listener() {
    let (_webhook, mut jenkins) = controller();
    jenkins.break_timer();

    jenkins.run_script();

    assert_eq!(jenkins.computer_listeners(), 0);
}
