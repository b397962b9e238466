//! The webhook from the emitter's side: signed bodies in, status and JSON out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::signature::sign;
use super::*;
use crate::ecs::{LaunchFailure, RunOutcome};
use crate::ports::Fakes;

const NOW: u64 = 1_764_270_000;
const CONFIG: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
";

type TestWebhook = Webhook<Fakes>;

fn webhook() -> TestWebhook {
    let launcher = Launcher::with_fakes(CONFIG);
    Webhook::new(Secret::new("test-webhook-secret"), launcher)
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
async fn a_signed_buildable_event_launches_an_agent() {
    let webhook = webhook();
    let response = post(&webhook, &buildable(7, "linux")).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.body["outcome"], "launched");
    assert_eq!(response.body["node"], "ecs-linux-7");
    assert!(
        response.body["task"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:ecs:")
    );
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
    assert!(webhook.launcher().config().templates.len() == 1);
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
    let response = post(&webhook(), &buildable(7, "windows")).await;
    assert_eq!(response.status, 202);
    assert_eq!(
        response.body,
        json!({"outcome": "ignored", "reason": "no template serves windows"})
    );
}

#[tokio::test]
async fn a_transient_failure_is_503_with_retry_after() {
    let webhook = webhook();
    let failure = LaunchFailure {
        reason: "RESOURCE:CPU".into(),
        retryable: true,
    };
    webhook
        .launcher()
        .deployment()
        .ecs
        .answer_next_run(Ok(RunOutcome::Failed(failure)));
    let response = post(&webhook, &buildable(7, "linux")).await;
    assert_eq!((response.status, response.retry_after), (503, Some(30)));
}

#[tokio::test]
async fn a_permanent_failure_is_422_with_the_reason() {
    let webhook = webhook();
    let failure = LaunchFailure {
        reason: "MISSING".into(),
        retryable: false,
    };
    webhook
        .launcher()
        .deployment()
        .ecs
        .answer_next_run(Ok(RunOutcome::Failed(failure)));
    let response = post(&webhook, &buildable(7, "linux")).await;
    assert_eq!(response.status, 422);
    assert!(
        response.body["reason"]
            .as_str()
            .unwrap()
            .contains("MISSING")
    );
}

#[tokio::test]
async fn released_and_cancelled_events_retire_agents() {
    let webhook = webhook();
    post(&webhook, &buildable(7, "linux")).await;
    post(&webhook, &buildable(8, "linux")).await;
    let cancel = json!({"type": "queue.left", "eventTime": NOW * 1000, "item": {"id": 8, "cancelled": true}});
    let response = post(&webhook, &serde_json::to_vec(&cancel).unwrap()).await;
    assert_eq!(
        (response.status, &response.body["nodes"]),
        (200, &json!(["ecs-linux-8"]))
    );
    let release = json!({"type": "agent.released", "eventTime": NOW * 1000, "node": "ecs-linux-7"});
    let response = post(&webhook, &serde_json::to_vec(&release).unwrap()).await;
    assert_eq!(
        (response.status, response.body["outcome"].as_str()),
        (200, Some("released"))
    );
    let started = json!({"type": "queue.left", "eventTime": NOW * 1000, "item": {"id": 7, "cancelled": false}});
    assert_eq!(
        post(&webhook, &serde_json::to_vec(&started).unwrap())
            .await
            .status,
        202
    );
}

#[tokio::test(start_paused = true)]
async fn a_launch_past_its_deadline_is_503_with_retry_after_before_the_function_times_out() {
    // GIVEN ECS takes a minute to answer RunTask (virtual time)
    let webhook = webhook();
    let ecs = &webhook.launcher().deployment().ecs;
    ecs.delay_next_run(Duration::from_secs(60));
    // WHEN a build is announced
    let started = tokio::time::Instant::now();
    let response = post(&webhook, &buildable(7, "linux")).await;
    // THEN the emitter hears 503 within the function's 30 s, not silence
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!((response.status, response.retry_after), (503, Some(30)));
    let reason = response.body["reason"].as_str().unwrap();
    assert!(
        reason.contains("launch deadline of 25 s passed"),
        "{reason}"
    );
}
