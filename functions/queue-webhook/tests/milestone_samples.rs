//! The signed `agent.online` and `build.started` samples in `events/webhook/`
//! are recorded as the time to start of the `linux-arm` template, and once.

use std::time::{Duration, UNIX_EPOCH};

use ecs_agents::bootstrap::EMBEDDED_AGENTS;
use ecs_agents::events::fake::FakePublisher;
use ecs_agents::webhook::Webhook;
use ecs_agents::workqueue::fake::FakeWorkQueue;

/// When the samples were signed (`ecs-agents sign --at`).
const SIGNED_AT: u64 = 1_764_277_200;

type TestWebhook = Webhook<FakeWorkQueue, FakePublisher>;

fn webhook() -> TestWebhook {
    Webhook::with_fakes("test-webhook-secret", EMBEDDED_AGENTS)
}

async fn answer(webhook: &TestWebhook, sample: &str) -> (u16, serde_json::Value) {
    let path = format!(
        "{}/../../events/webhook/{sample}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let request = lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(SIGNED_AT + 5);
    let response = queue_webhook::handle_at(webhook, request, now)
        .await
        .unwrap();
    let body = serde_json::from_slice(response.body().as_ref()).unwrap();
    (response.status().as_u16(), body)
}

#[tokio::test]
async fn the_online_sample_records_45_seconds_to_online() {
    let (status, body) = answer(&webhook(), "agent-online").await;

    assert_eq!(
        (status, body),
        (
            200,
            serde_json::json!({"outcome": "recorded", "metric": "QueueToOnlineMs", "template": "linux-arm", "ms": 45_000})
        )
    );
}

#[tokio::test]
async fn the_build_started_sample_records_50_seconds_to_build_start_once() {
    let webhook = webhook();

    let (status, body) = answer(&webhook, "build-started").await;
    let (again, _) = answer(&webhook, "build-started").await;

    assert_eq!(
        (status, body["metric"].as_str(), body["ms"].as_u64()),
        (200, Some("QueueToBuildStartMs"), Some(50_000))
    );
    assert_eq!(again, 202, "a redelivered sample is a duplicate");
}
