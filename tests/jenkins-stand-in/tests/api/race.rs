//! Jenkins' non-atomic node creation (docs/jenkins-api.md §1 "Name race").

use std::time::Duration;

use jenkins_stand_in::StandIn;

use crate::helpers::{agent_form, spawn, spawn_with};

#[tokio::test]
async fn two_concurrent_creates_both_succeed_inside_the_race_window() {
    // GIVEN a stand-in with a race window between duplicate check and insert
    let window = Some(Duration::from_millis(300));
    let app = spawn_with(StandIn::builder().create_race_window(window)).await;
    let form = agent_form("linux", "NORMAL", true);
    // WHEN two creates of one name run concurrently
    let (first, second) = tokio::join!(app.create("agent-1", &form), app.create("agent-1", &form));
    // THEN both succeed, and one node remains
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (302, 302)
    );
    assert_eq!(app.jenkins.nodes().len(), 2, "built-in node and agent-1");
}

#[tokio::test]
async fn without_a_race_window_one_of_two_concurrent_creates_is_a_duplicate() {
    let app = spawn().await;
    let form = agent_form("linux", "NORMAL", true);
    let (first, second) = tokio::join!(app.create("agent-1", &form), app.create("agent-1", &form));
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [302, 400]);
}
