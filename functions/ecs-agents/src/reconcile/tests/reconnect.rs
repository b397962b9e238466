//! Agents that were connected and went away: a controller restart, a dropped
//! connection. They get the reconnect window; their resumed builds get no
//! second agent.

use super::*;

#[tokio::test]
async fn an_agent_away_after_a_controller_restart_is_kept_for_the_reconnect_window() {
    // GIVEN a connected agent an hour into its build
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 5, "linux").await;
    jenkins(&r).set_connected(&node, true);
    jenkins(&r).set_busy(&node, true);
    let start = now_ms() + 60 * MINUTE;
    r.run(start).await.unwrap();
    // WHEN the controller restarts: the agent looks as if it never connected
    jenkins(&r).restart();
    // THEN it is left alone while it may come back
    let summary = r.run(start + MINUTE).await.unwrap();
    assert!(summary.never_connected.is_empty() && summary.disconnected.is_empty());
    let summary = r.run(start + 10 * MINUTE).await.unwrap();
    assert!(summary.disconnected.is_empty(), "still within 10 minutes");
    assert_eq!(ecs(&r).running().len(), 1);
    // AND once it has come back, it is an ordinary busy agent
    jenkins(&r).set_connected(&node, true);
    assert!(
        r.run(start + 12 * MINUTE)
            .await
            .unwrap()
            .disconnected
            .is_empty()
    );
    assert!(jenkins(&r).node(&node).is_some());
}

#[tokio::test]
async fn an_agent_that_does_not_come_back_within_the_window_is_retired_without_a_launch_failure() {
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 5, "linux").await;
    jenkins(&r).set_connected(&node, true);
    let start = now_ms() + 60 * MINUTE;
    r.run(start).await.unwrap();
    jenkins(&r).drop_connection(&node, start);
    assert!(
        r.run(start + 5 * MINUTE)
            .await
            .unwrap()
            .disconnected
            .is_empty()
    );
    let summary = r.run(start + 11 * MINUTE).await.unwrap();
    assert_eq!(summary.disconnected, std::slice::from_ref(&node));
    assert!(summary.never_connected.is_empty());
    assert!(jenkins(&r).node(&node).is_none());
    assert!(ecs(&r).running().is_empty());
    let published = &r.deployment().events;
    assert!(published.first(AgentEventKind::AgentLaunchFailed).is_none());
}

#[tokio::test]
async fn a_build_resumed_after_a_restart_waits_for_its_own_agent_and_gets_no_second_one() {
    // GIVEN a connected agent, then a restart
    let r = reconciler(ReconcileOptions::default());
    let node = launched(&r, 5, "linux").await;
    jenkins(&r).set_connected(&node, true);
    r.run(now_ms()).await.unwrap();
    jenkins(&r).restart();
    // WHEN its Pipeline block waits in the queue for that agent by name
    jenkins(&r).enqueue(waiting(9, &format!("\u{2018}{node}\u{2019} is offline")));
    // THEN no agent is launched for it
    let summary = r.run(now_ms() + MINUTE).await.unwrap();
    assert!(summary.launched.is_empty(), "{summary:?}");
    assert_eq!(ecs(&r).running().len(), 1);
}
