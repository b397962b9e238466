//! A controller restart while an agent runs a Pipeline build: the agent
//! reconnects (`-noReconnectAfter`), the build resumes on it, and nothing is
//! launched or retired meanwhile; an agent that stays away past the
//! reconnect window is retired (docs/jenkins-api.md §12).

use blackbox_tests::{World, now_millis};
use jenkins_stand_in::Enqueue;
use serde_json::json;

const MINUTE: u64 = 60_000;

/// A Pipeline `node('linux')` block queued, its agent launched through the
/// webhook and connected, and a reconcile tick that saw it online.
async fn agent_running_a_pipeline(world: &World) -> (u64, String) {
    let item = world.jenkins.enqueue(Enqueue {
        label: Some("linux".into()),
        job: Some("pipeline".into()),
        pipeline_run: Some(7),
        ..Enqueue::default()
    });
    let answers = world.post_announced().await;
    assert_eq!(answers[0].1.status, 200, "{:?}", answers[0].1.body);
    let node = format!("bb-linux-{item}");
    world
        .jenkins
        .connect_agent(&node, Some(&world.jenkins.secret(&node)))
        .unwrap();
    world.reconcile().await;
    (item, node)
}

fn acted(tick: &serde_json::Value) -> Vec<String> {
    [
        "launched",
        "ghostNodes",
        "orphanTasks",
        "neverConnected",
        "disconnected",
        "idleRetired",
        "errors",
    ]
    .into_iter()
    .filter(|k| tick[*k].as_array().is_some_and(|a| !a.is_empty()))
    .map(|k| format!("{k}: {}", tick[k]))
    .collect()
}

#[tokio::test]
async fn a_pipeline_build_lives_through_a_controller_restart_on_one_agent_and_one_task() {
    // Arrange
    let world = World::start().await.unwrap();
    let (_, node) = agent_running_a_pipeline(&world).await;
    world.jenkins.clear_requests();
    // Act: the controller restarts; the emitter announces what it restores.
    world.jenkins.restart();
    let announced = world.post_announced().await;
    let tick = world.reconcile().await;
    // Assert: the resumed block waits for its own agent, no template serves
    // that, and reconcile neither launches for it nor retires the agent.
    assert_eq!(announced.len(), 1, "the resumed block");
    assert_eq!(
        announced[0].1.body["outcome"], "ignored",
        "{:?}",
        announced[0].1.body
    );
    assert_eq!(acted(&tick), Vec::<String>::new());
    // Act: the agent reconnects, the block resumes and finishes, the agent is released.
    world
        .jenkins
        .connect_agent(&node, Some(&world.jenkins.secret(&node)))
        .unwrap();
    let finished = world.jenkins.finish_builds(&node, None).unwrap();
    let released = world
        .post(&json!({"type": "agent.released", "eventTime": now_millis(), "node": node}))
        .await;
    // Assert: run 7 finished there; one task ever, no node created since
    // the launch; both gone.
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].number, 7);
    assert_eq!(released.status, 200, "{:?}", released.body);
    assert_eq!(world.ecs.calls("RunTask"), 1);
    let creates = world
        .jenkins
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/doCreateItem"))
        .count();
    assert_eq!(creates, 0);
    assert!(world.jenkins.node(&node).is_none());
    assert!(world.running_tasks().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_agent_that_stays_away_past_the_reconnect_window_is_retired() {
    let world = World::start().await.unwrap();
    let (_, node) = agent_running_a_pipeline(&world).await;
    world.jenkins.restart();
    let now = now_millis();
    let first_sight = world.functions.reconcile_at(now).await.unwrap();
    assert_eq!(acted(&first_sight), Vec::<String>::new());
    let within = world
        .functions
        .reconcile_at(now + 9 * MINUTE)
        .await
        .unwrap();
    assert_eq!(acted(&within), Vec::<String>::new());
    let past = world
        .functions
        .reconcile_at(now + 11 * MINUTE)
        .await
        .unwrap();
    assert_eq!(past["disconnected"], json!([node]));
    assert!(world.jenkins.node(&node).is_none());
    assert!(world.running_tasks().await.unwrap().is_empty());
}
