//! The request log.

use jenkins_stand_in::RecordedRequest;

use crate::helpers::spawn;

#[tokio::test]
async fn every_api_request_is_recorded_with_its_status() {
    let app = spawn().await;
    app.create_agent("agent-1", "linux", "NORMAL").await;
    app.get("/computer/nope/api/json?tree=displayName")
        .send()
        .await
        .unwrap();
    let log = app.jenkins.requests();
    assert_eq!(
        log,
        [
            RecordedRequest {
                method: "POST".into(),
                path: "/computer/doCreateItem".into(),
                query: None,
                status: 302
            },
            RecordedRequest {
                method: "GET".into(),
                path: "/computer/nope/api/json".into(),
                query: Some("tree=displayName".into()),
                status: 404,
            },
        ]
    );
}

#[tokio::test]
async fn clearing_the_log_forgets_earlier_requests() {
    let app = spawn().await;
    app.get("/queue/api/json").send().await.unwrap();
    app.jenkins.clear_requests();
    app.get("/computer/api/json").send().await.unwrap();
    let paths: Vec<String> = app.jenkins.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/computer/api/json"]);
}

#[tokio::test]
async fn control_requests_are_not_recorded_but_refused_requests_are() {
    let app = spawn().await;
    app.client
        .get(app.url("/_stand-in/requests"))
        .send()
        .await
        .unwrap();
    app.client
        .get(app.url("/queue/api/json"))
        .send()
        .await
        .unwrap();
    let log: Vec<RecordedRequest> = app
        .client
        .get(app.url("/_stand-in/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, 403);
}
