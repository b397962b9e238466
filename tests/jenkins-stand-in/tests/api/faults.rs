//! Injected faults.

use std::time::{Duration, Instant};

use jenkins_stand_in::Fault;

use crate::helpers::{agent_form, spawn};

#[tokio::test]
async fn an_injected_status_answers_the_next_matching_requests_only() {
    // GIVEN two 503s armed for the computer list
    let app = spawn().await;
    app.jenkins
        .inject_fault(Fault::status("/computer/api/json", 503).times(2));
    // WHEN it is read three times
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            app.get("/computer/api/json")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    // THEN the first two fail and the third is served
    assert_eq!(statuses, [503, 503, 200]);
}

#[tokio::test]
async fn a_fault_for_another_method_does_not_apply() {
    let app = spawn().await;
    app.jenkins
        .inject_fault(Fault::status("/computer/", 500).method("POST"));
    assert_eq!(
        app.get("/computer/api/json").send().await.unwrap().status(),
        200
    );
    assert_eq!(
        app.post("/computer/doCreateItem")
            .send()
            .await
            .unwrap()
            .status(),
        500
    );
}

#[tokio::test]
async fn an_injected_delay_slows_the_request_down() {
    let app = spawn().await;
    app.jenkins
        .inject_fault(Fault::delay("/queue/", Duration::from_millis(300)));
    let started = Instant::now();
    let response = app.get("/queue/api/json").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn faults_are_armed_over_http_too() {
    let app = spawn().await;
    let fault = serde_json::json!({"pathPrefix": "/queue/", "status": 502});
    let armed = app
        .client
        .post(app.url("/_stand-in/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(armed.status(), 204);
    assert_eq!(
        app.get("/queue/api/json").send().await.unwrap().status(),
        502
    );
    assert_eq!(
        app.get("/queue/api/json").send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn a_stripped_header_is_gone_from_the_next_matching_answer_only() {
    // GIVEN a duplicate create, whose X-Error a proxy drops once
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "EXCLUSIVE").await;
    app.jenkins
        .inject_fault(Fault::strip_header("/computer/doCreateItem", "x-error"));
    let form = agent_form("linux", "EXCLUSIVE", true);
    let duplicate = || app.create("agent-1", &form);
    // WHEN it is posted twice
    let first = duplicate().await;
    let second = duplicate().await;
    // THEN the first 400 comes without X-Error, the second with it
    assert_eq!(first.status(), 400);
    assert!(first.headers().get("X-Error").is_none());
    assert_eq!(second.status(), 400);
    assert!(second.headers().get("X-Error").is_some());
}

#[tokio::test]
async fn a_header_is_stripped_when_armed_over_http() {
    let app = spawn().await;
    let fault =
        serde_json::json!({"pathPrefix": "/computer/api/json", "stripHeader": "Content-Type"});
    let armed = app
        .client
        .post(app.url("/_stand-in/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(armed.status(), 204);
    let response = app.get("/computer/api/json").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-type").is_none());
}
