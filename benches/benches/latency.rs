//! Time per invocation of each function's hot path, on the in-memory ports:
//! what our code costs a warm Lambda, network excluded.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ecs_agents::bootstrap::EMBEDDED_AGENTS;
use ecs_agents::config::AgentsConfig;
use ecs_agents::labels::LabelExpr;
use hot_path_benches::{
    BUILDABLE, RELEASED, STOPPED, forged, received_at, request, status, task_stopped, webhook,
};
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
}

/// A queue event that launches an agent: a fresh deployment each time, so
/// every iteration creates a node and runs a task.
fn webhook_launch(c: &mut Criterion) {
    let rt = runtime();
    c.bench_function("queue-webhook: queue.buildable launches an agent", |b| {
        b.to_async(&rt).iter_batched(
            || (webhook(), request(BUILDABLE)),
            |(webhook, request)| async move {
                let response = queue_webhook::handle_at(&webhook, request, received_at()).await;
                assert_eq!(status(&response.expect("an answer")), 200);
            },
            BatchSize::SmallInput,
        );
    });
}

/// The same queue event again: the at-least-once delivery path.
fn webhook_duplicate(c: &mut Criterion) {
    let rt = runtime();
    let webhook = webhook();
    rt.block_on(queue_webhook::handle_at(
        &webhook,
        request(BUILDABLE),
        received_at(),
    ))
    .expect("the first delivery");
    c.bench_function("queue-webhook: a duplicate queue.buildable", |b| {
        b.to_async(&rt).iter_batched(
            || request(BUILDABLE),
            |request| async {
                let response = queue_webhook::handle_at(&webhook, request, received_at()).await;
                assert_eq!(status(&response.expect("an answer")), 200);
            },
            BatchSize::SmallInput,
        );
    });
}

fn webhook_release_and_forgery(c: &mut Criterion) {
    let rt = runtime();
    let webhook = webhook();
    c.bench_function("queue-webhook: agent.released", |b| {
        b.to_async(&rt).iter_batched(
            || request(RELEASED),
            |request| async {
                let response = queue_webhook::handle_at(&webhook, request, received_at()).await;
                assert_eq!(status(&response.expect("an answer")), 200);
            },
            BatchSize::SmallInput,
        );
    });
    c.bench_function("queue-webhook: a forged signature is refused", |b| {
        b.to_async(&rt).iter_batched(
            || forged(BUILDABLE),
            |request| async {
                let response = queue_webhook::handle_at(&webhook, request, received_at()).await;
                assert_eq!(status(&response.expect("an answer")), 401);
            },
            BatchSize::SmallInput,
        );
    });
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
    webhook_launch,
    webhook_duplicate,
    webhook_release_and_forgery,
    task_stopped_event,
    labels_and_config
);
criterion_main!(benches);
