//! What a controller restart does to agents, the queue and running builds, and what
//! Jenkins' queue listeners hear (docs/jenkins-api.md §11, §12).

use jenkins_stand_in::{Enqueue, QueueEvent};

use crate::helpers::spawn;

fn labelled(label: &str, pipeline_run: Option<u32>) -> Enqueue {
    Enqueue {
        label: Some(label.into()),
        job: Some("app".into()),
        pipeline_run,
        ..Enqueue::default()
    }
}

#[tokio::test]
async fn an_item_an_idle_agent_takes_at_once_is_announced_buildable_and_leaves_in_one_pass() {
    // GIVEN an idle connected agent for the label
    let app = spawn().await;
    app.online_agent("warm-1", "warm", "EXCLUSIVE").await;
    // WHEN an item for it is queued
    let id = app.jenkins.enqueue(labelled("warm", None));
    // THEN listeners heard it enter buildable, then leave started, and it never waited
    assert_eq!(
        app.jenkins.queue_events(),
        [
            QueueEvent::EnterBuildable {
                id,
                label: Some("warm".into()),
                task: "app".into(),
                in_queue_since: app.jenkins.left_item(id).unwrap().item.in_queue_since,
            },
            QueueEvent::Left {
                id,
                cancelled: false
            },
        ]
    );
    assert!(app.jenkins.queue().is_empty());
}

#[tokio::test]
async fn an_item_is_announced_once_however_often_the_queue_is_maintained() {
    let app = spawn().await;
    let id = app.jenkins.enqueue(labelled("linux", None));
    app.json("/queue/api/json").await;
    app.jenkins.cancel_item(id);
    assert_eq!(
        app.jenkins.queue_events()[1..],
        [QueueEvent::Left {
            id,
            cancelled: true
        }]
    );
    assert_eq!(app.jenkins.queue_events().len(), 2);
}

#[tokio::test]
async fn a_restart_disconnects_agents_as_if_they_had_never_connected() {
    let app = spawn().await;
    app.online_agent("ecs-linux-1", "linux", "EXCLUSIVE").await;
    app.jenkins.disconnect_agent("ecs-linux-1").unwrap();
    app.jenkins
        .connect_agent("ecs-linux-1", Some(&app.jenkins.secret("ecs-linux-1")))
        .unwrap();
    app.jenkins.restart();
    let computer = app.json("/computer/ecs-linux-1/api/json").await;
    assert_eq!(computer["offline"], true);
    assert_eq!(computer["offlineCause"], serde_json::Value::Null);
    assert_eq!(computer["offlineCauseReason"], "");
}

#[tokio::test]
async fn a_pipeline_node_block_resumes_on_its_own_agent_after_a_restart() {
    // GIVEN a Pipeline node block running on an agent
    let app = spawn().await;
    app.online_agent("ecs-linux-1", "linux", "EXCLUSIVE").await;
    let id = app.jenkins.enqueue(labelled("linux", Some(4)));
    assert!(app.jenkins.left_item(id).unwrap().executable.is_some());
    // WHEN the controller restarts
    app.jenkins.restart();
    // THEN the block waits in the queue for that very agent, which is offline
    let queue = app.jenkins.queue();
    assert_eq!(queue.len(), 1);
    let resumed = queue[0].id;
    assert_ne!(resumed, id);
    assert_eq!(
        app.why(resumed).await,
        "\u{2018}ecs-linux-1\u{2019} is offline"
    );
    // AND it runs there again, as the same run, once the agent reconnects
    app.jenkins
        .connect_agent("ecs-linux-1", Some(&app.jenkins.secret("ecs-linux-1")))
        .unwrap();
    let left = app.jenkins.left_item(resumed).unwrap();
    assert_eq!(left.executable.unwrap().number, 4);
    assert!(app.jenkins.queue().is_empty());
}

#[tokio::test]
async fn a_freestyle_build_running_at_a_restart_is_lost() {
    let app = spawn().await;
    app.online_agent("ecs-linux-1", "linux", "EXCLUSIVE").await;
    app.jenkins.enqueue(labelled("linux", None));
    app.jenkins.restart();
    assert!(app.jenkins.queue().is_empty());
    let computer = app.json("/computer/ecs-linux-1/api/json").await;
    assert_eq!(computer["idle"], true);
}

#[tokio::test]
async fn waiting_items_survive_a_restart_and_are_announced_again() {
    let app = spawn().await;
    let id = app.jenkins.enqueue(labelled("linux", None));
    app.jenkins.clear_queue_events();
    app.jenkins.restart();
    assert_eq!(app.jenkins.queue()[0].id, id);
    assert!(matches!(
        app.jenkins.queue_events()[..],
        [QueueEvent::EnterBuildable { id: again, .. }] if again == id
    ));
}
