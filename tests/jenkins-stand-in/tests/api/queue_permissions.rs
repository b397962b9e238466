//! What Job/Read and Job/Discover hide of the queue (docs/jenkins-api.md §13).

use jenkins_stand_in::Enqueue;
use serde_json::Value;

use crate::helpers::{TestApp, spawn};

fn enqueue(app: &TestApp, job: &str, pipeline_run: Option<u32>) -> u64 {
    app.jenkins.enqueue(Enqueue {
        label: Some("linux".into()),
        job: Some(job.into()),
        pipeline_run,
        ..Enqueue::default()
    })
}

fn ids(queue: &Value) -> Vec<u64> {
    let items = queue["items"].as_array().unwrap();
    items.iter().map(|i| i["id"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn the_queue_leaves_out_items_of_a_folder_the_user_cannot_read() {
    // GIVEN items of two folders, one of them unreadable but discoverable
    let app = spawn().await;
    let hidden = enqueue(&app, "team/app", None);
    let shown = enqueue(&app, "other/app", None);
    app.jenkins.deny_on_job("team", "Job/Read").unwrap();
    // WHEN the queue is listed
    let queue = app.json("/queue/api/json").await;
    // THEN only the readable item is listed, and the other only by its name
    assert_eq!(ids(&queue), [shown]);
    assert_eq!(queue["discoverableItems"][0]["task"]["name"], "app");
    assert_eq!(queue["discoverableItems"].as_array().unwrap().len(), 1);
    assert_ne!(hidden, shown);
}

#[tokio::test]
async fn an_item_the_user_may_discover_but_not_read_answers_403_without_permission_headers() {
    let app = spawn().await;
    let id = enqueue(&app, "team/app", None);
    app.jenkins.deny_on_job("team", "Job/Read").unwrap();

    let response = app
        .get(&format!("/queue/item/{id}/api/json"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    assert!(response.headers().get("X-Required-Permission").is_none());
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Please log in to access job/team/job/app/"),
        "{body}"
    );
}

#[tokio::test]
async fn an_item_the_user_may_not_discover_is_not_found() {
    let app = spawn().await;
    let id = enqueue(&app, "team/app", None);
    app.jenkins.deny_on_job("team", "Job/Read").unwrap();
    app.jenkins.deny_on_job("team", "Job/Discover").unwrap();

    let response = app
        .get(&format!("/queue/item/{id}/api/json"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    let queue = app.json("/queue/api/json").await;
    assert_eq!(queue["discoverableItems"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_left_item_of_an_unreadable_job_is_refused_too() {
    let app = spawn().await;
    let id = enqueue(&app, "team/app", None);
    app.jenkins.cancel_item(id).unwrap();
    app.jenkins.deny_on_job("team", "Job/Read").unwrap();

    let response = app
        .get(&format!("/queue/item/{id}/api/json"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_pipeline_node_block_takes_the_permissions_of_its_job() {
    // GIVEN a node block of an unreadable Pipeline
    let app = spawn().await;
    let id = enqueue(&app, "p", Some(7));
    app.jenkins.deny_on_job("p", "Job/Read").unwrap();
    // THEN it is neither listed nor named as discoverable (its task is not a job)
    let queue = app.json("/queue/api/json").await;
    assert!(ids(&queue).is_empty());
    assert_eq!(queue["discoverableItems"].as_array().unwrap().len(), 0);
    // AND its item names the run it belongs to
    let response = app
        .get(&format!("/queue/item/{id}/api/json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body = response.text().await.unwrap();
    assert!(body.contains("Please log in to access job/p/7/"), "{body}");
}
