//! Injected faults.

use std::time::{Duration, Instant};

use jenkins_stand_in::Fault;

use crate::helpers::spawn;

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
