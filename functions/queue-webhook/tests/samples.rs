//! The signed samples in `events/webhook/` are real Function URL events the
//! handler accepts: each parses, verifies with the documented test secret at
//! its signing time, and gets the answer its event type should get. (What
//! the launch worker does with the work recorded is tested against the
//! samples in `events/sqs/`, in launch-worker's tests.)

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ecs_agents::bootstrap::EMBEDDED_AGENTS;
use ecs_agents::webhook::Webhook;

/// When the samples were signed (`ecs-agents sign --at`).
const SIGNED_AT: u64 = 1_764_277_200;

async fn answer(sample: &str) -> (u16, serde_json::Value) {
    let webhook = Webhook::with_fakes("test-webhook-secret", EMBEDDED_AGENTS);
    let path = format!(
        "{}/../../events/webhook/{sample}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let request = lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(SIGNED_AT + 5);
    let response = queue_webhook::handle_at(&webhook, request, now)
        .await
        .unwrap();
    let body = serde_json::from_slice(response.body().as_ref()).unwrap();
    (response.status().as_u16(), body)
}

#[tokio::test]
async fn the_buildable_sample_is_accepted_for_an_agent_of_the_arm_template() {
    let (status, body) = answer("queue-buildable").await;
    assert_eq!(
        (status, body["outcome"].as_str(), body["node"].as_str()),
        (202, Some("accepted"), Some("ecs-linux-arm-123")),
        "{body}"
    );
}

#[tokio::test]
async fn the_unserved_label_sample_is_ignored_with_the_reason() {
    let (status, body) = answer("queue-buildable-unserved-label").await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (202, Some("no template serves windows"))
    );
}

#[tokio::test]
async fn the_cancel_and_release_samples_are_accepted() {
    let (status, body) = answer("queue-left-cancelled").await;
    assert_eq!(
        (status, body["outcome"].as_str(), body["queueItem"].as_u64()),
        (202, Some("accepted"), Some(123)),
        "{body}"
    );
    let (status, body) = answer("agent-released").await;
    assert_eq!(
        (status, body["outcome"].as_str(), body["node"].as_str()),
        (202, Some("accepted"), Some("ecs-linux-arm-123")),
        "{body}"
    );
}

#[tokio::test]
async fn the_samples_expire_like_any_signed_request() {
    let webhook = Webhook::with_fakes("test-webhook-secret", EMBEDDED_AGENTS);
    let path = format!(
        "{}/../../events/webhook/queue-buildable.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let request = lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let response = queue_webhook::handle_at(&webhook, request, SystemTime::now())
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}
