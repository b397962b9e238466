//! Translates an EventBridge "ECS Task State Change" event into a call to
//! `ecs_agents::stopped`, and its outcome into the function's result: an
//! error (so Lambda retries, then dead-letters) only when Jenkins could not be
//! told. The raw event is never logged: it carries the agent's secret. The
//! event may come wrapped in a Lambda on-failure record, redriven from the
//! failed-events queue ([`delivery`]).

pub mod delivery;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use ecs_agents::ports::Ports;
use ecs_agents::stopped::{EcsTaskStateChange, StopError, TaskStopped};
use lambda_runtime::Diagnostic;
use serde_json::Value;

pub use delivery::Delivery;

/// The event as EventBridge delivers it.
pub type TaskStateChangeEvent = EventBridgeEvent<EcsTaskStateChange>;

/// Handles one event; the JSON outcome is the function's result.
pub async fn handle<P: Ports>(
    handler: &TaskStopped<P>,
    event: TaskStateChangeEvent,
) -> Result<Value, Diagnostic> {
    tracing::debug!(event_id = event.id.as_deref(), detail_type = %event.detail_type, "task state change");
    let outcome = handler.handle(&event.detail).await.map_err(retryable)?;
    Ok(serde_json::to_value(&outcome).unwrap_or_default())
}

/// Handles one invocation's payload: an event as EventBridge delivers it, or
/// one redriven from the failed-events queue in either of its shapes.
pub async fn handle_payload<P: Ports>(
    handler: &TaskStopped<P>,
    payload: Value,
) -> Result<Value, Diagnostic> {
    let delivery = Delivery::from_payload(payload).map_err(|error| Diagnostic {
        error_type: "UnreadableEvent".into(),
        error_message: format!(
            "neither an ECS task state change nor a Lambda on-failure record of one: {error}"
        ),
    })?;
    if delivery.from_failure_record {
        tracing::info!("redriven from a Lambda on-failure record: handling its requestPayload");
    }
    handle(handler, delivery.event).await
}

/// Every failure here is Jenkins not answering: worth Lambda's retries.
fn retryable(error: StopError) -> Diagnostic {
    tracing::error!(%error, "jenkins could not be told; the event will be retried");
    Diagnostic {
        error_type: "Retryable".into(),
        error_message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {

    use ecs_agents::launch::Launcher;
    use ecs_agents::ports::Fakes;
    use ecs_agents::stopped::RelaunchOptions;

    use super::*;

    fn handler() -> TaskStopped<Fakes> {
        let launcher = Launcher::with_fakes(ecs_agents::bootstrap::EMBEDDED_AGENTS);
        TaskStopped::new(launcher, RelaunchOptions::default())
    }

    fn sample(name: &str) -> TaskStateChangeEvent {
        let path = format!(
            "{}/../../events/ecs/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn a_stopped_sample_is_handled_as_ours() {
        let outcome = handle(&handler(), sample("task-stopped-build-finished"))
            .await
            .unwrap();
        assert_eq!(outcome["outcome"], "stopped", "{outcome}");
    }

    #[tokio::test]
    async fn the_sample_of_another_deployment_is_not_ours() {
        let outcome = handle(&handler(), sample("task-of-another-deployment"))
            .await
            .unwrap();
        assert_eq!(outcome["outcome"], "not-ours");
    }

    fn payload(name: &str) -> Value {
        let path = format!(
            "{}/../../events/ecs/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn a_lambda_on_failure_record_is_handled_as_the_event_it_wraps() {
        // GIVEN the record Lambda put in the failed-events queue after three
        // failed attempts (Jenkins was down), sent back to the function as is
        let record = payload("failed-event-on-failure-record");
        // WHEN task-stopped handles it
        let outcome = handle_payload(&handler(), record).await.unwrap();
        // THEN it acts on the stopped task inside
        assert_eq!(outcome["outcome"], "stopped", "{outcome}");
    }

    #[tokio::test]
    async fn an_event_the_rule_dead_lettered_is_handled_as_it_is() {
        // The rule's dead-letter queue keeps the event unchanged (docs/aws.md §16).
        let event = payload("task-stopped-build-finished");
        let outcome = handle_payload(&handler(), event).await.unwrap();
        assert_eq!(outcome["outcome"], "stopped", "{outcome}");
    }

    #[tokio::test]
    async fn a_payload_of_neither_shape_is_refused_without_echoing_it() {
        let mut record = payload("failed-event-on-failure-record");
        record["requestPayload"]["detail-type"] = Value::Null;
        let error = handle_payload(&handler(), record).await.unwrap_err();
        assert_eq!(error.error_type, "UnreadableEvent");
        assert!(
            !error.error_message.contains("JENKINS_SECRET"),
            "{}",
            error.error_message
        );
    }

    #[tokio::test]
    async fn the_running_sample_needs_nothing() {
        let outcome = handle(&handler(), sample("task-running")).await.unwrap();
        assert_eq!(outcome["outcome"], "ignored");
    }
}
