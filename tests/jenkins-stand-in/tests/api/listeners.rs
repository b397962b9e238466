//! What Jenkins tells its `ComputerListener`s, and the logs of waiting Pipeline
//! runs that code inside Jenkins prints to (docs/jenkins-api.md §24, §25).

use jenkins_stand_in::{ComputerEvent, ControlError, Enqueue};

use crate::helpers::spawn;

#[tokio::test]
async fn change_offline_cause_tells_the_listeners_the_cause_before_the_node_is_deleted() {
    // GIVEN an agent that has not connected
    let app = spawn().await;
    app.create_agent("ecs-linux-7", "linux", "EXCLUSIVE").await;
    // WHEN a cause is set and the node deleted right after
    app.post("/computer/ecs-linux-7/changeOfflineCause")
        .form(&[(
            "offlineMessage",
            "ecs-agents: queue item 7, agent ecs-linux-7: failed",
        )])
        .send()
        .await
        .unwrap();
    app.post("/computer/ecs-linux-7/doDelete")
        .send()
        .await
        .unwrap();
    // THEN the listeners heard the cause, worded as the cause's toString()
    assert_eq!(
        app.jenkins.computer_events(),
        [ComputerEvent::TemporarilyOffline {
            computer: "ecs-linux-7".into(),
            cause: "Disconnected by admin : ecs-agents: queue item 7, agent ecs-linux-7: failed"
                .into(),
        }]
    );
}

#[tokio::test]
async fn toggling_an_agent_back_online_tells_no_offline_cause() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.jenkins.clear_computer_events();
    app.post("/computer/agent-1/toggleOffline")
        .send()
        .await
        .unwrap();
    app.post("/computer/agent-1/toggleOffline")
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.jenkins.computer_events(),
        [ComputerEvent::TemporarilyOffline {
            computer: "agent-1".into(),
            cause: "Disconnected by admin".into(),
        }]
    );
}

#[tokio::test]
async fn an_agent_connecting_tells_the_listeners_it_is_online() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    app.jenkins.connect_agent("agent-1", None).unwrap();
    assert_eq!(
        app.jenkins.computer_events(),
        [ComputerEvent::Online {
            computer: "agent-1".into()
        }]
    );
}

#[tokio::test]
async fn a_waiting_pipeline_run_keeps_the_lines_printed_to_its_log() {
    let app = spawn().await;
    let item = app.jenkins.enqueue(Enqueue {
        label: Some("linux".into()),
        job: Some("pipeline".into()),
        pipeline_run: Some(3),
        ..Enqueue::default()
    });
    app.jenkins.print_to_build_log(item, "first").unwrap();
    app.jenkins.print_to_build_log(item, "second").unwrap();
    let over_http: serde_json::Value = app
        .client
        .get(app.url(&format!("/_stand-in/queue/{item}/log")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http["lines"], serde_json::json!(["first", "second"]));
}

#[tokio::test]
async fn a_waiting_freestyle_build_has_no_log_to_print_to() {
    let app = spawn().await;
    let item = app.jenkins.enqueue(Enqueue {
        label: Some("linux".into()),
        ..Enqueue::default()
    });
    assert!(matches!(
        app.jenkins.print_to_build_log(item, "a line"),
        Err(ControlError::BadRequest(_))
    ));
}
