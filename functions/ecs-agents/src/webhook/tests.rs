//! The webhook from the emitter's side: signed bodies in, status and JSON
//! out, and what it recorded on the work queue. What the launch worker then
//! does with the work is tested in `worker/tests.rs`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::signature::sign;
use super::*;
use crate::events::fake::FakePublisher;
use crate::workqueue::fake::FakeWorkQueue;

const NOW: u64 = 1_764_270_000;
const CONFIG: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
";

type TestWebhook = Webhook<FakeWorkQueue, FakePublisher>;

fn webhook() -> TestWebhook {
    Webhook::with_fakes("test-webhook-secret", CONFIG)
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn buildable(id: u64, label: &str) -> Vec<u8> {
    let event = json!({
        "type": "queue.buildable",
        "eventTime": NOW * 1000 - 500,
        "controller": "https://jenkins.example.com/",
        "item": {"id": id, "label": label, "task": {"name": "app", "url": "https://jenkins.example.com/job/app/"}, "inQueueSince": NOW * 1000 - 2000}
    });
    serde_json::to_vec(&event).unwrap()
}

async fn post(webhook: &TestWebhook, body: &[u8]) -> WebhookResponse {
    let signature = sign(&Secret::new("test-webhook-secret"), NOW, body);
    let timestamp = NOW.to_string();
    let request = WebhookRequest {
        timestamp: Some(&timestamp),
        signature: Some(&signature),
        body,
    };
    webhook.handle(request, now()).await
}

#[tokio::test]
async fn a_signed_buildable_event_is_recorded_and_answered_202_with_its_agent() {
    let webhook = webhook();
    let body = buildable(7, "linux");
    let response = post(&webhook, &body).await;
    assert_eq!(response.status, 202, "{response:?}");
    assert_eq!(
        response.body,
        json!({"outcome": "accepted", "queueItem": 7, "template": "linux", "node": "ecs-linux-7"})
    );
    let recorded = webhook.queue().take();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].received_ms, NOW * 1000);
    assert_eq!(
        recorded[0].event,
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()
    );
}

#[tokio::test]
async fn every_delivery_is_recorded_and_the_launch_makes_them_one() {
    // Duplicates are the worker's to merge: the agent's name and client
    // token make a second launch a no-op (worker/tests.rs).
    let webhook = webhook();
    post(&webhook, &buildable(7, "linux")).await;
    post(&webhook, &buildable(7, "linux")).await;
    assert_eq!(webhook.queue().len(), 2);
}

#[tokio::test]
async fn an_item_without_a_label_is_ignored_and_not_recorded() {
    let webhook = webhook();
    let event = json!({"type": "queue.buildable", "eventTime": NOW * 1000, "item": {"id": 3, "inQueueSince": 1}});
    let response = post(&webhook, &serde_json::to_vec(&event).unwrap()).await;
    assert_eq!(
        (response.status, response.body["outcome"].as_str()),
        (202, Some("ignored"))
    );
    assert!(webhook.queue().is_empty());
}

#[tokio::test]
async fn work_that_cannot_be_recorded_is_503_with_a_short_retry_after() {
    let webhook = webhook();
    webhook
        .queue()
        .fail(Some("SendMessage: service unavailable"));
    let response = post(&webhook, &buildable(7, "linux")).await;
    assert_eq!((response.status, response.retry_after), (503, Some(5)));
    assert_eq!(
        response.body["reason"],
        "work queue: SendMessage: service unavailable"
    );
}

#[tokio::test]
async fn cancelled_items_and_released_agents_are_recorded_and_started_items_ignored() {
    let webhook = webhook();
    let cancel = json!({"type": "queue.left", "eventTime": NOW * 1000, "item": {"id": 8, "cancelled": true}});
    let response = post(&webhook, &serde_json::to_vec(&cancel).unwrap()).await;
    assert_eq!(
        (response.status, &response.body),
        (202, &json!({"outcome": "accepted", "queueItem": 8}))
    );
    let release = json!({"type": "agent.released", "eventTime": NOW * 1000, "node": "ecs-linux-7"});
    let response = post(&webhook, &serde_json::to_vec(&release).unwrap()).await;
    assert_eq!(
        (response.status, &response.body),
        (202, &json!({"outcome": "accepted", "node": "ecs-linux-7"}))
    );
    let started = json!({"type": "queue.left", "eventTime": NOW * 1000, "item": {"id": 7, "cancelled": false}});
    let response = post(&webhook, &serde_json::to_vec(&started).unwrap()).await;
    assert_eq!(
        (response.status, response.body["reason"].as_str()),
        (202, Some("queue item 7 started"))
    );
    let kinds: Vec<String> = webhook
        .queue()
        .take()
        .iter()
        .map(|w| w.event["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["queue.left", "agent.released"]);
}

#[tokio::test]
async fn an_unsigned_or_wrongly_signed_request_is_401_and_launches_nothing() {
    let webhook = webhook();
    let body = buildable(7, "linux");
    let timestamp = NOW.to_string();
    let unsigned = WebhookRequest {
        timestamp: Some(&timestamp),
        signature: None,
        body: &body,
    };
    assert_eq!(webhook.handle(unsigned, now()).await.status, 401);
    let forged = sign(&Secret::new("guess"), NOW, &body);
    let wrong = WebhookRequest {
        timestamp: Some(&timestamp),
        signature: Some(&forged),
        body: &body,
    };
    assert_eq!(webhook.handle(wrong, now()).await.status, 401);
    assert!(webhook.queue().is_empty());
}

#[tokio::test]
async fn a_replayed_request_is_401() {
    let webhook = webhook();
    let body = buildable(7, "linux");
    let signature = sign(&Secret::new("test-webhook-secret"), NOW, &body);
    let timestamp = NOW.to_string();
    let request = WebhookRequest {
        timestamp: Some(&timestamp),
        signature: Some(&signature),
        body: &body,
    };
    let response = webhook
        .handle(request, now() + Duration::from_secs(301))
        .await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.body["reason"],
        "timestamp is 301 s away from now; at most 300 s allowed"
    );
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let response = post(&webhook(), &vec![b' '; MAX_BODY + 1]).await;
    assert_eq!(response.status, 413);
}

#[tokio::test]
async fn malformed_json_and_missing_fields_are_400_with_the_reason() {
    let webhook = webhook();
    let response = post(&webhook, b"{not json").await;
    assert_eq!(response.status, 400);
    assert!(
        response.body["reason"]
            .as_str()
            .unwrap()
            .starts_with("body is not JSON")
    );
    let missing = json!({"type": "queue.buildable", "eventTime": 1, "item": {"label": "linux", "inQueueSince": 1}});
    let response = post(&webhook, &serde_json::to_vec(&missing).unwrap()).await;
    assert_eq!(
        (response.status, response.body["reason"].as_str()),
        (400, Some("field `item`: missing field `id`"))
    );
    let no_type = post(&webhook, b"{}").await;
    assert_eq!(no_type.status, 400);
}

#[tokio::test]
async fn an_unknown_event_type_is_accepted_and_ignored() {
    let response = post(&webhook(), br#"{"type": "build.finished", "eventTime": 1}"#).await;
    assert_eq!(response.status, 202);
    assert_eq!(response.body["reason"], "unknown event type build.finished");
}

#[tokio::test]
async fn a_label_no_template_serves_is_202_saying_so() {
    let webhook = webhook();
    let response = post(&webhook, &buildable(7, "windows")).await;
    assert_eq!(response.status, 202);
    assert_eq!(
        response.body,
        json!({"outcome": "ignored", "reason": "no template serves windows"})
    );
    assert!(
        webhook.queue().is_empty(),
        "nothing to launch, nothing recorded"
    );
}
