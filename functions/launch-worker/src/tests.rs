//! The function from SQS' side: messages in, a partial batch response and
//! postponed messages out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ecs_agents::ecs::{LaunchFailure, RunOutcome};
use ecs_agents::launch::Launcher;
use ecs_agents::ports::Fakes;
use ecs_agents::workqueue::fake::FakeWorkQueue;
use serde_json::{Value, json};

use super::*;

const CONFIG: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
";
const NOW: u64 = 1_764_270_000;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn buildable(id: u64) -> String {
    Work {
        received_ms: NOW * 1000,
        event: json!({"type": "queue.buildable", "eventTime": NOW * 1000, "item": {"id": id, "label": "linux", "inQueueSince": NOW * 1000 - 1000}}),
    }
    .to_body()
}

/// An SQS event as Lambda delivers it: (message id, body, receive count).
fn event(messages: &[(&str, &str, u32)]) -> SqsEvent {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body, receives)| {
            json!({
                "messageId": id,
                "receiptHandle": format!("receipt-of-{id}"),
                "body": body,
                "attributes": {"ApproximateReceiveCount": receives.to_string()},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:1:ecs-agents-work",
                "awsRegion": "eu-west-1",
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

fn failures(response: &SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect()
}

fn worker() -> Worker<Fakes> {
    Worker::new(Launcher::with_fakes(CONFIG))
}

#[tokio::test]
async fn work_that_is_done_is_not_reported_so_sqs_deletes_it() {
    let (worker, queue) = (worker(), FakeWorkQueue::new());
    let (response, outcomes) =
        handle_at(&worker, &queue, event(&[("m-1", &buildable(7), 1)]), now()).await;
    assert!(failures(&response).is_empty());
    assert_eq!(outcomes[0].as_ref().unwrap().body["outcome"], "launched");
    assert!(queue.postponed().is_empty());
}

#[tokio::test]
async fn throttled_work_is_put_back_for_its_backoff_and_reported() {
    let (worker, queue) = (worker(), FakeWorkQueue::new());
    let throttled = LaunchFailure {
        reason: "Rate exceeded".into(),
        retryable: true,
    };
    let ecs = &worker.launcher().deployment().ecs;
    ecs.answer_next_run(Ok(RunOutcome::Failed(throttled)));
    // The third delivery of this work: 8 s, plus at most a quarter.
    let (response, _) = handle_at(
        &worker,
        &queue,
        event(&[("m-1", &buildable(7), 3), ("m-2", &buildable(8), 1)]),
        now(),
    )
    .await;
    assert_eq!(failures(&response), ["m-1"]);
    let postponed = queue.postponed();
    assert_eq!(postponed.len(), 1);
    assert_eq!(postponed[0].0, "receipt-of-m-1");
    assert!(
        (8..=10).contains(&postponed[0].1.as_secs()),
        "{postponed:?}"
    );
}

#[tokio::test]
async fn a_message_that_is_not_work_is_reported_without_a_backoff() {
    let (worker, queue) = (worker(), FakeWorkQueue::new());
    let not_an_event = Work {
        received_ms: NOW * 1000,
        event: json!({"type": "queue.buildable"}),
    }
    .to_body();
    let (response, outcomes) = handle_at(
        &worker,
        &queue,
        event(&[("m-1", "hello", 1), ("m-2", &not_an_event, 1)]),
        now(),
    )
    .await;
    assert_eq!(failures(&response), ["m-1", "m-2"]);
    assert!(outcomes[0].is_none());
    assert!(queue.postponed().is_empty());
    assert_eq!(worker.launcher().deployment().ecs.run_calls(), 0);
}

#[tokio::test]
async fn work_that_cannot_be_put_back_is_still_reported_for_redelivery() {
    let (worker, queue) = (worker(), FakeWorkQueue::new());
    queue.fail(Some("ChangeMessageVisibility: receipt expired"));
    let throttled = LaunchFailure {
        reason: "Rate exceeded".into(),
        retryable: true,
    };
    worker
        .launcher()
        .deployment()
        .ecs
        .answer_next_run(Ok(RunOutcome::Failed(throttled)));
    let (response, _) =
        handle_at(&worker, &queue, event(&[("m-1", &buildable(7), 1)]), now()).await;
    assert_eq!(failures(&response), ["m-1"]);
}

/// The samples `cargo lambda invoke launch-worker --data-file` takes, in an
/// order where each has something to act on: the build's agent is launched,
/// the build is cancelled before the agent connects (its agent retired), and
/// a late release of that agent finds nothing left to stop.
const SAMPLES: [&str; 3] = [
    include_str!("../../../events/sqs/work-queue-buildable.json"),
    include_str!("../../../events/sqs/work-queue-left-cancelled.json"),
    include_str!("../../../events/sqs/work-agent-released.json"),
];

#[tokio::test]
async fn the_sample_sqs_events_are_handled_as_work() {
    let worker = Worker::new(Launcher::with_fakes(include_str!(
        "../../../infra/agents.yaml"
    )));
    let queue = FakeWorkQueue::new();
    // The samples were recorded just after the events they carry.
    let at = UNIX_EPOCH + Duration::from_millis(1_764_277_200_500);
    let mut outcomes = Vec::new();
    for sample in SAMPLES {
        let event: SqsEvent = serde_json::from_str(sample).expect("an SQS event");
        let (response, handled) = handle_at(&worker, &queue, event, at).await;
        assert!(failures(&response).is_empty(), "{sample}");
        let handled = handled[0].as_ref().expect("work");
        outcomes.push(handled.body["outcome"].as_str().unwrap().to_owned());
    }
    assert_eq!(outcomes, ["launched", "cancelled", "released"]);
}
