//! Jenkins' dispatch of buildable items to idle executors.

use jenkins_stand_in::{Enqueue, Mode, StandIn};

use crate::helpers::{spawn, spawn_with};

fn labelled(label: &str) -> Enqueue {
    Enqueue {
        label: Some(label.into()),
        job: Some("build".into()),
        ..Enqueue::default()
    }
}

#[tokio::test]
async fn a_matching_item_runs_on_a_connected_agent() {
    // GIVEN a connected linux agent
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "EXCLUSIVE").await;
    // WHEN a linux item is queued
    let id = app.jenkins.enqueue(labelled("linux"));
    // THEN it leaves the queue as a LeftItem pointing at the build the executor runs
    let item = app.json(&format!("/queue/item/{id}/api/json")).await;
    assert_eq!(item["_class"], "hudson.model.Queue$LeftItem");
    assert_eq!(item["cancelled"], false);
    assert_eq!(item["executable"]["url"], app.url("/job/build/1/"));
    let computer = app.json("/computer/agent-1/api/json?depth=1").await;
    assert_eq!(computer["idle"], false);
    assert_eq!(
        computer["executors"][0]["currentExecutable"],
        item["executable"]
    );
    assert_eq!(
        app.json("/queue/api/json").await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn an_item_waits_until_its_agent_connects() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let id = app.jenkins.enqueue(labelled("linux"));
    assert!(app.jenkins.left_item(id).is_none());
    app.jenkins
        .connect_agent("agent-1", Some(&app.jenkins.secret("agent-1")))
        .unwrap();
    assert!(app.jenkins.left_item(id).unwrap().executable.is_some());
}

#[tokio::test]
async fn an_exclusive_agent_never_takes_an_unrestricted_item() {
    let app = spawn().await;
    app.online_agent("ecs-1", "ecs", "EXCLUSIVE").await;
    let id = app.jenkins.enqueue(Enqueue::default());
    assert_eq!(app.jenkins.queue()[0].id, id);
}

#[tokio::test]
async fn a_normal_agent_takes_an_unrestricted_item() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    let id = app.jenkins.enqueue(Enqueue::default());
    assert!(app.jenkins.left_item(id).is_some());
}

#[tokio::test]
async fn a_built_in_node_without_executors_never_runs_anything() {
    let app = spawn().await;
    let id = app.jenkins.enqueue(labelled("built-in"));
    assert_eq!(app.jenkins.queue()[0].id, id);
}

#[tokio::test]
async fn a_built_in_node_with_an_executor_runs_unrestricted_items() {
    let app = spawn_with(StandIn::builder().built_in(1, "", Mode::Normal)).await;
    let id = app.jenkins.enqueue(Enqueue::default());
    let running = app.jenkins.nodes()[0].executors[0].current.clone();
    assert_eq!(running.map(|x| x.queue_id), Some(id));
}

#[tokio::test]
async fn an_agent_not_accepting_tasks_gets_no_work() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.jenkins.set_accepting_tasks("agent-1", false).unwrap();
    app.jenkins.enqueue(labelled("linux"));
    assert_eq!(app.jenkins.queue().len(), 1);
}

#[tokio::test]
async fn finishing_a_build_frees_the_executor_for_the_next_item() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.jenkins.enqueue(labelled("linux"));
    let second = app.jenkins.enqueue(labelled("linux"));
    let finished = app.jenkins.finish_builds("agent-1", None).unwrap();
    assert_eq!(finished.len(), 1);
    assert_eq!(
        app.jenkins
            .left_item(second)
            .unwrap()
            .executable
            .unwrap()
            .number,
        2
    );
}

#[tokio::test]
async fn a_node_name_is_a_label_of_that_node() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.online_agent("agent-2", "linux", "NORMAL").await;
    let id = app.jenkins.enqueue(labelled("agent-2"));
    let node = app.jenkins.node("agent-2").unwrap();
    assert_eq!(
        node.executors[0].current.as_ref().map(|x| x.queue_id),
        Some(id)
    );
}
