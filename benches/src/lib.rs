//! What the benchmarks feed the functions: the signed samples of `events/`,
//! received just after they were signed, and the real handlers wired to the
//! in-memory ports, so that only our own per-invocation work is measured
//! (parsing, verifying, deciding, serialising), never the network.
//!
//! `cargo bench -p hot-path-benches` runs both benchmarks: `latency`
//! (criterion: time per invocation) and `allocations` (heap allocations and
//! bytes per invocation, counted by a global allocator).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ecs_agents::bootstrap::EMBEDDED_AGENTS;
use ecs_agents::launch::Launcher;
use ecs_agents::ports::Fakes;
use ecs_agents::secret::Secret;
use ecs_agents::stopped::{RelaunchOptions, TaskStopped};
use ecs_agents::webhook::Webhook;

/// The webhook on the in-memory ports.
pub type FakeWebhook = Webhook<Fakes>;
/// The task-stopped handler on the in-memory ports.
pub type FakeTaskStopped = TaskStopped<Fakes>;

/// When the webhook samples were signed (`ecs-agents sign --at`).
const SIGNED_AT: u64 = 1_764_277_200;

/// The Function URL event of a `queue.buildable` for `linux && arm64`.
pub const BUILDABLE: &str = include_str!("../../events/webhook/queue-buildable.json");
/// The Function URL event of an `agent.released`.
pub const RELEASED: &str = include_str!("../../events/webhook/agent-released.json");
/// The EventBridge event of an agent's task stopped after its build.
pub const STOPPED: &str = include_str!("../../events/ecs/task-stopped-build-finished.json");

/// The webhook as `main` builds it, on fresh in-memory ports, with the
/// agent templates shipped in `infra/agents.yaml`.
pub fn webhook() -> FakeWebhook {
    Webhook::new(
        Secret::new("test-webhook-secret"),
        Launcher::with_fakes(EMBEDDED_AGENTS),
    )
}

/// The task-stopped handler as `main` builds it, on fresh in-memory ports.
pub fn task_stopped() -> FakeTaskStopped {
    TaskStopped::new(
        Launcher::with_fakes(EMBEDDED_AGENTS),
        RelaunchOptions::default(),
    )
}

/// A Function URL event parsed as the runtime parses it.
pub fn request(sample: &str) -> lambda_http::Request {
    lambda_http::request::from_str(sample).expect("the samples are Function URL events")
}

/// `sample` with its signature spoilt: the request a forger sends.
pub fn forged(sample: &str) -> lambda_http::Request {
    let mut event: serde_json::Value = serde_json::from_str(sample).expect("JSON");
    event["headers"]["x-ecs-agents-signature"] =
        serde_json::json!(format!("sha256={}", "0".repeat(64)));
    request(&event.to_string())
}

/// Five seconds after the samples were signed: within the allowed skew.
pub fn received_at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(SIGNED_AT + 5)
}

/// Delivers `request` to the webhook's Function URL handler at
/// [`received_at`]; the answer's status, so that a benchmark can check it
/// measures the path it names.
pub async fn answer(webhook: &FakeWebhook, request: lambda_http::Request) -> u16 {
    let response = queue_webhook::handle_at(webhook, request, received_at()).await;
    response.expect("the webhook answers").status().as_u16()
}
