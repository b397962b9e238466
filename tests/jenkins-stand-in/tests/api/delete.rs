//! `POST /computer/NAME/doDelete`.

use jenkins_stand_in::Enqueue;

use crate::helpers::spawn;

#[tokio::test]
async fn deleting_an_agent_redirects_to_the_computer_list() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let response = app.post("/computer/agent-1/doDelete").send().await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["Location"], app.url("/computer/"));
    assert!(app.jenkins.node("agent-1").is_none());
}

#[tokio::test]
async fn deleting_an_unknown_agent_is_not_found() {
    let app = spawn().await;
    let response = app.post("/computer/agent-1/doDelete").send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_running_build_does_not_prevent_the_delete_but_keeps_the_computer_until_it_ends() {
    // GIVEN an agent running a build
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.jenkins.enqueue(Enqueue {
        label: Some("linux".into()),
        ..Enqueue::default()
    });
    // WHEN the node is deleted
    let response = app.post("/computer/agent-1/doDelete").send().await.unwrap();
    assert_eq!(response.status(), 302);
    // THEN its computer lingers, offline with 0 executors, until the build ends
    let computer = app.json("/computer/agent-1/api/json").await;
    assert_eq!(computer["numExecutors"], 0);
    assert_eq!(computer["offlineCauseReason"], "Node is being removed");
    app.jenkins.finish_builds("agent-1", None).unwrap();
    let gone = app.get("/computer/agent-1/api/json").send().await.unwrap();
    assert_eq!(gone.status(), 404);
}
