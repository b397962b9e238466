//! The launch worker, fed as in production: signed events go through the
//! webhook, which records them; the worker acts on what was recorded.
//! (These are the launch tests the webhook had when it launched by itself,
//! with the same assertions.)

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::*;
use crate::ecs::{LaunchFailure, RunOutcome};
use crate::events::fake::FakePublisher;
use crate::ports::Fakes;
use crate::secret::Secret;
use crate::webhook::signature::sign;
use crate::webhook::{Webhook, WebhookRequest};
use crate::workqueue::fake::FakeWorkQueue;

const NOW: u64 = 1_764_270_000;
const CONFIG: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
";
const SECRET: &str = "test-webhook-secret";

/// The webhook in front of the worker, as the two functions are deployed.
struct Pipeline {
    webhook: Webhook<FakeWorkQueue, FakePublisher>,
    worker: Worker<Fakes>,
}

fn pipeline() -> Pipeline {
    Pipeline {
        webhook: Webhook::with_fakes(SECRET, CONFIG),
        worker: Worker::new(Launcher::with_fakes(CONFIG)),
    }
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

impl Pipeline {
    fn ecs(&self) -> &crate::ecs::fake::FakeEcs {
        &self.worker.launcher().deployment().ecs
    }

    /// Posts `body` to the webhook and runs what it recorded through the
    /// worker: what the worker made of the (last) work.
    async fn post(&self, body: &[u8]) -> Handled {
        let signature = sign(&Secret::new(SECRET), NOW, body);
        let timestamp = NOW.to_string();
        let request = WebhookRequest {
            timestamp: Some(&timestamp),
            signature: Some(&signature),
            body,
        };
        let answer = self.webhook.handle(request, now()).await;
        assert_eq!(answer.status, 202, "the webhook accepts it: {answer:?}");
        let mut handled = Handled::new(answer.status, answer.body);
        for work in self.webhook.queue().take() {
            handled = self.worker.handle(&work, now()).await;
        }
        handled
    }
}

#[tokio::test]
async fn recorded_buildable_work_launches_an_agent() {
    let pipeline = pipeline();
    let handled = pipeline.post(&buildable(7, "linux")).await;
    assert_eq!(handled.status, 200, "{handled:?}");
    assert_eq!(handled.body["outcome"], "launched");
    assert_eq!(handled.body["node"], "ecs-linux-7");
    assert!(
        handled.body["task"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:ecs:")
    );
    assert!(!handled.retry_later());
}

#[tokio::test]
async fn the_same_work_delivered_twice_launches_one_agent() {
    let pipeline = pipeline();
    let first = pipeline.post(&buildable(7, "linux")).await;
    let second = pipeline.post(&buildable(7, "linux")).await;
    assert_eq!(
        (first.body["outcome"].as_str(), second.status),
        (Some("launched"), 200)
    );
    assert_eq!(second.body["outcome"], "already-launching");
    // The second RunTask carried the first one's client token: ECS answered
    // with the original task.
    assert_eq!(pipeline.ecs().tasks().len(), 1);
}

#[tokio::test]
async fn a_transient_failure_is_retried_later() {
    let pipeline = pipeline();
    let failure = LaunchFailure {
        reason: "RESOURCE:CPU".into(),
        retryable: true,
    };
    pipeline
        .ecs()
        .answer_next_run(Ok(RunOutcome::Failed(failure)));
    let handled = pipeline.post(&buildable(7, "linux")).await;
    assert_eq!((handled.status, handled.retry_later()), (503, true));
}

#[tokio::test]
async fn a_permanent_failure_is_422_with_the_reason_and_not_retried() {
    let pipeline = pipeline();
    let failure = LaunchFailure {
        reason: "MISSING".into(),
        retryable: false,
    };
    pipeline
        .ecs()
        .answer_next_run(Ok(RunOutcome::Failed(failure)));
    let handled = pipeline.post(&buildable(7, "linux")).await;
    assert_eq!((handled.status, handled.retry_later()), (422, false));
    assert!(handled.body["reason"].as_str().unwrap().contains("MISSING"));
}

#[tokio::test]
async fn released_and_cancelled_work_retires_agents() {
    let pipeline = pipeline();
    pipeline.post(&buildable(7, "linux")).await;
    pipeline.post(&buildable(8, "linux")).await;
    let cancel = json!({"type": "queue.left", "eventTime": NOW * 1000, "item": {"id": 8, "cancelled": true}});
    let handled = pipeline.post(&serde_json::to_vec(&cancel).unwrap()).await;
    assert_eq!(
        (handled.status, &handled.body["nodes"]),
        (200, &json!(["ecs-linux-8"]))
    );
    let release = json!({"type": "agent.released", "eventTime": NOW * 1000, "node": "ecs-linux-7"});
    let handled = pipeline.post(&serde_json::to_vec(&release).unwrap()).await;
    assert_eq!(
        (handled.status, handled.body["outcome"].as_str()),
        (200, Some("released"))
    );
}

#[tokio::test(start_paused = true)]
async fn a_launch_past_its_deadline_is_retried_later_before_the_function_times_out() {
    // GIVEN ECS takes a minute to answer RunTask (virtual time)
    let pipeline = pipeline();
    pipeline.ecs().delay_next_run(Duration::from_secs(60));
    // WHEN the work for a build is handled
    let started = tokio::time::Instant::now();
    let handled = pipeline.post(&buildable(7, "linux")).await;
    // THEN the worker answers within the function's 30 s, to retry later
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!((handled.status, handled.retry_later()), (503, true));
    let reason = handled.body["reason"].as_str().unwrap();
    assert!(
        reason.contains("launch deadline of 25 s passed"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_message_that_is_not_an_event_is_dropped_not_retried() {
    let pipeline = pipeline();
    let work = crate::workqueue::Work {
        received_ms: NOW * 1000,
        event: json!({"type": "queue.buildable"}),
    };
    let handled = pipeline.worker.handle(&work, now()).await;
    assert_eq!((handled.status, handled.retry_later()), (400, false));
    assert_eq!(pipeline.ecs().run_calls(), 0);
}
