//! The real [`EventPublisher`]: one `PutEvents` entry per agent event.
//!
//! PutEvents answers HTTP 200 even when it drops entries: it reports them in
//! `FailedEntryCount` and in each entry's `ErrorCode`, so both the call and
//! the entry are checked.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use super::{AgentEvent, CONFIG_REJECTED, ConfigRejected, EventPublisher, PublishError, SOURCE};

/// Publishes agent events to one event bus.
#[derive(Debug, Clone)]
pub struct EventBridgePublisher {
    client: Client,
    bus_name: String,
}

impl EventBridgePublisher {
    /// A publisher to `bus_name` (name or ARN; `default` for the default bus).
    pub fn new(client: Client, bus_name: impl Into<String>) -> Self {
        Self {
            client,
            bus_name: bus_name.into(),
        }
    }

    /// The bus events go to.
    pub fn bus_name(&self) -> &str {
        &self.bus_name
    }
}

impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, event: &AgentEvent) -> Result<(), PublishError> {
        self.put(event.kind.detail_type(), event).await
    }

    async fn publish_rejected_config(&self, event: &ConfigRejected) -> Result<(), PublishError> {
        self.put(CONFIG_REJECTED, event).await
    }
}

impl EventBridgePublisher {
    /// One entry of `detail_type` with `detail` as JSON.
    async fn put(
        &self,
        detail_type: &str,
        detail: &impl serde::Serialize,
    ) -> Result<(), PublishError> {
        let detail = serde_json::to_string(detail)
            .map_err(|e| PublishError(format!("event detail is not JSON: {e}")))?;
        let entry = PutEventsRequestEntry::builder()
            .source(SOURCE)
            .detail_type(detail_type)
            .detail(detail)
            .event_bus_name(&self.bus_name)
            .build();
        let output = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| PublishError(format!("PutEvents: {}", DisplayErrorContext(&e))))?;
        accepted(&output)
    }
}

/// The entry's own error, when EventBridge dropped it.
fn accepted(output: &PutEventsOutput) -> Result<(), PublishError> {
    let rejected = output.entries().iter().find(|e| e.error_code().is_some());
    if output.failed_entry_count() == 0 && rejected.is_none() {
        return Ok(());
    }
    let code = rejected.and_then(|e| e.error_code()).unwrap_or("unknown");
    let message = rejected
        .and_then(|e| e.error_message())
        .unwrap_or("no message");
    Err(PublishError(format!(
        "PutEvents dropped the event: {code}: {message}"
    )))
}

#[cfg(test)]
mod tests {
    use aws_sdk_eventbridge::types::PutEventsResultEntry;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;
    use crate::events::AgentEventKind;

    fn launched() -> AgentEvent {
        AgentEvent {
            kind: AgentEventKind::AgentLaunched,
            node: "ecs-linux-42".into(),
            template: "linux".into(),
            config_version: "v1".into(),
            queue_item: Some(42),
            task_arn: Some("arn:aws:ecs:eu-west-1:1:task/agents/abc".into()),
            reason: None,
            stop: None,
        }
    }

    #[tokio::test]
    async fn an_event_is_one_entry_with_our_source_detail_type_bus_and_json_detail() {
        // GIVEN EventBridge accepts the entry
        let put = mock!(Client::put_events)
            .match_requests(|req| {
                let [entry] = req.entries() else { return false };
                let detail: serde_json::Value =
                    serde_json::from_str(entry.detail().unwrap_or_default()).unwrap_or_default();
                entry.source() == Some(SOURCE)
                    && entry.detail_type() == Some("AgentLaunched")
                    && entry.event_bus_name() == Some("agents-bus")
                    && detail["node"] == "ecs-linux-42"
                    && detail["queueItem"] == 42
                    && detail["configVersion"] == "v1"
            })
            .then_output(|| {
                PutEventsOutput::builder()
                    .failed_entry_count(0)
                    .entries(PutEventsResultEntry::builder().event_id("e-1").build())
                    .build()
            });
        let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&put]);
        // WHEN the event is published
        let result = EventBridgePublisher::new(client, "agents-bus")
            .publish(&launched())
            .await;
        // THEN one call was made and it succeeded
        assert_eq!(result, Ok(()));
        assert_eq!(put.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_rejected_agents_file_is_published_as_agents_config_rejected() {
        let put = mock!(Client::put_events)
            .match_requests(|req| {
                let [entry] = req.entries() else { return false };
                let detail: serde_json::Value =
                    serde_json::from_str(entry.detail().unwrap_or_default()).unwrap_or_default();
                entry.detail_type() == Some("AgentsConfigRejected")
                    && entry.source() == Some(SOURCE)
                    && detail["rejectedVersion"] == "v2"
                    && detail["configVersion"] == "v1"
            })
            .then_output(|| PutEventsOutput::builder().failed_entry_count(0).build());
        let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&put]);
        let event = ConfigRejected {
            config_version: "v1".into(),
            rejected_version: Some("v2".into()),
            reason: "not valid YAML".into(),
        };
        let result = EventBridgePublisher::new(client, "default")
            .publish_rejected_config(&event)
            .await;
        assert_eq!(result, Ok(()));
        assert_eq!(put.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_dropped_entry_is_an_error_naming_its_code() {
        let put = mock!(Client::put_events).then_output(|| {
            PutEventsOutput::builder()
                .failed_entry_count(1)
                .entries(
                    PutEventsResultEntry::builder()
                        .error_code("InternalFailure")
                        .error_message("try again")
                        .build(),
                )
                .build()
        });
        let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&put]);
        let error = EventBridgePublisher::new(client, "default")
            .publish(&launched())
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("InternalFailure: try again"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_failed_call_is_an_error_naming_the_service_error() {
        let body = r#"{"__type":"ResourceNotFoundException","message":"Event bus agents-bus does not exist."}"#;
        let put = mock!(Client::put_events)
            .sequence()
            .http_status(400, Some(body.into()))
            .build();
        let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&put]);
        let error = EventBridgePublisher::new(client, "agents-bus")
            .publish(&launched())
            .await
            .unwrap_err();
        assert!(error.to_string().contains("does not exist"), "{error}");
    }
}
