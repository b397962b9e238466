//! The HTTP test controls under `/_stand-in/`.

use serde_json::{Value, json};

use crate::helpers::spawn;

#[tokio::test]
async fn enqueueing_over_http_returns_the_item_id() {
    let app = spawn().await;
    let body = json!({"label": "linux", "job": "p", "pipelineRun": 7});
    let response = app
        .client
        .post(app.url("/_stand-in/queue"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_u64()
        .unwrap();
    assert_eq!(
        app.json(&format!("/queue/item/{id}/api/json")).await["task"]["name"],
        "part of p #7"
    );
}

#[tokio::test]
async fn an_agent_connects_with_its_secret_over_http() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let secret = app.jenkins.secret("agent-1");
    let url = app.url("/_stand-in/agents/agent-1/connect");
    let response = app
        .client
        .post(&url)
        .json(&json!({"secret": secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        app.json("/computer/agent-1/api/json").await["offline"],
        false
    );
}

#[tokio::test]
async fn a_second_connection_under_a_connected_name_is_rejected() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    let response = app
        .client
        .post(app.url("/_stand-in/agents/agent-1/connect"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["message"],
        "agent-1 is already connected to this controller. Rejecting this connection."
    );
}

#[tokio::test]
async fn a_wrong_secret_is_forbidden() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    let url = app.url("/_stand-in/agents/agent-1/connect");
    let response = app
        .client
        .post(&url)
        .json(&json!({"secret": "0".repeat(64)}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn finishing_over_http_reports_the_finished_builds() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    app.client
        .post(app.url("/_stand-in/queue"))
        .json(&json!({"label": "linux", "job": "j"}))
        .send()
        .await
        .unwrap();
    let response = app
        .client
        .post(app.url("/_stand-in/agents/agent-1/finish"))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["finished"][0]["number"], 1);
    assert_eq!(app.json("/computer/agent-1/api/json").await["idle"], true);
}

#[tokio::test]
async fn a_reset_forgets_nodes_and_queue() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    app.client
        .post(app.url("/_stand-in/queue"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.client
            .post(app.url("/_stand-in/reset"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(app.jenkins.nodes().len(), 1);
    assert!(app.jenkins.queue().is_empty());
}
