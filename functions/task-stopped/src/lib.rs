//! Translates an EventBridge "ECS Task State Change" event into a call to
//! `ecs_agents::stopped`, and its outcome into the function's result: an
//! error (so Lambda retries, then dead-letters) only when Jenkins could not be
//! told. The raw event is never logged: it carries the agent's secret.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use ecs_agents::ports::Ports;
use ecs_agents::stopped::{EcsTaskStateChange, StopError, TaskStopped};
use lambda_runtime::Diagnostic;
use serde_json::Value;

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

    #[tokio::test]
    async fn the_running_sample_needs_nothing() {
        let outcome = handle(&handler(), sample("task-running")).await.unwrap();
        assert_eq!(outcome["outcome"], "ignored");
    }
}
