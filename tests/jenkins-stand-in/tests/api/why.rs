//! The queue's `why` texts, case by case (docs/jenkins-api.md §5), with U+2018/U+2019 quotes.

use jenkins_stand_in::Enqueue;

use crate::helpers::{TestApp, spawn};

fn labelled(label: &str) -> Enqueue {
    Enqueue {
        label: Some(label.into()),
        ..Enqueue::default()
    }
}

/// Occupies every executor of the given agents with a build.
fn keep_busy(app: &TestApp, agents: &[&str]) {
    for agent in agents {
        app.jenkins.enqueue(labelled(agent));
    }
}

#[tokio::test]
async fn without_agent_nodes_the_label_is_ignored() {
    let app = spawn().await;
    let id = app.jenkins.enqueue(labelled("linux"));
    assert_eq!(app.why(id).await, "Waiting for next available executor");
}

#[tokio::test]
async fn a_label_no_node_carries_has_no_nodes() {
    let app = spawn().await;
    app.create_agent("win-1", "windows", "NORMAL").await;
    let id = app.jenkins.enqueue(labelled("my label"));
    assert_eq!(
        app.why(id).await,
        "There are no nodes with the label \u{2018}my label\u{2019}"
    );
}

#[tokio::test]
async fn a_label_whose_nodes_are_all_offline_says_so() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    app.create_agent("agent-2", "linux", "NORMAL").await;
    let id = app.jenkins.enqueue(labelled("linux"));
    assert_eq!(app.why(id).await, "All nodes of label ‘linux’ are offline");
}

#[tokio::test]
async fn a_label_with_one_offline_node_names_the_node() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let id = app.jenkins.enqueue(labelled("linux"));
    assert_eq!(app.why(id).await, "‘agent-1’ is offline");
}

#[tokio::test]
async fn a_busy_label_with_several_nodes_names_the_canonical_label() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux docker", "NORMAL").await;
    app.online_agent("agent-2", "linux docker", "NORMAL").await;
    keep_busy(&app, &["agent-1", "agent-2"]);
    let id = app.jenkins.enqueue(labelled("linux && docker"));
    assert_eq!(
        app.why(id).await,
        "Waiting for next available executor on ‘linux&&docker’"
    );
}

#[tokio::test]
async fn a_busy_label_with_one_node_names_the_node() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    keep_busy(&app, &["agent-1"]);
    let id = app.jenkins.enqueue(labelled("linux"));
    assert_eq!(
        app.why(id).await,
        "Waiting for next available executor on ‘agent-1’"
    );
}

#[tokio::test]
async fn idle_executors_that_refuse_give_their_sorted_reasons() {
    // GIVEN an idle linux agent not accepting tasks and an idle windows agent
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.jenkins.set_accepting_tasks("agent-1", false).unwrap();
    app.online_agent("win-1", "windows", "NORMAL").await;
    // WHEN a linux item is queued
    let id = app.jenkins.enqueue(labelled("linux"));
    // THEN both refusals are listed, sorted, joined with "; "
    assert_eq!(
        app.why(id).await,
        "‘agent-1’ is not accepting tasks; ‘win-1’ doesn’t have label ‘linux’"
    );
}

#[tokio::test]
async fn more_than_five_refusals_are_counted() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.jenkins.set_accepting_tasks("agent-1", false).unwrap();
    for n in 1..=6 {
        app.online_agent(&format!("win-{n}"), "windows", "NORMAL")
            .await;
    }
    let id = app.jenkins.enqueue(labelled("linux"));
    let expected = "‘agent-1’ is not accepting tasks; ‘win-1’ doesn’t have label ‘linux’; \
        ‘win-2’ doesn’t have label ‘linux’; ‘win-3’ doesn’t have label ‘linux’; \
        ‘win-4’ doesn’t have label ‘linux’; ... and 2 more";
    assert_eq!(app.why(id).await, expected);
}

#[tokio::test]
async fn an_exclusive_agent_is_reserved_for_matching_labels() {
    let app = spawn().await;
    app.online_agent("ecs-1", "ecs", "EXCLUSIVE").await;
    let id = app.jenkins.enqueue(Enqueue::default());
    assert_eq!(
        app.why(id).await,
        "‘ecs-1’ is reserved for jobs with matching label expression"
    );
}

#[tokio::test]
async fn an_unrestricted_item_without_idle_executors_waits_for_any_executor() {
    let app = spawn().await;
    app.create_agent("ecs-1", "ecs", "EXCLUSIVE").await;
    let id = app.jenkins.enqueue(Enqueue::default());
    assert_eq!(app.why(id).await, "Waiting for next available executor");
}
