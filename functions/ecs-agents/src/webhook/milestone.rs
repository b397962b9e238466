//! `agent.online` and `build.started`: the webhook records their time to
//! start itself ([`crate::timing`]); they need no call to Jenkins or AWS,
//! so they never wait for one (nor for the work queue).
//!
//! Answers: 200 `recorded` (with the metric, template and milliseconds),
//! 202 `duplicate` (this instance counted it already), 202 `ignored` (the
//! node is not an agent of this deployment's templates).

use serde_json::json;
use tracing::info;

use super::protocol::Reached as ReachedEvent;
use super::{Webhook, WebhookResponse};
use crate::events::EventPublisher;
use crate::timing::{Milestone, Reached};
use crate::workqueue::WorkQueue;

impl<Q: WorkQueue, E: EventPublisher> Webhook<Q, E> {
    /// Records one milestone, emitting its metric the first time.
    pub(super) fn reached(&self, milestone: Milestone, event: &ReachedEvent) -> WebhookResponse {
        // The version in use: which agents are ours no version changes
        // (`config::Pinned`), and reading the published file is a remote call.
        let config = self.agents.current();
        let Some(template) = config.template_of(&event.node) else {
            return WebhookResponse::new(
                202,
                json!({ "outcome": "ignored", "reason": format!("{} is not an agent of this deployment's templates", event.node) }),
            );
        };
        let reached = Reached {
            milestone,
            node: event.node.clone(),
            queue_item: event.item.id,
            in_queue_since: event.item.in_queue_since,
            at: event.event_time,
        };
        let timed = self.milestones.record(&reached, &template.name);
        let status = match timed.record() {
            Some(record) => {
                record.emit();
                info!(node = %event.node, queue_item = event.item.id, metric = milestone.metric(), ms = reached.waited_ms(), "time to start recorded");
                200
            }
            None => 202,
        };
        WebhookResponse::new(status, serde_json::to_value(&timed).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::protocol::{self, ParseError, WebhookEvent};
    use super::super::signature::sign;
    use super::super::{WebhookRequest, WebhookResponse};
    use super::*;
    use crate::events::fake::FakePublisher;
    use crate::secret::Secret;
    use crate::workqueue::fake::FakeWorkQueue;

    const NOW: u64 = 1_764_270_000;
    const QUEUED: u64 = NOW * 1000 - 60_000;
    const CONFIG: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
";

    type TestWebhook = Webhook<FakeWorkQueue, FakePublisher>;

    fn webhook() -> TestWebhook {
        Webhook::with_fakes("s3cret", CONFIG)
    }

    fn event(kind: &str, node: &str, item: u64, event_time: u64) -> Value {
        json!({"type": kind, "eventTime": event_time, "node": node, "item": {"id": item, "inQueueSince": QUEUED}})
    }

    async fn post(webhook: &TestWebhook, event: &Value) -> WebhookResponse {
        let body = serde_json::to_vec(event).unwrap();
        let signature = sign(&Secret::new("s3cret"), NOW, &body);
        let timestamp = NOW.to_string();
        let request = WebhookRequest {
            timestamp: Some(&timestamp),
            signature: Some(&signature),
            body: &body,
        };
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(NOW);
        webhook.handle(request, now).await
    }

    #[test]
    fn agent_online_parses_with_its_node_item_and_times() {
        let body = event("agent.online", "ecs-linux-7", 7, QUEUED + 42_000).to_string();

        let parsed = protocol::parse(body.as_bytes()).unwrap();

        let expected = protocol::Reached {
            event_time: QUEUED + 42_000,
            node: "ecs-linux-7".into(),
            item: protocol::ReachedItem {
                id: 7,
                in_queue_since: QUEUED,
            },
        };
        assert_eq!(parsed, WebhookEvent::AgentOnline(expected));
    }

    #[test]
    fn build_started_parses_as_its_own_event() {
        let body = event("build.started", "ecs-linux-7", 9, QUEUED + 45_000).to_string();

        let parsed = protocol::parse(body.as_bytes()).unwrap();

        assert!(
            matches!(&parsed, WebhookEvent::BuildStarted(r) if r.item.id == 9 && r.event_time == QUEUED + 45_000),
            "{parsed:?}"
        );
    }

    #[test]
    fn a_milestone_without_in_queue_since_is_malformed_naming_the_field() {
        let mut body = event("agent.online", "ecs-linux-7", 7, QUEUED);
        body["item"].as_object_mut().unwrap().remove("inQueueSince");

        let parsed = protocol::parse(body.to_string().as_bytes());

        assert_eq!(
            parsed,
            Err(ParseError::Malformed(
                "field `item`: missing field `inQueueSince`".into()
            ))
        );
    }

    #[test]
    fn a_milestone_with_a_textual_time_is_malformed_naming_the_field() {
        let mut body = event("build.started", "ecs-linux-7", 7, QUEUED);
        body["eventTime"] = json!("yesterday");

        let Err(ParseError::Malformed(reason)) = protocol::parse(body.to_string().as_bytes())
        else {
            panic!("accepted a textual eventTime");
        };

        assert!(
            reason.starts_with("field `eventTime`: invalid type"),
            "{reason}"
        );
    }

    #[tokio::test]
    async fn an_agent_online_is_recorded_with_its_time_to_online() {
        let webhook = webhook();

        let response = post(
            &webhook,
            &event("agent.online", "ecs-linux-7", 7, QUEUED + 42_000),
        )
        .await;

        assert_eq!(
            (response.status, response.body),
            (
                200,
                json!({"outcome": "recorded", "metric": "QueueToOnlineMs", "template": "linux", "ms": 42_000})
            )
        );
    }

    #[tokio::test]
    async fn a_repeated_build_started_is_202_duplicate_and_not_counted_again() {
        let webhook = webhook();
        let started = event("build.started", "ecs-linux-7", 7, QUEUED + 45_000);

        let first = post(&webhook, &started).await;
        let again = post(&webhook, &started).await;

        assert_eq!(first.body["metric"], "QueueToBuildStartMs");
        assert_eq!(
            (again.status, again.body),
            (
                202,
                json!({"outcome": "duplicate", "milestone": "build-start", "node": "ecs-linux-7"})
            )
        );
    }

    #[tokio::test]
    async fn a_milestone_of_a_node_not_ours_is_ignored() {
        let response = post(&webhook(), &event("agent.online", "static-7", 7, QUEUED)).await;

        assert_eq!(response.status, 202);
        assert_eq!(
            response.body["reason"],
            "static-7 is not an agent of this deployment's templates"
        );
    }

    #[tokio::test]
    async fn a_milestone_is_counted_by_the_webhook_itself_and_never_recorded_as_work() {
        let webhook = webhook();

        let response = post(
            &webhook,
            &event("agent.online", "ecs-linux-7", 7, QUEUED + 1),
        )
        .await;

        assert_eq!(response.status, 200, "{:?}", response.body);
        assert!(webhook.queue().is_empty(), "nothing for the launch worker");
    }
}
