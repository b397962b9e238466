//! `/queue/api/json`, `/queue/item/ID/api/json` and `/queue/cancelItem`.

use std::collections::BTreeSet;
use std::time::Duration;

use jenkins_stand_in::{Enqueue, StandIn};
use serde_json::{Value, json};

use crate::helpers::{spawn, spawn_with};

const QUEUE_FIXTURE: &str = include_str!("../../../fixtures/jenkins/jenkins-rest-queue.json");
const CANCELLED_FIXTURE: &str =
    include_str!("../../../fixtures/jenkins/jenkins-rest-queueItemCancelled.json");
const RUNNING_FIXTURE: &str =
    include_str!("../../../fixtures/jenkins/jenkins-rest-queueItemRunning.json");

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

fn linux_job() -> Enqueue {
    Enqueue {
        label: Some("linux".into()),
        job: Some("chicken".into()),
        ..Enqueue::default()
    }
}

#[tokio::test]
async fn a_buildable_item_has_the_fixtures_fields_and_class() {
    let app = spawn().await;
    app.jenkins.enqueue(Enqueue {
        params: vec![("feet".into(), "false".into())],
        ..linux_job()
    });
    let queue = app.json("/queue/api/json").await;
    let fixture: Value = serde_json::from_str(QUEUE_FIXTURE).unwrap();
    let item = &queue["items"][0];
    assert!(
        keys(item).is_superset(&keys(&fixture["items"][0])),
        "{:?}",
        keys(item)
    );
    assert_eq!(queue["_class"], "hudson.model.Queue");
    assert_eq!(item["_class"], "hudson.model.Queue$BuildableItem");
    assert_eq!(item["url"], format!("queue/item/{}/", item["id"]));
    assert_eq!(item["params"], "\nfeet=false");
    assert_eq!(item["task"]["url"], app.url("/job/chicken/"));
}

#[tokio::test]
async fn buildable_items_are_listed_newest_first() {
    let app = spawn().await;
    let first = app.jenkins.enqueue(linux_job());
    let second = app.jenkins.enqueue(linux_job());
    let queue = app.json("/queue/api/json?tree=items[id]").await;
    assert_eq!(
        queue["items"],
        json!([{"_class": "hudson.model.Queue$BuildableItem", "id": second},
        {"_class": "hudson.model.Queue$BuildableItem", "id": first}])
    );
}

#[tokio::test]
async fn cancelling_an_item_leaves_a_cancelled_left_item() {
    // GIVEN a queued item
    let app = spawn().await;
    let id = app.jenkins.enqueue(linux_job());
    // WHEN it is cancelled
    let response = app
        .post("/queue/cancelItem")
        .query(&[("id", id)])
        .send()
        .await
        .unwrap();
    // THEN 204, and the item stays visible as a cancelled LeftItem
    assert_eq!(response.status(), 204);
    let item = app.json(&format!("/queue/item/{id}/api/json")).await;
    let fixture: Value = serde_json::from_str(CANCELLED_FIXTURE).unwrap();
    assert_eq!(keys(&item), keys(&fixture));
    assert_eq!(
        (
            item["cancelled"].clone(),
            item["executable"].clone(),
            item["why"].clone()
        ),
        (json!(true), Value::Null, Value::Null)
    );
    assert_eq!(app.json("/queue/api/json").await["items"], json!([]));
}

#[tokio::test]
async fn cancelling_an_unknown_item_is_not_found() {
    let app = spawn().await;
    let response = app
        .post("/queue/cancelItem")
        .query(&[("id", "42")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Provided id (42) not found")
    );
}

#[tokio::test]
async fn cancelling_an_item_that_already_started_fails() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    let id = app.jenkins.enqueue(linux_job());
    let response = app
        .post("/queue/cancelItem")
        .query(&[("id", id)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains(&format!("Could not cancel run for id {id}"))
    );
}

#[tokio::test]
async fn a_started_item_has_the_running_fixtures_fields() {
    let app = spawn().await;
    app.online_agent("agent-1", "linux", "NORMAL").await;
    let id = app.jenkins.enqueue(linux_job());
    let item = app.json(&format!("/queue/item/{id}/api/json")).await;
    let fixture: Value = serde_json::from_str(RUNNING_FIXTURE).unwrap();
    assert_eq!(keys(&item), keys(&fixture));
    assert_eq!(keys(&item["executable"]), keys(&fixture["executable"]));
}

#[tokio::test]
async fn a_pipeline_node_block_is_a_placeholder_task_with_a_relative_url() {
    let app = spawn().await;
    let id = app.jenkins.enqueue(Enqueue {
        job: Some("folder/p".into()),
        pipeline_run: Some(3),
        ..linux_job()
    });
    let item = app.json(&format!("/queue/item/{id}/api/json")).await;
    assert_eq!(
        item["task"]["_class"],
        "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask"
    );
    assert_eq!(item["task"]["name"], "part of folder/p #3");
    assert_eq!(item["task"]["url"], "job/folder/job/p/3/");
}

#[tokio::test]
async fn an_item_in_its_quiet_period_is_a_waiting_item() {
    let app = spawn().await;
    let id = app.jenkins.enqueue(Enqueue {
        quiet_period_ms: Some(60_000),
        ..linux_job()
    });
    let item = app.json(&format!("/queue/item/{id}/api/json")).await;
    assert_eq!(item["_class"], "hudson.model.Queue$WaitingItem");
    assert!(
        item["why"]
            .as_str()
            .unwrap()
            .starts_with("In the quiet period. Expires in "),
        "{}",
        item["why"]
    );
    assert!(item["timestamp"].is_i64());
}

#[tokio::test]
async fn left_items_are_forgotten_after_their_time_to_live() {
    let app = spawn_with(StandIn::builder().left_item_ttl(Duration::from_millis(50))).await;
    let id = app.jenkins.enqueue(linux_job());
    app.post("/queue/cancelItem")
        .query(&[("id", id)])
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let response = app
        .get(&format!("/queue/item/{id}/api/json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
