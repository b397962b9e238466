//! Time per invocation of each function's hot path, on the in-memory ports:
//! what our code costs a warm Lambda, network excluded.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ecs_agents::bootstrap::EMBEDDED_AGENTS;
use ecs_agents::config::AgentsConfig;
use ecs_agents::labels::LabelExpr;
use hot_path_benches::{
    BUILDABLE, FakeWebhook, RELEASED, STOPPED, answer, forged, request, task_stopped, webhook,
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
                assert_eq!(answer(&webhook, request).await, 200);
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

/// The same queue event again: the at-least-once delivery path.
fn webhook_duplicate(c: &mut Criterion) {
    let rt = runtime();
    let webhook = webhook();
    assert_eq!(
        rt.block_on(answer(&webhook, request(BUILDABLE))),
        200,
        "the first delivery"
    );
    let again = || request(BUILDABLE);
    bench_on(
        c,
        &rt,
        &webhook,
        "queue-webhook: a duplicate queue.buildable",
        again,
        200,
    );
}

fn webhook_release_and_forgery(c: &mut Criterion) {
    let rt = runtime();
    let webhook = webhook();
    let released = || request(RELEASED);
    bench_on(
        c,
        &rt,
        &webhook,
        "queue-webhook: agent.released",
        released,
        200,
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
    webhook_launch,
    webhook_duplicate,
    webhook_release_and_forgery,
    task_stopped_event,
    labels_and_config
);
criterion_main!(benches);
