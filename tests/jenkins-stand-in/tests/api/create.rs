//! `POST /computer/doCreateItem`.

use jenkins_stand_in::x_error_as_received;
use serde_json::json;

use crate::helpers::{agent_form, spawn};

#[tokio::test]
async fn creating_an_agent_redirects_to_the_computer_list() {
    let app = spawn().await;
    let response = app
        .create(
            "ecs-linux-1a2b",
            &agent_form("ecs linux", "EXCLUSIVE", true),
        )
        .await;
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["Location"], app.url("/computer/"));
}

#[tokio::test]
async fn a_created_agent_keeps_the_submitted_settings() {
    let app = spawn().await;
    app.create(
        "ecs-linux-1a2b",
        &agent_form("ecs linux", "EXCLUSIVE", true),
    )
    .await;
    let node = app
        .jenkins
        .node("ecs-linux-1a2b")
        .expect("node exists")
        .config;
    assert_eq!(node.label_string, "ecs linux");
    assert_eq!(node.mode, jenkins_stand_in::Mode::Exclusive);
    assert_eq!(node.remote_fs, "/home/jenkins/agent");
    assert!(node.launcher.web_socket);
}

#[tokio::test]
async fn a_duplicate_name_is_refused_with_x_error() {
    // GIVEN an existing agent
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    // WHEN it is created again
    let response = app
        .create("agent-1", &agent_form("linux", "NORMAL", true))
        .await;
    // THEN 400, with the message in X-Error as Jetty sends it and intact in the page
    assert_eq!(response.status(), 400);
    let message = "Agent called ‘agent-1’ already exists";
    assert_eq!(
        response.headers()["X-Error"].as_bytes(),
        x_error_as_received(message)
    );
    assert_eq!(
        response.headers()["X-Error"].as_bytes(),
        b"Agent called  agent-1  already exists"
    );
    assert!(response.text().await.unwrap().contains(message));
}

#[tokio::test]
async fn an_unsafe_character_in_the_name_is_refused() {
    let app = spawn().await;
    let response = app.create("a/b", &agent_form("", "NORMAL", false)).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["X-Error"].as_bytes(),
        x_error_as_received("‘/’ is an unsafe character")
    );
}

#[tokio::test]
async fn a_blank_name_is_reported_as_a_missing_parameter() {
    let app = spawn().await;
    let response = app.create("  ", &agent_form("", "NORMAL", false)).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["X-Error"],
        "Query parameter 'name' is required"
    );
}

#[tokio::test]
async fn a_name_ending_with_a_dot_is_refused() {
    let app = spawn().await;
    let response = app.create("agent.", &agent_form("", "NORMAL", false)).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["X-Error"].as_bytes(),
        x_error_as_received("A name cannot end with ‘.’")
    );
}

#[tokio::test]
async fn a_create_without_json_expects_a_form_submission() {
    let app = spawn().await;
    let fields = [("name", "agent-1"), ("type", "hudson.slaves.DumbSlave")];
    let response = app
        .post("/computer/doCreateItem")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This page expects a form submission")
    );
}

#[tokio::test]
async fn an_unknown_node_type_is_a_server_error() {
    let app = spawn().await;
    let fields = [
        ("name", "agent-1"),
        ("type", "hudson.slaves.NoSuchSlave"),
        ("json", "{}"),
    ];
    let response = app
        .post("/computer/doCreateItem")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert!(app.jenkins.node("agent-1").is_none());
}

#[tokio::test]
async fn fields_in_the_query_string_count_like_form_fields() {
    // python-jenkins sends name, type and json as query parameters of a bodiless POST.
    let app = spawn().await;
    let json =
        json!({"numExecutors": "2", "launcher": {"stapler-class": "hudson.slaves.JNLPLauncher"}});
    let query = [
        ("name", "py-agent"),
        ("type", "hudson.slaves.DumbSlave$DescriptorImpl"),
        ("json", &json.to_string()),
    ];
    let response = app
        .post("/computer/doCreateItem")
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        app.jenkins.node("py-agent").unwrap().config.num_executors,
        2
    );
}
