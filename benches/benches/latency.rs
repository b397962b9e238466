//! Time per invocation of each function's hot path, on the in-memory ports:
//! what our code costs a warm Lambda, network excluded.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ecs_agents::bootstrap::EMBEDDED_AGENTS;
use ecs_agents::config::AgentsConfig;
use ecs_agents::labels::LabelExpr;
use hot_path_benches::{
    BUILDABLE, FakeWebhook, RELEASED, STOPPED, WORK_BUILDABLE, WORK_RELEASED, answer, forged,
    request, sqs_event, task_stopped, webhook, work, worker,
};
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
}

/// The work for a queued build, from its SQS event to a launched agent: a
/// fresh deployment each time, so every iteration creates a node and runs a
/// task.
fn worker_launch(c: &mut Criterion) {
    let rt = runtime();
    c.bench_function("launch-worker: work that launches an agent", |b| {
        b.to_async(&rt).iter_batched(
            || (worker(), sqs_event(WORK_BUILDABLE)),
            |(worker, event)| async move {
                assert_eq!(work(&worker, event).await, "launched");
            },
            BatchSize::SmallInput,
        );
    });
}

/// The same work again (SQS delivers at least once), and a release.
fn worker_duplicate_and_release(c: &mut Criterion) {
    let rt = runtime();
    let shared = worker();
    assert_eq!(
        rt.block_on(work(&shared, sqs_event(WORK_BUILDABLE))),
        "launched",
        "the first delivery"
    );
    let worker = &shared;
    c.bench_function("launch-worker: the same work again", |b| {
        b.to_async(&rt).iter_batched(
            || sqs_event(WORK_BUILDABLE),
            |event| async move {
                assert_eq!(work(worker, event).await, "already-launching");
            },
            BatchSize::SmallInput,
        );
    });
    c.bench_function("launch-worker: agent.released", |b| {
        b.to_async(&rt).iter_batched(
            || sqs_event(WORK_RELEASED),
            |event| async move {
                assert_eq!(work(worker, event).await, "released");
            },
            BatchSize::SmallInput,
        );
    });
}

/// `make`'s request, delivered again and again to one deployment, must be
/// answered `expected`.
fn bench_on(
    c: &mut Criterion,
    rt: &Runtime,
    webhook: &FakeWebhook,
    name: &str,
    make: fn() -> lambda_http::Request,
    expected: u16,
) {
    c.bench_function(name, |b| {
        b.to_async(rt).iter_batched(
            make,
            |request| async move {
                assert_eq!(answer(webhook, request).await, expected);
            },
            BatchSize::SmallInput,
        );
    });
}

/// What the webhook does per request: verify, match, record (or refuse).
fn webhook_requests(c: &mut Criterion) {
    let rt = runtime();
    let webhook = webhook();
    let buildable = || request(BUILDABLE);
    bench_on(
        c,
        &rt,
        &webhook,
        "queue-webhook: queue.buildable recorded",
        buildable,
        202,
    );
    let released = || request(RELEASED);
    bench_on(
        c,
        &rt,
        &webhook,
        "queue-webhook: agent.released recorded",
        released,
        202,
    );
    let forgery = || forged(BUILDABLE);
    bench_on(
        c,
        &rt,
        &webhook,
        "queue-webhook: a forged signature is refused",
        forgery,
        401,
    );
}

/// An ECS task event, from its JSON text (EventBridge's payload) to the outcome.
fn task_stopped_event(c: &mut Criterion) {
    let rt = runtime();
    let handler = task_stopped();
    c.bench_function("task-stopped: a STOPPED event from its JSON", |b| {
        b.to_async(&rt).iter(|| async {
            let event = serde_json::from_str(STOPPED).expect("the sample parses");
            let outcome = task_stopped::handle(&handler, event).await;
            assert_eq!(outcome.expect("handled")["outcome"], "stopped");
        });
    });
}

/// Template selection for a label, and the cold start's config parse.
fn labels_and_config(c: &mut Criterion) {
    let config = AgentsConfig::from_yaml(EMBEDDED_AGENTS).expect("the shipped templates are valid");
    c.bench_function("labels: parse and select a template", |b| {
        b.iter(|| {
            let expr = LabelExpr::parse_lax("linux && arm64 && !windows").expect("a label");
            assert!(config.select(&expr).is_some());
        });
    });
    c.bench_function("cold start: parse and validate infra/agents.yaml", |b| {
        b.iter(|| AgentsConfig::from_yaml(EMBEDDED_AGENTS).expect("valid"));
    });
}

criterion_group!(
    benches,
    webhook_requests,
    worker_launch,
    worker_duplicate_and_release,
    task_stopped_event,
    labels_and_config
);
criterion_main!(benches);
