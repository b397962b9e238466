//! What the benchmarks feed the functions: the signed samples of `events/`,
//! received just after they were signed, and the real handlers wired to the
//! in-memory ports, so that only our own per-invocation work is measured
//! (parsing, verifying, deciding, serialising), never the network.
//!
//! `cargo bench -p hot-path-benches` runs both benchmarks: `latency`
//! (criterion: time per invocation) and `allocations` (heap allocations and
//! bytes per invocation, counted by a global allocator).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::sqs::SqsEvent;
use ecs_agents::bootstrap::EMBEDDED_AGENTS;
use ecs_agents::events::fake::FakePublisher;
use ecs_agents::launch::Launcher;
use ecs_agents::ports::Fakes;
use ecs_agents::stopped::{RelaunchOptions, TaskStopped};
use ecs_agents::webhook::Webhook;
use ecs_agents::worker::Worker;
use ecs_agents::workqueue::fake::FakeWorkQueue;

/// The webhook on the in-memory ports.
pub type FakeWebhook = Webhook<FakeWorkQueue, FakePublisher>;
/// The launch worker on the in-memory ports.
pub type FakeWorker = Worker<Fakes>;
/// The task-stopped handler on the in-memory ports.
pub type FakeTaskStopped = TaskStopped<Fakes>;

/// When the webhook samples were signed (`ecs-agents sign --at`).
const SIGNED_AT: u64 = 1_764_277_200;

/// The Function URL event of a `queue.buildable` for `linux && arm64`.
pub const BUILDABLE: &str = include_str!("../../events/webhook/queue-buildable.json");
/// The Function URL event of an `agent.released`.
pub const RELEASED: &str = include_str!("../../events/webhook/agent-released.json");
/// The SQS event of the work the webhook records for [`BUILDABLE`].
pub const WORK_BUILDABLE: &str = include_str!("../../events/sqs/work-queue-buildable.json");
/// The SQS event of the work recorded for [`RELEASED`].
pub const WORK_RELEASED: &str = include_str!("../../events/sqs/work-agent-released.json");
/// The EventBridge event of an agent's task stopped after its build.
pub const STOPPED: &str = include_str!("../../events/ecs/task-stopped-build-finished.json");

/// The webhook as `main` builds it, on fresh in-memory ports, with the
/// agent templates shipped in `infra/agents.yaml`.
pub fn webhook() -> FakeWebhook {
    Webhook::with_fakes("test-webhook-secret", EMBEDDED_AGENTS)
}

/// The launch worker as `main` builds it, on fresh in-memory ports.
pub fn worker() -> FakeWorker {
    Worker::new(Launcher::with_fakes(EMBEDDED_AGENTS))
}

/// An SQS event parsed as the runtime parses it.
pub fn sqs_event(sample: &str) -> SqsEvent {
    serde_json::from_str(sample).expect("the samples are SQS events")
}

/// Delivers `event` to launch-worker's handler just after the samples were
/// recorded: the outcome of its one message's work (`launched`, …), so that
/// a benchmark can check it measures the path it names. The queue only
/// matters for work put back, which these samples never are.
pub async fn work(worker: &FakeWorker, event: SqsEvent) -> String {
    let queue = FakeWorkQueue::new();
    let (response, handled) = launch_worker::handle_at(worker, &queue, event, received_at()).await;
    assert!(response.batch_item_failures.is_empty(), "no work put back");
    let handled = handled.into_iter().next().flatten().expect("work");
    handled.body["outcome"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
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
/// measures the path it names. The work it recorded is taken off the
/// in-memory queue (dropped), so a long run does not pile it up.
pub async fn answer(webhook: &FakeWebhook, request: lambda_http::Request) -> u16 {
    let response = queue_webhook::handle_at(webhook, request, received_at()).await;
    drop(webhook.queue().take());
    response.expect("the webhook answers").status().as_u16()
}
